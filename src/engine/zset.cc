#include "engine/zset.h"

#include <cassert>
#include <cstdlib>
#include <memory>

#include "engine/buffer_pool.h"
#include "engine/rcu.h"

namespace brisk::engine {

// ---------------------------------------------------------------------------------
// Persistent treap (invariant 2), path copying.

namespace ztree {

namespace {
size_t AllocOf(const Node* n) {
  return Entry::SizeClass(sizeof(Node) + n->mlen);
}
}  // namespace

void FreeAll(const Node* n) {
  if (n == nullptr) return;
  FreeAll(n->l);
  FreeAll(n->r);
  std::free(const_cast<Node*>(n));
}

void RetireAll(const Node* n) {
  if (n == nullptr) return;
  RetireAll(n->l);
  RetireAll(n->r);
  Retire(const_cast<Node*>(n));
}

const Node* DeepCopy(const Node* n, size_t* bytes) {
  if (n == nullptr) return nullptr;
  size_t alloc = AllocOf(n);
  Node* c = static_cast<Node*>(std::malloc(alloc));
  std::memcpy(c, n, sizeof(Node) + n->mlen);
  *bytes += alloc;
  c->l = DeepCopy(n->l, bytes);
  c->r = DeepCopy(n->r, bytes);
  return c;
}

}  // namespace ztree

using ztree::Node;

class ZTreeEditor {
 public:
  explicit ZTreeEditor(const Node* root) : root_(root) {}
  ~ZTreeEditor() {
    // An abandoned edit (never finished): free what it created.
    if (!finished_) FreeFresh(root_);
  }

  void Insert(std::string_view member, double score) {
    size_t alloc = Entry::SizeClass(sizeof(Node) + member.size());
    Node* n = static_cast<Node*>(std::malloc(alloc));
    n->l = n->r = nullptr;
    n->score = score;
    n->size = 1;
    n->prio = uint32_t(pmap::HashOf(member) >> 32);
    n->mlen = uint32_t(member.size());
    n->fresh = 1;
    std::memcpy(reinterpret_cast<char*>(n) + sizeof(Node), member.data(), member.size());
    delta_ += int64_t(alloc);
    root_ = InsertAt(root_, n);
  }
  void Erase(std::string_view member, double score) { root_ = EraseAt(root_, score, member); }

  const Node* root() const { return root_; }
  int64_t delta() const { return delta_; }
  const Node* Finish() {
    ClearFresh(root_);
    finished_ = true;
    return root_;
  }
  void RetireReplaced() {
    for (const Node* n : retired_) Retire(const_cast<Node*>(n));
    retired_.clear();
  }
  void ForgetReplaced() { retired_.clear(); }

 private:
  static void Fix(Node* n) { n->size = 1 + ztree::Size(n->l) + ztree::Size(n->r); }

  // A writable version of n: n itself if fresh, else a fresh copy (n is replaced).
  Node* Mut(const Node* n) {
    if (n->fresh) return const_cast<Node*>(n);
    size_t alloc = Entry::SizeClass(sizeof(Node) + n->mlen);
    Node* c = static_cast<Node*>(std::malloc(alloc));
    std::memcpy(c, n, sizeof(Node) + n->mlen);
    c->fresh = 1;
    delta_ += int64_t(alloc);
    Drop(n);
    return c;
  }
  void Drop(const Node* n) {
    delta_ -= int64_t(Entry::SizeClass(sizeof(Node) + n->mlen));
    if (n->fresh) {
      std::free(const_cast<Node*>(n));
    } else {
      retired_.push_back(n);
    }
  }

  // Splits n into (< key) and (>= key).
  void Split(const Node* n, double s, std::string_view m, const Node** l, const Node** r) {
    if (n == nullptr) {
      *l = *r = nullptr;
      return;
    }
    Node* c = Mut(n);
    if (ZLess(c->score, c->member(), s, m)) {
      Split(c->r, s, m, &c->r, r);
      *l = c;
    } else {
      Split(c->l, s, m, l, &c->l);
      *r = c;
    }
    Fix(c);
  }

  const Node* Merge(const Node* a, const Node* b) {
    if (a == nullptr) return b;
    if (b == nullptr) return a;
    if (a->prio >= b->prio) {
      Node* c = Mut(a);
      c->r = Merge(c->r, b);
      Fix(c);
      return c;
    }
    Node* c = Mut(b);
    c->l = Merge(a, c->l);
    Fix(c);
    return c;
  }

  const Node* InsertAt(const Node* n, Node* nn) {
    if (n == nullptr) return nn;
    if (nn->prio > n->prio) {
      Split(n, nn->score, nn->member(), &nn->l, &nn->r);
      Fix(nn);
      return nn;
    }
    Node* c = Mut(n);
    if (ZLess(nn->score, nn->member(), c->score, c->member())) {
      c->l = InsertAt(c->l, nn);
    } else {
      c->r = InsertAt(c->r, nn);
    }
    Fix(c);
    return c;
  }

  const Node* EraseAt(const Node* n, double s, std::string_view m) {
    assert(n != nullptr);
    if (n->score == s && n->member() == m) {
      const Node* merged = Merge(n->l, n->r);
      Drop(n);
      return merged;
    }
    Node* c = Mut(n);
    if (ZLess(s, m, c->score, c->member())) {
      c->l = EraseAt(c->l, s, m);
    } else {
      c->r = EraseAt(c->r, s, m);
    }
    Fix(c);
    return c;
  }

  // Fresh nodes form the top of the tree (a published node never points to a fresh
  // one), so only fresh paths are walked.
  static void ClearFresh(const Node* n) {
    if (n == nullptr || !n->fresh) return;
    const_cast<Node*>(n)->fresh = 0;
    ClearFresh(n->l);
    ClearFresh(n->r);
  }
  static void FreeFresh(const Node* n) {
    if (n == nullptr || !n->fresh) return;
    FreeFresh(n->l);
    FreeFresh(n->r);
    std::free(const_cast<Node*>(n));
  }

  const Node* root_;
  int64_t delta_ = 0;
  std::vector<const Node*> retired_;
  bool finished_ = false;
};

// ---------------------------------------------------------------------------------
// Reading

size_t ZLen(const Entry& e) {
  if (EncodingOf(e) == Enc::kZSetListpack) {
    size_t n;
    LpElements(InlineBody(e), &n);
    return n;
  }
  return ztree::Size(ZTreeRoot(e));
}

bool ZScore(const Entry& e, std::string_view member, double* score) {
  if (EncodingOf(e) == Enc::kZSetListpack) {
    size_t n;
    const char* p = LpElements(InlineBody(e), &n).data();
    for (size_t i = 0; i < n; ++i) {
      uint64_t len;
      const char* d = GetVarint(p, &len);
      if (std::string_view(d, size_t(len)) == member) {
        *score = LoadScore(d + len);
        return true;
      }
      p = d + len + 8;
    }
    return false;
  }
  std::string_view v;
  if (!pmap::Find(ExternalRoot(e), member, &v)) return false;
  *score = LoadScore(v.data());
  return true;
}

// ---------------------------------------------------------------------------------
// Lifetime

void ZSetRetire(const Entry& e) {
  pmap::RetireAll(ExternalRoot(e));
  ztree::RetireAll(ZTreeRoot(e));
}

void ZSetFree(const Entry& e) {
  pmap::FreeAll(ExternalRoot(e));
  ztree::FreeAll(ZTreeRoot(e));
}

void ZSetDeepCopy(char* value) {
  const pmap::Node* map;
  const Node* tree;
  std::memcpy(&map, value + 1, sizeof(map));
  std::memcpy(&tree, value + 1 + kExternalValueBytes, sizeof(tree));
  size_t bytes = 0;
  const pmap::Node* map2 = pmap::DeepCopy(map, &bytes);
  const Node* tree2 = ztree::DeepCopy(tree, &bytes);
  EncodeExternal(Enc::kZSetSkiplist, map2, bytes, value);
  std::memcpy(value + 1 + kExternalValueBytes, &tree2, sizeof(tree2));
}

// ---------------------------------------------------------------------------------
// ZSetEditor

ZSetEditor::ZSetEditor(Db& db, std::string_view key, Entry* e, const ZSetLimits& limits)
    : db_(db), key_(key), entry_(e), limits_(limits), existed_(e != nullptr) {
  if (e != nullptr && EncodingOf(*e) == Enc::kZSetSkiplist) {
    map_.emplace(ExternalRoot(*e), ExternalBytes(*e));
    tree_ = new ZTreeEditor(ZTreeRoot(*e));
    return;
  }
  elems_ = AcquireBuffer();
  if (e != nullptr) elems_->assign(LpElements(InlineBody(*e), &count_));
}

ZSetEditor::~ZSetEditor() {
  ReleaseBuffer(elems_);
  delete tree_;
}

size_t ZSetEditor::Len() const {
  return tree_ != nullptr ? ztree::Size(tree_->root()) : count_;
}

void ZSetEditor::Reserve(size_t incoming, size_t max_len) {
  if (tree_ != nullptr) return;
  if (incoming > limits_.max_listpack_entries || max_len > limits_.max_listpack_value) ToTree();
}

void ZSetEditor::ToTree() {
  std::vector<pmap::Item> items;
  items.reserve(count_);
  map_.emplace(nullptr, 0);
  tree_ = new ZTreeEditor(nullptr);
  const char* p = elems_->data();
  for (size_t i = 0; i < count_; ++i) {
    uint64_t len;
    const char* d = GetVarint(p, &len);
    std::string_view m(d, size_t(len));
    items.push_back({pmap::HashOf(m), m, std::string_view(d + len, 8)});
    tree_->Insert(m, LoadScore(d + len));
    p = d + len + 8;
  }
  map_->BuildFrom(items);
  ReleaseBuffer(elems_);
  elems_ = nullptr;
  count_ = 0;
  changed_ = true;
}

bool ZSetEditor::LpFind(std::string_view member, size_t* off, size_t* len, double* score) const {
  const char* base = elems_->data();
  const char* p = base;
  for (size_t i = 0; i < count_; ++i) {
    uint64_t l;
    const char* d = GetVarint(p, &l);
    const char* next = d + l + 8;
    if (std::string_view(d, size_t(l)) == member) {
      *off = size_t(p - base);
      *len = size_t(next - p);
      *score = LoadScore(d + l);
      return true;
    }
    p = next;
  }
  return false;
}

bool ZSetEditor::Score(std::string_view member, double* score) const {
  if (tree_ != nullptr) {
    std::string_view v;
    if (!pmap::Find(map_->root(), member, &v)) return false;
    *score = LoadScore(v.data());
    return true;
  }
  size_t off, len;
  return LpFind(member, &off, &len, score);
}

bool ZSetEditor::Set(std::string_view member, double score) {
  double old;
  bool existed = Score(member, &old);
  if (existed && old == score) return false;
  if (tree_ == nullptr && !existed &&
      (count_ + 1 > limits_.max_listpack_entries || member.size() > limits_.max_listpack_value)) {
    ToTree();
  }
  changed_ = true;
  if (tree_ != nullptr) {
    if (existed) tree_->Erase(member, old);
    tree_->Insert(member, score);
    char raw[8];
    std::memcpy(raw, &score, 8);
    map_->Upsert(member, std::string_view(raw, 8));
    return !existed;
  }
  if (existed) {
    size_t off, len;
    LpFind(member, &off, &len, &old);
    elems_->erase(off, len);
    --count_;
  }
  // Insertion point: the first element not before (score, member).
  const char* base = elems_->data();
  const char* p = base;
  for (size_t i = 0; i < count_; ++i) {
    uint64_t l;
    const char* d = GetVarint(p, &l);
    if (!ZLess(LoadScore(d + l), std::string_view(d, size_t(l)), score, member)) break;
    p = d + l + 8;
  }
  char hdr[10 + 8];
  size_t hl = PutVarint(hdr, member.size());
  size_t at = size_t(p - base);
  elems_->insert(at, hdr, hl);
  elems_->insert(at + hl, member);
  char raw[8];
  std::memcpy(raw, &score, 8);
  elems_->insert(at + hl + member.size(), raw, 8);
  ++count_;
  return !existed;
}

bool ZSetEditor::Del(std::string_view member) {
  double old;
  if (tree_ != nullptr) {
    if (!Score(member, &old)) return false;
    tree_->Erase(member, old);
    map_->Erase(member);
    changed_ = true;
    return true;
  }
  size_t off, len;
  if (!LpFind(member, &off, &len, &old)) return false;
  elems_->erase(off, len);
  --count_;
  changed_ = true;
  return true;
}

bool ZSetEditor::Commit() {
  if (!changed_) return Len() > 0 || existed_;
  if (Len() == 0) {
    if (tree_ != nullptr) {
      (void)map_->Finish();
      (void)tree_->Finish();
      map_->ForgetReplaced();
      tree_->ForgetReplaced();
    }
    if (existed_) db_.Erase(key_, 0);
    return false;
  }
  if (tree_ != nullptr) {
    const pmap::Node* map = map_->Finish();
    const Node* tree = tree_->Finish();
    char hdr[1 + kExternalValueBytes + sizeof(void*)];
    EncodeExternal(Enc::kZSetSkiplist, map, size_t(int64_t(map_->bytes()) + tree_->delta()), hdr);
    std::memcpy(hdr + 1 + kExternalValueBytes, &tree, sizeof(tree));
    std::string_view head(hdr, sizeof(hdr));
    entry_ = existed_ ? db_.SetCollection(entry_, ObjType::kZSet, {head})
                      : db_.InsertCollection(key_, ObjType::kZSet, {head});
    map_->RetireReplaced();
    tree_->RetireReplaced();
    // Later edits through this editor start from the published version.
    map_.emplace(map, size_t(int64_t(map_->bytes()) + tree_->delta()));
    delete tree_;
    tree_ = new ZTreeEditor(tree);
  } else {
    char hdr[11];
    std::string_view head(hdr, LpHeader(uint8_t(Enc::kZSetListpack), count_, hdr));
    entry_ = existed_ ? db_.SetCollection(entry_, ObjType::kZSet, {head, *elems_})
                      : db_.InsertCollection(key_, ObjType::kZSet, {head, *elems_});
  }
  existed_ = true;
  changed_ = false;
  return true;
}

}  // namespace brisk::engine
