#include "log/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace brisk::applog {

IoStatus IoStatus::Error(int err, std::string_view op, std::string_view path) {
  IoStatus s;
  s.err = err == 0 ? EIO : err;
  s.what.append(op).append(" ").append(path).append(": ").append(std::strerror(s.err));
  return s;
}

namespace {

class PosixFile final : public LogFile {
 public:
  PosixFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  IoStatus Write(const char* data, size_t n, size_t* written) override {
    *written = 0;
    for (;;) {
      ssize_t r = ::write(fd_, data, n);
      if (r >= 0) {
        *written = static_cast<size_t>(r);
        return IoStatus::Ok();
      }
      if (errno != EINTR) return IoStatus::Error(errno, "write", path_);
    }
  }

  IoStatus Fdatasync() override {
    while (::fdatasync(fd_) != 0) {
      if (errno != EINTR) return IoStatus::Error(errno, "fdatasync", path_);
    }
    return IoStatus::Ok();
  }

  IoStatus Truncate(uint64_t size) override {
    while (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      if (errno != EINTR) return IoStatus::Error(errno, "ftruncate", path_);
    }
    return IoStatus::Ok();
  }

  IoStatus Size(uint64_t* size) override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return IoStatus::Error(errno, "fstat", path_);
    *size = static_cast<uint64_t>(st.st_size);
    return IoStatus::Ok();
  }

  IoStatus Read(uint64_t offset, char* buf, size_t n, size_t* got) override {
    *got = 0;
    while (*got < n) {
      ssize_t r = ::pread(fd_, buf + *got, n - *got, static_cast<off_t>(offset + *got));
      if (r < 0) {
        if (errno == EINTR) continue;
        return IoStatus::Error(errno, "pread", path_);
      }
      if (r == 0) break;
      *got += static_cast<size_t>(r);
    }
    return IoStatus::Ok();
  }

  IoStatus Close() override {
    int fd = fd_;
    fd_ = -1;
    if (fd >= 0 && ::close(fd) != 0) return IoStatus::Error(errno, "close", path_);
    return IoStatus::Ok();
  }

 private:
  int fd_;
  std::string path_;
};

class PosixFs final : public FileSystem {
 public:
  IoStatus Open(const std::string& path, OpenMode mode, std::unique_ptr<LogFile>* out) override {
    int flags = O_CLOEXEC;
    switch (mode) {
      case OpenMode::kRead:
        flags |= O_RDONLY;
        break;
      case OpenMode::kReadWrite:
        flags |= O_RDWR;
        break;
      case OpenMode::kAppend:
        flags |= O_RDWR | O_CREAT | O_APPEND;
        break;
    }
    int fd;
    do {
      fd = ::open(path.c_str(), flags, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return IoStatus::Error(errno, "open", path);
    *out = std::make_unique<PosixFile>(fd, path);
    return IoStatus::Ok();
  }

  IoStatus SyncDir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return IoStatus::Error(errno, "open", dir);
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) return IoStatus::Error(err, "fsync", dir);
    return IoStatus::Ok();
  }

  IoStatus Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return IoStatus::Error(errno, "rename", from);
    return IoStatus::Ok();
  }

  bool Exists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }

  IoStatus Remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return IoStatus::Error(errno, "unlink", path);
    return IoStatus::Ok();
  }
};

}  // namespace

FileSystem* PosixFileSystem() {
  static PosixFs fs;
  return &fs;
}

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

IoStatus WriteAll(LogFile* file, std::string_view data) {
  while (!data.empty()) {
    size_t written = 0;
    IoStatus s = file->Write(data.data(), data.size(), &written);
    if (!s.ok()) return s;
    if (written == 0) return IoStatus::Error(EIO, "write", "(no progress)");
    data.remove_prefix(written);
  }
  return IoStatus::Ok();
}

}  // namespace brisk::applog
