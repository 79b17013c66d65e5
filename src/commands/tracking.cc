#include "commands/tracking.h"

#include <algorithm>

#include "commands/context.h"
#include "common/errors.h"

namespace brisk::cmd {

namespace {

// Redis's stringCheckPrefix: one is a prefix of the other.
bool Overlap(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  return a.compare(0, n, b, 0, n) == 0;
}

// Redis's checkPrefixCollisionsOrReply: new prefixes against the client's existing ones
// and against each other. (Redis replies the second kind of error and then carries on
// for any prefix but the first; here every collision refuses.)
bool CheckPrefixes(const ClientTracking& t, const std::vector<std::string_view>& prefixes,
                   std::string* error) {
  for (size_t i = 0; i < prefixes.size(); ++i) {
    for (const std::string& existing : t.prefixes) {
      if (Overlap(existing, prefixes[i])) {
        *error = FormatError(Err::kTrackingPrefixOverlapExisting, {prefixes[i], existing});
        return false;
      }
    }
    for (size_t j = i + 1; j < prefixes.size(); ++j) {
      if (Overlap(prefixes[i], prefixes[j])) {
        *error = FormatError(Err::kTrackingPrefixOverlapOther, {prefixes[i], prefixes[j]});
        return false;
      }
    }
  }
  return true;
}

void AppendBulk(std::string* out, std::string_view s) {
  out->push_back('$');
  out->append(std::to_string(s.size()));
  out->append("\r\n");
  out->append(s);
  out->append("\r\n");
}

void AppendArrayHeader(std::string* out, size_t n) {
  out->push_back('*');
  out->append(std::to_string(n));
  out->append("\r\n");
}

std::string_view NullFor(int resp) {
  return resp == 3 ? "_\r\n" : "$-1\r\n";
}

}  // namespace

bool TrackingTable::Enable(ClientState* c, const TrackingRequest& req, std::string* error) {
  ClientTracking& t = c->tracking;
  // Redis's order of checks (networking.c, CLIENT TRACKING on).
  if (!req.bcast && !req.prefixes.empty()) {
    *error = ErrorText(Err::kTrackingPrefixNeedsBcast);
    return false;
  }
  if (t.on && t.bcast != req.bcast) {
    *error = ErrorText(Err::kTrackingBcastSwitch);
    return false;
  }
  if (req.bcast && (req.optin || req.optout)) {
    *error = ErrorText(Err::kTrackingOptBcast);
    return false;
  }
  if (req.optin && req.optout) {
    *error = ErrorText(Err::kTrackingOptinOptout);
    return false;
  }
  if ((req.optin && t.optout) || (req.optout && t.optin)) {
    *error = ErrorText(Err::kTrackingOptSwitch);
    return false;
  }
  if (req.bcast && !CheckPrefixes(t, req.prefixes, error)) return false;

  // Redis's enableTracking: mode flags are replaced, CACHING and BCAST prefixes stay.
  if (!t.on) clients_[c->id] = c;
  t.on = true;
  t.broken_redirect = false;
  t.redirect = req.redirect != nullptr ? req.redirect->id : 0;
  if (req.redirect != nullptr) targets_[req.redirect->id] = req.redirect;
  t.bcast = req.bcast;
  t.optin = req.optin;
  t.optout = req.optout;
  t.noloop = req.noloop;
  if (req.bcast) {
    std::vector<std::string_view> add = req.prefixes;
    if (add.empty()) add.push_back("");
    for (std::string_view p : add) {
      auto it = prefixes_.find(p);
      if (it == prefixes_.end()) it = prefixes_.emplace(std::string(p), BcastState{}).first;
      auto& subs = it->second.clients;
      if (std::find(subs.begin(), subs.end(), c) == subs.end()) subs.push_back(c);
      if (std::find(t.prefixes.begin(), t.prefixes.end(), p) == t.prefixes.end()) {
        t.prefixes.emplace_back(p);
      }
    }
    std::sort(t.prefixes.begin(), t.prefixes.end());
  }
  return true;
}

void TrackingTable::Disable(ClientState* c) {
  ClientTracking& t = c->tracking;
  for (const std::string& p : t.prefixes) {
    auto it = prefixes_.find(p);
    if (it == prefixes_.end()) continue;
    auto& subs = it->second.clients;
    subs.erase(std::remove(subs.begin(), subs.end(), c), subs.end());
    if (subs.empty()) prefixes_.erase(it);
  }
  if (t.on) clients_.erase(c->id);
  t = ClientTracking{};
  if (c == current_) pending_.clear();
  if (clients_.empty()) {  // invariant 1
    keys_.clear();
    pending_.clear();
    bcast_pending_ = false;
  }
}

void TrackingTable::ClientClosed(ClientState* c) {
  Disable(c);
  targets_.erase(c->id);
  if (current_ == c) current_ = nullptr;
}

void TrackingTable::EndCommand(ClientState* c, const CommandSpec& spec, ServerHooks* hooks) {
  current_ = nullptr;
  if (!pending_.empty()) {
    // Swap out first: Deliver never re-enters, but keep the loop over a stable vector.
    std::vector<Pending> pending;
    pending.swap(pending_);
    for (const Pending& p : pending) {
      if (p.flush) {
        Deliver(c, NullFor(c->resp), hooks);
      } else {
        std::string value;
        AppendArrayHeader(&value, 1);
        AppendBulk(&value, p.key);
        Deliver(c, value, hooks);
      }
    }
    pending.clear();
    if (pending_.empty()) pending_.swap(pending);  // keep the capacity
  }
  if (c->tracking.caching && !c->in_multi && spec.name != "client") c->tracking.caching = false;
}

void TrackingTable::RememberKeys(ClientState* c, const CommandRegistry& commands,
                                 const CommandSpec& spec, CmdArgs args) {
  const ClientTracking& t = c->tracking;
  if (t.bcast) return;
  // Redis's trackingRememberKeys: OPTIN needs CACHING yes, OPTOUT skips on CACHING no.
  if ((t.optin && !t.caching) || (t.optout && t.caching)) return;
  static std::vector<size_t> positions;  // loop thread only; capacity reused
  positions.clear();
  if (!commands.GetKeys(spec, args, &positions)) return;
  for (size_t pos : positions) Remember(c, args[pos]);
}

void TrackingTable::Remember(ClientState* c, std::string_view key) {
  auto it = keys_.find(key);
  if (it == keys_.end()) it = keys_.emplace(std::string(key), std::vector<uint64_t>{}).first;
  auto& ids = it->second;
  if (std::find(ids.begin(), ids.end(), c->id) == ids.end()) ids.push_back(c->id);
}

void TrackingTable::Invalidate(std::string_view key, ServerHooks* hooks) {
  if (!prefixes_.empty()) {  // Redis's trackingRememberKeyToBroadcast
    uint64_t writer = current_ != nullptr ? current_->id : 0;
    for (auto& [prefix, state] : prefixes_) {
      if (key.size() < prefix.size() || key.compare(0, prefix.size(), prefix) != 0) continue;
      state.keys[std::string(key)] = writer;
      bcast_pending_ = true;
    }
  }
  InvalidateTracked(key, hooks);
}

void TrackingTable::InvalidateTracked(std::string_view key, ServerHooks* hooks) {
  auto it = keys_.find(key);
  if (it == keys_.end()) return;
  std::vector<uint64_t> ids = std::move(it->second);
  keys_.erase(it);  // forgotten until read again
  std::string& value = scratch_;
  value.clear();
  for (uint64_t id : ids) {
    auto cit = clients_.find(id);
    if (cit == clients_.end()) continue;  // invariant 2
    ClientState* target = cit->second;
    if (target->tracking.bcast) continue;
    if (target->tracking.noloop && target == current_) continue;
    if (target == current_) {
      pending_.push_back({false, std::string(key)});
      continue;
    }
    if (value.empty()) {
      AppendArrayHeader(&value, 1);
      AppendBulk(&value, key);
    }
    Deliver(target, value, hooks);
  }
}

void TrackingTable::InvalidateAll(ServerHooks* hooks) {
  for (auto& [id, c] : clients_) {
    if (c == current_) {
      pending_.push_back({true, {}});
    } else {
      Deliver(c, NullFor(c->resp), hooks);
    }
  }
  keys_.clear();
}

void TrackingTable::Deliver(ClientState* c, std::string_view value, ServerHooks* hooks) {
  static std::string frame;  // loop thread only; capacity reused
  frame.clear();
  ClientState* target = c;
  bool redirected = false;
  if (c->tracking.redirect != 0) {
    auto it = targets_.find(c->tracking.redirect);
    if (it == targets_.end()) {
      // The target disconnected: tell a RESP3 client, every time, as Redis does.
      c->tracking.broken_redirect = true;
      if (c->resp == 3) {
        frame.append(">2\r\n");
        AppendBulk(&frame, "tracking-redir-broken");
        frame.append(":").append(std::to_string(c->tracking.redirect)).append("\r\n");
        hooks->SendTo(c, frame);
      }
      return;
    }
    target = it->second;
    redirected = true;
  }
  if (target->resp == 3) {
    frame.append(">2\r\n$10\r\ninvalidate\r\n");
  } else if (redirected && target->subscriptions > 0) {
    frame.append("*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n");
  } else {
    return;  // RESP2 without a redirect: nowhere to send it (Redis drops it too)
  }
  frame.append(value);
  hooks->SendTo(target, frame);
}

void TrackingTable::BeforeSleep(ServerHooks* hooks, uint64_t max_keys) {
  if (bcast_pending_) BroadcastPending(hooks);
  if (max_keys != 0) LimitKeys(hooks, max_keys);
}

// Redis's trackingBroadcastInvalidationMessages: one message per prefix with every key
// changed this turn, encoded once; NOLOOP clients get a copy without their own writes.
void TrackingTable::BroadcastPending(ServerHooks* hooks) {
  bcast_pending_ = false;
  std::string shared, own;
  for (auto& [prefix, state] : prefixes_) {
    if (state.keys.empty()) continue;
    shared.clear();
    AppendArrayHeader(&shared, state.keys.size());
    for (const auto& [key, writer] : state.keys) AppendBulk(&shared, key);
    for (ClientState* c : state.clients) {
      if (!c->tracking.noloop) {
        Deliver(c, shared, hooks);
        continue;
      }
      size_t n = 0;
      for (const auto& [key, writer] : state.keys) n += writer != c->id ? 1 : 0;
      if (n == 0) continue;
      own.clear();
      AppendArrayHeader(&own, n);
      for (const auto& [key, writer] : state.keys) {
        if (writer != c->id) AppendBulk(&own, key);
      }
      Deliver(c, own, hooks);
    }
    state.keys.clear();
  }
}

void TrackingTable::LimitKeys(ServerHooks* hooks, uint64_t max_keys) {
  if (keys_.size() <= max_keys) {
    limit_rounds_ = 0;
    return;
  }
  size_t effort = 100 * size_t(limit_rounds_ + 1);
  std::string key;
  while (effort-- > 0 && keys_.size() > max_keys) {
    key = keys_.begin()->first;     // an arbitrary key: O(1), no ordering promised
    InvalidateTracked(key, hooks);  // not a change: BCAST clients hear nothing
  }
  limit_rounds_ = keys_.size() > max_keys ? limit_rounds_ + 1 : 0;
}

}  // namespace brisk::cmd
