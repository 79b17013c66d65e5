// libFuzzer target for applog::LogLoader (docs/log-format.md §5).
//
// Input: [mode] then a body.
//   mode % 3 == 0  the body is the whole file
//   mode % 3 == 1  a valid file header, then the body as the record area
//   mode % 3 == 2  the body builds a valid log, which is then mutated (bit flips,
//                  truncation, zero fill, appended bytes) - see BuildAndMutate
//   mode bit 2: load_truncated; mode bits 3-5: read chunk size (small chunks exercise the
//   loader's buffer compaction).
//
// Checks, beyond ASan/UBSan:
//   - every record handed to the callback is re-verified independently: decoding the
//     ORIGINAL bytes from the header to report.good_size record by record gives kOk (so
//     its CRC holds), strictly increasing LSNs, END_OF_BATCH at good_size, and exactly the
//     yielded effects;
//   - the file is changed only by a truncation to good_size, and only when the outcome is
//     kTornTail; a repaired file reloads as kClean with the same records;
//   - a log built and not mutated loads kClean with every record.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "log/fault_file.h"
#include "log/loader.h"
#include "log/record.h"

namespace {

using namespace brisk::applog;

#define FUZZ_CHECK(cond)  \
  do {                    \
    if (!(cond)) abort(); \
  } while (0)

struct Rec {
  uint64_t lsn;
  int db;
  std::vector<std::string> argv;
  bool operator==(const Rec&) const = default;
};

struct Reader {
  const uint8_t* p;
  size_t n;
  bool Byte(uint8_t* out) {
    if (n == 0) return false;
    *out = *p++;
    --n;
    return true;
  }
};

std::string Header(uint64_t base_lsn) {
  FileHeader h;
  h.base_lsn = base_lsn;
  h.creator = "fuzz";
  std::string out;
  EncodeFileHeader(h, &out);
  return out;
}

// Returns true if the log was left unmutated (must then load clean).
bool BuildAndMutate(Reader in, std::string* file, std::vector<Rec>* built) {
  uint8_t nmut = 0;
  (void)in.Byte(&nmut);
  nmut %= 4;
  struct Mutation {
    uint8_t op, a, b, c;
  };
  std::vector<Mutation> muts;
  for (int i = 0; i < nmut; ++i) {
    Mutation m{};
    if (!in.Byte(&m.op) || !in.Byte(&m.a) || !in.Byte(&m.b) || !in.Byte(&m.c)) break;
    muts.push_back(m);
  }
  *file = Header(7);
  uint64_t lsn = 8;
  BatchBuilder batch;
  uint8_t b;
  while (in.Byte(&b)) {
    int records = 1 + b % 4;
    for (int r = 0; r < records; ++r) {
      uint8_t db = 0, argc = 0;
      if (!in.Byte(&db) || !in.Byte(&argc)) break;
      std::vector<std::string> argv;
      for (int a = 0; a < 1 + argc % 4; ++a) {
        uint8_t len = 0;
        if (!in.Byte(&len)) break;
        len %= 32;
        if (len > in.n) len = static_cast<uint8_t>(in.n);
        argv.emplace_back(reinterpret_cast<const char*>(in.p), len);
        in.p += len;
        in.n -= len;
      }
      if (argv.empty()) break;
      std::vector<std::string_view> views(argv.begin(), argv.end());
      batch.Add(lsn, db % 16, views);
      built->push_back({lsn, db % 16, std::move(argv)});
      ++lsn;
    }
    if (!batch.empty()) *file += batch.Finish();
  }
  if (!batch.empty()) *file += batch.Finish();
  for (const Mutation& m : muts) {
    if (file->empty()) break;
    size_t pos = (size_t{m.a} << 8 | m.b) % file->size();
    switch (m.op % 4) {
      case 0:
        (*file)[pos] = static_cast<char>((*file)[pos] ^ (1 << (m.c % 8)));
        break;
      case 1:
        file->resize(pos);
        break;
      case 2:
        for (size_t i = pos; i < file->size() && i < pos + m.c; ++i) (*file)[i] = 0;
        break;
      case 3:
        file->append(m.c, static_cast<char>(m.op));
        break;
    }
  }
  return muts.empty();
}

// Decodes original[header_size, good_size) independently; returns the effects.
std::vector<Rec> Reverify(const std::string& original, const LoadReport& r) {
  std::vector<Rec> out;
  if (r.good_size == 0) return out;
  size_t pos = r.header.header_size;
  FUZZ_CHECK(pos <= r.good_size && r.good_size <= original.size());
  uint64_t last = r.header.base_lsn;
  uint64_t records = 0;
  uint8_t last_flags = kFlagEndOfBatch;
  std::vector<std::string_view> argv;
  while (pos < r.good_size) {
    DecodedRecord rec;
    argv.clear();
    DecodeResult d =
        DecodeRecord(std::span<const char>(original.data() + pos, r.good_size - pos), &rec, &argv);
    FUZZ_CHECK(d.status == DecodeStatus::kOk);
    FUZZ_CHECK(rec.lsn > last);
    last = rec.lsn;
    last_flags = rec.flags;
    ++records;
    if (rec.kind == kKindEffect) {
      out.push_back({rec.lsn, rec.db, std::vector<std::string>(argv.begin(), argv.end())});
    }
    pos += rec.size;
  }
  FUZZ_CHECK(pos == r.good_size);
  FUZZ_CHECK(last_flags & kFlagEndOfBatch);
  FUZZ_CHECK(records == r.records);
  FUZZ_CHECK(last == r.last_lsn);
  return out;
}

struct Result {
  LoadReport report;
  std::vector<Rec> records;
  std::string after;
};

Result Load(const std::string& file, LoadOptions options) {
  MemFileSystem fs;
  fs.SetContents("log", file);
  Result res;
  LogLoader loader(&fs, options);
  res.report =
      loader.Load("log", [&](uint64_t lsn, int db, std::span<const std::string_view> argv) {
        res.records.push_back({lsn, db, std::vector<std::string>(argv.begin(), argv.end())});
        return true;
      });
  res.after = fs.Contents("log");
  return res;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  uint8_t mode = data[0];
  Reader body{data + 1, size - 1};
  std::string file;
  std::vector<Rec> built;
  bool must_be_clean = false;
  switch (mode % 3) {
    case 0:
      file.assign(reinterpret_cast<const char*>(body.p), body.n);
      break;
    case 1:
      file = Header(mode);
      file.append(reinterpret_cast<const char*>(body.p), body.n);
      break;
    default:
      must_be_clean = BuildAndMutate(body, &file, &built);
      break;
  }
  LoadOptions options;
  options.load_truncated = (mode >> 2) & 1;
  options.read_chunk = size_t{1} << (((mode >> 3) & 7) * 2);  // 1 .. 16 KiB

  Result res = Load(file, options);
  const LoadReport& r = res.report;
  FUZZ_CHECK(Reverify(file, r) == res.records);
  if (must_be_clean) {
    FUZZ_CHECK(r.outcome == LoadOutcome::kClean);
    FUZZ_CHECK(res.records == built);
  }
  if (r.outcome == LoadOutcome::kTornTail) {
    FUZZ_CHECK(r.truncated == (r.good_size < file.size()));
    FUZZ_CHECK(res.after == file.substr(0, r.good_size));
    if (!r.corruption_cut) FUZZ_CHECK(r.problem_offset >= r.good_size);
    Result again = Load(res.after, options);
    FUZZ_CHECK(again.report.outcome == LoadOutcome::kClean);
    FUZZ_CHECK(again.records == res.records);
  } else {
    FUZZ_CHECK(res.after == file);
    FUZZ_CHECK(!r.truncated);
  }
  if (r.outcome == LoadOutcome::kClean) FUZZ_CHECK(r.good_size == file.size());
  return 0;
}
