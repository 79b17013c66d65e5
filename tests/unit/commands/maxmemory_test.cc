// maxmemory through the dispatcher: -OOM, eviction per policy before every command,
// OBJECT IDLETIME/FREQ against the policy, INFO counters.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "engine/eviction.h"
#include "harness.h"

namespace brisk::test {
namespace {

const std::string kOom = Err("OOM command not allowed when used memory > 'maxmemory'.");
const std::string kIdleUnderLfu =
    Err("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
        "switching between policies at runtime LRU and LFU data will take some time to adjust.");
const std::string kFreqUnderLru =
    Err("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
        "that when switching between policies at runtime LRU and LFU data will take some time "
        "to adjust.");

// used_memory as the server computes it: a fixed part plus the engine's exact count.
class MemoryHooks : public FakeHooks {
 public:
  static constexpr size_t kBase = 100'000;
  explicit MemoryHooks(const engine::Keyspace* ks) : ks_(ks) {}
  size_t UsedMemory() const override { return kBase + ks_->memory_bytes(); }

 private:
  const engine::Keyspace* ks_;
};

// A Harness with the server's maxmemory wiring: an Evictor configured from the config
// on every CONFIG SET of its directives (as Server::ApplyEvictionConfig).
class EvictionHarness : public Harness {
 public:
  EvictionHarness() : hooks_(&keyspace()), evictor_(&keyspace()) {
    hooks_.clients = hooks().clients;
    server().hooks = &hooks_;
    server().evictor = &evictor_;
    for (const char* name :
         {"maxmemory-policy", "maxmemory-samples", "lfu-log-factor", "lfu-decay-time"}) {
      server().config_registry->OnChange(name, [this](std::string*) {
        Apply();
        return true;
      });
    }
    Apply();
  }

  void Apply() {
    engine::EvictionSettings s;
    REQUIRE(engine::ParseEvictionPolicy(config().maxmemory_policy, &s.policy));
    s.samples = int(config().maxmemory_samples);
    s.lfu_log_factor = int(config().lfu_log_factor);
    s.lfu_decay_time = int(config().lfu_decay_time);
    evictor_.Configure(s);
  }

  size_t Used() const { return hooks_.UsedMemory(); }
  // maxmemory = what is used now + `room` bytes.
  void LimitAt(size_t room) {
    REQUIRE(Run({"config", "set", "maxmemory", std::to_string(Used() + room)}) == kOk);
  }
  uint64_t Stat(std::string_view field) {
    std::string info = Run({"info", "stats"});
    size_t at = info.find(std::string(field) + ":");
    REQUIRE(at != std::string::npos);
    return std::stoull(info.substr(at + field.size() + 1));
  }
  MemoryHooks& memory_hooks() { return hooks_; }

 private:
  MemoryHooks hooks_;
  engine::Evictor evictor_;
};

std::string Key(int i) {
  return "key:" + std::to_string(i);
}

TEST_CASE("noeviction: deny-oom commands get Redis's -OOM, others run", "[maxmemory]") {
  EvictionHarness h;
  for (int i = 0; i < 10; ++i) REQUIRE(h.Run({"set", Key(i), "v"}) == kOk);
  h.LimitAt(0);
  CHECK(h.Run({"set", "k", "v"}) == kOk);  // at the limit, not over: runs (and overshoots)
  for (const auto& cmd : std::vector<std::vector<std::string_view>>{{"set", "k2", "v"},
                                                                    {"setnx", "k2", "v"},
                                                                    {"setex", "k2", "10", "v"},
                                                                    {"psetex", "k2", "10", "v"},
                                                                    {"append", "k", "x"},
                                                                    {"incr", "n"},
                                                                    {"decr", "n"},
                                                                    {"incrby", "n", "2"},
                                                                    {"decrby", "n", "2"},
                                                                    {"incrbyfloat", "n", "1.5"},
                                                                    {"mset", "a", "1"},
                                                                    {"msetnx", "a", "1"},
                                                                    {"setrange", "k", "3", "x"},
                                                                    {"getset", "k", "v"},
                                                                    {"copy", "k", "k3"}}) {
    INFO(cmd[0]);
    CHECK(h.Run(cmd) == kOom);
  }
  // Reads, deletes and expiry changes are not deny-oom.
  CHECK(h.Run({"get", "k"}) == Bulk("v"));
  CHECK(h.Run({"expire", Key(0), "100"}) == Int(1));
  CHECK(h.Run({"getdel", Key(1)}) == Bulk("v"));
  CHECK(h.Run({"del", Key(2), Key(3), "k"}) == Int(3));
  // Deleting brought the memory under the limit: writes work again.
  CHECK(h.Run({"set", "k", "v"}) == kOk);
  CHECK(h.Stat("evicted_keys") == 0);
  // The rejected calls count as rejected, the errors as error replies.
  CHECK(h.Run({"info", "commandstats"}).find("cmdstat_set:calls=12,") != std::string::npos);
}

TEST_CASE("-OOM inside MULTI: queuing is refused and EXEC aborts", "[maxmemory]") {
  EvictionHarness h;
  for (int i = 0; i < 10; ++i) REQUIRE(h.Run({"set", Key(i), "v"}) == kOk);
  h.LimitAt(0);
  REQUIRE(h.Run({"set", "over", "v"}) == kOk);
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"get", "over"}) == kOom);  // any queued command, as Redis
  CHECK(h.Run({"exec"}) == Err("EXECABORT Transaction discarded because of previous errors."));
  // Queued while under the limit, then over at EXEC: EXEC of a deny-oom command fails.
  CHECK(h.Run({"del", "over"}) == Int(1));
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"set", "a", "1"}) == "+QUEUED\r\n");
  engine::Db& db = h.keyspace().db(0);
  db.InsertString("big", std::string(1000, 'x'));  // memory grows behind the queue
  CHECK(h.Run({"exec"}) == kOom);
  // The refused EXEC did not run: the transaction is still open, as in Redis (even the
  // nested MULTI is refused for memory first), and DISCARD is never refused.
  CHECK(h.Run({"multi"}) == kOom);
  CHECK(h.Run({"discard"}) == kOk);
}

TEST_CASE("volatile-* with no volatile keys: -OOM; with some: only they go", "[maxmemory]") {
  for (const char* policy : {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"}) {
    DYNAMIC_SECTION(policy) {
      EvictionHarness h;
      REQUIRE(h.Run({"config", "set", "maxmemory-policy", policy}) == kOk);
      for (int i = 0; i < 50; ++i) REQUIRE(h.Run({"set", Key(i), "v"}) == kOk);
      h.LimitAt(0);
      REQUIRE(h.Run({"set", "one-more", "v"}) == kOk);
      CHECK(h.Run({"set", "k", "v"}) == kOom);
      // With keys that have a TTL, those are evicted (and only those).
      REQUIRE(h.Run({"config", "set", "maxmemory", "0"}) == kOk);
      for (int i = 0; i < 20; ++i) {
        REQUIRE(h.Run({"set", "t:" + std::to_string(i), "v", "ex", "1000"}) == kOk);
      }
      h.LimitAt(0);
      for (int i = 0; i < 10; ++i) CHECK(h.Run({"set", "new:" + std::to_string(i), "v"}) == kOk);
      CHECK(h.Stat("evicted_keys") > 0);
      CHECK(h.Run({"dbsize"}) == Int(50 + 1 + 20 + 10 - int64_t(h.Stat("evicted_keys"))));
      for (int i = 0; i < 50; ++i) CHECK(h.Run({"exists", Key(i)}) == Int(1));
      CHECK(h.Used() <= h.config().maxmemory + 200);
    }
  }
}

TEST_CASE("volatile-ttl evicts the nearest deadline first", "[maxmemory]") {
  EvictionHarness h;
  REQUIRE(h.Run({"config", "set", "maxmemory-policy", "volatile-ttl"}) == kOk);
  for (int i = 0; i < 30; ++i) {
    REQUIRE(h.Run({"set", Key(i), "v", "ex", std::to_string(1000 + i)}) == kOk);
  }
  h.LimitAt(0);
  for (int i = 0; i < 5; ++i) REQUIRE(h.Run({"set", "p:" + std::to_string(i), "v"}) == kOk);
  uint64_t gone = h.Stat("evicted_keys");
  REQUIRE(gone > 0);
  for (int i = 0; i < 30; ++i) {
    CHECK(h.Run({"exists", Key(i)}) == Int(uint64_t(i) < gone ? 0 : 1));
  }
}

TEST_CASE("allkeys policies evict persistent keys and keep memory at the limit", "[maxmemory]") {
  for (const char* policy : {"allkeys-lru", "allkeys-lfu", "allkeys-random"}) {
    DYNAMIC_SECTION(policy) {
      EvictionHarness h;
      REQUIRE(h.Run({"config", "set", "maxmemory-policy", policy}) == kOk);
      h.LimitAt(40'000);
      const std::string value(100, 'v');
      size_t max_over = 0;
      for (int i = 0; i < 3000; ++i) {
        REQUIRE(h.Run({"set", Key(i), value}) == kOk);
        size_t limit = h.config().maxmemory;
        if (h.Used() > limit) max_over = std::max(max_over, h.Used() - limit);
        // Before any command, the memory is brought back under the limit.
        REQUIRE(h.Run({"ping"}) == "+PONG\r\n");
        REQUIRE(h.Used() <= limit);
      }
      uint64_t evicted = h.Stat("evicted_keys");
      CHECK(evicted > 2000);
      CHECK(h.Run({"dbsize"}) == Int(int64_t(3000 - evicted)));
      // Overshoot: one entry (and, when the SET grew the table, its new bucket array).
      size_t entry = engine::Entry::SizeClass(15 + Key(2999).size() + value.size());
      INFO("max overshoot " << max_over);
      CHECK(max_over <= entry + 8 * 1024);
      CHECK(h.Stat("current_eviction_exceeded_time") == 0);
    }
  }
}

TEST_CASE("allkeys-lru keeps the keys that are read", "[maxmemory]") {
  EvictionHarness h;
  REQUIRE(h.Run({"config", "set", "maxmemory-policy", "allkeys-lru"}) == kOk);
  for (int i = 0; i < 100; ++i) REQUIRE(h.Run({"set", "hot:" + std::to_string(i), "v"}) == kOk);
  h.LimitAt(20'000);
  for (int i = 0; i < 5000; ++i) {
    REQUIRE(h.Run({"set", Key(i), "v"}) == kOk);
    CHECK(h.Run({"get", "hot:" + std::to_string(i % 100)}) == Bulk("v"));
  }
  CHECK(h.Stat("evicted_keys") > 1000);
}

// WATCH invalidation and the append log's DEL come from the server's KeyObserver (see
// tests/integration/maxmemory_test.cc); the harness's observer publishes events only.
TEST_CASE("evictions publish 'evicted' keyspace events", "[maxmemory]") {
  EvictionHarness h;
  REQUIRE(h.Run({"config", "set", "maxmemory-policy", "volatile-ttl"}) == kOk);
  REQUIRE(h.Run({"config", "set", "notify-keyspace-events", "Ee"}) == kOk);
  cmd::ClientState sub = MakeClient(2);
  h.memory_hooks().clients.push_back(&sub);
  REQUIRE(h.Run({"subscribe", "__keyevent@0__:evicted"}, &sub).find("subscribe") !=
          std::string::npos);
  REQUIRE(h.Run({"set", "first", "v", "ex", "100"}) == kOk);
  REQUIRE(h.Run({"set", "second", "v", "ex", "200"}) == kOk);
  h.LimitAt(0);
  cmd::ClientState other = MakeClient(3);
  REQUIRE(h.Run({"set", "x", std::string(200, 'x')}, &other) == kOk);
  REQUIRE(h.Run({"get", "y"}, &other) == kNil);  // evicts "first" (nearest deadline)
  CHECK(h.Run({"exists", "first"}, &other) == Int(0));
  CHECK(h.memory_hooks().sent_to[&sub].find("evicted") != std::string::npos);
  CHECK(h.memory_hooks().sent_to[&sub].find("first") != std::string::npos);
}

TEST_CASE("OBJECT IDLETIME and FREQ follow the policy, with Redis's errors", "[maxmemory]") {
  EvictionHarness h;
  REQUIRE(h.Run({"set", "k", "v"}) == kOk);
  CHECK(h.Run({"object", "freq", "k"}) == kFreqUnderLru);
  CHECK(h.Run({"object", "idletime", "k"}) == Int(0));
  CHECK(h.Run({"object", "idletime", "missing"}) == kNil);
  CHECK(h.Run({"object", "freq", "missing"}) == kNil);
  REQUIRE(h.Run({"config", "set", "maxmemory-policy", "allkeys-lfu"}) == kOk);
  REQUIRE(h.Run({"config", "set", "lfu-log-factor", "0"}) == kOk);  // every hit counts
  REQUIRE(h.Run({"config", "set", "lfu-decay-time", "0"}) == kOk);  // no minute boundary
  REQUIRE(h.Run({"set", "f", "v"}) == kOk);
  CHECK(h.Run({"object", "freq", "f"}) == Int(5));  // LFU_INIT_VAL
  for (int i = 0; i < 3; ++i) REQUIRE(h.Run({"get", "f"}) == Bulk("v"));
  CHECK(h.Run({"object", "freq", "f"}) == Int(8));
  CHECK(h.Run({"object", "freq", "f"}) == Int(8));  // OBJECT does not touch
  CHECK(h.Run({"object", "idletime", "f"}) == kIdleUnderLfu);
  REQUIRE(h.Run({"config", "set", "maxmemory-policy", "volatile-lfu"}) == kOk);
  CHECK(h.Run({"object", "idletime", "f"}) == kIdleUnderLfu);
  REQUIRE(h.Run({"config", "set", "maxmemory-policy", "volatile-lru"}) == kOk);
  CHECK(h.Run({"object", "freq", "f"}) == kFreqUnderLru);
  // Idle time from the LRU clock: pin the clock ahead.
  REQUIRE(h.Run({"get", "k"}) == Bulk("v"));
  h.SetTime(clock::UnixMs() + 42'000);
  std::string idle = h.Run({"object", "idletime", "k"});
  CHECK((idle == Int(41) || idle == Int(42) || idle == Int(43)));
  REQUIRE(h.Run({"get", "k"}) == Bulk("v"));
  CHECK(h.Run({"object", "idletime", "k"}) == Int(0));
}

TEST_CASE("INFO: evicted_keys, expired_keys, keyspace hits and misses; RESETSTAT", "[maxmemory]") {
  EvictionHarness h;
  h.SetTime(1'700'000'000'000);
  REQUIRE(h.Run({"set", "a", "1"}) == kOk);
  REQUIRE(h.Run({"set", "b", "1", "px", "10"}) == kOk);
  CHECK(h.Run({"get", "a"}) == Bulk("1"));
  CHECK(h.Run({"get", "nope"}) == kNil);
  CHECK(h.Run({"mget", "a", "a", "nope"}) == "*3\r\n$1\r\n1\r\n$1\r\n1\r\n$-1\r\n");
  CHECK(h.Stat("keyspace_hits") == 3);
  CHECK(h.Stat("keyspace_misses") == 2);
  h.SetTime(1'700'000'000'100);
  CHECK(h.Run({"get", "b"}) == kNil);  // lazily expired
  CHECK(h.Stat("expired_keys") == 1);
  CHECK(h.Stat("keyspace_misses") == 3);
  REQUIRE(h.Run({"config", "set", "maxmemory-policy", "allkeys-random"}) == kOk);
  h.LimitAt(0);
  REQUIRE(h.Run({"set", "c", std::string(100, 'c')}) == kOk);
  REQUIRE(h.Run({"ping"}) == "+PONG\r\n");
  CHECK(h.Stat("evicted_keys") >= 1);
  REQUIRE(h.Run({"config", "resetstat"}) == kOk);
  CHECK(h.Stat("evicted_keys") == 0);
  CHECK(h.Stat("expired_keys") == 0);
  CHECK(h.Stat("keyspace_hits") == 0);
}

TEST_CASE("maxmemory directives: CONFIG GET/SET with Redis's units and bounds", "[maxmemory]") {
  EvictionHarness h;
  CHECK(h.Run({"config", "set", "maxmemory", "100mb"}) == kOk);
  CHECK(h.Run({"config", "get", "maxmemory"}) == "*2\r\n$9\r\nmaxmemory\r\n$9\r\n104857600\r\n");
  CHECK(h.Run({"config", "set", "maxmemory", "1gb"}) == kOk);
  CHECK(h.config().maxmemory == 1073741824);
  CHECK(h.Run({"config", "set", "maxmemory", "1k"}) == kOk);
  CHECK(h.config().maxmemory == 1000);
  CHECK(h.Run({"config", "set", "maxmemory", "0"}) == kOk);
  for (const char* p : {"noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random",
                        "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"}) {
    CHECK(h.Run({"config", "set", "maxmemory-policy", p}) == kOk);
    CHECK(h.Run({"config", "get", "maxmemory-policy"}).find(p) != std::string::npos);
  }
  CHECK(h.Run({"config", "set", "maxmemory-policy", "sieve"}).rfind("-ERR", 0) == 0);
  CHECK(h.Run({"config", "get", "maxmemory-samples"}) ==
        "*2\r\n$17\r\nmaxmemory-samples\r\n$1\r\n5\r\n");
  CHECK(h.Run({"config", "set", "maxmemory-samples", "0"}).rfind("-ERR", 0) == 0);
  CHECK(h.Run({"config", "get", "lfu-log-factor"}) ==
        "*2\r\n$14\r\nlfu-log-factor\r\n$2\r\n10\r\n");
  CHECK(h.Run({"config", "get", "lfu-decay-time"}) == "*2\r\n$14\r\nlfu-decay-time\r\n$1\r\n1\r\n");
  CHECK(h.Run({"config", "set", "lfu-decay-time", "5"}) == kOk);
  CHECK(h.keyspace().access_policy().lfu_decay_time == 5);
  CHECK(h.Run({"config", "get", "maxmemory-eviction-tenacity"}) ==
        "*2\r\n$27\r\nmaxmemory-eviction-tenacity\r\n$2\r\n10\r\n");
  CHECK(h.Run({"config", "set", "maxmemory-eviction-tenacity", "101"}).rfind("-ERR", 0) == 0);
}

}  // namespace
}  // namespace brisk::test
