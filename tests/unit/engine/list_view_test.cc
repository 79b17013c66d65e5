// The quicklist's in-place update protocol (list.h): pushes write into never-published
// spare capacity and pops narrow the bounds, so every version published earlier in the
// same loop turn (before QuiescentPoint, when nothing retired can be freed yet) must still
// read exactly as it did. Random end operations, mixed with middle edits and deletions,
// on several fill limits; after every command each older version of the turn is re-read
// and compared with its snapshot, the length and the accounted bytes checked. Plus the
// same with reader threads (run it under TSan: a write into bytes a reader reads is a
// reported race).
#include <catch2/catch.hpp>

#include <chrono>
#include <deque>
#include <random>
#include <string>
#include <utility>
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

std::vector<std::string> Contents(const Entry& e) {
  std::vector<std::string> out;
  ListForEachNode(e, [&](std::string_view elems, size_t n) {
    LpCursor c(elems);
    for (size_t i = 0; i < n; ++i) out.emplace_back(c.Next());
  });
  return out;
}

// invariant 3: the accounted bytes are the spine's and the chunks' size classes.
size_t RecountBytes(const Entry& e) {
  list::View v = list::ViewOf(e);
  size_t bytes = Entry::SizeClass(16 + 8 * size_t(v.spine->cap));
  auto chunk = [&](const list::Chunk* c) { bytes += Entry::SizeClass(32 + size_t(c->cap)); };
  chunk(v.head.c);
  for (uint32_t i = v.mfirst; i < v.mlast; ++i) chunk(v.spine->slots()[i]);
  if (v.tail.c != nullptr) chunk(v.tail.c);
  return bytes;
}

std::string Value(std::mt19937_64& rng, int64_t n) {
  char buf[24];
  std::string s(buf, FormatInt64(n, buf));
  s.append(size_t(rng() % 4 == 0 ? rng() % 200 : rng() % 6), '.');
  return s;
}

TEST_CASE("quicklist: versions published earlier in the turn read unchanged", "[engine][list]") {
  for (int64_t fill : {1, 4, 16, -1}) {
    INFO("fill " << fill);
    Keyspace ks(1, {});
    Db& db = ks.db(0);
    ListLimits limits;
    limits.fill = fill;
    std::mt19937_64 rng(uint64_t(fill + 1000));
    std::deque<std::string> model;
    int64_t next = 0;
    for (int turn = 0; turn < 300; ++turn) {
      std::vector<std::pair<const Entry*, std::vector<std::string>>> seen;
      for (int cmd = 0; cmd < 12; ++cmd) {
        Entry* e = db.Find("l", kNow);
        ListEditor ed(db, "l", e, limits);
        int op = int(rng() % 10);
        size_t k = 1 + rng() % 8;
        if (op <= 2 || model.size() < 4) {
          for (size_t j = 0; j < k; ++j) {
            std::string v = Value(rng, next++);
            ed.PushBack(v);
            model.push_back(v);
          }
        } else if (op <= 4) {
          for (size_t j = 0; j < k; ++j) {
            std::string v = Value(rng, next++);
            ed.PushFront(v);
            model.push_front(v);
          }
        } else if (op == 5) {
          std::vector<std::string> out;
          ed.PopFront(k, &out);
          for (const std::string& v : out) {
            REQUIRE(v == model.front());
            model.pop_front();
          }
        } else if (op == 6) {
          std::vector<std::string> out;
          ed.PopBack(k, &out);
          for (const std::string& v : out) {
            REQUIRE(v == model.back());
            model.pop_back();
          }
        } else if (op == 7) {  // pop then push at the same end: the watermark path
          std::vector<std::string> out;
          bool front = rng() % 2 == 0;
          front ? ed.PopFront(k, &out) : ed.PopBack(k, &out);
          for (size_t j = 0; j < out.size(); ++j) front ? model.pop_front() : model.pop_back();
          std::string v = Value(rng, next++);
          front ? ed.PushFront(v) : ed.PushBack(v);
          front ? model.push_front(v) : model.push_back(v);
        } else if (op == 8) {
          size_t at = rng() % model.size();
          std::string v = Value(rng, next++);
          ed.Set(at, v);
          model[at] = v;
        } else if (rng() % 8 == 0) {
          ed.Trim(1, 0);
          model.clear();
        } else {
          size_t a = rng() % 3, b = model.size() - 1 - rng() % 3;
          if (a <= b) {
            ed.Trim(a, b);
            model = std::deque<std::string>(model.begin() + ptrdiff_t(a),
                                            model.begin() + ptrdiff_t(b) + 1);
          }
        }
        REQUIRE(ed.Len() == model.size());
        ed.Commit();
        const Entry* now = db.Find("l", kNow);
        REQUIRE((now == nullptr) == model.empty());
        if (now != nullptr) {
          std::vector<std::string> got = Contents(*now);
          REQUIRE(got == std::vector<std::string>(model.begin(), model.end()));
          REQUIRE(ListLen(*now) == model.size());
          if (EncodingOf(*now) == Enc::kListQuicklist) {
            REQUIRE(ExternalBytes(*now) == RecountBytes(*now));
          }
          seen.emplace_back(now, std::move(got));
        }
        for (const auto& [old, want] : seen) REQUIRE(Contents(*old) == want);
      }
      QuiescentPoint();
    }
    db.Clear();
    DrainRetired();
  }
}

TEST_CASE("quicklist: readers see whole versions under end operations", "[engine][list]") {
  Keyspace ks(1, {});
  Db& db = ks.db(0);
  ListLimits limits;
  limits.fill = 4;
  VersionReaders readers(db, {"l"}, kNow, [](const Entry& e) {
    // Consecutive numbers, each padded with dots only.
    bool ok = true, first = true;
    int64_t prev = 0;
    size_t count = 0;
    ListForEachNode(e, [&](std::string_view elems, size_t n) {
      LpCursor c(elems);
      for (size_t i = 0; i < n && ok; ++i) {
        std::string_view v = c.Next();
        size_t digits = v.find('.');
        if (digits == std::string_view::npos) digits = v.size();
        int64_t x;
        if (!ParseInt64(v.substr(0, digits), &x) ||
            v.find_first_not_of('.', digits) != std::string_view::npos ||
            (!first && x != prev + 1)) {
          ok = false;
        }
        prev = x;
        first = false;
        ++count;
      }
    });
    return ok && count == ListLen(e);
  });
  std::mt19937_64 rng(11);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  int64_t lo = 0, hi = -1;  // the list holds lo..hi
  while (std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 50; ++i) {
      Entry* e = db.Find("l", kNow);
      if (e == nullptr) lo = 0, hi = -1;
      ListEditor ed(db, "l", e, limits);
      int op = int(rng() % 6);
      int64_t k = 1 + int64_t(rng() % 12);
      if (op == 0 || e == nullptr) {
        for (int64_t j = 0; j < k; ++j) ed.PushBack(Value(rng, ++hi));
      } else if (op == 1) {
        for (int64_t j = 0; j < k; ++j) ed.PushFront(Value(rng, --lo));
      } else if (op == 2) {
        k = std::min(k, hi - lo);
        ed.PopFront(size_t(k), nullptr);
        lo += k;
        ed.PushFront(Value(rng, --lo));  // rewrites the popped range's neighbourhood
      } else if (op == 3) {
        k = std::min(k, hi - lo);
        ed.PopBack(size_t(k), nullptr);
        hi -= k;
        ed.PushBack(Value(rng, ++hi));
      } else if (op == 4 && hi - lo > 2) {
        ed.Trim(1, size_t(hi - lo - 1));
        ++lo;
        --hi;
      } else if (hi >= lo) {
        size_t at = size_t(rng() % uint64_t(hi - lo + 1));
        ed.Set(at, Value(rng, lo + int64_t(at)));
      }
      if (hi - lo > 2000) {
        ed.Trim(0, 10);
        hi = lo + 10;
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

TEST_CASE("quicklist: abandoned edits; converts back to listpack after pops", "[engine][list]") {
  Keyspace ks(1, {});
  Db& db = ks.db(0);
  ListLimits limits;
  limits.fill = 4;
  {
    ListEditor ed(db, "l", nullptr, limits);
    for (int i = 0; i < 40; ++i) ed.PushBack(std::to_string(i));
    ed.Commit();
  }
  Entry* e = db.Find("l", kNow);
  REQUIRE(EncodingOf(*e) == Enc::kListQuicklist);
  std::vector<std::string> before = Contents(*e);
  {  // an edit abandoned before Commit frees what it made and changes nothing
    ListEditor ed(db, "l", e, limits);
    ed.PopBack(3, nullptr);
    for (int i = 0; i < 50; ++i) ed.PushFront("x" + std::to_string(i));
    for (int i = 0; i < 50; ++i) ed.PushBack("y" + std::to_string(i));
  }
  CHECK(Contents(*db.Find("l", kNow)) == before);
  // Pops down to one small chunk: back to listpack.
  {
    ListEditor ed(db, "l", e, limits);
    ed.PopFront(38, nullptr);
    ed.Commit();
  }
  e = db.Find("l", kNow);
  REQUIRE(EncodingOf(*e) == Enc::kListListpack);
  CHECK(Contents(*e) == std::vector<std::string>{"38", "39"});
  QuiescentPoint();
  db.Clear();
  DrainRetired();
}

}  // namespace
}  // namespace brisk::engine
