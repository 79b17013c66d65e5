#include "log/fault_file.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace brisk::applog {

namespace {

class MemFile final : public LogFile {
 public:
  MemFile(std::shared_ptr<MemFileSystem::Data> data, bool writable)
      : data_(std::move(data)), writable_(writable) {}

  IoStatus Write(const char* bytes, size_t n, size_t* written) override {
    if (!writable_) return IoStatus::Error(EBADF, "write", "mem");
    std::lock_guard lock(data_->mu);
    data_->bytes.append(bytes, n);
    *written = n;
    return IoStatus::Ok();
  }
  IoStatus Fdatasync() override { return IoStatus::Ok(); }
  IoStatus Truncate(uint64_t size) override {
    if (!writable_) return IoStatus::Error(EBADF, "ftruncate", "mem");
    std::lock_guard lock(data_->mu);
    data_->bytes.resize(size, '\0');
    return IoStatus::Ok();
  }
  IoStatus Size(uint64_t* size) override {
    std::lock_guard lock(data_->mu);
    *size = data_->bytes.size();
    return IoStatus::Ok();
  }
  IoStatus Read(uint64_t offset, char* buf, size_t n, size_t* got) override {
    std::lock_guard lock(data_->mu);
    *got = 0;
    if (offset >= data_->bytes.size()) return IoStatus::Ok();
    *got = std::min<uint64_t>(n, data_->bytes.size() - offset);
    std::memcpy(buf, data_->bytes.data() + offset, *got);
    return IoStatus::Ok();
  }
  IoStatus Close() override { return IoStatus::Ok(); }

 private:
  std::shared_ptr<MemFileSystem::Data> data_;
  bool writable_;
};

class FaultInjectingFile final : public LogFile {
 public:
  FaultInjectingFile(std::unique_ptr<LogFile> base, FaultState* state)
      : base_(std::move(base)), st_(state) {}

  IoStatus Write(const char* data, size_t n, size_t* written) override {
    *written = 0;
    st_->write_calls++;
    if (TakeOne(st_->fail_writes)) {
      size_t torn = std::min<uint64_t>(n, st_->torn_write_bytes.load());
      if (torn > 0) {
        size_t w = 0;
        IoStatus s = base_->Write(data, torn, &w);
        (void)s;  // the injected EIO is what the caller sees either way
      }
      st_->injected_errors++;
      return IoStatus::Error(EIO, "write", "(injected)");
    }
    uint64_t size = 0;
    if (IoStatus s = base_->Size(&size); !s.ok()) return s;
    uint64_t limit = st_->space_limit.load();
    if (limit != FaultState::kUnlimited) {
      if (size >= limit) {
        st_->injected_errors++;
        return IoStatus::Error(ENOSPC, "write", "(injected)");
      }
      n = std::min<uint64_t>(n, limit - size);
    }
    if (uint64_t chunk = st_->max_write_chunk.load(); chunk > 0) n = std::min<uint64_t>(n, chunk);
    return base_->Write(data, n, written);
  }

  IoStatus Fdatasync() override {
    st_->fsync_calls++;
    if (st_->fsync_hook) st_->fsync_hook();
    if (int64_t d = st_->fsync_delay_us.load(); d > 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(d));
    }
    if (TakeOne(st_->fail_fsyncs)) {
      st_->injected_errors++;
      return IoStatus::Error(EIO, "fdatasync", "(injected)");
    }
    IoStatus s = base_->Fdatasync();
    if (!s.ok()) return s;
    uint64_t size = 0;
    if (IoStatus z = base_->Size(&size); !z.ok()) return z;
    st_->synced_size = size;
    st_->fsync_ok++;
    return IoStatus::Ok();
  }

  IoStatus Truncate(uint64_t size) override {
    st_->truncate_calls++;
    if (TakeOne(st_->fail_truncates)) {
      st_->injected_errors++;
      return IoStatus::Error(EIO, "ftruncate", "(injected)");
    }
    IoStatus s = base_->Truncate(size);
    if (s.ok() && st_->synced_size.load() > size) st_->synced_size = size;
    return s;
  }

  IoStatus Size(uint64_t* size) override { return base_->Size(size); }
  IoStatus Read(uint64_t offset, char* buf, size_t n, size_t* got) override {
    return base_->Read(offset, buf, n, got);
  }
  IoStatus Close() override { return base_->Close(); }

 private:
  // Consumes one unit of a countdown knob; true if one was available.
  static bool TakeOne(std::atomic<int>& counter) {
    int v = counter.load();
    while (v > 0) {
      if (counter.compare_exchange_weak(v, v - 1)) return true;
    }
    return false;
  }

  std::unique_ptr<LogFile> base_;
  FaultState* st_;
};

}  // namespace

IoStatus MemFileSystem::Open(const std::string& path, OpenMode mode,
                             std::unique_ptr<LogFile>* out) {
  std::lock_guard lock(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) {
    if (mode != OpenMode::kAppend) return IoStatus::Error(ENOENT, "open", path);
    it = files_.emplace(path, std::make_shared<Data>()).first;
  }
  *out = std::make_unique<MemFile>(it->second, mode != OpenMode::kRead);
  return IoStatus::Ok();
}

IoStatus MemFileSystem::Rename(const std::string& from, const std::string& to) {
  std::lock_guard lock(mu_);
  auto it = files_.find(from);
  if (it == files_.end()) return IoStatus::Error(ENOENT, "rename", from);
  files_[to] = it->second;
  files_.erase(from);
  return IoStatus::Ok();
}

IoStatus MemFileSystem::Remove(const std::string& path) {
  std::lock_guard lock(mu_);
  if (files_.erase(path) == 0) return IoStatus::Error(ENOENT, "unlink", path);
  return IoStatus::Ok();
}

bool MemFileSystem::Exists(const std::string& path) {
  std::lock_guard lock(mu_);
  return files_.count(path) > 0;
}

std::string MemFileSystem::Contents(const std::string& path) {
  std::shared_ptr<Data> data;
  {
    std::lock_guard lock(mu_);
    auto it = files_.find(path);
    if (it == files_.end()) return {};
    data = it->second;
  }
  std::lock_guard lock(data->mu);
  return data->bytes;
}

void MemFileSystem::SetContents(const std::string& path, std::string bytes) {
  std::shared_ptr<Data> data;
  {
    std::lock_guard lock(mu_);
    auto& slot = files_[path];
    if (!slot) slot = std::make_shared<Data>();
    data = slot;
  }
  std::lock_guard lock(data->mu);
  data->bytes = std::move(bytes);
}

IoStatus FaultInjectingFileSystem::Open(const std::string& path, OpenMode mode,
                                        std::unique_ptr<LogFile>* out) {
  std::unique_ptr<LogFile> base;
  if (IoStatus s = base_->Open(path, mode, &base); !s.ok()) return s;
  *out = std::make_unique<FaultInjectingFile>(std::move(base), state_);
  return IoStatus::Ok();
}

}  // namespace brisk::applog
