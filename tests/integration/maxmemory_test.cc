// maxmemory against the real binary (hiredis): CONFIG SET at runtime, writes past the
// limit, INFO figures, and what an eviction does to WATCH, keyspace events and the
// append log (the server's KeyObserver).
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "durable_server.h"
#include "test_server.h"
#include "test_util.h"

using namespace brisk::test;

namespace {

long long InfoNumber(redisContext* c, const std::string& section, const std::string& field) {
  std::string info = Run(c, {"INFO", section});
  size_t at = info.find("\r\n" + field + ":");
  if (at == std::string::npos) return -1;
  return std::stoll(info.substr(at + field.size() + 3));
}

}  // namespace

TEST_CASE("CONFIG SET maxmemory: writes past it evict, used_memory stays at the limit",
          "[maxmemory]") {
  TestServer server;
  RedisConn c = server.Connect();
  REQUIRE(Run(c.get(), {"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"}) == "OK");
  long long start = InfoNumber(c.get(), "memory", "used_memory");
  REQUIRE(start >= 0);  // 0 under ASan: no allocator statistics, and no keys yet
  const long long limit = start + 2 * 1024 * 1024;
  REQUIRE(Run(c.get(), {"CONFIG", "SET", "maxmemory", std::to_string(limit)}) == "OK");
  REQUIRE(InfoNumber(c.get(), "memory", "maxmemory") == limit);

  const std::string value(1000, 'v');
  const int kWrites = 8000;  // ~8 MB of values: 4x the room
  long long max_used = 0;
  for (int i = 0; i < kWrites; ++i) {
    REQUIRE(Run(c.get(), {"SET", "key:" + std::to_string(i), value}) == "OK");
    if (i % 100 == 99) max_used = std::max(max_used, InfoNumber(c.get(), "memory", "used_memory"));
  }
  INFO("max used_memory " << max_used << ", maxmemory " << limit);
  CHECK(max_used <= limit + static_cast<long long>(value.size()) + 100);
  CHECK(max_used > limit - 100 * 1024);  // the room was used, not over-evicted
  long long evicted = InfoNumber(c.get(), "stats", "evicted_keys");
  CHECK(evicted > 0);
  CHECK(Int(c.get(), {"DBSIZE"}) == kWrites - evicted);
  // Lowering the limit evicts without waiting for a command (eviction slices): the
  // subscriber sees "evicted" events while no client sends anything.
  RedisConn sub = server.Connect();
  REQUIRE(Run(c.get(), {"CONFIG", "SET", "notify-keyspace-events", "Ee"}) == "OK");
  REQUIRE(TestServer::Cmd(sub.get(), {"SUBSCRIBE", "__keyevent@0__:evicted"}));
  REQUIRE(Run(c.get(), {"CONFIG", "SET", "maxmemory", std::to_string(start + 512 * 1024)}) == "OK");
  Reply msg = GetReply(sub.get());
  REQUIRE(msg);
  REQUIRE(msg->type == REDIS_REPLY_ARRAY);
  CHECK(Str(msg->element[1]) == "__keyevent@0__:evicted");
  // Eviction continues in slices (one per loop turn): wait, bounded, until it is done.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (InfoNumber(c.get(), "memory", "used_memory") > start + 512 * 1024 &&
         std::chrono::steady_clock::now() < deadline) {
  }
  CHECK(InfoNumber(c.get(), "memory", "used_memory") <= start + 512 * 1024);
  CHECK(InfoNumber(c.get(), "stats", "evicted_keys") > evicted);
  // noeviction over the limit: Redis's exact error; reads still work.
  REQUIRE(Run(c.get(), {"CONFIG", "SET", "maxmemory-policy", "noeviction"}) == "OK");
  REQUIRE(Run(c.get(), {"CONFIG", "SET", "maxmemory", "1"}) == "OK");
  CHECK(Run(c.get(), {"SET", "k", "v"}) ==
        "OOM command not allowed when used memory > 'maxmemory'.");
  std::string some = Run(c.get(), {"RANDOMKEY"});
  CHECK(Run(c.get(), {"GET", some}) == value);
}

TEST_CASE("an evicted key invalidates WATCH, fires 'evicted' and is deleted in the log",
          "[maxmemory]") {
  DurableServer server({"--appendonly", "yes", "--appendfsync", "always"});
  REQUIRE(server.Start());
  RedisConn c = server.Connect();
  RedisConn watcher = server.Connect();
  RedisConn sub = server.Connect();
  REQUIRE(Run(c.get(), {"CONFIG", "SET", "notify-keyspace-events", "Ee"}) == "OK");
  Reply r = TestServer::Cmd(sub.get(), {"SUBSCRIBE", "__keyevent@0__:evicted"});
  REQUIRE(r);
  REQUIRE(Run(c.get(), {"CONFIG", "SET", "maxmemory-policy", "volatile-ttl"}) == "OK");
  REQUIRE(Run(c.get(), {"SET", "victim", "v", "EX", "1000"}) == "OK");  // nearest deadline
  REQUIRE(Run(c.get(), {"SET", "later", "v", "EX", "2000"}) == "OK");
  REQUIRE(Run(c.get(), {"SET", "keep", "v"}) == "OK");
  REQUIRE(Run(watcher.get(), {"WATCH", "victim"}) == "OK");

  long long used = InfoNumber(c.get(), "memory", "used_memory");
  REQUIRE(Run(c.get(), {"CONFIG", "SET", "maxmemory", std::to_string(used + 500)}) == "OK");
  REQUIRE(Run(c.get(), {"SET", "big", std::string(5000, 'b')}) == "OK");  // not over yet
  CHECK(Run(c.get(), {"PING"}) == "PONG");  // over: evicts by deadline, then fails
  CHECK(Int(c.get(), {"EXISTS", "victim"}) == 0);
  CHECK(Int(c.get(), {"EXISTS", "later"}) == 0);
  CHECK(Int(c.get(), {"EXISTS", "keep"}) == 1);
  CHECK(Run(c.get(), {"SET", "more", "v"}) ==
        "OOM command not allowed when used memory > 'maxmemory'.");
  CHECK(InfoNumber(c.get(), "stats", "evicted_keys") == 2);

  Reply msg = GetReply(sub.get());
  REQUIRE(msg);
  REQUIRE(msg->type == REDIS_REPLY_ARRAY);
  REQUIRE(msg->elements == 3);
  CHECK(Str(msg->element[0]) == "message");
  CHECK(Str(msg->element[1]) == "__keyevent@0__:evicted");
  CHECK(Str(msg->element[2]) == "victim");

  REQUIRE(Run(c.get(), {"CONFIG", "SET", "maxmemory", "0"}) == "OK");
  REQUIRE(Run(watcher.get(), {"MULTI"}) == "OK");
  REQUIRE(Run(watcher.get(), {"SET", "after", "1"}) == "QUEUED");
  Reply exec = TestServer::Cmd(watcher.get(), {"EXEC"});
  REQUIRE(exec);
  CHECK(exec->type == REDIS_REPLY_NIL);  // the watched key was evicted

  // The evictions are DELs in the append log: a restart does not bring the keys back.
  c.reset();
  watcher.reset();
  sub.reset();
  REQUIRE(server.Stop() == 0);
  REQUIRE(server.Start());
  RedisConn again = server.Connect();
  CHECK(Int(again.get(), {"EXISTS", "victim"}) == 0);
  CHECK(Int(again.get(), {"EXISTS", "later"}) == 0);
  CHECK(Int(again.get(), {"EXISTS", "keep"}) == 1);
  CHECK(Int(again.get(), {"EXISTS", "big"}) == 1);
}
