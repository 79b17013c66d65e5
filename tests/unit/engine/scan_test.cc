// Db::Scan and Db::Keys: SCAN's guarantee across tables, table-restricted patterns,
// cursor continuity across tables.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "engine/keyspace.h"
#include "engine/table.h"
#include "engine_test_util.h"

namespace brisk::engine {
namespace {

using testing::CheckAccounting;
using testing::FullScan;

constexpr int64_t kNow = 1'700'000'000'000;

std::string Key(std::string_view table, int i) {
  return table.empty() ? "k" + std::to_string(i) : std::string(table) + ":" + std::to_string(i);
}

// Inserts `key` and returns it.
std::string MakeKey(Db& db, const std::string& key) {
  db.InsertString(key, "v");
  return key;
}

std::set<std::string> AsSet(const std::vector<std::string>& v) {
  return {v.begin(), v.end()};
}

// Two table names with the same 24-bit scan hash (found by birthday search).
std::vector<std::pair<std::string, std::string>> CollidingTableNames(size_t pairs) {
  std::unordered_map<uint32_t, std::string> seen;
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 0; out.size() < pairs; ++i) {
    std::string name = "c" + std::to_string(i);
    auto [it, fresh] = seen.emplace(Table::ScanHashOf(name), name);
    if (!fresh) out.emplace_back(it->second, name);
  }
  return out;
}

TEST_CASE("SCAN without changes returns every key exactly once", "[engine][scan]") {
  Keyspace ks(1, {});
  Db& db = ks.db(0);
  std::set<std::string> all;
  for (int t = 0; t < 50; ++t) {
    std::string table = t == 0 ? "" : "t" + std::to_string(t);
    for (int i = 0; i < t * 7 + 1; ++i) all.insert(Key(table, i));
  }
  for (const auto& k : all) db.InsertString(k, "v");
  for (size_t count : {size_t{1}, size_t{3}, size_t{10}, size_t{100000}, SIZE_MAX}) {
    INFO("count " << count);
    auto run = FullScan(db, "", count, kNow);
    CHECK(run.keys.size() == all.size());
    CHECK(AsSet(run.keys) == all);
    if (count >= 100000) CHECK(run.calls == 1);
  }
  CHECK(FullScan(Keyspace(1, {}).db(0), "", 10, kNow).keys.empty());
}

TEST_CASE("SCAN filters expired entries, type and pattern", "[engine][scan]") {
  Keyspace ks(1, {});
  Db& db = ks.db(0);
  for (int i = 0; i < 100; ++i) db.InsertString(Key("a", i), "v");
  for (int i = 0; i < 10; ++i) db.SetExpire(db.Find(Key("a", i), kNow), kNow);
  db.InsertString("b:x", "v");
  CHECK(FullScan(db, "", 7, kNow).keys.size() == 91);
  CHECK(FullScan(db, "", 7, kNow - 1).keys.size() == 101);
  CHECK(db.size() == 101);  // Scan is const: nothing removed
  ObjType str = ObjType::kString, hash = ObjType::kHash;
  CHECK(FullScan(db, "", 7, kNow, &str).keys.size() == 91);
  CHECK(FullScan(db, "", 7, kNow, &hash).keys.empty());
  CHECK(AsSet(FullScan(db, "a:5?", 7, kNow).keys).size() == 10);
  CHECK(FullScan(db, "*x", 7, kNow).keys == std::vector<std::string>{"b:x"});
  // Exact pattern: a lookup, done in one call.
  std::vector<std::string> out;
  CHECK(db.Scan(0, "a:50", 10, nullptr, kNow, &out) == 0);
  CHECK(out == std::vector<std::string>{"a:50"});
  out.clear();
  CHECK(db.Scan(0, "a:5", 10, nullptr, kNow, &out) == 0);  // expired
  CHECK(out.empty());
}

TEST_CASE("SCAN MATCH table:* walks only that table", "[engine][scan]") {
  Keyspace ks(1, {});
  Db& db = ks.db(0);
  std::set<std::string> t1;
  for (int i = 0; i < 1000; ++i) t1.insert(MakeKey(db, Key("t1", i)));
  for (int i = 0; i < 100000; ++i) db.InsertString(Key("big", i), "v");
  for (int i = 0; i < 20000; ++i) db.InsertString(Key("", i), "v");
  for (int i = 0; i < 500; ++i) db.InsertString("t1x" + std::to_string(i), "v");  // table ""

  auto run = FullScan(db, "t1:*", 10, kNow);
  CHECK(AsSet(run.keys) == t1);
  // ~1000 entries at >= 10 per call, not ~121k / 10.
  CHECK(run.calls <= 1000 / 10 + 2);

  auto some = FullScan(db, "t1:4*", 10, kNow);
  CHECK(AsSet(some.keys).size() == 111);  // 4, 40-49, 400-499
  CHECK(some.calls <= 1000 / 10 + 2);

  CHECK(FullScan(db, "nope:*", 10, kNow).calls == 1);
  CHECK(FullScan(db, "nope:*", 10, kNow).keys.empty());

  // Prefix without a separator: the whole db is walked, the filter still applies.
  auto wide = FullScan(db, "t1*", 1000, kNow);
  CHECK(AsSet(wide.keys).size() == 1500);
  CHECK(wide.calls >= 121500 / 1000);
}

TEST_CASE("SCAN over 1000 tiny tables", "[engine][scan]") {
  Keyspace ks(1, {});
  Db& db = ks.db(0);
  std::set<std::string> all;
  for (int t = 0; t < 1000; ++t) {
    for (int i = 0; i < 1 + t % 3; ++i) {
      std::string k = Key("tiny" + std::to_string(t), i);
      db.InsertString(k, "v");
      all.insert(k);
    }
  }
  REQUIRE(db.size() == all.size());
  for (size_t count : {1, 10, 250}) {
    auto run = FullScan(db, "", count, kNow);
    CHECK(run.keys.size() == all.size());
    CHECK(AsSet(run.keys) == all);
    CHECK(run.calls <= all.size() / count + 2);
  }
}

TEST_CASE("SCAN continues across tables within one call", "[engine][scan]") {
  Keyspace ks(1, {});
  Db& db = ks.db(0);
  std::set<std::string> all;
  for (int t = 0; t < 100; ++t) all.insert(MakeKey(db, Key("s" + std::to_string(t), 0)));

  std::vector<std::string> out;
  uint64_t cursor = db.Scan(0, "", 50, nullptr, kNow, &out);
  CHECK(cursor != 0);
  CHECK(out.size() >= 50);  // many tables visited in one call
  CHECK(out.size() < 100);
  cursor = db.Scan(cursor, "", 1000, nullptr, kNow, &out);
  CHECK(cursor == 0);
  CHECK(out.size() == 100);
  CHECK(AsSet(out) == all);

  // The table the cursor points into disappears between calls: the walk resumes at
  // the next table, and every other key is still returned.
  out.clear();
  cursor = 0;
  std::set<std::string> erased;
  while (true) {
    cursor = db.Scan(cursor, "", 1, nullptr, kNow, &out);
    if (cursor == 0) break;
    // Drop the table the cursor names (its scan_hash is the cursor's top 24 bits).
    uint32_t h = uint32_t(cursor >> 40);
    for (int t = 0; t < 100; ++t) {
      std::string k = Key("s" + std::to_string(t), 0);
      if (Table::ScanHashOf("s" + std::to_string(t)) == h && db.Erase(k, kNow)) {
        erased.insert(k);
      }
    }
  }
  CHECK(!erased.empty());
  for (const auto& k : all) {
    if (!erased.count(k)) CHECK(AsSet(out).count(k) == 1);
  }
  CheckAccounting(ks, db);
}

// The guarantee with keys inserted and deleted between calls, tables growing and
// shrinking, tables appearing and vanishing, and colliding 24-bit table hashes.
void CheckGuaranteeUnderChurn(uint64_t seed, std::string_view pattern) {
  Keyspace ks(1, {});
  Db& db = ks.db(0);
  std::mt19937_64 rng(seed);
  auto [ca, cb] = CollidingTableNames(1)[0];
  std::vector<std::string> tables = {"", "t1", "t2", "t3", ca, cb};
  std::unordered_map<std::string, std::vector<std::string>> linked;  // per table
  int next_id = 0;
  auto insert = [&](const std::string& t, int n) {
    for (int i = 0; i < n; ++i) {
      std::string k = Key(t, next_id++);
      db.InsertString(k, "v");
      linked[t].push_back(k);
    }
  };
  std::unordered_set<std::string> throughout;
  auto erase = [&](const std::string& t, size_t n) {
    auto& keys = linked[t];
    while (n-- > 0 && !keys.empty()) {
      size_t i = size_t(rng() % keys.size());
      std::swap(keys[i], keys.back());
      REQUIRE(db.Erase(keys.back(), kNow));
      throughout.erase(keys.back());
      keys.pop_back();
    }
  };
  insert("t1", 10000);
  for (const auto& t : tables) insert(t, int(rng() % 500) + 1);
  for (const auto& [t, keys] : linked) throughout.insert(keys.begin(), keys.end());

  std::vector<std::string> out;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    cursor = db.Scan(cursor, pattern, 1 + rng() % 40, nullptr, kNow, &out);
    ++calls;
    const std::string& t = tables[rng() % tables.size()];
    switch (rng() % 6) {
      case 0:
        insert(t, int(rng() % 300));
        break;
      case 1:
        erase(t, rng() % 300);
        break;
      case 2:  // grow a lot, then shrink a lot
        insert(t, 10000);
        erase(t, 9000 + rng() % 1000);
        break;
      case 3:
        erase(t, SIZE_MAX);
        break;  // the table vanishes
      default:
        break;
    }
    REQUIRE(calls < 1000000);
  } while (cursor != 0);
  INFO("seed " << seed << " pattern " << pattern << " calls " << calls);
  std::unordered_set<std::string> got(out.begin(), out.end());
  std::vector<std::string> missing, foreign;
  for (const auto& k : throughout) {
    if ((pattern.empty() || k.rfind("t1:", 0) == 0) && got.count(k) == 0) missing.push_back(k);
  }
  for (const auto& k : got) {
    if (!pattern.empty() && k.rfind("t1:", 0) != 0) foreign.push_back(k);
  }
  CHECK(missing.empty());
  CHECK(foreign.empty());
  CheckAccounting(ks, db);
}

TEST_CASE("SCAN guarantee under churn: grow, shrink, tables come and go", "[engine][scan]") {
  for (uint64_t seed = 1; seed <= (testing::kUnderTsan ? 2 : 6); ++seed) {
    CheckGuaranteeUnderChurn(seed, "");
    CheckGuaranteeUnderChurn(seed, "t1:*");
  }
}

TEST_CASE("SCAN guarantee: insert 10k then delete 9k mid-iteration", "[engine][scan]") {
  Keyspace ks(1, {});
  Db& db = ks.db(0);
  std::set<std::string> initial;
  for (int i = 0; i < 2000; ++i) initial.insert(MakeKey(db, Key("t", i)));
  for (int i = 0; i < 300; ++i) initial.insert(MakeKey(db, Key("u", i)));
  for (const char* pattern : {"", "t:*"}) {
    std::vector<std::string> out;
    uint64_t cursor = 0;
    int calls = 0;
    do {
      cursor = db.Scan(cursor, pattern, 10, nullptr, kNow, &out);
      if (++calls == 20) {
        for (int i = 0; i < 10000; ++i) db.InsertString(Key("t", 100000 + i), "v");
      }
      if (calls == 40) {
        for (int i = 0; i < 9000; ++i) REQUIRE(db.Erase(Key("t", 100000 + i), kNow));
        CheckAccounting(ks, db);
      }
      if (calls == 60) {
        for (int i = 9000; i < 10000; ++i) REQUIRE(db.Erase(Key("t", 100000 + i), kNow));
      }
    } while (cursor != 0);
    REQUIRE(calls > 60);
    auto got = AsSet(out);
    for (const auto& k : initial) {
      if (*pattern == '\0' || k[0] == 't') REQUIRE(got.count(k) == 1);
    }
  }
}

TEST_CASE("SCAN over tables whose 24-bit hashes collide", "[engine][scan]") {
  Keyspace ks(1, {});
  Db& db = ks.db(0);
  auto pairs = CollidingTableNames(3);
  std::set<std::string> all;
  int n = 1;
  for (const auto& [a, b] : pairs) {
    REQUIRE(Table::ScanHashOf(a) == Table::ScanHashOf(b));
    for (int i = 0; i < n; ++i) all.insert(MakeKey(db, Key(a, i)));
    for (int i = 0; i < n * 37; ++i) all.insert(MakeKey(db, Key(b, i)));
    n *= 10;
  }
  for (size_t count : {1, 5, 1000}) {
    auto run = FullScan(db, "", count, kNow);
    CHECK(AsSet(run.keys) == all);
    CHECK(run.keys.size() == all.size());  // no resize: no repeats
  }
}

TEST_CASE("KEYS: whole db, one table, exact key", "[engine][scan]") {
  Keyspace ks(1, {});
  Db& db = ks.db(0);
  for (int i = 0; i < 300; ++i) db.InsertString(Key("a", i), "v");
  for (int i = 0; i < 300; ++i) db.InsertString(Key("ab", i), "v");
  for (int i = 0; i < 30; ++i) db.InsertString(Key("", i), "v");
  db.SetExpire(db.Find("a:7", kNow), kNow);
  std::vector<std::string> out;
  db.Keys("a:*", kNow, &out);
  CHECK(out.size() == 299);
  for (const auto& k : out) CHECK(k.rfind("a:", 0) == 0);
  out.clear();
  db.Keys("a:1?", kNow, &out);
  CHECK(AsSet(out).size() == 10);
  out.clear();
  db.Keys("a*", kNow, &out);
  CHECK(out.size() == 599);
  out.clear();
  db.Keys("*", kNow, &out);
  CHECK(out.size() == 629);
  out.clear();
  db.Keys("", kNow, &out);
  CHECK(out.size() == 629);
  out.clear();
  db.Keys("ab:12", kNow, &out);
  CHECK(out == std::vector<std::string>{"ab:12"});
  out.clear();
  db.Keys("a:7", kNow, &out);
  CHECK(out.empty());
  db.Keys("zz:*", kNow, &out);
  CHECK(out.empty());
  db.Keys("k1\\*", kNow, &out);  // escaped: not exact, prefix "k1" has no separator
  CHECK(out.empty());
}

}  // namespace
}  // namespace brisk::engine
