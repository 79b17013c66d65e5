// A per-thread free list of working buffers for the collection editors (hash_set.cc,
// list.cc, zset.cc): an edit builds the new encoding in a pooled std::string, so steady
// state allocates no buffer per command.
//
// Thread safety: each thread has its own pool (thread_local); a buffer is acquired and
// released by the same thread.
// Invariants:
//   1. Editors nest (SMOVE, LMOVE and ZUNIONSTORE hold two), so the pool is a free list,
//      not one buffer; AcquireBuffer returns an empty string with whatever capacity it
//      had.
//   2. A buffer grown past 1 MiB is freed on release instead of kept, so one huge
//      collection does not pin its working memory for the thread's lifetime.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace brisk::engine {

inline std::vector<std::unique_ptr<std::string>>& BufferPool() {
  thread_local std::vector<std::unique_ptr<std::string>> pool;
  return pool;
}

inline std::string* AcquireBuffer() {
  auto& pool = BufferPool();
  if (pool.empty()) return new std::string;
  std::string* s = pool.back().release();
  pool.pop_back();
  s->clear();
  return s;
}

// Accepts nullptr (nothing to release).
inline void ReleaseBuffer(std::string* s) {
  if (s == nullptr) return;
  if (s->capacity() > (size_t{1} << 20)) {
    delete s;  // invariant 2
    return;
  }
  BufferPool().emplace_back(s);
}

}  // namespace brisk::engine
