// Helpers shared by the engine unit tests.
#pragma once

#include <catch2/catch.hpp>

#include <atomic>
#include <climits>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "engine/keyspace.h"
#include "engine/rcu.h"

namespace brisk::engine::testing {

// ThreadSanitizer builds run ~100x slower: the long randomized tests use fewer seeds
// there (the stress test is bounded by time instead), to stay well inside ctest's
// timeout. Every seed still runs in the normal and ASan builds.
#if defined(__SANITIZE_THREAD__)
inline constexpr bool kUnderTsan = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
inline constexpr bool kUnderTsan = true;
#else
inline constexpr bool kUnderTsan = false;
#endif
#else
inline constexpr bool kUnderTsan = false;
#endif

// A "now" before every deadline: Peek/Keys see every physically present entry.
inline constexpr int64_t kRawView = INT64_MIN;

struct ExpectedStats {
  size_t items = 0;
  size_t bytes = 0;
  size_t volatile_items = 0;
};

// Recomputes every table's counters from the entries and compares them with what the
// Db reports (keyspace.h invariants 2 and 5).
inline void CheckAccounting(const Keyspace& ks, const Db& db) {
  std::vector<std::string> keys;
  db.Keys("", kRawView, &keys);
  std::map<std::string, ExpectedStats> expect;
  size_t volatile_total = 0;
  for (const std::string& k : keys) {
    const Entry* e = db.Peek(k, kRawView);
    REQUIRE(e != nullptr);
    ExpectedStats& s = expect[std::string(ks.TableOf(k))];
    ++s.items;
    s.bytes += e->MemoryBytes();
    s.volatile_items += e->expire_at_ms() != 0;
    volatile_total += e->expire_at_ms() != 0;
  }
  REQUIRE(db.size() == keys.size());
  REQUIRE(db.volatile_size() == volatile_total);

  std::vector<std::string> names;
  db.ForEachTable([&](const TableStats& st) {
    names.emplace_back(st.name);
    auto it = expect.find(std::string(st.name));
    REQUIRE(it != expect.end());  // no empty or phantom tables
    CHECK(st.items == it->second.items);
    CHECK(st.bytes == it->second.bytes);
    CHECK(st.volatile_items == it->second.volatile_items);
    TableStats one;
    REQUIRE(db.GetTableStats(st.name, &one));
    CHECK(one.items == st.items);
    CHECK(one.bytes == st.bytes);
  });
  REQUIRE(names.size() == expect.size());
  size_t i = 0;
  for (const auto& [name, s] : expect) CHECK(names[i++] == name);  // name order
}

// Runs SCAN to completion; returns every key returned (with repeats) and the calls.
struct ScanRun {
  std::vector<std::string> keys;
  size_t calls = 0;
};

inline ScanRun FullScan(const Db& db, std::string_view pattern, size_t count, int64_t now_ms,
                        const ObjType* type = nullptr) {
  ScanRun run;
  uint64_t cursor = 0;
  do {
    cursor = db.Scan(cursor, pattern, count, type, now_ms, &run.keys);
    ++run.calls;
    REQUIRE(run.calls < 10'000'000);
  } while (cursor != 0);
  return run;
}

// Reader threads for the copy-on-write tests: each looks every key of `keys` up in a
// loop (Db::ReadGet at `now`; quiescent after each round) and counts a version for which
// whole(e) is false as torn, until Finish() (the destructor calls it too).
class VersionReaders {
 public:
  VersionReaders(Db& db, std::vector<std::string> keys, int64_t now,
                 std::function<bool(const Entry&)> whole, int threads = 2)
      : keys_(std::move(keys)), whole_(std::move(whole)) {
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this, &db, now] {
        ReaderThread reader;
        while (!stop_.load(std::memory_order_relaxed)) {
          for (const std::string& key : keys_) {
            db.ReadGet(key, now, [&](const Entry& e) {
              if (!whole_(e)) torn_.fetch_add(1);
              checked_.fetch_add(1, std::memory_order_relaxed);
            });
          }
          reader.Quiescent();
        }
      });
    }
  }
  ~VersionReaders() { Finish(); }
  VersionReaders(const VersionReaders&) = delete;
  VersionReaders& operator=(const VersionReaders&) = delete;

  void Finish() {
    stop_ = true;
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

  // After Finish(): no torn version, and enough versions were read to mean something.
  void CheckNoneTorn() const {
    CHECK(torn_.load() == 0);
    CHECK(checked_.load() > 100);
  }

 private:
  const std::vector<std::string> keys_;
  const std::function<bool(const Entry&)> whole_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> checked_{0}, torn_{0};
  std::vector<std::thread> threads_;
};

}  // namespace brisk::engine::testing
