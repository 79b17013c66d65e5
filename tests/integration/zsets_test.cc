// Sorted sets end to end over hiredis against the real binary: commands, a large
// (skiplist-encoded) leaderboard built with pipelining, ZSCAN, and an append-log
// restart that must bring back exactly the same sorted sets.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "durable_server.h"
#include "test_server.h"
#include "test_util.h"

using namespace brisk::test;

namespace {

std::string Joined(redisContext* c, const std::string& key) {
  std::string out;
  for (auto& x : Strings(TestServer::Cmd(c, {"ZRANGE", key, "0", "-1", "WITHSCORES"})))
    out += x + ",";
  return out;
}

}  // namespace

TEST_CASE("sorted sets over hiredis", "[zsets]") {
  TestServer srv;
  auto conn = srv.Connect();
  auto* c = conn.get();
  REQUIRE(Int(c, {"ZADD", "lb", "10", "ada", "20", "bob", "15", "cy"}) == 3);
  REQUIRE(Run(c, {"TYPE", "lb"}) == "zset");
  REQUIRE(Run(c, {"OBJECT", "ENCODING", "lb"}) == "listpack");
  REQUIRE(Run(c, {"ZINCRBY", "lb", "0.5", "ada"}) == "10.5");
  REQUIRE(Strings(TestServer::Cmd(c, {"ZREVRANGE", "lb", "0", "1", "WITHSCORES"})) ==
          std::vector<std::string>{"bob", "20", "cy", "15"});
  REQUIRE(Int(c, {"ZRANK", "lb", "cy"}) == 1);
  REQUIRE(Run(c, {"ZADD", "lb", "XX", "NX", "1", "a"}) ==
          "ERR XX and NX options at the same time are not compatible");
  REQUIRE(Run(c, {"GET", "lb"}) ==
          "WRONGTYPE Operation against a key holding the wrong kind of value");
  Pipeline(c, 3000, [](int i) {
    return std::vector<std::string>{"ZADD", "big", std::to_string(i % 500),
                                    "p" + std::to_string(i)};
  });
  REQUIRE(Run(c, {"OBJECT", "ENCODING", "big"}) == "skiplist");
  REQUIRE(Int(c, {"ZCARD", "big"}) == 3000);
  REQUIRE(Int(c, {"ZCOUNT", "big", "(10", "20"}) == 60);
  REQUIRE(Strings(TestServer::Cmd(c, {"ZRANGE", "big", "499", "(600", "BYSCORE", "LIMIT", "0",
                                       "2"})) == std::vector<std::string>{"p1499", "p1999"});
  REQUIRE(Int(c, {"ZREVRANK", "big", "p999"}) == 0);
  std::set<std::string> seen;
  std::string cursor = "0";
  do {
    Reply r = TestServer::Cmd(c, {"ZSCAN", "big", cursor, "COUNT", "100"});
    REQUIRE(r->type == REDIS_REPLY_ARRAY);
    cursor = Str(r->element[0]);
    for (size_t i = 0; i < r->element[1]->elements; i += 2)
      seen.insert(Str(r->element[1]->element[i]));
  } while (cursor != "0");
  REQUIRE(seen.size() == 3000);
  REQUIRE(Strings(TestServer::Cmd(c, {"ZPOPMIN", "big", "2"})).size() == 4);
  REQUIRE(Int(c, {"ZREMRANGEBYSCORE", "big", "-inf", "(250"}) == 1498);
  REQUIRE(Int(c, {"ZUNIONSTORE", "u", "2", "lb", "big", "WEIGHTS", "2", "1"}) == 1503);
  REQUIRE(Int(c, {"MEMORY", "USAGE", "big"}) > 1500 * 10);
  REQUIRE(Run(c, {"SCAN", "0", "TYPE", "zset", "COUNT", "100"}) == "<array 2>");
}

TEST_CASE("sorted sets survive an append-log restart exactly", "[zsets][aof]") {
  DurableServer s({"--appendonly", "yes", "--appendfsync", "always"});
  REQUIRE(s.Start());
  std::vector<std::string> keys = {"z", "big", "copy", "store"};
  std::vector<std::string> before;
  {
    RedisConn conn = s.Connect();
    auto* c = conn.get();
    Run(c, {"ZADD", "z", "1", "a", "2", "b", "3", "c"});
    Run(c, {"ZINCRBY", "z", "0.1", "a"});
    Run(c, {"ZPOPMAX", "z"});
    Pipeline(c, 600, [](int i) {
      return std::vector<std::string>{"ZADD", "big", std::to_string(i * 0.5), std::to_string(i)};
    });
    Run(c, {"ZREMRANGEBYRANK", "big", "10", "99"});
    Run(c, {"ZADD", "big", "GT", "1000", "7"});
    Run(c, {"COPY", "big", "copy"});
    Run(c, {"EXPIRE", "copy", "1000"});
    Run(c, {"ZINTERSTORE", "store", "2", "big", "copy", "AGGREGATE", "MAX"});
    for (auto& k : keys) before.push_back(Joined(c, k));
  }
  s.Kill9();
  REQUIRE(s.Start({"--appendonly", "yes"}));
  RedisConn conn = s.Connect();
  auto* c = conn.get();
  for (size_t i = 0; i < keys.size(); ++i) {
    INFO(keys[i]);
    CHECK(Joined(c, keys[i]) == before[i]);
  }
  CHECK(Int(c, {"TTL", "copy"}) > 900);
  CHECK(Run(c, {"ZSCORE", "z", "a"}) == "1.1000000000000001");
}
