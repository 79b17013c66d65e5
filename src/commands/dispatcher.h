// Dispatcher: the single path every command takes after parsing —
// lookup -> arity -> auth -> maxmemory eviction / -OOM -> -MISCONF / -LOADING ->
// (MULTI queueing | pause check) ->
// handler (+ keys read, for tracking clients) -> stats, slow log, MONITOR feed, CLIENT
// REPLY suppression -> queued invalidations for the caller -> end of the command's
// append-log batch.
//
// Thread safety: loop thread only.
//
// Ordering notes:
//   - Rejections (unknown command, arity, NOAUTH) inside MULTI also flag the
//     transaction, so EXEC answers EXECABORT, as Redis does.
//   - A paused command is not executed and nothing is consumed: the server keeps it
//     in the connection buffer and retries after CLIENT UNPAUSE / the pause deadline.
#pragma once

#include <cstdint>

#include "commands/context.h"

namespace brisk::cmd {

enum class Outcome : uint8_t { kDone, kPaused };

// "ERR unknown command '<name>', with args beginning with: ..." as Redis words it.
std::string UnknownCommandText(CmdArgs args);

class Dispatcher {
 public:
  explicit Dispatcher(ServerContext* server);

  // Executes (or queues, inside MULTI) one command; its reply is appended to rb.
  Outcome Execute(ClientState* client, CmdArgs args, resp::ReplyBuilder* rb, int64_t now_ms);

  // Runs an already-validated command (EXEC's queued commands): handler + stats.
  void Call(const CommandSpec& spec, ClientState* client, CmdArgs args, resp::ReplyBuilder* rb,
            int64_t now_ms);

  // maxmemory (engine/eviction.h): evicts until INFO used_memory (ServerHooks::
  // UsedMemory) is <= maxmemory, for at most maxmemory-eviction-tenacity's time. Runs
  // before every command; the server calls it again, one slice per loop turn, while
  // eviction_running() (the time ran out before the memory was under the limit).
  using EvictStatus = engine::Evictor::Status;
  EvictStatus PerformEvictions(int64_t now_ms);
  bool eviction_running() const { return eviction_running_; }

  // How many handlers are running (Call nesting): 1 inside a plain command, 2 or more
  // for commands an EXEC or a script runs. Blocking pops block only at depth 1.
  int call_depth() const { return call_depth_; }

  // State of CLIENT PAUSE, owned here so both the dispatcher and server see one truth.
  void Pause(int64_t until_ms, bool write_only) {
    paused_until_ms_ = until_ms;
    pause_write_only_ = write_only;
  }
  void Unpause() { paused_until_ms_ = 0; }
  bool paused(int64_t now_ms) const { return paused_until_ms_ > now_ms; }
  int64_t paused_until_ms() const { return paused_until_ms_; }

 private:
  bool Reject(ClientState* client, resp::ReplyBuilder* rb, std::string_view error);
  void FeedMonitors(ClientState* client, CmdArgs args, int64_t now_ms);

  ServerContext* server_;
  int64_t paused_until_ms_ = 0;
  bool pause_write_only_ = false;
  bool eviction_running_ = false;
  int call_depth_ = 0;
};

}  // namespace brisk::cmd
