// Wall and monotonic clocks. The loop caches the wall clock once per turn
// (UpdateCachedTime) so that every command of one turn sees the same "now" and
// expiry decisions within a turn are consistent, as Redis does with its mstime cache.
//
// Thread safety: UnixMs()/MonotonicUs() are safe anywhere. CachedUnixMs() reads a
// relaxed atomic written only by the loop thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <ctime>

namespace brisk::clock {

inline int64_t UnixMs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

inline int64_t UnixUs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

inline int64_t MonotonicUs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

inline std::atomic<int64_t>& CachedMsSlot() {
  static std::atomic<int64_t> slot{0};
  return slot;
}

// REQUIRES: called on the loop thread.
inline int64_t UpdateCachedTime() {
  int64_t now = UnixMs();
  CachedMsSlot().store(now, std::memory_order_relaxed);
  return now;
}

// Falls back to the real clock before the loop has set the cache (tests, start-up).
inline int64_t CachedUnixMs() {
  int64_t v = CachedMsSlot().load(std::memory_order_relaxed);
  return v != 0 ? v : UnixMs();
}

}  // namespace brisk::clock
