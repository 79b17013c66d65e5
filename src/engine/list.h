// Engine lists: reading either encoding, and ListEditor, which applies one command's
// changes and publishes them (collections.h).
//
// Encodings (Redis 7.2's names and conversion rules, list-max-listpack-size = `fill`):
//   "listpack":  the whole list inline in the entry: [tag][varint n][elements], the
//                element bytes of compact.h (varint length, bytes).
//   "quicklist": [tag][list::View] (81 bytes). The view names the chunks of the list in
//                order: a head edge chunk, the middle chunks (slots [mfirst, mlast) of a
//                Spine, an array of chunk pointers), and a tail edge chunk (absent when
//                the list has one chunk). A chunk holds element bytes in data()[0, cap);
//                the view gives an edge chunk's bounds (off, end, count) itself, a
//                middle chunk's bounds are the chunk's sealed fields. A chunk holds at
//                most one listpack node's worth (fill: -1..-5 = 4..64 KB; positive =
//                that many elements and <= 8 KB; a single larger element gets its own
//                chunk; pushes at the ends count the 32-byte chunk header in the byte
//                limit, as Redis counts the listpack header, so a full chunk is 8 KB).
//   A listpack becomes a quicklist when a write makes it exceed one node; a quicklist
//   becomes a listpack again only after a shrinking write (pop, LREM, LTRIM) leaves one
//   chunk under half the limit (Redis's listTypeTryConvertQuicklist).
//
// Update protocol ("old or new whole value", collections.h), for quicklists:
//   - Push/pop at the ends (LPUSH, RPOP, LTRIM, LMOVE, ...) are O(1) amortized and copy
//     nothing in the common case: a push writes the new element into never-published
//     spare capacity of the edge chunk (after `end`, or before `off` at the head) and
//     the new entry's view carries the larger bounds; a pop only narrows the bounds in
//     the new view. Bytes a published view covers are never written again: each chunk
//     keeps writer-only watermarks [lo, hi) of every byte ever inside published bounds,
//     and a push goes in place only at end == hi (off == lo at the head); otherwise the
//     chunk is copied once (with room to grow) and the old one retired.
//   - A full edge chunk is sealed (its bounds written into its sealed fields, once) and
//     stored in a never-published spine slot; a spine with no free slot on that side,
//     or a sealed chunk whose bounds changed since, is copied (amortized by doubling).
//   - Everything else (LSET, LINSERT, LREM, conversions) copies the chunks it changes
//     and builds a new spine; untouched chunks are shared with the old version.
//   Replaced chunks and spines are retired (engine::Retire) after the new entry is
//   published, so a reader inside a ReadSection that found the old entry keeps reading
//   one consistent old version: it reads only bytes within the bounds of its view.
//
// Thread safety: the read functions are READER-SAFE (const, lock-free, allocation-free);
// readers read a chunk's data within their view's bounds and a middle chunk's sealed
// fields, never the writer-only fields. ListEditor and the lifetime functions are
// writer-only.
//
// Invariants:
//   1. Bytes of a chunk inside the bounds of any published view, sealed fields of a
//      sealed chunk, and spine slots in [lo, hi) are never written again; each chunk and
//      spine is owned by exactly one live key (collections.h invariant 3). A chunk's
//      [lo, hi) covers every bound it had in a published view; a spine's [lo, hi)
//      every published slot.
//   2. No chunk is empty; view.count is the sum of the chunks' counts; a middle chunk
//      is sealed with exactly the bounds this view gives it; the spine is never null.
//   3. ExternalBytes of a quicklist = SizeClass(spine) + sum of SizeClass(chunk).
//   4. An editor publishes at most one new entry (Commit), or deletes the key when the
//      list became empty. Until Commit, the keyspace is untouched (chunks may gain
//      bytes outside every published bound).
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

// Element bytes in data()[0, cap). 32-byte header.
struct Chunk {
  uint32_t cap;              // immutable
  uint32_t sealed;           // writer-only: 1 once published as a middle chunk
  uint32_t lo, hi;           // writer-only watermarks (invariant 1)
  uint32_t off, end, count;  // sealed bounds: immutable once sealed
  uint32_t pad;
  const char* data() const { return reinterpret_cast<const char*>(this) + sizeof(Chunk); }
  char* data() { return reinterpret_cast<char*>(this) + sizeof(Chunk); }
};
static_assert(sizeof(Chunk) == 32);

// Chunk pointers; 16-byte header.
struct Spine {
  uint32_t cap;     // slots, immutable
  uint32_t lo, hi;  // writer-only: slots ever published
  uint32_t pad;
  const Chunk* const* slots() const {
    return reinterpret_cast<const Chunk* const*>(reinterpret_cast<const char*>(this) + 16);
  }
  const Chunk** slots() {
    return reinterpret_cast<const Chunk**>(reinterpret_cast<char*>(this) + 16);
  }
};

struct Edge {
  const Chunk* c = nullptr;
  uint32_t off = 0, end = 0, count = 0, pad = 0;
  std::string_view elems() const { return {c->data() + off, size_t(end - off)}; }
};

// The value of a quicklist entry after its tag. Its first 16 bytes are the
// [root][bytes] of collections.h (root = the spine).
struct View {
  const Spine* spine = nullptr;
  uint64_t bytes = 0;
  uint32_t mfirst = 0, mlast = 0;
  Edge head, tail;  // tail.c == nullptr: one chunk
  uint64_t count = 0;
};
inline constexpr size_t kViewBytes = sizeof(View);

inline View ViewOf(const Entry& e) {
  View v;
  std::memcpy(&v, e.CollectionValue().data() + 1, sizeof(v));
  return v;
}

// Whether a node of `bytes` element bytes and `count` elements exceeds the fill limit
// (halved: the stricter test of the quicklist -> listpack conversion).
bool Exceeds(int64_t fill, size_t bytes, size_t count, bool halved = false);

// Lifetime (collections.h invariant 4) of a quicklist value ([tag][View]).
// REQUIRES: writer.
void RetireAll(const Entry& e);
void FreeAll(const Entry& e);
// `value` is a fresh copy of a quicklist entry's value: gives it its own deep copy.
void DeepCopyValue(char* value);

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
  list::View v = list::ViewOf(e);
  fn(v.head.elems(), size_t(v.head.count));
  for (uint32_t i = v.mfirst; i < v.mlast; ++i) {
    const list::Chunk* c = v.spine->slots()[i];
    fn(std::string_view(c->data() + c->off, size_t(c->end - c->off)), size_t(c->count));
  }
  if (v.tail.c != nullptr) fn(v.tail.elems(), size_t(v.tail.count));
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
  // Pieces mode: the list as a sequence of pieces, each an unchanged range of an old
  // chunk or fresh element bytes (listpack sources and edits in the middle).
  struct Piece {
    const list::Chunk* old;  // shared, unchanged chunk range [off, end) of a version
    std::string* buf;        // fresh element bytes (old == nullptr)
    uint32_t count;
    uint32_t off = 0, end = 0;
    size_t bytes() const { return old != nullptr ? end - off : buf->size(); }
    std::string_view elems() const {
      return old != nullptr ? std::string_view(old->data() + off, end - off)
                            : std::string_view(*buf);
    }
  };
  void MakeFresh(Piece& p);
  Piece NewPiece();
  void DropPiece(size_t idx);
  // Splits pieces_[idx] into pieces within the limit (after a growth in the middle).
  void SplitIfNeeded(size_t idx);
  // Finds the piece of index i; *local gets the index within it.
  size_t Locate(size_t i, size_t* local) const;
  // Leaves view mode for pieces mode (before an edit in the middle).
  void ToPieces();
  // Builds view_ (a new spine) from the pieces.
  void BuildView();

  // View mode (a quicklist source, only end operations so far): view_ is the working
  // version; see list.h's update protocol.
  void ViewPushBack(std::string_view v);
  void ViewPushFront(std::string_view v);
  void ViewPopFront(size_t n, std::vector<std::string>* out);
  void ViewPopBack(size_t n, std::vector<std::string>* out);
  list::Chunk* NewChunk(size_t want);
  void Drop(void* block, size_t alloc);
  // A chunk holding the edge's elements with bounds that may be sealed: the edge's own
  // chunk if unsealed or sealed with these bounds, else a copy. Seals it.
  const list::Chunk* Sealed(const list::Edge& e);
  void AppendMiddle(const list::Edge& e);
  void PrependMiddle(const list::Edge& e);
  // Copies the middle slots into a new spine with room on both sides.
  void RebuildSpine();
  // Copies edge e's elements into a fresh chunk with room for `add` more bytes at the
  // front or back (and room on both sides if `both`: a single-chunk list).
  void Regrow(list::Edge* e, size_t add, bool front, bool both);

  Db& db_;
  std::string_view key_;
  Entry* entry_;
  const ListLimits& limits_;
  bool existed_;
  bool was_quicklist_ = false;
  bool view_mode_ = false;
  bool changed_ = false;
  bool shrinking_ = false;
  size_t len_ = 0;
  list::View view_;
  std::vector<Piece>* pieces_;
  std::vector<void*>* dropped_;  // chunks / spines leaving the version (retired at Commit)
  std::vector<void*>* created_;  // chunks / spines allocated by this editor
};

}  // namespace brisk::engine
