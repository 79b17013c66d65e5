// A busy script (issue 8): connections made while a script runs past
// busy-reply-threshold, over TCP and the unix socket, are accepted and answered as
// Redis 7.0 answers them (processEventsWhileBlocked): -BUSY for ordinary commands, the
// normal errors for unknown commands and wrong arity, the allow_busy commands (AUTH,
// HELLO, MULTI, WATCH, ...) run, and SCRIPT KILL from a new connection stops the script.
// Expected texts are Redis 7.0.15's (checked against redis-server). Nothing sleeps for
// correctness: every wait is a bounded poll or a reply read with a timeout.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "raw_conn.h"
#include "test_util.h"

using namespace brisk::test;

namespace {

const char* kBusy =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
const char* kKilledPrefix = "ERR Script killed by user with SCRIPT KILL...";

RedisConn ConnectUnix(const std::string& path) {
  timeval tv{5, 0};
  RedisConn c(redisConnectUnixWithTimeout(path.c_str(), tv));
  if (!c || c->err) throw std::runtime_error("unix connect failed");
  redisSetTimeout(c.get(), tv);
  return c;
}

// A socket path short enough for sun_path, unique per test process.
std::string SocketPath(const char* tag) {
  return "/tmp/brisk-busy-" + std::to_string(getpid()) + "-" + tag + ".sock";
}

}  // namespace

TEST_CASE("a busy script: new TCP and unix-socket connections are answered, SCRIPT KILL works",
          "[script]") {
  std::string sock = SocketPath("a");
  TestServer s({"--busy-reply-threshold", "100", "--unixsocket", sock});
  RawConn subscriber(s.port());  // a RESP2 subscriber from before the script
  REQUIRE(subscriber.Cmd({"SUBSCRIBE", "ch"}) == "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n");
  RedisConn runner = s.Connect();
  auto t0 = std::chrono::steady_clock::now();
  SendEval(runner.get(), "while true do end");

  // Connected after the script started: answered once it passes the threshold.
  RedisConn tcp = s.Connect();
  CHECK(Run(tcp.get(), {"PING"}) == kBusy);
  CHECK(MsSince(t0) >= 100);
  RedisConn unix_conn = ConnectUnix(sock);
  CHECK(Run(unix_conn.get(), {"PING"}) == kBusy);
  CHECK(Run(unix_conn.get(), {"GET", "x"}) == kBusy);

  // processCommand's order: lookup and arity errors come before -BUSY.
  RedisConn c = s.Connect();
  CHECK(Run(c.get(), {"GET", "x"}) == kBusy);
  CHECK(Run(c.get(), {"CLIENT", "ID"}) == kBusy);
  CHECK(Run(c.get(), {"SCRIPT", "FLUSH"}) == kBusy);
  CHECK(Run(c.get(), {"SHUTDOWN"}) == kBusy);
  CHECK(Run(c.get(), {"FOO", "a"}) == "ERR unknown command 'FOO', with args beginning with: 'a' ");
  CHECK(Run(c.get(), {"GET"}) == "ERR wrong number of arguments for 'get' command");
  CHECK(Run(c.get(), {"SCRIPT", "KILLX"}) == "ERR unknown subcommand 'KILLX'. Try SCRIPT HELP.");
  CHECK(Run(c.get(), {"SCRIPT", "KILL", "X"}) ==
        "ERR wrong number of arguments for 'script|kill' command");
  // allow_busy commands run.
  CHECK(Run(c.get(), {"AUTH", "a"}) ==
        "ERR AUTH <password> called without any password configured for the default user. "
        "Are you sure your configuration is correct?");
  Reply hello = TestServer::Cmd(c.get(), {"HELLO", "2"});
  REQUIRE(hello);
  CHECK(hello->type == REDIS_REPLY_ARRAY);
  CHECK(Run(c.get(), {"WATCH", "x"}) == "OK");
  CHECK(Run(c.get(), {"UNWATCH"}) == "OK");
  CHECK(Run(c.get(), {"DISCARD"}) == "ERR DISCARD without MULTI");
  // A rejected command inside MULTI dooms the transaction; EXEC itself is rejected.
  CHECK(Run(c.get(), {"MULTI"}) == "OK");
  CHECK(Run(c.get(), {"GET", "x"}) == kBusy);
  CHECK(Run(c.get(), {"EXEC"}) ==
        "EXECABORT Transaction discarded because of: BUSY Redis is busy running a script. You "
        "can only call SCRIPT KILL or SHUTDOWN NOSAVE.");
  CHECK(Run(c.get(), {"DISCARD"}) == "ERR DISCARD without MULTI");  // EXEC ended it
  CHECK(Run(c.get(), {"RESET"}) == "RESET");
  // A subscriber gets the subscribed-context error first, then -BUSY for PING.
  const std::string context_error =
      "-ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET "
      "are allowed in this context\r\n";
  auto context = [&](const std::string& name) {
    std::string e = context_error;
    return e.replace(e.find("%s"), 2, name);
  };
  CHECK(subscriber.Cmd({"GET", "x"}) == context("get"));
  CHECK(subscriber.Cmd({"PING"}) == "-" + std::string(kBusy) + "\r\n");
  CHECK(subscriber.Cmd({"CLIENT", "ID"}) == context("client|id"));

  // SCRIPT KILL from a connection made now, over the unix socket.
  RedisConn killer = ConnectUnix(sock);
  CHECK(Run(killer.get(), {"SCRIPT", "KILL"}) == "OK");
  CHECK(Str(GetReply(runner.get())).rfind(kKilledPrefix, 0) == 0);
  CHECK(Run(killer.get(), {"PING"}) == "PONG");
  CHECK(Run(tcp.get(), {"PING"}) == "PONG");
  CHECK(Run(c.get(), {"PING"}) == "PONG");
  CHECK(Run(runner.get(), {"PING"}) == "PONG");

  // Again, killed from a new TCP connection; QUIT while busy closes after its +OK.
  SendEval(runner.get(), "while true do end");
  RedisConn quitter = s.Connect();
  CHECK(Run(quitter.get(), {"PING"}) == kBusy);
  CHECK(Run(quitter.get(), {"QUIT"}) == "OK");
  RedisConn killer2 = s.Connect();
  CHECK(Run(killer2.get(), {"SCRIPT", "KILL"}) == "OK");
  CHECK(Str(GetReply(runner.get())).rfind(kKilledPrefix, 0) == 0);
  CHECK(Run(quitter.get(), {"PING"}) == "<no reply: connection error>");
  CHECK(Run(killer2.get(), {"PING"}) == "PONG");
  CHECK(s.Stop() == 0);
}

TEST_CASE("a busy script with requirepass: a new connection must AUTH, then gets -BUSY",
          "[script]") {
  TestServer s({"--busy-reply-threshold", "50", "--requirepass", "secret"});
  RedisConn runner = s.Connect();
  CHECK(Run(runner.get(), {"AUTH", "secret"}) == "OK");
  SendEval(runner.get(), "local i = 0 while true do i = i + 1 end");
  RedisConn c = s.Connect();
  CHECK(Run(c.get(), {"PING"}) == "NOAUTH Authentication required.");
  CHECK(Run(c.get(), {"SCRIPT", "KILL"}) == "NOAUTH Authentication required.");
  CHECK(Run(c.get(), {"AUTH", "wrong"}) ==
        "WRONGPASS invalid username-password pair or user is disabled.");
  CHECK(Run(c.get(), {"AUTH", "secret"}) == "OK");
  CHECK(Run(c.get(), {"PING"}) == kBusy);
  CHECK(Run(c.get(), {"SCRIPT", "KILL"}) == "OK");
  CHECK(Str(GetReply(runner.get())).rfind(kKilledPrefix, 0) == 0);
  CHECK(Run(c.get(), {"PING"}) == "PONG");
  CHECK(s.Stop() == 0);
}

TEST_CASE("a busy script: SHUTDOWN NOSAVE from a new unix-socket connection exits", "[script]") {
  std::string sock = SocketPath("b");
  TestServer s({"--busy-reply-threshold", "50", "--unixsocket", sock});
  RedisConn runner = s.Connect();
  // TestServer is ready once the TCP port accepts; a reply means the loop runs, so
  // every listener (the unix socket too) is open.
  REQUIRE(Run(runner.get(), {"PING"}) == "PONG");
  SendEval(runner.get(), "redis.call('set', 'w', '1') while true do end");
  RedisConn c = ConnectUnix(sock);
  CHECK(Run(c.get(), {"SCRIPT", "KILL"}).rfind("UNKILLABLE ", 0) == 0);
  CHECK(Run(c.get(), {"SHUTDOWN", "NOSAVE"}) == "<no reply: connection error>");
  CHECK(s.Stop() == 0);
}
