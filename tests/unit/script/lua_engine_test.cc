// The script layer without a server: SHA-1, the Lua <-> RESP conversions (a fake host
// answers redis.call with canned RESP bytes), the sandbox, the error tables, the memory
// accounting and the kill hook.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "script/lua_engine.h"
#include "script/sha1.h"

using brisk::script::LuaEngine;
using brisk::script::ScriptHost;

namespace {

class FakeHost : public ScriptHost {
 public:
  std::string next_reply = "+OK\r\n";
  std::vector<std::vector<std::string>> calls;
  std::vector<int> resps;
  int ticks = 0;
  bool kill = false;
  std::vector<std::string> logs;

  void Call(std::span<const std::string_view> argv, int resp, std::string* reply) override {
    calls.emplace_back(argv.begin(), argv.end());
    resps.push_back(resp);
    reply->append(next_reply);
  }
  bool Tick() override {
    ++ticks;
    return kill;
  }
  void Log(int level, std::string_view message) override {
    logs.push_back(std::to_string(level) + " " + std::string(message));
  }
};

struct Fixture {
  LuaEngine engine;
  FakeHost host;

  // Runs body with keys/args; returns the reply bytes in the given caller protocol.
  std::string Eval(std::string_view body, int protocol = 2, std::vector<std::string_view> keys = {},
                   std::vector<std::string_view> args = {}) {
    char sha[40];
    std::string error;
    if (!engine.Load(body, sha, &error)) return "-" + error + "\r\n";
    std::string out;
    brisk::resp::ReplyBuilder rb(&out, protocol);
    engine.Run(std::string_view(sha, 40), keys, args, &host, &rb);
    return out;
  }
  // Runs body with redis.call answering `reply`.
  std::string WithReply(std::string reply, std::string_view body, int protocol = 2) {
    host.next_reply = std::move(reply);
    return Eval(body, protocol);
  }
};

std::string Sha(std::string_view s) {
  char out[40];
  brisk::script::Sha1Hex(s, out);
  return std::string(out, 40);
}

}  // namespace

TEST_CASE("SHA-1 matches the FIPS vectors and every padding boundary", "[script]") {
  CHECK(Sha("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  CHECK(Sha("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(Sha("The quick brown fox jumps over the lazy dog") ==
        "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12");
  const std::pair<size_t, const char*> vectors[] = {
      {55, "c1c8bbdc22796e28c0e15163d20899b65621d65a"},
      {56, "c2db330f6083854c99d4b5bfb6e8f29f201be699"},
      {63, "03f09f5b158a7a8cdad920bddc29b81c18a551f5"},
      {64, "0098ba824b5c16427bd7a1122a5a442a25ec644d"},
      {65, "11655326c708d70319be2610e8a57d9a5b959d3b"},
      {119, "ee971065aaa017e0632a8ca6c77bb3bf8b1dfc56"},
      {120, "f34c1488385346a55709ba056ddd08280dd4c6d6"},
      {1000, "291e9a6c66994949b57ba5e650361e98fc36b1ba"}};
  for (auto [n, hex] : vectors) CHECK(Sha(std::string(n, 'a')) == hex);
}

TEST_CASE("RESP2 replies become Lua values", "[script]") {
  Fixture f;
  CHECK(f.WithReply(":42\r\n", "return redis.call('x') + 1") == ":43\r\n");
  CHECK(f.WithReply("$3\r\nabc\r\n", "return type(redis.call('x'))") == "$6\r\nstring\r\n");
  CHECK(f.WithReply("$-1\r\n", "return redis.call('x') == false") == ":1\r\n");
  CHECK(f.WithReply("*-1\r\n", "return redis.call('x') == false") == ":1\r\n");
  CHECK(f.WithReply("+PONG\r\n", "return redis.call('x').ok") == "$4\r\nPONG\r\n");
  CHECK(f.WithReply("-WRONGTYPE bad\r\n", "return redis.pcall('x').err") ==
        "$13\r\nWRONGTYPE bad\r\n");
  CHECK(f.WithReply("-oops\r\n", "return redis.pcall('x').err") == "$8\r\nERR oops\r\n");
  CHECK(f.WithReply("*3\r\n:1\r\n$-1\r\n*1\r\n$1\r\nz\r\n",
                    "local r = redis.call('x') return {r[1], tostring(r[2]), r[3][1]}") ==
        "*3\r\n:1\r\n$5\r\nfalse\r\n$1\r\nz\r\n");
  // Not a complete reply: false, not a crash.
  CHECK(f.WithReply("*2\r\n:1\r\n", "return redis.call('x') == false") == ":1\r\n");
  CHECK(f.WithReply("?\r\n", "return redis.call('x') == false") == ":1\r\n");
}

TEST_CASE("RESP3 replies become Lua values", "[script]") {
  Fixture f;
  CHECK(f.WithReply("%1\r\n$1\r\na\r\n:7\r\n", "return redis.call('x').map.a") == ":7\r\n");
  CHECK(f.WithReply("~1\r\n$1\r\nm\r\n", "return redis.call('x').set.m") == ":1\r\n");
  CHECK(f.WithReply("_\r\n", "return redis.call('x') == nil") == ":1\r\n");
  CHECK(f.WithReply("#f\r\n", "return redis.call('x') == false") == ":1\r\n");
  CHECK(f.WithReply(",1.5\r\n", "return redis.call('x').double * 2") == ":3\r\n");
  CHECK(f.WithReply("(12345678901234567890\r\n", "return redis.call('x').big_number") ==
        "$20\r\n12345678901234567890\r\n");
  CHECK(f.WithReply("=7\r\ntxt:abc\r\n",
                    "local v = redis.call('x').verbatim_string return v.format .. v.string") ==
        "$6\r\ntxtabc\r\n");
  CHECK(f.WithReply("|1\r\n+k\r\n+v\r\n:5\r\n", "return redis.call('x')") == ":5\r\n");
  // The host is asked in the script's protocol.
  f.WithReply(":1\r\n", "redis.setresp(3) return redis.call('x')");
  CHECK(f.host.resps.back() == 3);
  f.WithReply(":1\r\n", "return redis.call('x')");
  CHECK(f.host.resps.back() == 2);  // every script starts in RESP2
}

TEST_CASE("Lua values become replies in the caller's protocol", "[script]") {
  Fixture f;
  CHECK(f.Eval("return 3.99") == ":3\r\n");
  CHECK(f.Eval("return -3.99") == ":-3\r\n");
  CHECK(f.Eval("return 1/0") == ":-9223372036854775808\r\n");
  CHECK(f.Eval("return 'x'") == "$1\r\nx\r\n");
  CHECK(f.Eval("return true") == ":1\r\n");
  CHECK(f.Eval("return false") == "$-1\r\n");
  CHECK(f.Eval("return false", 3) == "_\r\n");
  CHECK(f.Eval("redis.setresp(3) return false") == ":0\r\n");
  CHECK(f.Eval("redis.setresp(3) return true", 3) == "#t\r\n");
  CHECK(f.Eval("return nil") == "$-1\r\n");
  CHECK(f.Eval("return {1, 2, nil, 4}") == "*2\r\n:1\r\n:2\r\n");
  CHECK(f.Eval("return {}") == "*0\r\n");
  CHECK(f.Eval("return {ok='a\\r\\nb'}") == "+a  b\r\n");
  CHECK(f.Eval("return {err='x y'}") == "-x y\r\n");
  CHECK(f.Eval("return {err=3}") == "*0\r\n");
  CHECK(f.Eval("return {double=2.5}") == "$3\r\n2.5\r\n");
  CHECK(f.Eval("return {double=2.5}", 3) == ",2.5\r\n");
  CHECK(f.Eval("return {big_number='99'}", 3) == "(99\r\n");
  CHECK(f.Eval("return {map={a='b'}}") == "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
  CHECK(f.Eval("return {map={a='b'}}", 3) == "%1\r\n$1\r\na\r\n$1\r\nb\r\n");
  CHECK(f.Eval("return {set={a=true}}", 3) == "~1\r\n$1\r\na\r\n");
  CHECK(f.Eval("return redis.error_reply('My Error')") == "-My Error\r\n");
  CHECK(f.Eval("return redis.error_reply('-My Error')") == "-My Error\r\n");
  CHECK(f.Eval("return redis.error_reply('x')") == "-ERR x\r\n");
  CHECK(f.Eval("return redis.error_reply('')") == "-ERR \r\n");
  CHECK(f.Eval("return redis.status_reply('FINE')") == "+FINE\r\n");
  // A table that contains itself is cut at the nesting limit, not a stack overflow.
  std::string deep = f.Eval("local t = {} t[1] = t return t");
  CHECK(deep.find("-ERR reached lua stack limit\r\n") != std::string::npos);
}

TEST_CASE("redis.call arguments: strings and numbers (%.17g), nothing else", "[script]") {
  Fixture f;
  f.Eval("redis.call('SET', 'k', 0.1, 3, -0.0, 1e20)");
  REQUIRE(f.host.calls.size() == 1);
  CHECK(f.host.calls[0] ==
        std::vector<std::string>{"SET", "k", "0.10000000000000001", "3", "-0", "1e+20"});
  std::string bad = f.Eval("redis.call('SET', {})");
  CHECK(bad.rfind("-ERR Lua redis lib command arguments must be strings or integers script: ", 0) ==
        0);
  CHECK(f.Eval("return redis.pcall()") ==
        "-ERR Please specify at least one argument for this redis lib call\r\n");
  CHECK(f.host.calls.size() == 1);
}

TEST_CASE("KEYS, ARGV, and the script cache", "[script]") {
  Fixture f;
  CHECK(f.Eval("return {KEYS[1], ARGV[1], #KEYS, #ARGV}", 2, {"k"}, {"a", "b"}) ==
        "*4\r\n$1\r\nk\r\n$1\r\na\r\n:1\r\n:2\r\n");
  CHECK(f.Eval("return #KEYS") == ":0\r\n");  // reset for every run
  char sha[40];
  std::string error;
  REQUIRE(f.engine.Load("return 1", sha, &error));
  CHECK(std::string(sha, 40) == "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
  CHECK(f.engine.Exists("E0E1F9FABFC9D4800C877A703B823AC0578FF8DB"));
  CHECK_FALSE(f.engine.Exists("e0e1"));
  size_t count = f.engine.scripts_count();
  REQUIRE(f.engine.Load("return 1", sha, &error));  // cached once
  CHECK(f.engine.scripts_count() == count);
  CHECK_FALSE(f.engine.Load("return (", sha, &error));
  CHECK(error ==
        "ERR Error compiling script (new function): user_script:1: unexpected "
        "symbol near '<eof>'");
  f.engine.Flush();
  CHECK(f.engine.scripts_count() == 0);
  CHECK_FALSE(f.engine.Exists("e0e1f9fabfc9d4800c877a703b823ac0578ff8db"));
  CHECK(f.Eval("return 2") == ":2\r\n");  // the new state works
}

TEST_CASE("sandbox and read-only globals", "[script]") {
  Fixture f;
  std::string r = f.Eval("return os");
  CHECK(r.rfind("-ERR user_script:1: Script attempted to access nonexistent global variable "
                "'os' script: ",
                0) == 0);
  CHECK(f.Eval("x = 1").find("user_script:1: Attempt to modify a readonly table") !=
        std::string::npos);
  CHECK(f.Eval("redis.call = nil").find("Attempt to modify a readonly table") != std::string::npos);
  CHECK(f.Eval("rawset(_G, 'x', 1)").rfind("-ERR Attempt to modify a readonly table script: ", 0) ==
        0);
  CHECK(f.Eval("setmetatable(string, {})").find("Attempt to modify a readonly table") !=
        std::string::npos);
  CHECK(f.Eval("local t = setmetatable({}, {}) rawset(t, 'a', 1) return t.a") == ":1\r\n");
  CHECK(f.Eval("return loadstring('return KEYS')() ~= nil") == ":1\r\n");
  CHECK(f.Eval("local ok, e = pcall(function() y = 1 end) return e")
            .find("Attempt to modify a readonly table") != std::string::npos);
  CHECK(f.Eval("return cjson.decode('[1,2,3]')[3]") == ":3\r\n");
  CHECK(f.Eval("return bit.bxor(5, 1)") == ":4\r\n");
  CHECK(f.Eval("redis.log(redis.LOG_NOTICE, 'a', 'b')") == "$-1\r\n");
  REQUIRE(f.host.logs.size() == 1);
  CHECK(f.host.logs[0] == "2 a b");
  CHECK(f.Eval("return {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM}") ==
        "*2\r\n$5\r\n7.2.4\r\n:459268\r\n");
  LuaEngine other("7.0.15");
  f.host.next_reply = "";
  char sha[40];
  std::string error;
  REQUIRE(other.Load("return redis.REDIS_VERSION_NUM", sha, &error));
  std::string out;
  brisk::resp::ReplyBuilder rb(&out);
  other.Run(std::string_view(sha, 40), {}, {}, &f.host, &rb);
  CHECK(out == ":458767\r\n");
  CHECK(f.Eval("redis.setresp(4)").rfind("-ERR RESP version must be 2 or 3. script: ", 0) == 0);
}

TEST_CASE("Lua memory is counted and bounded", "[script]") {
  Fixture f;
  size_t base = f.engine.memory_bytes();
  CHECK(base > 10000);
  // Lua's own count (what our allocator saw) while a 100k-element array is alive.
  std::string live = f.Eval(
      "local t = {} for i = 1, 100000 do t[i] = i end return collectgarbage('count') * 1024");
  CHECK(std::stoll(live.substr(1)) > int64_t(base) + 1000000);
  CHECK(f.Eval("collectgarbage() return 1") == ":1\r\n");
  CHECK(f.engine.memory_bytes() < base + 100000);
  std::string r = f.Eval("return #string.rep('x', 1100 * 1024 * 1024)");
  CHECK(r.find("not enough memory") != std::string::npos);
  CHECK(f.engine.memory_bytes() <= LuaEngine::kMaxLuaMemory);
  CHECK(f.Eval("return 1") == ":1\r\n");  // still usable
}

TEST_CASE("the instruction hook ticks the host and kills on request", "[script]") {
  Fixture f;
  CHECK(f.Eval("local i = 0 while i < 1000000 do i = i + 1 end return i") == ":1000000\r\n");
  CHECK(f.host.ticks >= 5);
  f.host.kill = true;
  std::string r = f.Eval("while true do pcall(function() while true do end end) end");
  CHECK(r.rfind("-ERR Script killed by user with SCRIPT KILL... script: ", 0) == 0);
  f.host.kill = false;
  CHECK(f.Eval("local i = 0 while i < 1000000 do i = i + 1 end return i") == ":1000000\r\n");
}

TEST_CASE("SCRIPT FLUSH ASYNC: the old state is closed on the closer thread", "[script]") {
  Fixture f;
  size_t base = f.engine.memory_bytes();
  // A state holding a lot: 101 scripts, and a big table left as garbage not yet collected.
  CHECK(f.Eval("local t = {} for i = 1, 200000 do t[i] = tostring(i) end "
               "return #t") == ":200000\r\n");
  for (int i = 0; i < 100; ++i) {
    char sha[40];
    std::string error;
    REQUIRE(f.engine.Load("return " + std::to_string(i), sha, &error));
  }
  CHECK(f.engine.scripts_count() == 101);
  CHECK(f.engine.closer().closed() == 0);

  f.engine.Flush(LuaEngine::FlushMode::kAsync);
  // Swapped at once: a fresh state with nothing cached, counted on its own heap.
  CHECK(f.engine.scripts_count() == 0);
  CHECK(f.engine.scripts_bytes() == 0);
  CHECK_FALSE(f.engine.Exists("e0e1f9fabfc9d4800c877a703b823ac0578ff8db"));
  CHECK(f.engine.memory_bytes() < base + 100000);
  CHECK(f.Eval("return 2") == ":2\r\n");  // usable while the old one is being closed

  f.engine.closer().WaitIdle();
  CHECK(f.engine.closer().closed() == 1);
  CHECK(f.engine.closer().last_closer() != std::thread::id());
  CHECK(f.engine.closer().last_closer() != std::this_thread::get_id());

  // SYNC closes here: the closer is not involved.
  f.engine.Flush(LuaEngine::FlushMode::kSync);
  CHECK(f.engine.closer().closed() == 1);
  CHECK(f.Eval("return 3") == ":3\r\n");

  // Several retirements queue up; destroying the engine closes them all (ASan: no leak).
  for (int i = 0; i < 5; ++i) f.engine.Flush(LuaEngine::FlushMode::kAsync);
  f.engine.closer().WaitIdle();
  CHECK(f.engine.closer().closed() == 6);
  auto engine = std::make_unique<LuaEngine>();
  engine->Flush(LuaEngine::FlushMode::kAsync);
  engine.reset();  // joins the closer with a state possibly still queued
}
