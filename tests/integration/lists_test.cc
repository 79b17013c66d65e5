// Lists end to end over hiredis against the real binary: commands, a large
// (quicklist-encoded) list built with pipelining, and an append-log restart and a log
// rewrite that must bring back exactly the same lists.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "durable_server.h"
#include "test_server.h"
#include "test_util.h"

using namespace brisk::test;

namespace {

std::string Joined(redisContext* c, const std::string& key) {
  std::string out;
  for (auto& s : Strings(TestServer::Cmd(c, {"LRANGE", key, "0", "-1"}))) out += s + ",";
  return out;
}

}  // namespace

TEST_CASE("lists over hiredis", "[lists]") {
  TestServer srv;
  auto conn = srv.Connect();
  auto* c = conn.get();
  REQUIRE(Int(c, {"RPUSH", "q", "a", "b", "c"}) == 3);
  REQUIRE(Int(c, {"LPUSH", "q", "z"}) == 4);
  REQUIRE(Run(c, {"LPOP", "q"}) == "z");
  REQUIRE(Strings(TestServer::Cmd(c, {"RPOP", "q", "2"})) ==
          std::vector<std::string>{"c", "b"});
  REQUIRE(Run(c, {"TYPE", "q"}) == "list");
  REQUIRE(Run(c, {"OBJECT", "ENCODING", "q"}) == "listpack");
  REQUIRE(Run(c, {"GET", "q"}) ==
          "WRONGTYPE Operation against a key holding the wrong kind of value");
  REQUIRE(Run(c, {"LSET", "nokey", "0", "x"}) == "ERR no such key");
  Pipeline(c, 5000, [](int i) {
    return std::vector<std::string>{"RPUSH", "big", "element:" + std::to_string(i)};
  });
  REQUIRE(Run(c, {"OBJECT", "ENCODING", "big"}) == "quicklist");
  REQUIRE(Int(c, {"LLEN", "big"}) == 5000);
  REQUIRE(Run(c, {"LINDEX", "big", "4321"}) == "element:4321");
  REQUIRE(Run(c, {"LINDEX", "big", "-1"}) == "element:4999");
  auto range = Strings(TestServer::Cmd(c, {"LRANGE", "big", "1000", "1099"}));
  REQUIRE(range.size() == 100);
  REQUIRE(range.front() == "element:1000");
  REQUIRE(range.back() == "element:1099");
  REQUIRE(Int(c, {"LPOS", "big", "element:2500"}) == 2500);
  REQUIRE(Run(c, {"LMOVE", "big", "other", "LEFT", "RIGHT"}) == "element:0");
  REQUIRE(Int(c, {"MEMORY", "USAGE", "big"}) > 4999 * 10);
  REQUIRE(Run(c, {"LTRIM", "big", "0", "9"}) == "OK");
  REQUIRE(Run(c, {"OBJECT", "ENCODING", "big"}) == "listpack");
  REQUIRE(Run(c, {"CONFIG", "GET", "list-max-listpack-size"}) == "<array 2>");
  // Transactions: the pushes inside EXEC apply in order.
  REQUIRE(Run(c, {"MULTI"}) == "OK");
  REQUIRE(Run(c, {"RPUSH", "t", "1"}) == "QUEUED");
  REQUIRE(Run(c, {"LPUSH", "t", "0"}) == "QUEUED");
  REQUIRE(Run(c, {"EXEC"}) == "<array 2>");
  REQUIRE(Joined(c, "t") == "0,1,");
}

TEST_CASE("lists survive an append-log restart and a rewrite exactly", "[lists][aof]") {
  DurableServer s(
      {"--appendonly", "yes", "--appendfsync", "always", "--list-max-listpack-size", "16"});
  REQUIRE(s.Start());
  std::vector<std::string> keys = {"l", "big", "moved", "copy", "trimmed"};
  std::vector<std::string> before;
  {
    RedisConn conn = s.Connect();
    auto* c = conn.get();
    Run(c, {"RPUSH", "l", "a", "b", "c", "d"});
    Run(c, {"LPOP", "l"});
    Run(c, {"LINSERT", "l", "AFTER", "b", "b2"});
    Pipeline(c, 700, [](int i) {
      return std::vector<std::string>{i % 2 ? "RPUSH" : "LPUSH", "big", std::to_string(i)};
    });
    Run(c, {"LSET", "big", "100", "hundred"});
    Run(c, {"LREM", "big", "0", "7"});
    Run(c, {"RPOP", "big", "20"});
    Run(c, {"LMOVE", "big", "moved", "LEFT", "LEFT"});
    Run(c, {"RPOPLPUSH", "big", "moved"});
    Run(c, {"COPY", "big", "copy"});
    Run(c, {"EXPIRE", "copy", "1000"});
    Run(c, {"RPUSH", "trimmed", "1", "2", "3", "4", "5"});
    Run(c, {"LTRIM", "trimmed", "1", "-2"});
    Run(c, {"LMPOP", "2", "none", "trimmed", "RIGHT"});
    for (auto& k : keys) before.push_back(Joined(c, k));
  }
  s.Kill9();
  REQUIRE(s.Start({"--appendonly", "yes", "--list-max-listpack-size", "16"}));
  {
    RedisConn conn = s.Connect();
    auto* c = conn.get();
    for (size_t i = 0; i < keys.size(); ++i) {
      INFO(keys[i]);
      CHECK(Joined(c, keys[i]) == before[i]);
    }
    CHECK(Int(c, {"TTL", "copy"}) > 900);
    REQUIRE(Run(c, {"BGREWRITEAOF"}) == "Background append only file rewriting started");
    REQUIRE(PollUntil([&] {
      std::string info = Run(c, {"INFO", "persistence"});
      return info.find("aof_rewrite_in_progress:0") != std::string::npos &&
             info.find("aof_rewrite_scheduled:0") != std::string::npos;
    }));
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
}
