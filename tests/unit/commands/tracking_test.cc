// Client-side caching (commands/tracking.h) through the in-process harness: CLIENT
// TRACKING / CACHING / GETREDIR / TRACKINGINFO replies and errors, and the exact
// invalidation bytes each delivery path produces.
#include <catch2/catch.hpp>

#include "harness.h"

namespace brisk::test {
namespace {

std::string Keys(std::initializer_list<std::string_view> keys) {
  std::string s = "*" + std::to_string(keys.size()) + "\r\n";
  for (auto k : keys) s += Bulk(k);
  return s;
}
// RESP3 push: [invalidate, value]
std::string Push(const std::string& value) {
  return ">2\r\n" + Bulk("invalidate") + value;
}
// RESP2 redirect: a pub/sub message on __redis__:invalidate whose payload is the array.
std::string Redirected(const std::string& value) {
  return "*3\r\n" + Bulk("message") + Bulk("__redis__:invalidate") + value;
}

// A harness with a RESP3 tracking-capable client (2) and a writer (3) besides the
// harness's own client (1).
struct Fixture {
  Harness h;
  cmd::ClientState reader = MakeClient(2, 3);
  cmd::ClientState writer = MakeClient(3, 2);
  Fixture() {
    h.hooks().clients.push_back(&reader);
    h.hooks().clients.push_back(&writer);
  }
  std::string As(cmd::ClientState* c, std::initializer_list<std::string_view> args) {
    return h.Run(std::vector<std::string_view>(args), c);
  }
  std::string Sent(const cmd::ClientState* c) {
    std::string s = h.hooks().sent_to[c];
    h.hooks().sent_to[c].clear();
    return s;
  }
  ~Fixture() {
    for (cmd::ClientState* c : {&h.client(), &reader, &writer}) {
      h.server().tracking.ClientClosed(c);
    }
  }
};

}  // namespace

TEST_CASE("CLIENT TRACKING option errors are Redis's", "[tracking]") {
  Harness h;
  CHECK(h.Run({"client", "tracking", "on", "prefix", "a"}) ==
        Err("ERR PREFIX option requires BCAST mode to be enabled"));
  CHECK(h.Run({"client", "tracking", "on", "optin", "optout"}) ==
        Err("ERR You can't use both OPTIN and OPTOUT"));
  CHECK(h.Run({"client", "tracking", "on", "bcast", "optin"}) ==
        Err("ERR OPTIN and OPTOUT are not compatible with BCAST"));
  CHECK(h.Run({"client", "tracking", "on", "redirect", "99"}) ==
        Err("ERR The client ID you want redirect to does not exist"));
  CHECK(h.Run({"client", "tracking", "on", "redirect", "x"}) ==
        Err("ERR value is not an integer or out of range"));
  CHECK(h.Run({"client", "tracking", "on", "redirect", "1", "redirect", "1"}) ==
        Err("ERR A client can only redirect to a single other client"));
  CHECK(h.Run({"client", "tracking", "on", "bogus"}) == Err("ERR syntax error"));
  CHECK(h.Run({"client", "tracking", "on", "prefix"}) == Err("ERR syntax error"));
  CHECK(h.Run({"client", "tracking", "maybe"}) == Err("ERR syntax error"));
  CHECK(h.Run({"client", "tracking"}) ==
        Err("ERR wrong number of arguments for 'client|tracking' command"));
  CHECK_FALSE(h.client().tracking.on);

  SECTION("prefix overlaps") {
    CHECK(h.Run({"client", "tracking", "on", "bcast", "prefix", "FOOBAR", "prefix", "FOO"}) ==
          Err("ERR Prefix 'FOOBAR' overlaps with another provided prefix 'FOO'. Prefixes for a "
              "single client must not overlap."));
    CHECK(h.Run({"client", "tracking", "on", "bcast", "prefix", "FOO", "prefix", "BAR"}) == kOk);
    CHECK(h.Run({"client", "tracking", "on", "bcast", "prefix", "FO"}) ==
          Err("ERR Prefix 'FO' overlaps with an existing prefix 'FOO'. Prefixes for a single "
              "client must not overlap."));
    CHECK(h.Run({"client", "tracking", "on", "bcast", "prefix", "BARB"}) ==
          Err("ERR Prefix 'BARB' overlaps with an existing prefix 'BAR'. Prefixes for a single "
              "client must not overlap."));
    // Adding a disjoint prefix keeps the old ones.
    CHECK(h.Run({"client", "tracking", "on", "bcast", "prefix", "ZED"}) == kOk);
    CHECK(h.client().tracking.prefixes == std::vector<std::string>{"BAR", "FOO", "ZED"});
  }
  SECTION("mode switches need OFF first") {
    CHECK(h.Run({"client", "tracking", "on", "optin"}) == kOk);
    CHECK(h.Run({"client", "tracking", "on", "bcast"}) ==
          Err("ERR You can't switch BCAST mode on/off before disabling tracking for this client, "
              "and then re-enabling it with a different mode."));
    CHECK(h.Run({"client", "tracking", "on", "optout"}) ==
          Err("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this "
              "client, and then re-enabling it with a different mode."));
    CHECK(h.Run({"client", "tracking", "off"}) == kOk);
    CHECK(h.Run({"client", "tracking", "on", "optout"}) == kOk);
  }
  h.server().tracking.ClientClosed(&h.client());
}

TEST_CASE("CLIENT CACHING, GETREDIR and TRACKINGINFO", "[tracking]") {
  Harness h;
  CHECK(h.Run({"client", "caching", "yes"}) ==
        Err("ERR CLIENT CACHING can be called only when the client is in tracking mode with "
            "OPTIN or OPTOUT mode enabled"));
  CHECK(h.Run({"client", "getredir"}) == Int(-1));
  h.client().resp = 3;
  CHECK(h.Run({"client", "trackinginfo"}) == "%3\r\n" + Bulk("flags") + "~1\r\n" + Bulk("off") +
                                                 Bulk("redirect") + Int(-1) + Bulk("prefixes") +
                                                 "*0\r\n");

  CHECK(h.Run({"client", "tracking", "on"}) == kOk);
  CHECK(h.Run({"client", "getredir"}) == Int(0));
  CHECK(h.Run({"client", "caching", "yes"}) ==
        Err("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode."));
  CHECK(h.Run({"client", "caching", "no"}) ==
        Err("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode."));
  CHECK(h.Run({"client", "tracking", "off"}) == kOk);

  CHECK(h.Run({"client", "tracking", "on", "optin", "noloop", "redirect", "1"}) == kOk);
  CHECK(h.Run({"client", "getredir"}) == Int(1));
  CHECK(h.Run({"client", "caching", "maybe"}) == Err("ERR syntax error"));
  CHECK(h.Run({"client", "caching", "yes"}) == kOk);
  // CLIENT commands keep the CACHING flag (Redis's resetClient), so it shows here.
  CHECK(h.Run({"client", "trackinginfo"}) ==
        "%3\r\n" + Bulk("flags") + "~4\r\n" + Bulk("on") + Bulk("optin") + Bulk("caching-yes") +
            Bulk("noloop") + Bulk("redirect") + Int(1) + Bulk("prefixes") + "*0\r\n");
  CHECK(h.Run({"client", "tracking", "off"}) == kOk);

  CHECK(h.Run({"client", "tracking", "on", "bcast"}) == kOk);
  CHECK(h.Run({"client", "trackinginfo"}) == "%3\r\n" + Bulk("flags") + "~2\r\n" + Bulk("on") +
                                                 Bulk("bcast") + Bulk("redirect") + Int(0) +
                                                 Bulk("prefixes") + "*1\r\n" + Bulk(""));
  std::string line = h.Run({"client", "info"});
  CHECK(line.find("flags=tB ") != std::string::npos);
  CHECK(line.find(" redir=0 ") != std::string::npos);
  // RESET turns tracking off.
  CHECK(h.Run({"reset"}) == "+RESET\r\n");
  CHECK(h.Run({"client", "getredir"}) == Int(-1));
  CHECK(h.server().tracking.num_clients() == 0);
  CHECK(h.server().tracking.num_prefixes() == 0);
}

TEST_CASE("default mode: a read key is invalidated once, on change, via RESP3 push", "[tracking]") {
  Fixture f;
  CHECK(f.As(&f.reader, {"client", "tracking", "on"}) == kOk);
  f.As(&f.writer, {"set", "k", "1"});
  CHECK(f.Sent(&f.reader).empty());  // not read yet: not tracked
  CHECK(f.As(&f.reader, {"get", "k"}) == Bulk("1"));
  CHECK(f.As(&f.reader, {"mget", "a", "b"}) == "*2\r\n_\r\n_\r\n");
  CHECK(f.h.server().tracking.num_keys() == 3);
  f.As(&f.writer, {"set", "k", "2"});
  CHECK(f.Sent(&f.reader) == Push(Keys({"k"})));
  // Forgotten after one invalidation, until read again.
  f.As(&f.writer, {"set", "k", "3"});
  CHECK(f.Sent(&f.reader).empty());
  f.As(&f.writer, {"mset", "a", "1", "b", "2"});
  CHECK(f.Sent(&f.reader) == Push(Keys({"a"})) + Push(Keys({"b"})));
  // Writes are not tracked reads.
  f.As(&f.reader, {"incr", "n"});
  f.As(&f.writer, {"incr", "n"});
  CHECK(f.Sent(&f.reader).empty());
}

TEST_CASE("the writer's own invalidation follows its reply; NOLOOP suppresses it", "[tracking]") {
  Fixture f;
  CHECK(f.As(&f.reader, {"client", "tracking", "on"}) == kOk);
  f.As(&f.reader, {"get", "k"});
  // The reply comes back from Run (the reply buffer); the push via SendTo, after it.
  CHECK(f.As(&f.reader, {"set", "k", "v"}) == kOk);
  CHECK(f.Sent(&f.reader) == Push(Keys({"k"})));

  // In MULTI the push waits for EXEC's whole reply.
  f.As(&f.reader, {"get", "k"});
  f.As(&f.reader, {"multi"});
  f.As(&f.reader, {"set", "k", "w"});
  CHECK(f.Sent(&f.reader).empty());
  CHECK(f.As(&f.reader, {"exec"}) == "*1\r\n+OK\r\n");
  CHECK(f.Sent(&f.reader) == Push(Keys({"k"})));

  CHECK(f.As(&f.reader, {"client", "tracking", "on", "noloop"}) == kOk);
  f.As(&f.reader, {"get", "k"});
  f.As(&f.reader, {"set", "k", "x"});
  CHECK(f.Sent(&f.reader).empty());
}

TEST_CASE("OPTIN / OPTOUT with CLIENT CACHING select the tracked reads", "[tracking]") {
  Fixture f;
  auto& table = f.h.server().tracking;
  SECTION("optin") {
    CHECK(f.As(&f.reader, {"client", "tracking", "on", "optin"}) == kOk);
    f.As(&f.reader, {"get", "a"});
    CHECK(table.num_keys() == 0);
    f.As(&f.reader, {"client", "caching", "yes"});
    f.As(&f.reader, {"get", "b"});
    f.As(&f.reader, {"get", "c"});  // CACHING lasted one command
    CHECK(table.num_keys() == 1);
    // ... or one whole transaction.
    f.As(&f.reader, {"client", "caching", "yes"});
    f.As(&f.reader, {"multi"});
    f.As(&f.reader, {"get", "d"});
    f.As(&f.reader, {"get", "e"});
    f.As(&f.reader, {"exec"});
    CHECK(table.num_keys() == 3);
    CHECK_FALSE(f.reader.tracking.caching);
  }
  SECTION("optout") {
    CHECK(f.As(&f.reader, {"client", "tracking", "on", "optout"}) == kOk);
    f.As(&f.reader, {"get", "a"});
    CHECK(table.num_keys() == 1);
    f.As(&f.reader, {"client", "caching", "no"});
    f.As(&f.reader, {"get", "b"});
    CHECK(table.num_keys() == 1);
    f.As(&f.reader, {"get", "c"});
    CHECK(table.num_keys() == 2);
  }
}

TEST_CASE("RESP2 REDIRECT: __redis__:invalidate message; broken redirect", "[tracking]") {
  Fixture f;
  f.reader.resp = 2;
  // The redirect target (the harness client) must be in pub/sub mode to get anything.
  CHECK(f.As(&f.reader, {"client", "tracking", "on", "redirect", "1"}) == kOk);
  f.As(&f.reader, {"get", "k"});
  f.As(&f.writer, {"set", "k", "1"});
  CHECK(f.Sent(&f.h.client()).empty());
  f.h.Run({"subscribe", "__redis__:invalidate"});
  f.As(&f.reader, {"get", "k"});
  f.As(&f.writer, {"set", "k", "2"});
  CHECK(f.Sent(&f.h.client()) == Redirected(Keys({"k"})));
  CHECK(f.Sent(&f.reader).empty());
  // FLUSHALL: a null payload (in the tracking client's protocol).
  f.As(&f.writer, {"flushall"});
  CHECK(f.Sent(&f.h.client()) == Redirected("$-1\r\n"));

  // The target disconnects: a RESP3 tracker is told on its next invalidation.
  f.reader.resp = 3;
  f.h.server().tracking.ClientClosed(&f.h.client());
  f.As(&f.reader, {"get", "k"});
  f.As(&f.writer, {"set", "k", "3"});
  CHECK(f.Sent(&f.reader) == ">2\r\n" + Bulk("tracking-redir-broken") + Int(1));
  CHECK(f.reader.tracking.broken_redirect);
  CHECK(f.As(&f.reader, {"client", "info"}).find("flags=tR ") != std::string::npos);
}

TEST_CASE("FLUSHDB sends a null invalidation to every tracking client", "[tracking]") {
  Fixture f;
  CHECK(f.As(&f.reader, {"client", "tracking", "on"}) == kOk);
  f.As(&f.reader, {"get", "k"});
  f.As(&f.writer, {"flushdb"});
  CHECK(f.Sent(&f.reader) == Push("_\r\n"));
  CHECK(f.h.server().tracking.num_keys() == 0);
  // The flusher itself gets it after its +OK.
  CHECK(f.As(&f.reader, {"flushdb"}) == kOk);
  CHECK(f.Sent(&f.reader) == Push("_\r\n"));
}

TEST_CASE("BCAST: prefixes, one batched message per prefix per turn, NOLOOP", "[tracking]") {
  Fixture f;
  auto& table = f.h.server().tracking;
  CHECK(f.As(&f.reader, {"client", "tracking", "on", "bcast", "prefix", "a:", "prefix", "b:"}) ==
        kOk);
  f.As(&f.writer, {"mset", "a:2", "x", "a:1", "x", "b:1", "x", "c:1", "x"});
  CHECK(f.Sent(&f.reader).empty());  // batched until the end of the loop turn
  table.BeforeSleep(&f.h.hooks(), 0);
  CHECK(f.Sent(&f.reader) == Push(Keys({"a:1", "a:2"})) + Push(Keys({"b:1"})));
  table.BeforeSleep(&f.h.hooks(), 0);
  CHECK(f.Sent(&f.reader).empty());
  CHECK(table.num_keys() == 0);  // BCAST remembers no reads

  // NOLOOP: a BCAST client's own writes are left out of its copy.
  CHECK(f.As(&f.writer, {"client", "tracking", "on", "bcast", "redirect", "2", "noloop"}) == kOk);
  f.As(&f.writer, {"set", "z", "1"});
  f.As(&f.reader, {"set", "a:3", "1"});
  table.BeforeSleep(&f.h.hooks(), 0);
  // The writer redirects to the reader (RESP3): it hears a:3 but not its own z.
  CHECK(f.Sent(&f.reader) == Push(Keys({"a:3"})) + Push(Keys({"a:3"})));
  f.As(&f.writer, {"client", "tracking", "off"});
  f.As(&f.reader, {"client", "tracking", "off"});
  CHECK(table.num_prefixes() == 0);
}

TEST_CASE("tracking-table-max-keys: over the limit, keys are invalidated", "[tracking]") {
  Fixture f;
  auto& table = f.h.server().tracking;
  CHECK(f.As(&f.reader, {"client", "tracking", "on"}) == kOk);
  f.As(&f.reader, {"mget", "k1", "k2", "k3", "k4", "k5"});
  table.BeforeSleep(&f.h.hooks(), 10);
  CHECK(table.num_keys() == 5);
  CHECK(f.Sent(&f.reader).empty());
  table.BeforeSleep(&f.h.hooks(), 2);
  CHECK(table.num_keys() == 2);
  std::string sent = f.Sent(&f.reader);
  size_t pushes = 0;
  for (size_t p = sent.find(">2\r\n"); p != std::string::npos; p = sent.find(">2\r\n", p + 1)) {
    ++pushes;
  }
  CHECK(pushes == 3);
  // The last tracking client leaving frees the table.
  f.As(&f.reader, {"client", "tracking", "off"});
  CHECK(table.num_keys() == 0);
  CHECK_FALSE(table.active());
}

TEST_CASE("a RESP2 client without REDIRECT is tracked but gets nothing", "[tracking]") {
  Fixture f;
  f.reader.resp = 2;
  CHECK(f.As(&f.reader, {"client", "tracking", "on"}) == kOk);
  f.As(&f.reader, {"get", "k"});
  f.As(&f.writer, {"set", "k", "1"});
  CHECK(f.Sent(&f.reader).empty());
  CHECK(f.h.server().tracking.num_keys() == 0);
}

}  // namespace brisk::test
