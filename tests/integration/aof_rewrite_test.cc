// The log rewrite end to end (issue 4): BGREWRITEAOF under a write load, restart, every
// key, value and TTL against a client-side model; the replies and INFO fields; automatic
// rewrites; CONFIG SET appendonly yes; leftover temp files.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include "durable_server.h"
#include "test_util.h"

using namespace brisk::test;

namespace {

std::string InfoField(redisContext* c, const std::string& field) {
  std::string info = Run(c, {"INFO", "persistence"});
  size_t at = info.find("\r\n" + field + ":");
  if (at == std::string::npos) return "<absent>";
  size_t start = at + field.size() + 3;
  return info.substr(start, info.find("\r\n", start) - start);
}

bool RewriteDone(redisContext* c) {
  return InfoField(c, "aof_rewrite_in_progress") == "0" &&
         InfoField(c, "aof_rewrite_scheduled") == "0";
}

// "db/key" -> "value @pexpiretime" (-1: no TTL), what the server must hold.
using Model = std::map<std::string, std::string>;

// Pipelined SETs of `n` keys "p:<i>" = value on the connection's db.
void Preload(redisContext* c, int n, const std::string& value) {
  for (int i = 0; i < n; ++i) {
    std::string k = "p:" + std::to_string(i);
    redisAppendCommand(c, "SET %b %b", k.data(), k.size(), value.data(), value.size());
  }
  for (int i = 0; i < n; ++i) {
    void* r = nullptr;
    REQUIRE(redisGetReply(c, &r) == REDIS_OK);
    freeReplyObject(r);
  }
}

// Compares every model key (pipelined GET + PEXPIRETIME) and each db's size.
void CheckModel(redisContext* c, const Model& model, const std::vector<int>& dbs) {
  std::map<int, long long> per_db;
  for (const auto& [k, v] : model) ++per_db[std::stoi(k.substr(0, k.find('/')))];
  for (int db : dbs) {
    REQUIRE(Run(c, {"SELECT", std::to_string(db)}) == "OK");
    INFO("db " << db);
    CHECK(Int(c, {"DBSIZE"}) == per_db[db]);
    std::vector<std::pair<std::string, std::string>> keys;
    std::string prefix = std::to_string(db) + "/";
    for (auto it = model.lower_bound(prefix); it != model.end() && it->first.rfind(prefix, 0) == 0;
         ++it) {
      keys.emplace_back(it->first.substr(prefix.size()), it->second);
    }
    for (size_t from = 0; from < keys.size(); from += 5000) {
      size_t to = std::min(keys.size(), from + 5000);
      for (size_t i = from; i < to; ++i) {
        const std::string& k = keys[i].first;
        redisAppendCommand(c, "GET %b", k.data(), k.size());
        redisAppendCommand(c, "PEXPIRETIME %b", k.data(), k.size());
      }
      size_t bad = 0;
      for (size_t i = from; i < to; ++i) {
        void* g = nullptr;
        void* t = nullptr;
        REQUIRE(redisGetReply(c, &g) == REDIS_OK);
        REQUIRE(redisGetReply(c, &t) == REDIS_OK);
        Reply gr(static_cast<redisReply*>(g)), tr(static_cast<redisReply*>(t));
        std::string got = Str(gr) + " @" + std::to_string(tr->integer);
        if (got != keys[i].second && bad++ < 5) {
          CHECK(prefix + keys[i].first + " = " + got ==
                prefix + keys[i].first + " = " + keys[i].second);
        }
      }
      CHECK(bad == 0);
    }
  }
  REQUIRE(Run(c, {"SELECT", "0"}) == "OK");
}

// A client doing SET / SET PXAT / DEL / INCR / EXPIRE / FLUSHDB (db 2) and keeping the
// model exact: TTLs are absolute (PXAT) or read back inside the same MULTI (EXPIRE).
class ModelWriter {
 public:
  ModelWriter(Model* model, uint64_t seed, int preloaded)
      : m_(model), rng_(seed), pre_(preloaded) {}

  // One command; false on an unexpected reply (*error says which).
  bool Step(redisContext* c, std::string* error) {
    int db = int(rng_() % 3);
    if (db != db_) {
      if (Run(c, {"SELECT", std::to_string(db)}) != "OK") return *error = "SELECT", false;
      db_ = db;
    }
    std::string key = rng_() % 2 ? "p:" + std::to_string(rng_() % uint64_t(pre_))
                                 : "n:" + std::to_string(rng_() % 500);
    std::string mk = std::to_string(db) + "/" + key;
    unsigned pick = unsigned(rng_() % 100);
    std::string v = "w" + std::to_string(++seq_);
    if (pick < 35) {
      if (Run(c, {"SET", key, v}) != "OK") return *error = "SET", false;
      (*m_)[mk] = v + " @-1";
    } else if (pick < 50) {
      int64_t at = 4102444800000 + int64_t(rng_() % 1000000);
      if (Run(c, {"SET", key, v, "PXAT", std::to_string(at)}) != "OK")
        return *error = "PXAT", false;
      (*m_)[mk] = v + " @" + std::to_string(at);
    } else if (pick < 65) {
      if (Int(c, {"DEL", key}) < 0) return *error = "DEL", false;
      m_->erase(mk);
    } else if (pick < 85) {
      Reply r = TestServer::Cmd(c, {"INCR", key});
      if (!r) return *error = "INCR: no reply", false;
      auto it = m_->find(mk);
      if (r->type == REDIS_REPLY_ERROR) {  // not an integer: the model must agree
        std::string val = it == m_->end() ? "0" : it->second.substr(0, it->second.find(" @"));
        if (val.find_first_not_of("-0123456789") == std::string::npos) {
          return *error = "INCR " + Str(r), false;
        }
        return true;
      }
      std::string ttl = it == m_->end() ? "-1" : it->second.substr(it->second.find('@') + 1);
      (*m_)[mk] = std::to_string(r->integer) + " @" + ttl;
    } else if (pick < 99) {
      Run(c, {"MULTI"});
      Run(c, {"EXPIRE", key, std::to_string(1000 + rng_() % 100000)});
      Run(c, {"PEXPIRETIME", key});
      Reply r = TestServer::Cmd(c, {"EXEC"});
      if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) return *error = "EXEC", false;
      auto it = m_->find(mk);
      if ((r->element[0]->integer == 1) != (it != m_->end())) return *error = "EXPIRE", false;
      if (it != m_->end()) {
        it->second =
            it->second.substr(0, it->second.find('@') + 1) + std::to_string(r->element[1]->integer);
      }
    } else if (db == 2) {
      if (Run(c, {"FLUSHDB"}) != "OK") return *error = "FLUSHDB", false;
      m_->erase(m_->lower_bound("2/"), m_->lower_bound("3/"));
    }
    return true;
  }

 private:
  Model* m_;
  std::mt19937_64 rng_;
  int pre_;
  int db_ = 0;
  long seq_ = 0;
};

void RewriteUnderWrites(const std::vector<std::string>& args) {
  DurableServer s(args);
  REQUIRE(s.Start());
  RedisConn c = s.Connect();
  constexpr int kKeys = 150000;
  constexpr long kMaxDuring = 10000;  // writes made while the rewrite runs
  Model model;
  Preload(c.get(), kKeys, "first");
  Preload(c.get(), kKeys, "second");  // every key written twice: the rewrite halves it
  for (int i = 0; i < kKeys; ++i) model["0/p:" + std::to_string(i)] = "second @-1";
  REQUIRE(PollUntil([&] {
    return std::stoll(InfoField(c.get(), "aof_current_size")) > 0 &&
           InfoField(c.get(), "aof_buffer_length") == "0";
  }));
  long long before = std::stoll(InfoField(c.get(), "aof_current_size"));

  // A writer keeps going from before BGREWRITEAOF until after it finished.
  std::atomic<int> phase{0};  // 0 before, 1 rewrite running, 2 done
  std::atomic<long> ops{0}, during{0};
  std::string error;  // the writer's; read after join
  std::thread writer([&] {
    RedisConn w = s.Connect();
    ModelWriter mw(&model, 42, kKeys);
    long extra = 0;
    while (phase.load() < 2 || extra++ < 300) {
      // Bounded, so the rewritten size below does not depend on how long the rewrite
      // took on a loaded machine (each write made meanwhile is appended to it).
      if (phase.load() == 1 && during.load() >= kMaxDuring) {
        std::this_thread::yield();
        continue;
      }
      if (!mw.Step(w.get(), &error)) return;
      ++ops;
      if (phase.load() == 1) ++during;
    }
  });
  CHECK(PollUntil([&] { return ops.load() > 200; }));
  phase = 1;
  REQUIRE(Run(c.get(), {"BGREWRITEAOF"}) == "Background append only file rewriting started");
  bool done = PollUntil([&] { return RewriteDone(c.get()); }, std::chrono::seconds(60));
  phase = 2;
  writer.join();
  INFO(error);
  REQUIRE(error.empty());
  REQUIRE(done);
  CHECK(InfoField(c.get(), "aof_last_bgrewrite_status") == "ok");
  CHECK(InfoField(c.get(), "aof_rewrites") == "1");
  CHECK(InfoField(c.get(), "aof_last_rewrite_time_sec") != "-1");
  long long base = std::stoll(InfoField(c.get(), "aof_base_size"));
  INFO("log before " << before << " bytes, rewritten " << base << " bytes; " << during.load()
                     << " writes during the rewrite");
  CHECK(base < before * 2 / 3);
  CHECK(during.load() > 0);
  CheckModel(c.get(), model, {0, 1, 2});  // the live server first

  REQUIRE(s.Stop() == 0);
  REQUIRE(s.Start());
  RedisConn c2 = s.Connect();
  CheckModel(c2.get(), model, {0, 1, 2});
}

}  // namespace

TEST_CASE("BGREWRITEAOF under writes (everysec): a restart has every key, value and TTL",
          "[aof][rewrite]") {
  RewriteUnderWrites({"--appendonly", "yes", "--appendfsync", "everysec"});
}

TEST_CASE("BGREWRITEAOF under writes (always): a restart has every key, value and TTL",
          "[aof][rewrite]") {
  RewriteUnderWrites({"--appendonly", "yes", "--appendfsync", "always"});
}

TEST_CASE("BGREWRITEAOF replies and INFO fields as Redis", "[aof][rewrite]") {
  DurableServer s({"--appendonly", "yes"});
  REQUIRE(s.Start());
  RedisConn c = s.Connect();
  redisContext* r = c.get();
  for (auto f : {"aof_rewrite_in_progress", "aof_rewrite_scheduled", "aof_rewrites"}) {
    CHECK(InfoField(r, f) == "0");
  }
  CHECK(InfoField(r, "aof_last_rewrite_time_sec") == "-1");
  CHECK(InfoField(r, "aof_current_rewrite_time_sec") == "-1");
  CHECK(InfoField(r, "aof_last_bgrewrite_status") == "ok");
  Preload(r, 50000, "x");
  // Two in one packet run in one loop turn: the first cannot have finished.
  redisAppendCommand(r, "BGREWRITEAOF");
  redisAppendCommand(r, "BGREWRITEAOF");
  redisAppendCommand(r, "INFO persistence");
  void* p[3];
  for (auto& x : p) REQUIRE(redisGetReply(r, &x) == REDIS_OK);
  Reply a(static_cast<redisReply*>(p[0])), b(static_cast<redisReply*>(p[1])),
      info(static_cast<redisReply*>(p[2]));
  CHECK(Str(a) == "Background append only file rewriting started");
  CHECK(b->type == REDIS_REPLY_ERROR);
  CHECK(Str(b) == "ERR Background append only file rewriting already in progress");
  CHECK(Str(info).find("aof_rewrite_in_progress:1") != std::string::npos);
  CHECK(Str(info).find("aof_current_rewrite_time_sec:0") != std::string::npos);
  REQUIRE(PollUntil([&] { return RewriteDone(r); }, std::chrono::seconds(60)));
  // Inside MULTI it is scheduled (Redis: server.in_exec), then runs.
  CHECK(Run(r, {"MULTI"}) == "OK");
  CHECK(Run(r, {"SET", "in", "tx"}) == "QUEUED");
  CHECK(Run(r, {"BGREWRITEAOF"}) == "QUEUED");
  Reply exec = TestServer::Cmd(r, {"EXEC"});
  REQUIRE(exec->type == REDIS_REPLY_ARRAY);
  CHECK(Str(exec->element[1]) == "Background append only file rewriting scheduled");
  REQUIRE(PollUntil([&] { return InfoField(r, "aof_rewrites") == "2" && RewriteDone(r); },
                    std::chrono::seconds(60)));
  CHECK(InfoField(r, "aof_last_bgrewrite_status") == "ok");
  s.Kill9();
  REQUIRE(s.Start());
  RedisConn c2 = s.Connect();
  CHECK(Run(c2.get(), {"GET", "in"}) == "tx");
  CHECK(Int(c2.get(), {"DBSIZE"}) == 50001);
}

TEST_CASE("automatic rewrite on auto-aof-rewrite-percentage growth", "[aof][rewrite]") {
  DurableServer s({"--appendonly", "yes", "--auto-aof-rewrite-percentage", "100",
                   "--auto-aof-rewrite-min-size", "1mb"});
  REQUIRE(s.Start());
  RedisConn c = s.Connect();
  std::string big(1000, 'v');
  // The same 100 keys over and over: up to ~3 MB of log for ~100 KB of data. Writing stops
  // once the rewrite has started, so the records made during it (appended after the
  // snapshot, and counted in aof_base_size) stay one round's worth however slow the
  // machine is.
  bool started = false;
  for (int round = 0; round < 30 && !started; ++round) {
    for (int i = 0; i < 100; ++i) {
      redisAppendCommand(c.get(), "SET k%d %b", i, big.data(), big.size());
    }
    for (int i = 0; i < 100; ++i) {
      void* r = nullptr;
      REQUIRE(redisGetReply(c.get(), &r) == REDIS_OK);
      freeReplyObject(r);
    }
    started = InfoField(c.get(), "aof_rewrite_in_progress") == "1" ||
              InfoField(c.get(), "aof_rewrites") != "0";
  }
  REQUIRE(
      PollUntil([&] { return InfoField(c.get(), "aof_rewrites") != "0" && RewriteDone(c.get()); },
                std::chrono::seconds(30)));
  CHECK(std::stoll(InfoField(c.get(), "aof_base_size")) < 1024 * 1024);
  CHECK(s.log_text().find("Starting automatic rewriting of AOF") != std::string::npos);
  CHECK(Run(c.get(), {"CONFIG", "GET", "auto-aof-rewrite-min-size"}) == "<array 2>");
}

TEST_CASE("CONFIG SET appendonly yes starts the log from a snapshot; BGREWRITEAOF with it off",
          "[aof][rewrite]") {
  DurableServer s({"--appendonly", "no"});
  REQUIRE(s.Start());
  RedisConn c = s.Connect();
  redisContext* r = c.get();
  Preload(r, 20000, "before");
  // With the log off, BGREWRITEAOF still writes the file (as Redis) and leaves it off.
  CHECK(Run(r, {"BGREWRITEAOF"}) == "Background append only file rewriting started");
  REQUIRE(PollUntil([&] { return RewriteDone(r); }, std::chrono::seconds(30)));
  CHECK(InfoField(r, "aof_enabled") == "0");
  CHECK(ReadFile(s.aof_path()).size() > 20000 * 10);
  CHECK(Run(r, {"SET", "off", "1"}) == "OK");  // not logged
  // On at runtime: a rewrite of everything, then every write is logged.
  CHECK(Run(r, {"CONFIG", "SET", "appendonly", "yes"}) == "OK");
  CHECK(Run(r, {"SET", "during", "1"}) == "OK");
  REQUIRE(PollUntil([&] { return RewriteDone(r); }, std::chrono::seconds(30)));
  CHECK(InfoField(r, "aof_enabled") == "1");
  CHECK(InfoField(r, "aof_last_bgrewrite_status") == "ok");
  CHECK(Run(r, {"SET", "after", "1"}) == "OK");
  // everysec: an acknowledged write reaches the file within ~1 ms (persistence.h); a
  // kill before that may lose it, so wait for the writer before the kill.
  REQUIRE(PollUntil([&] { return ReadFile(s.aof_path()).find("after") != std::string::npos; }));
  s.Kill9();
  REQUIRE(s.Start({"--appendonly", "yes"}));
  RedisConn c2 = s.Connect();
  CHECK(Int(c2.get(), {"DBSIZE"}) == 20003);
  CHECK(Run(c2.get(), {"GET", "off"}) == "1");
  CHECK(Run(c2.get(), {"GET", "p:19999"}) == "before");
}

TEST_CASE("temp files left by a killed rewrite are removed at start-up, never loaded",
          "[aof][rewrite]") {
  DurableServer s({"--appendonly", "yes"});
  REQUIRE(s.Start());
  {
    RedisConn c = s.Connect();
    CHECK(Run(c.get(), {"SET", "k", "v"}) == "OK");
  }
  REQUIRE(s.Stop() == 0);
  WriteFile(s.aof_path() + ".rewrite.tmp", std::string(1000, 'g'));
  WriteFile(s.aof_path() + ".incr", ReadFile(s.aof_path()));  // even a valid-looking one
  REQUIRE(s.Start());
  RedisConn c = s.Connect();
  CHECK(Run(c.get(), {"GET", "k"}) == "v");
  CHECK(Int(c.get(), {"DBSIZE"}) == 1);
  CHECK(!std::ifstream(s.aof_path() + ".rewrite.tmp").good());
  CHECK(!std::ifstream(s.aof_path() + ".incr").good());
  CHECK(s.log_text().find("left over by an unfinished log rewrite") != std::string::npos);
}

TEST_CASE("collections of every encoding survive a rewrite and a restart", "[aof][rewrite]") {
  DurableServer s({"--appendonly", "yes"});
  REQUIRE(s.Start());
  RedisConn c = s.Connect();
  redisContext* r = c.get();
  for (int i = 0; i < 300; ++i) {  // 300 fields: a hashtable; 300 ints: still an intset
    CHECK(Int(r, {"HSET", "big", "f" + std::to_string(i), "v" + std::to_string(i)}) == 1);
    CHECK(Int(r, {"SADD", "ints", std::to_string(i * 7)}) == 1);
  }
  for (int i = 0; i < 200; ++i) CHECK(Int(r, {"SADD", "words", "w" + std::to_string(i)}) == 1);
  CHECK(Int(r, {"HSET", "small", "a", "1", "b", "2"}) == 2);
  CHECK(Int(r, {"SADD", "few", "x", "y"}) == 2);
  for (int i = 0; i < 1000; ++i) {  // a quicklist and a skiplist
    CHECK(Int(r, {"RPUSH", "biglist", "e" + std::to_string(i)}) == i + 1);
    CHECK(Int(r, {"ZADD", "bigz", std::to_string(i) + ".25", "m" + std::to_string(i)}) == 1);
  }
  CHECK(Int(r, {"RPUSH", "smalllist", "x", "y", "x"}) == 3);
  CHECK(Int(r, {"ZADD", "smallz", "0.1", "a", "-3e-5", "b", "inf", "c"}) == 3);
  CHECK(Int(r, {"PEXPIREAT", "small", "4102444800123"}) == 1);
  CHECK(Int(r, {"PEXPIREAT", "smallz", "4102444800456"}) == 1);
  auto state = [](redisContext* x) {
    std::string out;
    for (const char* k : {"big", "small"}) {
      Reply h = TestServer::Cmd(x, {"HGETALL", k});
      std::vector<std::string> items;
      for (size_t i = 0; h && i + 1 < h->elements; i += 2) {
        items.push_back(Str(h->element[i]) + "=" + Str(h->element[i + 1]));
      }
      std::sort(items.begin(), items.end());
      for (auto& i : items) out += i + ",";
      out += " @" + std::to_string(Int(x, {"PEXPIRETIME", k})) + ";";
    }
    for (const char* k : {"biglist", "smalllist"}) {
      Reply l = TestServer::Cmd(x, {"LRANGE", k, "0", "-1"});
      for (size_t i = 0; l && i < l->elements; ++i) out += Str(l->element[i]) + ",";
      out += Run(x, {"OBJECT", "ENCODING", k}) + ";";
    }
    for (const char* k : {"bigz", "smallz"}) {
      Reply z = TestServer::Cmd(x, {"ZRANGE", k, "0", "-1", "WITHSCORES"});
      for (size_t i = 0; z && i < z->elements; ++i) out += Str(z->element[i]) + ",";
      out += Run(x, {"OBJECT", "ENCODING", k}) + " @" + std::to_string(Int(x, {"PEXPIRETIME", k}));
      out += ";";
    }
    for (const char* k : {"ints", "words", "few"}) {
      Reply m = TestServer::Cmd(x, {"SMEMBERS", k});
      std::vector<std::string> items;
      for (size_t i = 0; m && i < m->elements; ++i) items.push_back(Str(m->element[i]));
      std::sort(items.begin(), items.end());
      for (auto& i : items) out += i + ",";
      out += Run(x, {"OBJECT", "ENCODING", k}) + ";";
    }
    return out;
  };
  std::string before = state(r);
  CHECK(Run(r, {"BGREWRITEAOF"}) == "Background append only file rewriting started");
  REQUIRE(PollUntil([&] { return RewriteDone(r); }, std::chrono::seconds(30)));
  CHECK(InfoField(r, "aof_last_bgrewrite_status") == "ok");
  s.Kill9();
  REQUIRE(s.Start());
  RedisConn c2 = s.Connect();
  CHECK(state(c2.get()) == before);
  CHECK(Int(c2.get(), {"HLEN", "big"}) == 300);
}
