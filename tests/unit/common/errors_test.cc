#include <catch2/catch.hpp>

#include <string>

#include "common/errors.h"

namespace brisk {
namespace {

TEST_CASE("ErrorText: rows are Redis's exact texts", "[common][errors]") {
  CHECK(ErrorText(Err::kWrongType) ==
        "WRONGTYPE Operation against a key holding the wrong kind of value");
  CHECK(ErrorText(Err::kNotInteger) == "ERR value is not an integer or out of range");
  CHECK(ErrorText(Err::kSyntax) == "ERR syntax error");
  CHECK(ErrorText(Err::kProtocolMultibulkLen) == "ERR Protocol error: invalid multibulk length");
  CHECK(ErrorText(Err::kProtocolBulkLen) == "ERR Protocol error: invalid bulk length");
  CHECK(ErrorText(Err::kProtocolBigMbulk) == "ERR Protocol error: too big mbulk count string");
  CHECK(ErrorText(Err::kProtocolBigBulk) == "ERR Protocol error: too big bulk count string");
  CHECK(ErrorText(Err::kProtocolBigInline) == "ERR Protocol error: too big inline request");
  CHECK(ErrorText(Err::kProtocolQuotes) == "ERR Protocol error: unbalanced quotes in request");
  for (Err e : {Err::kWrongType, Err::kSyntax, Err::kProtocolQuotes, Err::kNotSupported}) {
    std::string_view t = ErrorText(e);
    CHECK(!t.empty());
    CHECK(t.find_first_of("\r\n") == std::string_view::npos);
    CHECK(t.front() != '-');
  }
}

TEST_CASE("FormatError substitutes %s in order", "[common][errors]") {
  CHECK(FormatError(Err::kWrongArity, {"get"}) ==
        "ERR wrong number of arguments for 'get' command");
  CHECK(FormatError(Err::kUnknownCommand, {"foo", "'a' 'b' "}) ==
        "ERR unknown command 'foo', with args beginning with: 'a' 'b' ");
  CHECK(FormatError(Err::kProtocolExpectedDollar, {"x"}) ==
        "ERR Protocol error: expected '$', got 'x'");
  CHECK(FormatError(Err::kNoPerm, {"alice", "set"}) ==
        "NOPERM User alice has no permissions to run the 'set' command");
}

TEST_CASE("FormatError: missing args become empty, extra args are ignored, text is literal",
          "[common][errors]") {
  CHECK(FormatError(Err::kNoPerm, {"alice"}) ==
        "NOPERM User alice has no permissions to run the '' command");
  CHECK(FormatError(Err::kWrongArity, {}) == "ERR wrong number of arguments for '' command");
  CHECK(FormatError(Err::kSyntax, {"ignored"}) == "ERR syntax error");
  // An argument that itself contains "%s" is not expanded again.
  CHECK(FormatError(Err::kWrongArity, {"%s"}) == "ERR wrong number of arguments for '%s' command");
}

TEST_CASE("ErrorFor maps engine statuses", "[common][errors]") {
  CHECK(ErrorFor(OpStatus::kWrongType) == Err::kWrongType);
  CHECK(ErrorFor(OpStatus::kNotInteger) == Err::kNotInteger);
  CHECK(ErrorFor(OpStatus::kSyntax) == Err::kSyntax);
  CHECK(ErrorFor(OpStatus::kOverflow) == Err::kOverflow);
}

}  // namespace
}  // namespace brisk
