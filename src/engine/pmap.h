// A persistent (path-copying) hash trie of byte-string fields to byte-string values:
// the large encoding ("hashtable") of hashes and sets (collections.h).
//
// Shape: a 64-way trie on the 64-bit XXH3 hash of the field, 6 bits per level from the
// most significant end (depths 0..9). Inner nodes: a 64-bit child bitmap and the
// children, packed. Leaves: up to kLeafMax items, sorted by (hash, field), packed as
//   [u64 hash][varint field length][field][varint value length][value]
// A leaf that outgrows kLeafMax splits into an inner node (unless at kMaxDepth); an
// inner node whose subtree falls to kCollapseAt items collapses back into one leaf.
// Every node records the number of items under it, so Count() is O(1), Nth() is
// O(depth) (uniform random choice) and iteration is in (hash, field) order, which
// gives HSCAN/SSCAN a stateless cursor: the next hash to visit.
//
// Thread safety: const functions (Find, ForEach, Scan, Nth, Count) may run on any
// thread on a published root inside a ReadSection (collections.h). Editor REQUIRES the
// writer thread.
//
// Invariants:
//   1. A node reachable from a published root is never written again (path copying).
//      Nodes an Editor creates are "fresh" (a header bit) until Finish(); a fresh node
//      that is replaced within the same edit is freed at once (no reader can have it).
//   2. Every node's count is the number of items in its subtree; no node is empty;
//      inner nodes have >= 1 child. Within a leaf, items are sorted by (hash, field)
//      and fields are unique in the whole trie.
//   3. Editor::bytes() is the sum of Entry::AllocClass(allocation) over the nodes of
//      the current version (what the entry accounts for, collections.h invariant 5).
//   4. Node memory comes from engine/slab.h (129..2048 bytes) or std::malloc and is
//      released with engine::FreeBlock, directly (FreeAll, fresh nodes) or via
//      engine::Retire (replaced published nodes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace brisk::engine::pmap {

inline constexpr uint32_t kLeafMax = 32;
inline constexpr uint32_t kCollapseAt = 16;
inline constexpr int kMaxDepth = 10;  // leaves at this depth never split

struct Node {
  uint32_t count;  // items in the subtree
  uint32_t info;   // kLeafBit | kFreshBit | (leaf: item bytes; inner: child count)
  static constexpr uint32_t kLeafBit = 1u << 31;
  static constexpr uint32_t kFreshBit = 1u << 30;
  static constexpr uint32_t kSizeMask = kFreshBit - 1;

  bool leaf() const { return info & kLeafBit; }
  uint32_t size() const { return info & kSizeMask; }
  // Inner nodes.
  uint64_t bitmap() const {
    uint64_t b;
    std::memcpy(&b, reinterpret_cast<const char*>(this) + 8, 8);
    return b;
  }
  const Node* const* children() const {
    return reinterpret_cast<const Node* const*>(reinterpret_cast<const char*>(this) + 16);
  }
  // Leaves.
  const char* items() const { return reinterpret_cast<const char*>(this) + 8; }
  size_t AllocBytes() const { return leaf() ? 8 + size() : 16 + 8 * size_t(size()); }
};

struct Item {
  uint64_t hash;
  std::string_view field;
  std::string_view value;
};

uint64_t HashOf(std::string_view field);

// Parses the leaf item at p into *out; returns the next item's address.
const char* ParseItem(const char* p, Item* out);

inline size_t Count(const Node* root) {
  return root == nullptr ? 0 : root->count;
}
// The value of `field`; false if absent.
bool Find(const Node* root, std::string_view field, std::string_view* value);
// The item of rank i in (hash, field) order. REQUIRES: i < Count(root).
Item Nth(const Node* root, size_t i);

// Calls fn(const Item&) for every item in (hash, field) order, from the first item with
// hash >= min_hash; fn returns false to stop. Returns false if stopped.
template <typename Fn>
bool ForEach(const Node* n, Fn&& fn, uint64_t min_hash = 0, int depth = 0, bool tight = true) {
  if (n == nullptr) return true;
  if (n->leaf()) {
    const char* p = n->items();
    const char* end = p + n->size();
    Item it;
    while (p < end) {
      p = ParseItem(p, &it);
      if (it.hash < min_hash) continue;
      if (!fn(static_cast<const Item&>(it))) return false;
    }
    return true;
  }
  uint64_t bm = n->bitmap();
  const Node* const* kids = n->children();
  int first = tight ? int((min_hash >> (58 - 6 * depth)) & 63) : 0;
  for (int c = 0, i = 0; c < 64; ++c) {
    if (!(bm & (uint64_t{1} << c))) continue;
    const Node* child = kids[i++];
    if (c < first) continue;
    if (!ForEach(child, fn, min_hash, depth + 1, tight && c == first)) return false;
  }
  return true;
}

// One SCAN step: visits items from hash `cursor` on, at least `count` of them (more to
// finish the last hash), and returns the next cursor (0 when done).
template <typename Fn>
uint64_t Scan(const Node* root, uint64_t cursor, size_t count, Fn&& fn) {
  size_t visited = 0;
  uint64_t last = 0, next = 0;
  bool stopped = !ForEach(
      root,
      [&](const Item& it) {
        if (visited >= count && it.hash != last) {
          next = it.hash;
          return false;
        }
        fn(it);
        last = it.hash;
        ++visited;
        return true;
      },
      cursor);
  return stopped ? next : 0;
}

// Frees the whole tree now (invariant 4).
void FreeAll(const Node* root);
// Retires the whole tree (engine::Retire per node).
void RetireAll(const Node* root);
// A deep copy; *bytes gets its accounted size.
const Node* DeepCopy(const Node* root, size_t* bytes);

// Builds a tree from unique items (any order); *bytes gets its accounted size. The
// result is published-ready (no fresh bits). nullptr for no items.
const Node* Build(std::vector<Item>& items, size_t* bytes);

// One write operation (a command's worth of changes) on one tree.
//   Editor ed(root, bytes); ed.Upsert(...)...; root = ed.Finish();
//   publish the entry with root and ed.bytes(); ed.RetireReplaced();
class Editor {
 public:
  Editor(const Node* root, size_t bytes) : root_(root), bytes_(bytes) {}
  ~Editor();
  Editor(const Editor&) = delete;
  Editor& operator=(const Editor&) = delete;

  // True if the field was added, false if an existing value was replaced.
  bool Upsert(std::string_view field, std::string_view value);
  // True if the field existed.
  bool Erase(std::string_view field);

  // Starts from no tree with one built from unique items (any order); the nodes are
  // fresh. REQUIRES: root() == nullptr.
  void BuildFrom(std::vector<Item>& items);
  // Drops the list of replaced nodes without retiring them: the caller retires the
  // whole previous version itself (the key was deleted).
  void ForgetReplaced() { retired_.clear(); }

  // The current version, readable by the writer before Finish.
  const Node* root() const { return root_; }
  size_t bytes() const { return bytes_; }
  // Clears the fresh bits (the tree becomes publishable) and returns the root
  // (nullptr if every item was erased).
  const Node* Finish();
  // After the new root is published (or the key deleted): retires the replaced nodes
  // of the previous version.
  void RetireReplaced();

 private:
  Node* NewLeaf(const Item* items, size_t n);
  Node* NewInner(uint64_t bitmap, const Node* const* kids, size_t n, uint32_t count);
  const Node* BuildRange(const Item* items, size_t n, int depth);
  const Node* Upsert(const Node* n, int depth, const Item& item, bool* added);
  const Node* Erase(const Node* n, int depth, uint64_t h, std::string_view field, bool* found);
  // A node of the previous version replaced by a new one.
  void Replaced(const Node* n);
  // Replaced() for n and its whole subtree (a collapse).
  void ReplacedSubtree(const Node* n);
  void Gather(const Node* n, std::vector<Item>* out);
  friend const Node* Build(std::vector<Item>& items, size_t* bytes);

  const Node* root_;
  size_t bytes_;
  std::vector<const Node*> retired_;
  std::vector<Item> scratch_;
  bool finished_ = false;
};

}  // namespace brisk::engine::pmap
