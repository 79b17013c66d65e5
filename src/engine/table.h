// One table of a Db: the entries whose keys share the bytes before the first separator.
//
// A Redis-style chained hash table: power-of-two bucket arrays, chained through
// Entry::next_, and an incremental rehash that keeps two arrays while it moves a few
// buckets per operation (grow at load factor 1, shrink when less than 1/8 full).
//
// Thread safety: NOT thread-safe; owned by its Db on the loop thread.
//
// Invariants:
//   1. Every bucket array has a power-of-two size >= kMinBuckets (or is absent).
//   2. Not rehashing: every entry is in ht_[0] at hash & mask(0). Rehashing
//      (rehash_idx_ >= 0): buckets [0, rehash_idx_) of ht_[0] are empty and every
//      entry is either in ht_[0] at hash & mask(0) or in ht_[1] at hash & mask(1).
//      New entries go to ht_[1].
//   3. items_ / bytes_ / volatile_items_ are the count, the sum of MemoryBytes() and
//      the count with an expiry of the linked entries. Link/Unlink keep them; a caller
//      that changes a linked entry in place reports it via AccountResize /
//      AccountVolatile in the same public call.
//   4. The table owns its linked entries; the destructor deletes them.
//   5. Hashes are XXH3_64bits of the whole key, so entries of different tables are
//      comparable by hash: ScanGroup relies on it.
#pragma once

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

class Table {
 public:
  static constexpr size_t kMinBuckets = 4;
  // Buckets moved per operation during an incremental rehash (empty ones are skipped,
  // up to 10x this many).
  static constexpr size_t kRehashBucketsPerStep = 2;
  // Bits of a table-name hash used to order tables in a whole-db SCAN cursor.
  static constexpr int kScanHashBits = 24;

  explicit Table(std::string name);
  ~Table();
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  const std::string& name() const { return name_; }
  // Top kScanHashBits of the name's hash.
  uint32_t scan_hash() const { return scan_hash_; }
  size_t items() const { return items_; }
  size_t bytes() const { return bytes_; }
  size_t volatile_items() const { return volatile_items_; }
  TableStats Stats() const;

  static uint64_t HashKey(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }
  static uint32_t ScanHashOf(std::string_view name) {
    return uint32_t(HashKey(name) >> (64 - kScanHashBits));
  }

  // A new, unlinked string entry with an empty value; the caller owns it until Link.
  static Entry* NewEntry(std::string_view key) {
    auto* e = new Entry;
    e->key_.assign(key);
    return e;
  }

  // The linked entry with this key, expired or not; nullptr if none. No rehash step.
  Entry* Lookup(std::string_view key) const;
  // Links `e` and takes ownership. REQUIRES: no linked entry has e->key().
  void Link(Entry* e);
  // Unlinks the entry with `key` and hands ownership back; nullptr if none.
  Entry* Unlink(std::string_view key);
  // Moves a few buckets (kRehashBucketsPerStep, more if ht_[1] is overfull) if a
  // rehash is in progress.
  void RehashStep();
  bool rehashing() const { return rehash_idx_ >= 0; }

  // Accounting for a linked entry changed in place (invariant 3).
  void AccountResize(size_t old_bytes, size_t new_bytes) {
    bytes_ = bytes_ - old_bytes + new_bytes;
  }
  void AccountVolatile(bool was_volatile, bool is_volatile) {
    volatile_items_ = volatile_items_ - size_t(was_volatile) + size_t(is_volatile);
  }

  // Bucket arrays, for scans: 0 (empty), 1, or 2 while rehashing.
  int num_arrays() const { return rehashing() ? 2 : (size_[0] != 0 ? 1 : 0); }
  uint64_t mask(int i) const { return size_[i] - 1; }
  const Entry* bucket(int i, uint64_t idx) const { return ht_[i][idx]; }
  static const Entry* ChainNext(const Entry* e) { return e->next_; }

  // A uniformly chosen non-empty bucket, then a uniform entry of its chain (as
  // Redis's dictGetRandomKey). nullptr if the table is empty.
  Entry* RandomEntry(std::mt19937_64& rng) const;

  // Calls fn(const Entry&) for every linked entry. fn must not mutate the table.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (int i = 0; i < num_arrays(); ++i) {
      for (size_t b = 0; b < size_[i]; ++b) {
        for (const Entry* e = ht_[i][b]; e != nullptr; e = e->next_) fn(*e);
      }
    }
  }

  // The first entry (in bucket order) for which pred(const Entry&) is true; nullptr
  // if none.
  template <typename Pred>
  const Entry* FindIf(Pred&& pred) const {
    for (int i = 0; i < num_arrays(); ++i) {
      for (size_t b = 0; b < size_[i]; ++b) {
        for (const Entry* e = ht_[i][b]; e != nullptr; e = e->next_) {
          if (pred(*e)) return e;
        }
      }
    }
    return nullptr;
  }

  // Test hooks.
  size_t bucket_count(int i) const { return size_[i]; }

 private:
  void StartRehash(size_t new_size);
  void FinishRehashIfDone();
  void MaybeShrink();

  std::string name_;
  uint32_t scan_hash_;
  std::unique_ptr<Entry*[]> ht_[2];
  size_t size_[2] = {0, 0};
  size_t used_[2] = {0, 0};
  int64_t rehash_idx_ = -1;
  size_t items_ = 0;
  size_t bytes_ = 0;
  size_t volatile_items_ = 0;
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
// all tables share (table.h invariant 5).
//
// The cursor only ever has bits inside the largest mask seen, so a group whose arrays
// are below 2^40 buckets leaves the top 24 bits of a 64-bit cursor free.
class EntryVisitor {
 public:
  virtual void Visit(const Entry& e) = 0;

 protected:
  ~EntryVisitor() = default;
};
uint64_t ScanGroup(std::span<const Table* const> group, uint64_t cursor, EntryVisitor& visitor);

}  // namespace brisk::engine
