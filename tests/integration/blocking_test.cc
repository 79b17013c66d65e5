// Blocking pops end to end against the real binary: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH,
// BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP; FIFO fairness, multi-key serve order, timeouts
// (bounded, never by sleeping), wake-ups from pushes / MULTI-EXEC / LMOVE chains,
// CLIENT UNBLOCK, disconnects, INFO, RESP3 and append-log replay of a served pop.
// Replies are compared byte for byte (RawConn) with what redis-server 7.0 sends.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "durable_server.h"
#include "raw_conn.h"
#include "test_server.h"
#include "test_util.h"

using namespace brisk::test;

namespace {

std::string Bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}
std::string Pair(const std::string& a, const std::string& b) {
  return "*2\r\n" + Bulk(a) + Bulk(b);
}

long long InfoField(redisContext* c, const std::string& field) {
  std::string info = Run(c, {"INFO", "clients"});
  size_t at = info.find(field + ":");
  if (at == std::string::npos) return -1;
  return std::stoll(info.substr(at + field.size() + 1));
}

// Waits (bounded) until INFO reports n blocked clients.
bool WaitBlocked(redisContext* c, long long n) {
  return PollUntil([&] { return InfoField(c, "blocked_clients") == n; });
}

void Send(RawConn& conn, const std::vector<std::string>& argv) {
  REQUIRE(conn.Send(RawConn::Encode(argv)));
}

std::string Next(RawConn& conn) {
  auto r = conn.ReadReply();
  return r ? *r : std::string("<no reply>");
}

}  // namespace

TEST_CASE("blocking pops reply at once when data is there", "[blocking]") {
  TestServer server;
  RawConn c(server.port());
  Send(c, {"RPUSH", "l", "a", "b", "c", "d"});
  REQUIRE(Next(c) == ":4\r\n");
  CHECK(c.Cmd({"BLPOP", "none", "l", "0"}) == Pair("l", "a"));
  CHECK(c.Cmd({"BRPOP", "l", "0"}) == Pair("l", "d"));
  CHECK(c.Cmd({"BLMOVE", "l", "dst", "LEFT", "RIGHT", "0"}) == Bulk("b"));
  CHECK(c.Cmd({"BRPOPLPUSH", "l", "dst", "0"}) == Bulk("c"));
  CHECK(c.Cmd({"LRANGE", "dst", "0", "-1"}) == "*2\r\n" + Bulk("c") + Bulk("b"));
  CHECK(c.Cmd({"EXISTS", "l"}) == ":0\r\n");
  CHECK(c.Cmd({"BLMPOP", "0", "2", "l", "dst", "RIGHT", "COUNT", "5"}) ==
        "*2\r\n" + Bulk("dst") + "*2\r\n" + Bulk("b") + Bulk("c"));
  REQUIRE(c.Cmd({"ZADD", "z", "1", "a", "2", "b", "3", "c"}) == ":3\r\n");
  CHECK(c.Cmd({"BZPOPMIN", "z", "0"}) == "*3\r\n" + Bulk("z") + Bulk("a") + Bulk("1"));
  CHECK(c.Cmd({"BZPOPMAX", "z", "0"}) == "*3\r\n" + Bulk("z") + Bulk("c") + Bulk("3"));
  CHECK(c.Cmd({"BZMPOP", "0", "1", "z", "MIN", "COUNT", "9"}) ==
        "*2\r\n" + Bulk("z") + "*1\r\n*2\r\n" + Bulk("b") + Bulk("2"));
}

TEST_CASE("blocking pops: argument errors and WRONGTYPE as Redis", "[blocking]") {
  TestServer server;
  RawConn c(server.port());
  REQUIRE(c.Cmd({"SET", "s", "x"}) == "+OK\r\n");
  CHECK(c.Cmd({"BLPOP", "l", "abc"}) == "-ERR timeout is not a float or out of range\r\n");
  CHECK(c.Cmd({"BLPOP", "l", "nan"}) == "-ERR timeout is not a float or out of range\r\n");
  CHECK(c.Cmd({"BLPOP", "l", "-1"}) == "-ERR timeout is negative\r\n");
  CHECK(c.Cmd({"BLPOP", "l", "1e20"}) == "-ERR timeout is negative\r\n");
  CHECK(c.Cmd({"BLPOP", "l", "inf"}) == "-ERR timeout is negative\r\n");
  CHECK(c.Cmd({"BLPOP", "s", "0"}) ==
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  CHECK(c.Cmd({"BLPOP", "l", "s", "0"}) ==
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  CHECK(c.Cmd({"BZPOPMIN", "s", "0"}) ==
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  CHECK(c.Cmd({"BLMOVE", "l", "d", "foo", "RIGHT", "x"}) == "-ERR syntax error\r\n");
  CHECK(c.Cmd({"BLMOVE", "l", "d", "LEFT", "RIGHT", "x"}) ==
        "-ERR timeout is not a float or out of range\r\n");
  CHECK(c.Cmd({"BLMPOP", "0.01", "x", "l", "LEFT"}) == "-ERR numkeys should be greater than 0\r\n");
  CHECK(c.Cmd({"BLMPOP", "0.01", "5", "l", "LEFT"}) == "-ERR syntax error\r\n");
  CHECK(c.Cmd({"BLMPOP", "0.01", "1", "l", "MIDDLE"}) == "-ERR syntax error\r\n");
  CHECK(c.Cmd({"BLMPOP", "0.01", "1", "l", "LEFT", "COUNT", "2", "COUNT", "3"}) ==
        "-ERR syntax error\r\n");
  CHECK(c.Cmd({"BZMPOP", "0.01", "1", "z", "MIN", "COUNT", "-1"}) ==
        "-ERR count should be greater than 0\r\n");
  CHECK(c.Cmd({"BZMPOP", "x", "1", "z", "MIN"}) ==
        "-ERR timeout is not a float or out of range\r\n");
  CHECK(c.Cmd({"BLPOP", "l"}) == "-ERR wrong number of arguments for 'blpop' command\r\n");
  CHECK(c.Cmd({"CLIENT", "UNBLOCK", "99999"}) == ":0\r\n");
  CHECK(c.Cmd({"CLIENT", "UNBLOCK", "99999", "foo"}) ==
        "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n");
  CHECK(c.Cmd({"CLIENT", "UNBLOCK", "x"}) == "-ERR value is not an integer or out of range\r\n");
}

TEST_CASE("blocking pops inside MULTI do not block", "[blocking]") {
  TestServer server;
  RawConn c(server.port());
  REQUIRE(c.Cmd({"MULTI"}) == "+OK\r\n");
  for (const auto& argv :
       std::vector<std::vector<std::string>>{{"BLPOP", "l", "0"},
                                             {"BLMOVE", "l", "d", "LEFT", "RIGHT", "0"},
                                             {"BRPOPLPUSH", "l", "d", "0"},
                                             {"BLMPOP", "0", "1", "l", "LEFT"},
                                             {"BZPOPMAX", "z", "0"},
                                             {"BZMPOP", "0", "1", "z", "MAX"}}) {
    REQUIRE(c.Cmd(argv) == "+QUEUED\r\n");
  }
  CHECK(c.Cmd({"EXEC"}) == "*6\r\n*-1\r\n$-1\r\n$-1\r\n*-1\r\n*-1\r\n*-1\r\n");
  REQUIRE(c.Cmd({"HELLO", "3"}).has_value());
  REQUIRE(c.Cmd({"MULTI"}) == "+OK\r\n");
  REQUIRE(c.Cmd({"BLMOVE", "l", "d", "LEFT", "RIGHT", "0"}) == "+QUEUED\r\n");
  REQUIRE(c.Cmd({"BLPOP", "l", "0"}) == "+QUEUED\r\n");
  CHECK(c.Cmd({"EXEC"}) == "*2\r\n_\r\n_\r\n");
}

TEST_CASE("a push from another client wakes every blocking command", "[blocking]") {
  TestServer server;
  RedisConn admin = server.Connect();
  RawConn w(server.port());
  RawConn p(server.port());
  struct Case {
    std::vector<std::string> block;
    std::vector<std::string> push;
    std::string want;
  };
  std::vector<Case> cases = {
      {{"BLPOP", "l", "0"}, {"RPUSH", "l", "x", "y"}, Pair("l", "x")},
      {{"BRPOP", "l", "0"}, {"RPUSH", "l", "x", "y"}, Pair("l", "y")},
      {{"BLMOVE", "l", "d", "RIGHT", "LEFT", "0"}, {"RPUSH", "l", "x"}, Bulk("x")},
      {{"BRPOPLPUSH", "l", "d", "0"}, {"RPUSH", "l", "x"}, Bulk("x")},
      {{"BLMPOP", "0", "1", "l", "LEFT", "COUNT", "2"},
       {"RPUSH", "l", "x", "y", "z"},
       "*2\r\n" + Bulk("l") + "*2\r\n" + Bulk("x") + Bulk("y")},
      {{"BZPOPMIN", "z", "0"},
       {"ZADD", "z", "2", "b", "1", "a"},
       "*3\r\n" + Bulk("z") + Bulk("a") + Bulk("1")},
      {{"BZPOPMAX", "z", "0"},
       {"ZADD", "z", "2", "b", "1", "a"},
       "*3\r\n" + Bulk("z") + Bulk("b") + Bulk("2")},
      {{"BZMPOP", "0", "1", "z", "MAX", "COUNT", "5"},
       {"ZADD", "z", "2", "b", "1", "a"},
       "*2\r\n" + Bulk("z") + "*2\r\n*2\r\n" + Bulk("b") + Bulk("2") + "*2\r\n" + Bulk("a") +
           Bulk("1")},
  };
  for (const Case& k : cases) {
    INFO(k.block[0]);
    REQUIRE(p.Cmd({"DEL", "l", "z", "d"}).has_value());
    Send(w, k.block);
    REQUIRE(WaitBlocked(admin.get(), 1));
    REQUIRE(p.Cmd(k.push).has_value());
    CHECK(Next(w) == k.want);
    REQUIRE(WaitBlocked(admin.get(), 0));
    if (k.block[0] == "BLMOVE") CHECK(p.Cmd({"LRANGE", "d", "0", "-1"}) == "*1\r\n" + Bulk("x"));
  }
}

TEST_CASE("waiters on a key are served first come, first served", "[blocking]") {
  TestServer server;
  RedisConn admin = server.Connect();
  RawConn a(server.port()), b(server.port()), c(server.port());
  Send(a, {"BLPOP", "q", "0"});
  REQUIRE(WaitBlocked(admin.get(), 1));
  Send(b, {"BLPOP", "q", "0"});
  REQUIRE(WaitBlocked(admin.get(), 2));
  Send(c, {"BLPOP", "q", "0"});
  REQUIRE(WaitBlocked(admin.get(), 3));
  CHECK(InfoField(admin.get(), "total_blocking_keys") == 1);
  REQUIRE(Int(admin.get(), {"RPUSH", "q", "1", "2"}) == 2);
  CHECK(Next(a) == Pair("q", "1"));
  CHECK(Next(b) == Pair("q", "2"));
  REQUIRE(WaitBlocked(admin.get(), 1));
  REQUIRE(Int(admin.get(), {"RPUSH", "q", "3"}) == 1);
  CHECK(Next(c) == Pair("q", "3"));
  CHECK(Int(admin.get(), {"EXISTS", "q"}) == 0);
}

TEST_CASE("a client blocked on several keys is served by the first that gets data", "[blocking]") {
  TestServer server;
  RedisConn admin = server.Connect();
  RawConn w(server.port());
  Send(w, {"BLPOP", "k1", "k2", "k3", "0"});
  REQUIRE(WaitBlocked(admin.get(), 1));
  CHECK(InfoField(admin.get(), "total_blocking_keys") == 3);
  REQUIRE(Int(admin.get(), {"RPUSH", "k3", "three"}) == 1);
  CHECK(Next(w) == Pair("k3", "three"));
  CHECK(InfoField(admin.get(), "total_blocking_keys") == 0);
  // In one EXEC, the key signalled first serves, whatever the order of the keys.
  Send(w, {"BLPOP", "k1", "k2", "0"});
  REQUIRE(WaitBlocked(admin.get(), 1));
  redisContext* ac = admin.get();
  REQUIRE(Run(ac, {"MULTI"}) == "OK");
  REQUIRE(Run(ac, {"RPUSH", "k2", "two"}) == "QUEUED");
  REQUIRE(Run(ac, {"RPUSH", "k1", "one"}) == "QUEUED");
  REQUIRE(Run(ac, {"EXEC"}) == "<array 2>");
  CHECK(Next(w) == Pair("k2", "two"));
  CHECK(Run(ac, {"LRANGE", "k1", "0", "-1"}) == "<array 1>");
}

TEST_CASE("MULTI/EXEC wakes a waiter after EXEC, with the final state", "[blocking]") {
  TestServer server;
  RedisConn admin = server.Connect();
  redisContext* ac = admin.get();
  RawConn w(server.port());
  Send(w, {"BRPOP", "l", "0"});
  REQUIRE(WaitBlocked(ac, 1));
  // Pushed and emptied inside one transaction: nothing to serve, still blocked.
  REQUIRE(Run(ac, {"MULTI"}) == "OK");
  REQUIRE(Run(ac, {"RPUSH", "l", "a"}) == "QUEUED");
  REQUIRE(Run(ac, {"DEL", "l"}) == "QUEUED");
  REQUIRE(Run(ac, {"EXEC"}) == "<array 2>");
  CHECK(InfoField(ac, "blocked_clients") == 1);
  REQUIRE(Run(ac, {"MULTI"}) == "OK");
  REQUIRE(Run(ac, {"RPUSH", "l", "a", "b"}) == "QUEUED");
  REQUIRE(Run(ac, {"RPUSH", "l", "c"}) == "QUEUED");
  REQUIRE(Run(ac, {"EXEC"}) == "<array 2>");
  CHECK(Next(w) == Pair("l", "c"));
  CHECK(Int(ac, {"LLEN", "l"}) == 2);
}

TEST_CASE("a wrong type while blocked keeps the client blocked (Redis 7.0)", "[blocking]") {
  TestServer server;
  RedisConn admin = server.Connect();
  redisContext* ac = admin.get();
  RawConn w(server.port());
  Send(w, {"BLPOP", "l", "0"});
  REQUIRE(WaitBlocked(ac, 1));
  REQUIRE(Run(ac, {"SET", "l", "string"}) == "OK");
  CHECK(InfoField(ac, "blocked_clients") == 1);
  REQUIRE(Int(ac, {"DEL", "l"}) == 1);
  REQUIRE(Int(ac, {"RPUSH", "l", "v"}) == 1);
  CHECK(Next(w) == Pair("l", "v"));
  // BLMOVE served while its destination holds another type: WRONGTYPE, nothing moved.
  Send(w, {"BLMOVE", "l", "d", "LEFT", "RIGHT", "0"});
  REQUIRE(WaitBlocked(ac, 1));
  REQUIRE(Run(ac, {"SET", "d", "str"}) == "OK");
  REQUIRE(Int(ac, {"RPUSH", "l", "v2"}) == 1);
  CHECK(Next(w) == "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  CHECK(Int(ac, {"LLEN", "l"}) == 1);
}

TEST_CASE("BLMOVE chains: a moved element serves the next waiter", "[blocking]") {
  TestServer server;
  RedisConn admin = server.Connect();
  redisContext* ac = admin.get();
  RawConn m1(server.port()), m2(server.port()), end(server.port());
  Send(m1, {"BLMOVE", "a", "b", "LEFT", "LEFT", "0"});
  REQUIRE(WaitBlocked(ac, 1));
  Send(m2, {"BRPOPLPUSH", "b", "c", "0"});
  REQUIRE(WaitBlocked(ac, 2));
  Send(end, {"BLPOP", "c", "0"});
  REQUIRE(WaitBlocked(ac, 3));
  REQUIRE(Int(ac, {"LPUSH", "a", "x"}) == 1);
  CHECK(Next(m1) == Bulk("x"));
  CHECK(Next(m2) == Bulk("x"));
  CHECK(Next(end) == Pair("c", "x"));
  CHECK(Int(ac, {"EXISTS", "a", "b", "c"}) == 0);
}

TEST_CASE("fractional timeouts reply the null array after the timeout", "[blocking]") {
  TestServer server;
  RawConn c(server.port());
  auto t0 = std::chrono::steady_clock::now();
  CHECK(c.Cmd({"BLPOP", "l", "0.2"}) == "*-1\r\n");
  double ms = MsSince(t0);
  CHECK(ms >= 200);
  CHECK(ms < 3000);
  t0 = std::chrono::steady_clock::now();
  CHECK(c.Cmd({"BZMPOP", "0.05", "1", "z", "MIN"}) == "*-1\r\n");
  CHECK(MsSince(t0) >= 50);
  CHECK(c.Cmd({"BLMOVE", "l", "d", "LEFT", "LEFT", "0.0001"}) == "*-1\r\n");  // 1 ms
  REQUIRE(c.Cmd({"HELLO", "3"}).has_value());
  CHECK(c.Cmd({"BRPOPLPUSH", "l", "d", "0.01"}) == "_\r\n");
  CHECK(c.Cmd({"BZPOPMIN", "z", "0.01"}) == "_\r\n");
  // Commands pipelined behind a blocked one wait for it.
  REQUIRE(c.Send(RawConn::Encode({"BLPOP", "l", "0.05"}) + RawConn::Encode({"PING"})));
  CHECK(Next(c) == "_\r\n");
  CHECK(Next(c) == "+PONG\r\n");
}

TEST_CASE("RESP3 replies of served pops", "[blocking]") {
  TestServer server;
  RedisConn admin = server.Connect();
  RawConn w(server.port());
  REQUIRE(w.Cmd({"HELLO", "3"}).has_value());
  Send(w, {"BZPOPMIN", "z", "0"});
  REQUIRE(WaitBlocked(admin.get(), 1));
  REQUIRE(Int(admin.get(), {"ZADD", "z", "1.5", "a"}) == 1);
  CHECK(Next(w) == "*3\r\n" + Bulk("z") + Bulk("a") + ",1.5\r\n");
  Send(w, {"BZMPOP", "0", "1", "z", "MIN"});
  REQUIRE(WaitBlocked(admin.get(), 1));
  REQUIRE(Int(admin.get(), {"ZADD", "z", "2", "b"}) == 1);
  CHECK(Next(w) == "*2\r\n" + Bulk("z") + "*1\r\n*2\r\n" + Bulk("b") + ",2\r\n");
}

TEST_CASE("CLIENT UNBLOCK, CLIENT LIST and disconnects", "[blocking]") {
  TestServer server;
  RedisConn admin = server.Connect();
  redisContext* ac = admin.get();
  RawConn w(server.port());
  std::string id = w.Cmd({"CLIENT", "ID"}).value_or("");
  REQUIRE(id.size() > 3);
  id = id.substr(1, id.size() - 3);
  Send(w, {"BLPOP", "l", "0"});
  REQUIRE(WaitBlocked(ac, 1));
  CHECK(Run(ac, {"CLIENT", "LIST", "ID", id}).find("flags=b ") != std::string::npos);
  CHECK(Int(ac, {"CLIENT", "UNBLOCK", id}) == 1);
  CHECK(Next(w) == "*-1\r\n");
  CHECK(Int(ac, {"CLIENT", "UNBLOCK", id}) == 0);
  Send(w, {"BZPOPMAX", "z", "10"});
  REQUIRE(WaitBlocked(ac, 1));
  CHECK(InfoField(ac, "clients_in_timeout_table") == 1);
  CHECK(Int(ac, {"CLIENT", "UNBLOCK", id, "ERROR"}) == 1);
  CHECK(Next(w) == "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
  CHECK(w.Cmd({"PING"}) == "+PONG\r\n");
  {
    RawConn gone(server.port());
    Send(gone, {"BLPOP", "l", "0"});
    REQUIRE(WaitBlocked(ac, 1));
  }  // disconnects while blocked
  REQUIRE(WaitBlocked(ac, 0));
  CHECK(InfoField(ac, "total_blocking_keys") == 0);
  REQUIRE(Int(ac, {"RPUSH", "l", "kept"}) == 1);
  CHECK(Int(ac, {"LLEN", "l"}) == 1);
  // FLUSHALL and SWAPDB leave the waiter consistent: served from the swapped-in data.
  Send(w, {"BLPOP", "l2", "0"});
  REQUIRE(WaitBlocked(ac, 1));
  REQUIRE(Run(ac, {"FLUSHALL"}) == "OK");
  REQUIRE(Run(ac, {"SELECT", "1"}) == "OK");
  REQUIRE(Int(ac, {"RPUSH", "l2", "from1"}) == 1);
  CHECK(InfoField(ac, "blocked_clients") == 1);
  REQUIRE(Run(ac, {"SWAPDB", "0", "1"}) == "OK");
  CHECK(Next(w) == Pair("l2", "from1"));
}

TEST_CASE("a served blocking pop is replayed from the append log", "[blocking][aof]") {
  DurableServer s({"--appendonly", "yes", "--appendfsync", "always", "--http-port", "0"});
  REQUIRE(s.Start());
  {
    RedisConn admin = s.Connect();
    redisContext* ac = admin.get();
    RawConn w(s.port());
    Send(w, {"BLMOVE", "src", "dst", "RIGHT", "LEFT", "0"});
    REQUIRE(WaitBlocked(ac, 1));
    REQUIRE(Int(ac, {"RPUSH", "src", "a", "b", "c"}) == 3);
    CHECK(Next(w) == Bulk("c"));
    Send(w, {"BZPOPMIN", "z", "0"});
    REQUIRE(WaitBlocked(ac, 1));
    REQUIRE(Int(ac, {"ZADD", "z", "1", "m1", "2", "m2"}) == 2);
    CHECK(Next(w) == "*3\r\n" + Bulk("z") + Bulk("m1") + Bulk("1"));
    Send(w, {"BLPOP", "q", "0"});
    REQUIRE(WaitBlocked(ac, 1));
    REQUIRE(Int(ac, {"RPUSH", "q", "only"}) == 1);
    CHECK(Next(w) == Pair("q", "only"));
  }
  s.Kill9();
  REQUIRE(s.Start());
  RedisConn conn = s.Connect();
  redisContext* c = conn.get();
  CHECK(Run(c, {"LRANGE", "src", "0", "-1"}) == "<array 2>");
  CHECK(Run(c, {"RPOP", "src"}) == "b");
  CHECK(Run(c, {"LRANGE", "dst", "0", "-1"}) == "<array 1>");
  CHECK(Run(c, {"LPOP", "dst"}) == "c");
  CHECK(Int(c, {"ZCARD", "z"}) == 1);
  CHECK(Run(c, {"ZRANGE", "z", "0", "-1"}) == "<array 1>");
  CHECK(Run(c, {"ZSCORE", "z", "m2"}) == "2");
  CHECK(Int(c, {"EXISTS", "q"}) == 0);
}

TEST_CASE("a script's pushes are served after the script, as a whole", "[blocking]") {
  TestServer server;
  RedisConn admin = server.Connect();
  redisContext* ac = admin.get();
  RawConn w(server.port());
  Send(w, {"BLPOP", "l", "0"});
  REQUIRE(WaitBlocked(ac, 1));
  std::string r = Run(ac, {"EVAL",
                           "redis.call('rpush', KEYS[1], 'a'); redis.call('lpop', KEYS[1]); "
                           "redis.call('rpush', KEYS[1], 'b', 'c'); return 1",
                           "1", "l"});
  if (r.find("unknown command") != std::string::npos) return;  // built without scripting
  REQUIRE(r == "<int 1>");
  CHECK(Next(w) == Pair("l", "b"));
  CHECK(Int(ac, {"LLEN", "l"}) == 1);
}
