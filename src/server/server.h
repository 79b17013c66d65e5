// Server: wires the layers together around one libuv loop and implements the hooks the
// command layer needs (ServerHooks).
//
// Thread safety: everything here runs on the loop thread.
//
// Per loop turn: read callbacks parse and execute every complete command (replies are
// queued); the uv_check phase flushes every connection with output (one write per
// connection per turn). The cron timer (hz) runs active expiry slices, idle-client
// timeouts and pause deadlines.
//
// Shutdown (SIGINT/SIGTERM/SHUTDOWN): stop accepting, finish the commands already read,
// flush replies, close every handle; Run() then returns 0.
#pragma once

#include <uv.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "commands/context.h"
#include "commands/dispatcher.h"
#include "common/config.h"
#include "engine/eviction.h"
#include "engine/keyspace.h"
#include "resp/parser.h"
#include "server/loop_meter.h"
#include "rest/http_server.h"
#include "server/persistence.h"

namespace brisk::server {

class Connection;

class Server final : public cmd::ServerHooks, public engine::KeyObserver {
 public:
  Server(Config* config, ConfigRegistry* registry, std::string config_file, std::string exe);
  ~Server() override;

  // Binds listeners and runs the loop until shutdown. Returns the exit code.
  int Run();

  // ---- used by Connection
  uv_loop_t* loop() { return &loop_; }
  cmd::ServerContext& context() { return ctx_; }
  cmd::Dispatcher& dispatcher() { return dispatcher_; }
  LoopMeter& loop_meter() { return loop_meter_; }
  void ScheduleFlush(Connection* c) { flush_list_.push_back(c); }
  void OnConnectionClosed(Connection* c);
  void AddPaused(Connection* c) { paused_.push_back(c); }
  // Connection invariant 6: its ResumeAfterBudget() runs in the next turn, before the
  // poll (resume_idle_: an active idle handle also keeps that poll from blocking).
  void ResumeNextTurn(uint64_t client_id) {
    resume_reading_.push_back(client_id);
    if (!shutting_down_) uv_idle_start(&resume_idle_, OnResumeIdle);  // closed then
  }
  // The append log; Connection asks it for reply barriers (server/persistence.h).
  Persistence& persistence() { return *persistence_; }
  // c holds output back until the append log releases it; flushed again on release.
  void WaitForRelease(Connection* c) { release_waiters_.push_back(c); }
  resp::ParserLimits parser_limits() const;

  // ---- cmd::ServerHooks
  std::vector<cmd::ClientState*> Clients() override;
  void KillClient(cmd::ClientState* client) override;
  void SendTo(cmd::ClientState* client, std::string_view bytes) override;
  void RequestShutdown() override;
  void PauseClients(int64_t until_ms, bool write_only) override;
  void UnpauseClients() override;
  void Sleep(double seconds) override;
  void ServeWhileScriptBusy() override;  // server/busy_service.cc
  // Blocking pops (commands/blocking.h): connections may block; an unblocked one gets
  // its reply now and resumes its input in the next loop turn (unblock_idle_).
  bool CanBlock(const cmd::ClientState* client) const override;
  void Unblocked(cmd::ClientState* client, std::string_view reply) override;
  int64_t StartTimeMs() const override { return start_ms_; }
  // INFO used_memory, and what maxmemory is enforced against: the start-up footprint
  // + the engine's data (Keyspace::memory_bytes, exact) + client buffers (summed by the
  // cron). O(1).
  size_t UsedMemory() const override;
  size_t StartupMemory() const override { return startup_memory_; }
  size_t PeakMemory() const override;
  size_t Rss() const override;
  uint16_t Port() const override { return uint16_t(config_->port); }
  std::string_view ConfigFile() const override { return config_file_; }
  std::string_view Executable() const override { return exe_; }

  // ---- engine::KeyObserver
  void OnKeyRemoved(int db_index, std::string_view key, engine::RemoveReason reason) override;

 private:
  bool Listen();
  bool ListenTcp(const std::string& host, bool optional);
  bool ListenUnix();
  static void OnConnection(uv_stream_t* listener, int status);
  void Accept(uv_stream_t* listener, bool is_unix);
  // An accepted connection: peer names, maxclients / protected-mode refusals, Start().
  void Admit(Connection* conn, bool is_unix);
  // server/busy_service.cc: accepts pending connections on every listener with
  // non-blocking accept4() (libuv's listener watchers are not polled while a script
  // runs), and the answers given while busy, in Redis's processCommand order.
  void AcceptWhileBusy();
  void AnswerWhileBusy(cmd::ClientState* client, cmd::CmdArgs args, resp::ReplyBuilder* rb);
  static void OnCheck(uv_check_t* h);
  static void OnCron(uv_timer_t* h);
  static void OnSignal(uv_signal_t* h, int signum);
  void Cron();
  bool ExpireSlice(int64_t budget_us);
  static void OnExpireIdle(uv_idle_t* h);
  void ReturnFreedMemory(int64_t now_ms);
  // maxmemory: applies the eviction directives to the Evictor; runs eviction slices, one
  // per loop turn, while the dispatcher reports the limit still exceeded.
  void ApplyEvictionConfig();
  void StartEvictionSlices();
  // Bytes allocated on the loop thread's heap, as the allocator sees them: the start-up
  // footprint. Walks the heap, so start-up only (used_memory itself is O(1)).
  static size_t ProcessHeapBytes();
  void ResumePaused();
  // Blocked clients' timeouts: one timer at the earliest deadline, re-armed per turn.
  void ArmBlockTimer();
  static void OnBlockTimer(uv_timer_t* h);
  static void OnUnblockIdle(uv_idle_t* h);
  static void OnResumeIdle(uv_idle_t* h);
  void BeginShutdown();
  Connection* FindConnection(const cmd::ClientState* client);

  Config* config_;
  ConfigRegistry* registry_;
  std::string config_file_, exe_;
  uv_loop_t loop_;
  std::vector<uv_handle_t*> listeners_;
  uv_check_t check_;
  LoopMeter loop_meter_;
  uv_timer_t cron_;
  uv_idle_t expire_idle_;  // runs active-expiry slices back to back while keys are due
  uv_timer_t reclaim_timer_;  // keeps turns coming while engine::ReclaimPending()
  uv_idle_t evict_idle_{};  // eviction slices; data is non-null once Run() set it up
  uv_timer_t shutdown_timer_;
  uv_timer_t block_timer_;
  int64_t block_timer_due_ = 0;  // the deadline block_timer_ is armed for (0: none)
  uv_idle_t unblock_idle_;       // resumes unblocked connections outside any command
  uv_idle_t resume_idle_;        // ResumeNextTurn: connections over a turn's budget
  uv_signal_t sigint_, sigterm_;
  std::unique_ptr<engine::Keyspace> keyspace_;
  std::unique_ptr<engine::Evictor> evictor_;
  cmd::CommandRegistry commands_;
  cmd::WatchTable watches_;
  cmd::ServerContext ctx_;
  cmd::Dispatcher dispatcher_;
  std::map<uint64_t, Connection*> clients_;
  std::vector<uint64_t> resume_reading_;  // ResumeNextTurn
  std::vector<uint64_t> resume_now_;      // OnResumeIdle's batch
  std::vector<Connection*> flush_list_;
  std::vector<Connection*> paused_;
  std::vector<Connection*> unblocked_;
  std::vector<Connection*> release_waiters_;
  std::unique_ptr<Persistence> persistence_;  // after ctx_: it points into it
  // The REST adapter (src/rest); null when http-port is 0 (idle if it could not start).
  // After persistence_: its hooks call it. Stopped at the start of BeginShutdown.
  std::unique_ptr<rest::RestServer> rest_;
  uint64_t next_client_id_ = 1;
  int64_t start_ms_ = 0;
  [[maybe_unused]] int64_t last_collect_ms_ = 0;  // ReturnFreedMemory (mimalloc builds)
  [[maybe_unused]] size_t collect_mark_ = 0;      // engine bytes' high mark since then
  int expire_db_cursor_ = 0;
  int64_t busy_served_us_ = 0;  // last ServeWhileScriptBusy round (monotonic us)
  bool shutting_down_ = false;
  mutable size_t peak_memory_ = 0;
  size_t startup_memory_ = 0;  // UsedMemory's fixed part, measured in Run()
  size_t client_memory_ = 0;   // client buffers, summed by the cron
};

}  // namespace brisk::server
