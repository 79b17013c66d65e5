// LogWriter: owns the append-log file on its own thread. The loop encodes each batch
// (record.h) and hands it over with Append(); it never calls write(2) or fdatasync itself.
// The writer writes batches in order, fsyncs them per policy and reports progress through
// callbacks that run ON THE WRITER THREAD (the server wraps them in uv_async_send).
//
// Policies (Redis's appendfsync):
//   kAlways   a batch is reported durable only after an fdatasync that covers it returned
//             OK. Batches that queue while one fdatasync runs are written together and
//             share the next fdatasync (group commit). That group is gathered: after an
//             fdatasync that covered C batches (each END_OF_BATCH record is one), the
//             writer waits until C batches were appended after it returned (the clients
//             it released are back) or min(group_wait_max_us, its duration) passed, so
//             that clients released together stay in one group instead of splitting into
//             two that alternate (measured: ~24 vs ~40 SETs per fdatasync, 50 clients).
//   kEverySec written batches are reported at once (on_durable after their write(2); the
//             server replies without waiting even for that: persistence.h); fdatasync runs
//             on the writer thread at most once per everysec_interval_us when something is
//             unsynced.
//   kNo       written batches are reported at once; fdatasync only at Shutdown().
//
// Hand-off (cheap by design: the loop appends every turn). Append() copies the bytes into
// one inbox buffer under mu_ and signals the writer only if it sleeps with nothing to do
// (idle). kEverySec / kNo: after a pass that wrote something the writer naps for
// write_delay_us, during which Append() does not signal it (unless inbox_wake_bytes are
// queued), and then writes everything that arrived in one write(2): under a steady load the
// loop makes no wake-up syscall at all and the writer wakes once per write_delay_us.
// kAlways signals whenever the writer waits (the group commit is latency-bound). The
// inbox keeps its capacity (the writer copies its bytes out), and the batches being
// written and the retained unsynced ones are two writer-side buffers that swap, so a
// steady load allocates nothing.
//
// Failures: a failed write (EIO, ENOSPC, short write that stops making progress) or
// fdatasync calls on_error once per episode, keeps the affected batches (nothing is
// dropped), and retries every retry_interval_us. Before every retry the file is truncated
// back to the last size known good: the end of the last fully written batch after a
// failed write, and the end of the last batch covered by a successful fdatasync after a
// failed fdatasync (fsyncgate: after a failed fdatasync the kernel may have dropped the
// dirty pages, so the writer rewrites everything since the last good fdatasync; for that it
// retains written-but-unsynced batches under kAlways and kEverySec). When a retry
// succeeds, on_recovered runs.
//
// Thread safety: Append(), the accessors and Shutdown() may be called from any one thread
// (the loop); callbacks run on the writer thread and must not call Shutdown().
// Invariants:
//   1. synced_lsn() <= written_lsn() and durable_lsn() <= written_lsn(); none decreases.
//   2. kEverySec / kNo: durable_lsn() is the last LSN written to the kernel,
//      synced_lsn() the last one covered by an fdatasync.
//      kAlways: durable_lsn() == synced_lsn(); on_durable(l) is never called before an
//      fdatasync covering every batch with last_lsn <= l returned OK.
//   3. Whenever the writer is not inside write(2), the file holds the header plus whole
//      batches; the one exception is a failed write whose immediate truncate also failed,
//      until a retry's truncate succeeds (no batch is reported meanwhile).
//   4. Batches are written in Append() order; LSNs passed to on_durable increase.
//   5. A switch (RequestSwitch, the end of a log rewrite) keeps every batch: the new file
//      receives every batch of the old one from sw.copied_to up to the end of the last
//      batch written before it is renamed over the log, and the writer continues on it.
//      kAlways: the new file is fdatasync'ed before the rename and the directory fsync'ed
//      after it, before anything is reported durable. kEverySec / kNo: the rewrite thread
//      fdatasync'ed all but the batches the switch copies; those (retained, as any
//      written-but-unsynced batch) and the directory are synced by the next periodic
//      fdatasync, so the switch costs the writer no fsync (the promise of these policies
//      is unchanged: a crash of the machine loses at most what the next fdatasync would
//      have covered). A switch that fails before the rename leaves the old file as it was
//      and the writer on it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "log/file_io.h"

namespace brisk::applog {

enum class FsyncPolicy { kAlways, kEverySec, kNo };
// "always" / "everysec" / "no" (case-insensitive). False for anything else.
bool ParseFsyncPolicy(std::string_view name, FsyncPolicy* out);
std::string_view FsyncPolicyName(FsyncPolicy policy);

struct LogWriterOptions {
  FsyncPolicy policy = FsyncPolicy::kEverySec;
  int64_t everysec_interval_us = 1'000'000;
  int64_t retry_interval_us = 1'000'000;  // after a failed write / fdatasync / truncate
  // kAlways, gathered group commit: after an fdatasync that covered C batches, the next
  // group is closed once C batches arrived after it returned (the clients it released
  // are back), or after min(group_wait_max_us, that fdatasync's duration); 0 = no wait
  // (the next fdatasync starts at once with whatever is queued).
  int64_t group_wait_max_us = 2'000;
  // kEverySec / kNo: how long the writer naps after a write before it writes what arrived
  // meanwhile (see "Hand-off"); bounds how long an acknowledged batch stays in memory
  // only, besides a running fdatasync. 0 = write as soon as something is queued.
  int64_t write_delay_us = 1'000;
  // ...but it is woken at once when this many bytes are queued.
  uint64_t inbox_wake_bytes = 256 * 1024;
  uint64_t base_lsn = 0;          // header field of a newly created file
  std::string creator = "brisk";  // header field of a newly created file
};

// A compacted log to continue on (the end of a log rewrite: rewriter.h,
// docs/log-format.md §9).
struct LogSwitch {
  std::unique_ptr<LogFile> file;  // open for appending: a header and whole batches
  std::string temp_path;          // its name now
  std::string target_path;        // renamed to this (the log's name)
  uint64_t copied_to = 0;         // the writer's current file is in `file` up to here
  uint64_t last_lsn = 0;          // the last LSN in `file`
  std::string remove_after;       // removed after a successful switch ("" = nothing)
};

struct LogSwitchResult {
  bool switched = false;  // the writer continues on the new file
  std::string error;      // why not; when switched, a warning (or "")
  uint64_t old_size = 0;  // the old file's size (end of its last batch) at the switch
  uint64_t new_size = 0;  // the new file's size right after the switch
};

struct LogWriterCallbacks {
  std::function<void(uint64_t lsn)> on_durable;       // data up to lsn durable per policy
  std::function<void(std::string message)> on_error;  // first failure of an episode
  std::function<void()> on_recovered;                 // the episode ended; writes flow again
  // kEverySec / kNo: an fdatasync returned (OK or not), so that a loop holding replies
  // back while it ran (EverysecGate) can release them at once.
  std::function<void()> on_synced;
};

class LogWriter {
 public:
  // Opens path for appending and starts the writer thread. An absent or empty file gets a
  // header (written, fdatasync'ed, directory fsync'ed) before this returns.
  // REQUIRES: a non-empty file was loaded with LogLoader first (its torn tail removed);
  //           last_lsn is the last LSN in it (or the base LSN of a new log).
  [[nodiscard]] static IoStatus Open(FileSystem* fs, const std::string& path,
                                     LogWriterOptions options, LogWriterCallbacks callbacks,
                                     uint64_t last_lsn, std::unique_ptr<LogWriter>* out);
  ~LogWriter();  // Shutdown() if it was not called
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // Queues encoded batches (whole records, the last one END_OF_BATCH): copies them into
  // the inbox under a mutex and signals the writer only if it is idle (see "Hand-off").
  // Never does I/O; allocates only when the inbox outgrows its capacity.
  // REQUIRES: last_lsn is the last LSN in the bytes and > every earlier Append's;
  //           !Shutdown().
  void Append(std::string_view encoded_batches, uint64_t last_lsn);

  uint64_t durable_lsn() const { return durable_lsn_.load(std::memory_order_acquire); }
  uint64_t synced_lsn() const { return synced_lsn_.load(std::memory_order_acquire); }
  uint64_t written_lsn() const { return written_lsn_.load(std::memory_order_acquire); }
  bool healthy() const { return healthy_.load(std::memory_order_acquire); }
  std::string last_error() const;
  // errno of the last failure (for Redis's "-MISCONF ...: <strerror>"); 0 if none yet.
  int last_errno() const { return last_errno_.load(std::memory_order_acquire); }
  // Bytes appended but not yet taken by the writer thread (for back-pressure / INFO).
  uint64_t queued_bytes() const { return queued_bytes_.load(std::memory_order_relaxed); }
  // clock::MonotonicUs() when the running fdatasync began; 0 when none runs. Feed it to
  // EverysecGate.
  int64_t fsync_in_progress_since_us() const {
    return fsync_since_us_.load(std::memory_order_acquire);
  }
  uint64_t fsync_count() const { return fsync_count_.load(std::memory_order_relaxed); }
  FsyncPolicy policy() const { return options_.policy; }

  // Invariant 5: at its next pass the writer thread writes what is queued, appends to
  // sw.file the batches of its file from sw.copied_to to the end, (kAlways: fdatasyncs
  // it,) renames it over sw.target_path, (kAlways: fsyncs the directory,) closes the old
  // file, removes sw.remove_after and continues on the new file. REQUIRES (kEverySec,
  // kNo): sw.file is fdatasync'ed up to its size at the call. A failure before the rename (or a
  // write error of the log, or Shutdown() first) keeps the old file and removes
  // sw.temp_path. on_done runs exactly once, on the writer thread.
  // REQUIRES: no switch pending; !Shutdown(); every record in sw.file has an LSN below
  // the batches from sw.copied_to on.
  void RequestSwitch(LogSwitch sw, std::function<void(LogSwitchResult)> on_done);

  // Writes everything queued, fdatasyncs (under every policy, as Redis does at shutdown),
  // closes the file and joins the thread. Returns the first error of that final attempt.
  // Idempotent.
  IoStatus Shutdown();

 private:
  // Number of records with END_OF_BATCH in whole encoded batches.
  static uint64_t CountBatchEnds(std::string_view bytes);

  struct PendingSwitch {
    LogSwitch sw;
    std::function<void(LogSwitchResult)> on_done;
  };

  LogWriter(FileSystem* fs, LogWriterOptions options, LogWriterCallbacks callbacks,
            std::unique_ptr<LogFile> file, uint64_t size, uint64_t last_lsn);
  void Run();
  int64_t NextDeadlineUs() const;
  // kAlways: holds the group open (see group_wait_max_us). REQUIRES: lock holds mu_.
  void GatherGroup(std::unique_lock<std::mutex>& lock);
  // One pass: repair after an error, write pending batches, fsync per policy. False if
  // something failed (error state entered or kept).
  bool Step(bool final);
  bool WritePending();
  bool Sync();
  void EnterError(const IoStatus& status, uint64_t truncate_to);
  // Everything written is now fdatasync'ed: publish synced_lsn (and durable under kAlways).
  void ReportSynced();
  // Performs switch_ (invariant 5). False if the writer entered the error state.
  bool DoSwitch();
  void FailSwitch(std::string why);

  FileSystem* const fs_;
  const LogWriterOptions options_;
  const LogWriterCallbacks callbacks_;

  // Shared with the loop thread, guarded by mu_.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string inbox_;  // whole batches appended, not yet taken by the writer
  uint64_t inbox_last_lsn_ = 0;
  enum class Sleep { kAwake, kNapping, kIdle };
  Sleep sleep_ = Sleep::kAwake;  // what the writer thread is doing (Append's wake rule)
  bool stop_ = false;
  std::unique_ptr<PendingSwitch> switch_request_;
  std::string last_error_;
  IoStatus final_status_;

  // Writer-thread state.
  std::unique_ptr<LogFile> file_;
  std::string pending_;  // whole batches taken from inbox_, not yet written
  uint64_t pending_last_lsn_ = 0;
  std::string unsynced_;  // written after synced_size_ (kept for fsync-failure rewrite)
  uint64_t unsynced_last_lsn_ = 0;
  bool nap_ = false;      // kEverySec / kNo: the last pass wrote; nap before the next one
  uint64_t good_size_;    // end of the last fully written batch
  uint64_t synced_size_;  // end of the last batch covered by a good fdatasync
  bool error_ = false;
  bool force_sync_ = false;                // the episode began with a failed fdatasync
  uint64_t truncate_to_ = 0;               // REQUIRES before the next write when error_
  std::unique_ptr<PendingSwitch> switch_;  // taken from switch_request_
  std::string dir_to_sync_;    // non-empty: a switch's directory fsync failed; retried first
  std::string lazy_dir_sync_;  // non-empty: fsync this directory after the next fdatasync
  std::thread closer_;         // closes the file a switch replaced (joined by the writer thread)
  int64_t next_retry_us_ = 0;
  int64_t last_sync_us_ = 0;
  // Gathered group commit (kAlways): batches written since the last fdatasync, batches
  // that fdatasync covered, and the state of the group being gathered after it.
  uint64_t unsynced_batches_ = 0;
  uint64_t synced_batches_ = 0;
  bool gather_ = false;          // an fdatasync just returned: gather the next group
  int64_t gather_until_us_ = 0;  // give up waiting then
  size_t gather_seen_ = 0;       // bytes of inbox_ already counted (or queued before)
                                 // (guarded by mu_)
  uint64_t gather_arrived_ = 0;  // batches queued after the fdatasync returned

  std::atomic<uint64_t> durable_lsn_;
  std::atomic<uint64_t> synced_lsn_;
  std::atomic<uint64_t> written_lsn_;
  std::atomic<bool> healthy_{true};
  std::atomic<int> last_errno_{0};
  std::atomic<uint64_t> queued_bytes_{0};
  std::atomic<int64_t> fsync_since_us_{0};
  std::atomic<uint64_t> fsync_count_{0};

  std::thread thread_;
  bool joined_ = false;  // loop thread only
};

// Redis's everysec rule (flushAppendOnlyFile), for the loop thread: while an fdatasync is
// running, postpone (hold back what would otherwise go out at once) for up to 2 s; after
// that go ahead anyway and count it as a delayed fsync (INFO aof_delayed_fsync).
class EverysecGate {
 public:
  static constexpr int64_t kMaxPostponeUs = 2'000'000;
  // fsync_since_us: LogWriter::fsync_in_progress_since_us(); now_us: clock::MonotonicUs().
  // Returns true to postpone now.
  bool ShouldPostpone(int64_t fsync_since_us, int64_t now_us);
  uint64_t delayed_fsync() const { return delayed_fsync_; }

 private:
  int64_t postponed_since_us_ = 0;
  uint64_t delayed_fsync_ = 0;
};

}  // namespace brisk::applog
