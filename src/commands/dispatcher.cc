#include "commands/dispatcher.h"

#include <strings.h>

#include <cstdio>

#include "common/clock.h"
#include "common/errors.h"

namespace brisk::cmd {

Dispatcher::Dispatcher(ServerContext* server) : server_(server) {}

bool Dispatcher::Reject(ClientState* client, resp::ReplyBuilder* rb, std::string_view error) {
  if (client->in_multi) client->multi_error = true;
  ++server_->stats.total_error_replies;
  rb->Error(error);
  return false;
}

std::string UnknownCommandText(CmdArgs args) {
  std::string preview;
  for (size_t i = 1; i < args.size() && preview.size() < 128; ++i) {
    size_t room = 128 - preview.size();
    preview += '\'';
    preview.append(args[i].substr(0, room));
    preview += "' ";
  }
  return FormatError(Err::kUnknownCommand, {args[0].substr(0, 128), preview});
}

namespace {

// A write for the -MISCONF rule: a write command, or an EXEC with a queued write.
bool IsWriteCall(const CommandRegistry& commands, const CommandSpec& spec,
                 const ClientState& client) {
  if (spec.IsWrite()) return true;
  if (spec.name != "exec" || !client.in_multi) return false;
  for (const auto& argv : client.queued) {
    const CommandSpec* queued = commands.Find(argv[0]);
    if (queued != nullptr && queued->IsWrite()) return true;
  }
  return false;
}

// Redis's processCommand rule for -OOM: deny-oom commands, an EXEC that queued one,
// and inside MULTI anything but EXEC/DISCARD/QUIT/RESET (queuing grows memory too).
bool DeniedOnOom(const CommandRegistry& commands, const CommandSpec& spec,
                 const ClientState& client) {
  if (spec.flags & kDenyOom) return true;
  if (!client.in_multi) return false;
  if (spec.name != "exec") {
    return spec.name != "discard" && spec.name != "quit" && spec.name != "reset";
  }
  for (const auto& argv : client.queued) {
    const CommandSpec* queued = commands.Find(argv[0]);
    if (queued != nullptr && (queued->flags & kDenyOom)) return true;
  }
  return false;
}

bool ArityOk(int arity, size_t argc) {
  return arity > 0 ? argc == size_t(arity) : argc >= size_t(-arity);
}

}  // namespace

Outcome Dispatcher::Execute(ClientState* client, CmdArgs args, resp::ReplyBuilder* rb,
                            int64_t now_ms) {
  const CommandSpec* spec = server_->commands->Find(args[0]);
  if (spec == nullptr) {
    Reject(client, rb, UnknownCommandText(args));
    return Outcome::kDone;
  }
  if (!ArityOk(spec->arity, args.size())) {
    ++spec->stats.rejected_calls;
    Reject(client, rb, FormatError(Err::kWrongArity, {spec->name}));
    return Outcome::kDone;
  }
  if (!client->authenticated && !(spec->flags & kNoAuth)) {
    ++spec->stats.rejected_calls;
    Reject(client, rb, ErrorText(Err::kNoAuth));
    return Outcome::kDone;
  }
  // Redis's performEvictions in processCommand: over maxmemory, keys are evicted before
  // any command runs, so a command overshoots the limit by at most its own growth; if
  // nothing can be evicted, commands that may grow memory are refused.
  if (server_->config->maxmemory != 0 && PerformEvictions(now_ms) == EvictStatus::kFail &&
      DeniedOnOom(*server_->commands, *spec, *client)) {
    ++spec->stats.rejected_calls;
    Reject(client, rb, ErrorText(Err::kOom));
    return Outcome::kDone;
  }
  // Redis's writeCommandsDeniedByDiskError: while the append log cannot be written,
  // refuse writes (an EXEC counts as one if it queued a write) rather than pretend.
  if (server_->effects != nullptr && server_->effects->writes_refused() &&
      IsWriteCall(*server_->commands, *spec, *client)) {
    ++spec->stats.rejected_calls;
    Reject(client, rb, FormatError(Err::kMisconf, {server_->effects->write_error()}));
    return Outcome::kDone;
  }
  if (client->subscriptions > 0 && client->resp == 2 && !(spec->flags & kSubscribeOk)) {
    ++spec->stats.rejected_calls;
    std::string name(args[0]);
    for (auto& c : name) c = char(tolower(static_cast<unsigned char>(c)));
    Reject(client, rb, FormatError(Err::kSubscribeContext, {name}));
    return Outcome::kDone;
  }
  if (server_->loading && !(spec->flags & kLoading)) {
    ++spec->stats.rejected_calls;
    Reject(client, rb, ErrorText(Err::kLoading));
    return Outcome::kDone;
  }
  if (client->in_multi && (spec->flags & kNoMulti)) {
    Reject(client, rb, ErrorText(Err::kNotAllowedInMulti));
    return Outcome::kDone;
  }
  if (client->in_multi && !(spec->flags & kMultiImmediate)) {
    std::vector<std::string> copy(args.begin(), args.end());
    for (const auto& a : copy) client->queued_bytes += a.size();
    client->queued.push_back(std::move(copy));
    rb->SimpleString("QUEUED");
    return Outcome::kDone;
  }
  if (paused_until_ms_ != 0 && !(spec->flags & kMultiImmediate)) {
    if (paused_until_ms_ <= now_ms) {
      paused_until_ms_ = 0;
    } else if (!pause_write_only_ || spec->IsWrite()) {
      return Outcome::kPaused;
    }
  }
  // Tracking: invalidations for this client are held until its reply is complete
  // (commands/tracking.h invariant 4). CLIENT CACHING lasts for the next command, or
  // for a whole MULTI ... EXEC (Redis's resetClient).
  TrackingTable& tracking = server_->tracking;
  tracking.BeginCommand(client);
  Call(*spec, client, args, rb, now_ms);
  tracking.EndCommand(client, *spec, server_->hooks);
  // One append-log batch per top-level command: an EXEC's queued commands ran through
  // Call() above and form one batch (commands/effects.h invariant 2).
  if (server_->effects != nullptr) server_->effects->EndBatch();
  // Blocking pops (commands/blocking.h step 3): keys this command (its EXEC, its
  // script) made ready are served once the outermost command is complete.
  if (server_->blocking.has_ready() && call_depth_ == 0) [[unlikely]] {
    ServeReadyKeys(server_, now_ms);
  }
  return Outcome::kDone;
}

void Dispatcher::Call(const CommandSpec& spec, ClientState* client, CmdArgs args,
                      resp::ReplyBuilder* rb, int64_t now_ms) {
  if (!server_->monitors.empty() && !(spec.flags & (kSkipMonitor | kAdmin))) {
    FeedMonitors(client, args, now_ms);
  }
  using Mode = ClientState::ReplyMode;
  if (client->reply_mode == Mode::kSkipNext) client->reply_mode = Mode::kSkip;

  std::string* out = rb->buffer();
  size_t reply_start = out->size();
  int64_t start_us = clock::MonotonicUs();
  // Entries changed by this command are stamped with its LSN (engine invariant 4).
  if (spec.IsWrite()) server_->keyspace->AdvanceLsn();
  CommandContext ctx(server_, client, rb, now_ms);
  ++call_depth_;
  spec.handler(args, &ctx);
  --call_depth_;
  // Redis's call(): keys fetched by a read-only command are remembered for the
  // client's cache, after the command ran, whatever its reply.
  if (client->tracking.on && (spec.flags & kReadOnly)) {
    server_->tracking.RememberKeys(client, *server_->commands, spec, args);
  }
  int64_t duration = clock::MonotonicUs() - start_us;

  ++server_->stats.total_commands;
  ++spec.stats.calls;
  spec.stats.usec += uint64_t(duration);
  client->last_cmd = spec.name;
  if (out->size() > reply_start && (*out)[reply_start] == '-') {
    ++spec.stats.failed_calls;
    ++server_->stats.total_error_replies;
  }
  // CLIENT REPLY OFF/SKIP: drop this command's reply (but never the reply to the
  // CLIENT REPLY command that switched it on, which the handler already handled).
  if (client->reply_mode == Mode::kSkip) {
    out->resize(reply_start);
    client->reply_mode = Mode::kOn;
  } else if (client->reply_mode == Mode::kOff) {
    out->resize(reply_start);
  }

  const Config& cfg = *server_->config;
  if (cfg.slowlog_log_slower_than >= 0 && duration >= cfg.slowlog_log_slower_than &&
      !(spec.flags & kSkipSlowlog)) {
    SlowlogEntry e;
    e.id = server_->slowlog_next_id++;
    e.unix_s = now_ms / 1000;
    e.duration_us = duration;
    // Redis keeps at most 32 args and 128 bytes of each.
    size_t n = std::min<size_t>(args.size(), 32);
    for (size_t i = 0; i < n; ++i) {
      if (i == 31 && args.size() > 32) {
        e.args.push_back("... (" + std::to_string(args.size() - 31) + " more arguments)");
      } else if (args[i].size() > 128) {
        e.args.push_back(std::string(args[i].substr(0, 128)) + "... (" +
                         std::to_string(args[i].size() - 128) + " more bytes)");
      } else {
        e.args.emplace_back(args[i]);
      }
    }
    e.addr = client->addr;
    e.name = client->name;
    server_->slowlog.push_front(std::move(e));
    while (server_->slowlog.size() > size_t(std::max<int64_t>(cfg.slowlog_max_len, 0))) {
      server_->slowlog.pop_back();
    }
  }
}

Dispatcher::EvictStatus Dispatcher::PerformEvictions(int64_t now_ms) {
  const Config& cfg = *server_->config;
  // As Redis's isSafeToPerformEvictions: not while loading or while clients are paused
  // (an eviction is a write: it is logged and invalidates caches).
  if (cfg.maxmemory == 0 || server_->evictor == nullptr || server_->loading || paused(now_ms)) {
    eviction_running_ = false;
    return EvictStatus::kOk;
  }
  ServerHooks* hooks = server_->hooks;
  EvictStatus status = server_->evictor->EvictUntil(
      cfg.maxmemory, [hooks] { return hooks->UsedMemory(); }, now_ms,
      engine::EvictionTimeLimitUs(int(cfg.maxmemory_eviction_tenacity)));
  eviction_running_ = status == EvictStatus::kRunning;
  return status;
}

void Dispatcher::FeedMonitors(ClientState* client, CmdArgs args, int64_t now_ms) {
  (void)now_ms;
  int64_t us = clock::UnixUs();
  char head[128];
  std::string line;
  int n = snprintf(head, sizeof(head), "+%lld.%06lld [%d %s] ", (long long)(us / 1000000),
                   (long long)(us % 1000000), client->db_index,
                   client->is_unix ? "unix" : client->addr.c_str());
  line.append(head, size_t(n));
  for (size_t i = 0; i < args.size(); ++i) {
    if (i) line += ' ';
    line += '"';
    for (unsigned char c : args[i]) {
      switch (c) {
        case '\\': line += "\\\\"; break;
        case '"': line += "\\\""; break;
        case '\n': line += "\\n"; break;
        case '\r': line += "\\r"; break;
        case '\t': line += "\\t"; break;
        case '\a': line += "\\a"; break;
        case '\b': line += "\\b"; break;
        default:
          if (isprint(c)) {
            line += char(c);
          } else {
            char hex[8];
            snprintf(hex, sizeof(hex), "\\x%02x", c);
            line += hex;
          }
      }
    }
    line += '"';
  }
  line += "\r\n";
  for (ClientState* m : server_->monitors) {
    if (m != client) server_->hooks->SendTo(m, line);
  }
}

}  // namespace brisk::cmd
