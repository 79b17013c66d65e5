// Persistence: the server's append log. Loads it at start-up (replay before serving,
// -LOADING meanwhile), owns the LogWriter while appendonly is on, hands it the batches
// the EffectRecorder encoded, and decides which replies may leave (reply barriers).
//
// Reply release (the contract Connection relies on):
//   - appendfsync always: a reply produced after the effect with LSN X was executed is
//     released only when the writer reports X durable (an fdatasync covering it returned
//     OK). Every connection keeps ReplyBarriers and flushes only the released prefix; the
//     loop never waits: it keeps serving while the writer thread syncs, and every batch
//     queued during one fdatasync shares the next (group commit, gathered: writer.h).
//   - everysec and no: released as soon as the batch they depend on was handed to the
//     writer (BeforeFlush: HandOver, then UpdateRelease), without waiting for its
//     write(2) (the loop never waits for the writer thread, and is not woken by it). The
//     one exception is Redis's everysec stall rule: while the writer's fdatasync runs,
//     replies that depend on batches handed over meanwhile wait, for at most 2 s
//     (EverysecGate; INFO aof_delayed_fsync counts the times it gave up waiting); the
//     writer wakes the loop when that fdatasync returns (on_synced).
//     Crash contract (differs from Redis, which write(2)s before replying): a process
//     crash (kill -9) can lose acknowledged writes that were still in the writer's
//     inbox: at most what was handed over during the writer's nap (write_delay_us,
//     1 ms) plus its scheduling delay, and what was handed over in the microseconds
//     between its last write(2) and the start of an fdatasync (written when that
//     returns); once the stall rule gave up after 2 s, also what was acknowledged since
//     that fdatasync began. Losses are always a suffix of
//     the execution order (batches are written in order). A machine crash loses at most
//     what the next fdatasync would have covered, as before (~1-2 s, Redis's promise).
//   - appendonly no: released at once (ReplyBarrier() is 0).
//   - A failed write/fdatasync: writes are refused with -MISCONF (EffectRecorder::
//     set_write_error) until the writer recovers; under always nothing that was not
//     made durable is ever released.
//
// Log rewrite (BGREWRITEAOF, auto-aof-rewrite-*, CONFIG SET appendonly yes): the merge
// protocol is in log/rewriter.h. The loop's part: BeginRewrite does steps a-e between
// two commands (handing the ended batches over, reserving the snapshot's LSNs, turning
// LSN tracking on) and starts the rewrite thread; when it reports ready, the loop hands
// the compacted file to the writer (LogWriter::RequestSwitch), which switches on its own
// thread; the loop then turns tracking off and updates INFO. The loop does no file I/O
// for it (except when a log is created at runtime: opening its first file, as Redis).
// A log turned on at runtime (or BGREWRITEAOF with appendonly no) has no file with the
// data yet: until its first rewrite switches, the writer appends to <appendfilename>.incr
// (the rewrite's tail source), which the switch removes. Leftover temp/incr files from a
// crash are removed at start-up; they are never loaded.
//
// Thread safety: loop thread only, except the writer callbacks, which only call
// uv_async_send (the loop then reads the writer's atomics).
// Invariants:
//   1. released_lsn() never decreases.
//   2. ServerContext::effects points at the recorder iff the writer is open and nothing
//      is being loaded; a replay never logs.
//   3. Before the writer is closed (shutdown, CONFIG SET, DEBUG RELOAD) every ended batch
//      is handed to it, and its Shutdown() writes and fdatasyncs them. A running rewrite
//      is cancelled first (the writer fails or completes a pending switch on Shutdown).
//   4. info_.current_size is the size the writer's file will have once everything
//      handed over is written (the rewrite's tail offset T relies on it).
//   5. LSN tracking is on exactly while a rewrite runs (rewriter_ or switching_).
#pragma once

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "commands/context.h"
#include "commands/effects.h"
#include "common/config.h"
#include "log/rewriter.h"
#include "log/writer.h"

namespace brisk::server {

class Persistence final : public cmd::AppendLogControl {
 public:
  // Registers the live config hooks (appendonly, appendfsync) and sets ctx->aof.
  Persistence(uv_loop_t* loop, cmd::ServerContext* ctx, ConfigRegistry* registry);
  ~Persistence() override;
  Persistence(const Persistence&) = delete;
  Persistence& operator=(const Persistence&) = delete;

  // Start-up, after the listeners are bound: with appendonly yes, replays an existing log
  // (running the loop without blocking between chunks, so early clients get -LOADING)
  // and opens the writer. False: refuse to start (the reason is logged).
  bool Start();
  // Once per loop turn, before replies are flushed: ends the batch of removals made
  // outside commands, hands every ended batch to the writer, re-evaluates release.
  void BeforeFlush();
  // Shutdown: hands over, writes and fdatasyncs everything, closes the log; releases what
  // became durable. Idempotent; Start() after it does not open the writer.
  void Shutdown();
  // Once per cron tick: starts a scheduled rewrite and the automatic one
  // (auto-aof-rewrite-percentage / -min-size, Redis's rule).
  void Cron();

  // The LSN a reply produced now depends on, or 0 if it may be sent at once.
  uint64_t ReplyBarrier() const {
    uint64_t last = recorder_.last_lsn();
    return hold_replies_ && last > released_lsn_ ? last : 0;
  }
  uint64_t released_lsn() const { return released_lsn_; }
  // Called on the loop whenever released_lsn() advances (the server flushes the
  // connections that held output back).
  void set_on_release(std::function<void()> fn) { on_release_ = std::move(fn); }

  // cmd::AppendLogControl
  void GetInfo(cmd::PersistenceInfo* out) const override;
  bool Reload(std::string* error) override;
  RewriteStart StartRewrite(bool in_exec) override;

 private:
  // Replays path into the keyspace. pump: run the loop (UV_RUN_NOWAIT) between chunks;
  // never from inside a loop callback.
  bool Load(const std::string& path, bool pump, uint64_t* last_lsn, std::string* error);
  bool OpenWriter(uint64_t last_lsn, std::string* error);
  // Hands ended batches over, shuts the writer down; false if its final write failed.
  bool CloseWriter(std::string* error);
  void HandOver();
  void UpdateRelease();
  void OnWriterEvent();
  bool OnAppendonlyChange(std::string* error);
  bool OnAppendfsyncChange(std::string* error);
  std::string Path() const { return config_->appendfilename; }  // the server chdir'ed to dir
  std::string TempPath() const { return Path() + ".rewrite.tmp"; }
  std::string IncrPath() const { return Path() + ".incr"; }

  // Log rewrite (see the header comment).
  bool BeginRewrite(std::string* error);
  void OnRewriteEvent();
  void ApplySwitch(const applog::LogSwitchResult& result, bool closing);
  enum class RewriteEnd { kOk, kFailed, kCancelled };
  void FinishRewrite(RewriteEnd end, const std::string& error);
  void CancelRewrite();
  bool RewriteRunning() const { return rewriter_ != nullptr || switching_; }
  void MaybeStartScheduled();
  void RemoveLeftovers();

  uv_loop_t* loop_;
  cmd::ServerContext* ctx_;
  Config* config_;
  cmd::EffectRecorder recorder_;
  std::unique_ptr<applog::LogWriter> writer_;
  applog::FsyncPolicy policy_ = applog::FsyncPolicy::kEverySec;
  applog::EverysecGate gate_;
  uv_async_t async_;  // writer thread -> loop: durable / error / recovered
  // Whether on_durable wakes the loop: always under appendfsync always; under everysec
  // only while replies are held (otherwise every write would cost the loop a wake-up).
  std::atomic<bool> durable_events_{false};
  uv_timer_t gate_timer_;  // re-checks the everysec gate while replies are held
  bool handles_open_ = false;
  bool closed_ = false;  // Shutdown() ran
  bool hold_replies_ = false;
  uint64_t released_lsn_ = 0;
  std::function<void()> on_release_;
  std::string take_buf_;  // TakeBatches target (copied to the writer)
  cmd::PersistenceInfo info_;

  // The writer's file: Path(), or IncrPath() until a log created at runtime has had its
  // first rewrite.
  std::string writer_path_;
  std::unique_ptr<applog::LogRewriter> rewriter_;
  bool switching_ = false;            // the writer has the compacted file
  bool close_after_rewrite_ = false;  // BGREWRITEAOF with appendonly no
  bool rewrite_scheduled_ = false;
  int64_t rewrite_start_us_ = 0;
  int64_t rewrite_retry_at_us_ = 0;  // scheduled / automatic rewrites wait after a failure
  uv_async_t rewrite_async_;         // rewrite thread / writer thread -> loop
  std::mutex switch_mu_;
  std::optional<applog::LogSwitchResult> switch_result_;  // guarded by switch_mu_
};

}  // namespace brisk::server
