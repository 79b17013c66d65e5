// HttpConnection: one HTTP/1.1 client of the REST adapter, as an explicit state machine.
//
//   reading ──bytes──▶ RequestParser ──request──▶ Api ──▶ a response slot
//      ▲                 │ paused (kMaxPipelined slots open)       │ done now / later
//      └─────────────────┘◀──────── slots drain ───────────────────┘
//   a response with close / a parse error ──▶ closing (flush, then close)
//   an event-stream head ──▶ streaming (no more requests; events are chunks)
//   EOF / error / idle timeout / shutdown / over the stream buffer limit ──▶ closed
//
// Pipelining: every parsed request gets a slot in arrival order; responses are written
// in slot order whatever order they complete in (a lock-free read right after a write
// waiting for the loop waits for it).
//
// Thread safety: adapter thread only.
// Ownership: the RestServer's map holds it; deleted in the uv_close callback.
// Invariants:
//   1. Slots are ordered by seq; only the ready prefix is moved to the output, so
//      responses leave in request order.
//   2. At most one uv_write is in flight; out_ and inflight_ swap roles (their capacity
//      is reused).
//   3. Once a slot is a stream, it stays the last slot: parsing stopped when its request
//      was read, so nothing follows it.
//   4. Unparsed bytes are kept only while the parser is paused or a request is
//      incomplete, bounded by the parser's limits (http.h invariant 1).
#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <string>

#include "rest/http.h"
#include "rest/metrics.h"

namespace brisk::rest {

class RestServer;

class HttpConnection final : public RequestSink {
 public:
  HttpConnection(RestServer* server, uint64_t id);

  uint64_t id() const { return id_; }
  uv_stream_t* handle() { return reinterpret_cast<uv_stream_t*>(&tcp_); }
  // REQUIRES: accepted into handle(). Starts reading.
  void Start();
  // Answers 503 (http-maxclients) and closes.
  void RejectBusy();

  // Completes the slot `seq` (a late reply for a closed slot is ignored).
  void Complete(uint64_t seq, HttpResponse&& r);
  void StreamEvent(std::string_view text);
  // Ends the stream: last chunk, then close.
  void EndStream();
  void Close();

  // The idle-timeout / ping sweep (RestServer's tick).
  void Tick(int64_t now_ms);

 private:
  struct Slot {
    uint64_t seq = 0;
    Route route = Route::kOther;
    int64_t start_us = 0;
    bool ready = false;
    bool keep_alive = true;
    bool head_only = false;  // HEAD: no body
    bool stream = false;
    bool close = false;
    std::string bytes;
  };

  bool OnRequest(HttpRequest& req) override;
  void OnExpectContinue() override;
  static void OnAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void OnWrite(uv_write_t* req, int status);
  static void OnClose(uv_handle_t* h);
  void Parse(std::string_view data);
  void ResumeParsing();
  void Flush();
  void Write();
  void StopReading();
  Slot* FindSlot(uint64_t seq);
  size_t output_bytes() const { return out_.size() + inflight_.size() - inflight_off_; }

  RestServer* server_;
  uint64_t id_;
  uv_tcp_t tcp_;
  uv_write_t write_req_;
  std::string peer_;
  RequestParser parser_;
  std::string in_;  // unparsed bytes (invariant 4)
  std::deque<Slot> slots_;
  uint64_t next_seq_ = 1;
  std::string out_, inflight_;
  size_t inflight_off_ = 0;
  int64_t last_active_ms_ = 0;
  int64_t last_ping_ms_ = 0;
  bool reading_ = false;
  bool paused_ = false;            // parser paused: too many open slots
  bool no_more_requests_ = false;  // a stream was requested, or a close / error queued
  bool streaming_ = false;         // the front slot is an open stream
  bool stream_requested_ = false;
  bool closing_ = false;  // close once the output is written
  bool writing_ = false;
  bool closed_ = false;
};

}  // namespace brisk::rest
