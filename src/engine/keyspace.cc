#include "engine/keyspace.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <cstdint>
#include <map>
#include <random>
#include <unordered_map>
#include <utility>

#include "common/clock.h"
#include "common/glob.h"
#include "common/numbers.h"
#include "engine/collections.h"
#include "engine/eviction.h"
#include "engine/expiry_index.h"
#include "engine/table.h"

namespace brisk::engine {

namespace {

bool IsExpired(const Entry& e, int64_t now_ms) {
  return e.expire_at_ms() != 0 && e.expire_at_ms() <= now_ms;
}

// The access word of a key created now (engine/eviction.h: LRU clock or LFU counter).
uint32_t NewAccessWord(const Keyspace& ks) {
  return access::Initial(ks.access_policy(), clock::CachedUnixMs());
}

// A whole-db SCAN cursor: the table group's scan_hash in the top bits, the in-group
// dictScan cursor below.
constexpr int kInnerCursorBits = 64 - Table::kScanHashBits;
constexpr uint64_t kInnerCursorMask = (uint64_t{1} << kInnerCursorBits) - 1;

// What part of the keyspace a KEYS / SCAN MATCH pattern can match.
struct PatternScope {
  enum Kind { kAll, kTable, kKey } kind = kAll;
  std::string_view table;  // kTable: the only table that can hold matches
};

PatternScope ScopeOf(std::string_view pattern, char separator) {
  if (pattern.empty()) return {};
  bool exact = false;
  std::string_view prefix = GlobLiteralPrefix(pattern, &exact);
  if (exact) return {PatternScope::kKey, {}};
  // Every match starts with `prefix`; if it holds a separator, the first one is at
  // the same place in the key, so the key's table is fixed.
  size_t pos = prefix.find(separator);
  if (pos == std::string_view::npos) return {};
  return {PatternScope::kTable, prefix.substr(0, pos)};
}

// Filters visited entries into SCAN/KEYS output and counts what it examined.
class KeyCollector final : public EntryVisitor {
 public:
  KeyCollector(std::string_view pattern, const ObjType* type, int64_t now_ms,
               std::vector<std::string>* out)
      : pattern_(pattern), type_(type), now_ms_(now_ms), out_(out) {}

  void Visit(const Entry& e) override {
    ++examined_;
    if (IsExpired(e, now_ms_)) return;
    if (type_ != nullptr && e.type() != *type_) return;
    if (!pattern_.empty() && !GlobMatch(pattern_, e.key())) return;
    out_->emplace_back(e.key());
  }
  size_t examined() const { return examined_; }

 private:
  std::string_view pattern_;
  const ObjType* type_;
  int64_t now_ms_;
  std::vector<std::string>* out_;
  size_t examined_ = 0;
};

}  // namespace

// ---------------------------------------------------------------------------------
// Types and entries

std::string_view TypeName(ObjType type) {
  switch (type) {
    case ObjType::kString:
      return "string";
    case ObjType::kList:
      return "list";
    case ObjType::kSet:
      return "set";
    case ObjType::kZSet:
      return "zset";
    case ObjType::kHash:
      return "hash";
  }
  return "none";
}

bool ParseTypeName(std::string_view name, ObjType* out) {
  static constexpr ObjType kAll[] = {ObjType::kString, ObjType::kList, ObjType::kSet,
                                     ObjType::kZSet, ObjType::kHash};
  for (ObjType t : kAll) {
    if (name == TypeName(t)) {
      *out = t;
      return true;
    }
  }
  return false;
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

// ---------------------------------------------------------------------------------
// Db: lookups and writes

Db::Db(Keyspace* owner, int index) : owner_(owner), index_(index), impl_(new Impl) {
  impl_->memory = owner->memory_counter();
  read_dir_.store(&impl_->dir, std::memory_order_release);
}

Db::~Db() = default;

Table* Db::TableFor(std::string_view key, bool create) {
  std::string_view name = owner_->TableOf(key);
  Table* t = impl_->Get(name);
  if (t == nullptr && create) t = impl_->Create(name);
  return t;
}

const Table* Db::TableFor(std::string_view key) const {
  return impl_->Get(owner_->TableOf(key));
}

Entry* Db::Find(std::string_view key, int64_t now_ms, bool touch) {
  Table* t = TableFor(key, false);
  if (t == nullptr) return nullptr;
  t->RehashStep();
  Entry* e = t->Lookup(key);
  if (e == nullptr) return nullptr;
  if (IsExpired(*e, now_ms)) {
    Impl::Expire(*this, t, e);
    return nullptr;
  }
  if (touch) {
    uint32_t word = e->access_.load(std::memory_order_relaxed);
    uint32_t fresh = access::Touched(word, owner_->access_policy(), now_ms);
    // Skip the store (and the cache-line write) when nothing changed: a hot key's word
    // is stable within a second once its CLOCK ref is saturated.
    if (fresh != word) e->access_.store(fresh, std::memory_order_relaxed);
  }
  return e;
}

const Entry* Db::Peek(std::string_view key, int64_t now_ms) const {
  const Table* t = TableFor(key);
  if (t == nullptr) return nullptr;
  const Entry* e = t->Lookup(key);
  return e != nullptr && !IsExpired(*e, now_ms) ? e : nullptr;
}

Entry* Db::InsertString(std::string_view key, std::string_view value) {
  return InsertString(key, value, 0);
}

Entry* Db::InsertString(std::string_view key, std::string_view value, int64_t expire_at_ms) {
  Entry* e = Impl::NewString(*this, key, value, expire_at_ms);
  Impl::Attach(*this, e);
  return e;
}

Entry* Db::SetString(Entry* e, std::string_view value) {
  Impl::Slot slot = Impl::Locate(*this, e);
  Entry::Shape s = Impl::NextShape(*this, *slot.cur);
  Entry* fresh = Impl::Publish(*this, slot, Entry::CreateString(s, value));
  RetireExternalValue(*slot.cur);  // a collection overwritten by a string
  return fresh;
}

Entry* Db::SetInt(Entry* e, int64_t value) {
  Impl::Slot slot = Impl::Locate(*this, e);
  Entry::Shape s = Impl::NextShape(*this, *slot.cur);
  s.type = ObjType::kString;
  s.is_int = true;
  Entry* fresh = Entry::Create(s);
  std::memcpy(fresh->MutableValue(), &value, sizeof(value));
  Impl::Publish(*this, slot, fresh);
  RetireExternalValue(*slot.cur);  // a collection overwritten by a string
  return fresh;
}

size_t Db::Append(Entry* e, std::string_view tail) {
  Impl::Slot slot = Impl::Locate(*this, e);
  const Entry* cur = slot.cur;
  char scratch[24];
  std::string_view old = cur->StringValue(scratch);  // int -> raw bytes first
  Entry::Shape s = Impl::NextShape(*this, *cur);
  s.type = ObjType::kString;
  s.is_int = false;
  s.value_len = old.size() + tail.size();
  Entry* fresh = Entry::Create(s);
  char* v = fresh->MutableValue();
  if (!old.empty()) std::memcpy(v, old.data(), old.size());
  if (!tail.empty()) std::memcpy(v + old.size(), tail.data(), tail.size());
  Impl::Publish(*this, slot, fresh);
  return s.value_len;
}

size_t Db::SetRange(Entry* e, size_t offset, std::string_view bytes) {
  Impl::Slot slot = Impl::Locate(*this, e);
  const Entry* cur = slot.cur;
  // As Redis: an empty write changes nothing, not even the padding.
  if (bytes.empty()) return cur->StringLength();
  char scratch[24];
  std::string_view old = cur->StringValue(scratch);
  Entry::Shape s = Impl::NextShape(*this, *cur);
  s.type = ObjType::kString;
  s.is_int = false;
  s.value_len = std::max(old.size(), offset + bytes.size());
  Entry* fresh = Entry::Create(s);
  char* v = fresh->MutableValue();
  std::memset(v, 0, s.value_len);
  if (!old.empty()) std::memcpy(v, old.data(), old.size());
  std::memcpy(v + offset, bytes.data(), bytes.size());
  Impl::Publish(*this, slot, fresh);
  return s.value_len;
}

namespace {

size_t TotalSize(std::initializer_list<std::string_view> parts) {
  size_t n = 0;
  for (std::string_view p : parts) n += p.size();
  return n;
}

void Concat(std::initializer_list<std::string_view> parts, char* out) {
  for (std::string_view p : parts) {
    if (!p.empty()) std::memcpy(out, p.data(), p.size());
    out += p.size();
  }
}

}  // namespace

Entry* Db::InsertCollection(std::string_view key, ObjType type,
                            std::initializer_list<std::string_view> parts) {
  Entry::Shape s;
  s.key = key;
  s.type = type;
  s.value_len = TotalSize(parts);
  s.has_lsn = owner_->track_lsn();
  s.lsn = s.has_lsn ? owner_->lsn() : 0;
  s.access = NewAccessWord(*owner_);
  Entry* e = Entry::Create(s);
  Concat(parts, e->MutableValue());
  Impl::Attach(*this, e);
  return e;
}

Entry* Db::SetCollection(Entry* e, ObjType type, std::initializer_list<std::string_view> parts) {
  Impl::Slot slot = Impl::Locate(*this, e);
  Entry::Shape s = Impl::NextShape(*this, *slot.cur);
  s.type = type;
  s.is_int = false;
  s.value_len = TotalSize(parts);
  Entry* fresh = Entry::Create(s);
  Concat(parts, fresh->MutableValue());
  return Impl::Publish(*this, slot, fresh);
}

Entry* Db::SetExpire(Entry* e, int64_t at_ms) {
  Impl::Slot slot = Impl::Locate(*this, e);
  Entry* cur = slot.cur;
  Entry::Shape s = Impl::NextShape(*this, *cur);
  // Even an unchanged deadline is a write: it restamps the LSN.
  if (cur->expire_at_ms() == at_ms && cur->lsn() == s.lsn) return cur;
  return Impl::Publish(*this, slot, Entry::Clone(*cur, cur->key(), at_ms, s.has_lsn, s.lsn));
}

bool Db::Erase(std::string_view key, int64_t now_ms) {
  Table* t = TableFor(key, false);
  if (t == nullptr) return false;
  Entry* e = t->Lookup(key);
  if (e == nullptr) return false;
  if (IsExpired(*e, now_ms)) {
    // Logically absent already: this is its lazy expiry, reported as such.
    Impl::Expire(*this, t, e);
    return false;
  }
  Impl::Detach(*this, t, key);
  return true;
}

void Db::Rename(std::string_view from, std::string_view to) {
  Table* t = TableFor(from, false);
  assert(t != nullptr);
  // The detached entry stays readable (rcu.h invariant 1), so `to` may alias its key.
  const Entry* old = Impl::Detach(*this, t, from, /*keep_value=*/true);
  bool track = owner_->track_lsn();
  Impl::Attach(*this, Entry::Clone(*old, to, old->expire_at_ms(), track, track ? owner_->lsn() : 0));
}

Entry* Db::InsertCopy(std::string_view key, const Entry& src) {
  bool track = owner_->track_lsn();
  Entry* e = Entry::Clone(src, key, src.expire_at_ms(), track, track ? owner_->lsn() : 0);
  if (e->type() != ObjType::kString) CopyExternalValue(e->MutableValue(), e->ValueBytes());
  e->access_.store(NewAccessWord(*owner_), std::memory_order_relaxed);
  Impl::Attach(*this, e);
  return e;
}

void Db::MoveTo(std::string_view key, Db* dst) {
  Table* t = TableFor(key, false);
  assert(t != nullptr && dst != this);
  const Entry* old = Impl::Detach(*this, t, key, /*keep_value=*/true);
  bool track = owner_->track_lsn();
  Impl::Attach(*dst, Entry::Clone(*old, old->key(), old->expire_at_ms(), track,
                                  track ? owner_->lsn() : 0));
}

void Db::Clear() {
  impl_->Clear();
  size_ = 0;
  volatile_size_ = 0;
}

void Db::SwapContents(Db& other) {
  std::swap(impl_, other.impl_);
  std::swap(size_, other.size_);
  std::swap(volatile_size_, other.volatile_size_);
  read_dir_.store(&impl_->dir, std::memory_order_release);
  other.read_dir_.store(&other.impl_->dir, std::memory_order_release);
}

size_t Db::ActiveExpire(int64_t now_ms, size_t max_keys) {
  // Round robin over the tables in name order, from where the last call stopped, each
  // table's own index giving its due entries in deadline order: no sampling, and
  // tables without TTLs cost one comparison.
  size_t removed = 0;
  auto& tables = impl_->by_name;
  auto it = tables.lower_bound(impl_->expire_cursor);
  for (size_t visited = 0, n = tables.size(); visited < n && removed < max_keys; ++visited) {
    if (it == tables.end()) it = tables.begin();
    Table* t = it->second;
    ++it;  // before Expire: emptying t removes it from `tables`
    bool dropped = false;
    while (removed < max_keys && !dropped && t->volatile_items() != 0) {
      Entry* e = t->expiry().FirstDue(now_ms);
      if (e == nullptr) break;
      dropped = t->items() == 1;  // removing the last entry drops the table
      Impl::Expire(*this, t, e);
      ++removed;
    }
    if (removed == max_keys) {
      // Resume at this table next time (it may have more due entries), or at the
      // next one if it is gone.
      if (!dropped) {
        impl_->expire_cursor.assign(t->name());
      } else {
        impl_->expire_cursor.assign(it == tables.end() ? std::string_view() : it->first);
      }
      return removed;
    }
  }
  impl_->expire_cursor.clear();
  return removed;
}

bool Db::RandomKey(int64_t now_ms, std::string* out) {
  // Each miss removes an expired entry, so the loop always makes progress; it is
  // bounded so a db full of due keys costs at most kTries removals per call.
  constexpr int kTries = 100;
  for (int i = 0; i < kTries && size_ > 0; ++i) {
    Table* t = impl_->PickWeighted(size_);
    Entry* e = t->RandomEntry(impl_->rng);
    if (!IsExpired(*e, now_ms)) {
      out->assign(e->key());
      return true;
    }
    Impl::Expire(*this, t, e);
  }
  if (size_ == 0) return false;
  // Unlucky or mostly expired: the latest deadline is live if any volatile key is...
  for (auto& [name, t] : impl_->by_name) {
    if (Entry* e = t->expiry().Latest(); e != nullptr && !IsExpired(*e, now_ms)) {
      out->assign(e->key());
      return true;
    }
  }
  // ...otherwise only a persistent entry can be live.
  for (auto& [name, t] : impl_->by_name) {
    if (t->items() == t->volatile_items()) continue;
    const Entry* found = t->FindIf([](const Entry& e) { return e.expire_at_ms() == 0; });
    if (found != nullptr) {
      out->assign(found->key());
      return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------
// Db: iteration

uint64_t Db::Scan(uint64_t cursor, std::string_view pattern, size_t count, const ObjType* type,
                  int64_t now_ms, std::vector<std::string>* out) const {
  if (pattern == "*") pattern = {};
  PatternScope scope = ScopeOf(pattern, owner_->options().table_separator);
  KeyCollector collector(pattern, type, now_ms, out);
  if (scope.kind == PatternScope::kKey) {
    if (const Entry* e = Peek(pattern, now_ms)) collector.Visit(*e);
    return 0;
  }
  count = std::max<size_t>(count, 1);
  // Bounds the work on sparse stretches (empty buckets) as Redis's maxiterations.
  const size_t max_steps = count > SIZE_MAX / 10 ? SIZE_MAX : count * 10;
  size_t steps = 0;

  if (scope.kind == PatternScope::kTable) {
    const Table* t = impl_->Get(scope.table);
    if (t == nullptr) return 0;
    const Table* group[] = {t};
    do {
      cursor = ScanGroup(group, cursor, collector);
    } while (cursor != 0 && collector.examined() < count && ++steps < max_steps);
    return cursor;
  }

  // Whole db: groups in scan_hash order, cursor = scan_hash << 40 | in-group cursor.
  // A group that vanished since the last call is skipped; its successor starts at 0.
  const auto& groups = impl_->by_scan_hash;
  auto it = groups.lower_bound(uint32_t(cursor >> kInnerCursorBits));
  if (it == groups.end()) return 0;
  uint64_t inner = it->first == (cursor >> kInnerCursorBits) ? cursor & kInnerCursorMask : 0;
  for (;;) {
    inner = ScanGroup(it->second, inner, collector);
    assert((inner & ~kInnerCursorMask) == 0);
    if (inner == 0 && ++it == groups.end()) return 0;
    if (collector.examined() >= count || ++steps >= max_steps) {
      // Never 0: a group at scan_hash 0 is only ever entered at inner 0 from cursor 0.
      return (uint64_t(it->first) << kInnerCursorBits) | inner;
    }
  }
}

void Db::Keys(std::string_view pattern, int64_t now_ms, std::vector<std::string>* out) const {
  if (pattern == "*") pattern = {};
  PatternScope scope = ScopeOf(pattern, owner_->options().table_separator);
  KeyCollector collector(pattern, nullptr, now_ms, out);
  auto visit = [&](const Entry& e) { collector.Visit(e); };
  switch (scope.kind) {
    case PatternScope::kKey:
      if (const Entry* e = Peek(pattern, now_ms)) visit(*e);
      return;
    case PatternScope::kTable:
      if (const Table* t = impl_->Get(scope.table)) t->ForEach(visit);
      return;
    case PatternScope::kAll:
      for (const auto& [name, t] : impl_->by_name) t->ForEach(visit);
      return;
  }
}

// ---------------------------------------------------------------------------------
// Db: readers (READER-SAFE)

const Entry* Db::ReadFind(std::string_view key, int64_t now_ms) const {
  const Table* t = ReaderDirectory()->Find(owner_->TableOf(key));
  if (t == nullptr) return nullptr;
  const Entry* e = t->Lookup(key);
  return e != nullptr && !IsExpired(*e, now_ms) ? e : nullptr;
}

namespace {

class CallbackVisitor final : public EntryVisitor {
 public:
  CallbackVisitor(std::string_view pattern, int64_t now_ms,
                  const std::function<void(const Entry&)>& fn)
      : pattern_(pattern), now_ms_(now_ms), fn_(fn) {}
  void Visit(const Entry& e) override {
    ++examined_;
    if (IsExpired(e, now_ms_)) return;
    if (!pattern_.empty() && !GlobMatch(pattern_, e.key())) return;
    fn_(e);
  }
  size_t examined() const { return examined_; }

 private:
  std::string_view pattern_;
  int64_t now_ms_;
  const std::function<void(const Entry&)>& fn_;
  size_t examined_ = 0;
};

}  // namespace

uint64_t Db::ReadScan(uint64_t cursor, std::string_view pattern, size_t count, int64_t now_ms,
                      const std::function<void(const Entry&)>& fn) const {
  ReadSection section;
  if (pattern == "*") pattern = {};
  PatternScope scope = ScopeOf(pattern, owner_->options().table_separator);
  CallbackVisitor visitor(pattern, now_ms, fn);
  if (scope.kind == PatternScope::kKey) {
    if (const Entry* e = ReadFind(pattern, now_ms)) visitor.Visit(*e);
    return 0;
  }
  count = std::max<size_t>(count, 1);
  const size_t max_steps = count > SIZE_MAX / 10 ? SIZE_MAX : count * 10;
  size_t steps = 0;
  const TableDirectory* dir = ReaderDirectory();

  if (scope.kind == PatternScope::kTable) {
    const Table* t = dir->Find(scope.table);
    if (t == nullptr) return 0;
    const Table* group[] = {t};
    do {
      cursor = ReadScanGroup(group, cursor, visitor);
    } while (cursor != 0 && visitor.examined() < count && ++steps < max_steps);
    return cursor;
  }

  // Whole db, as Scan(): groups in scan_hash order. The directory has no order, so
  // this call sorts the tables it needs (O(tables log tables)).
  std::vector<const Table*> tables;
  uint32_t from = uint32_t(cursor >> kInnerCursorBits);
  dir->ForEach([&](const Table& t) {
    if (t.scan_hash() >= from) tables.push_back(&t);
  });
  std::sort(tables.begin(), tables.end(), [](const Table* a, const Table* b) {
    return a->scan_hash() < b->scan_hash();
  });
  size_t i = 0;
  uint64_t inner = 0;
  if (!tables.empty() && tables[0]->scan_hash() == from) inner = cursor & kInnerCursorMask;
  while (i < tables.size()) {
    size_t j = i;
    while (j < tables.size() && tables[j]->scan_hash() == tables[i]->scan_hash()) ++j;
    std::span<const Table* const> group(tables.data() + i, j - i);
    inner = ReadScanGroup(group, inner, visitor);
    if (inner == 0) {
      i = j;
      if (i == tables.size()) return 0;
    }
    if (visitor.examined() >= count || ++steps >= max_steps) {
      return (uint64_t(tables[i]->scan_hash()) << kInnerCursorBits) | inner;
    }
  }
  return 0;
}

void Db::ReadTables(const std::function<void(const TableStats&)>& fn) const {
  ReadSection section;
  ReaderDirectory()->ForEach([&](const Table& t) { fn(t.Stats()); });
}

void Db::ForEachTable(const std::function<void(const TableStats&)>& fn) const {
  for (const auto& [name, t] : impl_->by_name) fn(t->Stats());
}

size_t Db::DropTable(std::string_view name, int64_t now_ms) {
  Table* t = impl_->Get(name);
  if (t == nullptr) return 0;
  size_t live = t->items() - t->expiry().CountDue(now_ms);
  size_ -= t->items();
  volatile_size_ -= t->volatile_items();
  // Unpublished now; the table, its entries and its expiry index are freed by liburcu's
  // thread after a grace period (table.h invariant 9), so the loop pays O(1) here.
  impl_->Drop(t);
  return live;
}

void Db::CountLookup(std::string_view key, bool hit) {
  if (Table* t = TableFor(key, false)) t->CountLookup(hit);
}

// ---------------------------------------------------------------------------------
// Db: eviction support (engine/eviction.h)

bool Db::Evict(std::string_view key, bool volatile_only, uint32_t max_ref) {
  Table* t = TableFor(key, false);
  if (t == nullptr) return false;
  const Entry* e = t->Lookup(key);
  if (e == nullptr || (volatile_only && e->expire_at_ms() == 0)) return false;
  if (access::Ref(e->access_word()) > max_ref) return false;
  // `key` may point into the entry itself (a caller's view); the retired entry stays
  // readable until the next QuiescentPoint (rcu.h invariant 1).
  const Entry* gone = Impl::Detach(*this, t, key);
  if (KeyObserver* obs = owner_->observer()) {
    obs->OnKeyRemoved(index_, gone->key(), RemoveReason::kEvicted);
  }
  owner_->CountEvicted();
  return true;
}

Entry* Db::RandomEntry(bool volatile_only) {
  if (!volatile_only) return size_ == 0 ? nullptr : impl_->PickWeighted(size_)->RandomEntry(impl_->rng);
  if (volatile_size_ == 0) return nullptr;
  size_t r = size_t(impl_->rng() % volatile_size_);
  for (auto& [name, t] : impl_->by_name) {
    size_t n = t->expiry().size();
    if (r < n) return t->expiry().Nth(size_t(impl_->rng() % n));
    r -= n;
  }
  return nullptr;  // unreachable while volatile_size_ == sum of the tables' indexes
}

Entry* Db::EarliestDeadline() {
  Entry* best = nullptr;
  for (auto& [name, t] : impl_->by_name) {
    if (t->volatile_items() == 0) continue;
    Entry* e = t->expiry().FirstDue(INT64_MAX);
    if (best == nullptr || e->expire_at_ms() < best->expire_at_ms()) best = e;
  }
  return best;
}

Table* Db::TableFrom(std::string_view name, bool inclusive) {
  auto& tables = impl_->by_name;
  auto it = inclusive ? tables.lower_bound(name) : tables.upper_bound(name);
  return it == tables.end() ? nullptr : it->second;
}

bool Db::GetTableStats(std::string_view name, TableStats* out) const {
  const Table* t = impl_->Get(name);
  if (t == nullptr) return false;
  *out = t->Stats();
  return true;
}

// ---------------------------------------------------------------------------------
// Keyspace

Keyspace::Keyspace(int num_dbs, EngineOptions options) : options_(options) {
  EnsureWriterThread();
  dbs_.reserve(size_t(num_dbs));
  for (int i = 0; i < num_dbs; ++i) dbs_.push_back(std::make_unique<Db>(this, i));
}

Keyspace::~Keyspace() {
  dbs_.clear();
  DrainRetired();
}

std::string_view Keyspace::TableOf(std::string_view key) const {
  size_t pos = key.find(options_.table_separator);
  return pos == std::string_view::npos ? key.substr(0, 0) : key.substr(0, pos);
}

void Keyspace::SwapDbs(int a, int b) {
  if (a == b) return;
  // Seqlock write side (ReadSwapSeq): odd, release fence, the swap, even.
  uint64_t seq = swap_seq_.load(std::memory_order_relaxed);
  swap_seq_.store(seq + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  db(a).SwapContents(db(b));
  swap_seq_.store(seq + 2, std::memory_order_release);
}

void Keyspace::FlushAll() {
  for (auto& d : dbs_) d->Clear();
}

}  // namespace brisk::engine
