// Set commands against the exact RESP bytes Redis 7 sends, the three encodings and
// their thresholds, events, effects with replay, and a randomized comparison with a
// std::set model.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "collection_test_util.h"

namespace brisk::test {
namespace {

using Strs = std::vector<std::string>;

struct Fixture : CollectionFixture {
  Strs Members(std::string_view key) { return Sorted(Flat(Run({"smembers", key}))); }
};

TEST_CASE("SADD / SREM / SMEMBERS / SISMEMBER / SMISMEMBER / SCARD", "[set]") {
  Fixture f;
  CHECK(f.Run({"sadd", "s", "3", "1", "2", "1"}) == Int(3));
  CHECK(f.Encoding("s") == Bulk("intset"));
  CHECK(f.Run({"smembers", "s"}) == BulkArr({"1", "2", "3"}));  // intset: ascending
  CHECK(f.Run({"sadd", "s", "2"}) == Int(0));
  CHECK(f.Run({"sismember", "s", "2"}) == Int(1));
  CHECK(f.Run({"sismember", "s", "02"}) == Int(0));
  CHECK(f.Run({"sismember", "none", "2"}) == Int(0));
  CHECK(f.Run({"smismember", "s", "1", "x", "3"}) == Arr({Int(1), Int(0), Int(1)}));
  CHECK(f.Run({"scard", "s"}) == Int(3));
  CHECK(f.Run({"scard", "none"}) == Int(0));
  CHECK(f.Run({"sadd", "s", "a"}) == Int(1));
  CHECK(f.Encoding("s") == Bulk("listpack"));
  CHECK(f.Run({"smembers", "s"}) == BulkArr({"1", "2", "3", "a"}));
  CHECK(f.Run({"srem", "s", "1", "zz", "a"}) == Int(2));
  CHECK(f.Run({"srem", "none", "1"}) == Int(0));
  CHECK(f.Run({"srem", "s", "2", "3"}) == Int(2));
  CHECK(f.Run({"exists", "s"}) == Int(0));
  CHECK(f.Run({"smembers", "none"}) == "*0\r\n");
  f.h.client().resp = 3;
  f.Run({"sadd", "r", "x"});
  CHECK(f.Run({"smembers", "r"}) == "~1\r\n" + Bulk("x"));
  CHECK(f.Run({"smembers", "none"}) == "~0\r\n");
}

TEST_CASE("set WRONGTYPE", "[set]") {
  Fixture f;
  f.Run({"set", "str", "x"});
  f.Run({"sadd", "s", "a"});
  for (auto* c : {"sadd", "srem", "sismember", "smismember"})
    CHECK(f.Run({c, "str", "a"}) == kWrongType);
  for (auto* c : {"smembers", "scard", "spop", "srandmember"})
    CHECK(f.Run({c, "str"}) == kWrongType);
  CHECK(f.Run({"smove", "str", "s", "a"}) == kWrongType);
  CHECK(f.Run({"smove", "s", "str", "a"}) == kWrongType);
  CHECK(f.Run({"smove", "none", "str", "a"}) == Int(0));  // a missing source wins
  CHECK(f.Run({"sinter", "s", "str"}) == kWrongType);
  CHECK(f.Run({"sunionstore", "d", "s", "str"}) == kWrongType);
  CHECK(f.Run({"sscan", "str", "0"}) == kWrongType);
  CHECK(f.Run({"get", "s"}) == kWrongType);
}

TEST_CASE("set encodings: intset -> listpack -> hashtable at each threshold", "[set][encoding]") {
  Fixture f;
  for (int i = 0; i < 512; ++i) f.Run({"sadd", "ints", std::to_string(i * 1000)});
  CHECK(f.Encoding("ints") == Bulk("intset"));
  f.Run({"sadd", "ints", "-1"});
  CHECK(f.Encoding("ints") == Bulk("hashtable"));  // intset past 512: hashtable
  CHECK(f.Run({"scard", "ints"}) == Int(513));
  CHECK(f.Run({"sismember", "ints", "511000"}) == Int(1));

  for (int i = 0; i < 127; ++i) f.Run({"sadd", "mix", std::to_string(i)});
  f.Run({"sadd", "mix", "x"});  // 127 ints + a string: listpack
  CHECK(f.Encoding("mix") == Bulk("listpack"));
  f.Run({"sadd", "mix", "y"});  // 129 members
  CHECK(f.Encoding("mix") == Bulk("hashtable"));

  for (int i = 0; i < 128; ++i) f.Run({"sadd", "many", std::to_string(i)});
  f.Run({"sadd", "many", "x"});  // 128 ints: no room in a listpack
  CHECK(f.Encoding("many") == Bulk("hashtable"));

  f.Run({"sadd", "long", std::string(64, 'a')});
  CHECK(f.Encoding("long") == Bulk("listpack"));
  f.Run({"sadd", "long", std::string(65, 'b')});
  CHECK(f.Encoding("long") == Bulk("hashtable"));

  // Creation picks by the first member and the number of members given.
  std::vector<std::string> args = {"sadd", "hint"};
  for (int i = 0; i < 129; ++i) args.push_back("m");
  f.Run(args);
  CHECK(f.Encoding("hint") == Bulk("hashtable"));
  CHECK(f.Run({"config", "set", "set-max-intset-entries", "2"}) == kOk);
  f.Run({"sadd", "small", "1", "2"});
  CHECK(f.Encoding("small") == Bulk("intset"));
  f.Run({"sadd", "small", "3"});
  CHECK(f.Encoding("small") == Bulk("hashtable"));
  CHECK(f.Run({"config", "set", "set-max-listpack-entries", "1"}) == kOk);
  CHECK(f.Run({"config", "set", "set-max-listpack-value", "2"}) == kOk);
  f.Run({"sadd", "lp", "ab"});
  CHECK(f.Encoding("lp") == Bulk("listpack"));
  f.Run({"sadd", "lp", "cd"});
  CHECK(f.Encoding("lp") == Bulk("hashtable"));
}

TEST_CASE("SPOP and SRANDMEMBER", "[set]") {
  Fixture f;
  CHECK(f.Run({"spop", "none"}) == kNil);
  CHECK(f.Run({"spop", "none", "2"}) == "*0\r\n");
  CHECK(f.Run({"srandmember", "none"}) == kNil);
  CHECK(f.Run({"srandmember", "none", "5"}) == "*0\r\n");
  f.Run({"sadd", "s", "a", "b", "c", "d"});
  CHECK(f.Run({"spop", "s", "-1"}) == Err("ERR value is out of range, must be positive"));
  CHECK(f.Run({"spop", "s", "x"}) == kNotInt);
  CHECK(f.Run({"spop", "s", "1", "2"}) == kSyntaxErr);
  CHECK(f.Run({"spop", "s", "0"}) == "*0\r\n");
  auto one = Flat(f.Run({"spop", "s"}));
  CHECK(f.Run({"scard", "s"}) == Int(3));
  CHECK(f.Run({"sismember", "s", one[0]}) == Int(0));
  auto two = Flat(f.Run({"spop", "s", "2"}));
  CHECK(two.size() == 2);
  CHECK(f.Run({"scard", "s"}) == Int(1));
  auto rest = Flat(f.Run({"spop", "s", "10"}));
  CHECK(rest.size() == 1);
  CHECK(f.Run({"exists", "s"}) == Int(0));
  Strs all = Sorted({one[0], two[0], two[1], rest[0]});
  CHECK(all == Strs{"a", "b", "c", "d"});

  f.Run({"sadd", "r", "1", "2", "3"});
  CHECK(Sorted(Flat(f.Run({"srandmember", "r", "10"}))) == Strs{"1", "2", "3"});
  auto d = Flat(f.Run({"srandmember", "r", "2"}));
  CHECK((d.size() == 2 && d[0] != d[1]));
  CHECK(Flat(f.Run({"srandmember", "r", "-7"})).size() == 7);
  CHECK(f.Run({"srandmember", "r", "0"}) == "*0\r\n");
  CHECK(f.Run({"srandmember", "r", "-9223372036854775808"}) == Err("ERR value is out of range"));
  CHECK(f.Run({"scard", "r"}) == Int(3));
  for (int i = 0; i < 1000; ++i) f.Run({"sadd", "big", "m" + std::to_string(i)});
  auto p = Flat(f.Run({"spop", "big", "600"}));
  CHECK(std::set<std::string>(p.begin(), p.end()).size() == 600);
  CHECK(f.Run({"scard", "big"}) == Int(400));
  auto q = Flat(f.Run({"srandmember", "big", "390"}));
  CHECK(std::set<std::string>(q.begin(), q.end()).size() == 390);
}

TEST_CASE("SMOVE", "[set]") {
  Fixture f;
  f.Run({"sadd", "a", "x", "y"});
  CHECK(f.Run({"smove", "a", "b", "zz"}) == Int(0));
  CHECK(f.Run({"smove", "a", "a", "x"}) == Int(1));
  CHECK(f.Run({"smove", "a", "a", "zz"}) == Int(0));
  CHECK(f.Run({"smove", "a", "b", "x"}) == Int(1));
  CHECK(f.Members("a") == Strs{"y"});
  CHECK(f.Members("b") == Strs{"x"});
  f.Run({"sadd", "b", "y"});
  CHECK(f.Run({"smove", "a", "b", "y"}) == Int(1));  // already there: just removed
  CHECK(f.Run({"exists", "a"}) == Int(0));
  CHECK(f.Members("b") == Strs{"x", "y"});
}

TEST_CASE("SINTER / SUNION / SDIFF, STORE forms and SINTERCARD", "[set]") {
  Fixture f;
  f.Run({"sadd", "a", "1", "2", "3", "x"});
  f.Run({"sadd", "b", "2", "3", "4"});
  f.Run({"sadd", "c", "3", "x", "5"});
  CHECK(Sorted(Flat(f.Run({"sinter", "a", "b"}))) == Strs{"2", "3"});
  CHECK(Sorted(Flat(f.Run({"sinter", "a", "b", "c"}))) == Strs{"3"});
  CHECK(f.Run({"sinter", "a", "none"}) == "*0\r\n");
  CHECK(Sorted(Flat(f.Run({"sunion", "a", "none", "c"}))) == Strs{"1", "2", "3", "5", "x"});
  CHECK(Sorted(Flat(f.Run({"sdiff", "a", "b", "none"}))) == Strs{"1", "x"});
  CHECK(f.Run({"sdiff", "none", "a"}) == "*0\r\n");
  CHECK(f.Run({"sdiff", "a", "a"}) == "*0\r\n");
  CHECK(f.Run({"sinterstore", "d", "a", "b"}) == Int(2));
  CHECK(f.Members("d") == Strs{"2", "3"});
  CHECK(f.Encoding("d") == Bulk("intset"));
  CHECK(f.Run({"sunionstore", "a", "a", "c"}) == Int(5));  // destination among sources
  CHECK(f.Members("a") == Strs{"1", "2", "3", "5", "x"});
  f.Run({"set", "str", "v"});
  CHECK(f.Run({"sdiffstore", "str", "b", "a"}) == Int(1));  // overwrites any type
  CHECK(f.Members("str") == Strs{"4"});
  CHECK(f.Run({"sinterstore", "str", "b", "none"}) == Int(0));
  CHECK(f.Run({"exists", "str"}) == Int(0));
  CHECK(f.Run({"sintercard", "2", "a", "b"}) == Int(2));
  CHECK(f.Run({"sintercard", "2", "a", "b", "limit", "1"}) == Int(1));
  CHECK(f.Run({"sintercard", "2", "a", "b", "limit", "0"}) == Int(2));
  CHECK(f.Run({"sintercard", "0", "a"}) == Err("ERR numkeys should be greater than 0"));
  CHECK(f.Run({"sintercard", "3", "a", "b"}) ==
        Err("ERR Number of keys can't be greater than number of args"));
  CHECK(f.Run({"sintercard", "2", "a", "b", "limit", "-1"}) == Err("ERR LIMIT can't be negative"));
  CHECK(f.Run({"sintercard", "1", "a", "bogus"}) == kSyntaxErr);
  CHECK(f.Run({"sintercard", "x", "a"}) == kNotInt);
}

TEST_CASE("SSCAN", "[set]") {
  Fixture f;
  f.Run({"sadd", "i", "10", "2", "33"});
  CHECK(f.Run({"sscan", "i", "0"}) == Arr({Bulk("0"), BulkArr({"2", "10", "33"})}));
  CHECK(f.Run({"sscan", "i", "0", "match", "*3*"}) == Arr({Bulk("0"), BulkArr({"33"})}));
  CHECK(f.Run({"sscan", "i", "0", "novalues"}) == kSyntaxErr);
  for (int i = 0; i < 3000; ++i) f.Run({"sadd", "big", "m" + std::to_string(i)});
  std::set<std::string> seen;
  std::string cursor = "0";
  do {
    auto r = Flat(f.Run({"sscan", "big", cursor}));
    cursor = r[0];
    seen.insert(r.begin() + 1, r.end());
  } while (cursor != "0");
  CHECK(seen.size() == 3000);
}

TEST_CASE("set keyspace events", "[set][notify]") {
  Fixture f;
  KeyeventTap tap(&f.h);
  f.Run({"sadd", "s", "a", "b", "c"});
  f.Run({"sadd", "s", "a"});  // nothing added: no event
  f.Run({"srem", "s", "zz"});
  f.Run({"srem", "s", "a"});
  f.Run({"smove", "s", "t", "b"});
  f.Run({"spop", "s"});
  f.Run({"sunionstore", "u", "t"});
  f.Run({"sinterstore", "u", "none"});
  CHECK(tap.Take() == Strs{"new s", "sadd s", "srem s", "srem s", "new t", "sadd t", "spop s",
                           "del s", "new u", "sunionstore u", "del u"});
}

TEST_CASE("set effects are exact and replay to the same state", "[set][effects]") {
  Fixture f;
  EffectLog log(&f.h);
  f.Run({"sadd", "s", "1", "2", "3", "x"});
  f.Run({"sadd", "s", "1"});
  f.Run({"srem", "s", "2", "zz"});
  CHECK(log.Texts() == Strs{"SADD s 1 2 3 x", "SREM s 2 zz"});
  auto popped = Flat(f.Run({"spop", "s"}));
  CHECK(log.Texts() == Strs{"SREM s " + popped[0]});
  f.Run({"smove", "s", "t", "x"});
  f.Run({"sunionstore", "u", "s", "t"});
  f.Run({"expire", "u", "50"});
  for (int i = 0; i < 700; ++i) f.Run({"sadd", "big", std::to_string(i)});
  f.Run({"spop", "big", "100"});
  f.Run({"copy", "big", "big2"});
  Harness replay;
  replay.SetTime(kNow);
  log.Replay(&replay);
  for (auto* key : {"s", "t", "u", "big", "big2"}) {
    INFO(key);
    CHECK(Sorted(Flat(replay.Run({"smembers", key}))) == Sorted(Flat(f.Run({"smembers", key}))));
    CHECK(replay.Run({"pexpiretime", key}) == f.Run({"pexpiretime", key}));
    CHECK(replay.Run({"object", "encoding", key}) == f.Run({"object", "encoding", key}));
  }
}

TEST_CASE("randomized set commands match a std::set model", "[set][random]") {
  for (int limit : {3, 128}) {
    Fixture f;
    f.Run({"config", "set", "set-max-intset-entries", std::to_string(limit)});
    f.Run({"config", "set", "set-max-listpack-entries", std::to_string(limit)});
    std::map<std::string, std::set<std::string>> model;
    std::mt19937_64 rng(limit + 7);
    auto pick = [&](int n) { return int(rng() % uint64_t(n)); };
    auto member = [&] {
      int space = limit == 3 ? 10 : 300;
      return pick(2) ? std::to_string(pick(space)) : "m" + std::to_string(pick(space));
    };
    for (int step = 0; step < 6000; ++step) {
      std::string key = "k" + std::to_string(pick(3));
      std::string k2 = "k" + std::to_string(pick(3));
      std::string m = member(), m2 = member();
      auto& s = model[key];
      std::string got, want;
      int op = pick(10);
      INFO(step << " op " << op << " " << key << " " << m);
      if (op <= 2) {
        got = f.Run({"sadd", key, m, m2});
        int added = int(s.insert(m).second);
        added += int(s.insert(m2).second);
        want = Int(added);
      } else if (op == 3) {
        got = f.Run({"srem", key, m, m2});
        want = Int(int(s.erase(m)) + int(s.erase(m2)));
      } else if (op == 4) {
        got = f.Run({"sismember", key, m});
        want = Int(int(s.count(m)));
      } else if (op == 5) {
        got = f.Run({"scard", key});
        want = Int(int64_t(s.size()));
      } else if (op == 6) {
        CHECK(f.Members(key) == Strs(s.begin(), s.end()));
        continue;
      } else if (op == 7) {
        got = f.Run({"smove", key, k2, m});
        bool moved = s.count(m) == 1;
        if (moved && key != k2) {
          s.erase(m);
          model[k2].insert(m);
        }
        want = Int(moved ? 1 : 0);
      } else if (op == 8) {
        auto r = Flat(f.Run({"spop", key}));
        if (s.empty()) {
          want = "(nil)";
        } else {
          want = s.count(r[0]) ? r[0] : "not a member";
          s.erase(r[0]);
        }
        got = r[0];
      } else {
        std::set<std::string> inter;
        for (auto& x : s) {
          if (model[k2].count(x)) inter.insert(x);
        }
        CHECK(Sorted(Flat(f.Run({"sinter", key, k2}))) == Strs(inter.begin(), inter.end()));
        continue;
      }
      for (auto it = model.begin(); it != model.end();) {
        it = it->second.empty() ? model.erase(it) : std::next(it);
      }
      REQUIRE(got == want);
      REQUIRE(f.Run({"exists", key}) == Int(model.count(key) ? 1 : 0));
    }
  }
}

}  // namespace
}  // namespace brisk::test
