// Per-table index of volatile entries ordered by deadline, so active expiry finds due
// keys without sampling and without walking non-volatile ones.
//
// A 4-ary min-heap of (deadline, Entry*) slots. Each volatile entry stores its heap
// position (Entry::heap_pos, 4 bytes in the entry's optional expiry field), so a
// replaced or removed entry is found in O(1); the heap costs 16 bytes per volatile key
// (plus vector slack) instead of a tree node. Keeping the deadline in the slot matters:
// with Entry* alone every comparison of a sift was a cache miss, and a mass expiry of
// 1M keys spent most of its time in them (perf: Entry::expire_at_ms 19%). Each Table owns one (table.h
// invariant 6), so dropping a table drops its index in O(1), and active expiry visits
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

  void Clear() { Heap().swap(heap_); }
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
    for (const Slot& s : heap_) {
      if (best == nullptr || s.at > best->at) best = &s;
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

  using Heap = std::vector<Slot, MappedAllocator<Slot>>;
  Heap heap_;
};

}  // namespace brisk::engine
