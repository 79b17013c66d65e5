// Protocol-level behaviour of the real binary: pipelining, inline commands, RESP3,
// binary safety, limits (maxclients, timeout), authentication and shutdown.
// Expected bytes are Redis 7's.
#include <signal.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>

#include "raw_conn.h"
#include "test_server.h"
#include "test_util.h"

using namespace brisk::test;
using namespace std::chrono_literals;

TEST_CASE("1000 pipelined commands in one write are answered in order", "[protocol]") {
  TestServer srv;
  RawConn c(srv.port());
  std::string batch, expected;
  for (int i = 1; i <= 1000; ++i) {
    if (i % 2) {
      batch += RawConn::Encode({"INCR", "counter"});
      expected += ":" + std::to_string(i / 2 + 1) + "\r\n";
    } else {
      batch += RawConn::Encode({"SET", "p:" + std::to_string(i), std::to_string(i)});
      expected += "+OK\r\n";
    }
  }
  REQUIRE(c.Send(batch));
  REQUIRE(c.ReadExactly(expected.size()) == expected);
  // Nothing extra follows.
  REQUIRE(c.Cmd({"GET", "p:1000"}) == "$4\r\n1000\r\n");

  // The same through hiredis' pipelining API.
  auto h = srv.Connect();
  for (int i = 0; i < 1000; ++i) redisAppendCommand(h.get(), "ECHO %d", i);
  for (int i = 0; i < 1000; ++i) {
    void* raw = nullptr;
    REQUIRE(redisGetReply(h.get(), &raw) == REDIS_OK);
    Reply r(static_cast<redisReply*>(raw));
    REQUIRE(Str(r) == std::to_string(i));
  }
  REQUIRE(srv.Stop() == 0);  // also catches a crash or, under ASan, a leak
}

TEST_CASE("inline commands", "[protocol]") {
  TestServer srv;
  RawConn c(srv.port());
  REQUIRE(c.Send("PING\r\n"));
  REQUIRE(c.ReadReply() == "+PONG\r\n");
  REQUIRE(c.Send("SET a \"b c\"\r\n"));
  REQUIRE(c.ReadReply() == "+OK\r\n");
  REQUIRE(c.Send("GET a\r\n"));
  REQUIRE(c.ReadReply() == "$3\r\nb c\r\n");
  // A bare \n terminates an inline command too; escapes inside double quotes are decoded.
  REQUIRE(c.Send("SET e \"x\\ty\\x41\"\n"));
  REQUIRE(c.ReadReply() == "+OK\r\n");
  REQUIRE(c.Cmd({"GET", "e"}) == "$4\r\nx\tyA\r\n");
  // Single quotes, and an empty line is ignored.
  REQUIRE(c.Send("\r\nSET s 'p q'\r\nGET s\r\n"));
  REQUIRE(c.ReadReply() == "+OK\r\n");
  REQUIRE(c.ReadReply() == "$3\r\np q\r\n");
  REQUIRE(c.Send("NOSUCHCMD x y\r\n"));
  REQUIRE(c.ReadReply() ==
          "-ERR unknown command 'NOSUCHCMD', with args beginning with: 'x' 'y' \r\n");
  REQUIRE(srv.Stop() == 0);  // also catches a crash or, under ASan, a leak
}

TEST_CASE("RESP3 via HELLO 3", "[protocol]") {
  TestServer srv;
  RawConn c(srv.port());
  REQUIRE(c.Cmd({"GET", "missing"}) == "$-1\r\n");
  auto hello = c.Cmd({"HELLO", "3"});
  REQUIRE(hello);
  INFO("HELLO 3 reply: " << *hello);
  REQUIRE(hello->rfind("%", 0) == 0);
  REQUIRE(hello->find("$5\r\nproto\r\n:3\r\n") != std::string::npos);
  REQUIRE(hello->find("$6\r\nserver\r\n") != std::string::npos);
  REQUIRE(hello->find("$4\r\nrole\r\n$6\r\nmaster\r\n") != std::string::npos);
  REQUIRE(c.Cmd({"GET", "missing"}) == "_\r\n");
  REQUIRE(c.Cmd({"SET", "k", "v"}) == "+OK\r\n");
  REQUIRE(c.Cmd({"GET", "k"}) == "$1\r\nv\r\n");
  REQUIRE(c.Cmd({"MGET", "k", "missing"}) == "*2\r\n$1\r\nv\r\n_\r\n");
  // CONFIG GET is a map in RESP3.
  REQUIRE(c.Cmd({"CONFIG", "GET", "maxclients"}) == "%1\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n");
  // And back to RESP2.
  auto hello2 = c.Cmd({"HELLO", "2"});
  REQUIRE(hello2);
  REQUIRE(hello2->rfind("*14\r\n", 0) == 0);
  REQUIRE(c.Cmd({"GET", "missing"}) == "$-1\r\n");
  REQUIRE(c.Cmd({"HELLO", "4"}) == "-NOPROTO unsupported protocol version\r\n");
  REQUIRE(srv.Stop() == 0);  // also catches a crash or, under ASan, a leak
}

TEST_CASE("binary-safe keys and values, the empty key", "[protocol]") {
  TestServer srv;
  auto c = srv.Connect();
  const std::string key("k\0\r\n\xff", 5);
  const std::string val("a\0b\r\nc\r\n\0", 9);
  REQUIRE(Run(c.get(), {"SET", key, val}) == "OK");
  REQUIRE(Run(c.get(), {"GET", key}) == val);
  REQUIRE(Int(c.get(), {"STRLEN", key}) == 9);
  REQUIRE(Run(c.get(), {"SET", "", "empty-key"}) == "OK");
  REQUIRE(Run(c.get(), {"GET", ""}) == "empty-key");
  REQUIRE(Int(c.get(), {"EXISTS", ""}) == 1);
  REQUIRE(Run(c.get(), {"SET", "ev", ""}) == "OK");
  auto r = TestServer::Cmd(c.get(), {"GET", "ev"});
  REQUIRE(r->type == REDIS_REPLY_STRING);
  REQUIRE(r->len == 0);
  REQUIRE(Int(c.get(), {"DBSIZE"}) == 3);
  REQUIRE(srv.Stop() == 0);  // also catches a crash or, under ASan, a leak
}

TEST_CASE("a 10 MB value round-trips", "[protocol]") {
  TestServer srv;
  auto c = srv.Connect();
  std::string big(10 * 1024 * 1024, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = char((i * 2654435761u) >> 13);
  REQUIRE(Run(c.get(), {"SET", "big", big}) == "OK");
  REQUIRE(Int(c.get(), {"STRLEN", "big"}) == long(big.size()));
  auto r = TestServer::Cmd(c.get(), {"GET", "big"});
  REQUIRE(r);
  REQUIRE(r->type == REDIS_REPLY_STRING);
  REQUIRE(r->len == big.size());
  REQUIRE(std::string(r->str, r->len) == big);
  REQUIRE(Run(c.get(), {"GETRANGE", "big", "5000000", "5000009"}) == big.substr(5000000, 10));
  REQUIRE(srv.Stop() == 0);  // also catches a crash or, under ASan, a leak
}

TEST_CASE("maxclients rejects the connection over the limit", "[protocol]") {
  TestServer srv({"--maxclients", "2"});
  auto count_clients = [](redisContext* c) {
    std::string list = Run(c, {"CLIENT", "LIST"});
    return std::count(list.begin(), list.end(), '\n');
  };
  auto c1 = srv.Connect();
  // The harness's readiness probe may still be counted until its close is processed.
  REQUIRE(PollUntil([&] { return count_clients(c1.get()) == 1; }));
  auto c2 = srv.Connect();
  REQUIRE(Run(c2.get(), {"PING"}) == "PONG");
  {
    RawConn c3(srv.port());
    auto r = c3.ReadReply();
    REQUIRE(r == "-ERR max number of clients reached\r\n");
    REQUIRE(c3.WaitClosed());
  }
  REQUIRE(Run(c1.get(), {"PING"}) == "PONG");
  c2.reset();
  // Once a slot frees up, a new client is served.
  REQUIRE(PollUntil([&] { return count_clients(c1.get()) == 1; }));
  RawConn c4(srv.port());
  REQUIRE(c4.Cmd({"PING"}) == "+PONG\r\n");
  REQUIRE(srv.Stop() == 0);  // also catches a crash or, under ASan, a leak
}

TEST_CASE("--timeout closes an idle client", "[protocol]") {
  TestServer srv({"--timeout", "1"});
  RawConn idle(srv.port(), 6s);
  REQUIRE(idle.Cmd({"PING"}) == "+PONG\r\n");
  auto t0 = std::chrono::steady_clock::now();
  REQUIRE(idle.WaitClosed());  // bounded by the 6 s receive timeout
  double ms = MsSince(t0);
  CHECK(ms >= 900);
  CHECK(ms < 6000);
  CHECK(idle.pending().empty());
  // The server is still fine.
  RawConn c(srv.port());
  REQUIRE(c.Cmd({"PING"}) == "+PONG\r\n");
  REQUIRE(srv.Stop() == 0);  // also catches a crash or, under ASan, a leak
}

TEST_CASE("requirepass", "[protocol]") {
  TestServer srv({"--requirepass", "secret"});
  RawConn c(srv.port());
  REQUIRE(c.Cmd({"PING"}) == "-NOAUTH Authentication required.\r\n");
  REQUIRE(c.Cmd({"GET", "k"}) == "-NOAUTH Authentication required.\r\n");
  REQUIRE(c.Cmd({"AUTH", "wrong"}) ==
          "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  REQUIRE(c.Cmd({"AUTH", "default", "wrong"}) ==
          "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  REQUIRE(c.Cmd({"HELLO", "3"}) ==
          "-NOAUTH HELLO must be called with the client already authenticated, otherwise the "
          "HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and "
          "select the RESP protocol version at the same time\r\n");
  REQUIRE(c.Cmd({"AUTH", "secret"}) == "+OK\r\n");
  REQUIRE(c.Cmd({"PING"}) == "+PONG\r\n");
  REQUIRE(c.Cmd({"SET", "k", "v"}) == "+OK\r\n");

  RawConn h(srv.port());
  REQUIRE(h.Cmd({"HELLO", "3", "AUTH", "default", "wrong"}) ==
          "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  auto hello = h.Cmd({"HELLO", "3", "AUTH", "default", "secret"});
  REQUIRE(hello);
  REQUIRE(hello->rfind("%", 0) == 0);
  REQUIRE(h.Cmd({"GET", "k"}) == "$1\r\nv\r\n");
  REQUIRE(h.Cmd({"GET", "nokey"}) == "_\r\n");

  // hiredis with AUTH, as an application would.
  auto hc = srv.Connect();
  REQUIRE(Run(hc.get(), {"AUTH", "secret"}) == "OK");
  REQUIRE(Run(hc.get(), {"GET", "k"}) == "v");
  REQUIRE(srv.Stop() == 0);  // also catches a crash or, under ASan, a leak
}

TEST_CASE("AUTH without a configured password", "[protocol]") {
  TestServer srv;
  RawConn c(srv.port());
  REQUIRE(c.Cmd({"AUTH", "x"}) ==
          "-ERR AUTH <password> called without any password configured for the default user. "
          "Are you sure your configuration is correct?\r\n");
  REQUIRE(c.Cmd({"PING"}) == "+PONG\r\n");
  REQUIRE(srv.Stop() == 0);  // also catches a crash or, under ASan, a leak
}

TEST_CASE("SIGTERM with clients connected exits 0", "[protocol]") {
  TestServer srv;
  auto a = srv.Connect();
  REQUIRE(Run(a.get(), {"SET", "k", "v"}) == "OK");
  RawConn in_multi(srv.port());
  REQUIRE(in_multi.Cmd({"MULTI"}) == "+OK\r\n");
  REQUIRE(in_multi.Cmd({"SET", "x", "y"}) == "+QUEUED\r\n");
  RawConn half(srv.port());
  REQUIRE(half.Send("*3\r\n$3\r\nSET\r\n$1\r\nk"));  // a half-sent command
  RawConn monitor(srv.port());
  REQUIRE(monitor.Cmd({"MONITOR"}) == "+OK\r\n");
  REQUIRE(Run(a.get(), {"PING"}) == "PONG");
  REQUIRE(srv.Stop() == 0);
  // Clients see the connection closed.
  REQUIRE(half.WaitClosed());
}

TEST_CASE("SHUTDOWN makes the process exit", "[protocol]") {
  TestServer srv;
  auto other = srv.Connect();
  RawConn c(srv.port());
  REQUIRE(c.Cmd({"SET", "k", "v"}) == "+OK\r\n");
  REQUIRE(c.Send(RawConn::Encode({"SHUTDOWN", "NOSAVE"})));
  // On success SHUTDOWN sends no reply: the connection just closes.
  REQUIRE(c.WaitClosed());
  CHECK(c.pending().empty());
  // Wait (bounded) for the process to exit without reaping it, then collect its status.
  bool exited = PollUntil([&] {
    siginfo_t si{};
    return waitid(P_PID, id_t(srv.pid()), &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
           si.si_pid == srv.pid();
  });
  REQUIRE(exited);
  REQUIRE(srv.Stop() == 0);
}
