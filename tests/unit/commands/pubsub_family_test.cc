#include <catch2/catch.hpp>

#include "harness.h"

namespace brisk::test {
namespace {

// RESP literals for subscription frames.
std::string Frame(char head, std::string_view verb, std::string_view channel, int64_t count) {
  return std::string(1, head) + "3\r\n" + Bulk(verb) + Bulk(channel) + Int(count);
}
std::string Sub2(std::string_view verb, std::string_view ch, int64_t n) {
  return Frame('*', verb, ch, n);
}
std::string Sub3(std::string_view verb, std::string_view ch, int64_t n) {
  return Frame('>', verb, ch, n);
}
std::string Message(char head, std::string_view channel, std::string_view payload) {
  return std::string(1, head) + "3\r\n" + Bulk("message") + Bulk(channel) + Bulk(payload);
}
std::string PMessage(char head, std::string_view pattern, std::string_view channel,
                     std::string_view payload) {
  return std::string(1, head) + "4\r\n" + Bulk("pmessage") + Bulk(pattern) + Bulk(channel) +
         Bulk(payload);
}

}  // namespace

TEST_CASE("SUBSCRIBE / UNSUBSCRIBE reply bytes, RESP2", "[pubsub]") {
  Harness h;
  CHECK(h.Run({"subscribe", "a", "b", "a"}) ==
        Sub2("subscribe", "a", 1) + Sub2("subscribe", "b", 2) + Sub2("subscribe", "a", 2));
  CHECK(h.client().subscriptions == 2);
  CHECK(h.Run({"psubscribe", "n*"}) == Sub2("psubscribe", "n*", 3));
  // Counts are channels + patterns; unsubscribing a channel never subscribed still
  // answers with the running count.
  CHECK(h.Run({"unsubscribe", "zz"}) == Sub2("unsubscribe", "zz", 3));
  CHECK(h.Run({"unsubscribe", "a"}) == Sub2("unsubscribe", "a", 2));
  CHECK(h.Run({"unsubscribe"}) == Sub2("unsubscribe", "b", 1));
  // Nothing left: one frame with a nil channel.
  CHECK(h.Run({"unsubscribe"}) == "*3\r\n" + Bulk("unsubscribe") + kNil + Int(1));
  CHECK(h.Run({"punsubscribe"}) == Sub2("punsubscribe", "n*", 0));
  CHECK(h.Run({"punsubscribe"}) == "*3\r\n" + Bulk("punsubscribe") + kNil + Int(0));
  CHECK(h.client().subscriptions == 0);
  CHECK(h.Run({"get", "k"}) == kNil);  // out of subscribed mode
}

TEST_CASE("SUBSCRIBE replies are push frames in RESP3", "[pubsub]") {
  Harness h;
  h.client().resp = 3;
  CHECK(h.Run({"subscribe", "a"}) == Sub3("subscribe", "a", 1));
  CHECK(h.Run({"get", "k"}) == "_\r\n");  // every command stays allowed
  CHECK(h.Run({"unsubscribe"}) == Sub3("unsubscribe", "a", 0));
  CHECK(h.Run({"unsubscribe"}) == ">3\r\n" + Bulk("unsubscribe") + "_\r\n" + Int(0));
}

TEST_CASE("RESP2 subscribed context allows only (P|S)(UN)SUBSCRIBE, PING, QUIT, RESET",
          "[pubsub]") {
  Harness h;
  h.Run({"ssubscribe", "s"});
  CHECK(h.Run({"get", "k"}) ==
        Err("ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
            "RESET are allowed in this context"));
  CHECK(h.Run({"PUBLISH", "a", "b"}).rfind("-ERR Can't execute 'publish'", 0) == 0);
  CHECK(h.Run({"ping"}) == "*2\r\n" + Bulk("pong") + Bulk(""));
  CHECK(h.Run({"ping", "x"}) == "*2\r\n" + Bulk("pong") + Bulk("x"));
  CHECK(h.Run({"subscribe", "c"}) == Sub2("subscribe", "c", 1));  // shard not counted
  CHECK(h.Run({"psubscribe", "p"}) == Sub2("psubscribe", "p", 2));
  CHECK(h.Run({"ssubscribe", "t"}) == Sub2("ssubscribe", "t", 2));  // shard count only
  CHECK(h.Run({"reset"}) == "+RESET\r\n");  // drops everything, no confirmations
  CHECK(h.client().subscriptions == 0);
  CHECK(h.server().pubsub.NumPatterns() == 0);
  CHECK(h.Run({"pubsub", "numsub", "c"}) == "*2\r\n" + Bulk("c") + Int(0));
  CHECK(h.Run({"get", "k"}) == kNil);
}

TEST_CASE("PUBLISH delivers once-encoded messages to channel and pattern subscribers", "[pubsub]") {
  Harness h;
  cmd::ClientState r2 = MakeClient(2, 2), r3 = MakeClient(3, 3), p = MakeClient(4, 2);
  h.Run({"subscribe", "news"}, &r2);
  h.Run({"subscribe", "news"}, &r3);
  h.Run({"psubscribe", "n*", "*s"}, &p);
  h.Run({"psubscribe", "x*"}, &p);
  h.hooks().sent_to.clear();

  CHECK(h.Run({"publish", "news", "hi"}) == Int(4));  // 2 channel + 2 matching patterns
  CHECK(h.hooks().sent_to[&r2] == Message('*', "news", "hi"));
  CHECK(h.hooks().sent_to[&r3] == Message('>', "news", "hi"));
  std::string got = h.hooks().sent_to[&p];
  CHECK(got.size() == PMessage('*', "n*", "news", "hi").size() * 2);
  CHECK(got.find(PMessage('*', "n*", "news", "hi")) != std::string::npos);
  CHECK(got.find(PMessage('*', "*s", "news", "hi")) != std::string::npos);

  CHECK(h.Run({"publish", "nobody", "x"}) == Int(1));  // n*
  CHECK(h.Run({"publish", "", "x"}) == Int(0));        // "*" never matches "" (stringmatchlen)
  CHECK(h.Run({"spublish", "news", "x"}) == Int(0));   // shard channels are separate
}

TEST_CASE("Messages of one publisher arrive in order", "[pubsub]") {
  Harness h;
  cmd::ClientState s = MakeClient(2);
  h.Run({"subscribe", "c"}, &s);
  h.hooks().sent_to.clear();
  std::string want;
  for (int i = 0; i < 100; ++i) {
    std::string m = std::to_string(i);
    h.Run({"publish", "c", m});
    want += Message('*', "c", m);
  }
  CHECK(h.hooks().sent_to[&s] == want);
}

TEST_CASE("SSUBSCRIBE / SPUBLISH / SUNSUBSCRIBE", "[pubsub]") {
  Harness h;
  cmd::ClientState s = MakeClient(2, 3);
  CHECK(h.Run({"ssubscribe", "a", "b"}, &s) ==
        Sub3("ssubscribe", "a", 1) + Sub3("ssubscribe", "b", 2));
  CHECK(h.Run({"spublish", "a", "m"}) == Int(1));
  CHECK(h.hooks().sent_to[&s].ends_with(">3\r\n" + Bulk("smessage") + Bulk("a") + Bulk("m")));
  CHECK(h.Run({"publish", "a", "m"}) == Int(0));
  CHECK(h.Run({"sunsubscribe", "a"}, &s) == Sub3("sunsubscribe", "a", 1));
  CHECK(h.Run({"sunsubscribe"}, &s) == Sub3("sunsubscribe", "b", 0));
  CHECK(h.Run({"sunsubscribe"}, &s) == ">3\r\n" + Bulk("sunsubscribe") + "_\r\n" + Int(0));
}

TEST_CASE("PUBSUB introspection", "[pubsub]") {
  Harness h;
  cmd::ClientState a = MakeClient(2), b = MakeClient(3);
  h.Run({"subscribe", "news", "sport"}, &a);
  h.Run({"subscribe", "news"}, &b);
  h.Run({"psubscribe", "n*", "m*"}, &a);
  h.Run({"psubscribe", "n*"}, &b);
  h.Run({"ssubscribe", "shard1"}, &b);

  std::string all = h.Run({"pubsub", "channels"});
  CHECK(all.rfind("*2\r\n", 0) == 0);
  CHECK(all.find(Bulk("news")) != std::string::npos);
  CHECK(all.find(Bulk("sport")) != std::string::npos);
  CHECK(h.Run({"pubsub", "channels", "s*"}) == "*1\r\n" + Bulk("sport"));
  CHECK(h.Run({"pubsub", "CHANNELS", "x*"}) == "*0\r\n");
  CHECK(h.Run({"pubsub", "numsub", "news", "sport", "none"}) ==
        "*6\r\n" + Bulk("news") + Int(2) + Bulk("sport") + Int(1) + Bulk("none") + Int(0));
  CHECK(h.Run({"pubsub", "numsub"}) == "*0\r\n");
  CHECK(h.Run({"pubsub", "numpat"}) == Int(2));  // distinct patterns
  CHECK(h.Run({"pubsub", "shardchannels"}) == "*1\r\n" + Bulk("shard1"));
  CHECK(h.Run({"pubsub", "shardnumsub", "shard1", "news"}) ==
        "*4\r\n" + Bulk("shard1") + Int(1) + Bulk("news") + Int(0));
  CHECK(h.Run({"pubsub", "numpat", "x"}) ==
        Err("ERR wrong number of arguments for 'pubsub|numpat' command"));
  CHECK(h.Run({"pubsub", "channels", "a", "b"}) ==
        Err("ERR unknown subcommand or wrong number of arguments for 'channels'. Try PUBSUB "
            "HELP."));
  CHECK(h.Run({"pubsub", "nope"}) == Err("ERR unknown subcommand 'nope'. Try PUBSUB HELP."));
  CHECK(h.Run({"pubsub", "help"}).rfind("*14\r\n+PUBSUB <subcommand>", 0) == 0);

  h.server().pubsub.UnsubscribeAll(&a);  // as a disconnect does
  CHECK(h.Run({"pubsub", "numsub", "news"}) == "*2\r\n" + Bulk("news") + Int(1));
  CHECK(h.Run({"pubsub", "numpat"}) == Int(1));
  CHECK(h.Run({"subscribe"}) == Err("ERR wrong number of arguments for 'subscribe' command"));
}

// ---- keyspace notifications ----

TEST_CASE("notify-keyspace-events CONFIG SET/GET round-trips in Redis's normalised form",
          "[pubsub][notify]") {
  Harness h;
  auto get = [&] { return h.Run({"config", "get", "notify-keyspace-events"}); };
  auto expect = [&](std::string_view value) {
    return "*2\r\n" + Bulk("notify-keyspace-events") + Bulk(value);
  };
  CHECK(get() == expect(""));
  CHECK(h.Run({"config", "set", "notify-keyspace-events", "AKE"}) == kOk);
  CHECK(get() == expect("AKE"));
  CHECK(h.Run({"config", "set", "notify-keyspace-events", "EKg$"}) == kOk);
  CHECK(get() == expect("g$KE"));
  CHECK(h.Run({"config", "set", "notify-keyspace-events", "g$lshzxetdKE"}) == kOk);
  CHECK(get() == expect("AKE"));
  CHECK(h.Run({"config", "set", "notify-keyspace-events", "KEmnx"}) == kOk);
  CHECK(get() == expect("xnKEm"));
  CHECK(h.Run({"config", "set", "notify-keyspace-events", "TgK"}) == kOk);
  CHECK(get() == expect("gKT"));
  CHECK(h.Run({"config", "set", "notify-keyspace-events", "Kq"}) ==
        Err("ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - "
            "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."));
  CHECK(get() == expect("gKT"));  // unchanged
  CHECK(h.Run({"config", "set", "notify-keyspace-events", ""}) == kOk);
  CHECK(h.config().notify_keyspace_events == 0);
}

namespace {

// A subscriber to every keyspace and keyevent channel of db 0; returns what it got as
// "channel=payload" lines.
struct EventTap {
  Harness* h;
  cmd::ClientState c = MakeClient(9);
  explicit EventTap(Harness* harness) : h(harness) {
    h->Run({"psubscribe", "__key*@0__:*"}, &c);
    h->hooks().sent_to.clear();
  }
  std::vector<std::string> Take() {
    std::vector<std::string> out;
    std::string& s = h->hooks().sent_to[&c];
    // Parse the pmessage frames (bulk strings only).
    size_t i = 0;
    auto bulk = [&] {
      size_t nl = s.find("\r\n", i);
      size_t len = std::stoul(s.substr(i + 1, nl - i - 1));
      std::string v = s.substr(nl + 2, len);
      i = nl + 2 + len + 2;
      return v;
    };
    while (i < s.size()) {
      i = s.find("\r\n", i) + 2;  // *4
      bulk();                     // pmessage
      bulk();                     // pattern
      std::string ch = bulk();
      std::string payload = bulk();
      out.push_back(ch + "=" + payload);
    }
    s.clear();
    return out;
  }
};

using Events = std::vector<std::string>;

}  // namespace

TEST_CASE("Events emitted by string and keys commands", "[pubsub][notify]") {
  Harness h;
  EventTap tap(&h);
  h.Run({"config", "set", "notify-keyspace-events", "KEA"});
  tap.Take();

  h.Run({"set", "k", "v"});
  CHECK(tap.Take() == Events{"__keyspace@0__:k=set", "__keyevent@0__:set=k"});
  h.Run({"set", "k", "v", "EX", "100"});
  CHECK(tap.Take() == Events{"__keyspace@0__:k=set", "__keyevent@0__:set=k",
                             "__keyspace@0__:k=expire", "__keyevent@0__:expire=k"});
  h.Run({"expire", "k", "50"});
  CHECK(tap.Take() == Events{"__keyspace@0__:k=expire", "__keyevent@0__:expire=k"});
  h.Run({"persist", "k"});
  CHECK(tap.Take() == Events{"__keyspace@0__:k=persist", "__keyevent@0__:persist=k"});
  h.Run({"incrby", "n", "5"});
  h.Run({"incr", "n"});
  CHECK(tap.Take() == Events{"__keyspace@0__:n=incrby", "__keyevent@0__:incrby=n",
                             "__keyspace@0__:n=incrby", "__keyevent@0__:incrby=n"});
  h.Run({"incrbyfloat", "n", "1.5"});
  h.Run({"append", "k", "x"});
  h.Run({"setrange", "k", "0", "y"});
  CHECK(tap.Take() == Events{"__keyspace@0__:n=incrbyfloat", "__keyevent@0__:incrbyfloat=n",
                             "__keyspace@0__:k=append", "__keyevent@0__:append=k",
                             "__keyspace@0__:k=setrange", "__keyevent@0__:setrange=k"});
  h.Run({"rename", "k", "k2"});
  CHECK(tap.Take() == Events{"__keyspace@0__:k=rename_from", "__keyevent@0__:rename_from=k",
                             "__keyspace@0__:k2=rename_to", "__keyevent@0__:rename_to=k2"});
  h.Run({"del", "k2", "missing"});
  CHECK(tap.Take() == Events{"__keyspace@0__:k2=del", "__keyevent@0__:del=k2"});
  h.Run({"get", "n"});  // reads publish nothing
  h.Run({"del", "missing"});
  CHECK(tap.Take().empty());
  h.Run({"copy", "n", "n2"});
  CHECK(tap.Take() == Events{"__keyspace@0__:n2=copy_to", "__keyevent@0__:copy_to=n2"});
  h.Run({"move", "n2", "1"});  // move_to is in db 1: not tapped
  CHECK(tap.Take() == Events{"__keyspace@0__:n2=move_from", "__keyevent@0__:move_from=n2"});
  h.Run({"expire", "n", "-1"});  // a past deadline deletes
  CHECK(tap.Take() == Events{"__keyspace@0__:n=del", "__keyevent@0__:del=n"});
}

TEST_CASE("Event classes, K/E selection and 'new'", "[pubsub][notify]") {
  Harness h;
  EventTap tap(&h);
  h.Run({"config", "set", "notify-keyspace-events", "E$"});  // strings only, keyevent only
  h.Run({"set", "a", "1"});
  h.Run({"del", "a"});  // generic: not selected
  CHECK(tap.Take() == Events{"__keyevent@0__:set=a"});
  h.Run({"config", "set", "notify-keyspace-events", "Kn"});
  h.Run({"set", "b", "1"});
  h.Run({"set", "b", "2"});  // not new any more
  CHECK(tap.Take() == Events{"__keyspace@0__:b=new"});
  h.Run({"config", "set", "notify-keyspace-events", "g$"});  // no K/E/T: nothing
  h.Run({"set", "c", "1"});
  CHECK(tap.Take().empty());
}

TEST_CASE("expired events fire when the engine removes the key", "[pubsub][notify]") {
  Harness h;
  EventTap tap(&h);
  h.Run({"config", "set", "notify-keyspace-events", "Ex"});
  h.SetTime(1'000'000);
  h.Run({"set", "lazy", "v", "PX", "10"});
  h.Run({"set", "active", "v", "PX", "10"});
  h.SetTime(1'000'100);
  h.Run({"get", "lazy"});  // lazy expiry on access
  CHECK(tap.Take() == Events{"__keyevent@0__:expired=lazy"});
  h.keyspace().db(0).ActiveExpire(1'000'100, 64);  // the active cycle
  CHECK(tap.Take() == Events{"__keyevent@0__:expired=active"});
}

TEST_CASE("Table events: exact channel per table, '<event> <key>'", "[pubsub][notify]") {
  Harness h;
  cmd::ClientState users = MakeClient(2), orders = MakeClient(3, 3), dflt = MakeClient(4);
  h.Run({"subscribe", "__table@0__:users"}, &users);
  h.Run({"subscribe", "__table@0__:orders"}, &orders);
  h.Run({"subscribe", "__table@0__:"}, &dflt);
  h.hooks().sent_to.clear();
  h.Run({"config", "set", "notify-keyspace-events", "T$g"});
  h.Run({"set", "users:42", "x"});
  h.Run({"del", "users:42"});
  h.Run({"incr", "orders:7"});
  h.Run({"set", "plain", "x"});
  CHECK(h.hooks().sent_to[&users] == Message('*', "__table@0__:users", "set users:42") +
                                         Message('*', "__table@0__:users", "del users:42"));
  CHECK(h.hooks().sent_to[&orders] == Message('>', "__table@0__:orders", "incrby orders:7"));
  CHECK(h.hooks().sent_to[&dflt] == Message('*', "__table@0__:", "set plain"));
  // Without T, nothing on table channels.
  h.hooks().sent_to.clear();
  h.Run({"config", "set", "notify-keyspace-events", "K$"});
  h.Run({"set", "users:1", "x"});
  CHECK(h.hooks().sent_to[&users].empty());
}

TEST_CASE("client-output-buffer-limit CONFIG GET/SET as Redis", "[pubsub][config]") {
  Harness h;
  auto get = [&] { return h.Run({"config", "get", "client-output-buffer-limit"}); };
  auto expect = [&](std::string_view value) {
    return "*2\r\n" + Bulk("client-output-buffer-limit") + Bulk(value);
  };
  CHECK(get() == expect("normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"));
  CHECK(h.Run({"config", "set", "client-output-buffer-limit", "pubsub 1mb 512kb 5 normal 1 2 3"}) ==
        kOk);
  CHECK(get() == expect("normal 1 2 3 slave 268435456 67108864 60 pubsub 1048576 524288 5"));
  CHECK(h.Run({"config", "set", "client-output-buffer-limit", "replica 1 1 1"}) == kOk);
  CHECK(get() == expect("normal 1 2 3 slave 1 1 1 pubsub 1048576 524288 5"));
  CHECK(h.Run({"config", "set", "client-output-buffer-limit", "pubsub 1 2"}) ==
        Err("ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - "
            "Wrong number of arguments in buffer limit configuration."));
  CHECK(h.Run({"config", "set", "client-output-buffer-limit", "master 1 2 3"}) ==
        Err("ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - "
            "Invalid client class specified in buffer limit configuration."));
  CHECK(h.Run({"config", "set", "client-output-buffer-limit", "normal x 2 3"}) ==
        Err("ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - "
            "Error in hard, soft or soft_seconds setting in buffer limit configuration."));
  CHECK(get() == expect("normal 1 2 3 slave 1 1 1 pubsub 1048576 524288 5"));
}

}  // namespace brisk::test
