// Work that crosses between the adapter thread and the main loop.
//
// Everything but lock-free reads runs on the main loop, through the same dispatcher as
// RESP clients (one writer, one set of semantics, one log, the same notifications): the
// adapter builds a LoopJob, the bridge runs job->Run() on the loop, then hands the job
// back and the adapter calls job->Finish(), which turns the RESP replies it collected
// into the HTTP response. Run() only executes; all JSON work happens in Finish(), off
// the loop.
//
// Thread safety: a job is touched by one thread at a time; the hand-over (a mutex-guarded
// queue + uv_async_send, loop_bridge.h) orders Run() before Finish().
//
// Invariants:
//   1. Finish() is called exactly once per submitted job, unless the adapter is shutting
//      down (then the job is destroyed without it).
//   2. A ReplyToken names the request slot of a connection; a token whose connection
//      closed meanwhile is ignored by the Responder (the reply is dropped).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "rest/http.h"

namespace brisk::rest {

class LoopExecutor;

struct ReplyToken {
  uint64_t conn_id = 0;
  uint64_t seq = 0;
};

// Adapter thread: where finished responses and event-stream text go.
class Responder {
 public:
  virtual void Deliver(const ReplyToken& token, HttpResponse&& response) = 0;
  // Text for an open event stream (one or more complete SSE events).
  virtual void StreamEvent(uint64_t conn_id, std::string_view text) = 0;
  // The loop ended the stream (its subscription is gone): close the connection.
  virtual void StreamEnd(uint64_t conn_id) = 0;

 protected:
  ~Responder() = default;
};

class LoopJob {
 public:
  virtual ~LoopJob() = default;
  // Main loop thread.
  virtual void Run(LoopExecutor& loop) = 0;
  // Adapter thread, after Run().
  virtual void Finish(Responder& responder) = 0;
  // Whether the reply waits for the append log like a RESP reply (loop_bridge.h
  // invariant 2). Stream set-up and tear-down do not: their events must not overtake
  // their head.
  virtual bool holds_for_log() const { return true; }

  ReplyToken token;
  std::string peer;  // the HTTP client's "ip:port" (CLIENT INFO, MONITOR, SLOWLOG)
};

// Adapter thread -> main loop.
class JobQueue {
 public:
  virtual void Submit(std::unique_ptr<LoopJob> job) = 0;

 protected:
  ~JobQueue() = default;
};

// Main loop -> adapter thread: event-stream traffic (the executor's subscribers).
class EventSink {
 public:
  virtual void PostEvent(uint64_t conn_id, std::string text) = 0;
  virtual void PostStreamEnd(uint64_t conn_id) = 0;

 protected:
  ~EventSink() = default;
};

}  // namespace brisk::rest
