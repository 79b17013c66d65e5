// TABLE LIST / INFO / DROP / HELP and INFO tables, against exact RESP bytes.
//
// Byte figures are Entry::MemoryBytes() (keyspace.h): 15-byte header + key + value,
// +12 with an expiry, rounded up to mimalloc's size class (8-byte steps up to 64).
//   "users:1" / "a"  -> 15 + 7 + 1 = 23 -> 24;  with a TTL 35 -> 40
//   "users:2" / "bb" -> 15 + 7 + 2 = 24 -> 24
//   "orders:1" / "x" -> 15 + 8 + 1 = 24 -> 24
//   "plain" / "v"    -> 15 + 5 + 1 = 21 -> 24
#include <catch2/catch.hpp>

#include <string>

#include "harness.h"

namespace brisk::test {
namespace {

std::string Arr(std::initializer_list<std::string> items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const auto& i : items) out += i;
  return out;
}

std::string Row(std::string_view name, int64_t items, int64_t bytes) {
  return Arr({Bulk(name), Int(items), Int(bytes)});
}

std::string InfoReply(std::string_view name, int64_t items, int64_t bytes, int64_t vol) {
  return Arr({Bulk("name"), Bulk(name), Bulk("items"), Int(items), Bulk("bytes"), Int(bytes),
              Bulk("volatile_items"), Int(vol), Bulk("hits"), Int(0), Bulk("misses"), Int(0)});
}

bool Contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

void Populate(Harness& h) {
  h.Run({"set", "users:1", "a"});
  h.Run({"set", "users:2", "bb"});
  h.Run({"set", "orders:1", "x"});
  h.Run({"set", "plain", "v"});
}

TEST_CASE("TABLE LIST: name order, default table \"\", glob filter", "[tables]") {
  Harness h;
  CHECK(h.Run({"table", "list"}) == "*0\r\n");
  Populate(h);
  const std::string all = Arr({Row("", 1, 24), Row("orders", 1, 24), Row("users", 2, 48)});
  CHECK(h.Run({"table", "list"}) == all);
  CHECK(h.Run({"TABLE", "LIST", "*"}) == all);  // "*" includes the default table
  CHECK(h.Run({"table", "list", "u*"}) == Arr({Row("users", 2, 48)}));
  CHECK(h.Run({"table", "list", "?rders"}) == Arr({Row("orders", 1, 24)}));
  CHECK(h.Run({"table", "list", "nomatch*"}) == "*0\r\n");
  // Per database.
  h.Run({"select", "1"});
  CHECK(h.Run({"table", "list"}) == "*0\r\n");
}

TEST_CASE("TABLE INFO: accounting follows SET, EXPIRE, PERSIST, DEL", "[tables]") {
  Harness h;
  Populate(h);
  CHECK(h.Run({"table", "info", "users"}) == InfoReply("users", 2, 48, 0));
  CHECK(h.Run({"table", "info", ""}) == InfoReply("", 1, 24, 0));
  CHECK(h.Run({"expire", "users:1", "100"}) == Int(1));
  CHECK(h.Run({"table", "info", "users"}) == InfoReply("users", 2, 64, 1));
  CHECK(h.Run({"persist", "users:1"}) == Int(1));
  CHECK(h.Run({"table", "info", "users"}) == InfoReply("users", 2, 48, 0));
  CHECK(h.Run({"set", "users:2", "b"}) == kOk);  // 15 + 7 + 1 = 23 -> still 24
  CHECK(h.Run({"del", "users:2"}) == Int(1));
  CHECK(h.Run({"table", "info", "users"}) == InfoReply("users", 1, 24, 0));
  CHECK(h.Run({"del", "users:1"}) == Int(1));
  CHECK(h.Run({"table", "info", "users"}) == Err("ERR no such table"));
  CHECK(h.Run({"table", "list", "users"}) == "*0\r\n");

  h.client().resp = 3;
  CHECK(h.Run({"table", "info", "orders"}) ==
        "%6\r\n" + Bulk("name") + Bulk("orders") + Bulk("items") + Int(1) + Bulk("bytes") +
            Int(24) + Bulk("volatile_items") + Int(0) + Bulk("hits") + Int(0) + Bulk("misses") +
            Int(0));
}

TEST_CASE("TABLE DROP deletes only that table's keys and returns the count", "[tables]") {
  Harness h;
  Populate(h);
  h.Run({"set", "users:3", "c", "EX", "100"});
  h.Run({"select", "1"});
  h.Run({"set", "users:9", "z"});
  h.Run({"select", "0"});

  CHECK(h.Run({"table", "drop", "users"}) == Int(3));
  CHECK(h.Run({"table", "list"}) == Arr({Row("", 1, 24), Row("orders", 1, 24)}));
  CHECK(h.Run({"table", "info", "users"}) == Err("ERR no such table"));
  CHECK(h.Run({"get", "users:1"}) == kNil);
  CHECK(h.Run({"dbsize"}) == Int(2));
  CHECK(h.Run({"table", "drop", "users"}) == Int(0));   // already gone
  CHECK(h.Run({"table", "drop", "nosuch"}) == Int(0));  // never existed
  // The other database is untouched.
  h.Run({"select", "1"});
  CHECK(h.Run({"table", "list"}) == Arr({Row("users", 1, 24)}));
  h.Run({"select", "0"});

  // The default table "" holds only keys without a separator.
  CHECK(h.Run({"table", "drop", ""}) == Int(1));
  CHECK(h.Run({"table", "list"}) == Arr({Row("orders", 1, 24)}));
  CHECK(h.Run({"exists", "orders:1"}) == Int(1));
}

TEST_CASE("TABLE DROP: glob characters in the name are literal", "[tables]") {
  Harness h;
  h.Run({"set", "a*:1", "x"});
  h.Run({"set", "ab:1", "x"});
  h.Run({"set", "a\\:1", "x"});
  CHECK(h.Run({"table", "drop", "a*"}) == Int(1));
  CHECK(h.Run({"exists", "ab:1"}) == Int(1));
  CHECK(h.Run({"table", "drop", "a\\"}) == Int(1));
  CHECK(h.Run({"table", "list"}) == Arr({Row("ab", 1, 24)}));
}

TEST_CASE("TABLE DROP invalidates WATCH like DEL", "[tables]") {
  Harness h;
  h.Run({"set", "users:1", "a"});
  CHECK(h.Run({"watch", "users:1"}) == kOk);
  CHECK(h.Run({"table", "drop", "users"}) == Int(1));
  h.Run({"multi"});
  h.Run({"set", "x", "1"});
  CHECK(h.Run({"exec"}) == "*-1\r\n");
}

TEST_CASE("TABLE DROP leaves WATCHes of other tables alone", "[tables]") {
  Harness h;
  h.Run({"set", "users:1", "a"});
  h.Run({"set", "orders:1", "a"});
  CHECK(h.Run({"watch", "orders:1"}) == kOk);
  CHECK(h.Run({"table", "drop", "users"}) == Int(1));
  h.Run({"multi"});
  h.Run({"set", "x", "1"});
  CHECK(h.Run({"exec"}) == Arr({kOk}));
}

TEST_CASE("TABLE DROP publishes one tabledrop event for the table's prefix", "[tables]") {
  Harness h;
  h.Run({"set", "users:1", "a"});
  h.Run({"set", "users:2", "b"});
  h.Run({"config", "set", "notify-keyspace-events", "EgT"});
  brisk::cmd::ClientState sub;
  sub.id = 2;
  sub.authenticated = true;
  h.hooks().clients.push_back(&sub);
  h.Run({"subscribe", "__keyevent@0__:tabledrop", "__keyevent@0__:del", "__table@0__:users"},
        &sub);
  h.hooks().sent.clear();
  CHECK(h.Run({"table", "drop", "users"}) == Int(2));
  CHECK(Contains(h.hooks().sent, Bulk("__keyevent@0__:tabledrop") + Bulk("users:")));
  CHECK(Contains(h.hooks().sent, Bulk("__table@0__:users") + Bulk("tabledrop users:")));
  CHECK(!Contains(h.hooks().sent, Bulk("__keyevent@0__:del")));
  // Nothing is published when nothing was dropped.
  h.hooks().sent.clear();
  CHECK(h.Run({"table", "drop", "users"}) == Int(0));
  CHECK(h.hooks().sent.empty());
}

TEST_CASE("TABLE DROP counts only live keys; expired ones go with the table", "[tables]") {
  Harness h;
  h.SetTime(1'000'000);
  h.Run({"set", "s:1", "a", "PX", "100"});
  h.Run({"set", "s:2", "b", "PX", "100"});
  h.Run({"set", "s:3", "c", "PX", "5000"});
  h.Run({"set", "s:4", "d"});
  h.SetTime(1'000'200);  // s:1 and s:2 are logically expired, not yet reclaimed
  CHECK(h.Run({"table", "drop", "s"}) == Int(2));
  CHECK(h.Run({"dbsize"}) == Int(0));
  CHECK(h.Run({"table", "list"}) == Arr({}));
  // The db's counters stay exact: new keys in the same table start from zero.
  h.Run({"set", "s:1", "a", "PX", "100"});
  CHECK(h.Run({"dbsize"}) == Int(1));
  h.SetTime(1'000'400);
  CHECK(h.Run({"get", "s:1"}) == kNil);
  CHECK(h.Run({"dbsize"}) == Int(0));
}

TEST_CASE("TABLE INFO counts read hits and misses per table", "[tables]") {
  Harness h;
  h.Run({"set", "users:1", "a"});
  h.Run({"set", "orders:1", "a"});
  h.Run({"get", "users:1"});
  h.Run({"get", "users:1"});
  h.Run({"get", "users:2"});
  h.Run({"exists", "orders:1"});
  h.Run({"set", "users:3", "c"});  // writes are not lookups
  std::string info = h.Run({"table", "info", "users"});
  CHECK(Contains(info, Bulk("hits") + Int(2) + Bulk("misses") + Int(1)));
  CHECK(Contains(h.Run({"table", "info", "orders"}), Bulk("hits") + Int(1) + Bulk("misses") +
                                                         Int(0)));
}

TEST_CASE("TABLE errors and HELP", "[tables]") {
  Harness h;
  CHECK(h.Run({"table"}) == Err("ERR wrong number of arguments for 'table' command"));
  CHECK(h.Run({"table", "info"}) == Err("ERR wrong number of arguments for 'table|info' command"));
  CHECK(h.Run({"table", "info", "a", "b"}) ==
        Err("ERR wrong number of arguments for 'table|info' command"));
  CHECK(h.Run({"table", "drop"}) == Err("ERR wrong number of arguments for 'table|drop' command"));
  CHECK(h.Run({"table", "list", "a", "b"}) ==
        Err("ERR wrong number of arguments for 'table|list' command"));
  CHECK(h.Run({"table", "nope"}) == Err("ERR unknown subcommand 'nope'. Try TABLE HELP."));
  CHECK(h.Run({"table", "info", "nosuch"}) == Err("ERR no such table"));
  std::string help = h.Run({"table", "help"});
  CHECK(help.rfind("*10\r\n+TABLE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"
                   "+LIST [<pattern>]\r\n",
                   0) == 0);
  CHECK(Contains(help, "+HELP\r\n+    Prints this help.\r\n"));
}

TEST_CASE("COMMAND DOCS documents TABLE and its subcommands", "[tables]") {
  Harness h;
  std::string docs = h.Run({"command", "docs", "table"});
  CHECK(Contains(docs, Bulk("A container for Brisk table commands: per-table statistics "
                            "(LIST, INFO) and DROP.")));
  CHECK(Contains(docs, Bulk("subcommands") + "*8\r\n"));
  CHECK(Contains(docs, Bulk("table|drop") + "*4\r\n" + Bulk("summary") +
                           Bulk("Deletes every key of a table.")));
}

TEST_CASE("INFO tables: one line per table per db, only on request", "[tables]") {
  Harness h;
  Populate(h);
  h.Run({"expire", "users:1", "100"});
  h.Run({"select", "2"});
  h.Run({"set", "users:1", "a"});
  h.Run({"set", "we#ird:1", "a"});  // '#' prints as '_': 15 + 8 + 1 = 24
  h.Run({"select", "0"});
  const std::string section =
      "# Tables\r\n"
      "db0.:items=1,bytes=24,volatile=0,hits=0,misses=0\r\n"
      "db0.orders:items=1,bytes=24,volatile=0,hits=0,misses=0\r\n"
      "db0.users:items=2,bytes=64,volatile=1,hits=0,misses=0\r\n"
      "db2.users:items=1,bytes=24,volatile=0,hits=0,misses=0\r\n"
      "db2.we_ird:items=1,bytes=24,volatile=0,hits=0,misses=0\r\n";
  CHECK(h.Run({"info", "tables"}) == Bulk(section));
  CHECK(h.Run({"INFO", "TABLES"}) == Bulk(section));
  CHECK_FALSE(Contains(h.Run({"info"}), "# Tables"));
  CHECK_FALSE(Contains(h.Run({"info", "default"}), "# Tables"));
  CHECK(Contains(h.Run({"info", "all"}), "\r\n\r\n" + section));
  CHECK(Contains(h.Run({"info", "everything"}), "\r\n\r\n" + section));
  // INFO keyspace is unchanged.
  CHECK(h.Run({"info", "keyspace"}) == Bulk("# Keyspace\r\ndb0:keys=4,expires=1,avg_ttl=0\r\n"
                                            "db2:keys=2,expires=0,avg_ttl=0\r\n"));
  h.Run({"flushall"});
  CHECK(h.Run({"info", "tables"}) == Bulk("# Tables\r\n"));
}

}  // namespace
}  // namespace brisk::test
