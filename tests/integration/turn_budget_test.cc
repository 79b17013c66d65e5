// The per-turn work budget of a connection (server/connection.h invariant 6): a pipeline
// whose commands take longer than one turn's budget is executed over several loop turns,
// resuming exactly where it stopped (no command lost, repeated or re-parsed), while other
// clients are served in between.
#include <thread>

#include <catch2/catch.hpp>

#include "raw_conn.h"
#include "test_server.h"

using namespace brisk::test;
using namespace std::chrono_literals;

namespace {

std::string Bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}

// Number of complete replies at the front of b.
size_t CountReplies(const std::string& b) {
  size_t n = 0;
  for (size_t pos = 0, len; (len = RawConn::FrameLength(b, pos)) > 0; pos += len) ++n;
  return n;
}

}  // namespace

TEST_CASE("a pipeline spanning many turns is answered completely and in order",
          "[protocol][turn-budget]") {
  TestServer srv;
  RawConn c(srv.port(), 30s);
  // A mix of commands whose replies all differ, inline commands among RESP ones, and
  // now and then a 200 KB value, so commands straddle the reads and the turns.
  constexpr int kCommands = 100000;
  std::string batch, expected;
  batch.reserve(8 << 20);
  std::vector<std::string> values(kCommands);
  int64_t counter = 0;
  for (int i = 0; i < kCommands; ++i) {
    std::string key = "t:" + std::to_string(i - i % 5);
    switch (i % 5) {
      case 0:
        values[i] = std::string(size_t(i % 300), char('a' + i % 26)) + std::to_string(i);
        batch += RawConn::Encode({"SET", key, values[i]});
        expected += "+OK\r\n";
        break;
      case 1:
        batch += RawConn::Encode({"GET", key});
        expected += Bulk(values[i - 1]);
        break;
      case 2:
        batch += RawConn::Encode({"INCR", "counter"});
        expected += ":" + std::to_string(++counter) + "\r\n";
        break;
      case 3:
        batch += "ECHO inline-" + std::to_string(i) + "\r\n";
        expected += Bulk("inline-" + std::to_string(i));
        break;
      case 4:
        batch += RawConn::Encode({"APPEND", key, "x"});
        expected += ":" + std::to_string(values[i - 4].size() + 1) + "\r\n";
        break;
    }
    if (i % 20000 == 19999) {
      std::string big(200 * 1024, char('A' + i % 26));
      batch += RawConn::Encode({"SET", "big:" + std::to_string(i), big});
      batch += RawConn::Encode({"STRLEN", "big:" + std::to_string(i)});
      expected += "+OK\r\n:" + std::to_string(big.size()) + "\r\n";
    }
  }
  // The writer runs on its own thread: the server stops reading while its replies wait.
  bool sent = false;
  std::thread writer([&] { sent = c.Send(batch); });
  std::string got = c.ReadExactly(expected.size());
  writer.join();
  REQUIRE(sent);
  if (got != expected) {
    size_t at = 0;
    while (at < got.size() && got[at] == expected[at]) ++at;
    INFO("first difference at byte " << at << " of " << expected.size() << ": got '"
                                     << got.substr(at, 60) << "' expected '"
                                     << expected.substr(at, 60) << "'");
    REQUIRE(got == expected);
  }
  // Nothing extra follows, and the connection still works.
  REQUIRE(c.Cmd({"GET", "counter"}) == Bulk(std::to_string(counter)));
  REQUIRE(srv.Stop() == 0);
}

TEST_CASE("a slow pipeline is split across turns: another client is served in between",
          "[protocol][turn-budget]") {
  TestServer srv;
  RawConn slow(srv.port(), 30s);
  RawConn other(srv.port(), 30s);
  REQUIRE(other.Cmd({"PING"}) == "+PONG\r\n");
  // 40 commands of 5 ms each in one write: 200 ms of work, far past a turn's budget.
  constexpr int kSleeps = 40;
  std::string batch;
  for (int i = 0; i < kSleeps; ++i) batch += RawConn::Encode({"DEBUG", "SLEEP", "0.005"});
  REQUIRE(slow.Send(batch));
  // Once the first replies came back, the pipeline is under way: a PING on another
  // connection is answered after at most one more turn's share of it, not after all.
  REQUIRE(slow.ReadReply() == "+OK\r\n");
  REQUIRE(other.Cmd({"PING"}) == "+PONG\r\n");
  slow.SetTimeout(1ms);
  while (slow.ReadSome() == RawConn::ReadResult::kData) {
  }
  size_t seen_at_pong = 1 + CountReplies(slow.pending());
  INFO("replies of the slow pipeline sent when the PING was answered: " << seen_at_pong);
  CHECK(seen_at_pong < size_t(kSleeps));
  // The rest follows, every reply once and in order.
  slow.SetTimeout(30s);
  std::string rest = slow.ReadExactly(size_t(kSleeps - 1) * 5);
  std::string want;
  for (int i = 1; i < kSleeps; ++i) want += "+OK\r\n";
  REQUIRE(rest == want);
  REQUIRE(slow.Cmd({"PING"}) == "+PONG\r\n");
  REQUIRE(srv.Stop() == 0);
}
