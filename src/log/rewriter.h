// LogRewriter: the background log rewrite (BGREWRITEAOF, auto-aof-rewrite-*). A thread
// reads the engine lock-free while the loop keeps writing — no fork, no pause of the
// loop — and builds a compacted log in a temp file: a header, one record per live key
// (its value with an absolute expiry), then a copy of every record the loop logged
// since the rewrite began. The LogWriter appends the last few records and renames the
// file over the log (writer.h, RequestSwitch). The server drives both
// (server/persistence.h); the format is docs/log-format.md §9.
//
// Merge protocol. At the start, on the loop, between two commands (no batch open):
//   a. every ended batch is handed to the writer; T = the log's size after them: the
//      records logged from now on start at offset T;
//   b. S0 = Keyspace::lsn(): every record in the log has an LSN <= S0, and so has every
//      entry's LSN stamp (0 when written while tracking was off);
//   c. LSNs (S0, S] are reserved for the snapshot, S = S0 + kSnapshotLsnReserve
//      (Keyspace::AdvanceLsnTo): every record and stamp from now on is > S;
//   d. LSN tracking goes on (keyspace.h invariant 4): every entry written from now on,
//      by any path (SET, INCR, EXPIRE, RENAME, MOVE, COPY, ...), is stamped > S;
//   e. origin[i] = db(i).ReadContentId(): the contents that are database i at S0.
// Then the rewrite thread
//   1. for each database i, scans the contents origin[i] wherever SWAPDB has moved them
//      (it finds the slot holding them and scans it under the SWAPDB seqlock, redoing a
//      scan step if a swap ran meanwhile) and writes on database i the state of every
//      live entry stamped <= S0 — `SET key value [PXAT ms]` for a string; `HSET`/
//      `SADD`/`RPUSH`/`ZADD` in chunks, then `PEXPIREAT`, for a collection (the records
//      EffectRecorder logs for a key's whole state) —
//      each record one batch, with LSNs S0+1, S0+2, ... <= S. Entries stamped > S were
//      written after the start: skipped, the tail has them;
//   2. copies from the log, from T on, the complete batches it holds (LSNs > S, each
//      record re-checked: batch_copy.h), pass after pass until a pass copies little;
//   3. fdatasyncs the file (it also did every 8 MiB meanwhile), repeats step 2 for what
//      was logged during that fdatasync, fdatasyncs again (a few records) and reports
//      ready; the writer copies the rest of the log (from where step 2 stopped to its
//      end) and switches.
// Why replaying the new file yields exactly the loop's state at the switch:
//   - The tail is every record logged after S0, once each, in order: T, step 2 and the
//     writer's copy cover adjacent byte ranges of the log (batch_copy.h invariant 2).
//   - A key that no record after S0 names still has its state at S0 and is in no other
//     database than its contents' (only SWAPDB moves contents, and SWAPDB is in the
//     tail). Db::ReadScan returns every entry present for the whole scan at least once,
//     so the snapshot has it, stamped <= S0, under its database at S0; replaying the
//     tail's SWAPDBs then moves it where it is now. (Returned twice: the same records
//     twice, which changes nothing.)
//   - A key that some record after S0 names (written, deleted, expired, evicted,
//     renamed, moved, copied, dropped with its table) ends in the state of its last such
//     record, because the effects are absolute (the resulting value and deadline, or
//     DEL). Whatever the snapshot holds for it — nothing, its state at S0, or (a key
//     re-created after a delete, stamped > S) nothing again — comes before the tail.
//   - FLUSHDB / FLUSHALL after S0 are in the tail after the snapshot: they remove the
//     snapshot's keys of those databases as they removed them at the time; keys
//     written after the flush are stamped > S and come from the tail only.
//   - SELECT needs no record: every record names its database.
//   - LSNs increase through the file: header base S0 < snapshot (S0, S] < tail (> S).
// A crash at any point before the rename leaves the old log untouched and a temp file
// that the server removes at start-up.
//
// Thread safety: construct, Cancel, finished and Take on one thread (the loop); the work
// runs on the rewrite thread, an engine::ReaderThread that uses only READER-SAFE engine
// calls. on_ready and after_step run on the rewrite thread.
// Invariants:
//   1. The rewrite thread writes only the temp file; it opens the log read-only.
//   2. on_ready runs exactly once, after the result is complete (ok or not); a failed
//      or cancelled rewrite has removed its temp file by then.
//   3. The rewrite thread holds no RCU read-side section across file I/O (it is offline
//      then), so it never holds back the reclamation of what the loop retires.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "engine/keyspace.h"
#include "log/file_io.h"

namespace brisk::applog {

// LSNs reserved per rewrite for its snapshot records (step c). Far more than any
// keyspace needs (a scan may return a key more than once); 2^32 rewrites fit in 64 bits.
inline constexpr uint64_t kSnapshotLsnReserve = uint64_t{1} << 32;

struct RewriteOptions {
  FileSystem* fs = nullptr;
  const engine::Keyspace* keyspace = nullptr;
  std::string log_path;             // the log the tail is copied from (opened read-only)
  uint64_t tail_offset = 0;         // T
  std::string temp_path;            // the compacted file is built here (truncated first)
  uint64_t start_lsn = 0;           // S0: the new file's base LSN
  uint64_t reserved_lsn = 0;        // S
  std::vector<const void*> origin;  // origin[i]: db(i).ReadContentId() at S0
  std::string creator = "brisk";
  size_t scan_count = 512;                        // entries per ReadScan step
  uint64_t catch_up_bytes = uint64_t{256} << 10;  // step 2 ends after a pass this small
  size_t write_buffer = size_t{1} << 20;
  uint64_t sync_every_bytes = uint64_t{8} << 20;  // incremental fdatasync of the file
  int nice = 10;  // the rewrite thread's niceness: the loop wins the CPU
  std::function<void()> on_ready;
  std::function<void()> after_step;  // tests: after each scan step, outside any section
};

struct RewriteResult {
  bool ok = false;
  std::string error;
  std::unique_ptr<LogFile> file;  // ok: the compacted file, fdatasync'ed, open to append
  uint64_t size = 0;
  uint64_t copied_to = 0;  // the log was copied into `file` up to this offset
  uint64_t last_lsn = 0;   // records appended to `file` must be above it (>= S)
  uint64_t keys = 0;       // keys in the snapshot
  uint64_t tail_bytes = 0;
};

class LogRewriter {
 public:
  // Starts the rewrite thread. REQUIRES: steps a-e above are done.
  explicit LogRewriter(RewriteOptions options);
  ~LogRewriter();  // Cancel() and join
  LogRewriter(const LogRewriter&) = delete;
  LogRewriter& operator=(const LogRewriter&) = delete;

  // Asks the thread to stop soon (it fails with "cancelled"); Take() still joins.
  void Cancel() { cancel_.store(true, std::memory_order_relaxed); }
  // The result is ready (on_ready ran or is running).
  bool finished() const { return finished_.load(std::memory_order_acquire); }
  // Joins the thread and returns the result. REQUIRES: called once.
  RewriteResult Take();

 private:
  void Run();
  bool Snapshot(LogFile* out, std::string* error);
  bool ScanDb(engine::ReaderThread* reader, int origin, LogFile* out, std::string* error);
  bool AppendEntry(const engine::Entry& e, int db, std::string* error);
  void AppendCollection(const engine::Entry& e, int db);
  void AppendRecord(int db, std::span<const std::string_view> argv);
  bool Flush(LogFile* out, std::string* error);
  bool Sync(LogFile* out, std::string* error);
  bool CopyTail(LogFile* out, std::string* error);
  bool cancelled() const { return cancel_.load(std::memory_order_relaxed); }

  RewriteOptions options_;
  std::atomic<bool> cancel_{false};
  std::atomic<bool> finished_{false};
  // Rewrite-thread state.
  std::string buf_;                 // encoded snapshot records not yet written
  uint64_t unsynced_ = 0;           // bytes written to the file since its last fdatasync
  std::vector<std::string> owned_;  // a collection record's elements
  uint64_t next_lsn_ = 0;
  RewriteResult result_;
  std::thread thread_;
  bool joined_ = false;
};

}  // namespace brisk::applog
