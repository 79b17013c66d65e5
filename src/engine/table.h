// One table of a Db: the entries whose keys share the bytes before the first separator.
//
// A chained hash table with one writer and lock-free readers (RCU, rcu.h):
// power-of-two bucket arrays of atomic heads, chained through Entry::next_, and an
// incremental rehash that keeps two arrays while it migrates a few buckets per write
// (grow at load factor 1, shrink when less than 1/8 full).
//
// Thread safety: the writer (loop thread) calls everything; reader threads call only
// Lookup(), ReadScanGroup() and the stats accessors, inside a ReadSection.
//
// Invariants (the publication protocol):
//   1. Every bucket array has a power-of-two size >= kMinBuckets (or is absent).
//      Not rehashing: every entry is in ht_[0] at hash & mask(0). Rehashing
//      (rehash_idx_ >= 0): buckets [0, rehash_idx_) of ht_[0] are empty and every
//      entry is either in ht_[0] at hash & mask(0) or in ht_[1] at hash & mask(1).
//      New entries go to ht_[1]. Chains never mix buckets of one array.
//   2. Entries are immutable once published, except next_ and access_ (atomics). An
//      entry is published by a release store of its address into a bucket head or a
//      predecessor's next_, after all its bytes (and its own next_) are written;
//      readers load heads and next_ with acquire. A change of value or expiry
//      publishes a new entry in the old one's place (fresh->next_ = old->next_, then
//      the store into the predecessor link); a removal stores old->next_ into the
//      predecessor link. So a reader walking a chain sees each key's old or new
//      entry, never a torn one, and never loses the rest of the chain.
//   3. An entry's next_ changes only while the entry stays in the same chain: an
//      unlinked entry is never relinked (moving to another key, db or array copies it,
//      or adopts it unchanged — invariant 4). Unlinked entries, copied-from entries
//      and dropped arrays are retired with engine::Retire and freed by liburcu after a
//      grace period (batched, rcu.h), so whatever a reader reached stays valid until
//      its ReadSection ends.
//   4. Migrating bucket i of ht_[0] (one rehash step): the longest tail of its chain
//      whose entries all go to the same new bucket j is *adopted*: linked, unchanged,
//      after the last entry of ht_[1][j] (or as its head), one release store; the
//      entries before that tail are *copied* into their new buckets (each copy
//      published before the next step). Only then is ht_[0][i] cleared (release) and
//      the copied-from entries retired. A reader that finds the old bucket cleared
//      therefore finds every entry in ht_[1]; one that walks the old chain meets
//      the originals or the adopted tail, both intact. With load factor <= 1 most
//      chains have one entry, so a grow mostly adopts and rarely copies.
//   5. Arrays are switched in this order: StartRehash stores ht_[1] (release);
//      FinishRehash stores ht_[0] = ht_[1], then ht_[1] = nullptr, then retires the
//      old array. Readers load ht_[1] first, then ht_[0]; they probe ht_[0] first
//      (finding a migrated bucket cleared there makes its entries visible in ht_[1],
//      invariant 4), then ht_[1] unless it is null or the same array; after a miss
//      they reload both and retry if either changed (a rehash started or ended while
//      they looked): so a key present throughout a lookup is always found. Array
//      addresses cannot be reused while a reader holds one (invariant 3), so the check
//      has no ABA. Between FinishRehash's two stores ht_[0] == ht_[1], and that array
//      holds every entry: a reader that loads the same array twice must probe it once,
//      never skip it (issue #3: skipping it returned a miss that the retry check,
//      seeing both arrays unchanged, confirmed; a writer preempted between the stores
//      made every lookup in the window miss).
//   6. items_ / bytes_ / volatile_items_ are the count, the sum of MemoryBytes() and
//      the count with an expiry of the linked entries (writer stores, relaxed; readers
//      may read them relaxed). The table's own ExpiryIndex holds exactly the linked
//      volatile entries (expiry_index.h invariant 1): Table updates it on link,
//      unlink, replacement and rehash copies. hits_ / misses_ count read lookups
//      (Db::CountLookup; writer stores, relaxed).
//   7. Memory per entry: the entry's own size class (keyspace.h Entry) plus ~8-16
//      bytes of bucket slot (load factor between 1/2 and 1 after a grow). E.g. 11-byte
//      key, 16-byte value: 15 + 11 + 16 = 42 -> 48 bytes; with an expiry +12 -> 56;
//      with an LSN +8. Entries of 129..2048 bytes take 8-byte steps (engine/slab.h):
//      a 10-field hash of 8/16-byte fields, key "hash:0000000", is 290 -> 296 bytes.
//      No other per-entry allocation; no rcu_head per entry.
//   8. Hashes are XXH3_64bits of the whole key, so entries of different tables are
//      comparable by hash: ScanGroup relies on it.
//  10. A grow's new array, when it is big (>= kPrepareBytes, 1 MiB), is mapped and faulted
//      in on a short-lived helper thread (Grow, PreparedArray) before the rehash
//      starts; meanwhile inserts keep going to the old array, whose load factor passes
//      1 for the milliseconds that takes. The helper never sees the Table: it hands
//      the array over through PreparedArray::ready (release/acquire), and an array
//      nobody claimed is freed with the last reference. Without it, the first inserts
//      into a fresh 128 MiB array (8M -> 16M buckets) each took a page fault: 2+ ms
//      turns. Shrinks and small arrays start at once. The helper faults the array in
//      1 MiB slices and sleeps 50 us between them, as liburcu's thread does between the
//      slices of an outgrown array it gives back (BucketArray::Free paced): under a
//      real-time policy a helper busy for ~40 ms held a core the loop was waiting for.
//   9. The table owns its linked entries; FreeSome and the destructor free them and
//      its arrays directly, so they run only when no reader can reach the table: after
//      a grace period (RetireTable: the writer, in ReclaimStep slices) or at keyspace
//      destruction.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>

#include <xxhash.h>

#include "engine/keyspace.h"

namespace brisk::engine {

class ExpiryIndex;

// A bucket array: size, then `size` atomic heads, in one zeroed block (zero pages
// come lazily from the OS, so a large array costs no pause to allocate). Arrays of
// kMapBytes or more are mmap'ed and munmap'ed when reclaimed, so the memory of the
// arrays a table outgrew goes back to the OS instead of staying in the allocator.
// (128 KiB, glibc's default mmap threshold: at 1 MiB, a table grown to 100k keys kept
// ~1 MiB of outgrown arrays resident in mimalloc, 10 bytes per key, since entries of
// 129..2048 bytes no longer come from mimalloc to reuse it: engine/slab.h.)
struct BucketArray {
  static constexpr size_t kMapBytes = size_t{128} << 10;
  // Grows to arrays this big are prepared on a helper thread (table.h invariant 10).
  static constexpr size_t kPrepareBytes = size_t{1} << 20;
  size_t size;
  bool mapped;
  std::atomic<Entry*>* heads() { return reinterpret_cast<std::atomic<Entry*>*>(this + 1); }
  const std::atomic<Entry*>* heads() const {
    return reinterpret_cast<const std::atomic<Entry*>*>(this + 1);
  }
  uint64_t mask() const { return size - 1; }
  size_t Bytes() const;  // header + heads
  static BucketArray* New(size_t size);
  // Frees after a grace period (writer only).
  static void Retire(BucketArray* a);
  // Frees now (no reader can reach it). paced: off the loop thread, pausing between
  // 1 MiB slices (invariant 10).
  static void Free(BucketArray* a, bool paced = false);
  // Frees now, a 1 MiB slice of pages per call (*released: bytes given back so far,
  // 0 at the first call and again when done). True when `a` is gone.
  static bool ReleaseSome(BucketArray* a, size_t* released);
};

class Table {
 public:
  static constexpr size_t kMinBuckets = 4;
  // Buckets migrated per write during an incremental rehash (empty ones are skipped,
  // up to 10x this many).
  static constexpr size_t kRehashBucketsPerStep = 2;
  // Bits of a table-name hash used to order tables in a whole-db SCAN cursor.
  static constexpr int kScanHashBits = 24;

  explicit Table(std::string name);
  ~Table();  // invariant 9
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  // Deletes `t` (entries included) after a grace period: for tables readers may
  // have reached (invariant 9). The writer frees the entries in slices
  // (engine::ReclaimStep), so dropping a big table pauses no loop turn. Its footprint
  // leaves the memory counter now.
  static void RetireTable(Table* t);

  // Memory accounting (Keyspace::memory_bytes): what this table holds — its entries
  // (bytes()), bucket arrays, 16 bytes per expiry-index slot, the table object, its name
  // and an estimate of its index nodes in the Db. Writer only.
  size_t Footprint() const;
  // From now on keeps *counter += Footprint() changes (every mutator below ends by
  // re-charging the difference); RetireTable takes the last charge back.
  void set_memory_counter(size_t* counter) {
    memory_ = counter;
    Recharge();
  }

  const std::string& name() const { return name_; }
  // Top kScanHashBits of the name's hash.
  uint32_t scan_hash() const { return scan_hash_; }
  size_t items() const { return items_.load(std::memory_order_relaxed); }
  size_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
  size_t volatile_items() const { return volatile_items_.load(std::memory_order_relaxed); }
  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }
  TableStats Stats() const;
  // Writer only.
  ExpiryIndex& expiry() { return *expiry_; }
  const ExpiryIndex& expiry() const { return *expiry_; }
  void CountLookup(bool hit) {
    std::atomic<uint64_t>& c = hit ? hits_ : misses_;
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  static uint64_t HashKey(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }
  static uint32_t ScanHashOf(std::string_view name) {
    return uint32_t(HashKey(name) >> (64 - kScanHashBits));
  }

  // A new, unlinked string entry with an empty value; the caller owns it until Link.
  static Entry* NewEntry(std::string_view key) {
    Entry::Shape s;
    s.key = key;
    return Entry::Create(s);
  }

  // The linked entry with this key, expired or not; nullptr if none. No rehash step.
  // Writer, or a reader inside a ReadSection (invariant 5).
  Entry* Lookup(std::string_view key) const;

  // ---- writer only ----

  // Publishes `e` (fresh from Entry::Create*) and takes ownership. REQUIRES: no linked
  // entry has e->key().
  void Link(Entry* e);
  // Unlinks the entry with `key` and retires it; nullptr if none. The returned entry
  // stays readable until the writer's next QuiescentPoint (rcu.h invariant 1).
  const Entry* Unlink(std::string_view key);
  // Publishes `fresh` in place of the linked entry `old` (same key) and retires `old`
  // (invariant 2).
  void Replace(Entry* old, Entry* fresh) { ReplaceAt(FindLink(old->key()), old, fresh); }
  // The link (bucket head or predecessor's next_, in either array) that holds the
  // entry with `key`; nullptr if none. Valid until the next change of the table.
  std::atomic<Entry*>* FindLink(std::string_view key);
  // Replace() with the link already found. REQUIRES: link->load() == old.
  void ReplaceAt(std::atomic<Entry*>* link, Entry* old, Entry* fresh);
  // Migrates a few buckets (more if ht_[1] is overfull) if a rehash is in progress.
  void RehashStep();
  bool rehashing() const { return rehash_idx_ >= 0; }

  // Direct counter adjustments (tests). Db never needs them: entries are immutable,
  // so Link / Unlink / Replace keep the counters exact by themselves.
  void AccountResize(size_t old_bytes, size_t new_bytes) {
    AddBytes(new_bytes, old_bytes);
    Recharge();
  }
  void AccountVolatile(bool was_volatile, bool is_volatile) {
    Store(volatile_items_, volatile_items() - size_t(was_volatile) + size_t(is_volatile));
    Recharge();
  }

  // Bucket arrays, for the writer's scans: 0 (empty), 1, or 2 while rehashing.
  int num_arrays() const { return rehashing() ? 2 : (Array(0) != nullptr ? 1 : 0); }
  uint64_t mask(int i) const { return Array(i)->mask(); }
  const Entry* bucket(int i, uint64_t idx) const {
    return Array(i)->heads()[idx].load(std::memory_order_acquire);
  }
  static const Entry* ChainNext(const Entry* e) {
    return e->next_.load(std::memory_order_acquire);
  }

  // A uniformly chosen non-empty bucket, then a uniform entry of its chain (as
  // Redis's dictGetRandomKey). nullptr if the table is empty.
  Entry* RandomEntry(std::mt19937_64& rng) const;

  // Calls fn(const Entry&) for every linked entry. fn must not mutate the table.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (int i = 0; i < num_arrays(); ++i) {
      const BucketArray* a = Array(i);
      for (size_t b = 0; b < a->size; ++b) {
        for (const Entry* e = bucket(i, b); e != nullptr; e = ChainNext(e)) fn(*e);
      }
    }
  }

  // The first entry (in bucket order) for which pred(const Entry&) is true; nullptr
  // if none.
  template <typename Pred>
  const Entry* FindIf(Pred&& pred) const {
    for (int i = 0; i < num_arrays(); ++i) {
      const BucketArray* a = Array(i);
      for (size_t b = 0; b < a->size; ++b) {
        for (const Entry* e = bucket(i, b); e != nullptr; e = ChainNext(e)) {
          if (pred(*e)) return e;
        }
      }
    }
    return nullptr;
  }

  // Teardown of an unreachable table: frees up to max_entries entries (and the
  // emptied arrays); true when nothing is left. Writer only, after a grace period.
  bool FreeSome(size_t max_entries);

  // Test hooks.
  size_t bucket_count(int i) const { return Array(i) == nullptr ? 0 : Array(i)->size; }
  // Test seam: FinishRehashIfDone calls it (writer thread) between its two array
  // stores, where ht_[0] == ht_[1] (invariant 5), so a test can run a Lookup there.
  // nullptr outside tests; read only when a rehash finishes.
  static inline std::atomic<void (*)(const Table&)> finish_rehash_seam{nullptr};

 private:
  friend class ReaderScan;

  const BucketArray* Array(int i) const { return ht_[i].load(std::memory_order_acquire); }
  BucketArray* Array(int i) { return ht_[i].load(std::memory_order_relaxed); }
  // The link (bucket head or predecessor's next_) that holds the entry with `key` in
  // array i; nullptr if the key is not in that array. Writer only.
  std::atomic<Entry*>* FindLink(int i, uint64_t h, std::string_view key);
  void MigrateBucket(size_t idx);
  void StartRehash(size_t new_size);
  void StartRehash(BucketArray* fresh);
  void Grow();  // invariant 10
  void FinishRehashIfDone();
  void MaybeShrink();
  void CountIn(const Entry* e, int sign);
  void AddBytes(size_t plus, size_t minus) { Store(bytes_, bytes() + plus - minus); }
  static void Store(std::atomic<size_t>& a, size_t v) { a.store(v, std::memory_order_relaxed); }
  // *memory_ += Footprint() - charged_ (unsigned wrap-around keeps the sum exact).
  void Recharge() {
    if (memory_ == nullptr) return;
    size_t now = Footprint();
    *memory_ += now - charged_;
    charged_ = now;
  }

  std::string name_;
  uint32_t scan_hash_;
  // The table's own volatile entries by deadline (invariant 6): per table, so a
  // dropped table takes its index with it and active expiry never looks at tables
  // without TTLs.
  std::unique_ptr<ExpiryIndex> expiry_;
  std::atomic<BucketArray*> ht_[2] = {nullptr, nullptr};
  // Writer-only.
  size_t used_[2] = {0, 0};
  int64_t rehash_idx_ = -1;
  std::shared_ptr<struct PreparedArray> prepared_;  // invariant 10: a grow under way
  size_t reclaim_bucket_ = 0;  // FreeSome's position
  size_t reclaim_released_ = 0;  // FreeSome: bytes of the current array given back
  std::atomic<size_t> items_{0};
  std::atomic<size_t> bytes_{0};
  std::atomic<size_t> volatile_items_{0};
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
  // Memory accounting (Footprint): the counter and what was last added to it.
  size_t* memory_ = nullptr;
  size_t charged_ = 0;
};

// One step of Redis's dictScan over a group of tables scanned together (tables whose
// scan_hash collides, or a single table). Takes the smallest bucket array of the group
// as the reference: visits its bucket `cursor & m0`, and in every larger array all the
// buckets that expand that index, then advances the cursor in reverse-binary order
// with m0. Returns the next cursor, 0 once the group is complete.
//
// Guarantee (as dictScan): an entry linked in the group from the first call (cursor 0)
// to the last is visited at least once, whatever resizes/rehashes happen between
// calls, because coverage is defined on the reversed hash bits, which all arrays of
// all tables share (table.h invariant 8).
//
// The cursor only ever has bits inside the largest mask seen, so a group whose arrays
// are below 2^40 buckets leaves the top 24 bits of a 64-bit cursor free.
class EntryVisitor {
 public:
  virtual void Visit(const Entry& e) = 0;

 protected:
  ~EntryVisitor() = default;
};
// Writer only.
uint64_t ScanGroup(std::span<const Table* const> group, uint64_t cursor, EntryVisitor& visitor);
// Readers (inside a ReadSection) and writer: the same step against a concurrently
// changing group. Each table's arrays are loaded as in invariant 5; if a table's
// arrays changed by the end of its step, its step is redone with the new ones (the
// visitor may see an entry twice, never misses one present throughout).
uint64_t ReadScanGroup(std::span<const Table* const> group, uint64_t cursor,
                       EntryVisitor& visitor);

// Name -> Table map of one Db that readers can search while the writer changes it:
// open addressing over an array of atomic Table*, linear probing, tombstones; grown or
// cleaned by building a new array, publishing it (release) and retiring the old one.
//
// Thread safety: Insert/Erase/Clear writer only; Find/ForEach writer or readers inside
// a ReadSection (a Table* found stays valid until the section ends: dropped tables are
// retired with Table::RetireTable after leaving the directory).
class TableDirectory {
 public:
  TableDirectory();
  ~TableDirectory();
  TableDirectory(const TableDirectory&) = delete;
  TableDirectory& operator=(const TableDirectory&) = delete;

  Table* Find(std::string_view name) const;
  // REQUIRES: no table with t->name() in the directory.
  void Insert(Table* t);
  // REQUIRES: t is in the directory.
  void Erase(const Table* t);
  // Empties the directory (the tables are the caller's).
  void Clear();
  size_t size() const { return live_; }

  template <typename Fn>
  void ForEach(Fn&& fn) const {
    const Slots* s = slots_.load(std::memory_order_acquire);
    for (size_t i = 0; i < s->cap; ++i) {
      Table* t = s->at(i).load(std::memory_order_acquire);
      if (t != nullptr && t != Tombstone()) fn(*t);
    }
  }

 private:
  struct Slots {
    size_t cap;  // power of two
    std::atomic<Table*>& at(size_t i) { return reinterpret_cast<std::atomic<Table*>*>(this + 1)[i]; }
    const std::atomic<Table*>& at(size_t i) const {
      return reinterpret_cast<const std::atomic<Table*>*>(this + 1)[i];
    }
    static Slots* New(size_t cap);
  };
  static Table* Tombstone() { return reinterpret_cast<Table*>(uintptr_t{1}); }
  void Rebuild(size_t cap);

  std::atomic<Slots*> slots_;
  size_t live_ = 0;
  size_t used_ = 0;  // live + tombstones
};

}  // namespace brisk::engine
