// Server commands: CONFIG, DBSIZE, FLUSHDB, FLUSHALL, TIME, SHUTDOWN, MONITOR,
// SLOWLOG, DEBUG, MEMORY, OBJECT, LOLWUT, with Redis 7.2's replies and error texts;
// plus the subcommand helpers of server_family.h. INFO and COMMAND live in
// introspection_family.cc.
#include "commands/server_family.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "commands/arg_parser.h"
#include "commands/context.h"
#include "commands/families.h"
#include "common/clock.h"
#include "common/glob.h"
#include "common/numbers.h"
#include "engine/eviction.h"

namespace brisk::cmd {

void DispatchSubcommand(CmdArgs args, CommandContext* ctx, std::span<const Subcommand> subs) {
  for (const Subcommand& s : subs) {
    std::string_view name = s.doc.name.substr(s.doc.name.find('|') + 1);
    if (!EqualsNoCase(name, args[1])) continue;
    int arity = s.doc.arity;
    bool arity_ok = arity > 0 ? args.size() == size_t(arity) : args.size() >= size_t(-arity);
    if (!arity_ok) return ctx->ErrorText(FormatError(Err::kWrongArity, {s.doc.name}));
    return s.handler(args, ctx);
  }
  ctx->UnknownSubcommand(args);
}

std::vector<SubcommandDoc> SubcommandDocs(std::span<const Subcommand> subs) {
  std::vector<SubcommandDoc> docs;
  docs.reserve(subs.size());
  for (const Subcommand& s : subs) docs.push_back(s.doc);
  return docs;
}

void ReplyHelp(CmdArgs args, CommandContext* ctx, std::initializer_list<std::string_view> lines) {
  std::string head(args[0]);
  for (auto& c : head) c = char(toupper(static_cast<unsigned char>(c)));
  head += " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:";
  resp::ReplyBuilder* rb = ctx->rb();
  rb->ArrayHeader(lines.size() + 3);
  rb->SimpleString(head);
  for (std::string_view l : lines) rb->SimpleString(l);
  rb->SimpleString("HELP");
  rb->SimpleString("    Prints this help.");
}

namespace {

constexpr uint32_t kAdminSub = kAdmin | kNoScript | kLoading | kStale;
constexpr uint64_t kAclAdminSlow = kAclAdmin | kAclSlow | kAclDangerous;

// ---------------------------------------------------------------------------------
// CONFIG

bool HasGlob(std::string_view s) {
  return s.find_first_of("[*?") != std::string_view::npos;
}

// CONFIG GET pattern [pattern ...]: a literal name echoes the caller's spelling (as
// Redis does); patterns match case-insensitively. Each directive appears once.
void ConfigGet(CmdArgs args, CommandContext* ctx) {
  ConfigRegistry* reg = ctx->server()->config_registry;
  std::vector<std::pair<std::string_view, const ConfigOption*>> matches;
  auto seen = [&](const ConfigOption* o) {
    return std::any_of(matches.begin(), matches.end(), [o](auto& m) { return m.second == o; });
  };
  for (size_t i = 2; i < args.size(); ++i) {
    if (!HasGlob(args[i])) {
      const ConfigOption* o = reg->Find(args[i]);
      if (o != nullptr && !seen(o)) matches.emplace_back(args[i], o);
      continue;
    }
    for (const ConfigOption& o : reg->options()) {
      if (!seen(&o) && GlobMatch(args[i], o.name, true)) matches.emplace_back(o.name, &o);
    }
  }
  ctx->rb()->MapHeader(matches.size());
  for (auto [name, o] : matches) {
    ctx->rb()->Bulk(name);
    ctx->rb()->Bulk(reg->Get(*o));
  }
}

// CONFIG SET name value [name value ...]: all or nothing. Every name is resolved and
// checked (unknown, immutable, duplicate) before any value changes; then values are set
// in order and, if one is rejected, the ones already set are restored.
void ConfigSet(CmdArgs args, CommandContext* ctx) {
  if (args.size() % 2 != 0) return ctx->Error(Err::kSyntax);
  ConfigRegistry* reg = ctx->server()->config_registry;
  size_t n = (args.size() - 2) / 2;
  std::vector<const ConfigOption*> opts(n, nullptr);
  for (size_t i = 0; i < n; ++i) {
    std::string_view name = args[2 + 2 * i];
    const ConfigOption* o = reg->Find(name);
    if (o == nullptr) return ctx->ErrorText(FormatError(Err::kConfigUnknown, {name}));
    if (!o->mutable_at_runtime) {
      return ctx->ErrorText(
          FormatError(Err::kConfigSetFailed, {name, "can't set immutable config"}));
    }
    if (std::find(opts.begin(), opts.begin() + ptrdiff_t(i), o) != opts.begin() + ptrdiff_t(i)) {
      return ctx->ErrorText(FormatError(Err::kConfigDuplicate, {name}));
    }
    opts[i] = o;
  }
  std::vector<std::string> old;
  old.reserve(n);
  for (const ConfigOption* o : opts) old.push_back(reg->Get(*o));
  for (size_t i = 0; i < n; ++i) {
    std::string error;
    if (reg->Set(opts[i]->name, args[3 + 2 * i], true, &error)) continue;
    for (size_t j = 0; j < i; ++j) {
      std::string ignored;
      (void)reg->Set(opts[j]->name, old[j], false, &ignored);  // old values were valid
    }
    return ctx->ErrorText(FormatError(Err::kConfigSetFailed, {opts[i]->name, error}));
  }
  ctx->rb()->Ok();
}

// Redis's resetServerStats + resetCommandTableStats; the slow log is kept.
void ConfigResetStat(CmdArgs, CommandContext* ctx) {
  ctx->server()->stats = ServerStats{};
  for (const CommandSpec* spec : ctx->server()->commands->All()) spec->stats = CommandStats{};
  ctx->keyspace().ResetStats();
  if (ctx->server()->evictor != nullptr) ctx->server()->evictor->ResetStats();
  ctx->rb()->Ok();
}

// Rewriting the file is not implemented: it refuses rather than claim success.
void ConfigRewrite(CmdArgs, CommandContext* ctx) {
  if (ctx->server()->hooks->ConfigFile().empty()) return ctx->Error(Err::kNoConfigFile);
  ctx->ErrorText(FormatError(Err::kNotSupported, {"CONFIG REWRITE"}));
}

void ConfigHelp(CmdArgs args, CommandContext* ctx) {
  ReplyHelp(args, ctx,
            {
                "GET <pattern>",
                "    Return parameters matching the glob-like <pattern> and their values.",
                "SET <directive> <value>",
                "    Set the configuration <directive> to <value>.",
                "RESETSTAT",
                "    Reset statistics reported by the INFO command.",
                "REWRITE",
                "    Rewrite the configuration file.",
            });
}

constexpr Subcommand kConfigSubs[] = {
    {{"config|get", -3, kAdminSub, "Returns the effective values of configuration parameters."},
     ConfigGet},
    {{"config|help", 2, kLoading | kStale, "Returns helpful text about the different subcommands."},
     ConfigHelp},
    {{"config|resetstat", 2, kAdminSub, "Resets the server's statistics."}, ConfigResetStat},
    {{"config|rewrite", 2, kAdminSub, "Persists the effective configuration to file."},
     ConfigRewrite},
    {{"config|set", -4, kAdminSub, "Sets configuration parameters in-flight."}, ConfigSet},
};

void ConfigCmd(CmdArgs args, CommandContext* ctx) {
  DispatchSubcommand(args, ctx, kConfigSubs);
}

// ---------------------------------------------------------------------------------
// DBSIZE, FLUSHDB, FLUSHALL, TIME, SHUTDOWN, MONITOR

void DbSize(CmdArgs, CommandContext* ctx) {
  ctx->rb()->Integer(int64_t(ctx->db().size()));
}

// [ASYNC|SYNC]: both flush synchronously (there is no lazy-free thread).
bool FlushArgsOk(CmdArgs args) {
  return args.size() == 1 ||
         (args.size() == 2 && (EqualsNoCase(args[1], "sync") || EqualsNoCase(args[1], "async")));
}

void FlushDb(CmdArgs args, CommandContext* ctx) {
  if (!FlushArgsOk(args)) return ctx->Error(Err::kSyntax);
  ctx->db().Clear();
  ctx->server()->watches->TouchDb(ctx->client()->db_index);
  ctx->AllKeysFlushed();
  ctx->LogEffect({"FLUSHDB"});
  ctx->rb()->Ok();
}

void FlushAll(CmdArgs args, CommandContext* ctx) {
  if (!FlushArgsOk(args)) return ctx->Error(Err::kSyntax);
  ctx->keyspace().FlushAll();
  ctx->server()->watches->TouchAll();
  ctx->AllKeysFlushed();
  ctx->LogEffect({"FLUSHALL"});
  ctx->rb()->Ok();
}

void Time(CmdArgs, CommandContext* ctx) {
  int64_t us = clock::UnixUs();
  ctx->rb()->ArrayHeader(2);
  ctx->rb()->BulkInt(us / 1000000);
  ctx->rb()->BulkInt(us % 1000000);
}

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]. Shutdown is immediate here, so there
// is never one in progress to ABORT. On success nothing is replied: the connection
// closes when the server exits.
void Shutdown(CmdArgs args, CommandContext* ctx) {
  bool save = false, nosave = false, other = false, abort_req = false;
  for (size_t i = 1; i < args.size(); ++i) {
    if (EqualsNoCase(args[i], "nosave")) {
      nosave = true;
    } else if (EqualsNoCase(args[i], "save")) {
      save = true;
    } else if (EqualsNoCase(args[i], "now") || EqualsNoCase(args[i], "force")) {
      other = true;
    } else if (EqualsNoCase(args[i], "abort")) {
      abort_req = true;
    } else {
      return ctx->Error(Err::kSyntax);
    }
  }
  if ((abort_req && (save || nosave || other)) || (save && nosave)) {
    return ctx->Error(Err::kSyntax);
  }
  if (abort_req) return ctx->Error(Err::kNoShutdown);
  ctx->server()->hooks->RequestShutdown();
}

// The server removes the client from ServerContext::monitors when it disconnects.
void Monitor(CmdArgs, CommandContext* ctx) {
  ClientState* c = ctx->client();
  if (c->monitor) return;  // already monitoring: Redis ignores it, without a reply
  c->monitor = true;
  ctx->server()->monitors.push_back(c);
  ctx->rb()->Ok();
}

// ---------------------------------------------------------------------------------
// SLOWLOG

void SlowlogGet(CmdArgs args, CommandContext* ctx) {
  if (args.size() > 3) {
    return ctx->ErrorText(FormatError(Err::kUnknownSubcommandOrArity, {args[1], "SLOWLOG"}));
  }
  const auto& log = ctx->server()->slowlog;
  int64_t count = 10;
  if (args.size() == 3 && (!ParseInt64(args[2], &count) || count < -1)) {
    return ctx->Error(Err::kSlowlogCount);
  }
  size_t n = count == -1 ? log.size() : std::min(log.size(), size_t(count));
  resp::ReplyBuilder* rb = ctx->rb();
  rb->ArrayHeader(n);
  for (size_t i = 0; i < n; ++i) {
    const SlowlogEntry& e = log[i];
    rb->ArrayHeader(6);
    rb->Integer(int64_t(e.id));
    rb->Integer(e.unix_s);
    rb->Integer(e.duration_us);
    rb->ArrayHeader(e.args.size());
    for (const auto& a : e.args) rb->Bulk(a);
    rb->Bulk(e.addr);
    rb->Bulk(e.name);
  }
}

void SlowlogLen(CmdArgs, CommandContext* ctx) {
  ctx->rb()->Integer(int64_t(ctx->server()->slowlog.size()));
}

void SlowlogReset(CmdArgs, CommandContext* ctx) {
  ctx->server()->slowlog.clear();
  ctx->rb()->Ok();
}

void SlowlogHelp(CmdArgs args, CommandContext* ctx) {
  ReplyHelp(args, ctx,
            {
                "GET [<count>]",
                "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
                "    Entries are made of:",
                "    id, timestamp, time in microseconds, arguments array, client IP and port,",
                "    client name",
                "LEN",
                "    Return the length of the slowlog.",
                "RESET",
                "    Reset the slowlog.",
            });
}

constexpr uint32_t kSlowlogFlags = kAdmin | kLoading | kStale;
constexpr Subcommand kSlowlogSubs[] = {
    {{"slowlog|get", -2, kSlowlogFlags, "Returns the slow log's entries."}, SlowlogGet},
    {{"slowlog|help", 2, kLoading | kStale, "Show helpful text about the different subcommands"},
     SlowlogHelp},
    {{"slowlog|len", 2, kSlowlogFlags, "Returns the number of entries in the slow log."},
     SlowlogLen},
    {{"slowlog|reset", 2, kSlowlogFlags, "Clears all entries from the slow log."}, SlowlogReset},
};

void Slowlog(CmdArgs args, CommandContext* ctx) {
  DispatchSubcommand(args, ctx, kSlowlogSubs);
}

// ---------------------------------------------------------------------------------
// DEBUG, OBJECT, MEMORY

// From the entry's LRU clock (engine/eviction.h); meaningless under an LFU policy.
int64_t IdleSeconds(const engine::Entry& e, int64_t now_ms) {
  return engine::access::IdleMs(e.access_word(), now_ms) / 1000;
}

// Length of the value as an RDB file would store it (rdbSavedObjectLen for strings):
// small integers take 2/3/5 bytes, other strings a 1/2/5-byte length plus the bytes.
size_t SerializedLength(const engine::Entry& e) {
  if (e.is_int()) {
    int64_t v = e.int_value();
    if (v >= INT8_MIN && v <= INT8_MAX) return 2;
    if (v >= INT16_MIN && v <= INT16_MAX) return 3;
    if (v >= INT32_MIN && v <= INT32_MAX) return 5;
  }
  size_t len = e.StringLength();
  return len + (len < 64 ? 1 : len < 16384 ? 2 : 5);
}

void DebugObject(CmdArgs args, CommandContext* ctx) {
  const engine::Entry* e = ctx->db().Peek(args[2], ctx->now_ms());
  if (e == nullptr) return ctx->Error(Err::kNoSuchKey);
  char line[256];
  int n = snprintf(line, sizeof(line),
                   "Value at:%p refcount:1 encoding:%.*s serializedlength:%zu lru:%u "
                   "lru_seconds_idle:%lld",
                   static_cast<const void*>(e), int(e->EncodingName().size()),
                   e->EncodingName().data(), SerializedLength(*e),
                   e->access_word() & engine::access::kClockMask,
                   (long long)IdleSeconds(*e, ctx->now_ms()));
  ctx->rb()->SimpleString(std::string_view(line, size_t(std::max(n, 0))));
}

void DebugHelp(CmdArgs args, CommandContext* ctx) {
  ReplyHelp(args, ctx,
            {
                "OBJECT <key>",
                "    Show low level info about the `key` and associated value.",
                "RELOAD",
                "    Write and sync the append log, empty the dataset and load it back from",
                "    the log (needs appendonly yes).",
                "SET-ACTIVE-EXPIRE <0|1>",
                "    Setting it to 0 disables expiring keys in background when they are not",
                "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
                "    default.",
                "SLEEP <seconds>",
                "    Stop the server for <seconds>. Decimals allowed.",
            });
}

// Re-loads the dataset from the append log in-process (Redis saves and re-loads its RDB;
// Brisk has only the log). Without an append log there is nothing to reload from.
void DebugReload(CommandContext* ctx) {
  AppendLogControl* aof = ctx->server()->aof;
  if (aof == nullptr || !ctx->config().appendonly) {
    return ctx->ErrorText("ERR DEBUG RELOAD needs the append log (appendonly yes)");
  }
  std::string error;
  if (!aof->Reload(&error)) return ctx->ErrorText("ERR Error trying to load the AOF: " + error);
  ctx->rb()->Ok();
}

// BGREWRITEAOF: a background log rewrite (server/persistence.h, log/rewriter.h). With
// appendonly no it creates the log file anyway and closes it again, as Redis does.
void BgRewriteAof(CmdArgs, CommandContext* ctx) {
  AppendLogControl* aof = ctx->server()->aof;
  if (aof == nullptr) return ctx->Error(Err::kRewriteFailed);
  switch (aof->StartRewrite(ctx->server()->in_exec)) {
    case AppendLogControl::RewriteStart::kStarted:
      return ctx->rb()->SimpleString("Background append only file rewriting started");
    case AppendLogControl::RewriteStart::kScheduled:
      return ctx->rb()->SimpleString("Background append only file rewriting scheduled");
    case AppendLogControl::RewriteStart::kInProgress:
      return ctx->Error(Err::kRewriteInProgress);
    case AppendLogControl::RewriteStart::kFailed:
      return ctx->Error(Err::kRewriteFailed);
  }
}

// DEBUG is not a container in Redis: bad names and arities share one error.
void Debug(CmdArgs args, CommandContext* ctx) {
  std::string_view sub = args[1];
  if (EqualsNoCase(sub, "help") && args.size() == 2) return DebugHelp(args, ctx);
  if (EqualsNoCase(sub, "sleep") && args.size() == 3) {
    // Redis uses strtod without validation: garbage sleeps 0 seconds.
    std::string secs(args[2]);
    ctx->server()->hooks->Sleep(strtod(secs.c_str(), nullptr));
    return ctx->rb()->Ok();
  }
  if (EqualsNoCase(sub, "set-active-expire") && args.size() == 3) {
    std::string v(args[2]);
    ctx->server()->active_expire_enabled = atoi(v.c_str()) != 0;
    return ctx->rb()->Ok();
  }
  if (EqualsNoCase(sub, "object") && args.size() == 3) return DebugObject(args, ctx);
  if (EqualsNoCase(sub, "reload") && args.size() == 2) return DebugReload(ctx);
  ctx->ErrorText(FormatError(Err::kUnknownSubcommandOrArity, {sub, "DEBUG"}));
}

bool LfuPolicy(const CommandContext& ctx) {
  return ctx.config().maxmemory_policy.find("lfu") != std::string::npos;
}

// Lookup for OBJECT: counts as a read but does not refresh the access time.
const engine::Entry* ObjectLookup(CmdArgs args, CommandContext* ctx) {
  const engine::Entry* e = ctx->db().Find(args[2], ctx->now_ms(), /*touch=*/false);
  ctx->CountLookup(args[2], e != nullptr);
  if (e == nullptr) ctx->rb()->Null();
  return e;
}

void ObjectEncoding(CmdArgs args, CommandContext* ctx) {
  if (const engine::Entry* e = ObjectLookup(args, ctx)) ctx->rb()->Bulk(e->EncodingName());
}

void ObjectIdleTime(CmdArgs args, CommandContext* ctx) {
  const engine::Entry* e = ObjectLookup(args, ctx);
  if (e == nullptr) return;
  if (LfuPolicy(*ctx)) return ctx->Error(Err::kLfuSelected);
  ctx->rb()->Integer(IdleSeconds(*e, ctx->now_ms()));
}

// The LFU counter decayed to now (Redis's LFUDecrAndReturn), without touching it.
void ObjectFreq(CmdArgs args, CommandContext* ctx) {
  const engine::Entry* e = ObjectLookup(args, ctx);
  if (e == nullptr) return;
  if (!LfuPolicy(*ctx)) return ctx->Error(Err::kLfuNotSelected);
  int decay = ctx->keyspace().access_policy().lfu_decay_time;
  ctx->rb()->Integer(engine::access::LfuCounter(e->access_word(), ctx->now_ms(), decay));
}

// Redis shares the integers 0..9999 when no LRU/LFU policy needs per-object clocks and
// reports their refcount as INT_MAX; every other value has one owner.
void ObjectRefCount(CmdArgs args, CommandContext* ctx) {
  const engine::Entry* e = ObjectLookup(args, ctx);
  if (e == nullptr) return;
  const std::string& policy = ctx->config().maxmemory_policy;
  bool shared = e->is_int() && e->int_value() >= 0 && e->int_value() < 10000 &&
                policy.find("lru") == std::string::npos && policy.find("lfu") == std::string::npos;
  ctx->rb()->Integer(shared ? INT32_MAX : 1);
}

void ObjectHelp(CmdArgs args, CommandContext* ctx) {
  ReplyHelp(args, ctx,
            {
                "ENCODING <key>",
                "    Return the kind of internal representation used in order to store the value",
                "    associated with a <key>.",
                "FREQ <key>",
                "    Return the access frequency index of the <key>. The returned integer is",
                "    proportional to the logarithm of the recent access frequency of the key.",
                "IDLETIME <key>",
                "    Return the idle time of the <key>, that is the approximated number of",
                "    seconds elapsed since the last access to the key.",
                "REFCOUNT <key>",
                "    Return the number of references of the value associated with the specified",
                "    <key>.",
            });
}

constexpr Subcommand kObjectSubs[] = {
    {{"object|encoding", 3, kReadOnly, "Returns the internal encoding of a Redis object."},
     ObjectEncoding},
    {{"object|freq", 3, kReadOnly,
      "Returns the logarithmic access frequency counter of a Redis object."},
     ObjectFreq},
    {{"object|help", 2, kLoading | kStale, "Returns helpful text about the different subcommands."},
     ObjectHelp},
    {{"object|idletime", 3, kReadOnly, "Returns the time since the last access to a Redis object."},
     ObjectIdleTime},
    {{"object|refcount", 3, kReadOnly, "Returns the reference count of a value of a key."},
     ObjectRefCount},
};

void Object(CmdArgs args, CommandContext* ctx) {
  DispatchSubcommand(args, ctx, kObjectSubs);
}

// MEMORY USAGE key [SAMPLES count]: strings have no nested values, so SAMPLES is
// validated and otherwise ignored. nil for a missing key.
void MemoryUsage(CmdArgs args, CommandContext* ctx) {
  for (size_t i = 3; i < args.size(); ++i) {
    if (!EqualsNoCase(args[i], "samples") || i + 1 >= args.size()) {
      return ctx->Error(Err::kSyntax);
    }
    int64_t samples;
    if (!ParseInt64(args[++i], &samples)) return ctx->Error(Err::kNotInteger);
    if (samples < 0) return ctx->Error(Err::kSyntax);
  }
  const engine::Entry* e = ctx->db().Peek(args[2], ctx->now_ms());
  if (e == nullptr) return ctx->rb()->Null();
  ctx->rb()->Integer(int64_t(e->MemoryBytes()));
}

size_t DatasetBytes(const engine::Keyspace& ks, size_t* keys) {
  size_t bytes = 0;
  *keys = 0;
  for (int i = 0; i < ks.num_dbs(); ++i) {
    ks.db(i).ForEachTable([&](const engine::TableStats& t) { bytes += t.bytes; });
    *keys += ks.db(i).size();
  }
  return bytes;
}

// A subset of Redis's MEMORY STATS map: the allocator-independent totals.
void MemoryStats(CmdArgs, CommandContext* ctx) {
  ServerHooks* hooks = ctx->server()->hooks;
  size_t used = hooks->UsedMemory(), peak = std::max(hooks->PeakMemory(), used);
  size_t clients = 0;
  for (ClientState* c : hooks->Clients()) clients += c->query_buf_cap + c->output_len;
  size_t keys = 0;
  size_t dataset = DatasetBytes(ctx->keyspace(), &keys);
  size_t overhead = used > dataset ? used - dataset : 0;
  resp::ReplyBuilder* rb = ctx->rb();
  rb->MapHeader(16);
  auto field = [rb](std::string_view name, int64_t v) {
    rb->Bulk(name);
    rb->Integer(v);
  };
  field("peak.allocated", int64_t(peak));
  field("total.allocated", int64_t(used));
  field("startup.allocated", 0);
  field("replication.backlog", 0);
  field("clients.slaves", 0);
  field("clients.normal", int64_t(clients));
  field("cluster.links", 0);
  field("aof.buffer", 0);
  field("lua.caches", 0);
  field("functions.caches", 0);
  field("overhead.total", int64_t(overhead));
  field("keys.count", int64_t(keys));
  field("keys.bytes-per-key", keys ? int64_t(used / keys) : 0);
  field("dataset.bytes", int64_t(dataset));
  rb->Bulk("dataset.percentage");
  rb->Double(used ? 100.0 * double(dataset) / double(used) : 0.0);
  rb->Bulk("peak.percentage");
  rb->Double(peak ? 100.0 * double(used) / double(peak) : 0.0);
}

void MemoryDoctor(CmdArgs, CommandContext* ctx) {
  constexpr size_t kSmall = 5 * 1024 * 1024;  // Redis's threshold for "empty" instances
  if (ctx->server()->hooks->UsedMemory() < kSmall) {
    return ctx->rb()->Verbatim(
        "Hi Sam, this instance is empty or is using very little memory, my issues detector "
        "can't be used in these conditions. Please, leave for your mission on Earth and fill "
        "it with some data. The new Sam and I will be back to our programming as soon as I "
        "finished rebooting.");
  }
  ctx->rb()->Verbatim(
      "Hi Sam, I can't find any memory issue in your instance. I can only account for what "
      "occurs on this base.");
}

void MemoryMallocStats(CmdArgs, CommandContext* ctx) {
  ctx->rb()->Verbatim("Stats not supported for the current allocator");
}

void MemoryPurge(CmdArgs, CommandContext* ctx) {
  ctx->rb()->Ok();
}

void MemoryHelp(CmdArgs args, CommandContext* ctx) {
  ReplyHelp(args, ctx,
            {
                "DOCTOR",
                "    Return memory problems reports.",
                "MALLOC-STATS",
                "    Return internal statistics report from the memory allocator.",
                "PURGE",
                "    Attempt to purge dirty pages for reclamation by the allocator.",
                "STATS",
                "    Return information about the memory usage of the server.",
                "USAGE <key> [SAMPLES <count>]",
                "    Return memory in bytes used by <key> and its value. Nested values are",
                "    sampled up to <count> times (default: 5, 0 means sample all).",
            });
}

constexpr Subcommand kMemorySubs[] = {
    {{"memory|doctor", 2, 0, "Outputs a memory problems report."}, MemoryDoctor},
    {{"memory|help", 2, kLoading | kStale, "Returns helpful text about the different subcommands."},
     MemoryHelp},
    {{"memory|malloc-stats", 2, 0, "Returns the allocator statistics."}, MemoryMallocStats},
    {{"memory|purge", 2, 0, "Asks the allocator to release memory."}, MemoryPurge},
    {{"memory|stats", 2, 0, "Returns details about memory usage."}, MemoryStats},
    {{"memory|usage", -3, kReadOnly, "Estimates the memory usage of a key."}, MemoryUsage},
};

void Memory(CmdArgs args, CommandContext* ctx) {
  DispatchSubcommand(args, ctx, kMemorySubs);
}

// LOLWUT [VERSION v]: Redis 7 draws no art for its own version, only this line.
void Lolwut(CmdArgs args, CommandContext* ctx) {
  for (size_t i = 1; i < args.size(); ++i) {
    if (!EqualsNoCase(args[i], "version") || i + 1 >= args.size()) {
      return ctx->Error(Err::kSyntax);
    }
    int64_t v;
    if (!ParseInt64(args[++i], &v)) return ctx->Error(Err::kNotInteger);
  }
  std::string text = "Redis ver. ";
  text.append(kRedisVersion).append("\n");
  ctx->rb()->Verbatim(text);
}

}  // namespace

// Container rows (CONFIG, SLOWLOG, MEMORY, OBJECT) have no flags of their own, as in
// Redis; their subcommands' flags are listed for COMMAND INFO. CONFIG also skips
// MONITOR and the slow log: CONFIG SET requirepass must not leak (Redis redacts it).
void RegisterServerFamily(CommandRegistry* r) {
  const CommandSpec specs[] = {
      {"bgrewriteaof", 1, kAdmin | kNoScript, 0, 0, 0, kAclAdminSlow, BgRewriteAof, "server",
       "Asynchronously rewrites the append-only file to disk.", "1.0.0"},
      {"config", -2, kSkipMonitor | kSkipSlowlog, 0, 0, 0, kAclSlow, ConfigCmd, "server",
       "A container for server configuration commands.", "2.0.0", SubcommandDocs(kConfigSubs)},
      {"dbsize", 1, kReadOnly | kFast, 0, 0, 0, kAclKeyspace | kAclRead | kAclFast, DbSize,
       "server", "Returns the number of keys in the database.", "1.0.0"},
      {"flushdb", -1, kWrite, 0, 0, 0, kAclKeyspace | kAclWrite | kAclSlow | kAclDangerous, FlushDb,
       "server", "Remove all keys from the current database.", "1.0.0"},
      {"flushall", -1, kWrite, 0, 0, 0, kAclKeyspace | kAclWrite | kAclSlow | kAclDangerous,
       FlushAll, "server", "Removes all keys from all databases.", "1.0.0"},
      {"time", 1, kLoading | kStale | kFast, 0, 0, 0, kAclFast, Time, "server",
       "Returns the server time.", "2.6.0"},
      {"shutdown", -1, kAdmin | kNoScript | kLoading | kStale | kAllowBusy | kNoMulti, 0, 0, 0, kAclAdminSlow,
       Shutdown, "server",
       "Synchronously saves the database(s) to disk and shuts down the Redis server.", "1.0.0"},
      {"monitor", 1, kAdmin | kNoScript | kLoading | kStale, 0, 0, 0, kAclAdminSlow, Monitor,
       "server", "Listens for all requests received by the server in real-time.", "1.0.0"},
      {"slowlog", -2, 0, 0, 0, 0, kAclSlow, Slowlog, "server", "A container for slow log commands.",
       "2.2.12", SubcommandDocs(kSlowlogSubs)},
      {"debug", -2, kAdmin | kNoScript | kLoading | kStale, 0, 0, 0, kAclAdminSlow, Debug, "server",
       "A container for debugging commands.", "1.0.0"},
      {"memory", -2, 0, 0, 0, 0, kAclSlow, Memory, "server",
       "A container for memory diagnostics commands.", "4.0.0", SubcommandDocs(kMemorySubs)},
      {"object", -2, 0, 0, 0, 0, kAclSlow, Object, "generic",
       "A container for object introspection commands.", "2.2.3", SubcommandDocs(kObjectSubs)},
      {"lolwut", -1, kReadOnly | kFast, 0, 0, 0, kAclRead | kAclFast, Lolwut, "server",
       "Displays computer art and the Redis version", "5.0.0"},
  };
  r->Add(specs);
  RegisterInfoFamily(r);
  RegisterIntrospectionFamily(r);
}

}  // namespace brisk::cmd
