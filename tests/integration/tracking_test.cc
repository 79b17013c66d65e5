// Client-side caching against the real binary: RESP3 push invalidations (raw client:
// Debian's hiredis 0.14 cannot read RESP3), RESP2 REDIRECT to a hiredis subscriber of
// __redis__:invalidate, BCAST batching per loop turn, expiry, FLUSHALL, a broken
// redirect and the tracking-table-max-keys limit.
#include <catch2/catch.hpp>

#include "raw_conn.h"
#include "test_server.h"
#include "test_util.h"

using namespace brisk::test;

namespace {

std::string Bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}
std::string Invalidate(std::initializer_list<std::string_view> keys) {
  std::string s = ">2\r\n" + Bulk("invalidate") + "*" + std::to_string(keys.size()) + "\r\n";
  for (auto k : keys) s += Bulk(k);
  return s;
}

// A RESP3 connection with tracking switched on with `options`.
std::unique_ptr<RawConn> Tracker(const TestServer& srv, std::vector<std::string> options = {}) {
  auto c = std::make_unique<RawConn>(srv.port());
  REQUIRE(c->Cmd({"HELLO", "3"}).has_value());
  std::vector<std::string> argv = {"CLIENT", "TRACKING", "on"};
  argv.insert(argv.end(), options.begin(), options.end());
  REQUIRE(c->Cmd(argv) == "+OK\r\n");
  return c;
}

}  // namespace

TEST_CASE("RESP3 tracking: push after a change by another client, and after own reply",
          "[tracking]") {
  TestServer srv;
  auto t = Tracker(srv);
  auto w = srv.Connect();
  CHECK(Run(w.get(), {"SET", "k", "1"}) == "OK");
  CHECK(t->Cmd({"GET", "k"}) == Bulk("1"));
  CHECK(Run(w.get(), {"SET", "k", "2"}) == "OK");
  CHECK(t->ReadReply() == Invalidate({"k"}));
  // Own write: the reply first, then the push (Redis 7 order).
  CHECK(t->Cmd({"GET", "k"}) == Bulk("2"));
  CHECK(t->Cmd({"SET", "k", "3"}) == "+OK\r\n");
  CHECK(t->ReadReply() == Invalidate({"k"}));
  // FLUSHALL: null instead of the array of keys.
  CHECK(t->Cmd({"GET", "k"}) == Bulk("3"));
  CHECK(Run(w.get(), {"FLUSHALL"}) == "OK");
  CHECK(t->ReadReply() == ">2\r\n" + Bulk("invalidate") + "_\r\n");
  // A key expired by the active cycle is invalidated without anyone touching it.
  CHECK(Run(w.get(), {"SET", "e", "v", "PX", "30"}) == "OK");
  CHECK(t->Cmd({"GET", "e"}) == Bulk("v"));
  CHECK(t->ReadReply() == Invalidate({"e"}));
  CHECK(t->Cmd({"CLIENT", "TRACKINGINFO"}) == "%3\r\n" + Bulk("flags") + "~1\r\n" + Bulk("on") +
                                                  Bulk("redirect") + ":0\r\n" + Bulk("prefixes") +
                                                  "*0\r\n");
}

TEST_CASE("RESP2 tracking via REDIRECT to a __redis__:invalidate subscriber", "[tracking]") {
  TestServer srv;
  auto sub = srv.Connect();
  long long sub_id = Int(sub.get(), {"CLIENT", "ID"});
  Reply s = TestServer::Cmd(sub.get(), {"SUBSCRIBE", "__redis__:invalidate"});
  REQUIRE(s);
  auto t = srv.Connect();
  CHECK(Run(t.get(), {"CLIENT", "TRACKING", "on", "REDIRECT", "12345"}) ==
        "ERR The client ID you want redirect to does not exist");
  CHECK(Run(t.get(), {"CLIENT", "TRACKING", "on", "REDIRECT", std::to_string(sub_id)}) == "OK");
  CHECK(Int(t.get(), {"CLIENT", "GETREDIR"}) == sub_id);
  CHECK(Run(t.get(), {"MGET", "a", "b"}) == "<array 2>");
  auto w = srv.Connect();
  CHECK(Run(w.get(), {"SET", "b", "1"}) == "OK");
  void* raw = nullptr;
  REQUIRE(redisGetReply(sub.get(), &raw) == REDIS_OK);
  Reply m(static_cast<redisReply*>(raw));
  REQUIRE(m->type == REDIS_REPLY_ARRAY);
  REQUIRE(m->elements == 3);
  CHECK(Str(m->element[0]) == "message");
  CHECK(Str(m->element[1]) == "__redis__:invalidate");
  REQUIRE(m->element[2]->type == REDIS_REPLY_ARRAY);
  REQUIRE(m->element[2]->elements == 1);
  CHECK(Str(m->element[2]->element[0]) == "b");
}

TEST_CASE("BCAST batches a turn's keys per prefix; NOLOOP; OPTIN", "[tracking]") {
  TestServer srv;
  auto t = Tracker(srv, {"BCAST", "PREFIX", "a:", "PREFIX", "b:", "NOLOOP"});
  auto w = srv.Connect();
  CHECK(Run(w.get(), {"MULTI"}) == "OK");
  for (const char* k : {"a:1", "a:2", "b:1", "c:1"}) Run(w.get(), {"INCR", k});
  CHECK(Run(w.get(), {"EXEC"}) == "<array 4>");
  CHECK(t->ReadReply() == Invalidate({"a:1", "a:2"}));
  CHECK(t->ReadReply() == Invalidate({"b:1"}));
  // Its own write is left out; a later write by someone else arrives alone.
  CHECK(t->Cmd({"SET", "a:9", "x"}) == "+OK\r\n");
  CHECK(Run(w.get(), {"SET", "b:9", "x"}) == "OK");
  CHECK(t->ReadReply() == Invalidate({"b:9"}));

  auto o = Tracker(srv, {"OPTIN"});
  CHECK(o->Cmd({"GET", "x"}) == "_\r\n");
  CHECK(o->Cmd({"CLIENT", "CACHING", "yes"}) == "+OK\r\n");
  CHECK(o->Cmd({"GET", "y"}) == "_\r\n");
  CHECK(Run(w.get(), {"MSET", "x", "1", "y", "1"}) == "OK");
  CHECK(o->ReadReply() == Invalidate({"y"}));
  CHECK(o->Cmd({"PING"}) == "+PONG\r\n");  // nothing for x came before this reply
}

TEST_CASE("broken redirect, client list fields, table limit, disconnects", "[tracking]") {
  TestServer srv;
  auto w = srv.Connect();
  {
    auto target = srv.Connect();
    long long id = Int(target.get(), {"CLIENT", "ID"});
    auto t = Tracker(srv, {"REDIRECT", std::to_string(id)});
    CHECK(t->Cmd({"GET", "k"}) == "_\r\n");
    std::string list = Run(w.get(), {"CLIENT", "LIST"});
    CHECK(list.find("flags=t ") != std::string::npos);
    CHECK(list.find("redir=" + std::to_string(id) + " ") != std::string::npos);
    target.reset();
    CHECK(PollUntil([&] {
      return Run(w.get(), {"CLIENT", "LIST"}).find("id=" + std::to_string(id) + " ") ==
             std::string::npos;
    }));
    CHECK(Run(w.get(), {"SET", "k", "1"}) == "OK");
    CHECK(t->ReadReply() ==
          ">2\r\n" + Bulk("tracking-redir-broken") + ":" + std::to_string(id) + "\r\n");
    CHECK(Run(w.get(), {"CLIENT", "LIST"}).find("flags=tR ") != std::string::npos);
  }  // the tracker disconnects with keys still in the table

  CHECK(Run(w.get(), {"CONFIG", "SET", "tracking-table-max-keys", "2"}) == "OK");
  CHECK(Run(w.get(), {"CONFIG", "GET", "tracking-table-max-keys"}) == "<array 2>");
  auto t = Tracker(srv);
  CHECK(t->Cmd({"MGET", "k1", "k2", "k3", "k4", "k5"}).has_value());
  // Three keys over the limit: three invalidations, whichever keys they are.
  for (int i = 0; i < 3; ++i) {
    auto r = t->ReadReply();
    REQUIRE(r.has_value());
    CHECK(r->rfind(">2\r\n" + Bulk("invalidate") + "*1\r\n$2\r\nk", 0) == 0);
  }
  CHECK(t->Cmd({"PING"}) == "+PONG\r\n");
  CHECK(Run(w.get(), {"FLUSHALL"}) == "OK");
  CHECK(t->ReadReply() == ">2\r\n" + Bulk("invalidate") + "_\r\n");
}
