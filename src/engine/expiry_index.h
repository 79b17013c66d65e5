// Per-table index of volatile entries ordered by deadline, so active expiry finds due
// keys without sampling and without walking non-volatile ones.
//
// A binary min-heap of Entry* keyed by expire_at_ms(). Each volatile entry stores its
// heap position (Entry::heap_pos, 4 bytes in the entry's optional expiry field), so a
// replaced or removed entry is found in O(1) and the heap costs 8 bytes per volatile
// key (plus vector slack) instead of a tree node. Each Table owns one (table.h
// invariant 6), so dropping a table drops its index in O(1), and active expiry visits
// due entries in deadline order, table by table. (A timing wheel would make insertion
// O(1) instead of O(log n); the heap was kept because it needs no per-slot memory and
// its sift cost did not show in the mass-expiry figures.)
//
// Thread safety: NOT thread-safe; writer only (readers never look at it, nor at
// Entry::heap_pos).
//
// Invariants:
//   1. e is in the index iff e is linked in the owning Table and e->expire_at_ms() != 0.
//      Table maintains it on every link, unlink, replacement and rehash copy.
//   2. heap_[i]->heap_pos() == i for every i; heap order on expire_at_ms().
#pragma once

#include <sys/mman.h>

#include <cassert>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <utility>
#include <vector>

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
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) {
    size_t bytes = n * sizeof(T);
    if (bytes >= kMapBytes) {
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
    heap_.push_back(e);
    SiftUp(heap_.size() - 1);
  }

  void Remove(Entry* e) {
    size_t i = e->heap_pos();
    assert(i < heap_.size() && heap_[i] == e);
    Entry* last = heap_.back();
    heap_.pop_back();
    if (i == heap_.size()) return;
    Place(i, last);
    Fix(i);
  }

  // `fresh` takes the place of `old` (same key; its deadline may differ).
  void Replace(Entry* old, Entry* fresh) {
    size_t i = old->heap_pos();
    assert(i < heap_.size() && heap_[i] == old);
    Place(i, fresh);
    if (old->expire_at_ms() != fresh->expire_at_ms()) Fix(i);
  }

  void Clear() { Heap().swap(heap_); }
  size_t size() const { return heap_.size(); }

  // The entry with the earliest deadline if that deadline is <= now_ms, else nullptr.
  Entry* FirstDue(int64_t now_ms) const {
    if (heap_.empty() || heap_[0]->expire_at_ms() > now_ms) return nullptr;
    return heap_[0];
  }

  // How many entries have a deadline <= now_ms: O(that count), visiting only the
  // heap's due subtree.
  size_t CountDue(int64_t now_ms) const {
    size_t count = 0;
    std::vector<size_t> todo;
    if (!heap_.empty()) todo.push_back(0);
    while (!todo.empty()) {
      size_t i = todo.back();
      todo.pop_back();
      if (At(heap_[i]) > now_ms) continue;
      ++count;
      for (size_t c = 2 * i + 1; c <= 2 * i + 2 && c < heap_.size(); ++c) todo.push_back(c);
    }
    return count;
  }

  // The entry with the latest deadline; nullptr if none. O(n): only RandomKey's
  // fallback uses it.
  Entry* Latest() const {
    Entry* best = nullptr;
    for (size_t i = heap_.size() / 2; i < heap_.size(); ++i) {  // the max is a leaf
      if (best == nullptr || heap_[i]->expire_at_ms() > best->expire_at_ms()) best = heap_[i];
    }
    return best;
  }

 private:
  static int64_t At(const Entry* e) { return e->expire_at_ms(); }

  void Place(size_t i, Entry* e) {
    heap_[i] = e;
    e->set_heap_pos(uint32_t(i));
  }

  void Fix(size_t i) {
    if (i > 0 && At(heap_[i]) < At(heap_[(i - 1) / 2])) {
      SiftUp(i);
    } else {
      SiftDown(i);
    }
  }

  void SiftUp(size_t i) {
    Entry* e = heap_[i];
    int64_t at = At(e);
    while (i > 0) {
      size_t parent = (i - 1) / 2;
      if (At(heap_[parent]) <= at) break;
      Place(i, heap_[parent]);
      i = parent;
    }
    Place(i, e);
  }

  void SiftDown(size_t i) {
    Entry* e = heap_[i];
    int64_t at = At(e);
    size_t n = heap_.size();
    for (;;) {
      size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && At(heap_[child + 1]) < At(heap_[child])) ++child;
      if (At(heap_[child]) >= at) break;
      Place(i, heap_[child]);
      i = child;
    }
    Place(i, e);
  }

  using Heap = std::vector<Entry*, MappedAllocator<Entry*>>;
  Heap heap_;
};

}  // namespace brisk::engine
