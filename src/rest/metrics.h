// GET /metrics: Prometheus text exposition format 0.0.4.
//
// Two sources, rendered together:
//   - Metrics: the adapter's own counters (HTTP requests by route and status, request
//     latency histograms, connections, streams, lock-free reads vs loop jobs). Kept on
//     the adapter thread, so they are plain integers.
//   - LoopSnapshot: the server's state, gathered on the main loop by a job (commands
//     with calls and time, clients, memory, keys and bytes per table, append-log
//     status), because those structures belong to the loop.
//
// Thread safety: Metrics on the adapter thread only; LoopSnapshot::Take on the main loop.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "commands/context.h"

namespace brisk::rest {

enum class Route : uint8_t {
  kHealth,
  kMetrics,
  kCommand,    // POST /
  kPipeline,   // POST /pipeline
  kMultiExec,  // POST /multi-exec
  kPath,       // path-style command
  kSubscribe,  // /subscribe, /psubscribe
  kTables,     // /v1/tables, /v1/tables/{t}
  kItems,      // /v1/tables/{t}/items[/...]
  kBatch,      // /v1/tables/{t}/batch/...
  kEvents,     // /v1/tables/{t}/events
  kOther,
  kCount
};
std::string_view RouteName(Route r);

class Metrics {
 public:
  // Upper bounds (seconds) of the latency histogram buckets (+Inf implied).
  static constexpr std::array<double, 12> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                      0.01,   0.025,   0.05,   0.1,   0.5,    1.0};

  void CountRequest(Route route, int status, int64_t micros);
  void CountFastRead() { ++fast_reads_; }
  void CountLoopJob() { ++loop_jobs_; }
  void ConnectionOpened() {
    ++connections_total_;
    ++connections_;
  }
  void ConnectionClosed() { --connections_; }
  void ConnectionRejected() { ++connections_rejected_; }
  void StreamOpened() { ++streams_; }
  void StreamClosed() { --streams_; }

  // Appends the adapter's metrics.
  void Render(std::string* out) const;

 private:
  static constexpr size_t kRoutes = size_t(Route::kCount);
  struct RouteStats {
    std::map<int, uint64_t> by_status;
    uint64_t buckets[kBuckets.size() + 1] = {};  // per bucket; cumulated when rendered
    uint64_t count = 0;
    double sum_seconds = 0;
  };
  RouteStats routes_[kRoutes];
  uint64_t fast_reads_ = 0;
  uint64_t loop_jobs_ = 0;
  uint64_t connections_total_ = 0;
  int64_t connections_ = 0;
  uint64_t connections_rejected_ = 0;
  int64_t streams_ = 0;
};

// The loop's side of /metrics, copied on the loop and rendered on the adapter thread.
struct LoopSnapshot {
  struct CommandRow {
    std::string name;
    uint64_t calls, usec, rejected, failed;
  };
  struct TableRow {
    int db;
    std::string name;
    uint64_t items, bytes, volatile_items;
  };
  std::vector<CommandRow> commands;
  std::vector<TableRow> tables;
  uint64_t connected_clients = 0;
  uint64_t total_connections = 0;
  uint64_t total_commands = 0;
  uint64_t keyspace_hits = 0, keyspace_misses = 0, expired_keys = 0;
  uint64_t used_memory = 0, peak_memory = 0, rss = 0;
  int64_t uptime_s = 0;
  bool aof_enabled = false, aof_last_write_ok = true;
  uint64_t aof_size = 0, aof_buffer = 0, aof_delayed_fsync = 0;
  bool loading = false;

  void Take(cmd::ServerContext& ctx, int64_t now_ms);
  void Render(std::string* out) const;
};

}  // namespace brisk::rest
