#include "pubsub/registry.h"

#include <algorithm>

namespace brisk::pubsub {

// Subscriber lists are vectors: iteration (every publish) is the hot path; removal is
// O(subscribers of that channel), paid on unsubscribe/disconnect only.
void Registry::Remove(std::vector<Subscriber*>* subs, Subscriber* s) {
  auto it = std::find(subs->begin(), subs->end(), s);
  if (it == subs->end()) return;
  *it = subs->back();  // order among subscribers of one channel is not part of the contract
  subs->pop_back();
}

bool Registry::Subscribe(Subscriber* s, Kind kind, std::string_view channel) {
  NameSet& mine = s->names_[size_t(kind)];
  if (!mine.emplace(channel).second) return false;
  auto& index = channels_[size_t(kind)];
  auto it = index.find(channel);
  if (it == index.end()) it = index.emplace(std::string(channel), std::vector<Subscriber*>{}).first;
  it->second.push_back(s);
  Recount(s);
  return true;
}

bool Registry::Unsubscribe(Subscriber* s, Kind kind, std::string_view channel) {
  NameSet& mine = s->names_[size_t(kind)];
  auto own = mine.find(channel);
  if (own == mine.end()) return false;
  auto& index = channels_[size_t(kind)];
  auto it = index.find(channel);
  mine.erase(own);  // `channel` may view this string: it is not used below
  if (it != index.end()) {
    Remove(&it->second, s);
    if (it->second.empty()) index.erase(it);
  }
  Recount(s);
  return true;
}

bool Registry::PSubscribe(Subscriber* s, std::string_view pattern) {
  if (!s->patterns_.emplace(pattern).second) return false;
  auto it = patterns_.find(pattern);
  if (it == patterns_.end()) {
    PatternEntry entry;
    entry.prefix_len = GlobLiteralPrefix(pattern, &entry.exact).size();
    it = patterns_.emplace(std::string(pattern), std::move(entry)).first;
    IndexPattern(&*it);
  }
  it->second.subscribers.push_back(s);
  Recount(s);
  return true;
}

bool Registry::PUnsubscribe(Subscriber* s, std::string_view pattern) {
  auto own = s->patterns_.find(pattern);
  if (own == s->patterns_.end()) return false;
  auto it = patterns_.find(pattern);
  s->patterns_.erase(own);
  if (it != patterns_.end()) {
    Remove(&it->second.subscribers, s);
    if (it->second.subscribers.empty()) ErasePattern(it);
  }
  Recount(s);
  return true;
}

void Registry::UnsubscribeAll(Subscriber* s) {
  for (size_t k = 0; k < 2; ++k) {
    auto& index = channels_[k];
    for (const std::string& channel : s->names_[k]) {
      auto it = index.find(channel);
      if (it == index.end()) continue;
      Remove(&it->second, s);
      if (it->second.empty()) index.erase(it);
    }
    s->names_[k].clear();
  }
  for (const std::string& pattern : s->patterns_) {
    auto it = patterns_.find(pattern);
    if (it == patterns_.end()) continue;
    Remove(&it->second.subscribers, s);
    if (it->second.subscribers.empty()) ErasePattern(it);
  }
  s->patterns_.clear();
  Recount(s);
}

void Registry::IndexPattern(const PatternNode* node) {
  const std::string& pattern = node->first;
  size_t len = node->second.prefix_len;
  by_prefix_[pattern.substr(0, len)].push_back(node);
  ++prefix_lengths_[len];
}

void Registry::ErasePattern(PatternMap::iterator it) {
  size_t len = it->second.prefix_len;
  auto bucket = by_prefix_.find(std::string_view(it->first).substr(0, len));
  if (bucket != by_prefix_.end()) {
    auto& v = bucket->second;
    v.erase(std::remove(v.begin(), v.end(), &*it), v.end());
    if (v.empty()) by_prefix_.erase(bucket);
  }
  auto l = prefix_lengths_.find(len);
  if (l != prefix_lengths_.end() && --l->second == 0) prefix_lengths_.erase(l);
  patterns_.erase(it);
}

std::vector<std::string_view> Registry::Channels(Kind kind, const std::string_view* pattern) const {
  std::vector<std::string_view> out;
  for (const auto& [channel, subs] : channels_[size_t(kind)]) {
    if (pattern == nullptr || GlobMatch(*pattern, channel)) out.emplace_back(channel);
  }
  return out;
}

}  // namespace brisk::pubsub
