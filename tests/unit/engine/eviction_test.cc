#include "engine/eviction.h"

#include <catch2/catch.hpp>

#include <climits>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "engine/table.h"
#include "engine_test_util.h"

namespace brisk::engine {
namespace {

using testing::CheckAccounting;

struct CountingObserver : KeyObserver {
  void OnKeyRemoved(int db, std::string_view key, RemoveReason reason) override {
    (reason == RemoveReason::kEvicted ? evicted : expired).push_back({db, std::string(key)});
  }
  std::vector<std::pair<int, std::string>> evicted, expired;
};

std::string Key(std::string_view table, int i) {
  return std::string(table) + ":" + std::to_string(i);
}

EvictionSettings Policy(EvictionPolicy p, int samples = 5) {
  EvictionSettings s;
  s.policy = p;
  s.samples = samples;
  return s;
}

// Sum of Table::Footprint over every table of every db (what memory_bytes mirrors).
size_t SumFootprints(Keyspace& ks) {
  size_t sum = 0;
  for (int i = 0; i < ks.num_dbs(); ++i) {
    for (Table* t = ks.db(i).TableFrom("", true); t != nullptr;
         t = ks.db(i).TableFrom(t->name(), false)) {
      sum += t->Footprint();
    }
  }
  return sum;
}

TEST_CASE("eviction policy names round-trip as Redis spells them", "[eviction]") {
  for (auto p :
       {EvictionPolicy::kNoEviction, EvictionPolicy::kAllKeysLru, EvictionPolicy::kAllKeysLfu,
        EvictionPolicy::kAllKeysRandom, EvictionPolicy::kVolatileLru, EvictionPolicy::kVolatileLfu,
        EvictionPolicy::kVolatileRandom, EvictionPolicy::kVolatileTtl}) {
    EvictionPolicy parsed;
    REQUIRE(ParseEvictionPolicy(EvictionPolicyName(p), &parsed));
    CHECK(parsed == p);
  }
  EvictionPolicy p;
  CHECK(ParseEvictionPolicy("ALLKEYS-LRU", &p));
  CHECK(p == EvictionPolicy::kAllKeysLru);
  CHECK_FALSE(ParseEvictionPolicy("allkeys-sieve", &p));
  CHECK(IsLfuPolicy(EvictionPolicy::kVolatileLfu));
  CHECK_FALSE(IsLfuPolicy(EvictionPolicy::kAllKeysLru));
  // Redis's evictionTimeLimitUs.
  CHECK(EvictionTimeLimitUs(0) == 0);
  CHECK(EvictionTimeLimitUs(10) == 500);
  CHECK(EvictionTimeLimitUs(11) == 575);
  CHECK(EvictionTimeLimitUs(100) == INT64_MAX);
}

TEST_CASE("access word: LRU clock, CLOCK ref bits and Redis's LFU counter", "[eviction]") {
  const int64_t t0 = 1'700'000'000'000;
  AccessPolicy lru;
  uint32_t w = access::Initial(lru, t0);
  CHECK(access::Ref(w) == 0);
  CHECK((w & access::kClockMask) == access::LruClock(t0));
  CHECK(access::IdleMs(w, t0 + 7'500) == 7'000);  // 1 s resolution
  for (uint32_t i = 1; i <= 5; ++i) {
    w = access::Touched(w, lru, t0 + 10'000);
    CHECK(access::Ref(w) == std::min(i, access::kRefMax));
  }
  CHECK(access::IdleMs(w, t0 + 10'000) == 0);
  // The 24-bit clock wraps (~194 days) as in Redis's estimateObjectIdleTime.
  uint32_t old = access::kClockMask - 1;
  int64_t after_wrap = int64_t(access::kClockMask + 4) * 1000;  // clock reads 3
  CHECK(access::IdleMs(old, after_wrap) == 4'000);

  AccessPolicy lfu;
  lfu.lfu = true;
  lfu.lfu_log_factor = 0;  // p = 1: every touch counts
  lfu.lfu_decay_time = 1;
  w = access::Initial(lfu, t0);
  CHECK(access::LfuCounter(w, t0, 1) == access::kLfuInitCounter);
  for (int i = 0; i < 10; ++i) w = access::Touched(w, lfu, t0);
  CHECK(access::LfuCounter(w, t0, 1) == 15);
  CHECK(access::Ref(w) == access::kRefMax);
  CHECK(access::LfuCounter(w, t0 + 3 * 60'000, 1) == 12);  // one decrement per minute
  CHECK(access::LfuCounter(w, t0 + 3 * 60'000, 0) == 15);  // decay off
  CHECK(access::LfuCounter(w, t0 + 60 * 60'000, 1) == 0);  // floors at 0
  // With the default factor the counter grows logarithmically.
  lfu.lfu_log_factor = 10;
  w = access::Initial(lfu, t0);
  for (int i = 0; i < 1000; ++i) w = access::Touched(w, lfu, t0);
  uint32_t c = access::LfuCounter(w, t0, 1);
  CHECK(c > 10);
  CHECK(c < 40);  // Redis's table: ~18 after 1K hits at factor 10
}

TEST_CASE("touching lookups and rewrites keep the access word", "[eviction]") {
  Keyspace ks(1, {});
  Db& db = ks.db(0);
  int64_t now = clock::CachedUnixMs();
  db.InsertString("k", "v");
  CHECK(access::Ref(db.Peek("k", now)->access_word()) == 0);
  db.Find("k", now);
  db.Find("k", now);
  CHECK(access::Ref(db.Peek("k", now)->access_word()) == 2);
  db.Find("k", now, /*touch=*/false);
  CHECK(access::Ref(db.Peek("k", now)->access_word()) == 2);
  Entry* e = db.SetString(db.Find("k", now), "longer value");  // ref 3, then a new entry
  CHECK(access::Ref(e->access_word()) == 3);
  e = db.SetExpire(e, now + 100'000);
  CHECK(access::Ref(e->access_word()) == 3);
  // New keys under an LFU policy start with Redis's LFU_INIT_VAL.
  Evictor ev(&ks);
  ev.Configure(Policy(EvictionPolicy::kAllKeysLfu));
  CHECK(ks.access_policy().lfu);
  db.InsertString("f", "v");
  CHECK(access::LfuCounter(db.Peek("f", now)->access_word(), now, 1) == 5);
  ev.Configure(Policy(EvictionPolicy::kAllKeysLru));
  CHECK_FALSE(ks.access_policy().lfu);
}

TEST_CASE("memory_bytes mirrors every table's footprint and returns to zero", "[eviction]") {
  Keyspace ks(2, {});
  CHECK(ks.memory_bytes() == 0);
  int64_t now = clock::CachedUnixMs();
  for (int i = 0; i < 3000; ++i) {
    ks.db(i % 2).InsertString(Key(i % 3 ? "a" : "b", i), std::string(size_t(i % 50), 'x'),
                              i % 4 ? 0 : now + 1'000'000);
    if (i % 997 == 0) CHECK(ks.memory_bytes() == SumFootprints(ks));
  }
  CHECK(ks.memory_bytes() == SumFootprints(ks));
  size_t entries = 0;
  for (int d = 0; d < 2; ++d) {
    ks.db(d).ForEachTable([&](const TableStats& t) { entries += t.bytes; });
  }
  CHECK(ks.memory_bytes() > entries + 3000 * 8);  // plus bucket arrays
  for (int i = 0; i < 3000; i += 2) ks.db(i % 2).Erase(Key(i % 3 ? "a" : "b", i), now);
  CHECK(ks.memory_bytes() == SumFootprints(ks));
  ks.db(1).DropTable("a", now);
  CHECK(ks.memory_bytes() == SumFootprints(ks));
  ks.db(0).Clear();
  CHECK(ks.memory_bytes() == SumFootprints(ks));
  ks.FlushAll();
  CHECK(ks.memory_bytes() == 0);
}

TEST_CASE("Db::Evict reports kEvicted, counts, and honours its filters", "[eviction]") {
  Keyspace ks(1, {});
  CountingObserver obs;
  ks.set_observer(&obs);
  Db& db = ks.db(0);
  int64_t now = clock::CachedUnixMs();
  db.InsertString("p", "v");
  db.InsertString("t:v", "v", now + 60'000);
  db.Find("p", now);
  CHECK_FALSE(db.Evict("p", /*volatile_only=*/true));
  CHECK_FALSE(db.Evict("p", false, /*max_ref=*/0));  // touched: ref 1
  CHECK_FALSE(db.Evict("missing"));
  CHECK(db.Evict("t:v", true));
  CHECK(db.Evict("p"));
  CHECK(db.size() == 0);
  CHECK(ks.evicted_keys() == 2);
  REQUIRE(obs.evicted.size() == 2);
  CHECK(obs.evicted[0].second == "t:v");
  CHECK(obs.expired.empty());
  ks.ResetStats();
  CHECK(ks.evicted_keys() == 0);
  CHECK(ks.memory_bytes() == 0);
}

TEST_CASE("noeviction and volatile policies without volatile keys evict nothing", "[eviction]") {
  Keyspace ks(4, {});
  Evictor ev(&ks);
  for (int i = 0; i < 50; ++i) ks.db(i % 4).InsertString(Key("k", i), "v");
  int64_t now = clock::CachedUnixMs();
  for (auto p :
       {EvictionPolicy::kNoEviction, EvictionPolicy::kVolatileLru, EvictionPolicy::kVolatileLfu,
        EvictionPolicy::kVolatileRandom, EvictionPolicy::kVolatileTtl}) {
    ev.Configure(Policy(p));
    CHECK_FALSE(ev.EvictOne(now));
  }
  CHECK(ks.evicted_keys() == 0);
  Keyspace empty(2, {});
  Evictor none(&empty);
  for (auto p :
       {EvictionPolicy::kAllKeysLru, EvictionPolicy::kAllKeysLfu, EvictionPolicy::kAllKeysRandom}) {
    none.Configure(Policy(p));
    CHECK_FALSE(none.EvictOne(now));
  }
}

TEST_CASE("volatile policies evict only keys with a TTL; allkeys ones any key", "[eviction]") {
  int64_t now = clock::CachedUnixMs();
  for (auto p :
       {EvictionPolicy::kVolatileLru, EvictionPolicy::kVolatileLfu, EvictionPolicy::kVolatileRandom,
        EvictionPolicy::kVolatileTtl, EvictionPolicy::kAllKeysLru, EvictionPolicy::kAllKeysLfu,
        EvictionPolicy::kAllKeysRandom}) {
    DYNAMIC_SECTION(EvictionPolicyName(p)) {
      Keyspace ks(3, {});
      CountingObserver obs;
      ks.set_observer(&obs);
      Evictor ev(&ks);
      ev.Configure(Policy(p));
      for (int i = 0; i < 300; ++i) {
        ks.db(i % 3).InsertString(Key(i % 2 ? "odd" : "even", i), "v",
                                  i % 3 == 0 ? now + 1'000'000 + i : 0);
      }
      bool volatile_only = p == EvictionPolicy::kVolatileLru || p == EvictionPolicy::kVolatileLfu ||
                           p == EvictionPolicy::kVolatileRandom ||
                           p == EvictionPolicy::kVolatileTtl;
      size_t evicted = 0;
      while (ev.EvictOne(now)) ++evicted;
      CHECK(evicted == (volatile_only ? 100u : 300u));
      CHECK(ks.evicted_keys() == evicted);
      for (const auto& [db, key] : obs.evicted) {
        int i = std::stoi(key.substr(key.find(':') + 1));
        CHECK(i % 3 == db);
        if (volatile_only) CHECK(i % 3 == 0);
      }
      for (int d = 0; d < 3; ++d) {
        CHECK(ks.db(d).volatile_size() == 0);
        CheckAccounting(ks, ks.db(d));
      }
      CHECK(ks.memory_bytes() == SumFootprints(ks));
    }
  }
}

TEST_CASE("volatile-ttl evicts in deadline order, exactly", "[eviction]") {
  Keyspace ks(2, {});
  CountingObserver obs;
  ks.set_observer(&obs);
  Evictor ev(&ks);
  ev.Configure(Policy(EvictionPolicy::kVolatileTtl));
  int64_t now = clock::CachedUnixMs();
  std::vector<int> order = {7, 3, 9, 1, 8, 2, 6, 4, 5, 0};
  for (int i : order) {
    ks.db(i % 2).InsertString(Key(i % 3 ? "x" : "y", i), "v", now + 1000 * (i + 1));
  }
  ks.db(0).InsertString("persistent", "v");
  for (int i = 0; i < 10; ++i) {
    REQUIRE(ev.EvictOne(now));
    CHECK(obs.evicted.back().second == Key(i % 3 ? "x" : "y", i));
  }
  CHECK_FALSE(ev.EvictOne(now));
  CHECK(ks.db(0).size() == 1);
}

TEST_CASE("volatile-lru evicts the idlest keys", "[eviction]") {
  Keyspace ks(1, {});
  Evictor ev(&ks);
  ev.Configure(Policy(EvictionPolicy::kVolatileLru, /*samples=*/10));
  Db& db = ks.db(0);
  int64_t now = clock::CachedUnixMs();
  for (int i = 0; i < 200; ++i) db.InsertString(Key("k", i), "v", now + 10'000'000);
  int64_t later = now + 100'000;
  for (int i = 0; i < 100; ++i) db.Find(Key("k", i), later);  // recent half
  for (int n = 0; n < 80; ++n) REQUIRE(ev.EvictOne(later));
  for (int i = 0; i < 100; ++i) CHECK(db.Peek(Key("k", i), later) != nullptr);
}

TEST_CASE("allkeys-lfu and volatile-lfu evict the least frequently used keys", "[eviction]") {
  for (auto p : {EvictionPolicy::kAllKeysLfu, EvictionPolicy::kVolatileLfu}) {
    DYNAMIC_SECTION(EvictionPolicyName(p)) {
      Keyspace ks(1, {});
      Evictor ev(&ks);
      EvictionSettings s = Policy(p, 10);
      s.lfu_log_factor = 0;  // deterministic: every touch increments
      ev.Configure(s);
      Db& db = ks.db(0);
      int64_t now = clock::CachedUnixMs();
      for (int i = 0; i < 200; ++i) db.InsertString(Key("k", i), "v", now + 10'000'000);
      for (int i = 0; i < 50; ++i) {
        for (int r = 0; r < 5; ++r) db.Find(Key("k", i), now);
      }
      // Sampling: while cold keys are plentiful, the pool always holds some.
      for (int n = 0; n < 100; ++n) REQUIRE(ev.EvictOne(now));
      for (int i = 0; i < 50; ++i) CHECK(db.Peek(Key("k", i), now) != nullptr);
    }
  }
}

TEST_CASE("allkeys-lru (CLOCK): referenced keys outlive unreferenced ones", "[eviction]") {
  Keyspace ks(2, {});
  Evictor ev(&ks);
  ev.Configure(Policy(EvictionPolicy::kAllKeysLru));
  int64_t now = clock::CachedUnixMs();
  std::set<std::string> hot;
  for (int i = 0; i < 2000; ++i) {
    std::string k = Key(i % 5 ? "t" : "u", i);
    ks.db(i % 2).InsertString(k, "v");
    if (i % 7 == 0) {             // spread over both dbs and tables
      ks.db(i % 2).Find(k, now);  // ref 1
      hot.insert(k);
    }
  }
  // Less than one pass of the hand: every hot key keeps its place.
  for (int n = 0; n < 1500; ++n) REQUIRE(ev.EvictOne(now));
  for (const std::string& k : hot) {
    int i = std::stoi(k.substr(2));
    CHECK(ks.db(i % 2).Peek(k, now) != nullptr);
  }
  size_t left = ks.db(0).size() + ks.db(1).size();
  CHECK(left == 500);
  // Keep evicting: the hand wraps, decrements the hot keys and takes them too.
  while (ev.EvictOne(now)) {
  }
  CHECK(ks.db(0).size() + ks.db(1).size() == 0);
  CHECK(ks.evicted_keys() == 2000);
  CHECK(ks.memory_bytes() == 0);
}

TEST_CASE("allkeys-lru bounds the work when every key is referenced", "[eviction]") {
  Keyspace ks(1, {});
  Evictor ev(&ks);
  ev.Configure(Policy(EvictionPolicy::kAllKeysLru));
  Db& db = ks.db(0);
  int64_t now = clock::CachedUnixMs();
  for (int i = 0; i < 5000; ++i) {
    db.InsertString(Key("k", i), "v");
    for (int r = 0; r < 3; ++r) db.Find(Key("k", i), now);  // ref saturated
  }
  REQUIRE(ev.EvictOne(now));
  // At most kClockMaxExamined entries lost a ref before one was forced out.
  size_t decremented = 0;
  for (int i = 0; i < 5000; ++i) {
    if (const Entry* e = db.Peek(Key("k", i), now)) {
      decremented += access::Ref(e->access_word()) < access::kRefMax;
    }
  }
  CHECK(decremented <= Evictor::kClockMaxExamined + 8);  // + the rest of the last bucket
  CHECK(db.size() == 4999);
}

TEST_CASE("allkeys-lru keeps working while tables grow, shrink and disappear", "[eviction]") {
  Keyspace ks(3, {});
  Evictor ev(&ks);
  ev.Configure(Policy(EvictionPolicy::kAllKeysLru));
  int64_t now = clock::CachedUnixMs();
  std::mt19937_64 rng(3);
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 500; ++i) {
      int n = int(rng() % 5000);
      std::string k = Key("t" + std::to_string(n % 7), n);
      Db& db = ks.db(n % 3);
      if (db.Find(k, now) == nullptr) db.InsertString(k, "v");
    }
    for (int i = 0; i < 300; ++i) ev.EvictOne(now);
    for (int d = 0; d < 3; ++d) CheckAccounting(ks, ks.db(d));
    CHECK(ks.memory_bytes() == SumFootprints(ks));
  }
}

TEST_CASE("EvictUntil evicts until under the limit, then stops", "[eviction]") {
  Keyspace ks(1, {});
  Evictor ev(&ks);
  Db& db = ks.db(0);
  int64_t now = clock::CachedUnixMs();
  for (int i = 0; i < 10000; ++i) db.InsertString(Key("k", i), std::string(40, 'v'));
  auto used = [&] { return ks.memory_bytes(); };
  size_t full = ks.memory_bytes();

  ev.Configure(Policy(EvictionPolicy::kNoEviction));
  CHECK(ev.EvictUntil(full, used, now, INT64_MAX) == Evictor::Status::kOk);
  CHECK(ev.EvictUntil(full / 2, used, now, INT64_MAX) == Evictor::Status::kFail);
  CHECK(ev.exceeded_current_ms(clock::MonotonicUs()) < 1000);

  ev.Configure(Policy(EvictionPolicy::kAllKeysRandom));
  // An exhausted budget stops after the first 16 evictions.
  CHECK(ev.EvictUntil(full / 2, used, now, -1) == Evictor::Status::kRunning);
  CHECK(ks.evicted_keys() == 16);
  CHECK(ev.EvictUntil(full / 2, used, now, INT64_MAX) == Evictor::Status::kOk);
  CHECK(ks.memory_bytes() <= full / 2);
  // Not more than needed: one key less would have been enough only if the last
  // eviction crossed the line.
  size_t evicted = ks.evicted_keys();
  CHECK(ks.memory_bytes() + 200 > full / 2);
  CHECK(ev.EvictUntil(full / 2, used, now, INT64_MAX) == Evictor::Status::kOk);
  CHECK(ks.evicted_keys() == evicted);
  CHECK(ev.exceeded_current_ms(clock::MonotonicUs()) == 0);
  ev.ResetStats();
  CHECK(ev.exceeded_total_ms(clock::MonotonicUs()) == 0);
}

}  // namespace
}  // namespace brisk::engine
