#include "engine/list.h"

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <memory>
#include <new>

#include "engine/buffer_pool.h"
#include "engine/list_chunks.h"
#include "engine/rcu.h"

namespace brisk::engine {

namespace {

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

}  // namespace

using namespace list::detail;  // NOLINT(google-build-using-namespace): internal helpers

namespace list {

bool Exceeds(int64_t fill, size_t bytes, size_t count, bool halved) {
  if (fill < 0) {
    size_t limit = LimitBytes(fill);
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

}  // namespace list

// ---------------------------------------------------------------------------------
// Reading

size_t ListLen(const Entry& e) {
  if (EncodingOf(e) == Enc::kListListpack) {
    size_t n;
    LpElements(InlineBody(e), &n);
    return n;
  }
  return size_t(list::ViewOf(e).count);
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
  dropped_ = AcquireVec<void*>();
  created_ = AcquireVec<void*>();
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
  view_mode_ = true;
  view_ = list::ViewOf(*e);
  len_ = size_t(view_.count);
}

ListEditor::~ListEditor() {
  // An edit abandoned before Commit: what it allocated was never published.
  for (void* p : *created_) std::free(p);
  for (Piece& p : *pieces_) ReleaseBuffer(p.buf);
  ReleaseVec(pieces_);
  ReleaseVec(dropped_);
  ReleaseVec(created_);
}

void ListEditor::MakeFresh(Piece& p) {
  if (p.old == nullptr) return;
  p.buf = AcquireBuffer();
  p.buf->assign(p.elems());
  dropped_->push_back(const_cast<list::Chunk*>(p.old));
  p.old = nullptr;
}

ListEditor::Piece ListEditor::NewPiece() {
  return Piece{nullptr, AcquireBuffer(), 0};
}

void ListEditor::DropPiece(size_t idx) {
  Piece& p = (*pieces_)[idx];
  if (p.old != nullptr) dropped_->push_back(const_cast<list::Chunk*>(p.old));
  ReleaseBuffer(p.buf);
  pieces_->erase(pieces_->begin() + ptrdiff_t(idx));
}

void ListEditor::ToPieces() {
  if (!view_mode_) return;
  view_mode_ = false;
  pieces_->clear();
  if (view_.count != 0) {
    auto add = [&](const list::Chunk* c, uint32_t off, uint32_t end, uint32_t count) {
      Piece p{c, nullptr, count};
      p.off = off;
      p.end = end;
      pieces_->push_back(p);
    };
    add(view_.head.c, view_.head.off, view_.head.end, view_.head.count);
    for (uint32_t i = view_.mfirst; i < view_.mlast; ++i) {
      const list::Chunk* c = view_.spine->slots()[i];
      add(c, c->off, c->end, c->count);
    }
    if (view_.tail.c != nullptr)
      add(view_.tail.c, view_.tail.off, view_.tail.end, view_.tail.count);
  }
  dropped_->push_back(const_cast<list::Spine*>(view_.spine));
  view_ = list::View{};
}

// ---- both modes ----

void ListEditor::PushFront(std::string_view v) {
  changed_ = true;
  ++len_;
  if (view_mode_) return ViewPushFront(v);
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
  if (view_mode_) return ViewPushBack(v);
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
  if (view_mode_) return ViewPopFront(n, out);
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
    if (p.old != nullptr) {
      p.off += uint32_t(off);  // a narrower range of the same chunk
    } else {
      p.buf->erase(0, off);
    }
    p.count -= uint32_t(take);
  }
}

void ListEditor::PopBack(size_t n, std::vector<std::string>* out) {
  n = std::min(n, len_);
  if (n == 0) return;
  changed_ = shrinking_ = true;
  len_ -= n;
  if (view_mode_) return ViewPopBack(n, out);
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
    if (p.old != nullptr) {
      p.end = p.off + uint32_t(off);
    } else {
      p.buf->resize(off);
    }
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
  if (view_mode_) {
    size_t base = 0;
    auto in = [&](std::string_view elems, size_t count, std::string_view* out) {
      if (i >= base + count) {
        base += count;
        return false;
      }
      *out = ElementAt(elems, i - base);
      return true;
    };
    std::string_view out;
    if (in(view_.head.elems(), view_.head.count, &out)) return out;
    for (uint32_t k = view_.mfirst; k < view_.mlast; ++k) {
      const list::Chunk* c = view_.spine->slots()[k];
      if (in({c->data() + c->off, size_t(c->end - c->off)}, c->count, &out)) return out;
    }
    in(view_.tail.elems(), view_.tail.count, &out);
    return out;
  }
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
  ToPieces();
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
  ToPieces();
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
  ToPieces();
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
    if (p.old != nullptr) dropped_->push_back(const_cast<list::Chunk*>(p.old));
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

void ListEditor::BuildView() {
  size_t n = pieces_->size();
  uint32_t m = n >= 2 ? uint32_t(n - 2) : 0;
  list::Spine* s = MakeSpine(size_t(m) + 2 * std::max<size_t>(m / 2, 4));
  created_->push_back(s);
  uint32_t start = (s->cap - m) / 2;
  s->lo = start;
  s->hi = start + m;
  view_ = list::View{};
  view_.spine = s;
  view_.mfirst = view_.mlast = start;
  view_.count = len_;
  auto edge_of = [&](const Piece& p) {
    if (p.old != nullptr) return list::Edge{p.old, p.off, p.end, p.count, 0};
    size_t used = p.buf->size();
    list::Chunk* c = MakeChunk(used);
    created_->push_back(c);
    std::memcpy(c->data(), p.buf->data(), used);
    c->hi = uint32_t(used);
    return list::Edge{c, 0, uint32_t(used), p.count, 0};
  };
  view_.head = edge_of(pieces_->front());
  for (uint32_t k = 0; k < m; ++k) s->slots()[view_.mlast++] = Sealed(edge_of((*pieces_)[k + 1]));
  if (n >= 2) view_.tail = edge_of(pieces_->back());
  size_t bytes = SpineBytes(s);
  ForEachBlock(view_, [&](list::Chunk* c) { bytes += ChunkAlloc(c); });
  view_.bytes = bytes;
}

bool ListEditor::Commit() {
  if (!changed_) return len_ > 0;
  changed_ = false;
  if (len_ == 0) {
    // Db::Erase retires the whole previous version (dropped chunks included); what
    // this editor allocated is retired here.
    for (void* p : *created_) Retire(p);
    created_->clear();
    dropped_->clear();
    if (existed_) db_.Erase(key_, 0);
    existed_ = false;
    return false;
  }
  bool compact;
  std::string_view single;  // the elements if the list has one chunk / piece
  size_t single_count = 0;
  if (view_mode_) {
    compact = false;
    if (view_.tail.c == nullptr) {
      single = view_.head.elems();
      single_count = view_.head.count;
      compact = shrinking_;
    }
  } else {
    compact = pieces_->size() == 1;
    if (compact) {
      single = pieces_->front().elems();
      single_count = pieces_->front().count;
      if (!was_quicklist_) compact = !list::Exceeds(limits_.fill, single.size(), single_count);
    }
    if (was_quicklist_) compact = compact && shrinking_;
  }
  if (compact && was_quicklist_) {
    compact = !list::Exceeds(limits_.fill, single.size(), single_count, true);
  }
  char hdr[1 + list::kViewBytes];
  std::string_view head, body;
  if (compact) {
    head = {hdr, LpHeader(uint8_t(Enc::kListListpack), len_, hdr)};
    body = single;
  } else {
    if (!view_mode_) BuildView();
    hdr[0] = char(Enc::kListQuicklist);
    std::memcpy(hdr + 1, &view_, sizeof(view_));
    head = {hdr, sizeof(hdr)};
  }
  if (existed_) {
    entry_ = db_.SetCollection(entry_, ObjType::kList, {head, body});
  } else {
    entry_ = db_.InsertCollection(key_, ObjType::kList, {head, body});
  }
  // Only now may readers stop seeing what the previous version held.
  for (void* p : *dropped_) Retire(p);
  dropped_->clear();
  if (compact) {  // the elements were copied into the entry
    if (view_mode_) {
      Retire(const_cast<list::Chunk*>(view_.head.c));
      Retire(const_cast<list::Spine*>(view_.spine));
      view_ = list::View{};
      view_mode_ = false;
    } else {
      for (Piece& p : *pieces_) {
        if (p.old != nullptr) Retire(const_cast<list::Chunk*>(p.old));
        p.old = nullptr;
      }
    }
  }
  created_->clear();
  existed_ = true;
  was_quicklist_ = !compact;
  return true;
}

}  // namespace brisk::engine
