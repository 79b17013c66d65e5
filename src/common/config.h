// Server configuration: one typed value per directive, described by one table that the
// config-file loader, the command line (--directive value) and CONFIG GET/SET all use.
//
// Thread safety: values are written by the loop thread only (start-up, CONFIG SET).
// Other threads read only the fields documented as such by their users.
//
// Invariants:
//   1. Every directive has exactly one row in the table (config.cc), with its default;
//      conf/brisk.conf documents the same set.
//   2. Set() validates fully before it changes anything; on failure the old value stays
//      and the error text explains why (used verbatim in start-up and CONFIG SET errors).
//   3. Get() returns the value in the form CONFIG GET shows (sizes in bytes, bools as
//      yes/no), which Set() accepts back unchanged.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace brisk {

// client-output-buffer-limit <class> <hard> <soft> <soft-seconds>; 0 disables a limit.
enum ObufClass : uint8_t { kObufNormal = 0, kObufReplica = 1, kObufPubSub = 2 };
inline constexpr int kObufClasses = 3;
struct ObufLimit {
  uint64_t hard_bytes = 0;
  uint64_t soft_bytes = 0;
  int64_t soft_seconds = 0;
};

struct Config {
  // network
  std::string bind = "127.0.0.1 -::1";
  int64_t port = 6379;
  std::string unixsocket;
  int64_t unixsocketperm = 0;
  int64_t tcp_backlog = 511;
  int64_t timeout = 0;  // seconds; 0 = never close idle clients
  int64_t tcp_keepalive = 300;
  bool protected_mode = true;
  int64_t maxclients = 10000;
  // general
  int64_t databases = 16;
  std::string dir = "./";
  std::string loglevel = "notice";
  std::string logfile;
  std::string pidfile;
  int64_t hz = 10;
  std::string table_separator = ":";
  // security
  std::string requirepass;
  // limits
  uint64_t proto_max_bulk_len = 512ull * 1024 * 1024;
  uint64_t client_query_buffer_limit = 1024ull * 1024 * 1024;
  uint64_t maxmemory = 0;
  std::string maxmemory_policy = "noeviction";
  int64_t maxmemory_samples = 5;
  int64_t maxmemory_eviction_tenacity = 10;
  int64_t lfu_log_factor = 10;
  int64_t lfu_decay_time = 1;
  // slow log
  int64_t slowlog_log_slower_than = 10000;  // microseconds; < 0 disables
  int64_t slowlog_max_len = 128;
  // scripting: ms after which a running script makes other clients get -BUSY (and
  // SCRIPT KILL / SHUTDOWN NOSAVE become possible); lua-time-limit is its old name.
  int64_t busy_reply_threshold = 5000;
  // accepted for compatibility with tools that read/set them
  std::string save;
  bool appendonly = false;
  std::string appendfsync = "everysec";
  std::string appendfilename = "appendonly.aof";
  // Append log (server/persistence.h). Unlike Redis (default yes, where it only forgives a
  // truncated tail), it means: load a log corrupted in the middle up to the damage.
  bool aof_load_truncated = false;
  int64_t auto_aof_rewrite_percentage = 100;  // automatic log rewrite (0: off)
  uint64_t auto_aof_rewrite_min_size = 64ull * 1024 * 1024;
  bool lazyfree_lazy_user_flush = false;
  // notifications (notify-keyspace-events): common/keyspace_events.h bits
  uint32_t notify_keyspace_events = 0;
  // collection encodings (engine/hash_set.h): Redis's thresholds and defaults
  int64_t hash_max_listpack_entries = 128;
  uint64_t hash_max_listpack_value = 64;
  int64_t set_max_intset_entries = 512;
  int64_t set_max_listpack_entries = 128;
  uint64_t set_max_listpack_value = 64;
  int64_t zset_max_listpack_entries = 128;  // engine/zset.h
  uint64_t zset_max_listpack_value = 64;
  int64_t list_max_listpack_size = -2;  // engine/list.h
  // client-side caching: keys remembered for CLIENT TRACKING clients; 0 = no limit
  int64_t tracking_table_max_keys = 1000000;
  // REST adapter (src/rest): read once, when the server starts it; all immutable.
  int64_t http_port = 7379;  // 0 disables the adapter
  std::string http_bind = "127.0.0.1";
  uint64_t http_max_body = 10ull * 1024 * 1024;
  uint64_t http_max_header_size = 16 * 1024;  // request line + headers
  int64_t http_maxclients = 1000;
  int64_t http_timeout = 60;  // idle seconds before a keep-alive connection is closed
  // http-token lines, "<token> <scope>..." each (scopes: read|write|admin:<table-glob>).
  std::vector<std::string> http_tokens;
  // client-output-buffer-limit, indexed by ObufClass; Redis's defaults.
  ObufLimit obuf_limits[kObufClasses] = {
      {0, 0, 0},                                        // normal
      {256ull * 1024 * 1024, 64ull * 1024 * 1024, 60},  // replica
      {32ull * 1024 * 1024, 8ull * 1024 * 1024, 60},    // pubsub
  };
};

// kCustom rows parse and print through these (multi-field or normalised values).
using CustomSet = bool (*)(Config* config, std::string_view value, std::string* error);
using CustomGet = std::string (*)(const Config& config);

enum class ConfigType : uint8_t { kBool, kInt, kMemSize, kString, kEnum, kCustom };

struct ConfigOption {
  std::string_view name;
  ConfigType type = ConfigType::kString;
  bool mutable_at_runtime = false;
  int64_t min = 0, max = 0;                 // kInt bounds (inclusive)
  std::vector<std::string_view> choices;    // kEnum
  // Offsets are avoided on purpose: each row binds to its field with a member pointer
  // of the matching type (only one of these is set).
  bool Config::*b = nullptr;
  int64_t Config::*i = nullptr;
  uint64_t Config::*u = nullptr;
  std::string Config::*s = nullptr;
  CustomSet custom_set = nullptr;  // kCustom
  CustomGet custom_get = nullptr;
};

class ConfigRegistry {
 public:
  explicit ConfigRegistry(Config* config);

  const std::vector<ConfigOption>& options() const { return options_; }
  const ConfigOption* Find(std::string_view name) const;  // case-insensitive

  // Sets from a string. `at_runtime` refuses immutable directives. On failure returns
  // false and fills *error with the reason (without the "ERR ..." wrapper).
  bool Set(std::string_view name, std::string_view value, bool at_runtime, std::string* error);
  std::string Get(const ConfigOption& opt) const;

  // Called after a successful Set() of `name`; the server wires live effects here
  // (loglevel, maxclients, ...). Returning false with an error rolls back the value.
  using Hook = std::function<bool(std::string* error)>;
  void OnChange(std::string_view name, Hook hook);

  // Parses a Redis-style config file: "directive arg..." per line, '#' comments,
  // quoted args. On failure fills *error with "line N: <directive>: <reason>".
  bool LoadFile(const std::string& path, std::string* error);
  // Applies one directive line's words (also used for --directive value args).
  bool Apply(const std::vector<std::string>& words, std::string* error);

  Config* config() { return config_; }

 private:
  Config* config_;
  std::vector<ConfigOption> options_;
  std::vector<std::pair<std::string, Hook>> hooks_;
};

// Splits a line into words like Redis's sdssplitargs (quotes and escapes). Returns
// false on unbalanced quotes.
bool SplitArgs(std::string_view line, std::vector<std::string>* out);

}  // namespace brisk
