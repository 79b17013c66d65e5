// LogWriter: policies, group commit, durability ordering, and recovery from injected
// write / fsync / ENOSPC / truncate failures, checked by reloading the file.
// Callbacks run on the writer thread: they only touch atomics or mutex-guarded state,
// and Catch assertions run on the test thread.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "log/writer.h"
#include "log_test_util.h"

using namespace brisk::applog;
using namespace brisk::applog::test;

// record_test.cc (this binary's allocation counter).
void WatchTestAllocations(bool on);
size_t WatchedTestAllocations();

namespace {

bool WaitFor(const std::function<bool()>& pred, int timeout_ms = 10000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// Single-record batches with LSN 1..n; ends[lsn] is the file offset just past batch lsn.
// Everything is prepared before the writer starts, so callbacks may read it freely.
struct Harness {
  MemFileSystem mem;
  FaultState st;
  FaultInjectingFileSystem fs{&mem, &st};
  std::vector<std::string> batches{""};
  std::vector<uint64_t> ends{kFileHeaderSize};
  std::vector<LoadedRecord> expect;

  std::mutex mu;
  std::vector<uint64_t> durable;
  std::vector<std::string> errors;
  std::atomic<int> recovered{0};
  std::atomic<int> errors_seen{0};
  std::atomic<int> violations{0};
  std::atomic<bool> check_synced{false};  // on_durable must find its batch fdatasync'ed
  std::atomic<bool> check_image{false};   // ...and the synced image must load and hold it
  std::unique_ptr<LogWriter> writer;

  explicit Harness(int n) {
    uint64_t lsn = 1;
    for (int i = 1; i <= n; ++i) {
      std::string value(static_cast<size_t>(i % 50), static_cast<char>(i));
      batches.push_back(
          EncodeBatch({{i % 16, {"SET", "key:" + std::to_string(i), value}}}, &lsn, &expect));
      ends.push_back(ends.back() + batches.back().size());
    }
  }

  void Open(LogWriterOptions o) {
    LogWriterCallbacks cb;
    cb.on_durable = [this](uint64_t lsn) { OnDurable(lsn); };
    cb.on_error = [this](std::string m) {
      errors_seen++;
      std::lock_guard lock(mu);
      errors.push_back(std::move(m));
    };
    cb.on_recovered = [this] { recovered++; };
    IoStatus s = LogWriter::Open(&fs, "log", o, cb, 0, &writer);
    REQUIRE(s.ok());
  }

  void OnDurable(uint64_t lsn) {
    {
      std::lock_guard lock(mu);
      if (!durable.empty() && lsn <= durable.back()) violations++;
      durable.push_back(lsn);
    }
    if (check_synced && st.synced_size.load() < ends[lsn]) violations++;
    if (check_image && lsn % 7 == 0) {
      std::string image = mem.Contents("log").substr(0, st.synced_size.load());
      Loaded l = LoadBytes(image);
      if (!l.report.ok() || l.records.size() < lsn) violations++;
    }
  }

  void Append(uint64_t lsn) { writer->Append(std::string(batches[lsn]), lsn); }

  uint64_t LastDurable() {
    std::lock_guard lock(mu);
    return durable.empty() ? 0 : durable.back();
  }

  // The file as it is now must load as complete batches 1..k (a prefix), k returned.
  size_t CheckFileIsPrefix() {
    Loaded l = LoadBytes(mem.Contents("log"));
    CHECK(l.report.ok());
    CHECK(l.report.outcome != LoadOutcome::kCorrupt);
    REQUIRE(l.records.size() <= expect.size());
    CHECK(std::equal(l.records.begin(), l.records.end(), expect.begin()));
    return l.records.size();
  }
};

LogWriterOptions Opts(FsyncPolicy policy) {
  LogWriterOptions o;
  o.policy = policy;
  o.retry_interval_us = 2000;
  o.everysec_interval_us = 20000;
  return o;
}

}  // namespace

TEST_CASE("always: everything appended is durable, in order, after reload", "[log][writer]") {
  Harness h(200);
  h.check_synced = true;
  h.Open(Opts(FsyncPolicy::kAlways));
  CHECK(h.mem.Contents("log").size() == kFileHeaderSize);  // header written at Open
  for (uint64_t i = 1; i <= 200; ++i) h.Append(i);
  REQUIRE(WaitFor([&] { return h.writer->durable_lsn() == 200; }));
  CHECK(h.writer->synced_lsn() == 200);
  REQUIRE(h.writer->Shutdown().ok());
  CHECK(h.violations == 0);
  CHECK(h.LastDurable() == 200);
  Loaded l = LoadBytes(h.mem.Contents("log"));
  CHECK(l.report.outcome == LoadOutcome::kClean);
  CHECK(l.records == h.expect);
}

TEST_CASE("always: batches queued during an fdatasync share the next one", "[log][writer]") {
  Harness h(300);
  std::atomic<bool> armed{false};
  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  h.st.fsync_hook = [&, first = std::make_shared<std::atomic<bool>>(true)] {
    if (armed && first->exchange(false)) {
      entered.set_value();
      released.wait();
    }
  };
  h.Open(Opts(FsyncPolicy::kAlways));
  uint64_t base_fsyncs = h.st.fsync_calls.load();  // the header's
  armed = true;
  h.Append(1);
  entered.get_future().wait();  // the writer is inside fdatasync for batch 1
  std::thread loop([&] {
    for (uint64_t i = 2; i <= 300; ++i) h.Append(i);
  });
  loop.join();
  CHECK(h.writer->durable_lsn() == 0);
  release.set_value();
  REQUIRE(WaitFor([&] { return h.writer->durable_lsn() == 300; }));
  CHECK(h.st.fsync_calls.load() - base_fsyncs == 2);
  CHECK(h.writer->fsync_count() == 2);
  REQUIRE(h.writer->Shutdown().ok());
  CHECK(h.st.fsync_calls.load() - base_fsyncs == 2);  // nothing left to sync at shutdown
  CHECK(LoadBytes(h.mem.Contents("log")).records == h.expect);
}

// Gathered group commit: after an fdatasync that covered C batches, the next group waits
// (up to min(group_wait_max_us, that fdatasync's duration)) for C batches appended after it
// returned, so clients released together are synced together again.
struct GatherRun {
  Harness h{10};
  std::promise<void> entered, release;
  uint64_t base_fsyncs = 0;
  std::chrono::steady_clock::time_point released_at;

  // Batch 1 is inside a blocked fdatasync while 2 and 3 queue; the fdatasync then returns
  // after about hold_ms, which bounds the gather window.
  explicit GatherRun(int hold_ms) {
    std::shared_future<void> released = release.get_future().share();
    auto armed = std::make_shared<std::atomic<bool>>(false);
    h.st.fsync_hook = [this, armed, released] {
      if (armed->exchange(false)) {
        entered.set_value();
        released.wait();
      }
    };
    LogWriterOptions o = Opts(FsyncPolicy::kAlways);
    o.group_wait_max_us = 60'000'000;
    h.Open(o);
    base_fsyncs = h.st.fsync_calls.load();
    armed->store(true);
    h.Append(1);
    entered.get_future().wait();
    h.Append(2);
    h.Append(3);
    std::this_thread::sleep_for(std::chrono::milliseconds(hold_ms));  // the window's size
    released_at = std::chrono::steady_clock::now();
    release.set_value();
    REQUIRE(WaitFor([&] { return h.writer->durable_lsn() >= 1; }));
  }
};

TEST_CASE("always: the group after an fdatasync waits for the writers it released",
          "[log][writer]") {
  GatherRun run(2000);
  // The client released by fdatasync #1 comes back: 2, 3 and 4 share fdatasync #2, which
  // starts as soon as 4 arrives, not at the window's end (~2 s).
  run.h.Append(4);
  REQUIRE(WaitFor([&] { return run.h.writer->durable_lsn() == 4; }));
  CHECK(std::chrono::steady_clock::now() - run.released_at < std::chrono::milliseconds(1500));
  CHECK(run.h.st.fsync_calls.load() - run.base_fsyncs == 2);
  REQUIRE(run.h.writer->Shutdown().ok());
  CHECK(LoadBytes(run.h.mem.Contents("log")).records.size() == 4);
}

TEST_CASE("always: the gather wait is bounded by the last fdatasync's duration", "[log][writer]") {
  GatherRun run(50);
  // Nobody comes back: 2 and 3 are synced once the window (~50 ms) has passed.
  auto t0 = std::chrono::steady_clock::now();
  REQUIRE(WaitFor([&] { return run.h.writer->durable_lsn() == 3; }, 5000));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
  CHECK(run.h.st.fsync_calls.load() - run.base_fsyncs == 2);
  REQUIRE(run.h.writer->Shutdown().ok());
}

TEST_CASE("always: an LSN is never durable before its fdatasync returned", "[log][writer]") {
  Harness h(400);
  h.check_synced = true;
  h.check_image = true;
  h.st.fsync_delay_us = 100;
  h.Open(Opts(FsyncPolicy::kAlways));
  std::thread loop([&] {
    for (uint64_t i = 1; i <= 400; ++i) {
      h.Append(i);
      if (i % 50 == 0) h.st.fail_fsyncs = 1;  // sprinkle failures: rewrite + retry
      if (i % 16 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  loop.join();
  REQUIRE(WaitFor([&] { return h.writer->durable_lsn() == 400; }));
  REQUIRE(h.writer->Shutdown().ok());
  CHECK(h.violations == 0);
  Loaded l = LoadBytes(h.mem.Contents("log"));
  CHECK(l.report.outcome == LoadOutcome::kClean);
  CHECK(l.records == h.expect);  // no duplicates from the rewrites
}

TEST_CASE("a failed fdatasync is reported and its LSNs never become durable", "[log][writer]") {
  Harness h(5);
  h.check_synced = true;
  h.Open(Opts(FsyncPolicy::kAlways));
  h.st.fail_fsyncs = 1000000;
  for (uint64_t i = 1; i <= 5; ++i) h.Append(i);
  REQUIRE(WaitFor([&] { return h.errors_seen.load() == 1; }));
  CHECK_FALSE(h.writer->healthy());
  CHECK(h.writer->last_error().find("fdatasync") != std::string::npos);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));  // several retries fail
  CHECK(h.st.fsync_calls.load() > 3);
  CHECK(h.errors_seen.load() == 1);  // once per episode
  CHECK(h.writer->durable_lsn() == 0);
  CHECK(h.LastDurable() == 0);
  h.CheckFileIsPrefix();

  h.st.fail_fsyncs = 0;
  REQUIRE(WaitFor([&] { return h.writer->durable_lsn() == 5; }));
  CHECK(WaitFor([&] { return h.recovered.load() == 1; }));  // runs after on_durable
  CHECK(h.writer->healthy());
  REQUIRE(h.writer->Shutdown().ok());
  CHECK(h.violations == 0);
  CHECK(LoadBytes(h.mem.Contents("log")).records == h.expect);
}

TEST_CASE("ENOSPC: only whole batches stay in the file, then recovery", "[log][writer]") {
  Harness h(10);
  h.check_synced = true;
  // Room for the header, batches 1-3 and part of batch 4.
  h.st.space_limit = h.ends[3] + 5;
  // Retries far apart: a retry's partial write (cut again at once) must not be what the
  // size check below sees.
  LogWriterOptions o = Opts(FsyncPolicy::kAlways);
  o.retry_interval_us = 300'000;
  h.Open(o);
  for (uint64_t i = 1; i <= 3; ++i) h.Append(i);
  REQUIRE(WaitFor([&] { return h.writer->durable_lsn() == 3; }));
  for (uint64_t i = 4; i <= 10; ++i) h.Append(i);
  REQUIRE(WaitFor([&] { return h.errors_seen.load() == 1; }));
  {
    std::lock_guard lock(h.mu);
    CHECK(h.errors[0].find("No space left") != std::string::npos);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(h.writer->durable_lsn() == 3);
  CHECK(h.mem.Contents("log").size() == h.ends[3]);  // the partial write was cut at once
  CHECK(h.CheckFileIsPrefix() == 3);

  h.st.space_limit = FaultState::kUnlimited;
  REQUIRE(WaitFor([&] { return h.writer->durable_lsn() == 10; }));
  CHECK(WaitFor([&] { return h.recovered.load() == 1; }));  // runs after on_durable
  REQUIRE(h.writer->Shutdown().ok());
  CHECK(h.violations == 0);
  Loaded l = LoadBytes(h.mem.Contents("log"));
  CHECK(l.report.outcome == LoadOutcome::kClean);
  CHECK(l.records == h.expect);
}

TEST_CASE("short writes are retried until complete", "[log][writer]") {
  Harness h(60);
  h.st.max_write_chunk = 3;
  h.Open(Opts(FsyncPolicy::kAlways));
  for (uint64_t i = 1; i <= 60; ++i) h.Append(i);
  REQUIRE(WaitFor([&] { return h.writer->durable_lsn() == 60; }));
  REQUIRE(h.writer->Shutdown().ok());
  CHECK(h.errors_seen.load() == 0);
  CHECK(h.st.write_calls.load() > 60);
  CHECK(LoadBytes(h.mem.Contents("log")).records == h.expect);
}

TEST_CASE("torn writes and failed truncates recover to whole batches", "[log][writer]") {
  Harness h(40);
  h.Open(Opts(FsyncPolicy::kAlways));
  h.st.torn_write_bytes = 11;
  h.st.fail_writes = 3;
  h.st.fail_truncates = 2;
  for (uint64_t i = 1; i <= 40; ++i) h.Append(i);
  REQUIRE(WaitFor([&] { return h.writer->durable_lsn() == 40; }));
  REQUIRE(h.writer->Shutdown().ok());
  CHECK(h.errors_seen.load() >= 1);
  CHECK(h.recovered.load() == h.errors_seen.load());
  Loaded l = LoadBytes(h.mem.Contents("log"));
  CHECK(l.report.outcome == LoadOutcome::kClean);
  CHECK(l.records == h.expect);
}

TEST_CASE("random faults: the file always reloads as a prefix of whole batches", "[log][writer]") {
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    INFO("seed " << seed);
    Harness h(150);
    h.check_synced = seed % 2 == 1;
    FsyncPolicy policy = seed % 3 == 0 ? FsyncPolicy::kEverySec : FsyncPolicy::kAlways;
    if (policy == FsyncPolicy::kEverySec) h.check_synced = false;
    h.Open(Opts(policy));
    std::mt19937 rng(seed);
    for (uint64_t i = 1; i <= 150; ++i) {
      h.Append(i);
      switch (rng() % 12) {
        case 0:
          h.st.fail_fsyncs = 1 + static_cast<int>(rng() % 3);
          break;
        case 1:
          h.st.torn_write_bytes = rng() % 64;
          h.st.fail_writes = 1;
          break;
        case 2:
          h.st.max_write_chunk = 1 + rng() % 16;
          break;
        case 3:
          h.st.max_write_chunk = 0;
          break;
        case 4:
          h.st.space_limit = h.mem.Contents("log").size() + rng() % 100;
          break;
        case 5:
          h.st.space_limit = FaultState::kUnlimited;
          break;
        case 6:
          h.st.fail_truncates = 1;
          break;
        default:
          break;
      }
      if (rng() % 10 == 0) h.CheckFileIsPrefix();  // a crash image at an arbitrary moment
      if (rng() % 8 == 0) std::this_thread::sleep_for(std::chrono::microseconds(rng() % 3000));
    }
    // Faults left armed would fail the shutdown's final attempt (that is tested apart).
    h.st.space_limit = FaultState::kUnlimited;
    h.st.fail_fsyncs = 0;
    h.st.fail_writes = 0;
    h.st.fail_truncates = 0;
    REQUIRE(WaitFor([&] { return h.writer->durable_lsn() == 150; }));
    REQUIRE(h.writer->Shutdown().ok());
    CHECK(h.violations == 0);
    Loaded l = LoadBytes(h.mem.Contents("log"));
    CHECK(l.report.outcome == LoadOutcome::kClean);
    CHECK(l.records == h.expect);
  }
}

TEST_CASE("everysec: acknowledged at once, fdatasync at most once per interval", "[log][writer]") {
  Harness h(400);
  h.Open(Opts(FsyncPolicy::kEverySec));  // 20 ms interval
  uint64_t base_fsyncs = h.st.fsync_calls.load();
  auto start = std::chrono::steady_clock::now();
  for (uint64_t i = 1; i <= 400; ++i) {
    h.Append(i);
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  REQUIRE(WaitFor([&] { return h.writer->durable_lsn() == 400; }));
  REQUIRE(WaitFor([&] { return h.writer->synced_lsn() == 400; }));
  auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
  uint64_t fsyncs = h.st.fsync_calls.load() - base_fsyncs;
  CHECK(fsyncs >= 1);
  CHECK(fsyncs <= static_cast<uint64_t>(elapsed_ms / 20 + 2));
  REQUIRE(h.writer->Shutdown().ok());
  CHECK(LoadBytes(h.mem.Contents("log")).records == h.expect);
}

TEST_CASE("everysec: written LSNs are reported before any fdatasync", "[log][writer]") {
  Harness h(3);
  LogWriterOptions o = Opts(FsyncPolicy::kEverySec);
  o.everysec_interval_us = 60'000'000;
  h.Open(o);
  uint64_t base_fsyncs = h.st.fsync_calls.load();
  for (uint64_t i = 1; i <= 3; ++i) h.Append(i);
  REQUIRE(WaitFor([&] { return h.writer->durable_lsn() == 3; }));
  CHECK(h.writer->synced_lsn() == 0);
  CHECK(h.st.fsync_calls.load() == base_fsyncs);
  REQUIRE(h.writer->Shutdown().ok());  // shutdown fsyncs
  CHECK(h.st.fsync_calls.load() == base_fsyncs + 1);
  CHECK(h.writer->synced_lsn() == 3);
}

TEST_CASE("everysec: batches appended during the writer's nap share one write", "[log][writer]") {
  // A nap far longer than the test: only the inbox threshold (or Shutdown) ends it, so
  // nothing here depends on timing.
  Harness h(40);
  LogWriterOptions o = Opts(FsyncPolicy::kEverySec);
  o.everysec_interval_us = 60'000'000;
  o.write_delay_us = 60'000'000;
  size_t batch2_to_10 = 0;
  for (uint64_t i = 2; i <= 10; ++i) batch2_to_10 += h.batches[i].size();
  o.inbox_wake_bytes = batch2_to_10 + 1;
  h.Open(o);
  h.Append(1);  // the writer is idle: woken at once
  REQUIRE(WaitFor([&] { return h.writer->durable_lsn() == 1; }));
  uint64_t writes = h.st.write_calls.load();
  for (uint64_t i = 2; i <= 10; ++i) h.Append(i);  // napping: below the threshold
  h.Append(11);                                    // crosses it: woken
  REQUIRE(WaitFor([&] { return h.writer->durable_lsn() == 11; }));
  CHECK(h.st.write_calls.load() == writes + 1);  // one write(2) for batches 2..11
  {
    std::lock_guard lock(h.mu);
    CHECK(h.durable == std::vector<uint64_t>{1, 11});
  }
  for (uint64_t i = 12; i <= 40; ++i) h.Append(i);  // still napping: Shutdown writes them
  CHECK(h.writer->queued_bytes() > 0);
  REQUIRE(h.writer->Shutdown().ok());
  CHECK(h.writer->synced_lsn() == 40);
  CHECK(LoadBytes(h.mem.Contents("log")).records == h.expect);
}

TEST_CASE("everysec: an fdatasync that returns is reported (on_synced)", "[log][writer]") {
  Harness h(3);
  std::atomic<int> synced{0};
  LogWriterCallbacks cb;
  cb.on_synced = [&] { synced++; };
  IoStatus s = LogWriter::Open(&h.fs, "log", Opts(FsyncPolicy::kEverySec), cb, 0, &h.writer);
  REQUIRE(s.ok());
  for (uint64_t i = 1; i <= 3; ++i) h.Append(i);
  REQUIRE(WaitFor([&] { return h.writer->synced_lsn() == 3; }));  // 20 ms interval
  CHECK(synced.load() >= 1);
  REQUIRE(h.writer->Shutdown().ok());
}

TEST_CASE("always: the hand-off allocates nothing once the inbox has grown", "[log][writer]") {
  // Append copies into the inbox, whose capacity is kept when the writer takes its bytes:
  // the loop's side of the hand-off allocates nothing in a steady state.
  Harness h(2000);
  h.Open(Opts(FsyncPolicy::kAlways));
  std::string first;  // batches 1..1000 in one Append: the inbox's capacity holds them
  for (uint64_t i = 1; i <= 1000; ++i) first += h.batches[i];
  h.writer->Append(first, 1000);
  REQUIRE(WaitFor([&] { return h.writer->durable_lsn() == 1000; }));
  size_t before = WatchedTestAllocations();
  for (uint64_t i = 1001; i <= 2000; ++i) {
    std::string_view bytes = h.batches[i];
    WatchTestAllocations(true);
    h.writer->Append(bytes, i);
    WatchTestAllocations(false);
    // (Never more than 50 batches queued: fewer bytes than the first Append's.)
    if (i % 50 == 0) REQUIRE(WaitFor([&] { return h.writer->durable_lsn() == i; }));
  }
  CHECK(WatchedTestAllocations() - before == 0);
  REQUIRE(h.writer->Shutdown().ok());
  CHECK(LoadBytes(h.mem.Contents("log")).records == h.expect);
}

TEST_CASE("no: never fsyncs until shutdown", "[log][writer]") {
  Harness h(50);
  h.Open(Opts(FsyncPolicy::kNo));
  uint64_t base_fsyncs = h.st.fsync_calls.load();
  for (uint64_t i = 1; i <= 50; ++i) h.Append(i);
  REQUIRE(WaitFor([&] { return h.writer->durable_lsn() == 50; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  CHECK(h.st.fsync_calls.load() == base_fsyncs);
  REQUIRE(h.writer->Shutdown().ok());
  CHECK(h.st.fsync_calls.load() == base_fsyncs + 1);
  CHECK(LoadBytes(h.mem.Contents("log")).records == h.expect);
}

TEST_CASE("shutdown with a persistent failure returns the error", "[log][writer]") {
  Harness h(3);
  h.Open(Opts(FsyncPolicy::kAlways));
  h.st.fail_fsyncs = 1000000;
  for (uint64_t i = 1; i <= 3; ++i) h.Append(i);
  REQUIRE(WaitFor([&] { return h.errors_seen.load() == 1; }));
  IoStatus s = h.writer->Shutdown();
  CHECK_FALSE(s.ok());
  CHECK(h.writer->durable_lsn() == 0);
  h.CheckFileIsPrefix();
  CHECK(h.writer->Shutdown().err == s.err);  // idempotent
}

TEST_CASE("open appends to a loaded log and refuses a torn header", "[log][writer]") {
  MemFileSystem mem;
  BuiltLog log = BuildLog(SampleBatches(5), 100);
  mem.SetContents("log", log.bytes);
  Loaded first = LoadFrom(&mem, "log");
  REQUIRE(first.report.outcome == LoadOutcome::kClean);
  std::unique_ptr<LogWriter> w;
  REQUIRE(
      LogWriter::Open(&mem, "log", Opts(FsyncPolicy::kAlways), {}, first.report.last_lsn, &w).ok());
  CHECK(w->durable_lsn() == first.report.last_lsn);
  uint64_t lsn = first.report.last_lsn + 1;
  std::vector<LoadedRecord> expect = log.records;
  w->Append(EncodeBatch({{2, {"FLUSHDB"}}, {0, {"SWAPDB", "0", "1"}}}, &lsn, &expect), lsn - 1);
  REQUIRE(w->Shutdown().ok());
  Loaded again = LoadFrom(&mem, "log");
  CHECK(again.report.outcome == LoadOutcome::kClean);
  CHECK(again.records == expect);

  mem.SetContents("torn", "BRISK");
  CHECK_FALSE(LogWriter::Open(&mem, "torn", {}, {}, 0, &w).ok());
}

TEST_CASE("the POSIX seam: write, fsync, reload, repair a torn tail", "[log][writer][posix]") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("brisk_log_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string path = (dir / "appendonly.blog").string();
  FileSystem* posix = PosixFileSystem();
  std::unique_ptr<LogWriter> w;
  REQUIRE(LogWriter::Open(posix, path, Opts(FsyncPolicy::kAlways), {}, 0, &w).ok());
  uint64_t lsn = 1;
  std::vector<LoadedRecord> expect;
  for (const Batch& b : SampleBatches(20, 3)) {
    std::string bytes = EncodeBatch(b, &lsn, &expect);
    w->Append(std::move(bytes), lsn - 1);
  }
  REQUIRE(WaitFor([&] { return w->durable_lsn() == lsn - 1; }));
  REQUIRE(w->Shutdown().ok());
  Loaded l = LoadFrom(posix, path);
  CHECK(l.report.outcome == LoadOutcome::kClean);
  CHECK(l.records == expect);

  uint64_t size = fs::file_size(path);
  fs::resize_file(path, size + 100);  // zero-filled tail
  l = LoadFrom(posix, path);
  CHECK(l.report.outcome == LoadOutcome::kTornTail);
  CHECK(l.report.truncated_bytes == 100);
  CHECK(fs::file_size(path) == size);
  CHECK(l.records == expect);
  fs::remove_all(dir);
}

TEST_CASE("EverysecGate follows Redis's postpone-up-to-2s rule", "[log][writer]") {
  EverysecGate g;
  CHECK_FALSE(g.ShouldPostpone(0, 1000));
  CHECK(g.ShouldPostpone(500, 1000));             // fsync running: postpone, start counting
  CHECK(g.ShouldPostpone(500, 1'500'000));        // still under 2 s
  CHECK_FALSE(g.ShouldPostpone(500, 2'001'000));  // 2 s passed: go ahead, count it
  CHECK(g.delayed_fsync() == 1);
  CHECK(g.ShouldPostpone(500, 2'002'000));      // a new postponement window
  CHECK_FALSE(g.ShouldPostpone(0, 2'003'000));  // fsync done: go ahead, no count
  CHECK(g.delayed_fsync() == 1);
}

TEST_CASE("fsync policy names", "[log][writer]") {
  FsyncPolicy p;
  REQUIRE(ParseFsyncPolicy("ALWAYS", &p));
  CHECK(p == FsyncPolicy::kAlways);
  REQUIRE(ParseFsyncPolicy("everysec", &p));
  CHECK(FsyncPolicyName(p) == "everysec");
  REQUIRE(ParseFsyncPolicy("no", &p));
  CHECK(p == FsyncPolicy::kNo);
  CHECK_FALSE(ParseFsyncPolicy("sometimes", &p));
}
