// Server and introspection commands against the exact RESP bytes Redis 7.2 sends.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "harness.h"

namespace brisk::test {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;  // pinned clock, unix ms

const std::string kSyntaxErr = Err("ERR syntax error");

std::string Arr(std::initializer_list<std::string> items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const auto& i : items) out += i;
  return out;
}

// The offset just past the RESP2/RESP3 element starting at `pos`, or npos if the bytes
// are not exactly one well-formed element there.
size_t SkipElement(const std::string& s, size_t pos) {
  if (pos >= s.size()) return std::string::npos;
  size_t eol = s.find("\r\n", pos);
  if (eol == std::string::npos) return eol;
  char type = s[pos];
  std::string head = s.substr(pos + 1, eol - pos - 1);
  size_t next = eol + 2;
  switch (type) {
    case '+':
    case '-':
    case ':':
    case '_':
    case ',':
    case '#':
    case '(':
      return next;
    case '$':
    case '=':
    case '!': {
      long long n = std::stoll(head);
      if (n < 0) return next;
      size_t end = next + size_t(n);
      if (s.compare(end, 2, "\r\n") != 0) return std::string::npos;
      return end + 2;
    }
    case '*':
    case '~':
    case '>':
    case '%': {
      long long n = std::stoll(head);
      if (type == '%') n *= 2;
      for (long long i = 0; i < n && next != std::string::npos; ++i) next = SkipElement(s, next);
      return next;
    }
    default:
      return std::string::npos;
  }
}

bool WellFormed(const std::string& reply) {
  return SkipElement(reply, 0) == reply.size();
}

std::string BulkPayload(const std::string& reply) {
  if (reply.empty() || reply[0] != '$') return "";
  size_t eol = reply.find("\r\n");
  return reply.substr(eol + 2, std::stoul(reply.substr(1, eol - 1)));
}

bool Contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("DBSIZE, FLUSHDB, FLUSHALL", "[server]") {
  Harness h;
  h.keyspace().db(0).InsertString("a", "1");
  h.keyspace().db(0).InsertString("b", "2");
  h.keyspace().db(1).InsertString("c", "3");
  CHECK(h.Run({"dbsize"}) == Int(2));
  cmd::ClientState w;
  w.id = 2;
  w.authenticated = true;
  CHECK(h.Run({"watch", "a"}, &w) == kOk);
  CHECK(h.Run({"flushdb", "now"}) == kSyntaxErr);
  CHECK(h.Run({"flushdb", "async", "sync"}) == kSyntaxErr);
  CHECK(h.Run({"flushdb", "ASYNC"}) == kOk);
  CHECK(w.dirty_cas);
  CHECK(h.Run({"dbsize"}) == Int(0));
  CHECK(h.keyspace().db(1).size() == 1);
  CHECK(h.Run({"flushall", "sync"}) == kOk);
  CHECK(h.keyspace().db(1).size() == 0);
  CHECK(h.Run({"flushall", "x"}) == kSyntaxErr);
}

TEST_CASE("TIME", "[server]") {
  Harness h;
  std::string r = h.Run({"time"});
  REQUIRE(r.rfind("*2\r\n$", 0) == 0);
  CHECK(WellFormed(r));
  size_t pos = 4;
  std::string secs = BulkPayload(r.substr(pos));
  CHECK(std::stoll(secs) > 1'600'000'000);
}

TEST_CASE("SHUTDOWN", "[server]") {
  Harness h;
  CHECK(h.Run({"shutdown", "abort"}) == Err("ERR No shutdown in progress."));
  CHECK(h.Run({"shutdown", "save", "nosave"}) == kSyntaxErr);
  CHECK(h.Run({"shutdown", "abort", "now"}) == kSyntaxErr);
  CHECK(h.Run({"shutdown", "later"}) == kSyntaxErr);
  CHECK_FALSE(h.hooks().shutdown);
  CHECK(h.Run({"shutdown", "NOSAVE", "now"}).empty());
  CHECK(h.hooks().shutdown);
}

TEST_CASE("MONITOR feeds other clients' commands", "[server]") {
  Harness h;
  cmd::ClientState mon;
  mon.id = 2;
  mon.authenticated = true;
  mon.addr = "127.0.0.1:50001";
  CHECK(h.Run({"monitor"}, &mon) == kOk);
  CHECK(mon.monitor);
  CHECK(h.server().monitors == std::vector<cmd::ClientState*>{&mon});
  CHECK(h.Run({"monitor"}, &mon).empty());  // already monitoring: no reply
  CHECK(h.server().monitors.size() == 1);
  h.client().db_index = 3;
  CHECK(h.Run({"echo", "a \"b\"\n"}) == Bulk("a \"b\"\n"));
  const std::string& sent = h.hooks().sent;
  REQUIRE(sent.rfind("+", 0) == 0);
  CHECK(Contains(sent, " [3 127.0.0.1:50000] \"echo\" \"a \\\"b\\\"\\n\"\r\n"));
  CHECK(sent.find("monitor") == std::string::npos);
}

TEST_CASE("SLOWLOG records commands slower than the threshold", "[server]") {
  Harness h;
  h.SetTime(kNow);
  CHECK(h.Run({"config", "set", "slowlog-log-slower-than", "0"}) == kOk);
  CHECK(h.Run({"slowlog", "reset"}) == kOk);  // logged itself, after the reset
  h.client().name = "cli";
  CHECK(h.Run({"echo", "hi"}) == Bulk("hi"));
  CHECK(h.Run({"slowlog", "len"}) == Int(2));
  std::string one = h.Run({"slowlog", "get", "1"});
  CHECK(WellFormed(one));
  // [[id, time, duration, [args], addr, name]]
  REQUIRE(one.rfind("*1\r\n*6\r\n:", 0) == 0);
  CHECK(Contains(one, "\r\n:1700000000\r\n:"));
  CHECK(Contains(one,
                 "*2\r\n" + Bulk("slowlog") + Bulk("len") + Bulk("127.0.0.1:50000") + Bulk("cli")));
  std::string all = h.Run({"slowlog", "get", "-1"});
  CHECK(WellFormed(all));
  CHECK(all.rfind("*4\r\n", 0) == 0);  // reset, echo, len, get 1
  CHECK(Contains(all, "*2\r\n" + Bulk("echo") + Bulk("hi")));
  CHECK(h.Run({"slowlog", "get", "-2"}) == Err("ERR count should be greater than or equal to -1"));
  CHECK(h.Run({"slowlog", "get", "x"}) == Err("ERR count should be greater than or equal to -1"));
  CHECK(h.Run({"slowlog", "get", "1", "2"}) ==
        Err("ERR unknown subcommand or wrong number of arguments for 'get'. Try SLOWLOG HELP."));
  CHECK(h.Run({"slowlog", "len", "x"}) ==
        Err("ERR wrong number of arguments for 'slowlog|len' command"));
  CHECK(h.Run({"config", "set", "slowlog-log-slower-than", "-1"}) == kOk);
  CHECK(h.Run({"slowlog", "reset"}) == kOk);
  CHECK(h.Run({"slowlog", "len"}) == Int(0));
  CHECK(h.Run({"slowlog", "get"}) == "*0\r\n");
}

TEST_CASE("CONFIG GET", "[server]") {
  Harness h;
  CHECK(h.Run({"config", "get", "maxmemory"}) == Arr({Bulk("maxmemory"), Bulk("0")}));
  // A literal name is echoed as given; patterns match case-insensitively.
  CHECK(h.Run({"config", "get", "MAXMEMORY"}) == Arr({Bulk("MAXMEMORY"), Bulk("0")}));
  CHECK(h.Run({"config", "get", "MAXMEM*"}) ==
        Arr({Bulk("maxmemory"), Bulk("0"), Bulk("maxmemory-policy"), Bulk("noeviction"),
             Bulk("maxmemory-samples"), Bulk("5"), Bulk("maxmemory-eviction-tenacity"),
             Bulk("10")}));
  CHECK(h.Run({"config", "get", "maxmemory", "max*", "hz"}) ==
        Arr({Bulk("maxmemory"), Bulk("0"), Bulk("maxclients"), Bulk("10000"),
             Bulk("maxmemory-policy"), Bulk("noeviction"), Bulk("maxmemory-samples"), Bulk("5"),
             Bulk("maxmemory-eviction-tenacity"), Bulk("10"), Bulk("hz"), Bulk("10")}));
  CHECK(h.Run({"config", "get", "nosuch"}) == "*0\r\n");
  CHECK(h.Run({"config", "get"}) == Err("ERR wrong number of arguments for 'config|get' command"));
  std::string all = h.Run({"config", "get", "*"});
  CHECK(WellFormed(all));
  CHECK(Contains(all, Bulk("appendfsync") + Bulk("everysec")));
  h.client().resp = 3;
  CHECK(h.Run({"config", "get", "hz"}) == "%1\r\n" + Bulk("hz") + Bulk("10"));
}

TEST_CASE("CONFIG SET is all or nothing", "[server]") {
  Harness h;
  CHECK(h.Run({"config", "set", "maxmemory", "1mb", "hz", "20"}) == kOk);
  CHECK(h.config().maxmemory == 1024 * 1024);
  CHECK(h.config().hz == 20);
  CHECK(h.Run({"config", "set", "maxmemory", "100", "hz", "9999"}) ==
        Err("ERR CONFIG SET failed (possibly related to argument 'hz') - argument must be "
            "between 1 and 500 inclusive"));
  CHECK(h.config().maxmemory == 1024 * 1024);
  CHECK(h.config().hz == 20);
  CHECK(h.Run({"config", "set", "maxmemory", "100", "nosuch", "1"}) ==
        Err("ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"));
  CHECK(h.config().maxmemory == 1024 * 1024);
  CHECK(h.Run({"config", "set", "HZ", "5", "hz", "6"}) ==
        Err("ERR CONFIG SET failed (possibly related to argument 'hz') - duplicate parameter"));
  CHECK(h.Run({"config", "set", "port", "7000"}) ==
        Err("ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable "
            "config"));
  CHECK(h.Run({"config", "set", "maxmemory-policy", "lru"}) ==
        Err("ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - "
            "argument(s) must be one of the following: volatile-lru, volatile-lfu, "
            "volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, "
            "noeviction"));
  CHECK(h.Run({"config", "set", "hz", "5", "maxmemory"}) == kSyntaxErr);
  CHECK(h.Run({"config", "set", "hz"}) ==
        Err("ERR wrong number of arguments for 'config|set' command"));
  CHECK(h.Run({"config", "get", "hz"}) == Arr({Bulk("hz"), Bulk("20")}));
}

TEST_CASE("CONFIG RESETSTAT, REWRITE, HELP and errors", "[server]") {
  Harness h;
  CHECK(h.Run({"ping"}) == "+PONG\r\n");
  CHECK(h.server().stats.total_commands > 0);
  CHECK(h.Run({"config", "resetstat"}) == kOk);
  CHECK(h.server().stats.total_commands == 1);  // RESETSTAT itself, counted after it ran
  CHECK(h.server().commands->Find("ping")->stats.calls == 0);
  CHECK(h.Run({"config", "rewrite"}) == Err("ERR The server is running without a config file"));
  std::string help = h.Run({"config", "help"});
  CHECK(WellFormed(help));
  CHECK(help.rfind("*11\r\n+CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", 0) ==
        0);
  CHECK(h.Run({"config", "nope"}) == Err("ERR unknown subcommand 'nope'. Try CONFIG HELP."));
}

TEST_CASE("INFO sections", "[server]") {
  Harness h;
  h.server().run_id = std::string(40, 'a');
  h.keyspace().db(0).InsertString("k", "v");
  h.keyspace().db(2).InsertString("x", "1");
  CHECK(h.Run({"ping"}) == "+PONG\r\n");
  std::string r = h.Run({"info"});
  REQUIRE(WellFormed(r));
  std::string info = BulkPayload(r);
  CHECK(info.rfind("# Server\r\nredis_version:7.2.4\r\n", 0) == 0);
  CHECK(Contains(info, "\r\nredis_mode:standalone\r\n"));
  CHECK(Contains(info, "\r\narch_bits:64\r\n"));
  CHECK(Contains(info, "\r\nrun_id:" + std::string(40, 'a') + "\r\n"));
  CHECK(Contains(info, "\r\ntcp_port:6379\r\n"));
  CHECK(Contains(info, "\r\nexecutable:/usr/bin/brisk-server\r\n"));
  CHECK(Contains(info, "\r\n\r\n# Clients\r\nconnected_clients:1\r\n"));
  CHECK(Contains(info, "\r\nused_memory:1048576\r\nused_memory_human:1.00M\r\n"));
  CHECK(Contains(info, "\r\nmem_allocator:"));
  CHECK(Contains(info, "\r\n# Persistence\r\nloading:0\r\n"));
  CHECK(Contains(info, "\r\naof_enabled:0\r\n"));
  CHECK(Contains(info, "\r\n# Stats\r\ntotal_connections_received:0\r\n"));
  CHECK(Contains(info,
                 "\r\n# Replication\r\nrole:master\r\nconnected_slaves:0\r\n"
                 "master_failover_state:no-failover\r\n"));
  CHECK(Contains(info, "\r\nmaster_repl_offset:0\r\n"));
  CHECK(Contains(info, "\r\n# CPU\r\nused_cpu_sys:"));
  CHECK(Contains(info, "\r\n# Cluster\r\ncluster_enabled:0\r\n"));
  CHECK(Contains(info,
                 "\r\n# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n"
                 "db2:keys=1,expires=0,avg_ttl=0\r\n"));
  CHECK(info.substr(info.size() - 2) == "\r\n");
  CHECK_FALSE(Contains(info, "# Commandstats"));

  CHECK(BulkPayload(h.Run({"info", "keyspace"})) ==
        "# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\ndb2:keys=1,expires=0,avg_ttl=0\r\n");
  CHECK(BulkPayload(h.Run({"INFO", "Cluster", "replication"})).rfind("# Replication\r\n", 0) == 0);
  CHECK(h.Run({"info", "nosuch"}) == Bulk(""));

  std::string stats = BulkPayload(h.Run({"info", "commandstats"}));
  CHECK(stats.rfind("# Commandstats\r\n", 0) == 0);
  CHECK(Contains(stats, "\r\ncmdstat_ping:calls=1,usec="));
  CHECK(Contains(stats, ",rejected_calls=0,failed_calls=0\r\n"));
  CHECK(Contains(BulkPayload(h.Run({"info", "all"})), "# Commandstats\r\n"));
  CHECK(Contains(BulkPayload(h.Run({"info", "everything"})), "# Keyspace\r\n"));
  CHECK_FALSE(Contains(BulkPayload(h.Run({"info", "default"})), "# Commandstats"));

  h.client().resp = 3;
  std::string v = h.Run({"info", "server"});
  CHECK(v.rfind("=", 0) == 0);
  CHECK(Contains(v, "\r\ntxt:# Server\r\nredis_version:7.2.4\r\n"));
  CHECK(WellFormed(v));
}

TEST_CASE("INFO counts rejected and failed calls", "[server]") {
  Harness h;
  CHECK(h.Run({"select", "x"}) == Err("ERR value is not an integer or out of range"));
  CHECK(h.Run({"select"}) == Err("ERR wrong number of arguments for 'select' command"));
  std::string stats = BulkPayload(h.Run({"info", "commandstats"}));
  CHECK(Contains(stats, "cmdstat_select:calls=1,"));
  CHECK(Contains(stats, ",rejected_calls=1,failed_calls=1\r\n"));
  CHECK(h.Run({"config", "resetstat"}) == kOk);
  CHECK_FALSE(Contains(BulkPayload(h.Run({"info", "commandstats"})), "cmdstat_select"));
}

TEST_CASE("DEBUG", "[server]") {
  Harness h;
  h.SetTime(kNow);
  CHECK(h.Run({"debug", "sleep", "0"}) == kOk);
  CHECK(h.Run({"debug", "set-active-expire", "0"}) == kOk);
  CHECK_FALSE(h.server().active_expire_enabled);
  CHECK(h.Run({"debug", "set-active-expire", "1"}) == kOk);
  CHECK(h.server().active_expire_enabled);
  h.keyspace().db(0).InsertString("k", "bar");
  std::string obj = h.Run({"debug", "object", "k"});
  CHECK(obj.rfind("+Value at:0x", 0) == 0);
  CHECK(Contains(obj, " refcount:1 encoding:embstr serializedlength:4 lru:"));
  CHECK(Contains(obj, " lru_seconds_idle:"));
  CHECK(h.Run({"debug", "object", "nokey"}) == Err("ERR no such key"));
  CHECK(h.Run({"debug", "bogus"}) ==
        Err("ERR unknown subcommand or wrong number of arguments for 'bogus'. Try DEBUG HELP."));
  CHECK(h.Run({"debug", "sleep"}) ==
        Err("ERR unknown subcommand or wrong number of arguments for 'sleep'. Try DEBUG HELP."));
  CHECK(WellFormed(h.Run({"debug", "help"})));
}

TEST_CASE("OBJECT", "[server]") {
  Harness h;
  h.SetTime(kNow);
  engine::Db& db = h.keyspace().db(0);
  db.InsertString("i", "123");
  db.InsertString("s", "hello");
  db.InsertString("r", std::string(45, 'x'));
  CHECK(h.Run({"object", "encoding", "i"}) == Bulk("int"));
  CHECK(h.Run({"object", "ENCODING", "s"}) == Bulk("embstr"));
  CHECK(h.Run({"object", "encoding", "r"}) == Bulk("raw"));
  CHECK(h.Run({"object", "encoding", "missing"}) == kNil);
  CHECK(h.Run({"object", "refcount", "s"}) == Int(1));
  CHECK(h.Run({"object", "refcount", "i"}) == Int(2147483647));  // a shared integer
  CHECK(h.Run({"object", "idletime", "missing"}) == kNil);
  std::string idle = h.Run({"object", "idletime", "s"});
  CHECK(idle.rfind(":", 0) == 0);
  CHECK(h.Run({"object", "freq", "s"}) ==
        Err("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please "
            "note that when switching between policies at runtime LRU and LFU data will take "
            "some time to adjust."));
  h.config().maxmemory_policy = "allkeys-lfu";
  CHECK(h.Run({"object", "idletime", "s"}) ==
        Err("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that "
            "when switching between policies at runtime LRU and LFU data will take some time "
            "to adjust."));
  CHECK(h.Run({"object", "encoding"}) ==
        Err("ERR wrong number of arguments for 'object|encoding' command"));
  CHECK(h.Run({"object", "nope", "k"}) == Err("ERR unknown subcommand 'nope'. Try OBJECT HELP."));
  CHECK(WellFormed(h.Run({"object", "help"})));
}

TEST_CASE("MEMORY", "[server]") {
  Harness h;
  h.keyspace().db(0).InsertString("k", "value");
  const engine::Entry* e = h.keyspace().db(0).Peek("k", kNow);
  REQUIRE(e != nullptr);
  CHECK(h.Run({"memory", "usage", "k"}) == Int(int64_t(e->MemoryBytes())));
  CHECK(h.Run({"memory", "usage", "k", "samples", "0"}) == Int(int64_t(e->MemoryBytes())));
  CHECK(h.Run({"memory", "usage", "missing"}) == kNil);
  CHECK(h.Run({"memory", "usage", "k", "samples"}) == kSyntaxErr);
  CHECK(h.Run({"memory", "usage", "k", "samples", "-1"}) == kSyntaxErr);
  CHECK(h.Run({"memory", "usage", "k", "samples", "x"}) ==
        Err("ERR value is not an integer or out of range"));
  std::string stats = h.Run({"memory", "stats"});
  CHECK(WellFormed(stats));
  CHECK(Contains(stats, Bulk("keys.count") + Int(1)));
  CHECK(BulkPayload(h.Run({"memory", "doctor"})).rfind("Hi Sam, ", 0) == 0);
  CHECK(h.Run({"memory", "purge"}) == kOk);
  CHECK(WellFormed(h.Run({"memory", "malloc-stats"})));
  CHECK(WellFormed(h.Run({"memory", "help"})));
}

TEST_CASE("LOLWUT", "[server]") {
  Harness h;
  CHECK(h.Run({"lolwut"}) == Bulk("Redis ver. 7.2.4\n"));
  CHECK(h.Run({"lolwut", "version", "5"}) == Bulk("Redis ver. 7.2.4\n"));
  CHECK(h.Run({"lolwut", "version"}) == kSyntaxErr);
}

TEST_CASE("COMMAND COUNT, INFO and full listing", "[server]") {
  Harness h;
  size_t n = h.server().commands->All().size();
  CHECK(h.Run({"command", "count"}) == Int(int64_t(n)));
  std::string all = h.Run({"command"});
  CHECK(WellFormed(all));
  CHECK(all.rfind("*" + std::to_string(n) + "\r\n", 0) == 0);
  CHECK(h.Run({"command", "info"}) == all);

  CHECK(h.Run({"command", "info", "ECHO", "nosuch"}) ==
        "*2\r\n*10\r\n" + Bulk("echo") + Int(2) + "*3\r\n+loading\r\n+stale\r\n+fast\r\n" + Int(0) +
            Int(0) + Int(0) + "*2\r\n+@fast\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n" + kNil);
  // A subcommand by its full name, with the key of OBJECT ENCODING.
  CHECK(h.Run({"command", "info", "object|encoding"}) ==
        "*1\r\n*10\r\n" + Bulk("object|encoding") + Int(3) + "*1\r\n+readonly\r\n" + Int(2) +
            Int(2) + Int(1) + "*3\r\n+@keyspace\r\n+@read\r\n+@slow\r\n*0\r\n" + "*1\r\n*6\r\n" +
            Bulk("flags") + "*2\r\n+RO\r\n+ACCESS\r\n" + Bulk("begin_search") + "*4\r\n" +
            Bulk("type") + Bulk("index") + Bulk("spec") + "*2\r\n" + Bulk("index") + Int(2) +
            Bulk("find_keys") + "*4\r\n" + Bulk("type") + Bulk("range") + Bulk("spec") + "*6\r\n" +
            Bulk("lastkey") + Int(0) + Bulk("keystep") + Int(1) + Bulk("limit") + Int(0) +
            "*0\r\n");
  std::string client = h.Run({"command", "info", "client"});
  CHECK(WellFormed(client));
  CHECK(Contains(client, Bulk("client|list") + Int(-2) +
                             "*4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n"));

  h.client().resp = 3;
  std::string v3 = h.Run({"command", "info", "echo"});
  CHECK(v3 == "*1\r\n*10\r\n" + Bulk("echo") + Int(2) + "~3\r\n+loading\r\n+stale\r\n+fast\r\n" +
                  Int(0) + Int(0) + Int(0) + "~2\r\n+@fast\r\n+@connection\r\n~0\r\n*0\r\n~0\r\n");
  CHECK(WellFormed(h.Run({"command"})));
}

TEST_CASE("COMMAND DOCS", "[server]") {
  Harness h;
  CHECK(h.Run({"command", "docs", "echo", "nosuch"}) ==
        Arr({Bulk("echo"), Arr({Bulk("summary"), Bulk("Returns the given string."), Bulk("since"),
                                Bulk("1.0.0"), Bulk("group"), Bulk("connection")})}));
  std::string slowlog = h.Run({"command", "docs", "slowlog"});
  CHECK(WellFormed(slowlog));
  CHECK(Contains(slowlog, Bulk("subcommands") + "*8\r\n" + Bulk("slowlog|get") + "*4\r\n" +
                              Bulk("summary") + Bulk("Returns the slow log's entries.") +
                              Bulk("group") + Bulk("server")));
  std::string all = h.Run({"command", "docs"});
  CHECK(WellFormed(all));
  CHECK(all.rfind("*" + std::to_string(2 * h.server().commands->All().size()) + "\r\n", 0) == 0);

  h.client().resp = 3;
  CHECK(h.Run({"command", "docs", "echo"}) ==
        "%1\r\n" + Bulk("echo") + "%3\r\n" + Bulk("summary") + Bulk("Returns the given string.") +
            Bulk("since") + Bulk("1.0.0") + Bulk("group") + Bulk("connection"));
  std::string all3 = h.Run({"command", "docs"});
  CHECK(WellFormed(all3));
  CHECK(all3.rfind("%", 0) == 0);
}

TEST_CASE("COMMAND LIST", "[server]") {
  Harness h;
  std::string all = h.Run({"command", "list"});
  CHECK(WellFormed(all));
  CHECK(Contains(all, Bulk("client|list")));
  CHECK(Contains(all, Bulk("ping")));
  CHECK(h.Run({"command", "list", "filterby", "pattern", "SLOWLOG*"}) ==
        Arr({Bulk("slowlog"), Bulk("slowlog|get"), Bulk("slowlog|help"), Bulk("slowlog|len"),
             Bulk("slowlog|reset")}));
  std::string conn = h.Run({"command", "list", "FILTERBY", "aclcat", "connection"});
  CHECK(Contains(conn, Bulk("ping")));
  CHECK(Contains(conn, Bulk("client|kill")));
  CHECK_FALSE(Contains(conn, Bulk("dbsize")));
  CHECK(h.Run({"command", "list", "filterby", "module", "json"}) == "*0\r\n");
  CHECK(h.Run({"command", "list", "filterby", "aclcat", "nosuch"}) == "*0\r\n");
  CHECK(h.Run({"command", "list", "filterby", "color", "x"}) == kSyntaxErr);
  CHECK(h.Run({"command", "list", "filterby", "pattern"}) == kSyntaxErr);
  CHECK(h.Run({"command", "list", "x"}) == kSyntaxErr);
}

TEST_CASE("COMMAND GETKEYS", "[server]") {
  Harness h;
  CHECK(h.Run({"command", "getkeys", "object", "encoding", "k"}) == Arr({Bulk("k")}));
  CHECK(h.Run({"command", "getkeys", "MEMORY", "usage", "k", "samples", "5"}) == Arr({Bulk("k")}));
  CHECK(h.Run({"command", "getkeys", "watch", "a", "b"}) == Arr({Bulk("a"), Bulk("b")}));
  CHECK(h.Run({"command", "getkeys", "nosuch", "k"}) == Err("ERR Invalid command specified"));
  CHECK(h.Run({"command", "getkeys", "object", "nosuch", "k"}) ==
        Err("ERR Invalid command specified"));
  CHECK(h.Run({"command", "getkeys", "ping"}) == Err("ERR The command has no key arguments"));
  CHECK(h.Run({"command", "getkeys", "object"}) == Err("ERR The command has no key arguments"));
  CHECK(h.Run({"command", "getkeys", "memory", "usage"}) ==
        Err("ERR Invalid number of arguments specified for command"));
  CHECK(h.Run({"command", "getkeys", "watch"}) ==
        Err("ERR Invalid number of arguments specified for command"));
  CHECK(h.Run({"command", "getkeysandflags", "object", "encoding", "k"}) ==
        "*1\r\n*2\r\n" + Bulk("k") + "*2\r\n+RO\r\n+ACCESS\r\n");
  CHECK(h.Run({"command", "getkeysandflags", "ping"}) ==
        Err("ERR The command has no key arguments"));
  CHECK(h.Run({"command", "getkeys"}) ==
        Err("ERR wrong number of arguments for 'command|getkeys' command"));
}

TEST_CASE("COMMAND HELP and errors", "[server]") {
  Harness h;
  std::string help = h.Run({"command", "help"});
  CHECK(WellFormed(help));
  CHECK(help.rfind("*21\r\n+COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", 0) ==
        0);
  CHECK(h.Run({"command", "foo"}) == Err("ERR unknown subcommand 'foo'. Try COMMAND HELP."));
  CHECK(h.Run({"command", "count", "x"}) ==
        Err("ERR wrong number of arguments for 'command|count' command"));
}

}  // namespace brisk::test
