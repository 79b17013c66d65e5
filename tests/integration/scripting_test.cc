// Scripting end to end (issue 8): EVAL / EVALSHA / SCRIPT with the scripts the popular
// rate-limiting and locking libraries send (written here from their documented
// behaviour), Lua <-> RESP conversions, errors, the sandbox, and the replay of scripted
// writes from the append log. Expected texts are Redis 7.0's, byte for byte.
#include <catch2/catch.hpp>

#include "durable_server.h"
#include "raw_conn.h"
#include "test_util.h"

using namespace brisk::test;

namespace {

// rate-limiter-flexible (RateLimiterRedis.consume): create the key with the window's
// TTL if absent, add the points, return {consumed, pttl}.
const char* kFlexibleConsume = R"lua(
redis.call('set', KEYS[1], 0, 'EX', ARGV[2], 'NX')
local consumed = redis.call('incrby', KEYS[1], ARGV[1])
local ttl = redis.call('pttl', KEYS[1])
if ttl == -1 then
  redis.call('expire', KEYS[1], ARGV[2])
  ttl = 1000 * ARGV[2]
end
return {consumed, ttl}
)lua";

// rate-limit-redis (the express-rate-limit store): INCR, set the window on the first hit
// (or when asked to reset it), return {totalHits, timeToExpire}.
const char* kExpressIncrement = R"lua(
local totalHits = redis.call("INCR", KEYS[1])
local timeToExpire = redis.call("PTTL", KEYS[1])
if timeToExpire <= 0 or ARGV[1] == "1" then
  redis.call("PEXPIRE", KEYS[1], tonumber(ARGV[2]))
  timeToExpire = tonumber(ARGV[2])
end
return { totalHits, timeToExpire }
)lua";

// @upstash/ratelimit fixed window.
const char* kUpstashFixedWindow = R"lua(
local key = KEYS[1]
local window = ARGV[1]
local incrementBy = ARGV[2]
local r = redis.call("INCRBY", key, incrementBy)
if r == tonumber(incrementBy) then
  redis.call("PEXPIRE", key, window)
end
return r
)lua";

// redis-py Lock: release / extend / reacquire.
const char* kLockRelease = R"lua(
local token = redis.call('get', KEYS[1])
if not token or token ~= ARGV[1] then
  return 0
end
redis.call('del', KEYS[1])
return 1
)lua";

const char* kLockExtend = R"lua(
local token = redis.call('get', KEYS[1])
if not token or token ~= ARGV[1] then
  return 0
end
local expiration = redis.call('pttl', KEYS[1])
if not expiration then
  expiration = 0
end
if expiration < 0 then
  return 0
end
local newttl = ARGV[2]
if ARGV[3] == "0" then
  newttl = ARGV[2] + expiration
end
redis.call('pexpire', KEYS[1], newttl)
return 1
)lua";

const char* kLockReacquire = R"lua(
local token = redis.call('get', KEYS[1])
if not token or token ~= ARGV[1] then
  return 0
end
redis.call('pexpire', KEYS[1], ARGV[2])
return 1
)lua";

Reply Cmd(redisContext* c, const std::vector<std::string>& argv) {
  return TestServer::Cmd(c, argv);
}

// EVALSHA, falling back to SCRIPT LOAD on NOSCRIPT, as ioredis / redis-py do.
Reply EvalShaOrLoad(redisContext* c, const std::string& body, std::vector<std::string> rest) {
  std::string sha = Run(c, {"SCRIPT", "LOAD", body});
  std::vector<std::string> argv = {"EVALSHA", sha};
  argv.insert(argv.end(), rest.begin(), rest.end());
  Reply r = Cmd(c, argv);
  if (r && r->type == REDIS_REPLY_ERROR && Str(r).rfind("NOSCRIPT", 0) == 0) {
    argv[0] = "EVAL";
    argv[1] = body;
    r = Cmd(c, argv);
  }
  return r;
}

}  // namespace

TEST_CASE("rate-limiter-flexible consume: points add up inside one window", "[script]") {
  TestServer s;
  RedisConn c = s.Connect();
  for (int i = 1; i <= 3; ++i) {
    Reply r = Cmd(c.get(), {"EVAL", kFlexibleConsume, "1", "rlflx:user1", "2", "60"});
    REQUIRE(r->type == REDIS_REPLY_ARRAY);
    REQUIRE(r->elements == 2);
    CHECK(r->element[0]->integer == 2 * i);
    CHECK(r->element[1]->integer > 59000);
    CHECK(r->element[1]->integer <= 60000);
  }
  CHECK(Run(c.get(), {"GET", "rlflx:user1"}) == "6");
  CHECK(Int(c.get(), {"TTL", "rlflx:user1"}) == 60);
}

TEST_CASE("rate-limit-redis increment: EVALSHA after SCRIPT LOAD, NOSCRIPT after FLUSH",
          "[script]") {
  TestServer s;
  RedisConn c = s.Connect();
  std::string sha = Run(c.get(), {"SCRIPT", "LOAD", kExpressIncrement});
  REQUIRE(sha.size() == 40);
  Reply r = Cmd(c.get(), {"EVALSHA", sha, "1", "rl:1.2.3.4", "0", "60000"});
  REQUIRE(r->type == REDIS_REPLY_ARRAY);
  CHECK(r->element[0]->integer == 1);
  CHECK(r->element[1]->integer == 60000);
  r = Cmd(c.get(), {"EVALSHA", sha, "1", "rl:1.2.3.4", "0", "60000"});
  CHECK(r->element[0]->integer == 2);
  CHECK(r->element[1]->integer <= 60000);
  CHECK(r->element[1]->integer > 50000);
  // Reset the window on request.
  r = Cmd(c.get(), {"EVALSHA", sha, "1", "rl:1.2.3.4", "1", "1000"});
  CHECK(r->element[0]->integer == 3);
  CHECK(Int(c.get(), {"PTTL", "rl:1.2.3.4"}) <= 1000);

  CHECK(Run(c.get(), {"SCRIPT", "FLUSH"}) == "OK");
  CHECK(Run(c.get(), {"EVALSHA", sha, "1", "rl:x", "0", "1000"}) ==
        "NOSCRIPT No matching script. Please use EVAL.");
  r = EvalShaOrLoad(c.get(), kExpressIncrement, {"1", "rl:x", "0", "1000"});
  CHECK(r->element[0]->integer == 1);
  Reply ex = Cmd(c.get(), {"SCRIPT", "EXISTS", sha, "0000000000000000000000000000000000000000"});
  REQUIRE(ex->elements == 2);
  CHECK(ex->element[0]->integer == 1);
  CHECK(ex->element[1]->integer == 0);
  // The SHA is case-insensitive.
  std::string upper = sha;
  for (auto& ch : upper) ch = char(toupper(ch));
  CHECK(Cmd(c.get(), {"EVALSHA", upper, "1", "rl:x", "0", "1000"})->type == REDIS_REPLY_ARRAY);
}

TEST_CASE("@upstash/ratelimit fixed window: expiry set on the first hit only", "[script]") {
  TestServer s;
  RedisConn c = s.Connect();
  CHECK(Int(c.get(), {"EVAL", kUpstashFixedWindow, "1", "up:k", "10000", "1"}) == 1);
  long long pttl = Int(c.get(), {"PTTL", "up:k"});
  CHECK(pttl > 0);
  CHECK(pttl <= 10000);
  CHECK(Run(c.get(), {"PERSIST", "up:k"}) == "<int 1>");
  CHECK(Int(c.get(), {"EVAL", kUpstashFixedWindow, "1", "up:k", "10000", "1"}) == 2);
  CHECK(Int(c.get(), {"PTTL", "up:k"}) == -1);  // not re-armed after the first hit
}

TEST_CASE("redis-py Lock: acquire, extend, reacquire, release only with the token", "[script]") {
  TestServer s;
  RedisConn c = s.Connect();
  CHECK(Run(c.get(), {"SET", "lock:a", "tok1", "NX", "PX", "10000"}) == "OK");
  CHECK(Run(c.get(), {"SET", "lock:a", "tok2", "NX", "PX", "10000"}) == "<nil>");
  // extend by 5000 (additive)
  CHECK(Int(c.get(), {"EVAL", kLockExtend, "1", "lock:a", "tok1", "5000", "0"}) == 1);
  CHECK(Int(c.get(), {"PTTL", "lock:a"}) > 10000);
  // replace the TTL
  CHECK(Int(c.get(), {"EVAL", kLockExtend, "1", "lock:a", "tok1", "3000", "1"}) == 1);
  CHECK(Int(c.get(), {"PTTL", "lock:a"}) <= 3000);
  CHECK(Int(c.get(), {"EVAL", kLockExtend, "1", "lock:a", "wrong", "3000", "1"}) == 0);
  CHECK(Int(c.get(), {"EVAL", kLockReacquire, "1", "lock:a", "tok1", "20000"}) == 1);
  CHECK(Int(c.get(), {"PTTL", "lock:a"}) > 10000);
  CHECK(Int(c.get(), {"EVAL", kLockRelease, "1", "lock:a", "wrong"}) == 0);
  CHECK(Int(c.get(), {"EXISTS", "lock:a"}) == 1);
  CHECK(Int(c.get(), {"EVAL", kLockRelease, "1", "lock:a", "tok1"}) == 1);
  CHECK(Int(c.get(), {"EXISTS", "lock:a"}) == 0);
  CHECK(Int(c.get(), {"EVAL", kLockRelease, "1", "lock:a", "tok1"}) == 0);
}

TEST_CASE("Lua to RESP conversions", "[script]") {
  TestServer s;
  RedisConn c = s.Connect();
  redisContext* cc = c.get();
  CHECK(Int(cc, {"EVAL", "return 3.99", "0"}) == 3);
  CHECK(Int(cc, {"EVAL", "return -3.99", "0"}) == -3);
  CHECK(Int(cc, {"EVAL", "return true", "0"}) == 1);
  CHECK(Run(cc, {"EVAL", "return false", "0"}) == "<nil>");
  CHECK(Run(cc, {"EVAL", "return nil", "0"}) == "<nil>");
  CHECK(Run(cc, {"EVAL", "return 'x'", "0"}) == "x");
  CHECK(Run(cc, {"EVAL", "return {ok='FINE'}", "0"}) == "FINE");
  CHECK(Run(cc, {"EVAL", "return redis.status_reply('FINE')", "0"}) == "FINE");
  CHECK(Run(cc, {"EVAL", "return {err='boom'}", "0"}) == "boom");
  CHECK(Run(cc, {"EVAL", "return redis.error_reply('My Error')", "0"}) == "My Error");
  CHECK(Run(cc, {"EVAL", "return redis.error_reply('x')", "0"}) == "ERR x");
  // Arrays stop at the first nil; nested tables; booleans inside.
  Reply r = Cmd(cc, {"EVAL", "return {1,2,3.7,'x',nil,4}", "0"});
  REQUIRE(r->type == REDIS_REPLY_ARRAY);
  CHECK(r->elements == 4);
  CHECK(r->element[2]->integer == 3);
  r = Cmd(cc, {"EVAL", "return {1,{2,{3}},'a',true,false}", "0"});
  REQUIRE(r->elements == 5);
  CHECK(r->element[1]->element[1]->element[0]->integer == 3);
  CHECK(r->element[3]->integer == 1);
  CHECK(r->element[4]->type == REDIS_REPLY_NIL);
  // KEYS and ARGV.
  r = Cmd(cc, {"EVAL", "return {KEYS[1],KEYS[2],ARGV[1],ARGV[2]}", "2", "a", "b", "c", "d"});
  REQUIRE(r->elements == 4);
  CHECK(Str(r->element[3]) == "d");
  // Numbers as command arguments use %.17g.
  CHECK(Run(cc, {"EVAL", "redis.call('set','f',0.1) return redis.call('get','f')", "0"}) ==
        "0.10000000000000001");
  CHECK(Run(cc, {"EVAL", "redis.call('set','f',3) return redis.call('get','f')", "0"}) == "3");
}

TEST_CASE("RESP to Lua conversions, and RESP3 after redis.setresp(3)", "[script]") {
  TestServer s;
  RedisConn c = s.Connect();
  redisContext* cc = c.get();
  CHECK(Run(cc, {"HSET", "h", "a", "1"}) == "<int 1>");
  CHECK(Run(cc, {"SET", "s", "abc"}) == "OK");
  CHECK(Run(cc, {"EVAL", "return type(redis.call('get','nokey'))", "0"}) == "boolean");
  CHECK(Run(cc, {"EVAL", "return redis.call('type','h').ok", "0"}) == "hash");
  CHECK(Run(cc, {"EVAL", "return redis.pcall('incr','s').err", "0"}) ==
        "ERR value is not an integer or out of range");
  CHECK(Run(cc, {"EVAL", "local ok, e = pcall(redis.call, 'incr', 's') return e", "0"}) ==
        "ERR value is not an integer or out of range");
  CHECK(Run(cc, {"EVAL", "redis.setresp(3) return type(redis.call('hgetall','h').map)", "0"}) ==
        "table");
  CHECK(Run(cc, {"EVAL", "redis.setresp(3) return redis.call('hgetall','h').map.a", "0"}) == "1");
  CHECK(Int(cc, {"EVAL", "redis.setresp(3) return redis.call('get','nokey') == nil", "0"}) == 1);
  CHECK(Run(cc, {"ZADD", "z", "1.5", "a"}) == "<int 1>");
  CHECK(Run(cc, {"EVAL", "redis.setresp(3) return redis.call('zscore','z','a').double * 2", "0"}) ==
        "<int 3>");
  // A RESP2 caller gets RESP2 shapes of RESP3 values.
  CHECK(Run(cc, {"EVAL", "return {double=3.5}", "0"}) == "3.5");
  Reply r = Cmd(cc, {"EVAL", "return {map={a=1}}", "0"});
  REQUIRE(r->type == REDIS_REPLY_ARRAY);
  CHECK(r->elements == 2);
  CHECK(Run(cc, {"EVAL", "redis.setresp(3) return false", "0"}) == "<int 0>");
  // A RESP3 caller gets the RESP3 types (raw bytes: this hiredis predates RESP3).
  RawConn raw(s.port());
  REQUIRE(raw.Cmd({"HELLO", "3"}).value_or("").rfind("%", 0) == 0);
  CHECK(raw.Cmd({"EVAL", "return {map={a=1}}", "0"}) == "%1\r\n$1\r\na\r\n:1\r\n");
  CHECK(raw.Cmd({"EVAL", "return {set={a=true}}", "0"}) == "~1\r\n$1\r\na\r\n");
  CHECK(raw.Cmd({"EVAL", "return {double=3.5}", "0"}) == ",3.5\r\n");
  CHECK(raw.Cmd({"EVAL", "return {big_number='123'}", "0"}) == "(123\r\n");
  CHECK(raw.Cmd({"EVAL", "redis.setresp(3) return true", "0"}) == "#t\r\n");
  CHECK(raw.Cmd({"EVAL", "return false", "0"}) == "_\r\n");
  CHECK(raw.Cmd({"EVAL", "return nil", "0"}) == "_\r\n");
  CHECK(raw.Cmd({"EVAL", "redis.setresp(3) return redis.call('hgetall','h')", "0"}) ==
        "%1\r\n$1\r\na\r\n$1\r\n1\r\n");
  CHECK(raw.Cmd({"EVAL", "return redis.call('hgetall','h')", "0"}) ==  // script in RESP2
        "*2\r\n$1\r\na\r\n$1\r\n1\r\n");
  CHECK(raw.Cmd({"EVAL", "redis.setresp(3) return redis.call('zscore','z','a')", "0"}) ==
        ",1.5\r\n");
}

TEST_CASE("errors inside scripts carry Redis's texts", "[script]") {
  TestServer s;
  RedisConn c = s.Connect();
  redisContext* cc = c.get();
  CHECK(Run(cc, {"EVAL", "return redis.call('nosuch')", "0"}) ==
        "ERR Unknown Redis command called from script script: "
        "206396248e12c6e742fd7296250433c8d7343b74, on @user_script:1.");
  CHECK(Run(cc, {"EVAL", "return redis.pcall('nosuch')", "0"}) ==
        "ERR Unknown Redis command called from script");
  CHECK(Run(cc, {"EVAL", "return redis.call('get')", "0"}) ==
        "ERR Wrong number of args calling Redis command from script script: "
        "f187dee77f607f7cff00bbabc9df38507582c78d, on @user_script:1.");
  CHECK(Run(cc, {"EVAL", "return redis.call('multi')", "0"}) ==
        "ERR This Redis command is not allowed from script script: "
        "c329a1a294be6bf95b44144f7502610661ae925a, on @user_script:1.");
  // Blocking pops: BLPOP & co. are noscript; BLMPOP / BZMPOP run without blocking.
  CHECK(Run(cc, {"EVAL", "return redis.call('blpop','nokey',0)", "0"}).starts_with(
      "ERR This Redis command is not allowed from script script: "));
  CHECK(Run(cc, {"EVAL", "return redis.call('blmpop',0,1,'nokey','left')", "0"}) ==
        Run(cc, {"EVAL", "return redis.call('get','nokey')", "0"}));
  CHECK(Run(cc, {"EVAL", "return redis.call('bzmpop',0,1,'nokey','min')", "0"}) ==
        Run(cc, {"EVAL", "return redis.call('get','nokey')", "0"}));
  CHECK(Run(cc, {"EVAL_RO", "return redis.call('set','a','b')", "0"}) ==
        "ERR Write commands are not allowed from read-only scripts. script: "
        "ff967d0ae0e68b4f9e360fa91c54598bc25ad9b6, on @user_script:1.");
  CHECK(Run(cc, {"EVAL", "error('x')", "0"}) ==
        "ERR user_script:1: x script: 9851144f39f03a0d597a980c5aa79c80cb696891, on "
        "@user_script:1.");
  CHECK(Run(cc, {"EVAL", "error({err='x'})", "0"}) ==
        "x script: 0e48b9b90bf7d59e383ba68c5e1e495ef87146a8, on @user_script:1.");
  CHECK(Run(cc, {"SET", "s", "abc"}) == "OK");
  CHECK(Run(cc, {"EVAL", "return redis.call('hgetall','s')", "0"})
            .rfind("WRONGTYPE Operation against a key holding the wrong kind of value script: ",
                   0) == 0);
  CHECK(Run(cc, {"EVAL", "return redis.call('get',{})", "0"})
            .rfind("ERR Lua redis lib command arguments must be strings or integers script: ", 0) ==
        0);
  CHECK(Run(cc, {"EVAL", "syntax error here", "0"}) ==
        "ERR Error compiling script (new function): user_script:1: '=' expected near 'error'");
  CHECK(Run(cc, {"EVAL", "return 1", "-1"}) == "ERR Number of keys can't be negative");
  CHECK(Run(cc, {"EVAL", "return 1", "2", "a"}) ==
        "ERR Number of keys can't be greater than number of args");
  CHECK(Run(cc, {"EVAL", "return 1", "x"}) == "ERR value is not an integer or out of range");
  CHECK(Run(cc, {"EVALSHA", "0123456789012345678901234567890123456789", "0"}) ==
        "NOSCRIPT No matching script. Please use EVAL.");
  CHECK(Run(cc, {"SCRIPT", "KILL"}) == "NOTBUSY No scripts in execution right now.");
  CHECK(Run(cc, {"SCRIPT", "FLUSH", "foo"}) == "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
  CHECK(Run(cc, {"SCRIPT", "EXISTS"}) ==
        "ERR wrong number of arguments for 'script|exists' command");
  CHECK(Run(cc, {"SCRIPT", "FLUSH", "ASYNC"}) == "OK");
  // Redis 7 shebangs: flags=no-writes makes the script read-only; line numbers stay.
  CHECK(Int(cc, {"EVAL", "#!lua flags=no-writes,allow-oom\nreturn 2", "0"}) == 2);
  CHECK(Run(cc, {"EVAL", "#!lua flags=no-writes\nreturn redis.call('set','a','b')", "0"})
            .rfind("ERR Write commands are not allowed from read-only scripts. script: ", 0) == 0);
  CHECK(Run(cc, {"EVAL", "#!lua\nerror('x')", "0"}).rfind("ERR user_script:2: x script: ", 0) == 0);
  CHECK(Run(cc, {"EVAL", "#!lua flags=foo\nreturn 1", "0"}) ==
        "ERR Unexpected flag in script shebang: foo");
  CHECK(Run(cc, {"EVAL", "#!python\nreturn 1", "0"}) ==
        "ERR Unexpected engine in script shebang: #!python");
  CHECK(Run(cc, {"EVAL", "#!lua name=x\nreturn 1", "0"}) ==
        "ERR Unknown lua shebang option: name=x");
  // A failed redis.call does not undo the script's earlier writes (no rollback).
  CHECK(Run(cc, {"EVAL", "redis.call('set','w','1') redis.call('hgetall','s')", "0"})
            .rfind("WRONGTYPE", 0) == 0);
  CHECK(Run(cc, {"GET", "w"}) == "1");
}

TEST_CASE("sandbox: no os/io/require/loadfile, read-only globals", "[script]") {
  TestServer s;
  RedisConn c = s.Connect();
  redisContext* cc = c.get();
  for (const char* name : {"os", "io", "require", "loadfile", "dofile", "debug", "print", "package",
                           "setfenv", "getfenv", "newproxy"}) {
    CHECK(Run(cc, {"EVAL", std::string("return ") + name, "0"})
              .rfind(std::string("ERR user_script:1: Script attempted to access nonexistent global "
                                 "variable '") +
                         name + "' script: ",
                     0) == 0);
  }
  CHECK(Run(cc, {"EVAL", "x=1", "0"}) ==
        "ERR user_script:1: Attempt to modify a readonly table script: "
        "7caf6056913504f0508c65faf2dc3f94ff65bcfd, on @user_script:1.");
  CHECK(Run(cc, {"EVAL", "redis.call = nil", "0"}).find("Attempt to modify a readonly table") !=
        std::string::npos);
  CHECK(Run(cc, {"EVAL", "string.foo=1", "0"}).find("Attempt to modify a readonly table") !=
        std::string::npos);
  CHECK(Run(cc, {"EVAL", "return rawset(_G, 'x', 1)", "0"}) ==
        "ERR Attempt to modify a readonly table script: "
        "6ec33e5ae28ed74be2865c4f74dabce76f044b0e, on @user_script:1.");
  CHECK(Run(cc, {"EVAL", "setmetatable(_G, nil)", "0"}).find("Attempt to modify a readonly") !=
        std::string::npos);
  // Local state is fine; libraries that Redis ships are there.
  CHECK(Int(cc, {"EVAL", "local t = {} t.x = 1 return t.x", "0"}) == 1);
  CHECK(Run(cc, {"EVAL", "return cjson.encode({1,2})", "0"}) == "[1,2]");
  CHECK(Int(cc, {"EVAL", "return bit.band(7, 3)", "0"}) == 3);
  CHECK(Run(cc, {"EVAL", "return redis.sha1hex('')", "0"}) ==
        "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  Reply r = Cmd(cc, {"EVAL", "return {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM}", "0"});
  REQUIRE(r->elements == 2);
  CHECK(Str(r->element[0]) == "7.2.4");  // what INFO and HELLO report
  CHECK(r->element[1]->integer == 0x070204);
  CHECK(Run(cc, {"EVAL", "return redis.set_repl(redis.REPL_ALL)", "0"}) == "<nil>");
  CHECK(Run(cc, {"EVAL", "return redis.log(redis.LOG_WARNING, 'from a script')", "0"}) == "<nil>");
  // A script's SELECT does not change the caller's database.
  CHECK(Run(cc, {"EVAL", "redis.call('select', 1) redis.call('set', 'in1', 'x')", "0"}) == "<nil>");
  CHECK(Int(cc, {"EXISTS", "in1"}) == 0);
  CHECK(Run(cc, {"SELECT", "1"}) == "OK");
  CHECK(Int(cc, {"EXISTS", "in1"}) == 1);
}

TEST_CASE("scripted writes fire keyspace events and count in the command stats", "[script]") {
  TestServer s({"--notify-keyspace-events", "KEA"});
  RedisConn sub = s.Connect();
  RedisConn c = s.Connect();
  Reply r = Cmd(sub.get(), {"SUBSCRIBE", "__keyevent@0__:incrby"});
  REQUIRE(r);
  CHECK(Int(c.get(), {"EVAL", kUpstashFixedWindow, "1", "ev:k", "1000", "5"}) == 5);
  redisReply* raw = nullptr;
  REQUIRE(redisGetReply(sub.get(), reinterpret_cast<void**>(&raw)) == REDIS_OK);
  Reply msg(raw);
  REQUIRE(msg->elements == 3);
  CHECK(Str(msg->element[2]) == "ev:k");
  std::string stats = Run(c.get(), {"INFO", "commandstats"});
  CHECK(stats.find("cmdstat_incrby:calls=1") != std::string::npos);
  CHECK(stats.find("cmdstat_eval:calls=1") != std::string::npos);
}

TEST_CASE("scripted writes are replayed from the append log after a restart", "[script]") {
  DurableServer s({"--appendonly", "yes", "--appendfsync", "always"});
  REQUIRE(s.Start());
  {
    RedisConn c = s.Connect();
    Reply r = Cmd(c.get(), {"EVAL", kExpressIncrement, "1", "rl:ip", "0", "600000"});
    REQUIRE(r->type == REDIS_REPLY_ARRAY);
    r = Cmd(c.get(), {"EVAL", kExpressIncrement, "1", "rl:ip", "0", "600000"});
    CHECK(r->element[0]->integer == 2);
    CHECK(Run(c.get(), {"EVAL",
                        "redis.call('hset', KEYS[1], 'a', ARGV[1]) "
                        "redis.call('rpush', KEYS[2], 'x', 'y') "
                        "redis.call('select', 3) redis.call('set', 'db3key', 'v') return 1",
                        "2", "h", "l", "hv"}) == "<int 1>");
  }
  CHECK(s.Stop() == 0);
  REQUIRE(s.Start());
  RedisConn c = s.Connect();
  CHECK(Run(c.get(), {"GET", "rl:ip"}) == "2");
  long long pttl = Int(c.get(), {"PTTL", "rl:ip"});
  CHECK(pttl > 0);
  CHECK(pttl <= 600000);
  CHECK(Run(c.get(), {"HGET", "h", "a"}) == "hv");
  CHECK(Int(c.get(), {"LLEN", "l"}) == 2);
  CHECK(Run(c.get(), {"SELECT", "3"}) == "OK");
  CHECK(Run(c.get(), {"GET", "db3key"}) == "v");
}

namespace {

const char* kBusy =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";

}  // namespace

TEST_CASE("a busy script: -BUSY for others, SCRIPT KILL, UNKILLABLE, SHUTDOWN NOSAVE", "[script]") {
  TestServer s({"--busy-reply-threshold", "100"});
  RedisConn other = s.Connect();  // connected before (new connections: script_busy_test.cc)
  RedisConn runner = s.Connect();
  CHECK(Run(other.get(), {"PING"}) == "PONG");

  auto t0 = std::chrono::steady_clock::now();
  SendEval(runner.get(), "local i = 0 while true do i = i + 1 end");
  // Answered once the script passes the threshold (the command waits in the socket till then).
  CHECK(PollUntil([&] { return Run(other.get(), {"GET", "x"}) == kBusy; }));
  CHECK(MsSince(t0) >= 100);
  CHECK(Run(other.get(), {"SCRIPT", "KILL"}) == "OK");
  Reply killed = GetReply(runner.get());
  CHECK(Str(killed) ==
        "ERR Script killed by user with SCRIPT KILL... script: "
        "3fcf51a9b854b8f66cb8685600b0d7df968f4398, on @user_script:1.");
  CHECK(Run(other.get(), {"PING"}) == "PONG");
  CHECK(Run(runner.get(), {"PING"}) == "PONG");

  // A script caught by pcall is raised again (it cannot swallow the kill).
  SendEval(runner.get(), "while true do pcall(function() while true do end end) end");
  CHECK(PollUntil([&] { return Run(other.get(), {"GET", "x"}) == kBusy; }));
  CHECK(Run(other.get(), {"SCRIPT", "KILL"}) == "OK");
  CHECK(Str(GetReply(runner.get())).find("Script killed by user") != std::string::npos);

  // A script that wrote cannot be killed; SHUTDOWN NOSAVE ends the server.
  SendEval(runner.get(), "redis.call('set', 'w', '1') while true do end");
  CHECK(PollUntil([&] { return Run(other.get(), {"GET", "x"}) == kBusy; }));
  CHECK(Run(other.get(), {"SCRIPT", "KILL"})
            .rfind("UNKILLABLE Sorry the script already executed "
                   "write commands against the dataset.",
                   0) == 0);
  redisAppendCommand(other.get(), "SHUTDOWN NOSAVE");
  int done = 0;
  while (!done) REQUIRE(redisBufferWrite(other.get(), &done) == REDIS_OK);
  CHECK(!GetReply(other.get()));  // the connection closes: no reply
  CHECK(s.Stop() == 0);
}
