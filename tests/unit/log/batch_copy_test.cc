// BatchCopier: only whole, re-checked batches are copied; adjacent calls cover adjacent
// ranges; damaged or out-of-order records stop it.
#include <catch2/catch.hpp>

#include "log/batch_copy.h"
#include "log_test_util.h"

using namespace brisk::applog;
using namespace brisk::applog::test;

namespace {

struct Files {
  MemFileSystem mem;
  std::unique_ptr<LogFile> src, dst;
  explicit Files(const std::string& src_bytes) {
    mem.SetContents("src", src_bytes);
    REQUIRE(mem.Open("src", OpenMode::kRead, &src).ok());
    REQUIRE(mem.Open("dst", OpenMode::kAppend, &dst).ok());
  }
  std::string Dst() { return mem.Contents("dst"); }
};

}  // namespace

TEST_CASE("BatchCopier copies every whole batch, in small read chunks too", "[log][copy]") {
  BuiltLog log = BuildLog(SampleBatches(40), /*base_lsn=*/100);
  for (size_t chunk : {size_t{7}, size_t{64}, size_t{1} << 20}) {
    Files f(log.bytes);
    BatchCopier c(f.src.get(), f.dst.get(), kFileHeaderSize, 100, chunk);
    std::string error;
    REQUIRE(c.CopyUpTo(BatchCopier::kToEnd, false, &error));
    CHECK(f.Dst() == log.bytes.substr(kFileHeaderSize));
    CHECK(c.pos() == log.bytes.size());
    CHECK(c.last_lsn() == log.records.back().lsn);
    // Nothing new: nothing copied; exact at the end is fine.
    REQUIRE(c.CopyUpTo(log.bytes.size(), true, &error));
    CHECK(c.bytes_copied() == log.bytes.size() - kFileHeaderSize);
  }
}

TEST_CASE("BatchCopier leaves an unfinished batch for the next call", "[log][copy]") {
  BuiltLog log = BuildLog(SampleBatches(10));
  size_t cut_batch = 5;
  // The file as a reader may see it while the writer is mid-batch: batch 6 half there.
  size_t cut = log.batch_ends[cut_batch] + 10;
  for (size_t r : log.record_starts) {
    if (r > log.batch_ends[cut_batch] && r < log.batch_ends[cut_batch + 1]) cut = r;  // mid-batch
  }
  Files f(log.bytes.substr(0, cut));
  BatchCopier c(f.src.get(), f.dst.get(), kFileHeaderSize, 0);
  std::string error;
  REQUIRE(c.CopyUpTo(BatchCopier::kToEnd, false, &error));
  CHECK(c.pos() == log.batch_ends[cut_batch]);
  CHECK(!c.CopyUpTo(cut, /*exact=*/true, &error));  // the writer's own file must be whole
  f.mem.SetContents("src", log.bytes);              // the writer finished the batch
  REQUIRE(c.CopyUpTo(BatchCopier::kToEnd, false, &error));
  CHECK(f.Dst() == log.bytes.substr(kFileHeaderSize));
}

TEST_CASE("BatchCopier refuses damaged records and LSNs not above the floor", "[log][copy]") {
  BuiltLog log = BuildLog(SampleBatches(10), 50);
  std::string error;
  SECTION("a flipped bit") {
    std::string bad = log.bytes;
    bad[log.record_starts[7] + 25] ^= 0x10;
    Files f(bad);
    BatchCopier c(f.src.get(), f.dst.get(), kFileHeaderSize, 50);
    CHECK(!c.CopyUpTo(BatchCopier::kToEnd, false, &error));
    CHECK(error.find("bad record") != std::string::npos);
    CHECK(c.pos() <= log.record_starts[7]);
    CHECK(f.Dst().size() == c.pos() - kFileHeaderSize);  // only whole batches before it
  }
  SECTION("the first LSN not above min_lsn") {
    Files f(log.bytes);
    BatchCopier c(f.src.get(), f.dst.get(), kFileHeaderSize, log.records[0].lsn);
    CHECK(!c.CopyUpTo(BatchCopier::kToEnd, false, &error));
    CHECK(error.find("LSN") != std::string::npos);
    CHECK(f.Dst().empty());
  }
  SECTION("starting in the middle of a record") {
    Files f(log.bytes);
    BatchCopier c(f.src.get(), f.dst.get(), kFileHeaderSize + 3, 0);
    CHECK(!c.CopyUpTo(log.bytes.size(), /*exact=*/true, &error));
    CHECK(f.Dst().empty());
  }
}
