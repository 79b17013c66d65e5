#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "rest/http.h"

namespace brisk::rest {
namespace {

// Collects requests; can ask the parser to pause after each one.
class Collector final : public RequestSink {
 public:
  bool pause_each = false;
  int continues = 0;
  std::vector<HttpRequest> requests;
  bool OnRequest(HttpRequest& req) override {
    requests.push_back(req);
    return !pause_each;
  }
  void OnExpectContinue() override { ++continues; }
};

const std::string kTwo =
    "POST /pipeline?x=1 HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer tok\r\n"
    "Content-Type: application/json\r\nUpstash-Encoding: base64\r\nContent-Length: 5\r\n\r\n"
    "[1,2]"
    "GET /v1/tables/t/items/k HTTP/1.1\r\nIf-None-Match: \"abc\"\r\nif-match: *\r\n"
    "Connection: close\r\n\r\n";

void CheckTwo(const std::vector<HttpRequest>& r) {
  REQUIRE(r.size() == 2);
  CHECK(r[0].method == Method::kPost);
  CHECK(r[0].url == "/pipeline?x=1");
  CHECK(r[0].path() == "/pipeline");
  CHECK(r[0].query() == "x=1");
  CHECK(r[0].authorization == "Bearer tok");
  CHECK(r[0].content_type == "application/json");
  CHECK(r[0].encoding == "base64");
  CHECK(r[0].body == "[1,2]");
  CHECK(r[0].keep_alive);
  CHECK(r[1].method == Method::kGet);
  CHECK(r[1].if_none_match == "\"abc\"");
  CHECK(r[1].if_match == "*");
  CHECK(r[1].body.empty());
  CHECK_FALSE(r[1].keep_alive);
  CHECK(r[1].authorization.empty());  // not carried over from the previous request
}

TEST_CASE("RequestParser: pipelined requests, split at every byte offset", "[rest][http]") {
  for (size_t split = 0; split <= kTwo.size(); ++split) {
    Collector c;
    RequestParser p(HttpLimits{}, &c);
    size_t consumed;
    REQUIRE(p.Feed(std::string_view(kTwo).substr(0, split), &consumed) ==
            RequestParser::Result::kOk);
    CHECK(consumed == split);
    REQUIRE(p.Feed(std::string_view(kTwo).substr(split), &consumed) == RequestParser::Result::kOk);
    INFO("split at " << split);
    CheckTwo(c.requests);
  }
}

TEST_CASE("RequestParser: a sink can pause after each request", "[rest][http]") {
  Collector c;
  c.pause_each = true;
  RequestParser p(HttpLimits{}, &c);
  std::string_view rest = kTwo;
  size_t consumed;
  REQUIRE(p.Feed(rest, &consumed) == RequestParser::Result::kPaused);
  CHECK(c.requests.size() == 1);
  CHECK(consumed < rest.size());
  rest.remove_prefix(consumed);
  p.Resume();
  REQUIRE(p.Feed(rest, &consumed) == RequestParser::Result::kPaused);
  CHECK(consumed == rest.size());
  CheckTwo(c.requests);
}

TEST_CASE("RequestParser: limits and errors", "[rest][http]") {
  HttpLimits limits;
  limits.max_body = 10;
  limits.max_header_size = 200;
  size_t consumed;
  SECTION("Content-Length over the limit fails before the body arrives") {
    Collector c;
    RequestParser p(limits, &c);
    CHECK(p.Feed("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", &consumed) ==
          RequestParser::Result::kError);
    CHECK(p.error_status() == 413);
    CHECK(p.error() == Err::kRestBodyTooLarge);
    CHECK(c.requests.empty());
    // Sticky.
    CHECK(p.Feed("GET / HTTP/1.1\r\n\r\n", &consumed) == RequestParser::Result::kError);
  }
  SECTION("a chunked body over the limit") {
    Collector c;
    RequestParser p(limits, &c);
    CHECK(p.Feed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n"
                 "8\r\n12345678\r\n0\r\n\r\n",
                 &consumed) == RequestParser::Result::kError);
    CHECK(p.error_status() == 413);
  }
  SECTION("a chunked body within the limit") {
    Collector c;
    RequestParser p(limits, &c);
    CHECK(p.Feed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n"
                 "2\r\nef\r\n0\r\n\r\n",
                 &consumed) == RequestParser::Result::kOk);
    REQUIRE(c.requests.size() == 1);
    CHECK(c.requests[0].body == "abcdef");
  }
  SECTION("headers over the limit: 431") {
    Collector c;
    RequestParser p(limits, &c);
    std::string req = "GET / HTTP/1.1\r\nX-Long: " + std::string(300, 'x') + "\r\n\r\n";
    CHECK(p.Feed(req, &consumed) == RequestParser::Result::kError);
    CHECK(p.error_status() == 431);
  }
  SECTION("a long URL counts too") {
    Collector c;
    RequestParser p(limits, &c);
    std::string req = "GET /" + std::string(300, 'u') + " HTTP/1.1\r\n\r\n";
    CHECK(p.Feed(req, &consumed) == RequestParser::Result::kError);
    CHECK(p.error_status() == 431);
  }
  SECTION("garbage: 400") {
    Collector c;
    RequestParser p(limits, &c);
    CHECK(p.Feed("HELLO\r\n\r\n", &consumed) == RequestParser::Result::kError);
    CHECK(p.error_status() == 400);
    CHECK(p.error() == Err::kRestBadRequest);
  }
  SECTION("CONNECT is refused") {
    Collector c;
    RequestParser p(limits, &c);
    CHECK(p.Feed("CONNECT a:1 HTTP/1.1\r\n\r\n", &consumed) == RequestParser::Result::kError);
  }
  SECTION("an Upgrade request is answered as plain HTTP/1.1, and parsing goes on") {
    Collector c;
    RequestParser p(limits, &c);
    CHECK(p.Feed("GET /a HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"
                 "GET /b HTTP/1.1\r\n\r\n",
                 &consumed) == RequestParser::Result::kOk);
    REQUIRE(c.requests.size() == 2);
    CHECK(c.requests[1].url == "/b");
  }
}

TEST_CASE("Expect: 100-continue is reported once the headers are in, if the body fits",
          "[rest][http]") {
  HttpLimits limits;
  limits.max_body = 10;
  Collector c;
  RequestParser p(limits, &c);
  size_t consumed;
  REQUIRE(p.Feed("PUT /x HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n",
                 &consumed) == RequestParser::Result::kOk);
  CHECK(c.continues == 1);
  CHECK(c.requests.empty());
  REQUIRE(p.Feed("abc", &consumed) == RequestParser::Result::kOk);
  REQUIRE(c.requests.size() == 1);
  CHECK(c.requests[0].body == "abc");
  Collector big;
  RequestParser q(limits, &big);
  CHECK(q.Feed("PUT /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n",
               &consumed) == RequestParser::Result::kError);
  CHECK(big.continues == 0);  // answered 413 instead
}

TEST_CASE("HTTP/1.0 closes unless it asks for keep-alive", "[rest][http]") {
  Collector c;
  RequestParser p(HttpLimits{}, &c);
  size_t consumed;
  REQUIRE(p.Feed("GET / HTTP/1.0\r\n\r\n", &consumed) == RequestParser::Result::kOk);
  RequestParser q(HttpLimits{}, &c);
  REQUIRE(q.Feed("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &consumed) ==
          RequestParser::Result::kOk);
  REQUIRE(c.requests.size() == 2);
  CHECK_FALSE(c.requests[0].keep_alive);
  CHECK(c.requests[1].keep_alive);
}

TEST_CASE("query parameters and percent-decoding", "[rest][http]") {
  HttpRequest r;
  r.url = "/x?prefix=a%20b&limit=10&flag&plus=a+b&bad=%zz";
  std::string v;
  CHECK(r.QueryParam("prefix", &v));
  CHECK(v == "a b");
  CHECK(r.QueryParam("limit", &v));
  CHECK(v == "10");
  CHECK(r.QueryParam("flag", &v));
  CHECK(v.empty());
  CHECK(r.QueryParam("plus", &v));
  CHECK(v == "a b");
  CHECK(r.QueryParam("bad", &v));
  CHECK(v == "%zz");  // kept as sent
  CHECK_FALSE(r.QueryParam("missing", &v));
  std::string out;
  CHECK(PercentDecode("a%2Fb%3a", false, &out));
  CHECK(out == "a/b:");
  out.clear();
  CHECK_FALSE(PercentDecode("a%2", false, &out));
  out.clear();
  CHECK(PercentDecode("a+b", false, &out));
  CHECK(out == "a+b");  // '+' is a space only in queries
}

TEST_CASE("responses are serialized with length, type and connection", "[rest][http]") {
  HttpResponse r;
  r.body = "{}";
  r.etag = "\"e\"";
  std::string out;
  AppendResponse(r, true, &out);
  CHECK(out ==
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
        "ETag: \"e\"\r\nConnection: keep-alive\r\n\r\n{}");
  out.clear();
  HttpResponse e = ErrorResponse(413, "ERR \"big\"");
  AppendResponse(e, false, &out);
  CHECK(out ==
        "HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\n"
        "Content-Length: 23\r\nConnection: close\r\n\r\n{\"error\":\"ERR \\\"big\\\"\"}");
  out.clear();
  HttpResponse s;
  s.stream = true;
  s.content_type = "text/event-stream";
  s.body = "data: x\n\n";
  AppendResponse(s, true, &out);
  CHECK(out ==
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
        "Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n9\r\ndata: x\n\n\r\n");
}

}  // namespace
}  // namespace brisk::rest
