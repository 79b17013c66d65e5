// LogLoader: clean logs, torn tails at every offset, corruption in the middle, the
// load_truncated escape hatch, header rules, evolution rules, progress and aborts.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "log_test_util.h"

using namespace brisk::applog;
using namespace brisk::applog::test;

namespace {

std::vector<LoadedRecord> Prefix(const BuiltLog& log, size_t batches) {
  size_t end = batches == 0 ? kFileHeaderSize : log.batch_ends[batches - 1];
  std::vector<LoadedRecord> out;
  for (size_t i = 0; i < log.records.size() && log.record_starts[i] < end; ++i) {
    out.push_back(log.records[i]);
  }
  return out;
}

// The last batch has several records, so cuts land between records of one batch too.
BuiltLog TestLog() {
  std::vector<Batch> batches = SampleBatches(12, 7);
  batches.push_back({{0, {"SET", "a", std::string("\0\1\2", 3)}},
                     {3, {"DEL", "b"}},
                     {15, {"SET", "c", "v", "PXAT", "1700000000000"}}});
  return BuildLog(batches);
}

}  // namespace

TEST_CASE("a clean log yields every record once, in order", "[log][loader]") {
  BuiltLog log = TestLog();
  std::string after;
  Loaded l = LoadBytes(log.bytes, {}, &after);
  CHECK(l.report.outcome == LoadOutcome::kClean);
  CHECK(l.records == log.records);
  CHECK(l.report.records == log.records.size());
  CHECK(l.report.batches == log.batch_ends.size());
  CHECK(l.report.last_lsn == log.records.back().lsn);
  CHECK(l.report.good_size == log.bytes.size());
  CHECK_FALSE(l.report.truncated);
  CHECK(after == log.bytes);

  // Same result whatever the read chunk (exercises buffer compaction mid-batch).
  for (size_t chunk : {1, 7, 21, 64, 1000}) {
    LoadOptions o;
    o.read_chunk = chunk;
    Loaded c = LoadBytes(log.bytes, o);
    INFO("chunk " << chunk);
    CHECK(c.report.outcome == LoadOutcome::kClean);
    CHECK(c.records == log.records);
  }
}

TEST_CASE("header-only and empty files are clean", "[log][loader]") {
  BuiltLog log = BuildLog({}, 500);
  Loaded l = LoadBytes(log.bytes);
  CHECK(l.report.outcome == LoadOutcome::kClean);
  CHECK(l.report.last_lsn == 500);
  CHECK(l.records.empty());
  Loaded empty = LoadBytes("");
  CHECK(empty.report.outcome == LoadOutcome::kClean);
  CHECK(empty.report.good_size == 0);
}

TEST_CASE("a torn tail at every offset of the last batch loads the prefix", "[log][loader]") {
  BuiltLog log = TestLog();
  size_t n = log.batch_ends.size();
  size_t prev_end = log.batch_ends[n - 2];
  std::vector<LoadedRecord> expect = Prefix(log, n - 1);
  for (size_t cut = prev_end; cut < log.bytes.size(); ++cut) {
    INFO("cut at " << cut);
    std::string after;
    Loaded l = LoadBytes(log.bytes.substr(0, cut), {}, &after);
    CHECK(l.records == expect);
    CHECK(l.report.good_size == prev_end);
    CHECK(after == log.bytes.substr(0, prev_end));
    if (cut == prev_end) {
      CHECK(l.report.outcome == LoadOutcome::kClean);
    } else {
      CHECK(l.report.outcome == LoadOutcome::kTornTail);
      CHECK(l.report.truncated);
      CHECK(l.report.truncated_bytes == cut - prev_end);
      CHECK(l.report.problem_offset >= prev_end);
      CHECK(l.report.message.find("torn tail") != std::string::npos);
    }
  }
}

TEST_CASE("a torn tail is reported but not cut without repair", "[log][loader]") {
  BuiltLog log = TestLog();
  std::string torn = log.bytes.substr(0, log.bytes.size() - 3);
  LoadOptions o;
  o.repair = false;
  std::string after;
  Loaded l = LoadBytes(torn, o, &after);
  CHECK(l.report.outcome == LoadOutcome::kTornTail);
  CHECK_FALSE(l.report.truncated);
  CHECK(after == torn);
}

TEST_CASE("a zero-filled tail is a torn tail", "[log][loader]") {
  BuiltLog log = TestLog();
  size_t n = log.batch_ends.size();
  SECTION("after the last batch") {
    std::string after;
    Loaded l = LoadBytes(log.bytes + std::string(4096, '\0'), {}, &after);
    CHECK(l.report.outcome == LoadOutcome::kTornTail);
    CHECK(l.report.problem_offset == log.bytes.size());
    CHECK(l.records == log.records);
    CHECK(after == log.bytes);
  }
  SECTION("over part of the last batch") {
    size_t cut = log.record_starts[log.records.size() - 2] + 5;
    std::string bytes = log.bytes.substr(0, cut) + std::string(8192, '\0');
    std::string after;
    Loaded l = LoadBytes(bytes, {}, &after);
    CHECK(l.report.outcome == LoadOutcome::kTornTail);
    CHECK(l.records == Prefix(log, n - 1));
    CHECK(after == log.bytes.substr(0, log.batch_ends[n - 2]));
  }
}

TEST_CASE("any flipped bit in a middle record is corruption at that record", "[log][loader]") {
  BuiltLog log = TestLog();
  size_t victim = log.records.size() / 2;
  size_t start = log.record_starts[victim];
  size_t end = log.record_starts[victim + 1];
  // The batch the victim belongs to starts after the last batch end before it.
  size_t batch = 0;
  while (log.batch_ends[batch] <= start) ++batch;
  size_t good = batch == 0 ? kFileHeaderSize : log.batch_ends[batch - 1];
  for (size_t bit = 0; bit < (end - start) * 8; ++bit) {
    std::string bad = log.bytes;
    bad[start + bit / 8] = static_cast<char>(bad[start + bit / 8] ^ (1 << (bit % 8)));
    INFO("bit " << bit);
    std::string after;
    Loaded l = LoadBytes(bad, {}, &after);
    REQUIRE(l.report.outcome == LoadOutcome::kCorrupt);
    CHECK(l.report.problem_offset == start);
    CHECK(l.report.good_size == good);
    CHECK(l.records == Prefix(log, batch));
    CHECK(after == bad);  // refused: the file is left alone
  }
}

TEST_CASE("load_truncated cuts a corrupt log at the last good batch", "[log][loader]") {
  BuiltLog log = TestLog();
  size_t victim = log.records.size() / 2;
  size_t start = log.record_starts[victim];
  size_t batch = 0;
  while (log.batch_ends[batch] <= start) ++batch;
  size_t good = batch == 0 ? kFileHeaderSize : log.batch_ends[batch - 1];
  std::string bad = log.bytes;
  bad[start + kRecordHeaderSize + 2] ^= 0x10;
  LoadOptions o;
  o.load_truncated = true;
  std::string after;
  Loaded l = LoadBytes(bad, o, &after);
  CHECK(l.report.outcome == LoadOutcome::kTornTail);
  CHECK(l.report.corruption_cut);
  CHECK(l.report.problem_offset == start);
  CHECK(l.report.truncated);
  CHECK(l.report.truncated_bytes == bad.size() - good);
  CHECK(l.records == Prefix(log, batch));
  CHECK(after == bad.substr(0, good));
  CHECK(l.report.message.find("load-truncated") != std::string::npos);
  // The cut file is now clean.
  CHECK(LoadBytes(after).report.outcome == LoadOutcome::kClean);
}

TEST_CASE("a CRC-valid record with a non-increasing LSN is corrupt", "[log][loader]") {
  BuiltLog log = BuildLog({{{0, {"SET", "a", "1"}}}});
  AppendEffectRecord(&log.bytes, 1, 0, kFlagEndOfBatch, std::vector<std::string_view>{"DEL", "a"});
  Loaded l = LoadBytes(log.bytes);
  CHECK(l.report.outcome == LoadOutcome::kCorrupt);
  CHECK(l.report.problem_offset == log.batch_ends[0]);
  CHECK(l.records.size() == 1);
}

TEST_CASE("format evolution: ignorable kinds and flags, must-understand ones", "[log][loader]") {
  BuiltLog log = BuildLog({{{0, {"SET", "a", "1"}}}});
  std::string base = log.bytes;
  SECTION("ignorable kind inside a batch is checked and skipped") {
    AppendRawRecord(&log.bytes, 2, 0, 200, 0, "future metadata");
    AppendEffectRecord(&log.bytes, 3, 1, kFlagEndOfBatch | 0x40,
                       std::vector<std::string_view>{"DEL", "a"});
    Loaded l = LoadBytes(log.bytes);
    CHECK(l.report.outcome == LoadOutcome::kClean);
    CHECK(l.report.records == 3);
    REQUIRE(l.records.size() == 2);
    CHECK(l.records[1] == LoadedRecord{3, 1, {"DEL", "a"}});
  }
  SECTION("unknown must-understand kind is unsupported and never cut") {
    AppendRawRecord(&log.bytes, 2, 0, 7, kFlagEndOfBatch, "x");
    std::string after;
    Loaded l = LoadBytes(log.bytes, {}, &after);
    CHECK(l.report.outcome == LoadOutcome::kUnsupported);
    CHECK(l.report.problem_offset == base.size());
    CHECK(after == log.bytes);
  }
  SECTION("must-understand flag is unsupported") {
    AppendEffectRecord(&log.bytes, 2, 0, kFlagEndOfBatch | 0x02,
                       std::vector<std::string_view>{"DEL", "a"});
    CHECK(LoadBytes(log.bytes).report.outcome == LoadOutcome::kUnsupported);
  }
}

TEST_CASE("header rules", "[log][loader][header]") {
  BuiltLog log = TestLog();
  SECTION("torn header is cut to nothing") {
    for (size_t n = 1; n < kFileHeaderSize; ++n) {
      std::string after = "unchanged";
      Loaded l = LoadBytes(log.bytes.substr(0, n), {}, &after);
      INFO("size " << n);
      CHECK(l.report.outcome == LoadOutcome::kTornTail);
      CHECK(after.empty());
    }
  }
  SECTION("all-zero file is a torn header") {
    std::string after;
    CHECK(LoadBytes(std::string(5000, '\0'), {}, &after).report.outcome == LoadOutcome::kTornTail);
    CHECK(after.empty());
  }
  SECTION("wrong magic is refused") {
    std::string bad = "*2\r\n$3\r\nDEL\r\n$1\r\na\r\n" + std::string(100, 'x');
    std::string after;
    CHECK(LoadBytes(bad, {}, &after).report.outcome == LoadOutcome::kBadHeader);
    CHECK(after == bad);
  }
  SECTION("header CRC mismatch is refused even with load_truncated") {
    std::string bad = log.bytes;
    bad[20] ^= 1;
    LoadOptions o;
    o.load_truncated = true;
    std::string after;
    Loaded l = LoadBytes(bad, o, &after);
    CHECK(l.report.outcome == LoadOutcome::kCorrupt);
    CHECK(l.report.problem_offset == 0);
    CHECK(after == bad);
  }
}

TEST_CASE("progress is reported and replay can stop the load", "[log][loader]") {
  BuiltLog log = TestLog();
  MemFileSystem fs;
  fs.SetContents("log", log.bytes);
  LoadOptions o;
  o.progress_interval_bytes = 100;
  LogLoader loader(&fs, o);
  std::vector<std::pair<uint64_t, uint64_t>> progress;
  LoadReport r = loader.Load(
      "log", [](uint64_t, int, std::span<const std::string_view>) { return true; },
      [&](uint64_t done, uint64_t total) { progress.emplace_back(done, total); });
  CHECK(r.outcome == LoadOutcome::kClean);
  REQUIRE(progress.size() >= 3);
  for (size_t i = 1; i < progress.size(); ++i) CHECK(progress[i].first >= progress[i - 1].first);
  CHECK(progress.back() == std::make_pair<uint64_t, uint64_t>(log.bytes.size(), log.bytes.size()));

  int seen = 0;
  r = loader.Load("log",
                  [&](uint64_t, int, std::span<const std::string_view>) { return ++seen < 3; });
  CHECK(r.outcome == LoadOutcome::kAborted);
  CHECK(seen == 3);
  CHECK(fs.Contents("log") == log.bytes);
}

TEST_CASE("a missing file is an I/O error", "[log][loader]") {
  MemFileSystem fs;
  Loaded l = LoadFrom(&fs, "nope");
  CHECK(l.report.outcome == LoadOutcome::kIoError);
  CHECK_FALSE(l.report.problem.empty());
}
