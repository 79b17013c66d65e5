// Per-Db index of volatile entries ordered by deadline, so active expiry finds due keys
// in O(log n) each without walking non-volatile ones.
//
// First version: a balanced tree of (deadline, entry). A later issue replaces it with
// a compact per-table timing wheel; the Db only uses the four operations below.
//
// Thread safety: NOT thread-safe; owned by its Db on the loop thread.
//
// Invariants:
//   1. (at, e) is in the index iff e is linked in the owning Db and
//      e->expire_at_ms() == at != 0. The Db updates it on every link, unlink and
//      expiry change.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <utility>

namespace brisk::engine {

class Entry;

class ExpiryIndex {
 public:
  void Add(int64_t at_ms, Entry* e) { set_.emplace(at_ms, e); }
  void Remove(int64_t at_ms, Entry* e) { set_.erase(Item(at_ms, e)); }
  void Clear() { set_.clear(); }
  size_t size() const { return set_.size(); }

  // The entry with the earliest deadline if that deadline is <= now_ms, else nullptr.
  Entry* FirstDue(int64_t now_ms) const {
    if (set_.empty() || set_.begin()->first > now_ms) return nullptr;
    return set_.begin()->second;
  }
  // The entry with the latest deadline; nullptr if none.
  Entry* Latest() const { return set_.empty() ? nullptr : set_.rbegin()->second; }

 private:
  using Item = std::pair<int64_t, Entry*>;
  // std::less<Entry*> gives a total order on pointers (operator< does not promise one).
  struct Less {
    bool operator()(const Item& a, const Item& b) const {
      if (a.first != b.first) return a.first < b.first;
      return std::less<Entry*>()(a.second, b.second);
    }
  };
  std::set<Item, Less> set_;
};

}  // namespace brisk::engine
