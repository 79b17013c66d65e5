// INFO's loop turn figures (server/loop_meter.h): the poll's wait is not busy time, a
// long turn's wall time and CPU time are both seen, and a turn that sleeps is long by
// the wall clock but not by the CPU clock.
#include <catch2/catch.hpp>
#include <string>

#include "test_server.h"

using namespace brisk::test;

namespace {

int64_t InfoField(redisContext* c, const std::string& field) {
  Reply r = TestServer::Cmd(c, {"INFO", "stats"});
  REQUIRE(r);
  REQUIRE(r->type == REDIS_REPLY_STRING);
  std::string text(r->str, r->len);
  size_t pos = text.find("\r\n" + field + ":");
  REQUIRE(pos != std::string::npos);
  return std::stoll(text.substr(pos + field.size() + 3));
}

}  // namespace

TEST_CASE("loop turns: busy time excludes the poll wait; CPU time is sampled",
          "[server][loop-meter]") {
  TestServer srv;
  RedisConn c = srv.Connect();
  REQUIRE(TestServer::Cmd(c.get(), {"CONFIG", "RESETSTAT"}));

  SECTION("an idle wait in the poll is not busy time") {
    // The server waits 300 ms in the poll for the timeout (and the cron's turns).
    Reply r = TestServer::Cmd(c.get(), {"BLPOP", "loop-meter:none", "0.3"});
    REQUIRE(r);
    CHECK(r->type == REDIS_REPLY_NIL);
    CHECK(InfoField(c.get(), "eventloop_cycles") >= 2);
    CHECK(InfoField(c.get(), "eventloop_duration_sum") < 150'000);
  }

  SECTION("a sleeping turn is long by the wall clock, not by the CPU clock") {
    REQUIRE(TestServer::Cmd(c.get(), {"DEBUG", "SLEEP", "0.1"}));
    CHECK(InfoField(c.get(), "eventloop_duration_max") >= 100'000);
    CHECK(InfoField(c.get(), "eventloop_duration_cpu_max") < 50'000);
  }

  SECTION("a CPU-bound turn is long by both clocks") {
    Reply r = TestServer::Cmd(
        c.get(), {"EVAL", "local n = 0 for i = 1, 20000000 do n = n + i end return 1", "0"});
    REQUIRE(r);
    REQUIRE(r->type == REDIS_REPLY_INTEGER);
    int64_t wall = InfoField(c.get(), "eventloop_duration_max");
    int64_t cpu = InfoField(c.get(), "eventloop_duration_cpu_max");
    CHECK(cpu >= 5'000);  // 20M Lua iterations take well over 5 ms of CPU
    CHECK(wall >= cpu / 2);
  }
}
