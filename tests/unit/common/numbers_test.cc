#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "common/numbers.h"

namespace brisk {
namespace {

using namespace std::string_literals;

bool Int(std::string_view s, int64_t want) {
  int64_t v = 12345;
  return ParseInt64(s, &v) && v == want;
}

bool NotInt(std::string_view s) {
  int64_t v = 12345;
  return !ParseInt64(s, &v) && v == 12345;  // a failed parse leaves *out alone
}

TEST_CASE("ParseInt64 follows Redis's string2ll", "[common][numbers]") {
  CHECK(Int("0", 0));
  CHECK(Int("1", 1));
  CHECK(Int("-1", -1));
  CHECK(Int("10", 10));
  CHECK(Int("9223372036854775807", INT64_MAX));
  CHECK(Int("-9223372036854775808", INT64_MIN));
  CHECK(NotInt("9223372036854775808"));
  CHECK(NotInt("-9223372036854775809"));
  CHECK(NotInt("18446744073709551616"));
  CHECK(NotInt("99999999999999999999"));
  CHECK(NotInt("123456789012345678901"));
  CHECK(NotInt(""));
  CHECK(NotInt("-"));
  CHECK(NotInt("-0"));
  CHECK(NotInt("007"));
  CHECK(NotInt("00"));
  CHECK(NotInt("+1"));
  CHECK(NotInt(" 1"));
  CHECK(NotInt("1 "));
  CHECK(NotInt("1\0"s));
  CHECK(NotInt("1a"));
  CHECK(NotInt("0x10"));
  CHECK(NotInt("1.0"));
  CHECK(NotInt("--1"));
}

TEST_CASE("ParseUint64", "[common][numbers]") {
  uint64_t v = 0;
  CHECK((ParseUint64("0", &v) && v == 0));
  CHECK((ParseUint64("18446744073709551615", &v) && v == UINT64_MAX));
  CHECK_FALSE(ParseUint64("18446744073709551616", &v));
  CHECK_FALSE(ParseUint64("-1", &v));
  CHECK_FALSE(ParseUint64("01", &v));
  CHECK_FALSE(ParseUint64("", &v));
}

TEST_CASE("ParseDouble follows Redis's string2d", "[common][numbers]") {
  double d = 0;
  CHECK((ParseDouble("1.5", &d) && d == 1.5));
  CHECK((ParseDouble("-0.25", &d) && d == -0.25));
  CHECK((ParseDouble("1e3", &d) && d == 1000));
  CHECK((ParseDouble("inf", &d) && std::isinf(d) && d > 0));
  CHECK((ParseDouble("+inf", &d) && std::isinf(d) && d > 0));
  CHECK((ParseDouble("-inf", &d) && std::isinf(d) && d < 0));
  CHECK_FALSE(ParseDouble("nan", &d));
  CHECK_FALSE(ParseDouble("", &d));
  CHECK_FALSE(ParseDouble(" 1", &d));
  CHECK_FALSE(ParseDouble("1 ", &d));
  CHECK_FALSE(ParseDouble("1x", &d));
  CHECK_FALSE(ParseDouble("1\0"s, &d));
}

TEST_CASE("FormatInt64", "[common][numbers]") {
  char buf[32];
  auto fmt = [&](int64_t v) { return std::string(buf, FormatInt64(v, buf)); };
  CHECK(fmt(0) == "0");
  CHECK(fmt(7) == "7");
  CHECK(fmt(-7) == "-7");
  CHECK(fmt(1000000) == "1000000");
  CHECK(fmt(INT64_MAX) == "9223372036854775807");
  CHECK(fmt(INT64_MIN) == "-9223372036854775808");
}

TEST_CASE("FormatDouble is %.17g with inf spelled out", "[common][numbers]") {
  char buf[32];
  auto fmt = [&](double v) { return std::string(buf, FormatDouble(v, buf)); };
  CHECK(fmt(0) == "0");
  CHECK(fmt(1.5) == "1.5");
  CHECK(fmt(0.1) == "0.10000000000000001");
  CHECK(fmt(1e100) == "1e+100");
  CHECK(fmt(-2.5e300) == "-2.5000000000000001e+300");
  CHECK(fmt(HUGE_VAL) == "inf");
  CHECK(fmt(-HUGE_VAL) == "-inf");
}

TEST_CASE("FormatLongDoubleHuman follows ld2string(LD_STR_HUMAN)", "[common][numbers]") {
  char buf[128];
  auto fmt = [&](long double v) {
    size_t n = FormatLongDoubleHuman(v, buf, sizeof(buf));
    REQUIRE(n > 0);
    return std::string(buf, n);
  };
  CHECK(fmt(10.5L) == "10.5");
  CHECK(fmt(3000) == "3000");
  CHECK(fmt(0) == "0");
  CHECK(fmt(-0.0L) == "0");
  CHECK(fmt(-2.25L) == "-2.25");
  CHECK(fmt(5.0e3L) == "5000");
  CHECK(fmt(HUGE_VALL) == "inf");
  CHECK(fmt(-HUGE_VALL) == "-inf");
  char tiny[4];
  CHECK(FormatLongDoubleHuman(12345, tiny, sizeof(tiny)) == 0);
}

TEST_CASE("ParseMemSize follows Redis's memtoull", "[common][numbers]") {
  auto mem = [](std::string_view s) {
    uint64_t v = 0;
    REQUIRE(ParseMemSize(s, &v));
    return v;
  };
  CHECK(mem("0") == 0);
  CHECK(mem("100") == 100);
  CHECK(mem("100b") == 100);
  CHECK(mem("1k") == 1000);
  CHECK(mem("1kb") == 1024);
  CHECK(mem("1K") == 1000);
  CHECK(mem("1KB") == 1024);
  CHECK(mem("2m") == 2000000);
  CHECK(mem("2mb") == 2 * 1024 * 1024);
  CHECK(mem("1g") == 1000000000);
  CHECK(mem("1gb") == 1024ull * 1024 * 1024);
  CHECK(mem("4Gb") == 4ull * 1024 * 1024 * 1024);
  uint64_t v = 0;
  CHECK_FALSE(ParseMemSize("", &v));
  CHECK_FALSE(ParseMemSize("k", &v));
  CHECK_FALSE(ParseMemSize("1t", &v));
  CHECK_FALSE(ParseMemSize("1kbb", &v));
  CHECK_FALSE(ParseMemSize("1 kb", &v));
  CHECK_FALSE(ParseMemSize("-1", &v));
  CHECK_FALSE(ParseMemSize("1.5mb", &v));
  CHECK_FALSE(ParseMemSize("18446744073709551615gb", &v));
}

}  // namespace
}  // namespace brisk
