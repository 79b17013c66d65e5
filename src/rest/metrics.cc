#include "rest/metrics.h"

#include <algorithm>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>

#include "commands/command.h"

namespace brisk::rest {

namespace {

void Line(std::string* out, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void Line(std::string* out, const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  if (n > 0) out->append(buf, std::min(size_t(n), sizeof(buf) - 1));
  out->push_back('\n');
}

void Help(std::string* out, const char* name, const char* type, const char* help) {
  Line(out, "# HELP %s %s", name, help);
  Line(out, "# TYPE %s %s", name, type);
}

// A label value: backslash, double quote and line feed escaped (exposition format).
std::string Label(std::string_view v) {
  std::string s;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      s.push_back('\\');
      s.push_back(c);
    } else if (c == '\n') {
      s.append("\\n");
    } else {
      s.push_back(c);
    }
  }
  return s;
}

}  // namespace

std::string_view RouteName(Route r) {
  switch (r) {
    case Route::kHealth:
      return "health";
    case Route::kMetrics:
      return "metrics";
    case Route::kCommand:
      return "command";
    case Route::kPipeline:
      return "pipeline";
    case Route::kMultiExec:
      return "multi_exec";
    case Route::kPath:
      return "path_command";
    case Route::kSubscribe:
      return "subscribe";
    case Route::kTables:
      return "tables";
    case Route::kItems:
      return "items";
    case Route::kBatch:
      return "batch";
    case Route::kEvents:
      return "events";
    case Route::kOther:
    case Route::kCount:
      break;
  }
  return "other";
}

void Metrics::CountRequest(Route route, int status, int64_t micros) {
  RouteStats& r = routes_[size_t(route)];
  ++r.by_status[status];
  ++r.count;
  double seconds = double(micros) / 1e6;
  r.sum_seconds += seconds;
  size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  ++r.buckets[b];
}

void Metrics::Render(std::string* out) const {
  Help(out, "brisk_http_requests_total", "counter", "HTTP requests answered, by route and status.");
  for (size_t i = 0; i < kRoutes; ++i) {
    std::string_view name = RouteName(Route(i));
    for (const auto& [status, n] : routes_[i].by_status) {
      Line(out, "brisk_http_requests_total{route=\"%.*s\",code=\"%d\"} %" PRIu64, int(name.size()),
           name.data(), status, n);
    }
  }
  Help(out, "brisk_http_request_duration_seconds", "histogram",
       "Time from a request's last byte to its response being queued, by route.");
  for (size_t i = 0; i < kRoutes; ++i) {
    const RouteStats& r = routes_[i];
    if (r.count == 0) continue;
    std::string_view name = RouteName(Route(i));
    uint64_t cumulative = 0;
    for (size_t b = 0; b < kBuckets.size(); ++b) {
      cumulative += r.buckets[b];
      Line(out, "brisk_http_request_duration_seconds_bucket{route=\"%.*s\",le=\"%g\"} %" PRIu64,
           int(name.size()), name.data(), kBuckets[b], cumulative);
    }
    Line(out, "brisk_http_request_duration_seconds_bucket{route=\"%.*s\",le=\"+Inf\"} %" PRIu64,
         int(name.size()), name.data(), r.count);
    Line(out, "brisk_http_request_duration_seconds_sum{route=\"%.*s\"} %.6f", int(name.size()),
         name.data(), r.sum_seconds);
    Line(out, "brisk_http_request_duration_seconds_count{route=\"%.*s\"} %" PRIu64,
         int(name.size()), name.data(), r.count);
  }
  Help(out, "brisk_http_lockfree_reads_total", "counter",
       "Requests answered from the engine on the adapter thread, without the main loop.");
  Line(out, "brisk_http_lockfree_reads_total %" PRIu64, fast_reads_);
  Help(out, "brisk_http_loop_jobs_total", "counter", "Requests handed to the main loop.");
  Line(out, "brisk_http_loop_jobs_total %" PRIu64, loop_jobs_);
  Help(out, "brisk_http_connections", "gauge", "Open HTTP connections.");
  Line(out, "brisk_http_connections %" PRId64, connections_);
  Help(out, "brisk_http_connections_total", "counter", "HTTP connections accepted.");
  Line(out, "brisk_http_connections_total %" PRIu64, connections_total_);
  Help(out, "brisk_http_connections_rejected_total", "counter",
       "HTTP connections refused (http-maxclients).");
  Line(out, "brisk_http_connections_rejected_total %" PRIu64, connections_rejected_);
  Help(out, "brisk_http_event_streams", "gauge", "Open Server-Sent Events streams.");
  Line(out, "brisk_http_event_streams %" PRId64, streams_);
}

void LoopSnapshot::Take(cmd::ServerContext& ctx, int64_t now_ms) {
  for (const cmd::CommandSpec* spec : ctx.commands->All()) {
    const cmd::CommandStats& s = spec->stats;
    if (s.calls == 0 && s.rejected_calls == 0 && s.failed_calls == 0) continue;
    commands.push_back(
        {std::string(spec->name), s.calls, s.usec, s.rejected_calls, s.failed_calls});
  }
  engine::Keyspace& ks = *ctx.keyspace;
  for (int db = 0; db < ks.num_dbs(); ++db) {
    if (ks.db(db).size() == 0) continue;
    ks.db(db).ForEachTable([&](const engine::TableStats& t) {
      tables.push_back({db, std::string(t.name), t.items, t.bytes, t.volatile_items});
    });
  }
  std::vector<cmd::ClientState*> clients = ctx.hooks->Clients();
  connected_clients = clients.size();
  total_connections = ctx.stats.total_connections;
  total_commands = ctx.stats.total_commands;
  keyspace_hits = ctx.stats.keyspace_hits;
  keyspace_misses = ctx.stats.keyspace_misses;
  expired_keys = ks.expired_keys();
  used_memory = ctx.hooks->UsedMemory();
  peak_memory = ctx.hooks->PeakMemory();
  rss = ctx.hooks->Rss();
  uptime_s = (now_ms - ctx.hooks->StartTimeMs()) / 1000;
  loading = ctx.loading;
  if (ctx.aof != nullptr) {
    cmd::PersistenceInfo info;
    ctx.aof->GetInfo(&info);
    aof_enabled = info.enabled;
    aof_last_write_ok = info.last_write_ok;
    aof_size = info.current_size;
    aof_buffer = info.buffer_length;
    aof_delayed_fsync = info.delayed_fsync;
  }
}

void LoopSnapshot::Render(std::string* out) const {
  Help(out, "brisk_commands_total", "counter", "Calls per command (INFO commandstats).");
  for (const CommandRow& c : commands) {
    Line(out, "brisk_commands_total{cmd=\"%s\"} %" PRIu64, Label(c.name).c_str(), c.calls);
  }
  Help(out, "brisk_commands_duration_seconds_total", "counter", "Time spent per command.");
  for (const CommandRow& c : commands) {
    Line(out, "brisk_commands_duration_seconds_total{cmd=\"%s\"} %.6f", Label(c.name).c_str(),
         double(c.usec) / 1e6);
  }
  Help(out, "brisk_commands_rejected_total", "counter",
       "Calls refused before running (arity, auth, ...).");
  for (const CommandRow& c : commands) {
    if (c.rejected == 0) continue;
    Line(out, "brisk_commands_rejected_total{cmd=\"%s\"} %" PRIu64, Label(c.name).c_str(),
         c.rejected);
  }
  Help(out, "brisk_commands_failed_total", "counter", "Calls that replied with an error.");
  for (const CommandRow& c : commands) {
    if (c.failed == 0) continue;
    Line(out, "brisk_commands_failed_total{cmd=\"%s\"} %" PRIu64, Label(c.name).c_str(), c.failed);
  }
  Help(out, "brisk_table_keys", "gauge", "Keys per table (expired, unreclaimed keys included).");
  for (const TableRow& t : tables) {
    Line(out, "brisk_table_keys{db=\"%d\",table=\"%s\"} %" PRIu64, t.db, Label(t.name).c_str(),
         t.items);
  }
  Help(out, "brisk_table_bytes", "gauge", "Allocated bytes of the entries per table.");
  for (const TableRow& t : tables) {
    Line(out, "brisk_table_bytes{db=\"%d\",table=\"%s\"} %" PRIu64, t.db, Label(t.name).c_str(),
         t.bytes);
  }
  Help(out, "brisk_table_volatile_keys", "gauge", "Keys with a TTL per table.");
  for (const TableRow& t : tables) {
    Line(out, "brisk_table_volatile_keys{db=\"%d\",table=\"%s\"} %" PRIu64, t.db,
         Label(t.name).c_str(), t.volatile_items);
  }
  Help(out, "brisk_connected_clients", "gauge", "RESP client connections.");
  Line(out, "brisk_connected_clients %" PRIu64, connected_clients);
  Help(out, "brisk_connections_received_total", "counter", "RESP connections accepted.");
  Line(out, "brisk_connections_received_total %" PRIu64, total_connections);
  Help(out, "brisk_commands_processed_total", "counter", "Commands executed (RESP and REST).");
  Line(out, "brisk_commands_processed_total %" PRIu64, total_commands);
  Help(out, "brisk_keyspace_hits_total", "counter", "Read lookups that found a key.");
  Line(out, "brisk_keyspace_hits_total %" PRIu64, keyspace_hits);
  Help(out, "brisk_keyspace_misses_total", "counter", "Read lookups that did not.");
  Line(out, "brisk_keyspace_misses_total %" PRIu64, keyspace_misses);
  Help(out, "brisk_expired_keys_total", "counter", "Keys removed by expiry.");
  Line(out, "brisk_expired_keys_total %" PRIu64, expired_keys);
  Help(out, "brisk_memory_used_bytes", "gauge", "Allocator memory in use (INFO used_memory).");
  Line(out, "brisk_memory_used_bytes %" PRIu64, used_memory);
  Help(out, "brisk_memory_peak_bytes", "gauge", "Peak of brisk_memory_used_bytes.");
  Line(out, "brisk_memory_peak_bytes %" PRIu64, peak_memory);
  Help(out, "brisk_memory_rss_bytes", "gauge", "Resident set size.");
  Line(out, "brisk_memory_rss_bytes %" PRIu64, rss);
  Help(out, "brisk_uptime_seconds", "gauge", "Seconds since the server started.");
  Line(out, "brisk_uptime_seconds %" PRId64, uptime_s);
  Help(out, "brisk_loading", "gauge", "1 while the append log is being replayed.");
  Line(out, "brisk_loading %d", loading ? 1 : 0);
  Help(out, "brisk_aof_enabled", "gauge", "1 when the append log is open and recording.");
  Line(out, "brisk_aof_enabled %d", aof_enabled ? 1 : 0);
  Help(out, "brisk_aof_last_write_ok", "gauge", "0 after a failed log write or fsync (-MISCONF).");
  Line(out, "brisk_aof_last_write_ok %d", aof_last_write_ok ? 1 : 0);
  Help(out, "brisk_aof_size_bytes", "gauge", "Size of the append log.");
  Line(out, "brisk_aof_size_bytes %" PRIu64, aof_size);
  Help(out, "brisk_aof_buffer_bytes", "gauge", "Bytes handed to the log writer, not yet written.");
  Line(out, "brisk_aof_buffer_bytes %" PRIu64, aof_buffer);
  Help(out, "brisk_aof_delayed_fsync_total", "counter",
       "Times everysec replies stopped waiting for a slow fsync.");
  Line(out, "brisk_aof_delayed_fsync_total %" PRIu64, aof_delayed_fsync);
}

}  // namespace brisk::rest
