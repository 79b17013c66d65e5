#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "rest/base64.h"
#include "rest/json.h"
#include "rest/json_reply.h"
#include "rest/sse.h"

namespace brisk::rest {
namespace {

std::string Json(std::string_view reply, bool base64 = false) {
  std::string out;
  if (!AppendReplyJson(reply, base64, &out)) return "MALFORMED";
  return out;
}

std::string Result(std::string_view reply, bool base64 = false) {
  std::string out;
  AppendResultObject(reply, base64, &out);
  return out;
}

TEST_CASE("base64: RFC 4648 vectors and round trip", "[rest][json]") {
  const std::pair<const char*, const char*> kVectors[] = {{"", ""},
                                                          {"f", "Zg=="},
                                                          {"fo", "Zm8="},
                                                          {"foo", "Zm9v"},
                                                          {"foob", "Zm9vYg=="},
                                                          {"fooba", "Zm9vYmE="},
                                                          {"foobar", "Zm9vYmFy"}};
  for (auto [plain, encoded] : kVectors) {
    std::string out;
    Base64Encode(plain, &out);
    CHECK(out == encoded);
    std::string back;
    CHECK(Base64Decode(out, &back));
    CHECK(back == plain);
  }
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(char(i));
  std::string enc, dec;
  Base64Encode(all, &enc);
  CHECK(Base64Decode(enc, &dec));
  CHECK(dec == all);
  CHECK_FALSE(Base64Decode("abc", &dec));
  CHECK_FALSE(Base64Decode("ab!d", &dec));
}

TEST_CASE("JSON strings: escapes, control characters, invalid UTF-8", "[rest][json]") {
  std::string out;
  AppendJsonString("a\"b\\c\n\r\t\x01", &out);
  CHECK(out == "\"a\\\"b\\\\c\\n\\r\\t\\u0001\"");
  out.clear();
  AppendJsonString("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80", &out);  // é € 😀 kept
  CHECK(out == "\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\"");
  out.clear();
  AppendJsonString("\xff\xc3(\xed\xa0\x80\xc0\xaf", &out);  // invalid, surrogate, overlong
  CHECK(out == "\"\\ufffd\\ufffd(\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
  // Whatever the bytes, the result parses.
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(char(i));
  out.clear();
  AppendJsonString(bytes, &out);
  CHECK(nlohmann::json::accept(out));
}

TEST_CASE("IsJsonText", "[rest][json]") {
  CHECK(IsJsonText("{\"a\":1}"));
  CHECK(IsJsonText(" [1, 2] "));
  CHECK(IsJsonText("42"));
  CHECK(IsJsonText("-1.5e3"));
  CHECK(IsJsonText("\"s\""));
  CHECK(IsJsonText("true"));
  CHECK(IsJsonText("null"));
  CHECK_FALSE(IsJsonText("hello"));
  CHECK_FALSE(IsJsonText(""));
  CHECK_FALSE(IsJsonText("{\"a\":"));
  CHECK_FALSE(IsJsonText("1 2"));
  CHECK_FALSE(IsJsonText("12abc"));
}

TEST_CASE("RESP -> JSON: every RESP2 type", "[rest][json]") {
  CHECK(Json("+OK\r\n") == "\"OK\"");
  CHECK(Json(":42\r\n") == "42");
  CHECK(Json(":-9223372036854775808\r\n") == "-9223372036854775808");
  CHECK(Json("$5\r\nhe\r\no\r\n") == "\"he\\r\\no\"");
  CHECK(Json("$0\r\n\r\n") == "\"\"");
  CHECK(Json("$-1\r\n") == "null");
  CHECK(Json("*-1\r\n") == "null");
  CHECK(Json("*0\r\n") == "[]");
  CHECK(Json("*3\r\n:1\r\n*2\r\n$1\r\na\r\n$-1\r\n+x\r\n") == "[1,[\"a\",null],\"x\"]");
  CHECK(Json("-ERR x\r\n") == "\"ERR x\"");
}

TEST_CASE("RESP -> JSON: base64 encodes every string but the top-level OK", "[rest][json]") {
  CHECK(Json("+OK\r\n", true) == "\"OK\"");
  CHECK(Json("$2\r\nOK\r\n", true) == "\"T0s=\"");
  CHECK(Json("*1\r\n+OK\r\n", true) == "[\"T0s=\"]");
  CHECK(Json("$3\r\nann\r\n", true) == "\"YW5u\"");
  CHECK(Json(":7\r\n", true) == "7");
  CHECK(Json("*2\r\n$1\r\na\r\n$-1\r\n", true) == "[\"YQ==\",null]");
  CHECK(Result("-ERR no\r\n", true) == "{\"error\":\"ERR no\"}");
}

TEST_CASE("RESP -> JSON: result objects", "[rest][json]") {
  CHECK(Result("$1\r\nv\r\n") == "{\"result\":\"v\"}");
  std::string out;
  CHECK_FALSE(AppendResultObject("-WRONGTYPE bad\r\n", false, &out));
  CHECK(out == "{\"error\":\"WRONGTYPE bad\"}");
}

TEST_CASE("RESP -> JSON: malformed input is reported, never over-read", "[rest][json]") {
  for (std::string_view bad :
       {"", "+OK", "$5\r\nab\r\n", "$-2\r\n", "*2\r\n:1\r\n", ":x\r\n", "?x\r\n", "*99999999\r\n",
        ":99999999999999999999\r\n", "$3\r\nabcde"}) {
    INFO(bad);
    CHECK(Json(bad) == "MALFORMED");
    CHECK(SkipReply(bad, 0) == 0);
  }
  std::string deep;
  for (int i = 0; i < kMaxReplyDepth + 2; ++i) deep += "*1\r\n";
  deep += ":1\r\n";
  CHECK(Json(deep) == "MALFORMED");
  std::vector<std::string_view> elems;
  CHECK(ReplyArrayElements("*2\r\n:1\r\n$1\r\nx\r\n", &elems));
  CHECK(elems == std::vector<std::string_view>{":1\r\n", "$1\r\nx\r\n"});
  long long n;
  CHECK(ReplyInteger(":12\r\n", &n));
  CHECK(n == 12);
  std::string_view s;
  CHECK(ReplyString("+OK\r\n", &s));
  CHECK(s == "OK");
  CHECK_FALSE(ReplyString("$-1\r\n", &s));
}

TEST_CASE("SSE: events, multi-line data, table events, chunks", "[rest][sse]") {
  std::string out;
  AppendSseData("a\nb\r\nc\rd", &out);
  CHECK(out == "data: a\ndata: b\ndata: c\ndata: d\n\n");
  out.clear();
  std::vector<std::string_view> frame = {"message", "chat", "hi,there"};
  AppendUpstashEvent(cmd::CmdArgs(frame), &out);
  CHECK(out == "data: message,chat,hi,there\n\n");
  out.clear();
  AppendTableEvent("set users:42", "users", ':', &out);
  CHECK(out == "data: {\"event\":\"set\",\"key\":\"42\"}\n\n");
  out.clear();
  AppendTableEvent("del plainkey", "", ':', &out);
  CHECK(out == "data: {\"event\":\"del\",\"key\":\"plainkey\"}\n\n");
  out.clear();
  AppendSseComment("ping\nx", &out);
  CHECK(out == ": ping x\n\n");
  out.clear();
  AppendChunk(std::string(26, 'z'), &out);
  CHECK(out == "1a\r\n" + std::string(26, 'z') + "\r\n");
  out.clear();
  AppendChunk({}, &out);
  CHECK(out == "0\r\n\r\n");
}

}  // namespace
}  // namespace brisk::rest
