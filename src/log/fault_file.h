// Test doubles behind the I/O seam (file_io.h): an in-memory file system, and a
// fault-injecting wrapper around any FileSystem that can produce short writes, ENOSPC,
// torn (partial-then-EIO) writes, failed truncates and EIO on fdatasync, and counts calls.
// Used by tests/unit/log, the log-loader fuzz target, and (later) server tests.
//
// Thread safety: all knobs and counters of FaultState are atomics, so a test may change
// them while a LogWriter thread uses a file. fsync_hook must be set before files are used.
// MemFileSystem guards each file's bytes with a mutex.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "log/file_io.h"

namespace brisk::applog {

class MemFileSystem final : public FileSystem {
 public:
  IoStatus Open(const std::string& path, OpenMode mode, std::unique_ptr<LogFile>* out) override;
  IoStatus SyncDir(const std::string& /*dir*/) override { return IoStatus::Ok(); }
  IoStatus Rename(const std::string& from, const std::string& to) override;
  bool Exists(const std::string& path) override;
  IoStatus Remove(const std::string& path) override;

  // Whole contents ("" if absent) / replace or create a file.
  std::string Contents(const std::string& path);
  void SetContents(const std::string& path, std::string bytes);

  struct Data {
    std::mutex mu;
    std::string bytes;
  };

 private:
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Data>> files_;
};

struct FaultState {
  static constexpr uint64_t kUnlimited = std::numeric_limits<uint64_t>::max();

  // --- knobs ---
  std::atomic<uint64_t> max_write_chunk{0};       // >0: each Write appends at most this many bytes
  std::atomic<uint64_t> space_limit{kUnlimited};  // file size cap: write up to it, then ENOSPC
  std::atomic<int> fail_writes{0};  // next N writes: append torn_write_bytes, then EIO
  std::atomic<uint64_t> torn_write_bytes{0};
  std::atomic<int> fail_fsyncs{0};     // next N fdatasyncs return EIO
  std::atomic<int> fail_truncates{0};  // next N truncates return EIO
  std::atomic<int64_t> fsync_delay_us{0};
  std::function<void()> fsync_hook;  // runs at the start of every fdatasync

  // --- counters ---
  std::atomic<uint64_t> write_calls{0};
  std::atomic<uint64_t> fsync_calls{0};
  std::atomic<uint64_t> fsync_ok{0};
  std::atomic<uint64_t> truncate_calls{0};
  std::atomic<uint64_t> injected_errors{0};
  // File size when the last successful fdatasync returned (lowered by a Truncate below it).
  std::atomic<uint64_t> synced_size{0};
};

class FaultInjectingFileSystem final : public FileSystem {
 public:
  // base and state must outlive this object and every file it opens.
  FaultInjectingFileSystem(FileSystem* base, FaultState* state) : base_(base), state_(state) {}

  IoStatus Open(const std::string& path, OpenMode mode, std::unique_ptr<LogFile>* out) override;
  IoStatus SyncDir(const std::string& dir) override { return base_->SyncDir(dir); }
  IoStatus Rename(const std::string& from, const std::string& to) override {
    return base_->Rename(from, to);
  }
  bool Exists(const std::string& path) override { return base_->Exists(path); }
  IoStatus Remove(const std::string& path) override { return base_->Remove(path); }

 private:
  FileSystem* base_;
  FaultState* state_;
};

}  // namespace brisk::applog
