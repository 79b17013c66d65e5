// Sorted-set commands against the exact RESP bytes Redis 7 sends, both encodings and
// their thresholds, score parsing/formatting, events, effects with replay, and a
// randomized comparison with a std::map / std::set model.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "collection_test_util.h"

namespace brisk::test {
namespace {

using Strs = std::vector<std::string>;

using Fixture = CollectionFixture;

std::string Score(double d) {
  char buf[64];
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  snprintf(buf, sizeof(buf), "%.17g", d);
  return buf;
}

TEST_CASE("ZADD / ZSCORE / ZRANGE basics with exact replies", "[zset]") {
  Fixture f;
  CHECK(f.Run({"zadd", "z", "1", "a", "2", "b", "1", "c"}) == Int(3));
  CHECK(f.Encoding("z") == Bulk("listpack"));
  CHECK(f.Run({"zrange", "z", "0", "-1"}) == BulkArr({"a", "c", "b"}));
  CHECK(f.Run({"zrange", "z", "0", "-1", "withscores"}) == BulkArr({"a", "1", "c", "1", "b", "2"}));
  CHECK(f.Run({"zscore", "z", "b"}) == Bulk("2"));
  CHECK(f.Run({"zscore", "z", "zz"}) == "$-1\r\n");
  CHECK(f.Run({"zscore", "none", "zz"}) == "$-1\r\n");
  CHECK(f.Run({"zmscore", "z", "a", "x", "b"}) == Arr({Bulk("1"), "$-1\r\n", Bulk("2")}));
  CHECK(f.Run({"zcard", "z"}) == Int(3));
  CHECK(f.Run({"zcard", "none"}) == Int(0));
  CHECK(f.Run({"zadd", "z", "0.1", "d"}) == Int(1));
  CHECK(f.Run({"zscore", "z", "d"}) == Bulk("0.10000000000000001"));
  CHECK(f.Run({"zrank", "z", "c"}) == Int(2));
  CHECK(f.Run({"zrevrank", "z", "c"}) == Int(1));
  CHECK(f.Run({"zrank", "z", "c", "withscore"}) == Arr({Int(2), Bulk("1")}));
  CHECK(f.Run({"zrank", "z", "nope"}) == "$-1\r\n");
  CHECK(f.Run({"zrank", "z", "nope", "withscore"}) == "*-1\r\n");
  CHECK(f.Run({"zrank", "z", "c", "bad"}) == kSyntaxErr);
  CHECK(f.Run({"zrem", "z", "a", "zz"}) == Int(1));
  CHECK(f.Run({"zrem", "z", "b", "c", "d"}) == Int(3));
  CHECK(f.Run({"exists", "z"}) == Int(0));
  f.h.client().resp = 3;
  f.Run({"zadd", "r", "1.5", "x", "2", "y"});
  CHECK(f.Run({"zscore", "r", "x"}) == ",1.5\r\n");
  CHECK(f.Run({"zrange", "r", "0", "-1", "withscores"}) ==
        "*2\r\n*2\r\n" + Bulk("x") + ",1.5\r\n*2\r\n" + Bulk("y") + ",2\r\n");
  CHECK(f.Run({"zpopmin", "r"}) == "*2\r\n" + Bulk("x") + ",1.5\r\n");
  CHECK(f.Run({"zscore", "r", "nope"}) == "_\r\n");
}

TEST_CASE("ZADD options and errors", "[zset]") {
  Fixture f;
  CHECK(f.Run({"zadd", "z", "nx", "xx", "1", "a"}) ==
        Err("ERR XX and NX options at the same time are not compatible"));
  CHECK(f.Run({"zadd", "z", "gt", "nx", "1", "a"}) ==
        Err("ERR GT, LT, and/or NX options at the same time are not compatible"));
  CHECK(f.Run({"zadd", "z", "gt", "lt", "1", "a"}) ==
        Err("ERR GT, LT, and/or NX options at the same time are not compatible"));
  CHECK(f.Run({"zadd", "z", "incr", "1", "a", "2", "b"}) ==
        Err("ERR INCR option supports a single increment-element pair"));
  CHECK(f.Run({"zadd", "z", "1", "a", "2"}) == kSyntaxErr);
  CHECK(f.Run({"zadd", "z", "nx"}) == Err("ERR wrong number of arguments for 'zadd' command"));
  CHECK(f.Run({"zadd", "z", "x", "a"}) == Err("ERR value is not a valid float"));
  CHECK(f.Run({"zadd", "z", "nan", "a"}) == Err("ERR value is not a valid float"));
  CHECK(f.Run({"exists", "z"}) == Int(0));
  CHECK(f.Run({"zadd", "z", "xx", "1", "a"}) == Int(0));
  CHECK(f.Run({"exists", "z"}) == Int(0));
  CHECK(f.Run({"zadd", "z", "1", "a", "2", "b"}) == Int(2));
  CHECK(f.Run({"zadd", "z", "nx", "5", "a", "3", "c"}) == Int(1));
  CHECK(f.Run({"zscore", "z", "a"}) == Bulk("1"));
  CHECK(f.Run({"zadd", "z", "xx", "ch", "5", "a", "9", "d"}) == Int(1));
  CHECK(f.Run({"zscore", "z", "d"}) == "$-1\r\n");
  CHECK(f.Run({"zadd", "z", "gt", "ch", "4", "a", "3", "b"}) == Int(1));  // b: 2 -> 3
  CHECK(f.Run({"zscore", "z", "a"}) == Bulk("5"));
  CHECK(f.Run({"zadd", "z", "lt", "ch", "4", "a", "10", "b"}) == Int(1));
  CHECK(f.Run({"zscore", "z", "a"}) == Bulk("4"));
  CHECK(f.Run({"zadd", "z", "incr", "2.5", "a"}) == Bulk("6.5"));
  CHECK(f.Run({"zadd", "z", "nx", "incr", "1", "a"}) == "$-1\r\n");
  CHECK(f.Run({"zadd", "z", "gt", "incr", "-1", "a"}) == "$-1\r\n");
  CHECK(f.Run({"zincrby", "z", "1", "new"}) == Bulk("1"));
  CHECK(f.Run({"zincrby", "z", "x", "new"}) == Err("ERR value is not a valid float"));
  CHECK(f.Run({"zadd", "z", "inf", "i"}) == Int(1));
  CHECK(f.Run({"zincrby", "z", "-inf", "i"}) == Err("ERR resulting score is not a number (NaN)"));
  CHECK(f.Run({"zscore", "z", "i"}) == Bulk("inf"));
  CHECK(f.Run({"zadd", "z", "-inf", "j", "+inf", "k", "1e400", "l"}) ==
        Err("ERR value is not a valid float"));
  CHECK(f.Run({"zadd", "z", "-inf", "j", "+inf", "k"}) == Int(2));
  CHECK(f.Run({"zscore", "z", "j"}) == Bulk("-inf"));
  f.Run({"set", "str", "x"});
  for (auto* c : {"zadd", "zincrby"}) CHECK(f.Run({c, "str", "1", "a"}) == kWrongType);
  for (auto* c : {"zrem", "zscore", "zmscore", "zrank", "zrevrank"})
    CHECK(f.Run({c, "str", "a"}) == kWrongType);
  for (auto* c : {"zcard", "zpopmin", "zpopmax", "zrandmember"})
    CHECK(f.Run({c, "str"}) == kWrongType);
  CHECK(f.Run({"zrange", "str", "0", "1"}) == kWrongType);
  CHECK(f.Run({"zcount", "str", "0", "1"}) == kWrongType);
  CHECK(f.Run({"zunion", "2", "z", "str"}) == kWrongType);
  CHECK(f.Run({"zscan", "str", "0"}) == kWrongType);
}

TEST_CASE("zset encodings: listpack -> skiplist at each threshold", "[zset][encoding]") {
  Fixture f;
  for (int i = 0; i < 128; ++i) f.Run({"zadd", "z", std::to_string(i), "m" + std::to_string(i)});
  CHECK(f.Encoding("z") == Bulk("listpack"));
  f.Run({"zadd", "z", "500", "m128"});
  CHECK(f.Encoding("z") == Bulk("skiplist"));
  CHECK(f.Run({"zcard", "z"}) == Int(129));
  CHECK(f.Run({"zrange", "z", "0", "2"}) == BulkArr({"m0", "m1", "m2"}));
  CHECK(f.Run({"zrange", "z", "-1", "-1", "withscores"}) == BulkArr({"m128", "500"}));
  CHECK(f.Run({"zremrangebyrank", "z", "0", "-3"}) == Int(127));
  CHECK(f.Encoding("z") == Bulk("skiplist"));  // never back, as Redis
  // Value length.
  f.Run({"zadd", "v", "1", std::string(64, 'x')});
  CHECK(f.Encoding("v") == Bulk("listpack"));
  f.Run({"zadd", "v", "1", std::string(65, 'x')});
  CHECK(f.Encoding("v") == Bulk("skiplist"));
  // One ZADD crossing the limit converts at once; CONFIG SET applies to new writes.
  CHECK(f.Run({"config", "set", "zset-max-listpack-entries", "2"}) == "+OK\r\n");
  CHECK(f.Run({"config", "get", "zset-max-listpack-entries"}) ==
        BulkArr({"zset-max-listpack-entries", "2"}));
  f.Run({"zadd", "w", "1", "a", "2", "b", "3", "c"});
  CHECK(f.Encoding("w") == Bulk("skiplist"));
  f.Run({"zadd", "y", "1", "a", "2", "b"});
  CHECK(f.Encoding("y") == Bulk("listpack"));
  f.Run({"zadd", "y", "3", "c"});
  CHECK(f.Encoding("y") == Bulk("skiplist"));
  CHECK(f.Run({"config", "set", "zset-max-listpack-value", "3"}) == "+OK\r\n");
  f.Run({"zadd", "q", "1", "abcd"});
  CHECK(f.Encoding("q") == Bulk("skiplist"));
  // *STORE destinations pick their encoding from their size.
  f.Run({"zunionstore", "u", "1", "y"});
  CHECK(f.Encoding("u") == Bulk("skiplist"));
  f.Run({"zrangestore", "u2", "y", "0", "0"});
  CHECK(f.Encoding("u2") == Bulk("listpack"));
  CHECK(f.Run({"type", "u2"}) == "+zset\r\n");
}

TEST_CASE("ZRANGE BYSCORE / BYLEX / REV / LIMIT and the legacy forms", "[zset][range]") {
  for (int limit : {128, 1}) {
    Fixture f;
    f.Run({"config", "set", "zset-max-listpack-entries", std::to_string(limit)});
    f.Run({"zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"});
    f.Run({"zadd", "l", "0", "a", "0", "b", "0", "c", "0", "d"});
    INFO(limit);
    CHECK(f.Run({"zrange", "z", "2", "4", "byscore"}) == BulkArr({"b", "c", "d"}));
    CHECK(f.Run({"zrange", "z", "(2", "4", "byscore"}) == BulkArr({"c", "d"}));
    CHECK(f.Run({"zrange", "z", "-inf", "(3", "byscore", "withscores"}) ==
          BulkArr({"a", "1", "b", "2"}));
    CHECK(f.Run({"zrange", "z", "4", "2", "byscore", "rev"}) == BulkArr({"d", "c", "b"}));
    CHECK(f.Run({"zrange", "z", "+inf", "-inf", "byscore", "rev", "limit", "1", "2"}) ==
          BulkArr({"d", "c"}));
    CHECK(f.Run({"zrange", "z", "-inf", "+inf", "byscore", "limit", "3", "-1"}) ==
          BulkArr({"d", "e"}));
    CHECK(f.Run({"zrange", "z", "-inf", "+inf", "byscore", "limit", "-1", "3"}) == "*0\r\n");
    CHECK(f.Run({"zrange", "z", "0", "1", "rev"}) == BulkArr({"e", "d"}));
    CHECK(f.Run({"zrange", "z", "-2", "100"}) == BulkArr({"d", "e"}));
    CHECK(f.Run({"zrange", "z", "3", "1"}) == "*0\r\n");
    CHECK(f.Run({"zrange", "z", "0", "1", "limit", "0", "1"}) ==
          Err("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or "
              "BYLEX"));
    CHECK(f.Run({"zrange", "l", "-", "+", "bylex", "withscores"}) ==
          Err("ERR syntax error, WITHSCORES not supported in combination with BYLEX"));
    CHECK(f.Run({"zrange", "z", "x", "1", "byscore"}) == Err("ERR min or max is not a float"));
    CHECK(f.Run({"zrange", "l", "a", "+", "bylex"}) ==
          Err("ERR min or max not valid string range item"));
    CHECK(f.Run({"zrange", "z", "a", "1"}) == Err("ERR value is not an integer or out of range"));
    CHECK(f.Run({"zrange", "l", "[b", "(d", "bylex"}) == BulkArr({"b", "c"}));
    CHECK(f.Run({"zrange", "l", "+", "(b", "bylex", "rev"}) == BulkArr({"d", "c"}));
    CHECK(f.Run({"zrange", "l", "+", "-", "bylex"}) == "*0\r\n");
    CHECK(f.Run({"zrangebyscore", "z", "(1", "3", "withscores", "limit", "1", "5"}) ==
          BulkArr({"c", "3"}));
    CHECK(f.Run({"zrevrangebyscore", "z", "3", "(1"}) == BulkArr({"c", "b"}));
    CHECK(f.Run({"zrangebylex", "l", "-", "[b"}) == BulkArr({"a", "b"}));
    CHECK(f.Run({"zrevrangebylex", "l", "[c", "-", "limit", "0", "2"}) == BulkArr({"c", "b"}));
    CHECK(f.Run({"zrevrange", "z", "0", "1", "withscores"}) == BulkArr({"e", "5", "d", "4"}));
    CHECK(f.Run({"zcount", "z", "(1", "+inf"}) == Int(4));
    CHECK(f.Run({"zcount", "z", "5", "1"}) == Int(0));
    CHECK(f.Run({"zcount", "z", "x", "1"}) == Err("ERR min or max is not a float"));
    CHECK(f.Run({"zlexcount", "l", "(a", "+"}) == Int(3));
    CHECK(f.Run({"zlexcount", "none", "-", "+"}) == Int(0));
    CHECK(f.Run({"zrangestore", "dst", "z", "3", "1", "byscore", "rev"}) == Int(3));
    CHECK(f.Run({"zrange", "dst", "0", "-1"}) == BulkArr({"a", "b", "c"}));
    CHECK(f.Run({"zrangestore", "dst", "z", "9", "10", "byscore"}) == Int(0));
    CHECK(f.Run({"exists", "dst"}) == Int(0));
    CHECK(f.Run({"zremrangebyscore", "z", "(4", "inf"}) == Int(1));
    CHECK(f.Run({"zremrangebyrank", "z", "0", "0"}) == Int(1));
    CHECK(f.Run({"zrange", "z", "0", "-1"}) == BulkArr({"b", "c", "d"}));
    CHECK(f.Run({"zremrangebylex", "l", "[b", "[c"}) == Int(2));
    CHECK(f.Run({"zremrangebylex", "l", "x", "[c"}) ==
          Err("ERR min or max not valid string range item"));
    CHECK(f.Run({"zremrangebyrank", "l", "0", "-1"}) == Int(2));
    CHECK(f.Run({"exists", "l"}) == Int(0));
  }
}

TEST_CASE("ZPOPMIN / ZPOPMAX / ZMPOP / ZRANDMEMBER / ZSCAN", "[zset]") {
  Fixture f;
  f.Run({"zadd", "z", "1", "a", "2", "b", "3", "c"});
  CHECK(f.Run({"zpopmin", "z"}) == BulkArr({"a", "1"}));
  CHECK(f.Run({"zpopmax", "z", "5"}) == BulkArr({"c", "3", "b", "2"}));
  CHECK(f.Run({"exists", "z"}) == Int(0));
  CHECK(f.Run({"zpopmin", "z"}) == "*0\r\n");
  CHECK(f.Run({"zpopmin", "z", "-1"}) == Err("ERR value is out of range, must be positive"));
  f.Run({"zadd", "z", "1", "a", "2", "b", "3", "c"});
  CHECK(f.Run({"zmpop", "2", "none", "z", "max", "count", "2"}) ==
        Arr({Bulk("z"), Arr({BulkArr({"c", "3"}), BulkArr({"b", "2"})})}));
  CHECK(f.Run({"zmpop", "1", "none", "min"}) == "*-1\r\n");
  CHECK(f.Run({"zmpop", "0", "z", "min"}) == Err("ERR numkeys should be greater than 0"));
  CHECK(f.Run({"zmpop", "1", "z", "mid"}) == kSyntaxErr);
  CHECK(f.Run({"zmpop", "1", "z", "min", "count", "0"}) ==
        Err("ERR count should be greater than 0"));
  f.Run({"zadd", "r", "1", "a", "2", "b", "3", "c"});
  CHECK(Flat(f.Run({"zrandmember", "r"})).size() == 1);
  CHECK(Sorted(Flat(f.Run({"zrandmember", "r", "5"}))) == Strs{"a", "b", "c"});
  CHECK(Flat(f.Run({"zrandmember", "r", "-5"})).size() == 5);
  CHECK(Flat(f.Run({"zrandmember", "r", "2", "withscores"})).size() == 4);
  CHECK(f.Run({"zrandmember", "none"}) == "$-1\r\n");
  CHECK(f.Run({"zrandmember", "none", "3"}) == "*0\r\n");
  CHECK(f.Run({"zscan", "r", "0"}) == Arr({Bulk("0"), BulkArr({"a", "1", "b", "2", "c", "3"})}));
  f.Run({"config", "set", "zset-max-listpack-entries", "4"});
  for (int i = 0; i < 500; ++i) f.Run({"zadd", "big", std::to_string(i), std::to_string(i)});
  std::set<std::string> seen;
  std::string cursor = "0";
  do {
    auto r = Flat(f.Run({"zscan", "big", cursor, "count", "50"}));
    cursor = r[0];
    for (size_t i = 1; i + 1 < r.size(); i += 2) {
      CHECK(r[i] == r[i + 1]);
      seen.insert(r[i]);
    }
  } while (cursor != "0");
  CHECK(seen.size() == 500);
}

TEST_CASE("ZUNION / ZINTER / ZDIFF / STORE / ZINTERCARD", "[zset][store]") {
  Fixture f;
  f.Run({"zadd", "a", "1", "x", "2", "y", "3", "z"});
  f.Run({"zadd", "b", "10", "y", "20", "z", "30", "w"});
  f.Run({"sadd", "s", "x", "w"});
  CHECK(f.Run({"zunion", "2", "a", "b", "withscores"}) ==
        BulkArr({"x", "1", "y", "12", "z", "23", "w", "30"}));
  CHECK(f.Run({"zinter", "2", "a", "b", "weights", "2", "1", "aggregate", "max", "withscores"}) ==
        BulkArr({"y", "10", "z", "20"}));
  CHECK(f.Run({"zinter", "2", "a", "b", "aggregate", "min"}) == BulkArr({"y", "z"}));
  CHECK(f.Run({"zdiff", "2", "a", "b", "withscores"}) == BulkArr({"x", "1"}));
  CHECK(f.Run({"zunion", "2", "a", "s", "withscores"}) ==
        BulkArr({"w", "1", "x", "2", "y", "2", "z", "3"}));
  CHECK(f.Run({"zunionstore", "d", "2", "a", "b"}) == Int(4));
  CHECK(f.Run({"zrange", "d", "0", "-1", "withscores"}) ==
        BulkArr({"x", "1", "y", "12", "z", "23", "w", "30"}));
  CHECK(f.Run({"zinterstore", "d", "2", "a", "none"}) == Int(0));
  CHECK(f.Run({"exists", "d"}) == Int(0));
  CHECK(f.Run({"zdiffstore", "d", "1", "a"}) == Int(3));
  CHECK(f.Run({"zintercard", "2", "a", "b"}) == Int(2));
  CHECK(f.Run({"zintercard", "2", "a", "b", "limit", "1"}) == Int(1));
  CHECK(f.Run({"zintercard", "2", "a", "b", "limit", "-1"}) == Err("ERR LIMIT can't be negative"));
  CHECK(f.Run({"zunion", "0", "a"}) ==
        Err("ERR at least 1 input key is needed for 'zunion' command"));
  CHECK(f.Run({"zunionstore", "d", "0", "a"}) ==
        Err("ERR at least 1 input key is needed for 'zunionstore' command"));
  CHECK(f.Run({"zunion", "3", "a", "b"}) == kSyntaxErr);
  CHECK(f.Run({"zunion", "2", "a", "b", "weights", "1", "x"}) ==
        Err("ERR weight value is not a float"));
  CHECK(f.Run({"zdiff", "2", "a", "b", "weights", "1", "2"}) == kSyntaxErr);
  CHECK(f.Run({"zunion", "1", "a", "aggregate", "avg"}) == kSyntaxErr);
  CHECK(f.Run({"zunionstore", "d", "1", "a", "withscores"}) == kSyntaxErr);
  f.Run({"zadd", "inf", "inf", "x"});
  CHECK(f.Run({"zunion", "1", "inf", "weights", "0", "withscores"}) == BulkArr({"x", "0"}));
}

TEST_CASE("zset keyspace events", "[zset][notify]") {
  Fixture f;
  KeyeventTap tap(&f.h);
  f.Run({"zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d"});
  f.Run({"zadd", "z", "1", "a"});  // nothing changed: no event
  f.Run({"zincrby", "z", "1", "a"});
  f.Run({"zrem", "z", "zz"});
  f.Run({"zrem", "z", "a"});
  f.Run({"zpopmin", "z"});
  f.Run({"zpopmax", "z"});
  f.Run({"zunionstore", "u", "1", "z"});
  f.Run({"zremrangebyscore", "z", "-inf", "inf"});
  f.Run({"zadd", "y", "1", "a", "2", "b"});
  f.Run({"zremrangebyrank", "y", "0", "0"});
  f.Run({"zremrangebylex", "y", "-", "+"});
  f.Run({"zinterstore", "u", "1", "none"});
  CHECK(tap.Take() == Strs{"new z", "zadd z", "zincr z", "zrem z", "zpopmin z", "zpopmax z",
                           "new u", "zunionstore u", "zremrangebyscore z", "del z", "new y",
                           "zadd y", "zremrangebyrank y", "zremrangebylex y", "del y", "del u"});
}

TEST_CASE("zset effects are exact and replay to the same state", "[zset][effects]") {
  Fixture f;
  EffectLog log(&f.h);
  f.Run({"zadd", "z", "1", "a", "2.5", "b"});
  f.Run({"zadd", "z", "1", "a"});
  f.Run({"zincrby", "z", "0.1", "a"});
  f.Run({"zadd", "z", "gt", "ch", "0", "a", "9", "b"});
  f.Run({"zrem", "z", "zz", "b"});
  CHECK(log.Texts() ==
        Strs{"ZADD z 1 a 2.5 b", "ZADD z 1.1000000000000001 a", "ZADD z 9 b", "ZREM z zz b"});
  f.Run({"zadd", "p", "1", "x", "2", "y", "3", "w"});
  f.Run({"zpopmin", "p", "2"});
  f.Run({"zremrangebyscore", "p", "3", "3"});
  CHECK(log.Texts() == Strs{"ZADD p 1 x 2 y 3 w", "ZREM p x y", "ZREM p w"});
  f.Run({"config", "set", "zset-max-listpack-entries", "16"});
  for (int i = 0; i < 300; ++i)
    f.Run({"zadd", "big", std::to_string(i % 37) + ".25", "m" + std::to_string(i)});
  f.Run({"zpopmax", "big", "20"});
  f.Run({"zremrangebyrank", "big", "5", "30"});
  f.Run({"copy", "big", "big2"});
  f.Run({"rename", "z", "z2"});
  f.Run({"expire", "z2", "100"});
  f.Run({"zunionstore", "u", "2", "big", "z2", "weights", "1", "3"});
  f.Run({"zrangestore", "rs", "big", "0", "9"});
  Harness replay;
  replay.SetTime(kNow);
  log.Replay(&replay);
  for (auto* key : {"z2", "big", "big2", "u", "rs", "p"}) {
    INFO(key);
    CHECK(replay.Run({"zrange", key, "0", "-1", "withscores"}) ==
          f.Run({"zrange", key, "0", "-1", "withscores"}));
    CHECK(replay.Run({"pexpiretime", key}) == f.Run({"pexpiretime", key}));
    CHECK(replay.Run({"object", "encoding", key}) == f.Run({"object", "encoding", key}));
  }
}

TEST_CASE("randomized zset commands match a std::map model", "[zset][random]") {
  for (int limit : {4, 128}) {
    Fixture f;
    f.Run({"config", "set", "zset-max-listpack-entries", std::to_string(limit)});
    // member -> score, per key
    std::map<std::string, std::map<std::string, double>> model;
    std::mt19937_64 rng(limit + 11);
    auto pick = [&](int n) { return int(rng() % uint64_t(n)); };
    auto member = [&] { return "m" + std::to_string(pick(limit == 4 ? 12 : 400)); };
    auto sorted = [&](const std::map<std::string, double>& z) {
      std::set<std::pair<double, std::string>> s;
      for (auto& [m, sc] : z) s.insert({sc, m});
      return std::vector<std::pair<double, std::string>>(s.begin(), s.end());
    };
    for (int step = 0; step < 6000; ++step) {
      std::string key = "k" + std::to_string(pick(3));
      std::string m = member(), m2 = member();
      auto& z = model[key];
      double s1 = double(pick(20)) / 2, s2 = double(pick(20)) / 2;
      std::string got, want;
      int op = pick(12);
      INFO(step << " op " << op << " " << key << " " << m);
      if (op <= 3) {
        got = f.Run({"zadd", key, Score(s1), m, Score(s2), m2});
        int added = 0;
        for (auto& [sc, mm] : {std::pair{s1, m}, std::pair{s2, m2}}) {
          added += z.count(mm) ? 0 : 1;
          z[mm] = sc;
        }
        want = Int(added);
      } else if (op == 4) {
        got = f.Run({"zrem", key, m, m2});
        want = Int(int(z.erase(m)) + int(z.erase(m2)));
      } else if (op == 5) {
        got = f.Run({"zincrby", key, Score(s1), m});
        z[m] += s1;
        want = Bulk(Score(z[m]));
      } else if (op == 6) {
        got = f.Run({"zrank", key, m});
        want = "$-1\r\n";
        auto v = sorted(z);
        for (size_t i = 0; i < v.size(); ++i) {
          if (v[i].second == m) want = Int(int64_t(i));
        }
      } else if (op == 7) {
        int a = pick(10) - 5, b = pick(10) - 3;
        got = f.Run({"zrange", key, std::to_string(a), std::to_string(b), "withscores"});
        auto v = sorted(z);
        int64_t n = int64_t(v.size()), st = a < 0 ? a + n : a, en = b < 0 ? b + n : b;
        if (st < 0) st = 0;
        if (en >= n) en = n - 1;
        Strs w;
        for (int64_t i = st; i <= en && st < n; ++i) {
          w.push_back(v[size_t(i)].second);
          w.push_back(Score(v[size_t(i)].first));
        }
        want = BulkArr(w);
      } else if (op == 8) {
        got = f.Run({"zrangebyscore", key, "(" + Score(s1), Score(s2), "withscores"});
        Strs w;
        for (auto& [sc, mm] : sorted(z)) {
          if (sc > s1 && sc <= s2) {
            w.push_back(mm);
            w.push_back(Score(sc));
          }
        }
        want = BulkArr(w);
      } else if (op == 9) {
        got = f.Run({"zremrangebyscore", key, Score(s1), "(" + Score(s2)});
        int n = 0;
        for (auto it = z.begin(); it != z.end();) {
          if (it->second >= s1 && it->second < s2) {
            it = z.erase(it);
            ++n;
          } else {
            ++it;
          }
        }
        want = Int(n);
      } else if (op == 10) {
        got = f.Run({"zpopmin", key, "2"});
        Strs w;
        auto v = sorted(z);
        for (size_t i = 0; i < v.size() && i < 2; ++i) {
          w.push_back(v[i].second);
          w.push_back(Score(v[i].first));
          z.erase(v[i].second);
        }
        want = BulkArr(w);
      } else {
        got = f.Run({"zcount", key, Score(s1), Score(s2)});
        int n = 0;
        for (auto& [mm, sc] : z) n += sc >= s1 && sc <= s2;
        want = Int(n);
      }
      REQUIRE(got == want);
      REQUIRE(f.Run({"zcard", key}) == Int(int64_t(z.size())));
    }
    for (auto& [key, z] : model) {
      Strs w;
      for (auto& [sc, mm] : sorted(z)) w.push_back(mm);
      CHECK(f.Run({"zrange", key, "0", "-1"}) == BulkArr(w));
    }
  }
}

}  // namespace
}  // namespace brisk::test
