// LogLoader: reads an append log through the I/O seam, checks it, hands complete batches
// to a replay callback, and applies the recovery rules of docs/log-format.md §5: a torn
// tail is cut back to the last complete batch; corruption in the middle is refused (or,
// with load_truncated, cut there as well).
//
// Thread safety: a LogLoader is used by one thread; it owns no shared state.
// Invariants:
//   1. on_record sees only records of batches that were read completely and checked (CRC,
//      framing, increasing LSN) before the first of them is handed over.
//   2. The file is modified only when options.repair is set, only by truncating it to
//      report.good_size (the end of a complete batch) followed by fdatasync, and never for
//      kCorrupt (without load_truncated), kBadHeader, kUnsupported, kAborted or kIoError.
//   3. Memory: one read buffer holding the current batch plus one read chunk.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "log/file_io.h"
#include "log/record.h"

namespace brisk::applog {

struct LoadOptions {
  // On corruption in the middle: cut the log at the last complete batch before it and
  // load what precedes it (reported as kTornTail with report.corruption_cut set).
  bool load_truncated = false;
  // Truncate the file as the outcome says. False: report only (brisk-check-log w/o --fix).
  bool repair = true;
  size_t read_chunk = size_t{1} << 20;
  uint64_t progress_interval_bytes = uint64_t{1} << 20;
};

enum class LoadOutcome {
  kClean,        // every batch complete
  kTornTail,     // an unfinished tail after the last complete batch (cut if repair)
  kCorrupt,      // a bad record with valid data after it: refused
  kBadHeader,    // not a Brisk log
  kUnsupported,  // newer format version, unknown must-understand kind or flag
  kAborted,      // on_record returned false
  kIoError,
};
std::string_view LoadOutcomeName(LoadOutcome outcome);

struct LoadReport {
  LoadOutcome outcome = LoadOutcome::kClean;
  FileHeader header;
  uint64_t records = 0;          // records of complete batches (all kinds)
  uint64_t batches = 0;          // complete batches
  uint64_t last_lsn = 0;         // LSN of the last record of the last complete batch (or base)
  uint64_t file_size = 0;        // before any repair
  uint64_t good_size = 0;        // end of the last complete batch
  uint64_t problem_offset = 0;   // start of the first bad record / unfinished batch
  std::string problem;           // what is wrong there ("" when clean)
  bool corruption_cut = false;   // kTornTail produced by load_truncated from a corruption
  bool truncated = false;        // the file was truncated to good_size
  uint64_t truncated_bytes = 0;  // file_size - good_size when truncated
  std::string message;           // one line for the server log

  // The loaded state is usable: clean, or a tail was (or may be) cut.
  bool ok() const { return outcome == LoadOutcome::kClean || outcome == LoadOutcome::kTornTail; }
};

class LogLoader {
 public:
  // Called for each record of a complete batch, in file order. Return false to stop
  // (kAborted), e.g. when replay fails. The views are valid during the call only.
  using RecordFn =
      std::function<bool(uint64_t lsn, int db, std::span<const std::string_view> argv)>;
  // bytes_read of total, for INFO's loading_* fields; called every progress_interval_bytes
  // and once at the end.
  using ProgressFn = std::function<void(uint64_t bytes_read, uint64_t total)>;

  explicit LogLoader(FileSystem* fs, LoadOptions options = {}) : fs_(fs), options_(options) {}

  // On kCorrupt the batches before the corruption have already been handed to on_record;
  // a caller that refuses must discard them.
  LoadReport Load(const std::string& path, const RecordFn& on_record,
                  const ProgressFn& on_progress = nullptr);

 private:
  FileSystem* fs_;
  LoadOptions options_;
};

}  // namespace brisk::applog
