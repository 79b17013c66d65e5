#include "engine/rcu.h"

#include <urcu/urcu-qsbr.h>

#include <time.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstdint>
#include <cstdlib>
#include <new>

#include "engine/slab.h"

#if defined(__SANITIZE_THREAD__)
#define BRISK_TSAN_ANNOTATE 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define BRISK_TSAN_ANNOTATE 1
#endif
#endif

#ifdef BRISK_TSAN_ANNOTATE
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);

// Built into every TSan binary that links the engine, so no TSAN_OPTIONS plumbing is
// needed. The one entry: urcu_qsbr_barrier() callocs a completion that liburcu's
// call_rcu thread frees; both sides are inside the (uninstrumented) library, which
// orders them with its own futex/uatomic protocol that TSan cannot see. Our own
// retired memory is NOT covered by it (it is ordered by the annotations above).
extern "C" const char* __tsan_default_suppressions() {
  return "race:urcu_qsbr_barrier\n";
}
#endif

namespace brisk::engine {

namespace {

#ifdef BRISK_TSAN_ANNOTATE
char g_grace_sync;  // see "ThreadSanitizer" in rcu.h
void TsanRelease(void* p) { __tsan_release(p); }
void TsanAcquire(void* p) { __tsan_acquire(p); }
#else
void TsanRelease(void*) {}
void TsanAcquire(void*) {}
#endif

void* GraceSync() {
#ifdef BRISK_TSAN_ANNOTATE
  return &g_grace_sync;
#else
  return nullptr;
#endif
}

enum class Role : unsigned char { kNone, kWriter, kReader };

// One batch of retired blocks (invariant 2): one 2 KiB block.
constexpr size_t kRetireBatch = 250;
// Batches freed per QuiescentPoint at most (~4,000 frees, well under a millisecond).
constexpr size_t kFreeBatchesPerTurn = 16;
// Time for freeing batches beyond the turn's own retirements (QuiescentPoint).
constexpr int64_t kFreeBudgetNs = 200'000;
// Batches freed per turn regardless of the budget, at most (QuiescentPoint).
constexpr size_t kFreeBatchesPaced = 8;
struct RetireBatch {
  rcu_head head;
  std::atomic<RetireBatch*>* done_list;  // the retiring writer's ThreadState::done
  RetireBatch* next_done = nullptr;
  size_t count = 0;
  void* blocks[kRetireBatch];
};
static_assert(sizeof(RetireBatch) <= 2048);

// call_rcu callback: the grace period is over. The batch goes back to its writer,
// which frees the blocks on its own thread at its next QuiescentPoint: frees stay
// allocator-local (no cross-thread frees) and liburcu's thread does no freeing work.
void BatchGraceElapsed(rcu_head* head) {
  auto* batch = caa_container_of(head, RetireBatch, head);
  TsanAcquire(GraceSync());
  TsanAcquire(batch);
  std::atomic<RetireBatch*>& list = *batch->done_list;
  RetireBatch* top = list.load(std::memory_order_relaxed);
  do {
    batch->next_done = top;
  } while (!list.compare_exchange_weak(top, batch, std::memory_order_release,
                                       std::memory_order_relaxed));
}

// An object reclaimed by the writer in bounded steps (RetireIncremental).
struct ReclaimJob {
  rcu_head head;
  std::atomic<ReclaimJob*>* ready_list;  // the retiring writer's ThreadState::ready
  ReclaimJob* next = nullptr;
  void* object;
  bool (*step)(void* object, size_t max_blocks);
};

// call_rcu callback: hands the job back to its writer (as BatchGraceElapsed).
void JobGraceElapsed(rcu_head* head) {
  auto* job = caa_container_of(head, ReclaimJob, head);
  TsanAcquire(GraceSync());
  TsanAcquire(job);
  std::atomic<ReclaimJob*>& list = *job->ready_list;
  ReclaimJob* top = list.load(std::memory_order_relaxed);
  do {
    job->next = top;
  } while (!list.compare_exchange_weak(top, job, std::memory_order_release,
                                       std::memory_order_relaxed));
}

// Per-thread state. The writer's registration lives as long as the thread; its
// destructor (thread exit) drains and unregisters.
struct ThreadState {
  Role role = Role::kNone;
  int read_depth = 0;
  bool offline = false;
  RetireBatch* batch = nullptr;
  size_t handed_this_turn = 0;  // batches handed to call_rcu since the last QuiescentPoint
  std::atomic<RetireBatch*> done{nullptr};  // batches whose grace period is over
  RetireBatch* freeing = nullptr;            // taken from `done`, not freed yet
  std::atomic<ReclaimJob*> ready{nullptr};  // jobs whose grace period is over
  ReclaimJob* jobs = nullptr;                // writer-owned ready jobs, oldest first
  ReclaimJob* jobs_tail = nullptr;
  size_t jobs_in_flight = 0;                 // retired, not finished

  // Moves the jobs handed back since the last call to the end of `jobs` (the stack
  // holds them newest first).
  void TakeReady() {
    ReclaimJob* j = ready.exchange(nullptr, std::memory_order_acquire);
    ReclaimJob* fifo = nullptr;
    while (j != nullptr) {
      ReclaimJob* next = j->next;
      j->next = fifo;
      fifo = j;
      j = next;
    }
    if (fifo == nullptr) return;
    if (jobs_tail != nullptr) {
      jobs_tail->next = fifo;
    } else {
      jobs = fifo;
    }
    for (jobs_tail = fifo; jobs_tail->next != nullptr;) jobs_tail = jobs_tail->next;
  }

  // Runs ready jobs, kSlice blocks at a time, until done or `deadline` (a
  // CLOCK_MONOTONIC ns value; 0 = no limit) passes. True if work remains.
  bool RunJobs(int64_t deadline_ns) {
    constexpr size_t kSlice = 512;
    TakeReady();
    while (jobs != nullptr) {
      if (jobs->step(jobs->object, kSlice)) {
        ReclaimJob* done_job = jobs;
        jobs = jobs->next;
        if (jobs == nullptr) jobs_tail = nullptr;
        delete done_job;
        --jobs_in_flight;
      }
      if (deadline_ns != 0 && MonotonicNs() >= deadline_ns) break;
    }
    return jobs_in_flight != 0;
  }

  static int64_t MonotonicNs() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
  }

  void HandOver() {
    if (batch == nullptr || batch->count == 0) return;
    batch->done_list = &done;
    TsanRelease(batch);
    urcu_qsbr_call_rcu(&batch->head, BatchGraceElapsed);
    batch = nullptr;
    ++handed_this_turn;
  }

  // Frees up to max_batches of the batches handed back (all with SIZE_MAX): at least
  // min_batches, then more only until deadline_ns (0 = none) passes; the rest waits in
  // `freeing` for the next call, so one turn never pays for a burst (a mass expiry
  // whose grace periods all end at once). True if some remain.
  bool FreeDone(size_t max_batches, size_t min_batches = SIZE_MAX, int64_t deadline_ns = 0) {
    if (RetireBatch* b = done.exchange(nullptr, std::memory_order_acquire)) {
      RetireBatch* last = b;
      while (last->next_done != nullptr) last = last->next_done;
      last->next_done = freeing;
      freeing = b;
    }
    for (size_t n = 0; freeing != nullptr && n < max_batches; ++n) {
      if (n >= min_batches && deadline_ns != 0 && MonotonicNs() >= deadline_ns) break;
      RetireBatch* next = freeing->next_done;
      // free() writes into each block (the allocator links it into its page's free
      // list) and the retired blocks are cold: prefetching a few ahead overlaps the
      // cache misses instead of paying them one after another.
      for (size_t i = 0; i < freeing->count; ++i) {
        if (i + 8 < freeing->count) __builtin_prefetch(freeing->blocks[i + 8], 1);
        FreeBlock(freeing->blocks[i]);  // entries may come from engine/slab.h
      }
      delete freeing;
      freeing = next;
    }
    return freeing != nullptr;
  }

  // Hands over and waits for every grace period pending; offline meanwhile.
  void Drain() {
    HandOver();
    if (!offline) {
      TsanRelease(GraceSync());
      urcu_qsbr_thread_offline();
    }
    urcu_qsbr_barrier();
    if (!offline) urcu_qsbr_thread_online();
    FreeDone(SIZE_MAX);
    RunJobs(0);
  }

  ~ThreadState() {
    if (role != Role::kWriter) return;
    Drain();  // callbacks must not outlive `done`
    TsanRelease(GraceSync());
    urcu_qsbr_unregister_thread();
  }
};

thread_local ThreadState t_state;

}  // namespace

ReaderThread::ReaderThread() {
  assert(t_state.role == Role::kNone);
  urcu_qsbr_register_thread();
  t_state.role = Role::kReader;
}

ReaderThread::~ReaderThread() {
  assert(t_state.read_depth == 0);
  TsanRelease(GraceSync());
  urcu_qsbr_unregister_thread();
  t_state.role = Role::kNone;
}

void ReaderThread::Quiescent() {
  assert(t_state.read_depth == 0);
  TsanRelease(GraceSync());
  urcu_qsbr_quiescent_state();
}

void ReaderThread::Offline() {
  assert(t_state.read_depth == 0);
  TsanRelease(GraceSync());
  urcu_qsbr_thread_offline();
}

void ReaderThread::Online() { urcu_qsbr_thread_online(); }

ReadSection::ReadSection() {
  assert(t_state.role != Role::kNone && "ReadSection on an unregistered thread");
  urcu_qsbr_read_lock();
  ++t_state.read_depth;
}

ReadSection::~ReadSection() {
  urcu_qsbr_read_unlock();
  if (--t_state.read_depth == 0 && t_state.role == Role::kReader) {
    TsanRelease(GraceSync());
    urcu_qsbr_quiescent_state();
  }
}

void EnsureWriterThread() {
  if (t_state.role == Role::kWriter) return;
  assert(t_state.role == Role::kNone && "a reader thread cannot become the writer");
  urcu_qsbr_register_thread();
  t_state.role = Role::kWriter;
}

void QuiescentPoint() {
  if (t_state.role != Role::kWriter) return;
  // Frees at least what this turn retired (up to kFreeBatchesPaced: ~0.4 ms), so the
  // backlog of freed-later memory cannot grow under a steady write load that retires more
  // than kFreeBatchesPerTurn batches per turn;
  // up to 16 more plus as many again while the turn's free budget lasts, to work the
  // backlog down without a long turn (a single free can cost microseconds when it
  // empties an allocator segment) (invariant 2).
  t_state.HandOver();
  size_t handed = t_state.handed_this_turn;
  t_state.FreeDone(kFreeBatchesPerTurn + 2 * handed, std::min<size_t>(handed, kFreeBatchesPaced),
                   ThreadState::MonotonicNs() + kFreeBudgetNs);
  t_state.handed_this_turn = 0;
  TsanRelease(GraceSync());
  urcu_qsbr_quiescent_state();
}

void WriterOffline() {
  if (t_state.role != Role::kWriter || t_state.offline) return;
  t_state.HandOver();
  TsanRelease(GraceSync());
  urcu_qsbr_thread_offline();
  t_state.offline = true;
}

void WriterOnline() {
  if (t_state.role != Role::kWriter || !t_state.offline) return;
  urcu_qsbr_thread_online();
  t_state.offline = false;
}

void Retire(void* p) {
  if (p == nullptr) return;
  assert(t_state.role == Role::kWriter && !t_state.offline);
  ThreadState& s = t_state;
  if (s.batch == nullptr) s.batch = new RetireBatch;
  s.batch->blocks[s.batch->count++] = p;
  if (s.batch->count == kRetireBatch) s.HandOver();
}

void RetireObject(rcu_head* head, void (*fn)(rcu_head*)) {
  assert(t_state.role == Role::kWriter && !t_state.offline);
  TsanRelease(head);
  urcu_qsbr_call_rcu(head, fn);
}

void RetireIncremental(void* object, bool (*step)(void* object, size_t max_blocks)) {
  assert(t_state.role == Role::kWriter && !t_state.offline);
  auto* job = new ReclaimJob;
  job->ready_list = &t_state.ready;
  job->object = object;
  job->step = step;
  ++t_state.jobs_in_flight;
  TsanRelease(job);
  urcu_qsbr_call_rcu(&job->head, JobGraceElapsed);
}

bool ReclaimStep(int64_t budget_us) {
  if (t_state.role != Role::kWriter) return false;
  bool batches_left = t_state.freeing != nullptr;
  if (t_state.jobs_in_flight == 0) return batches_left;
  return t_state.RunJobs(ThreadState::MonotonicNs() + budget_us * 1000) || batches_left;
}

bool ReclaimPending() {
  return t_state.role == Role::kWriter && (t_state.jobs_in_flight != 0 || t_state.freeing);
}

void BeginReclaim(rcu_head* head) {
  TsanAcquire(GraceSync());
  TsanAcquire(head);
}

void DrainRetired() {
  if (t_state.role == Role::kWriter) t_state.Drain();
}

size_t PendingRetired() { return t_state.batch == nullptr ? 0 : t_state.batch->count; }

}  // namespace brisk::engine
