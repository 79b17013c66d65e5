#include "server/persistence.h"

#include <cstring>
#include <limits>

#include "common/clock.h"
#include "common/log.h"
#include "log/file_io.h"
#include "log/loader.h"

namespace brisk::server {

namespace {
constexpr uint64_t kGateRecheckMs = 20;
constexpr std::string_view kCreator = "brisk 0.1.0";
// How long scheduled / automatic log rewrites wait after a failed one.
constexpr int64_t kRewriteRetryUs = 10'000'000;
}  // namespace

Persistence::Persistence(uv_loop_t* loop, cmd::ServerContext* ctx, ConfigRegistry* registry)
    : loop_(loop), ctx_(ctx), config_(ctx->config), recorder_(ctx->keyspace) {
  ctx_->aof = this;
  writer_path_ = Path();
  registry->OnChange("appendonly",
                     [this](std::string* error) { return OnAppendonlyChange(error); });
  registry->OnChange("appendfsync",
                     [this](std::string* error) { return OnAppendfsyncChange(error); });
}

Persistence::~Persistence() {
  // Shutdown() normally ran (Server::BeginShutdown); this covers an early exit. The
  // handles belong to a loop that is being torn down: only the threads are stopped here.
  if (rewriter_ != nullptr) rewriter_->Cancel();
  rewriter_.reset();  // joins: it reads the keyspace
  if (writer_ != nullptr) (void)writer_->Shutdown();
  ctx_->effects = nullptr;
  ctx_->aof = nullptr;
}

bool Persistence::Start() {
  RemoveLeftovers();
  if (!config_->appendonly) return true;
  uint64_t last_lsn = 0;
  std::string error;
  if (applog::PosixFileSystem()->Exists(Path()) &&
      !Load(Path(), /*pump=*/true, &last_lsn, &error)) {
    LOG_WARNING("%s", error.c_str());
    return false;
  }
  // A SHUTDOWN (or CONFIG SET appendonly no) may have arrived while loading.
  if (closed_ || !config_->appendonly) return true;
  if (!OpenWriter(last_lsn, &error)) {
    LOG_WARNING("Can't open the append only file %s: %s", Path().c_str(), error.c_str());
    return false;
  }
  return true;
}

bool Persistence::Load(const std::string& path, bool pump, uint64_t* last_lsn, std::string* error) {
  ctx_->effects = nullptr;  // invariant 2: replay never logs
  ctx_->loading = true;
  info_.loading_start_unix_s = clock::UnixMs() / 1000;
  info_.loading_loaded_bytes = 0;
  info_.loading_total_bytes = 0;
  int64_t start_us = clock::MonotonicUs();

  applog::LoadOptions options;
  options.load_truncated = config_->aof_load_truncated;
  applog::LogLoader loader(applog::PosixFileSystem(), options);
  cmd::ClientState replay;  // Redis's fake AOF client
  replay.authenticated = true;
  replay.addr = "aof-replay";
  std::string reply, replay_error;
  uint64_t failed_lsn = 0;
  int64_t now_ms = clock::UnixMs();
  applog::LoadReport report = loader.Load(
      path,
      [&](uint64_t lsn, int db, std::span<const std::string_view> argv) {
        if (cmd::ReplayEffect(ctx_, &replay, lsn, db, argv, now_ms, &reply, &replay_error)) {
          return true;
        }
        failed_lsn = lsn;
        return false;
      },
      [&](uint64_t done, uint64_t total) {
        info_.loading_loaded_bytes = done;
        info_.loading_total_bytes = total;
        if (pump) {
          // Early clients are answered (-LOADING, INFO) between chunks.
          uv_run(loop_, UV_RUN_NOWAIT);
          now_ms = clock::UpdateCachedTime();
        }
      });
  ctx_->loading = false;
  double secs = double(clock::MonotonicUs() - start_us) / 1e6;

  switch (report.outcome) {
    case applog::LoadOutcome::kClean:
      LOG_NOTICE("DB loaded from append only file: %.3f seconds. %s", secs, report.message.c_str());
      break;
    case applog::LoadOutcome::kTornTail:
      LOG_WARNING("!!! Warning: short read while loading the append only file. %s",
                  report.message.c_str());
      LOG_NOTICE("DB loaded from append only file: %.3f seconds", secs);
      break;
    case applog::LoadOutcome::kCorrupt:
      *error = "Bad file format reading the append only file. " + report.message +
               ". Refusing to start: run 'brisk-check-log --fix " + path +
               "' to cut the log at the damage, or start with aof-load-truncated yes.";
      return false;
    case applog::LoadOutcome::kAborted:
      *error = "Error replaying the append only file " + path + " at LSN " +
               std::to_string(failed_lsn) + " (offset " + std::to_string(report.good_size) +
               "): " + replay_error;
      return false;
    default:
      *error = report.message;
      return false;
  }
  *last_lsn = report.last_lsn;
  info_.base_size = report.truncated ? report.good_size : report.file_size;
  info_.current_size = info_.base_size;
  return true;
}

bool Persistence::OpenWriter(uint64_t last_lsn, std::string* error) {
  if (!applog::ParseFsyncPolicy(config_->appendfsync, &policy_)) {
    *error = "bad appendfsync '" + config_->appendfsync + "'";
    return false;
  }
  if (!handles_open_) {
    uv_async_init(loop_, &async_,
                  [](uv_async_t* h) { static_cast<Persistence*>(h->data)->OnWriterEvent(); });
    async_.data = this;
    uv_timer_init(loop_, &gate_timer_);
    gate_timer_.data = this;
    uv_async_init(loop_, &rewrite_async_,
                  [](uv_async_t* h) { static_cast<Persistence*>(h->data)->OnRewriteEvent(); });
    rewrite_async_.data = this;
    handles_open_ = true;
  }
  // New records continue above everything loaded (the keyspace LSN was caught up).
  uint64_t last = std::max(last_lsn, recorder_.last_lsn());
  recorder_.set_last_lsn(last);
  applog::LogWriterOptions options;
  options.policy = policy_;
  options.base_lsn = last;
  options.creator = std::string(kCreator);
  applog::LogWriterCallbacks callbacks;
  // Writer thread: only wake the loop; it reads the writer's atomics (OnWriterEvent).
  callbacks.on_durable = [this](uint64_t) {
    if (durable_events_.load(std::memory_order_relaxed)) uv_async_send(&async_);
  };
  callbacks.on_synced = [this] {
    if (durable_events_.load(std::memory_order_relaxed)) uv_async_send(&async_);
  };
  callbacks.on_error = [this](std::string) { uv_async_send(&async_); };
  callbacks.on_recovered = [this] { uv_async_send(&async_); };
  applog::IoStatus s = applog::LogWriter::Open(applog::PosixFileSystem(), writer_path_, options,
                                               std::move(callbacks), last, &writer_);
  if (!s.ok()) {
    *error = s.what;
    writer_.reset();
    return false;
  }
  if (info_.current_size == 0) info_.base_size = info_.current_size = applog::kFileHeaderSize;
  info_.enabled = config_->appendonly;
  info_.last_write_ok = true;
  recorder_.set_write_error("");
  hold_replies_ = true;  // every policy: see UpdateRelease()
  // everysec / no: the loop is woken only while the stall rule holds replies back.
  durable_events_.store(policy_ == applog::FsyncPolicy::kAlways, std::memory_order_relaxed);
  released_lsn_ = std::max(released_lsn_, last);
  ctx_->effects = &recorder_;
  return true;
}

void Persistence::HandOver() {
  recorder_.EndBatch();  // removals made outside any command (active expiry)
  if (!recorder_.has_ended_batches()) return;
  uint64_t last = recorder_.TakeBatches(&take_buf_);
  info_.current_size += take_buf_.size();
  writer_->Append(take_buf_, last);  // copied: take_buf_ keeps its capacity (swapped with
                                     // the recorder's buffer next turn)
}

bool Persistence::CloseWriter(std::string* error) {
  if (writer_ == nullptr) return true;
  CancelRewrite();
  HandOver();
  applog::IoStatus s = writer_->Shutdown();
  uint64_t durable = writer_->durable_lsn();
  writer_.reset();
  // Shutdown() either completed a pending switch or failed it.
  std::optional<applog::LogSwitchResult> switched;
  {
    std::lock_guard lock(switch_mu_);
    switched.swap(switch_result_);
  }
  if (switched) ApplySwitch(*switched, /*closing=*/true);
  if (writer_path_ != Path()) {
    // A log created at runtime that never got its first rewrite: nothing to keep.
    (void)applog::PosixFileSystem()->Remove(writer_path_);
    writer_path_ = Path();
    info_.current_size = info_.base_size = 0;
  }
  ctx_->effects = nullptr;
  info_.enabled = false;
  hold_replies_ = false;
  uv_timer_stop(&gate_timer_);
  if (!s.ok()) {
    // What could not be written is never released: keep holding those replies, and keep
    // the recorder reachable so that the dispatcher refuses writes (-MISCONF).
    *error = s.what;
    hold_replies_ = true;
    info_.last_write_ok = false;
    recorder_.set_write_error(strerror(s.err));
    ctx_->effects = &recorder_;
    if (durable > released_lsn_) released_lsn_ = durable;
    if (on_release_) on_release_();
    return false;
  }
  // Everything handed over was written and fdatasync'ed by Shutdown().
  released_lsn_ = std::max(released_lsn_, recorder_.last_lsn());
  if (on_release_) on_release_();
  return true;
}

void Persistence::BeforeFlush() {
  if (rewrite_scheduled_) MaybeStartScheduled();
  if (writer_ == nullptr) return;
  HandOver();
  UpdateRelease();
}

void Persistence::UpdateRelease() {
  if (writer_ == nullptr) return;
  uint64_t before = released_lsn_;
  uint64_t durable = writer_->durable_lsn();
  if (durable > released_lsn_) released_lsn_ = durable;
  uint64_t last = recorder_.last_lsn();
  if (policy_ != applog::FsyncPolicy::kAlways && last > released_lsn_) {
    // everysec / no: a reply goes out as soon as its batch was handed to the writer
    // (HandOver ran first), without waiting for the writer's write(2) (the contract in
    // the header). The one wait is Redis's everysec stall rule: while an fdatasync runs,
    // hold replies back for up to 2 s, then release anyway (aof_delayed_fsync).
    int64_t since = writer_->fsync_in_progress_since_us();
    if (!gate_.ShouldPostpone(since, since == 0 ? 0 : clock::MonotonicUs())) {
      released_lsn_ = last;
      durable_events_.store(false, std::memory_order_relaxed);
    } else {
      // Woken when the fdatasync returns (on_synced); the timer covers the 2 s limit.
      durable_events_.store(true, std::memory_order_relaxed);
      if (!uv_is_active(reinterpret_cast<uv_handle_t*>(&gate_timer_))) {
        uv_timer_start(
            &gate_timer_,
            [](uv_timer_t* t) {
              auto* self = static_cast<Persistence*>(t->data);
              self->UpdateRelease();
              if (self->writer_ == nullptr || self->recorder_.last_lsn() <= self->released_lsn_) {
                uv_timer_stop(t);
              }
            },
            kGateRecheckMs, kGateRecheckMs);
      }
      // The fdatasync may have returned before the flag was seen: check once more.
      if (writer_->fsync_in_progress_since_us() == 0) uv_async_send(&async_);
    }
  }
  if (released_lsn_ > before && on_release_) on_release_();
}

void Persistence::OnWriterEvent() {
  if (writer_ == nullptr) return;
  bool healthy = writer_->healthy();
  if (!healthy && !recorder_.writes_refused()) {
    int err = writer_->last_errno();
    recorder_.set_write_error(strerror(err != 0 ? err : EIO));
    info_.last_write_ok = false;
    LOG_WARNING("Error writing to the AOF file: %s. Refusing writes until it recovers.",
                writer_->last_error().c_str());
  } else if (healthy && recorder_.writes_refused()) {
    recorder_.set_write_error("");
    info_.last_write_ok = true;
    LOG_WARNING("AOF write error looks solved. Brisk can write again.");
  }
  UpdateRelease();
}

void Persistence::Shutdown() {
  if (closed_) return;
  closed_ = true;
  CancelRewrite();  // CloseWriter does it too; this also covers a writer already gone
  std::string error;
  if (!CloseWriter(&error)) {
    LOG_WARNING("Error writing the append only file on shutdown: %s", error.c_str());
  }
  rewrite_scheduled_ = false;
  if (handles_open_) {
    uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&gate_timer_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&rewrite_async_), nullptr);
    handles_open_ = false;
  }
}

bool Persistence::Reload(std::string* error) {
  if (ctx_->loading) {
    *error = "already loading";
    return false;
  }
  if (writer_ == nullptr || writer_path_ != Path()) {
    *error = writer_ == nullptr ? "the append log is not open"
                                : "the append log is being created (its first rewrite runs)";
    return false;
  }
  if (!CloseWriter(error)) return false;
  // Redis's emptyData(): every key goes, and every WATCH on them is dirty.
  ctx_->keyspace->FlushAll();
  ctx_->watches->TouchAll();
  uint64_t last_lsn = 0;
  if (!Load(Path(), /*pump=*/false, &last_lsn, error)) {
    LOG_WARNING("DEBUG RELOAD: %s", error->c_str());
    recorder_.set_write_error("the append log could not be reloaded");
    return false;
  }
  return OpenWriter(last_lsn, error);
}

void Persistence::GetInfo(cmd::PersistenceInfo* out) const {
  *out = info_;
  if (writer_ != nullptr) {
    out->delayed_fsync = gate_.delayed_fsync();
    out->pending_bio_fsync = writer_->fsync_in_progress_since_us() != 0 ? 1 : 0;
    out->buffer_length = writer_->queued_bytes();
  }
  out->rewrite_in_progress = RewriteRunning();
  out->rewrite_scheduled = rewrite_scheduled_;
  out->current_rewrite_time_sec =
      RewriteRunning() ? (clock::MonotonicUs() - rewrite_start_us_) / 1'000'000 : -1;
}

bool Persistence::OnAppendonlyChange(std::string* error) {
  if (config_->appendonly) {
    if (writer_ != nullptr) {
      // A BGREWRITEAOF with appendonly no is creating the log: keep it open afterwards.
      close_after_rewrite_ = false;
      info_.enabled = true;
      return true;
    }
    // As Redis's startAppendOnly: the new log starts from a rewrite of the dataset.
    if (!BeginRewrite(error)) return false;
    LOG_NOTICE("AOF enabled: rewriting the dataset into %s", Path().c_str());
    return true;
  }
  if (writer_ == nullptr) return true;
  if (!CloseWriter(error)) return false;
  LOG_NOTICE("Append only file closed (CONFIG SET appendonly no)");
  return true;
}

bool Persistence::OnAppendfsyncChange(std::string* error) {
  if (writer_ == nullptr) return true;  // used when the log opens
  applog::FsyncPolicy policy;
  if (!applog::ParseFsyncPolicy(config_->appendfsync, &policy) || policy == policy_) return true;
  if (!writer_->healthy()) {
    *error = "the append log has a write error; appendfsync can't change until it recovers";
    return false;
  }
  // The writer's policy is fixed: write and sync what it has, then reopen. A running
  // rewrite is cancelled and starts again on the reopened log.
  uint64_t last = recorder_.last_lsn();
  bool rewriting = RewriteRunning();
  bool created_at_runtime = writer_path_ != Path();
  bool close_after = close_after_rewrite_;
  if (!CloseWriter(error)) return false;
  if (created_at_runtime) {
    // Its file had only the records since its rewrite began: start that over.
    if (!BeginRewrite(error)) return false;
    close_after_rewrite_ = close_after;
  } else if (!OpenWriter(last, error)) {
    LOG_WARNING("Can't reopen the append only file: %s", error->c_str());
    return false;
  } else if (rewriting) {
    rewrite_scheduled_ = true;
  }
  LOG_NOTICE("appendfsync is now %s", config_->appendfsync.c_str());
  return true;
}

// ---------------------------------------------------------------------------------
// Log rewrite (log/rewriter.h has the merge protocol; this is the loop's part)

void Persistence::RemoveLeftovers() {
  applog::FileSystem* fs = applog::PosixFileSystem();
  for (const std::string& path : {TempPath(), IncrPath()}) {
    if (!fs->Exists(path)) continue;
    // A rewrite that did not finish (its temp file), or a log created at runtime that
    // never got its first rewrite (its incr file): neither is ever loaded.
    applog::IoStatus s = fs->Remove(path);
    if (s.ok()) {
      LOG_NOTICE("Removed %s, left over by an unfinished log rewrite", path.c_str());
    } else {
      LOG_WARNING("Can't remove %s, left over by an unfinished log rewrite: %s", path.c_str(),
                  s.what.c_str());
    }
  }
}

cmd::AppendLogControl::RewriteStart Persistence::StartRewrite(bool in_exec) {
  if (RewriteRunning()) return RewriteStart::kInProgress;
  if (in_exec) {
    // The transaction's batch is still open: start once it has ended (BeforeFlush).
    rewrite_scheduled_ = true;
    rewrite_retry_at_us_ = 0;
    return RewriteStart::kScheduled;
  }
  std::string error;
  if (!BeginRewrite(&error)) {
    LOG_WARNING("Can't rewrite append only file in background: %s", error.c_str());
    return RewriteStart::kFailed;
  }
  return RewriteStart::kStarted;
}

bool Persistence::BeginRewrite(std::string* error) {
  if (closed_ || ctx_->loading) {
    *error = closed_ ? "shutting down" : "loading";
    return false;
  }
  if (writer_ != nullptr && !writer_->healthy()) {
    *error = "the append log has a write error";
    return false;
  }
  engine::Keyspace* ks = ctx_->keyspace;
  // a. Between two commands: end the removals' batch and hand every ended batch over;
  //    T is then where the next records will start (invariant 4).
  recorder_.EndBatch();
  if (writer_ != nullptr) HandOver();
  // b, c. Everything so far is <= S0; the snapshot gets (S0, S]; all that follows > S.
  uint64_t start = std::max(ks->lsn(), recorder_.last_lsn());
  uint64_t reserved = start + applog::kSnapshotLsnReserve;
  ks->AdvanceLsnTo(reserved);
  bool created_at_runtime = writer_ == nullptr;
  if (created_at_runtime) {
    // No log holds the data: record into the incr file, the tail source, until the
    // switch (the header's base LSN is S: its records are the tail).
    writer_path_ = IncrPath();
    applog::FileSystem* fs = applog::PosixFileSystem();
    if (fs->Exists(writer_path_)) (void)fs->Remove(writer_path_);
    info_.current_size = info_.base_size = 0;
    if (!OpenWriter(reserved, error)) {
      writer_path_ = Path();
      return false;
    }
    close_after_rewrite_ = !config_->appendonly;
  }
  // d, e.
  ks->set_track_lsn(true);
  applog::RewriteOptions o;
  o.fs = applog::PosixFileSystem();
  o.keyspace = ks;
  o.log_path = writer_path_;
  o.tail_offset = info_.current_size;
  o.temp_path = TempPath();
  o.start_lsn = start;
  o.reserved_lsn = reserved;
  for (int i = 0; i < ks->num_dbs(); ++i) o.origin.push_back(ks->db(i).ReadContentId());
  o.creator = std::string(kCreator);
  o.on_ready = [this] { uv_async_send(&rewrite_async_); };
  rewriter_ = std::make_unique<applog::LogRewriter>(std::move(o));
  rewrite_scheduled_ = false;
  rewrite_start_us_ = clock::MonotonicUs();
  ++info_.rewrites;
  LOG_NOTICE("Background append only file rewriting started (snapshot LSN %llu)",
             (unsigned long long)start);
  return true;
}

void Persistence::OnRewriteEvent() {
  if (rewriter_ != nullptr && rewriter_->finished()) {
    applog::RewriteResult r = rewriter_->Take();
    rewriter_.reset();
    if (!r.ok) return FinishRewrite(RewriteEnd::kFailed, r.error);
    if (writer_ == nullptr) {  // not reached: closing the writer cancels the rewrite
      (void)r.file->Close();
      (void)applog::PosixFileSystem()->Remove(TempPath());
      return FinishRewrite(RewriteEnd::kCancelled, "");
    }
    LOG_NOTICE(
        "Background AOF rewrite: %llu keys and %llu bytes of new records written, "
        "switching files",
        (unsigned long long)r.keys, (unsigned long long)r.tail_bytes);
    HandOver();
    applog::LogSwitch sw;
    sw.file = std::move(r.file);
    sw.temp_path = TempPath();
    sw.target_path = Path();
    sw.copied_to = r.copied_to;
    sw.last_lsn = r.last_lsn;
    if (writer_path_ != Path()) sw.remove_after = writer_path_;
    switching_ = true;
    writer_->RequestSwitch(std::move(sw), [this](applog::LogSwitchResult result) {
      {
        std::lock_guard lock(switch_mu_);
        switch_result_ = std::move(result);
      }
      uv_async_send(&rewrite_async_);
    });
  }
  std::optional<applog::LogSwitchResult> result;
  {
    std::lock_guard lock(switch_mu_);
    result.swap(switch_result_);
  }
  if (result) ApplySwitch(*result, /*closing=*/false);
}

void Persistence::ApplySwitch(const applog::LogSwitchResult& result, bool closing) {
  switching_ = false;
  if (!result.switched) return FinishRewrite(RewriteEnd::kFailed, result.error);
  if (!result.error.empty()) LOG_WARNING("Background AOF rewrite: %s", result.error.c_str());
  writer_path_ = Path();
  // Batches handed over after the switch follow the new file's end (invariant 4).
  info_.current_size = result.new_size + (info_.current_size - result.old_size);
  info_.base_size = result.new_size;
  FinishRewrite(RewriteEnd::kOk, "");
  if (close_after_rewrite_ && !closing) {
    close_after_rewrite_ = false;
    std::string error;
    if (!CloseWriter(&error)) LOG_WARNING("Closing the rewritten log: %s", error.c_str());
  }
}

void Persistence::FinishRewrite(RewriteEnd end, const std::string& error) {
  ctx_->keyspace->set_track_lsn(false);  // invariant 5
  switching_ = false;
  int64_t secs = (clock::MonotonicUs() - rewrite_start_us_ + 500'000) / 1'000'000;
  switch (end) {
    case RewriteEnd::kOk:
      info_.last_rewrite_time_sec = secs;
      info_.last_bgrewrite_ok = true;
      info_.rewrites_consecutive_failures = 0;
      LOG_NOTICE("Background AOF rewrite finished successfully (%lld s)", (long long)secs);
      break;
    case RewriteEnd::kFailed:
      info_.last_rewrite_time_sec = secs;
      info_.last_bgrewrite_ok = false;
      ++info_.rewrites_consecutive_failures;
      LOG_WARNING("Background AOF rewrite failed: %s", error.c_str());
      // Automatic and scheduled attempts back off; a log created at runtime needs its
      // rewrite (Redis retries it too), unless it was only a BGREWRITEAOF's.
      rewrite_retry_at_us_ = clock::MonotonicUs() + kRewriteRetryUs;
      if (writer_path_ != Path() && writer_ != nullptr) {
        if (close_after_rewrite_) {
          close_after_rewrite_ = false;
          std::string ignored;
          (void)CloseWriter(&ignored);
        } else {
          rewrite_scheduled_ = true;
        }
      }
      break;
    case RewriteEnd::kCancelled:
      LOG_NOTICE("Background AOF rewrite cancelled");
      break;
  }
}

void Persistence::CancelRewrite() {
  if (rewriter_ == nullptr) return;
  rewriter_->Cancel();
  applog::RewriteResult r = rewriter_->Take();  // joins; a cancelled rewrite removed its file
  rewriter_.reset();
  if (r.ok) {
    (void)r.file->Close();
    (void)applog::PosixFileSystem()->Remove(TempPath());
  }
  FinishRewrite(RewriteEnd::kCancelled, "");
}

void Persistence::MaybeStartScheduled() {
  if (RewriteRunning() || closed_ || ctx_->loading) return;
  if (clock::MonotonicUs() < rewrite_retry_at_us_) return;
  std::string error;
  if (!BeginRewrite(&error)) {
    LOG_WARNING("Can't start the scheduled log rewrite: %s", error.c_str());
    rewrite_retry_at_us_ = clock::MonotonicUs() + kRewriteRetryUs;
  }
}

void Persistence::Cron() {
  if (rewrite_scheduled_) return MaybeStartScheduled();
  if (RewriteRunning() || writer_ == nullptr || writer_path_ != Path() || ctx_->loading) return;
  int64_t perc = config_->auto_aof_rewrite_percentage;
  uint64_t size = info_.current_size;
  if (perc <= 0 || size <= config_->auto_aof_rewrite_min_size) return;
  if (clock::MonotonicUs() < rewrite_retry_at_us_) return;
  uint64_t base = std::max<uint64_t>(info_.base_size, 1);
  uint64_t growth = size > base ? (size - base) * 100 / base : 0;
  if (growth < uint64_t(perc)) return;
  LOG_NOTICE("Starting automatic rewriting of AOF on %llu%% growth", (unsigned long long)growth);
  std::string error;
  if (!BeginRewrite(&error)) {
    LOG_WARNING("Can't start the automatic log rewrite: %s", error.c_str());
    rewrite_retry_at_us_ = clock::MonotonicUs() + kRewriteRetryUs;
  }
}

}  // namespace brisk::server
