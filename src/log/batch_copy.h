// BatchCopier: copies whole, re-checked batches of an append log's record area from one
// file to another. The log rewrite (rewriter.h) uses it to copy the records made while it
// ran (the "tail") from the live log into the compacted file, and the LogWriter uses it
// for the last few batches when it switches to that file (writer.h, RequestSwitch).
//
// Thread safety: one thread at a time per copier. The source may be appended to at the
// same time through another handle (the LogWriter's): only batches that are complete in
// what Read() returns are copied; a batch still being written is left for the next call.
// Invariants:
//   1. dst only ever receives complete batches whose every record decodes (CRC, framing,
//      kind, payload: record.h invariant 1) with an LSN strictly greater than the previous
//      record's and than min_lsn: a loader accepts everything copied.
//   2. pos() is the source offset just past the last batch copied (initially `from`), so
//      successive calls copy adjacent ranges: nothing twice, nothing skipped.
//   3. Memory: one read chunk plus the batch being checked.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "log/file_io.h"

namespace brisk::applog {

class BatchCopier {
 public:
  static constexpr uint64_t kToEnd = std::numeric_limits<uint64_t>::max();

  // src and dst must outlive the copier. Records before `from` are not looked at; the
  // first record copied must have an LSN > min_lsn.
  BatchCopier(LogFile* src, LogFile* dst, uint64_t from, uint64_t min_lsn,
              size_t read_chunk = size_t{1} << 20);

  // Copies the complete batches in [pos(), limit) (kToEnd: up to what src holds now).
  // exact: the bytes up to limit must be whole batches (the writer's own file, whose
  // size it knows), anything else is an error. Returns false with *error on an I/O error
  // or a record that fails the checks of invariant 1; pos() then stays at the last
  // batch that was copied completely.
  bool CopyUpTo(uint64_t limit, bool exact, std::string* error);

  // Also appends every byte copied to *capture (nullptr: stop). The LogWriter keeps what
  // it copies at a switch this way, to rewrite it after a failed fdatasync.
  void CaptureInto(std::string* capture) { capture_ = capture; }

  uint64_t pos() const { return pos_; }
  // LSN of the last record copied (min_lsn if none).
  uint64_t last_lsn() const { return last_lsn_; }
  uint64_t bytes_copied() const { return copied_; }

 private:
  LogFile* src_;
  LogFile* dst_;
  uint64_t pos_;
  uint64_t last_lsn_;
  uint64_t copied_ = 0;
  size_t read_chunk_;
  std::string* capture_ = nullptr;
  std::string buf_;  // source bytes [pos_, pos_ + buf_.size()) read in this call
};

}  // namespace brisk::applog
