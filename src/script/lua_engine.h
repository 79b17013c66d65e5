// LuaEngine: the embedded Lua 5.1 interpreter behind EVAL / EVALSHA / SCRIPT, as Redis 7
// runs it: one state, a sandbox (no os/io/package/require/loadfile/dofile, read-only
// globals), the `redis` table (call, pcall, error_reply, status_reply, sha1hex, log,
// setresp, set_repl, ...), Debian's cjson and bit libraries, a script cache keyed by the
// SHA-1 of the body, and the Lua <-> RESP conversions (script/lua_convert.h).
//
// This layer knows nothing of commands: redis.call hands the argv to a ScriptHost (the
// command layer implements it) and converts the RESP bytes it answers back to Lua.
//
// Thread safety: loop thread only (one lua_State, not shared). Flush(kAsync) hands the
// old state to the StateCloser's thread (script/state_closer.h), which closes it there;
// the loop never touches that state again.
// Ownership: the engine owns the lua_State, its LuaHeap and every cached script; Flush()
// replaces the state (SCRIPT FLUSH), which drops every script and all memory Lua held.
// Invariants:
//   1. Scripts run only through Run(), one at a time; Run() is not re-entrant (a script
//      cannot EVAL: EVAL is flagged noscript).
//   2. Every allocation of the state goes through the counting allocator, whose ud is
//      the state's own LuaHeap: memory_bytes() is exact for the current state, and an
//      allocation that would take it over kMaxLuaMemory fails, which Lua turns into a
//      "not enough memory" error of the running script. A retired state counts on its
//      own heap (never the live one), so closing it on another thread races with nothing.
//   3. The globals a script sees are a read-only proxy of the real globals table: writing
//      a global (or a field of a library table) raises "Attempt to modify a readonly
//      table", reading an undefined one raises "Script attempted to access nonexistent
//      global variable". KEYS and ARGV are set by Run() in the real table.
//   4. The instruction hook calls ScriptHost::Tick() every kHookInstructions VM
//      instructions; when it returns true the script is aborted with Redis's "Script
//      killed by user with SCRIPT KILL..." error (the write-state check is the host's).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "resp/reply.h"
#include "script/state_closer.h"

struct lua_State;
struct lua_Debug;

namespace brisk::script {

// What a running script reaches outside Lua. Implemented by the command layer.
class ScriptHost {
 public:
  virtual ~ScriptHost() = default;
  // redis.call / redis.pcall: runs argv (argv[0] is the command name, any case) with reply
  // protocol `resp` (2 or 3, redis.setresp) and appends exactly one RESP reply to *reply;
  // a refusal (unknown command, noscript, ...) is an error reply ("-ERR ...\r\n").
  virtual void Call(std::span<const std::string_view> argv, int resp, std::string* reply) = 0;
  // Called every kHookInstructions instructions while a script runs. True aborts it.
  virtual bool Tick() = 0;
  // redis.log(level, ...): level is 0..3 (debug, verbose, notice, warning).
  virtual void Log(int level, std::string_view message) = 0;
};

class LuaEngine {
 public:
  static constexpr size_t kMaxLuaMemory = size_t(1) << 30;  // invariant 2
  static constexpr int kHookInstructions = 100000;          // invariant 4

  // redis_version: what redis.REDIS_VERSION (and _NUM, 0x00MMmmpp) report; the server
  // passes the version INFO reports, so scripts and clients see one version.
  explicit LuaEngine(std::string_view redis_version = "7.2.4");
  ~LuaEngine();
  LuaEngine(const LuaEngine&) = delete;
  LuaEngine& operator=(const LuaEngine&) = delete;

  // Compiles body (if not cached yet) and caches it under its SHA-1. A first line
  // "#!lua [flags=f1,f2]" is Redis 7's shebang (flags no-writes, allow-oom, allow-stale,
  // no-cluster, allow-cross-slot-keys; only no-writes changes anything here); it is
  // compiled as a comment so line numbers stay. On success writes
  // the 40 hex digits to sha (if non-null) and returns true; otherwise *error is the
  // full error text ("ERR Error compiling script (new function): ...").
  bool Load(std::string_view body, char sha[40], std::string* error);
  // Case-insensitive on the hex digits.
  bool Exists(std::string_view sha) const;
  // A "#!lua flags=no-writes" shebang: the script may only read. REQUIRES: Exists(sha).
  bool NoWrites(std::string_view sha) const;
  // SCRIPT FLUSH: a fresh state without any script. kSync closes the old state here;
  // kAsync only swaps in the new one and retires the old to the closer thread (Redis's
  // lazyfree). REQUIRES: no script is running.
  enum class FlushMode { kSync, kAsync };
  void Flush(FlushMode mode = FlushMode::kSync);
  StateCloser& closer() { return closer_; }

  // Runs the cached script `sha` (REQUIRES: Exists(sha)) with KEYS / ARGV and appends
  // its reply (or its error, with Redis's " script: <sha>, on @user_script:<line>."
  // suffix) to rb. Returns false if the script raised an error.
  bool Run(std::string_view sha, std::span<const std::string_view> keys,
           std::span<const std::string_view> args, ScriptHost* host, resp::ReplyBuilder* rb);

  // INFO memory: bytes held by the Lua state, bytes of cached script bodies, script count.
  size_t memory_bytes() const { return heap_->bytes; }
  size_t scripts_bytes() const { return scripts_bytes_; }
  size_t scripts_count() const { return scripts_.size(); }

  // ---- used by the C functions of the `redis` table (lua_engine.cc)
  ScriptHost* host() const { return host_; }
  int script_resp() const { return script_resp_; }
  void set_script_resp(int resp) { script_resp_ = resp; }
  // redis.call's argv storage and reply buffer, reused between calls (no allocation in
  // steady state).
  std::vector<std::string>& call_args() { return call_args_; }
  std::vector<std::string_view>& call_views() { return call_views_; }
  std::string& call_reply() { return call_reply_; }

 private:
  struct Script {
    int ref;  // the compiled function, in the Lua registry
    size_t body_size;
    bool no_writes;  // shebang flag no-writes
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  static void* Alloc(void* ud, void* ptr, size_t osize, size_t nsize);
  static void Hook(lua_State* L, lua_Debug* ar);
  struct RunState;
  static int RunProtected(lua_State* L);
  void Open();
  void Close();
  void SetArray(const char* name, std::span<const std::string_view> values);

  std::string redis_version_;
  lua_State* L_ = nullptr;
  int globals_ref_ = -1;  // the real (writable) globals table
  int err_handler_ref_ = -1;
  int run_ref_ = -1;  // RunProtected as a Lua function (lua_cpcall would allocate one per run)
  std::unordered_map<std::string, Script, Hash, std::equal_to<>> scripts_;
  std::unique_ptr<LuaHeap> heap_;  // L_'s allocation count (invariant 2)
  StateCloser closer_;  // outlives ~LuaEngine's body; its destructor closes what is retired
  size_t scripts_bytes_ = 0;
  ScriptHost* host_ = nullptr;  // non-null while Run() runs
  int script_resp_ = 2;
  std::vector<std::string> call_args_;
  std::vector<std::string_view> call_views_;
  std::string call_reply_;
};

}  // namespace brisk::script
