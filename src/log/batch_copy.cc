#include "log/batch_copy.h"

#include <algorithm>
#include <span>

#include "log/record.h"

namespace brisk::applog {

BatchCopier::BatchCopier(LogFile* src, LogFile* dst, uint64_t from, uint64_t min_lsn,
                         size_t read_chunk)
    : src_(src), dst_(dst), pos_(from), last_lsn_(min_lsn), read_chunk_(read_chunk) {}

bool BatchCopier::CopyUpTo(uint64_t limit, bool exact, std::string* error) {
  // buf_ holds the source bytes [pos_ - done, ...): `done` of them are copied already,
  // the records up to `checked` are verified, and `batch_end` ends the last complete
  // batch among them (done <= batch_end <= checked <= buf_.size()).
  buf_.clear();
  size_t done = 0, checked = 0, batch_end = 0;
  uint64_t checked_lsn = last_lsn_;  // LSN of the last verified record
  uint64_t batch_lsn = last_lsn_;    // ...and of the last one ending a batch
  bool eof = false;
  auto fail = [&](const std::string& what) {
    *error = what + " at offset " + std::to_string(pos_ + (checked - done));
    buf_.clear();
    return false;
  };
  while (!eof) {
    // Read the next chunk after what is buffered.
    uint64_t at = pos_ + (buf_.size() - done);
    if (at >= limit) {
      eof = true;
    } else {
      size_t want = size_t(std::min<uint64_t>(read_chunk_, limit - at));
      size_t old = buf_.size();
      buf_.resize(old + want);
      size_t got = 0;
      if (IoStatus s = src_->Read(at, buf_.data() + old, want, &got); !s.ok()) {
        buf_.clear();
        *error = s.what;
        return false;
      }
      buf_.resize(old + got);
      if (got < want) eof = true;  // the end of what the source holds now
    }
    // Verify the records that are complete.
    for (;;) {
      DecodedRecord rec;
      std::span<const char> rest(buf_.data() + checked, buf_.size() - checked);
      DecodeResult r = DecodeRecord(rest, &rec, nullptr);
      if (r.status == DecodeStatus::kIncomplete) break;
      if (r.status == DecodeStatus::kCorrupt) {
        return fail("bad record (" + std::string(CorruptReasonName(r.reason)) + ")");
      }
      if (rec.lsn <= checked_lsn) {
        return fail("record LSN " + std::to_string(rec.lsn) + " not above " +
                    std::to_string(checked_lsn));
      }
      if ((rec.flags & kFlagsMustUnderstand) != 0 ||
          (rec.kind != kKindEffect && !IsIgnorableKind(rec.kind))) {
        return fail("record of an unsupported kind or flags");
      }
      checked_lsn = rec.lsn;
      checked += rec.size;
      if (rec.flags & kFlagEndOfBatch) {
        batch_end = checked;
        batch_lsn = rec.lsn;
      }
    }
    // Copy the complete batches in one write, then drop them from the buffer.
    if (batch_end > done) {
      std::string_view whole(buf_.data() + done, batch_end - done);
      if (IoStatus s = WriteAll(dst_, whole); !s.ok()) {
        buf_.clear();
        *error = s.what;
        return false;
      }
      if (capture_ != nullptr) capture_->append(whole);
      pos_ += whole.size();
      copied_ += whole.size();
      last_lsn_ = batch_lsn;
      done = batch_end;
    }
    if (done > 0) {
      buf_.erase(0, done);
      checked -= done;
      batch_end -= done;
      done = 0;
    }
  }
  bool whole = buf_.empty();
  buf_.clear();
  if (exact && (!whole || (limit != kToEnd && pos_ != limit))) {
    *error = "the log does not end with a whole batch at offset " + std::to_string(limit) +
             " (copied up to " + std::to_string(pos_) + ")";
    return false;
  }
  return true;
}

}  // namespace brisk::applog
