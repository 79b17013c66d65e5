#include <catch2/catch.hpp>

#include <string>

#include "common/glob.h"

namespace brisk {
namespace {

using namespace std::string_literals;

TEST_CASE("GlobMatch: Redis stringmatchlen syntax", "[common][glob]") {
  SECTION("literals") {
    CHECK(GlobMatch("hello", "hello"));
    CHECK_FALSE(GlobMatch("hello", "hell"));
    CHECK_FALSE(GlobMatch("hell", "hello"));
    CHECK(GlobMatch("", ""));
    CHECK_FALSE(GlobMatch("", "a"));
    CHECK(GlobMatch("a\0b"s, "a\0b"s));
    CHECK_FALSE(GlobMatch("a\0b"s, "a\0c"s));
  }
  SECTION("star") {
    // As in Redis, nothing matches an empty string but an empty pattern; KEYS and SCAN
    // treat a lone "*" as "everything" before calling the matcher.
    CHECK_FALSE(GlobMatch("*", ""));
    CHECK_FALSE(GlobMatch("a*", ""));
    CHECK(GlobMatch("*", "anything"));
    CHECK(GlobMatch("h*o", "hello"));
    CHECK(GlobMatch("h*o", "ho"));
    CHECK_FALSE(GlobMatch("h*o", "hellx"));
    CHECK(GlobMatch("users:*", "users:42"));
    CHECK_FALSE(GlobMatch("users:*", "user:42"));
    CHECK(GlobMatch("**a**", "xxaxx"));
    CHECK(GlobMatch("a*", "a"));
  }
  SECTION("question mark") {
    CHECK(GlobMatch("h?llo", "hello"));
    CHECK(GlobMatch("h?llo", "hallo"));
    CHECK_FALSE(GlobMatch("h?llo", "hllo"));
    CHECK_FALSE(GlobMatch("?", ""));
  }
  SECTION("classes") {
    CHECK(GlobMatch("h[ae]llo", "hello"));
    CHECK(GlobMatch("h[ae]llo", "hallo"));
    CHECK_FALSE(GlobMatch("h[ae]llo", "hillo"));
    CHECK(GlobMatch("h[^e]llo", "hallo"));
    CHECK_FALSE(GlobMatch("h[^e]llo", "hello"));
    CHECK(GlobMatch("h[a-b]llo", "hbllo"));
    CHECK_FALSE(GlobMatch("h[a-b]llo", "hcllo"));
    CHECK(GlobMatch("[z-a]", "m"));  // reversed ranges are swapped, as in Redis
    CHECK(GlobMatch("[^a-c]", "d"));
    CHECK_FALSE(GlobMatch("[^a-c]", "b"));
    CHECK(GlobMatch("[\\]]", "]"));
    CHECK(GlobMatch("[a\\-z]", "-"));
    CHECK_FALSE(GlobMatch("[a\\-z]", "m"));
    CHECK(GlobMatch("[abc", "a"));  // unterminated class: Redis treats the end as ']'
  }
  SECTION("escapes") {
    CHECK(GlobMatch("h\\*llo", "h*llo"));
    CHECK_FALSE(GlobMatch("h\\*llo", "hello"));
    CHECK(GlobMatch("\\?", "?"));
    CHECK_FALSE(GlobMatch("\\?", "a"));
    CHECK(GlobMatch("\\[a]", "[a]"));
    CHECK(GlobMatch("a\\", "a\\"));  // a trailing backslash is literal
  }
  SECTION("nocase") {
    CHECK(GlobMatch("HeLLo", "hello", true));
    CHECK_FALSE(GlobMatch("HeLLo", "hello", false));
    CHECK(GlobMatch("h[A-C]llo", "hbllo", true));
    CHECK(GlobMatch("h[E]llo", "hello", true));
    CHECK(GlobMatch("H*", "hello", true));
  }
  SECTION("pathological patterns finish") {
    std::string pattern;
    for (int i = 0; i < 50; ++i) pattern += "*a";
    pattern += "b";
    CHECK_FALSE(GlobMatch(pattern, std::string(100, 'a')));
  }
}

TEST_CASE("GlobLiteralPrefix", "[common][glob]") {
  bool exact = false;
  CHECK(GlobLiteralPrefix("users:*", &exact) == "users:");
  CHECK_FALSE(exact);
  CHECK(GlobLiteralPrefix("a?b", &exact) == "a");
  CHECK_FALSE(exact);
  CHECK(GlobLiteralPrefix("[ab]", &exact).empty());
  CHECK_FALSE(exact);
  CHECK(GlobLiteralPrefix("a\\*", &exact) == "a");
  CHECK_FALSE(exact);
  CHECK(GlobLiteralPrefix("plain", &exact) == "plain");
  CHECK(exact);
}

}  // namespace
}  // namespace brisk
