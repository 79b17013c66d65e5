// Where a long loop turn went: an opt-in, per-turn profile of the loop's phases, for the
// latency bars of issue #3 (growth, mass expiry, TABLE DROP). Off by default; enabled by
// the environment at start-up:
//
//   BRISK_TURN_TRACE=/path/to/file   append one line per long turn to that file
//   BRISK_TURN_TRACE_US=1000         "long": wall busy time or thread CPU time >= this
//
// For every long turn the line gives:
//   busy_us  wall time of the turn minus the poll wait (libuv's idle time, so tracing
//            turns UV_METRICS_IDLE_TIME on: server.cc)
//   cpu_us   the loop thread's CPU time; sys_us its kernel part (getrusage; tick-
//            sampled, so only a hint per turn), which includes network softirq work
//            done in this thread's context (e.g. loopback TCP processing of the peer)
//   rq_us    time runnable but waiting for a core (/proc/thread-self/schedstat's run
//            delay); busy time that is neither CPU nor run-queue wait is time the
//            thread blocked (vcsw > 0: a lock, e.g. the mmap lock) or the virtual CPU
//            itself did not run (hypervisor steal)
//   minflt, majflt, vcsw, ivcsw   page faults and voluntary / involuntary context
//            switches during the turn
//   <phase>=us/calls  read = a connection's read callback (its commands), resume =
//            connections resumed after their turn budget, flush = reply writes, log =
//            append-log hand-off, track = client tracking, qs = engine::QuiescentPoint
//            (RCU batches handed over, retired blocks freed), reclaim =
//            engine::ReclaimStep (dropped tables), cron, expire = active-expiry slices,
//            evict = eviction slices, accept; other = the rest (libuv, timers, closes).
//
// Cost when off: one load and a predictable branch per phase. When on: two clock reads
// per phase; per turn a getrusage, a clock_gettime and a pread of schedstat.
//
// Thread safety: loop thread only (a process-wide instance: one server per process).
#pragma once

#include <fcntl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace brisk::server {

class TurnTrace {
 public:
  enum Phase {
    kRead,
    kResume,
    kFlush,
    kLog,
    kTrack,
    kQs,
    kReclaim,
    kCron,
    kExpire,
    kEvict,
    kAccept,
    kPhases
  };

  static TurnTrace& Get() {
    static TurnTrace t;
    return t;
  }
  bool enabled() const { return out_ != nullptr; }

  // Reads the environment; call once before the loop runs.
  void Init() {
    const char* path = std::getenv("BRISK_TURN_TRACE");
    if (path == nullptr || *path == '\0') return;
    out_ = std::fopen(path, "a");
    if (const char* us = std::getenv("BRISK_TURN_TRACE_US")) {
      threshold_ns_ = std::strtoull(us, nullptr, 10) * 1000;
    }
    schedstat_fd_ = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
  }

  void Add(Phase p, uint64_t ns) {
    ns_[p] += ns;
    ++calls_[p];
  }

  // At the end of a turn (the uv_check callback's last statement).
  void EndTurn(uv_loop_t* loop) {
    if (!enabled()) return;
    uint64_t now = uv_hrtime();
    uint64_t idle = uv_metrics_idle_time(loop);
    uint64_t cpu = CpuNs();
    rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    uint64_t rq = RunDelayNs();
    if (started_) {
      uint64_t wall = now - last_ns_;
      uint64_t busy = wall - (idle - last_idle_ns_ < wall ? idle - last_idle_ns_ : wall);
      uint64_t cpu_ns = cpu - last_cpu_ns_;
      if (busy >= threshold_ns_ || cpu_ns >= threshold_ns_) {
        static const char* const kNames[kPhases] = {"read",   "resume", "flush",   "log",
                                                    "track",  "qs",     "reclaim", "cron",
                                                    "expire", "evict",  "accept"};
        uint64_t sum = 0;
        std::fprintf(out_,
                     "turn busy_us=%llu cpu_us=%llu sys_us=%lld rq_us=%llu minflt=%ld majflt=%ld "
                     "vcsw=%ld ivcsw=%ld",
                     (unsigned long long)(busy / 1000), (unsigned long long)(cpu_ns / 1000),
                     (long long)(Us(ru.ru_stime) - Us(last_.ru_stime)),
                     (unsigned long long)((rq - last_rq_ns_) / 1000),
                     ru.ru_minflt - last_.ru_minflt, ru.ru_majflt - last_.ru_majflt,
                     ru.ru_nvcsw - last_.ru_nvcsw, ru.ru_nivcsw - last_.ru_nivcsw);
        for (int i = 0; i < kPhases; ++i) {
          sum += ns_[i];
          if (calls_[i] != 0) {
            std::fprintf(out_, " %s=%llu/%u", kNames[i], (unsigned long long)(ns_[i] / 1000),
                         calls_[i]);
          }
        }
        std::fprintf(out_, " other=%llu\n",
                     (unsigned long long)(busy > sum ? (busy - sum) / 1000 : 0));
        std::fflush(out_);
      }
    }
    started_ = true;
    last_ns_ = uv_hrtime();  // the trace's own output is not charged to the next turn
    last_idle_ns_ = idle;
    last_cpu_ns_ = CpuNs();
    last_ = ru;
    last_rq_ns_ = rq;
    for (int i = 0; i < kPhases; ++i) ns_[i] = 0, calls_[i] = 0;
  }

 private:
  static int64_t Us(const timeval& tv) { return int64_t(tv.tv_sec) * 1'000'000 + tv.tv_usec; }
  static uint64_t CpuNs() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
  }

  // The thread's run-queue wait so far (schedstat's second field), 0 if unavailable.
  uint64_t RunDelayNs() const {
    char buf[96];
    ssize_t n = schedstat_fd_ < 0 ? -1 : pread(schedstat_fd_, buf, sizeof(buf) - 1, 0);
    if (n <= 0) return 0;
    buf[n] = '\0';
    char* end = nullptr;
    std::strtoull(buf, &end, 10);
    return std::strtoull(end, nullptr, 10);
  }

  FILE* out_ = nullptr;
  int schedstat_fd_ = -1;
  uint64_t last_rq_ns_ = 0;
  uint64_t threshold_ns_ = 1'000'000;
  bool started_ = false;
  uint64_t last_ns_ = 0, last_idle_ns_ = 0, last_cpu_ns_ = 0;
  rusage last_{};
  uint64_t ns_[kPhases] = {};
  unsigned calls_[kPhases] = {};
};

// Times the enclosing block as phase p of the current turn (when tracing is on).
class TurnPhase {
 public:
  explicit TurnPhase(TurnTrace::Phase p)
      : phase_(p), start_(TurnTrace::Get().enabled() ? uv_hrtime() : 0) {}
  ~TurnPhase() {
    if (start_ != 0) TurnTrace::Get().Add(phase_, uv_hrtime() - start_);
  }
  TurnPhase(const TurnPhase&) = delete;
  TurnPhase& operator=(const TurnPhase&) = delete;

 private:
  TurnTrace::Phase phase_;
  uint64_t start_;
};

}  // namespace brisk::server
