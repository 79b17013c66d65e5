// The log rewrite's merge (log/rewriter.h): a snapshot scanned lock-free while the
// writer thread keeps changing the keyspace, plus the tail of the live log, then the
// LogWriter's switch. After every scenario the rewritten log must replay to exactly the
// live state (and the never-rewritten "oracle" log to the same state).
#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>

#include "rewrite_model.h"

using namespace brisk;
using namespace brisk::applog;
using namespace brisk::applog::test;

namespace {

// Runs the rewrite thread one scan step at a time so that the test thread's writes land
// between known steps (after_step blocks until Allow()).
class Lockstep {
 public:
  void StepDone() {
    std::unique_lock l(mu_);
    ++done_;
    cv_.notify_all();
    cv_.wait(l, [&] { return free_ || allowed_ >= done_; });
  }
  bool WaitDone(uint64_t n, int timeout_ms) {
    std::unique_lock l(mu_);
    return cv_.wait_for(l, std::chrono::milliseconds(timeout_ms), [&] { return done_ >= n; });
  }
  void Allow(uint64_t n) {
    std::lock_guard l(mu_);
    allowed_ = n;
    cv_.notify_all();
  }
  void Free() {
    std::lock_guard l(mu_);
    free_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t done_ = 0, allowed_ = 0;
  bool free_ = false;
};

// Frees the rewrite thread before the LogRewriter's destructor joins it (a failed
// REQUIRE must not leave it blocked in after_step).
struct FreeOnExit {
  Lockstep& l;
  ~FreeOnExit() { l.Free(); }
};

std::string Header(uint64_t base) {
  FileHeader h;
  h.base_lsn = base;
  h.creator = "oracle";
  std::string out;
  EncodeFileHeader(h, &out);
  return out;
}

// Hands the result to the writer and waits for the switch; `during` runs meanwhile.
LogSwitchResult Switch(MiniServer& srv, RewriteResult& r, const std::string& temp,
                       const std::function<void()>& during = nullptr,
                       const std::string& remove_after = "", const std::string& target = "") {
  LogSwitch sw;
  sw.file = std::move(r.file);
  sw.temp_path = temp;
  sw.target_path = target.empty() ? srv.path() : target;
  sw.copied_to = r.copied_to;
  sw.last_lsn = r.last_lsn;
  sw.remove_after = remove_after;
  auto done = std::make_shared<std::promise<LogSwitchResult>>();
  std::future<LogSwitchResult> f = done->get_future();
  srv.writer().RequestSwitch(std::move(sw),
                             [done](LogSwitchResult res) { done->set_value(std::move(res)); });
  if (during) during();
  REQUIRE(f.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  return f.get();
}

void CheckReplays(MemFileSystem& mem, MiniServer& srv) {
  REQUIRE(srv.writer().Shutdown().ok());
  State live = Dump(srv.ks());
  CHECK(Replay(&mem, srv.path()) == live);
  mem.SetContents("oracle", Header(0) + srv.oracle());
  CHECK(Replay(&mem, "oracle") == live);
}

// The core scenario: preload, rewrite with `ops_per_step` random commands between scan
// steps (lockstep) or running freely against the scan, more commands while the writer
// switches, and after it.
void RunMerge(uint64_t seed, bool lockstep, int ops_per_step, bool db_wide, int keys = 500,
              int preload = 4000, FsyncPolicy policy = FsyncPolicy::kAlways) {
  INFO("seed " << seed << (lockstep ? " lockstep" : " free-running") << " appendfsync "
               << FsyncPolicyName(policy));
  MemFileSystem mem;
  MiniServer srv(&mem, "log", policy);
  std::mt19937_64 rng(seed);
  for (int i = 0; i < preload; ++i) srv.RandomOp(rng, keys, /*db_wide=*/false);
  engine::QuiescentPoint();

  RewriteOptions o = srv.BeginRewrite();
  o.scan_count = 8;
  o.catch_up_bytes = 64;
  Lockstep ls;
  if (lockstep) o.after_step = [&] { ls.StepDone(); };
  LogRewriter rw(std::move(o));
  FreeOnExit guard{ls};
  uint64_t step = 0, during = 0;
  while (!rw.finished()) {
    if (lockstep) {
      if (!ls.WaitDone(step + 1, 2)) {
        engine::QuiescentPoint();
        continue;
      }
      ++step;
    }
    for (int i = 0; i < ops_per_step; ++i) srv.RandomOp(rng, keys, db_wide);
    during += uint64_t(ops_per_step);
    engine::QuiescentPoint();
    if (lockstep) ls.Allow(step);
  }
  ls.Free();
  for (int i = 0; i < 50; ++i) srv.RandomOp(rng, keys, db_wide);  // after the thread ended
  RewriteResult r = rw.Take();
  INFO(r.error);
  REQUIRE(r.ok);
  LogSwitchResult res = Switch(srv, r, "log.rewrite.tmp", [&] {
    for (int i = 0; i < 50; ++i) srv.RandomOp(rng, keys, db_wide);  // racing the switch
  });
  INFO(res.error);
  REQUIRE(res.switched);
  srv.ks().set_track_lsn(false);
  for (int i = 0; i < 50; ++i) srv.RandomOp(rng, keys, db_wide);  // into the new file
  CHECK(!mem.Exists("log.rewrite.tmp"));
  CHECK(during > 0);
  CheckReplays(mem, srv);
  CHECK(srv.errors() == 0);
}

}  // namespace

TEST_CASE("rewrite: writes between scan steps (incl. SWAPDB, FLUSHDB, FLUSHALL) are merged",
          "[log][rewrite]") {
  for (uint64_t seed = 1; seed <= 6; ++seed) RunMerge(seed, /*lockstep=*/true, 7, true);
}

TEST_CASE("rewrite: per-key writes only, many per step", "[log][rewrite]") {
  for (uint64_t seed = 11; seed <= 13; ++seed) RunMerge(seed, true, 40, false);
}

TEST_CASE("rewrite: writes racing the scan freely", "[log][rewrite]") {
  for (uint64_t seed = 21; seed <= 24; ++seed) {
    RunMerge(seed, /*lockstep=*/false, 5, true, /*keys=*/20000, /*preload=*/60000);
  }
}

TEST_CASE("rewrite: everysec and no switch without an fsync of their own", "[log][rewrite]") {
  RunMerge(31, /*lockstep=*/true, 7, true, 500, 4000, FsyncPolicy::kEverySec);
  RunMerge(32, /*lockstep=*/false, 5, true, 20000, 60000, FsyncPolicy::kEverySec);
  RunMerge(33, /*lockstep=*/true, 7, true, 500, 4000, FsyncPolicy::kNo);
}

TEST_CASE("rewrite: everysec, a failed fdatasync after the switch rewrites what it copied",
          "[log][rewrite]") {
  MemFileSystem mem;
  MiniServer srv(&mem, "log", FsyncPolicy::kEverySec);
  for (int i = 0; i < 200; ++i) srv.Set(0, "k" + std::to_string(i), "v");
  FaultState st;
  FaultInjectingFileSystem faulty(&mem, &st);  // the new file's handle comes from here
  RewriteOptions o = srv.BeginRewrite();
  o.fs = &faulty;
  LogRewriter rw(std::move(o));
  RewriteResult r = rw.Take();
  REQUIRE(r.ok);
  for (int i = 0; i < 50; ++i) srv.Set(1, "late" + std::to_string(i), "x");  // copied by the switch
  // The new file's fdatasyncs are counted in st (the old log's are not): none may run in
  // the switch itself, i.e. before its on_done.
  uint64_t fsyncs = st.fsync_calls.load();
  auto at_done = std::make_shared<std::atomic<uint64_t>>(0);
  auto done = std::make_shared<std::promise<LogSwitchResult>>();
  LogSwitch sw;
  sw.file = std::move(r.file);
  sw.temp_path = "log.rewrite.tmp";
  sw.target_path = "log";
  sw.copied_to = r.copied_to;
  sw.last_lsn = r.last_lsn;
  srv.writer().RequestSwitch(std::move(sw), [&st, at_done, done](LogSwitchResult res) {
    at_done->store(st.fsync_calls.load());
    done->set_value(std::move(res));
  });
  auto f = done->get_future();
  REQUIRE(f.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  REQUIRE(f.get().switched);
  CHECK(at_done->load() == fsyncs);
  st.fail_fsyncs = 1;  // the next periodic one fails: rewrite, retry
  srv.Set(2, "after", "1");
  for (int i = 0; i < 5000 && srv.errors() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK(srv.errors() == 1);
  uint64_t ok = st.fsync_ok.load();
  for (int i = 0; i < 5000 && st.fsync_ok.load() == ok; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK(st.fsync_ok.load() > ok);  // recovered: the rewrite of the retained batches synced
  srv.Set(2, "later", "2");
  CheckReplays(mem, srv);
}

TEST_CASE("rewrite: SWAPDB while a database is half scanned follows its contents",
          "[log][rewrite]") {
  MemFileSystem mem;
  MiniServer srv(&mem);
  for (int i = 0; i < 200; ++i) {
    srv.Set(0, "a" + std::to_string(i), "A");
    srv.Set(1, "b" + std::to_string(i), "B");
  }
  RewriteOptions o = srv.BeginRewrite();
  o.scan_count = 4;
  Lockstep ls;
  o.after_step = [&] { ls.StepDone(); };
  LogRewriter rw(std::move(o));
  FreeOnExit guard{ls};
  ls.Allow(2);
  REQUIRE(ls.WaitDone(3, 5000));  // db 0 partly scanned (12 of its 200 keys)
  srv.SwapDb(0, 1);
  srv.Set(0, "b0", "B2");  // a key of the swapped-in contents, changed after the start
  srv.Del(1, "a1");        // and one of the swapped-out contents
  engine::QuiescentPoint();
  ls.Free();
  while (!rw.finished()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  RewriteResult r = rw.Take();
  REQUIRE(r.ok);
  CHECK(r.keys >= 398);  // untouched since the start: all but b0 (and a1 if not yet scanned)
  REQUIRE(Switch(srv, r, "log.rewrite.tmp").switched);
  State live = Dump(srv.ks());
  CHECK(live.at("1/a0") == "A@0");
  CHECK(live.at("0/b0") == "B2@0");
  CheckReplays(mem, srv);
}

TEST_CASE("rewrite: the file shrinks to one record per live key", "[log][rewrite]") {
  MemFileSystem mem;
  MiniServer srv(&mem);
  for (int round = 0; round < 30; ++round) {
    for (int i = 0; i < 100; ++i)
      srv.Set(i % kDbs, "key" + std::to_string(i), std::to_string(round));
  }
  for (int i = 0; i < 20; ++i) srv.Del(i % kDbs, "key" + std::to_string(i));
  srv.Set(0, "gone", "x", kLongAgo);  // logically expired: not in the snapshot
  RewriteOptions o = srv.BeginRewrite();
  LogRewriter rw(std::move(o));
  RewriteResult r = rw.Take();
  REQUIRE(r.ok);
  CHECK(r.keys == 80);
  CHECK(r.tail_bytes == 0);
  REQUIRE(Switch(srv, r, "log.rewrite.tmp").switched);
  LoadReport report;
  (void)Replay(&mem, "log", &report);
  CHECK(report.records == 80);
  CHECK(mem.Contents("log").size() * 20 < srv.oracle().size());
  CHECK(report.header.base_lsn > 0);
  CheckReplays(mem, srv);
}

TEST_CASE("rewrite: an empty keyspace and an empty log", "[log][rewrite]") {
  MemFileSystem mem;
  MiniServer srv(&mem);
  LogRewriter rw(srv.BeginRewrite());
  RewriteResult r = rw.Take();
  REQUIRE(r.ok);
  CHECK(r.keys == 0);
  CHECK(r.copied_to == kFileHeaderSize);
  REQUIRE(Switch(srv, r, "log.rewrite.tmp").switched);
  srv.Set(2, "after", "1");
  CheckReplays(mem, srv);
}

TEST_CASE("rewrite: a leftover temp file is replaced", "[log][rewrite]") {
  MemFileSystem mem;
  MiniServer srv(&mem);
  srv.Set(0, "k", "v");
  mem.SetContents("log.rewrite.tmp", std::string(5000, 'x'));
  LogRewriter rw(srv.BeginRewrite());
  RewriteResult r = rw.Take();
  REQUIRE(r.ok);
  REQUIRE(Switch(srv, r, "log.rewrite.tmp").switched);
  CheckReplays(mem, srv);
}

TEST_CASE("rewrite: ENOSPC on the temp file fails it and leaves the log alone", "[log][rewrite]") {
  MemFileSystem mem;
  MiniServer srv(&mem);
  for (int i = 0; i < 500; ++i) srv.Set(0, "k" + std::to_string(i), std::string(100, 'v'));
  FaultState st;
  st.space_limit = 4000;  // writes to the log (not through this fs) are unaffected
  FaultInjectingFileSystem full(&mem, &st);
  RewriteOptions o = srv.BeginRewrite();
  o.fs = &full;
  LogRewriter rw(std::move(o));
  RewriteResult r = rw.Take();
  CHECK(!r.ok);
  CHECK(r.error.find("No space") != std::string::npos);
  CHECK(!mem.Exists("log.rewrite.tmp"));
  srv.Set(1, "after", "1");
  CheckReplays(mem, srv);
}

TEST_CASE("rewrite: a failed switch keeps the old log and the writer on it", "[log][rewrite]") {
  MemFileSystem mem;
  MiniServer srv(&mem);
  for (int i = 0; i < 100; ++i) srv.Set(0, "k" + std::to_string(i), "v");
  FaultState st;
  FaultInjectingFileSystem faulty(&mem, &st);
  RewriteOptions o = srv.BeginRewrite();
  o.fs = &faulty;  // the new file's handle comes from here
  LogRewriter rw(std::move(o));
  RewriteResult r = rw.Take();
  REQUIRE(r.ok);
  srv.Set(0, "k1", "changed");
  st.fail_fsyncs = 1;  // the writer's fdatasync of the new file
  LogSwitchResult res = Switch(srv, r, "log.rewrite.tmp");
  CHECK(!res.switched);
  CHECK(!res.error.empty());
  CHECK(!mem.Exists("log.rewrite.tmp"));
  srv.Set(0, "k2", "after");
  CheckReplays(mem, srv);
  CHECK(srv.errors() == 0);
}

TEST_CASE("rewrite: cancel mid-scan removes the temp file", "[log][rewrite]") {
  MemFileSystem mem;
  MiniServer srv(&mem);
  for (int i = 0; i < 300; ++i) srv.Set(0, "k" + std::to_string(i), "v");
  RewriteOptions o = srv.BeginRewrite();
  o.scan_count = 4;
  Lockstep ls;
  o.after_step = [&] { ls.StepDone(); };
  LogRewriter rw(std::move(o));
  FreeOnExit guard{ls};
  ls.Allow(1);
  REQUIRE(ls.WaitDone(2, 5000));
  rw.Cancel();
  ls.Free();
  RewriteResult r = rw.Take();
  CHECK(!r.ok);
  CHECK(r.error == "cancelled");
  CHECK(!mem.Exists("log.rewrite.tmp"));
}

TEST_CASE("rewrite: a wrong tail offset is caught, not merged", "[log][rewrite]") {
  MemFileSystem mem;
  MiniServer srv(&mem);
  for (int i = 0; i < 10; ++i) srv.Set(0, "k" + std::to_string(i), "v");
  RewriteOptions o = srv.BeginRewrite();
  o.tail_offset = kFileHeaderSize;  // records <= S0 start here, not > S
  // Wait until the writer has written them, so the copier sees them.
  for (int i = 0; i < 1000 && srv.writer().written_lsn() < o.start_lsn; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  LogRewriter rw(std::move(o));
  RewriteResult r = rw.Take();
  CHECK(!r.ok);
  CHECK(r.error.find("LSN") != std::string::npos);
  CHECK(!mem.Exists("log.rewrite.tmp"));
}

TEST_CASE("rewrite: a log created at runtime switches to the target and drops its incr file",
          "[log][rewrite]") {
  MemFileSystem mem;
  // The writer appends to the incr file (records from the start of the rewrite on); the
  // keyspace also holds data no log has seen (written while appendonly was off: stamped 0).
  MiniServer srv(&mem, "log.incr");
  srv.ks().db(0).InsertString("old", "data", 0);
  LogRewriter rw(srv.BeginRewrite());
  srv.Set(1, "during", "x");
  RewriteResult r = rw.Take();
  REQUIRE(r.ok);
  srv.Set(1, "new", "x");
  LogSwitchResult res = Switch(srv, r, "log.rewrite.tmp", nullptr, "log.incr", "log");
  REQUIRE(res.switched);
  CHECK(!mem.Exists("log.incr"));
  srv.Set(2, "later", "y");
  REQUIRE(srv.writer().Shutdown().ok());
  State live = Dump(srv.ks());
  CHECK(live.size() == 4);
  CHECK(Replay(&mem, "log") == live);
}
