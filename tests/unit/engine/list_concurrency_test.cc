// Lock-free readers of lists against the writer (list.h): every published version is
// whole. The list always holds consecutive integers; the writer pushes and pops at both
// ends, trims, rewrites elements in place (LSET-style, same value) and deletes the key,
// in both encodings (small node limit: many quicklist chunks, conversions both ways);
// readers check consecutiveness and the length on every version they see. Bounded by
// time.
#include <catch2/catch.hpp>

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "common/numbers.h"
#include "engine/keyspace.h"
#include "engine/list.h"
#include "engine/rcu.h"
#include "engine_test_util.h"

namespace brisk::engine {
namespace {

using testing::VersionReaders;

constexpr int64_t kNow = 1'700'000'000'000;
constexpr double kSeconds = 1.5;

bool Whole(const Entry& e) {
  bool ok = true, first = true;
  int64_t prev = 0;
  size_t count = 0;
  ListForEachNode(e, [&](std::string_view elems, size_t n) {
    LpCursor c(elems);
    for (size_t i = 0; i < n; ++i) {
      int64_t v;
      if (!ParseInt64(c.Next(), &v)) ok = false;
      if (!first && v != prev + 1) ok = false;
      prev = v;
      first = false;
      ++count;
    }
    if (!c.done()) ok = false;
  });
  return ok && count == ListLen(e) && count > 0;
}

TEST_CASE("readers see whole list versions while the writer copies chunks", "[engine][list]") {
  Keyspace ks(1, {});
  Db& db = ks.db(0);
  ListLimits limits;
  limits.fill = 8;
  VersionReaders readers(db, {"l"}, kNow, [](const Entry& e) { return Whole(e); });
  std::mt19937_64 rng(7);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(kSeconds);
  int64_t lo = 0, hi = -1;  // the list holds lo..hi
  char buf[24];
  while (std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 50; ++i) {
      Entry* e = db.Find("l", kNow);
      if (e == nullptr) lo = 0, hi = -1;
      ListEditor ed(db, "l", e, limits);
      int op = int(rng() % 6);
      int k = 1 + int(rng() % 20);
      if (op == 0 || e == nullptr) {
        for (int j = 0; j < k; ++j) ed.PushBack({buf, FormatInt64(++hi, buf)});
      } else if (op == 1) {
        for (int j = 0; j < k; ++j) ed.PushFront({buf, FormatInt64(--lo, buf)});
      } else if (op == 2) {
        ed.PopFront(size_t(k), nullptr);
        lo += k;
      } else if (op == 3) {
        ed.PopBack(size_t(k), nullptr);
        hi -= k;
      } else if (op == 4 && hi - lo > 4) {
        ed.Trim(1, size_t(hi - lo - 1));
        ++lo;
        --hi;
      } else if (hi >= lo) {
        size_t at = size_t(rng() % uint64_t(hi - lo + 1));
        ed.Set(at, {buf, FormatInt64(lo + int64_t(at), buf)});
      }
      if (hi - lo > 3000) ed.Trim(0, 10), hi = lo + 10;
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
