#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "rest/tables_api.h"
#include "rest/upstash.h"
#include "rest_harness.h"

namespace brisk::rest {
namespace {

using test::RestHarness;
using M = Method;

TEST_CASE("Upstash: single commands, results and errors", "[rest][api]") {
  RestHarness r;
  auto res = r.Call(M::kPost, "/", R"(["SET","k","v","EX",100])");
  CHECK(res.status == 200);
  CHECK(res.body == R"({"result":"OK"})");
  CHECK(r.Call(M::kPost, "/", R"(["get","k"])").body == R"({"result":"v"})");
  CHECK(r.Call(M::kPost, "/", R"(["TTL","k"])").body == R"({"result":100})");
  CHECK(r.Call(M::kPost, "/", R"(["SET","f",1.5])").status == 200);
  CHECK(r.Resp({"GET", "f"}) == "$3\r\n1.5\r\n");
  res = r.Call(M::kPost, "/", R"(["INCR","k"])");
  CHECK(res.status == 400);
  CHECK(res.body == R"({"error":"ERR value is not an integer or out of range"})");
  res = r.Call(M::kPost, "/", R"(["NOPE"])");
  CHECK(res.status == 400);
  CHECK(r.Call(M::kPost, "/", "not json").body ==
        R"({"error":"ERR request body is not valid JSON"})");
  CHECK(r.Call(M::kPost, "/", R"(["SET",null])").status == 400);
  CHECK(r.Call(M::kPost, "/", R"({"cmd":"GET"})").status == 400);
  CHECK(r.Call(M::kGet, "/").status == 405);
}

TEST_CASE("Upstash: pipeline, multi-exec, path style, base64", "[rest][api]") {
  RestHarness r;
  auto res = r.Call(M::kPost, "/pipeline",
                    R"([["SET","a","1"],["INCR","a"],["GET","x"],["INCR","zz","q"]])");
  CHECK(res.status == 200);
  CHECK(
      res.body ==
      R"([{"result":"OK"},{"result":2},{"result":null},{"error":"ERR wrong number of arguments for 'incr' command"}])");
  res = r.Call(M::kPost, "/multi-exec", R"([["SET","t","1"],["INCRBY","t",9],["GET","t"]])");
  CHECK(res.body == R"([{"result":"OK"},{"result":10},{"result":"10"}])");
  res = r.Call(M::kPost, "/multi-exec", R"([["SET","t","1"],["INCR","t","x"]])");
  CHECK(res.status == 400);
  CHECK(res.body == R"({"error":"EXECABORT Transaction discarded because of previous errors."})");
  CHECK(r.Resp({"GET", "t"}) == "$2\r\n10\r\n");  // nothing of the aborted transaction ran
  // A failing command inside EXEC is an element error, the others run.
  res = r.Call(M::kPost, "/multi-exec", R"([["SET","s","x"],["INCR","s"],["GET","s"]])");
  CHECK(
      res.body ==
      R"([{"result":"OK"},{"error":"ERR value is not an integer or out of range"},{"result":"x"}])");
  // The REST client is reset after each request: no transaction leaks.
  CHECK(r.Call(M::kPost, "/", R"(["GET","s"])").body == R"({"result":"x"})");

  CHECK(r.Call(M::kGet, "/set/p%3Ak/hello%20there").body == R"({"result":"OK"})");
  CHECK(r.Call(M::kGet, "/get/p:k").body == R"({"result":"hello there"})");
  CHECK(r.Call(M::kPost, "/set/p:b", "body bytes").body == R"({"result":"OK"})");
  CHECK(r.Resp({"GET", "p:b"}) == "$10\r\nbody bytes\r\n");
  CHECK(r.Call(M::kGet, "/publish/ch/m").body == R"({"result":0})");

  auto b64 = r.Call(M::kPost, "/", R"(["GET","p:k"])", "", {{"Upstash-Encoding", "base64"}});
  CHECK(b64.body == R"({"result":"aGVsbG8gdGhlcmU="})");
  b64 = r.Call(M::kPost, "/pipeline", R"([["SET","z","1"],["MGET","z","nope"]])", "",
               {{"Upstash-Encoding", "base64"}});
  CHECK(b64.body == R"([{"result":"OK"},{"result":["MQ==",null]}])");
}

TEST_CASE("Upstash: the lock-free GET gives the loop's answers", "[rest][api]") {
  RestHarness r;
  r.Resp({"SET", "k", "v"});
  r.Resp({"SET", "n", "12"});
  for (bool lockfree : {true, false}) {
    r.set_lockfree(lockfree);
    INFO("lockfree " << lockfree);
    CHECK(r.Call(M::kPost, "/", R"(["GET","k"])").body == R"({"result":"v"})");
    CHECK(r.Call(M::kPost, "/", R"(["GET","n"])").body == R"({"result":"12"})");
    CHECK(r.Call(M::kPost, "/", R"(["GET","none"])").body == R"({"result":null})");
    CHECK(r.Call(M::kGet, "/get/k", "", "", {{"Upstash-Encoding", "base64"}}).body ==
          R"({"result":"dg=="})");
  }
  r.set_lockfree(true);
  CHECK(r.Call(M::kPost, "/", R"(["GET","k"])").status == 200);
}

TEST_CASE("lock-free reads defer to the loop for entries the log has not released", "[rest][api]") {
  RestHarness r;
  r.h().keyspace().set_track_lsn(true);
  r.Resp({"SET", "t:a", "1"});
  r.Resp({"SET", "t:b", "2"});
  uint64_t lsn = r.h().keyspace().lsn();
  auto fast = [&] {
    std::string text;
    r.metrics().Render(&text);
    size_t at = text.find("\nbrisk_http_lockfree_reads_total ");
    return std::stoul(text.substr(at + 33));
  };
  size_t before = fast();
  r.set_read_gate(lsn);  // everything released: lock-free
  CHECK(r.Call(M::kGet, "/v1/tables/t/items/b").body == R"({"key":"b","value":2,"ttl":-1})");
  CHECK(fast() == before + 1);
  r.set_read_gate(kReadsViaLoop);  // unreleased effects: every read through the loop
  CHECK(r.Call(M::kGet, "/v1/tables/t/items/a").body == R"({"key":"a","value":1,"ttl":-1})");
  CHECK(r.Call(M::kPost, "/", R"(["GET","t:a"])").body == R"({"result":"1"})");
  CHECK(r.Call(M::kGet, "/v1/tables").status == 200);
  CHECK(fast() == before + 1);
  r.set_read_gate(lsn - 1);  // t:b's write is not released yet: the loop answers
  CHECK(r.Call(M::kGet, "/v1/tables/t/items/b").body == R"({"key":"b","value":2,"ttl":-1})");
  CHECK(r.Call(M::kGet, "/v1/tables/t/items/a").status == 200);  // older: still lock-free
  CHECK(r.Call(M::kPost, "/v1/tables/t/batch/get", R"({"keys":["a","b"]})").status == 200);
  CHECK(r.Call(M::kGet, "/v1/tables/t/items").body.find(R"("key":"b")") != std::string::npos);
  CHECK(r.Call(M::kPost, "/", R"(["GET","t:b"])").body == R"({"result":"2"})");
  CHECK(fast() == before + 2);  // only the read of t:a was lock-free
}

TEST_CASE("auth: 401 and 403 through the API", "[rest][api]") {
  RestHarness r({"adm admin:*", "rd read:users"});
  CHECK(r.Call(M::kGet, "/health").status == 200);
  CHECK(r.Call(M::kPost, "/", R"(["PING"])").status == 401);
  CHECK(r.Call(M::kPost, "/", R"(["PING"])", "bad").status == 401);
  CHECK(r.Call(M::kPost, "/?_token=rd", R"(["PING"])").status == 200);
  CHECK(r.Call(M::kPost, "/", R"(["SET","users:1","x"])", "rd").status == 403);
  CHECK(r.Call(M::kPost, "/", R"(["SET","users:1","x"])", "adm").status == 200);
  CHECK(r.Call(M::kPost, "/", R"(["GET","users:1"])", "rd").status == 200);
  CHECK(r.Call(M::kPost, "/multi-exec", R"([["GET","users:1"],["SET","users:1","y"]])", "rd")
            .status == 403);
  CHECK(r.Resp({"GET", "users:1"}) == "$1\r\nx\r\n");
  CHECK(r.Call(M::kGet, "/v1/tables/users/items/1", "", "rd").status == 200);
  CHECK(r.Call(M::kPut, "/v1/tables/users/items/1", "z", "rd").status == 403);
  CHECK(r.Call(M::kDelete, "/v1/tables/users", "", "rd").status == 403);
  CHECK(r.Call(M::kGet, "/subscribe/other:x", "", "rd").status == 403);
  CHECK(r.Call(M::kGet, "/psubscribe/*", "", "rd").status == 403);
  CHECK(r.Call(M::kGet, "/metrics", "", "rd").status == 403);
  auto tables = r.Call(M::kGet, "/v1/tables", "", "rd");  // only the tables it may read
  CHECK(tables.body.rfind(R"({"tables":[{"name":"users","items":1,"bytes":)", 0) == 0);
  CHECK(tables.body.find("\"name\":\"\"") == std::string::npos);
}

TEST_CASE("tables: items, TTLs, listing, batches, drop", "[rest][api]") {
  RestHarness r;
  auto put = r.Call(M::kPut, "/v1/tables/users/items/42?ttl=5m", R"({"a":[1,2]})", "",
                    {{"Content-Type", "application/json"}});
  CHECK(put.status == 200);
  CHECK(put.body == R"({"key":"42","value":{"a":[1,2]},"ttl":300})");
  CHECK(put.etag.size() == 18);
  auto get = r.Call(M::kGet, "/v1/tables/users/items/42");
  CHECK(get.body == put.body);
  CHECK(get.etag == put.etag);
  CHECK(
      r.Call(M::kPut, "/v1/tables/users/items/bad", "{", "", {{"Content-Type", "application/json"}})
          .status == 400);
  CHECK(r.Call(M::kPut, "/v1/tables/users/items/k%2Fslash", "text").body ==
        R"({"key":"k/slash","value":"text","ttl":-1})");
  CHECK(r.Resp({"GET", "users:k/slash"}) == "$4\r\ntext\r\n");
  CHECK(r.Call(M::kGet, "/v1/tables/users/items/none").status == 404);
  CHECK(r.Call(M::kGet, "/v1/tables/us:ers/items/x").status == 400);  // separator in a table
  CHECK(r.Call(M::kPut, "/v1/tables/users/items/t?ttl=0", "x").status == 400);
  CHECK(r.Call(M::kPut, "/v1/tables/users/items/t?ttl=1w", "x").body ==
        R"({"key":"t","value":"x","ttl":604800})");

  CHECK(r.Call(M::kPost, "/v1/tables/rl/items/a/incr?ttl=1h").body == R"({"value":1})");
  CHECK(r.Call(M::kPost, "/v1/tables/rl/items/a/incr?by=-5&ttl=10").body == R"({"value":-4})");
  CHECK(r.Resp({"TTL", "rl:a"}) == ":3600\r\n");  // the TTL of the creation only
  CHECK(r.Call(M::kPost, "/v1/tables/rl/items/a/incr?by=1.5").status == 400);

  CHECK(
      r.Call(
           M::kPost, "/v1/tables/b/batch/set",
           R"({"items":[{"key":"x","value":{"n":1}},{"key":"y","value":"s","ttl":"1h"},{"key":7,"value":true}]})")
          .body == R"({"set":3})");
  CHECK(r.Resp({"GET", "b:7"}) == "$4\r\ntrue\r\n");
  CHECK(
      r.Call(M::kPost, "/v1/tables/b/batch/get", R"({"keys":["x","no","y"]})").body ==
      R"({"items":[{"key":"x","value":{"n":1},"ttl":-1},null,{"key":"y","value":"s","ttl":3600}]})");
  CHECK(r.Call(M::kPost, "/v1/tables/b/batch/set", R"({"items":[{"key":"x"}]})").status == 400);
  CHECK(
      r.Call(M::kPost, "/v1/tables/b/batch/set", R"({"items":[{"key":"x","value":1,"ttl":"no"}]})")
          .status == 400);
  CHECK(r.Call(M::kPost, "/v1/tables/b/batch/delete", R"({"keys":["x","y","zz"]})").body ==
        R"({"deleted":2})");

  for (int i = 0; i < 30; ++i) r.Resp({"SET", "l:k" + std::to_string(i), std::to_string(i)});
  r.Resp({"SET", "l:other", "o"});
  r.Resp({"SET", "lx:k1", "not in table l"});
  auto list = r.Call(M::kGet, "/v1/tables/l/items?prefix=k&suffix=9");
  CHECK(list.body.find(R"("next_cursor":null)") != std::string::npos);
  CHECK(list.body.find(R"({"key":"k9","value":9,"ttl":-1})") != std::string::npos);
  CHECK(list.body.find(R"({"key":"k19","value":19,"ttl":-1})") != std::string::npos);
  CHECK(list.body.find("other") == std::string::npos);
  // Pages with a cursor see every key.
  std::string cursor;
  std::set<std::string> seen;
  for (int page = 0; page < 100; ++page) {
    auto p =
        r.Call(M::kGet, "/v1/tables/l/items?limit=7" + (cursor.empty() ? "" : "&cursor=" + cursor));
    REQUIRE(p.status == 200);
    size_t pos = 0;
    while ((pos = p.body.find("\"key\":\"", pos)) != std::string::npos) {
      pos += 7;
      seen.insert(p.body.substr(pos, p.body.find('"', pos) - pos));
    }
    size_t c = p.body.find("\"next_cursor\":\"");
    if (c == std::string::npos) break;
    c += 15;
    cursor = p.body.substr(c, p.body.find('"', c) - c);
  }
  CHECK(seen.size() == 31);
  CHECK(r.Call(M::kGet, "/v1/tables/l/items?limit=0").status == 400);
  CHECK(r.Call(M::kGet, "/v1/tables/l/items?cursor=x").status == 400);

  CHECK(r.Call(M::kGet, "/v1/tables/l").body.find(R"("items":31)") != std::string::npos);
  CHECK(r.Call(M::kGet, "/v1/tables/none").status == 404);
  CHECK(r.Call(M::kDelete, "/v1/tables/l").body == R"({"deleted":31})");
  CHECK(r.Resp({"EXISTS", "lx:k1"}) == ":1\r\n");
  CHECK(r.Call(M::kGet, "/v1/nothing").status == 404);
  CHECK(r.Call(M::kPatch, "/v1/tables/b/items/x").status == 405);
}

TEST_CASE("tables: conditional writes with ETags", "[rest][api]") {
  RestHarness r;
  std::string etag = r.Call(M::kPut, "/v1/tables/t/items/k", "v1").etag;
  CHECK(r.Call(M::kPut, "/v1/tables/t/items/k", "x", "", {{"If-None-Match", "*"}}).status == 412);
  CHECK(r.Call(M::kPut, "/v1/tables/t/items/n", "x", "", {{"If-None-Match", "*"}}).status == 200);
  CHECK(r.Call(M::kPut, "/v1/tables/t/items/k", "x", "", {{"If-Match", "\"00\""}}).status == 412);
  CHECK(r.Call(M::kPut, "/v1/tables/t/items/zz", "x", "", {{"If-Match", "*"}}).status == 412);
  CHECK(r.Resp({"GET", "t:k"}) == "$2\r\nv1\r\n");
  auto ok = r.Call(M::kPut, "/v1/tables/t/items/k", "v2", "", {{"If-Match", "\"x\", " + etag}});
  CHECK(ok.status == 200);
  CHECK(ok.etag != etag);
  CHECK(r.Call(M::kGet, "/v1/tables/t/items/k", "", "", {{"If-None-Match", ok.etag}}).status ==
        304);
  CHECK(r.Call(M::kDelete, "/v1/tables/t/items/k", "", "", {{"If-Match", etag}}).status == 412);
  CHECK(r.Call(M::kDelete, "/v1/tables/t/items/k", "", "", {{"If-Match", ok.etag}}).body ==
        R"({"deleted":1})");
  // A RESP write changes the ETag too (the same value rewritten gets a new LSN when the
  // engine tracks LSNs; the value differs here anyway).
  std::string e1 = r.Call(M::kPut, "/v1/tables/t/items/c", "1").etag;
  r.Resp({"SET", "t:c", "2"});
  CHECK(r.Call(M::kGet, "/v1/tables/t/items/c").etag != e1);
}

TEST_CASE("ttl parsing and ETag lists", "[rest][api]") {
  int64_t ms;
  CHECK(ParseTtl("30", &ms));
  CHECK(ms == 30000);
  CHECK(ParseTtl("30s", &ms));
  CHECK(ms == 30000);
  CHECK(ParseTtl("5m", &ms));
  CHECK(ms == 300000);
  CHECK(ParseTtl("1h", &ms));
  CHECK(ms == 3600000);
  CHECK(ParseTtl("2d", &ms));
  CHECK(ms == 172800000);
  CHECK(ParseTtl("1w", &ms));
  CHECK(ms == 604800000);
  for (const char* bad : {"", "0", "-1", "1.5", "s", "10y", "99999999999999999999", "5 m"}) {
    INFO(bad);
    CHECK_FALSE(ParseTtl(bad, &ms));
  }
  CHECK(EtagListMatches("*", "\"a\""));
  CHECK(EtagListMatches("\"b\", W/\"a\"", "\"a\""));
  CHECK_FALSE(EtagListMatches("\"b\"", "\"a\""));
}

TEST_CASE("event streams: subscribe, psubscribe, table events, unsubscribe", "[rest][api]") {
  RestHarness r;
  r.set_conn(7);
  auto head = r.Call(M::kGet, "/subscribe/chat");
  CHECK(head.stream);
  CHECK(head.content_type == "text/event-stream");
  CHECK(head.body == "data: subscribe,chat,1\n\n");
  r.Resp({"PUBLISH", "chat", "hi"});
  CHECK(r.stream(7) == "data: message,chat,hi\n\n");
  r.set_conn(8);
  CHECK(r.Call(M::kPost, "/psubscribe/ch*", "[]").body == "data: psubscribe,ch*,1\n\n");
  r.Resp({"PUBLISH", "chat", "two\nlines"});
  CHECK(r.stream(8) == "data: pmessage,ch*,chat,two\ndata: lines\n\n");
  CHECK(r.Resp({"PUBSUB", "NUMSUB", "chat"}) == "*2\r\n$4\r\nchat\r\n:1\r\n");
  r.exec().Unsubscribe(7);
  CHECK(r.Resp({"PUBSUB", "NUMSUB", "chat"}) == "*2\r\n$4\r\nchat\r\n:0\r\n");

  r.set_conn(9);
  CHECK(r.Call(M::kGet, "/v1/tables/users/events").status == 409);
  r.Resp({"CONFIG", "SET", "notify-keyspace-events", "T$g"});
  auto events = r.Call(M::kGet, "/v1/tables/users/events");
  CHECK(events.stream);
  CHECK(events.body == ": subscribed\n\n");
  r.Resp({"SET", "users:1", "a"});
  r.Resp({"SET", "other:1", "a"});
  r.Call(M::kPut, "/v1/tables/users/items/2", "b");
  r.Resp({"DEL", "users:1"});
  CHECK(r.stream(9) ==
        "data: {\"event\":\"set\",\"key\":\"1\"}\n\ndata: {\"event\":\"set\",\"key\":\"2\"}\n\n"
        "data: {\"event\":\"del\",\"key\":\"1\"}\n\n");
  CHECK(r.exec().streams() == 2);
  r.exec().CloseStreams();
  CHECK(r.Resp({"PUBSUB", "NUMSUB", "__table@0__:users"}) ==
        "*2\r\n$17\r\n__table@0__:users\r\n:0\r\n");
}

TEST_CASE("metrics: adapter counters and the loop's snapshot", "[rest][api]") {
  RestHarness r;
  r.Resp({"SET", "users:1", "x"});
  r.metrics().CountRequest(Route::kItems, 200, 120);
  r.metrics().CountRequest(Route::kItems, 404, 5000);
  auto m = r.Call(M::kGet, "/metrics");
  CHECK(m.status == 200);
  CHECK(m.content_type.find("text/plain") == 0);
  for (const char* want :
       {"brisk_http_requests_total{route=\"items\",code=\"404\"} 1",
        "brisk_http_request_duration_seconds_bucket{route=\"items\",le=\"0.00025\"} 1",
        "brisk_http_request_duration_seconds_bucket{route=\"items\",le=\"+Inf\"} 2",
        "brisk_commands_total{cmd=\"set\"} 1", "brisk_table_keys{db=\"0\",table=\"users\"} 1",
        "# TYPE brisk_memory_used_bytes gauge", "brisk_aof_enabled 0"}) {
    INFO(want);
    CHECK(m.body.find(want) != std::string::npos);
  }
}

TEST_CASE("raw requests: pipelined, errors answered once", "[rest][api]") {
  RestHarness r;
  auto out = r.Raw(
      "POST / HTTP/1.1\r\nContent-Length: 15\r\n\r\n[\"SET\",\"a\",\"1\"]"
      "GET /get/a HTTP/1.1\r\n\r\n"
      "GET /health HTTP/1.1\r\n\r\n");
  REQUIRE(out.size() == 3);
  CHECK(out[0].body == R"({"result":"OK"})");
  CHECK(out[1].body == R"({"result":"1"})");
  CHECK(out[2].body == R"({"status":"ok"})");
  out = r.Raw("GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n");
  REQUIRE(out.size() == 1);
  CHECK(out[0].status == 400);
}

}  // namespace
}  // namespace brisk::rest
