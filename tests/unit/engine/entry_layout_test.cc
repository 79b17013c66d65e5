// Entry layout (keyspace.h): value lengths across the narrow / mid / wide boundaries,
// with and without expiry and LSN, round-trip and account exactly; entries in the
// exact-fit range come from engine/slab.h and are accounted in 8-byte steps.
#include <catch2/catch.hpp>

#include <string>

#include "engine/keyspace.h"
#include "engine/rcu.h"
#include "engine/slab.h"
#include "engine_test_util.h"

namespace brisk::engine {
namespace {

using testing::CheckAccounting;
using testing::kRawView;

std::string Pattern(size_t n, char seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = char(seed + char(i * 7));
  return s;
}

TEST_CASE("entry layout: value lengths across the mid and wide boundaries", "[engine]") {
  Keyspace ks(1, {});
  Db& db = ks.db(0);
  const size_t lengths[] = {0,   1,    100,  113,  114,  255,   256,   257,
                            300, 1000, 2000, 2048, 4000, 65535, 65536, 70000};
  const std::string keys[] = {"k", std::string(200, 'k'), std::string(255, 'q'),
                              std::string(256, 'w')};
  int n = 0;
  for (bool lsn : {false, true}) {
    ks.set_track_lsn(lsn);
    ks.AdvanceLsn();
    for (int64_t expire : {int64_t{0}, int64_t{4'000'000'000'000}}) {
      for (const std::string& base : keys) {
        for (size_t len : lengths) {
          std::string key = base + ":" + std::to_string(n++);
          std::string value = Pattern(len, char('a' + n % 20));
          Entry* e = db.InsertString(key, value, expire);
          REQUIRE(e != nullptr);
          char buf[32];
          REQUIRE(e->key() == key);
          REQUIRE(e->StringValue(buf) == value);
          REQUIRE(e->expire_at_ms() == expire);
          REQUIRE(e->lsn() == (lsn ? ks.lsn() : 0));
          size_t own = e->MemoryBytes();
          REQUIRE(own >= 16 + key.size() + len);
          if (slab::Serves(own)) REQUIRE(own % slab::kGranule == 0);
          // A value of 256..65535 bytes with a short key costs one length byte more
          // than a short value, not eight (the mid encoding).
          if (key.size() <= 255 && len >= 256 && len <= 65535 && !lsn && expire == 0) {
            REQUIRE(Entry::AllocClass(15 + 1 + key.size() + len) == own);
          }
        }
      }
    }
  }
  CheckAccounting(ks, db);
  // Changing expiry and value keeps every field.
  for (int i = 0; i < n; i += 5) {
    std::vector<std::string> found;
    db.Keys("*:" + std::to_string(i), kRawView, &found);
    REQUIRE(found.size() == 1);
    Entry* e = db.Find(found[0], kRawView, false);
    if (e == nullptr) continue;  // an expired one (none are: the deadline is far off)
    std::string value = Pattern(300 + size_t(i), 'x');
    e = db.SetString(e, value);
    e = db.SetExpire(e, 0);
    char buf[32];
    REQUIRE(e->StringValue(buf) == value);
    REQUIRE(e->expire_at_ms() == 0);
    REQUIRE(e->key() == found[0]);
  }
  CheckAccounting(ks, db);
}

}  // namespace
}  // namespace brisk::engine
