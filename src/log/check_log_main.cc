// brisk-check-log: checks an append log (docs/log-format.md) and optionally repairs it.
// Glue only: the checking is LogLoader's.
#include <cstdio>
#include <cstring>
#include <string>

#include "log/loader.h"

namespace {

constexpr const char* kUsage =
    "Usage: brisk-check-log [--fix] FILE\n"
    "\n"
    "Reads a Brisk append log and reports its records, batches, last LSN and the first\n"
    "problem with its byte offset.\n"
    "\n"
    "  --fix     truncate the file at the end of the last complete batch before the first\n"
    "            problem (torn tail or corrupt record; everything after it is lost).\n"
    "            Non-interactive: asks nothing.\n"
    "  -h, --help  this text\n"
    "\n"
    "Exit codes:\n"
    "  0  the log is clean, or --fix repaired it\n"
    "  1  torn tail (incomplete last batch); not fixed\n"
    "  2  corrupt record before the tail; not fixed\n"
    "  3  not a Brisk log, unsupported format version or kind, or an I/O error\n"
    "  64 usage error\n";

enum Exit { kExitOk = 0, kExitTorn = 1, kExitCorrupt = 2, kExitUnusable = 3, kExitUsage = 64 };

}  // namespace

int main(int argc, char** argv) {
  bool fix = false;
  std::string path;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--fix") == 0) {
      fix = true;
    } else if (std::strcmp(argv[i], "-h") == 0 || std::strcmp(argv[i], "--help") == 0) {
      std::fputs(kUsage, stdout);
      return kExitOk;
    } else if (argv[i][0] == '-' || !path.empty()) {
      std::fputs(kUsage, stderr);
      return kExitUsage;
    } else {
      path = argv[i];
    }
  }
  if (path.empty()) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }

  brisk::applog::LoadOptions options;
  options.repair = fix;
  options.load_truncated = fix;
  brisk::applog::LogLoader loader(brisk::applog::PosixFileSystem(), options);
  brisk::applog::LoadReport r = loader.Load(path, nullptr);
  using brisk::applog::LoadOutcome;

  std::printf("file: %s (%llu bytes)\n", path.c_str(),
              static_cast<unsigned long long>(r.file_size));
  if (r.outcome != LoadOutcome::kBadHeader && r.outcome != LoadOutcome::kIoError &&
      r.file_size >= brisk::applog::kFileHeaderSize) {
    std::printf("header: version %u, base LSN %llu, created %lld ms, creator '%s'\n",
                unsigned{r.header.version}, static_cast<unsigned long long>(r.header.base_lsn),
                static_cast<long long>(r.header.created_unix_ms), r.header.creator.c_str());
  }
  std::printf(
      "records: %llu\nbatches: %llu\nlast LSN: %llu\ngood size: %llu\n",
      static_cast<unsigned long long>(r.records), static_cast<unsigned long long>(r.batches),
      static_cast<unsigned long long>(r.last_lsn), static_cast<unsigned long long>(r.good_size));
  std::printf("status: %s\n", std::string(brisk::applog::LoadOutcomeName(r.outcome)).c_str());
  if (!r.problem.empty()) {
    std::printf("first problem: offset %llu: %s\n",
                static_cast<unsigned long long>(r.problem_offset), r.problem.c_str());
  }
  std::printf("%s\n", r.message.c_str());

  switch (r.outcome) {
    case LoadOutcome::kClean:
      return kExitOk;
    case LoadOutcome::kTornTail:
      if (!fix) return r.corruption_cut ? kExitCorrupt : kExitTorn;
      return (r.truncated || r.good_size == r.file_size) ? kExitOk : kExitUnusable;
    case LoadOutcome::kCorrupt:
      return kExitCorrupt;  // header CRC: --fix will not cut it
    case LoadOutcome::kBadHeader:
    case LoadOutcome::kUnsupported:
    case LoadOutcome::kAborted:
    case LoadOutcome::kIoError:
      return kExitUnusable;
  }
  return kExitUnusable;
}
