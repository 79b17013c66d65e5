// Table::Lookup against the array switches of a rehash (table.h invariant 5), made
// deterministic with Table::finish_rehash_seam: the lookups run exactly at the point
// where FinishRehashIfDone has stored ht_[0] = ht_[1] and not yet cleared ht_[1], the
// state a reader thread meets when the writer is preempted between those two stores
// (issue #3: the [stress] test's "stable key missing" under TSan).
#include <catch2/catch.hpp>

#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include "engine/rcu.h"
#include "engine/table.h"

namespace brisk::engine {
namespace {

std::string Key(int i) {
  return "s:" + std::to_string(i);
}

struct SeamCheck {
  std::set<std::string> present;  // the keys linked right now
  size_t calls = 0;
  size_t misses = 0;
  std::string first_miss;
};
SeamCheck* g_check = nullptr;

void LookUpEveryKey(const Table& t) {
  ++g_check->calls;
  for (const std::string& k : g_check->present) {
    if (t.Lookup(k) == nullptr && g_check->misses++ == 0) g_check->first_miss = k;
  }
}

// Installs the seam for one test; removes it on every exit path.
class SeamScope {
 public:
  explicit SeamScope(SeamCheck* check) {
    g_check = check;
    Table::finish_rehash_seam.store(&LookUpEveryKey);
  }
  ~SeamScope() {
    Table::finish_rehash_seam.store(nullptr);
    g_check = nullptr;
  }
  SeamScope(const SeamScope&) = delete;
  SeamScope& operator=(const SeamScope&) = delete;
};

TEST_CASE("Lookup finds every key while a finishing rehash has both arrays equal", "[engine]") {
  SeamCheck check;
  Table t("s");
  {
    SeamScope seam(&check);
    // Grows (4 -> 8 -> ... -> 1024 buckets), then shrinks back as keys leave.
    for (int i = 0; i < 600; ++i) {
      std::string k = Key(i);
      t.Link(Table::NewEntry(k));
      check.present.insert(k);
    }
    for (int i = 0; i < 590; ++i) {
      std::string k = Key(i);
      check.present.erase(k);  // unlinked before Unlink's own rehash finish
      REQUIRE(t.Unlink(k) != nullptr);
      if (i % 64 == 0) QuiescentPoint();
    }
    while (t.rehashing()) t.RehashStep();  // the last shrink finishes under the seam too
  }
  INFO("first key missed: " << check.first_miss);
  CHECK(check.calls >= 10);  // 8 grows (4 -> 1024) and 2 shrinks (-> 128 -> 16)
  CHECK(check.misses == 0);
  for (const std::string& k : check.present) CHECK(t.Lookup(k) != nullptr);
  QuiescentPoint();
}

}  // namespace
}  // namespace brisk::engine
