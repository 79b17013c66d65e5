// Parser tests. Every case in the table goes through CheckAllSplits, which feeds the
// input in one piece, split in two at every byte offset, and one byte at a time, the
// way a connection would (drop *consumed bytes after each command, copy the unconsumed
// bytes to a new buffer before each call), and requires the same outcome each time.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/errors.h"
#include "resp/parser.h"

namespace brisk::resp {
namespace {

using namespace std::string_literals;
using Command = std::vector<std::string>;

struct Outcome {
  std::vector<Command> commands;
  ParseResult last = ParseResult::kNeedMore;  // kNeedMore (input ran out) or kError
  Err error = Err::kSyntax;                   // when last == kError
  std::string error_arg;                      // when error == kProtocolExpectedDollar
  size_t unconsumed = 0;                      // when last == kNeedMore

  bool operator==(const Outcome& o) const {
    if (commands != o.commands || last != o.last) return false;
    if (last == ParseResult::kError) return error == o.error && error_arg == o.error_arg;
    return unconsumed == o.unconsumed;
  }
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  os << o.commands.size() << " commands [";
  for (const auto& c : o.commands) {
    os << "(";
    for (const auto& a : c) os << a.size() << ":" << a << " ";
    os << ")";
  }
  os << "] ";
  if (o.last == ParseResult::kError) {
    os << "error " << ErrorText(o.error) << " arg '" << o.error_arg << "'";
  } else {
    os << "need more, unconsumed " << o.unconsumed;
  }
  return os;
}

// Feeds input in chunks ending at each offset in `cuts` (ascending) and at the end.
Outcome Feed(std::string_view input, const std::vector<size_t>& cuts, ParserLimits limits) {
  Parser parser(limits);
  Outcome out;
  std::string pending;
  size_t fed = 0;
  auto feed_to = [&](size_t end) {
    pending.append(input.substr(fed, end - fed));
    fed = end;
    while (true) {
      // A new buffer every call: the parser may only remember offsets.
      std::string buf = pending;
      size_t consumed = 12345;
      std::vector<std::string_view> args{"stale"};
      ParseResult r = parser.Parse(buf, &consumed, &args);
      if (r == ParseResult::kOk) {
        REQUIRE(consumed > 0);
        REQUIRE(consumed <= buf.size());
        REQUIRE(!args.empty());
        out.commands.emplace_back(args.begin(), args.end());
        pending.erase(0, consumed);
        continue;
      }
      REQUIRE(consumed == 0);
      REQUIRE(args.empty());
      if (r == ParseResult::kError) {
        out.last = r;
        out.error = parser.error();
        if (out.error == Err::kProtocolExpectedDollar) out.error_arg = parser.error_arg();
        return false;
      }
      return true;
    }
  };
  for (size_t cut : cuts) {
    if (!feed_to(cut)) return out;
  }
  if (!feed_to(input.size())) return out;
  out.unconsumed = pending.size();
  return out;
}

// Returns the one-shot outcome after checking that every split gives the same one.
Outcome CheckAllSplits(std::string_view input, ParserLimits limits = {}) {
  Outcome whole = Feed(input, {}, limits);
  for (size_t k = 1; k < input.size(); ++k) {
    Outcome split = Feed(input, {k}, limits);
    INFO("split at " << k);
    REQUIRE(split == whole);
  }
  std::vector<size_t> every;
  for (size_t k = 1; k < input.size(); ++k) every.push_back(k);
  REQUIRE(Feed(input, every, limits) == whole);
  return whole;
}

Outcome Commands(std::vector<Command> commands, size_t unconsumed = 0) {
  Outcome o;
  o.commands = std::move(commands);
  o.unconsumed = unconsumed;
  return o;
}

Outcome Error(Err e, std::vector<Command> before = {}, std::string arg = "") {
  Outcome o;
  o.commands = std::move(before);
  o.last = ParseResult::kError;
  o.error = e;
  o.error_arg = std::move(arg);
  return o;
}

ParserLimits Small() {
  ParserLimits l;
  l.max_bulk_len = 10;
  l.max_multibulk_len = 4;
  l.max_inline_len = 16;
  return l;
}

struct Case {
  const char* name;
  std::string input;
  Outcome expected;
  ParserLimits limits = {};
};

std::vector<Case> Cases() {
  return {
      {"multibulk", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n",
       Commands({{"SET", "k", "hello"}})},
      {"binary bulk with NUL and CRLF inside", "*2\r\n$3\r\nSET\r\n$7\r\na\0\r\nb\r\n\r\n"s,
       Commands({{"SET", "a\0\r\nb\r\n"s}})},
      {"empty bulk", "*2\r\n$3\r\nGET\r\n$0\r\n\r\n", Commands({{"GET", ""}})},
      {"pipelined multibulk and inline",
       "*1\r\n$4\r\nPING\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nGET k\n",
       Commands({{"PING"}, {"PING"}, {"ECHO", "hi"}, {"GET", "k"}})},
      {"incomplete tail stays unconsumed", "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nEC",
       Commands({{"PING"}}, 10)},
      {"incomplete header", "*2", Commands({}, 2)},
      {"*0 and *-1 are skipped", "*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n", Commands({{"PING"}})},
      {"a lone *0 is skipped but stays in the buffer", "*0\r\n", Commands({}, 4)},
      {"empty lines are skipped", "\r\n\n   \r\nPING\r\n", Commands({{"PING"}})},
      {"CRLF bytes after header and payload are not checked", "*1\rX$1\r\naYZ", Commands({{"a"}})},
      {"inline", "SET  k\tv \r\n", Commands({{"SET", "k", "v"}})},
      {"inline LF only", "PING\nPING\n", Commands({{"PING"}, {"PING"}})},
      {"inline quotes",
       R"(SET "a b" 'c\'d' "\x41\n\t\"\\" plain)"
       "\r\n",
       Commands({{"SET", "a b", "c'd", "A\n\t\"\\", "plain"}})},
      {"inline more escapes",
       R"("\r\b\a\q\x4" '\n')"
       "\n",
       Commands({{"\r\b\aqx4", "\\n"}})},
      {"inline empty quotes", "SET k \"\" ''\n", Commands({{"SET", "k", "", ""}})},
      {"inline quote inside a word", "foo\"bar baz\" x\n", Commands({{"foobar baz", "x"}})},
      {"inline NUL is data", "a\0b c\n"s, Commands({{"a\0b"s, "c"}})},
      {"inline vertical tab is not a separator inside a word", "a\vb\n", Commands({{"a\vb"}})},
      {"inline whitespace only", " \t \r\n*1\r\n$1\r\nx\r\n", Commands({{"x"}})},
      {"bad count", "*abc\r\n", Error(Err::kProtocolMultibulkLen)},
      {"empty count", "*\r\n", Error(Err::kProtocolMultibulkLen)},
      {"count with plus", "*+1\r\n", Error(Err::kProtocolMultibulkLen)},
      {"count with leading zero", "*01\r\n", Error(Err::kProtocolMultibulkLen)},
      {"count with space", "* 1\r\n", Error(Err::kProtocolMultibulkLen)},
      {"count -0", "*-0\r\n", Error(Err::kProtocolMultibulkLen)},
      {"count above the limit", "*5\r\n", Error(Err::kProtocolMultibulkLen), Small()},
      {"count at the limit", "*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n",
       Commands({{"a", "b", "c", "d"}}), Small()},
      {"count overflow", "*9223372036854775808\r\n", Error(Err::kProtocolMultibulkLen)},
      {"count line too long", "*" + std::string(16, '0'), Error(Err::kProtocolBigMbulk), Small()},
      {"count line at the limit waits", "*" + std::string(15, '0'), Commands({}, 16), Small()},
      {"expected dollar", "*1\r\nX\r\n", Error(Err::kProtocolExpectedDollar, {}, "X")},
      {"expected dollar, second arg", "*2\r\n$3\r\nGET\r\n:1\r\n",
       Error(Err::kProtocolExpectedDollar, {}, ":")},
      {"expected dollar waits for the line", "*1\r\nhello", Commands({}, 9)},
      {"negative bulk length", "*1\r\n$-1\r\n", Error(Err::kProtocolBulkLen)},
      {"bad bulk length", "*1\r\n$abc\r\n", Error(Err::kProtocolBulkLen)},
      {"empty bulk length", "*1\r\n$\r\n", Error(Err::kProtocolBulkLen)},
      {"bulk length with leading zero", "*1\r\n$01\r\nx\r\n", Error(Err::kProtocolBulkLen)},
      {"bulk length above the limit, no payload", "*1\r\n$11\r\n", Error(Err::kProtocolBulkLen),
       Small()},
      {"bulk length at the limit", "*1\r\n$10\r\n0123456789\r\n", Commands({{"0123456789"}}),
       Small()},
      {"bulk length above the default limit", "*1\r\n$536870913\r\n", Error(Err::kProtocolBulkLen)},
      {"bulk length overflow", "*1\r\n$9223372036854775808\r\n", Error(Err::kProtocolBulkLen)},
      {"bulk length line too long", "*1\r\n$" + std::string(16, '0'), Error(Err::kProtocolBigBulk),
       Small()},
      {"inline too long", "aaaaaaaaaaaaaaaaa", Error(Err::kProtocolBigInline), Small()},
      {"inline too long even with its newline", "aaaaaaaaaaaaaaaaa\n",
       Error(Err::kProtocolBigInline), Small()},
      {"inline at the limit", "aaaaaaaaaaaaaaaa\n", Commands({{"aaaaaaaaaaaaaaaa"}}), Small()},
      {"inline at the limit waits", "aaaaaaaaaaaaaaaa", Commands({}, 16), Small()},
      {"unbalanced double quote", "GET \"abc\n", Error(Err::kProtocolQuotes)},
      {"unbalanced single quote", "GET 'abc\r\n", Error(Err::kProtocolQuotes)},
      {"closing double quote followed by a char", "GET \"a\"b\n", Error(Err::kProtocolQuotes)},
      {"closing single quote followed by a char", "GET 'a'b\n", Error(Err::kProtocolQuotes)},
      {"escaped closing quote",
       R"(GET "a\")"
       "\n",
       Error(Err::kProtocolQuotes)},
      {"commands before an error are returned", "PING\r\n*1\r\n$1\r\nx\r\n*x\r\n",
       Error(Err::kProtocolMultibulkLen, {{"PING"}, {"x"}})},
  };
}

TEST_CASE("Parser: every case gives the same outcome at every split", "[resp][parser]") {
  for (const Case& c : Cases()) {
    SECTION(c.name) {
      Outcome got = CheckAllSplits(c.input, c.limits);
      REQUIRE(got == c.expected);
    }
  }
}

TEST_CASE("Parser: one-shot consumed counts and zero-copy views", "[resp][parser]") {
  Parser p;
  size_t consumed = 0;
  std::vector<std::string_view> args;
  const std::string buf = "*0\r\n\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n";
  REQUIRE(p.Parse(buf, &consumed, &args) == ParseResult::kOk);
  // The skipped "*0" and empty line are part of the first command's bytes.
  REQUIRE(consumed == 26);
  REQUIRE(args.size() == 2);
  for (std::string_view a : args) {
    REQUIRE(a.data() >= buf.data());
    REQUIRE(a.data() + a.size() <= buf.data() + buf.size());
  }
  std::string_view rest = std::string_view(buf).substr(consumed);
  REQUIRE(p.Parse(rest, &consumed, &args) == ParseResult::kOk);
  REQUIRE(consumed == 6);
  REQUIRE(args == std::vector<std::string_view>{"PING"});
  REQUIRE(args[0].data() == rest.data());
  REQUIRE(p.Parse(rest.substr(consumed), &consumed, &args) == ParseResult::kNeedMore);
}

TEST_CASE("Parser: quoted inline args stay valid until the next Parse", "[resp][parser]") {
  Parser p;
  size_t consumed = 0;
  std::vector<std::string_view> args;
  std::string line =
      "SET \"a\" \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\" 'c'";
  line += " 'd' 'e' 'f' 'g' 'h' 'i' 'j' 'k' 'l' 'm' 'n' 'o' 'p' 'q' 'r' 's' 't'\n";
  REQUIRE(p.Parse(line, &consumed, &args) == ParseResult::kOk);
  REQUIRE(args.size() == 21);
  REQUIRE(args[1] == "a");
  REQUIRE(args[2] == std::string(60, 'b'));
  REQUIRE(args[20] == "t");
}

TEST_CASE("Parser: errors are sticky until Reset", "[resp][parser]") {
  Parser p;
  size_t consumed = 0;
  std::vector<std::string_view> args;
  REQUIRE(p.Parse("*1\r\n!x\r\n", &consumed, &args) == ParseResult::kError);
  REQUIRE(p.error() == Err::kProtocolExpectedDollar);
  REQUIRE(FormatError(p.error(), {p.error_arg()}) == "ERR Protocol error: expected '$', got '!'");
  REQUIRE(p.Parse("PING\r\n", &consumed, &args) == ParseResult::kError);
  p.Reset();
  REQUIRE(p.Parse("PING\r\n", &consumed, &args) == ParseResult::kOk);
  REQUIRE(consumed == 6);
}

TEST_CASE("Parser: Reset drops a half-read command", "[resp][parser]") {
  Parser p;
  size_t consumed = 0;
  std::vector<std::string_view> args;
  REQUIRE(p.Parse("*2\r\n$3\r\nGET\r\n", &consumed, &args) == ParseResult::kNeedMore);
  p.Reset();
  REQUIRE(p.Parse("*1\r\n$4\r\nPING\r\n", &consumed, &args) == ParseResult::kOk);
  REQUIRE(args == std::vector<std::string_view>{"PING"});
}

TEST_CASE("Parser: pending_bulk_hint", "[resp][parser]") {
  Parser p;
  size_t consumed = 0;
  std::vector<std::string_view> args;
  REQUIRE(p.pending_bulk_hint() == 0);
  std::string buf = "*2\r\n$3\r\nSET\r\n$100\r\nabc";
  REQUIRE(p.Parse(buf, &consumed, &args) == ParseResult::kNeedMore);
  REQUIRE(p.pending_bulk_hint() == 99);  // 97 more payload bytes + CRLF
  buf += std::string(97, 'x') + "\r";
  REQUIRE(p.Parse(buf, &consumed, &args) == ParseResult::kNeedMore);
  REQUIRE(p.pending_bulk_hint() == 1);
  buf += "\n";
  REQUIRE(p.Parse(buf, &consumed, &args) == ParseResult::kOk);
  REQUIRE(args[1].size() == 100);
  REQUIRE(p.pending_bulk_hint() == 0);
}

TEST_CASE("Parser: 64 KiB header and inline limits with default limits", "[resp][parser]") {
  const std::string digits(64 * 1024 + 1, '1');
  SECTION("mbulk count") {
    REQUIRE(Feed("*" + digits, {}, {}) == Error(Err::kProtocolBigMbulk));
    REQUIRE(Feed("*" + digits, {30000}, {}) == Error(Err::kProtocolBigMbulk));
  }
  SECTION("bulk count") {
    REQUIRE(Feed("*1\r\n$" + digits, {}, {}) == Error(Err::kProtocolBigBulk));
  }
  SECTION("inline") {
    REQUIRE(Feed("x" + digits, {}, {}) == Error(Err::kProtocolBigInline));
    REQUIRE(Feed(digits.substr(1), {}, {}) == Commands({}, 64 * 1024));
    REQUIRE(Feed(digits.substr(1) + "\n", {100, 40000}, {}) == Commands({{digits.substr(1)}}));
  }
}

TEST_CASE("Parser: a huge declared bulk is not waited for when above the limit", "[resp][parser]") {
  ParserLimits limits;
  limits.max_bulk_len = 1024 * 1024;
  Parser p(limits);
  size_t consumed = 0;
  std::vector<std::string_view> args;
  REQUIRE(p.Parse("*1\r\n$1048577\r\n", &consumed, &args) == ParseResult::kError);
  REQUIRE(p.error() == Err::kProtocolBulkLen);
  p.Reset();
  REQUIRE(p.Parse("*1\r\n$1048576\r\n", &consumed, &args) == ParseResult::kNeedMore);
  REQUIRE(p.pending_bulk_hint() == 1048578);
}

TEST_CASE("Parser: a 1 MiB bulk split in odd pieces", "[resp][parser]") {
  std::string payload(1 << 20, '\0');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = char(i * 131 + 7);
  std::string input =
      "*2\r\n$3\r\nSET\r\n$" + std::to_string(payload.size()) + "\r\n" + payload + "\r\nPING\r\n";
  Outcome want = Commands({{"SET", payload}, {"PING"}});
  REQUIRE(Feed(input, {}, {}) == want);
  REQUIRE(Feed(input, {5, 17, 4096, 65536, 1000000, input.size() - 3}, {}) == want);
}

// Round trip: random commands with binary args, random chunking.
TEST_CASE("Parser: random commands in random chunks", "[resp][parser]") {
  std::mt19937 rng(42);
  for (int round = 0; round < 200; ++round) {
    std::vector<Command> commands(1 + rng() % 5);
    std::string input;
    for (Command& c : commands) {
      c.resize(1 + rng() % 6);
      input += "*" + std::to_string(c.size()) + "\r\n";
      for (std::string& a : c) {
        a.resize(rng() % 40);
        for (char& ch : a) ch = char(rng() % 8 == 0 ? '\r' : rng());
        input += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
      }
    }
    std::vector<size_t> cuts;
    for (size_t k = rng() % 7 + 1; k < input.size(); k += rng() % 23 + 1) cuts.push_back(k);
    REQUIRE(Feed(input, cuts, {}) == Commands(commands));
  }
}

}  // namespace
}  // namespace brisk::resp
