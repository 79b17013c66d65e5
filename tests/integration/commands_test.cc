// End-to-end command behaviour over hiredis (RESP2) against the real binary, to the Redis 7
// spec: strings/keys/TTL, transactions, databases, SCAN, CLIENT, MONITOR, CLIENT PAUSE,
// INFO, CONFIG, COMMAND.
#include <catch2/catch.hpp>
#include <set>

#include "raw_conn.h"
#include "test_server.h"
#include "test_util.h"

using namespace brisk::test;
using namespace std::chrono_literals;

namespace {

// Full SCAN iteration; returns every key seen (with repetitions) and checks termination.
std::vector<std::string> ScanAll(redisContext* c, std::vector<std::string> extra) {
  std::vector<std::string> keys;
  std::string cursor = "0";
  for (int calls = 0; calls < 100000; ++calls) {
    std::vector<std::string> argv = {"SCAN", cursor};
    argv.insert(argv.end(), extra.begin(), extra.end());
    Reply r = TestServer::Cmd(c, argv);
    REQUIRE(r);
    INFO("SCAN reply: " << Str(r));
    REQUIRE(r->type == REDIS_REPLY_ARRAY);
    REQUIRE(r->elements == 2);
    cursor = Str(r->element[0]);
    const redisReply* page = r->element[1];
    REQUIRE(page->type == REDIS_REPLY_ARRAY);
    for (size_t i = 0; i < page->elements; ++i) keys.push_back(Str(page->element[i]));
    if (cursor == "0") return keys;
  }
  FAIL("SCAN did not terminate");
  return keys;
}

// Loads keys with pipelined MSETs of 500 keys each.
void Load(redisContext* c, const std::vector<std::string>& keys) {
  const size_t batch = 500;
  Pipeline(c, int((keys.size() + batch - 1) / batch), [&](int b) {
    std::vector<std::string> argv = {"MSET"};
    size_t end = std::min(keys.size(), (size_t(b) + 1) * batch);
    for (size_t j = size_t(b) * batch; j < end; ++j) {
      argv.push_back(keys[j]);
      argv.push_back("v");
    }
    return argv;
  });
}

std::string ClientField(const std::string& line, const std::string& field) {
  size_t p = line.find(field + "=");
  if (p == std::string::npos) return "";
  p += field.size() + 1;
  return line.substr(p, line.find(' ', p) - p);
}

}  // namespace

TEST_CASE("strings and keys", "[commands]") {
  TestServer srv;
  auto c = srv.Connect();
  auto* h = c.get();
  REQUIRE(Run(h, {"SET", "s", "hello"}) == "OK");
  REQUIRE(Run(h, {"GET", "s"}) == "hello");
  REQUIRE(Int(h, {"APPEND", "s", " world"}) == 11);
  REQUIRE(Run(h, {"GETRANGE", "s", "0", "4"}) == "hello");
  REQUIRE(Run(h, {"SET", "s", "x", "NX"}) == "<nil>");
  REQUIRE(Run(h, {"SET", "s", "new", "XX", "GET"}) == "hello world");
  REQUIRE(Int(h, {"INCR", "n"}) == 1);
  REQUIRE(Int(h, {"INCRBY", "n", "41"}) == 42);
  REQUIRE(Int(h, {"DECR", "n"}) == 41);
  REQUIRE(Run(h, {"INCR", "s"}) == "ERR value is not an integer or out of range");
  REQUIRE(Run(h, {"MSET", "a", "1", "b", "2"}) == "OK");
  auto r = TestServer::Cmd(h, {"MGET", "a", "nope", "b"});
  REQUIRE(r->elements == 3);
  REQUIRE(Str(r->element[0]) == "1");
  REQUIRE(Str(r->element[1]) == "<nil>");
  REQUIRE(Str(r->element[2]) == "2");
  REQUIRE(Run(h, {"GET"}) == "ERR wrong number of arguments for 'get' command");
  REQUIRE(Run(h, {"NOSUCH"}) == "ERR unknown command 'NOSUCH', with args beginning with: ");
  REQUIRE(Int(h, {"EXISTS", "a", "b", "nope", "a"}) == 3);
  REQUIRE(Run(h, {"TYPE", "a"}) == "string");
  REQUIRE(Run(h, {"TYPE", "nope"}) == "none");
  REQUIRE(Run(h, {"RENAME", "a", "a2"}) == "OK");
  REQUIRE(Run(h, {"RENAME", "nope", "x"}) == "ERR no such key");
  REQUIRE(Int(h, {"DEL", "a2", "b", "nope"}) == 2);
  REQUIRE(Int(h, {"UNLINK", "n"}) == 1);
  REQUIRE(Run(h, {"GETDEL", "s"}) == "new");
  REQUIRE(Int(h, {"DBSIZE"}) == 0);
  REQUIRE(srv.Stop() == 0);  // also catches a crash or, under ASan, a leak
}

TEST_CASE("TTL: SET EX, PEXPIRE, PERSIST", "[commands][ttl]") {
  TestServer srv;
  auto c = srv.Connect();
  auto* h = c.get();
  REQUIRE(Run(h, {"SET", "k", "v", "EX", "100"}) == "OK");
  long long ttl = Int(h, {"TTL", "k"});
  REQUIRE(ttl >= 99);
  REQUIRE(ttl <= 100);
  REQUIRE(Int(h, {"PEXPIRE", "k", "50000"}) == 1);
  long long pttl = Int(h, {"PTTL", "k"});
  REQUIRE(pttl > 45000);
  REQUIRE(pttl <= 50000);
  REQUIRE(Int(h, {"PERSIST", "k"}) == 1);
  REQUIRE(Int(h, {"TTL", "k"}) == -1);
  REQUIRE(Int(h, {"PERSIST", "k"}) == 0);
  REQUIRE(Int(h, {"TTL", "missing"}) == -2);
  REQUIRE(Int(h, {"PEXPIRE", "missing", "100"}) == 0);
  REQUIRE(Run(h, {"SET", "k", "v", "EX", "0"}) == "ERR invalid expire time in 'set' command");
  REQUIRE(Run(h, {"SET", "k", "v", "EX", "abc"}) == "ERR value is not an integer or out of range");
  // SET without KEEPTTL clears the TTL; with KEEPTTL keeps it.
  REQUIRE(Int(h, {"EXPIRE", "k", "100"}) == 1);
  REQUIRE(Run(h, {"SET", "k", "v2", "KEEPTTL"}) == "OK");
  REQUIRE(Int(h, {"TTL", "k"}) > 0);
  REQUIRE(Run(h, {"SET", "k", "v3"}) == "OK");
  REQUIRE(Int(h, {"TTL", "k"}) == -1);
  // A deadline in the past deletes at once.
  REQUIRE(Int(h, {"EXPIRE", "k", "-1"}) == 1);
  REQUIRE(Int(h, {"EXISTS", "k"}) == 0);
  REQUIRE(srv.Stop() == 0);  // also catches a crash or, under ASan, a leak
}

TEST_CASE("expired keys are really removed", "[commands][ttl]") {
  TestServer srv;
  auto c = srv.Connect();
  auto* h = c.get();
  REQUIRE(Run(h, {"DEBUG", "SET-ACTIVE-EXPIRE", "1"}) == "OK");
  for (int i = 0; i < 10; ++i) REQUIRE(Run(h, {"SET", "keep:" + std::to_string(i), "v"}) == "OK");
  for (int i = 0; i < 300; ++i) {
    REQUIRE(Run(h, {"SET", "vol:" + std::to_string(i), "v", "PX", "50"}) == "OK");
  }
  REQUIRE(Int(h, {"DBSIZE"}) >= 10);
  // Never touched again, so only the active expiry cycle can reclaim them.
  REQUIRE(PollUntil([&] { return Int(h, {"DBSIZE"}) == 10; }, 10s));
  // Lazy expiry on access.
  REQUIRE(Run(h, {"DEBUG", "SET-ACTIVE-EXPIRE", "0"}) == "OK");
  REQUIRE(Run(h, {"SET", "lazy", "v", "PX", "20"}) == "OK");
  REQUIRE(PollUntil([&] { return Run(h, {"GET", "lazy"}) == "<nil>"; }, 5s));
  REQUIRE(Int(h, {"EXISTS", "lazy"}) == 0);
  REQUIRE(Int(h, {"DBSIZE"}) == 10);
  REQUIRE(srv.Stop() == 0);  // also catches a crash or, under ASan, a leak
}

TEST_CASE("MULTI/EXEC/DISCARD", "[commands][multi]") {
  TestServer srv;
  auto c = srv.Connect();
  auto* h = c.get();
  REQUIRE(Run(h, {"MULTI"}) == "OK");
  REQUIRE(Run(h, {"SET", "a", "1"}) == "QUEUED");
  REQUIRE(Run(h, {"INCR", "a"}) == "QUEUED");
  REQUIRE(Run(h, {"MULTI"}) == "ERR MULTI calls can not be nested");
  auto r = TestServer::Cmd(h, {"EXEC"});
  REQUIRE(r->type == REDIS_REPLY_ARRAY);
  REQUIRE(r->elements == 2);
  REQUIRE(Str(r->element[0]) == "OK");
  REQUIRE(r->element[1]->integer == 2);

  REQUIRE(Run(h, {"MULTI"}) == "OK");
  REQUIRE(Run(h, {"SET", "a", "changed"}) == "QUEUED");
  REQUIRE(Run(h, {"DISCARD"}) == "OK");
  REQUIRE(Run(h, {"GET", "a"}) == "2");
  REQUIRE(Run(h, {"EXEC"}) == "ERR EXEC without MULTI");
  REQUIRE(Run(h, {"DISCARD"}) == "ERR DISCARD without MULTI");

  // A runtime error inside EXEC does not abort the other commands.
  REQUIRE(Run(h, {"MULTI"}) == "OK");
  REQUIRE(Run(h, {"INCR", "a"}) == "QUEUED");
  REQUIRE(Run(h, {"SET", "s", "x"}) == "QUEUED");
  REQUIRE(Run(h, {"INCR", "s"}) == "QUEUED");
  r = TestServer::Cmd(h, {"EXEC"});
  REQUIRE(r->elements == 3);
  REQUIRE(r->element[0]->integer == 3);
  REQUIRE(Str(r->element[2]) == "ERR value is not an integer or out of range");
  REQUIRE(srv.Stop() == 0);  // also catches a crash or, under ASan, a leak
}

TEST_CASE("EXECABORT after a bad queued command", "[commands][multi]") {
  TestServer srv;
  auto c = srv.Connect();
  auto* h = c.get();
  REQUIRE(Run(h, {"MULTI"}) == "OK");
  REQUIRE(Run(h, {"SET", "a", "1"}) == "QUEUED");
  REQUIRE(Run(h, {"SET", "a"}) == "ERR wrong number of arguments for 'set' command");
  REQUIRE(Run(h, {"NOSUCH", "x"}) ==
          "ERR unknown command 'NOSUCH', with args beginning with: 'x' ");
  REQUIRE(Run(h, {"EXEC"}) == "EXECABORT Transaction discarded because of previous errors.");
  REQUIRE(Int(h, {"EXISTS", "a"}) == 0);
  // The connection is out of MULTI afterwards.
  REQUIRE(Run(h, {"SET", "a", "2"}) == "OK");
  REQUIRE(srv.Stop() == 0);  // also catches a crash or, under ASan, a leak
}

TEST_CASE("WATCH aborts EXEC when another client modifies the key", "[commands][multi]") {
  TestServer srv;
  auto c1 = srv.Connect();
  auto c2 = srv.Connect();
  REQUIRE(Run(c1.get(), {"SET", "w", "0"}) == "OK");
  REQUIRE(Run(c1.get(), {"WATCH", "w"}) == "OK");
  REQUIRE(Run(c2.get(), {"SET", "w", "theirs"}) == "OK");
  REQUIRE(Run(c1.get(), {"MULTI"}) == "OK");
  REQUIRE(Run(c1.get(), {"SET", "w", "mine"}) == "QUEUED");
  REQUIRE(Run(c1.get(), {"EXEC"}) == "<nil>");
  REQUIRE(Run(c1.get(), {"GET", "w"}) == "theirs");

  // Unmodified watched key: EXEC runs. UNWATCH forgets.
  REQUIRE(Run(c1.get(), {"WATCH", "w"}) == "OK");
  REQUIRE(Run(c1.get(), {"MULTI"}) == "OK");
  REQUIRE(Run(c1.get(), {"SET", "w", "mine"}) == "QUEUED");
  REQUIRE(Run(c1.get(), {"EXEC"}) == "<array 1>");
  REQUIRE(Run(c1.get(), {"WATCH", "w"}) == "OK");
  REQUIRE(Run(c2.get(), {"SET", "w", "x"}) == "OK");
  REQUIRE(Run(c1.get(), {"UNWATCH"}) == "OK");
  REQUIRE(Run(c1.get(), {"MULTI"}) == "OK");
  REQUIRE(Run(c1.get(), {"GET", "w"}) == "QUEUED");
  REQUIRE(Run(c1.get(), {"EXEC"}) == "<array 1>");
  REQUIRE(Run(c1.get(), {"WATCH", "w"}) == "OK");
  REQUIRE(Run(c1.get(), {"MULTI"}) == "OK");
  REQUIRE(Run(c1.get(), {"WATCH", "w"}) == "ERR WATCH inside MULTI is not allowed");
  REQUIRE(Run(c1.get(), {"DISCARD"}) == "OK");
  REQUIRE(srv.Stop() == 0);  // also catches a crash or, under ASan, a leak
}

TEST_CASE("SELECT, SWAPDB, MOVE, COPY", "[commands][db]") {
  TestServer srv;
  auto c = srv.Connect();
  auto* h = c.get();
  REQUIRE(Run(h, {"SELECT", "1"}) == "OK");
  REQUIRE(Run(h, {"SET", "k", "in1"}) == "OK");
  REQUIRE(Run(h, {"SELECT", "0"}) == "OK");
  REQUIRE(Run(h, {"GET", "k"}) == "<nil>");
  REQUIRE(Run(h, {"SELECT", "16"}) == "ERR DB index is out of range");
  REQUIRE(Run(h, {"SELECT", "x"}) == "ERR value is not an integer or out of range");
  REQUIRE(Run(h, {"SWAPDB", "0", "1"}) == "OK");
  REQUIRE(Run(h, {"GET", "k"}) == "in1");
  REQUIRE(Run(h, {"SWAPDB", "0", "99"}) == "ERR DB index is out of range");
  REQUIRE(Int(h, {"MOVE", "k", "2"}) == 1);
  REQUIRE(Int(h, {"EXISTS", "k"}) == 0);
  REQUIRE(Int(h, {"MOVE", "k", "2"}) == 0);
  REQUIRE(Run(h, {"MOVE", "k", "0"}) == "ERR source and destination objects are the same");
  REQUIRE(Run(h, {"SELECT", "2"}) == "OK");
  REQUIRE(Run(h, {"GET", "k"}) == "in1");
  REQUIRE(Int(h, {"COPY", "k", "k2"}) == 1);
  REQUIRE(Int(h, {"COPY", "k", "k2"}) == 0);
  REQUIRE(Run(h, {"SET", "k", "newer"}) == "OK");
  REQUIRE(Int(h, {"COPY", "k", "k2", "REPLACE"}) == 1);
  REQUIRE(Run(h, {"GET", "k2"}) == "newer");
  REQUIRE(Int(h, {"COPY", "k", "k3", "DB", "5"}) == 1);
  REQUIRE(Run(h, {"SELECT", "5"}) == "OK");
  REQUIRE(Run(h, {"GET", "k3"}) == "newer");
  REQUIRE(Int(h, {"DBSIZE"}) == 1);
  // A second connection starts in db 0, which is now empty.
  auto c2 = srv.Connect();
  REQUIRE(Int(c2.get(), {"DBSIZE"}) == 0);
  REQUIRE(srv.Stop() == 0);  // also catches a crash or, under ASan, a leak
}

TEST_CASE("SCAN visits every key; MATCH returns exactly the matching ones", "[commands][scan]") {
  TestServer srv;
  auto c = srv.Connect();
  auto* h = c.get();
  std::vector<std::string> keys;
  std::set<std::string> tbl;
  for (int i = 0; i < 4000; ++i) {
    keys.push_back("tbl:" + std::to_string(i));
    tbl.insert(keys.back());
  }
  for (int i = 0; i < 4000; ++i) keys.push_back("other:" + std::to_string(i));
  for (int i = 0; i < 1000; ++i) keys.push_back("plain" + std::to_string(i));
  for (int i = 0; i < 1000; ++i) keys.push_back("tblx:" + std::to_string(i));  // near-miss
  Load(h, keys);
  REQUIRE(Int(h, {"DBSIZE"}) == 10000);

  std::set<std::string> all(keys.begin(), keys.end());
  for (auto extra : {std::vector<std::string>{}, {"COUNT", "1000"}, {"COUNT", "1"}}) {
    auto seen = ScanAll(h, extra);
    std::set<std::string> unique(seen.begin(), seen.end());
    REQUIRE(unique == all);
  }
  auto matched = ScanAll(h, {"MATCH", "tbl:*"});
  std::set<std::string> unique(matched.begin(), matched.end());
  REQUIRE(unique == tbl);
  matched = ScanAll(h, {"MATCH", "tbl:*", "COUNT", "100"});
  REQUIRE(std::set<std::string>(matched.begin(), matched.end()) == tbl);
  matched = ScanAll(h, {"MATCH", "tbl:1?", "TYPE", "string"});
  REQUIRE(matched.size() == 10);
  REQUIRE(ScanAll(h, {"TYPE", "list"}).empty());
  REQUIRE(Run(h, {"SCAN", "notanumber"}) == "ERR invalid cursor");
  REQUIRE(srv.Stop() == 0);  // also catches a crash or, under ASan, a leak
}

TEST_CASE("CLIENT SETNAME / GETNAME / LIST / KILL", "[commands][client]") {
  TestServer srv;
  auto a = srv.Connect();
  auto b = srv.Connect();
  REQUIRE(Run(a.get(), {"CLIENT", "SETNAME", "alpha"}) == "OK");
  REQUIRE(Run(a.get(), {"CLIENT", "GETNAME"}) == "alpha");
  REQUIRE(Run(b.get(), {"CLIENT", "GETNAME"}) == "<nil>");
  REQUIRE(Run(a.get(), {"CLIENT", "SETNAME", "has space"}) ==
          "ERR Client names cannot contain spaces, newlines or special characters.");
  long long a_id = Int(a.get(), {"CLIENT", "ID"});
  REQUIRE(a_id > 0);
  std::string list = Run(b.get(), {"CLIENT", "LIST"});
  std::string alpha_line;
  int lines = 0;
  for (size_t p = 0; p < list.size();) {
    size_t e = list.find('\n', p);
    std::string line = list.substr(p, e - p);
    ++lines;
    if (ClientField(line, "name") == "alpha") alpha_line = line;
    p = e == std::string::npos ? list.size() : e + 1;
  }
  INFO("CLIENT LIST: " << list);
  REQUIRE(lines == 2);
  REQUIRE(ClientField(alpha_line, "id") == std::to_string(a_id));
  REQUIRE(!ClientField(alpha_line, "addr").empty());
  REQUIRE(ClientField(alpha_line, "db") == "0");
  REQUIRE(Int(b.get(), {"CLIENT", "KILL", "ID", "999999"}) == 0);  // new form: a count
  REQUIRE(Run(b.get(), {"CLIENT", "KILL", "1.2.3.4:5"}) == "ERR No such client");
  REQUIRE(Int(b.get(), {"CLIENT", "KILL", "ID", std::to_string(a_id)}) == 1);
  // The killed client's next command fails: its connection was closed.
  REQUIRE(TestServer::Cmd(a.get(), {"PING"}) == nullptr);
  REQUIRE(PollUntil([&] {
    std::string l = Run(b.get(), {"CLIENT", "LIST"});
    return l.find("name=alpha") == std::string::npos;
  }));
  // The old form: CLIENT KILL addr:port.
  auto d = srv.Connect();
  std::string d_addr = ClientField(Run(d.get(), {"CLIENT", "INFO"}), "addr");
  REQUIRE(!d_addr.empty());
  REQUIRE(Run(b.get(), {"CLIENT", "KILL", d_addr}) == "OK");
  REQUIRE(TestServer::Cmd(d.get(), {"PING"}) == nullptr);
  REQUIRE(Run(b.get(), {"PING"}) == "PONG");
  REQUIRE(srv.Stop() == 0);  // also catches a crash or, under ASan, a leak
}

TEST_CASE("MONITOR receives another client's commands", "[commands][monitor]") {
  TestServer srv;
  auto mon = srv.Connect();
  auto other = srv.Connect();
  REQUIRE(Run(mon.get(), {"MONITOR"}) == "OK");
  REQUIRE(Run(other.get(), {"SET", "mon:key", "va\"l"}) == "OK");
  void* raw = nullptr;
  REQUIRE(redisGetReply(mon.get(), &raw) == REDIS_OK);  // bounded by the 5 s timeout
  Reply r(static_cast<redisReply*>(raw));
  REQUIRE(r->type == REDIS_REPLY_STATUS);
  std::string line = Str(r);
  INFO("MONITOR line: " << line);
  // 1700000000.123456 [0 127.0.0.1:54321] "SET" "mon:key" "va\"l"
  REQUIRE(line.find(" [0 127.0.0.1:") != std::string::npos);
  REQUIRE(line.find("] \"SET\" \"mon:key\" \"va\\\"l\"") != std::string::npos);
  REQUIRE(std::isdigit(static_cast<unsigned char>(line[0])));
  REQUIRE(srv.Stop() == 0);  // also catches a crash or, under ASan, a leak
}

TEST_CASE("CLIENT PAUSE WRITE delays writes, not reads", "[commands][client]") {
  TestServer srv;
  auto pauser = srv.Connect();
  auto reader = srv.Connect();
  auto writer = srv.Connect();
  REQUIRE(Run(writer.get(), {"SET", "k", "before"}) == "OK");
  auto t0 = std::chrono::steady_clock::now();
  REQUIRE(Run(pauser.get(), {"CLIENT", "PAUSE", "300", "WRITE"}) == "OK");
  auto t1 = std::chrono::steady_clock::now();
  REQUIRE(Run(reader.get(), {"GET", "k"}) == "before");
  double get_ms = MsSince(t1);
  REQUIRE(Run(writer.get(), {"SET", "k", "after"}) == "OK");  // bounded by hiredis' 5 s timeout
  double set_ms = MsSince(t0);
  CHECK(get_ms < 150);
  CHECK(set_ms >= 280);
  CHECK(set_ms < 3000);
  REQUIRE(Run(reader.get(), {"GET", "k"}) == "after");
  // CLIENT UNPAUSE releases at once.
  REQUIRE(Run(pauser.get(), {"CLIENT", "PAUSE", "100000", "WRITE"}) == "OK");
  REQUIRE(Run(pauser.get(), {"CLIENT", "UNPAUSE"}) == "OK");
  auto t2 = std::chrono::steady_clock::now();
  REQUIRE(Run(writer.get(), {"SET", "k", "x"}) == "OK");
  CHECK(MsSince(t2) < 1000);
  REQUIRE(srv.Stop() == 0);  // also catches a crash or, under ASan, a leak
}

TEST_CASE("INFO sections", "[commands][info]") {
  TestServer srv;
  auto c = srv.Connect();
  REQUIRE(Run(c.get(), {"SET", "a", "1"}) == "OK");
  REQUIRE(Run(c.get(), {"SET", "b", "1", "EX", "100"}) == "OK");
  std::string info = Run(c.get(), {"INFO"});
  INFO(info);
  for (const std::string& s : std::vector<std::string>{"# Server\r\n", "redis_version:7.", "# Clients\r\n", "connected_clients:",
                        "# Memory\r\n", "used_memory:", "# Stats\r\n", "# Replication\r\n",
                        "role:master\r\n", "# Keyspace\r\n", "db0:keys=2,expires=1,", "tcp_port:" +
                        std::to_string(srv.port())}) {
    CHECK(info.find(s) != std::string::npos);
  }
  std::string ks = Run(c.get(), {"INFO", "keyspace"});
  REQUIRE(ks.rfind("# Keyspace\r\n", 0) == 0);
  REQUIRE(ks.find("# Server") == std::string::npos);
  std::string two = Run(c.get(), {"INFO", "server", "replication"});
  REQUIRE(two.find("redis_version:7.") != std::string::npos);
  REQUIRE(two.find("role:master") != std::string::npos);
  REQUIRE(two.find("# Keyspace") == std::string::npos);
  REQUIRE(srv.Stop() == 0);  // also catches a crash or, under ASan, a leak
}

TEST_CASE("CONFIG GET/SET round trip", "[commands][config]") {
  TestServer srv;
  auto c = srv.Connect();
  auto* h = c.get();
  REQUIRE(Run(h, {"CONFIG", "SET", "maxmemory-samples", "7"}) == "OK");
  auto r = TestServer::Cmd(h, {"CONFIG", "GET", "maxmemory-samples"});
  REQUIRE(r->type == REDIS_REPLY_ARRAY);
  REQUIRE(r->elements == 2);
  REQUIRE(Str(r->element[0]) == "maxmemory-samples");
  REQUIRE(Str(r->element[1]) == "7");
  REQUIRE(Run(h, {"CONFIG", "SET", "maxmemory", "100mb"}) == "OK");
  r = TestServer::Cmd(h, {"CONFIG", "GET", "maxmemory"});
  REQUIRE(Str(r->element[1]) == "104857600");
  REQUIRE(Run(h, {"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"}) == "OK");
  r = TestServer::Cmd(h, {"CONFIG", "GET", "maxmemory*"});
  std::set<std::string> names;
  for (size_t i = 0; i + 1 < r->elements; i += 2) names.insert(Str(r->element[i]));
  REQUIRE(names.count("maxmemory"));
  REQUIRE(names.count("maxmemory-policy"));
  REQUIRE(names.count("maxmemory-samples"));
  // Several parameters in one CONFIG SET (Redis 7).
  REQUIRE(Run(h, {"CONFIG", "SET", "timeout", "30", "hz", "20"}) == "OK");
  REQUIRE(Str(TestServer::Cmd(h, {"CONFIG", "GET", "timeout"})->element[1]) == "30");
  REQUIRE(Run(h, {"CONFIG", "SET", "nosuch", "1"}) ==
          "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'");
  REQUIRE(Run(h, {"CONFIG", "SET", "maxmemory-policy", "bogus"}) ==
          "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) "
          "must be one of the following: volatile-lru, volatile-lfu, volatile-random, "
          "volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction");
  REQUIRE(Run(h, {"CONFIG", "SET", "databases", "4"}) ==
          "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set "
          "immutable config");
  REQUIRE(Run(h, {"CONFIG", "GET", "nosuch*"}) == "<array 0>");
  REQUIRE(srv.Stop() == 0);  // also catches a crash or, under ASan, a leak
}

TEST_CASE("COMMAND COUNT / DOCS / INFO", "[commands][command]") {
  TestServer srv;
  auto c = srv.Connect();
  REQUIRE(Int(c.get(), {"COMMAND", "COUNT"}) > 50);
  auto r = TestServer::Cmd(c.get(), {"COMMAND", "DOCS", "GET"});
  REQUIRE(r->type == REDIS_REPLY_ARRAY);  // a map, flattened in RESP2
  REQUIRE(r->elements == 2);
  REQUIRE(Str(r->element[0]) == "get");
  REQUIRE(r->element[1]->type == REDIS_REPLY_ARRAY);
  bool has_summary = false;
  for (size_t i = 0; i + 1 < r->element[1]->elements; i += 2) {
    if (Str(r->element[1]->element[i]) == "summary") has_summary = true;
  }
  REQUIRE(has_summary);
  // In RESP3 it is a real map.
  RawConn raw(srv.port());
  REQUIRE(raw.Cmd({"HELLO", "3"}));
  auto docs = raw.Cmd({"COMMAND", "DOCS", "GET"});
  REQUIRE(docs);
  REQUIRE(docs->rfind("%1\r\n$3\r\nget\r\n%", 0) == 0);
  // COMMAND INFO: name, arity, flags, first key, last key, step.
  r = TestServer::Cmd(c.get(), {"COMMAND", "INFO", "set"});
  REQUIRE(r->elements == 1);
  REQUIRE(Str(r->element[0]->element[0]) == "set");
  REQUIRE(r->element[0]->element[1]->integer == -3);
  REQUIRE(r->element[0]->element[3]->integer == 1);
  REQUIRE(r->element[0]->element[4]->integer == 1);
  REQUIRE(r->element[0]->element[5]->integer == 1);
  REQUIRE(srv.Stop() == 0);  // also catches a crash or, under ASan, a leak
}
