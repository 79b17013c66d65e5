// The effect recorder (commands/effects.h): what each write logs, batch framing, LSNs,
// and that replaying the records reaches the same state. Also the dispatcher's -MISCONF
// and -LOADING refusals.
#include <catch2/catch.hpp>

#include <span>

#include "commands/effects.h"
#include "effect_records.h"
#include "harness.h"
#include "log/record.h"

using namespace brisk::test;
namespace applog = brisk::applog;
namespace cmd = brisk::cmd;
namespace engine = brisk::engine;

namespace {

// Logs DEL for keys the engine removes, as Server::OnKeyRemoved does.
class LoggingObserver : public engine::KeyObserver {
 public:
  explicit LoggingObserver(cmd::EffectRecorder* rec) : rec_(rec) {}
  void OnKeyRemoved(int db, std::string_view key, engine::RemoveReason) override {
    rec_->KeyRemoved(db, key);
  }

 private:
  cmd::EffectRecorder* rec_;
};

struct Fixture {
  Harness h;
  cmd::EffectRecorder rec{&h.keyspace()};
  LoggingObserver observer{&rec};
  Fixture() {
    h.server().effects = &rec;
    h.keyspace().set_observer(&observer);
    h.SetTime(1'700'000'000'000);
  }
  // Records logged since the last call, as texts; checks batch framing: every batch
  // ends with END_OF_BATCH and LSNs strictly increase.
  std::vector<EffectRecord> Take() {
    std::string bytes;
    rec.TakeBatches(&bytes);
    auto recs = DecodeEffects(bytes);
    for (size_t i = 1; i < recs.size(); ++i) CHECK(recs[i].lsn > recs[i - 1].lsn);
    if (!recs.empty()) CHECK(recs.back().end);
    return recs;
  }
  std::vector<std::string> Texts() {
    std::vector<std::string> out;
    for (auto& r : Take()) out.push_back(r.text);
    return out;
  }
};

using Texts = std::vector<std::string>;

}  // namespace

TEST_CASE("SET with a relative TTL is logged with an absolute PXAT", "[effects]") {
  Fixture f;
  CHECK(f.h.Run({"set", "k", "v", "EX", "10"}) == kOk);
  CHECK(f.Texts() == Texts{"SET k v PXAT 1700000010000"});
  CHECK(f.h.Run({"set", "p", "v"}) == kOk);
  CHECK(f.Texts() == Texts{"SET p v"});
  CHECK(f.h.Run({"setex", "s", "5", "x"}) == kOk);
  CHECK(f.Texts() == Texts{"SET s x PXAT 1700000005000"});
}

TEST_CASE("INCR and friends are logged as the resulting SET, keeping the TTL", "[effects]") {
  Fixture f;
  f.h.Run({"incr", "n"});
  f.h.Run({"incrby", "n", "41"});
  CHECK(f.Texts() == Texts{"SET n 1", "SET n 42"});
  f.h.Run({"pexpire", "n", "2500"});
  f.h.Run({"incrbyfloat", "n", "0.5"});
  f.h.Run({"append", "n", "x"});
  CHECK(f.Texts() == Texts{"SET n 42 PXAT 1700000002500", "SET n 42.5 PXAT 1700000002500",
                           "SET n 42.5x PXAT 1700000002500"});
}

TEST_CASE("EXPIRE family and PERSIST log the key's resulting state", "[effects]") {
  Fixture f;
  f.h.Run({"set", "k", "v"});
  f.Take();
  CHECK(f.h.Run({"expire", "k", "100"}) == Int(1));
  CHECK(f.h.Run({"persist", "k"}) == Int(1));
  CHECK(f.h.Run({"expireat", "k", "1800000000"}) == Int(1));
  CHECK(f.Texts() == Texts{"SET k v PXAT 1700000100000", "SET k v", "SET k v PXAT 1800000000000"});
  // An expiry in the past deletes the key: logged as DEL.
  CHECK(f.h.Run({"pexpireat", "k", "1"}) == Int(1));
  CHECK(f.Texts() == Texts{"DEL k"});
}

TEST_CASE("DEL of several keys is one batch of one record per removed key", "[effects]") {
  Fixture f;
  f.h.Run({"mset", "a", "1", "b", "2"});
  auto mset = f.Take();
  REQUIRE(mset.size() == 2);
  CHECK_FALSE(mset[0].end);
  CHECK(mset[1].end);
  CHECK(f.h.Run({"del", "a", "nosuch", "b"}) == Int(2));
  auto del = f.Take();
  REQUIRE(del.size() == 2);
  CHECK(del[0].text == "DEL a");
  CHECK(del[1].text == "DEL b");
  CHECK_FALSE(del[0].end);
  CHECK(del[1].end);
  CHECK(del[0].lsn > mset[1].lsn);
}

TEST_CASE("RENAME and MOVE log a delete and a set, on their databases", "[effects]") {
  Fixture f;
  f.h.Run({"set", "a", "v", "PX", "5000"});
  f.Take();
  f.h.Run({"rename", "a", "b"});
  CHECK(f.Texts() == Texts{"DEL a", "SET b v PXAT 1700000005000"});
  f.h.Run({"move", "b", "3"});
  auto recs = f.Take();
  REQUIRE(recs.size() == 2);
  CHECK(recs[0].text == "DEL b");
  CHECK(recs[0].db == 0);
  CHECK(recs[1].text == "SET b v PXAT 1700000005000");
  CHECK(recs[1].db == 3);
}

TEST_CASE("MULTI/EXEC is one batch; an EXEC that changed nothing logs nothing", "[effects]") {
  Fixture f;
  f.h.Run({"multi"});
  f.h.Run({"set", "x", "1"});
  f.h.Run({"incr", "x"});
  f.h.Run({"get", "x"});
  CHECK(f.rec.last_lsn() == 0);  // queued, not run
  f.h.Run({"exec"});
  auto recs = f.Take();
  REQUIRE(recs.size() == 2);
  CHECK(recs[0].text == "SET x 1");
  CHECK(recs[1].text == "SET x 2");
  CHECK_FALSE(recs[0].end);
  CHECK(recs[1].end);
  f.h.Run({"multi"});
  f.h.Run({"get", "x"});
  f.h.Run({"exec"});
  CHECK(f.Take().empty());
}

TEST_CASE("database-wide effects are explicit records on the client's database", "[effects]") {
  Fixture f;
  f.h.Run({"select", "3"});
  f.h.Run({"set", "k", "v"});
  f.h.Run({"flushdb"});
  f.h.Run({"swapdb", "3", "4"});
  f.h.Run({"flushall"});
  auto recs = f.Take();
  REQUIRE(recs.size() == 4);
  CHECK(recs[0].text == "SET k v");
  CHECK(recs[0].db == 3);
  CHECK(recs[1].text == "FLUSHDB");
  CHECK(recs[1].db == 3);
  CHECK(recs[2].text == "SWAPDB 3 4");
  CHECK(recs[3].text == "FLUSHALL");
  for (auto& r : recs) CHECK(r.end);  // four commands, four batches
}

TEST_CASE("reads and failed writes log nothing; expiry found by a read logs DEL", "[effects]") {
  Fixture f;
  f.h.Run({"set", "s", "abc", "PX", "100"});
  f.Take();
  f.h.Run({"get", "s"});
  f.h.Run({"incr", "s"});               // not an integer
  f.h.Run({"set", "s", "v", "bogus"});  // syntax error
  f.h.Run({"del", "nosuch"});
  CHECK(f.Take().empty());
  f.h.SetTime(1'700'000'000'200);
  CHECK(f.h.Run({"get", "s"}) == kNil);  // lazy expiry, reported by the engine
  CHECK(f.Texts() == Texts{"DEL s"});
}

TEST_CASE("replaying the records reaches the same state", "[effects]") {
  Fixture f;
  f.h.Run({"set", "a", "1"});
  f.h.Run({"incrby", "a", "9"});
  f.h.Run({"set", "b", "x", "EX", "1000"});
  f.h.Run({"rename", "b", "c"});
  f.h.Run({"expire", "a", "500"});
  f.h.Run({"select", "2"});
  f.h.Run({"set", "gone", "1"});
  f.h.Run({"flushdb"});
  f.h.Run({"set", "kept", "y"});
  f.h.Run({"select", "0"});
  f.h.Run({"multi"});
  f.h.Run({"incr", "counter"});
  f.h.Run({"set", "d", "z", "PXAT", "1"});  // an already-past deadline deletes
  f.h.Run({"exec"});
  f.h.Run({"swapdb", "0", "5"});
  std::string bytes;
  f.rec.TakeBatches(&bytes);

  Harness replay;
  replay.SetTime(1'700'000'000'000);
  replay.server().loading = true;
  cmd::ClientState client;
  client.authenticated = true;
  std::string reply, error;
  uint64_t last_lsn = 0;
  ForEachRecord(bytes, [&](const applog::DecodedRecord& r, std::vector<std::string_view>& argv) {
    REQUIRE(cmd::ReplayEffect(&replay.server(), &client, r.lsn, r.db, argv, 1'700'000'000'000,
                              &reply, &error));
    last_lsn = r.lsn;
  });
  replay.server().loading = false;
  CHECK(replay.keyspace().lsn() == last_lsn);  // entries keep their logged LSNs
  for (int db : {0, 2, 5}) {
    for (std::string_view key : {"a", "b", "c", "d", "counter", "gone", "kept"}) {
      INFO(db << " " << key);
      f.h.client().db_index = replay.client().db_index = db;
      CHECK(replay.Run({"get", key}) == f.h.Run({"get", key}));
      CHECK(replay.Run({"pexpiretime", key}) == f.h.Run({"pexpiretime", key}));
    }
  }
  replay.client().db_index = 5;
  CHECK(replay.Run({"get", "a"}) == Bulk("10"));
}

TEST_CASE("a failed log write refuses writes with -MISCONF until it recovers", "[effects]") {
  Fixture f;
  f.rec.set_write_error("No space left on device");
  const std::string misconf =
      Err("MISCONF Errors writing to the AOF file: No space left on device");
  CHECK(f.h.Run({"set", "k", "v"}) == misconf);
  CHECK(f.h.Run({"get", "k"}) == kNil);
  CHECK(f.h.Run({"multi"}) == kOk);
  CHECK(f.h.Run({"set", "k", "v"}) == misconf);
  CHECK(f.h.Run({"exec"}) == Err("EXECABORT Transaction discarded because of previous errors."));
  f.rec.set_write_error("");
  CHECK(f.h.Run({"set", "k", "v"}) == kOk);
}

TEST_CASE("while loading, only commands flagged loading run", "[effects]") {
  Harness h;
  h.server().loading = true;
  CHECK(h.Run({"get", "k"}) == Err("LOADING Redis is loading the dataset in memory"));
  CHECK(h.Run({"set", "k", "v"}) == Err("LOADING Redis is loading the dataset in memory"));
  CHECK(h.Run({"info", "persistence"}).find("loading:1") != std::string::npos);
  h.server().loading = false;
  CHECK(h.Run({"set", "k", "v"}) == kOk);
}
