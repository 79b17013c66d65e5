#include "log/writer.h"

#include <strings.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <limits>

#include "common/clock.h"
#include "log/batch_copy.h"
#include "log/record.h"

namespace brisk::applog {

namespace {
constexpr size_t kKeepBufBytes = size_t{16} << 20;  // larger buffers are freed when empty
constexpr int64_t kNoDeadline = std::numeric_limits<int64_t>::max();
}  // namespace

bool ParseFsyncPolicy(std::string_view name, FsyncPolicy* out) {
  auto is = [&](const char* s) {
    return name.size() == strlen(s) && strncasecmp(name.data(), s, name.size()) == 0;
  };
  if (is("always"))
    *out = FsyncPolicy::kAlways;
  else if (is("everysec"))
    *out = FsyncPolicy::kEverySec;
  else if (is("no"))
    *out = FsyncPolicy::kNo;
  else
    return false;
  return true;
}

std::string_view FsyncPolicyName(FsyncPolicy policy) {
  switch (policy) {
    case FsyncPolicy::kAlways:
      return "always";
    case FsyncPolicy::kEverySec:
      return "everysec";
    case FsyncPolicy::kNo:
      return "no";
  }
  return "?";
}

IoStatus LogWriter::Open(FileSystem* fs, const std::string& path, LogWriterOptions options,
                         LogWriterCallbacks callbacks, uint64_t last_lsn,
                         std::unique_ptr<LogWriter>* out) {
  std::unique_ptr<LogFile> file;
  if (IoStatus s = fs->Open(path, OpenMode::kAppend, &file); !s.ok()) return s;
  uint64_t size = 0;
  if (IoStatus s = file->Size(&size); !s.ok()) return s;
  if (size == 0) {
    // The header must be durable before any record can be acknowledged: a torn header
    // then always means "nothing was ever acknowledged" (docs/log-format.md §1).
    FileHeader header;
    header.base_lsn = options.base_lsn;
    header.created_unix_ms = clock::UnixMs();
    header.creator = options.creator;
    std::string bytes;
    EncodeFileHeader(header, &bytes);
    if (IoStatus s = WriteAll(file.get(), bytes); !s.ok()) return s;
    if (IoStatus s = file->Fdatasync(); !s.ok()) return s;
    if (IoStatus s = fs->SyncDir(DirName(path)); !s.ok()) return s;
    size = bytes.size();
  } else if (size < kFileHeaderSize) {
    return IoStatus::Error(EINVAL, "open", path + " (torn header: load the log first)");
  }
  out->reset(
      new LogWriter(fs, std::move(options), std::move(callbacks), std::move(file), size, last_lsn));
  return IoStatus::Ok();
}

LogWriter::LogWriter(FileSystem* fs, LogWriterOptions options, LogWriterCallbacks callbacks,
                     std::unique_ptr<LogFile> file, uint64_t size, uint64_t last_lsn)
    : fs_(fs),
      options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      file_(std::move(file)),
      good_size_(size),
      synced_size_(size),
      last_sync_us_(clock::MonotonicUs()),
      durable_lsn_(last_lsn),
      synced_lsn_(last_lsn),
      written_lsn_(last_lsn) {
  thread_ = std::thread([this] { Run(); });
}

LogWriter::~LogWriter() {
  (void)Shutdown();
}

void LogWriter::Append(std::string_view encoded_batches, uint64_t last_lsn) {
  bool wake;
  {
    std::lock_guard lock(mu_);
    inbox_.append(encoded_batches);
    inbox_last_lsn_ = last_lsn;
    queued_bytes_.store(inbox_.size(), std::memory_order_relaxed);
    wake = sleep_ == Sleep::kIdle ||
           (sleep_ == Sleep::kNapping && inbox_.size() >= options_.inbox_wake_bytes);
  }
  if (wake) cv_.notify_one();
}

void LogWriter::RequestSwitch(LogSwitch sw, std::function<void(LogSwitchResult)> on_done) {
  auto p = std::make_unique<PendingSwitch>();
  p->sw = std::move(sw);
  p->on_done = std::move(on_done);
  {
    std::lock_guard lock(mu_);
    switch_request_ = std::move(p);
  }
  cv_.notify_one();
}

std::string LogWriter::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

IoStatus LogWriter::Shutdown() {
  if (!joined_) {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
    joined_ = true;
  }
  std::lock_guard lock(mu_);
  return final_status_;
}

int64_t LogWriter::NextDeadlineUs() const {
  if (error_) return next_retry_us_;
  if (options_.policy == FsyncPolicy::kEverySec &&
      (good_size_ > synced_size_ || !lazy_dir_sync_.empty())) {
    return last_sync_us_ + options_.everysec_interval_us;
  }
  return kNoDeadline;
}

uint64_t LogWriter::CountBatchEnds(std::string_view bytes) {
  uint64_t ends = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  for (size_t off = 0; off + kRecordHeaderSize <= bytes.size();) {
    uint32_t len = uint32_t(p[off + 4]) | uint32_t(p[off + 5]) << 8 | uint32_t(p[off + 6]) << 16 |
                   uint32_t(p[off + 7]) << 24;
    if (p[off + 17] & kFlagEndOfBatch) ++ends;
    off += kRecordHeaderSize + len;
  }
  return ends;
}

void LogWriter::GatherGroup(std::unique_lock<std::mutex>& lock) {
  // The clients whose replies the last fdatasync released send their next writes within
  // a loop round trip; closing the group before they are back would split the clients into
  // two groups that alternate, each getting one fdatasync out of two.
  while (!stop_ && switch_request_ == nullptr) {
    if (gather_seen_ < inbox_.size()) {
      gather_arrived_ += CountBatchEnds(std::string_view(inbox_).substr(gather_seen_));
      gather_seen_ = inbox_.size();
    }
    if (gather_arrived_ >= synced_batches_) break;
    int64_t now = clock::MonotonicUs();
    if (now >= gather_until_us_) break;
    sleep_ = Sleep::kIdle;
    cv_.wait_for(lock, std::chrono::microseconds(gather_until_us_ - now));
    sleep_ = Sleep::kAwake;
  }
  gather_ = false;
}

void LogWriter::Run() {
  for (;;) {
    bool stopping;
    {
      std::unique_lock lock(mu_);
      // kEverySec / kNo: after a write, nap so that what arrives meanwhile is written
      // together (see "Hand-off" in the header).
      bool nap = nap_ && options_.write_delay_us > 0;
      nap_ = false;
      int64_t nap_until = nap ? clock::MonotonicUs() + options_.write_delay_us : 0;
      for (;;) {
        if (stop_ || switch_request_ != nullptr) break;
        int64_t now = clock::MonotonicUs();
        if (nap && (now >= nap_until || inbox_.size() >= options_.inbox_wake_bytes)) nap = false;
        if (!inbox_.empty() && !error_ && !nap) break;
        int64_t deadline = NextDeadlineUs();
        if (deadline != kNoDeadline && now >= deadline) break;
        if (nap) deadline = std::min(deadline, nap_until);
        sleep_ = nap ? Sleep::kNapping : Sleep::kIdle;
        if (deadline == kNoDeadline) {
          cv_.wait(lock);
        } else {
          cv_.wait_for(lock, std::chrono::microseconds(deadline - now));
        }
        sleep_ = Sleep::kAwake;
      }
      if (gather_ && !error_) GatherGroup(lock);
      // Everything queued so far forms one group: one write, one fdatasync.
      if (!inbox_.empty()) {
        // Copied, not swapped: the inbox keeps its own capacity, so Append() stops
        // allocating once it has held the largest group (writer-side buffers may swap).
        pending_ += inbox_;
        inbox_.clear();
        if (inbox_.capacity() > kKeepBufBytes) inbox_ = std::string();
        pending_last_lsn_ = inbox_last_lsn_;
      }
      queued_bytes_.store(0, std::memory_order_relaxed);
      if (switch_request_ != nullptr) switch_ = std::move(switch_request_);
      stopping = stop_;
    }
    if (!stopping) {
      (void)Step(false);
      continue;
    }
    bool ok = Step(true);
    IoStatus closed = file_->Close();
    if (closer_.joinable()) closer_.join();
    std::lock_guard lock(mu_);
    if (!ok) {
      final_status_.err = EIO;
      final_status_.what = last_error_;
    } else {
      final_status_ = std::move(closed);
    }
    return;
  }
}

bool LogWriter::Step(bool final) {
  if (switch_ != nullptr && (final || error_)) {
    FailSwitch(final ? "the log is being closed" : "the log has a write error");
  }
  if (error_) {
    if (!final && clock::MonotonicUs() < next_retry_us_) return false;
    if (!dir_to_sync_.empty()) {
      // A switch renamed the new file over the log but could not make that durable:
      // nothing written since may be reported before the directory fsync succeeds.
      if (IoStatus s = fs_->SyncDir(dir_to_sync_); !s.ok()) {
        EnterError(s, truncate_to_);
        return false;
      }
      dir_to_sync_.clear();
      if (synced_size_ == good_size_) ReportSynced();
    }
    if (IoStatus s = file_->Truncate(truncate_to_); !s.ok()) {
      EnterError(s, truncate_to_);
      return false;
    }
    good_size_ = truncate_to_;
    error_ = false;
  }
  if (!pending_.empty() && !WritePending()) return false;
  if (switch_ != nullptr && !DoSwitch()) return false;
  bool unsynced = good_size_ > synced_size_ || !lazy_dir_sync_.empty();
  bool want_sync = false;
  switch (options_.policy) {
    case FsyncPolicy::kAlways:
      want_sync = unsynced;
      break;
    case FsyncPolicy::kEverySec:
      want_sync = unsynced && (force_sync_ || clock::MonotonicUs() - last_sync_us_ >=
                                                  options_.everysec_interval_us);
      break;
    case FsyncPolicy::kNo:
      break;
  }
  if (final) want_sync = unsynced || force_sync_;
  if (want_sync && !Sync()) return false;
  if (!healthy_.load(std::memory_order_acquire)) {
    healthy_.store(true, std::memory_order_release);
    if (callbacks_.on_recovered) callbacks_.on_recovered();
  }
  return true;
}

bool LogWriter::WritePending() {
  if (IoStatus s = WriteAll(file_.get(), pending_); !s.ok()) {
    nap_ = false;
    EnterError(s, good_size_);
    return false;
  }
  good_size_ += pending_.size();
  nap_ = options_.policy != FsyncPolicy::kAlways;
  if (options_.policy == FsyncPolicy::kAlways) unsynced_batches_ += CountBatchEnds(pending_);
  uint64_t last = pending_last_lsn_;
  if (options_.policy != FsyncPolicy::kNo) {
    // Retained until an fdatasync covers them (fsyncgate: see the header).
    if (unsynced_.empty()) {
      unsynced_.swap(pending_);
    } else {
      unsynced_ += pending_;
    }
    unsynced_last_lsn_ = last;
  }
  pending_.clear();
  if (pending_.capacity() > kKeepBufBytes) pending_ = std::string();
  if (last > written_lsn_.load(std::memory_order_relaxed)) {
    written_lsn_.store(last, std::memory_order_release);
  }
  if (options_.policy != FsyncPolicy::kAlways && last > durable_lsn()) {
    durable_lsn_.store(last, std::memory_order_release);
    if (callbacks_.on_durable) callbacks_.on_durable(last);
  }
  return true;
}

bool LogWriter::Sync() {
  int64_t start = clock::MonotonicUs();
  fsync_since_us_.store(start, std::memory_order_release);
  IoStatus s = file_->Fdatasync();
  fsync_since_us_.store(0, std::memory_order_release);
  fsync_count_.fetch_add(1, std::memory_order_relaxed);
  if (options_.policy != FsyncPolicy::kAlways && callbacks_.on_synced) callbacks_.on_synced();
  last_sync_us_ = start;
  if (!s.ok()) {
    if (options_.policy == FsyncPolicy::kNo) {
      EnterError(s, good_size_);  // nothing retained to rewrite: keep what was written
      return false;
    }
    // The kernel may have dropped the dirty pages: rewrite everything since the last good
    // fdatasync, in order, ahead of anything newer.
    if (!unsynced_.empty()) {
      if (pending_.empty()) pending_last_lsn_ = unsynced_last_lsn_;
      unsynced_ += pending_;
      pending_.swap(unsynced_);
      unsynced_.clear();
    }
    force_sync_ = true;
    unsynced_batches_ = 0;  // counted again when they are rewritten
    EnterError(s, synced_size_);
    return false;
  }
  synced_size_ = good_size_;
  unsynced_.clear();
  if (unsynced_.capacity() > kKeepBufBytes) unsynced_ = std::string();
  force_sync_ = false;
  if (options_.policy == FsyncPolicy::kAlways && options_.group_wait_max_us > 0) {
    int64_t now = clock::MonotonicUs();
    synced_batches_ = unsynced_batches_;
    gather_ = synced_batches_ > 0;
    gather_until_us_ = now + std::min(options_.group_wait_max_us, now - start);
    gather_arrived_ = 0;
    // What is queued now was queued while the fdatasync ran: not an arrival. (Before
    // ReportSynced: the writers it releases may append at once.)
    std::lock_guard lock(mu_);
    gather_seen_ = inbox_.size();
  }
  unsynced_batches_ = 0;
  if (!lazy_dir_sync_.empty()) {
    // A switch renamed the log (kEverySec / kNo): the name becomes durable now.
    std::string dir = std::move(lazy_dir_sync_);
    lazy_dir_sync_.clear();
    if (IoStatus d = fs_->SyncDir(dir); !d.ok()) {
      dir_to_sync_ = dir;
      EnterError(d, good_size_);
      return false;
    }
  }
  ReportSynced();
  return true;
}

void LogWriter::ReportSynced() {
  uint64_t written = written_lsn_.load(std::memory_order_relaxed);
  synced_lsn_.store(written, std::memory_order_release);
  if (options_.policy == FsyncPolicy::kAlways && written > durable_lsn()) {
    durable_lsn_.store(written, std::memory_order_release);
    if (callbacks_.on_durable) callbacks_.on_durable(written);
  }
}

void LogWriter::FailSwitch(std::string why) {
  std::unique_ptr<PendingSwitch> p = std::move(switch_);
  if (p->sw.file != nullptr) (void)p->sw.file->Close();
  (void)fs_->Remove(p->sw.temp_path);
  LogSwitchResult result;
  result.error = std::move(why);
  result.old_size = good_size_;
  p->on_done(std::move(result));
}

bool LogWriter::DoSwitch() {
  LogSwitch& sw = switch_->sw;
  // 1. The batches written since the rewrite's last copy (the end of the file is the end
  //    of a batch: pending_ was just written), re-checked as they are copied.
  if (sw.copied_to > good_size_) {
    FailSwitch("the rewrite copied past the end of the log (" + std::to_string(sw.copied_to) +
               " > " + std::to_string(good_size_) + ")");
    return true;
  }
  bool strict = options_.policy == FsyncPolicy::kAlways;
  uint64_t synced_part = 0;  // what the rewrite thread wrote and fdatasync'ed
  if (IoStatus s = sw.file->Size(&synced_part); !s.ok()) {
    FailSwitch(s.what);
    return true;
  }
  BatchCopier copier(file_.get(), sw.file.get(), sw.copied_to, sw.last_lsn);
  std::string copied;  // kEverySec: retained until an fdatasync covers it
  if (options_.policy == FsyncPolicy::kEverySec) copier.CaptureInto(&copied);
  std::string error;
  if (!copier.CopyUpTo(good_size_, /*exact=*/true, &error)) {
    FailSwitch("copying the last records into the rewritten log: " + error);
    return true;
  }
  // 2. kAlways: the new file must be durable before its name replaces the log's.
  uint64_t new_size = 0;
  if (strict) {
    if (IoStatus s = sw.file->Fdatasync(); !s.ok()) {
      FailSwitch(s.what);
      return true;
    }
  }
  if (IoStatus s = sw.file->Size(&new_size); !s.ok()) {
    FailSwitch(s.what);
    return true;
  }
  if (IoStatus s = fs_->Rename(sw.temp_path, sw.target_path); !s.ok()) {
    FailSwitch(s.what);
    return true;
  }
  // 3. The log's name is the new file now: continue on it whatever happens next.
  std::unique_ptr<PendingSwitch> p = std::move(switch_);
  std::unique_ptr<LogFile> old = std::move(file_);
  LogSwitchResult result;
  result.switched = true;
  result.old_size = good_size_;
  result.new_size = new_size;
  file_ = std::move(p->sw.file);
  // The old file's name is gone: closing it frees its blocks, which takes a while for a
  // large log (~10 ms on ext4). A helper thread does it so that no batch waits (Redis
  // closes the old AOF in a bio thread for the same reason).
  if (closer_.joinable()) closer_.join();
  closer_ = std::thread([f = std::move(old)] { (void)f->Close(); });
  good_size_ = new_size;
  unsynced_.clear();  // every one of them is in the new file...
  if (!p->sw.remove_after.empty()) {
    if (IoStatus s = fs_->Remove(p->sw.remove_after); !s.ok()) result.error = s.what;
  }
  std::string dir = DirName(p->sw.target_path);
  if (!strict) {
    // ...fdatasync'ed up to synced_part; the rest (the batches copied here) is retained
    // like any unsynced batch and synced, with the directory, by the next fdatasync.
    synced_size_ = synced_part;
    if (!copied.empty()) {
      unsynced_ = std::move(copied);
      unsynced_last_lsn_ = copier.last_lsn();
    }
    lazy_dir_sync_ = dir;
    p->on_done(std::move(result));
    return true;
  }
  synced_size_ = new_size;  // ...and fdatasync'ed
  force_sync_ = false;
  unsynced_batches_ = 0;
  last_sync_us_ = clock::MonotonicUs();
  if (IoStatus s = fs_->SyncDir(dir); !s.ok()) {
    result.error = s.what + " (retried; nothing is reported durable until it succeeds)";
    p->on_done(std::move(result));
    dir_to_sync_ = dir;
    EnterError(s, good_size_);
    return false;
  }
  p->on_done(std::move(result));
  ReportSynced();
  return true;
}

void LogWriter::EnterError(const IoStatus& status, uint64_t truncate_to) {
  error_ = true;
  truncate_to_ = truncate_to;
  good_size_ = std::min(good_size_, truncate_to);
  next_retry_us_ = clock::MonotonicUs() + options_.retry_interval_us;
  // Best effort now, so that a crash during the episode leaves only whole batches; the
  // retry truncates again before writing.
  (void)file_->Truncate(truncate_to);
  {
    std::lock_guard lock(mu_);
    last_error_ = status.what;
  }
  last_errno_.store(status.err, std::memory_order_release);
  if (healthy_.exchange(false, std::memory_order_acq_rel) && callbacks_.on_error) {
    callbacks_.on_error(status.what);
  }
}

bool EverysecGate::ShouldPostpone(int64_t fsync_since_us, int64_t now_us) {
  if (fsync_since_us == 0) {
    postponed_since_us_ = 0;
    return false;
  }
  if (postponed_since_us_ == 0) {
    postponed_since_us_ = now_us;
    return true;
  }
  if (now_us - postponed_since_us_ < kMaxPostponeUs) return true;
  ++delayed_fsync_;
  postponed_since_us_ = 0;
  return false;
}

}  // namespace brisk::applog
