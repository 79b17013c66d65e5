// A miniature server for the log-rewrite tests: the test thread is the engine's writer
// (the loop), applies commands to a Keyspace and logs their effects exactly as the
// server does (one LSN per command, the EffectRecorder's absolute effects, one batch per
// command) through a real LogWriter on an in-memory file system. Replay() rebuilds a
// Keyspace from a log file so that its state can be compared with the live one.
#pragma once

#include <catch2/catch.hpp>

#include <atomic>
#include <cinttypes>
#include <climits>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/clock.h"
#include "engine/keyspace.h"
#include "engine/rcu.h"
#include "log/rewriter.h"
#include "log/writer.h"
#include "log_test_util.h"

namespace brisk::applog::test {

constexpr int kDbs = 4;
// A "now" before every deadline: the model's commands see every stored entry.
constexpr int64_t kRawNow = INT64_MIN;
// Deadlines far ahead (stay live for the test) and in the past (logically gone).
constexpr int64_t kFarFuture = int64_t{4102444800000};  // 2100-01-01
constexpr int64_t kLongAgo = 1000;

// Every live key of every db as "db/key" -> "value@deadline".
using State = std::map<std::string, std::string>;

inline State Dump(const engine::Keyspace& ks) {
  State out;
  int64_t now = clock::UnixMs();
  for (int i = 0; i < ks.num_dbs(); ++i) {
    std::vector<std::string> keys;
    ks.db(i).Keys("", now, &keys);
    for (const std::string& k : keys) {
      const engine::Entry* e = ks.db(i).Peek(k, now);
      char scratch[32];
      out[std::to_string(i) + "/" + k] =
          std::string(e->StringValue(scratch)) + "@" + std::to_string(e->expire_at_ms());
    }
  }
  return out;
}

// Applies one logged effect (the forms the server writes) to ks.
inline void ApplyEffect(engine::Keyspace* ks, int db, std::span<const std::string_view> argv) {
  engine::Db& d = ks->db(db);
  std::string_view cmd = argv[0];
  if (cmd == "SET") {
    int64_t at = argv.size() == 5 ? std::stoll(std::string(argv[4])) : 0;
    d.Erase(argv[1], kRawNow);
    d.InsertString(argv[1], argv[2], at);
  } else if (cmd == "DEL") {
    for (size_t i = 1; i < argv.size(); ++i) d.Erase(argv[i], kRawNow);
  } else if (cmd == "FLUSHDB") {
    d.Clear();
  } else if (cmd == "FLUSHALL") {
    ks->FlushAll();
  } else if (cmd == "SWAPDB") {
    ks->SwapDbs(std::stoi(std::string(argv[1])), std::stoi(std::string(argv[2])));
  } else {
    FAIL("unexpected effect " << cmd);
  }
}

// Loads `path` (must be clean) into a fresh keyspace and returns its state.
inline State Replay(FileSystem* fs, const std::string& path, LoadReport* report = nullptr) {
  engine::Keyspace ks(kDbs, {});
  LogLoader loader(fs, LoadOptions{.repair = false});
  LoadReport r = loader.Load(path, [&](uint64_t, int db, std::span<const std::string_view> argv) {
    ApplyEffect(&ks, db, argv);
    return true;
  });
  INFO(r.message);
  REQUIRE(r.outcome == LoadOutcome::kClean);
  if (report != nullptr) *report = r;
  return Dump(ks);
}

class MiniServer {
 public:
  explicit MiniServer(FileSystem* fs, std::string path = "log",
                      FsyncPolicy policy = FsyncPolicy::kAlways)
      : fs_(fs), path_(std::move(path)) {
    LogWriterCallbacks cb;
    cb.on_error = [this](std::string) { ++errors_; };
    LogWriterOptions options{.policy = policy};
    options.everysec_interval_us = 2000;  // fast periodic fdatasyncs and retries
    options.retry_interval_us = 2000;
    REQUIRE(LogWriter::Open(fs_, path_, options, cb, 0, &writer_).ok());
    handed_ = kFileHeaderSize;
  }
  ~MiniServer() {
    if (writer_ != nullptr) (void)writer_->Shutdown();
  }

  engine::Keyspace& ks() { return ks_; }
  LogWriter& writer() { return *writer_; }
  const std::string& path() const { return path_; }
  uint64_t handed() const { return handed_; }  // bytes the log will have: the tail offset T
  const std::string& oracle() const { return oracle_; }  // header-less copy of every batch
  int errors() const { return errors_; }

  // ---- commands (one LSN each, as the dispatcher; effects as the EffectRecorder) ----
  void Set(int db, const std::string& key, const std::string& value, int64_t at = 0) {
    ks_.AdvanceLsn();
    engine::Db& d = ks_.db(db);
    d.Erase(key, kRawNow);
    d.InsertString(key, value, at);
    LogKey(db, key);
    End();
  }
  void Del(int db, const std::string& key) {
    ks_.AdvanceLsn();
    ks_.db(db).Erase(key, kRawNow);
    Log(db, {"DEL", key});
    End();
  }
  void Expire(int db, const std::string& key, int64_t at) {
    ks_.AdvanceLsn();
    engine::Db& d = ks_.db(db);
    if (engine::Entry* e = d.Find(key, kRawNow)) d.SetExpire(e, at);
    LogKey(db, key);
    End();
  }
  void Rename(int db, const std::string& from, const std::string& to) {
    engine::Db& d = ks_.db(db);
    if (from == to || d.Peek(from, kRawNow) == nullptr) return;
    ks_.AdvanceLsn();
    d.Erase(to, kRawNow);
    d.Rename(from, to);
    LogKey(db, from);
    LogKey(db, to);
    End();
  }
  void Move(int db, const std::string& key, int dst) {
    engine::Db& d = ks_.db(db);
    if (db == dst || d.Peek(key, kRawNow) == nullptr || ks_.db(dst).Peek(key, kRawNow) != nullptr) {
      return;
    }
    ks_.AdvanceLsn();
    d.MoveTo(key, &ks_.db(dst));
    LogKey(db, key);
    LogKey(dst, key);
    End();
  }
  void FlushDb(int db) {
    ks_.AdvanceLsn();
    ks_.db(db).Clear();
    Log(db, {"FLUSHDB"});
    End();
  }
  void FlushAll() {
    ks_.AdvanceLsn();
    ks_.FlushAll();
    Log(0, {"FLUSHALL"});
    End();
  }
  void SwapDb(int a, int b) {
    ks_.AdvanceLsn();
    ks_.SwapDbs(a, b);
    Log(0, {"SWAPDB", std::to_string(a), std::to_string(b)});
    End();
  }

  // A random command on keys k0..k<keys-1> of dbs 0..kDbs-1.
  void RandomOp(std::mt19937_64& rng, int keys, bool db_wide = true) {
    int db = int(rng() % kDbs);
    std::string key = "k" + std::to_string(rng() % uint64_t(keys));
    unsigned pick = unsigned(rng() % 1000);
    if (pick < 450) {
      Set(db, key, "v" + std::to_string(rng() % 100000));
    } else if (pick < 550) {
      Set(db, key, "t" + std::to_string(rng() % 1000), rng() % 8 == 0 ? kLongAgo : kFarFuture);
    } else if (pick < 700) {
      Del(db, key);
    } else if (pick < 780) {
      Expire(db, key, rng() % 4 == 0 ? 0 : kFarFuture - int64_t(rng() % 1000));
    } else if (pick < 870) {
      Rename(db, key, "k" + std::to_string(rng() % uint64_t(keys)));
    } else if (pick < 960) {
      Move(db, key, int(rng() % kDbs));
    } else if (!db_wide) {
      Set(db, key, "x");
    } else if (pick < 985) {
      SwapDb(int(rng() % kDbs), int(rng() % kDbs));
    } else if (pick < 997) {
      FlushDb(db);
    } else {
      FlushAll();
    }
  }

  // ---- the loop's side of a rewrite (server/persistence.cc BeginRewrite) ----
  RewriteOptions BeginRewrite(std::string temp = "log.rewrite.tmp") {
    RewriteOptions o;
    o.fs = fs_;
    o.keyspace = &ks_;
    o.log_path = path_;
    o.tail_offset = handed_;
    o.temp_path = std::move(temp);
    o.start_lsn = ks_.lsn();
    o.reserved_lsn = o.start_lsn + kSnapshotLsnReserve;
    ks_.AdvanceLsnTo(o.reserved_lsn);
    ks_.set_track_lsn(true);
    for (int i = 0; i < ks_.num_dbs(); ++i) o.origin.push_back(ks_.db(i).ReadContentId());
    o.nice = 0;
    return o;
  }

 private:
  // The key's resulting state, as EffectRecorder::KeyChanged.
  void LogKey(int db, const std::string& key) {
    const engine::Entry* e = ks_.db(db).Peek(key, kRawNow);
    if (e == nullptr) return Log(db, {"DEL", key});
    char scratch[32];
    std::string value(e->StringValue(scratch));
    if (e->expire_at_ms() == 0) return Log(db, {"SET", key, value});
    Log(db, {"SET", key, value, "PXAT", std::to_string(e->expire_at_ms())});
  }
  void Log(int db, std::vector<std::string> argv) {
    uint64_t lsn = ks_.lsn();
    while (lsn <= last_lsn_) lsn = ks_.AdvanceLsn();
    std::vector<std::string_view> views(argv.begin(), argv.end());
    batch_.Add(lsn, db, views);
    last_lsn_ = lsn;
  }
  void End() {
    if (batch_.empty()) return;
    std::string bytes = batch_.Finish();
    handed_ += bytes.size();
    oracle_ += bytes;
    writer_->Append(std::move(bytes), last_lsn_);
  }

  FileSystem* fs_;
  std::string path_;
  engine::Keyspace ks_{kDbs, {}};
  std::unique_ptr<LogWriter> writer_;
  BatchBuilder batch_;
  uint64_t last_lsn_ = 0;
  uint64_t handed_ = 0;
  std::string oracle_;
  std::atomic<int> errors_{0};
};

}  // namespace brisk::applog::test
