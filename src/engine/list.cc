#include "engine/list.h"

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <memory>
#include <new>

#include "engine/rcu.h"

namespace brisk::engine {

namespace {

// Per-thread pools of working buffers (editors nest: LMOVE holds two).
std::vector<std::unique_ptr<std::string>>& BufPool() {
  thread_local std::vector<std::unique_ptr<std::string>> pool;
  return pool;
}

std::string* AcquireBuffer() {
  auto& pool = BufPool();
  if (pool.empty()) return new std::string;
  std::string* s = pool.back().release();
  pool.pop_back();
  s->clear();
  return s;
}

void ReleaseBuffer(std::string* s) {
  if (s == nullptr) return;
  if (s->capacity() > (size_t{1} << 20)) {
    delete s;
    return;
  }
  BufPool().emplace_back(s);
}

template <typename T>
std::vector<std::unique_ptr<std::vector<T>>>& VecPool() {
  thread_local std::vector<std::unique_ptr<std::vector<T>>> pool;
  return pool;
}

template <typename T>
std::vector<T>* AcquireVec() {
  auto& pool = VecPool<T>();
  if (pool.empty()) return new std::vector<T>;
  std::vector<T>* v = pool.back().release();
  pool.pop_back();
  v->clear();
  return v;
}

template <typename T>
void ReleaseVec(std::vector<T>* v) {
  VecPool<T>().emplace_back(v);
}

constexpr size_t kSizeSafetyLimit = 8192;
constexpr size_t kOptimizationLevel[] = {4096, 8192, 16384, 32768, 65536};

void* Alloc(size_t bytes) {
  void* p = std::malloc(Entry::SizeClass(bytes));
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

list::Chunk* NewChunk(std::string_view elems, uint32_t count) {
  auto* c = static_cast<list::Chunk*>(Alloc(8 + elems.size()));
  c->count = count;
  c->bytes = uint32_t(elems.size());
  if (!elems.empty()) std::memcpy(reinterpret_cast<char*>(c) + 8, elems.data(), elems.size());
  return c;
}

size_t ChunkAlloc(const list::Chunk* c) {
  return Entry::SizeClass(8 + size_t(c->bytes));
}

size_t RootAlloc(size_t nchunks) {
  return 16 + 8 * nchunks;
}

// Byte offset of element k within element bytes.
size_t OffsetOf(std::string_view elems, size_t k) {
  LpCursor c(elems);
  for (size_t i = 0; i < k; ++i) c.Next();
  return size_t(c.pos() - elems.data());
}

std::string_view ElementAt(std::string_view elems, size_t k) {
  LpCursor c(elems);
  for (size_t i = 0; i < k; ++i) c.Next();
  return c.Next();
}

void EncodeElement(std::string_view v, std::string* out, size_t at) {
  char len[10];
  size_t n = PutVarint(len, v.size());
  out->insert(at, len, n);
  out->insert(at + n, v.data(), v.size());
}

}  // namespace

namespace list {

bool Exceeds(int64_t fill, size_t bytes, size_t count, bool halved) {
  if (fill < 0) {
    size_t off = size_t(-(fill + 1));
    if (off >= std::size(kOptimizationLevel)) off = std::size(kOptimizationLevel) - 1;
    size_t limit = kOptimizationLevel[off];
    if (halved) limit /= 2;
    return bytes > limit;
  }
  size_t count_limit = fill == 0 ? 1 : size_t(fill);
  size_t size_limit = kSizeSafetyLimit;
  if (halved) {
    count_limit /= 2;
    size_limit /= 2;
  }
  return bytes > size_limit || count > count_limit;
}

void RetireAll(const Root* root) {
  for (uint32_t i = 0; i < root->nchunks; ++i) Retire(const_cast<Chunk*>(root->chunks()[i]));
  Retire(const_cast<Root*>(root));
}

void FreeAll(const Root* root) {
  for (uint32_t i = 0; i < root->nchunks; ++i) std::free(const_cast<Chunk*>(root->chunks()[i]));
  std::free(const_cast<Root*>(root));
}

const Root* DeepCopy(const Root* root, size_t* bytes) {
  size_t alloc = RootAlloc(root->nchunks);
  auto* copy = static_cast<Root*>(Alloc(alloc));
  std::memcpy(copy, root, alloc);
  *bytes += Entry::SizeClass(alloc);
  auto** kids = reinterpret_cast<const Chunk**>(reinterpret_cast<char*>(copy) + 16);
  for (uint32_t i = 0; i < root->nchunks; ++i) {
    const Chunk* c = root->chunks()[i];
    kids[i] = NewChunk(c->elems(), c->count);
    *bytes += ChunkAlloc(c);
  }
  return copy;
}

}  // namespace list

// ---------------------------------------------------------------------------------
// Reading

size_t ListLen(const Entry& e) {
  if (EncodingOf(e) == Enc::kListListpack) {
    size_t n;
    LpElements(InlineBody(e), &n);
    return n;
  }
  return size_t(list::RootOf(e)->count);
}

std::string_view ListAt(const Entry& e, size_t i) {
  std::string_view out;
  size_t base = 0;
  bool found = false;
  ListForEachNode(e, [&](std::string_view elems, size_t count) {
    if (found) return;
    if (i < base + count) {
      out = ElementAt(elems, i - base);
      found = true;
    }
    base += count;
  });
  return out;
}

// ---------------------------------------------------------------------------------
// ListEditor

ListEditor::ListEditor(Db& db, std::string_view key, Entry* e, const ListLimits& limits)
    : db_(db), key_(key), entry_(e), limits_(limits), existed_(e != nullptr) {
  pieces_ = AcquireVec<Piece>();
  if (e == nullptr) return;
  if (EncodingOf(*e) == Enc::kListListpack) {
    size_t n;
    std::string_view elems = LpElements(InlineBody(*e), &n);
    Piece p{nullptr, AcquireBuffer(), uint32_t(n)};
    p.buf->assign(elems);
    pieces_->push_back(p);
    len_ = n;
    return;
  }
  was_quicklist_ = true;
  const list::Root* r = list::RootOf(*e);
  pieces_->reserve(r->nchunks + 2);
  for (uint32_t i = 0; i < r->nchunks; ++i) {
    pieces_->push_back(Piece{r->chunks()[i], nullptr, r->chunks()[i]->count});
  }
  len_ = size_t(r->count);
}

ListEditor::~ListEditor() {
  for (Piece& p : *pieces_) ReleaseBuffer(p.buf);
  ReleaseVec(pieces_);
}

void ListEditor::MakeFresh(Piece& p) {
  if (p.old == nullptr) return;
  p.buf = AcquireBuffer();
  p.buf->assign(p.old->elems());
  replaced_.push_back(p.old);
  p.old = nullptr;
}

ListEditor::Piece ListEditor::NewPiece() {
  return Piece{nullptr, AcquireBuffer(), 0};
}

void ListEditor::DropPiece(size_t idx) {
  Piece& p = (*pieces_)[idx];
  if (p.old != nullptr) replaced_.push_back(p.old);
  ReleaseBuffer(p.buf);
  pieces_->erase(pieces_->begin() + ptrdiff_t(idx));
}

void ListEditor::PushFront(std::string_view v) {
  changed_ = true;
  ++len_;
  size_t add = LpElementBytes(v);
  if (pieces_->empty() ||
      list::Exceeds(limits_.fill, pieces_->front().bytes() + add, pieces_->front().count + 1)) {
    pieces_->insert(pieces_->begin(), NewPiece());
  }
  Piece& p = pieces_->front();
  MakeFresh(p);
  EncodeElement(v, p.buf, 0);
  ++p.count;
}

void ListEditor::PushBack(std::string_view v) {
  changed_ = true;
  ++len_;
  size_t add = LpElementBytes(v);
  if (pieces_->empty() ||
      list::Exceeds(limits_.fill, pieces_->back().bytes() + add, pieces_->back().count + 1)) {
    pieces_->push_back(NewPiece());
  }
  Piece& p = pieces_->back();
  MakeFresh(p);
  LpAppend(p.buf, v);
  ++p.count;
}

void ListEditor::PopFront(size_t n, std::vector<std::string>* out) {
  n = std::min(n, len_);
  if (n == 0) return;
  changed_ = shrinking_ = true;
  len_ -= n;
  while (n > 0) {
    Piece& p = pieces_->front();
    size_t take = std::min<size_t>(n, p.count);
    std::string_view elems = p.elems();
    LpCursor c(elems);
    for (size_t i = 0; i < take; ++i) {
      std::string_view v = c.Next();
      if (out != nullptr) out->emplace_back(v);
    }
    n -= take;
    if (take == p.count) {
      DropPiece(0);
      continue;
    }
    size_t off = size_t(c.pos() - elems.data());
    MakeFresh(p);
    p.buf->erase(0, off);
    p.count -= uint32_t(take);
  }
}

void ListEditor::PopBack(size_t n, std::vector<std::string>* out) {
  n = std::min(n, len_);
  if (n == 0) return;
  changed_ = shrinking_ = true;
  len_ -= n;
  thread_local std::vector<std::string_view> views;
  while (n > 0) {
    size_t idx = pieces_->size() - 1;
    Piece& p = (*pieces_)[idx];
    size_t take = std::min<size_t>(n, p.count);
    std::string_view elems = p.elems();
    size_t keep = p.count - take;
    LpCursor c(elems);
    for (size_t i = 0; i < keep; ++i) c.Next();
    size_t off = size_t(c.pos() - elems.data());
    if (out != nullptr) {
      views.clear();
      while (!c.done()) views.push_back(c.Next());
      for (size_t i = views.size(); i-- > 0;) out->emplace_back(views[i]);
    }
    n -= take;
    if (keep == 0) {
      DropPiece(idx);
      continue;
    }
    MakeFresh(p);
    p.buf->resize(off);
    p.count = uint32_t(keep);
  }
}

size_t ListEditor::Locate(size_t i, size_t* local) const {
  size_t base = 0;
  for (size_t k = 0; k < pieces_->size(); ++k) {
    size_t cnt = (*pieces_)[k].count;
    if (i < base + cnt) {
      *local = i - base;
      return k;
    }
    base += cnt;
  }
  *local = 0;
  return pieces_->size();
}

std::string_view ListEditor::At(size_t i) const {
  size_t local;
  size_t k = Locate(i, &local);
  return ElementAt((*pieces_)[k].elems(), local);
}

void ListEditor::SplitIfNeeded(size_t idx) {
  Piece p = (*pieces_)[idx];
  if (p.count <= 1 || !list::Exceeds(limits_.fill, p.bytes(), p.count)) return;
  // Greedy re-pack of the piece's elements into pieces within the limit.
  std::string* src = p.buf;
  pieces_->erase(pieces_->begin() + ptrdiff_t(idx));
  std::vector<Piece> made;
  Piece cur = NewPiece();
  LpCursor c(*src);
  while (!c.done()) {
    std::string_view v = c.Next();
    size_t add = LpElementBytes(v);
    if (cur.count > 0 && list::Exceeds(limits_.fill, cur.buf->size() + add, cur.count + 1)) {
      made.push_back(cur);
      cur = NewPiece();
    }
    LpAppend(cur.buf, v);
    ++cur.count;
  }
  made.push_back(cur);
  ReleaseBuffer(src);
  pieces_->insert(pieces_->begin() + ptrdiff_t(idx), made.begin(), made.end());
}

void ListEditor::Set(size_t i, std::string_view v) {
  changed_ = true;
  size_t local;
  size_t k = Locate(i, &local);
  Piece& p = (*pieces_)[k];
  MakeFresh(p);
  size_t off = OffsetOf(*p.buf, local);
  LpCursor c(std::string_view(*p.buf).substr(off));
  c.Next();
  size_t old_len = size_t(c.pos() - (p.buf->data() + off));
  p.buf->erase(off, old_len);
  EncodeElement(v, p.buf, off);
  SplitIfNeeded(k);
}

void ListEditor::Insert(size_t i, std::string_view v) {
  if (i == len_) return PushBack(v);
  if (i == 0) return PushFront(v);
  changed_ = true;
  size_t local;
  size_t k = Locate(i, &local);
  Piece& p = (*pieces_)[k];
  MakeFresh(p);
  EncodeElement(v, p.buf, OffsetOf(*p.buf, local));
  ++p.count;
  ++len_;
  SplitIfNeeded(k);
}

size_t ListEditor::Remove(std::string_view v, int64_t count) {
  size_t quota = count == 0 ? SIZE_MAX : size_t(count < 0 ? -(count + 1) + 1 : count);
  bool from_tail = count < 0;
  size_t removed = 0;
  thread_local std::vector<std::string_view> views;
  thread_local std::vector<uint8_t> drop;
  size_t np = pieces_->size();
  for (size_t step = 0; step < np && removed < quota; ++step) {
    size_t k = from_tail ? np - 1 - step : step;
    Piece& p = (*pieces_)[k];
    views.clear();
    LpCursor c(p.elems());
    while (!c.done()) views.push_back(c.Next());
    drop.assign(views.size(), 0);
    size_t here = 0;
    for (size_t j = 0; j < views.size() && removed < quota; ++j) {
      size_t idx = from_tail ? views.size() - 1 - j : j;
      if (views[idx] == v) {
        drop[idx] = 1;
        ++here;
        ++removed;
      }
    }
    if (here == 0) continue;
    Piece fresh = NewPiece();
    for (size_t j = 0; j < views.size(); ++j) {
      if (!drop[j]) LpAppend(fresh.buf, views[j]);
    }
    fresh.count = uint32_t(views.size() - here);
    if (p.old != nullptr) replaced_.push_back(p.old);
    ReleaseBuffer(p.buf);
    p = fresh;
  }
  // Drop emptied pieces.
  for (size_t k = pieces_->size(); k-- > 0;) {
    if ((*pieces_)[k].count == 0) DropPiece(k);
  }
  if (removed > 0) {
    changed_ = shrinking_ = true;
    len_ -= removed;
  }
  return removed;
}

void ListEditor::Trim(size_t start, size_t stop) {
  if (start > stop || start >= len_) {
    PopFront(len_, nullptr);
    return;
  }
  size_t tail = len_ - 1 - stop;
  PopFront(start, nullptr);
  PopBack(tail, nullptr);
}

bool ListEditor::Commit() {
  if (!changed_) return len_ > 0;
  if (len_ == 0) {
    // Db::Erase retires the whole previous version (replaced chunks included).
    if (existed_) db_.Erase(key_, 0);
    return false;
  }
  const list::Root* old_root = was_quicklist_ ? list::RootOf(*entry_) : nullptr;
  bool compact;
  if (pieces_->size() != 1) {
    compact = false;
  } else {
    const Piece& p = pieces_->front();
    compact = was_quicklist_ ? shrinking_ && !list::Exceeds(limits_.fill, p.bytes(), p.count, true)
                             : !list::Exceeds(limits_.fill, p.bytes(), p.count);
  }
  char hdr[1 + kExternalValueBytes];
  std::string_view head, body;
  if (compact) {
    head = {hdr, LpHeader(uint8_t(Enc::kListListpack), len_, hdr)};
    body = pieces_->front().elems();
  } else {
    size_t n = pieces_->size();
    size_t alloc = RootAlloc(n);
    auto* root = static_cast<list::Root*>(Alloc(alloc));
    root->nchunks = uint32_t(n);
    root->pad = 0;
    root->count = len_;
    auto** kids = reinterpret_cast<const list::Chunk**>(reinterpret_cast<char*>(root) + 16);
    size_t bytes = Entry::SizeClass(alloc);
    for (size_t k = 0; k < n; ++k) {
      Piece& p = (*pieces_)[k];
      kids[k] = p.old != nullptr ? p.old : NewChunk(*p.buf, p.count);
      bytes += ChunkAlloc(kids[k]);
    }
    EncodeExternal(Enc::kListQuicklist, reinterpret_cast<const pmap::Node*>(root), bytes, hdr);
    head = {hdr, sizeof(hdr)};
  }
  if (existed_) {
    entry_ = db_.SetCollection(entry_, ObjType::kList, {head, body});
  } else {
    entry_ = db_.InsertCollection(key_, ObjType::kList, {head, body});
  }
  if (old_root != nullptr) {
    if (compact) {
      list::RetireAll(old_root);  // the data was copied into the entry
    } else {
      for (const list::Chunk* c : replaced_) Retire(const_cast<list::Chunk*>(c));
      Retire(const_cast<list::Root*>(old_root));
    }
  }
  replaced_.clear();
  changed_ = false;
  existed_ = true;
  was_quicklist_ = !compact;
  return true;
}

}  // namespace brisk::engine
