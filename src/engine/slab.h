// Exact-fit block allocator for engine entries of 129..2048 bytes.
//
// Why: mimalloc serves four size classes per power of two, so between 128 B and 2 KiB a
// block wastes 12% of its size on average (a 297-byte hash entry takes a 320-byte
// block). Here every request is rounded up to 8 bytes only: one size class per 8 bytes,
// each with its own 64 KiB pages of equal slots.
//
// Where the memory comes from: one address range reserved once with mmap
// (MAP_NORESERVE: untouched pages cost no RAM, no commit charge) and cut into 64 KiB
// pages. A page is handed to one class when that class needs one; when its last slot
// is freed the page goes back at once: madvise(MADV_DONTNEED) returns its RAM to the
// OS (so mass expiry drops RSS) and it joins a stack of free pages for any class. Not
// from mimalloc: mimalloc 2.0 serves a 64 KiB-aligned request by allocating
// size + alignment bytes, and the slot -> page lookup needs the alignment; one
// reserved range also makes "is this block ours" a range check (Owns), so every free
// site can dispatch with FreeBlock() without knowing who allocated the block.
// Page bookkeeping lives outside the pages (a side array, also reserved), so a
// released page is never touched again until it is reused.
//
// Thread safety: every function may be called from any thread. Alloc/Free take one
// process-wide spin lock (uncontended in the server: only the loop thread allocates
// entries and frees them, rcu.h invariant 2; the lock keeps a keyspace destroyed on
// another thread, or tests with several writer threads, correct).
//
// Invariants:
//   1. A block returned by Alloc(n) lies inside the reserved range, in a page owned by
//      class ClassOf(n), at a multiple of that class's slot size from the page start;
//      it stays valid until Free. Owns(p) is true exactly for pointers into the range.
//   2. A page is in exactly one state: never used (above the high-water mark), free
//      (on the free-page stack, its RAM given back), partial (on its class's list of
//      pages with a free slot) or full (on no list). live = slots handed out and not
//      freed; a page reaching live == 0 is released before Free returns.
//   3. A page's free slots are its slots at offsets >= bump (never handed out) plus
//      its free list (a slot's first 4 bytes link to the next one's offset + 1).
//      Under AddressSanitizer freed slots are poisoned until handed out again.
//   4. Stats are exact after every call: live_bytes is the sum of the slot sizes of
//      the blocks handed out, page_bytes = 64 KiB x pages in the partial or full
//      state.
//   5. If the range cannot be reserved, or is full, Alloc returns nullptr and the
//      caller falls back to std::malloc (FreeBlock then uses std::free: Owns is false).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace brisk::engine::slab {

inline constexpr size_t kMinBytes = 129;  // smallest request served (136-byte class)
inline constexpr size_t kMaxBytes = 2048;
inline constexpr size_t kGranule = 8;
inline constexpr size_t kPageBytes = size_t{64} << 10;

// True if Alloc serves requests of n bytes.
constexpr bool Serves(size_t n) {
  return n >= kMinBytes && n <= kMaxBytes;
}
// Bytes a request of n takes. REQUIRES: Serves(n).
constexpr size_t SlotBytes(size_t n) {
  return (n + kGranule - 1) & ~(kGranule - 1);
}

// A block of SlotBytes(n) bytes, 8-aligned; nullptr if the range is unavailable or
// full (invariant 5). REQUIRES: Serves(n).
void* Alloc(size_t n);
// REQUIRES: p from Alloc, not freed yet.
void Free(void* p);
namespace detail {
// The reserved range [base, end); both 0 until the first Alloc reserves it.
extern std::atomic<uintptr_t> range_base;
extern std::atomic<uintptr_t> range_end;
}  // namespace detail

// True if p points into the reserved range (invariant 1).
inline bool Owns(const void* p) {
  auto a = reinterpret_cast<uintptr_t>(p);
  return a - detail::range_base.load(std::memory_order_relaxed) <
         detail::range_end.load(std::memory_order_relaxed) -
             detail::range_base.load(std::memory_order_relaxed);
}

struct Stats {
  size_t live_blocks = 0;
  size_t live_bytes = 0;  // sum of slot sizes handed out
  size_t page_bytes = 0;  // pages holding at least one block
  size_t free_pages = 0;  // released pages kept for reuse (no RAM)
};
Stats GetStats();

}  // namespace brisk::engine::slab

namespace brisk::engine {

// Frees a block that came from slab::Alloc or std::malloc (nullptr: no-op).
inline void FreeBlock(void* p) {
  if (slab::Owns(p)) {
    slab::Free(p);
  } else {
    std::free(p);
  }
}

}  // namespace brisk::engine
