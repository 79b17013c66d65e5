// RestServer: the REST adapter — its own thread running its own libuv loop on
// http-port, HTTP/1.1 connections (http_connection.h), and the bridge to the main loop
// (loop_bridge.h).
//
// Lifecycle (all calls from the main loop thread):
//   Start()  opens the bridge on the main loop, starts the adapter thread, waits until it
//            has bound the port (or failed: logged, returns false, nothing keeps running).
//   Stop()   asks the adapter loop to close every connection and handle, joins the
//            thread, then closes the bridge on the main loop. Idempotent; the destructor
//            calls it. The server calls it at the start of its shutdown.
//
// Thread safety: Start/Stop/SendTo/KillClient/OnLogReleased on the main loop thread; the
// connections, Api, Metrics and Authorizer use are on the adapter thread.
//
// Invariants:
//   1. The adapter thread is an RCU reader (engine::ReaderThread) for its whole life and
//      is online only inside ReadScopes (api.h): an idle adapter never holds back the
//      reclamation of retired engine memory.
//   2. Only the adapter thread touches connections; the main loop reaches them only
//      through the bridge's queue (Responder calls happen in DrainToAdapter).
//   3. A connection id is never reused, so a late reply or stream event for a closed
//      connection finds nothing and is dropped.
#pragma once

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "commands/context.h"
#include "common/config.h"
#include "rest/api.h"
#include "rest/auth.h"
#include "rest/http.h"
#include "rest/jobs.h"
#include "rest/loop_bridge.h"
#include "rest/metrics.h"

namespace brisk::rest {

class HttpConnection;

struct RestOptions {
  int port = 7379;
  std::string bind = "127.0.0.1";
  HttpLimits limits;
  int64_t maxclients = 1000;
  int64_t idle_timeout_ms = 60000;                   // 0: never
  int64_t stream_ping_ms = 15000;                    // keep-alive comment on idle event streams
  size_t stream_buffer_limit = 32ull * 1024 * 1024;  // unsent bytes before a stream is cut
  std::vector<std::string> tokens;

  static RestOptions FromConfig(const Config& config);
};

class RestServer final : public Responder {
 public:
  // At most this many requests of one connection wait for their responses; reading
  // stops until they drain (pipelining back-pressure).
  static constexpr size_t kMaxPipelined = 128;

  RestServer(RestOptions options, cmd::ServerContext* ctx, uv_loop_t* main_loop, LoopHooks hooks);
  ~RestServer();
  RestServer(const RestServer&) = delete;
  RestServer& operator=(const RestServer&) = delete;

  // ---- main loop thread
  bool Start();
  void Stop();
  bool running() const { return thread_.joinable(); }
  bool SendTo(const cmd::ClientState* client, std::string_view bytes) {
    return running() && bridge_.SendTo(client, bytes);
  }
  bool KillClient(const cmd::ClientState* client) {
    return running() && bridge_.KillClient(client);
  }
  void OnLogReleased() {
    if (running()) bridge_.OnLogReleased();
  }

  // ---- adapter thread (connections)
  Api& api() { return *api_; }
  Metrics& metrics() { return metrics_; }
  JobQueue& jobs() { return bridge_; }
  const RestOptions& options() const { return options_; }
  char* read_buffer() { return read_buffer_.get(); }
  static constexpr size_t kReadBufferSize = 64 * 1024;
  void OnConnectionClosed(HttpConnection* c, bool had_stream);

  // Responder
  void Deliver(const ReplyToken& token, HttpResponse&& response) override;
  void StreamEvent(uint64_t conn_id, std::string_view text) override;
  void StreamEnd(uint64_t conn_id) override;

 private:
  void ThreadMain();
  bool Listen();
  static void OnConnection(uv_stream_t* listener, int status);
  static void OnWake(uv_async_t* h);
  static void OnStop(uv_async_t* h);
  static void OnTick(uv_timer_t* h);
  void CloseAll();
  HttpConnection* Find(uint64_t id);

  RestOptions options_;
  cmd::ServerContext* ctx_;
  LoopBridge bridge_;
  Authorizer auth_;
  Metrics metrics_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<char[]> read_buffer_;

  std::thread thread_;
  std::atomic<int> start_state_{0};  // 0 starting, 1 serving, -1 failed
  uv_loop_t loop_;
  uv_tcp_t listener_;
  uv_async_t wake_;  // the bridge has work for us
  uv_async_t stop_;
  uv_timer_t tick_;  // idle timeouts, stream pings
  std::map<uint64_t, HttpConnection*> conns_;
  uint64_t next_conn_id_ = 1;
  bool stopping_ = false;
};

}  // namespace brisk::rest
