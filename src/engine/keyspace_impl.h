// Db::Impl, the keyspace's private per-db state, shared by the engine's keyspace
// sources (keyspace.cc: lookups, writes, expiry, eviction support; keyspace_scan.cc:
// SCAN, KEYS and the lock-free readers). Not part of the engine's interface: include
// it from those two files only.
//
// Thread safety and invariants: those of Db (keyspace.h) and Table (table.h); Impl adds
// writer-only views (by_name, by_scan_hash) that always list exactly the tables in
// `dir`, which holds only non-empty tables (keyspace.h invariant 5).
#pragma once

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "engine/collections.h"
#include "engine/eviction.h"
#include "engine/keyspace.h"
#include "engine/table.h"

namespace brisk::engine {

inline bool IsExpired(const Entry& e, int64_t now_ms) {
  return e.expire_at_ms() != 0 && e.expire_at_ms() <= now_ms;
}

// The access word of a key created now (engine/eviction.h: LRU clock or LFU counter).
inline uint32_t NewAccessWord(const Keyspace& ks) {
  return access::Initial(ks.access_policy(), clock::CachedUnixMs());
}

// ---------------------------------------------------------------------------------
// Db internals

struct Db::Impl {
  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() { DeleteTables(); }

  // Owns the tables (invariant 5: only non-empty ones); readers find them here.
  TableDirectory dir;
  // Writer-only views of the same tables: by name for ForEachTable, and grouped by
  // scan_hash in the order a whole-db SCAN walks them. Keys view Table::name(),
  // stable while the table lives.
  std::map<std::string_view, Table*> by_name;
  std::map<uint32_t, std::vector<const Table*>> by_scan_hash;
  // Keyspace::memory_bytes, which every table charges its footprint to.
  size_t* memory = nullptr;
  // The last table looked up; cleared when a table is dropped.
  mutable Table* last = nullptr;
  // Where the next ActiveExpire call resumes (a table name; tables are visited in
  // name order, round robin).
  std::string expire_cursor;
  std::mt19937_64 rng{0x5eed'b415'c0ffee};

  Table* Get(std::string_view name) const {
    if (last != nullptr && last->name() == name) return last;
    Table* t = dir.Find(name);
    if (t != nullptr) last = t;
    return t;
  }

  Table* Create(std::string_view name) {
    auto* t = new Table(std::string(name));
    t->set_memory_counter(memory);
    by_name.emplace(t->name(), t);
    by_scan_hash[t->scan_hash()].push_back(t);
    dir.Insert(t);  // published last: readers find a complete table
    last = t;
    return t;
  }

  // Unpublishes an empty table and retires it (table.h invariant 9).
  void Drop(Table* t) {
    if (last == t) last = nullptr;
    dir.Erase(t);
    by_name.erase(t->name());
    auto group = by_scan_hash.find(t->scan_hash());
    std::erase(group->second, t);
    if (group->second.empty()) by_scan_hash.erase(group);
    Table::RetireTable(t);
  }

  // FLUSHDB: O(tables) on the loop; the entries are freed by the call_rcu thread.
  void Clear() {
    last = nullptr;
    dir.Clear();
    for (auto& [name, t] : by_name) Table::RetireTable(t);
    by_scan_hash.clear();
    by_name.clear();
  }

  // Keyspace destruction: no reader may remain (Keyspace's REQUIRES).
  void DeleteTables() {
    for (auto& [name, t] : by_name) delete t;
    by_name.clear();
  }

  Table* PickWeighted(size_t total) {
    size_t r = size_t(rng() % total);
    for (auto& [name, t] : by_name) {
      if (r < t->items()) return t;
      r -= t->items();
    }
    return nullptr;  // unreachable while total == sum of items
  }

  // Links a fresh entry into `db` (counters, table creation; the table keeps the
  // expiry index). A stale expired entry with the same key (callers checked absence
  // with Peek, say) is expired first so keys stay unique.
  static void Attach(Db& db, Entry* e) {
    std::string_view name = db.owner_->TableOf(e->key());
    Table* t = db.impl_->Get(name);
    if (t != nullptr && t->volatile_items() != 0) {
      if (Entry* stale = t->Lookup(e->key())) {
        assert(stale->expire_at_ms() != 0 && "REQUIRES: key absent");
        Expire(db, t, stale);
        t = db.impl_->Get(name);
      }
    }
    if (t == nullptr) t = db.impl_->Create(name);
    t->Link(e);
    ++db.size_;
    if (e->expire_at_ms() != 0) ++db.volatile_size_;
  }

  // Unlinks `key` from `t` (counters, empty-table removal) and retires the entry,
  // which stays readable until the next QuiescentPoint. REQUIRES: key is linked in t.
  // The value's external nodes are retired too (collections.h invariant 4) unless
  // `keep_value` (the caller re-links a clone of the entry: RENAME, MOVE).
  static const Entry* Detach(Db& db, Table* t, std::string_view key, bool keep_value = false) {
    const Entry* e = t->Unlink(key);
    assert(e != nullptr);
    if (!keep_value) RetireExternalValue(*e);
    --db.size_;
    if (e->expire_at_ms() != 0) --db.volatile_size_;
    if (t->items() == 0) db.impl_->Drop(t);
    return e;
  }

  // Removes an expired entry: unlink, tell the observer (the retired entry's key is
  // still valid), count.
  static void Expire(Db& db, Table* t, const Entry* e) {
    std::string_view key = e->key();
    const Entry* gone = Detach(db, t, key);
    if (KeyObserver* obs = db.owner_->observer()) {
      obs->OnKeyRemoved(db.index_, gone->key(), RemoveReason::kExpired);
    }
    db.owner_->CountExpired();
  }

  // The shape of a new version of `cur` (keyspace.h invariants 4 and 6).
  static Entry::Shape NextShape(const Db& db, const Entry& cur) {
    Entry::Shape s = cur.ShapeOf();
    s.has_lsn = db.owner_->track_lsn();
    s.lsn = s.has_lsn ? db.owner_->lsn() : 0;
    return s;
  }

  // Where the key's current entry is linked (invariant 6: `e` may be superseded; only
  // its key is used). REQUIRES: the key exists.
  struct Slot {
    Table* table;
    std::atomic<Entry*>* link;
    Entry* cur;
  };
  static Slot Locate(Db& db, const Entry* e) {
    Table* t = db.TableFor(e->key(), false);
    assert(t != nullptr);
    std::atomic<Entry*>* link = t->FindLink(e->key());
    assert(link != nullptr && "REQUIRES: the key exists");
    return {t, link, link->load(std::memory_order_relaxed)};
  }

  // Publishes `fresh` in place of slot.cur and keeps the db's counters. Returns fresh.
  static Entry* Publish(Db& db, const Slot& slot, Entry* fresh) {
    bool was_vol = slot.cur->expire_at_ms() != 0;
    bool is_vol = fresh->expire_at_ms() != 0;
    db.volatile_size_ = db.volatile_size_ - size_t(was_vol) + size_t(is_vol);
    slot.table->ReplaceAt(slot.link, slot.cur, fresh);
    return fresh;
  }

  static Entry* NewString(Db& db, std::string_view key, std::string_view value,
                          int64_t expire_at_ms) {
    Entry::Shape s;
    s.key = key;
    s.expire_at_ms = expire_at_ms;
    s.has_lsn = db.owner_->track_lsn();
    s.lsn = s.has_lsn ? db.owner_->lsn() : 0;
    s.access = NewAccessWord(*db.owner_);
    return Entry::CreateString(s, value);
  }
};

}  // namespace brisk::engine
