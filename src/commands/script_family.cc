// EVAL / EVALSHA / EVAL_RO / EVALSHA_RO / SCRIPT, and the Scripting host behind them
// (commands/scripting.h).
#include <strings.h>

#include "commands/dispatcher.h"
#include "commands/families.h"
#include "commands/scripting.h"
#include "commands/server_family.h"
#include "common/clock.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/numbers.h"

namespace brisk::cmd {
namespace {

bool ArityOk(int arity, size_t argc) {
  return arity > 0 ? argc == size_t(arity) : argc >= size_t(-arity);
}

}  // namespace

Scripting::Scripting(ServerContext* server)
    : server_(server), engine_(kRedisVersion), rb_(&call_out_) {
  client_.id = 0;
  client_.authenticated = true;
  client_.addr = "lua";
  client_.name = "lua";
}

Scripting* ScriptingOf(ServerContext* server) {
  if (server->scripting == nullptr) server->scripting = std::make_shared<Scripting>(server);
  return server->scripting.get();
}

void Scripting::Run(CommandContext* ctx, std::string_view sha, bool read_only, CmdArgs keys,
                    CmdArgs args) {
  ClientState* caller = ctx->client();
  client_.db_index = caller->db_index;
  if (client_.user != caller->user) client_.user = caller->user;
  client_.resp = 2;
  now_ms_ = ctx->now_ms();
  start_us_ = clock::MonotonicUs();
  running_ = true;
  read_only_ = read_only;
  wrote_ = busy_ = kill_ = false;
  engine_.Run(sha, keys, args, this, ctx->rb());
  if (busy_)
    LOG_NOTICE("Slow script finished (it ran %lld ms)",
               (long long)((clock::MonotonicUs() - start_us_) / 1000));
  running_ = busy_ = kill_ = false;
}

Scripting::KillResult Scripting::Kill() {
  if (!running_) return KillResult::kNotBusy;
  if (wrote_) return KillResult::kUnkillable;
  kill_ = true;
  return KillResult::kKilled;
}

void Scripting::Call(std::span<const std::string_view> argv, int resp, std::string* reply) {
  rb_.set_buffer(reply);
  rb_.set_protocol(resp);
  const CommandSpec* spec = server_->commands->Find(argv[0]);
  if (spec == nullptr) return rb_.Error(Err::kScriptUnknownCommand);
  if (!ArityOk(spec->arity, argv.size())) return rb_.Error(Err::kScriptWrongArity);
  // As Redis's lookupCommand: a container's subcommand is a command of its own, with its
  // own arity and flags (CLIENT ID is noscript, CLIENT HELP is not).
  uint32_t flags = spec->flags;
  if (!spec->subcommands.empty()) {
    const SubcommandDoc* sub = spec->FindSubcommand(argv[1]);
    if (sub == nullptr) return rb_.Error(Err::kScriptUnknownCommand);
    if (!ArityOk(sub->arity, argv.size())) return rb_.Error(Err::kScriptWrongArity);
    flags |= sub->flags;
  }
  if (flags & kNoScript) return rb_.Error(Err::kScriptNotAllowed);
  const Config& cfg = *server_->config;
  bool write = (flags & kWrite) != 0;
  if (write) {
    if (read_only_) return rb_.Error(Err::kScriptWriteInRo);
    if (server_->effects != nullptr && server_->effects->writes_refused()) {
      return rb_.Error(FormatError(Err::kMisconf, {server_->effects->write_error()}));
    }
  }
  // Redis's scriptVerifyOOM: a script that has not written yet may not start growing
  // memory over maxmemory (once it wrote, it must be allowed to finish consistently).
  if (cfg.maxmemory != 0 && (flags & kDenyOom) && !wrote_ &&
      server_->hooks->UsedMemory() > cfg.maxmemory) {
    return rb_.Error(Err::kOom);
  }
  if (write) wrote_ = true;  // invariant 3: before the write happens
  client_.resp = resp;
  server_->dispatcher->Call(*spec, &client_, argv, &rb_, now_ms_);
}

bool Scripting::Tick() {
  if (!busy_) {
    int64_t elapsed_ms = (clock::MonotonicUs() - start_us_) / 1000;
    if (elapsed_ms < server_->config->busy_reply_threshold) return false;
    busy_ = true;
    LOG_WARNING(
        "Slow script detected: still in execution after %lld milliseconds. You can try "
        "killing the script using the SCRIPT KILL command.",
        (long long)elapsed_ms);
  }
  server_->hooks->ServeWhileScriptBusy();
  return kill_;
}

void Scripting::Log(int level, std::string_view message) {
  BRISK_LOG(static_cast<log::Level>(level), "%.*s", int(message.size()), message.data());
}

namespace {

// EVAL-family arguments: script numkeys key... arg...
bool ParseNumkeys(CmdArgs args, CommandContext* ctx, CmdArgs* keys, CmdArgs* rest) {
  int64_t numkeys = 0;
  if (!ParseInt64(args[2], &numkeys)) {
    ctx->Error(Err::kNotInteger);
    return false;
  }
  if (numkeys > int64_t(args.size() - 3)) {
    ctx->Error(Err::kNumkeysTooMany);
    return false;
  }
  if (numkeys < 0) {
    ctx->Error(Err::kNumkeysNegative);
    return false;
  }
  *keys = args.subspan(3, size_t(numkeys));
  *rest = args.subspan(3 + size_t(numkeys));
  return true;
}

void EvalGeneric(CmdArgs args, CommandContext* ctx, bool by_sha, bool read_only) {
  CmdArgs keys, rest;
  if (!ParseNumkeys(args, ctx, &keys, &rest)) return;
  Scripting* s = ScriptingOf(ctx->server());
  char sha[40];
  std::string_view name;
  if (by_sha) {
    if (!s->engine().Exists(args[1])) return ctx->Error(Err::kNoScript);
    name = args[1];
  } else {
    std::string error;
    if (!s->engine().Load(args[1], sha, &error)) return ctx->ErrorText(error);
    name = std::string_view(sha, 40);
  }
  s->Run(ctx, name, read_only || s->engine().NoWrites(name), keys, rest);
}

void Eval(CmdArgs args, CommandContext* ctx) {
  EvalGeneric(args, ctx, false, false);
}
void EvalSha(CmdArgs args, CommandContext* ctx) {
  EvalGeneric(args, ctx, true, false);
}
void EvalRo(CmdArgs args, CommandContext* ctx) {
  EvalGeneric(args, ctx, false, true);
}
void EvalShaRo(CmdArgs args, CommandContext* ctx) {
  EvalGeneric(args, ctx, true, true);
}

bool SubArity(CmdArgs args, CommandContext* ctx, int arity, std::string_view full_name) {
  if (ArityOk(arity, args.size())) return true;
  ctx->ErrorText(FormatError(Err::kWrongArity, {full_name}));
  return false;
}

void Script(CmdArgs args, CommandContext* ctx) {
  std::string_view sub = args[1];
  Scripting* s = ScriptingOf(ctx->server());
  resp::ReplyBuilder* rb = ctx->rb();
  if (strcasecmp(std::string(sub).c_str(), "load") == 0) {
    if (!SubArity(args, ctx, 3, "script|load")) return;
    char sha[40];
    std::string error;
    if (!s->engine().Load(args[2], sha, &error)) return ctx->ErrorText(error);
    return rb->Bulk(std::string_view(sha, 40));
  }
  if (strcasecmp(std::string(sub).c_str(), "exists") == 0) {
    if (!SubArity(args, ctx, -3, "script|exists")) return;
    rb->ArrayHeader(args.size() - 2);
    for (size_t i = 2; i < args.size(); ++i) rb->Integer(s->engine().Exists(args[i]) ? 1 : 0);
    return;
  }
  if (strcasecmp(std::string(sub).c_str(), "flush") == 0) {
    if (!SubArity(args, ctx, -2, "script|flush")) return;
    if (args.size() > 3 ||
        (args.size() == 3 && strcasecmp(std::string(args[2]).c_str(), "sync") != 0 &&
         strcasecmp(std::string(args[2]).c_str(), "async") != 0)) {
      return ctx->Error(Err::kScriptFlushOption);
    }
    // Redis's scriptCommand: no mode follows lazyfree-lazy-user-flush. ASYNC swaps in a
    // fresh state and closes the old one on the closer thread (script/state_closer.h).
    bool async = args.size() == 3 ? strcasecmp(std::string(args[2]).c_str(), "async") == 0
                                  : ctx->config().lazyfree_lazy_user_flush;
    s->engine().Flush(async ? script::LuaEngine::FlushMode::kAsync
                            : script::LuaEngine::FlushMode::kSync);
    return rb->Ok();
  }
  if (strcasecmp(std::string(sub).c_str(), "kill") == 0) {
    if (!SubArity(args, ctx, 2, "script|kill")) return;
    switch (s->Kill()) {
      case Scripting::KillResult::kKilled:
        return rb->Ok();
      case Scripting::KillResult::kNotBusy:
        return ctx->Error(Err::kScriptNotBusy);
      case Scripting::KillResult::kUnkillable:
        return ctx->Error(Err::kScriptUnkillable);
    }
    return;
  }
  if (strcasecmp(std::string(sub).c_str(), "help") == 0 && args.size() == 2) {
    static constexpr std::string_view kHelp[] = {
        "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        "HELP",
        "    Print this help."};
    rb->ArrayHeader(std::size(kHelp));
    for (std::string_view line : kHelp) rb->SimpleString(line);
    return;
  }
  ctx->UnknownSubcommand(args);
}

constexpr uint64_t kScriptAcl = kAclSlow | kAclScripting;

}  // namespace

void RegisterScriptFamily(CommandRegistry* r) {
  const CommandSpec specs[] = {
      {"eval", -3, kNoScript | kStale | kMayReplicate, 0, 0, 0, kScriptAcl, Eval, "scripting",
       "Executes a server-side Lua script.", "2.6.0"},
      {"evalsha", -3, kNoScript | kStale | kMayReplicate, 0, 0, 0, kScriptAcl, EvalSha, "scripting",
       "Executes a server-side Lua script by SHA1 digest.", "2.6.0"},
      {"eval_ro", -3, kNoScript | kStale | kReadOnly, 0, 0, 0, kScriptAcl, EvalRo, "scripting",
       "Executes a read-only server-side Lua script.", "7.0.0"},
      {"evalsha_ro", -3, kNoScript | kStale | kReadOnly, 0, 0, 0, kScriptAcl, EvalShaRo,
       "scripting", "Executes a read-only server-side Lua script by SHA1 digest.", "7.0.0"},
      {"script",
       -2,
       0,  // as Redis: a container has no flags; its subcommands have theirs
       0,
       0,
       0,
       kAclSlow,
       Script,
       "scripting",
       "A container for Lua scripts management commands.",
       "2.6.0",
       {{"script|exists", -3, kNoScript,
         "Determines whether server-side Lua scripts exist in the script cache."},
        {"script|flush", -2, kNoScript | kMayReplicate,
         "Removes all server-side Lua scripts from the script cache."},
        {"script|help", 2, kLoading | kStale,
         "Returns helpful text about the different subcommands."},
        {"script|kill", 2, kNoScript | kAllowBusy,
         "Terminates a server-side Lua script during execution."},
        {"script|load", 3, kNoScript | kStale | kMayReplicate,
         "Loads a server-side Lua script to the script cache."}}},
  };
  r->Add(specs);
}

}  // namespace brisk::cmd
