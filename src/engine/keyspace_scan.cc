// Db: SCAN, KEYS and the lock-free readers (ReadFind, ReadScan, ReadTables); the rest
// of Db is in keyspace.cc.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/glob.h"
#include "engine/keyspace.h"
#include "engine/keyspace_impl.h"
#include "engine/rcu.h"
#include "engine/table.h"

namespace brisk::engine {

namespace {

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
  std::sort(tables.begin(), tables.end(),
            [](const Table* a, const Table* b) { return a->scan_hash() < b->scan_hash(); });
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

}  // namespace brisk::engine
