// Codec tests: CRC-32C vectors, record and header round trips, every-prefix and
// every-bit-flip decoding, and the no-allocation contract of the encoder. This file
// replaces the global operator new of unit_log to count allocations on a watching thread.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "../counting_new.h"
#include "log/crc32c.h"
#include "log/record.h"
#include "log_test_util.h"

namespace {
thread_local bool t_watching = false;
thread_local size_t t_allocations = 0;
}  // namespace

void OnTestAllocation(size_t) noexcept {
  if (t_watching) ++t_allocations;
}

// For the other tests of this binary (writer_test.cc): count this thread's allocations
// while on. (Under TSan nothing is counted: counting_new.h replaces nothing there.)
void WatchTestAllocations(bool on) {
  t_watching = on;
}
size_t WatchedTestAllocations() {
  return t_allocations;
}

using namespace brisk::applog;
using brisk::applog::test::Argv;

namespace {

std::vector<std::string_view> Views(const Argv& argv) {
  return {argv.begin(), argv.end()};
}

Argv DecodeOne(const std::string& bytes, DecodedRecord* rec) {
  std::vector<std::string_view> argv;
  DecodeResult r = DecodeRecord(bytes, rec, &argv);
  REQUIRE(r.status == DecodeStatus::kOk);
  return Argv(argv.begin(), argv.end());
}

}  // namespace

TEST_CASE("CRC-32C matches the standard test vectors", "[log][crc]") {
  CHECK(Crc32c("123456789", 9) == 0xE3069283u);
  std::string zeros(32, '\0'), ones(32, '\xff'), inc(32, '\0');
  for (int i = 0; i < 32; ++i) inc[i] = static_cast<char>(i);
  CHECK(Crc32c(zeros.data(), 32) == 0x8A9136AAu);  // RFC 3720 B.4
  CHECK(Crc32c(ones.data(), 32) == 0x62A8AB43u);
  CHECK(Crc32c(inc.data(), 32) == 0x46DD794Eu);
  CHECK(Crc32c("", 0) == 0u);
  // Extend takes and returns finished values.
  CHECK(Crc32cExtend(Crc32c("1234", 4), "56789", 5) == 0xE3069283u);
}

TEST_CASE("effect records round-trip, including binary arguments", "[log][record]") {
  std::string big(100000, 'x');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
  std::vector<Argv> cases = {
      {"SET", "k", "v"},
      {"SET", std::string("a\0b", 3), std::string("\r\n\0\xff", 4), "PXAT", "1700000000000"},
      {"DEL", ""},
      {"FLUSHALL"},
      {"SET", "big", big},
      {"SWAPDB", "0", "15"},
  };
  for (const Argv& argv : cases) {
    std::string buf = "prefix";
    AppendEffectRecord(&buf, 42, 65535, kFlagEndOfBatch, Views(argv));
    CHECK(buf.size() == 6 + EncodedRecordSize(Views(argv)));
    DecodedRecord rec;
    Argv back = DecodeOne(buf.substr(6), &rec);
    CHECK(back == argv);
    CHECK(rec.lsn == 42);
    CHECK(rec.db == 65535);
    CHECK(rec.kind == kKindEffect);
    CHECK(rec.flags == kFlagEndOfBatch);
    CHECK(rec.size == buf.size() - 6);
  }
}

TEST_CASE("every proper prefix of a record is incomplete", "[log][record]") {
  std::string buf;
  AppendEffectRecord(&buf, 7, 3, 0, Views({"SET", "key", std::string("v\0v", 3)}));
  for (size_t n = 0; n < buf.size(); ++n) {
    DecodedRecord rec;
    DecodeResult r = DecodeRecord(std::span<const char>(buf.data(), n), &rec, nullptr);
    INFO("prefix " << n);
    CHECK(r.status == DecodeStatus::kIncomplete);
    CHECK(r.needed == (n < kRecordHeaderSize ? kRecordHeaderSize : buf.size()));
  }
}

TEST_CASE("every single-bit flip of a record is detected", "[log][record]") {
  std::string good;
  AppendEffectRecord(&good, 9, 1, kFlagEndOfBatch, Views({"SET", "k", "value"}));
  for (size_t bit = 0; bit < good.size() * 8; ++bit) {
    std::string bad = good;
    bad[bit / 8] = static_cast<char>(bad[bit / 8] ^ (1 << (bit % 8)));
    DecodedRecord rec;
    std::vector<std::string_view> argv;
    DecodeResult r = DecodeRecord(bad, &rec, &argv);
    INFO("bit " << bit);
    CHECK(r.status != DecodeStatus::kOk);
    CHECK(argv.empty());
  }
}

TEST_CASE("zeros, kind 0, LSN 0 and malformed payloads are corrupt", "[log][record]") {
  DecodedRecord rec;
  std::string zeros(64, '\0');
  DecodeResult r = DecodeRecord(zeros, &rec, nullptr);
  CHECK(r.status == DecodeStatus::kCorrupt);
  CHECK(r.reason == CorruptReason::kBadKind);

  // CRC-correct records whose payload is not exactly an argument vector.
  for (std::string payload :
       {std::string(""), std::string("\0\0\0\0", 4), std::string("\1\0\0\0\5\0\0\0abc", 11),
        std::string("\1\0\0\0\1\0\0\0ab", 10), std::string("\xff\xff\xff\xff", 4)}) {
    std::string buf;
    AppendRawRecord(&buf, 1, 0, kKindEffect, kFlagEndOfBatch, payload);
    std::vector<std::string_view> argv;
    r = DecodeRecord(buf, &rec, &argv);
    CHECK(r.status == DecodeStatus::kCorrupt);
    CHECK(r.reason == CorruptReason::kBadPayload);
    CHECK(argv.empty());
  }
  // An ignorable kind carries an opaque payload.
  std::string buf;
  AppendRawRecord(&buf, 5, 0, 200, 0, "anything");
  r = DecodeRecord(buf, &rec, nullptr);
  CHECK(r.status == DecodeStatus::kOk);
  CHECK(rec.payload == "anything");
}

TEST_CASE("BatchBuilder marks only the last record END_OF_BATCH", "[log][record]") {
  BatchBuilder b;
  b.Add(10, 0, {"SET", "a", "1"});
  b.Add(11, 2, {"DEL", "b"});
  b.Add(12, 0, {"PERSIST", "c"});
  CHECK(b.records() == 3);
  CHECK(b.last_lsn() == 12);
  std::string bytes = b.Finish();
  CHECK(b.empty());
  std::span<const char> rest(bytes);
  std::vector<uint8_t> flags;
  while (!rest.empty()) {
    DecodedRecord rec;
    REQUIRE(DecodeRecord(rest, &rec, nullptr).status == DecodeStatus::kOk);
    flags.push_back(rec.flags);
    rest = rest.subspan(rec.size);
  }
  CHECK(flags == std::vector<uint8_t>{0, 0, kFlagEndOfBatch});
}

TEST_CASE("file header round-trips and refuses what it must", "[log][header]") {
  FileHeader h;
  h.base_lsn = 123456789012345;
  h.created_unix_ms = 1700000000000;
  h.creator = "brisk 0.1.0 with a very long creator string that is cut";
  std::string bytes;
  EncodeFileHeader(h, &bytes);
  REQUIRE(bytes.size() == kFileHeaderSize);
  CHECK(bytes.substr(0, 8) == "BRISKLOG");
  FileHeader back;
  REQUIRE(DecodeFileHeader(bytes, &back) == HeaderStatus::kOk);
  CHECK(back.base_lsn == h.base_lsn);
  CHECK(back.created_unix_ms == h.created_unix_ms);
  CHECK(back.creator == h.creator.substr(0, kCreatorSize));
  CHECK(back.header_size == kFileHeaderSize);

  for (size_t n = 0; n < kFileHeaderSize; ++n) {
    CHECK(DecodeFileHeader(std::span<const char>(bytes.data(), n), &back) ==
          HeaderStatus::kIncomplete);
  }
  std::string bad = bytes;
  bad[0] = 'X';
  CHECK(DecodeFileHeader(bad, &back) == HeaderStatus::kBadMagic);
  bad = bytes;
  bad[40] ^= 1;
  CHECK(DecodeFileHeader(bad, &back) == HeaderStatus::kCorrupt);

  // A newer version with an intact CRC is unsupported, not corrupt.
  bad = bytes;
  bad[8] = 2;
  uint32_t crc = Crc32c(bad.data(), kFileHeaderSize - 4);
  for (int i = 0; i < 4; ++i) bad[kFileHeaderSize - 4 + i] = static_cast<char>(crc >> (8 * i));
  CHECK(DecodeFileHeader(bad, &back) == HeaderStatus::kUnsupported);
  CHECK(back.version == 2);
}

TEST_CASE("encoding into a reserved buffer does not allocate", "[log][record][alloc]") {
#ifdef BRISK_NO_NEW_OVERRIDE
  WARN("allocation counting is off under TSan");
  return;
#endif
  std::string buf;
  buf.reserve(1 << 20);
  std::string value(100, 'v');
  std::vector<std::string_view> argv = {"SET", "key", value, "PXAT", "1700000000000"};
  t_allocations = 0;
  t_watching = true;
  for (uint64_t lsn = 1; lsn <= 1000; ++lsn) AppendEffectRecord(&buf, lsn, 0, 0, argv);
  MarkEndOfBatch(&buf, buf.size() - EncodedRecordSize(argv));
  t_watching = false;
  CHECK(t_allocations == 0);

  // Decoding into a reused argv vector does not allocate either.
  std::vector<std::string_view> out;
  out.reserve(16);
  DecodedRecord rec;
  t_allocations = 0;
  t_watching = true;
  std::span<const char> rest(buf);
  int n = 0;
  while (!rest.empty() && DecodeRecord(rest, &rec, &out).status == DecodeStatus::kOk) {
    rest = rest.subspan(rec.size);
    out.clear();
    ++n;
  }
  t_watching = false;
  CHECK(n == 1000);
  CHECK(t_allocations == 0);
}
