#include "common/config.h"

#include <strings.h>

#include <algorithm>
#include <fstream>

#include "common/ascii.h"
#include "common/keyspace_events.h"
#include "common/numbers.h"

namespace brisk {
namespace {

// Table-row builders: Row() fills what every row has; each type adds its binding.
ConfigOption Row(std::string_view name, ConfigType type, bool mut) {
  ConfigOption o;
  o.name = name;
  o.type = type;
  o.mutable_at_runtime = mut;
  return o;
}
ConfigOption Bool(std::string_view name, bool Config::*f, bool mut) {
  ConfigOption o = Row(name, ConfigType::kBool, mut);
  o.b = f;
  return o;
}
ConfigOption Int(std::string_view name, int64_t Config::*f, bool mut, int64_t min, int64_t max) {
  ConfigOption o = Row(name, ConfigType::kInt, mut);
  o.min = min;
  o.max = max;
  o.i = f;
  return o;
}
ConfigOption Mem(std::string_view name, uint64_t Config::*f, bool mut) {
  ConfigOption o = Row(name, ConfigType::kMemSize, mut);
  o.u = f;
  return o;
}
ConfigOption Str(std::string_view name, std::string Config::*f, bool mut) {
  ConfigOption o = Row(name, ConfigType::kString, mut);
  o.s = f;
  return o;
}
ConfigOption Enum(std::string_view name, std::string Config::*f, bool mut,
                  std::vector<std::string_view> choices) {
  ConfigOption o = Row(name, ConfigType::kEnum, mut);
  o.s = f;
  o.choices = std::move(choices);
  return o;
}
ConfigOption Custom(std::string_view name, bool mut, CustomSet set, CustomGet get) {
  ConfigOption o = Row(name, ConfigType::kCustom, mut);
  o.custom_set = set;
  o.custom_get = get;
  return o;
}

bool SetNotifyKeyspaceEvents(Config* c, std::string_view value, std::string* error) {
  uint32_t flags;
  if (!notify::ParseFlags(value, &flags)) {
    *error = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
    return false;
  }
  c->notify_keyspace_events = flags;
  return true;
}

std::string GetNotifyKeyspaceEvents(const Config& c) {
  return notify::FlagsToString(c.notify_keyspace_events);
}

// Redis's setConfigClientOutputBufferLimitOption: groups of four words, each group
// replacing one class's limits; all groups are validated before any is applied.
bool SetClientOutputBufferLimit(Config* c, std::string_view value, std::string* error) {
  std::vector<std::string> words;
  if (!SplitArgs(value, &words) || words.size() % 4 != 0) {
    *error = "Wrong number of arguments in buffer limit configuration.";
    return false;
  }
  ObufLimit limits[kObufClasses];
  std::copy(std::begin(c->obuf_limits), std::end(c->obuf_limits), limits);
  for (size_t k = 0; k < words.size(); k += 4) {
    int cls;
    if (EqualsNoCase(words[k], "normal")) {
      cls = kObufNormal;
    } else if (EqualsNoCase(words[k], "replica") || EqualsNoCase(words[k], "slave")) {
      cls = kObufReplica;
    } else if (EqualsNoCase(words[k], "pubsub")) {
      cls = kObufPubSub;
    } else {
      *error = "Invalid client class specified in buffer limit configuration.";
      return false;
    }
    ObufLimit l;
    int64_t secs;
    if (!ParseMemSize(words[k + 1], &l.hard_bytes) || !ParseMemSize(words[k + 2], &l.soft_bytes) ||
        !ParseInt64(words[k + 3], &secs) || secs < 0) {
      *error = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
      return false;
    }
    l.soft_seconds = secs;
    limits[cls] = l;
  }
  std::copy(std::begin(limits), std::end(limits), c->obuf_limits);
  return true;
}

// Redis's order and names: normal, slave, pubsub.
std::string GetClientOutputBufferLimit(const Config& c) {
  static constexpr std::pair<int, const char*> kOrder[] = {
      {kObufNormal, "normal"}, {kObufReplica, "slave"}, {kObufPubSub, "pubsub"}};
  std::string s;
  for (auto [cls, name] : kOrder) {
    const ObufLimit& l = c.obuf_limits[cls];
    if (!s.empty()) s += ' ';
    s += name;
    s += ' ' + std::to_string(l.hard_bytes) + ' ' + std::to_string(l.soft_bytes) + ' ' +
         std::to_string(l.soft_seconds);
  }
  return s;
}

// http-token <token> <scope>...: one token per directive line (repeatable). Adds the
// token, or replaces the scopes of a token already given; "" clears every token. Get
// shows the lines joined by "; ", which Set accepts back (groups split on ';').
bool ValidHttpScope(std::string_view scope) {
  size_t colon = scope.find(':');
  if (colon == std::string_view::npos || colon + 1 == scope.size()) return false;
  std::string_view level = scope.substr(0, colon);
  return level == "read" || level == "write" || level == "admin";
}

bool SetHttpTokens(Config* c, std::string_view value, std::string* error) {
  std::vector<std::string> lines = c->http_tokens;
  if (value.find_first_not_of(" \t") == std::string_view::npos) {
    c->http_tokens.clear();
    return true;
  }
  size_t start = 0;
  while (start <= value.size()) {
    size_t end = value.find(';', start);
    if (end == std::string_view::npos) end = value.size();
    std::vector<std::string> words;
    if (!SplitArgs(value.substr(start, end - start), &words) || words.size() < 2) {
      *error = "expected <token> <scope>... with scopes like read:users or admin:*";
      return false;
    }
    std::string line = words[0];
    for (size_t k = 1; k < words.size(); ++k) {
      if (!ValidHttpScope(words[k])) {
        *error = "invalid scope '" + words[k] + "' (use read|write|admin:<table-pattern>)";
        return false;
      }
      line += ' ' + words[k];
    }
    auto same = std::find_if(lines.begin(), lines.end(), [&](const std::string& l) {
      return l.substr(0, l.find(' ')) == words[0];
    });
    if (same != lines.end()) {
      *same = line;
    } else {
      lines.push_back(line);
    }
    start = end + 1;
  }
  c->http_tokens = std::move(lines);
  return true;
}

std::string GetHttpTokens(const Config& c) {
  std::string s;
  for (const std::string& line : c.http_tokens) {
    if (!s.empty()) s += "; ";
    s += line;
  }
  return s;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

ConfigRegistry::ConfigRegistry(Config* config) : config_(config) {
  constexpr int64_t kMaxInt = INT32_MAX;
  options_ = {
      Str("bind", &Config::bind, false),
      Int("port", &Config::port, false, 0, 65535),
      Str("unixsocket", &Config::unixsocket, false),
      Int("unixsocketperm", &Config::unixsocketperm, false, 0, 0777),
      Int("tcp-backlog", &Config::tcp_backlog, false, 0, kMaxInt),
      Int("timeout", &Config::timeout, true, 0, kMaxInt),
      Int("tcp-keepalive", &Config::tcp_keepalive, true, 0, kMaxInt),
      Bool("protected-mode", &Config::protected_mode, true),
      Int("maxclients", &Config::maxclients, true, 1, kMaxInt),
      Int("databases", &Config::databases, false, 1, 1024),
      Str("dir", &Config::dir, true),
      Enum("loglevel", &Config::loglevel, true, {"debug", "verbose", "notice", "warning"}),
      Str("logfile", &Config::logfile, false),
      Str("pidfile", &Config::pidfile, false),
      Int("hz", &Config::hz, true, 1, 500),
      Str("table-separator", &Config::table_separator, false),
      Str("requirepass", &Config::requirepass, true),
      Mem("proto-max-bulk-len", &Config::proto_max_bulk_len, true),
      Mem("client-query-buffer-limit", &Config::client_query_buffer_limit, true),
      Mem("maxmemory", &Config::maxmemory, true),
      Enum("maxmemory-policy", &Config::maxmemory_policy, true,
           {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru",
            "allkeys-lfu", "allkeys-random", "noeviction"}),
      Int("maxmemory-samples", &Config::maxmemory_samples, true, 1, 64),
      Int("maxmemory-eviction-tenacity", &Config::maxmemory_eviction_tenacity, true, 0, 100),
      Int("lfu-log-factor", &Config::lfu_log_factor, true, 0, kMaxInt),
      Int("lfu-decay-time", &Config::lfu_decay_time, true, 0, kMaxInt),
      Int("slowlog-log-slower-than", &Config::slowlog_log_slower_than, true, -1, INT64_MAX),
      Int("slowlog-max-len", &Config::slowlog_max_len, true, 0, INT64_MAX),
      Int("busy-reply-threshold", &Config::busy_reply_threshold, true, 0, INT64_MAX),
      Int("lua-time-limit", &Config::busy_reply_threshold, true, 0, INT64_MAX),
      Str("save", &Config::save, true),
      Bool("appendonly", &Config::appendonly, true),
      Enum("appendfsync", &Config::appendfsync, true, {"always", "everysec", "no"}),
      Str("appendfilename", &Config::appendfilename, false),
      Bool("aof-load-truncated", &Config::aof_load_truncated, true),
      Int("auto-aof-rewrite-percentage", &Config::auto_aof_rewrite_percentage, true, 0, INT64_MAX),
      Mem("auto-aof-rewrite-min-size", &Config::auto_aof_rewrite_min_size, true),
      Bool("lazyfree-lazy-user-flush", &Config::lazyfree_lazy_user_flush, true),
      Custom("notify-keyspace-events", true, SetNotifyKeyspaceEvents, GetNotifyKeyspaceEvents),
      Custom("client-output-buffer-limit", true, SetClientOutputBufferLimit,
             GetClientOutputBufferLimit),
      Int("tracking-table-max-keys", &Config::tracking_table_max_keys, true, 0, INT64_MAX),
      Int("hash-max-listpack-entries", &Config::hash_max_listpack_entries, true, 0, INT64_MAX),
      Mem("hash-max-listpack-value", &Config::hash_max_listpack_value, true),
      Int("set-max-intset-entries", &Config::set_max_intset_entries, true, 0, INT64_MAX),
      Int("set-max-listpack-entries", &Config::set_max_listpack_entries, true, 0, INT64_MAX),
      Mem("set-max-listpack-value", &Config::set_max_listpack_value, true),
      Int("zset-max-listpack-entries", &Config::zset_max_listpack_entries, true, 0, INT64_MAX),
      Mem("zset-max-listpack-value", &Config::zset_max_listpack_value, true),
      Int("list-max-listpack-size", &Config::list_max_listpack_size, true, INT32_MIN, INT32_MAX),
      Int("http-port", &Config::http_port, false, 0, 65535),
      Str("http-bind", &Config::http_bind, false),
      Mem("http-max-body", &Config::http_max_body, false),
      Mem("http-max-header-size", &Config::http_max_header_size, false),
      Int("http-maxclients", &Config::http_maxclients, false, 1, kMaxInt),
      Int("http-timeout", &Config::http_timeout, false, 0, kMaxInt),
      Custom("http-token", false, SetHttpTokens, GetHttpTokens),
  };
}

const ConfigOption* ConfigRegistry::Find(std::string_view name) const {
  for (const auto& o : options_) {
    if (EqualsNoCase(o.name, name)) return &o;
  }
  return nullptr;
}

bool ConfigRegistry::Set(std::string_view name, std::string_view value, bool at_runtime,
                         std::string* error) {
  const ConfigOption* o = Find(name);
  if (o == nullptr) {
    *error = "Unknown option or number of arguments for CONFIG SET - '" + std::string(name) + "'";
    return false;
  }
  if (at_runtime && !o->mutable_at_runtime) {
    *error = "can't set immutable config";
    return false;
  }
  std::string old = Get(*o);
  switch (o->type) {
    case ConfigType::kBool:
      if (EqualsNoCase(value, "yes")) {
        config_->*(o->b) = true;
      } else if (EqualsNoCase(value, "no")) {
        config_->*(o->b) = false;
      } else {
        *error = "argument must be 'yes' or 'no'";
        return false;
      }
      break;
    case ConfigType::kInt: {
      int64_t v;
      if (!ParseInt64(value, &v)) {
        *error = "argument couldn't be parsed into an integer";
        return false;
      }
      if (v < o->min || v > o->max) {
        *error = "argument must be between " + std::to_string(o->min) + " and " +
                 std::to_string(o->max) + " inclusive";
        return false;
      }
      config_->*(o->i) = v;
      break;
    }
    case ConfigType::kMemSize: {
      uint64_t v;
      if (!ParseMemSize(value, &v)) {
        *error = "argument must be a memory value";
        return false;
      }
      config_->*(o->u) = v;
      break;
    }
    case ConfigType::kEnum: {
      bool found = false;
      for (auto c : o->choices) {
        if (EqualsNoCase(c, value)) {
          config_->*(o->s) = std::string(c);
          found = true;
        }
      }
      if (!found) {
        *error = "argument(s) must be one of the following: ";
        for (size_t k = 0; k < o->choices.size(); ++k) {
          if (k) *error += ", ";
          *error += o->choices[k];
        }
        return false;
      }
      break;
    }
    case ConfigType::kString:
      config_->*(o->s) = std::string(value);
      break;
    case ConfigType::kCustom:
      if (!o->custom_set(config_, value, error)) return false;
      break;
  }
  for (auto& [hook_name, hook] : hooks_) {
    if (hook_name == o->name && !hook(error)) {
      std::string ignored;
      Set(o->name, old, false, &ignored);  // roll back; old value was valid
      return false;
    }
  }
  return true;
}

std::string ConfigRegistry::Get(const ConfigOption& o) const {
  switch (o.type) {
    case ConfigType::kBool: return config_->*(o.b) ? "yes" : "no";
    case ConfigType::kInt: return std::to_string(config_->*(o.i));
    case ConfigType::kMemSize: return std::to_string(config_->*(o.u));
    case ConfigType::kString:
    case ConfigType::kEnum: return config_->*(o.s);
    case ConfigType::kCustom: return o.custom_get(*config_);
  }
  return {};
}

void ConfigRegistry::OnChange(std::string_view name, Hook hook) {
  hooks_.emplace_back(std::string(name), std::move(hook));
}

bool ConfigRegistry::Apply(const std::vector<std::string>& words, std::string* error) {
  if (words.empty()) return true;
  const ConfigOption* o = Find(words[0]);
  if (o == nullptr) {
    *error = "Bad directive or wrong number of arguments";
    return false;
  }
  // Multi-word values (bind, save) are joined with single spaces.
  std::string value;
  for (size_t k = 1; k < words.size(); ++k) {
    if (k > 1) value += ' ';
    value += words[k];
  }
  if (words.size() < 2 && o->type != ConfigType::kString) {
    *error = "wrong number of arguments";
    return false;
  }
  return Set(o->name, value, false, error);
}

bool ConfigRegistry::LoadFile(const std::string& path, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "can't open config file '" + path + "'";
    return false;
  }
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    size_t start = line.find_first_not_of(" \t\r");
    if (start == std::string::npos || line[start] == '#') continue;
    std::vector<std::string> words;
    std::string why;
    if (!SplitArgs(line, &words)) {
      why = "Unbalanced quotes in configuration line";
    } else if (!Apply(words, &why)) {
      // fallthrough to the error below
    } else {
      continue;
    }
    *error = "line " + std::to_string(lineno) + ": '" + line.substr(start) + "': " + why;
    return false;
  }
  return true;
}

bool SplitArgs(std::string_view line, std::vector<std::string>* out) {
  out->clear();
  size_t i = 0, n = line.size();
  while (true) {
    while (i < n && isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i >= n) return true;
    std::string cur;
    bool inq = false, insq = false, done = false;
    while (!done) {
      if (inq) {
        if (i >= n) return false;
        char c = line[i];
        if (c == '\\' && i + 3 < n && line[i + 1] == 'x' && HexValue(line[i + 2]) >= 0 &&
            HexValue(line[i + 3]) >= 0) {
          cur.push_back(char(HexValue(line[i + 2]) * 16 + HexValue(line[i + 3])));
          i += 3;
        } else if (c == '\\' && i + 1 < n) {
          char e = line[++i];
          switch (e) {
            case 'n': cur.push_back('\n'); break;
            case 'r': cur.push_back('\r'); break;
            case 't': cur.push_back('\t'); break;
            case 'b': cur.push_back('\b'); break;
            case 'a': cur.push_back('\a'); break;
            default: cur.push_back(e); break;
          }
        } else if (c == '"') {
          if (i + 1 < n && !isspace(static_cast<unsigned char>(line[i + 1]))) return false;
          done = true;
        } else {
          cur.push_back(c);
        }
      } else if (insq) {
        if (i >= n) return false;
        char c = line[i];
        if (c == '\\' && i + 1 < n && line[i + 1] == '\'') {
          ++i;
          cur.push_back('\'');
        } else if (c == '\'') {
          if (i + 1 < n && !isspace(static_cast<unsigned char>(line[i + 1]))) return false;
          done = true;
        } else {
          cur.push_back(c);
        }
      } else {
        if (i >= n) {
          done = true;
          break;
        }
        char c = line[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\0') {
          done = true;
        } else if (c == '"') {
          inq = true;
        } else if (c == '\'') {
          insq = true;
        } else {
          cur.push_back(c);
        }
      }
      if (i < n) ++i;
    }
    out->push_back(std::move(cur));
  }
}

}  // namespace brisk
