// Lock-free readers of hashes and sets against the writer (collections.h): every
// published version is whole. The writer changes several fields per commit while
// keeping an invariant across them ("n" = number of other fields, all other fields
// carry the same generation); readers check it on every version they see, in both
// encodings (a small key stays listpack, a big one is a hashtable trie), while the
// writer also converts, deletes and re-creates keys. Bounded by time.
#include <catch2/catch.hpp>

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "common/numbers.h"
#include "engine/hash_set.h"
#include "engine/keyspace.h"
#include "engine/rcu.h"
#include "engine_test_util.h"

namespace brisk::engine {
namespace {

using testing::VersionReaders;

constexpr int64_t kNow = 1'700'000'000'000;
constexpr double kSeconds = 1.5;

// Checks one version: "n" equals the number of other fields, and every other field has
// the value of field "gen". Returns false on a torn version.
bool Whole(const Entry& e) {
  std::string_view n_text, gen;
  if (!CollectionFind(e, "n", &n_text) || !CollectionFind(e, "gen", &gen)) return false;
  int64_t n;
  if (!ParseInt64(n_text, &n)) return false;
  int64_t others = 0;
  bool ok = true;
  CollectionForEach(e, [&](std::string_view f, std::string_view v) {
    if (f == "n" || f == "gen") return;
    ++others;
    if (v != gen) ok = false;
  });
  return ok && others == n && int64_t(CollectionLen(e)) == n + 2;
}

TEST_CASE("readers see whole hash versions while the writer path-copies", "[engine][collections]") {
  Keyspace ks(1, {});
  Db& db = ks.db(0);
  CollectionLimits limits;
  VersionReaders readers(db, {"small", "big"}, kNow, [](const Entry& e) { return Whole(e); });
  std::mt19937_64 rng(1);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(kSeconds);
  uint64_t gen = 0;
  int64_t big_n = 0, small_n = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 50; ++i) {
      bool big = rng() % 2 == 0;
      const char* key = big ? "big" : "small";
      int64_t& n = big ? big_n : small_n;
      Entry* e = db.Find(key, kNow);
      HashSetEditor ed(db, key, e, ObjType::kHash, limits);
      std::string g = std::to_string(++gen);
      if (big && n > 3000) {  // start over: delete the key
        db.Erase(key, kNow);
        n = 0;
        continue;
      }
      // A small hash has every field rewritten with a new gen (and some removed); the
      // big one keeps its gen for its life (rewriting all fields would be O(n)) and
      // grows by several fields per commit, converting to a trie on the way.
      if (big) {
        std::string_view cur;
        std::string keep = e != nullptr && CollectionFind(*e, "gen", &cur) ? std::string(cur) : g;
        int add = 1 + int(rng() % 20);
        for (int k = 0; k < add; ++k) ed.Set("f" + std::to_string(n + k), keep);
        n += add;
        ed.Set("gen", keep);
      } else {
        int64_t target = int64_t(rng() % 12);
        for (int64_t k = 0; k < std::max(n, target); ++k) {
          if (k < target) {
            ed.Set("f" + std::to_string(k), g);
          } else {
            ed.Del("f" + std::to_string(k));
          }
        }
        n = target;
        ed.Set("gen", g);
      }
      ed.Set("n", std::to_string(n));
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
