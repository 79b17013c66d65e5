// Pub/sub against the real binary: hiredis (RESP2), raw RESP3 push frames, keyspace
// events from the active expiry cycle, and a subscriber that never reads.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <thread>

#include "raw_conn.h"
#include "test_server.h"
#include "test_util.h"

using namespace brisk::test;

namespace {

// "a|b|c" of an array reply of strings/integers.
std::string Flat(const redisReply* r) {
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY) return Str(r);
  std::string s;
  for (size_t i = 0; i < r->elements; ++i) {
    if (i) s += '|';
    s += Str(r->element[i]);
  }
  return s;
}

std::string Bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}

size_t RssKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
  }
  return 0;
}

}  // namespace

TEST_CASE("hiredis RESP2: subscribe, publish, patterns, subscribed context", "[pubsub]") {
  TestServer srv;
  auto sub = srv.Connect();
  auto pub = srv.Connect();
  Reply r(static_cast<redisReply*>(redisCommand(sub.get(), "SUBSCRIBE news sport")));
  CHECK(Flat(r.get()) == "subscribe|news|<int 1>");
  CHECK(Flat(GetReply(sub.get()).get()) == "subscribe|sport|<int 2>");
  redisAppendCommand(sub.get(), "PSUBSCRIBE n*");
  CHECK(Flat(GetReply(sub.get()).get()) == "psubscribe|n*|<int 3>");

  CHECK(Int(pub.get(), {"PUBLISH", "news", "hello"}) == 2);
  CHECK(Flat(GetReply(sub.get()).get()) == "message|news|hello");
  CHECK(Flat(GetReply(sub.get()).get()) == "pmessage|n*|news|hello");
  CHECK(Int(pub.get(), {"PUBLISH", "sport", "goal"}) == 1);
  CHECK(Flat(GetReply(sub.get()).get()) == "message|sport|goal");

  redisAppendCommand(sub.get(), "GET k");
  CHECK(Str(GetReply(sub.get())) ==
        "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET "
        "are allowed in this context");
  redisAppendCommand(sub.get(), "PING");
  CHECK(Flat(GetReply(sub.get()).get()) == "pong|");

  CHECK(Flat(TestServer::Cmd(pub.get(), {"PUBSUB", "NUMSUB", "news", "x"}).get()) ==
        "news|<int 1>|x|<int 0>");
  CHECK(Int(pub.get(), {"PUBSUB", "NUMPAT"}) == 1);

  redisAppendCommand(sub.get(), "UNSUBSCRIBE news");
  CHECK(Flat(GetReply(sub.get()).get()) == "unsubscribe|news|<int 2>");
  redisAppendCommand(sub.get(), "RESET");
  CHECK(Str(GetReply(sub.get())) == "RESET");
  CHECK(Run(sub.get(), {"SET", "k", "v"}) == "OK");  // out of subscribed mode
  CHECK(Int(pub.get(), {"PUBLISH", "sport", "x"}) == 0);

  // A disconnect drops subscriptions.
  auto gone = srv.Connect();
  Reply g(static_cast<redisReply*>(redisCommand(gone.get(), "SUBSCRIBE bye")));
  CHECK(Int(pub.get(), {"PUBLISH", "bye", "1"}) == 1);
  gone.reset();
  CHECK(PollUntil([&] { return Int(pub.get(), {"PUBLISH", "bye", "2"}) == 0; }));
}

TEST_CASE("RESP3: push frames, every command allowed while subscribed", "[pubsub]") {
  TestServer srv;
  RawConn sub(srv.port());
  REQUIRE(sub.Cmd({"HELLO", "3"}).has_value());
  CHECK(sub.Cmd({"SUBSCRIBE", "c"}) == ">3\r\n" + Bulk("subscribe") + Bulk("c") + ":1\r\n");
  CHECK(sub.Cmd({"GET", "missing"}) == "_\r\n");
  auto pub = srv.Connect();
  CHECK(Int(pub.get(), {"PUBLISH", "c", "m1"}) == 1);
  CHECK(sub.ReadReply() == ">3\r\n" + Bulk("message") + Bulk("c") + Bulk("m1"));
  // Publishing to itself: the push precedes the reply, as in Redis.
  CHECK(sub.Cmd({"PUBLISH", "c", "m2"}) == ">3\r\n" + Bulk("message") + Bulk("c") + Bulk("m2"));
  CHECK(sub.ReadReply() == ":1\r\n");
  CHECK(sub.Cmd({"UNSUBSCRIBE"}) == ">3\r\n" + Bulk("unsubscribe") + Bulk("c") + ":0\r\n");
  CHECK(sub.Cmd({"UNSUBSCRIBE"}) == ">3\r\n" + Bulk("unsubscribe") + "_\r\n:0\r\n");
}

TEST_CASE("expired events come from the active expiry cycle; table events", "[pubsub]") {
  TestServer srv({"--notify-keyspace-events", "ExT$"});
  auto sub = srv.Connect();
  auto cmd = srv.Connect();
  Reply r(static_cast<redisReply*>(
      redisCommand(sub.get(), "SUBSCRIBE __keyevent@0__:expired __table@0__:users")));
  GetReply(sub.get());
  CHECK(Flat(TestServer::Cmd(cmd.get(), {"CONFIG", "GET", "notify-keyspace-events"}).get()) ==
        "notify-keyspace-events|$xET");
  CHECK(Run(cmd.get(), {"SET", "users:1", "v", "PX", "30"}) == "OK");
  CHECK(Flat(GetReply(sub.get()).get()) == "message|__table@0__:users|set users:1");
  // Nobody touches the key: the active cycle removes it and publishes.
  CHECK(Flat(GetReply(sub.get()).get()) == "message|__keyevent@0__:expired|users:1");
  CHECK(Flat(GetReply(sub.get()).get()) == "message|__table@0__:users|expired users:1");
}

TEST_CASE("a subscriber that never reads is dropped; memory stays bounded; others get all",
          "[pubsub][slow]") {
  TestServer srv;
  auto admin = srv.Connect();
  // The slow one subscribes, then never reads again.
  RawConn slow(srv.port());
  REQUIRE(slow.Cmd({"SUBSCRIBE", "feed"}).has_value());
  // The good one reads everything on its own thread and checks the order.
  auto good = srv.Connect();
  Reply r(static_cast<redisReply*>(redisCommand(good.get(), "SUBSCRIBE feed")));
  REQUIRE(Flat(r.get()) == "subscribe|feed|<int 1>");
  REQUIRE(Flat(TestServer::Cmd(admin.get(), {"PUBSUB", "NUMSUB", "feed"}).get()) == "feed|<int 2>");
  size_t rss_start_kb = RssKb(srv.pid());

  constexpr size_t kMsgSize = 4096;
  constexpr long kMessages = 1024L * 1024 * 1024 / kMsgSize;  // 1 GB published (issue 5)
  constexpr long kBatch = 256;
  constexpr long kWindow = 1024;  // the reader may lag by at most this many (4 MB)
  std::atomic<long> received{0};
  std::atomic<bool> in_order{true};
  std::thread reader([&] {
    for (long i = 0; i < kMessages; ++i) {
      Reply m = GetReply(good.get());
      if (!m || m->type != REDIS_REPLY_ARRAY || m->elements != 3) {
        in_order = false;
        return;
      }
      const redisReply* payload = m->element[2];
      if (std::stol(std::string(payload->str, 12)) != i) in_order = false;
      received = i + 1;
    }
  });

  auto pub = srv.Connect();
  std::string payload(kMsgSize, 'x');
  size_t rss_max_kb = rss_start_kb;
  auto t0 = std::chrono::steady_clock::now();
  bool paced = true;
  for (long sent = 0; sent < kMessages && paced;) {
    long n = std::min(kBatch, kMessages - sent);
    for (long k = 0; k < n; ++k) {
      char seq[16];
      snprintf(seq, sizeof(seq), "%012ld", sent + k);
      payload.replace(0, 12, seq);
      const char* argv[] = {"PUBLISH", "feed", payload.data()};
      size_t lens[] = {7, 4, payload.size()};
      redisAppendCommandArgv(pub.get(), 3, argv, lens);
    }
    for (long k = 0; k < n; ++k) REQUIRE(GetReply(pub.get()));
    sent += n;
    paced = PollUntil([&] { return received >= sent - kWindow || !in_order; },
                      std::chrono::seconds(30));
    if (sent % (kBatch * 16) == 0) rss_max_kb = std::max(rss_max_kb, RssKb(srv.pid()));
    REQUIRE(MsSince(t0) < 120000);
  }
  reader.join();
  rss_max_kb = std::max(rss_max_kb, RssKb(srv.pid()));
  WARN("RSS start " << rss_start_kb << " kB, max " << rss_max_kb << " kB, " << MsSince(t0)
                    << " ms");
  CHECK(paced);
  CHECK(in_order);
  CHECK(received == kMessages);
  CHECK(rss_max_kb < rss_start_kb + 100 * 1024);
  // The slow subscriber is gone: only the reader remains, and the server says why.
  CHECK(Flat(TestServer::Cmd(admin.get(), {"PUBSUB", "NUMSUB", "feed"}).get()) == "feed|<int 1>");
  std::string info = Run(admin.get(), {"INFO", "stats"});
  CHECK(info.find("client_output_buffer_limit_disconnections:1") != std::string::npos);
  std::ifstream log(srv.log_path());
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  CHECK(text.find("overcoming of output buffer limits") != std::string::npos);
}
