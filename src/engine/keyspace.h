// The in-memory keyspace: databases -> tables -> entries.
//
// Thread safety: one writer, any number of lock-free readers (rcu.h, table.h).
//   - Every method REQUIRES the writer thread (the loop; the thread that built the
//     Keyspace, which registers it with RCU), EXCEPT the ones marked READER-SAFE
//     (Db::ReadFind, Db::ReadGet, Db::ReadScan, Db::ReadTables, Db::ReadContentId,
//     Keyspace::ReadSwapSeq/ReadSwapSeqAgain and the const accessors of Entry), which
//     may be called from any thread holding an engine::ReaderThread, inside an
//     engine::ReadSection (ReadGet / ReadScan / ReadTables open their own).
//   - The writer MUST call engine::QuiescentPoint() once per loop turn, holding no
//     Entry* (the server's uv_check callback): retired memory is freed only after it.
//   - Readers never lock and never block the writer; what a reader got stays valid
//     until its ReadSection ends.
//
// Invariants:
//   1. A key's table is the bytes before the first separator (default ':'); keys with
//      no separator live in the default table "". The key stored is always the whole
//      key; the table is only how entries are grouped and indexed.
//   2. Per table, items / bytes / volatile_items are exact after every public method
//      returns. Bytes = Entry::MemoryBytes() summed over the table's entries. Callers
//      change values only through Db methods (SetString, SetInt, Append, SetRange,
//      SetExpire), never through a raw pointer, so accounting stays exact.
//   3. An entry whose expire_at_ms <= now is logically absent: Find() removes it (lazy
//      expiry) and reports it to the KeyObserver with kExpired; ActiveExpire() removes
//      such entries in bounded slices. Peek() and the Read* methods never remove.
//   4. With LSN tracking on (Keyspace::set_track_lsn, EngineOptions::track_lsn), every
//      mutating method stamps the entry it writes with Keyspace::lsn() (the LSN of the
//      write being executed), for the log rewrite. With it off, entries carry no LSN
//      (8 bytes less each) and Entry::lsn() is 0. Turning it on affects entries
//      written from then on.
//   5. An empty table is removed from the table index (TABLE LIST shows only tables
//      with keys).
//   6. Entries are immutable once published (everything but the access word,
//      engine/eviction.h, which a new version inherits): a value or expiry change
//      publishes a new entry in place of the old one, and an incremental rehash step
//      may do the same. An Entry* obtained on the writer thread
//      stays dereferenceable, showing the value it had, until the writer's next
//      QuiescentPoint(); Db methods that take an Entry* accept such a superseded
//      pointer and act on the key's current entry (they look it up by key). Re-fetch
//      (Find/Peek, or use the returned pointer) to see a change. Do not hold Entry*
//      across commands.
//
// SCAN (Db::Scan, Db::ReadScan) keeps Redis's guarantee: an element present from the
// start to the end of a full iteration is returned at least once, whatever the table
// growth or shrink between calls. The cursor is stateless on the server. With a MATCH
// pattern whose literal prefix contains the separator ("users:*", "users:4?"), only
// that table is walked: cost O(that table).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "engine/rcu.h"

namespace brisk::engine {

enum class ObjType : uint8_t { kString = 0, kList, kSet, kZSet, kHash };

// "string", "list", "set", "zset", "hash" (TYPE command); "none" is the caller's.
std::string_view TypeName(ObjType type);
// Parses a TYPE name for SCAN ... TYPE; false if unknown.
bool ParseTypeName(std::string_view name, ObjType* out);

class Entry;
class Db;

// Why an entry left without a command deleting it.
enum class RemoveReason : uint8_t { kExpired, kEvicted };

// Told about keys the engine removes on its own (lazy/active expiry, eviction), so the
// command layer can invalidate WATCH and, later, publish "expired" events and log
// deletes. Called synchronously on the loop thread, before the entry is freed.
class KeyObserver {
 public:
  virtual ~KeyObserver() = default;
  virtual void OnKeyRemoved(int db_index, std::string_view key, RemoveReason reason) = 0;
};

// One key and its value in ONE allocation (table.h invariant 7 has the byte costs):
//
//   offset  size  field
//   0       8     next_     chain link, atomic (the only field that changes in a
//                           published entry besides access_; table.h invariants)
//   8       4     access_   access word: LRU clock or LFU counter + CLOCK ref bits
//                           (engine/eviction.h), atomic, relaxed, writer-updated
//   12      1     meta_     type:3 | int:1 | expire:1 | lsn:1 | wide:1 | mid:1
//   13      1     klen_     key length   (if !wide)
//   14      1     vlen_     value length (if !wide; 0 for int); if mid, its low byte
//   15      [8]   wide: u32 key length, u32 value length (key > 255 or value > 65535)
//           [1]   mid: the value length's high byte (key <= 255, value 256..65535:
//                 a listpack collection past 255 bytes pays 1 byte, not 8)
//           [8]   expire: i64 deadline (unix ms)      } only if flagged
//           [4]   expire: u32 expiry-heap position   } (writer-only, mutable)
//           [8]   lsn: u64 last-modified LSN          } only if flagged
//           klen  key bytes
//           vlen  value bytes, or 8 bytes of int64 for the int encoding
//
// The allocation is rounded up to its allocator's size class (AllocClass(): mimalloc's
// classes, or 8-byte steps from engine/slab.h for 129..2048 bytes), which is what
// MemoryBytes() reports. Fields after offset 15 are unaligned and read with memcpy.
class Entry {
 public:
  std::string_view key() const { return {Payload(), KeyLength()}; }
  ObjType type() const { return ObjType(meta_ & kTypeMask); }

  // Strings. A string whose bytes are a canonical integer (ParseInt64 accepts it) is
  // stored as an int64 ("int" encoding).
  bool is_int() const { return (meta_ & kIntFlag) != 0; }
  // REQUIRES: is_int().
  int64_t int_value() const;
  // The string's bytes; for an int, formatted into `scratch` (>= 21 bytes).
  std::string_view StringValue(char* scratch) const;
  size_t StringLength() const;
  // "int", "embstr" (<= 44 bytes, as Redis) or "raw"; for collections Redis's name of
  // their encoding (engine/collections.h).
  std::string_view EncodingName() const;

  // Collections: the value bytes (an encoding tag, then the encoding's bytes; see
  // engine/collections.h). REQUIRES: type() != kString.
  std::string_view CollectionValue() const { return {ValueData(), ValueBytes()}; }

  // Absolute deadline in unix ms; 0 = no expiry.
  int64_t expire_at_ms() const;
  // 0 unless written with LSN tracking on (keyspace.h invariant 4).
  uint64_t lsn() const;
  // The access word (layout and decoders in engine/eviction.h): LRU clock or LFU
  // counter, and the CLOCK reference bits. Any thread may read it.
  uint32_t access_word() const { return access_.load(std::memory_order_relaxed); }
  // Writer only: the one change allowed in a published entry besides next_ (table.h
  // invariant 2); readers see the old or the new word.
  void set_access_word(uint32_t word) const { access_.store(word, std::memory_order_relaxed); }

  // Bytes this entry accounts for in its table: its allocation, rounded up to the
  // allocator's size class. Depends only on the entry's (immutable) contents.
  // A large collection adds the memory of its external nodes (collections.h invariant 5).
  size_t MemoryBytes() const {
    size_t own = AllocClass(AllocBytes());
    return type() == ObjType::kString ? own : own + CollectionExternalBytes();
  }

  // mimalloc's size class for a request of n bytes (8-byte steps up to 64, then four
  // classes per power of two: 80, 96, 112, 128, 160, ...).
  static size_t SizeClass(size_t n);
  // What an entry of n bytes takes: SizeClass(n), or 8-byte steps for the sizes the
  // exact-fit allocator serves (engine/slab.h: 129..2048 bytes).
  static size_t AllocClass(size_t n);

  // Everything an entry is built from (the value bytes are filled in separately).
  struct Shape {
    std::string_view key;
    ObjType type = ObjType::kString;
    bool is_int = false;
    size_t value_len = 0;  // ignored for ints
    int64_t expire_at_ms = 0;
    bool has_lsn = false;
    uint64_t lsn = 0;
    uint32_t access = 0;
  };

 private:
  friend class Db;
  friend class Table;
  friend class ExpiryIndex;

  static constexpr uint8_t kTypeMask = 0x07;
  static constexpr uint8_t kIntFlag = 0x08;
  static constexpr uint8_t kExpireFlag = 0x10;
  static constexpr uint8_t kLsnFlag = 0x20;
  static constexpr uint8_t kWideFlag = 0x40;
  static constexpr uint8_t kMidFlag = 0x80;
  static constexpr size_t kHeaderBytes = 15;

  // A new, unpublished entry with `shape`; its value bytes (MutableValue) are
  // uninitialized unless is_int. Freed with engine::FreeBlock (engine/slab.h).
  static Entry* Create(const Shape& shape);
  static Entry* CreateString(const Shape& shape, std::string_view value);
  // A copy of `src` with another key / expiry / LSN (value and type kept).
  static Entry* Clone(const Entry& src, std::string_view key, int64_t expire_at_ms,
                      bool has_lsn, uint64_t lsn);
  // An identical copy (a rehash migration's).
  static Entry* Copy(const Entry& src);
  Shape ShapeOf() const;

  size_t KeyLength() const;
  size_t ValueBytes() const;  // stored value bytes (8 for an int)
  size_t CollectionExternalBytes() const;  // collections.cc
  size_t OptionalBytes() const;
  size_t AllocBytes() const { return kHeaderBytes + OptionalBytes() + KeyLength() + ValueBytes(); }
  const char* Payload() const;  // key bytes, then value bytes
  const char* ValueData() const { return Payload() + KeyLength(); }
  char* MutableValue() { return const_cast<char*>(ValueData()); }
  char* OptionalArea() { return reinterpret_cast<char*>(this) + kHeaderBytes; }
  const char* OptionalArea() const { return reinterpret_cast<const char*>(this) + kHeaderBytes; }
  size_t ExpireOffset() const { return (meta_ & kWideFlag) ? 8 : (meta_ & kMidFlag) ? 1 : 0; }
  // Expiry-heap position (writer-only). REQUIRES: an expiry.
  uint32_t heap_pos() const;
  void set_heap_pos(uint32_t pos);

  std::atomic<Entry*> next_;
  mutable std::atomic<uint32_t> access_;  // metadata, not value: set_access_word
  uint8_t meta_;
  uint8_t klen_;
  uint8_t vlen_;
};

struct TableStats {
  std::string_view name;
  size_t items = 0;
  size_t bytes = 0;
  size_t volatile_items = 0;
  uint64_t hits = 0;    // read lookups that found a live key (Db::CountLookup)
  uint64_t misses = 0;  // ...that did not (counted only while the table exists)
};

class Table;           // defined in table.h
class TableDirectory;  // defined in table.h

struct EngineOptions {
  char table_separator = ':';
  // Keyspace invariant 4. Off by default: the log rewrite turns it on while it runs.
  bool track_lsn = false;
};

// How touching lookups and new keys fill Entry::access_ (engine/eviction.h): an LRU
// clock, or Redis's LFU counter with its two parameters. Set by the Evictor from
// maxmemory-policy, lfu-log-factor and lfu-decay-time.
struct AccessPolicy {
  bool lfu = false;
  int lfu_log_factor = 10;
  int lfu_decay_time = 1;
};

class Keyspace;

class Db {
 public:
  Db(Keyspace* owner, int index);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  int index() const { return index_; }

  // Lookup with lazy expiry (invariant 3). Updates the access word (LRU clock or LFU
  // counter, CLOCK ref: engine/eviction.h) unless `touch` is false. nullptr if absent
  // or expired.
  Entry* Find(std::string_view key, int64_t now_ms, bool touch = true);
  // Lookup without side effects; nullptr if absent or logically expired.
  const Entry* Peek(std::string_view key, int64_t now_ms) const;

  // Creates a string entry. REQUIRES: key is absent (Find returned nullptr).
  Entry* InsertString(std::string_view key, std::string_view value);
  // The same with an expiry (0 = none) in one step: cheaper than InsertString +
  // SetExpire, which publishes two entries.
  Entry* InsertString(std::string_view key, std::string_view value, int64_t expire_at_ms);

  // Value changes (invariants 2 and 6). All keep the entry's expiry unless stated. `e`
  // may be superseded (invariant 6); the key's current entry is changed, and the new
  // entry is returned where the signature allows.
  Entry* SetString(Entry* e, std::string_view value);  // also converts any type to string
  Entry* SetInt(Entry* e, int64_t value);
  // Appends to a string; returns the new length.
  size_t Append(Entry* e, std::string_view tail);
  // Overwrites at offset, zero-padding as needed; returns the new length.
  size_t SetRange(Entry* e, size_t offset, std::string_view bytes);
  // 0 removes the expiry.
  Entry* SetExpire(Entry* e, int64_t at_ms);

  // Removes the key (no observer call: the caller is the one deleting it). True if a
  // live (non-expired) entry was removed.
  bool Erase(std::string_view key, int64_t now_ms);

  // Moves an entry under a new key in this db (RENAME), keeping value and expiry.
  // REQUIRES: from exists; to is absent.
  void Rename(std::string_view from, std::string_view to);

  // Copies `src` (from any db) as a new key in this db, value and expiry included.
  // REQUIRES: key is absent.
  Entry* InsertCopy(std::string_view key, const Entry& src);

  // Collections (engine/collections.h): the value bytes are the concatenation of
  // `parts` (an encoding tag first). InsertCollection REQUIRES: key is absent.
  // SetCollection publishes a new entry for the key of `e` (any type; expiry kept) and
  // returns it; it does not release the old value's external nodes: the caller
  // path-copied them and retires what it replaced (collections.h invariant 4).
  Entry* InsertCollection(std::string_view key, ObjType type,
                          std::initializer_list<std::string_view> parts);
  Entry* SetCollection(Entry* e, ObjType type, std::initializer_list<std::string_view> parts);

  // Moves the entry out of this db into `dst` under the same key (MOVE).
  // REQUIRES: key exists here and is absent in dst.
  void MoveTo(std::string_view key, Db* dst);

  size_t size() const { return size_; }
  size_t volatile_size() const { return volatile_size_; }

  // Removes every entry (FLUSHDB). Observer not called.
  void Clear();

  // A random live key, or false if the db is empty (RANDOMKEY).
  bool RandomKey(int64_t now_ms, std::string* out);

  // One SCAN step. Visits entries from `cursor`, appending to `out` the keys that
  // match `pattern` (empty = all) and `type` (nullptr = any) and are not expired,
  // until about `count` entries were examined. Returns the next cursor; 0 = done.
  uint64_t Scan(uint64_t cursor, std::string_view pattern, size_t count, const ObjType* type,
                int64_t now_ms, std::vector<std::string>* out) const;

  // Every live key matching pattern (KEYS); walks one table when the pattern's literal
  // prefix names it.
  void Keys(std::string_view pattern, int64_t now_ms, std::vector<std::string>* out) const;

  // Removes up to `max_keys` expired entries (reporting each as kExpired); returns how
  // many were removed. Never walks non-volatile keys.
  size_t ActiveExpire(int64_t now_ms, size_t max_keys);

  // Removes the table `name` with every entry in it (TABLE DROP) in O(1) on this
  // thread: the memory is reclaimed in the background after a grace period. Returns
  // the number of live (not logically expired) entries it held; 0 if no such table.
  // Observer not called.
  size_t DropTable(std::string_view name, int64_t now_ms);

  // Counts a read lookup of `key` as a hit or miss of its table (TableStats hits /
  // misses); a miss in a table that does not exist is not counted anywhere.
  void CountLookup(std::string_view key, bool hit);

  // ---- eviction support (engine/eviction.h) ----

  // Removes the key (expired or not) as evicted: reported to the KeyObserver with
  // kEvicted and counted in Keyspace::evicted_keys(). With `volatile_only`, only if it
  // has an expiry; with `max_ref` < 4, only if its access word's CLOCK ref is <= max_ref.
  // False if nothing was removed.
  bool Evict(std::string_view key, bool volatile_only = false, uint32_t max_ref = 4);
  // A uniformly random linked entry (expired or not) of the db, or of its entries with
  // an expiry; nullptr if none. O(tables) to pick the table.
  Entry* RandomEntry(bool volatile_only);
  // The entry with the earliest deadline; nullptr if no entry has one. O(tables).
  Entry* EarliestDeadline();
  // The table named `name` (inclusive) or else the first one after it in name order;
  // nullptr if none. TableFrom("", true) is the first table.
  Table* TableFrom(std::string_view name, bool inclusive);

  // Tables, in name order.
  void ForEachTable(const std::function<void(const TableStats&)>& fn) const;
  // Stats for one table; false if it has no keys.
  bool GetTableStats(std::string_view name, TableStats* out) const;

  // Exchanges the contents (SWAPDB). Indexes stay with their slot.
  void SwapContents(Db& other);

  // ---- READER-SAFE (see the header comment) ----

  // The live entry for key, or nullptr (absent or logically expired; nothing is
  // removed, the access time is not touched). REQUIRES: inside a ReadSection; the
  // result is valid until it ends.
  const Entry* ReadFind(std::string_view key, int64_t now_ms) const;
  // Calls fn(const Entry&) on the live entry for key, inside its own ReadSection;
  // false if absent.
  template <typename Fn>
  bool ReadGet(std::string_view key, int64_t now_ms, Fn&& fn) const;
  // SCAN for readers: same cursor, MATCH and guarantee as Scan(), calling
  // fn(const Entry&) for every live matching entry, inside its own ReadSection. A
  // whole-db call costs O(tables) to order the tables, on top of the entries.
  uint64_t ReadScan(uint64_t cursor, std::string_view pattern, size_t count, int64_t now_ms,
                    const std::function<void(const Entry&)>& fn) const;
  // Every table with its stats (in no particular order), inside its own ReadSection.
  void ReadTables(const std::function<void(const TableStats&)>& fn) const;
  // Identity of this db's contents: SWAPDB exchanges it with the other db's, FLUSHDB
  // keeps it. With Keyspace::ReadSwapSeq it lets a reader follow one db's contents
  // across SWAPDB (the log rewrite).
  const void* ReadContentId() const { return read_dir_.load(std::memory_order_acquire); }

 private:
  Table* TableFor(std::string_view key, bool create);
  const Table* TableFor(std::string_view key) const;

  const TableDirectory* ReaderDirectory() const {
    return read_dir_.load(std::memory_order_acquire);
  }

  Keyspace* owner_;
  int index_;
  size_t size_ = 0;
  size_t volatile_size_ = 0;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  // impl_'s table directory, for readers (impl_ itself is writer-only: SWAPDB swaps
  // it and republishes this).
  std::atomic<const TableDirectory*> read_dir_{nullptr};
};

class Keyspace {
 public:
  Keyspace(int num_dbs, EngineOptions options);
  ~Keyspace();

  int num_dbs() const { return int(dbs_.size()); }
  Db& db(int i) { return *dbs_[size_t(i)]; }
  const Db& db(int i) const { return *dbs_[size_t(i)]; }
  const EngineOptions& options() const { return options_; }

  // The table a key belongs to (invariant 1).
  std::string_view TableOf(std::string_view key) const;

  // LSN of the write being executed; the command layer advances it once per write.
  uint64_t lsn() const { return lsn_; }
  uint64_t AdvanceLsn() { return ++lsn_; }
  // Skips to lsn (no-op if not above the current one): replay after a gap, and the log
  // rewrite reserving the LSNs of its snapshot.
  void AdvanceLsnTo(uint64_t lsn) {
    if (lsn > lsn_) lsn_ = lsn;
  }
  // Invariant 4.
  bool track_lsn() const { return options_.track_lsn; }
  void set_track_lsn(bool on) { options_.track_lsn = on; }

  void set_observer(KeyObserver* observer) { observer_ = observer; }
  KeyObserver* observer() const { return observer_; }

  void SwapDbs(int a, int b);
  // READER-SAFE seqlock over SwapDbs: odd while one runs, +2 per swap. A reader that
  // reads it (ReadSwapSeq), then contents ids / scans, then ReadSwapSeqAgain and gets
  // the same even value saw no SWAPDB in between.
  uint64_t ReadSwapSeq() const { return swap_seq_.load(std::memory_order_acquire); }
  uint64_t ReadSwapSeqAgain() const {
    std::atomic_thread_fence(std::memory_order_acquire);
    return swap_seq_.load(std::memory_order_relaxed);
  }
  void FlushAll();

  // Counters for INFO stats.
  uint64_t expired_keys() const { return expired_keys_; }
  void CountExpired() { ++expired_keys_; }
  uint64_t evicted_keys() const { return evicted_keys_; }
  void CountEvicted() { ++evicted_keys_; }
  void ResetStats() { expired_keys_ = evicted_keys_ = 0; }

  // Bytes the engine holds for data, kept exact on every change (O(1) to read): every
  // table's entries (Entry::MemoryBytes), bucket arrays, expiry-index slots and the
  // table object itself (table.h Table::Footprint). Memory retired but not yet
  // reclaimed (rcu.h) no longer counts. The server's used_memory is built on it.
  size_t memory_bytes() const { return memory_bytes_; }
  // Where tables add and remove their footprint (Table::Footprint). Writer only.
  size_t* memory_counter() { return &memory_bytes_; }

  // engine/eviction.h: how access words are written (LRU or LFU).
  const AccessPolicy& access_policy() const { return access_policy_; }
  void set_access_policy(const AccessPolicy& p) { access_policy_ = p; }

 private:
  EngineOptions options_;
  std::vector<std::unique_ptr<Db>> dbs_;
  KeyObserver* observer_ = nullptr;
  uint64_t lsn_ = 0;
  std::atomic<uint64_t> swap_seq_{0};
  uint64_t expired_keys_ = 0;
  uint64_t evicted_keys_ = 0;
  size_t memory_bytes_ = 0;
  AccessPolicy access_policy_;
};

template <typename Fn>
bool Db::ReadGet(std::string_view key, int64_t now_ms, Fn&& fn) const {
  ReadSection section;
  const Entry* e = ReadFind(key, now_ms);
  if (e == nullptr) return false;
  fn(*e);
  return true;
}

}  // namespace brisk::engine
