// Contract 4 of parser.h: parser memory is O(args that arrived), never proportional to
// a declared count or length. This file replaces the global operator new of the
// unit_resp binary to record the largest single allocation made while a test watches.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "../counting_new.h"
#include "resp/parser.h"

namespace {
std::atomic<bool> g_watching{false};
std::atomic<size_t> g_largest{0};
}  // namespace

void OnTestAllocation(size_t size) noexcept {
  if (g_watching.load(std::memory_order_relaxed) &&
      size > g_largest.load(std::memory_order_relaxed)) {
    g_largest.store(size, std::memory_order_relaxed);
  }
}

namespace brisk::resp {
namespace {

// The largest allocation made by fn().
template <typename Fn>
size_t LargestAllocation(Fn fn) {
  g_largest = 0;
  g_watching = true;
  fn();
  g_watching = false;
  return g_largest;
}

TEST_CASE("Parser: a declared count does not allocate in proportion", "[resp][parser]") {
  Parser p;
  size_t consumed = 0;
  std::vector<std::string_view> args;
  args.reserve(16);
  std::string buf = "*1000000\r\n";
  size_t largest = LargestAllocation([&] {
    REQUIRE(p.Parse(buf, &consumed, &args) == ParseResult::kNeedMore);
    buf += "$3\r\nfoo\r\n";
    REQUIRE(p.Parse(buf, &consumed, &args) == ParseResult::kNeedMore);
  });
  // At most 1024 reserved (offset, len) spans.
  REQUIRE(largest <= 1024 * sizeof(std::pair<size_t, size_t>));
}

TEST_CASE("Parser: a declared bulk length does not allocate", "[resp][parser]") {
  Parser p;
  size_t consumed = 0;
  std::vector<std::string_view> args;
  args.reserve(16);
  const std::string buf = "*2\r\n$3\r\nSET\r\n$536870912\r\nabc";
  size_t largest =
      LargestAllocation([&] { REQUIRE(p.Parse(buf, &consumed, &args) == ParseResult::kNeedMore); });
  REQUIRE(largest <= 1024 * sizeof(std::pair<size_t, size_t>));
  REQUIRE(p.pending_bulk_hint() == 536870912 + 2 - 3);
}

TEST_CASE("Parser: the watcher sees allocations", "[resp][parser]") {
#ifdef BRISK_NO_NEW_OVERRIDE
  WARN("allocation counting is off under TSan");
  return;
#endif
  // Guards the two tests above against a replacement operator new that is never called.
  size_t largest = LargestAllocation([] {
    std::vector<char> v;
    v.reserve(100000);
  });
  REQUIRE(largest >= 100000);
}

}  // namespace
}  // namespace brisk::resp
