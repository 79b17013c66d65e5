// Hash commands against the exact RESP bytes Redis 7 sends, encodings and their
// thresholds, generic commands on hash keys, events, effects, and a randomized
// comparison with a std::map model.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "collection_test_util.h"
#include "common/numbers.h"
#include "engine/table.h"

namespace brisk::test {
namespace {

struct Fixture : CollectionFixture {
  // Table bytes must equal the sum of MEMORY USAGE of its keys; single-key tables here.
  size_t TableBytes(std::string_view table) {
    engine::TableStats s;
    return h.keyspace().db(0).GetTableStats(table, &s) ? s.bytes : 0;
  }
};

TEST_CASE("HSET / HGET / HMGET / HLEN / HEXISTS / HSTRLEN basics", "[hash]") {
  Fixture f;
  CHECK(f.Run({"hset", "h", "a", "1", "b", "22"}) == Int(2));
  CHECK(f.Run({"hset", "h", "a", "3", "c", "4"}) == Int(1));
  CHECK(f.Run({"hget", "h", "a"}) == Bulk("3"));
  CHECK(f.Run({"hget", "h", "zz"}) == kNil);
  CHECK(f.Run({"hget", "nokey", "a"}) == kNil);
  CHECK(f.Run({"hmget", "h", "a", "zz", "b"}) == Arr({Bulk("3"), kNil, Bulk("22")}));
  CHECK(f.Run({"hmget", "nokey", "a"}) == Arr({kNil}));
  CHECK(f.Run({"hlen", "h"}) == Int(3));
  CHECK(f.Run({"hlen", "nokey"}) == Int(0));
  CHECK(f.Run({"hexists", "h", "b"}) == Int(1));
  CHECK(f.Run({"hexists", "h", "x"}) == Int(0));
  CHECK(f.Run({"hstrlen", "h", "b"}) == Int(2));
  CHECK(f.Run({"hstrlen", "h", "x"}) == Int(0));
  // Listpack keeps insertion order; an overwrite keeps its place.
  CHECK(f.Run({"hgetall", "h"}) ==
        Arr({Bulk("a"), Bulk("3"), Bulk("b"), Bulk("22"), Bulk("c"), Bulk("4")}));
  CHECK(f.Run({"hkeys", "h"}) == Arr({Bulk("a"), Bulk("b"), Bulk("c")}));
  CHECK(f.Run({"hvals", "h"}) == Arr({Bulk("3"), Bulk("22"), Bulk("4")}));
  CHECK(f.Run({"hgetall", "nokey"}) == "*0\r\n");
  CHECK(f.Run({"hmset", "h", "d", "5"}) == kOk);
  CHECK(f.Run({"hsetnx", "h", "d", "6"}) == Int(0));
  CHECK(f.Run({"hsetnx", "h", "e", "7"}) == Int(1));
  CHECK(f.Run({"hget", "h", "d"}) == Bulk("5"));
  CHECK(f.Run({"hsetnx", "new", "f", "v"}) == Int(1));
  CHECK(f.Run({"type", "new"}) == "+hash\r\n");
  // Empty field and value are legal.
  CHECK(f.Run({"hset", "h", "", ""}) == Int(1));
  CHECK(f.Run({"hget", "h", ""}) == Bulk(""));
}

TEST_CASE("HGETALL replies a map in RESP3", "[hash]") {
  Fixture f;
  f.h.client().resp = 3;
  f.Run({"hset", "h", "a", "1"});
  CHECK(f.Run({"hgetall", "h"}) == "%1\r\n" + Bulk("a") + Bulk("1"));
  CHECK(f.Run({"hgetall", "none"}) == "%0\r\n");
}

TEST_CASE("hash arity, WRONGTYPE and number errors", "[hash]") {
  Fixture f;
  CHECK(f.Run({"hset", "h", "a", "1", "b"}) ==
        Err("ERR wrong number of arguments for 'hset' command"));
  CHECK(f.Run({"hmset", "h", "a", "1", "b"}) ==
        Err("ERR wrong number of arguments for 'hmset' command"));
  CHECK(f.Run({"hset", "h", "a"}) == Err("ERR wrong number of arguments for 'hset' command"));
  CHECK(f.Run({"exists", "h"}) == Int(0));
  f.Run({"set", "s", "x"});
  for (auto* cmd : {"hget", "hexists", "hstrlen", "hdel"}) {
    CHECK(f.Run({cmd, "s", "a"}) == kWrongType);
  }
  for (auto* cmd : {"hlen", "hgetall", "hkeys", "hvals", "hrandfield"}) {
    CHECK(f.Run({cmd, "s"}) == kWrongType);
  }
  CHECK(f.Run({"hset", "s", "a", "1"}) == kWrongType);
  CHECK(f.Run({"hsetnx", "s", "a", "1"}) == kWrongType);
  CHECK(f.Run({"hmget", "s", "a"}) == kWrongType);
  CHECK(f.Run({"hincrby", "s", "a", "1"}) == kWrongType);
  CHECK(f.Run({"hincrbyfloat", "s", "a", "1"}) == kWrongType);
  CHECK(f.Run({"hscan", "s", "0"}) == kWrongType);
  CHECK(f.Run({"get", "s"}) == Bulk("x"));
  f.Run({"hset", "h", "a", "1"});
  CHECK(f.Run({"get", "h"}) == kWrongType);
  CHECK(f.Run({"incr", "h"}) == kWrongType);
}

TEST_CASE("HINCRBY and HINCRBYFLOAT", "[hash]") {
  Fixture f;
  CHECK(f.Run({"hincrby", "h", "n", "5"}) == Int(5));
  CHECK(f.Run({"hincrby", "h", "n", "-7"}) == Int(-2));
  CHECK(f.Run({"hincrby", "h", "n", "x"}) == kNotInt);
  CHECK(f.Run({"hset", "h", "s", "abc", "big", "9223372036854775800"}) == Int(2));
  CHECK(f.Run({"hincrby", "h", "s", "1"}) == Err("ERR hash value is not an integer"));
  CHECK(f.Run({"hincrby", "h", "big", "10"}) == Err("ERR increment or decrement would overflow"));
  CHECK(f.Run({"hincrby", "h", "big", "7"}) == Int(INT64_MAX));
  CHECK(f.Run({"hincrbyfloat", "h", "fl", "10.5"}) == Bulk("10.5"));
  CHECK(f.Run({"hincrbyfloat", "h", "fl", "0.1"}) == Bulk("10.6"));
  CHECK(f.Run({"hincrbyfloat", "h", "n", "1.5e3"}) == Bulk("1498"));
  CHECK(f.Run({"hincrbyfloat", "h", "s", "1"}) == Err("ERR hash value is not a float"));
  CHECK(f.Run({"hincrbyfloat", "h", "fl", "abc"}) == Err("ERR value is not a valid float"));
  CHECK(f.Run({"hincrbyfloat", "h", "fl", "inf"}) == Err("ERR value is NaN or Infinity"));
  CHECK(f.Run({"hset", "h", "huge", "1e4932"}) == Int(1));
  CHECK(f.Run({"hincrbyfloat", "h", "huge", "1e4932"}) ==
        Err("ERR increment would produce NaN or Infinity"));
  CHECK(f.Run({"hget", "h", "fl"}) == Bulk("10.6"));
}

TEST_CASE("HDEL deletes fields and the emptied key", "[hash]") {
  Fixture f;
  f.Run({"hset", "h", "a", "1", "b", "2", "c", "3"});
  CHECK(f.Run({"hdel", "h", "a", "zz", "a"}) == Int(1));
  CHECK(f.Run({"hdel", "nokey", "a"}) == Int(0));
  CHECK(f.Run({"hdel", "h", "b", "c"}) == Int(2));
  CHECK(f.Run({"exists", "h"}) == Int(0));
  CHECK(f.Run({"type", "h"}) == "+none\r\n");
}

TEST_CASE("listpack converts to hashtable at each threshold, never back", "[hash][encoding]") {
  Fixture f;
  for (int i = 0; i < 128; ++i) f.Run({"hset", "h", "f" + std::to_string(i), "v"});
  CHECK(f.Encoding("h") == Bulk("listpack"));
  f.Run({"hset", "h", "f128", "v"});
  CHECK(f.Encoding("h") == Bulk("hashtable"));
  CHECK(f.Run({"hlen", "h"}) == Int(129));
  for (int i = 0; i < 120; ++i) f.Run({"hdel", "h", "f" + std::to_string(i)});
  CHECK(f.Encoding("h") == Bulk("hashtable"));
  CHECK(f.Run({"hget", "h", "f125"}) == Bulk("v"));

  // Value and field length: 64 fits, 65 does not.
  f.Run({"hset", "v", "a", std::string(64, 'x')});
  CHECK(f.Encoding("v") == Bulk("listpack"));
  f.Run({"hset", "v", "b", std::string(65, 'x')});
  CHECK(f.Encoding("v") == Bulk("hashtable"));
  f.Run({"hset", "k", std::string(65, 'k'), "1"});
  CHECK(f.Encoding("k") == Bulk("hashtable"));
  // HSET with more new fields than the limit converts at once.
  std::vector<std::string> args = {"hset", "many"};
  for (int i = 0; i < 129; ++i) {
    args.push_back("f");  // duplicates: the count of arguments decides, as Redis
    args.push_back("v");
  }
  CHECK(f.Run(args) == Int(1));
  CHECK(f.Encoding("many") == Bulk("hashtable"));

  // The thresholds are live config.
  CHECK(f.Run({"config", "set", "hash-max-listpack-entries", "2"}) == kOk);
  CHECK(f.Run({"config", "set", "hash-max-listpack-value", "3"}) == kOk);
  f.Run({"hset", "c", "a", "1", "b", "2"});
  CHECK(f.Encoding("c") == Bulk("listpack"));
  f.Run({"hset", "c", "c", "3"});
  CHECK(f.Encoding("c") == Bulk("hashtable"));
  f.Run({"hset", "d", "a", "1234"});
  CHECK(f.Encoding("d") == Bulk("hashtable"));
  CHECK(f.Run({"config", "get", "hash-max-listpack-entries"}) ==
        Arr({Bulk("hash-max-listpack-entries"), Bulk("2")}));
}

TEST_CASE("large hashes: commands, HSCAN cursor, memory accounting", "[hash][encoding]") {
  Fixture f;
  for (int i = 0; i < 5000; ++i) {
    f.Run({"hset", "t:h", "field" + std::to_string(i), "value" + std::to_string(i)});
  }
  CHECK(f.Encoding("t:h") == Bulk("hashtable"));
  CHECK(f.Run({"hlen", "t:h"}) == Int(5000));
  CHECK(f.Run({"hget", "t:h", "field4321"}) == Bulk("value4321"));
  auto all = Flat(f.Run({"hgetall", "t:h"}));
  CHECK(all.size() == 10000);
  // MEMORY USAGE includes the trie and equals the table's bytes (one key).
  std::string mem = f.Run({"memory", "usage", "t:h"});
  size_t usage = std::stoul(mem.substr(1));
  CHECK(usage > 5000 * 20);
  CHECK(usage == f.TableBytes("t"));
  // HSCAN visits everything with a real cursor.
  std::set<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    auto r = Flat(f.Run({"hscan", "t:h", cursor, "count", "100"}));
    cursor = r[0];
    for (size_t i = 1; i < r.size(); i += 2) seen.insert(r[i]);
    ++calls;
  } while (cursor != "0");
  CHECK(seen.size() == 5000);
  CHECK(calls > 10);
  auto m = Flat(f.Run({"hscan", "t:h", "0", "match", "field12?", "count", "100000"}));
  CHECK(m.size() == 1 + 2 * 10);
  auto nv = Flat(f.Run({"hscan", "t:h", "0", "count", "100000", "novalues"}));
  CHECK(nv.size() == 1 + 5000);
  for (int i = 0; i < 5000; ++i) f.Run({"hdel", "t:h", "field" + std::to_string(i)});
  CHECK(f.Run({"exists", "t:h"}) == Int(0));
  CHECK(f.TableBytes("t") == 0);
}

TEST_CASE("HSCAN on a listpack returns everything with cursor 0; option errors", "[hash]") {
  Fixture f;
  f.Run({"hset", "h", "a", "1", "b", "2", "ab", "3"});
  CHECK(f.Run({"hscan", "h", "0"}) ==
        Arr({Bulk("0"), Arr({Bulk("a"), Bulk("1"), Bulk("b"), Bulk("2"), Bulk("ab"), Bulk("3")})}));
  CHECK(f.Run({"hscan", "h", "0", "match", "a*", "count", "1"}) ==
        Arr({Bulk("0"), Arr({Bulk("a"), Bulk("1"), Bulk("ab"), Bulk("3")})}));
  CHECK(f.Run({"hscan", "h", "0", "novalues"}) ==
        Arr({Bulk("0"), Arr({Bulk("a"), Bulk("b"), Bulk("ab")})}));
  CHECK(f.Run({"hscan", "h", "x"}) == Err("ERR invalid cursor"));
  CHECK(f.Run({"hscan", "h", "0", "count", "0"}) == kSyntaxErr);
  CHECK(f.Run({"hscan", "h", "0", "count"}) == kSyntaxErr);
  CHECK(f.Run({"hscan", "h", "0", "bogus", "1"}) == kSyntaxErr);
  CHECK(f.Run({"hscan", "none", "0"}) == Arr({Bulk("0"), "*0\r\n"}));
}

TEST_CASE("HRANDFIELD", "[hash]") {
  Fixture f;
  CHECK(f.Run({"hrandfield", "none"}) == kNil);
  CHECK(f.Run({"hrandfield", "none", "3"}) == "*0\r\n");
  f.Run({"hset", "h", "a", "1", "b", "2", "c", "3"});
  auto one = f.Run({"hrandfield", "h"});
  CHECK((one == Bulk("a") || one == Bulk("b") || one == Bulk("c")));
  CHECK(f.Run({"hrandfield", "h", "0"}) == "*0\r\n");
  CHECK(Sorted(Flat(f.Run({"hrandfield", "h", "5"}))) == std::vector<std::string>{"a", "b", "c"});
  auto two = Flat(f.Run({"hrandfield", "h", "2"}));
  CHECK(two.size() == 2);
  CHECK(two[0] != two[1]);
  auto rep = Flat(f.Run({"hrandfield", "h", "-10"}));
  CHECK(rep.size() == 10);
  auto wv = Flat(f.Run({"hrandfield", "h", "-4", "withvalues"}));
  REQUIRE(wv.size() == 8);
  for (size_t i = 0; i < 8; i += 2) CHECK(std::to_string(wv[i][0] - 'a' + 1) == wv[i + 1]);
  f.h.client().resp = 3;
  CHECK(f.Run({"hrandfield", "h", "1", "withvalues"}).substr(0, 8) == "*1\r\n*2\r\n");
  f.h.client().resp = 2;
  CHECK(f.Run({"hrandfield", "h", "1", "bogus"}) == kSyntaxErr);
  CHECK(f.Run({"hrandfield", "h", "x"}) == kNotInt);
  CHECK(f.Run({"hrandfield", "h", "-9223372036854775808"}) == Err("ERR value is out of range"));
  CHECK(f.Run({"hrandfield", "h", "-9223372036854775807", "withvalues"}) ==
        Err("ERR value is out of range"));
  // Large encoding: distinct picks.
  for (int i = 0; i < 300; ++i) f.Run({"hset", "big", "f" + std::to_string(i), "v"});
  auto picks = Flat(f.Run({"hrandfield", "big", "50"}));
  CHECK(std::set<std::string>(picks.begin(), picks.end()).size() == 50);
  auto most = Flat(f.Run({"hrandfield", "big", "250"}));
  CHECK(std::set<std::string>(most.begin(), most.end()).size() == 250);
}

TEST_CASE("generic commands on hashes: TYPE, DEL, EXPIRE, RENAME, COPY, MOVE, SCAN TYPE",
          "[hash]") {
  Fixture f;
  for (int i = 0; i < 200; ++i) f.Run({"hset", "big", "f" + std::to_string(i), "v"});
  f.Run({"hset", "small", "a", "1"});
  CHECK(f.Run({"type", "big"}) == "+hash\r\n");
  CHECK(f.Run({"expire", "small", "100"}) == Int(1));
  CHECK(f.Run({"ttl", "small"}) == Int(100));
  f.Run({"hset", "small", "b", "2"});
  CHECK(f.Run({"ttl", "small"}) == Int(100));  // writes keep the TTL
  CHECK(f.Run({"rename", "big", "big2"}) == kOk);
  CHECK(f.Run({"hlen", "big2"}) == Int(200));
  CHECK(f.Run({"copy", "big2", "big3"}) == Int(1));
  f.Run({"hdel", "big2", "f1"});
  CHECK(f.Run({"hlen", "big3"}) == Int(200));  // the copy is independent
  CHECK(f.Run({"hlen", "big2"}) == Int(199));
  CHECK(f.Run({"copy", "small", "small2"}) == Int(1));
  CHECK(f.Run({"hgetall", "small2"}) == Arr({Bulk("a"), Bulk("1"), Bulk("b"), Bulk("2")}));
  CHECK(f.Run({"move", "big3", "1"}) == Int(1));
  CHECK(f.Run({"select", "1"}) == kOk);
  CHECK(f.Run({"hget", "big3", "f1"}) == Bulk("v"));
  CHECK(f.Run({"select", "0"}) == kOk);
  f.Run({"set", "str", "x"});
  auto scan = Flat(f.Run({"scan", "0", "type", "hash", "count", "1000"}));
  CHECK(Sorted({scan.begin() + 1, scan.end()}) ==
        std::vector<std::string>{"big2", "small", "small2"});
  CHECK(f.Run({"set", "big2", "now a string"}) == kOk);  // overwrite releases the trie
  CHECK(f.Run({"type", "big2"}) == "+string\r\n");
  CHECK(f.Run({"del", "small", "small2"}) == Int(2));
}

TEST_CASE("large hashes are released on expiry, FLUSHALL and at exit", "[hash]") {
  // Under ASan/LSan a missed release is a leak report.
  Fixture f;
  for (int i = 0; i < 300; ++i) {
    f.Run({"hset", "a", "f" + std::to_string(i), "v"});
    f.Run({"hset", "b", "f" + std::to_string(i), "v"});
    f.Run({"hset", "c", "f" + std::to_string(i), "v"});
    f.Run({"hset", "x:d", "f" + std::to_string(i), "v"});
  }
  f.Run({"pexpire", "a", "10"});
  f.h.SetTime(kNow + 20);
  CHECK(f.Run({"hlen", "a"}) == Int(0));  // lazily expired
  CHECK(f.Run({"table", "drop", "x"}) == Int(1));
  CHECK(f.Run({"select", "3"}) == kOk);
  for (int i = 0; i < 300; ++i) f.Run({"hset", "e", "f" + std::to_string(i), "v"});
  CHECK(f.Run({"flushdb"}) == kOk);
  CHECK(f.Run({"select", "0"}) == kOk);
  // b and c stay for the keyspace destructor.
}

TEST_CASE("hash keyspace events", "[hash][notify]") {
  Fixture f;
  KeyeventTap tap(&f.h);
  f.Run({"hset", "h", "a", "1"});
  f.Run({"hset", "h", "a", "2"});
  f.Run({"hsetnx", "h", "a", "3"});
  f.Run({"hsetnx", "h", "b", "3"});
  f.Run({"hincrby", "h", "n", "1"});
  f.Run({"hincrbyfloat", "h", "n", "1.5"});
  f.Run({"hdel", "h", "zz"});
  f.Run({"hdel", "h", "a", "b"});
  f.Run({"hdel", "h", "n"});
  CHECK(tap.Take() == std::vector<std::string>{"new h", "hset h", "hset h", "hset h", "hincrby h",
                                               "hincrbyfloat h", "hdel h", "hdel h", "del h"});
}

TEST_CASE("hash effects are exact and replay to the same state", "[hash][effects]") {
  Fixture f;
  EffectLog log(&f.h);
  f.Run({"hset", "h", "a", "1", "b", "2"});
  f.Run({"hmset", "h", "c", "3"});
  f.Run({"hsetnx", "h", "c", "9"});  // no change: nothing logged
  f.Run({"hincrby", "h", "a", "10"});
  f.Run({"hincrbyfloat", "h", "b", "0.5"});
  f.Run({"hdel", "h", "c", "zz"});
  f.Run({"hget", "h", "a"});
  CHECK(log.Texts() == std::vector<std::string>{"HSET h a 1 b 2", "HSET h c 3", "HSET h a 11",
                                                "HSET h b 2.5", "HDEL h c zz"});
  // Generic commands log the whole state of the collection.
  f.Run({"expire", "h", "100"});
  CHECK(log.Texts() ==
        std::vector<std::string>{"DEL h", "HSET h a 11 b 2.5", "PEXPIREAT h 1700000100000"});
  for (int i = 0; i < 300; ++i) f.Run({"hset", "big", "f" + std::to_string(i), "v"});
  f.Run({"rename", "big", "big2"});
  f.Run({"copy", "big2", "big3"});
  f.Run({"hdel", "big3", "f7"});
  Harness replay;
  replay.SetTime(kNow);
  log.Replay(&replay);
  for (auto* key : {"h", "big", "big2", "big3"}) {
    INFO(key);
    CHECK(Sorted(Flat(replay.Run({"hgetall", key}))) == Sorted(Flat(f.Run({"hgetall", key}))));
    CHECK(replay.Run({"pexpiretime", key}) == f.Run({"pexpiretime", key}));
  }
}

// The same random command sequence against Brisk and a std::map model; every reply is
// compared (order-insensitively for whole-hash replies). Small field space and low
// thresholds so both encodings and the conversion are exercised.
TEST_CASE("randomized hash commands match a std::map model", "[hash][random]") {
  for (int limit : {4, 128}) {
    Fixture f;
    f.Run({"config", "set", "hash-max-listpack-entries", std::to_string(limit)});
    std::map<std::string, std::map<std::string, std::string>> model;
    std::mt19937_64 rng(limit);
    auto pick = [&](int n) { return int(rng() % uint64_t(n)); };
    for (int step = 0; step < 6000; ++step) {
      std::string key = "k" + std::to_string(pick(3));
      std::string field = "f" + std::to_string(pick(limit == 4 ? 12 : 200));
      std::string value = std::string(size_t(pick(3)), 'x') + std::to_string(pick(100));
      auto& h = model[key];
      std::string got, want;
      int op = pick(9);
      INFO(step << " op " << op << " " << key << " " << field);
      if (op <= 2) {
        std::string f2 = "f" + std::to_string(pick(12));
        got = f.Run({"hset", key, field, value, f2, "v2"});
        int added = int(h.count(field) == 0);
        h[field] = value;
        added += int(h.count(f2) == 0);
        h[f2] = "v2";
        want = Int(added);
      } else if (op == 3) {
        std::string f2 = "f" + std::to_string(pick(12));
        got = f.Run({"hdel", key, field, f2});
        int n = int(h.erase(field)) + int(h.erase(f2));
        want = Int(n);
      } else if (op == 4) {
        got = f.Run({"hget", key, field});
        want = h.count(field) ? Bulk(h[field]) : kNil;
      } else if (op == 5) {
        got = f.Run({"hlen", key});
        want = Int(int64_t(h.size()));
      } else if (op == 6) {
        got = f.Run({"hincrby", key, field, "3"});
        int64_t v = 0;
        bool ok = !h.count(field) || ParseInt64(h[field], &v);
        if (ok) {
          h[field] = std::to_string(v + 3);
          want = Int(v + 3);
        } else {
          want = Err("ERR hash value is not an integer");
        }
      } else if (op == 7) {
        std::vector<std::string> all;
        for (auto& [k, v] : h) {
          all.push_back(k);
          all.push_back(v);
        }
        CHECK(Sorted(Flat(f.Run({"hgetall", key}))) == Sorted(all));
        continue;
      } else {
        got = f.Run({"hexists", key, field});
        want = Int(h.count(field) ? 1 : 0);
      }
      if (h.empty()) model.erase(key);
      REQUIRE(got == want);
      REQUIRE(f.Run({"exists", key}) == Int(model.count(key) ? 1 : 0));
    }
  }
}

}  // namespace
}  // namespace brisk::test
