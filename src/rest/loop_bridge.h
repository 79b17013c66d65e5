// LoopBridge: the two one-way queues between the REST adapter thread and the main loop.
//
//   adapter --Submit(job)--> [to_loop_ + uv_async on the main loop] --> job->Run()
//   main    --finished job / stream text--> [to_adapter_ + uv_async on the adapter loop]
//           --> job->Finish() / Responder::StreamEvent()
//
// Each queue is a mutex-protected vector swapped out whole by its consumer (uv_async
// coalesces wake-ups, so one wake-up drains everything queued so far); the critical
// sections are a push_back or a swap, never work.
//
// Thread safety: Submit() and DrainToAdapter()/AttachAdapter()/DetachAdapter() on the
// adapter thread; everything else on the main loop thread.
//
// Invariants:
//   1. Jobs run on the loop in submission order. While CLIENT PAUSE is in effect no job
//      runs (they wait, re-checked every kPauseRecheckMs), reads included: simpler than
//      splitting jobs by write flag, and lock-free reads do not wait anyway.
//   2. A job's reply is released under the same rule as a RESP reply (server/
//      persistence.h): if the append log has not made durable every effect executed up
//      to the end of the job (reply_barrier() != 0), the job waits in held_ until
//      released_lsn() reaches that LSN. Held jobs are released in order (their barriers
//      never decrease).
//   3. After DetachAdapter() nothing is posted to the adapter (its async handle is gone):
//      completions and events are dropped. After Close() nothing runs on the loop.
//   4. The read gate (read_gate(), for the adapter's lock-free reads, api.h ReadCtx)
//      follows the append log as of the end of the last loop turn or log release,
//      whichever came last (the loop publishes it with a release store then):
//        - UINT64_MAX: no log open, nothing to wait for;
//        - kReadsViaLoop (0): the log has effects it has not released yet (the reply
//          barrier is set): every read goes through the loop and waits like a RESP reply;
//        - else the released LSN: all executed effects are released; an entry with a
//          newer LSN (written since, while the engine tracks LSNs) defers to the loop.
//      A write executed during the current turn, before the next publication, is seen
//      by lock-free reads only if the engine does not track LSNs (keyspace.h invariant
//      4): that window, at most the rest of one loop turn, is the one gap in the rule.
#pragma once

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "commands/context.h"
#include "rest/executor.h"
#include "rest/jobs.h"

namespace brisk::rest {

// What the bridge needs from the server (it cannot include server/: layering).
struct LoopHooks {
  std::function<uint64_t()> next_client_id;
  std::function<uint64_t()> reply_barrier;  // Persistence::ReplyBarrier(): 0 = send now
  std::function<uint64_t()> released_lsn;   // Persistence::released_lsn()
};

class LoopBridge final : public JobQueue, public EventSink {
 public:
  static constexpr uint64_t kPauseRecheckMs = 10;

  LoopBridge(uv_loop_t* main_loop, cmd::ServerContext* ctx, LoopHooks hooks);
  ~LoopBridge();
  LoopBridge(const LoopBridge&) = delete;
  LoopBridge& operator=(const LoopBridge&) = delete;

  // ---- main loop thread
  void Open();
  // Invariant 3. Drops queued and held jobs, ends every stream's subscription.
  void Close();
  // The append log released more replies (server's on_release).
  void OnLogReleased();
  // ServerHooks::SendTo / KillClient for clients that are not connections.
  bool SendTo(const cmd::ClientState* client, std::string_view bytes) {
    return exec_.Deliver(client, bytes);
  }
  bool KillClient(const cmd::ClientState* client) { return exec_.Kill(client); }
  LoopExecutor& executor() { return exec_; }
  // Invariant 4 (read from the adapter thread).
  const std::atomic<uint64_t>& read_gate() const { return read_gate_; }

  // ---- adapter thread
  void AttachAdapter(uv_async_t* wake);
  void DetachAdapter();
  // Finishes every job handed back and forwards every stream event, in order.
  void DrainToAdapter(Responder& responder);
  void Submit(std::unique_ptr<LoopJob> job) override;

  // ---- EventSink (main loop thread)
  void PostEvent(uint64_t conn_id, std::string text) override;
  void PostStreamEnd(uint64_t conn_id) override;

 private:
  struct Outgoing {
    std::unique_ptr<LoopJob> job;  // a finished job, or else a stream event:
    uint64_t conn_id = 0;
    std::string text;
    bool end = false;
  };
  struct Held {
    uint64_t lsn;
    std::unique_ptr<LoopJob> job;
  };

  static void OnLoopWake(uv_async_t* h);
  void PublishGate();
  void RunJobs();
  void Post(Outgoing&& out);

  uv_loop_t* main_loop_;
  cmd::ServerContext* ctx_;
  LoopHooks hooks_;
  LoopExecutor exec_;
  uv_async_t loop_wake_;
  uv_timer_t pause_timer_;
  uv_check_t gate_check_;  // invariant 4: once per loop turn
  bool open_ = false;
  std::atomic<uint64_t> read_gate_{UINT64_MAX};

  std::mutex to_loop_mu_;
  std::vector<std::unique_ptr<LoopJob>> to_loop_;
  std::vector<std::unique_ptr<LoopJob>> running_;  // main loop: the batch being run
  std::deque<std::unique_ptr<LoopJob>> waiting_;   // main loop: held by CLIENT PAUSE
  std::deque<Held> held_;                          // main loop: waiting for the log

  std::mutex to_adapter_mu_;
  uv_async_t* adapter_wake_ = nullptr;
  std::vector<Outgoing> to_adapter_;
  std::vector<Outgoing> draining_;  // adapter thread
};

}  // namespace brisk::rest
