// Internal to the list implementation (list.cc, list_view.cc): chunk and spine
// allocation and the node limits. Not part of the engine's interface.
//
// Thread safety: writer-only helpers (they allocate and write chunks) except
// LimitBytes and ForEachBlock, which only read a view.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <new>
#include <string>
#include <string_view>

#include "engine/list.h"

namespace brisk::engine::list::detail {

inline constexpr size_t kSizeSafetyLimit = 8192;
inline constexpr size_t kOptimizationLevel[] = {4096, 8192, 16384, 32768, 65536};

inline void* Alloc(size_t bytes) {
  void* p = std::malloc(Entry::SizeClass(bytes));
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

inline size_t ChunkAlloc(const list::Chunk* c) {
  return sizeof(list::Chunk) + size_t(c->cap);
}

inline size_t SpineAlloc(size_t slots) {
  return 16 + 8 * slots;
}

// A chunk of capacity >= want (the whole size class), unsealed, empty watermarks at
// `at`.
inline list::Chunk* MakeChunk(size_t want) {
  size_t alloc = Entry::SizeClass(sizeof(list::Chunk) + want);
  auto* c = static_cast<list::Chunk*>(Alloc(alloc));
  c->cap = uint32_t(alloc - sizeof(list::Chunk));
  c->sealed = 0;
  c->lo = c->hi = 0;
  c->off = c->end = c->count = 0;
  c->pad = 0;
  return c;
}

inline list::Spine* MakeSpine(size_t slots) {
  size_t alloc = Entry::SizeClass(SpineAlloc(slots));
  auto* s = static_cast<list::Spine*>(Alloc(alloc));
  s->cap = uint32_t((alloc - 16) / 8);
  s->lo = s->hi = 0;
  s->pad = 0;
  return s;
}

inline size_t SpineBytes(const list::Spine* s) {
  return Entry::SizeClass(SpineAlloc(s->cap));
}

inline void Seal(list::Chunk* c, uint32_t off, uint32_t end, uint32_t count) {
  c->off = off;
  c->end = end;
  c->count = count;
  c->sealed = 1;
  if (c->lo > off) c->lo = off;
  if (c->hi < end) c->hi = end;
}

// Byte offset of element k within element bytes.
inline size_t OffsetOf(std::string_view elems, size_t k) {
  LpCursor c(elems);
  for (size_t i = 0; i < k; ++i) c.Next();
  return size_t(c.pos() - elems.data());
}

inline std::string_view ElementAt(std::string_view elems, size_t k) {
  LpCursor c(elems);
  for (size_t i = 0; i < k; ++i) c.Next();
  return c.Next();
}

inline void EncodeElement(std::string_view v, std::string* out, size_t at) {
  char len[10];
  size_t n = PutVarint(len, v.size());
  out->insert(at, len, n);
  out->insert(at + n, v.data(), v.size());
}

inline size_t LimitBytes(int64_t fill) {
  if (fill >= 0) return kSizeSafetyLimit;
  size_t off = size_t(-(fill + 1));
  if (off >= std::size(kOptimizationLevel)) off = std::size(kOptimizationLevel) - 1;
  return kOptimizationLevel[off];
}

template <typename Fn>
void ForEachBlock(const list::View& v, Fn&& fn) {
  fn(const_cast<list::Chunk*>(v.head.c));
  for (uint32_t i = v.mfirst; i < v.mlast; ++i) {
    fn(const_cast<list::Chunk*>(v.spine->slots()[i]));
  }
  if (v.tail.c != nullptr) fn(const_cast<list::Chunk*>(v.tail.c));
}

}  // namespace brisk::engine::list::detail
