// ReplyBarriers: which prefix of a connection's pending output may be sent, given how
// far the append log has been made durable (appendfsync always, and everysec while an
// fsync stalls: see server/persistence.h).
//
// A barrier (start, lsn) says: the output bytes from `start` on were produced after the
// effect with LSN `lsn` was executed, so they may be sent only once `lsn` is released.
// Bytes before the first unreleased barrier may go at once, so a client that pipelines a
// read before a write gets the read's reply without waiting for the fsync.
//
// Thread safety: loop thread only (one per Connection).
// Invariants:
//   1. Barriers are ordered by start and by lsn (both non-decreasing); a new barrier is
//      added only for an lsn greater than the last one's.
//   2. Starts are offsets into the connection's pending output (out_); Consume(n) is
//      called whenever the first n bytes of out_ leave it.
//   3. Steady state allocates nothing: the vector's capacity is reused.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace brisk::server {

class ReplyBarriers {
 public:
  bool empty() const { return head_ == items_.size(); }

  // The output from `start` on depends on `lsn` (invariant 1: ignored unless it is newer
  // than the last barrier's).
  void Add(size_t start, uint64_t lsn) {
    if (!empty() && items_.back().lsn >= lsn) return;
    items_.push_back({start, lsn});
  }

  // How many of the first out_size bytes may be sent when every LSN <= released is
  // released. Drops the barriers that are released.
  size_t Sendable(size_t out_size, uint64_t released) {
    while (!empty() && items_[head_].lsn <= released) ++head_;
    if (empty()) {
      items_.clear();
      head_ = 0;
      return out_size;
    }
    return std::min(items_[head_].start, out_size);
  }

  // The first n bytes of the output were taken (invariant 2).
  void Consume(size_t n) {
    for (size_t i = head_; i < items_.size(); ++i) {
      items_[i].start = items_[i].start > n ? items_[i].start - n : 0;
    }
  }

  void Clear() {
    items_.clear();
    head_ = 0;
  }

 private:
  struct Barrier {
    size_t start;
    uint64_t lsn;
  };
  std::vector<Barrier> items_;
  size_t head_ = 0;
};

}  // namespace brisk::server
