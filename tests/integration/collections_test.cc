// Hashes and sets end to end over hiredis against the real binary: commands, large
// (hashtable-encoded) values built with pipelining, HSCAN/SSCAN, and an append-log
// restart that must bring back exactly the same collections.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "durable_server.h"
#include "test_server.h"
#include "test_util.h"

using namespace brisk::test;

namespace {

std::vector<std::string> SortedStrings(const Reply& r) {
  auto v = Strings(r);
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST_CASE("hashes over hiredis", "[collections]") {
  TestServer srv;
  auto conn = srv.Connect();
  auto* c = conn.get();
  REQUIRE(Int(c, {"HSET", "user:1", "name", "ada", "age", "36"}) == 2);
  REQUIRE(Run(c, {"HGET", "user:1", "name"}) == "ada");
  REQUIRE(Int(c, {"HINCRBY", "user:1", "age", "1"}) == 37);
  REQUIRE(Run(c, {"HINCRBYFLOAT", "user:1", "score", "2.5"}) == "2.5");
  REQUIRE(SortedStrings(TestServer::Cmd(c, {"HKEYS", "user:1"})) ==
          std::vector<std::string>{"age", "name", "score"});
  REQUIRE(Run(c, {"TYPE", "user:1"}) == "hash");
  REQUIRE(Run(c, {"OBJECT", "ENCODING", "user:1"}) == "listpack");
  REQUIRE(Run(c, {"GET", "user:1"}) ==
          "WRONGTYPE Operation against a key holding the wrong kind of value");
  Pipeline(c, 2000, [](int i) {
    return std::vector<std::string>{"HSET", "big", "f" + std::to_string(i), std::to_string(i)};
  });
  REQUIRE(Run(c, {"OBJECT", "ENCODING", "big"}) == "hashtable");
  REQUIRE(Int(c, {"HLEN", "big"}) == 2000);
  REQUIRE(Run(c, {"HGET", "big", "f1234"}) == "1234");
  std::set<std::string> seen;
  std::string cursor = "0";
  do {
    Reply r = TestServer::Cmd(c, {"HSCAN", "big", cursor, "COUNT", "50"});
    REQUIRE(r->type == REDIS_REPLY_ARRAY);
    cursor = Str(r->element[0]);
    for (size_t i = 0; i < r->element[1]->elements; i += 2)
      seen.insert(Str(r->element[1]->element[i]));
  } while (cursor != "0");
  REQUIRE(seen.size() == 2000);
  REQUIRE(Int(c, {"MEMORY", "USAGE", "big"}) > 2000 * 10);
  REQUIRE(Int(c, {"HDEL", "user:1", "name", "age", "score"}) == 3);
  REQUIRE(Int(c, {"EXISTS", "user:1"}) == 0);
}

TEST_CASE("sets over hiredis", "[collections]") {
  TestServer srv;
  auto conn = srv.Connect();
  auto* c = conn.get();
  REQUIRE(Int(c, {"SADD", "a", "1", "2", "3"}) == 3);
  REQUIRE(Run(c, {"OBJECT", "ENCODING", "a"}) == "intset");
  REQUIRE(Int(c, {"SADD", "b", "2", "3", "x"}) == 3);
  REQUIRE(Run(c, {"OBJECT", "ENCODING", "b"}) == "listpack");
  REQUIRE(SortedStrings(TestServer::Cmd(c, {"SINTER", "a", "b"})) ==
          std::vector<std::string>{"2", "3"});
  REQUIRE(Int(c, {"SUNIONSTORE", "u", "a", "b"}) == 4);
  REQUIRE(Int(c, {"SINTERCARD", "2", "a", "b", "LIMIT", "1"}) == 1);
  REQUIRE(Int(c, {"SMOVE", "a", "b", "1"}) == 1);
  REQUIRE(Int(c, {"SISMEMBER", "b", "1"}) == 1);
  Pipeline(c, 1000, [](int i) {
    return std::vector<std::string>{"SADD", "big", "member:" + std::to_string(i)};
  });
  REQUIRE(Run(c, {"OBJECT", "ENCODING", "big"}) == "hashtable");
  REQUIRE(Strings(TestServer::Cmd(c, {"SPOP", "big", "10"})).size() == 10);
  REQUIRE(Int(c, {"SCARD", "big"}) == 990);
  REQUIRE(Run(c, {"SCAN", "0", "TYPE", "set", "COUNT", "100"}) == "<array 2>");
}

TEST_CASE("collections survive an append-log restart exactly", "[collections][aof]") {
  DurableServer s({"--appendonly", "yes", "--appendfsync", "always"});
  REQUIRE(s.Start());
  std::vector<std::string> keys = {"h", "bigh", "s", "bigs", "copy"};
  std::vector<std::string> before;
  {
    RedisConn conn = s.Connect();
    auto* c = conn.get();
    Run(c, {"HSET", "h", "a", "1", "b", "2"});
    Run(c, {"HINCRBYFLOAT", "h", "b", "0.25"});
    Run(c, {"HDEL", "h", "a"});
    Pipeline(c, 500, [](int i) {
      return std::vector<std::string>{"HSET", "bigh", "f" + std::to_string(i), "v"};
    });
    Run(c, {"HDEL", "bigh", "f7", "f8"});
    Run(c, {"SADD", "s", "1", "2", "x"});
    Run(c, {"SPOP", "s"});
    Pipeline(c, 600, [](int i) {
      return std::vector<std::string>{"SADD", "bigs", std::to_string(i)};
    });
    Run(c, {"SPOP", "bigs", "100"});
    Run(c, {"COPY", "bigs", "copy"});
    Run(c, {"EXPIRE", "copy", "1000"});
    for (auto& k : keys) {
      bool hash = k == "h" || k == "bigh";
      auto r = TestServer::Cmd(c, {hash ? "HGETALL" : "SMEMBERS", k});
      auto v = Strings(r);
      if (!hash) std::sort(v.begin(), v.end());
      std::string joined;
      for (auto& x : v) joined += x + ",";
      before.push_back(joined);
    }
  }
  s.Kill9();
  REQUIRE(s.Start({"--appendonly", "yes"}));
  RedisConn conn = s.Connect();
  auto* c = conn.get();
  for (size_t i = 0; i < keys.size(); ++i) {
    bool hash = keys[i] == "h" || keys[i] == "bigh";
    auto v = Strings(TestServer::Cmd(c, {hash ? "HGETALL" : "SMEMBERS", keys[i]}));
    if (!hash) std::sort(v.begin(), v.end());
    std::string joined;
    for (auto& x : v) joined += x + ",";
    INFO(keys[i]);
    CHECK(joined == before[i]);
  }
  CHECK(Int(c, {"TTL", "copy"}) > 900);
  CHECK(Run(c, {"HGET", "h", "b"}) == "2.25");
}
