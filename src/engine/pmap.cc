#include "engine/pmap.h"

#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstdlib>
#include <new>

#include "engine/compact.h"
#include "engine/keyspace.h"
#include "engine/rcu.h"
#include "engine/slab.h"

namespace brisk::engine::pmap {

namespace {

int Chunk(uint64_t h, int depth) {
  return int((h >> (58 - 6 * depth)) & 63);
}

bool Less(const Item& a, const Item& b) {
  return a.hash != b.hash ? a.hash < b.hash : a.field < b.field;
}

size_t ItemBytes(const Item& it) {
  return 8 + VarintLen(it.field.size()) + it.field.size() + VarintLen(it.value.size()) +
         it.value.size();
}

char* WriteItem(char* p, const Item& it) {
  std::memcpy(p, &it.hash, 8);
  p += 8;
  p += PutVarint(p, it.field.size());
  std::memcpy(p, it.field.data(), it.field.size());
  p += it.field.size();
  p += PutVarint(p, it.value.size());
  if (!it.value.empty()) std::memcpy(p, it.value.data(), it.value.size());
  return p + it.value.size();
}

// Invariant 4: 129..2048-byte nodes from the exact-fit allocator (most leaves).
Node* Alloc(size_t bytes) {
  void* p = slab::Serves(bytes) ? slab::Alloc(bytes) : nullptr;
  if (p == nullptr) p = std::malloc(Entry::SizeClass(bytes));
  if (p == nullptr) throw std::bad_alloc();
  return static_cast<Node*>(p);
}

void GatherAll(const Node* n, std::vector<Item>* out) {
  ForEach(n, [&](const Item& it) {
    out->push_back(it);
    return true;
  });
}

}  // namespace

uint64_t HashOf(std::string_view field) {
  return XXH3_64bits(field.data(), field.size());
}

const char* ParseItem(const char* p, Item* out) {
  std::memcpy(&out->hash, p, 8);
  p += 8;
  uint64_t len;
  p = GetVarint(p, &len);
  out->field = {p, size_t(len)};
  p += len;
  p = GetVarint(p, &len);
  out->value = {p, size_t(len)};
  return p + len;
}

bool Find(const Node* n, std::string_view field, std::string_view* value) {
  uint64_t h = HashOf(field);
  for (int depth = 0; n != nullptr; ++depth) {
    if (n->leaf()) {
      const char* p = n->items();
      const char* end = p + n->size();
      Item it;
      while (p < end) {
        p = ParseItem(p, &it);
        if (it.hash == h && it.field == field) {
          *value = it.value;
          return true;
        }
        if (it.hash > h) return false;
      }
      return false;
    }
    uint64_t bit = uint64_t{1} << Chunk(h, depth);
    if (!(n->bitmap() & bit)) return false;
    n = n->children()[std::popcount(n->bitmap() & (bit - 1))];
  }
  return false;
}

Item Nth(const Node* n, size_t i) {
  assert(i < Count(n));
  while (!n->leaf()) {
    const Node* const* kids = n->children();
    size_t k = 0;
    while (i >= kids[k]->count) i -= kids[k++]->count;
    n = kids[k];
  }
  const char* p = n->items();
  Item it;
  do {
    p = ParseItem(p, &it);
  } while (i-- > 0);
  return it;
}

void FreeAll(const Node* n) {
  if (n == nullptr) return;
  if (!n->leaf()) {
    for (uint32_t i = 0; i < n->size(); ++i) FreeAll(n->children()[i]);
  }
  FreeBlock(const_cast<Node*>(n));
}

void RetireAll(const Node* n) {
  if (n == nullptr) return;
  if (!n->leaf()) {
    for (uint32_t i = 0; i < n->size(); ++i) RetireAll(n->children()[i]);
  }
  Retire(const_cast<Node*>(n));
}

const Node* DeepCopy(const Node* n, size_t* bytes) {
  size_t alloc = n->AllocBytes();
  Node* copy = Alloc(alloc);
  std::memcpy(copy, n, alloc);
  *bytes += Entry::AllocClass(alloc);
  if (!n->leaf()) {
    auto** kids = reinterpret_cast<const Node**>(reinterpret_cast<char*>(copy) + 16);
    for (uint32_t i = 0; i < n->size(); ++i) kids[i] = DeepCopy(n->children()[i], bytes);
  }
  return copy;
}

const Node* Build(std::vector<Item>& items, size_t* bytes) {
  if (items.empty()) return nullptr;
  std::sort(items.begin(), items.end(), Less);
  Editor ed(nullptr, 0);
  const Node* root = ed.BuildRange(items.data(), items.size(), 0);
  ed.root_ = root;
  *bytes = ed.bytes();
  return ed.Finish();
}

// ---------------------------------------------------------------------------------
// Editor

Editor::~Editor() {
  assert(finished_ || root_ == nullptr || !(root_->info & Node::kFreshBit));
}

Node* Editor::NewLeaf(const Item* items, size_t n) {
  size_t body = 0;
  for (size_t i = 0; i < n; ++i) body += ItemBytes(items[i]);
  Node* leaf = Alloc(8 + body);
  leaf->count = uint32_t(n);
  leaf->info = Node::kLeafBit | Node::kFreshBit | uint32_t(body);
  char* p = reinterpret_cast<char*>(leaf) + 8;
  for (size_t i = 0; i < n; ++i) p = WriteItem(p, items[i]);
  bytes_ += Entry::AllocClass(8 + body);
  return leaf;
}

Node* Editor::NewInner(uint64_t bitmap, const Node* const* kids, size_t n, uint32_t count) {
  size_t alloc = 16 + 8 * n;
  Node* inner = Alloc(alloc);
  inner->count = count;
  inner->info = Node::kFreshBit | uint32_t(n);
  std::memcpy(reinterpret_cast<char*>(inner) + 8, &bitmap, 8);
  std::memcpy(reinterpret_cast<char*>(inner) + 16, kids, 8 * n);
  bytes_ += Entry::AllocClass(alloc);
  return inner;
}

const Node* Editor::BuildRange(const Item* items, size_t n, int depth) {
  if (n <= kLeafMax || depth >= kMaxDepth) return NewLeaf(items, n);
  // Sorted by hash, so each chunk at this depth is a contiguous run.
  const Node* kids[64];
  uint64_t bitmap = 0;
  size_t nkids = 0;
  for (size_t i = 0; i < n;) {
    int c = Chunk(items[i].hash, depth);
    size_t j = i + 1;
    while (j < n && Chunk(items[j].hash, depth) == c) ++j;
    kids[nkids++] = BuildRange(items + i, j - i, depth + 1);
    bitmap |= uint64_t{1} << c;
    i = j;
  }
  return NewInner(bitmap, kids, nkids, uint32_t(n));
}

void Editor::Replaced(const Node* n) {
  bytes_ -= Entry::AllocClass(n->AllocBytes());
  if (n->info & Node::kFreshBit) {
    FreeBlock(const_cast<Node*>(n));  // invariant 1: never published
  } else {
    retired_.push_back(n);
  }
}

void Editor::ReplacedSubtree(const Node* n) {
  if (!n->leaf()) {
    for (uint32_t i = 0; i < n->size(); ++i) ReplacedSubtree(n->children()[i]);
  }
  Replaced(n);
}

const Node* Editor::Upsert(const Node* n, int depth, const Item& item, bool* added) {
  if (n == nullptr) {
    *added = true;
    return NewLeaf(&item, 1);
  }
  if (n->leaf()) {
    scratch_.clear();
    const char* p = n->items();
    const char* end = p + n->size();
    bool placed = false;
    Item it;
    while (p < end) {
      p = ParseItem(p, &it);
      if (!placed && it.hash == item.hash && it.field == item.field) {
        if (it.value == item.value) {
          *added = false;
          return n;  // unchanged
        }
        scratch_.push_back(item);
        placed = true;
        *added = false;
        continue;
      }
      if (!placed && Less(item, it)) {
        scratch_.push_back(item);
        placed = true;
        *added = true;
      }
      scratch_.push_back(it);
    }
    if (!placed) {
      scratch_.push_back(item);
      *added = true;
    }
    const Node* fresh = BuildRange(scratch_.data(), scratch_.size(), depth);
    Replaced(n);
    return fresh;
  }
  uint64_t bm = n->bitmap();
  uint64_t bit = uint64_t{1} << Chunk(item.hash, depth);
  size_t idx = size_t(std::popcount(bm & (bit - 1)));
  const Node* child = (bm & bit) ? n->children()[idx] : nullptr;
  const Node* nc = Upsert(child, depth + 1, item, added);
  if (nc == child) return n;
  const Node* kids[64];
  size_t nk = n->size();
  std::memcpy(kids, n->children(), 8 * nk);
  if (child != nullptr) {
    kids[idx] = nc;
  } else {
    std::memmove(kids + idx + 1, kids + idx, 8 * (nk - idx));
    kids[idx] = nc;
    ++nk;
  }
  const Node* fresh = NewInner(bm | bit, kids, nk, n->count + (*added ? 1 : 0));
  Replaced(n);
  return fresh;
}

void Editor::Gather(const Node* n, std::vector<Item>* out) {
  GatherAll(n, out);
}

const Node* Editor::Erase(const Node* n, int depth, uint64_t h, std::string_view field,
                          bool* found) {
  if (n == nullptr) return nullptr;
  if (n->leaf()) {
    scratch_.clear();
    const char* p = n->items();
    const char* end = p + n->size();
    Item it;
    while (p < end) {
      p = ParseItem(p, &it);
      if (it.hash == h && it.field == field) {
        *found = true;
      } else {
        scratch_.push_back(it);
      }
    }
    if (!*found) return n;
    const Node* fresh = scratch_.empty() ? nullptr : NewLeaf(scratch_.data(), scratch_.size());
    Replaced(n);
    return fresh;
  }
  uint64_t bm = n->bitmap();
  uint64_t bit = uint64_t{1} << Chunk(h, depth);
  if (!(bm & bit)) return n;
  size_t idx = size_t(std::popcount(bm & (bit - 1)));
  const Node* child = n->children()[idx];
  const Node* nc = Erase(child, depth + 1, h, field, found);
  if (!*found) return n;
  uint32_t count = n->count - 1;
  if (count <= kCollapseAt) {
    // Collapse the whole subtree into one leaf (its items are all still readable:
    // nothing is freed before the new leaf is built).
    std::vector<Item> items;
    items.reserve(count);
    for (uint32_t i = 0; i < n->size(); ++i) {
      const Node* k = i == idx ? nc : n->children()[i];
      if (k != nullptr) Gather(k, &items);
    }
    const Node* leaf = items.empty() ? nullptr : NewLeaf(items.data(), items.size());
    if (nc != nullptr) ReplacedSubtree(nc);
    for (uint32_t i = 0; i < n->size(); ++i) {
      if (i != idx) ReplacedSubtree(n->children()[i]);
    }
    Replaced(n);
    return leaf;
  }
  const Node* kids[64];
  size_t nk = n->size();
  std::memcpy(kids, n->children(), 8 * nk);
  if (nc != nullptr) {
    kids[idx] = nc;
  } else {
    std::memmove(kids + idx, kids + idx + 1, 8 * (nk - idx - 1));
    --nk;
    bm &= ~bit;
  }
  const Node* fresh = NewInner(bm, kids, nk, count);
  Replaced(n);
  return fresh;
}

void Editor::BuildFrom(std::vector<Item>& items) {
  assert(root_ == nullptr);
  std::sort(items.begin(), items.end(), Less);
  root_ = items.empty() ? nullptr : BuildRange(items.data(), items.size(), 0);
}

bool Editor::Upsert(std::string_view field, std::string_view value) {
  Item item{HashOf(field), field, value};
  bool added = false;
  root_ = Upsert(root_, 0, item, &added);
  return added;
}

bool Editor::Erase(std::string_view field) {
  bool found = false;
  root_ = Erase(root_, 0, HashOf(field), field, &found);
  return found;
}

namespace {
void ClearFresh(Node* n) {
  if (!(n->info & Node::kFreshBit)) return;  // published nodes have no fresh descendants
  n->info &= ~Node::kFreshBit;
  if (!n->leaf()) {
    for (uint32_t i = 0; i < n->size(); ++i) ClearFresh(const_cast<Node*>(n->children()[i]));
  }
}
}  // namespace

const Node* Editor::Finish() {
  if (root_ != nullptr) ClearFresh(const_cast<Node*>(root_));
  finished_ = true;
  return root_;
}

void Editor::RetireReplaced() {
  for (const Node* n : retired_) Retire(const_cast<Node*>(n));
  retired_.clear();
}

}  // namespace brisk::engine::pmap
