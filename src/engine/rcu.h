// RCU glue for the engine: who may read, when memory is reclaimed.
//
// The engine uses Debian's liburcu, QSBR flavour (urcu-qsbr): a read-side critical
// section costs nothing (rcu_read_lock/unlock are no-ops in QSBR); instead every
// registered thread announces, now and then, a *quiescent state* — a point where it
// holds no pointer into RCU-protected memory. Memory retired by the writer is freed by
// liburcu's call_rcu thread once every registered, online thread has passed a
// quiescent state after the retirement (a grace period). We chose liburcu over a
// home-made epoch scheme because it is packaged, widely used (LTTng, Knot DNS) and its
// QSBR read side is as cheap as it gets; the writer never waits (no synchronize_rcu on
// the loop), it only hands retired memory to call_rcu in batches.
//
// Threads:
//   - The writer (the loop thread; in tests, whoever builds the Keyspace) is registered
//     automatically by the Keyspace constructor (EnsureWriterThread) and stays online.
//     liburcu requires it: "call_rcu should be called from registered RCU read-side
//     threads. For the QSBR flavor, the caller should be online" (rcu-api.md).
//     It MUST call QuiescentPoint() once per loop turn, at a point where it holds no
//     Entry* (the server's uv_check callback): until it does, nothing retired is
//     freed. Idle loops may additionally bracket their blocking poll with
//     WriterOffline()/WriterOnline() so reclamation does not wait for the next turn.
//   - Reader threads (REST adapter, log rewrite, tests) hold an engine::ReaderThread for
//     their lifetime and do every engine read inside an engine::ReadSection. The end
//     of an outermost ReadSection on a reader thread is a quiescent state, so a reader
//     that keeps doing short sections never delays reclamation. A reader about to block
//     (sleep, poll) outside a section should call ReaderThread::Offline() first and
//     Online() after, or simply not matter: a blocked online reader only delays
//     reclamation, it never blocks the writer.
//
// Invariants:
//   1. Memory passed to Retire()/RetireObject() is freed only after a grace period that
//      starts after the call; the writer's own stale pointers obtained before its next
//      QuiescentPoint() therefore stay dereferenceable until that point.
//   2. Retired blocks are batched per writer thread: 250 pointers share one rcu_head
//      (one call_rcu per batch), so retired memory carries no per-block header. A
//      partial batch is handed over at every QuiescentPoint(). When a batch's grace
//      period is over, liburcu's thread only hands it back; the writer frees its
//      blocks at its next QuiescentPoint()s: at least as many batches as were retired
//      since the previous call, up to 8 (so freeing keeps pace with a write load), then up
//      to 16 more plus as many again within a 200 us budget (the rest waits;
//      ReclaimPending() is true meanwhile) (allocator-local frees, no freeing work on
//      another core). Large single blocks (bucket arrays: RetireObject) are freed on
//      liburcu's thread; dropped tables are reclaimed by the writer in slices
//      (invariant 4): freeing a million entries on another thread was measured to
//      cost the loop a 97 ms turn anyway, when mimalloc handed the queued remote frees
//      back to the owning thread at its next allocation.
//   3. DrainRetired() returns only after every batch handed over so far was freed (and
//      every incremental reclaim finished).
//   4. RetireIncremental objects are handed back to the writer after their grace
//      period like batches, and reclaimed by the writer in ReclaimStep slices of 512
//      blocks, oldest first, within the caller's time budget; at the latest at
//      DrainRetired (thread exit).
//
// ThreadSanitizer: liburcu is not instrumented, so TSan cannot see that a grace period
// orders a reader's accesses before the free. Every quiescent state (and going
// offline) performs a TSan release on one global sync object and every reclamation
// callback acquires it; batches are released by the writer before call_rcu and
// acquired by the callback. Under other builds these annotations compile to nothing.
#pragma once

#include <cstddef>
#include <cstdint>

struct rcu_head;

namespace brisk::engine {

// Registers the calling thread as an RCU reader for its lifetime. REQUIRES: the thread
// is not registered yet (one ReaderThread per thread; not the writer thread).
class ReaderThread {
 public:
  ReaderThread();
  ~ReaderThread();
  ReaderThread(const ReaderThread&) = delete;
  ReaderThread& operator=(const ReaderThread&) = delete;

  // Announces a quiescent state. REQUIRES: outside any ReadSection.
  void Quiescent();
  // Stops / resumes taking part in grace periods (around blocking). REQUIRES: outside
  // any ReadSection while offline.
  void Offline();
  void Online();
};

// A read-side critical section: every Entry* / string_view obtained from the engine
// inside it stays valid until it ends. Nests. REQUIRES: a registered thread (a
// ReaderThread, or the writer thread, where it is a no-op).
class ReadSection {
 public:
  ReadSection();
  ~ReadSection();
  ReadSection(const ReadSection&) = delete;
  ReadSection& operator=(const ReadSection&) = delete;
};

// Registers the calling thread as the (online) writer if it is not registered yet.
// Called by Keyspace's constructor; idempotent.
void EnsureWriterThread();

// Writer, once per loop turn, holding no Entry*: hands the partial retire batch to
// call_rcu and announces a quiescent state.
void QuiescentPoint();
// Writer, around a blocking poll (optional, see the header comment).
void WriterOffline();
void WriterOnline();

// Writer: free(p) after a grace period (batched, invariant 2). p from std::malloc.
void Retire(void* p);
// Writer: fn(head) after a grace period; for objects that need a destructor. The
// callback runs on liburcu's call_rcu thread.
void RetireObject(rcu_head* head, void (*fn)(rcu_head*));
// Writer: for big objects (a dropped table's entries) whose reclaim must neither land
// on one loop turn nor on liburcu's thread (frees from another thread are queued by
// mimalloc and paid by the owning thread in one go at its next allocation): after a
// grace period, the writer itself calls step(object, max_blocks) in ReclaimStep slices
// until it returns true, which means the object freed everything, itself included.
// Invariant 4.
void RetireIncremental(void* object, bool (*step)(void* object, size_t max_blocks));
// Writer, once per loop turn: runs incremental reclaims for about budget_us. True while
// some retired object is not fully reclaimed (its grace period may still be running):
// the caller keeps turns coming (a short timer) until it returns false.
bool ReclaimStep(int64_t budget_us);
// Writer: RetireIncremental work not finished yet.
bool ReclaimPending();

// First statement of every RetireObject callback (orders the free after the readers'
// accesses for TSan; no-op otherwise).
void BeginReclaim(rcu_head* head);

// Writer: hands over the partial batch and waits until everything retired so far is
// freed (invariant 3). Goes offline while waiting, so it must hold no Entry*. Also
// runs at the writer thread's exit.
void DrainRetired();

// Number of blocks handed to Retire() by this thread and not yet handed to call_rcu
// (tests).
size_t PendingRetired();

}  // namespace brisk::engine
