#include "engine/keyspace.h"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <map>
#include <random>
#include <unordered_map>
#include <utility>

#include "common/clock.h"
#include "common/glob.h"
#include "common/numbers.h"
#include "engine/expiry_index.h"
#include "engine/table.h"

namespace brisk::engine {

namespace {

// Capacity of a std::string's inline buffer: strings within it own no heap block.
const size_t kInlineStringCapacity = std::string().capacity();

size_t HeapBytes(const std::string& s) {
  return s.capacity() > kInlineStringCapacity ? s.capacity() + 1 : 0;
}

bool IsExpired(const Entry& e, int64_t now_ms) {
  return e.expire_at_ms() != 0 && e.expire_at_ms() <= now_ms;
}

uint32_t SecondsClock(int64_t now_ms) {
  return uint32_t(now_ms / 1000);
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

std::string_view Entry::StringValue(char* scratch) const {
  if (is_int_) return {scratch, FormatInt64(int_, scratch)};
  return str_;
}

size_t Entry::StringLength() const {
  if (!is_int_) return str_.size();
  char buf[24];
  return FormatInt64(int_, buf);
}

std::string_view Entry::EncodingName() const {
  if (is_int_) return "int";
  return str_.size() <= 44 ? "embstr" : "raw";
}

// The Entry object itself plus the heap blocks of its key and value strings (their
// capacity + 1 for the terminator when not held inline). Allocator rounding and the
// bucket slot are not counted. Depends only on the entry's state, so a table's sum
// stays exact when callers recompute it around a change (table.h invariant 3).
size_t Entry::MemoryBytes() const {
  return sizeof(Entry) + HeapBytes(key_) + HeapBytes(str_);
}

// ---------------------------------------------------------------------------------
// Db internals

struct Db::Impl {
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return Table::HashKey(s); }
  };

  // Owns the tables (invariant 5: only non-empty ones).
  std::unordered_map<std::string, std::unique_ptr<Table>, NameHash, std::equal_to<>> tables;
  // Views of the same tables: by name for ForEachTable, and grouped by scan_hash in
  // the order a whole-db SCAN walks them. Keys view Table::name(), stable while the
  // table lives.
  std::map<std::string_view, Table*> by_name;
  std::map<uint32_t, std::vector<const Table*>> by_scan_hash;
  // The last table looked up; cleared when a table is dropped.
  mutable Table* last = nullptr;
  ExpiryIndex expiry;
  std::mt19937_64 rng{0x5eed'b415'c0ffee};

  Table* Get(std::string_view name) const {
    if (last != nullptr && last->name() == name) return last;
    auto it = tables.find(name);
    if (it == tables.end()) return nullptr;
    last = it->second.get();
    return last;
  }

  Table* Create(std::string_view name) {
    auto owned = std::make_unique<Table>(std::string(name));
    Table* t = owned.get();
    tables.emplace(t->name(), std::move(owned));
    by_name.emplace(t->name(), t);
    by_scan_hash[t->scan_hash()].push_back(t);
    last = t;
    return t;
  }

  void Drop(Table* t) {
    if (last == t) last = nullptr;
    by_name.erase(t->name());
    auto group = by_scan_hash.find(t->scan_hash());
    std::erase(group->second, t);
    if (group->second.empty()) by_scan_hash.erase(group);
    tables.erase(tables.find(t->name()));
  }

  void Clear() {
    last = nullptr;
    expiry.Clear();
    by_scan_hash.clear();
    by_name.clear();
    tables.clear();
  }

  Table* PickWeighted(size_t total) {
    size_t r = size_t(rng() % total);
    for (auto& [name, t] : by_name) {
      if (r < t->items()) return t;
      r -= t->items();
    }
    return nullptr;  // unreachable while total == sum of items
  }

  // Links a detached entry into `db` (counters, expiry index, table creation). A
  // stale expired entry with the same key (callers checked absence with Peek, say)
  // is expired first so keys stay unique.
  static void Attach(Db& db, Entry* e) {
    std::string_view name = db.owner_->TableOf(e->key_);
    Table* t = db.impl_->Get(name);
    if (t != nullptr && t->volatile_items() != 0) {
      if (Entry* stale = t->Lookup(e->key_)) {
        assert(stale->expire_at_ms_ != 0 && "REQUIRES: key absent");
        Expire(db, t, stale);
        t = db.impl_->Get(name);
      }
    }
    if (t == nullptr) t = db.impl_->Create(name);
    t->Link(e);
    ++db.size_;
    if (e->expire_at_ms_ != 0) {
      db.impl_->expiry.Add(e->expire_at_ms_, e);
      ++db.volatile_size_;
    }
  }

  // Unlinks `key` from `t` (counters, expiry index, empty-table removal) and hands the
  // entry to the caller. REQUIRES: key is linked in t.
  static Entry* Detach(Db& db, Table* t, std::string_view key) {
    Entry* e = t->Unlink(key);
    assert(e != nullptr);
    --db.size_;
    if (e->expire_at_ms_ != 0) {
      db.impl_->expiry.Remove(e->expire_at_ms_, e);
      --db.volatile_size_;
    }
    if (t->items() == 0) db.impl_->Drop(t);
    return e;
  }

  // Removes an expired entry: unlink, tell the observer (before the free, so the key
  // view is valid), count, free.
  static void Expire(Db& db, Table* t, Entry* e) {
    Detach(db, t, e->key_);
    if (KeyObserver* obs = db.owner_->observer()) {
      obs->OnKeyRemoved(db.index_, e->key_, RemoveReason::kExpired);
    }
    db.owner_->CountExpired();
    delete e;
  }

  // Runs fn() to change a linked entry's value and keeps its table's bytes exact.
  template <typename Fn>
  static void Mutate(Db& db, Entry* e, Fn&& fn) {
    Table* t = db.TableFor(e->key_, false);
    assert(t != nullptr && t->Lookup(e->key_) == e);
    size_t before = e->MemoryBytes();
    fn();
    t->AccountResize(before, e->MemoryBytes());
    e->lsn_ = db.owner_->lsn();
  }

  static void AssignString(Entry* e, std::string_view value) {
    e->type_ = ObjType::kString;
    int64_t n = 0;
    if (ParseInt64(value, &n)) {
      e->is_int_ = true;
      e->int_ = n;
      std::string().swap(e->str_);
      return;
    }
    e->is_int_ = false;
    e->int_ = 0;
    // Do not keep a much larger old buffer around.
    if (e->str_.capacity() > 2 * value.size() + 32) {
      std::string(value).swap(e->str_);
    } else {
      e->str_.assign(value);
    }
  }

  // Int encoding -> raw bytes (APPEND / SETRANGE work on bytes).
  static void ToRaw(Entry* e) {
    if (!e->is_int_) return;
    char buf[24];
    e->str_.assign(buf, FormatInt64(e->int_, buf));
    e->is_int_ = false;
    e->int_ = 0;
  }

  static Entry* NewEntry(Db& db, std::string_view key) {
    Entry* e = Table::NewEntry(key);
    e->lsn_ = db.owner_->lsn();
    e->access_s_ = SecondsClock(clock::CachedUnixMs());
    return e;
  }
};

// ---------------------------------------------------------------------------------
// Db: lookups and writes

Db::Db(Keyspace* owner, int index) : owner_(owner), index_(index), impl_(new Impl) {}

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
  if (touch) e->access_s_ = SecondsClock(now_ms);
  return e;
}

const Entry* Db::Peek(std::string_view key, int64_t now_ms) const {
  const Table* t = TableFor(key);
  if (t == nullptr) return nullptr;
  const Entry* e = t->Lookup(key);
  return e != nullptr && !IsExpired(*e, now_ms) ? e : nullptr;
}

Entry* Db::InsertString(std::string_view key, std::string_view value) {
  Entry* e = Impl::NewEntry(*this, key);
  Impl::AssignString(e, value);
  Impl::Attach(*this, e);
  return e;
}

void Db::SetString(Entry* e, std::string_view value) {
  Impl::Mutate(*this, e, [&] { Impl::AssignString(e, value); });
}

void Db::SetInt(Entry* e, int64_t value) {
  Impl::Mutate(*this, e, [&] {
    e->type_ = ObjType::kString;
    e->is_int_ = true;
    e->int_ = value;
    std::string().swap(e->str_);
  });
}

size_t Db::Append(Entry* e, std::string_view tail) {
  Impl::Mutate(*this, e, [&] {
    Impl::ToRaw(e);
    e->str_.append(tail);
  });
  return e->str_.size();
}

size_t Db::SetRange(Entry* e, size_t offset, std::string_view bytes) {
  // As Redis: an empty write changes nothing, not even the padding.
  if (bytes.empty()) return e->StringLength();
  Impl::Mutate(*this, e, [&] {
    Impl::ToRaw(e);
    if (e->str_.size() < offset + bytes.size()) e->str_.resize(offset + bytes.size(), '\0');
    std::copy(bytes.begin(), bytes.end(), e->str_.begin() + std::ptrdiff_t(offset));
  });
  return e->str_.size();
}

void Db::SetExpire(Entry* e, int64_t at_ms) {
  Table* t = TableFor(e->key_, false);
  assert(t != nullptr && t->Lookup(e->key_) == e);
  e->lsn_ = owner_->lsn();
  int64_t old = e->expire_at_ms_;
  if (old == at_ms) return;
  if (old != 0) impl_->expiry.Remove(old, e);
  if (at_ms != 0) impl_->expiry.Add(at_ms, e);
  volatile_size_ = volatile_size_ - size_t(old != 0) + size_t(at_ms != 0);
  t->AccountVolatile(old != 0, at_ms != 0);
  e->expire_at_ms_ = at_ms;
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
  delete Impl::Detach(*this, t, key);
  return true;
}

void Db::Rename(std::string_view from, std::string_view to) {
  Table* t = TableFor(from, false);
  assert(t != nullptr);
  std::string new_key(to);  // before the detach: `to` may alias the entry's own key
  Entry* e = Impl::Detach(*this, t, from);
  e->key_ = std::move(new_key);
  e->lsn_ = owner_->lsn();
  Impl::Attach(*this, e);
}

Entry* Db::InsertCopy(std::string_view key, const Entry& src) {
  Entry* e = Impl::NewEntry(*this, key);
  e->str_ = src.str_;
  e->int_ = src.int_;
  e->expire_at_ms_ = src.expire_at_ms_;
  e->type_ = src.type_;
  e->is_int_ = src.is_int_;
  Impl::Attach(*this, e);
  return e;
}

void Db::MoveTo(std::string_view key, Db* dst) {
  Table* t = TableFor(key, false);
  assert(t != nullptr && dst != this);
  Entry* e = Impl::Detach(*this, t, key);
  e->lsn_ = owner_->lsn();
  Impl::Attach(*dst, e);
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
}

size_t Db::ActiveExpire(int64_t now_ms, size_t max_keys) {
  size_t removed = 0;
  while (removed < max_keys) {
    Entry* e = impl_->expiry.FirstDue(now_ms);
    if (e == nullptr) break;
    Impl::Expire(*this, TableFor(e->key_, false), e);
    ++removed;
  }
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
      out->assign(e->key_);
      return true;
    }
    Impl::Expire(*this, t, e);
  }
  if (size_ == 0) return false;
  // Unlucky or mostly expired: the latest deadline is live if any volatile key is...
  if (Entry* e = impl_->expiry.Latest(); e != nullptr && !IsExpired(*e, now_ms)) {
    out->assign(e->key_);
    return true;
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

void Db::ForEachTable(const std::function<void(const TableStats&)>& fn) const {
  for (const auto& [name, t] : impl_->by_name) fn(t->Stats());
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
  dbs_.reserve(size_t(num_dbs));
  for (int i = 0; i < num_dbs; ++i) dbs_.push_back(std::make_unique<Db>(this, i));
}

Keyspace::~Keyspace() = default;

std::string_view Keyspace::TableOf(std::string_view key) const {
  size_t pos = key.find(options_.table_separator);
  return pos == std::string_view::npos ? key.substr(0, 0) : key.substr(0, pos);
}

void Keyspace::SwapDbs(int a, int b) {
  if (a != b) db(a).SwapContents(db(b));
}

void Keyspace::FlushAll() {
  for (auto& d : dbs_) d->Clear();
}

}  // namespace brisk::engine
