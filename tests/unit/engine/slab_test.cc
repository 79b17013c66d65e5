// The exact-fit allocator (engine/slab.h): random alloc/free against a model (no two
// live blocks overlap, contents survive, exact stats), page return to the OS, FreeBlock
// dispatch. The allocator is process-wide, so every check is a delta over the test.
#include "engine/slab.h"

#include <sys/mman.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstring>
#include <map>
#include <random>
#include <vector>

namespace brisk::engine::slab {
namespace {

struct Block {
  char* p;
  size_t n;
  unsigned char fill;
};

bool Resident(const void* page) {
  unsigned char v = 0;
  REQUIRE(mincore(const_cast<void*>(page), size_t(sysconf(_SC_PAGESIZE)), &v) == 0);
  return (v & 1) != 0;
}

TEST_CASE("slab: sizes and ranges") {
  CHECK_FALSE(Serves(128));
  CHECK(Serves(129));
  CHECK(Serves(2048));
  CHECK_FALSE(Serves(2049));
  CHECK(SlotBytes(129) == 136);
  CHECK(SlotBytes(297) == 304);
  CHECK(SlotBytes(2048) == 2048);
  void* m = std::malloc(300);
  CHECK_FALSE(Owns(m));
  std::free(m);
  int local = 0;
  CHECK_FALSE(Owns(&local));
  CHECK_FALSE(Owns(nullptr));
}

TEST_CASE("slab: random alloc/free against a model") {
  const Stats before = GetStats();
  std::mt19937_64 rng(7);
  std::vector<Block> live;
  size_t live_bytes = 0;
  for (int step = 0; step < 60000; ++step) {
    bool alloc = live.empty() || (rng() % 100) < (step < 30000 ? 60 : 40);
    if (alloc) {
      size_t n = kMinBytes + rng() % (kMaxBytes - kMinBytes + 1);
      auto* p = static_cast<char*>(Alloc(n));
      REQUIRE(p != nullptr);
      REQUIRE(Owns(p));
      REQUIRE(reinterpret_cast<uintptr_t>(p) % 8 == 0);
      auto fill = static_cast<unsigned char>(rng());
      std::memset(p, fill, n);
      live.push_back({p, n, fill});
      live_bytes += SlotBytes(n);
    } else {
      size_t k = rng() % live.size();
      Block b = live[k];
      live[k] = live.back();
      live.pop_back();
      for (size_t i = 0; i < b.n; ++i) REQUIRE(static_cast<unsigned char>(b.p[i]) == b.fill);
      Free(b.p);
      live_bytes -= SlotBytes(b.n);
    }
    if (step % 5000 == 0) {
      Stats s = GetStats();
      REQUIRE(s.live_blocks - before.live_blocks == live.size());
      REQUIRE(s.live_bytes - before.live_bytes == live_bytes);
    }
  }
  // No two live blocks overlap: every block still holds its own fill.
  std::map<uintptr_t, size_t> spans;
  for (const Block& b : live) {
    for (size_t i = 0; i < b.n; ++i) REQUIRE(static_cast<unsigned char>(b.p[i]) == b.fill);
    spans[reinterpret_cast<uintptr_t>(b.p)] = SlotBytes(b.n);
  }
  uintptr_t end = 0;
  for (auto [at, len] : spans) {
    REQUIRE(at >= end);
    end = at + len;
  }
  for (const Block& b : live) Free(b.p);
  Stats after = GetStats();
  CHECK(after.live_blocks == before.live_blocks);
  CHECK(after.live_bytes == before.live_bytes);
  // Every page the test added was emptied, hence released (invariant 2).
  CHECK(after.page_bytes == before.page_bytes);
}

TEST_CASE("slab: an emptied page goes back to the OS at once and is reused") {
  const Stats before = GetStats();
  const size_t per_page = kPageBytes / 2048;
  std::vector<char*> blocks;
  for (size_t i = 0; i < 4 * per_page; ++i) {
    auto* p = static_cast<char*>(Alloc(2048));
    REQUIRE(p != nullptr);
    std::memset(p, 0x5A, 2048);
    blocks.push_back(p);
  }
  // Pages that hold only this test's blocks (all of their slots).
  std::map<uintptr_t, size_t> per;
  for (char* p : blocks) ++per[reinterpret_cast<uintptr_t>(p) & ~(kPageBytes - 1)];
  std::vector<uintptr_t> mine;
  for (auto [page, count] : per) {
    if (count == per_page) mine.push_back(page);
  }
  REQUIRE(mine.size() >= 3);
  for (uintptr_t page : mine) CHECK(Resident(reinterpret_cast<void*>(page)));
  const Stats peak = GetStats();
  CHECK(peak.page_bytes - before.page_bytes >= mine.size() * kPageBytes);
  for (char* p : blocks) Free(p);
  for (uintptr_t page : mine) CHECK_FALSE(Resident(reinterpret_cast<void*>(page)));
  Stats after = GetStats();
  CHECK(after.page_bytes == before.page_bytes);
  CHECK(after.free_pages >= peak.free_pages + mine.size());
  // A released page is handed out again before the range grows.
  auto* again = static_cast<char*>(Alloc(1000));
  REQUIRE(again != nullptr);
  Stats now = GetStats();
  if (now.page_bytes > after.page_bytes) CHECK(now.free_pages == after.free_pages - 1);
  std::memset(again, 1, 1000);
  Free(again);
}

TEST_CASE("slab: FreeBlock frees blocks of either origin") {
  const Stats before = GetStats();
  void* a = Alloc(300);
  void* b = std::malloc(300);
  REQUIRE(a != nullptr);
  FreeBlock(a);
  FreeBlock(b);
  FreeBlock(nullptr);
  CHECK(GetStats().live_blocks == before.live_blocks);
}

}  // namespace
}  // namespace brisk::engine::slab
