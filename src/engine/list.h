// Engine lists: reading either encoding, and ListEditor, which applies one command's
// changes and publishes them copy-on-write (collections.h).
//
// Encodings (Redis 7.2's names and conversion rules, list-max-listpack-size = `fill`):
//   "listpack":  the whole list inline in the entry: [tag][varint n][elements], the
//                element bytes of compact.h (varint length, bytes).
//   "quicklist": [tag][Root* root][u64 external bytes] (collections.h). The root is an
//                immutable array of chunk pointers plus the element count; each chunk
//                an immutable blob [u32 count][u32 bytes][element bytes] holding at most
//                one listpack node's worth (fill: -1..-5 = 4..64 KB; positive = that
//                many elements and <= 8 KB; a single larger element gets its own chunk).
//   A listpack becomes a quicklist when a write makes it exceed one node; a quicklist
//   becomes a listpack again only after a shrinking write (pop, LREM, LTRIM) leaves one
//   chunk under half the limit (Redis's listTypeTryConvertQuicklist).
//
// Update protocol: copy-on-write. A write copies the root (O(chunks) pointers) and only
// the chunks it changes (O(chunk) bytes each); untouched chunks are shared by the old
// and the new root. After the new entry is published the old root and the replaced
// chunks are retired (engine::Retire), so a reader inside a ReadSection that found the
// old entry keeps reading one consistent old version.
//
// Thread safety: the read functions are READER-SAFE (const, lock-free, allocation-free);
// ListEditor and the lifetime functions are writer-only.
//
// Invariants:
//   1. Chunks and roots reachable from a published entry are never written again; each
//      is owned by exactly one live key (collections.h invariant 3).
//   2. No chunk is empty; root->count is the sum of the chunks' counts; a quicklist
//      root has >= 1 chunk.
//   3. ExternalBytes of a quicklist = SizeClass(root) + sum of SizeClass(chunk).
//   4. An editor publishes at most one new entry (Commit), or deletes the key when the
//      list became empty. Until Commit, the keyspace is untouched.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "engine/collections.h"
#include "engine/compact.h"

namespace brisk::engine {

struct ListLimits {
  int64_t fill = -2;  // list-max-listpack-size
};

namespace list {

struct Chunk {
  uint32_t count;
  uint32_t bytes;
  const char* data() const { return reinterpret_cast<const char*>(this) + 8; }
  std::string_view elems() const { return {data(), bytes}; }
};

struct Root {
  uint32_t nchunks;
  uint32_t pad;
  uint64_t count;
  const Chunk* const* chunks() const {
    return reinterpret_cast<const Chunk* const*>(reinterpret_cast<const char*>(this) + 16);
  }
};

inline const Root* RootOf(const Entry& e) {
  const Root* r;
  std::memcpy(&r, e.CollectionValue().data() + 1, sizeof(r));
  return r;
}

// Whether a node of `bytes` element bytes and `count` elements exceeds the fill limit
// (halved: the stricter test of the quicklist -> listpack conversion).
bool Exceeds(int64_t fill, size_t bytes, size_t count, bool halved = false);

// Lifetime (collections.h invariant 4). REQUIRES: writer.
void RetireAll(const Root* root);
void FreeAll(const Root* root);
const Root* DeepCopy(const Root* root, size_t* bytes);

}  // namespace list

// ---- reading ----

size_t ListLen(const Entry& e);

// Calls fn(elements, count) for every node of the list in order: one for a listpack.
template <typename Fn>
void ListForEachNode(const Entry& e, Fn&& fn) {
  if (EncodingOf(e) == Enc::kListListpack) {
    size_t n;
    std::string_view elems = LpElements(InlineBody(e), &n);
    fn(elems, n);
    return;
  }
  const list::Root* r = list::RootOf(e);
  for (uint32_t i = 0; i < r->nchunks; ++i) {
    const list::Chunk* c = r->chunks()[i];
    fn(c->elems(), size_t(c->count));
  }
}

// Calls fn(element) for the elements of indexes [start, stop] in order; fn returns
// false to stop. REQUIRES: start <= stop < ListLen(e).
template <typename Fn>
void ListForRange(const Entry& e, size_t start, size_t stop, Fn&& fn) {
  size_t base = 0;
  bool done = false;
  ListForEachNode(e, [&](std::string_view elems, size_t count) {
    if (done) return;
    if (base + count <= start) {
      base += count;
      return;
    }
    LpCursor c(elems);
    for (size_t i = base; i < base + count; ++i) {
      std::string_view v = c.Next();
      if (i < start) continue;
      if (i > stop || !fn(v)) {
        done = true;
        return;
      }
    }
    base += count;
    if (base > stop) done = true;
  });
}

// The element at index i. REQUIRES: i < ListLen(e).
std::string_view ListAt(const Entry& e, size_t i);

// ---- writing ----

// One command's changes to one list key. Usage:
//   ListEditor ed(db, key, entry_or_null, limits); ed.PushBack("a"); ...;
//   bool exists = ed.Commit();
// REQUIRES: entry_or_null is the key's live list entry (or nullptr: absent, Commit
// creates it). No other write to this key between construction and Commit. Views
// returned by At() are valid until the next change through this editor.
class ListEditor {
 public:
  ListEditor(Db& db, std::string_view key, Entry* e, const ListLimits& limits);
  ~ListEditor();
  ListEditor(const ListEditor&) = delete;
  ListEditor& operator=(const ListEditor&) = delete;

  size_t Len() const { return len_; }
  void PushFront(std::string_view v);
  void PushBack(std::string_view v);
  // Removes up to n elements from the head (tail); appends them to *out (if non-null)
  // in the order they were popped.
  void PopFront(size_t n, std::vector<std::string>* out);
  void PopBack(size_t n, std::vector<std::string>* out);
  // REQUIRES: i < Len().
  std::string_view At(size_t i) const;
  void Set(size_t i, std::string_view v);
  // Inserts v before index i. REQUIRES: i <= Len().
  void Insert(size_t i, std::string_view v);
  // LREM: removes up to |count| (all for 0) elements equal to v, from the head for
  // count >= 0 and from the tail for count < 0. Returns how many were removed.
  size_t Remove(std::string_view v, int64_t count);
  // Keeps the elements [start, stop] (inclusive); start > stop or start >= Len()
  // removes everything. REQUIRES: stop < Len() when start <= stop.
  void Trim(size_t start, size_t stop);

  bool changed() const { return changed_; }
  // Publishes the new version (or deletes the key if empty). Returns whether the key
  // exists afterwards.
  bool Commit();

 private:
  struct Piece {
    const list::Chunk* old;  // shared, unchanged chunk of the previous version
    std::string* buf;        // fresh element bytes (old == nullptr)
    uint32_t count;
    size_t bytes() const { return old != nullptr ? old->bytes : buf->size(); }
    std::string_view elems() const {
      return old != nullptr ? old->elems() : std::string_view(*buf);
    }
  };
  void MakeFresh(Piece& p);
  Piece NewPiece();
  void DropPiece(size_t idx);
  // Splits pieces_[idx] into pieces within the limit (after a growth in the middle).
  void SplitIfNeeded(size_t idx);
  // Finds the piece of index i; *local gets the index within it.
  size_t Locate(size_t i, size_t* local) const;

  Db& db_;
  std::string_view key_;
  Entry* entry_;
  const ListLimits& limits_;
  bool existed_;
  bool was_quicklist_ = false;
  bool changed_ = false;
  bool shrinking_ = false;
  size_t len_ = 0;
  std::vector<Piece>* pieces_;
  std::vector<const list::Chunk*> replaced_;
};

}  // namespace brisk::engine
