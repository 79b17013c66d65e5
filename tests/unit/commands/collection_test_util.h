// Helpers for the collection family tests: RESP literals, a flat RESP decoder for
// order-insensitive comparisons, a keyevent tap, and an effect log replayer.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "commands/effects.h"
#include "effect_records.h"
#include "harness.h"
#include "log/record.h"

namespace brisk::test {

// What every collection family test starts from: a harness at a fixed time, and the
// Redis error replies they check.
inline constexpr int64_t kNow = 1'700'000'000'000;
inline const std::string kWrongType =
    Err("WRONGTYPE Operation against a key holding the wrong kind of value");
inline const std::string kSyntaxErr = Err("ERR syntax error");
inline const std::string kNotInt = Err("ERR value is not an integer or out of range");

struct CollectionFixture {
  Harness h;
  CollectionFixture() { h.SetTime(kNow); }
  std::string Run(std::initializer_list<std::string_view> args) { return h.Run(args); }
  std::string Run(const std::vector<std::string>& args) {
    std::vector<std::string_view> v(args.begin(), args.end());
    return h.Run(v);
  }
  std::string Encoding(std::string_view key) { return Run({"object", "encoding", key}); }
};

inline std::string Arr(std::initializer_list<std::string> items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const auto& i : items) out += i;
  return out;
}
inline std::string BulkArr(const std::vector<std::string>& items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const auto& i : items) out += Bulk(i);
  return out;
}

// Decodes a reply into its scalar leaves, in order: bulk/simple strings as is, integers
// as ":n", nulls as "(nil)", errors as "-text"; aggregate headers are dropped.
inline std::vector<std::string> Flat(const std::string& r) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < r.size()) {
    size_t nl = r.find("\r\n", i);
    std::string line = r.substr(i + 1, nl - i - 1);
    char t = r[i];
    i = nl + 2;
    if (t == '$') {
      long n = std::stol(line);
      if (n < 0) {
        out.push_back("(nil)");
      } else {
        out.push_back(r.substr(i, size_t(n)));
        i += size_t(n) + 2;
      }
    } else if (t == '+') {
      out.push_back(line);
    } else if (t == ':') {
      out.push_back(":" + line);
    } else if (t == '-') {
      out.push_back("-" + line);
    } else if (t == '_') {
      out.push_back("(nil)");
    }
  }
  return out;
}

inline std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Subscribes a second client to every keyevent channel of db 0; Take() returns the
// events since the last call as "event key".
struct KeyeventTap {
  Harness* h;
  cmd::ClientState c = MakeClient(9);
  explicit KeyeventTap(Harness* harness) : h(harness) {
    h->Run({"config", "set", "notify-keyspace-events", "EAn"});
    h->Run({"psubscribe", "__keyevent@0__:*"}, &c);
    h->hooks().sent_to.clear();
  }
  std::vector<std::string> Take() {
    std::vector<std::string> flat = Flat(h->hooks().sent_to[&c]);
    h->hooks().sent_to[&c].clear();
    std::vector<std::string> out;
    // pmessage, pattern, channel, payload
    for (size_t i = 0; i + 3 < flat.size(); i += 4) {
      std::string ch = flat[i + 2];
      out.push_back(ch.substr(ch.find(':') + 1) + " " + flat[i + 3]);
    }
    return out;
  }
};

// Records effects while attached; Replay() applies them to a fresh harness.
struct EffectLog {
  Harness* h;
  cmd::EffectRecorder rec;
  explicit EffectLog(Harness* harness) : h(harness), rec(&harness->keyspace()) {
    h->server().effects = &rec;
  }
  ~EffectLog() { h->server().effects = nullptr; }
  // The records so far as "ARG ARG ..." lines (ends the open batch first).
  std::vector<std::string> Texts() {
    rec.EndBatch();
    std::string bytes;
    rec.TakeBatches(&bytes);
    all_ += bytes;
    std::vector<std::string> out;
    ForEachRecord(bytes, [&](const applog::DecodedRecord&, std::vector<std::string_view>& argv) {
      out.push_back(JoinArgv(argv));
    });
    return out;
  }
  // Replays everything recorded so far into `target`.
  void Replay(Harness* target) {
    Texts();
    target->server().loading = true;
    cmd::ClientState client;
    client.authenticated = true;
    std::string reply, error;
    ForEachRecord(all_, [&](const applog::DecodedRecord& r, std::vector<std::string_view>& argv) {
      INFO(argv[0]);
      REQUIRE(cmd::ReplayEffect(&target->server(), &client, r.lsn, r.db, argv, 1'700'000'000'000,
                                &reply, &error));
    });
    target->server().loading = false;
  }

 private:
  std::string all_;
};

}  // namespace brisk::test
