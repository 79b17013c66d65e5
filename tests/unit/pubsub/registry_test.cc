#include "pubsub/registry.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

using brisk::pubsub::Kind;
using brisk::pubsub::Registry;
using brisk::pubsub::Subscriber;

namespace {

std::vector<std::string> Matches(const Registry& reg, std::string_view channel) {
  std::vector<std::string> out;
  reg.ForEachMatchingPattern(channel, [&](std::string_view pattern, const auto& subs) {
    out.push_back(std::string(pattern) + "/" + std::to_string(subs.size()));
  });
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("subscribe and unsubscribe keep index and subscriber in step", "[pubsub]") {
  Registry reg;
  Subscriber a, b;
  CHECK(reg.Subscribe(&a, Kind::kChannel, "x"));
  CHECK_FALSE(reg.Subscribe(&a, Kind::kChannel, "x"));
  CHECK(reg.Subscribe(&b, Kind::kChannel, "x"));
  CHECK(reg.Subscribe(&a, Kind::kShard, "x"));
  CHECK(reg.PSubscribe(&a, "x*"));
  CHECK(a.subscriptions == 3);
  CHECK(a.channels_and_patterns() == 2);
  REQUIRE(reg.Find(Kind::kChannel, "x") != nullptr);
  CHECK(reg.Find(Kind::kChannel, "x")->size() == 2);
  CHECK(reg.NumSubscribers(Kind::kShard, "x") == 1);
  CHECK(reg.NumChannels(Kind::kChannel) == 1);

  CHECK(reg.Unsubscribe(&a, Kind::kChannel, "x"));
  CHECK_FALSE(reg.Unsubscribe(&a, Kind::kChannel, "x"));
  CHECK(reg.NumSubscribers(Kind::kChannel, "x") == 1);
  CHECK(reg.Unsubscribe(&b, Kind::kChannel, "x"));
  CHECK(reg.Find(Kind::kChannel, "x") == nullptr);  // empty channels leave the index
  CHECK(reg.NumChannels(Kind::kChannel) == 0);

  reg.UnsubscribeAll(&a);
  CHECK(a.subscriptions == 0);
  CHECK(reg.NumPatterns() == 0);
  CHECK(reg.NumChannels(Kind::kShard) == 0);
  CHECK(a.shard_channels().empty());
}

TEST_CASE("pattern matching uses the glob matcher after a literal-prefix check", "[pubsub]") {
  Registry reg;
  Subscriber a, b;
  reg.PSubscribe(&a, "__keyspace@0__:users:*");
  reg.PSubscribe(&b, "__keyspace@0__:users:*");
  reg.PSubscribe(&a, "h?llo");
  reg.PSubscribe(&a, "exact");
  reg.PSubscribe(&b, "*");
  reg.PSubscribe(&b, "[ab]c");
  CHECK(Matches(reg, "__keyspace@0__:users:1") ==
        std::vector<std::string>{"*/1", "__keyspace@0__:users:*/2"});
  CHECK(Matches(reg, "hello") == std::vector<std::string>{"*/1", "h?llo/1"});
  CHECK(Matches(reg, "exact") == std::vector<std::string>{"*/1", "exact/1"});
  CHECK(Matches(reg, "exactly") == std::vector<std::string>{"*/1"});
  CHECK(Matches(reg, "bc") == std::vector<std::string>{"*/1", "[ab]c/1"});
  CHECK(Matches(reg, "").empty());  // "*" does not match "" (Redis's stringmatchlen)
  CHECK(reg.NumPatterns() == 5);
  CHECK(reg.PUnsubscribe(&b, "__keyspace@0__:users:*"));
  CHECK(Matches(reg, "__keyspace@0__:users:1") ==
        std::vector<std::string>{"*/1", "__keyspace@0__:users:*/1"});
}

TEST_CASE("Channels lists active channels, optionally filtered", "[pubsub]") {
  Registry reg;
  Subscriber a;
  reg.Subscribe(&a, Kind::kChannel, "news.tech");
  reg.Subscribe(&a, Kind::kChannel, "sport");
  reg.Subscribe(&a, Kind::kShard, "shard");
  std::string_view pat = "news.*";
  CHECK(reg.Channels(Kind::kChannel, &pat) == std::vector<std::string_view>{"news.tech"});
  CHECK(reg.Channels(Kind::kChannel, nullptr).size() == 2);
  CHECK(reg.Channels(Kind::kShard, nullptr) == std::vector<std::string_view>{"shard"});
}

TEST_CASE("many subscribers: removal keeps every other subscriber", "[pubsub]") {
  Registry reg;
  std::vector<Subscriber> subs(100);
  for (auto& s : subs) reg.Subscribe(&s, Kind::kChannel, "c");
  for (size_t i = 0; i < subs.size(); i += 2) reg.UnsubscribeAll(&subs[i]);
  const auto* left = reg.Find(Kind::kChannel, "c");
  REQUIRE(left != nullptr);
  CHECK(left->size() == 50);
  for (size_t i = 1; i < subs.size(); i += 2) {
    CHECK(std::count(left->begin(), left->end(), &subs[i]) == 1);
  }
}

TEST_CASE("cost check: patterns on other tables are never examined", "[pubsub]") {
  Registry reg;
  std::vector<Subscriber> others(1000);
  for (size_t i = 0; i < others.size(); ++i) {
    REQUIRE(reg.PSubscribe(&others[i], "__keyspace@0__:t" + std::to_string(i) + ":*"));
  }
  Subscriber mine, everything;
  REQUIRE(reg.PSubscribe(&mine, "__keyspace@0__:users:*"));
  uint64_t before = reg.patterns_examined();
  CHECK(Matches(reg, "__keyspace@0__:users:42") ==
        std::vector<std::string>{"__keyspace@0__:users:*/1"});
  CHECK(reg.patterns_examined() - before == 1);  // only its own pattern

  // A catch-all pattern (empty literal prefix) is examined for every channel, as it must.
  REQUIRE(reg.PSubscribe(&everything, "*"));
  before = reg.patterns_examined();
  CHECK(Matches(reg, "__keyspace@0__:users:42").size() == 2);
  CHECK(reg.patterns_examined() - before == 2);

  // Unsubscribing removes patterns from the prefix index too.
  for (size_t i = 0; i < others.size(); ++i) reg.UnsubscribeAll(&others[i]);
  reg.UnsubscribeAll(&everything);
  CHECK(reg.NumPatterns() == 1);
  CHECK(Matches(reg, "__keyspace@0__:t7:x").empty());
  CHECK(Matches(reg, "__keyspace@0__:users:1").size() == 1);
}
