// Scripting: EVAL / EVALSHA / EVAL_RO / EVALSHA_RO and SCRIPT on top of the Lua engine
// (script/lua_engine.h). It is the engine's ScriptHost: redis.call and redis.pcall run
// their command through Dispatcher::Call as the script's pseudo-client, so a scripted
// write is logged as its effect, fires keyspace events, counts in the command stats and
// calls KeyModified exactly like the same command sent by a client.
//
// Thread safety: loop thread only.
// Ownership: ServerContext::scripting (created on first use by ScriptingOf).
// Invariants:
//   1. A script runs atomically: nothing else executes on the loop while it runs, except
//      what ServerHooks::ServeWhileScriptBusy does once the script is busy (answers -BUSY,
//      runs SCRIPT KILL and SHUTDOWN NOSAVE, which only set flags here).
//   2. The pseudo-client starts every script on the caller's database, authenticated as
//      the caller's user, with RESP2 replies (redis.setresp changes it); SELECT inside a
//      script does not change the caller's database.
//   3. wrote() is set before the first write command runs; once set, Kill() answers
//      UNKILLABLE until the script ends.
//   4. Commands flagged kNoScript (a container's subcommand: on its own row, as Redis
//      looks up "client|id") are refused inside a script, with Redis's text; a script
//      never blocks (no blocking command is allowed to wait in it).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "commands/context.h"
#include "script/lua_engine.h"

namespace brisk::cmd {

class Scripting final : public script::ScriptHost {
 public:
  explicit Scripting(ServerContext* server);

  script::LuaEngine& engine() { return engine_; }
  const script::LuaEngine& engine() const { return engine_; }

  // Runs a cached script (REQUIRES: engine().Exists(sha)) for ctx's client; the reply
  // goes to ctx->rb().
  void Run(CommandContext* ctx, std::string_view sha, bool read_only, CmdArgs keys, CmdArgs args);

  bool running() const { return running_; }
  // The running script has passed busy-reply-threshold.
  bool busy() const { return busy_; }
  bool wrote() const { return wrote_; }
  // SCRIPT KILL (from ServeWhileScriptBusy or outside a script).
  enum class KillResult { kKilled, kNotBusy, kUnkillable };
  KillResult Kill();

  // script::ScriptHost
  void Call(std::span<const std::string_view> argv, int resp, std::string* reply) override;
  bool Tick() override;
  void Log(int level, std::string_view message) override;

 private:
  ServerContext* server_;
  script::LuaEngine engine_;
  ClientState client_;  // the pseudo-client (invariant 2)
  std::string call_out_;
  resp::ReplyBuilder rb_;
  int64_t now_ms_ = 0;
  int64_t start_us_ = 0;
  bool running_ = false;
  bool read_only_ = false;
  bool wrote_ = false;
  bool busy_ = false;
  bool kill_ = false;
};

// The server's Scripting, created on first use.
Scripting* ScriptingOf(ServerContext* server);

}  // namespace brisk::cmd
