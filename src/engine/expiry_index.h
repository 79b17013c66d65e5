// Per-table index of volatile entries ordered by deadline, so active expiry finds due
// keys without sampling and without walking non-volatile ones.
//
// A 4-ary min-heap of (deadline, Entry*) slots. Each volatile entry stores its heap
// position (Entry::heap_pos, 4 bytes in the entry's optional expiry field), so a
// replaced or removed entry is found in O(1); the heap costs 16 bytes per volatile key
// (plus at most 1 MiB of slack) instead of a tree node. Keeping the deadline in the slot matters:
// with Entry* alone every comparison of a sift was a cache miss, and a mass expiry of
// 1M keys spent most of its time in them (perf: Entry::expire_at_ms 19%). The slots live
// in chunks (SlotArray): the first grows by doubling up to 1 MiB, every later one is a
// fresh 1 MiB mapping, so growing never copies the heap (a std::vector's doubling copied
// 8 MiB into 2,048 freshly faulted pages at 512K volatile keys: a 5.4 ms loop turn while
// loading 1M keys with a TTL, BRISK_TURN_TRACE; ~10x that at 10M). Each Table owns one
// (table.h invariant 6), so dropping a table drops its index with it (a chunk per reclaim
// slice, Table::FreeSome), and active expiry visits
// due entries in deadline order, table by table. (A timing wheel would make insertion
// O(1) instead of O(log n) but needs list links in every volatile entry.)
//
// Thread safety: NOT thread-safe; writer only (readers never look at it, nor at
// Entry::heap_pos).
//
// Invariants:
//   1. e is in the index iff e is linked in the owning Table and e->expire_at_ms() != 0.
//      Table maintains it on every link, unlink, replacement and rehash copy.
//   2. heap_[i].entry->heap_pos() == i and heap_[i].at == heap_[i].entry->expire_at_ms()
//      for every i; 4-ary heap order on `at`.
#pragma once

#include <sys/mman.h>

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <utility>
#include <vector>

#include "common/lsan.h"
#include "engine/keyspace.h"

namespace brisk::engine {

// Blocks of 1 MiB or more come from mmap and go back to the OS when freed (a grown
// heap's old block must not stay as committed memory in the allocator).
template <typename T>
struct MappedAllocator {
  using value_type = T;
  static constexpr size_t kMapBytes = size_t{1} << 20;
  MappedAllocator() = default;
  template <typename U>
  MappedAllocator(const MappedAllocator<U>&) {}  // NOLINT: rebinding
  T* allocate(size_t n) {
    size_t bytes = n * sizeof(T);
    void* p = bytes >= kMapBytes
                  ? mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                  : std::malloc(bytes);
    if (p == nullptr || p == MAP_FAILED) throw std::bad_alloc();
    if (bytes >= kMapBytes) RegisterLsanRoot(p, bytes);
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) {
    size_t bytes = n * sizeof(T);
    if (bytes >= kMapBytes) {
      UnregisterLsanRoot(p, bytes);
      munmap(p, bytes);
    } else {
      std::free(p);
    }
  }
  template <typename U>
  bool operator==(const MappedAllocator<U>&) const { return true; }
};

// A growable array of T that never moves its elements once it has more than
// kChunk of them: chunk 0 doubles (copying at most kChunk / 2 elements) up to kChunk,
// later chunks are allocated whole (1 MiB: mmap'ed by MappedAllocator, faulted in as
// they fill). Keeps at most one empty chunk beyond the last element. Writer only.
template <typename T>
class SlotArray {
 public:
  static constexpr size_t kChunk = (size_t{1} << 20) / sizeof(T);
  static_assert((kChunk & (kChunk - 1)) == 0, "chunk must be a power of two");

  SlotArray() = default;
  SlotArray(const SlotArray&) = delete;
  SlotArray& operator=(const SlotArray&) = delete;
  ~SlotArray() { Clear(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](size_t i) { return chunks_[i / kChunk][i % kChunk]; }
  const T& operator[](size_t i) const { return chunks_[i / kChunk][i % kChunk]; }
  T& back() { return (*this)[size_ - 1]; }

  void push_back(const T& v) {
    if (size_ == Capacity()) Grow();
    (*this)[size_++] = v;
  }
  void pop_back() {
    --size_;
    // Free the last chunk once a whole chunk before it is empty too (hysteresis).
    if (chunks_.size() > 1 && size_ + 2 * kChunk <= chunks_.size() * kChunk) {
      alloc_.deallocate(chunks_.back(), kChunk);
      chunks_.pop_back();
    }
  }
  // Frees the last chunk (its elements are dropped). True once nothing is left: a
  // dropped table gives its index back a chunk per reclaim slice (Table::FreeSome).
  bool ReleaseChunk() {
    if (chunks_.empty()) return true;
    alloc_.deallocate(chunks_.back(), chunks_.size() == 1 ? cap0_ : kChunk);
    chunks_.pop_back();
    if (chunks_.empty()) cap0_ = 0;
    size_ = std::min(size_, Capacity());
    return chunks_.empty();
  }
  void Clear() {
    for (size_t c = 0; c < chunks_.size(); ++c) {
      alloc_.deallocate(chunks_[c], c == 0 ? cap0_ : kChunk);
    }
    std::vector<T*>().swap(chunks_);
    cap0_ = 0;
    size_ = 0;
  }

 private:
  size_t Capacity() const {
    return chunks_.empty() ? 0 : cap0_ + (chunks_.size() - 1) * kChunk;
  }
  void Grow() {
    if (chunks_.empty() || cap0_ < kChunk) {  // chunk 0 doubles
      size_t cap = chunks_.empty() ? 8 : cap0_ * 2;
      T* fresh = alloc_.allocate(cap);
      if (!chunks_.empty()) {
        std::copy(chunks_[0], chunks_[0] + size_, fresh);
        alloc_.deallocate(chunks_[0], cap0_);
        chunks_[0] = fresh;
      } else {
        chunks_.push_back(fresh);
      }
      cap0_ = cap;
      return;
    }
    chunks_.push_back(alloc_.allocate(kChunk));
  }

  std::vector<T*> chunks_;
  size_t cap0_ = 0;  // capacity of chunks_[0]
  size_t size_ = 0;
  [[no_unique_address]] MappedAllocator<T> alloc_;
};

class ExpiryIndex {
 public:
  void Add(Entry* e) {
    assert(e->expire_at_ms() != 0);
    heap_.push_back({e->expire_at_ms(), e});
    SiftUp(heap_.size() - 1);
  }

  void Remove(Entry* e) {
    size_t i = e->heap_pos();
    assert(i < heap_.size() && heap_[i].entry == e);
    Slot last = heap_.back();
    heap_.pop_back();
    if (i == heap_.size()) return;
    Place(i, last);
    Fix(i);
  }

  // `fresh` takes the place of `old` (same key; its deadline may differ).
  void Replace(Entry* old, Entry* fresh) {
    size_t i = old->heap_pos();
    assert(i < heap_.size() && heap_[i].entry == old);
    int64_t before = heap_[i].at;
    Place(i, {fresh->expire_at_ms(), fresh});
    if (before != heap_[i].at) Fix(i);
  }

  void Clear() { heap_.Clear(); }
  // Frees up to 1 MiB of the index; true once it is empty (entries are not touched:
  // for a dropped table only, whose entries are freed without unlinking).
  bool ReleaseSome() { return heap_.ReleaseChunk(); }
  // Memory per indexed entry (Table::Footprint).
  static constexpr size_t kBytesPerEntry = 16;
  size_t size() const { return heap_.size(); }

  // The i-th entry in heap order (eviction samples it). REQUIRES: i < size().
  Entry* Nth(size_t i) const { return heap_[i].entry; }

  // The entry with the earliest deadline if that deadline is <= now_ms, else nullptr.
  Entry* FirstDue(int64_t now_ms) const {
    if (heap_.empty() || heap_[0].at > now_ms) return nullptr;
    return heap_[0].entry;
  }

  // How many entries have a deadline <= now_ms: O(that count), visiting only the
  // heap's due subtree (no entry is dereferenced).
  size_t CountDue(int64_t now_ms) const {
    size_t count = 0;
    std::vector<size_t> todo;
    if (!heap_.empty()) todo.push_back(0);
    while (!todo.empty()) {
      size_t i = todo.back();
      todo.pop_back();
      if (heap_[i].at > now_ms) continue;
      ++count;
      for (size_t c = kArity * i + 1; c <= kArity * i + kArity && c < heap_.size(); ++c) {
        todo.push_back(c);
      }
    }
    return count;
  }

  // The entry with the latest deadline; nullptr if none. O(n): only RandomKey's
  // fallback uses it.
  Entry* Latest() const {
    const Slot* best = nullptr;
    for (size_t i = 0; i < heap_.size(); ++i) {
      if (best == nullptr || heap_[i].at > best->at) best = &heap_[i];
    }
    return best == nullptr ? nullptr : best->entry;
  }

 private:
  // A deadline next to its entry: sifting compares slots without touching entries
  // (one cache miss per level saved); only a moved slot's entry is written (heap_pos).
  struct Slot {
    int64_t at;
    Entry* entry;
  };
  // 4 children per node: half the depth of a binary heap, and the 4 children of a
  // node are 64 contiguous bytes (one cache line).
  static constexpr size_t kArity = 4;

  void Place(size_t i, Slot s) {
    heap_[i] = s;
    s.entry->set_heap_pos(uint32_t(i));
  }

  void Fix(size_t i) {
    if (i > 0 && heap_[i].at < heap_[(i - 1) / kArity].at) {
      SiftUp(i);
    } else {
      SiftDown(i);
    }
  }

  void SiftUp(size_t i) {
    Slot s = heap_[i];
    while (i > 0) {
      size_t parent = (i - 1) / kArity;
      if (heap_[parent].at <= s.at) break;
      Place(i, heap_[parent]);
      i = parent;
    }
    Place(i, s);
  }

  void SiftDown(size_t i) {
    Slot s = heap_[i];
    size_t n = heap_.size();
    for (;;) {
      size_t first = kArity * i + 1;
      if (first >= n) break;
      size_t best = first;
      for (size_t c = first + 1; c < std::min(first + kArity, n); ++c) {
        if (heap_[c].at < heap_[best].at) best = c;
      }
      if (heap_[best].at >= s.at) break;
      Place(i, heap_[best]);
      i = best;
    }
    Place(i, s);
  }

  SlotArray<Slot> heap_;
};

}  // namespace brisk::engine
