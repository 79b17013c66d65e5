#include "engine/table.h"

#include <sys/mman.h>
#include <urcu/urcu-qsbr.h>

#include <algorithm>
#include <bit>
#include <cassert>
#include <chrono>
#include <cstdlib>
#include <new>
#include <thread>
#include <utility>

#include "common/lsan.h"
#include "engine/collections.h"
#include "engine/expiry_index.h"
#include "engine/rcu.h"
#include "engine/slab.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux 5.14; older kernels answer EINVAL
#endif

namespace brisk::engine {

namespace {

constexpr auto kAcquire = std::memory_order_acquire;
constexpr auto kRelease = std::memory_order_release;
constexpr auto kRelaxed = std::memory_order_relaxed;

// Bit reversal, as Redis's rev() for dictScan.
uint64_t Rev(uint64_t v) {
  uint64_t s = 64;
  uint64_t mask = ~uint64_t{0};
  while ((s >>= 1) > 0) {
    mask ^= (mask << s);
    v = ((v >> s) & mask) | ((v << s) & ~mask);
  }
  return v;
}

// Increments the bits of v under `mask` in reverse-binary order; bits outside the mask
// come out zero. Wraps to 0 after the last index.
uint64_t RevIncrement(uint64_t v, uint64_t mask) {
  v |= ~mask;
  v = Rev(v);
  ++v;
  return Rev(v);
}

void* ZeroedBlock(size_t bytes) {
  void* p = std::calloc(1, bytes);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}


}  // namespace

static_assert(std::atomic<Entry*>::is_always_lock_free && sizeof(std::atomic<Entry*>) == 8,
              "calloc'ed zero bytes must be valid null atomics");

BucketArray* BucketArray::New(size_t size) {
  size_t bytes = sizeof(BucketArray) + size * sizeof(Entry*);
  BucketArray* a;
  if (bytes >= kMapBytes) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    a = static_cast<BucketArray*>(p);
    a->mapped = true;
    RegisterLsanRoot(p, bytes);  // entries referenced only from here are not leaks
  } else {
    a = static_cast<BucketArray*>(ZeroedBlock(bytes));
    a->mapped = false;
  }
  a->size = size;
  return a;
}

namespace {

// A helper thread's unit of page work on a bucket array (faulting in, giving back):
// ~0.2-0.5 ms of kernel time, with the mmap lock held (for reading) only that long.
constexpr size_t kPageSlice = size_t{1} << 20;

// Between two slices of page work, a helper thread sleeps briefly: it inherits the
// loop's scheduling policy, and under a real-time one (`chrt -f`, as the latency bench
// runs the server) a helper working for tens of milliseconds without blocking kept the
// loop off a core it needed (BRISK_TURN_TRACE, server/turn_trace.h: 40 ms turns of
// 0.3 ms CPU, all run-queue wait). Going idle lets the scheduler pull the waiting loop
// onto this core. (Demoting the helper to SCHED_OTHER instead was measured worse: a
// helper starved by other processes while holding the mmap lock blocked the loop's
// mmap for 290 ms.)
void PauseForLoop() { std::this_thread::sleep_for(std::chrono::microseconds(50)); }

}  // namespace

size_t BucketArray::Bytes() const { return sizeof(BucketArray) + size * sizeof(Entry*); }

void BucketArray::Free(BucketArray* a, bool paced) {
  if (a->mapped) {
    // munmap of a large touched range holds the process's mmap lock for writing while
    // it frees every page (tens of ms for a 10M-key table's array), and the loop's page
    // faults would wait on that lock. MADV_DONTNEED frees the pages under the lock taken
    // for reading, a slice at a time; the munmap of the emptied range is then cheap.
    size_t bytes = a->Bytes();
    UnregisterLsanRoot(a, bytes);
    auto* base = reinterpret_cast<char*>(a);
    for (size_t off = 0; off < bytes; off += kPageSlice) {
      madvise(base + off, std::min(kPageSlice, bytes - off), MADV_DONTNEED);
      if (paced) PauseForLoop();
    }
    munmap(a, bytes);
  } else {
    std::free(a);
  }
}

bool BucketArray::ReleaseSome(BucketArray* a, size_t* released) {
  if (!a->mapped) {
    std::free(a);
    return true;
  }
  size_t bytes = a->Bytes();  // page 0 (the header) stays until the munmap
  if (*released == 0) UnregisterLsanRoot(a, bytes);
  if (*released + 4096 < bytes) {
    size_t end = bytes - *released;
    size_t begin = end > kPageSlice + 4096 ? (end - kPageSlice) & ~size_t{4095} : 4096;
    madvise(reinterpret_cast<char*>(a) + begin, end - begin, MADV_DONTNEED);
    *released = bytes - begin;
    return false;
  }
  munmap(a, bytes);
  *released = 0;
  return true;
}

namespace {

struct ArrayRetirement {
  rcu_head head;
  BucketArray* array;
};

void FreeRetiredArray(rcu_head* head) {
  BeginReclaim(head);
  auto* r = caa_container_of(head, ArrayRetirement, head);
  BucketArray::Free(r->array, /*paced=*/true);  // liburcu's thread
  delete r;
}

}  // namespace

void BucketArray::Retire(BucketArray* a) {
  if (!a->mapped) return engine::Retire(a);
  auto* r = new ArrayRetirement;
  r->array = a;
  RetireObject(&r->head, FreeRetiredArray);
}

// ---------------------------------------------------------------------------------
// Table

Table::Table(std::string name)
    : name_(std::move(name)),
      scan_hash_(ScanHashOf(name_)),
      expiry_(std::make_unique<ExpiryIndex>()) {
  EnsureWriterThread();  // the thread that builds a table is its writer (rcu.h)
}

Table::~Table() {
  for (int i = 0; i < 2; ++i) {
    BucketArray* a = ht_[i].load(kRelaxed);
    if (a == nullptr) continue;
    for (size_t b = 0; b < a->size; ++b) {
      Entry* e = a->heads()[b].load(kRelaxed);
      while (e != nullptr) {
        Entry* next = e->next_.load(kRelaxed);
        FreeExternalValue(*e);  // collections.h invariant 4
        FreeBlock(e);
        e = next;
      }
    }
    BucketArray::Free(a);
  }
}

size_t Table::Footprint() const {
  // The Db's name map, scan-group vector and directory slot: an estimate.
  constexpr size_t kIndexNodes = 128;
  size_t f = sizeof(Table) + sizeof(ExpiryIndex) + name_.capacity() + kIndexNodes + bytes() +
             volatile_items() * ExpiryIndex::kBytesPerEntry;
  for (const auto& slot : ht_) {
    if (const BucketArray* a = slot.load(kRelaxed)) {
      f += sizeof(BucketArray) + a->size * sizeof(std::atomic<Entry*>);
    }
  }
  return f;
}

void Table::RetireTable(Table* t) {
  if (t->memory_ != nullptr) *t->memory_ -= t->charged_;
  t->memory_ = nullptr;
  // Reclaimed by the loop in slices (rcu.h invariant 4), never in one turn.
  RetireIncremental(t, [](void* object, size_t max_entries) {
    auto* table = static_cast<Table*>(object);
    if (!table->FreeSome(max_entries)) return false;
    delete table;
    return true;
  });
}

bool Table::FreeSome(size_t max_entries) {
  // The expiry index first, a chunk per call (1M volatile keys: 16 MiB).
  if (expiry_ != nullptr && !expiry_->ReleaseSome()) return false;
  size_t freed = 0;
  for (auto& slot : ht_) {
    BucketArray* a = slot.load(kRelaxed);
    if (a == nullptr) continue;
    for (; reclaim_bucket_ < a->size; ++reclaim_bucket_) {
      std::atomic<Entry*>& head = a->heads()[reclaim_bucket_];
      for (Entry* e = head.load(kRelaxed); e != nullptr;) {
        Entry* next = e->next_.load(kRelaxed);
        FreeExternalValue(*e);  // collections.h invariant 4
        FreeBlock(e);
        e = next;
        if (++freed == max_entries) {
          head.store(e, kRelaxed);  // the rest of the chain, for the next slice
          return false;
        }
      }
      head.store(nullptr, kRelaxed);
    }
    // The emptied array goes back to the OS a slice per call: a 1M-key table's 8 MiB
    // array in one go cost the loop a ~1 ms step.
    if (!BucketArray::ReleaseSome(a, &reclaim_released_)) return false;
    slot.store(nullptr, kRelaxed);
    reclaim_bucket_ = 0;
  }
  return true;
}

TableStats Table::Stats() const {
  TableStats s;
  s.name = name_;
  s.items = items();
  s.bytes = bytes();
  s.volatile_items = volatile_items();
  s.hits = hits();
  s.misses = misses();
  return s;
}

Entry* Table::Lookup(std::string_view key) const {
  uint64_t h = HashKey(key);
  for (;;) {
    // Invariant 5: load ht_[1] first, then ht_[0]; probe ht_[0], then ht_[1] unless it
    // is absent or the same array (FinishRehashIfDone between its two stores).
    const BucketArray* a1 = ht_[1].load(kAcquire);
    const BucketArray* a0 = ht_[0].load(kAcquire);
    if (a0 == nullptr) return nullptr;
    for (const BucketArray* a : {a0, a1 != a0 ? a1 : nullptr}) {
      if (a == nullptr) continue;
      for (Entry* e = a->heads()[h & a->mask()].load(kAcquire); e != nullptr;
           e = e->next_.load(kAcquire)) {
        if (e->key() == key) return e;
      }
    }
    if (ht_[1].load(kAcquire) == a1 && ht_[0].load(kAcquire) == a0) return nullptr;
  }
}

std::atomic<Entry*>* Table::FindLink(int i, uint64_t h, std::string_view key) {
  BucketArray* a = Array(i);
  std::atomic<Entry*>* link = &a->heads()[h & a->mask()];
  for (Entry* e = link->load(kRelaxed); e != nullptr; e = link->load(kRelaxed)) {
    if (e->key() == key) return link;
    link = &e->next_;
  }
  return nullptr;
}

void Table::CountIn(const Entry* e, int sign) {
  bool vol = e->expire_at_ms() != 0;
  if (sign > 0) {
    Store(items_, items() + 1);
    AddBytes(e->MemoryBytes(), 0);
    if (vol) Store(volatile_items_, volatile_items() + 1);
  } else {
    Store(items_, items() - 1);
    AddBytes(0, e->MemoryBytes());
    if (vol) Store(volatile_items_, volatile_items() - 1);
  }
}

void Table::Link(Entry* e) {
  assert(Lookup(e->key()) == nullptr);
  if (Array(0) == nullptr) {
    ht_[0].store(BucketArray::New(kMinBuckets), kRelease);
  } else if (!rehashing() && items() >= Array(0)->size) {
    Grow();
  }
  RehashStep();
  int i = rehashing() ? 1 : 0;
  BucketArray* a = Array(i);
  std::atomic<Entry*>& head = a->heads()[HashKey(e->key()) & a->mask()];
  e->next_.store(head.load(kRelaxed), kRelaxed);
  head.store(e, kRelease);  // invariant 2: publication
  ++used_[i];
  CountIn(e, +1);
  if (expiry_ != nullptr && e->expire_at_ms() != 0) expiry_->Add(e);
  Recharge();
}

const Entry* Table::Unlink(std::string_view key) {
  if (items() == 0) return nullptr;
  RehashStep();
  uint64_t h = HashKey(key);
  for (int i = 0; i < num_arrays(); ++i) {
    std::atomic<Entry*>* link = FindLink(i, h, key);
    if (link == nullptr) continue;
    Entry* e = link->load(kRelaxed);
    link->store(e->next_.load(kRelaxed), kRelease);
    --used_[i];
    CountIn(e, -1);
    if (expiry_ != nullptr && e->expire_at_ms() != 0) expiry_->Remove(e);
    Retire(e);
    FinishRehashIfDone();
    MaybeShrink();
    Recharge();
    return e;
  }
  return nullptr;
}

std::atomic<Entry*>* Table::FindLink(std::string_view key) {
  uint64_t h = HashKey(key);
  for (int i = 0; i < num_arrays(); ++i) {
    if (std::atomic<Entry*>* link = FindLink(i, h, key)) return link;
  }
  return nullptr;
}

void Table::ReplaceAt(std::atomic<Entry*>* link, Entry* old, Entry* fresh) {
  assert(old->key() == fresh->key());
  assert(link != nullptr && link->load(kRelaxed) == old);
  fresh->next_.store(old->next_.load(kRelaxed), kRelaxed);
  link->store(fresh, kRelease);  // invariant 2
  AddBytes(fresh->MemoryBytes(), old->MemoryBytes());
  bool was_vol = old->expire_at_ms() != 0;
  bool is_vol = fresh->expire_at_ms() != 0;
  AccountVolatile(was_vol, is_vol);
  if (expiry_ != nullptr) {
    if (was_vol && is_vol) {
      expiry_->Replace(old, fresh);
    } else if (was_vol) {
      expiry_->Remove(old);
    } else if (is_vol) {
      expiry_->Add(fresh);
    }
  }
  Retire(old);
}

void Table::StartRehash(size_t new_size) {
  new_size = std::max(new_size, kMinBuckets);
  if (new_size == Array(0)->size) return;
  StartRehash(BucketArray::New(new_size));
}

void Table::StartRehash(BucketArray* fresh) {
  prepared_.reset();  // a shrink abandons a grow under way (freeing its array)
  ht_[1].store(fresh, kRelease);  // invariant 5
  used_[1] = 0;
  rehash_idx_ = 0;
}

// Invariant 10. Shared by the Table and its helper thread; whichever drops it last
// frees an array that was never claimed.
struct PreparedArray {
  std::atomic<BucketArray*> ready{nullptr};
  ~PreparedArray() {
    if (BucketArray* a = ready.load(std::memory_order_acquire)) BucketArray::Free(a);
  }
};

void Table::Grow() {
  size_t new_size = std::bit_ceil(items() + 1);
  if (sizeof(BucketArray) + new_size * sizeof(Entry*) < BucketArray::kPrepareBytes) {
    return StartRehash(new_size);
  }
  if (prepared_ == nullptr) {
    prepared_ = std::make_shared<PreparedArray>();
    std::thread([job = prepared_, new_size] {
      BucketArray* a = BucketArray::New(new_size);
      size_t bytes = a->Bytes();
      auto* base = reinterpret_cast<char*>(a);
      for (size_t off = 0; off < bytes; off += kPageSlice) {
        size_t n = std::min(kPageSlice, bytes - off);
        if (madvise(base + off, n, MADV_POPULATE_WRITE) != 0) {  // Linux < 5.14: by hand
          for (size_t p = std::max(off, size_t{4096}); p < off + n; p += 4096) {
            reinterpret_cast<std::atomic<Entry*>*>(base + p)->store(nullptr,
                                                                   std::memory_order_relaxed);
          }
        }
        PauseForLoop();
      }
      job->ready.store(a, std::memory_order_release);
    }).detach();
    return;
  }
  BucketArray* fresh = prepared_->ready.exchange(nullptr, std::memory_order_acquire);
  if (fresh == nullptr) return;  // still being faulted in: insert into the old array
  StartRehash(fresh);
}

void Table::MigrateBucket(size_t idx) {
  BucketArray* from = Array(0);
  BucketArray* to = Array(1);
  const uint64_t to_mask = to->mask();
  Entry* head = from->heads()[idx].load(kRelaxed);
  // The adopted tail: the last run of entries that all go to the same new bucket.
  Entry* tail = head;
  uint64_t tail_target = HashKey(head->key()) & to_mask;
  size_t tail_len = 0;
  for (Entry* e = head; e != nullptr; e = e->next_.load(kRelaxed)) {
    uint64_t target = HashKey(e->key()) & to_mask;
    if (target != tail_target) {
      tail = e;
      tail_target = target;
      tail_len = 0;
    }
    ++tail_len;
  }
  // Invariant 4: copies of the entries before the tail, each published at once...
  for (Entry* e = head; e != tail; e = e->next_.load(kRelaxed)) {
    Entry* copy = Entry::Copy(*e);
    std::atomic<Entry*>& dst = to->heads()[HashKey(e->key()) & to_mask];
    copy->next_.store(dst.load(kRelaxed), kRelaxed);
    dst.store(copy, kRelease);
    if (expiry_ != nullptr && e->expire_at_ms() != 0) expiry_->Replace(e, copy);
    --used_[0];
    ++used_[1];
  }
  // ...then the tail, adopted unchanged after the last entry of its new bucket...
  std::atomic<Entry*>* end = &to->heads()[tail_target];
  for (Entry* e = end->load(kRelaxed); e != nullptr; e = end->load(kRelaxed)) end = &e->next_;
  end->store(tail, kRelease);
  used_[0] -= tail_len;
  used_[1] += tail_len;
  // ...and only then the old bucket is cleared and the copied-from entries retired.
  from->heads()[idx].store(nullptr, kRelease);
  for (Entry* e = head; e != tail;) {
    Entry* next = e->next_.load(kRelaxed);
    Retire(e);
    e = next;
  }
}

void Table::RehashStep() {
  if (!rehashing()) return;
  BucketArray* from = Array(0);
  // A shrink rehash has a small ht_[1]; if writes overfill it before ht_[0] drains,
  // move faster so its chains stay short.
  size_t buckets = items() > Array(1)->size ? 8 * kRehashBucketsPerStep : kRehashBucketsPerStep;
  size_t empty_visits = buckets * 10;
  while (buckets-- > 0 && used_[0] != 0) {
    while (from->heads()[size_t(rehash_idx_)].load(kRelaxed) == nullptr) {
      ++rehash_idx_;
      if (--empty_visits == 0) return;
    }
    MigrateBucket(size_t(rehash_idx_));
    ++rehash_idx_;
  }
  FinishRehashIfDone();
  Recharge();  // the old array is gone if the rehash finished
}

void Table::FinishRehashIfDone() {
  if (!rehashing() || used_[0] != 0) return;
  BucketArray* old = Array(0);
  // Invariant 5: ht_[0] first, then ht_[1].
  ht_[0].store(Array(1), kRelease);
  if (auto* seam = finish_rehash_seam.load(kRelaxed)) seam(*this);
  ht_[1].store(nullptr, kRelease);
  used_[0] = used_[1];
  used_[1] = 0;
  rehash_idx_ = -1;
  BucketArray::Retire(old);
}

void Table::MaybeShrink() {
  if (rehashing() || Array(0) == nullptr) return;
  size_t size = Array(0)->size;
  if (size <= kMinBuckets || items() * 8 >= size) return;
  StartRehash(std::bit_ceil(std::max(items(), kMinBuckets)));
}

Entry* Table::RandomEntry(std::mt19937_64& rng) const {
  if (items() == 0) return nullptr;
  const BucketArray* a0 = Array(0);
  Entry* head = nullptr;
  if (rehashing()) {
    // Buckets [0, rehash_idx_) of ht_[0] are empty (invariant 1).
    const BucketArray* a1 = Array(1);
    uint64_t first = uint64_t(rehash_idx_);
    uint64_t span = a0->size + a1->size - first;
    do {
      uint64_t h = first + rng() % span;
      head = h >= a0->size ? a1->heads()[h - a0->size].load(kAcquire) : a0->heads()[h].load(kAcquire);
    } while (head == nullptr);
  } else {
    do {
      head = a0->heads()[rng() & a0->mask()].load(kAcquire);
    } while (head == nullptr);
  }
  size_t len = 0;
  for (Entry* e = head; e != nullptr; e = e->next_.load(kAcquire)) ++len;
  size_t pick = size_t(rng() % len);
  while (pick-- > 0) head = head->next_.load(kAcquire);
  return head;
}

// ---------------------------------------------------------------------------------
// Scans

namespace {

// Visits, in array `a`, every bucket that expands cursor index `cursor & m0`.
void VisitExpansion(const BucketArray* a, uint64_t m0, uint64_t cursor, EntryVisitor& visitor) {
  uint64_t m = a->mask();
  uint64_t v = cursor;
  do {
    for (const Entry* e = a->heads()[v & m].load(kAcquire); e != nullptr;
         e = Table::ChainNext(e)) {
      visitor.Visit(*e);
    }
    v = RevIncrement(v, m);
  } while ((v & (m0 ^ m)) != 0 && m > m0);
}

}  // namespace

class ReaderScan {
 public:
  static void Arrays(const Table& t, const BucketArray** a0, const BucketArray** a1) {
    *a1 = t.ht_[1].load(kAcquire);  // invariant 5
    *a0 = t.ht_[0].load(kAcquire);
  }
  static bool Unchanged(const Table& t, const BucketArray* a0, const BucketArray* a1) {
    return t.ht_[1].load(kAcquire) == a1 && t.ht_[0].load(kAcquire) == a0;
  }
};

uint64_t ReadScanGroup(std::span<const Table* const> group, uint64_t cursor,
                       EntryVisitor& visitor) {
  uint64_t m0 = ~uint64_t{0};
  for (const Table* t : group) {
    const BucketArray *a0, *a1;
    ReaderScan::Arrays(*t, &a0, &a1);
    if (a0 != nullptr) m0 = std::min(m0, a0->mask());
    if (a1 != nullptr) m0 = std::min(m0, a1->mask());
  }
  if (m0 == ~uint64_t{0}) return 0;  // nothing linked anywhere

  for (const Table* t : group) {
    for (;;) {
      const BucketArray *a0, *a1;
      ReaderScan::Arrays(*t, &a0, &a1);
      // The old array first: finding a bucket cleared there makes its migrated
      // entries visible in the new one (invariant 4).
      if (a0 != nullptr) VisitExpansion(a0, m0, cursor, visitor);
      if (a1 != nullptr && a1 != a0) VisitExpansion(a1, m0, cursor, visitor);
      if (ReaderScan::Unchanged(*t, a0, a1)) break;
    }
  }
  return RevIncrement(cursor, m0);
}

uint64_t ScanGroup(std::span<const Table* const> group, uint64_t cursor, EntryVisitor& visitor) {
  return ReadScanGroup(group, cursor, visitor);
}

// ---------------------------------------------------------------------------------
// TableDirectory

TableDirectory::Slots* TableDirectory::Slots::New(size_t cap) {
  auto* s = static_cast<Slots*>(ZeroedBlock(sizeof(Slots) + cap * sizeof(Table*)));
  s->cap = cap;
  return s;
}

TableDirectory::TableDirectory() : slots_(Slots::New(8)) {}

TableDirectory::~TableDirectory() { std::free(slots_.load(kRelaxed)); }

Table* TableDirectory::Find(std::string_view name) const {
  const Slots* s = slots_.load(kAcquire);
  uint64_t mask = s->cap - 1;
  for (uint64_t i = Table::HashKey(name) & mask;; i = (i + 1) & mask) {
    Table* t = s->at(i).load(kAcquire);
    if (t == nullptr) return nullptr;
    if (t != Tombstone() && t->name() == name) return t;
  }
}

void TableDirectory::Insert(Table* t) {
  Slots* s = slots_.load(kRelaxed);
  // At most half the slots used (tombstones included), so probes stay short and end.
  if ((used_ + 1) * 2 > s->cap) {
    Rebuild(std::bit_ceil(std::max<size_t>(8, (live_ + 1) * 4)));
    s = slots_.load(kRelaxed);
  }
  uint64_t mask = s->cap - 1;
  for (uint64_t i = Table::HashKey(t->name()) & mask;; i = (i + 1) & mask) {
    Table* cur = s->at(i).load(kRelaxed);
    if (cur == nullptr || cur == Tombstone()) {
      if (cur == nullptr) ++used_;
      s->at(i).store(t, kRelease);
      ++live_;
      return;
    }
  }
}

void TableDirectory::Erase(const Table* t) {
  Slots* s = slots_.load(kRelaxed);
  uint64_t mask = s->cap - 1;
  for (uint64_t i = Table::HashKey(t->name()) & mask;; i = (i + 1) & mask) {
    Table* cur = s->at(i).load(kRelaxed);
    assert(cur != nullptr && "REQUIRES: t is in the directory");
    if (cur == t) {
      s->at(i).store(Tombstone(), kRelease);
      --live_;
      return;
    }
  }
}

void TableDirectory::Clear() {
  Slots* old = slots_.load(kRelaxed);
  slots_.store(Slots::New(8), kRelease);
  live_ = used_ = 0;
  Retire(old);
}

void TableDirectory::Rebuild(size_t cap) {
  Slots* old = slots_.load(kRelaxed);
  Slots* s = Slots::New(cap);
  for (size_t i = 0; i < old->cap; ++i) {
    Table* t = old->at(i).load(kRelaxed);
    if (t == nullptr || t == Tombstone()) continue;
    for (uint64_t j = Table::HashKey(t->name()) & (cap - 1);; j = (j + 1) & (cap - 1)) {
      if (s->at(j).load(kRelaxed) == nullptr) {
        s->at(j).store(t, kRelaxed);
        break;
      }
    }
  }
  slots_.store(s, kRelease);  // publishes the filled array
  used_ = live_;
  Retire(old);
}

}  // namespace brisk::engine
