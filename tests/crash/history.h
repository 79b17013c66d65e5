// The client-side record of acknowledged writes and the checks a restarted server must
// pass against it (issue 4, crash tests).
//
// Model. Every writer client owns a disjoint set of keys and sends one command at a time,
// so the history of each key is totally ordered by that client's acknowledgements. After
// each acknowledged command the client knows the key's state exactly (value, and the
// window [lo, hi] of wall-clock milliseconds in which its absolute deadline was computed:
// between sending and the reply); the reply disambiguates INCR/EXPIRE on a key that may
// have expired meanwhile. At most one command per client is in flight when the server is
// killed; it may or may not have taken effect.
//
// Invariants checked after a restart (CheckClient, CheckCrossClient):
//   1. Prefix: for each client there is a cut p such that every key it owns is in the
//      state that the client's first p commands left (plus possibly the in-flight one),
//      i.e. no reordering, no resurrection of a deleted key, no stale value.
//   2. Durability: p >= the last command acknowledged at least `window_ms` before the
//      kill (window 0 under appendfsync always: every acknowledged write).
//   3. Order across clients: a command acknowledged before another client's surviving
//      command was sent has survived too (the log is a prefix of one execution order).
//
// Thread safety: a ClientLog is written by its writer thread only, and read after join.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace brisk::crashtest {

// Tolerance for the server's cached clock when it computes a deadline from "now".
constexpr int64_t kClockSlackMs = 100;

struct KeyState {
  bool exists = false;
  std::string value;
  int64_t lo = -1, hi = -1;  // deadline window, Unix ms; -1: no expiry

  bool operator==(const KeyState&) const = default;
};

// What one key looked like after the restart (GET + PEXPIRETIME in one MULTI).
struct Observed {
  bool exists = false;
  std::string value;
  int64_t pexpiretime = -1;

  KeyState AsState() const {
    KeyState s{exists, value, -1, -1};
    if (exists && pexpiretime >= 0) s.lo = s.hi = pexpiretime;
    return s;
  }
};

// Could `obs`, read between Unix ms [read_lo, read_hi], be the key in `expected`?
inline bool Matches(const KeyState& expected, const Observed& obs, int64_t read_lo,
                    int64_t read_hi) {
  if (!expected.exists) return !obs.exists;
  bool same = obs.exists && obs.value == expected.value;
  if (expected.lo < 0) return same && obs.pexpiretime == -1;
  same = same && obs.pexpiretime >= expected.lo - kClockSlackMs &&
         obs.pexpiretime <= expected.hi + kClockSlackMs;
  if (expected.hi + kClockSlackMs < read_lo) return !obs.exists;  // surely expired
  if (expected.lo - kClockSlackMs > read_hi) return same;         // surely alive
  return same || !obs.exists;
}

struct Op {
  int key = 0;                       // index into the client's keys
  std::string text;                  // the command, for failure messages
  std::vector<KeyState> after;       // acked: exactly one; in flight: every possibility
  int64_t send_ns = 0, ack_ns = -1;  // steady clock; ack_ns -1: in flight at the kill
  int64_t ack_wall_ms = -1;
};

struct ClientLog {
  std::vector<std::string> keys;
  std::vector<KeyState> initial;  // per key, at the start of the cycle
  std::vector<Op> ops;            // acknowledged ones, then at most one in flight
  std::string failure;            // an unexpected reply (the test fails on it)

  // Filled by CheckClient: the range of cuts consistent with what was observed.
  long min_cut = -1, max_cut = -1;
  long acked() const { return long(ops.size()) - (in_flight() ? 1 : 0); }
  bool in_flight() const { return !ops.empty() && ops.back().ack_ns < 0; }
};

// Invariants 1 and 2 for one client. `observed` is per key. Returns "" or a description.
inline std::string CheckClient(ClientLog* c, const std::vector<Observed>& observed, int64_t read_lo,
                               int64_t read_hi, int64_t kill_wall_ms, int64_t window_ms) {
  size_t n = size_t(c->acked());
  // Invariant 2: the cut may not be below `required`.
  size_t required = 0;
  for (size_t i = 0; i < n; ++i) {
    if (c->ops[i].ack_wall_ms <= kill_wall_ms - window_ms) required = i + 1;
  }
  std::vector<KeyState> state = c->initial;
  auto bad = [&](size_t k) { return !Matches(state[k], observed[k], read_lo, read_hi); };
  size_t mismatches = 0;
  for (size_t k = 0; k < state.size(); ++k) mismatches += bad(k) ? 1 : 0;
  c->min_cut = c->max_cut = -1;
  auto consistent = [&](long p) {
    if (c->min_cut < 0) c->min_cut = p;
    c->max_cut = p;
  };
  if (required == 0 && mismatches == 0) consistent(0);
  for (size_t i = 0; i < n; ++i) {
    size_t k = size_t(c->ops[i].key);
    mismatches -= bad(k) ? 1 : 0;
    state[k] = c->ops[i].after[0];
    mismatches += bad(k) ? 1 : 0;
    if (i + 1 >= required && mismatches == 0) consistent(long(i + 1));
  }
  if (c->in_flight() && n >= required) {
    const Op& op = c->ops.back();
    size_t k = size_t(op.key);
    size_t others = mismatches - (bad(k) ? 1 : 0);
    for (const KeyState& s : op.after) {
      if (others == 0 && Matches(s, observed[k], read_lo, read_hi)) consistent(long(n + 1));
    }
  }
  if (c->min_cut >= 0) return "";

  // No consistent cut: describe the keys that differ from the acknowledged end state.
  std::string msg = "no prefix of the acknowledged history matches (" + std::to_string(n) +
                    " acked, " + std::to_string(required) + " required durable" +
                    (c->in_flight() ? ", 1 in flight: " + c->ops.back().text : "") + "):";
  int shown = 0;
  for (size_t k = 0; k < state.size() && shown < 8; ++k) {
    if (!bad(k)) continue;
    ++shown;
    std::string last = "(none this cycle)";
    for (size_t i = n; i-- > 0;) {
      if (size_t(c->ops[i].key) == k) {
        last = c->ops[i].text;
        break;
      }
    }
    const KeyState& e = state[k];
    const Observed& o = observed[k];
    msg +=
        "\n  " + c->keys[k] + ": expected " +
        (e.exists ? "'" + e.value + "' deadline [" + std::to_string(e.lo) + "," +
                        std::to_string(e.hi) + "]"
                  : std::string("absent")) +
        " after `" + last + "`, found " +
        (o.exists ? "'" + o.value + "' @" + std::to_string(o.pexpiretime) : std::string("absent"));
  }
  return msg;
}

// Invariant 3, after CheckClient ran on every client. Returns "" or a description.
inline std::string CheckCrossClient(const std::vector<ClientLog>& clients) {
  for (size_t b = 0; b < clients.size(); ++b) {
    const ClientLog& cb = clients[b];
    if (cb.min_cut <= 0) continue;
    int64_t sent = cb.ops[size_t(cb.min_cut - 1)].send_ns;  // surely in the log
    for (size_t a = 0; a < clients.size(); ++a) {
      const ClientLog& ca = clients[a];
      long need = 0;
      for (size_t i = 0; i < size_t(ca.acked()); ++i) {
        if (ca.ops[i].ack_ns < sent) need = long(i + 1);
      }
      if (ca.max_cut < need) {
        return "client " + std::to_string(a) + " lost command " + std::to_string(need) + " (`" +
               ca.ops[size_t(need - 1)].text + "`), acknowledged before client " +
               std::to_string(b) + " sent its surviving command " + std::to_string(cb.min_cut) +
               " (`" + cb.ops[size_t(cb.min_cut - 1)].text + "`)";
      }
    }
  }
  return "";
}

}  // namespace brisk::crashtest
