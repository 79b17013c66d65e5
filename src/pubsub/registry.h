// Pub/sub subscriptions: who listens to which channel, pattern and shard channel.
// The registry knows nothing of RESP or sockets: publishing is "find the recipients";
// the command layer encodes a message once per (protocol, kind) and hands the same
// bytes to every recipient.
//
// Thread safety: loop thread only.
//
// Invariants:
//   1. Exact channels (and shard channels) are indexed in hash maps: finding the
//      subscribers of one channel is O(1) whatever else is subscribed. Only patterns
//      are matched: patterns are indexed by literal prefix, so only those whose prefix
//      starts the channel are GlobMatch-ed (one hash lookup per distinct prefix length).
//   2. A channel or pattern is present in the index iff it has at least one subscriber;
//      each subscriber appears at most once per channel/pattern, and a subscriber's own
//      sets mirror the index exactly.
//   3. Subscriber::subscriptions == channels + patterns + shard channels, maintained by
//      the registry after every change (a non-zero value puts a RESP2 client in
//      subscribed mode).
//   4. Pointers returned by Find() and passed to ForEachMatchingPattern()'s callback are
//      valid until the next Subscribe/Unsubscribe: delivery must not change the
//      registry (the server closes over-limit clients after the fan-out, not during it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/glob.h"

namespace brisk::pubsub {

// Heterogeneous lookup: find by string_view without building a std::string.
struct NameHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using NameSet = std::unordered_set<std::string, NameHash, std::equal_to<>>;

// Exact-name namespaces: SUBSCRIBE/PUBLISH and SSUBSCRIBE/SPUBLISH never see each other.
enum class Kind : uint8_t { kChannel = 0, kShard = 1 };

// A client as the registry sees it. The command layer's ClientState derives from it;
// the registry stores Subscriber pointers and never owns them.
class Subscriber {
 public:
  // Invariant 3. Public so that state-only tests can fake a subscribed client.
  size_t subscriptions = 0;

  const NameSet& channels() const { return names_[size_t(Kind::kChannel)]; }
  const NameSet& shard_channels() const { return names_[size_t(Kind::kShard)]; }
  const NameSet& patterns() const { return patterns_; }
  // The count Redis reports in (P)SUBSCRIBE/(P)UNSUBSCRIBE replies.
  size_t channels_and_patterns() const { return channels().size() + patterns_.size(); }

 private:
  friend class Registry;
  NameSet names_[2];
  NameSet patterns_;
};

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Each returns true if the (un)subscription changed something.
  bool Subscribe(Subscriber* s, Kind kind, std::string_view channel);
  bool Unsubscribe(Subscriber* s, Kind kind, std::string_view channel);
  bool PSubscribe(Subscriber* s, std::string_view pattern);
  bool PUnsubscribe(Subscriber* s, std::string_view pattern);
  // Drops every subscription of s (disconnect, RESET). No replies.
  void UnsubscribeAll(Subscriber* s);

  // Subscribers of exactly `channel`, or nullptr (invariants 1 and 4).
  const std::vector<Subscriber*>* Find(Kind kind, std::string_view channel) const {
    const auto& index = channels_[size_t(kind)];
    auto it = index.find(channel);
    return it == index.end() ? nullptr : &it->second;
  }

  bool has_patterns() const { return !patterns_.empty(); }

  // Calls fn(pattern, subscribers) for every pattern matching `channel` (invariant 4).
  // Patterns are indexed by their literal prefix: per distinct prefix length one hash
  // lookup of the channel's first bytes finds the only patterns that can match, so
  // patterns on other tables/channels cost nothing (no per-pattern work).
  template <class Fn>
  void ForEachMatchingPattern(std::string_view channel, Fn&& fn) const {
    for (const auto& [len, count] : prefix_lengths_) {
      if (len > channel.size()) break;
      auto bucket = by_prefix_.find(channel.substr(0, len));
      if (bucket == by_prefix_.end()) continue;
      for (const PatternNode* node : bucket->second) {
        ++patterns_examined_;
        const std::string& pattern = node->first;
        const PatternEntry& entry = node->second;
        if (entry.exact ? channel.size() == pattern.size() : GlobMatch(pattern, channel)) {
          fn(std::string_view(pattern), entry.subscribers);
        }
      }
    }
  }

  // PUBSUB introspection.
  size_t NumSubscribers(Kind kind, std::string_view channel) const {
    const auto* subs = Find(kind, channel);
    return subs ? subs->size() : 0;
  }
  size_t NumPatterns() const { return patterns_.size(); }
  // Patterns checked with GlobMatch/exact compare so far (the cost check in tests).
  uint64_t patterns_examined() const { return patterns_examined_; }
  size_t NumChannels(Kind kind) const { return channels_[size_t(kind)].size(); }
  // Active channels of `kind` matching `pattern` (every one when pattern is null).
  std::vector<std::string_view> Channels(Kind kind, const std::string_view* pattern) const;

 private:
  struct PatternEntry {
    size_t prefix_len = 0;  // literal bytes every matching channel starts with
    bool exact = false;     // the pattern has no special character
    std::vector<Subscriber*> subscribers;
  };
  using ChannelIndex =
      std::unordered_map<std::string, std::vector<Subscriber*>, NameHash, std::equal_to<>>;

  static void Remove(std::vector<Subscriber*>* subs, Subscriber* s);
  static void Recount(Subscriber* s) {
    s->subscriptions = s->names_[0].size() + s->names_[1].size() + s->patterns_.size();
  }

  using PatternMap = std::unordered_map<std::string, PatternEntry, NameHash, std::equal_to<>>;
  using PatternNode = PatternMap::value_type;  // node addresses are stable in the map
  void IndexPattern(const PatternNode* node);
  void ErasePattern(PatternMap::iterator it);

  ChannelIndex channels_[2];
  PatternMap patterns_;
  // Literal prefix -> patterns with that prefix, and how many patterns have each prefix
  // length (ordered, so lookups stop at the channel's length).
  std::unordered_map<std::string, std::vector<const PatternNode*>, NameHash, std::equal_to<>>
      by_prefix_;
  std::map<size_t, size_t> prefix_lengths_;
  mutable uint64_t patterns_examined_ = 0;
};

}  // namespace brisk::pubsub
