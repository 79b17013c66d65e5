// engine/zset.h: the persistent treap keeps (score, member) order, sizes and exact byte
// accounting through random edits in both encodings; lock-free readers see whole
// versions while the writer path-copies (the writer moves score between members so the
// sum of all scores stays 0 in every published version). Bounded by time.
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "engine/keyspace.h"
#include "engine/rcu.h"
#include "engine/zset.h"
#include "engine_test_util.h"

namespace brisk::engine {
namespace {

using testing::VersionReaders;

constexpr int64_t kNow = 1'700'000'000'000;

// Order, count and the zero-sum invariant of one version.
bool Whole(const Entry& e, double* sum_out = nullptr) {
  double sum = 0, last_s = -1e300;
  std::string last_m;
  size_t n = 0;
  bool ok = true;
  ZForRange(e, 0, ZLen(e), false, [&](std::string_view m, double s) {
    if (n > 0 && !ZLess(last_s, last_m, s, m)) ok = false;
    last_s = s;
    last_m = std::string(m);
    sum += s;
    ++n;
    return true;
  });
  if (sum_out != nullptr) *sum_out = sum;
  return ok && n == ZLen(e);
}

TEST_CASE("zset editor matches a model with exact byte accounting", "[engine][zset]") {
  Keyspace ks(1, {});
  Db& db = ks.db(0);
  ZSetLimits limits;
  limits.max_listpack_entries = 8;
  std::map<std::string, double> model;
  std::mt19937_64 rng(5);
  for (int step = 0; step < 3000; ++step) {
    Entry* e = db.Find("z", kNow);
    ZSetEditor ed(db, "z", e, limits);
    int ops = 1 + int(rng() % 8);
    for (int k = 0; k < ops; ++k) {
      std::string m = "m" + std::to_string(rng() % 300);
      if (rng() % 3 == 0) {
        CHECK(ed.Del(m) == (model.erase(m) == 1));
      } else {
        double s = double(rng() % 50);
        bool fresh = model.count(m) == 0;
        CHECK(ed.Set(m, s) == fresh);
        model[m] = s;
      }
    }
    ed.Commit();
    e = db.Find("z", kNow);
    if (model.empty()) {
      REQUIRE(e == nullptr);
      continue;
    }
    REQUIRE(e != nullptr);
    REQUIRE(ZLen(*e) == model.size());
    REQUIRE(Whole(*e));
    std::string probe = "m" + std::to_string(rng() % 300);
    double s;
    REQUIRE(ZScore(*e, probe, &s) == (model.count(probe) == 1));
    if (EncodingOf(*e) == Enc::kZSetSkiplist) {
      size_t bytes = 0;
      const pmap::Node* m2 = pmap::DeepCopy(ExternalRoot(*e), &bytes);
      const ztree::Node* t2 = ztree::DeepCopy(ZTreeRoot(*e), &bytes);
      REQUIRE(bytes == ExternalBytes(*e));
      pmap::FreeAll(m2);
      ztree::FreeAll(t2);
      // Rank lookups agree with the model's order.
      std::set<std::pair<double, std::string>> order;
      for (auto& [mm, sc] : model) order.insert({sc, mm});
      size_t r = 0;
      for (const auto& p : order) {
        size_t got = ZLowerRank(
            *e, [&](double s2, std::string_view m3) { return ZLess(s2, m3, p.first, p.second); });
        REQUIRE(got == r);
        ++r;
      }
    }
    QuiescentPoint();
  }
  db.Clear();
  DrainRetired();
}

TEST_CASE("readers see whole zset versions while the writer path-copies", "[engine][zset]") {
  Keyspace ks(1, {});
  Db& db = ks.db(0);
  ZSetLimits limits;
  VersionReaders readers(db, {"small", "big"}, kNow, [](const Entry& e) {
    double sum;
    return Whole(e, &sum) && sum == 0;
  });
  std::mt19937_64 rng(2);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  while (std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 50; ++i) {
      bool big = rng() % 2 == 0;
      const char* key = big ? "big" : "small";
      size_t space = big ? 2000 : 20;
      Entry* e = db.Find(key, kNow);
      if (big && e != nullptr && ZLen(*e) > 1500) {
        db.Erase(key, kNow);
        continue;
      }
      ZSetEditor ed(db, key, e, limits);
      // Moves d from one member to another (both created at 0 when absent).
      for (int k = 0; k < 3; ++k) {
        std::string a = "m" + std::to_string(rng() % space);
        std::string b = "n" + std::to_string(rng() % space);
        double sa = 0, sb = 0, d = double(rng() % 100);
        ed.Score(a, &sa);
        ed.Score(b, &sb);
        ed.Set(a, sa + d);
        ed.Set(b, sb - d);
      }
      ed.Commit();
    }
    QuiescentPoint();
  }
  readers.Finish();
  readers.CheckNoneTorn();
  db.Clear();
  DrainRetired();
}

}  // namespace
}  // namespace brisk::engine
