// The in-memory keyspace: databases -> tables -> entries.
//
// This is the first-version engine (Foundation issue): single-threaded, owned by the
// loop thread. The Engine issue replaces the table internals with a single-writer /
// multi-reader structure; the interface below is what the command layer relies on
// and should survive that change.
//
// Thread safety: NOT thread-safe. Every method REQUIRES the loop thread.
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
//      such entries in bounded slices. Peek() never removes.
//   4. Every mutating method stamps the touched entry with Keyspace::lsn() (the LSN of
//      the write being executed), used by the append log later.
//   5. An empty table is removed from the table index (TABLE LIST shows only tables
//      with keys).
//   6. Entry pointers stay valid until the next mutating call on the same Db (insert,
//      erase, rehash step, expiry). Do not hold them across commands.
//
// SCAN (Db::Scan) keeps Redis's guarantee: an element present from the start to the end
// of a full iteration is returned at least once, whatever the table growth or shrink
// between calls. The cursor is stateless on the server. With a MATCH pattern whose
// literal prefix contains the separator ("users:*", "users:4?"), only that table is
// walked: cost O(that table).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

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

class Entry {
 public:
  std::string_view key() const { return key_; }
  ObjType type() const { return type_; }

  // Strings. A string whose bytes are a canonical integer (ParseInt64 accepts it) is
  // stored as an int64 ("int" encoding).
  bool is_int() const { return is_int_; }
  // REQUIRES: is_int().
  int64_t int_value() const { return int_; }
  // The string's bytes; for an int, formatted into `scratch` (>= 21 bytes).
  std::string_view StringValue(char* scratch) const;
  size_t StringLength() const;
  // "int", "embstr" (<= 44 bytes, as Redis) or "raw".
  std::string_view EncodingName() const;

  // Absolute deadline in unix ms; 0 = no expiry.
  int64_t expire_at_ms() const { return expire_at_ms_; }
  uint64_t lsn() const { return lsn_; }
  // Seconds clock (unix s, 24 bits wrap is fine) of last access, for OBJECT IDLETIME.
  uint32_t access_time() const { return access_s_; }

  // Bytes this entry accounts for in its table (key + value + fixed overhead).
  size_t MemoryBytes() const;

 private:
  friend class Db;
  friend class Table;
  std::string key_;
  std::string str_;         // string bytes unless is_int_
  int64_t int_ = 0;
  int64_t expire_at_ms_ = 0;
  uint64_t lsn_ = 0;
  uint32_t access_s_ = 0;
  ObjType type_ = ObjType::kString;
  bool is_int_ = false;
  Entry* next_ = nullptr;   // hash chain
};

struct TableStats {
  std::string_view name;
  size_t items = 0;
  size_t bytes = 0;
  size_t volatile_items = 0;
};

class Table;  // defined in table.h

struct EngineOptions {
  char table_separator = ':';
};

class Keyspace;

class Db {
 public:
  Db(Keyspace* owner, int index);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  int index() const { return index_; }

  // Lookup with lazy expiry (invariant 3). Updates the access time unless `touch` is
  // false. nullptr if absent or expired.
  Entry* Find(std::string_view key, int64_t now_ms, bool touch = true);
  // Lookup without side effects; nullptr if absent or logically expired.
  const Entry* Peek(std::string_view key, int64_t now_ms) const;

  // Creates a string entry. REQUIRES: key is absent (Find returned nullptr).
  Entry* InsertString(std::string_view key, std::string_view value);

  // Value changes (invariant 2). All keep the entry's expiry unless stated.
  void SetString(Entry* e, std::string_view value);  // also converts any type to string
  void SetInt(Entry* e, int64_t value);
  // Appends to a string; returns the new length.
  size_t Append(Entry* e, std::string_view tail);
  // Overwrites at offset, zero-padding as needed; returns the new length.
  size_t SetRange(Entry* e, size_t offset, std::string_view bytes);
  // 0 removes the expiry.
  void SetExpire(Entry* e, int64_t at_ms);

  // Removes the key (no observer call: the caller is the one deleting it). True if a
  // live (non-expired) entry was removed.
  bool Erase(std::string_view key, int64_t now_ms);

  // Moves an entry under a new key in this db (RENAME), keeping value and expiry.
  // REQUIRES: from exists; to is absent.
  void Rename(std::string_view from, std::string_view to);

  // Copies `src` (from any db) as a new key in this db, value and expiry included.
  // REQUIRES: key is absent.
  Entry* InsertCopy(std::string_view key, const Entry& src);

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

  // Tables, in name order.
  void ForEachTable(const std::function<void(const TableStats&)>& fn) const;
  // Stats for one table; false if it has no keys.
  bool GetTableStats(std::string_view name, TableStats* out) const;

  // Exchanges the contents (SWAPDB). Indexes stay with their slot.
  void SwapContents(Db& other);

 private:
  Table* TableFor(std::string_view key, bool create);
  const Table* TableFor(std::string_view key) const;

  Keyspace* owner_;
  int index_;
  size_t size_ = 0;
  size_t volatile_size_ = 0;
  struct Impl;
  std::unique_ptr<Impl> impl_;
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

  void set_observer(KeyObserver* observer) { observer_ = observer; }
  KeyObserver* observer() const { return observer_; }

  void SwapDbs(int a, int b);
  void FlushAll();

  // Counters for INFO stats.
  uint64_t expired_keys() const { return expired_keys_; }
  void CountExpired() { ++expired_keys_; }
  void ResetStats() { expired_keys_ = 0; }

 private:
  EngineOptions options_;
  std::vector<std::unique_ptr<Db>> dbs_;
  KeyObserver* observer_ = nullptr;
  uint64_t lsn_ = 0;
  uint64_t expired_keys_ = 0;
};

}  // namespace brisk::engine
