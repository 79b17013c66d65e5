// String commands against the exact RESP bytes Redis 7 sends.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "harness.h"

namespace brisk::test {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;  // pinned clock, unix ms

const std::string kSyntaxErr = Err("ERR syntax error");
const std::string kNotInt = Err("ERR value is not an integer or out of range");
const std::string kNotFloat = Err("ERR value is not a valid float");
const std::string kEmpty = "$0\r\n\r\n";

std::string Arr(std::initializer_list<std::string> items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const auto& i : items) out += i;
  return out;
}

struct Fixture {
  Harness h;
  Fixture() { h.SetTime(kNow); }
  std::string Run(std::initializer_list<std::string_view> args) { return h.Run(args); }
};

TEST_CASE_METHOD(Fixture, "GET and SET basics", "[string]") {
  CHECK(Run({"get", "k"}) == kNil);
  CHECK(Run({"set", "k", "v"}) == kOk);
  CHECK(Run({"GET", "k"}) == Bulk("v"));
  CHECK(Run({"set", "k", "v2"}) == kOk);
  CHECK(Run({"get", "k"}) == Bulk("v2"));
  CHECK(Run({"get"}) == Err("ERR wrong number of arguments for 'get' command"));
  CHECK(Run({"set", "k"}) == Err("ERR wrong number of arguments for 'set' command"));
}

TEST_CASE_METHOD(Fixture, "binary-safe keys and values", "[string]") {
  std::string value("a\0b\r\nc", 6);
  std::string key("k\0\r\n", 4);
  CHECK(h.Run({"set", key, value}) == kOk);
  CHECK(h.Run({"get", key}) == "$6\r\n" + value + "\r\n");
  CHECK(h.Run({"strlen", key}) == Int(6));
  CHECK(Run({"set", "", ""}) == kOk);
  CHECK(Run({"get", ""}) == kEmpty);
  CHECK(Run({"exists", ""}) == Int(1));
}

TEST_CASE_METHOD(Fixture, "integers round-trip as strings", "[string]") {
  CHECK(Run({"set", "n", "12345"}) == kOk);
  CHECK(Run({"get", "n"}) == Bulk("12345"));
  CHECK(Run({"set", "n", "-9223372036854775808"}) == kOk);
  CHECK(Run({"get", "n"}) == Bulk("-9223372036854775808"));
  CHECK(Run({"set", "n", "007"}) == kOk);
  CHECK(Run({"get", "n"}) == Bulk("007"));
  CHECK(Run({"strlen", "n"}) == Int(3));
}

TEST_CASE_METHOD(Fixture, "SET NX / XX", "[string]") {
  CHECK(Run({"set", "k", "v", "xx"}) == kNil);
  CHECK(Run({"get", "k"}) == kNil);
  CHECK(Run({"set", "k", "v", "nx"}) == kOk);
  CHECK(Run({"set", "k", "w", "NX"}) == kNil);
  CHECK(Run({"get", "k"}) == Bulk("v"));
  CHECK(Run({"set", "k", "w", "XX"}) == kOk);
  CHECK(Run({"get", "k"}) == Bulk("w"));
  CHECK(Run({"set", "k", "w", "nx", "xx"}) == kSyntaxErr);
  CHECK(Run({"set", "k", "w", "xx", "nx"}) == kSyntaxErr);
  CHECK(Run({"set", "k", "w", "nx", "nx"}) == kNil);  // repeating is allowed
}

TEST_CASE_METHOD(Fixture, "SET NX abort reply is RESP3 null", "[string][resp3]") {
  h.client().resp = 3;
  CHECK(Run({"set", "k", "v"}) == kOk);
  CHECK(Run({"set", "k", "v", "nx"}) == "_\r\n");
  CHECK(Run({"get", "missing"}) == "_\r\n");
  CHECK(Run({"set", "k2", "v", "get"}) == "_\r\n");
}

TEST_CASE_METHOD(Fixture, "SET GET", "[string]") {
  CHECK(Run({"set", "k", "v1", "get"}) == kNil);
  CHECK(Run({"get", "k"}) == Bulk("v1"));
  CHECK(Run({"set", "k", "v2", "GET"}) == Bulk("v1"));
  CHECK(Run({"get", "k"}) == Bulk("v2"));
  // NX + GET (allowed since 7.0): returns the old value and does not set.
  CHECK(Run({"set", "k", "v3", "nx", "get"}) == Bulk("v2"));
  CHECK(Run({"get", "k"}) == Bulk("v2"));
  CHECK(Run({"set", "new", "v", "nx", "get"}) == kNil);
  CHECK(Run({"get", "new"}) == Bulk("v"));
  CHECK(Run({"set", "nokey", "v", "xx", "get"}) == kNil);
  CHECK(Run({"exists", "nokey"}) == Int(0));
}

TEST_CASE_METHOD(Fixture, "SET with expiry options", "[string][ttl]") {
  CHECK(Run({"set", "k", "v", "ex", "10"}) == kOk);
  CHECK(Run({"pttl", "k"}) == Int(10000));
  CHECK(Run({"set", "k", "v", "px", "1500"}) == kOk);
  CHECK(Run({"pttl", "k"}) == Int(1500));
  CHECK(Run({"set", "k", "v", "exat", "1700000100"}) == kOk);
  CHECK(Run({"pttl", "k"}) == Int(100000));
  CHECK(Run({"set", "k", "v", "pxat", "1700000000500"}) == kOk);
  CHECK(Run({"pttl", "k"}) == Int(500));
  CHECK(Run({"expiretime", "k"}) == Int(1700000001));
  // A plain SET clears the TTL; KEEPTTL keeps it.
  CHECK(Run({"set", "k", "v", "px", "5000"}) == kOk);
  CHECK(Run({"set", "k", "v2", "keepttl"}) == kOk);
  CHECK(Run({"pttl", "k"}) == Int(5000));
  CHECK(Run({"get", "k"}) == Bulk("v2"));
  CHECK(Run({"set", "k", "v3"}) == kOk);
  CHECK(Run({"ttl", "k"}) == Int(-1));
  // The key really expires.
  CHECK(Run({"set", "k", "v", "px", "100"}) == kOk);
  h.SetTime(kNow + 100);
  CHECK(Run({"get", "k"}) == kNil);
}

TEST_CASE_METHOD(Fixture, "SET option conflicts and bad expire times", "[string][ttl]") {
  CHECK(Run({"set", "k", "v", "ex", "10", "px", "100"}) == kSyntaxErr);
  CHECK(Run({"set", "k", "v", "ex", "10", "keepttl"}) == kSyntaxErr);
  CHECK(Run({"set", "k", "v", "keepttl", "exat", "10"}) == kSyntaxErr);
  CHECK(Run({"set", "k", "v", "pxat", "10", "exat", "10"}) == kSyntaxErr);
  CHECK(Run({"set", "k", "v", "ex"}) == kSyntaxErr);
  CHECK(Run({"set", "k", "v", "persist"}) == kSyntaxErr);
  CHECK(Run({"set", "k", "v", "bogus"}) == kSyntaxErr);
  CHECK(Run({"set", "k", "v", "ex", "abc"}) == kNotInt);
  const std::string invalid = Err("ERR invalid expire time in 'set' command");
  CHECK(Run({"set", "k", "v", "ex", "0"}) == invalid);
  CHECK(Run({"set", "k", "v", "px", "-1"}) == invalid);
  CHECK(Run({"set", "k", "v", "ex", "9223372036854775"}) == invalid);  // * 1000 + now overflows
  CHECK(Run({"set", "k", "v", "ex", "9223372036854776"}) == invalid);  // * 1000 overflows
  CHECK(Run({"set", "k", "v", "px", "9223372036854775807"}) == invalid);
  CHECK(Run({"set", "k", "v", "pxat", "0"}) == invalid);
  CHECK(Run({"exists", "k"}) == Int(0));
  CHECK(Run({"SET", "k", "v", "EX", "10", "EX", "20"}) == kOk);  // the same option twice: last wins
  CHECK(Run({"ttl", "k"}) == Int(20));
}

TEST_CASE_METHOD(Fixture, "SET EXAT in the past stores an expired key", "[string][ttl]") {
  CHECK(Run({"set", "k", "v", "exat", "1"}) == kOk);
  CHECK(Run({"get", "k"}) == kNil);
}

TEST_CASE_METHOD(Fixture, "SETNX SETEX PSETEX", "[string]") {
  CHECK(Run({"setnx", "k", "v"}) == Int(1));
  CHECK(Run({"setnx", "k", "w"}) == Int(0));
  CHECK(Run({"get", "k"}) == Bulk("v"));
  CHECK(Run({"setex", "k", "100", "x"}) == kOk);
  CHECK(Run({"ttl", "k"}) == Int(100));
  CHECK(Run({"get", "k"}) == Bulk("x"));
  CHECK(Run({"psetex", "k", "2500", "y"}) == kOk);
  CHECK(Run({"pttl", "k"}) == Int(2500));
  CHECK(Run({"setex", "k", "0", "x"}) == Err("ERR invalid expire time in 'setex' command"));
  CHECK(Run({"setex", "k", "-5", "x"}) == Err("ERR invalid expire time in 'setex' command"));
  CHECK(Run({"psetex", "k", "0", "x"}) == Err("ERR invalid expire time in 'psetex' command"));
  CHECK(Run({"setex", "k", "ten", "x"}) == kNotInt);
  CHECK(Run({"setex", "k", "10"}) == Err("ERR wrong number of arguments for 'setex' command"));
}

TEST_CASE_METHOD(Fixture, "GETSET and GETDEL", "[string]") {
  CHECK(Run({"getset", "k", "a"}) == kNil);
  CHECK(Run({"getset", "k", "b"}) == Bulk("a"));
  CHECK(Run({"get", "k"}) == Bulk("b"));
  CHECK(Run({"expire", "k", "100"}) == Int(1));
  CHECK(Run({"getset", "k", "c"}) == Bulk("b"));
  CHECK(Run({"ttl", "k"}) == Int(-1));  // GETSET drops the TTL
  CHECK(Run({"getdel", "k"}) == Bulk("c"));
  CHECK(Run({"getdel", "k"}) == kNil);
  CHECK(Run({"exists", "k"}) == Int(0));
}

TEST_CASE_METHOD(Fixture, "GETEX", "[string][ttl]") {
  CHECK(Run({"getex", "k"}) == kNil);
  CHECK(Run({"getex", "k", "ex", "10"}) == kNil);
  CHECK(Run({"set", "k", "v"}) == kOk);
  CHECK(Run({"getex", "k"}) == Bulk("v"));
  CHECK(Run({"ttl", "k"}) == Int(-1));
  CHECK(Run({"getex", "k", "ex", "100"}) == Bulk("v"));
  CHECK(Run({"ttl", "k"}) == Int(100));
  CHECK(Run({"getex", "k", "px", "500"}) == Bulk("v"));
  CHECK(Run({"pttl", "k"}) == Int(500));
  CHECK(Run({"getex", "k", "exat", "1700000200"}) == Bulk("v"));
  CHECK(Run({"ttl", "k"}) == Int(200));
  CHECK(Run({"getex", "k", "pxat", "1700000000700"}) == Bulk("v"));
  CHECK(Run({"pttl", "k"}) == Int(700));
  CHECK(Run({"getex", "k", "persist"}) == Bulk("v"));
  CHECK(Run({"ttl", "k"}) == Int(-1));
  CHECK(Run({"getex", "k", "persist"}) == Bulk("v"));
  // An absolute deadline in the past deletes the key after replying its value.
  CHECK(Run({"getex", "k", "pxat", "1000"}) == Bulk("v"));
  CHECK(Run({"exists", "k"}) == Int(0));
}

TEST_CASE_METHOD(Fixture, "GETEX errors", "[string][ttl]") {
  CHECK(Run({"set", "k", "v"}) == kOk);
  CHECK(Run({"getex", "k", "ex", "10", "persist"}) == kSyntaxErr);
  CHECK(Run({"getex", "k", "persist", "px", "10"}) == kSyntaxErr);
  CHECK(Run({"getex", "k", "ex", "10", "px", "10"}) == kSyntaxErr);
  CHECK(Run({"getex", "k", "keepttl"}) == kSyntaxErr);
  CHECK(Run({"getex", "k", "nx"}) == kSyntaxErr);
  CHECK(Run({"getex", "k", "get"}) == kSyntaxErr);
  CHECK(Run({"getex", "k", "ex"}) == kSyntaxErr);
  CHECK(Run({"getex", "k", "ex", "x"}) == kNotInt);
  CHECK(Run({"getex", "k", "ex", "0"}) == Err("ERR invalid expire time in 'getex' command"));
  CHECK(Run({"getex", "k", "pxat", "-1"}) == Err("ERR invalid expire time in 'getex' command"));
  CHECK(Run({"ttl", "k"}) == Int(-1));
  // A missing key answers null before the expire time is validated.
  CHECK(Run({"getex", "nokey", "ex", "0"}) == kNil);
}

TEST_CASE_METHOD(Fixture, "MGET MSET MSETNX", "[string]") {
  CHECK(Run({"mset", "a", "1", "b", "2"}) == kOk);
  CHECK(Run({"mget", "a", "nokey", "b", "a"}) == Arr({Bulk("1"), kNil, Bulk("2"), Bulk("1")}));
  CHECK(Run({"mset", "a", "1", "b"}) == Err("ERR wrong number of arguments for 'mset' command"));
  CHECK(Run({"MSET", "a"}) == Err("ERR wrong number of arguments for 'mset' command"));
  CHECK(Run({"msetnx", "c", "3", "a", "x"}) == Int(0));
  CHECK(Run({"exists", "c"}) == Int(0));
  CHECK(Run({"msetnx", "c", "3", "d", "4"}) == Int(1));
  CHECK(Run({"mget", "c", "d"}) == Arr({Bulk("3"), Bulk("4")}));
  CHECK(Run({"msetnx", "e", "5", "f"}) ==
        Err("ERR wrong number of arguments for 'msetnx' command"));
  // MSET drops TTLs; duplicate keys: last wins.
  CHECK(Run({"expire", "a", "100"}) == Int(1));
  CHECK(Run({"mset", "a", "x", "a", "y"}) == kOk);
  CHECK(Run({"get", "a"}) == Bulk("y"));
  CHECK(Run({"ttl", "a"}) == Int(-1));
}

TEST_CASE_METHOD(Fixture, "MGET in RESP3", "[string][resp3]") {
  h.client().resp = 3;
  CHECK(Run({"set", "a", "1"}) == kOk);
  CHECK(Run({"mget", "a", "b"}) == Arr({Bulk("1"), "_\r\n"}));
}

TEST_CASE_METHOD(Fixture, "INCR DECR INCRBY DECRBY", "[string][counter]") {
  CHECK(Run({"incr", "n"}) == Int(1));
  CHECK(Run({"incr", "n"}) == Int(2));
  CHECK(Run({"decr", "n"}) == Int(1));
  CHECK(Run({"incrby", "n", "100"}) == Int(101));
  CHECK(Run({"incrby", "n", "-200"}) == Int(-99));
  CHECK(Run({"decrby", "n", "-9"}) == Int(-90));
  CHECK(Run({"decrby", "n", "10"}) == Int(-100));
  CHECK(Run({"get", "n"}) == Bulk("-100"));
  CHECK(Run({"decr", "m"}) == Int(-1));
  CHECK(Run({"set", "s", "10"}) == kOk);
  CHECK(Run({"incr", "s"}) == Int(11));
  CHECK(Run({"get", "s"}) == Bulk("11"));
}

TEST_CASE_METHOD(Fixture, "INCR errors and overflow", "[string][counter]") {
  CHECK(Run({"set", "s", "abc"}) == kOk);
  CHECK(Run({"incr", "s"}) == kNotInt);
  CHECK(Run({"set", "s", " 1"}) == kOk);
  CHECK(Run({"incr", "s"}) == kNotInt);
  CHECK(Run({"set", "s", "01"}) == kOk);
  CHECK(Run({"incr", "s"}) == kNotInt);
  CHECK(Run({"set", "s", "9223372036854775808"}) == kOk);
  CHECK(Run({"incr", "s"}) == kNotInt);
  CHECK(Run({"incrby", "n", "x"}) == kNotInt);
  CHECK(Run({"incrby", "n", "1.5"}) == kNotInt);
  CHECK(Run({"decrby", "n", ""}) == kNotInt);

  const std::string overflow = Err("ERR increment or decrement would overflow");
  CHECK(Run({"set", "n", "9223372036854775806"}) == kOk);
  CHECK(Run({"incr", "n"}) == Int(INT64_MAX));
  CHECK(Run({"incr", "n"}) == overflow);
  CHECK(Run({"incrby", "n", "9223372036854775807"}) == overflow);
  CHECK(Run({"get", "n"}) == Bulk("9223372036854775807"));
  CHECK(Run({"set", "n", "-9223372036854775807"}) == kOk);
  CHECK(Run({"decr", "n"}) == Int(INT64_MIN));
  CHECK(Run({"decr", "n"}) == overflow);
  CHECK(Run({"incrby", "n", "-1"}) == overflow);
  CHECK(Run({"decrby", "z", "-9223372036854775808"}) == Err("ERR decrement would overflow"));
  CHECK(Run({"decrby", "z", "-9223372036854775807"}) == Int(INT64_MAX));
  CHECK(Run({"incrby", "y", "-9223372036854775808"}) == Int(INT64_MIN));
}

TEST_CASE_METHOD(Fixture, "INCR keeps the TTL", "[string][counter][ttl]") {
  CHECK(Run({"set", "n", "1", "ex", "100"}) == kOk);
  CHECK(Run({"incr", "n"}) == Int(2));
  CHECK(Run({"ttl", "n"}) == Int(100));
  CHECK(Run({"incrbyfloat", "n", "0.5"}) == Bulk("2.5"));
  CHECK(Run({"ttl", "n"}) == Int(100));
}

TEST_CASE_METHOD(Fixture, "INCRBYFLOAT", "[string][counter]") {
  CHECK(Run({"incrbyfloat", "f", "10.5"}) == Bulk("10.5"));
  CHECK(Run({"incrbyfloat", "f", "0.1"}) == Bulk("10.6"));
  CHECK(Run({"incrbyfloat", "f", "-5"}) == Bulk("5.6"));
  CHECK(Run({"set", "f", "5.0e3"}) == kOk);
  CHECK(Run({"incrbyfloat", "f", "2.0e2"}) == Bulk("5200"));
  CHECK(Run({"get", "f"}) == Bulk("5200"));
  CHECK(Run({"set", "i", "3"}) == kOk);
  CHECK(Run({"incrbyfloat", "i", "1.5"}) == Bulk("4.5"));
  CHECK(Run({"incrbyfloat", "i", "-4.5"}) == Bulk("0"));
  CHECK(Run({"incrbyfloat", "i", "abc"}) == kNotFloat);
  CHECK(Run({"incrbyfloat", "i", ""}) == kNotFloat);
  CHECK(Run({"incrbyfloat", "i", " 1"}) == kNotFloat);
  CHECK(Run({"incrbyfloat", "i", "nan"}) == kNotFloat);
  CHECK(Run({"set", "s", "x"}) == kOk);
  CHECK(Run({"incrbyfloat", "s", "1"}) == kNotFloat);
  CHECK(Run({"incrbyfloat", "i", "inf"}) == Err("ERR increment would produce NaN or Infinity"));
  CHECK(Run({"get", "i"}) == Bulk("0"));
}

TEST_CASE_METHOD(Fixture, "APPEND and STRLEN", "[string]") {
  CHECK(Run({"strlen", "k"}) == Int(0));
  CHECK(Run({"append", "k", "hello"}) == Int(5));
  CHECK(Run({"append", "k", " world"}) == Int(11));
  CHECK(Run({"get", "k"}) == Bulk("hello world"));
  CHECK(Run({"strlen", "k"}) == Int(11));
  CHECK(Run({"append", "k", ""}) == Int(11));
  CHECK(Run({"set", "n", "12"}) == kOk);
  CHECK(Run({"append", "n", "34"}) == Int(4));
  CHECK(Run({"get", "n"}) == Bulk("1234"));
  CHECK(Run({"incr", "n"}) == Int(1235));
  CHECK(Run({"strlen", "n"}) == Int(4));
  CHECK(Run({"append", "e", ""}) == Int(0));
  CHECK(Run({"exists", "e"}) == Int(1));
}

TEST_CASE_METHOD(Fixture, "APPEND respects proto-max-bulk-len", "[string]") {
  h.config().proto_max_bulk_len = 8;
  CHECK(Run({"append", "k", "12345"}) == Int(5));
  CHECK(Run({"append", "k", "678"}) == Int(8));
  CHECK(Run({"append", "k", "9"}) ==
        Err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
  CHECK(Run({"get", "k"}) == Bulk("12345678"));
}

TEST_CASE_METHOD(Fixture, "GETRANGE and SUBSTR", "[string]") {
  CHECK(Run({"getrange", "k", "0", "-1"}) == kEmpty);
  CHECK(Run({"set", "k", "This is a string"}) == kOk);
  CHECK(Run({"getrange", "k", "0", "3"}) == Bulk("This"));
  CHECK(Run({"getrange", "k", "-3", "-1"}) == Bulk("ing"));
  CHECK(Run({"getrange", "k", "0", "-1"}) == Bulk("This is a string"));
  CHECK(Run({"getrange", "k", "10", "100"}) == Bulk("string"));
  CHECK(Run({"getrange", "k", "5", "3"}) == kEmpty);
  CHECK(Run({"getrange", "k", "-1", "-5"}) == kEmpty);
  CHECK(Run({"getrange", "k", "-100", "-100"}) == Bulk("T"));
  CHECK(Run({"getrange", "k", "100", "200"}) == kEmpty);
  CHECK(Run({"substr", "k", "0", "3"}) == Bulk("This"));
  CHECK(Run({"getrange", "k", "a", "3"}) == kNotInt);
  CHECK(Run({"getrange", "k", "0", "9223372036854775808"}) == kNotInt);
  CHECK(Run({"getrange", "k", "0", "9223372036854775807"}) == Bulk("This is a string"));
  CHECK(Run({"set", "n", "-12345"}) == kOk);
  CHECK(Run({"getrange", "n", "1", "2"}) == Bulk("12"));
  CHECK(Run({"set", "e", ""}) == kOk);
  CHECK(Run({"getrange", "e", "0", "-1"}) == kEmpty);
}

TEST_CASE_METHOD(Fixture, "SETRANGE", "[string]") {
  CHECK(Run({"setrange", "k", "0", ""}) == Int(0));
  CHECK(Run({"exists", "k"}) == Int(0));
  CHECK(Run({"setrange", "k", "3", "abc"}) == Int(6));
  CHECK(Run({"get", "k"}) == Bulk(std::string("\0\0\0abc", 6)));
  CHECK(Run({"set", "k", "Hello World"}) == kOk);
  CHECK(Run({"setrange", "k", "6", "Redis"}) == Int(11));
  CHECK(Run({"get", "k"}) == Bulk("Hello Redis"));
  CHECK(Run({"setrange", "k", "100", ""}) == Int(11));
  CHECK(Run({"setrange", "k", "-1", "x"}) == Err("ERR offset is out of range"));
  CHECK(Run({"setrange", "k", "x", "x"}) == kNotInt);
  const std::string too_big = Err("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
  CHECK(Run({"setrange", "k", "536870911", "ab"}) == too_big);
  CHECK(Run({"setrange", "new", "536870912", "a"}) == too_big);
  CHECK(Run({"setrange", "new", "9223372036854775807", "a"}) == too_big);
  CHECK(Run({"exists", "new"}) == Int(0));
  CHECK(Run({"set", "n", "1234"}) == kOk);
  CHECK(Run({"setrange", "n", "1", "x"}) == Int(4));
  CHECK(Run({"get", "n"}) == Bulk("1x34"));
}

TEST_CASE_METHOD(Fixture, "LCS", "[string][lcs]") {
  CHECK(Run({"mset", "key1", "ohmytext", "key2", "mynewtext"}) == kOk);
  CHECK(Run({"lcs", "key1", "key2"}) == Bulk("mytext"));
  CHECK(Run({"lcs", "key1", "key2", "len"}) == Int(6));
  CHECK(Run({"lcs", "key1", "key2", "idx"}) ==
        Arr({Bulk("matches"),
             Arr({Arr({Arr({Int(4), Int(7)}), Arr({Int(5), Int(8)})}),
                  Arr({Arr({Int(2), Int(3)}), Arr({Int(0), Int(1)})})}),
             Bulk("len"), Int(6)}));
  CHECK(Run({"lcs", "key1", "key2", "idx", "minmatchlen", "4", "withmatchlen"}) ==
        Arr({Bulk("matches"), Arr({Arr({Arr({Int(4), Int(7)}), Arr({Int(5), Int(8)}), Int(4)})}),
             Bulk("len"), Int(6)}));
  CHECK(Run({"lcs", "key1", "nokey"}) == kEmpty);
  CHECK(Run({"lcs", "nokey", "nokey2", "len"}) == Int(0));
  CHECK(Run({"lcs", "key1", "key2", "len", "idx"}) ==
        Err("ERR If you want both the length and indexes, please just use IDX."));
  CHECK(Run({"lcs", "key1", "key2", "bogus"}) == kSyntaxErr);
  CHECK(Run({"lcs", "key1", "key2", "minmatchlen"}) == kSyntaxErr);
  CHECK(Run({"lcs", "key1", "key2", "minmatchlen", "x"}) == kNotInt);
  h.config().proto_max_bulk_len = 16;
  CHECK(Run({"lcs", "key1", "key2"}) ==
        Err("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"));
}

TEST_CASE_METHOD(Fixture, "LCS IDX in RESP3 is a map", "[string][lcs][resp3]") {
  h.client().resp = 3;
  CHECK(Run({"mset", "a", "abc", "b", "abc"}) == kOk);
  CHECK(Run({"lcs", "a", "b", "idx"}) ==
        "%2\r\n" + Bulk("matches") + Arr({Arr({Arr({Int(0), Int(2)}), Arr({Int(0), Int(2)})})}) +
            Bulk("len") + Int(3));
}

TEST_CASE_METHOD(Fixture, "keyspace hits and misses", "[string]") {
  auto& stats = h.server().stats;
  CHECK(Run({"set", "k", "v"}) == kOk);
  uint64_t hits = stats.keyspace_hits, misses = stats.keyspace_misses;
  CHECK(Run({"get", "k"}) == Bulk("v"));
  CHECK(Run({"get", "nokey"}) == kNil);
  CHECK(Run({"mget", "k", "nokey", "k"}) == Arr({Bulk("v"), kNil, Bulk("v")}));
  CHECK(stats.keyspace_hits == hits + 3);
  CHECK(stats.keyspace_misses == misses + 2);
  CHECK(Run({"incr", "counter"}) == Int(1));  // writes do not count
  CHECK(stats.keyspace_hits == hits + 3);
  CHECK(stats.keyspace_misses == misses + 2);
}

TEST_CASE_METHOD(Fixture, "writes dirty a WATCH", "[string]") {
  CHECK(Run({"set", "k", "1"}) == kOk);
  CHECK(Run({"watch", "k"}) == kOk);
  CHECK(Run({"incr", "k"}) == Int(2));
  CHECK(Run({"multi"}) == kOk);
  CHECK(Run({"get", "k"}) == "+QUEUED\r\n");
  CHECK(Run({"exec"}) == "*-1\r\n");
}

}  // namespace
}  // namespace brisk::test
