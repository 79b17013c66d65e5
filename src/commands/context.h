// What a command handler sees: the calling client's state, the server-wide state, the
// reply builder and the clock, bundled in CommandContext. The server layer owns the
// objects and implements ServerHooks; this layer knows nothing of sockets or libuv.
//
// Thread safety: loop thread only.
//
// Invariants:
//   1. CommandContext::now_ms is fixed for one command (the loop's cached clock), so all
//      expiry decisions inside one command agree.
//   2. Every handler that changes a key calls KeyModified() for it after the change
//      (Redis's signalModifiedKey): it invalidates WATCH and client-side caches
//      (commands/tracking.h) and logs the key's resulting state to the append log
//      (commands/effects.h).
//   3. ClientState holds no pointer into a read buffer: queued MULTI commands own copies.
//   4. Every handler that changes a key also calls Notify() with Redis's event name for
//      it (next to KeyModified, in the family file), so keyspace notifications match
//      Redis's. Notify costs one branch when notify-keyspace-events is off.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "commands/blocking.h"
#include "commands/command.h"
#include "commands/effects.h"
#include "commands/tracking.h"
#include "common/config.h"
#include "common/keyspace_events.h"
#include "engine/eviction.h"
#include "engine/keyspace.h"
#include "pubsub/registry.h"
#include "resp/reply.h"

namespace brisk::cmd {

// The pub/sub base holds the client's subscriptions and their count (`subscriptions`:
// channels + patterns + shard channels), maintained by pubsub::Registry.
struct ClientState : pubsub::Subscriber {
  uint64_t id = 0;
  int fd = -1;
  std::string addr;   // "ip:port" of the peer
  std::string laddr;  // "ip:port" of the local end
  bool is_unix = false;
  std::string name, lib_name, lib_ver;
  int db_index = 0;
  int resp = 2;
  bool authenticated = false;
  std::string user = "default";
  int64_t created_ms = 0;
  int64_t last_interaction_ms = 0;
  std::string_view last_cmd = "NULL";

  // Transactions (MULTI/EXEC/WATCH).
  bool in_multi = false;
  bool multi_error = false;  // a queued command was rejected -> EXECABORT
  std::vector<std::vector<std::string>> queued;
  size_t queued_bytes = 0;
  bool dirty_cas = false;  // a watched key was modified
  struct Watched {
    int db;
    std::string key;
    bool expired_at_watch;
  };
  std::vector<Watched> watched;

  // CLIENT REPLY
  enum class ReplyMode : uint8_t { kOn, kOff, kSkip, kSkipNext } reply_mode = ReplyMode::kOn;
  bool no_evict = false;
  bool no_touch = false;
  bool monitor = false;
  bool close_after_reply = false;  // QUIT, protocol error, CLIENT KILL of self
  bool blocked = false;            // in a blocking pop (commands/blocking.h invariant 1)
  ClientTracking tracking;         // CLIENT TRACKING (commands/tracking.h)

  // Filled by the server for CLIENT LIST / INFO.
  size_t query_buf_len = 0;
  size_t query_buf_cap = 0;
  size_t output_len = 0;
};

struct SlowlogEntry {
  uint64_t id;
  int64_t unix_s;
  int64_t duration_us;
  std::vector<std::string> args;
  std::string addr, name;
};

struct ServerStats {
  uint64_t total_connections = 0;
  uint64_t total_commands = 0;
  uint64_t rejected_connections = 0;
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t net_input_bytes = 0;
  uint64_t net_output_bytes = 0;
  uint64_t total_error_replies = 0;
  uint64_t unexpected_error_replies = 0;
  uint64_t client_output_buffer_limit_disconnections = 0;
  // Loop turns (server/loop_meter.h): count, summed and longest busy time (wall clock,
  // excluding the wait in poll), and the longest turn in thread CPU time, which
  // preemption by other processes does not inflate.
  uint64_t eventloop_cycles = 0;
  uint64_t eventloop_duration_sum_us = 0;
  uint64_t eventloop_duration_max_us = 0;
  uint64_t eventloop_cpu_max_us = 0;
};

// Implemented by the server layer.
class ServerHooks {
 public:
  virtual ~ServerHooks() = default;
  // Every connected client, in id order.
  virtual std::vector<ClientState*> Clients() = 0;
  // Closes the client after its pending replies (asynchronously if it is the caller).
  virtual void KillClient(ClientState* client) = 0;
  // Appends bytes to a client's output (MONITOR feed, pub/sub messages). Must not close
  // the client synchronously (pubsub::Registry invariant 4): a client over its output
  // buffer limit is closed after the current command / fan-out.
  virtual void SendTo(ClientState* client, std::string_view bytes) = 0;
  // SHUTDOWN: stop accepting, finish in-flight work, exit.
  virtual void RequestShutdown() = 0;
  // CLIENT PAUSE: until unix ms; write_only pauses only write commands.
  virtual void PauseClients(int64_t until_ms, bool write_only) = 0;
  virtual void UnpauseClients() = 0;
  // DEBUG SLEEP: blocks the loop on purpose.
  virtual void Sleep(double seconds) = 0;
  // A script has run past busy-reply-threshold (commands/scripting.h): called from the
  // script, on the loop thread, every few milliseconds until it ends. The server answers
  // other clients -BUSY there and runs SCRIPT KILL / SHUTDOWN NOSAVE (uv_run cannot be
  // re-entered). Default: nothing (in-process tests).
  virtual void ServeWhileScriptBusy() {}
  // Blocking pops (commands/blocking.h): whether the client may block (a connection;
  // not a REST or script client), and the end of its block: `reply` is appended to its
  // output (after the append log releases what was logged so far) and its buffered
  // input is resumed after the current command, never synchronously.
  virtual bool CanBlock(const ClientState* client) const {
    (void)client;
    return false;
  }
  virtual void Unblocked(ClientState* client, std::string_view reply) {
    (void)client;
    (void)reply;
  }
  // Server-wide facts for INFO.
  virtual int64_t StartTimeMs() const = 0;
  virtual size_t UsedMemory() const = 0;
  // The part of UsedMemory() that was there at start-up (INFO used_memory_startup).
  virtual size_t StartupMemory() const { return 0; }
  virtual size_t PeakMemory() const = 0;
  virtual size_t Rss() const = 0;
  virtual uint16_t Port() const = 0;
  virtual std::string_view ConfigFile() const = 0;
  virtual std::string_view Executable() const = 0;
};

class WatchTable;
class Dispatcher;
class Scripting;

// The shared state handlers act on. One instance, owned by the server.
struct ServerContext {
  Config* config = nullptr;
  ConfigRegistry* config_registry = nullptr;
  engine::Keyspace* keyspace = nullptr;
  CommandRegistry* commands = nullptr;
  ServerHooks* hooks = nullptr;
  WatchTable* watches = nullptr;
  Dispatcher* dispatcher = nullptr;
  ServerStats stats;
  std::deque<SlowlogEntry> slowlog;
  uint64_t slowlog_next_id = 0;
  std::vector<ClientState*> monitors;
  pubsub::Registry pubsub;
  TrackingTable tracking;  // client-side caching (commands/tracking.h)
  std::string run_id;
  bool active_expire_enabled = true;
  bool loading = false;
  bool in_exec = false;  // EXEC is running its queued commands (Redis's server.in_exec)
  // Append log (commands/effects.h): the recorder is non-null only while effects are
  // logged (appendonly on, not loading); aof is null when the server has no append log.
  EffectRecorder* effects = nullptr;
  AppendLogControl* aof = nullptr;
  // maxmemory eviction (engine/eviction.h; Dispatcher::PerformEvictions). Null: the
  // maxmemory limit is not enforced (unit tests that do not need it).
  engine::Evictor* evictor = nullptr;
  // EVAL / SCRIPT (commands/scripting.h): the Lua engine and script cache, created on
  // first use (ScriptingOf). shared_ptr only for its type-erased deleter: Scripting is
  // incomplete here.
  std::shared_ptr<Scripting> scripting;
  // Clients blocked in BLPOP & co. (commands/blocking.h).
  BlockingRegistry blocking;
};

// Keys watched by clients, per database (Redis's c->db->watched_keys).
class WatchTable {
 public:
  void Watch(ClientState* client, int db, std::string_view key, bool expired_now);
  void UnwatchAll(ClientState* client);
  // Marks every client watching (db, key) dirty. O(1) when nobody watches in this db.
  void Touch(int db, std::string_view key);
  // Marks every client watching any key of db dirty (FLUSHDB, SWAPDB).
  void TouchDb(int db);
  // Marks dirty every client watching a key of db for which pred(key) is true (TABLE
  // DROP). O(keys watched in db).
  template <typename Pred>
  void TouchIf(int db, Pred&& pred) {
    auto db_it = by_db_.find(db);
    if (db_it == by_db_.end()) return;
    for (auto& [key, clients] : db_it->second) {
      if (!pred(std::string_view(key))) continue;
      for (ClientState* c : clients) c->dirty_cas = true;
    }
  }
  void TouchAll();
  bool empty() const { return count_ == 0; }

 private:
  std::unordered_map<int, std::unordered_map<std::string, std::vector<ClientState*>>> by_db_;
  size_t count_ = 0;
};

// Publishes one keyspace event on the channels notify-keyspace-events selects
// (keyspace, keyevent, table). Defined in pubsub_family.cc; the server calls it for keys
// the engine removes on its own (expired, evicted).
void NotifyKeyspaceEvent(ServerContext* server, uint32_t type, std::string_view event, int db,
                         std::string_view key);

// PUBLISH / SPUBLISH and keyspace events: delivers `message` on `channel` to its exact
// subscribers and (for kChannel) to matching patterns; encodes once per (protocol, kind).
// Returns the number of clients that received it.
size_t Publish(ServerContext* server, pubsub::Kind kind, std::string_view channel,
               std::string_view message);

class CommandContext {
 public:
  CommandContext(ServerContext* server, ClientState* client, resp::ReplyBuilder* rb,
                 int64_t now_ms)
      : server_(server), client_(client), rb_(rb), now_ms_(now_ms) {}

  ServerContext* server() const { return server_; }
  ClientState* client() const { return client_; }
  resp::ReplyBuilder* rb() const { return rb_; }
  int64_t now_ms() const { return now_ms_; }
  engine::Keyspace& keyspace() const { return *server_->keyspace; }
  engine::Db& db() const { return server_->keyspace->db(client_->db_index); }
  const Config& config() const { return *server_->config; }

  // Invariant 2.
  void KeyModified(std::string_view key) { KeyModified(client_->db_index, key); }
  void KeyModified(int db, std::string_view key) {
    if (!server_->watches->empty()) server_->watches->Touch(db, key);
    if (server_->effects != nullptr) server_->effects->KeyChanged(db, key, now_ms_);
    if (server_->tracking.active()) server_->tracking.Invalidate(key, server_->hooks);
    server_->blocking.SignalKey(db, key);  // blocking.h step 2
  }
  // Invariant 2 for writes that log their own effect instead of the key's resulting
  // state (collection commands: re-logging a whole collection per write would cost
  // O(size)). `effect` is the deterministic argv that replays the change exactly
  // (upper-case name first), e.g. HSET of the fields set, SREM of the members popped;
  // empty when another call's effect already covers this key (SMOVE's destination).
  void KeyModified(std::string_view key, std::span<const std::string_view> effect) {
    int db = client_->db_index;
    if (!server_->watches->empty()) server_->watches->Touch(db, key);
    if (server_->effects != nullptr && !effect.empty()) server_->effects->Explicit(db, effect);
    if (server_->tracking.active()) server_->tracking.Invalidate(key, server_->hooks);
    server_->blocking.SignalKey(db, key);  // blocking.h step 2
  }
  // Whether effects are being logged (to skip building an effect argv when not).
  bool logging_effects() const { return server_->effects != nullptr; }
  // FLUSHDB / FLUSHALL: every tracking client drops its whole cache (Redis sends a null
  // invalidation whichever database was flushed).
  void AllKeysFlushed() {
    if (server_->tracking.active()) server_->tracking.InvalidateAll(server_->hooks);
  }
  // Logs a database-wide effect (FLUSHDB, FLUSHALL, SWAPDB) on the client's database;
  // per-key effects come from KeyModified. argv[0] is the upper-case command name.
  void LogEffect(std::initializer_list<std::string_view> argv) {
    if (server_->effects != nullptr) server_->effects->Explicit(client_->db_index, argv);
  }

  // Invariant 4 (Redis's notifyKeyspaceEvent). `type` is one class bit of
  // common/keyspace_events.h (notify::kString, kGeneric, ...); `event` is Redis's name.
  void Notify(uint32_t type, std::string_view event, std::string_view key) {
    Notify(type, event, client_->db_index, key);
  }
  void Notify(uint32_t type, std::string_view event, int db, std::string_view key) {
    if (server_->config->notify_keyspace_events & type) [[unlikely]] {
      NotifyKeyspaceEvent(server_, type, event, db, key);
    }
  }

  // Hit/miss accounting for read lookups: INFO keyspace_hits/misses and the key's
  // table (TABLE INFO hits/misses).
  void CountLookup(std::string_view key, bool hit) {
    if (hit) {
      ++server_->stats.keyspace_hits;
    } else {
      ++server_->stats.keyspace_misses;
    }
    db().CountLookup(key, hit);
  }
  // Redis's lookupKeyRead: a lookup that counts as a hit or miss. `touch` updates the
  // access time unless the client asked for CLIENT NO-TOUCH.
  engine::Entry* FindForRead(std::string_view key, bool touch = true) {
    engine::Entry* e = db().Find(key, now_ms_, touch && !client_->no_touch);
    CountLookup(key, e != nullptr);
    return e;
  }

  // Replies with an error row; used by handlers so that all errors pass one place.
  void Error(Err err) { rb_->Error(err); }
  void Error(OpStatus status) { rb_->Error(ErrorFor(status)); }
  void ErrorText(std::string_view text) { rb_->Error(text); }
  void WrongArity(std::string_view name);
  void UnknownSubcommand(CmdArgs args);

 private:
  ServerContext* server_;
  ClientState* client_;
  resp::ReplyBuilder* rb_;
  int64_t now_ms_;
};

}  // namespace brisk::cmd
