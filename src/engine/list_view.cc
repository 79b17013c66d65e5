// ListEditor's view mode: O(1) pushes and pops at the ends of a quicklist, and the
// lifetime functions of a quicklist value (list.h has the update protocol).
#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "engine/list.h"
#include "engine/list_chunks.h"
#include "engine/rcu.h"

namespace brisk::engine {

using namespace list::detail;  // NOLINT(google-build-using-namespace): internal helpers

namespace list {

void RetireAll(const Entry& e) {
  View v = ViewOf(e);
  ForEachBlock(v, [](Chunk* c) { Retire(c); });
  Retire(const_cast<Spine*>(v.spine));
}

void FreeAll(const Entry& e) {
  View v = ViewOf(e);
  ForEachBlock(v, [](Chunk* c) { std::free(c); });
  std::free(const_cast<Spine*>(v.spine));
}

void DeepCopyValue(char* value) {
  View v;
  std::memcpy(&v, value + 1, sizeof(v));
  auto copy_edge = [&](Edge* e) {
    if (e->c == nullptr) return;
    size_t used = e->end - e->off;
    Chunk* c = MakeChunk(used);
    std::memcpy(c->data(), e->c->data() + e->off, used);
    c->hi = uint32_t(used);
    *e = Edge{c, 0, uint32_t(used), e->count, 0};
    v.bytes += ChunkAlloc(c);
  };
  v.bytes = 0;
  copy_edge(&v.head);
  copy_edge(&v.tail);
  uint32_t n = v.mlast - v.mfirst;
  Spine* s = MakeSpine(n + 8);
  uint32_t start = (s->cap - n) / 2;
  for (uint32_t i = 0; i < n; ++i) {
    const Chunk* src = v.spine->slots()[v.mfirst + i];
    size_t used = src->end - src->off;
    Chunk* c = MakeChunk(used);
    std::memcpy(c->data(), src->data() + src->off, used);
    Seal(c, 0, uint32_t(used), src->count);
    s->slots()[start + i] = c;
    v.bytes += ChunkAlloc(c);
  }
  s->lo = start;
  s->hi = start + n;
  v.spine = s;
  v.mfirst = start;
  v.mlast = start + n;
  v.bytes += SpineBytes(s);
  std::memcpy(value + 1, &v, sizeof(v));
}

}  // namespace list

// ---- view mode ----

list::Chunk* ListEditor::NewChunk(size_t want) {
  list::Chunk* c = MakeChunk(want);
  created_->push_back(c);
  view_.bytes += ChunkAlloc(c);
  return c;
}

void ListEditor::Drop(void* block, size_t alloc) {
  dropped_->push_back(block);
  view_.bytes -= alloc;
}

void ListEditor::Regrow(list::Edge* e, size_t add, bool front, bool both) {
  size_t used = e->end - e->off;
  size_t limit = LimitBytes(limits_.fill);
  size_t want = std::max<size_t>(used * 2, 64);
  if (want > limit - sizeof(list::Chunk)) want = limit - sizeof(list::Chunk);
  want = std::max(want, used + add);
  list::Chunk* c = NewChunk(want);
  size_t room = c->cap - used;
  size_t at = both ? (front ? std::max(room / 2, add) : std::min(room / 2, room - add))
                   : (front ? room : 0);
  std::memcpy(c->data() + at, e->c->data() + e->off, used);
  c->lo = uint32_t(at);
  c->hi = uint32_t(at + used);
  Drop(const_cast<list::Chunk*>(e->c), ChunkAlloc(e->c));
  *e = list::Edge{c, uint32_t(at), uint32_t(at + used), e->count, 0};
}

const list::Chunk* ListEditor::Sealed(const list::Edge& e) {
  auto* c = const_cast<list::Chunk*>(e.c);
  if (!c->sealed) {
    Seal(c, e.off, e.end, e.count);
    return c;
  }
  if (c->off == e.off && c->end == e.end && c->count == e.count) return c;
  size_t used = e.end - e.off;
  list::Chunk* n = NewChunk(used);
  std::memcpy(n->data(), c->data() + e.off, used);
  Seal(n, 0, uint32_t(used), e.count);
  Drop(c, ChunkAlloc(c));
  return n;
}

void ListEditor::RebuildSpine() {
  uint32_t n = view_.mlast - view_.mfirst;
  size_t alloc_before = SpineBytes(view_.spine);
  list::Spine* s = MakeSpine(size_t(n) * 3 + 16);
  created_->push_back(s);
  uint32_t start = (s->cap - n) / 2;
  if (n != 0) {
    std::memcpy(s->slots() + start, view_.spine->slots() + view_.mfirst, size_t(n) * 8);
  }
  s->lo = start;
  s->hi = start + n;
  Drop(const_cast<list::Spine*>(view_.spine), alloc_before);
  view_.bytes += SpineBytes(s);
  view_.spine = s;
  view_.mfirst = start;
  view_.mlast = start + n;
}

void ListEditor::AppendMiddle(const list::Edge& e) {
  const list::Chunk* c = Sealed(e);
  auto* s = const_cast<list::Spine*>(view_.spine);
  uint32_t i = view_.mlast;
  if (i < s->hi && i >= s->lo && s->slots()[i] == c) {
    ++view_.mlast;  // already there, published with these bounds
    return;
  }
  if (i < s->hi || i >= s->cap) {
    RebuildSpine();
    s = const_cast<list::Spine*>(view_.spine);
    i = view_.mlast;
  }
  s->slots()[i] = c;
  s->hi = i + 1;
  if (view_.mfirst == view_.mlast && s->lo > i) s->lo = i;
  ++view_.mlast;
}

void ListEditor::PrependMiddle(const list::Edge& e) {
  const list::Chunk* c = Sealed(e);
  auto* s = const_cast<list::Spine*>(view_.spine);
  if (view_.mfirst > 0) {
    uint32_t i = view_.mfirst - 1;
    if (i < s->hi && i >= s->lo && s->slots()[i] == c) {
      --view_.mfirst;
      return;
    }
  }
  if (view_.mfirst == 0 || view_.mfirst - 1 >= s->lo) {
    RebuildSpine();
    s = const_cast<list::Spine*>(view_.spine);
  }
  uint32_t i = view_.mfirst - 1;
  s->slots()[i] = c;
  s->lo = i;
  if (view_.mfirst == view_.mlast && s->hi < i + 1) s->hi = i + 1;
  --view_.mfirst;
}

void ListEditor::ViewPushBack(std::string_view v) {
  size_t add = LpElementBytes(v);
  if (view_.head.c == nullptr) {  // everything was popped by this editor
    view_.head = list::Edge{NewChunk(std::max<size_t>(add, 64)), 0, 0, 0, 0};
  }
  bool single = view_.tail.c == nullptr;
  list::Edge* t = single ? &view_.head : &view_.tail;
  // The node limit counts the chunk header, as Redis's counts the listpack's: a full
  // chunk is then one allocator size class (8 KB, not 10 KB for 8 KB of elements).
  if (t->count > 0 &&
      list::Exceeds(limits_.fill, sizeof(list::Chunk) + t->end - t->off + add, t->count + 1)) {
    if (!single) AppendMiddle(view_.tail);
    list::Chunk* c = NewChunk(std::max<size_t>(add, 64));
    view_.tail = list::Edge{c, 0, 0, 0, 0};
    t = &view_.tail;
  } else if (t->end != t->c->hi || t->c->cap - t->end < add) {
    Regrow(t, add, false, single);
  }
  auto* c = const_cast<list::Chunk*>(t->c);
  char* p = c->data() + t->end;
  size_t n = PutVarint(p, v.size());
  if (!v.empty()) std::memcpy(p + n, v.data(), v.size());
  t->end += uint32_t(add);
  c->hi = t->end;
  ++t->count;
  ++view_.count;
}

void ListEditor::ViewPushFront(std::string_view v) {
  size_t add = LpElementBytes(v);
  if (view_.head.c == nullptr) {  // everything was popped by this editor
    list::Chunk* c = NewChunk(std::max<size_t>(add, 64));
    c->lo = c->hi = c->cap;
    view_.head = list::Edge{c, c->cap, c->cap, 0, 0};
  }
  list::Edge* h = &view_.head;
  if (h->count > 0 &&
      list::Exceeds(limits_.fill, sizeof(list::Chunk) + h->end - h->off + add, h->count + 1)) {
    if (view_.tail.c == nullptr) {
      view_.tail = view_.head;  // the head becomes the tail, as it is
    } else {
      PrependMiddle(view_.head);
    }
    list::Chunk* c = NewChunk(std::max<size_t>(add, 64));
    c->lo = c->hi = c->cap;
    view_.head = list::Edge{c, c->cap, c->cap, 0, 0};
  } else if (h->off != h->c->lo || h->off < add) {
    Regrow(h, add, true, view_.tail.c == nullptr);
  }
  auto* c = const_cast<list::Chunk*>(h->c);
  char* p = c->data() + h->off - add;
  size_t n = PutVarint(p, v.size());
  if (!v.empty()) std::memcpy(p + n, v.data(), v.size());
  h->off -= uint32_t(add);
  c->lo = h->off;
  ++h->count;
  ++view_.count;
}

void ListEditor::ViewPopFront(size_t n, std::vector<std::string>* out) {
  while (n > 0 && view_.count > 0) {
    list::Edge& h = view_.head;
    LpCursor c(h.elems());
    size_t take = std::min<size_t>(n, h.count);
    for (size_t i = 0; i < take; ++i) {
      std::string_view v = c.Next();
      if (out != nullptr) out->emplace_back(v);
    }
    n -= take;
    view_.count -= take;
    h.count -= uint32_t(take);
    h.off = uint32_t(c.pos() - h.c->data());
    if (h.count > 0) continue;
    Drop(const_cast<list::Chunk*>(h.c), ChunkAlloc(h.c));
    if (view_.mfirst < view_.mlast) {
      const list::Chunk* m = view_.spine->slots()[view_.mfirst++];
      h = list::Edge{m, m->off, m->end, m->count, 0};
    } else if (view_.tail.c != nullptr) {
      h = view_.tail;
      view_.tail = list::Edge{};
    } else {
      h = list::Edge{};
    }
  }
}

void ListEditor::ViewPopBack(size_t n, std::vector<std::string>* out) {
  thread_local std::vector<std::string_view> views;
  while (n > 0 && view_.count > 0) {
    bool single = view_.tail.c == nullptr;
    list::Edge& t = single ? view_.head : view_.tail;
    size_t take = std::min<size_t>(n, t.count);
    size_t keep = t.count - take;
    LpCursor c(t.elems());
    for (size_t i = 0; i < keep; ++i) c.Next();
    uint32_t end = uint32_t(c.pos() - t.c->data());
    if (out != nullptr) {
      views.clear();
      while (!c.done()) views.push_back(c.Next());
      for (size_t i = views.size(); i-- > 0;) out->emplace_back(views[i]);
    }
    n -= take;
    view_.count -= take;
    t.count = uint32_t(keep);
    t.end = end;
    if (keep > 0) continue;
    Drop(const_cast<list::Chunk*>(t.c), ChunkAlloc(t.c));
    if (single) {
      view_.head = list::Edge{};
    } else if (view_.mfirst < view_.mlast) {
      const list::Chunk* m = view_.spine->slots()[--view_.mlast];
      view_.tail = list::Edge{m, m->off, m->end, m->count, 0};
    } else {
      view_.tail = list::Edge{};
    }
  }
}

}  // namespace brisk::engine
