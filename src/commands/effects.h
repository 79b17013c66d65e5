// The command layer's side of the append log (docs/log-format.md): what a command *did*,
// recorded as deterministic effects, and how a logged effect is replayed.
//
// EffectRecorder turns "this key changed" (CommandContext::KeyModified, invariant 2 of
// context.h) into the key's resulting state: `SET key value [PXAT abs-ms]` if it exists,
// `DEL key` if it does not. Database-wide effects (FLUSHDB, FLUSHALL, SWAPDB) are logged
// explicitly by their handlers (CommandContext::LogEffect). So `SET k v EX 10` is logged
// as `SET k v PXAT <abs>`, `INCR` as the resulting `SET`, `EXPIRE` as `SET ... PXAT`,
// `RENAME a b` as `DEL a` + `SET b ...`. SELECT needs no record: every record carries
// its database.
//
// Thread safety: loop thread only.
// Ownership: the server owns the recorder and points ServerContext::effects at it while
// the append log is on and not loading (nullptr otherwise: one branch per KeyModified).
// Invariants:
//   1. Records are appended in execution order; every record has an LSN greater than the
//      previous record's and <= Keyspace::lsn() (the recorder advances the keyspace LSN
//      when a command produces more than one record), so an entry's LSN stamp is never
//      greater than the LSN of the record that logged it.
//   2. A batch is what one top-level command did (an EXEC: its whole transaction) plus
//      any engine removals (expiry, eviction) that happened since the last batch ended;
//      EndBatch() is called by Dispatcher::Execute after every top-level command and by
//      the server once per loop turn for removals outside commands.
//   3. Steady state allocates nothing per command: records are encoded into one buffer
//      that is handed to the writer once per loop turn (TakeBatches), i.e. at most one
//      allocation per loop turn, shared by every command of that turn.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/keyspace.h"

namespace brisk::cmd {

struct ServerContext;
struct ClientState;

class EffectRecorder {
 public:
  explicit EffectRecorder(engine::Keyspace* keyspace) : keyspace_(keyspace) {}

  // Logs the current state of (db, key): SET with absolute PXAT / SET / DEL.
  void KeyChanged(int db, std::string_view key, int64_t now_ms);
  // Logs a delete of a key the engine removed on its own (expired, evicted).
  void KeyRemoved(int db, std::string_view key);
  // Logs argv as is (database-wide effects). REQUIRES: argv[0] is the upper-case name.
  void Explicit(int db, std::span<const std::string_view> argv);
  void Explicit(int db, std::initializer_list<std::string_view> argv) {
    Explicit(db, std::span<const std::string_view>(argv.begin(), argv.size()));
  }

  // Ends the open batch (marks its last record END_OF_BATCH). No-op when it is empty.
  void EndBatch();
  // Moves every ended batch into *out (which is cleared first) and returns the LSN of
  // the last record taken, or 0 if there was nothing. An open batch stays.
  uint64_t TakeBatches(std::string* out);
  bool has_ended_batches() const { return ended_size_ > 0; }

  // LSN of the last record logged (ended or not); 0 if none since start-up.
  uint64_t last_lsn() const { return last_lsn_; }
  // Continues numbering after a loaded log: the next record gets an LSN > lsn.
  void set_last_lsn(uint64_t lsn) { last_lsn_ = lsn; }

  // Write refusal (-MISCONF) while the log writer reports a failure; "" when healthy.
  void set_write_error(std::string error) { write_error_ = std::move(error); }
  bool writes_refused() const { return !write_error_.empty(); }
  const std::string& write_error() const { return write_error_; }

 private:
  void Add(int db, std::span<const std::string_view> argv);

  engine::Keyspace* keyspace_;
  std::string buf_;          // ended batches, then the open batch
  size_t ended_size_ = 0;    // bytes of buf_ that are ended batches
  size_t last_record_ = 0;   // offset of the open batch's last record
  bool open_ = false;        // the open batch has records
  uint64_t last_lsn_ = 0;
  uint64_t ended_lsn_ = 0;   // last LSN of the ended batches
  std::string write_error_;  // strerror text of the writer's failure
};

// INFO persistence facts the server fills in (what is not in Config or ServerContext).
struct PersistenceInfo {
  bool enabled = false;  // the append log is open and recording
  uint64_t loading_total_bytes = 0;
  uint64_t loading_loaded_bytes = 0;
  int64_t loading_start_unix_s = 0;
  bool last_write_ok = true;
  uint64_t current_size = 0;  // bytes of the log file, including appended batches
  uint64_t base_size = 0;     // its size when it was loaded / created
  uint64_t pending_bio_fsync = 0;
  uint64_t delayed_fsync = 0;
  uint64_t buffer_length = 0;  // bytes handed to the writer and not yet taken by it
  // Log rewrite (BGREWRITEAOF; log/rewriter.h).
  bool rewrite_in_progress = false;
  bool rewrite_scheduled = false;
  int64_t last_rewrite_time_sec = -1;
  int64_t current_rewrite_time_sec = -1;
  bool last_bgrewrite_ok = true;
  uint64_t rewrites = 0;
  uint64_t rewrites_consecutive_failures = 0;
};

// The server's append log as the command layer sees it (INFO, DEBUG RELOAD).
class AppendLogControl {
 public:
  virtual ~AppendLogControl() = default;
  virtual void GetInfo(PersistenceInfo* out) const = 0;
  // DEBUG RELOAD: writes and syncs everything, empties the keyspace and replays the log.
  // False with *error if it could not (the keyspace may then be partially loaded).
  virtual bool Reload(std::string* error) = 0;
  // BGREWRITEAOF (Redis's replies): kStarted, kScheduled (inside EXEC: started once the
  // transaction's batch has ended, as Redis does), kInProgress, or kFailed (logged).
  enum class RewriteStart { kStarted, kScheduled, kInProgress, kFailed };
  virtual RewriteStart StartRewrite(bool in_exec) = 0;
};

// Replays one logged effect: executes argv on database `db` through the command table
// as `client` (a replay client: authenticated, no reply kept). REQUIRES: server->loading
// and server->effects == nullptr (replay must not log). Catches the keyspace LSN up to
// `lsn` first so entries keep their logged LSN. False with *error ("unknown command",
// or the error reply) if the effect could not be applied.
bool ReplayEffect(ServerContext* server, ClientState* client, uint64_t lsn, int db,
                  std::span<const std::string_view> argv, int64_t now_ms, std::string* reply,
                  std::string* error);

}  // namespace brisk::cmd
