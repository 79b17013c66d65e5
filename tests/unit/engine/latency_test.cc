// Issue #3 latency work: the expiry index's chunked slot array (never copies the heap
// when it grows past a chunk) and a dropped table's bounded reclaim of its index.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "engine/expiry_index.h"
#include "engine/table.h"
#include "engine_test_util.h"

namespace brisk::engine {
namespace {

TEST_CASE("SlotArray keeps elements in place across chunks and frees chunks", "[engine]") {
  using Array = SlotArray<uint64_t>;
  constexpr size_t kN = 3 * Array::kChunk + 123;
  Array a;
  for (size_t i = 0; i < kN; ++i) {
    a.push_back(i * 7);
    if (i == Array::kChunk + 5) {
      // Past chunk 0: the element addresses of chunk 1 must not move any more.
      REQUIRE(&a[Array::kChunk] == &a[Array::kChunk]);
    }
  }
  const uint64_t* stable = &a[Array::kChunk + 1];
  for (size_t i = 0; i < 1000; ++i) a.push_back(1);
  CHECK(stable == &a[Array::kChunk + 1]);  // growth did not copy
  for (size_t i = 0; i < 1000; ++i) a.pop_back();
  REQUIRE(a.size() == kN);
  for (size_t i = 0; i < kN; ++i) REQUIRE(a[i] == i * 7);
  CHECK(a.back() == (kN - 1) * 7);
  // Shrink to one element, then grow again: contents stay exact.
  while (a.size() > 1) a.pop_back();
  CHECK(a[0] == 0);
  for (size_t i = 1; i < 2 * Array::kChunk; ++i) a.push_back(i);
  for (size_t i = 0; i < 2 * Array::kChunk; ++i) REQUIRE(a[i] == i);
  // ReleaseChunk gives everything back, a chunk at a time.
  int calls = 1;
  while (!a.ReleaseChunk()) ++calls;
  CHECK(calls >= 2);
  CHECK(a.size() == 0);
  a.push_back(42);  // usable again
  CHECK(a[0] == 42);
}

TEST_CASE("active expiry removes keys in deadline order across index chunks", "[engine]") {
  Keyspace ks(1, {});
  Db& db = ks.db(0);
  std::mt19937_64 rng(7);
  constexpr int kKeys = 150'000;  // > 2 chunks of 65,536 slots
  std::vector<int64_t> deadlines;
  for (int i = 0; i < kKeys; ++i) {
    deadlines.push_back(1'000 + int64_t(rng() % 1'000'000));
    db.InsertString("e:" + std::to_string(i), "v", deadlines.back());
  }
  REQUIRE(db.volatile_size() == size_t(kKeys));
  std::sort(deadlines.begin(), deadlines.end());
  // Step the clock: the keys left are exactly those due later.
  int64_t removed = 0;
  for (int64_t now = 1'000; now <= 1'001'000; now += 50'000) {
    while (db.ActiveExpire(now, 1'000) == 1'000) {
    }
    auto later = deadlines.end() - std::upper_bound(deadlines.begin(), deadlines.end(), now);
    REQUIRE(db.size() == size_t(later));
    removed = kKeys - int64_t(db.size());
  }
  CHECK(removed == kKeys);
  CHECK(db.volatile_size() == 0);
  DrainRetired();
}

TEST_CASE("a dropped table with 200k volatile keys is reclaimed in RCU slices", "[engine]") {
  constexpr int kKeys = 200'000;  // 4 chunks of index
  Keyspace ks(1, {});
  Db& db = ks.db(0);
  for (int i = 0; i < kKeys; ++i) {
    db.InsertString("d:" + std::to_string(i), "v", 1'000'000 + i);
  }
  REQUIRE(db.volatile_size() == size_t(kKeys));
  // The Db's DropTable retires it; reclaim it through the RCU slices as the loop does.
  CHECK(db.DropTable("d", 0) == size_t(kKeys));
  int steps = 0;
  QuiescentPoint();
  while (ReclaimStep(0) || ReclaimPending()) {
    QuiescentPoint();
    if (++steps > 1'000'000) FAIL("reclaim does not finish");
  }
  CHECK(db.size() == 0);
}

}  // namespace
}  // namespace brisk::engine
