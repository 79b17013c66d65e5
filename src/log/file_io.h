// The I/O seam of the append log: a small file interface the writer and the loader use
// instead of system calls, so tests can inject short writes, ENOSPC, EIO on fsync and
// torn tails (fault_file.h), and a POSIX implementation for the server.
//
// Thread safety: a LogFile is used by one thread at a time. A FileSystem may be used from
// several threads at once.
// Invariants:
//   1. IoStatus::ok() iff err == 0; the OK path allocates nothing.
//   2. Write() appends at the current end of the file (after a Truncate, at the new end).
//      It may write fewer bytes than asked (*written < n) without an error; callers retry
//      the remainder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace brisk::applog {

struct [[nodiscard]] IoStatus {
  int err = 0;       // errno value; 0 = ok
  std::string what;  // "<op> <path>: <strerror>" when !ok()

  bool ok() const { return err == 0; }
  static IoStatus Ok() { return {}; }
  static IoStatus Error(int err, std::string_view op, std::string_view path);
};

class LogFile {
 public:
  virtual ~LogFile() = default;
  // Appends up to n bytes; *written is what was appended (may be short, see invariant 2).
  virtual IoStatus Write(const char* data, size_t n, size_t* written) = 0;
  virtual IoStatus Fdatasync() = 0;
  virtual IoStatus Truncate(uint64_t size) = 0;
  virtual IoStatus Size(uint64_t* size) = 0;
  // Reads up to n bytes at offset; *got < n only at end of file.
  virtual IoStatus Read(uint64_t offset, char* buf, size_t n, size_t* got) = 0;
  virtual IoStatus Close() = 0;
};

enum class OpenMode {
  kRead,       // existing file, read only
  kReadWrite,  // existing file, read and truncate (the loader's repairs)
  kAppend,     // created if absent (0644); writes go to the end
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  virtual IoStatus Open(const std::string& path, OpenMode mode, std::unique_ptr<LogFile>* out) = 0;
  // fsync on a directory, so that a create or rename in it is durable.
  virtual IoStatus SyncDir(const std::string& dir) = 0;
  virtual IoStatus Rename(const std::string& from, const std::string& to) = 0;
  virtual bool Exists(const std::string& path) = 0;
  // unlink(2). Removing an absent file is an error (ENOENT).
  virtual IoStatus Remove(const std::string& path) = 0;
};

// The process-wide POSIX file system (stateless).
FileSystem* PosixFileSystem();

// Directory part of path ("." if none), for SyncDir after creating a file.
std::string DirName(const std::string& path);

// Writes all of data, retrying short writes. A write that makes no progress is EIO.
IoStatus WriteAll(LogFile* file, std::string_view data);

}  // namespace brisk::applog
