#include "log/loader.h"

#include <algorithm>
#include <cerrno>
#include <memory>
#include <utility>
#include <vector>

namespace brisk::applog {

std::string_view LoadOutcomeName(LoadOutcome outcome) {
  switch (outcome) {
    case LoadOutcome::kClean:
      return "clean";
    case LoadOutcome::kTornTail:
      return "torn tail";
    case LoadOutcome::kCorrupt:
      return "corrupt";
    case LoadOutcome::kBadHeader:
      return "bad header";
    case LoadOutcome::kUnsupported:
      return "unsupported";
    case LoadOutcome::kAborted:
      return "aborted";
    case LoadOutcome::kIoError:
      return "I/O error";
  }
  return "?";
}

namespace {

// A record of the batch being read; its argument views are kept as file offsets because
// the read buffer may move while the rest of the batch is read.
struct PendingRecord {
  uint64_t lsn;
  uint16_t db;
  uint8_t kind;
  size_t first_arg;
  size_t arg_count;
};

struct ArgRef {
  uint64_t offset;
  uint32_t len;
};

class LoadRun {
 public:
  LoadRun(LogFile* file, uint64_t size, const LoadOptions& options, LoadReport* report)
      : file_(file), size_(size), options_(options), report_(report) {}

  // The whole load after the file is open; fills report_ except truncation/message.
  void Run(const LogLoader::RecordFn& on_record, const LogLoader::ProgressFn& on_progress);

 private:
  // Makes buf_ cover [keep_from, end) (end <= size_); bytes before keep_from may go.
  bool Ensure(uint64_t keep_from, uint64_t end);
  std::span<const char> At(uint64_t offset) const {
    return {buf_.data() + (offset - buf_off_), buf_off_ + buf_.size() - offset};
  }
  bool ReadHeader();
  bool AllZero(uint64_t from);
  // Decodes the record at offset, reading more as needed. kIncomplete only if it runs
  // past end of file.
  DecodeResult DecodeAt(uint64_t offset, uint64_t keep_from, DecodedRecord* rec,
                        std::vector<std::string_view>* argv);
  // Is there a valid record with LSN > after_lsn starting in (offset, end of file)?
  bool ValidRecordFollows(uint64_t offset, uint64_t after_lsn);
  void Fail(uint64_t offset, std::string problem, bool scan, uint64_t last_lsn);
  bool Yield(const LogLoader::RecordFn& on_record);
  void IoFail() {
    report_->outcome = LoadOutcome::kIoError;
    report_->problem = io_.ok() ? "read failed" : io_.what;
  }

  LogFile* file_;
  const uint64_t size_;
  const LoadOptions& options_;
  LoadReport* report_;
  IoStatus io_;

  std::string buf_;
  uint64_t buf_off_ = 0;  // file offset of buf_[0]

  std::vector<PendingRecord> batch_;
  std::vector<ArgRef> args_;
  std::vector<std::string_view> scratch_;
  std::vector<std::string_view> argv_;
};

bool LoadRun::Ensure(uint64_t keep_from, uint64_t end) {
  if (end <= buf_off_ + buf_.size() && keep_from >= buf_off_) return true;
  if (keep_from > buf_off_) {
    size_t drop = static_cast<size_t>(std::min<uint64_t>(keep_from - buf_off_, buf_.size()));
    buf_.erase(0, drop);
    buf_off_ = buf_.empty() ? keep_from : buf_off_ + drop;
  }
  uint64_t have = buf_off_ + buf_.size();
  if (end <= have) return true;
  uint64_t target = std::min<uint64_t>(size_, std::max<uint64_t>(end, have + options_.read_chunk));
  size_t want = static_cast<size_t>(target - have);
  size_t old = buf_.size();
  buf_.resize(old + want);
  size_t got = 0;
  io_ = file_->Read(have, buf_.data() + old, want, &got);
  buf_.resize(old + got);
  if (!io_.ok()) return false;
  if (got < want) {
    io_ = IoStatus::Error(EIO, "read", "(file shrank while loading)");
    return false;
  }
  return true;
}

bool LoadRun::AllZero(uint64_t from) {
  for (uint64_t off = from; off < size_;) {
    if (!Ensure(off, std::min<uint64_t>(size_, off + options_.read_chunk))) return false;
    std::span<const char> s = At(off);
    if (std::any_of(s.begin(), s.end(), [](char c) { return c != 0; })) return false;
    off += s.size();
  }
  return true;
}

bool LoadRun::ReadHeader() {
  LoadReport& r = *report_;
  if (!Ensure(0, std::min<uint64_t>(size_, kFileHeaderSize))) return IoFail(), false;
  HeaderStatus hs = DecodeFileHeader(At(0), &r.header);
  if (hs == HeaderStatus::kIncomplete && size_ >= kFileHeaderSize) {
    // A header larger than v1's: read all of it (bounded by the file).
    uint64_t want = 0;
    const char* p = buf_.data();
    for (int i = 3; i >= 0; --i) want = (want << 8) | static_cast<uint8_t>(p[12 + i]);
    if (want > size_) {
      hs = HeaderStatus::kIncomplete;
    } else {
      if (!Ensure(0, want)) return IoFail(), false;
      hs = DecodeFileHeader(At(0), &r.header);
    }
  }
  switch (hs) {
    case HeaderStatus::kOk:
      return true;
    case HeaderStatus::kIncomplete:
      r.outcome = LoadOutcome::kTornTail;
      r.problem = "incomplete file header";
      return false;
    case HeaderStatus::kBadMagic:
      if (AllZero(0)) {
        r.outcome = LoadOutcome::kTornTail;
        r.problem = "zero-filled file header";
      } else if (!io_.ok()) {
        IoFail();
      } else {
        r.outcome = LoadOutcome::kBadHeader;
        r.problem = "not a Brisk append log (bad magic)";
      }
      return false;
    case HeaderStatus::kCorrupt:
      r.outcome = LoadOutcome::kCorrupt;
      r.problem = "file header CRC mismatch";
      return false;
    case HeaderStatus::kUnsupported:
      r.outcome = LoadOutcome::kUnsupported;
      r.problem = "format version " + std::to_string(r.header.version) + " flags " +
                  std::to_string(r.header.flags) + " (this build reads version " +
                  std::to_string(kFormatVersion) + ")";
      return false;
  }
  return false;
}

DecodeResult LoadRun::DecodeAt(uint64_t offset, uint64_t keep_from, DecodedRecord* rec,
                               std::vector<std::string_view>* argv) {
  uint64_t want = std::min<uint64_t>(size_, offset + kRecordHeaderSize);
  for (;;) {
    if (!Ensure(keep_from, want)) return {DecodeStatus::kCorrupt, CorruptReason::kNone, 0};
    DecodeResult d = DecodeRecord(At(offset), rec, argv);
    if (d.status != DecodeStatus::kIncomplete || offset + d.needed > size_ ||
        offset + d.needed <= buf_off_ + buf_.size()) {
      return d;
    }
    want = offset + d.needed;
  }
}

bool LoadRun::ValidRecordFollows(uint64_t offset, uint64_t after_lsn) {
  DecodedRecord rec;
  for (uint64_t q = offset + 1; q + kRecordHeaderSize <= size_; ++q) {
    DecodeResult d = DecodeAt(q, q, &rec, nullptr);
    if (!io_.ok()) return false;
    if (d.status == DecodeStatus::kOk && rec.lsn > after_lsn) return true;
  }
  return false;
}

void LoadRun::Fail(uint64_t offset, std::string problem, bool scan, uint64_t last_lsn) {
  LoadReport& r = *report_;
  r.problem_offset = offset;
  r.problem = std::move(problem);
  bool corrupt = !scan || ValidRecordFollows(offset, last_lsn);
  if (!io_.ok()) return IoFail();
  if (!corrupt) {
    r.outcome = LoadOutcome::kTornTail;
  } else if (options_.load_truncated) {
    r.outcome = LoadOutcome::kTornTail;
    r.corruption_cut = true;
  } else {
    r.outcome = LoadOutcome::kCorrupt;
  }
}

bool LoadRun::Yield(const LogLoader::RecordFn& on_record) {
  for (const PendingRecord& p : batch_) {
    if (p.kind != kKindEffect) continue;  // ignorable kinds: checked, not replayed
    argv_.clear();
    for (size_t i = 0; i < p.arg_count; ++i) {
      const ArgRef& a = args_[p.first_arg + i];
      argv_.emplace_back(buf_.data() + (a.offset - buf_off_), a.len);
    }
    if (on_record && !on_record(p.lsn, p.db, argv_)) return false;
  }
  return true;
}

void LoadRun::Run(const LogLoader::RecordFn& on_record, const LogLoader::ProgressFn& on_progress) {
  LoadReport& r = *report_;
  if (size_ == 0) {  // never written: nothing to load, the writer will add a header
    if (on_progress) on_progress(0, 0);
    return;
  }
  if (!ReadHeader()) return;
  uint64_t pos = r.header.header_size;
  uint64_t batch_start = pos;
  uint64_t last_lsn = r.header.base_lsn;  // of the last record read, complete batch or not
  r.last_lsn = last_lsn;
  r.good_size = pos;
  uint64_t next_progress = options_.progress_interval_bytes;
  while (pos < size_) {
    DecodedRecord rec;
    scratch_.clear();
    DecodeResult d = DecodeAt(pos, batch_start, &rec, &scratch_);
    if (!io_.ok()) return IoFail();
    if (d.status == DecodeStatus::kIncomplete) {
      return Fail(pos,
                  d.needed == kRecordHeaderSize ? "short record header at end of file"
                                                : "record runs past end of file",
                  true, last_lsn);
    }
    if (d.status == DecodeStatus::kCorrupt) {
      return Fail(pos, std::string(CorruptReasonName(d.reason)), true, last_lsn);
    }
    if (rec.lsn <= last_lsn) {
      return Fail(pos,
                  "LSN " + std::to_string(rec.lsn) + " does not follow " + std::to_string(last_lsn),
                  false, last_lsn);
    }
    if ((rec.kind != kKindEffect && !IsIgnorableKind(rec.kind)) ||
        (rec.flags & kFlagsMustUnderstand) != 0) {
      r.outcome = LoadOutcome::kUnsupported;
      r.problem_offset = pos;
      r.problem = "record kind " + std::to_string(rec.kind) + " flags " +
                  std::to_string(rec.flags) + " is not understood by this build";
      return;
    }
    batch_.push_back({rec.lsn, rec.db, rec.kind, args_.size(), scratch_.size()});
    for (std::string_view a : scratch_) {
      args_.push_back({buf_off_ + static_cast<uint64_t>(a.data() - buf_.data()),
                       static_cast<uint32_t>(a.size())});
    }
    last_lsn = rec.lsn;
    pos += rec.size;
    if ((rec.flags & kFlagEndOfBatch) == 0) continue;
    if (!Yield(on_record)) {
      r.outcome = LoadOutcome::kAborted;
      r.problem_offset = batch_start;
      r.problem = "replay stopped at LSN " + std::to_string(batch_.front().lsn);
      return;
    }
    r.records += batch_.size();
    r.batches++;
    r.last_lsn = last_lsn;
    r.good_size = pos;
    batch_start = pos;
    batch_.clear();
    args_.clear();
    if (on_progress && pos >= next_progress) {
      on_progress(pos, size_);
      next_progress = pos + options_.progress_interval_bytes;
    }
  }
  if (!batch_.empty()) {
    r.outcome = LoadOutcome::kTornTail;
    r.problem_offset = batch_start;
    r.problem = "unfinished batch at end of file";
  }
  if (on_progress) on_progress(size_, size_);
}

std::string Describe(const std::string& path, const LoadReport& r) {
  std::string m = "Append log " + path + ": ";
  auto at = [&] {
    return " at offset " + std::to_string(r.problem_offset) + " (" + r.problem + ")";
  };
  std::string counts = std::to_string(r.batches) + " batches, " + std::to_string(r.records) +
                       " records, last LSN " + std::to_string(r.last_lsn);
  switch (r.outcome) {
    case LoadOutcome::kClean:
      return m + "clean; " + counts;
    case LoadOutcome::kTornTail: {
      m += r.corruption_cut ? "corrupt" + at() + ", cut there because load-truncated is set"
                            : "torn tail" + at();
      uint64_t cut = r.file_size - r.good_size;
      if (r.truncated) {
        m += "; truncated " + std::to_string(cut) + " bytes to offset " +
             std::to_string(r.good_size);
      } else {
        m += "; " + std::to_string(cut) + " bytes after offset " + std::to_string(r.good_size) +
             " would be cut";
      }
      return m + "; loaded " + counts;
    }
    case LoadOutcome::kCorrupt:
      return m + "corrupt" + at() + " with valid records after it; refusing to load (" + counts +
             " before it). Cutting it at offset " + std::to_string(r.good_size) + " would lose " +
             std::to_string(r.file_size - r.good_size) + " bytes";
    case LoadOutcome::kBadHeader:
    case LoadOutcome::kUnsupported:
    case LoadOutcome::kAborted:
      return m + std::string(LoadOutcomeName(r.outcome)) + at();
    case LoadOutcome::kIoError:
      return m + "I/O error: " + r.problem;
  }
  return m;
}

}  // namespace

LoadReport LogLoader::Load(const std::string& path, const RecordFn& on_record,
                           const ProgressFn& on_progress) {
  LoadReport r;
  std::unique_ptr<LogFile> file;
  IoStatus s = fs_->Open(path, options_.repair ? OpenMode::kReadWrite : OpenMode::kRead, &file);
  if (s.ok()) s = file->Size(&r.file_size);
  if (!s.ok()) {
    r.outcome = LoadOutcome::kIoError;
    r.problem = s.what;
    r.message = Describe(path, r);
    return r;
  }
  {
    LoadRun run(file.get(), r.file_size, options_, &r);
    run.Run(on_record, on_progress);
  }
  if (r.outcome == LoadOutcome::kIoError && r.problem.empty()) r.problem = "read failed";
  if (r.outcome == LoadOutcome::kTornTail && options_.repair && r.good_size < r.file_size) {
    s = file->Truncate(r.good_size);
    if (s.ok()) s = file->Fdatasync();
    if (s.ok()) {
      r.truncated = true;
      r.truncated_bytes = r.file_size - r.good_size;
    } else {
      r.outcome = LoadOutcome::kIoError;
      r.problem = s.what;
    }
  }
  (void)file->Close();
  r.message = Describe(path, r);
  return r;
}

}  // namespace brisk::applog
