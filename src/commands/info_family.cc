// INFO, shaped like Redis 7.2's reply because client libraries parse it during their
// handshake (redis-py and ioredis read INFO; redis-cli reads it for --stat and --bigkeys).
//
// What Brisk cannot know and reports as Redis's neutral value: replication (always a
// master with no replicas), persistence of RDB files, per-error-code statistics (the
// Errorstats section is omitted).
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <type_traits>

#include "commands/arg_parser.h"
#include "commands/context.h"
#include "commands/scripting.h"
#include "commands/server_family.h"
#include "common/clock.h"

namespace brisk::cmd {
namespace {

void Kv(std::string* o, std::string_view k, std::string_view v) {
  o->append(k).append(":").append(v).append("\r\n");
}

template <typename T>
requires std::is_arithmetic_v<T>
void Kv(std::string* o, std::string_view k, T v) {
  if constexpr (std::is_floating_point_v<T>) {
    char buf[64];
    int n = snprintf(buf, sizeof(buf), "%.2f", double(v));
    Kv(o, k, std::string_view(buf, size_t(n)));
  } else {
    Kv(o, k, std::to_string(v));
  }
}

// Redis's bytesToHuman.
std::string Human(uint64_t n) {
  static constexpr const char* kUnits = "KMGTPE";
  if (n < 1024) return std::to_string(n) + "B";
  double d = double(n) / 1024;
  int u = 0;
  while (d >= 1024 && u < 5) {
    d /= 1024;
    ++u;
  }
  char buf[32];
  snprintf(buf, sizeof(buf), "%.2f%c", d, kUnits[u]);
  return buf;
}

std::string Percent(double v) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%.2f%%", v);
  return buf;
}

using SectionFn = void (*)(const CommandContext& ctx, std::string* o);

void ServerSection(const CommandContext& ctx, std::string* o) {
  const ServerHooks& h = *ctx.server()->hooks;
  const Config& cfg = ctx.config();
  utsname u{};
  uname(&u);
  int64_t now = ctx.now_ms();
  int64_t uptime = std::max<int64_t>(0, (now - h.StartTimeMs()) / 1000);
  char gcc[32];
  snprintf(gcc, sizeof(gcc), "%d.%d.%d", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
  Kv(o, "redis_version", kRedisVersion);
  Kv(o, "redis_git_sha1", "00000000");
  Kv(o, "redis_git_dirty", 0);
  Kv(o, "redis_build_id", "0");
  Kv(o, "redis_mode", "standalone");
  Kv(o, "os", std::string(u.sysname) + " " + u.release + " " + u.machine);
  Kv(o, "arch_bits", int(sizeof(void*) * 8));
  Kv(o, "monotonic_clock", "POSIX clock_gettime");
  Kv(o, "multiplexing_api", "epoll");
  Kv(o, "atomicvar_api", "c11-builtin");
  Kv(o, "gcc_version", gcc);
  Kv(o, "process_id", int64_t(getpid()));
  Kv(o, "process_supervised", "no");
  Kv(o, "run_id", ctx.server()->run_id);
  Kv(o, "tcp_port", int(h.Port()));
  Kv(o, "server_time_usec", clock::UnixUs());
  Kv(o, "uptime_in_seconds", uptime);
  Kv(o, "uptime_in_days", uptime / 86400);
  Kv(o, "hz", cfg.hz);
  Kv(o, "configured_hz", cfg.hz);
  Kv(o, "lru_clock", (now / 1000) & 0xFFFFFF);
  Kv(o, "executable", h.Executable());
  Kv(o, "config_file", h.ConfigFile());
  Kv(o, "io_threads_active", 0);
  std::string listener = "name=tcp";
  std::vector<std::string> binds;
  (void)SplitArgs(cfg.bind, &binds);
  for (const auto& b : binds) listener += ",bind=" + b;
  listener += ",port=" + std::to_string(h.Port());
  Kv(o, "listener0", listener);
  if (!cfg.unixsocket.empty()) Kv(o, "listener1", "name=unix,bind=" + cfg.unixsocket);
}

void ClientsSection(const CommandContext& ctx, std::string* o) {
  std::vector<ClientState*> clients = ctx.server()->hooks->Clients();
  size_t max_in = 0, max_out = 0, pubsub = 0, watching = 0, watched_keys = 0;
  for (const ClientState* c : clients) {
    max_in = std::max(max_in, c->query_buf_len);
    max_out = std::max(max_out, c->output_len);
    pubsub += c->subscriptions > 0;
    watching += !c->watched.empty();
    watched_keys += c->watched.size();
  }
  Kv(o, "connected_clients", clients.size());
  Kv(o, "cluster_connections", 0);
  Kv(o, "maxclients", ctx.config().maxclients);
  Kv(o, "client_recent_max_input_buffer", max_in);
  Kv(o, "client_recent_max_output_buffer", max_out);
  Kv(o, "blocked_clients", ctx.server()->blocking.blocked_clients());
  Kv(o, "tracking_clients", 0);
  Kv(o, "pubsub_clients", pubsub);
  Kv(o, "watching_clients", watching);
  Kv(o, "clients_in_timeout_table", ctx.server()->blocking.timed_clients());
  Kv(o, "total_watched_keys", watched_keys);
  Kv(o, "total_blocking_keys", ctx.server()->blocking.blocking_keys());
  Kv(o, "total_blocking_keys_on_nokey", 0);
}

const char* AllocatorName() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return "libc";  // sanitizer builds keep the system allocator (CMakeLists.txt)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
  return "libc";
#else
  return "mimalloc";
#endif
#else
  return "mimalloc";
#endif
}

void MemorySection(const CommandContext& ctx, std::string* o) {
  ServerHooks& h = *ctx.server()->hooks;
  const Config& cfg = ctx.config();
  uint64_t used = h.UsedMemory(), rss = h.Rss();
  uint64_t peak = std::max<uint64_t>(h.PeakMemory(), used);
  uint64_t dataset = 0, clients = 0;
  const engine::Keyspace& ks = ctx.keyspace();
  for (int i = 0; i < ks.num_dbs(); ++i) {
    ks.db(i).ForEachTable([&](const engine::TableStats& t) { dataset += t.bytes; });
  }
  for (const ClientState* c : h.Clients()) clients += c->query_buf_cap + c->output_len;
  uint64_t overhead = used > dataset ? used - dataset : 0;
  uint64_t system = uint64_t(sysconf(_SC_PHYS_PAGES)) * uint64_t(sysconf(_SC_PAGESIZE));
  Kv(o, "used_memory", used);
  Kv(o, "used_memory_human", Human(used));
  Kv(o, "used_memory_rss", rss);
  Kv(o, "used_memory_rss_human", Human(rss));
  Kv(o, "used_memory_peak", peak);
  Kv(o, "used_memory_peak_human", Human(peak));
  Kv(o, "used_memory_peak_perc", Percent(peak ? 100.0 * double(used) / double(peak) : 0));
  Kv(o, "used_memory_overhead", overhead);
  Kv(o, "used_memory_startup", h.StartupMemory());
  Kv(o, "used_memory_dataset", dataset);
  Kv(o, "used_memory_dataset_perc", Percent(used ? 100.0 * double(dataset) / double(used) : 0));
  Kv(o, "total_system_memory", system);
  Kv(o, "total_system_memory_human", Human(system));
  // EVAL scripts (commands/scripting.h; zero until the first script): the Lua state's
  // exact allocation and the cached bodies. FUNCTION is not supported: zero.
  const Scripting* scripting = ctx.server()->scripting.get();
  uint64_t lua = scripting ? scripting->engine().memory_bytes() : 0;
  uint64_t scripts = scripting ? scripting->engine().scripts_bytes() : 0;
  Kv(o, "used_memory_lua", lua);
  Kv(o, "used_memory_vm_eval", lua);
  Kv(o, "used_memory_lua_human", Human(lua));
  Kv(o, "used_memory_scripts_eval", scripts);
  Kv(o, "number_of_cached_scripts", scripting ? scripting->engine().scripts_count() : 0);
  for (auto k : {"number_of_functions", "number_of_libraries", "used_memory_vm_functions"}) {
    Kv(o, k, 0);
  }
  Kv(o, "used_memory_vm_total", lua);
  Kv(o, "used_memory_vm_total_human", Human(lua));
  Kv(o, "used_memory_functions", 0);
  Kv(o, "used_memory_scripts", scripts);
  Kv(o, "used_memory_scripts_human", Human(scripts));
  Kv(o, "maxmemory", cfg.maxmemory);
  Kv(o, "maxmemory_human", Human(cfg.maxmemory));
  Kv(o, "maxmemory_policy", cfg.maxmemory_policy);
  Kv(o, "mem_fragmentation_ratio", used ? double(rss) / double(used) : 0.0);
  Kv(o, "mem_fragmentation_bytes", int64_t(rss) - int64_t(used));
  Kv(o, "mem_not_counted_for_evict", 0);
  Kv(o, "mem_replication_backlog", 0);
  Kv(o, "mem_total_replication_buffers", 0);
  Kv(o, "mem_clients_slaves", 0);
  Kv(o, "mem_clients_normal", clients);
  Kv(o, "mem_cluster_links", 0);
  Kv(o, "mem_aof_buffer", 0);
  Kv(o, "mem_allocator", AllocatorName());
  Kv(o, "active_defrag_running", 0);
  Kv(o, "lazyfree_pending_objects", 0);
  Kv(o, "lazyfreed_objects", 0);
}

void PersistenceSection(const CommandContext& ctx, std::string* o) {
  PersistenceInfo aof;
  if (ctx.server()->aof != nullptr) ctx.server()->aof->GetInfo(&aof);
  bool loading = ctx.server()->loading;
  Kv(o, "loading", int(loading));
  Kv(o, "async_loading", 0);
  if (loading) {  // Redis prints these only while loading
    uint64_t total = aof.loading_total_bytes, done = aof.loading_loaded_bytes;
    int64_t elapsed = clock::UnixMs() / 1000 - aof.loading_start_unix_s;
    Kv(o, "loading_start_time", aof.loading_start_unix_s);
    Kv(o, "loading_total_bytes", total);
    Kv(o, "loading_rdb_used_mem", 0);
    Kv(o, "loading_loaded_bytes", done);
    char perc[32];
    snprintf(perc, sizeof(perc), "%.2f", total ? 100.0 * double(done) / double(total) : 0.0);
    Kv(o, "loading_loaded_perc", perc);
    Kv(o, "loading_eta_seconds",
       done && total > done ? int64_t(double(elapsed) * double(total - done) / double(done))
                            : int64_t(1));
  }
  for (auto k : {"current_cow_peak", "current_cow_size", "current_cow_size_age"}) Kv(o, k, 0);
  Kv(o, "current_fork_perc", "0.00");
  for (auto k : {"current_save_keys_processed", "current_save_keys_total",
                 "rdb_changes_since_last_save", "rdb_bgsave_in_progress"}) {
    Kv(o, k, 0);
  }
  Kv(o, "rdb_last_save_time", ctx.server()->hooks->StartTimeMs() / 1000);
  Kv(o, "rdb_last_bgsave_status", "ok");
  Kv(o, "rdb_last_bgsave_time_sec", -1);
  Kv(o, "rdb_current_bgsave_time_sec", -1);
  for (auto k : {"rdb_saves", "rdb_last_cow_size", "rdb_last_load_keys_expired",
                 "rdb_last_load_keys_loaded"}) {
    Kv(o, k, 0);
  }
  Kv(o, "aof_enabled", int(aof.enabled));
  Kv(o, "aof_rewrite_in_progress", int(aof.rewrite_in_progress));
  Kv(o, "aof_rewrite_scheduled", int(aof.rewrite_scheduled));
  Kv(o, "aof_last_rewrite_time_sec", aof.last_rewrite_time_sec);
  Kv(o, "aof_current_rewrite_time_sec", aof.current_rewrite_time_sec);
  Kv(o, "aof_last_bgrewrite_status", aof.last_bgrewrite_ok ? "ok" : "err");
  Kv(o, "aof_rewrites", aof.rewrites);
  Kv(o, "aof_rewrites_consecutive_failures", aof.rewrites_consecutive_failures);
  Kv(o, "aof_last_write_status", aof.last_write_ok ? "ok" : "err");
  Kv(o, "aof_last_cow_size", 0);
  Kv(o, "module_fork_in_progress", 0);
  Kv(o, "module_fork_last_cow_size", 0);
  if (aof.enabled) {  // Redis prints these only when the AOF is on
    Kv(o, "aof_current_size", aof.current_size);
    Kv(o, "aof_base_size", aof.base_size);
    Kv(o, "aof_pending_rewrite", int(aof.rewrite_scheduled));
    Kv(o, "aof_buffer_length", aof.buffer_length);
    Kv(o, "aof_pending_bio_fsync", aof.pending_bio_fsync);
    Kv(o, "aof_delayed_fsync", aof.delayed_fsync);
  }
}

void StatsSection(const CommandContext& ctx, std::string* o) {
  const ServerStats& s = ctx.server()->stats;
  Kv(o, "total_connections_received", s.total_connections);
  Kv(o, "total_commands_processed", s.total_commands);
  Kv(o, "instantaneous_ops_per_sec", 0);
  Kv(o, "total_net_input_bytes", s.net_input_bytes);
  Kv(o, "total_net_output_bytes", s.net_output_bytes);
  Kv(o, "total_net_repl_input_bytes", 0);
  Kv(o, "total_net_repl_output_bytes", 0);
  for (auto k : {"instantaneous_input_kbps", "instantaneous_output_kbps",
                 "instantaneous_input_repl_kbps", "instantaneous_output_repl_kbps"}) {
    Kv(o, k, "0.00");
  }
  Kv(o, "rejected_connections", s.rejected_connections);
  Kv(o, "sync_full", 0);
  Kv(o, "sync_partial_ok", 0);
  Kv(o, "sync_partial_err", 0);
  Kv(o, "expired_keys", ctx.keyspace().expired_keys());
  Kv(o, "expired_stale_perc", "0.00");
  for (auto k : {"expired_time_cap_reached_count", "expire_cycle_cpu_milliseconds"}) Kv(o, k, 0);
  Kv(o, "evicted_keys", ctx.keyspace().evicted_keys());
  Kv(o, "evicted_clients", 0);
  // Milliseconds spent over maxmemory (engine::Evictor), as Redis 7.
  const engine::Evictor* ev = ctx.server()->evictor;
  int64_t now_us = clock::MonotonicUs();
  Kv(o, "total_eviction_exceeded_time", ev ? ev->exceeded_total_ms(now_us) : 0);
  Kv(o, "current_eviction_exceeded_time", ev ? ev->exceeded_current_ms(now_us) : 0);
  Kv(o, "keyspace_hits", s.keyspace_hits);
  Kv(o, "keyspace_misses", s.keyspace_misses);
  const pubsub::Registry& ps = ctx.server()->pubsub;
  Kv(o, "pubsub_channels", ps.NumChannels(pubsub::Kind::kChannel));
  Kv(o, "pubsub_patterns", ps.NumPatterns());
  Kv(o, "pubsubshard_channels", ps.NumChannels(pubsub::Kind::kShard));
  for (auto k :
       {"latest_fork_usec", "total_forks", "migrate_cached_sockets", "slave_expires_tracked_keys",
        "active_defrag_hits", "active_defrag_misses", "active_defrag_key_hits",
        "active_defrag_key_misses", "total_active_defrag_time", "current_active_defrag_time"}) {
    Kv(o, k, 0);
  }
  const TrackingTable& tr = ctx.server()->tracking;
  Kv(o, "tracking_total_keys", tr.num_keys());
  Kv(o, "tracking_total_items", tr.num_items());
  Kv(o, "tracking_total_prefixes", tr.num_prefixes());
  Kv(o, "eventloop_cycles", s.eventloop_cycles);
  Kv(o, "eventloop_duration_sum", s.eventloop_duration_sum_us);
  // Brisk: the longest loop turn since start or CONFIG RESETSTAT, wall and CPU time.
  Kv(o, "eventloop_duration_max", s.eventloop_duration_max_us);
  Kv(o, "eventloop_duration_cpu_max", s.eventloop_cpu_max_us);
  Kv(o, "unexpected_error_replies", s.unexpected_error_replies);
  Kv(o, "total_error_replies", s.total_error_replies);
  // Redis 7.4's name; reported early because slow subscribers are dropped for it.
  Kv(o, "client_output_buffer_limit_disconnections", s.client_output_buffer_limit_disconnections);
  for (auto k : {"dump_payload_sanitizations", "total_reads_processed", "total_writes_processed",
                 "io_threaded_reads_processed", "io_threaded_writes_processed",
                 "reply_buffer_shrinks", "reply_buffer_expands", "eventloop_duration_cmd_sum",
                 "instantaneous_eventloop_cycles_per_sec", "instantaneous_eventloop_duration_usec",
                 "acl_access_denied_auth", "acl_access_denied_cmd", "acl_access_denied_key",
                 "acl_access_denied_channel"}) {
    Kv(o, k, 0);
  }
}

void ReplicationSection(const CommandContext& ctx, std::string* o) {
  const std::string& run_id = ctx.server()->run_id;
  std::string zeros(40, '0');
  Kv(o, "role", "master");
  Kv(o, "connected_slaves", 0);
  Kv(o, "master_failover_state", "no-failover");
  Kv(o, "master_replid", run_id.empty() ? zeros : run_id);
  Kv(o, "master_replid2", zeros);
  Kv(o, "master_repl_offset", 0);
  Kv(o, "second_repl_offset", -1);
  Kv(o, "repl_backlog_active", 0);
  Kv(o, "repl_backlog_size", 1048576);
  Kv(o, "repl_backlog_first_byte_offset", 0);
  Kv(o, "repl_backlog_histlen", 0);
}

std::string CpuTime(const timeval& tv) {
  char buf[48];
  snprintf(buf, sizeof(buf), "%ld.%06ld", long(tv.tv_sec), long(tv.tv_usec));
  return buf;
}

void CpuSection(const CommandContext&, std::string* o) {
  rusage self{}, children{}, thread{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  getrusage(RUSAGE_THREAD, &thread);  // handlers run on the loop (main) thread
  Kv(o, "used_cpu_sys", CpuTime(self.ru_stime));
  Kv(o, "used_cpu_user", CpuTime(self.ru_utime));
  Kv(o, "used_cpu_sys_children", CpuTime(children.ru_stime));
  Kv(o, "used_cpu_user_children", CpuTime(children.ru_utime));
  Kv(o, "used_cpu_sys_main_thread", CpuTime(thread.ru_stime));
  Kv(o, "used_cpu_user_main_thread", CpuTime(thread.ru_utime));
}

void ModulesSection(const CommandContext&, std::string*) {}

void CommandstatsSection(const CommandContext& ctx, std::string* o) {
  for (const CommandSpec* spec : ctx.server()->commands->All()) {
    const CommandStats& s = spec->stats;
    if (s.calls == 0 && s.rejected_calls == 0 && s.failed_calls == 0) continue;
    char buf[256];
    snprintf(buf, sizeof(buf),
             "calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,failed_calls=%llu",
             (unsigned long long)s.calls, (unsigned long long)s.usec,
             s.calls ? double(s.usec) / double(s.calls) : 0.0, (unsigned long long)s.rejected_calls,
             (unsigned long long)s.failed_calls);
    Kv(o, std::string("cmdstat_").append(spec->name), buf);
  }
}

void ClusterSection(const CommandContext&, std::string* o) {
  Kv(o, "cluster_enabled", 0);
}

void KeyspaceSection(const CommandContext& ctx, std::string* o) {
  const engine::Keyspace& ks = ctx.keyspace();
  for (int i = 0; i < ks.num_dbs(); ++i) {
    const engine::Db& db = ks.db(i);
    if (db.size() == 0) continue;
    char buf[96];
    snprintf(buf, sizeof(buf), "keys=%zu,expires=%zu,avg_ttl=0", db.size(), db.volatile_size());
    Kv(o, "db" + std::to_string(i), buf);
  }
}

// Brisk: one line per table of every non-empty db, dbs in order, tables in name order:
//   db<N>.<table>:items=<n>,bytes=<n>,volatile=<n>,hits=<n>,misses=<n>
// The default table "" prints as "db0.:". Like Redis's getSafeInfoString, the bytes
// '#', ':', '\r' and '\n' of a table name print as '_' so each line stays one field.
void TablesSection(const CommandContext& ctx, std::string* o) {
  const engine::Keyspace& ks = ctx.keyspace();
  for (int i = 0; i < ks.num_dbs(); ++i) {
    const engine::Db& db = ks.db(i);
    if (db.size() == 0) continue;
    db.ForEachTable([&](const engine::TableStats& s) {
      std::string field = "db" + std::to_string(i) + ".";
      for (char c : s.name) field += (c == '#' || c == ':' || c == '\r' || c == '\n') ? '_' : c;
      char buf[160];
      snprintf(buf, sizeof(buf), "items=%zu,bytes=%zu,volatile=%zu,hits=%llu,misses=%llu", s.items,
               s.bytes, s.volatile_items, (unsigned long long)s.hits, (unsigned long long)s.misses);
      Kv(o, field, buf);
    });
  }
}

struct Section {
  std::string_view name;    // as INFO takes it
  std::string_view header;  // as INFO prints it
  SectionFn fn;
  bool in_default;
};

// Redis's order.
constexpr Section kSections[] = {
    {"server", "Server", ServerSection, true},
    {"clients", "Clients", ClientsSection, true},
    {"memory", "Memory", MemorySection, true},
    {"persistence", "Persistence", PersistenceSection, true},
    {"stats", "Stats", StatsSection, true},
    {"replication", "Replication", ReplicationSection, true},
    {"cpu", "CPU", CpuSection, true},
    {"modules", "Modules", ModulesSection, true},
    {"commandstats", "Commandstats", CommandstatsSection, false},
    {"cluster", "Cluster", ClusterSection, true},
    {"keyspace", "Keyspace", KeyspaceSection, true},
    {"tables", "Tables", TablesSection, false},  // Brisk; in "all"/"everything" only
};
constexpr size_t kNumSections = std::size(kSections);

// INFO [section ...]: "default" (also no argument), "all", "everything" or section
// names, case-insensitive; unknown names select nothing.
void Info(CmdArgs args, CommandContext* ctx) {
  bool want[kNumSections] = {};
  if (args.size() == 1) {
    for (size_t i = 0; i < kNumSections; ++i) want[i] = kSections[i].in_default;
  }
  for (size_t a = 1; a < args.size(); ++a) {
    bool all = EqualsNoCase(args[a], "all") || EqualsNoCase(args[a], "everything");
    bool def = EqualsNoCase(args[a], "default");
    for (size_t i = 0; i < kNumSections; ++i) {
      if (all || (def && kSections[i].in_default) || EqualsNoCase(args[a], kSections[i].name)) {
        want[i] = true;
      }
    }
  }
  std::string out;
  out.reserve(4096);
  bool first = true;
  for (size_t i = 0; i < kNumSections; ++i) {
    if (!want[i]) continue;
    if (!first) out += "\r\n";
    first = false;
    out.append("# ").append(kSections[i].header).append("\r\n");
    kSections[i].fn(*ctx, &out);
  }
  ctx->rb()->Verbatim(out);
}

}  // namespace

void RegisterInfoFamily(CommandRegistry* r) {
  const CommandSpec specs[] = {
      {"info", -1, kLoading | kStale, 0, 0, 0, kAclSlow | kAclDangerous, Info, "server",
       "Returns information and statistics about the server.", "1.0.0"},
  };
  r->Add(specs);
}

}  // namespace brisk::cmd
