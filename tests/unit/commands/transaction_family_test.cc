#include <catch2/catch.hpp>

#include "harness.h"

using namespace brisk::test;

TEST_CASE("MULTI queues, EXEC runs in order and returns every reply", "[transactions]") {
  Harness h;
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"set", "a", "1"}) == "+QUEUED\r\n");
  CHECK(h.Run({"incr", "a"}) == "+QUEUED\r\n");
  CHECK(h.Run({"get", "a"}) == "+QUEUED\r\n");
  CHECK(h.Run({"exec"}) == "*3\r\n" + kOk + Int(2) + Bulk("2"));
  CHECK(h.Run({"exec"}) == Err("ERR EXEC without MULTI"));
  CHECK(h.Run({"discard"}) == Err("ERR DISCARD without MULTI"));
}

TEST_CASE("runtime errors stay inside EXEC's array; other commands still run", "[transactions]") {
  Harness h;
  h.Run({"set", "s", "abc"});
  h.Run({"multi"});
  h.Run({"incr", "s"});
  h.Run({"set", "t", "1"});
  CHECK(h.Run({"exec"}) == "*2\r\n" + Err("ERR value is not an integer or out of range") + kOk);
}

TEST_CASE("a rejected queued command aborts EXEC with EXECABORT", "[transactions]") {
  Harness h;
  h.Run({"multi"});
  CHECK(h.Run({"set", "a"}) == Err("ERR wrong number of arguments for 'set' command"));
  CHECK(h.Run({"nosuch"}).rfind("-ERR unknown command 'nosuch'", 0) == 0);
  h.Run({"set", "b", "1"});
  CHECK(h.Run({"exec"}) == Err("EXECABORT Transaction discarded because of previous errors."));
  CHECK(h.Run({"exists", "b"}) == Int(0));
  CHECK_FALSE(h.client().in_multi);
}

TEST_CASE("nesting, DISCARD, WATCH inside MULTI, SHUTDOWN inside MULTI", "[transactions]") {
  Harness h;
  h.Run({"multi"});
  CHECK(h.Run({"multi"}) == Err("ERR MULTI calls can not be nested"));
  CHECK(h.Run({"watch", "x"}) == Err("ERR WATCH inside MULTI is not allowed"));
  CHECK(h.Run({"shutdown"}) == Err("ERR Command not allowed inside a transaction"));
  CHECK_FALSE(h.hooks().shutdown);
  CHECK(h.Run({"discard"}) == kOk);
  CHECK(h.Run({"get", "x"}) == kNil);
}

TEST_CASE("WATCH: a change by another client aborts EXEC with a null array", "[transactions]") {
  Harness h;
  brisk::cmd::ClientState other;
  other.id = 2;
  other.authenticated = true;
  h.Run({"set", "k", "1"});
  CHECK(h.Run({"watch", "k"}) == kOk);
  h.Run({"set", "k", "2"}, &other);
  h.Run({"multi"});
  h.Run({"set", "k", "3"});
  CHECK(h.Run({"exec"}) == "*-1\r\n");
  CHECK(h.Run({"get", "k"}) == Bulk("2"));
  // After EXEC the watch is gone: the next transaction succeeds.
  h.Run({"multi"});
  h.Run({"set", "k", "4"});
  CHECK(h.Run({"exec"}) == "*1\r\n" + kOk);
}

TEST_CASE("WATCH: untouched keys, UNWATCH, own writes before MULTI", "[transactions]") {
  Harness h;
  brisk::cmd::ClientState other;
  other.id = 2;
  other.authenticated = true;
  h.Run({"watch", "k"});
  h.Run({"set", "unrelated", "1"}, &other);
  h.Run({"multi"});
  h.Run({"ping"});
  CHECK(h.Run({"exec"}) == "*1\r\n+PONG\r\n");

  h.Run({"watch", "k"});
  h.Run({"set", "k", "x"}, &other);
  CHECK(h.Run({"unwatch"}) == kOk);
  h.Run({"multi"});
  h.Run({"ping"});
  CHECK(h.Run({"exec"}) == "*1\r\n+PONG\r\n");
}

TEST_CASE("WATCH: deletion, FLUSHDB and expiry abort EXEC", "[transactions]") {
  Harness h;
  brisk::cmd::ClientState other;
  other.id = 2;
  other.authenticated = true;

  h.Run({"set", "k", "1"});
  h.Run({"watch", "k"});
  h.Run({"del", "k"}, &other);
  h.Run({"multi"});
  CHECK(h.Run({"exec"}) == "*-1\r\n");

  h.Run({"set", "k", "1"});
  h.Run({"watch", "k"});
  h.Run({"flushdb"}, &other);
  h.Run({"multi"});
  CHECK(h.Run({"exec"}) == "*-1\r\n");

  // A key that expires between WATCH and EXEC (not yet reclaimed) aborts too.
  int64_t t0 = 1'700'000'000'000;
  h.SetTime(t0);
  h.Run({"set", "v", "1", "px", "100"});
  h.Run({"watch", "v"});
  h.SetTime(t0 + 200);
  h.Run({"multi"});
  CHECK(h.Run({"exec"}) == "*-1\r\n");
}

TEST_CASE("RESP3: aborted EXEC is a null", "[transactions]") {
  Harness h;
  h.client().resp = 3;
  brisk::cmd::ClientState other;
  other.id = 2;
  other.authenticated = true;
  h.Run({"watch", "k"});
  h.Run({"set", "k", "2"}, &other);
  h.Run({"multi"});
  CHECK(h.Run({"exec"}) == "_\r\n");
}
