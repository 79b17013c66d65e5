// Smoke: the binary starts on a free port, answers, and exits 0 on SIGTERM.
#include <catch2/catch.hpp>

#include "test_server.h"

using brisk::test::TestServer;

TEST_CASE("server starts, answers PING and SET/GET, exits 0 on SIGTERM", "[smoke]") {
  TestServer srv;
  auto c = srv.Connect();
  auto r = TestServer::Cmd(c.get(), {"PING"});
  REQUIRE(r);
  REQUIRE(r->type == REDIS_REPLY_STATUS);
  REQUIRE(std::string(r->str) == "PONG");
  r = TestServer::Cmd(c.get(), {"SET", "k", std::string("a\0b\r\n", 5)});
  REQUIRE(std::string(r->str) == "OK");
  r = TestServer::Cmd(c.get(), {"GET", "k"});
  REQUIRE(r->type == REDIS_REPLY_STRING);
  REQUIRE(std::string(r->str, r->len) == std::string("a\0b\r\n", 5));
  REQUIRE(srv.Stop() == 0);
}
