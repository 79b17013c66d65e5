#include "server/server.h"

#include <arpa/inet.h>
#include <malloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "common/clock.h"
#include "common/keyspace_events.h"
#include "common/log.h"
#include "engine/rcu.h"
#include "server/connection.h"
#include "server/turn_trace.h"

#ifdef BRISK_USE_MIMALLOC
#include <mimalloc.h>
#endif

namespace brisk::server {

namespace {

std::string RandomHex(size_t n) {
  std::random_device rd;
  std::mt19937_64 gen(rd());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(n, '0');
  for (auto& c : s) c = kHex[gen() % 16];
  return s;
}

std::string PeerName(uv_tcp_t* tcp, bool local) {
  sockaddr_storage ss;
  int len = sizeof(ss);
  int rc = local ? uv_tcp_getsockname(tcp, reinterpret_cast<sockaddr*>(&ss), &len)
                 : uv_tcp_getpeername(tcp, reinterpret_cast<sockaddr*>(&ss), &len);
  if (rc != 0) return "?:0";
  char ip[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    uv_ip4_name(a, ip, sizeof(ip));
    port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    uv_ip6_name(a, ip, sizeof(ip));
    port = ntohs(a->sin6_port);
  }
  return std::string(ip) + ":" + std::to_string(port);
}

constexpr uint64_t kShutdownGraceMs = 2000;
// Loop time per turn spent freeing dropped tables' entries (engine::ReclaimStep).
constexpr int64_t kReclaimBudgetUs = 300;
// Loop time per slice of active expiry; the entries it retires are freed at a later
// turn's QuiescentPoint, which costs about as much again: a turn stays under ~1 ms.
constexpr int64_t kExpireBudgetUs = 400;

bool IsLoopback(const std::string& addr) {
  return addr.rfind("127.", 0) == 0 || addr.rfind("::1:", 0) == 0 ||
         addr.rfind("::ffff:127.", 0) == 0;
}

}  // namespace

Server::Server(Config* config, ConfigRegistry* registry, std::string config_file, std::string exe)
    : config_(config),
      registry_(registry),
      config_file_(std::move(config_file)),
      exe_(std::move(exe)),
      dispatcher_(&ctx_) {
  uv_loop_init(&loop_);
  engine::EngineOptions opts;
  opts.table_separator = config_->table_separator.empty() ? ':' : config_->table_separator[0];
  // Entries record the LSN of their last change only while a log rewrite runs (it merges
  // on it; Persistence turns it on and off): 8 bytes per entry written meanwhile.
  opts.track_lsn = false;
  keyspace_ = std::make_unique<engine::Keyspace>(int(config_->databases), opts);
  keyspace_->set_observer(this);
  evictor_ = std::make_unique<engine::Evictor>(keyspace_.get());
  cmd::RegisterAllCommands(&commands_);
  ctx_.config = config_;
  ctx_.config_registry = registry_;
  ctx_.keyspace = keyspace_.get();
  ctx_.commands = &commands_;
  ctx_.hooks = this;
  ctx_.watches = &watches_;
  ctx_.dispatcher = &dispatcher_;
  ctx_.evictor = evictor_.get();
  ctx_.run_id = RandomHex(40);
  persistence_ = std::make_unique<Persistence>(&loop_, &ctx_, registry_);
  persistence_->set_on_release([this] {
    // Duplicates are harmless: a second Flush finds nothing to do.
    for (Connection* c : release_waiters_) ScheduleFlush(c);
    release_waiters_.clear();
    if (rest_ != nullptr) rest_->OnLogReleased();
  });
  ApplyEvictionConfig();
  // (maxmemory and maxmemory-eviction-tenacity are read by the dispatcher each time.)
  for (const char* name :
       {"maxmemory-policy", "maxmemory-samples", "lfu-log-factor", "lfu-decay-time"}) {
    registry_->OnChange(name, [this](std::string*) {
      ApplyEvictionConfig();
      return true;
    });
  }
  // As Redis's updateMaxmemory: a lower limit is reached by eviction slices in the next
  // loop turns, without waiting for the next command.
  registry_->OnChange("maxmemory", [this](std::string*) {
    if (evict_idle_.data == this) StartEvictionSlices();  // once Run() set the handle up
    return true;
  });
  registry_->OnChange("loglevel", [this](std::string*) {
    log::Level level;
    if (log::ParseLevel(config_->loglevel, &level)) log::SetLevel(level);
    return true;
  });
}

Server::~Server() {
  uv_loop_close(&loop_);
}

resp::ParserLimits Server::parser_limits() const {
  resp::ParserLimits limits;
  limits.max_bulk_len = config_->proto_max_bulk_len;
  return limits;
}

int Server::Run() {
  start_ms_ = clock::UpdateCachedTime();
  if (!Listen()) return 1;
  TurnTrace::Get().Init();  // BRISK_TURN_TRACE: long turns' phases (turn_trace.h)
  // The trace reads libuv's idle time, which costs an extra zero-timeout epoll_wait per
  // turn (loop_meter.h): only while tracing.
  if (TurnTrace::Get().enabled()) uv_loop_configure(&loop_, UV_METRICS_IDLE_TIME);
  loop_meter_.Start(&loop_);
  uv_check_init(&loop_, &check_);
  check_.data = this;
  uv_check_start(&check_, OnCheck);
  uv_timer_init(&loop_, &cron_);
  cron_.data = this;
  uint64_t period = uint64_t(std::max<int64_t>(1, 1000 / config_->hz));
  uv_timer_start(&cron_, OnCron, period, period);
  uv_idle_init(&loop_, &expire_idle_);
  expire_idle_.data = this;
  uv_timer_init(&loop_, &reclaim_timer_);
  uv_idle_init(&loop_, &evict_idle_);
  uv_timer_init(&loop_, &block_timer_);
  block_timer_.data = this;
  uv_idle_init(&loop_, &unblock_idle_);
  unblock_idle_.data = this;
  uv_idle_init(&loop_, &resume_idle_);
  resume_idle_.data = this;
  evict_idle_.data = this;
  // What the process holds before any data or client: the fixed part of used_memory.
  startup_memory_ = ProcessHeapBytes();
  uv_signal_init(&loop_, &sigint_);
  uv_signal_init(&loop_, &sigterm_);
  sigint_.data = sigterm_.data = this;
  uv_signal_start(&sigint_, OnSignal, SIGINT);
  uv_signal_start(&sigterm_, OnSignal, SIGTERM);
  signal(SIGPIPE, SIG_IGN);
  // Replays the append log: clients that connect meanwhile get -LOADING.
  if (!persistence_->Start()) return 1;
  // The REST adapter: its own thread and port; it reads the engine lock-free and hands
  // everything else to this loop. A port it cannot bind is logged, not fatal.
  if (config_->http_port != 0) {
    rest::LoopHooks hooks;
    hooks.next_client_id = [this] { return next_client_id_++; };
    hooks.reply_barrier = [this] { return persistence_->ReplyBarrier(); };
    hooks.released_lsn = [this] { return persistence_->released_lsn(); };
    rest_ = std::make_unique<rest::RestServer>(rest::RestOptions::FromConfig(*config_), &ctx_,
                                               &loop_, std::move(hooks));
    rest_->Start();  // on failure (logged) it stays idle: its closed handles are on our loop
  }

  LOG_NOTICE("Ready to accept connections tcp (port %lld)", (long long)config_->port);
  uv_run(&loop_, UV_RUN_DEFAULT);
  // Only unreferenced member handles (the shutdown grace timer) can be left open here.
  uv_walk(&loop_, [](uv_handle_t* h, void*) {
    if (!uv_is_closing(h)) uv_close(h, nullptr);
  }, nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);
  LOG_NOTICE("Brisk is now ready to exit, bye bye...");
  return 0;
}

bool Server::Listen() {
  std::istringstream words(config_->bind);
  std::string host;
  bool any = false;
  if (config_->port != 0) {
    while (words >> host) {
      bool optional = host[0] == '-';
      if (optional) host = host.substr(1);
      if (ListenTcp(host, optional)) any = true;
      else if (!optional) return false;
    }
  }
  if (!config_->unixsocket.empty()) {
    if (!ListenUnix()) return false;
    any = true;
  }
  if (!any) {
    LOG_WARNING("Configured to not listen anywhere, exiting.");
    return false;
  }
  return true;
}

bool Server::ListenTcp(const std::string& host, bool optional) {
  sockaddr_storage addr;
  bool v6 = host.find(':') != std::string::npos;
  int rc = v6 ? uv_ip6_addr(host.c_str(), int(config_->port), reinterpret_cast<sockaddr_in6*>(&addr))
              : uv_ip4_addr(host == "*" ? "0.0.0.0" : host.c_str(), int(config_->port),
                            reinterpret_cast<sockaddr_in*>(&addr));
  if (rc != 0) {
    LOG_WARNING("Invalid bind address '%s'", host.c_str());
    return false;
  }
  auto* tcp = new uv_tcp_t;
  uv_tcp_init(&loop_, tcp);
  tcp->data = this;
  rc = uv_tcp_bind(tcp, reinterpret_cast<sockaddr*>(&addr), v6 ? UV_TCP_IPV6ONLY : 0);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(tcp), int(config_->tcp_backlog),
                              OnConnection);
  if (rc != 0) {
    if (optional) {
      LOG_NOTICE("Skipping optional bind %s:%lld: %s", host.c_str(), (long long)config_->port,
                 uv_strerror(rc));
    } else {
      LOG_WARNING("Could not create server TCP listening socket %s:%lld: %s", host.c_str(),
                  (long long)config_->port, uv_strerror(rc));
    }
    uv_close(reinterpret_cast<uv_handle_t*>(tcp),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
    return false;
  }
  listeners_.push_back(reinterpret_cast<uv_handle_t*>(tcp));
  return true;
}

bool Server::ListenUnix() {
  auto* pipe = new uv_pipe_t;
  uv_pipe_init(&loop_, pipe, 0);
  pipe->data = this;
  unlink(config_->unixsocket.c_str());
  int rc = uv_pipe_bind(pipe, config_->unixsocket.c_str());
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(pipe), int(config_->tcp_backlog),
                              OnConnection);
  if (rc != 0) {
    LOG_WARNING("Failed opening Unix socket %s: %s", config_->unixsocket.c_str(), uv_strerror(rc));
    uv_close(reinterpret_cast<uv_handle_t*>(pipe),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_pipe_t*>(h); });
    return false;
  }
  if (config_->unixsocketperm != 0) chmod(config_->unixsocket.c_str(), mode_t(config_->unixsocketperm));
  listeners_.push_back(reinterpret_cast<uv_handle_t*>(pipe));
  return true;
}

void Server::OnConnection(uv_stream_t* listener, int status) {
  auto* self = static_cast<Server*>(listener->data);
  if (status < 0) {
    LOG_WARNING("Accepting client connection: %s", uv_strerror(status));
    return;
  }
  self->loop_meter_.Awake();
  TurnPhase phase(TurnTrace::kAccept);
  self->Accept(listener, listener->type == UV_NAMED_PIPE);
}

void Server::Accept(uv_stream_t* listener, bool is_unix) {
  auto* conn = new Connection(this, next_client_id_++, is_unix);
  if (uv_accept(listener, conn->handle()) != 0) {
    conn->Close();
    return;
  }
  Admit(conn, is_unix);
}

void Server::Admit(Connection* conn, bool is_unix) {
  cmd::ClientState& c = conn->client();
  if (!is_unix) {
    auto* tcp = reinterpret_cast<uv_tcp_t*>(conn->handle());
    uv_tcp_nodelay(tcp, 1);
    if (config_->tcp_keepalive > 0) uv_tcp_keepalive(tcp, 1, unsigned(config_->tcp_keepalive));
    c.addr = PeerName(tcp, false);
    c.laddr = PeerName(tcp, true);
    uv_os_fd_t fd;
    if (uv_fileno(reinterpret_cast<uv_handle_t*>(tcp), &fd) == 0) c.fd = fd;
  } else {
    c.addr = "/unixsocket:0";
    c.laddr = config_->unixsocket + ":0";
    uv_os_fd_t fd;  // as for TCP: CLIENT LIST shows it, the busy service reads it
    if (uv_fileno(reinterpret_cast<uv_handle_t*>(conn->handle()), &fd) == 0) c.fd = fd;
  }
  ++ctx_.stats.total_connections;
  clients_[c.id] = conn;
  // Refusals are answered like Redis: one error line, then close.
  if (int64_t(clients_.size()) > config_->maxclients) {
    ++ctx_.stats.rejected_connections;
    conn->Send(std::string("-") + std::string(ErrorText(Err::kMaxClients)) + "\r\n");
    conn->CloseAfterReply();
    return;
  }
  if (config_->protected_mode && config_->requirepass.empty() && !is_unix && !IsLoopback(c.addr)) {
    LOG_WARNING("Denied connection from %s: protected mode", c.addr.c_str());
    conn->Send(std::string("-") + std::string(ErrorText(Err::kProtectedMode)) + "\r\n");
    conn->CloseAfterReply();
    return;
  }
  conn->Start();
}

void Server::OnConnectionClosed(Connection* c) {
  cmd::ClientState* cs = &c->client();
  clients_.erase(cs->id);
  watches_.UnwatchAll(cs);
  ctx_.pubsub.UnsubscribeAll(cs);
  ctx_.tracking.ClientClosed(cs);  // before cs dies: the table keeps pointers to it
  auto& m = ctx_.monitors;
  m.erase(std::remove(m.begin(), m.end(), cs), m.end());
  flush_list_.erase(std::remove(flush_list_.begin(), flush_list_.end(), c), flush_list_.end());
  auto& w = release_waiters_;
  w.erase(std::remove(w.begin(), w.end(), c), w.end());
  paused_.erase(std::remove(paused_.begin(), paused_.end(), c), paused_.end());
  if (cs->blocked) ctx_.blocking.Remove(cs);  // before cs dies: the registry points to it
  auto& u = unblocked_;
  u.erase(std::remove(u.begin(), u.end(), c), u.end());
}

void Server::OnCheck(uv_check_t* h) {
  auto* self = static_cast<Server*>(h->data);
  self->loop_meter_.Awake();  // the poll's wait ended here at the latest
  // Hand this turn's log batches to the writer first: replies wait on their LSNs.
  {
    TurnPhase phase(TurnTrace::kLog);
    self->persistence_->BeforeFlush();
  }
  // Client-side caching: this turn's BCAST invalidations, then the table size limit
  // (Redis's beforeSleep); their messages go out in the flush below.
  {
    TurnPhase phase(TurnTrace::kTrack);
    self->ctx_.tracking.BeforeSleep(self, uint64_t(self->config_->tracking_table_max_keys));
  }
  // Flush may close connections, which edits flush_list_; work on a snapshot.
  std::vector<Connection*> list;
  list.swap(self->flush_list_);
  for (Connection* c : list) {
    TurnPhase phase(TurnTrace::kFlush);
    c->Flush();
  }
  list.clear();
  if (self->flush_list_.empty()) self->flush_list_.swap(list);  // keep the capacity
  clock::UpdateCachedTime();
  // maxmemory: the last command ran out of eviction time while still over the limit.
  if (self->dispatcher_.eviction_running()) self->StartEvictionSlices();
  // The loop holds no Entry* here: let RCU grace periods complete and reclaim what the
  // engine retired (engine/rcu.h). Once per turn; the cron timer guarantees turns.
  {
    TurnPhase phase(TurnTrace::kQs);
    engine::QuiescentPoint();
  }
  // Blocked clients: (re-)arm the timeout timer when the earliest deadline changed.
  if (self->ctx_.blocking.next_deadline_ms() != self->block_timer_due_) self->ArmBlockTimer();
  // Dropped tables / flushed dbs: their entries are freed here, a slice per turn; a
  // 1 ms timer keeps turns coming until all is reclaimed (engine/rcu.h invariant 4).
  bool reclaim_left;
  {
    TurnPhase phase(TurnTrace::kReclaim);
    reclaim_left = engine::ReclaimStep(kReclaimBudgetUs);
  }
  if (reclaim_left && !uv_is_active(reinterpret_cast<uv_handle_t*>(
                                                   &self->reclaim_timer_))) {
    uv_timer_start(&self->reclaim_timer_, [](uv_timer_t* t) {
      if (!engine::ReclaimPending()) uv_timer_stop(t);
    }, 1, 1);
  }
  self->loop_meter_.OnTurnEnd(&self->ctx_.stats);
  TurnTrace::Get().EndTurn(&self->loop_);
}

void Server::OnCron(uv_timer_t* h) {
  TurnPhase phase(TurnTrace::kCron);
  static_cast<Server*>(h->data)->Cron();
}

void Server::Cron() {
  int64_t now = clock::UpdateCachedTime();
  // Idle clients.
  if (config_->timeout > 0) {
    std::vector<Connection*> idle;
    for (auto& [id, c] : clients_) {
      const cmd::ClientState& cs = c->client();
      if (cs.monitor || cs.subscriptions > 0 || cs.blocked) continue;  // as Redis
      if (now - c->last_interaction_ms() > config_->timeout * 1000) idle.push_back(c);
    }
    for (Connection* c : idle) {
      LOG_VERBOSE("Closing idle client id=%llu", (unsigned long long)c->client().id);
      c->Close();
    }
  }
  // Pause deadline.
  if (!paused_.empty() && !dispatcher_.paused(now)) ResumePaused();
  // Active expiry: bounded slices, one per turn, while due keys remain.
  if (!ctx_.active_expire_enabled) {
    uv_idle_stop(&expire_idle_);
  } else if (!uv_is_active(reinterpret_cast<uv_handle_t*>(&expire_idle_))) {
    // Slices run from an idle handle, one per loop turn (an active idle handle makes
    // the turn's poll non-blocking), back to back while due keys remain, with I/O
    // polled between them: a request waits at most one slice; the handle stops itself
    // when a slice finds nothing more due. (Not a 0 ms timer: libuv 1.44 runs a timer
    // re-armed from its own callback again in the same turn.) The cron runs no slice
    // itself: libuv runs an idle handle started by a timer in the same turn, and two
    // slices in one turn made ~1 ms turns during a mass expiry (BRISK_TURN_TRACE:
    // cron=430 expire=440 us).
    uv_idle_start(&expire_idle_, OnExpireIdle);
  }
  size_t clients = 0;
  for (auto& [id, c] : clients_) clients += c->client().query_buf_cap + c->output_bytes();
  client_memory_ = clients;
  size_t used = UsedMemory();
  if (used > peak_memory_) peak_memory_ = used;
  // Scheduled and automatic log rewrites (auto-aof-rewrite-*).
  persistence_->Cron();
  ReturnFreedMemory(now);
}

// mimalloc returns the pages that frees emptied (mass expiry, TABLE DROP, FLUSHALL) to
// the OS only when the owning thread calls into it; an idle loop would keep them
// forever. Once a second, a non-forcing collect purges them.
void Server::OnExpireIdle(uv_idle_t* h) {
  auto* self = static_cast<Server*>(h->data);
  TurnPhase phase(TurnTrace::kExpire);
  clock::UpdateCachedTime();
  if (!self->ExpireSlice(kExpireBudgetUs)) uv_idle_stop(h);
}

void Server::ReturnFreedMemory(int64_t now_ms) {
#ifdef BRISK_USE_MIMALLOC
  // mi_collect visits every page of the heap (measured: 0.4-1.4 ms on a 150 MiB heap),
  // so it runs only when it can return something — the engine's bytes fell by 8 MiB or
  // more since the last collect — and once the reclaim is over (no active expiry slices,
  // no dropped table or retired batch left to free): once after a mass expiry or a
  // drop, not in every second of one, where it would stack on the slices' turns.
  size_t engine_bytes = keyspace_->memory_bytes();
  collect_mark_ = std::max(collect_mark_, engine_bytes);
  if (now_ms - last_collect_ms_ < 1000 || collect_mark_ - engine_bytes < (size_t{8} << 20)) return;
  if (uv_is_active(reinterpret_cast<uv_handle_t*>(&expire_idle_)) || engine::ReclaimPending()) {
    return;
  }
  last_collect_ms_ = now_ms;
  collect_mark_ = engine_bytes;
  mi_collect(false);
#else
  (void)now_ms;
#endif
}

void Server::ApplyEvictionConfig() {
  engine::EvictionSettings s;
  engine::ParseEvictionPolicy(config_->maxmemory_policy, &s.policy);  // an enum row: valid
  s.samples = int(config_->maxmemory_samples);
  s.lfu_log_factor = int(config_->lfu_log_factor);
  s.lfu_decay_time = int(config_->lfu_decay_time);
  evictor_->Configure(s);
}

// Redis's evictionTimeProc: one bounded eviction slice per loop turn, with I/O polled
// (without blocking) between slices, until the memory is under the limit or nothing
// more can be evicted. An idle handle, not a 0 ms timer: libuv re-runs a timer re-armed
// at 0 ms within the same turn, which would chain every slice into one long turn.
void Server::StartEvictionSlices() {
  if (shutting_down_ || uv_is_active(reinterpret_cast<uv_handle_t*>(&evict_idle_))) return;
  uv_idle_start(&evict_idle_, [](uv_idle_t* h) {
    auto* self = static_cast<Server*>(h->data);
    TurnPhase phase(TurnTrace::kEvict);
    int64_t now = clock::UpdateCachedTime();
    if (self->dispatcher_.PerformEvictions(now) != cmd::Dispatcher::EvictStatus::kRunning) {
      uv_idle_stop(h);
    }
  });
}

// Returns true if expired keys may remain (the budget ran out).
bool Server::ExpireSlice(int64_t budget_us) {
  int64_t start = clock::MonotonicUs();
  int64_t now = clock::CachedUnixMs();
  int n = keyspace_->num_dbs();
  for (int i = 0; i < n; ++i) {
    engine::Db& db = keyspace_->db((expire_db_cursor_ + i) % n);
    if (db.volatile_size() == 0) continue;
    while (db.ActiveExpire(now, 64) == 64) {
      if (clock::MonotonicUs() - start > budget_us) {
        expire_db_cursor_ = (expire_db_cursor_ + i) % n;
        return true;
      }
    }
  }
  return false;
}

bool Server::CanBlock(const cmd::ClientState* client) const {
  return !shutting_down_ && clients_.count(client->id) != 0;
}

void Server::Unblocked(cmd::ClientState* client, std::string_view reply) {
  Connection* c = FindConnection(client);
  if (c == nullptr) return;
  c->Unblock(reply);
  unblocked_.push_back(c);
  // An active idle handle also makes this turn's poll non-blocking, so a reply queued
  // from the timeout timer is flushed at once.
  uv_idle_start(&unblock_idle_, OnUnblockIdle);
}

void Server::OnUnblockIdle(uv_idle_t* h) {
  auto* self = static_cast<Server*>(h->data);
  clock::UpdateCachedTime();
  std::vector<Connection*> list;
  list.swap(self->unblocked_);
  // A resumed client may block again (or unblock others): those wait for the next turn.
  for (Connection* c : list) c->ResumeAfterBlock();
  if (self->unblocked_.empty()) uv_idle_stop(h);
}

// Connections that used a turn's budget (connection.h invariant 6): their backlog runs
// now, at the start of the next turn, and they read again in its poll. One that runs
// out again is queued for the turn after.
void Server::OnResumeIdle(uv_idle_t* h) {
  auto* self = static_cast<Server*>(h->data);
  TurnPhase phase(TurnTrace::kResume);
  clock::UpdateCachedTime();
  std::vector<uint64_t>& ids = self->resume_now_;  // both keep their capacity
  ids.swap(self->resume_reading_);
  for (uint64_t id : ids) {
    if (auto it = self->clients_.find(id); it != self->clients_.end()) {
      it->second->ResumeAfterBudget();
    }
  }
  ids.clear();
  if (self->resume_reading_.empty()) uv_idle_stop(h);
}

void Server::ArmBlockTimer() {
  if (shutting_down_) return;
  int64_t due = ctx_.blocking.next_deadline_ms();
  block_timer_due_ = due;
  if (due == 0) {
    uv_timer_stop(&block_timer_);
    return;
  }
  int64_t wait = std::max<int64_t>(0, due - clock::UnixMs());
  uv_timer_start(&block_timer_, OnBlockTimer, uint64_t(wait), 0);
}

void Server::OnBlockTimer(uv_timer_t* h) {
  auto* self = static_cast<Server*>(h->data);
  clock::UpdateCachedTime();
  // Real time: the loop's timer clock may run a little behind; a deadline not yet
  // reached is simply re-armed.
  cmd::ExpireBlockedTimeouts(&self->ctx_, clock::UnixMs());
  self->ArmBlockTimer();
}

void Server::ResumePaused() {
  std::vector<Connection*> list;
  list.swap(paused_);
  for (Connection* c : list) c->Resume();
}

void Server::OnSignal(uv_signal_t* h, int signum) {
  auto* self = static_cast<Server*>(h->data);
  LOG_WARNING("Received %s scheduling shutdown...", signum == SIGINT ? "SIGINT" : "SIGTERM");
  self->BeginShutdown();
}

void Server::RequestShutdown() { BeginShutdown(); }

void Server::BeginShutdown() {
  if (shutting_down_) return;
  shutting_down_ = true;
  LOG_WARNING("User requested shutdown...");
  // First: joins the adapter thread and drops its queued requests, so nothing reaches
  // the loop once the log is shut down below.
  if (rest_ != nullptr) rest_->Stop();
  for (uv_handle_t* l : listeners_) {
    uv_close(l, [](uv_handle_t* h) {
      if (h->type == UV_NAMED_PIPE) delete reinterpret_cast<uv_pipe_t*>(h);
      else delete reinterpret_cast<uv_tcp_t*>(h);
    });
  }
  listeners_.clear();
  if (!config_->unixsocket.empty()) unlink(config_->unixsocket.c_str());
  // Write and fdatasync the append log before the last replies go out (they may be
  // waiting for it), as Redis flushes its AOF in prepareForShutdown.
  persistence_->Shutdown();
  uv_timer_stop(&cron_);
  uv_idle_stop(&expire_idle_);
  uv_timer_stop(&reclaim_timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&reclaim_timer_), nullptr);
  uv_idle_stop(&evict_idle_);
  uv_close(reinterpret_cast<uv_handle_t*>(&evict_idle_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&cron_), nullptr);
  uv_timer_stop(&block_timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&block_timer_), nullptr);
  uv_idle_stop(&unblock_idle_);
  uv_close(reinterpret_cast<uv_handle_t*>(&unblock_idle_), nullptr);
  uv_idle_stop(&resume_idle_);
  uv_close(reinterpret_cast<uv_handle_t*>(&resume_idle_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&expire_idle_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&sigint_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&sigterm_), nullptr);
  // Commands already read have run; flush their replies, then close every client.
  std::vector<Connection*> all;
  for (auto& [id, c] : clients_) all.push_back(c);
  for (Connection* c : all) c->CloseAfterReply();
  uv_close(reinterpret_cast<uv_handle_t*>(&check_), nullptr);
  for (Connection* c : all) c->Flush();
  // Connections still writing close when their write completes; the loop then ends
  // because no handle is left. A client that never reads cannot hold the exit back for
  // more than kShutdownGraceMs: the (unreferenced) grace timer closes what is left.
  uv_timer_init(&loop_, &shutdown_timer_);
  shutdown_timer_.data = this;
  uv_timer_start(&shutdown_timer_, [](uv_timer_t* t) {
    auto* self = static_cast<Server*>(t->data);
    std::vector<Connection*> left;
    for (auto& [id, c] : self->clients_) left.push_back(c);
    if (!left.empty()) LOG_WARNING("Closing %zu clients that did not drain in time", left.size());
    for (Connection* c : left) c->Close();
    uv_close(reinterpret_cast<uv_handle_t*>(t), nullptr);
  }, kShutdownGraceMs, 0);
  uv_unref(reinterpret_cast<uv_handle_t*>(&shutdown_timer_));
}

Connection* Server::FindConnection(const cmd::ClientState* client) {
  auto it = clients_.find(client->id);
  return it == clients_.end() ? nullptr : it->second;
}

std::vector<cmd::ClientState*> Server::Clients() {
  std::vector<cmd::ClientState*> out;
  out.reserve(clients_.size());
  for (auto& [id, c] : clients_) {
    c->client().output_len = c->output_bytes();
    out.push_back(&c->client());
  }
  return out;
}

void Server::KillClient(cmd::ClientState* client) {
  if (Connection* c = FindConnection(client)) {
    c->CloseAfterReply();
  } else if (rest_ != nullptr) {
    rest_->KillClient(client);  // a REST event-stream subscriber
  }
}

void Server::SendTo(cmd::ClientState* client, std::string_view bytes) {
  if (Connection* c = FindConnection(client)) {
    c->Send(bytes);
  } else if (rest_ != nullptr) {
    rest_->SendTo(client, bytes);  // a REST event-stream subscriber
  }
}

void Server::PauseClients(int64_t until_ms, bool write_only) {
  (void)until_ms;
  (void)write_only;  // the dispatcher holds the pause state; the cron resumes on deadline
}

void Server::UnpauseClients() {
  dispatcher_.Unpause();
  ResumePaused();
}

void Server::Sleep(double seconds) {
  if (seconds > 0) usleep(useconds_t(seconds * 1e6));
}

size_t Server::UsedMemory() const {
  return startup_memory_ + keyspace_->memory_bytes() + client_memory_;
}

size_t Server::ProcessHeapBytes() {
#ifdef BRISK_USE_MIMALLOC
  // Blocks in use in this thread's heap (mimalloc's committed figure would count its
  // whole first segment: ~32 MiB on an empty server). Walks every page: start-up only.
  size_t used = 0;
  mi_heap_visit_blocks(
      mi_heap_get_default(), /*visit_all_blocks=*/false,
      [](const mi_heap_t*, const mi_heap_area_t* area, void*, size_t, void* arg) {
        *static_cast<size_t*>(arg) += area->used * area->block_size;
        return true;
      },
      &used);
  return used;
#else
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
#endif
}

size_t Server::PeakMemory() const {
  size_t used = UsedMemory();
  if (used > peak_memory_) peak_memory_ = used;
  return peak_memory_;
}

size_t Server::Rss() const {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * size_t(sysconf(_SC_PAGESIZE));
}

// Lazy expiry (inside a command's lookup), the active cycle and eviction all end here,
// so "expired"/"evicted" events fire whichever removed the key (Redis's
// deleteExpiredKeyAndPropagate / performEvictions).
void Server::OnKeyRemoved(int db_index, std::string_view key, engine::RemoveReason reason) {
  if (!watches_.empty()) watches_.Touch(db_index, key);
  if (ctx_.effects != nullptr) ctx_.effects->KeyRemoved(db_index, key);
  if (ctx_.tracking.active()) ctx_.tracking.Invalidate(key, this);
  bool expired = reason == engine::RemoveReason::kExpired;
  uint32_t type = expired ? notify::kExpired : notify::kEvicted;
  if (config_->notify_keyspace_events & type) {
    cmd::NotifyKeyspaceEvent(&ctx_, type, expired ? "expired" : "evicted", db_index, key);
  }
}

}  // namespace brisk::server
