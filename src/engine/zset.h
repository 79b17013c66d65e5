// Sorted sets: the engine type behind zset_family.cc. Reading any encoding, and
// ZSetEditor, which applies one command's changes and publishes them copy-on-write
// (collections.h describes the scheme shared with hashes and sets).
//
// Encodings (Redis 7's rules and names):
//   "listpack": inline blob (Enc::kZSetListpack), elements sorted by (score, member):
//               [varint n][n x (varint member length, member bytes, 8-byte double)]
//               while <= zset-max-listpack-entries members of <= zset-max-listpack-value
//               bytes; past either limit it becomes "skiplist", for good (ZADD, ZINCRBY,
//               ...; *STORE destinations pick theirs from their final size, as Redis).
//   "skiplist": (Enc::kZSetSkiplist) two persistent structures outside the entry:
//               a pmap (pmap.h) member -> 8-byte score for O(1)-ish lookups, and a
//               persistent treap (ztree below) ordered by (score, member) whose nodes
//               carry subtree sizes, for O(log n) rank, range and insert/erase. The
//               entry value is [tag][pmap root][u64 bytes][treap root] (25 bytes);
//               `bytes` is the sum of both structures' allocation size classes.
//
// Thread safety: the read functions (ZLen, ZScore, ZLowerRank, ZForRange, ZScan) are
// READER-SAFE: a reader inside a ReadSection on an entry it found sees one whole
// version (treap nodes reachable from a published root are never written again: path
// copying, replaced nodes retired with engine::Retire after the new entry is
// published). ZSetEditor and the lifetime helpers are writer-only.
//
// Invariants:
//   1. Both encodings hold the same elements in (score, member) order; members are
//      unique; no score is NaN. Order of equal scores is by memcmp of the members.
//   2. Every treap node's size is 1 + sizes of its children; a parent's priority is
//      >= its children's (priority = hash of the member).
//   3. An editor publishes at most one new entry (Commit), or deletes the key when the
//      sorted set became empty. Until Commit the keyspace is untouched.
//   4. The listpack hot path allocates nothing per command in steady state (pooled
//      working buffer, as hash_set.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/collections.h"
#include "engine/compact.h"
#include "engine/pmap.h"

namespace brisk::engine {

struct ZSetLimits {
  size_t max_listpack_entries = 128;
  size_t max_listpack_value = 64;
};

namespace ztree {

struct Node {
  const Node* l;
  const Node* r;
  double score;
  uint32_t size;   // nodes in the subtree
  uint32_t prio;   // treap priority (hash of member)
  uint32_t mlen;   // member bytes follow the header
  uint32_t fresh;  // created by the current edit, not yet published
  std::string_view member() const {
    return {reinterpret_cast<const char*>(this) + sizeof(Node), mlen};
  }
};

inline uint32_t Size(const Node* n) {
  return n == nullptr ? 0 : n->size;
}
void FreeAll(const Node* n);
void RetireAll(const Node* n);
const Node* DeepCopy(const Node* n, size_t* bytes);

}  // namespace ztree

// (score, member) order (invariant 1).
inline bool ZLess(double s1, std::string_view m1, double s2, std::string_view m2) {
  if (s1 != s2) return s1 < s2;
  return m1 < m2;
}

inline const ztree::Node* ZTreeRoot(const Entry& e) {
  const ztree::Node* r;
  std::memcpy(&r, e.CollectionValue().data() + 1 + kExternalValueBytes, sizeof(r));
  return r;
}

inline double LoadScore(const char* p) {
  double d;
  std::memcpy(&d, p, 8);
  return d;
}

// ---- reading (reader-safe) ----

size_t ZLen(const Entry& e);
bool ZScore(const Entry& e, std::string_view member, double* score);

// The rank of the first element for which before(score, member) is false. `before`
// must be monotone over the order (true for a prefix of the elements).
template <typename Before>
size_t ZLowerRank(const Entry& e, Before&& before) {
  if (EncodingOf(e) == Enc::kZSetListpack) {
    size_t n, rank = 0;
    const char* p = LpElements(InlineBody(e), &n).data();
    for (; rank < n; ++rank) {
      uint64_t len;
      const char* d = GetVarint(p, &len);
      if (!before(LoadScore(d + len), std::string_view(d, size_t(len)))) return rank;
      p = d + len + 8;
    }
    return rank;
  }
  size_t rank = 0;
  const ztree::Node* n = ZTreeRoot(e);
  while (n != nullptr) {
    if (before(n->score, n->member())) {
      rank += ztree::Size(n->l) + 1;
      n = n->r;
    } else {
      n = n->l;
    }
  }
  return rank;
}

namespace zdetail {
// In-order walk of ranks [lo, hi) (forward) of the subtree; fn returns false to stop.
template <typename Fn>
bool Walk(const ztree::Node* n, size_t lo, size_t hi, bool rev, Fn& fn) {
  if (n == nullptr || lo >= hi) return true;
  size_t ls = ztree::Size(n->l);
  auto left = [&] { return Walk(n->l, lo, std::min(hi, ls), rev, fn); };
  auto self = [&] { return !(lo <= ls && ls < hi) || fn(n->member(), n->score); };
  auto right = [&] {
    size_t base = ls + 1;
    return hi <= base || Walk(n->r, lo > base ? lo - base : 0, hi - base, rev, fn);
  };
  if (!rev) return left() && self() && right();
  return right() && self() && left();
}
}  // namespace zdetail

// Calls fn(member, score) for ranks [start, end) ascending, or descending from end-1
// when rev; fn returns false to stop. REQUIRES: end <= ZLen(e).
template <typename Fn>
void ZForRange(const Entry& e, size_t start, size_t end, bool rev, Fn&& fn) {
  if (start >= end) return;
  if (EncodingOf(e) == Enc::kZSetListpack) {
    size_t n;
    std::string_view body = LpElements(InlineBody(e), &n);
    const char* p = body.data();
    std::vector<std::pair<std::string_view, double>> rev_items;
    for (size_t i = 0; i < end; ++i) {
      uint64_t len;
      const char* d = GetVarint(p, &len);
      p = d + len + 8;
      if (i < start) continue;
      std::string_view m(d, size_t(len));
      double s = LoadScore(d + len);
      if (rev) {
        rev_items.emplace_back(m, s);
      } else if (!fn(m, s)) {
        return;
      }
    }
    for (size_t i = rev_items.size(); i-- > 0;) {
      if (!fn(rev_items[i].first, rev_items[i].second)) return;
    }
    return;
  }
  zdetail::Walk(ZTreeRoot(e), start, end, rev, fn);
}

// One ZSCAN step (member, score): listpack returns everything and cursor 0, as Redis.
template <typename Fn>
uint64_t ZScan(const Entry& e, uint64_t cursor, size_t count, Fn&& fn) {
  if (EncodingOf(e) == Enc::kZSetListpack) {
    ZForRange(e, 0, ZLen(e), false, [&](std::string_view m, double s) {
      fn(m, s);
      return true;
    });
    return 0;
  }
  return pmap::Scan(ExternalRoot(e), cursor, count,
                    [&](const pmap::Item& it) { fn(it.field, LoadScore(it.value.data())); });
}

// Lifetime hooks for collections.cc (skiplist encoding).
void ZSetRetire(const Entry& e);
void ZSetFree(const Entry& e);
void ZSetDeepCopy(char* value);

// ---- writing ----

class ZTreeEditor;

// One command's changes to one sorted-set key. Usage as HashSetEditor (hash_set.h):
//   ZSetEditor ed(db, key, entry_or_null, limits); ed.Reserve(n, maxlen);
//   ed.Set("m", 1.5); ed.Del("x"); ...; bool exists = ed.Commit();
class ZSetEditor {
 public:
  ZSetEditor(Db& db, std::string_view key, Entry* e, const ZSetLimits& limits);
  ~ZSetEditor();
  ZSetEditor(const ZSetEditor&) = delete;
  ZSetEditor& operator=(const ZSetEditor&) = delete;

  // Redis's zsetTypeCreate / zsetTypeMaybeConvert: converts to skiplist at once if
  // `incoming` elements (longest `max_len` bytes) would cross a threshold.
  void Reserve(size_t incoming, size_t max_len);
  // Adds or re-scores; true if the member is new.
  bool Set(std::string_view member, double score);
  bool Del(std::string_view member);
  bool Score(std::string_view member, double* score) const;
  size_t Len() const;
  bool changed() const { return changed_; }
  bool skiplist() const { return tree_ != nullptr; }
  // Publishes (or deletes the key when empty); returns whether the key exists.
  bool Commit();

 private:
  void ToTree();
  bool LpFind(std::string_view member, size_t* off, size_t* len, double* score) const;

  Db& db_;
  std::string_view key_;
  Entry* entry_;
  const ZSetLimits& limits_;
  bool changed_ = false;
  bool existed_;
  std::string* elems_ = nullptr;  // listpack mode
  size_t count_ = 0;
  std::optional<pmap::Editor> map_;  // skiplist mode
  ZTreeEditor* tree_ = nullptr;
};

}  // namespace brisk::engine
