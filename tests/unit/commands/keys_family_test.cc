// Generic keyspace commands against the exact RESP bytes Redis 7 sends.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "commands/arg_parser.h"
#include "harness.h"

namespace brisk::test {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;  // pinned clock, unix ms

const std::string kSyntaxErr = Err("ERR syntax error");
const std::string kNotInt = Err("ERR value is not an integer or out of range");

std::string Arr(std::initializer_list<std::string> items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const auto& i : items) out += i;
  return out;
}

// Decodes a flat RESP array of bulk strings (KEYS, SCAN's inner array).
std::vector<std::string> DecodeBulks(const std::string& resp, size_t* pos) {
  auto line = [&]() {
    size_t end = resp.find("\r\n", *pos);
    std::string l = resp.substr(*pos, end - *pos);
    *pos = end + 2;
    return l;
  };
  std::string head = line();
  REQUIRE(head[0] == '*');
  size_t n = std::stoul(head.substr(1));
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) {
    std::string len = line();
    REQUIRE(len[0] == '$');
    size_t l = std::stoul(len.substr(1));
    out.push_back(resp.substr(*pos, l));
    *pos += l + 2;
  }
  return out;
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

struct Fixture {
  Harness h;
  Fixture() { h.SetTime(kNow); }
  std::string Run(std::initializer_list<std::string_view> args) { return h.Run(args); }
};

TEST_CASE("ArgParser keeps the first error", "[keys][arg_parser]") {
  std::vector<std::string_view> argv = {"cmd", "COUNT", "12", "x", "Tag", "y"};
  cmd::ArgParser p{cmd::CmdArgs(argv)};
  CHECK(p.Remaining() == 5);
  CHECK_FALSE(p.Check("match"));
  CHECK(p.Check("count"));
  CHECK(p.NextInt64() == 12);
  CHECK(p.NextInt64() == 0);  // "x": the first error
  CHECK_FALSE(p.ok());
  CHECK(p.error() == brisk::Err::kNotInteger);
  CHECK_FALSE(p.HasNext());
  CHECK_FALSE(p.Check("tag"));  // consumes nothing after an error
  p.Fail(brisk::Err::kSyntax);
  CHECK(p.error() == brisk::Err::kNotInteger);
  CHECK(p.Next().empty());

  cmd::ArgParser q{cmd::CmdArgs(argv), 4};
  CHECK(q.Check("TAG"));
  CHECK_FALSE(q.Finalize());  // "y" is left over
  CHECK(q.error() == brisk::Err::kSyntax);

  cmd::ArgParser r{cmd::CmdArgs(argv), 2};
  CHECK(r.NextInt64InRange(0, 10) == 0);
  CHECK(r.error() == brisk::Err::kNotInteger);

  cmd::ArgParser s{cmd::CmdArgs(argv), 5};
  CHECK(s.Next() == "y");
  CHECK(s.Next().empty());  // nothing left: syntax error
  CHECK(s.error() == brisk::Err::kSyntax);

  CHECK(brisk::EqualsNoCase("ReplAce", "REPLACE"));
  CHECK_FALSE(brisk::EqualsNoCase("replace", "replac"));
  CHECK_FALSE(brisk::EqualsNoCase(std::string_view("a\0", 2), std::string_view("a\1", 2)));
}

TEST_CASE_METHOD(Fixture, "DEL and UNLINK", "[keys]") {
  CHECK(Run({"del", "a"}) == Int(0));
  CHECK(Run({"mset", "a", "1", "b", "2", "c", "3"}) == kOk);
  CHECK(Run({"del", "a", "b", "a", "nokey"}) == Int(2));
  CHECK(Run({"exists", "a", "b"}) == Int(0));
  CHECK(Run({"unlink", "c", "c"}) == Int(1));
  CHECK(Run({"del"}) == Err("ERR wrong number of arguments for 'del' command"));
}

TEST_CASE_METHOD(Fixture, "EXISTS counts duplicates", "[keys]") {
  CHECK(Run({"set", "a", "1"}) == kOk);
  CHECK(Run({"exists", "a", "a", "b", "a"}) == Int(3));
  CHECK(Run({"exists", "b"}) == Int(0));
}

TEST_CASE_METHOD(Fixture, "TYPE", "[keys]") {
  CHECK(Run({"type", "k"}) == "+none\r\n");
  CHECK(Run({"set", "k", "v"}) == kOk);
  CHECK(Run({"type", "k"}) == "+string\r\n");
  CHECK(Run({"set", "n", "10"}) == kOk);
  CHECK(Run({"type", "n"}) == "+string\r\n");
  h.client().resp = 3;
  CHECK(Run({"type", "k"}) == "+string\r\n");
  CHECK(Run({"type", "x"}) == "+none\r\n");
}

TEST_CASE_METHOD(Fixture, "TOUCH", "[keys]") {
  CHECK(Run({"mset", "a", "1", "b", "2"}) == kOk);
  CHECK(Run({"touch", "a", "b", "c", "a"}) == Int(3));
}

TEST_CASE_METHOD(Fixture, "RENAME and RENAMENX", "[keys]") {
  CHECK(Run({"rename", "a", "b"}) == Err("ERR no such key"));
  CHECK(Run({"renamenx", "a", "b"}) == Err("ERR no such key"));
  CHECK(Run({"rename", "a", "a"}) == Err("ERR no such key"));
  CHECK(Run({"set", "a", "1", "ex", "100"}) == kOk);
  CHECK(Run({"rename", "a", "a"}) == kOk);
  CHECK(Run({"renamenx", "a", "a"}) == Int(0));
  CHECK(Run({"rename", "a", "b"}) == kOk);
  CHECK(Run({"exists", "a"}) == Int(0));
  CHECK(Run({"get", "b"}) == Bulk("1"));
  CHECK(Run({"ttl", "b"}) == Int(100));  // the TTL moves with the key
  CHECK(Run({"set", "c", "3"}) == kOk);
  CHECK(Run({"rename", "c", "b"}) == kOk);  // overwrites, and the TTL goes with c
  CHECK(Run({"get", "b"}) == Bulk("3"));
  CHECK(Run({"ttl", "b"}) == Int(-1));
  CHECK(Run({"set", "d", "4"}) == kOk);
  CHECK(Run({"renamenx", "d", "b"}) == Int(0));
  CHECK(Run({"renamenx", "d", "e"}) == Int(1));
  CHECK(Run({"mget", "d", "e"}) == Arr({kNil, Bulk("4")}));
}

TEST_CASE_METHOD(Fixture, "COPY", "[keys]") {
  CHECK(Run({"copy", "a", "b"}) == Int(0));
  CHECK(Run({"set", "a", "1", "px", "5000"}) == kOk);
  CHECK(Run({"copy", "a", "a"}) == Err("ERR source and destination objects are the same"));
  CHECK(Run({"copy", "a", "a", "db", "0"}) ==
        Err("ERR source and destination objects are the same"));
  CHECK(Run({"copy", "a", "b"}) == Int(1));
  CHECK(Run({"get", "b"}) == Bulk("1"));
  CHECK(Run({"pttl", "b"}) == Int(5000));
  CHECK(Run({"set", "a", "2"}) == kOk);
  CHECK(Run({"copy", "a", "b"}) == Int(0));
  CHECK(Run({"get", "b"}) == Bulk("1"));
  CHECK(Run({"copy", "a", "b", "REPLACE"}) == Int(1));
  CHECK(Run({"get", "b"}) == Bulk("2"));
  CHECK(Run({"pttl", "b"}) == Int(-1));
  // Another db; the same key name is fine there.
  CHECK(Run({"copy", "a", "a", "db", "3"}) == Int(1));
  CHECK(Run({"copy", "a", "a", "db", "3"}) == Int(0));
  h.client().db_index = 3;
  CHECK(Run({"get", "a"}) == Bulk("2"));
  h.client().db_index = 0;
  CHECK(Run({"copy", "a", "b", "db", "16"}) == Err("ERR DB index is out of range"));
  CHECK(Run({"copy", "a", "b", "db", "-1"}) == Err("ERR DB index is out of range"));
  CHECK(Run({"copy", "a", "b", "db", "x"}) == kNotInt);
  CHECK(Run({"copy", "a", "b", "db", "4294967296"}) == kNotInt);
  CHECK(Run({"copy", "a", "b", "db"}) == kSyntaxErr);
  CHECK(Run({"copy", "a", "b", "bogus"}) == kSyntaxErr);
}

TEST_CASE_METHOD(Fixture, "MOVE", "[keys]") {
  CHECK(Run({"move", "a", "1"}) == Int(0));
  CHECK(Run({"set", "a", "1", "ex", "100"}) == kOk);
  CHECK(Run({"move", "a", "0"}) == Err("ERR source and destination objects are the same"));
  CHECK(Run({"move", "a", "16"}) == Err("ERR DB index is out of range"));
  CHECK(Run({"move", "a", "-1"}) == Err("ERR DB index is out of range"));
  CHECK(Run({"move", "a", "one"}) == kNotInt);
  CHECK(Run({"move", "a", "1"}) == Int(1));
  CHECK(Run({"exists", "a"}) == Int(0));
  CHECK(Run({"set", "a", "0"}) == kOk);
  CHECK(Run({"move", "a", "1"}) == Int(0));  // exists in the target
  h.client().db_index = 1;
  CHECK(Run({"get", "a"}) == Bulk("1"));
  CHECK(Run({"ttl", "a"}) == Int(100));
}

TEST_CASE_METHOD(Fixture, "KEYS and RANDOMKEY", "[keys]") {
  CHECK(Run({"keys", "*"}) == "*0\r\n");
  CHECK(Run({"randomkey"}) == kNil);
  CHECK(Run({"mset", "user:1", "a", "user:2", "b", "other", "c", "h?llo", "d"}) == kOk);
  size_t pos = 0;
  CHECK(Sorted(DecodeBulks(Run({"keys", "*"}), &pos)) ==
        std::vector<std::string>{"h?llo", "other", "user:1", "user:2"});
  pos = 0;
  CHECK(Sorted(DecodeBulks(Run({"keys", "user:*"}), &pos)) ==
        std::vector<std::string>{"user:1", "user:2"});
  CHECK(Run({"keys", "h\\?llo"}) == Arr({Bulk("h?llo")}));
  CHECK(Run({"keys", "nothing*"}) == "*0\r\n");
  std::string r = Run({"randomkey"});
  CHECK((r == Bulk("user:1") || r == Bulk("user:2") || r == Bulk("other") || r == Bulk("h?llo")));
  h.client().resp = 3;
  CHECK(Run({"del", "user:1", "user:2", "other", "h?llo"}) == Int(4));
  CHECK(Run({"randomkey"}) == "_\r\n");
}

TEST_CASE_METHOD(Fixture, "SCAN walks every key", "[keys][scan]") {
  std::set<std::string> all;
  for (int i = 0; i < 200; ++i) {
    std::string k = (i % 2 ? "t:" : "k") + std::to_string(i);
    CHECK(h.Run({"set", k, "v"}) == kOk);
    all.insert(k);
  }
  std::set<std::string> seen, seen_t;
  std::string cursor = "0";
  int rounds = 0;
  do {
    std::string r = h.Run({"scan", cursor, "count", "7"});
    REQUIRE(r.rfind("*2\r\n$", 0) == 0);
    size_t pos = 4;
    size_t nl = r.find("\r\n", pos);
    size_t len = std::stoul(r.substr(pos + 1, nl - pos - 1));
    cursor = r.substr(nl + 2, len);
    pos = nl + 2 + len + 2;
    for (auto& k : DecodeBulks(r, &pos)) seen.insert(k);
    REQUIRE(++rounds < 10000);
  } while (cursor != "0");
  CHECK(seen == all);

  cursor = "0";
  do {
    std::string r = h.Run({"SCAN", cursor, "MATCH", "t:*", "COUNT", "1000"});
    size_t nl = r.find("\r\n", 4);
    size_t len = std::stoul(r.substr(5, nl - 5));
    cursor = r.substr(nl + 2, len);
    size_t pos = nl + 2 + len + 2;
    for (auto& k : DecodeBulks(r, &pos)) seen_t.insert(k);
  } while (cursor != "0");
  CHECK(seen_t.size() == 100);
  for (const auto& k : seen_t) CHECK(k.rfind("t:", 0) == 0);
}

TEST_CASE_METHOD(Fixture, "SCAN options and errors", "[keys][scan]") {
  CHECK(Run({"scan", "0"}) == Arr({Bulk("0"), "*0\r\n"}));
  CHECK(Run({"set", "k", "v"}) == kOk);
  CHECK(Run({"scan", "0", "count", "100"}) == Arr({Bulk("0"), Arr({Bulk("k")})}));
  CHECK(Run({"scan", "0", "type", "string"}) == Arr({Bulk("0"), Arr({Bulk("k")})}));
  CHECK(Run({"scan", "0", "type", "STRING"}) == Arr({Bulk("0"), Arr({Bulk("k")})}));
  CHECK(Run({"scan", "0", "type", "list"}) == Arr({Bulk("0"), "*0\r\n"}));
  CHECK(Run({"scan", "0", "type", "nosuchtype"}) == Arr({Bulk("0"), "*0\r\n"}));
  CHECK(Run({"scan", "0", "match", "*"}) == Arr({Bulk("0"), Arr({Bulk("k")})}));
  CHECK(Run({"scan", "0", "match", "x*"}) == Arr({Bulk("0"), "*0\r\n"}));
  CHECK(Run({"scan", "x"}) == Err("ERR invalid cursor"));
  CHECK(Run({"scan", " 0"}) == Err("ERR invalid cursor"));
  CHECK(Run({"scan", "0x"}) == Err("ERR invalid cursor"));
  CHECK(Run({"scan", "18446744073709551616"}) == Err("ERR invalid cursor"));
  CHECK(Run({"scan", "0", "count", "0"}) == kSyntaxErr);
  CHECK(Run({"scan", "0", "count", "-1"}) == kSyntaxErr);
  CHECK(Run({"scan", "0", "count", "x"}) == kNotInt);
  CHECK(Run({"scan", "0", "count"}) == kSyntaxErr);
  CHECK(Run({"scan", "0", "match"}) == kSyntaxErr);
  CHECK(Run({"scan", "0", "bogus", "1"}) == kSyntaxErr);
}

TEST_CASE_METHOD(Fixture, "EXPIRE PEXPIRE EXPIREAT PEXPIREAT", "[keys][ttl]") {
  CHECK(Run({"expire", "k", "100"}) == Int(0));
  CHECK(Run({"set", "k", "v"}) == kOk);
  CHECK(Run({"expire", "k", "100"}) == Int(1));
  CHECK(Run({"ttl", "k"}) == Int(100));
  CHECK(Run({"pttl", "k"}) == Int(100000));
  CHECK(Run({"pexpire", "k", "1234"}) == Int(1));
  CHECK(Run({"pttl", "k"}) == Int(1234));
  CHECK(Run({"ttl", "k"}) == Int(1));
  CHECK(Run({"expireat", "k", "1700000050"}) == Int(1));
  CHECK(Run({"ttl", "k"}) == Int(50));
  CHECK(Run({"expiretime", "k"}) == Int(1700000050));
  CHECK(Run({"pexpiretime", "k"}) == Int(1700000050000));
  CHECK(Run({"pexpireat", "k", "1700000000777"}) == Int(1));
  CHECK(Run({"pttl", "k"}) == Int(777));
  CHECK(Run({"pexpiretime", "k"}) == Int(1700000000777));
  CHECK(Run({"expiretime", "k"}) == Int(1700000001));
  // The key goes away at the deadline.
  h.SetTime(kNow + 777);
  CHECK(Run({"get", "k"}) == kNil);
  CHECK(Run({"ttl", "k"}) == Int(-2));
}

TEST_CASE_METHOD(Fixture, "EXPIRE in the past deletes", "[keys][ttl]") {
  CHECK(Run({"mset", "a", "1", "b", "2", "c", "3", "d", "4"}) == kOk);
  CHECK(Run({"expire", "a", "-1"}) == Int(1));
  CHECK(Run({"pexpire", "b", "0"}) == Int(1));
  CHECK(Run({"expireat", "c", "1000"}) == Int(1));
  CHECK(Run({"pexpireat", "d", "1700000000000"}) == Int(1));  // == now is past
  CHECK(Run({"exists", "a", "b", "c", "d"}) == Int(0));
  CHECK(h.keyspace().db(0).size() == 0);
}

TEST_CASE_METHOD(Fixture, "EXPIRE NX XX GT LT", "[keys][ttl]") {
  CHECK(Run({"set", "k", "v"}) == kOk);
  CHECK(Run({"expire", "k", "100", "xx"}) == Int(0));
  CHECK(Run({"expire", "k", "100", "gt"}) == Int(0));  // no TTL = infinite
  CHECK(Run({"ttl", "k"}) == Int(-1));
  CHECK(Run({"expire", "k", "100", "lt"}) == Int(1));
  CHECK(Run({"expire", "k", "200", "nx"}) == Int(0));
  CHECK(Run({"expire", "k", "200", "XX"}) == Int(1));
  CHECK(Run({"expire", "k", "100", "gt"}) == Int(0));
  CHECK(Run({"expire", "k", "200", "gt"}) == Int(0));
  CHECK(Run({"expire", "k", "300", "GT"}) == Int(1));
  CHECK(Run({"expire", "k", "400", "lt"}) == Int(0));
  CHECK(Run({"expire", "k", "300", "lt"}) == Int(0));
  CHECK(Run({"expire", "k", "50", "lt", "xx"}) == Int(1));
  CHECK(Run({"ttl", "k"}) == Int(50));
  CHECK(Run({"persist", "k"}) == Int(1));
  CHECK(Run({"expire", "k", "10", "nx"}) == Int(1));
  CHECK(Run({"ttl", "k"}) == Int(10));
}

TEST_CASE_METHOD(Fixture, "EXPIRE option and range errors", "[keys][ttl]") {
  CHECK(Run({"set", "k", "v"}) == kOk);
  const std::string nx_err =
      Err("ERR NX and XX, GT or LT options at the same time are not compatible");
  CHECK(Run({"expire", "k", "10", "nx", "xx"}) == nx_err);
  CHECK(Run({"expire", "k", "10", "nx", "gt"}) == nx_err);
  CHECK(Run({"expire", "k", "10", "lt", "nx"}) == nx_err);
  CHECK(Run({"expire", "k", "10", "gt", "lt"}) ==
        Err("ERR GT and LT options at the same time are not compatible"));
  CHECK(Run({"expire", "k", "10", "gt", "xx"}) == Int(0));
  CHECK(Run({"expire", "k", "10", "bogus"}) == Err("ERR Unsupported option bogus"));
  CHECK(Run({"pexpire", "k", "10", "nx", "Foo"}) == Err("ERR Unsupported option Foo"));
  CHECK(Run({"expire", "k", "ten"}) == kNotInt);
  CHECK(Run({"expire", "k", "9223372036854776"}) ==
        Err("ERR invalid expire time in 'expire' command"));
  CHECK(Run({"expire", "k", "-9223372036854776"}) ==
        Err("ERR invalid expire time in 'expire' command"));
  CHECK(Run({"pexpire", "k", "9223372036854775807"}) ==
        Err("ERR invalid expire time in 'pexpire' command"));
  CHECK(Run({"expireat", "k", "9223372036854776"}) ==
        Err("ERR invalid expire time in 'expireat' command"));
  CHECK(Run({"pexpireat", "k", "9223372036854775807"}) == Int(1));  // no overflow: absolute
  CHECK(Run({"pttl", "k"}) == Int(9223372036854775807 - kNow));
  CHECK(Run({"expire", "k"}) == Err("ERR wrong number of arguments for 'expire' command"));
}

TEST_CASE_METHOD(Fixture, "TTL and PTTL rounding", "[keys][ttl]") {
  CHECK(Run({"ttl", "k"}) == Int(-2));
  CHECK(Run({"pttl", "k"}) == Int(-2));
  CHECK(Run({"expiretime", "k"}) == Int(-2));
  CHECK(Run({"pexpiretime", "k"}) == Int(-2));
  CHECK(Run({"set", "k", "v"}) == kOk);
  CHECK(Run({"ttl", "k"}) == Int(-1));
  CHECK(Run({"pttl", "k"}) == Int(-1));
  CHECK(Run({"expiretime", "k"}) == Int(-1));
  CHECK(Run({"pexpiretime", "k"}) == Int(-1));
  CHECK(Run({"pexpire", "k", "1499"}) == Int(1));
  CHECK(Run({"ttl", "k"}) == Int(1));
  CHECK(Run({"pexpire", "k", "1500"}) == Int(1));
  CHECK(Run({"ttl", "k"}) == Int(2));
  CHECK(Run({"pexpire", "k", "499"}) == Int(1));
  CHECK(Run({"ttl", "k"}) == Int(0));
  CHECK(Run({"pttl", "k"}) == Int(499));
  h.SetTime(kNow + 498);
  CHECK(Run({"pttl", "k"}) == Int(1));
}

TEST_CASE_METHOD(Fixture, "PERSIST", "[keys][ttl]") {
  CHECK(Run({"persist", "k"}) == Int(0));
  CHECK(Run({"set", "k", "v"}) == kOk);
  CHECK(Run({"persist", "k"}) == Int(0));
  CHECK(Run({"expire", "k", "100"}) == Int(1));
  CHECK(Run({"persist", "k"}) == Int(1));
  CHECK(Run({"ttl", "k"}) == Int(-1));
}

TEST_CASE_METHOD(Fixture, "expired keys are gone for every command", "[keys][ttl]") {
  CHECK(Run({"set", "k", "v", "px", "10"}) == kOk);
  h.SetTime(kNow + 10);
  CHECK(Run({"exists", "k"}) == Int(0));
  CHECK(Run({"type", "k"}) == "+none\r\n");
  CHECK(Run({"ttl", "k"}) == Int(-2));
  CHECK(Run({"rename", "k", "j"}) == Err("ERR no such key"));
  CHECK(Run({"del", "k"}) == Int(0));
  CHECK(Run({"keys", "*"}) == "*0\r\n");
}

TEST_CASE_METHOD(Fixture, "DEL and EXPIRE dirty a WATCH", "[keys]") {
  CHECK(Run({"set", "k", "1"}) == kOk);
  CHECK(Run({"watch", "k"}) == kOk);
  CHECK(Run({"expire", "k", "100"}) == Int(1));
  CHECK(Run({"multi"}) == kOk);
  CHECK(Run({"exec"}) == "*-1\r\n");
  CHECK(Run({"watch", "k"}) == kOk);
  CHECK(Run({"del", "k"}) == Int(1));
  CHECK(Run({"multi"}) == kOk);
  CHECK(Run({"exec"}) == "*-1\r\n");
}

}  // namespace
}  // namespace brisk::test
