// IoBuffer: a growable byte buffer with a consumed prefix, used as a connection's read
// buffer. Reads append at tail(); the parser consumes from data(); Compact() moves the
// unconsumed bytes to the front so the buffer does not grow without bound.
//
// Thread safety: owned by one connection.
// Invariant: 0 <= start_ <= end_ <= cap_; bytes [start_, end_) are unconsumed input.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>

namespace brisk::server {

class IoBuffer {
 public:
  IoBuffer() = default;
  IoBuffer(const IoBuffer&) = delete;
  IoBuffer& operator=(const IoBuffer&) = delete;
  ~IoBuffer() { free(buf_); }

  std::string_view readable() const { return {buf_ + start_, end_ - start_}; }
  size_t size() const { return end_ - start_; }
  size_t capacity() const { return cap_; }
  void Consume(size_t n) {
    start_ += n;
    if (start_ == end_) start_ = end_ = 0;
  }

  // Ensures at least `min_free` writable bytes after the data; compacts first.
  void Reserve(size_t min_free) {
    if (start_ > 0) {
      memmove(buf_, buf_ + start_, end_ - start_);
      end_ -= start_;
      start_ = 0;
    }
    if (cap_ - end_ >= min_free) return;
    size_t want = cap_ ? cap_ : 16384;
    while (want - end_ < min_free) want *= 2;
    char* nb = static_cast<char*>(realloc(buf_, want));
    if (nb == nullptr) abort();  // out of memory: the same policy as Redis's zmalloc
    buf_ = nb;
    cap_ = want;
  }
  char* tail() { return buf_ + end_; }
  size_t free_space() const { return cap_ - end_; }
  void Commit(size_t n) { end_ += n; }

  // Releases memory of a large, now empty buffer (after a big request).
  void ShrinkIfIdle(size_t keep) {
    if (start_ == end_ && cap_ > keep) {
      free(buf_);
      buf_ = nullptr;
      cap_ = start_ = end_ = 0;
    }
  }

 private:
  char* buf_ = nullptr;
  size_t cap_ = 0, start_ = 0, end_ = 0;
};

}  // namespace brisk::server
