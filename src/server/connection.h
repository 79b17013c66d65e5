// Connection: one client socket (TCP or unix) as an explicit state machine.
//
//   kReading ──bytes──▶ parse every complete command ──▶ execute ──▶ reply bytes queued
//       ▲                     │ kNeedMore                   │ kPaused (CLIENT PAUSE)
//       └─────────────────────┘                             ▼
//                                                      kPaused: resumed by the server
//   execute ──blocking pop without data──▶ kBlocked: still reading (input is buffered,
//       a disconnect is seen) but executing nothing; Unblock() queues the reply and the
//       server calls ResumeAfterBlock() after the current command (commands/blocking.h)
//   any state ──protocol error / QUIT / KILL──▶ kClosing (flush replies) ──▶ kClosed
//
// Output is not written from the read callback: the connection registers itself as
// "has output" and the server flushes all such connections once per loop turn (uv_check),
// so a pipeline of N commands read in one turn costs one write(2).
//
// Thread safety: loop thread only.
// Ownership: the Server owns connections (heap, deleted in the uv_close callback).
// Invariants:
//   1. Argument views handed to the dispatcher point into read_buf_ and are dead once
//      the command returns (Consume() follows immediately).
//   2. out_ (pending) and inflight_ (being written by uv_write) swap roles; their
//      capacity is reused, so steady-state replies allocate nothing.
//   3. At most one uv_write is in flight per connection.
//   4. Output buffer limits (client-output-buffer-limit) are checked on every append
//      from outside the read path (Send: pub/sub messages, MONITOR) and after every
//      command. A client over its limit is never closed synchronously (a pub/sub fan-out
//      may be iterating over it): its pending output is freed at once, nothing more is
//      queued, and the close happens at the next flush (same loop turn, uv_check).
//   5. Only the prefix of out_ that the append log released (ReplyBarriers, server/
//      persistence.h) is written; a connection holding output back is flushed again
//      when the release advances.
//   6. Per loop turn, a connection reads at most kReadBytesPerTurn (16 KiB, Redis's
//      PROTO_IOBUF_LEN) and runs commands for at most kWorkUsPerTurn (250 us, checked
//      on the monotonic clock before every kClockEvery-th command of a ProcessInput
//      call; the turn's deadline starts at its first check). Past either budget it
//      stops reading (uv_read_stop) and asks Server::ResumeNextTurn to call
//      ResumeAfterBudget in the next turn, before that turn's poll: it first runs the
//      commands left in read_buf_ (backlog_), under a fresh budget, and reads again only
//      once none is left, so read_buf_ stays bounded. A command stops the loop only
//      between two commands: everything before it was consumed, the parser holds no
//      partial state, so the rest is parsed once, from where it stopped. So one
//      pipelining client (redis-cli --pipe) cannot make a turn long for everyone else:
//      libuv would otherwise read up to 32 times per turn, and each read's commands run
//      at once (measured: 100 ms turns while loading 10M keys); 16 KiB of SETs alone
//      took 2-8 ms at 8-10M keys (cache and TLB misses per insert).
#pragma once

#include <uv.h>

#include <functional>
#include <string>
#include <vector>

#include "commands/context.h"
#include "resp/parser.h"
#include "resp/reply.h"
#include "server/buffer.h"
#include "server/reply_barriers.h"

namespace brisk::server {

class Server;

class Connection {
 public:
  enum class State : uint8_t { kReading, kPaused, kBlocked, kClosing, kClosed };

  Connection(Server* server, uint64_t id, bool is_unix);
  ~Connection();

  // REQUIRES: the stream was accepted into handle(). Starts reading.
  void Start();
  uv_stream_t* handle() { return reinterpret_cast<uv_stream_t*>(&handle_); }
  cmd::ClientState& client() { return client_; }
  State state() const { return state_; }

  // Queues bytes (e.g. MONITOR feed) and schedules a flush.
  void Send(std::string_view bytes);
  // Writes as much of out_ as possible; called by the server once per loop turn.
  void Flush();
  // Flushes what can be flushed without blocking, then closes.
  void CloseAfterReply();
  void Close();
  // Re-runs command processing (after CLIENT UNPAUSE / pause deadline).
  void Resume();
  // The blocked command finished (served, timed out, CLIENT UNBLOCK): queues its reply
  // behind the append log's current barrier (invariant 5). Input stays held until
  // ResumeAfterBlock(), which the server calls outside any command.
  void Unblock(std::string_view reply);
  // Invariant 6 (next turn, from the server): runs the backlog, then reads again.
  void ResumeAfterBudget();
  void ResumeAfterBlock();
  // While a script is busy (server/busy_service.cc): if the connection is idle (nothing
  // unparsed, no write in flight, earlier replies sent now), reads what its socket has
  // without blocking, answers every complete command with answer(client, args, rb) and
  // writes the replies with a non-blocking send; a partial command stays in the read
  // buffer for the normal path; a command that asked to close (QUIT) ends the round and
  // the connection closes once its reply is flushed. Returns false (and does nothing) if
  // it was not idle.
  using BusyAnswer =
      std::function<void(cmd::ClientState*, cmd::CmdArgs, resp::ReplyBuilder*)>;
  bool ServeWhileBusy(const BusyAnswer& answer);

  size_t output_bytes() const { return out_.size() + (inflight_.size() - inflight_off_); }
  bool dropped() const { return dropped_; }
  int64_t last_interaction_ms() const { return client_.last_interaction_ms; }

 private:
  static void OnAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void OnWrite(uv_write_t* req, int status);
  static void OnClose(uv_handle_t* h);

  void ProcessInput();
  void ProtocolError(Err err, std::string_view arg);
  void MarkOutput();
  void MaybeResumeReading();
  // Invariant 6: true once this turn's work budget is spent (reads the clock).
  bool OverWorkBudget();
  // Invariant 6: stops reading; the rest of read_buf_ runs next turn.
  void DeferToNextTurn();
  // ServeWhileBusy: writes out_ with non-blocking writes; true if all of it went.
  bool WriteNow();
  // Invariant 4. Returns false if the client was dropped.
  bool CheckOutputLimit();

  Server* server_;
  union {
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } handle_;
  State state_ = State::kReading;
  bool reading_ = false;
  uint64_t budget_turn_ = 0;  // invariant 6: the loop turn budget_bytes_ counts
  size_t budget_bytes_ = 0;
  uint64_t work_turn_ = 0;         // invariant 6: the loop turn work_deadline_us_ is for
  int64_t work_deadline_us_ = 0;   // monotonic
  bool backlog_ = false;           // commands left in read_buf_ for the next turn
  bool flush_pending_ = false;
  bool writing_ = false;
  bool dropped_ = false;             // over its output buffer limit; closes at next flush
  int64_t soft_limit_since_ms_ = 0;  // when output first reached the soft limit (0: below)
  IoBuffer read_buf_;
  resp::Parser parser_;
  std::vector<std::string_view> args_;
  std::string out_;
  ReplyBarriers barriers_;  // which prefix of out_ the append log has released
  std::string inflight_;
  size_t inflight_off_ = 0;
  resp::ReplyBuilder rb_;
  uv_write_t write_req_;
  cmd::ClientState client_;
};

}  // namespace brisk::server
