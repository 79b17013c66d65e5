#include "rest/http_server.h"

#include <future>

#include "common/clock.h"
#include "common/log.h"
#include "engine/rcu.h"
#include "rest/executor.h"
#include "rest/http_connection.h"

namespace brisk::rest {

namespace {

bool IsLoopbackAddress(std::string_view addr) {
  return addr.substr(0, 4) == "127." || addr == "::1" || addr == "localhost";
}

// Closes the stream of a connection that went away (its subscriber leaves the registry).
class UnsubscribeJob final : public LoopJob {
 public:
  void Run(LoopExecutor& loop) override { loop.Unsubscribe(token.conn_id); }
  void Finish(Responder&) override {}
  bool holds_for_log() const override { return false; }
};

constexpr uint64_t kTickMs = 1000;

}  // namespace

RestOptions RestOptions::FromConfig(const Config& config) {
  RestOptions o;
  o.port = int(config.http_port);
  o.bind = config.http_bind;
  o.limits.max_body = config.http_max_body;
  o.limits.max_header_size = config.http_max_header_size;
  o.maxclients = config.http_maxclients;
  o.idle_timeout_ms = config.http_timeout * 1000;
  uint64_t pubsub_hard = config.obuf_limits[kObufPubSub].hard_bytes;
  if (pubsub_hard != 0) o.stream_buffer_limit = pubsub_hard;
  o.tokens = config.http_tokens;
  return o;
}

RestServer::RestServer(RestOptions options, cmd::ServerContext* ctx, uv_loop_t* main_loop,
                       LoopHooks hooks)
    : options_(std::move(options)),
      ctx_(ctx),
      bridge_(main_loop, ctx, std::move(hooks)),
      read_buffer_(new char[kReadBufferSize]) {}

RestServer::~RestServer() {
  Stop();
}

bool RestServer::Start() {
  if (options_.port == 0 || running()) return false;
  std::string error;
  if (!auth_.Configure(options_.tokens, IsLoopbackAddress(options_.bind), &error)) {
    LOG_WARNING("REST adapter not started: %s", error.c_str());
    return false;
  }
  if (!auth_.open() && options_.tokens.empty()) {
    LOG_WARNING("REST adapter on %s without http-token: every request but /health gets 401",
                options_.bind.c_str());
  }
  bridge_.Open();
  std::promise<bool> bound;
  std::future<bool> result = bound.get_future();
  thread_ = std::thread([this, &bound] {
    engine::ReaderThread reader;  // invariant 1
    reader.Offline();
    ApiEnv env;
    env.keyspace = ctx_->keyspace;
    env.commands = ctx_->commands;
    env.auth = &auth_;
    env.jobs = &bridge_;
    env.metrics = &metrics_;
    env.reader = &reader;
    env.read_gate = &bridge_.read_gate();
    env.separator = ctx_->config->table_separator.empty() ? ':' : ctx_->config->table_separator[0];
    api_ = std::make_unique<Api>(env);
    uv_loop_init(&loop_);
    bool ok = Listen();
    bound.set_value(ok);
    if (ok) {
      uv_run(&loop_, UV_RUN_DEFAULT);
    } else {
      uv_run(&loop_, UV_RUN_DEFAULT);  // runs the close callbacks of a failed bind
    }
    uv_loop_close(&loop_);
    api_.reset();
  });
  if (!result.get()) {
    thread_.join();
    bridge_.Close();
    return false;
  }
  LOG_NOTICE("REST adapter listening on http://%s:%d", options_.bind.c_str(), options_.port);
  return true;
}

bool RestServer::Listen() {
  sockaddr_storage addr;
  bool v6 = options_.bind.find(':') != std::string::npos;
  int rc =
      v6 ? uv_ip6_addr(options_.bind.c_str(), options_.port, reinterpret_cast<sockaddr_in6*>(&addr))
         : uv_ip4_addr(options_.bind == "*" ? "0.0.0.0" : options_.bind.c_str(), options_.port,
                       reinterpret_cast<sockaddr_in*>(&addr));
  if (rc != 0) {
    LOG_WARNING("REST adapter not started: invalid http-bind address '%s'", options_.bind.c_str());
    return false;
  }
  uv_tcp_init(&loop_, &listener_);
  listener_.data = this;
  rc = uv_tcp_bind(&listener_, reinterpret_cast<sockaddr*>(&addr), 0);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&listener_), 511, OnConnection);
  if (rc != 0) {
    LOG_WARNING("REST adapter not started: could not listen on %s:%d: %s", options_.bind.c_str(),
                options_.port, uv_strerror(rc));
    uv_close(reinterpret_cast<uv_handle_t*>(&listener_), nullptr);
    return false;
  }
  uv_async_init(&loop_, &wake_, OnWake);
  wake_.data = this;
  uv_async_init(&loop_, &stop_, OnStop);
  stop_.data = this;
  uv_timer_init(&loop_, &tick_);
  tick_.data = this;
  uv_timer_start(&tick_, OnTick, kTickMs, kTickMs);
  bridge_.AttachAdapter(&wake_);
  return true;
}

void RestServer::Stop() {
  if (!running()) return;
  uv_async_send(&stop_);
  thread_.join();
  bridge_.Close();
}

void RestServer::OnStop(uv_async_t* h) {
  auto* self = static_cast<RestServer*>(h->data);
  self->stopping_ = true;
  self->bridge_.DetachAdapter();
  self->CloseAll();
  uv_close(reinterpret_cast<uv_handle_t*>(&self->listener_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&self->wake_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&self->stop_), nullptr);
  uv_timer_stop(&self->tick_);
  uv_close(reinterpret_cast<uv_handle_t*>(&self->tick_), nullptr);
}

void RestServer::CloseAll() {
  std::vector<HttpConnection*> all;
  for (auto& [id, c] : conns_) all.push_back(c);
  for (HttpConnection* c : all) c->Close();
}

void RestServer::OnConnection(uv_stream_t* listener, int status) {
  auto* self = static_cast<RestServer*>(listener->data);
  if (status < 0 || self->stopping_) return;
  auto* c = new HttpConnection(self, self->next_conn_id_++);
  uv_tcp_init(&self->loop_, reinterpret_cast<uv_tcp_t*>(c->handle()));
  c->handle()->data = c;
  if (uv_accept(listener, c->handle()) != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(c->handle()),
             [](uv_handle_t* h) { delete static_cast<HttpConnection*>(h->data); });
    return;
  }
  self->conns_[c->id()] = c;
  self->metrics_.ConnectionOpened();
  c->Start();
  if (int64_t(self->conns_.size()) > self->options_.maxclients) {
    self->metrics_.ConnectionRejected();
    c->RejectBusy();
  }
}

void RestServer::OnConnectionClosed(HttpConnection* c, bool had_stream) {
  conns_.erase(c->id());
  metrics_.ConnectionClosed();
  if (had_stream && !stopping_) {
    auto job = std::make_unique<UnsubscribeJob>();
    job->token.conn_id = c->id();
    bridge_.Submit(std::move(job));
  }
}

void RestServer::OnWake(uv_async_t* h) {
  auto* self = static_cast<RestServer*>(h->data);
  self->bridge_.DrainToAdapter(*self);
}

void RestServer::OnTick(uv_timer_t* h) {
  auto* self = static_cast<RestServer*>(h->data);
  int64_t now = clock::UnixMs();
  std::vector<HttpConnection*> all;
  for (auto& [id, c] : self->conns_) all.push_back(c);
  for (HttpConnection* c : all) c->Tick(now);
}

HttpConnection* RestServer::Find(uint64_t id) {
  auto it = conns_.find(id);
  return it == conns_.end() ? nullptr : it->second;
}

void RestServer::Deliver(const ReplyToken& token, HttpResponse&& response) {
  if (HttpConnection* c = Find(token.conn_id)) c->Complete(token.seq, std::move(response));
}

void RestServer::StreamEvent(uint64_t conn_id, std::string_view text) {
  if (HttpConnection* c = Find(conn_id)) c->StreamEvent(text);
}

void RestServer::StreamEnd(uint64_t conn_id) {
  if (HttpConnection* c = Find(conn_id)) c->EndStream();
}

}  // namespace brisk::rest
