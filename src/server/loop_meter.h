// Measures how long each turn of the event loop keeps the loop busy, for INFO stats
// (eventloop_cycles, eventloop_duration_sum / _max / _cpu_max) and for the latency bars
// of the issues ("the loop never pauses > 2 ms"): a client's request waits at most one
// turn, so the longest turn bounds the pause any client saw.
//
// A turn runs from one OnTurnEnd() to the next (the server's uv_check callback, the last
// thing of a turn). Its busy time is its wall time minus the poll wait. The wait is
// measured here, without libuv's UV_METRICS_IDLE_TIME: that option makes every turn
// start with a zero-timeout epoll_wait and, when nothing is ready, a second, blocking
// one (measured at -P 1 with 50 clients: half the turns paid the extra syscall). The
// meter's own prepare handle stamps the poll's start; the first callback after the poll
// calls Awake() (a client read, an accept, or the check callback itself), which stamps
// its end.
//
// The thread's CPU time (CLOCK_THREAD_CPUTIME_ID) does not grow while the thread is
// preempted: on a loaded machine it is the figure that tells what the server itself
// costs. Reading it is a real system call (not vDSO; 0.4-1 us on this VM), so it is
// read only at the end of a turn whose busy time reached kCpuSampleNs, and at least
// every kCpuSampleEvery turns.
//
// Thread safety: loop thread only.
// Invariants:
//   1. eventloop_cycles grows by one per turn (connections use it as the turn's id).
//   2. A turn's poll wait is counted from the prepare phase to the first Awake() after
//      it, or to the check phase if nothing called Awake() (callbacks that do not call
//      it, e.g. uv_async wake-ups from other threads, are then counted as waiting).
//   3. eventloop_cpu_max: a turn that follows a sampled turn gets its exact CPU time;
//      after unsampled turns (each shorter than kCpuSampleNs by the wall clock), the CPU
//      used since the last reading minus those turns' busy time, clamped to
//      [0, this turn's busy time]. It can under-report by the time those short turns
//      were preempted, and turns below kCpuSampleNs may not count toward the max (which
//      only matters when the max itself is below 100 us).
#pragma once

#include <time.h>
#include <uv.h>

#include <algorithm>
#include <cstdint>

#include "commands/context.h"

namespace brisk::server {

class LoopMeter {
 public:
  static constexpr uint64_t kCpuSampleNs = 100'000;
  static constexpr unsigned kCpuSampleEvery = 64;

  // REQUIRES: called before uv_run. The prepare handle is unreferenced (it does not keep
  // the loop alive); whoever closes every handle at the end closes it too.
  void Start(uv_loop_t* loop) {
    uv_prepare_init(loop, &prepare_);
    prepare_.data = this;
    uv_prepare_start(&prepare_, OnPrepare);
    uv_unref(reinterpret_cast<uv_handle_t*>(&prepare_));
  }

  // The poll has returned: the first call after it ends the turn's wait (invariant 2).
  void Awake() {
    if (polling_) [[unlikely]] {
      polling_ = false;
      awake_ns_ = uv_hrtime();
    }
  }

  void OnTurnEnd(cmd::ServerStats* stats) {
    Awake();
    uint64_t now_ns = uv_hrtime();
    uint64_t wait_ns = awake_ns_ > poll_start_ns_ ? awake_ns_ - poll_start_ns_ : 0;
    poll_start_ns_ = awake_ns_ = 0;
    if (!started_) {
      started_ = true;
      last_ns_ = now_ns;
      last_cpu_ns_ = ThreadCpuNs();
      return;
    }
    uint64_t wall = now_ns - last_ns_;
    uint64_t busy_ns = wall > wait_ns ? wall - wait_ns : 0;
    uint64_t busy_us = busy_ns / 1000;
    last_ns_ = now_ns;
    ++stats->eventloop_cycles;
    stats->eventloop_duration_sum_us += busy_us;
    stats->eventloop_duration_max_us = std::max(stats->eventloop_duration_max_us, busy_us);
    if (busy_ns < kCpuSampleNs && ++unsampled_ < kCpuSampleEvery) {
      unsampled_busy_ns_ += busy_ns;
      return;
    }
    uint64_t cpu_ns = ThreadCpuNs();
    uint64_t used = cpu_ns - last_cpu_ns_;
    if (unsampled_ != 0) {  // invariant 3: an estimate
      used = std::min(used > unsampled_busy_ns_ ? used - unsampled_busy_ns_ : 0, busy_ns);
    }
    stats->eventloop_cpu_max_us = std::max(stats->eventloop_cpu_max_us, used / 1000);
    last_cpu_ns_ = cpu_ns;
    unsampled_ = 0;
    unsampled_busy_ns_ = 0;
  }

 private:
  static void OnPrepare(uv_prepare_t* h) {
    auto* self = static_cast<LoopMeter*>(h->data);
    self->polling_ = true;
    self->poll_start_ns_ = uv_hrtime();
  }

  static uint64_t ThreadCpuNs() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
  }

  uv_prepare_t prepare_{};
  bool started_ = false;
  bool polling_ = false;
  uint64_t poll_start_ns_ = 0;
  uint64_t awake_ns_ = 0;
  uint64_t last_ns_ = 0;
  uint64_t last_cpu_ns_ = 0;
  unsigned unsampled_ = 0;          // turns since the last CPU reading
  uint64_t unsampled_busy_ns_ = 0;  // their busy time
};

}  // namespace brisk::server
