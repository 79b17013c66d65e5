// Connection commands against the exact RESP bytes Redis 7.2 sends.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "harness.h"

namespace brisk::test {
namespace {

const std::string kSyntaxErr = Err("ERR syntax error");
const std::string kNotInt = Err("ERR value is not an integer or out of range");
const std::string kWrongPass = Err("WRONGPASS invalid username-password pair or user is disabled.");
const std::string kNoAuthErr = Err("NOAUTH Authentication required.");

std::string Arr(std::initializer_list<std::string> items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const auto& i : items) out += i;
  return out;
}

// HELLO's reply for client `id` in protocol `proto`.
std::string HelloReply(int proto, uint64_t id) {
  std::string out = proto == 3 ? "%7\r\n" : "*14\r\n";
  out += Bulk("server") + Bulk("redis") + Bulk("version") + Bulk("7.2.4") + Bulk("proto") +
         Int(proto) + Bulk("id") + Int(int64_t(id)) + Bulk("mode") + Bulk("standalone") +
         Bulk("role") + Bulk("master") + Bulk("modules") + "*0\r\n";
  return out;
}

// The bulk (RESP2) payload of a reply; "" if it is not a bulk string.
std::string BulkPayload(const std::string& reply) {
  if (reply.empty() || reply[0] != '$') return "";
  size_t eol = reply.find("\r\n");
  return reply.substr(eol + 2, std::stoul(reply.substr(1, eol - 1)));
}

cmd::ClientState MakeClient(uint64_t id, std::string addr, bool authenticated = true) {
  cmd::ClientState c;
  c.id = id;
  c.addr = std::move(addr);
  c.laddr = "127.0.0.1:6379";
  c.authenticated = authenticated;
  return c;
}

}  // namespace

TEST_CASE("PING and ECHO", "[connection]") {
  Harness h;
  CHECK(h.Run({"ping"}) == "+PONG\r\n");
  CHECK(h.Run({"PING", "hello"}) == Bulk("hello"));
  CHECK(h.Run({"ping", "a", "b"}) == Err("ERR wrong number of arguments for 'ping' command"));
  CHECK(h.Run({"echo", "x y"}) == Bulk("x y"));
  CHECK(h.Run({"echo"}) == Err("ERR wrong number of arguments for 'echo' command"));
}

TEST_CASE("PING in RESP2 subscribed mode replies an array", "[connection]") {
  Harness h;
  h.client().subscriptions = 1;
  CHECK(h.Run({"ping"}) == Arr({Bulk("pong"), Bulk("")}));
  CHECK(h.Run({"ping", "m"}) == Arr({Bulk("pong"), Bulk("m")}));
  h.client().resp = 3;
  CHECK(h.Run({"ping"}) == "+PONG\r\n");
}

TEST_CASE("QUIT replies OK and closes", "[connection]") {
  Harness h;
  CHECK(h.Run({"quit"}) == kOk);
  CHECK(h.client().close_after_reply);
}

TEST_CASE("SELECT", "[connection]") {
  Harness h;
  CHECK(h.Run({"select", "3"}) == kOk);
  CHECK(h.client().db_index == 3);
  CHECK(h.Run({"select", "16"}) == Err("ERR DB index is out of range"));
  CHECK(h.Run({"select", "-1"}) == Err("ERR DB index is out of range"));
  CHECK(h.Run({"select", "x"}) == kNotInt);
  CHECK(h.Run({"select", "99999999999"}) == kNotInt);
  CHECK(h.client().db_index == 3);
}

TEST_CASE("SWAPDB swaps contents and invalidates WATCH", "[connection]") {
  Harness h;
  h.keyspace().db(0).InsertString("k", "v");
  cmd::ClientState other = MakeClient(2, "127.0.0.1:50001");
  other.db_index = 1;
  CHECK(h.Run({"watch", "k"}, &other) == kOk);
  CHECK(h.Run({"swapdb", "0", "1"}) == kOk);
  CHECK(h.keyspace().db(0).size() == 0);
  CHECK(h.keyspace().db(1).size() == 1);
  CHECK(other.dirty_cas);
  CHECK(h.Run({"swapdb", "x", "1"}) == Err("ERR invalid first DB index"));
  CHECK(h.Run({"swapdb", "0", "y"}) == Err("ERR invalid second DB index"));
  CHECK(h.Run({"swapdb", "0", "16"}) == Err("ERR DB index is out of range"));
  CHECK(h.Run({"swapdb", "2", "2"}) == kOk);
}

TEST_CASE("AUTH without requirepass", "[connection]") {
  Harness h;
  CHECK(h.Run({"auth", "pw"}) ==
        Err("ERR AUTH <password> called without any password configured for the default "
            "user. Are you sure your configuration is correct?"));
  CHECK(h.Run({"auth", "default", "anything"}) == kOk);
  CHECK(h.Run({"auth", "bob", "anything"}) == kWrongPass);
  CHECK(h.Run({"auth", "a", "b", "c"}) == kSyntaxErr);
}

TEST_CASE("AUTH flow with requirepass", "[connection]") {
  Harness h;
  h.config().requirepass = "s3cret";
  cmd::ClientState c = MakeClient(2, "127.0.0.1:50001", /*authenticated=*/false);
  CHECK(h.Run({"dbsize"}, &c) == kNoAuthErr);
  CHECK(h.Run({"auth", "wrong"}, &c) == kWrongPass);
  CHECK(h.Run({"auth", "s3cre"}, &c) == kWrongPass);
  CHECK(h.Run({"auth", "s3cret!"}, &c) == kWrongPass);
  CHECK_FALSE(c.authenticated);
  CHECK(h.Run({"auth", "s3cret"}, &c) == kOk);
  CHECK(c.authenticated);
  CHECK(h.Run({"dbsize"}, &c) == Int(0));
  // A failed attempt does not log an authenticated client out.
  CHECK(h.Run({"auth", "nope"}, &c) == kWrongPass);
  CHECK(c.authenticated);
  CHECK(h.Run({"auth", "default", "s3cret"}, &c) == kOk);
  CHECK(h.Run({"auth", "bob", "s3cret"}, &c) == kWrongPass);
}

TEST_CASE("AUTH and HELLO never reach MONITOR", "[connection]") {
  Harness h;
  h.config().requirepass = "s3cret";
  cmd::ClientState mon = MakeClient(2, "127.0.0.1:50001");
  CHECK(h.Run({"monitor"}, &mon) == kOk);
  CHECK(h.Run({"auth", "s3cret"}) == kOk);
  CHECK(h.Run({"hello", "2", "AUTH", "default", "s3cret"}) == HelloReply(2, 1));
  CHECK(h.hooks().sent.find("s3cret") == std::string::npos);
}

TEST_CASE("HELLO", "[connection]") {
  Harness h;
  CHECK(h.Run({"hello"}) == HelloReply(2, 1));
  CHECK(h.Run({"hello", "3"}) == HelloReply(3, 1));
  CHECK(h.client().resp == 3);
  CHECK(h.Run({"hello", "2"}) == HelloReply(2, 1));
  CHECK(h.client().resp == 2);
  CHECK(h.Run({"hello", "4"}) == Err("NOPROTO unsupported protocol version"));
  CHECK(h.Run({"hello", "1"}) == Err("NOPROTO unsupported protocol version"));
  CHECK(h.Run({"hello", "three"}) == Err("ERR Protocol version is not an integer or out of range"));
  CHECK(h.Run({"hello", "3", "FOO"}) == Err("ERR Syntax error in HELLO option 'FOO'"));
  CHECK(h.Run({"hello", "3", "AUTH", "default"}) == Err("ERR Syntax error in HELLO option 'AUTH'"));
  CHECK(h.client().resp == 2);
  CHECK(h.Run({"hello", "3", "SETNAME", "app-1"}) == HelloReply(3, 1));
  CHECK(h.client().name == "app-1");
  CHECK(h.Run({"hello", "3", "setname", "bad name"}) ==
        Err("ERR Client names cannot contain spaces, newlines or special characters."));
}

TEST_CASE("HELLO authenticates with AUTH, and requires it otherwise", "[connection]") {
  Harness h;
  h.config().requirepass = "pw";
  cmd::ClientState c = MakeClient(7, "127.0.0.1:50001", false);
  CHECK(h.Run({"hello", "3"}, &c) ==
        Err("NOAUTH HELLO must be called with the client already authenticated, otherwise the "
            "HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client "
            "and select the RESP protocol version at the same time"));
  CHECK(c.resp == 2);
  CHECK(h.Run({"hello", "3", "AUTH", "default", "bad"}, &c) == kWrongPass);
  CHECK(h.Run({"hello", "3", "AUTH", "default", "pw", "SETNAME", "n"}, &c) == HelloReply(3, 7));
  CHECK(c.authenticated);
  CHECK(c.resp == 3);
  CHECK(c.name == "n");
}

TEST_CASE("RESET restores a fresh connection", "[connection]") {
  Harness h;
  h.config().requirepass = "pw";
  cmd::ClientState& c = h.client();
  CHECK(h.Run({"watch", "k"}) == kOk);
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"select", "2"}) == "+QUEUED\r\n");
  c.db_index = 4;
  c.resp = 3;
  c.name = "n";
  c.lib_name = "redis-py";
  c.no_evict = c.no_touch = true;
  CHECK(h.Run({"monitor"}) == "+QUEUED\r\n");
  c.monitor = true;
  h.server().monitors.push_back(&c);
  CHECK(h.Run({"reset"}) == "+RESET\r\n");
  CHECK_FALSE(c.in_multi);
  CHECK(c.queued.empty());
  CHECK(c.watched.empty());
  CHECK(c.db_index == 0);
  CHECK(c.resp == 2);
  CHECK(c.name.empty());
  CHECK(c.lib_name == "redis-py");
  CHECK_FALSE(c.no_evict);
  CHECK_FALSE(c.no_touch);
  CHECK_FALSE(c.monitor);
  CHECK(h.server().monitors.empty());
  CHECK_FALSE(c.authenticated);
  CHECK(h.Run({"ping"}) == kNoAuthErr);
}

TEST_CASE("RESET turns replies back on", "[connection]") {
  Harness h;
  CHECK(h.Run({"client", "reply", "off"}).empty());
  CHECK(h.Run({"reset"}) == "+RESET\r\n");
  CHECK(h.Run({"ping"}) == "+PONG\r\n");
}

TEST_CASE("CLIENT ID / SETNAME / GETNAME / SETINFO", "[connection]") {
  Harness h;
  CHECK(h.Run({"client", "id"}) == Int(1));
  CHECK(h.Run({"client", "getname"}) == kNil);
  CHECK(h.Run({"client", "setname", "worker-1"}) == kOk);
  CHECK(h.Run({"CLIENT", "GETNAME"}) == Bulk("worker-1"));
  CHECK(h.Run({"client", "setname", "a b"}) ==
        Err("ERR Client names cannot contain spaces, newlines or special characters."));
  CHECK(h.Run({"client", "setname", ""}) == kOk);
  CHECK(h.Run({"client", "getname"}) == kNil);
  CHECK(h.Run({"client", "setinfo", "LIB-NAME", "redis-py"}) == kOk);
  CHECK(h.Run({"client", "setinfo", "lib-ver", "5.0.1"}) == kOk);
  CHECK(h.client().lib_name == "redis-py");
  CHECK(h.client().lib_ver == "5.0.1");
  CHECK(h.Run({"client", "setinfo", "lib-foo", "x"}) == Err("ERR Unrecognized option 'lib-foo'"));
  CHECK(h.Run({"client", "setinfo", "Lib-Ver", "1 2"}) ==
        Err("ERR Lib-Ver cannot contain spaces, newlines or special characters."));
}

TEST_CASE("CLIENT subcommand errors", "[connection]") {
  Harness h;
  CHECK(h.Run({"client"}) == Err("ERR wrong number of arguments for 'client' command"));
  CHECK(h.Run({"client", "setname"}) ==
        Err("ERR wrong number of arguments for 'client|setname' command"));
  CHECK(h.Run({"client", "id", "x"}) ==
        Err("ERR wrong number of arguments for 'client|id' command"));
  CHECK(h.Run({"client", "bogus"}) == Err("ERR unknown subcommand 'bogus'. Try CLIENT HELP."));
  std::string help = h.Run({"client", "help"});
  CHECK(help.rfind("*", 0) == 0);
  CHECK(help.find("+CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n") !=
        std::string::npos);
  CHECK(help.find("+HELP\r\n+    Prints this help.\r\n") != std::string::npos);
}

TEST_CASE("CLIENT INFO and LIST line format", "[connection]") {
  Harness h;
  h.SetTime(1'700'000'010'000);
  cmd::ClientState& c = h.client();
  c.fd = 8;
  c.laddr = "127.0.0.1:6379";
  c.created_ms = 1'700'000'000'000;
  c.last_interaction_ms = 1'700'000'008'000;
  c.query_buf_len = 26;
  c.query_buf_cap = 20474;
  std::string expected =
      "id=1 addr=127.0.0.1:50000 laddr=127.0.0.1:6379 fd=8 name= age=10 idle=2 flags=N db=0 "
      "sub=0 psub=0 ssub=0 multi=-1 qbuf=26 qbuf-free=20448 argv-mem=10 multi-mem=0 rbs=1024 "
      "rbp=0 obl=0 oll=0 omem=0 tot-mem=";
  std::string list = BulkPayload(h.Run({"client", "list"}));
  REQUIRE(list.rfind(expected, 0) == 0);
  std::string tail = " events=r cmd=client|list user=default redir=-1 resp=2 lib-name= lib-ver=\n";
  CHECK(list.size() > tail.size());
  CHECK(list.substr(list.size() - tail.size()) == tail);

  std::string info = BulkPayload(h.Run({"client", "info"}));
  CHECK(info.find("argv-mem=10 ") != std::string::npos);
  CHECK(info.find(" cmd=client|info user=default") != std::string::npos);
  CHECK(info.back() == '\n');
}

TEST_CASE("CLIENT LIST filters and RESP3 verbatim", "[connection]") {
  Harness h;
  cmd::ClientState other = MakeClient(2, "10.0.0.2:4000");
  h.server().pubsub.Subscribe(&other, pubsub::Kind::kChannel, "a");
  h.server().pubsub.PSubscribe(&other, "b*");
  other.last_cmd = "subscribe";
  other.name = "sub";
  h.hooks().clients.push_back(&other);

  std::string all = BulkPayload(h.Run({"client", "list"}));
  CHECK(all.find("id=1 ") == 0);
  CHECK(all.find("\nid=2 addr=10.0.0.2:4000 ") != std::string::npos);
  CHECK(all.find("name=sub ") != std::string::npos);
  CHECK(all.find("flags=P db=0 sub=1 psub=1 ssub=0 ") != std::string::npos);
  CHECK(all.find("cmd=subscribe ") != std::string::npos);

  std::string pubsub = BulkPayload(h.Run({"client", "list", "TYPE", "pubsub"}));
  CHECK(pubsub.find("id=2 ") == 0);
  CHECK(pubsub.find("id=1 ") == std::string::npos);
  std::string normal = BulkPayload(h.Run({"client", "list", "type", "normal"}));
  CHECK(normal.find("id=1 ") == 0);
  CHECK(normal.find("id=2 ") == std::string::npos);
  CHECK(h.Run({"client", "list", "type", "replica"}) == Bulk(""));
  CHECK(h.Run({"client", "list", "type", "bogus"}) == Err("ERR Unknown client type 'bogus'"));

  std::string by_id = BulkPayload(h.Run({"client", "list", "ID", "2", "99"}));
  CHECK(by_id.find("id=2 ") == 0);
  CHECK(std::count(by_id.begin(), by_id.end(), '\n') == 1);
  CHECK(h.Run({"client", "list", "id", "x"}) == Err("ERR Invalid client ID"));
  CHECK(h.Run({"client", "list", "foo"}) == kSyntaxErr);

  h.client().resp = 3;
  std::string v = h.Run({"client", "info"});
  CHECK(v.rfind("=", 0) == 0);
  CHECK(v.find("\r\ntxt:id=1 ") != std::string::npos);
  CHECK(v.find(" resp=3 ") != std::string::npos);
}

TEST_CASE("CLIENT KILL old and new forms", "[connection]") {
  Harness h;
  cmd::ClientState a = MakeClient(2, "10.0.0.2:4000");
  cmd::ClientState b = MakeClient(3, "10.0.0.3:4000");
  b.subscriptions = 1;
  h.hooks().clients.push_back(&a);
  h.hooks().clients.push_back(&b);

  CHECK(h.Run({"client", "kill", "10.0.0.2:4000"}) == kOk);
  REQUIRE(h.hooks().killed.size() == 1);
  CHECK(h.hooks().killed[0] == &a);
  CHECK(h.Run({"client", "kill", "1.2.3.4:5"}) == Err("ERR No such client"));

  h.hooks().killed.clear();
  CHECK(h.Run({"client", "kill", "ID", "3"}) == Int(1));
  CHECK(h.hooks().killed == std::vector<cmd::ClientState*>{&b});
  CHECK(h.Run({"client", "kill", "type", "pubsub"}) == Int(1));
  CHECK(h.Run({"client", "kill", "user", "default"}) == Int(2));  // skips the caller
  CHECK(h.Run({"client", "kill", "addr", "127.0.0.1:50000"}) == Int(0));
  CHECK_FALSE(h.client().close_after_reply);
  CHECK(h.Run({"client", "kill", "addr", "127.0.0.1:50000", "skipme", "no"}) == Int(1));
  CHECK(h.client().close_after_reply);  // the caller is closed after this reply

  CHECK(h.Run({"client", "kill", "id", "0"}) == Err("ERR client-id should be greater than 0"));
  CHECK(h.Run({"client", "kill", "id", "x"}) == Err("ERR client-id should be greater than 0"));
  CHECK(h.Run({"client", "kill", "type", "x"}) == Err("ERR Unknown client type 'x'"));
  CHECK(h.Run({"client", "kill", "user", "bob"}) == Err("ERR No such user 'bob'"));
  CHECK(h.Run({"client", "kill", "skipme", "maybe"}) == kSyntaxErr);
  CHECK(h.Run({"client", "kill", "id", "2", "laddr"}) == kSyntaxErr);
  CHECK(h.Run({"client", "kill", "foo", "bar"}) == kSyntaxErr);
}

TEST_CASE("CLIENT REPLY ON/OFF/SKIP", "[connection]") {
  Harness h;
  CHECK(h.Run({"client", "reply", "off"}).empty());
  CHECK(h.Run({"ping"}).empty());
  CHECK(h.Run({"client", "reply", "skip"}).empty());  // ignored while OFF
  CHECK(h.Run({"client", "reply", "on"}) == kOk);
  CHECK(h.Run({"ping"}) == "+PONG\r\n");
  CHECK(h.Run({"client", "reply", "skip"}).empty());
  CHECK(h.Run({"ping"}).empty());
  CHECK(h.Run({"ping"}) == "+PONG\r\n");
  CHECK(h.Run({"client", "reply", "maybe"}) == kSyntaxErr);
}

TEST_CASE("CLIENT NO-EVICT / NO-TOUCH", "[connection]") {
  Harness h;
  CHECK(h.Run({"client", "no-evict", "on"}) == kOk);
  CHECK(h.client().no_evict);
  CHECK(h.Run({"client", "no-touch", "ON"}) == kOk);
  CHECK(h.client().no_touch);
  CHECK(h.Run({"client", "no-evict", "off"}) == kOk);
  CHECK_FALSE(h.client().no_evict);
  CHECK(h.Run({"client", "no-touch", "maybe"}) == kSyntaxErr);
  std::string list = BulkPayload(h.Run({"client", "info"}));
  CHECK(list.find(" flags=T ") != std::string::npos);
}

TEST_CASE("CLIENT PAUSE / UNPAUSE", "[connection]") {
  Harness h;
  constexpr int64_t kNow = 1'700'000'000'000;
  h.SetTime(kNow);
  CHECK(h.Run({"client", "pause", "1000", "WRITE"}) == kOk);
  CHECK(h.server().dispatcher->paused_until_ms() == kNow + 1000);
  CHECK(h.Run({"dbsize"}) == Int(0));  // reads still run under a WRITE pause
  // A shorter pause does not cut a running one short.
  CHECK(h.Run({"client", "pause", "10", "write"}) == kOk);
  CHECK(h.server().dispatcher->paused_until_ms() == kNow + 1000);
  CHECK(h.Run({"client", "unpause"}) == kOk);
  CHECK_FALSE(h.server().dispatcher->paused(kNow));
  CHECK(h.Run({"client", "pause", "10", "reads"}) ==
        Err("ERR CLIENT PAUSE mode must be WRITE or ALL"));
  CHECK(h.Run({"client", "pause", "-1"}) == Err("ERR timeout is negative"));
  CHECK(h.Run({"client", "pause", "1.5"}) == Err("ERR timeout is not an integer or out of range"));
  CHECK(h.Run({"client", "pause", "1", "all", "x"}) ==
        Err("ERR unknown subcommand or wrong number of arguments for 'pause'. Try CLIENT HELP."));
  CHECK(h.Run({"client", "pause"}) ==
        Err("ERR wrong number of arguments for 'client|pause' command"));
}

TEST_CASE("CLIENT tracking queries and UNBLOCK", "[connection]") {
  Harness h;
  CHECK(h.Run({"client", "getredir"}) == Int(-1));
  CHECK(h.Run({"client", "trackinginfo"}) == "*6\r\n" + Bulk("flags") + "*1\r\n" + Bulk("off") +
                                                 Bulk("redirect") + Int(-1) + Bulk("prefixes") +
                                                 "*0\r\n");
  CHECK(h.Run({"client", "unblock", "1"}) == Int(0));
  CHECK(h.Run({"client", "unblock", "1", "error"}) == Int(0));
  CHECK(h.Run({"client", "unblock", "1", "later"}) ==
        Err("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"));
  CHECK(h.Run({"client", "unblock", "x"}) == kNotInt);
}

}  // namespace brisk::test
