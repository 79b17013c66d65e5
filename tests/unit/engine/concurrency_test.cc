// Lock-free readers against the single writer (table.h invariants, rcu.h).
//
// The stress test runs one writer doing random SET / DEL / EXPIRE / PERSIST / APPEND /
// INCR / active expiry, plus bursts that grow and shrink a table, against reader
// threads that look keys up and iterate. Every value encodes its key id and a
// version, so a reader can tell a value that was written for that key from a torn or
// foreign one. Bounded by time (kStressSeconds), so it stays short under TSan too.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "common/numbers.h"
#include "engine/keyspace.h"
#include "engine/rcu.h"
#include "engine_test_util.h"

namespace brisk::engine {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;
constexpr double kStressSeconds = 2.0;
constexpr int kKeys = 2000;         // churned keys "t<k%3>:<id>"
constexpr int kStableKeys = 300;    // "s:<id>", id >= kKeys: never deleted nor expired
constexpr int64_t kIntBase = 1'000'000'000;

std::string ChurnKey(int id) { return "t" + std::to_string(id % 3) + ":" + std::to_string(id); }
std::string StableKey(int id) { return "s:" + std::to_string(id); }

// "<id>:<version>:" + (version % 23) copies of a version-dependent letter.
std::string Segment(int id, uint64_t version) {
  std::string s = std::to_string(id) + ":" + std::to_string(version) + ":";
  s.append(version % 23, char('a' + version % 26));
  return s;
}

// True if `v` is a value the writer can have written for key id: an int
// id * kIntBase + version, or '|'-joined segments of that id.
bool ValidValue(int id, std::string_view v, uint64_t* version) {
  int64_t n;
  if (ParseInt64(v, &n)) {
    *version = uint64_t(n % kIntBase);
    return n / kIntBase == id;
  }
  size_t start = 0;
  bool first = true;
  while (start <= v.size()) {
    size_t end = v.find('|', start);
    if (end == std::string_view::npos) end = v.size();
    std::string_view seg = v.substr(start, end - start);
    size_t c1 = seg.find(':');
    size_t c2 = c1 == std::string_view::npos ? c1 : seg.find(':', c1 + 1);
    if (c2 == std::string_view::npos) return false;
    int64_t seg_id, ver;
    if (!ParseInt64(seg.substr(0, c1), &seg_id) || seg_id != id) return false;
    if (!ParseInt64(seg.substr(c1 + 1, c2 - c1 - 1), &ver) || ver < 0) return false;
    if (seg.substr(c2 + 1) != std::string(size_t(ver) % 23, char('a' + ver % 26))) return false;
    if (first) *version = uint64_t(ver);  // the first segment is the SET's version
    first = false;
    start = end + 1;
  }
  return true;
}

int IdOf(std::string_view key) {
  int64_t id = -1;
  (void)ParseInt64(key.substr(key.find(':') + 1), &id);
  return int(id);
}

struct ReaderStats {
  uint64_t lookups = 0;
  uint64_t hits = 0;
  uint64_t scans = 0;
  uint64_t bad = 0;
  std::string first_bad;
};

void Reader(const Db& db, const std::atomic<bool>& stop, int seed, ReaderStats* st) {
  ReaderThread reader;
  std::mt19937_64 rng{uint64_t(seed)};
  auto fail = [&](std::string_view what, std::string_view key, std::string_view value) {
    if (st->bad++ == 0) st->first_bad = std::string(what) + " " + std::string(key) + " = " +
                                         std::string(value);
  };
  auto check = [&](const Entry& e) {
    char scratch[24];
    std::string_view v = e.StringValue(scratch);
    uint64_t ver;
    int id = IdOf(e.key());
    if (e.type() != ObjType::kString || !ValidValue(id, v, &ver)) fail("value", e.key(), v);
  };
  while (!stop.load(std::memory_order_relaxed)) {
    for (int i = 0; i < 200; ++i) {
      int id = int(rng() % (kKeys + kStableKeys));
      std::string key = id < kKeys ? ChurnKey(id) : StableKey(id);
      ++st->lookups;
      bool found = db.ReadGet(key, kNow, [&](const Entry& e) {
        if (e.key() != key) fail("key", key, e.key());
        check(e);
      });
      st->hits += found;
      if (id >= kKeys && !found) fail("stable key missing", key, "");
    }
    // A full iteration, whole db or one table: every stable key must show up
    // (SCAN's guarantee, with the tables growing and shrinking meanwhile).
    std::string pattern = rng() % 2 ? "" : "s:*";
    std::unordered_set<std::string> seen;
    uint64_t cursor = 0;
    do {
      cursor = db.ReadScan(cursor, pattern, 1 + rng() % 50, kNow, [&](const Entry& e) {
        check(e);
        int id = IdOf(e.key());
        if (e.key().starts_with("s:") && id < kKeys + kStableKeys) seen.emplace(e.key());
      });
    } while (cursor != 0 && !stop.load(std::memory_order_relaxed));
    if (cursor == 0) {
      ++st->scans;
      if (seen.size() != size_t(kStableKeys)) fail("scan missed stable keys", pattern, "");
    }
  }
}

TEST_CASE("stress: one writer, lock-free readers see only written values", "[engine][stress]") {
  Keyspace ks(1, {});
  Db& db = ks.db(0);
  std::mt19937_64 rng(12345);
  std::vector<uint64_t> version(size_t(kKeys + kStableKeys), 0);
  std::vector<bool> is_int(version.size(), false);
  for (int id = kKeys; id < kKeys + kStableKeys; ++id) {
    db.InsertString(StableKey(id), Segment(id, 0));
  }
  QuiescentPoint();

  std::atomic<bool> stop{false};
  constexpr int kReaders = 3;
  std::vector<ReaderStats> stats(kReaders);
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back(Reader, std::cref(db), std::cref(stop), r + 1, &stats[size_t(r)]);
  }

  auto start = std::chrono::steady_clock::now();
  uint64_t ops = 0, bursts = 0;
  while (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() <
         kStressSeconds) {
    for (int turn = 0; turn < 64; ++turn, ++ops) {
      int id = int(rng() % (kKeys + kStableKeys));
      bool stable = id >= kKeys;
      std::string key = stable ? StableKey(id) : ChurnKey(id);
      uint64_t& ver = version[size_t(id)];
      Entry* e = db.Find(key, kNow);
      switch (rng() % (stable ? 4 : 7)) {
        case 0:  // SET (string)
          ++ver;
          is_int[size_t(id)] = false;
          if (e == nullptr) {
            db.InsertString(key, Segment(id, ver));
          } else {
            db.SetString(e, Segment(id, ver));
          }
          break;
        case 1:  // SET (int), then INCR
          ++ver;
          if (e == nullptr) {
            db.InsertString(key, std::to_string(int64_t(id) * kIntBase + int64_t(ver)));
          } else {
            db.SetInt(e, int64_t(id) * kIntBase + int64_t(ver));
          }
          is_int[size_t(id)] = true;
          break;
        case 2:  // INCR on an int, APPEND on a string
          if (e == nullptr) break;
          ++ver;
          if (is_int[size_t(id)]) {
            REQUIRE(e->is_int());
            db.SetInt(e, e->int_value() + 1);
          } else if (e->StringLength() < 400) {
            db.Append(e, "|" + Segment(id, ver));
          }
          break;
        case 3:  // EXPIRE in the future, or PERSIST
          if (e != nullptr) db.SetExpire(e, rng() % 2 ? kNow + 1'000'000 : 0);
          break;
        case 4:  // DEL
          db.Erase(key, kNow);
          break;
        case 5:  // EXPIRE in the past: gone at the next Find or ActiveExpire
          if (e != nullptr) db.SetExpire(e, kNow - 1);
          break;
        default:
          db.ActiveExpire(kNow, 8);
          // Now and then a whole churn table is dropped (TABLE DROP) while readers
          // may be walking it.
          if (rng() % 256 == 0) db.DropTable("t" + std::to_string(rng() % 3), kNow);
          break;
      }
    }
    // Every few turns a burst grows table "s" (the stable keys' table) well past its
    // size, then drains it, so grow and shrink rehashes run under the readers while
    // they look for the stable keys.
    if (ops % (64 * 16) == 0) {
      ++bursts;
      constexpr int kFirst = kKeys + kStableKeys;
      for (int i = kFirst; i < kFirst + 3000; ++i) {
        db.InsertString(StableKey(i), Segment(i, 0));
        if (i % 64 == 0) QuiescentPoint();
      }
      for (int i = kFirst; i < kFirst + 3000; ++i) {
        REQUIRE(db.Erase(StableKey(i), kNow));
        if (i % 64 == 0) QuiescentPoint();
      }
    }
    QuiescentPoint();  // one "loop turn"
  }
  stop = true;
  for (auto& t : readers) t.join();

  uint64_t lookups = 0, scans = 0;
  for (const ReaderStats& st : stats) {
    INFO(st.first_bad);
    CHECK(st.bad == 0);
    lookups += st.lookups;
    scans += st.scans;
  }
  INFO("writer ops " << ops << " bursts " << bursts << " reader lookups " << lookups
                     << " full scans " << scans);
  CHECK(ops > 1000);
  CHECK(bursts > 0);
  CHECK(lookups > 1000);
  CHECK(scans > 0);
  testing::CheckAccounting(ks, db);
}

TEST_CASE("reader API: ReadGet, ReadScan and ReadTables match the writer's view",
          "[engine]") {
  Keyspace ks(2, {});
  Db& db = ks.db(0);
  std::set<std::string> all;
  for (int i = 0; i < 500; ++i) {
    std::string k = (i % 2 ? "a:" : "b:") + std::to_string(i);
    db.InsertString(k, "v" + std::to_string(i));
    all.insert(k);
  }
  db.InsertString("plain", "p");
  all.insert("plain");
  db.SetExpire(db.Find("a:1", kNow), kNow);  // logically absent, still linked
  all.erase("a:1");

  std::set<std::string> got;
  std::string value;
  std::thread reader([&] {
    ReaderThread rt;
    CHECK(db.ReadGet("a:3", kNow, [&](const Entry& e) {
      char s[24];
      value = std::string(e.StringValue(s));
    }));
    CHECK_FALSE(db.ReadGet("a:1", kNow, [](const Entry&) {}));
    CHECK_FALSE(db.ReadGet("zz:1", kNow, [](const Entry&) {}));
    uint64_t cursor = 0;
    do {
      cursor = db.ReadScan(cursor, "", 7, kNow, [&](const Entry& e) { got.emplace(e.key()); });
    } while (cursor != 0);
    std::set<std::string> only_b;
    cursor = 0;
    do {
      cursor = db.ReadScan(cursor, "b:*", 7, kNow, [&](const Entry& e) { only_b.emplace(e.key()); });
    } while (cursor != 0);
    CHECK(only_b.size() == 250);
    size_t items = 0, tables = 0;
    db.ReadTables([&](const TableStats& st) {
      items += st.items;
      ++tables;
    });
    CHECK(items == 501);
    CHECK(tables == 3);
    {
      ReadSection s;
      const Entry* e = db.ReadFind("plain", kNow);
      REQUIRE(e != nullptr);
      CHECK(e->key() == "plain");
    }
  });
  reader.join();
  CHECK(value == "v3");
  CHECK(got == all);
}

TEST_CASE("superseded entries stay readable until the writer's quiescent point", "[engine]") {
  Keyspace ks(1, {});
  Db& db = ks.db(0);
  Entry* e = db.InsertString("k", "one");
  Entry* f = db.SetString(e, "two");
  db.Erase("k", kNow);
  char s[24];
  CHECK(e->StringValue(s) == "one");  // not freed: no QuiescentPoint yet
  CHECK(f->StringValue(s) == "two");
  QuiescentPoint();
  DrainRetired();
  CHECK(PendingRetired() == 0);
}

}  // namespace
}  // namespace brisk::engine
