// Measures how long each turn of the event loop keeps the loop busy, for INFO stats
// (eventloop_cycles, eventloop_duration_sum / _max / _cpu_max) and for the latency bars
// of the issues ("the loop never pauses > 2 ms"): a client's request waits at most one
// turn, so the longest turn bounds the pause any client saw.
//
// A turn is measured between two consecutive OnTurnEnd() calls (the server's uv_check
// callback, the last thing of a turn): wall time minus the time libuv spent waiting in
// poll (uv_metrics_idle_time, which needs UV_METRICS_IDLE_TIME set on the loop before it
// runs), and the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), which does not grow while
// the thread is preempted: on a loaded machine the CPU figure is the one that tells
// what the server itself costs.
//
// Thread safety: loop thread only.
#pragma once

#include <time.h>
#include <uv.h>

#include <algorithm>
#include <cstdint>

#include "commands/context.h"

namespace brisk::server {

class LoopMeter {
 public:
  // REQUIRES: called before uv_run.
  static void Enable(uv_loop_t* loop) { uv_loop_configure(loop, UV_METRICS_IDLE_TIME); }

  void OnTurnEnd(uv_loop_t* loop, cmd::ServerStats* stats) {
    uint64_t now_ns = uv_hrtime();
    uint64_t idle_ns = uv_metrics_idle_time(loop);
    uint64_t cpu_ns = ThreadCpuNs();
    if (started_) {
      uint64_t wall = now_ns - last_ns_;
      uint64_t idle = idle_ns - last_idle_ns_;
      uint64_t busy_us = (wall > idle ? wall - idle : 0) / 1000;
      uint64_t cpu_us = (cpu_ns - last_cpu_ns_) / 1000;
      ++stats->eventloop_cycles;
      stats->eventloop_duration_sum_us += busy_us;
      stats->eventloop_duration_max_us = std::max(stats->eventloop_duration_max_us, busy_us);
      stats->eventloop_cpu_max_us = std::max(stats->eventloop_cpu_max_us, cpu_us);
    }
    started_ = true;
    last_ns_ = now_ns;
    last_idle_ns_ = idle_ns;
    last_cpu_ns_ = cpu_ns;
  }

 private:
  static uint64_t ThreadCpuNs() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
  }

  bool started_ = false;
  uint64_t last_ns_ = 0;
  uint64_t last_idle_ns_ = 0;
  uint64_t last_cpu_ns_ = 0;
};

}  // namespace brisk::server
