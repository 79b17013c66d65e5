#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "common/errors.h"
#include "resp/reply.h"

namespace brisk::resp {
namespace {

using namespace std::string_literals;

// The bytes one call appends, in RESP2 and in RESP3.
template <typename Fn>
std::string Encode(int protocol, Fn fn) {
  std::string out = "prefix";  // the builder appends; it never clears
  ReplyBuilder rb(&out, protocol);
  fn(rb);
  REQUIRE(out.compare(0, 6, "prefix") == 0);
  return out.substr(6);
}

template <typename Fn>
void Check(Fn fn, const std::string& resp2, const std::string& resp3) {
  CHECK(Encode(2, fn) == resp2);
  CHECK(Encode(3, fn) == resp3);
}

TEST_CASE("ReplyBuilder: simple strings and errors", "[resp][reply]") {
  Check([](ReplyBuilder& rb) { rb.SimpleString("PONG"); }, "+PONG\r\n", "+PONG\r\n");
  Check([](ReplyBuilder& rb) { rb.SimpleString(""); }, "+\r\n", "+\r\n");
  Check([](ReplyBuilder& rb) { rb.Ok(); }, "+OK\r\n", "+OK\r\n");
  Check([](ReplyBuilder& rb) { rb.Error("ERR bad\r\nthing\n"); }, "-ERR bad  thing \r\n",
        "-ERR bad  thing \r\n");
  Check([](ReplyBuilder& rb) { rb.Error(Err::kSyntax); }, "-ERR syntax error\r\n",
        "-ERR syntax error\r\n");
  Check([](ReplyBuilder& rb) { rb.Error(FormatError(Err::kProtocolExpectedDollar, {"\r"})); },
        "-ERR Protocol error: expected '$', got ' '\r\n",
        "-ERR Protocol error: expected '$', got ' '\r\n");
}

TEST_CASE("ReplyBuilder: integers", "[resp][reply]") {
  Check([](ReplyBuilder& rb) { rb.Integer(0); }, ":0\r\n", ":0\r\n");
  Check([](ReplyBuilder& rb) { rb.Integer(-42); }, ":-42\r\n", ":-42\r\n");
  Check([](ReplyBuilder& rb) { rb.Integer(std::numeric_limits<int64_t>::max()); },
        ":9223372036854775807\r\n", ":9223372036854775807\r\n");
  Check([](ReplyBuilder& rb) { rb.Integer(std::numeric_limits<int64_t>::min()); },
        ":-9223372036854775808\r\n", ":-9223372036854775808\r\n");
  Check([](ReplyBuilder& rb) { rb.BulkInt(-123); }, "$4\r\n-123\r\n", "$4\r\n-123\r\n");
  Check([](ReplyBuilder& rb) { rb.BulkInt(std::numeric_limits<int64_t>::min()); },
        "$20\r\n-9223372036854775808\r\n", "$20\r\n-9223372036854775808\r\n");
}

TEST_CASE("ReplyBuilder: bulk strings and nulls", "[resp][reply]") {
  Check([](ReplyBuilder& rb) { rb.Bulk("hello"); }, "$5\r\nhello\r\n", "$5\r\nhello\r\n");
  Check([](ReplyBuilder& rb) { rb.Bulk(""); }, "$0\r\n\r\n", "$0\r\n\r\n");
  Check([](ReplyBuilder& rb) { rb.Bulk("a\0\r\nb"s); }, "$5\r\na\0\r\nb\r\n"s,
        "$5\r\na\0\r\nb\r\n"s);
  Check([](ReplyBuilder& rb) { rb.Bulk(std::string(1000, 'x')); },
        "$1000\r\n" + std::string(1000, 'x') + "\r\n",
        "$1000\r\n" + std::string(1000, 'x') + "\r\n");
  Check([](ReplyBuilder& rb) { rb.Null(); }, "$-1\r\n", "_\r\n");
  Check([](ReplyBuilder& rb) { rb.NullArray(); }, "*-1\r\n", "_\r\n");
}

TEST_CASE("ReplyBuilder: aggregates", "[resp][reply]") {
  Check([](ReplyBuilder& rb) { rb.ArrayHeader(3); }, "*3\r\n", "*3\r\n");
  Check([](ReplyBuilder& rb) { rb.EmptyArray(); }, "*0\r\n", "*0\r\n");
  Check([](ReplyBuilder& rb) { rb.MapHeader(2); }, "*4\r\n", "%2\r\n");
  Check([](ReplyBuilder& rb) { rb.MapHeader(0); }, "*0\r\n", "%0\r\n");
  Check([](ReplyBuilder& rb) { rb.SetHeader(5); }, "*5\r\n", "~5\r\n");
  Check([](ReplyBuilder& rb) { rb.PushHeader(3); }, "*3\r\n", ">3\r\n");
  Check(
      [](ReplyBuilder& rb) {
        rb.MapHeader(1);
        rb.Bulk("k");
        rb.Integer(1);
      },
      "*2\r\n$1\r\nk\r\n:1\r\n", "%1\r\n$1\r\nk\r\n:1\r\n");
}

TEST_CASE("ReplyBuilder: doubles", "[resp][reply]") {
  Check([](ReplyBuilder& rb) { rb.Double(1.5); }, "$3\r\n1.5\r\n", ",1.5\r\n");
  Check([](ReplyBuilder& rb) { rb.Double(0.1); }, "$19\r\n0.10000000000000001\r\n",
        ",0.10000000000000001\r\n");
  Check([](ReplyBuilder& rb) { rb.Double(3); }, "$1\r\n3\r\n", ",3\r\n");
  Check([](ReplyBuilder& rb) { rb.Double(-1e22); }, "$6\r\n-1e+22\r\n", ",-1e+22\r\n");
  Check([](ReplyBuilder& rb) { rb.Double(-1e300); }, "$24\r\n-1.0000000000000001e+300\r\n",
        ",-1.0000000000000001e+300\r\n");
  Check([](ReplyBuilder& rb) { rb.Double(HUGE_VAL); }, "$3\r\ninf\r\n", ",inf\r\n");
  Check([](ReplyBuilder& rb) { rb.Double(-HUGE_VAL); }, "$4\r\n-inf\r\n", ",-inf\r\n");
}

TEST_CASE("ReplyBuilder: RESP3 scalar types", "[resp][reply]") {
  Check([](ReplyBuilder& rb) { rb.Bool(true); }, ":1\r\n", "#t\r\n");
  Check([](ReplyBuilder& rb) { rb.Bool(false); }, ":0\r\n", "#f\r\n");
  Check([](ReplyBuilder& rb) { rb.Verbatim("hi\r\nthere"); }, "$9\r\nhi\r\nthere\r\n",
        "=13\r\ntxt:hi\r\nthere\r\n");
  Check([](ReplyBuilder& rb) { rb.Verbatim("x", "mkd"); }, "$1\r\nx\r\n", "=5\r\nmkd:x\r\n");
  // Redis cuts or space-pads the format to 3 bytes.
  Check([](ReplyBuilder& rb) { rb.Verbatim("x", "ab"); }, "$1\r\nx\r\n", "=5\r\nab :x\r\n");
  Check([](ReplyBuilder& rb) { rb.Verbatim("x", "long"); }, "$1\r\nx\r\n", "=5\r\nlon:x\r\n");
  Check([](ReplyBuilder& rb) { rb.BigNumber("-123456789012345678901234567890"); },
        "$31\r\n-123456789012345678901234567890\r\n", "(-123456789012345678901234567890\r\n");
}

TEST_CASE("ReplyBuilder: Raw, buffer switching and protocol switching", "[resp][reply]") {
  std::string a;
  std::string b;
  ReplyBuilder rb(&a);
  REQUIRE(rb.protocol() == 2);
  rb.Raw("+pre-encoded\r\n");
  rb.Null();
  rb.set_protocol(3);
  rb.Null();
  rb.set_buffer(&b);
  REQUIRE(rb.buffer() == &b);
  rb.Integer(7);
  REQUIRE(a == "+pre-encoded\r\n$-1\r\n_\r\n");
  REQUIRE(b == ":7\r\n");
}

}  // namespace
}  // namespace brisk::resp
