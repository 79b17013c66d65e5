// Exact-fit allocator: the design and invariants are in slab.h.
#include "engine/slab.h"

#include <sys/mman.h>

#include <cstring>
#include <mutex>
#include <new>

#include "common/lsan.h"

#ifdef BRISK_ASAN  // defined by common/lsan.h
#include <sanitizer/asan_interface.h>
#define SLAB_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define SLAB_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define SLAB_POISON(p, n) ((void)(p), (void)(n))
#define SLAB_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace brisk::engine::slab {

namespace detail {
std::atomic<uintptr_t> range_base{0};
std::atomic<uintptr_t> range_end{0};
}  // namespace detail

namespace {

// 64 GiB of address space; a server with more entries than that falls back to malloc.
constexpr size_t kRangeBytes = size_t{64} << 30;
constexpr uint32_t kMaxPages = uint32_t(kRangeBytes / kPageBytes);
constexpr uint32_t kNone = UINT32_MAX;
constexpr size_t kClasses = (kMaxBytes - SlotBytes(kMinBytes)) / kGranule + 1;

enum : uint8_t { kFree = 0, kPartial = 1, kFull = 2 };

// Bookkeeping of one page (invariant 2), in the side array: never inside the page.
struct PageMeta {
  uint32_t prev;  // partial list of its class / free-page stack (next only)
  uint32_t next;
  uint32_t free;  // offset + 1 of the first slot on its free list; 0 = empty list
  uint32_t bump;  // offset of the first slot never handed out
  uint32_t live;
  uint16_t cls;
  uint8_t state;
};

// A tiny test-and-set lock: the allocator is used by one thread at a time in
// practice, so it is never contended (slab.h thread safety).
class SpinLock {
 public:
  void lock() {
    while (flag_.test_and_set(std::memory_order_acquire)) {
    }
  }
  void unlock() { flag_.clear(std::memory_order_release); }

 private:
  std::atomic_flag flag_ = ATOMIC_FLAG_INIT;
};

struct Heap {
  SpinLock lock;
  bool reserved = false;  // tried to reserve (succeeded if base != nullptr)
  char* base = nullptr;
  PageMeta* meta = nullptr;
  uint32_t high = 0;           // pages [0, high) have been used at least once
  uint32_t free_top = kNone;   // free-page stack
  uint32_t partial[kClasses];  // head of each class's partial list
  Stats stats;

  Heap() {
    for (uint32_t& h : partial) h = kNone;
  }

  bool Reserve() {
    reserved = true;
    void* r = mmap(nullptr, kRangeBytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED) return false;
    void* m = mmap(nullptr, sizeof(PageMeta) * kMaxPages, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) {
      munmap(r, kRangeBytes);
      return false;
    }
    // A 64 KiB page must not pull in a 2 MiB huge page (RSS would count the rest).
    madvise(r, kRangeBytes, MADV_NOHUGEPAGE);
    base = static_cast<char*>(r);
    meta = static_cast<PageMeta*>(m);
    detail::range_base.store(reinterpret_cast<uintptr_t>(base), std::memory_order_relaxed);
    detail::range_end.store(reinterpret_cast<uintptr_t>(base) + kRangeBytes,
                            std::memory_order_relaxed);
    return true;
  }

  char* PageAt(uint32_t i) const { return base + size_t(i) * kPageBytes; }

  void Unlink(uint32_t i) {
    PageMeta& m = meta[i];
    if (m.prev != kNone) {
      meta[m.prev].next = m.next;
    } else {
      partial[m.cls] = m.next;
    }
    if (m.next != kNone) meta[m.next].prev = m.prev;
  }

  void PushPartial(uint32_t i) {
    PageMeta& m = meta[i];
    m.state = kPartial;
    m.prev = kNone;
    m.next = partial[m.cls];
    if (m.next != kNone) meta[m.next].prev = i;
    partial[m.cls] = i;
  }

  // A page for class c, on c's partial list; kNone if the range is full.
  uint32_t NewPage(uint16_t c) {
    uint32_t i;
    if (free_top != kNone) {
      i = free_top;
      free_top = meta[i].next;
      --stats.free_pages;
    } else if (high < kMaxPages) {
      i = high++;
      // Entries here hold pointers to malloc'ed blocks: LSan scans the used prefix.
      if (i > 0) UnregisterLsanRoot(base, size_t(i) * kPageBytes);
      RegisterLsanRoot(base, size_t(high) * kPageBytes);
    } else {
      return kNone;
    }
    PageMeta& m = meta[i];
    m.free = 0;
    m.bump = 0;
    m.live = 0;
    m.cls = c;
    PushPartial(i);
    stats.page_bytes += kPageBytes;
    return i;
  }

  void ReleasePage(uint32_t i) {
    Unlink(i);
    PageMeta& m = meta[i];
    m.state = kFree;
    m.next = free_top;
    free_top = i;
    ++stats.free_pages;
    stats.page_bytes -= kPageBytes;
    char* p = PageAt(i);
    SLAB_UNPOISON(p, kPageBytes);
    madvise(p, kPageBytes, MADV_DONTNEED);
  }
};

Heap& TheHeap() {
  // Never destroyed: blocks may be freed during static destruction / thread exit.
  alignas(Heap) static unsigned char storage[sizeof(Heap)];
  static Heap* heap = new (storage) Heap();
  return *heap;
}

size_t ClassSlot(uint16_t c) {
  return SlotBytes(kMinBytes) + size_t(c) * kGranule;
}

}  // namespace

void* Alloc(size_t n) {
  Heap& h = TheHeap();
  std::lock_guard<SpinLock> guard(h.lock);
  if (!h.reserved && !h.Reserve()) return nullptr;
  if (h.base == nullptr) return nullptr;
  size_t slot = SlotBytes(n);
  auto c = uint16_t((slot - SlotBytes(kMinBytes)) / kGranule);
  uint32_t i = h.partial[c];
  if (i == kNone && (i = h.NewPage(c)) == kNone) return nullptr;
  PageMeta& m = h.meta[i];
  char* page = h.PageAt(i);
  char* p;
  if (m.free != 0) {
    p = page + (m.free - 1);
    SLAB_UNPOISON(p, slot);
    uint32_t next;
    std::memcpy(&next, p, sizeof(next));
    m.free = next;
  } else {
    p = page + m.bump;
    m.bump += uint32_t(slot);
  }
  ++m.live;
  if (m.free == 0 && m.bump + slot > kPageBytes) {
    h.Unlink(i);
    m.state = kFull;
  }
  ++h.stats.live_blocks;
  h.stats.live_bytes += slot;
  return p;
}

void Free(void* ptr) {
  Heap& h = TheHeap();
  std::lock_guard<SpinLock> guard(h.lock);
  size_t off = static_cast<char*>(ptr) - h.base;
  auto i = uint32_t(off / kPageBytes);
  auto in_page = uint32_t(off % kPageBytes);
  PageMeta& m = h.meta[i];
  size_t slot = ClassSlot(m.cls);
  --h.stats.live_blocks;
  h.stats.live_bytes -= slot;
  if (--m.live == 0) {
    if (m.state == kFull) h.PushPartial(i);  // ReleasePage unlinks it again
    h.ReleasePage(i);
    return;
  }
  std::memcpy(ptr, &m.free, sizeof(m.free));
  m.free = in_page + 1;
  SLAB_POISON(ptr, slot);
  if (m.state == kFull) h.PushPartial(i);
}

Stats GetStats() {
  Heap& h = TheHeap();
  std::lock_guard<SpinLock> guard(h.lock);
  return h.stats;
}

}  // namespace brisk::engine::slab
