// EVAL / SCRIPT in process (commands/scripting.h): scripted writes are logged as their
// effects in one batch, invalidate WATCH, run inside MULTI, and the pseudo-client keeps
// the caller's database and user; INFO memory reports the Lua figures.
#include <catch2/catch.hpp>

#include <algorithm>
#include <span>

#include "commands/effects.h"
#include "commands/scripting.h"
#include "effect_records.h"
#include "harness.h"
#include "log/record.h"

using namespace brisk::test;
namespace cmd = brisk::cmd;

TEST_CASE("a script's writes are logged as effects, in one batch, never as the script",
          "[script]") {
  Harness h;
  cmd::EffectRecorder rec{&h.keyspace()};
  h.server().effects = &rec;
  h.SetTime(1'700'000'000'000);
  CHECK(h.Run({"eval",
               "redis.call('set', KEYS[1], '5') redis.call('incr', KEYS[1]) "
               "redis.call('get', KEYS[1]) redis.call('select', 2) redis.call('set', 'o', 'x') "
               "return 1",
               "1", "k"}) == Int(1));
  std::string bytes;
  rec.TakeBatches(&bytes);
  auto recs = DecodeEffects(bytes);
  REQUIRE(recs.size() == 3);
  CHECK(recs[0].text == "SET k 5");
  CHECK(recs[1].text == "SET k 6");
  CHECK(recs[2].text == "SET o x");
  CHECK(recs[2].db == 2);
  CHECK_FALSE(recs[0].end);
  CHECK_FALSE(recs[1].end);
  CHECK(recs[2].end);
  // A read-only script logs nothing.
  CHECK(h.Run({"eval", "return redis.call('get', 'k')", "0"}) == Bulk("6"));
  rec.TakeBatches(&bytes);
  CHECK(bytes.empty());
  h.server().effects = nullptr;
}

TEST_CASE("a scripted write invalidates WATCH; EVAL runs inside MULTI", "[script]") {
  Harness h;
  cmd::ClientState other = MakeClient(2);
  h.hooks().clients.push_back(&other);
  CHECK(h.Run({"watch", "k"}) == kOk);
  CHECK(h.Run({"eval", "return redis.call('set', 'k', 'v')", "0"}, &other) == kOk);
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"eval", "return redis.call('incr', 'n')", "0"}) == "+QUEUED\r\n");
  CHECK(h.Run({"exec"}) == "*-1\r\n");  // aborted by the script's write
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"eval", "return redis.call('incr', 'n')", "0"}) == "+QUEUED\r\n");
  CHECK(h.Run({"exec"}) == "*1\r\n" + Int(1));
}

TEST_CASE("the pseudo-client uses the caller's database, every time", "[script]") {
  Harness h;
  CHECK(h.Run({"select", "4"}) == kOk);
  CHECK(h.Run({"eval", "redis.call('select', 7) return redis.call('set', 'a', '1')", "0"}) == kOk);
  CHECK(h.Run({"eval", "return redis.call('exists', 'x')", "0"}) == Int(0));
  CHECK(h.client().db_index == 4);
  CHECK(h.keyspace().db(7).Peek("a", 0) != nullptr);
  CHECK(h.Run({"set", "x", "1"}) == kOk);
  CHECK(h.Run({"eval", "return redis.call('get', 'x')", "0"}) == Bulk("1"));  // db 4 again
}

TEST_CASE("SCRIPT LOAD / EXISTS / FLUSH and INFO memory", "[script]") {
  Harness h;
  std::string info = h.Run({"info", "memory"});
  CHECK(info.find("number_of_cached_scripts:0\r\n") != std::string::npos);
  CHECK(h.Run({"script", "load", "return 1"}) == Bulk("e0e1f9fabfc9d4800c877a703b823ac0578ff8db"));
  CHECK(h.Run({"script", "exists", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "x"}) ==
        "*2\r\n" + Int(1) + Int(0));
  info = h.Run({"info", "memory"});
  CHECK(info.find("number_of_cached_scripts:1\r\n") != std::string::npos);
  CHECK(info.find("used_memory_scripts_eval:8\r\n") != std::string::npos);
  CHECK(info.find("used_memory_lua:0\r\n") == std::string::npos);
  CHECK(h.Run({"evalsha", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"}) == Int(1));
  CHECK(h.Run({"script", "flush"}) == kOk);
  CHECK(h.Run({"evalsha", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"}) ==
        Err("NOSCRIPT No matching script. Please use EVAL."));
  CHECK(h.Run({"script", "help"}).rfind("*15\r\n", 0) == 0);
  CHECK(h.Run({"script", "nope"}) == Err("ERR unknown subcommand 'nope'. Try SCRIPT HELP."));
}

namespace {

// Every command and subcommand Redis 7.0.15 flags noscript (`COMMAND` against
// redis-server 7.0.15), plus CLIENT NO-TOUCH / SETINFO, which 7.2 added as noscript.
// Containers (CLIENT, CONFIG, SCRIPT, ...) have no flags in Redis: their subcommands do.
// clang-format off
constexpr std::string_view kRedisNoscript[] = {
    "acl|cat", "acl|deluser", "acl|dryrun", "acl|genpass", "acl|getuser", "acl|list",
    "acl|load", "acl|log", "acl|save", "acl|setuser", "acl|users", "acl|whoami", "auth",
    "bgrewriteaof", "bgsave", "blmove", "blpop", "brpop", "brpoplpush", "bzpopmax", "bzpopmin",
    "client|caching", "client|getname", "client|getredir", "client|id", "client|info",
    "client|kill", "client|list", "client|no-evict", "client|no-touch", "client|pause",
    "client|reply", "client|setinfo", "client|setname", "client|tracking",
    "client|trackinginfo", "client|unblock", "client|unpause", "cluster|reset", "config|get",
    "config|resetstat", "config|rewrite", "config|set", "debug", "discard", "eval", "eval_ro",
    "evalsha", "evalsha_ro", "exec", "failover", "fcall", "fcall_ro", "function|delete",
    "function|dump", "function|flush", "function|kill", "function|list", "function|load",
    "function|restore", "function|stats", "hello", "latency|doctor", "latency|graph",
    "latency|histogram", "latency|history", "latency|latest", "latency|reset", "module|list",
    "module|load", "module|loadex", "module|unload", "monitor", "multi", "psubscribe", "psync",
    "punsubscribe", "quit", "replconf", "replicaof", "reset", "role", "save", "script|debug",
    "script|exists", "script|flush", "script|kill", "script|load", "shutdown", "slaveof",
    "ssubscribe", "subscribe", "sunsubscribe", "sync", "unsubscribe", "unwatch", "wait",
    "watch"};
// clang-format on

bool RedisNoscript(std::string_view name) {
  return std::find(std::begin(kRedisNoscript), std::end(kRedisNoscript), name) !=
         std::end(kRedisNoscript);
}

// "return redis.pcall('w1', 'w2', ...)" with `argc` words: the name (and subcommand),
// then filler arguments up to the row's arity.
std::string PcallBody(std::string_view name, int arity) {
  std::vector<std::string> words;
  size_t bar = name.find('|');
  if (bar == std::string_view::npos) {
    words.emplace_back(name);
  } else {
    words.emplace_back(name.substr(0, bar));
    words.emplace_back(name.substr(bar + 1));
  }
  size_t argc = size_t(arity < 0 ? -arity : arity);
  while (words.size() < argc) words.emplace_back("0");
  std::string body = "return redis.pcall(";
  for (size_t i = 0; i < words.size(); ++i) body += (i ? ", '" : "'") + words[i] + "'";
  return body + ")";
}

}  // namespace

TEST_CASE("noscript: the rows' flags are Redis's, and each is refused inside a script",
          "[script]") {
  Harness h;
  const std::string refused = Err("ERR This Redis command is not allowed from script");
  size_t checked = 0;
  for (const cmd::CommandSpec* spec : h.server().commands->All()) {
    if (spec->subcommands.empty()) {
      INFO(spec->name);
      CHECK(bool(spec->flags & cmd::kNoScript) == RedisNoscript(spec->name));
      if (spec->flags & cmd::kNoScript) {
        CHECK(h.Run({"eval", PcallBody(spec->name, spec->arity), "0"}) == refused);
        ++checked;
      }
      continue;
    }
    CHECK(!(spec->flags & cmd::kNoScript));  // a container, as in Redis: no flags of its own
    for (const cmd::SubcommandDoc& sub : spec->subcommands) {
      INFO(sub.name);
      CHECK(bool(sub.flags & cmd::kNoScript) == RedisNoscript(sub.name));
      if (sub.flags & cmd::kNoScript) {
        CHECK(h.Run({"eval", PcallBody(sub.name, sub.arity), "0"}) == refused);
        ++checked;
      }
    }
  }
  CHECK(checked >= 50);
  // COMMAND INFO shows it as Redis does.
  CHECK(h.Run({"command", "info", "watch"}).find("+noscript\r\n") != std::string::npos);
  CHECK(h.Run({"command", "info", "get"}).find("+noscript\r\n") == std::string::npos);
  // Not noscript: the HELP subcommands run (as in Redis); others keep their own errors.
  CHECK(
      h.Run({"eval", "return redis.call('client', 'help')[1]", "0"}).find("CLIENT <subcommand>") !=
      std::string::npos);
  CHECK(h.Run({"eval", "return redis.pcall('client', 'nope')", "0"}) ==
        Err("ERR Unknown Redis command called from script"));
  CHECK(h.Run({"eval", "return redis.pcall('client', 'kill')", "0"}) ==
        Err("ERR Wrong number of args calling Redis command from script"));
  CHECK(h.Run({"eval", "return redis.pcall('client')", "0"}) ==
        Err("ERR Wrong number of args calling Redis command from script"));
}
