// The append log end to end (issue 4): the real binary, kill -9, restarts on the same
// directory, damaged files, DEBUG RELOAD, -LOADING, INFO persistence, CONFIG SET.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <thread>

#include "durable_server.h"
#include "test_util.h"

using namespace brisk::test;

namespace {

const std::vector<std::string> kAlways = {"--appendonly", "yes", "--appendfsync", "always"};
const std::vector<std::string> kEverysec = {"--appendonly", "yes", "--appendfsync", "everysec"};

// GET and PEXPIRETIME of every key of the listed dbs: the state a replay must reproduce.
std::map<std::string, std::string> Snapshot(redisContext* c, std::vector<int> dbs) {
  std::map<std::string, std::string> out;
  for (int db : dbs) {
    REQUIRE(Run(c, {"SELECT", std::to_string(db)}) == "OK");
    Reply keys = TestServer::Cmd(c, {"KEYS", "*"});
    REQUIRE(keys);
    for (size_t i = 0; i < keys->elements; ++i) {
      std::string k(keys->element[i]->str, keys->element[i]->len);
      out[std::to_string(db) + "/" + k] =
          Run(c, {"GET", k}) + " @" + std::to_string(Int(c, {"PEXPIRETIME", k}));
    }
  }
  REQUIRE(Run(c, {"SELECT", "0"}) == "OK");
  return out;
}

std::string InfoField(redisContext* c, const std::string& field) {
  std::string info = Run(c, {"INFO", "persistence"});
  size_t at = info.find(field + ":");
  if (at == std::string::npos) return "<absent>";
  size_t start = at + field.size() + 1;
  return info.substr(start, info.find("\r\n", start) - start);
}

bool Contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("always: every acknowledged write survives kill -9, with its TTL", "[aof]") {
  DurableServer s(kAlways);
  REQUIRE(s.Start());
  // Writers on several connections until the kill; each remembers its last acked index.
  constexpr int kWriters = 8;
  std::atomic<bool> stop{false};
  std::vector<long> acked(kWriters, -1);
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      RedisConn c = s.Connect();
      if (!c || c->err) return;
      for (long i = 0; !stop.load(); ++i) {
        std::string key = "w" + std::to_string(w) + ":" + std::to_string(i);
        Reply r = TestServer::Cmd(c.get(), {"SET", key, "v" + std::to_string(i), "EX", "1000"});
        if (!r || r->type != REDIS_REPLY_STATUS) return;  // killed
        acked[size_t(w)] = i;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  s.Kill9();
  stop = true;
  for (auto& t : threads) t.join();

  REQUIRE(s.Start(kAlways));
  RedisConn c = s.Connect();
  long total = 0;
  for (int w = 0; w < kWriters; ++w) {
    INFO("writer " << w << " acked up to " << acked[size_t(w)]);
    CHECK(acked[size_t(w)] > 0);
    for (long i = 0; i <= acked[size_t(w)]; ++i) {
      std::string key = "w" + std::to_string(w) + ":" + std::to_string(i);
      REQUIRE(Run(c.get(), {"GET", key}) == "v" + std::to_string(i));
    }
    total += acked[size_t(w)] + 1;
  }
  // TTLs were logged as absolute deadlines: still ~1000 s, not reset, not lost.
  long long ttl = Int(c.get(), {"TTL", "w0:0"});
  CHECK(ttl > 990);
  CHECK(ttl <= 1000);
  CHECK(Int(c.get(), {"DBSIZE"}) >= total);
  WARN("acknowledged writes under always in 400 ms with 8 clients: " << total);
}

TEST_CASE("replay of INCR/EXPIRE/RENAME/MOVE/FLUSHDB/SWAPDB/MULTI reaches the same state",
          "[aof]") {
  for (bool kill9 : {true, false}) {
    DYNAMIC_SECTION((kill9 ? "kill -9 under always" : "SIGTERM under everysec")) {
      DurableServer s(kill9 ? kAlways : kEverysec);
      REQUIRE(s.Start());
      RedisConn c = s.Connect();
      redisContext* r = c.get();
      for (auto& cmd : std::vector<std::vector<std::string>>{
               {"SET", "a", "1"},
               {"INCRBY", "a", "41"},
               {"INCRBYFLOAT", "f", "1.5"},
               {"SET", "b", "x", "PX", "500000"},
               {"RENAME", "b", "c"},
               {"EXPIRE", "a", "3000"},
               {"SET", "p", "q", "EX", "100"},
               {"PERSIST", "p"},
               {"APPEND", "p", "r"},
               {"SET", "gone", "1"},
               {"DEL", "gone"},
               {"SET", "short", "1", "PX", "1"},
               {"SELECT", "3"},
               {"SET", "x", "1"},
               {"FLUSHDB"},
               {"SET", "y", "2"},
               {"SELECT", "4"},
               {"SET", "z", "3"},
               {"MOVE", "z", "5"},
               {"SWAPDB", "4", "5"},
               {"SELECT", "0"},
               {"MULTI"},
               {"INCR", "m"},
               {"SET", "n", "v", "EX", "50"},
               {"EXEC"},
           }) {
        Reply rep = TestServer::Cmd(r, cmd);
        REQUIRE(rep);
        INFO(cmd[0] << " -> " << Str(rep));
        CHECK(rep->type != REDIS_REPLY_ERROR);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let "short" expire
      auto before = Snapshot(r, {0, 3, 4, 5});
      CHECK(before.count("0/short") == 0);
      CHECK(before.at("0/a").rfind("42 @", 0) == 0);
      CHECK(before.at("4/z") == "3 @-1");
      c.reset();
      if (kill9) {
        s.Kill9();
      } else {
        CHECK(s.Stop() == 0);
      }
      REQUIRE(s.Start());
      RedisConn c2 = s.Connect();
      CHECK(Snapshot(c2.get(), {0, 3, 4, 5}) == before);
    }
  }
}

TEST_CASE("DEBUG RELOAD re-loads the dataset from the log in-process", "[aof]") {
  DurableServer s(kEverysec);
  REQUIRE(s.Start());
  RedisConn c = s.Connect();
  for (int i = 0; i < 100; ++i) {
    Run(c.get(), {"SET", "k" + std::to_string(i), std::to_string(i), "PX", "600000"});
  }
  Run(c.get(), {"INCR", "k5"});
  Run(c.get(), {"DEL", "k7"});
  auto before = Snapshot(c.get(), {0});
  CHECK(Run(c.get(), {"DEBUG", "RELOAD"}) == "OK");
  CHECK(Snapshot(c.get(), {0}) == before);
  CHECK(Run(c.get(), {"GET", "k5"}) == "6");
  // The log keeps working after the reload.
  CHECK(Run(c.get(), {"SET", "after", "1"}) == "OK");
  CHECK(Run(c.get(), {"DEBUG", "RELOAD"}) == "OK");
  CHECK(Run(c.get(), {"GET", "after"}) == "1");
  CHECK(Int(c.get(), {"DBSIZE"}) == 100);
}

TEST_CASE("a torn tail is cut with a warning and the server starts", "[aof]") {
  DurableServer s(kAlways);
  REQUIRE(s.Start());
  {
    RedisConn c = s.Connect();
    CHECK(Run(c.get(), {"SET", "first", "1"}) == "OK");
    CHECK(Run(c.get(), {"SET", "second", "2"}) == "OK");
    CHECK(Run(c.get(), {"SET", "last", std::string(100, 'z')}) == "OK");
  }
  CHECK(s.Stop() == 0);
  std::string bytes = ReadFile(s.aof_path());
  REQUIRE(bytes.size() > 64);
  WriteFile(s.aof_path(), bytes.substr(0, bytes.size() - 5));  // a crash mid-record

  REQUIRE(s.Start());
  RedisConn c = s.Connect();
  CHECK(Run(c.get(), {"GET", "first"}) == "1");
  CHECK(Run(c.get(), {"GET", "second"}) == "2");
  CHECK(Run(c.get(), {"GET", "last"}) == "<nil>");
  std::string log = s.log_text();
  INFO(log);
  CHECK(Contains(log, "torn tail"));
  // The last record (header 20 + payload 4+4+3+4+4+4+100 bytes) minus the 5 cut = 138.
  CHECK(Contains(log, "truncated 138 bytes"));
  CHECK(ReadFile(s.aof_path()).size() == bytes.size() - 143);
  // And it keeps appending after the cut.
  CHECK(Run(c.get(), {"SET", "again", "3"}) == "OK");
  CHECK(s.Stop() == 0);
  REQUIRE(s.Start());
  RedisConn c2 = s.Connect();
  CHECK(Run(c2.get(), {"GET", "again"}) == "3");
}

TEST_CASE("corruption in the middle refuses to start unless aof-load-truncated yes", "[aof]") {
  DurableServer s(kAlways);
  REQUIRE(s.Start());
  {
    RedisConn c = s.Connect();
    CHECK(Run(c.get(), {"SET", "a", "AAAAAAAA"}) == "OK");
    CHECK(Run(c.get(), {"SET", "b", "BBBBBBBB"}) == "OK");
    CHECK(Run(c.get(), {"SET", "c", "CCCCCCCC"}) == "OK");
  }
  CHECK(s.Stop() == 0);
  std::string bytes = ReadFile(s.aof_path());
  size_t value_at = bytes.find("BBBBBBBB");
  REQUIRE(value_at != std::string::npos);
  bytes[value_at + 3] = 'X';  // CRC now fails; a valid record follows
  WriteFile(s.aof_path(), bytes);
  // The damaged record starts 20 (header) + 4 + 4+3 + 4+1 + 4 bytes before its value.
  size_t record_at = value_at - 40;

  CHECK_FALSE(s.Start());
  CHECK(s.exit_code() != 0);
  std::string log = s.log_text();
  INFO(log);
  CHECK(Contains(log, "corrupt"));
  CHECK(Contains(log, "offset " + std::to_string(record_at)));
  CHECK(ReadFile(s.aof_path()) == bytes);  // refused: untouched

  REQUIRE(s.Start({"--aof-load-truncated", "yes"}));
  RedisConn c = s.Connect();
  CHECK(Run(c.get(), {"GET", "a"}) == "AAAAAAAA");
  CHECK(Run(c.get(), {"GET", "b"}) == "<nil>");
  CHECK(Run(c.get(), {"GET", "c"}) == "<nil>");
  CHECK(ReadFile(s.aof_path()).size() == record_at);
}

TEST_CASE("clients that connect while the log loads get -LOADING; INFO shows progress",
          "[aof]") {
  DurableServer s({"--appendonly", "yes", "--appendfsync", "no"});
  REQUIRE(s.Start());
  {
    RedisConn c = s.Connect();
    // ~150 MB of log: long enough to be seen loading.
    std::string value(500, 'v');
    constexpr int kKeys = 300000;
    for (int i = 0; i < kKeys; ++i) {
      std::string key = "key:" + std::to_string(i);
      redisAppendCommand(c.get(), "SET %b %b", key.data(), key.size(), value.data(), value.size());
      if (i % 1000 == 999) {
        for (int j = 0; j < 1000; ++j) {
          void* r = nullptr;
          REQUIRE(redisGetReply(c.get(), &r) == REDIS_OK);
          freeReplyObject(r);
        }
      }
    }
  }
  CHECK(s.Stop() == 0);

  s.Launch();
  bool saw_loading = false, saw_progress = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    RedisConn c = s.Connect();
    if (!c || c->err) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    std::string get = Run(c.get(), {"GET", "key:1"});
    if (get == "LOADING Redis is loading the dataset in memory") {
      saw_loading = true;
      if (InfoField(c.get(), "loading") == "1" &&
          InfoField(c.get(), "loading_total_bytes") != "<absent>") {
        saw_progress = true;
      }
      continue;
    }
    CHECK(get == std::string(500, 'v'));
    CHECK(Int(c.get(), {"DBSIZE"}) == 300000);
    CHECK(InfoField(c.get(), "loading") == "0");
    break;
  }
  CHECK(saw_loading);
  CHECK(saw_progress);
}

TEST_CASE("INFO persistence and CONFIG SET appendonly/appendfsync", "[aof]") {
  DurableServer s(kEverysec);
  REQUIRE(s.Start());
  RedisConn c = s.Connect();
  redisContext* r = c.get();
  CHECK(InfoField(r, "aof_enabled") == "1");
  CHECK(InfoField(r, "aof_rewrite_in_progress") == "0");
  CHECK(InfoField(r, "aof_last_write_status") == "ok");
  CHECK(InfoField(r, "aof_delayed_fsync") == "0");
  long base = std::stol(InfoField(r, "aof_current_size"));
  CHECK(Run(r, {"SET", "k", "v"}) == "OK");
  CHECK(std::stol(InfoField(r, "aof_current_size")) > base);

  CHECK(Run(r, {"CONFIG", "SET", "appendfsync", "always"}) == "OK");
  CHECK(Run(r, {"CONFIG", "GET", "appendfsync"}) == "<array 2>");
  CHECK(Run(r, {"SET", "k2", "v2"}) == "OK");
  // Turning the log off closes it; on again at runtime starts a new log from a rewrite
  // of the dataset (as Redis), so it holds even what was written while it was off.
  CHECK(Run(r, {"CONFIG", "SET", "appendonly", "no"}) == "OK");
  CHECK(InfoField(r, "aof_enabled") == "0");
  CHECK(Run(r, {"SET", "unlogged", "1"}) == "OK");
  CHECK(Run(r, {"CONFIG", "SET", "appendonly", "yes"}) == "OK");
  CHECK(InfoField(r, "aof_enabled") == "1");
  REQUIRE(PollUntil([&] { return InfoField(r, "aof_rewrite_in_progress") == "0"; }));
  CHECK(InfoField(r, "aof_last_bgrewrite_status") == "ok");
  s.Kill9();
  REQUIRE(s.Start());
  RedisConn c2 = s.Connect();
  CHECK(Run(c2.get(), {"GET", "k2"}) == "v2");
  CHECK(Run(c2.get(), {"GET", "unlogged"}) == "1");
}
