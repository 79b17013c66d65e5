// The blocking registry (commands/blocking.h) without a server: FIFO per key, multi-key
// waiters, ready-key signalling and de-duplication, deadlines, removal; the timeout
// parser; and the B* commands where blocking is denied (no connection), which reply as
// their non-blocking forms.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "commands/blocking.h"
#include "commands/context.h"
#include "harness.h"

using namespace brisk;
using cmd::BlockedOp;
using cmd::BlockingRegistry;

namespace {

std::vector<std::string_view> Keys(std::initializer_list<std::string_view> k) {
  return k;
}

std::vector<uint64_t> FifoIds(const BlockingRegistry& r, int db, std::string_view key) {
  std::vector<uint64_t> out;
  if (const auto* fifo = r.WaitersOn(db, key)) {
    for (const auto* w : *fifo) out.push_back(w->client_id);
  }
  return out;
}

}  // namespace

TEST_CASE("registry: FIFO per key, several keys per client, removal", "[blocking]") {
  BlockingRegistry r;
  cmd::ClientState a = test::MakeClient(1), b = test::MakeClient(2), c = test::MakeClient(3);
  CHECK_FALSE(r.any());
  auto ka = Keys({"k1", "k2", "k1"});  // a duplicate key counts once
  r.Block(&a, 0, ka, BlockedOp{}, 0);
  auto kb = Keys({"k2"});
  r.Block(&b, 0, kb, BlockedOp{}, 500);
  auto kc = Keys({"k1"});
  r.Block(&c, 3, kc, BlockedOp{}, 100);
  CHECK(r.any());
  CHECK(a.blocked);
  CHECK(r.blocked_clients() == 3);
  CHECK(r.blocking_keys() == 3);  // (0,k1) (0,k2) (3,k1)
  CHECK(r.timed_clients() == 2);
  CHECK(FifoIds(r, 0, "k1") == std::vector<uint64_t>{1});
  CHECK(FifoIds(r, 0, "k2") == std::vector<uint64_t>{1, 2});
  CHECK(FifoIds(r, 3, "k1") == std::vector<uint64_t>{3});
  CHECK(r.WaitersOn(1, "k1") == nullptr);
  CHECK(r.WaitersOn(99, "k1") == nullptr);
  CHECK(r.next_deadline_ms() == 100);
  CHECK(r.Due(99).empty());
  CHECK(r.Due(500) == std::vector<uint64_t>{3, 2});

  auto w = r.Remove(&a);
  REQUIRE(w != nullptr);
  CHECK(w->keys == std::vector<std::string>{"k1", "k2"});
  CHECK_FALSE(a.blocked);
  CHECK(r.Remove(&a) == nullptr);
  CHECK(r.WaitersOn(0, "k1") == nullptr);  // erased with its last waiter
  CHECK(FifoIds(r, 0, "k2") == std::vector<uint64_t>{2});
  CHECK(r.blocking_keys() == 2);
  r.Remove(&c);
  CHECK(r.next_deadline_ms() == 500);
  CHECK(r.Find(2) != nullptr);
  CHECK(r.Find(3) == nullptr);
  r.Remove(&b);
  CHECK_FALSE(r.any());
  CHECK(r.blocking_keys() == 0);
  CHECK(r.next_deadline_ms() == 0);
}

TEST_CASE("registry: ready keys in signal order, once each", "[blocking]") {
  BlockingRegistry r;
  cmd::ClientState a = test::MakeClient(1), b = test::MakeClient(2);
  r.SignalKey(0, "k1");  // nobody waits: ignored
  CHECK_FALSE(r.has_ready());
  auto ka = Keys({"k1", "k2"});
  r.Block(&a, 0, ka, BlockedOp{}, 0);
  auto kb = Keys({"k3"});
  r.Block(&b, 1, kb, BlockedOp{}, 0);
  r.SignalKey(0, "k2");
  r.SignalKey(0, "other");
  r.SignalKey(0, "k1");
  r.SignalKey(0, "k2");  // already ready
  r.SignalKey(1, "k1");  // other db
  auto ready = r.TakeReady();
  REQUIRE(ready.size() == 2);
  CHECK(ready[0] == std::pair<int, std::string>{0, "k2"});
  CHECK(ready[1] == std::pair<int, std::string>{0, "k1"});
  CHECK_FALSE(r.has_ready());
  r.SignalKey(0, "k2");  // ready again once taken
  r.SignalDb(1);
  ready = r.TakeReady();
  REQUIRE(ready.size() == 2);
  CHECK(ready[1] == std::pair<int, std::string>{1, "k3"});
  // A key whose waiters left while it was ready is simply found empty later.
  r.SignalKey(1, "k3");
  r.Remove(&b);
  ready = r.TakeReady();
  REQUIRE(ready.size() == 1);
  CHECK(r.WaitersOn(1, "k3") == nullptr);
  r.Remove(&a);
}

TEST_CASE("timeout parsing follows Redis 7.0", "[blocking]") {
  int64_t d = -1;
  std::string_view err;
  REQUIRE(cmd::ParseBlockTimeout("0", 1000, &d, &err));
  CHECK(d == 0);
  REQUIRE(cmd::ParseBlockTimeout("1.5", 1000, &d, &err));
  CHECK(d == 2500);
  REQUIRE(cmd::ParseBlockTimeout("0.0001", 1000, &d, &err));  // ceil: 1 ms
  CHECK(d == 1001);
  REQUIRE(cmd::ParseBlockTimeout("-0.0001", 1000, &d, &err));  // ceil: 0 = forever
  CHECK(d == 0);
  REQUIRE(cmd::ParseBlockTimeout("0x10", 1000, &d, &err));  // strtold accepts hex
  CHECK(d == 17000);
  CHECK_FALSE(cmd::ParseBlockTimeout("abc", 1000, &d, &err));
  CHECK(err == "ERR timeout is not a float or out of range");
  CHECK_FALSE(cmd::ParseBlockTimeout("nan", 1000, &d, &err));
  CHECK(err == "ERR timeout is not a float or out of range");
  CHECK_FALSE(cmd::ParseBlockTimeout(" 1", 1000, &d, &err));
  CHECK_FALSE(cmd::ParseBlockTimeout("-1", 1000, &d, &err));
  CHECK(err == "ERR timeout is negative");
  CHECK_FALSE(cmd::ParseBlockTimeout("1e30", 1000, &d, &err));
  CHECK(err == "ERR timeout is negative");
  CHECK_FALSE(cmd::ParseBlockTimeout("inf", 1000, &d, &err));
  CHECK_FALSE(cmd::ParseBlockTimeout("9223372036854775", 1000000, &d, &err));
  CHECK(err == "ERR timeout is out of range");
}

TEST_CASE("B* commands where a client cannot block reply as the non-blocking forms", "[blocking]") {
  test::Harness h;  // FakeHooks::CanBlock is false: like a script or REST client
  CHECK(h.Run({"BLPOP", "l", "0"}) == "*-1\r\n");
  CHECK(h.Run({"BLMOVE", "l", "d", "LEFT", "LEFT", "0"}) == "$-1\r\n");
  CHECK(h.Run({"BZMPOP", "0", "1", "z", "MIN"}) == "*-1\r\n");
  CHECK_FALSE(h.client().blocked);
  CHECK(h.Run({"RPUSH", "l", "a"}) == ":1\r\n");
  CHECK(h.Run({"BLPOP", "l", "0"}) == "*2\r\n$1\r\nl\r\n$1\r\na\r\n");
  CHECK(h.Run({"EXISTS", "l"}) == ":0\r\n");
}
