#include "engine/table.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "engine_test_util.h"

namespace brisk::engine {
namespace {

class CollectKeys final : public EntryVisitor {
 public:
  void Visit(const Entry& e) override { seen.emplace(e.key()); }
  std::unordered_multiset<std::string> seen;
};

std::string Key(const std::string& prefix, int i) {
  return prefix + ":" + std::to_string(i);
}

void Drain(Table& t) {
  while (t.rehashing()) t.RehashStep();
}

TEST_CASE("Table grows at load factor 1 and shrinks below 1/8, incrementally", "[engine]") {
  Table t("t");
  CHECK(t.scan_hash() == Table::ScanHashOf("t"));
  size_t bytes = 0;
  bool saw_rehash = false;
  for (int i = 0; i < 5000; ++i) {
    Entry* e = Table::NewEntry(Key("t", i));
    bytes += e->MemoryBytes();
    t.Link(e);
    saw_rehash |= t.rehashing();
    REQUIRE(t.items() == size_t(i + 1));
  }
  CHECK(saw_rehash);
  CHECK(t.bytes() == bytes);
  for (int i = 0; i < 5000; ++i) REQUIRE(t.Lookup(Key("t", i)) != nullptr);
  CHECK(t.Lookup("t:nope") == nullptr);
  Drain(t);
  CHECK(t.bucket_count(0) == 8192);
  CHECK(t.bucket_count(1) == 0);

  for (int i = 0; i < 4990; ++i) {
    const Entry* e = t.Unlink(Key("t", i));
    REQUIRE(e != nullptr);
    bytes -= e->MemoryBytes();
    REQUIRE(t.Lookup(Key("t", i)) == nullptr);
  }
  CHECK(t.Unlink("t:0") == nullptr);
  CHECK(t.items() == 10);
  CHECK(t.bytes() == bytes);
  for (int i = 4990; i < 5000; ++i) REQUIRE(t.Lookup(Key("t", i)) != nullptr);
  Drain(t);
  // A shrink may still be pending from the last unlinks; once settled, >= 1/8 full.
  CHECK(t.bucket_count(0) <= 128);
  t.Unlink("t:4990");  // triggers any remaining shrink
  Drain(t);
  CHECK(t.bucket_count(0) <= 16);
  for (int i = 4991; i < 5000; ++i) REQUIRE(t.Lookup(Key("t", i)) != nullptr);
}

// Invariant 10: a grow into an mmap'ed array (>= 1 MiB: 2^17 buckets and up) waits for
// a helper thread to fault the array in; inserts meanwhile go to the old array.
TEST_CASE("A large grow starts once its array is faulted in; nothing is lost meanwhile",
          "[engine]") {
  // Grows from 2^17 buckets up come from mmap; each waits for its helper thread
  // (bounded wait: the helper maps a few MiB), while inserts go on into the old array.
  Table t("g");
  int n = 0;
  bool saw_large_grow = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!saw_large_grow) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    t.Link(Table::NewEntry(Key("g", n++)));
    if (t.rehashing() && t.bucket_count(1) >= (size_t{1} << 18)) {
      saw_large_grow = true;
      // It started only after the old array filled up (load factor >= 1).
      CHECK(t.items() >= t.bucket_count(0));
      // At least double: when the helper (which paces itself, invariant 10) is slow, the
      // items may pass the next power of two before the grow starts, and it sizes for them.
      CHECK(t.bucket_count(1) >= 2 * t.bucket_count(0));
    }
  }
  Drain(t);
  CHECK(t.items() == size_t(n));
  for (int i = 0; i < n; ++i) REQUIRE(t.Lookup(Key("g", i)) != nullptr);
}

TEST_CASE("A table dropped while its grow's array is being prepared frees it", "[engine]") {
  // Under ASan this is the leak check: whichever of the table and the helper thread
  // lets go of the prepared array last frees it.
  for (int round = 0; round < 3; ++round) {
    auto t = std::make_unique<Table>("d");
    for (int i = 0; i <= (1 << 17); ++i) t->Link(Table::NewEntry(Key("d", i)));
    t.reset();
  }
}

TEST_CASE("FreeSome tears a table down in bounded slices, mid-rehash too", "[engine]") {
  for (bool mid_rehash : {false, true}) {
    auto t = std::make_unique<Table>("t");
    int n = 0;
    // Stop inserting right after a grow starts, so both arrays hold entries.
    for (; n < 100000 && !(mid_rehash && n > 1000 && t->rehashing()); ++n) {
      t->Link(Table::NewEntry(Key("t", n)));
    }
    if (!mid_rehash) Drain(*t);
    REQUIRE(t->rehashing() == mid_rehash);
    int slices = 0;
    while (!t->FreeSome(100)) ++slices;
    // Each full slice of 100 returns false, and so does each 1 MiB slice of a mapped
    // bucket array given back (BucketArray::ReleaseSome; here at most 2); then true.
    CHECK(slices >= n / 100);
    CHECK(slices <= n / 100 + 2);
    t.reset();                          // nothing left for the destructor (ASan: no leak)
  }
}

TEST_CASE("Table accounting follows AccountResize / AccountVolatile", "[engine]") {
  Table t("t");
  t.Link(Table::NewEntry("a"));
  size_t b = t.bytes();
  t.AccountResize(10, 30);
  CHECK(t.bytes() == b + 20);
  t.AccountVolatile(false, true);
  CHECK(t.volatile_items() == 1);
  t.AccountVolatile(true, true);
  CHECK(t.volatile_items() == 1);
  t.AccountVolatile(true, false);
  CHECK(t.volatile_items() == 0);
}

TEST_CASE("Table::RandomEntry reaches every entry, also mid-rehash", "[engine]") {
  Table t("t");
  std::mt19937_64 rng(7);
  std::set<std::string> all;
  for (int i = 0; i < 64; ++i) {
    t.Link(Table::NewEntry(Key("t", i)));
    all.insert(Key("t", i));
  }
  t.Link(Table::NewEntry("t:64"));  // 64 items in 64 buckets: starts a grow
  all.insert("t:64");
  REQUIRE(t.rehashing());
  std::set<std::string> seen;
  for (int i = 0; i < 20000; ++i) {
    const Entry* e = t.RandomEntry(rng);
    REQUIRE(e != nullptr);
    REQUIRE(all.count(std::string(e->key())) == 1);
    seen.emplace(e->key());
  }
  CHECK(seen == all);
  Table empty("e");
  CHECK(empty.RandomEntry(rng) == nullptr);
}

TEST_CASE("ScanGroup without changes visits every entry exactly once", "[engine]") {
  for (int n : {1, 3, 4, 5, 100, 1000}) {
    Table t("t");
    for (int i = 0; i < n; ++i) t.Link(Table::NewEntry(Key("t", i)));
    Drain(t);
    const Table* group[] = {&t};
    CollectKeys c;
    uint64_t cursor = 0;
    size_t calls = 0;
    do {
      cursor = ScanGroup(group, cursor, c);
      ++calls;
    } while (cursor != 0);
    CHECK(calls == t.bucket_count(0));
    REQUIRE(c.seen.size() == size_t(n));
    CHECK(std::set<std::string>(c.seen.begin(), c.seen.end()).size() == size_t(n));
  }
}

// Random inserts/deletes between steps over a group of tables (different sizes,
// growing, shrinking, mid-rehash): every entry linked throughout is visited.
TEST_CASE("ScanGroup guarantee across resizes and rehashes of a group", "[engine]") {
  for (uint64_t seed = 1; seed <= (testing::kUnderTsan ? 3 : 8); ++seed) {
    std::mt19937_64 rng(seed);
    const int num_tables = 1 + int(seed % 4);
    std::vector<std::unique_ptr<Table>> tables;
    // Per table, its linked keys (vector for O(1) random removal).
    std::vector<std::vector<std::string>> linked(static_cast<size_t>(num_tables));
    int next_id = 0;
    auto insert = [&](int ti, int n) {
      for (int i = 0; i < n; ++i) {
        std::string k = Key("g" + std::to_string(ti), next_id++);
        tables[size_t(ti)]->Link(Table::NewEntry(k));
        linked[size_t(ti)].push_back(k);
      }
    };
    std::unordered_set<std::string> throughout;
    for (int ti = 0; ti < num_tables; ++ti) {
      tables.push_back(std::make_unique<Table>("g" + std::to_string(ti)));
      insert(ti, int(rng() % 2000) + 1);
      throughout.insert(linked[size_t(ti)].begin(), linked[size_t(ti)].end());
    }
    auto erase_some = [&](int ti, size_t n) {
      auto& keys = linked[size_t(ti)];
      while (n-- > 0 && keys.size() > 1) {
        size_t i = size_t(rng() % keys.size());
        std::swap(keys[i], keys.back());
        tables[size_t(ti)]->Unlink(keys.back());
        throughout.erase(keys.back());
        keys.pop_back();
      }
    };

    std::vector<const Table*> group;
    for (auto& t : tables) group.push_back(t.get());
    CollectKeys c;
    uint64_t cursor = 0;
    bool saw_rehash = false, saw_grow = false, saw_shrink = false;
    int calls = 0;
    do {
      cursor = ScanGroup(group, cursor, c);
      ++calls;
      int ti = int(rng() % uint64_t(num_tables));
      size_t before = tables[size_t(ti)]->bucket_count(0);
      switch (rng() % 4) {
        case 0:
          insert(ti, int(rng() % 200));
          break;
        case 1:
          erase_some(ti, rng() % 200);
          break;
        case 2:  // big swing: grow then mostly drain
          insert(ti, 1000);
          erase_some(ti, 1000);
          break;
        default:
          break;
      }
      for (auto& t : tables) saw_rehash |= t->rehashing();
      size_t after = tables[size_t(ti)]->bucket_count(0);
      saw_grow |= after > before;
      saw_shrink |= after < before;
    } while (cursor != 0);
    INFO("seed " << seed << " calls " << calls);
    std::vector<std::string> missing;
    for (const std::string& k : throughout) {
      if (c.seen.count(k) == 0) missing.push_back(k);
    }
    CHECK(missing.empty());
    CHECK(saw_rehash);
    CHECK(saw_grow);
    CHECK(saw_shrink);
  }
}

}  // namespace
}  // namespace brisk::engine
