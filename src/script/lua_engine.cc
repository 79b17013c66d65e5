#include "script/lua_engine.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common/errors.h"
#include "script/lua_convert.h"
#include "script/sha1.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

// Debian's lua-cjson and lua-bitop (liblua5.1-cjson.so.0, liblua5.1-bitop.so.0).
int luaopen_cjson(lua_State* L);
int luaopen_bit(lua_State* L);
}

namespace brisk::script {
namespace {

constexpr const char* kReadonlyMarker = "__brisk_readonly";

LuaEngine* EngineOf(lua_State* L) {
  void* ud = nullptr;
  lua_getallocf(L, &ud);
  return static_cast<LuaEngine*>(static_cast<LuaHeap*>(ud)->owner);
}

// Raises Redis's error table for an errors.h row.
int RaiseError(lua_State* L, Err err) {
  PushErrorTable(L, ErrorText(err));
  return lua_error(L);
}

// ---- sandbox (invariant 3)

// __newindex of a read-only proxy: "user_script:1: Attempt to modify a readonly table".
int DenyWrite(lua_State* L) {
  luaL_where(L, 1);
  lua_pushlstring(L, ErrorText(Err::kScriptReadonlyTable).data(),
                  ErrorText(Err::kScriptReadonlyTable).size());
  lua_concat(L, 2);
  return lua_error(L);
}

// __index of the real globals table: reading an undefined global is an error.
int DenyUndefinedGlobal(lua_State* L) {
  const char* name = lua_tostring(L, 2);
  luaL_where(L, 1);
  {
    // Lua longjmps: the C++ string must be gone before any call that may raise.
    std::string msg = FormatError(Err::kScriptGlobalRead, {name != nullptr ? name : "?"});
    lua_pushlstring(L, msg.data(), msg.size());  // (may raise only when out of memory)
  }
  lua_concat(L, 2);
  return lua_error(L);
}

bool IsReadonly(lua_State* L, int idx) {
  if (lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx)) return false;
  lua_getfield(L, -1, kReadonlyMarker);
  bool ro = lua_toboolean(L, -1) != 0;
  lua_pop(L, 2);
  return ro;
}

int RaiseReadonly(lua_State* L) {
  std::string_view msg = ErrorText(Err::kScriptReadonlyTable);
  lua_pushlstring(L, msg.data(), msg.size());
  return lua_error(L);
}

// rawset / setmetatable refuse read-only tables, as Redis's patched Lua does.
int SafeRawset(lua_State* L) {
  if (IsReadonly(L, 1)) return RaiseReadonly(L);
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  luaL_checkany(L, 3);
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 1;
}

int SafeSetmetatable(lua_State* L) {
  if (IsReadonly(L, 1)) return RaiseReadonly(L);
  int t = lua_type(L, 2);
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_argcheck(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table expected");
  if (luaL_getmetafield(L, 1, "__metatable")) luaL_error(L, "cannot change a protected metatable");
  lua_settop(L, 2);
  lua_setmetatable(L, 1);
  return 1;
}

// Redis 7's replacement of the global pcall: an error table raised by redis.call (or
// any {err=...}) is returned as its error string.
int ScriptPcall(lua_State* L) {
  int argc = lua_gettop(L);
  luaL_checkany(L, 1);
  lua_pushboolean(L, 1);
  lua_insert(L, 1);
  if (lua_pcall(L, argc - 1, LUA_MULTRET, 0) != 0) {
    lua_remove(L, 1);
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1)) {
        lua_replace(L, -2);
      } else {
        lua_pop(L, 1);
      }
    }
    lua_pushboolean(L, 0);
    lua_insert(L, 1);
  }
  return lua_gettop(L);
}

// Pushes a read-only proxy of the table at idx (reads fall through to it).
void PushProxy(lua_State* L, int idx) {
  idx = idx < 0 ? lua_gettop(L) + idx + 1 : idx;
  lua_newtable(L);
  lua_newtable(L);
  lua_pushvalue(L, idx);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, DenyWrite);
  lua_setfield(L, -2, "__newindex");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_pushboolean(L, 1);
  lua_setfield(L, -2, kReadonlyMarker);
  lua_setmetatable(L, -2);
}

// ---- the redis table

void FormatNumberArg(lua_Number v, std::string* out) {
  char buf[64];
  int n = snprintf(buf, sizeof(buf), "%.17g", double(v));
  out->assign(buf, size_t(n));
}

int GenericCall(lua_State* L, bool raise) {
  LuaEngine* e = EngineOf(L);
  int argc = lua_gettop(L);
  if (argc == 0) {
    PushErrorTable(L, ErrorText(Err::kScriptNoArgs));
    return raise ? lua_error(L) : 1;
  }
  auto& args = e->call_args();
  auto& views = e->call_views();
  if (args.size() < size_t(argc)) args.resize(size_t(argc));
  views.clear();
  for (int i = 1; i <= argc; ++i) {
    std::string& a = args[size_t(i - 1)];
    int t = lua_type(L, i);
    if (t == LUA_TNUMBER) {
      FormatNumberArg(lua_tonumber(L, i), &a);
    } else if (t == LUA_TSTRING) {
      size_t len = 0;
      const char* s = lua_tolstring(L, i, &len);
      a.assign(s, len);
    } else {
      PushErrorTable(L, ErrorText(Err::kScriptArgType));
      return raise ? lua_error(L) : 1;
    }
    views.emplace_back(a);
  }
  std::string& reply = e->call_reply();
  reply.clear();
  e->host()->Call(views, e->script_resp(), &reply);
  if (PushRespReply(L, reply) == 0) lua_pushboolean(L, 0);
  if (raise && !reply.empty() && reply[0] == '-') return lua_error(L);
  return 1;
}

int RedisCall(lua_State* L) {
  return GenericCall(L, true);
}
int RedisPcall(lua_State* L) {
  return GenericCall(L, false);
}

int RedisSha1Hex(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseError(L, Err::kScriptSha1Args);
  size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  char hex[40];
  Sha1Hex(std::string_view(s != nullptr ? s : "", s != nullptr ? len : 0), hex);
  lua_pushlstring(L, hex, 40);
  return 1;
}

int RedisErrorReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) {
    PushErrorTable(L, ErrorText(Err::kScriptReplyArgs));
    return 1;
  }
  size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  PushErrorTable(L, std::string_view(s, len));
  return 1;
}

int RedisStatusReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) {
    PushErrorTable(L, ErrorText(Err::kScriptReplyArgs));
    return 1;
  }
  lua_newtable(L);
  lua_pushvalue(L, 1);
  lua_setfield(L, -2, "ok");
  return 1;
}

int RedisLog(lua_State* L) {
  int argc = lua_gettop(L);
  if (argc < 2) return RaiseError(L, Err::kScriptLogArgs);
  if (lua_type(L, 1) != LUA_TNUMBER) {
    return RaiseError(L, Err::kScriptLogLevelType);
  }
  int level = int(lua_tonumber(L, 1));
  if (level < 0 || level > 3) return RaiseError(L, Err::kScriptLogLevel);
  for (int i = 2; i <= argc; ++i) lua_tolstring(L, i, nullptr);  // may raise: no C++ yet
  std::string msg;
  for (int i = 2; i <= argc; ++i) {
    size_t len = 0;
    const char* s = lua_tolstring(L, i, &len);  // already strings: cannot raise
    if (s == nullptr) continue;
    if (!msg.empty()) msg += ' ';
    msg.append(s, len);
  }
  EngineOf(L)->host()->Log(level, msg);
  return 0;
}

int RedisSetresp(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseError(L, Err::kScriptSetrespArgs);
  int resp = int(lua_tonumber(L, 1));
  if (resp != 2 && resp != 3) return RaiseError(L, Err::kScriptSetrespVersion);
  EngineOf(L)->set_script_resp(resp);
  return 0;
}

// Effects are always what is logged (scripts are never replicated verbatim), so the
// replication mode is accepted and ignored.
int RedisSetRepl(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseError(L, Err::kScriptSha1Args);
  return 0;
}

int ReturnTrue(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}
int ReturnFalse(lua_State* L) {
  lua_pushboolean(L, 0);
  return 1;
}
int ReturnNothing(lua_State*) {
  return 0;
}

void SetInt(lua_State* L, const char* name, int v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, name);
}

// "7.2.4" -> 0x070204, as Redis's REDIS_VERSION_NUM.
int VersionNum(std::string_view v) {
  int num = 0, part = 0, parts = 0;
  for (char ch : v) {
    if (ch >= '0' && ch <= '9') {
      part = part * 10 + (ch - '0');
    } else if (ch == '.') {
      num = num * 256 + part;
      part = 0;
      ++parts;
    }
  }
  num = num * 256 + part;
  for (++parts; parts < 3; ++parts) num *= 256;
  return num;
}

void PushRedisTable(lua_State* L, std::string_view version) {
  lua_newtable(L);
  const luaL_Reg fns[] = {{"call", RedisCall},
                          {"pcall", RedisPcall},
                          {"sha1hex", RedisSha1Hex},
                          {"error_reply", RedisErrorReply},
                          {"status_reply", RedisStatusReply},
                          {"log", RedisLog},
                          {"setresp", RedisSetresp},
                          {"set_repl", RedisSetRepl},
                          {"replicate_commands", ReturnTrue},
                          {"breakpoint", ReturnFalse},
                          {"debug", ReturnNothing},
                          {nullptr, nullptr}};
  for (const luaL_Reg* f = fns; f->name != nullptr; ++f) {
    lua_pushcfunction(L, f->func);
    lua_setfield(L, -2, f->name);
  }
  SetInt(L, "LOG_DEBUG", 0);
  SetInt(L, "LOG_VERBOSE", 1);
  SetInt(L, "LOG_NOTICE", 2);
  SetInt(L, "LOG_WARNING", 3);
  SetInt(L, "REPL_NONE", 0);
  SetInt(L, "REPL_AOF", 1);
  SetInt(L, "REPL_SLAVE", 2);
  SetInt(L, "REPL_REPLICA", 2);
  SetInt(L, "REPL_ALL", 3);
  lua_pushlstring(L, version.data(), version.size());
  lua_setfield(L, -2, "REDIS_VERSION");
  SetInt(L, "REDIS_VERSION_NUM", VersionNum(version));
}

// Redis 7's __redis__err__handler: turns any error into {err=, source=, line=} naming
// the script's line (skipping a C function such as redis.call or error).
constexpr const char kErrorHandler[] = R"lua(
local getinfo = ...
return function(err)
  local i = getinfo(2, 'nSl')
  if i and i.what == 'C' then
    i = getinfo(3, 'nSl')
  end
  if type(err) ~= 'table' then
    err = {err = 'ERR ' .. tostring(err)}
  end
  if i then
    err['source'] = i.source
    err['line'] = i.currentline
  end
  return err
end
)lua";

void OpenLib(lua_State* L, lua_CFunction open, const char* name) {
  lua_pushcfunction(L, open);
  lua_pushstring(L, name);
  lua_call(L, 1, 0);
}

}  // namespace

LuaEngine::LuaEngine(std::string_view redis_version) : redis_version_(redis_version) {
  Open();
}

LuaEngine::~LuaEngine() {
  Close();
}

void* LuaEngine::Alloc(void* ud, void* ptr, size_t osize, size_t nsize) {
  auto* heap = static_cast<LuaHeap*>(ud);
  if (nsize == 0) {
    free(ptr);
    heap->bytes -= osize;
    return nullptr;
  }
  if (nsize > osize && heap->bytes + (nsize - osize) > kMaxLuaMemory) return nullptr;
  void* p = realloc(ptr, nsize);
  if (p == nullptr) return nullptr;
  heap->bytes = heap->bytes + nsize - osize;
  return p;
}

void LuaEngine::Open() {
  heap_ = std::make_unique<LuaHeap>();
  heap_->owner = this;
  L_ = lua_newstate(Alloc, heap_.get());
  lua_State* L = L_;
  OpenLib(L, luaopen_base, "");
  OpenLib(L, luaopen_table, LUA_TABLIBNAME);
  OpenLib(L, luaopen_string, LUA_STRLIBNAME);
  OpenLib(L, luaopen_math, LUA_MATHLIBNAME);
  OpenLib(L, luaopen_debug, LUA_DBLIBNAME);
  lua_pushcfunction(L, luaopen_cjson);
  lua_call(L, 0, 1);
  lua_setglobal(L, "cjson");
  OpenLib(L, luaopen_bit, "bit");

  // The error handler keeps debug.getinfo; scripts do not get the debug library.
  luaL_loadbuffer(L, kErrorHandler, sizeof(kErrorHandler) - 1, "=brisk_error_handler");
  lua_getglobal(L, "debug");
  lua_getfield(L, -1, "getinfo");
  lua_remove(L, -2);
  lua_call(L, 1, 1);
  err_handler_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pushcfunction(L, RunProtected);
  run_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);

  for (const char* name : {"debug", "print", "loadfile", "dofile", "getfenv", "setfenv", "newproxy",
                           "module", "require", "package", "os", "io"}) {
    lua_pushnil(L);
    lua_setglobal(L, name);
  }
  lua_pushcfunction(L, SafeRawset);
  lua_setglobal(L, "rawset");
  lua_pushcfunction(L, SafeSetmetatable);
  lua_setglobal(L, "setmetatable");
  lua_pushcfunction(L, ScriptPcall);
  lua_setglobal(L, "pcall");
  PushRedisTable(L, redis_version_);
  lua_setglobal(L, "redis");

  // Library tables become read-only proxies; then the globals themselves (invariant 3).
  for (const char* name : {"string", "table", "math", "coroutine", "redis", "cjson", "bit"}) {
    lua_getglobal(L, name);
    if (lua_istable(L, -1)) {
      PushProxy(L, -1);
      lua_setglobal(L, name);
    }
    lua_pop(L, 1);
  }
  lua_pushvalue(L, LUA_GLOBALSINDEX);  // the real globals
  lua_newtable(L);
  lua_pushcfunction(L, DenyUndefinedGlobal);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
  PushProxy(L, -1);
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "_G");  // _G names the proxy
  lua_replace(L, LUA_GLOBALSINDEX);
  globals_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_settop(L, 0);
}

void LuaEngine::Close() {
  if (L_ != nullptr) lua_close(L_);
  L_ = nullptr;
  scripts_.clear();
  scripts_bytes_ = 0;
}

void LuaEngine::Flush(FlushMode mode) {
  if (mode == FlushMode::kAsync) {
    closer_.Retire(L_, std::move(heap_));  // invariant 2: the old heap goes with it
    L_ = nullptr;
  }
  Close();
  Open();
}

bool LuaEngine::Exists(std::string_view sha) const {
  if (sha.size() != 40) return false;
  char lower[40];
  for (size_t i = 0; i < 40; ++i) lower[i] = char(tolower(static_cast<unsigned char>(sha[i])));
  return scripts_.find(std::string_view(lower, 40)) != scripts_.end();
}

namespace {

// Redis 7's evalExtractShebangFlags. False with *error for a bad shebang.
bool ParseShebang(std::string_view body, bool* no_writes, std::string* error) {
  std::string_view line = body.substr(0, body.find('\n'));
  size_t pos = 0;
  bool first = true;
  while (pos < line.size()) {
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t' || line[pos] == '\r')) ++pos;
    if (pos >= line.size()) break;
    size_t end = pos;
    while (end < line.size() && line[end] != ' ' && line[end] != '\t' && line[end] != '\r') ++end;
    std::string_view word = line.substr(pos, end - pos);
    pos = end;
    if (first) {
      first = false;
      if (word != "#!lua") {
        *error = FormatError(Err::kScriptShebangEngine, {word});
        return false;
      }
      continue;
    }
    if (word.substr(0, 6) != "flags=") {
      *error = FormatError(Err::kScriptShebangOption, {word});
      return false;
    }
    std::string_view flags = word.substr(6);
    while (!flags.empty()) {
      size_t comma = flags.find(',');
      std::string_view flag = flags.substr(0, comma);
      flags = comma == std::string_view::npos ? std::string_view() : flags.substr(comma + 1);
      if (flag == "no-writes") {
        *no_writes = true;
      } else if (flag != "allow-oom" && flag != "allow-stale" && flag != "no-cluster" &&
                 flag != "allow-cross-slot-keys") {
        *error = FormatError(Err::kScriptShebangFlag, {flag});
        return false;
      }
    }
  }
  return true;
}

}  // namespace

bool LuaEngine::NoWrites(std::string_view sha) const {
  char lower[40];
  for (size_t i = 0; i < 40 && i < sha.size(); ++i) {
    lower[i] = char(tolower(static_cast<unsigned char>(sha[i])));
  }
  auto it = scripts_.find(std::string_view(lower, 40));
  return it != scripts_.end() && it->second.no_writes;
}

bool LuaEngine::Load(std::string_view body, char sha[40], std::string* error) {
  char hex[40];
  Sha1Hex(body, hex);
  if (sha != nullptr) memcpy(sha, hex, 40);
  std::string_view key(hex, 40);
  if (scripts_.find(key) != scripts_.end()) return true;
  bool no_writes = false;
  std::string shebang_body;
  if (body.substr(0, 2) == "#!") {
    if (!ParseShebang(body, &no_writes, error)) return false;
    shebang_body.assign(body);
    shebang_body[0] = shebang_body[1] = '-';  // a comment: line numbers stay
    body = shebang_body;
  }
  if (luaL_loadbuffer(L_, body.data(), body.size(), "@user_script") != 0) {
    const char* msg = lua_tostring(L_, -1);
    *error = FormatError(Err::kScriptCompile, {msg != nullptr ? msg : ""});
    lua_pop(L_, 1);
    return false;
  }
  int ref = luaL_ref(L_, LUA_REGISTRYINDEX);
  scripts_.emplace(std::string(key), Script{ref, body.size(), no_writes});
  scripts_bytes_ += body.size();
  return true;
}

void LuaEngine::SetArray(const char* name, std::span<const std::string_view> values) {
  lua_createtable(L_, int(values.size()), 0);
  for (size_t i = 0; i < values.size(); ++i) {
    lua_pushlstring(L_, values[i].data(), values[i].size());
    lua_rawseti(L_, -2, int(i + 1));
  }
  lua_setfield(L_, -2, name);  // into the real globals at -2 (raw: it has no __newindex)
}

void LuaEngine::Hook(lua_State* L, lua_Debug*) {
  LuaEngine* e = EngineOf(L);
  if (e->host_ == nullptr || !e->host_->Tick()) return;
  // Killed: raise now, and again on every line should the script catch it with pcall.
  lua_sethook(L, Hook, LUA_MASKLINE, 0);
  PushErrorTable(L, ErrorText(Err::kScriptKilled));
  lua_error(L);
}

// Everything Run() does with the state happens inside a protected call: an out-of-memory error
// (invariant 2) while building KEYS/ARGV or converting the result must not reach Lua's
// panic handler, and no C++ object may be alive when Lua longjmps.
struct LuaEngine::RunState {
  LuaEngine* engine;
  const char* sha;  // 40 lowercase hex digits
  int ref;
  std::span<const std::string_view> keys, args;
  resp::ReplyBuilder* rb;
  bool ok;
};

int LuaEngine::RunProtected(lua_State* L) {
  auto* st = static_cast<RunState*>(lua_touserdata(L, 1));
  LuaEngine* e = st->engine;
  lua_settop(L, 0);
  lua_rawgeti(L, LUA_REGISTRYINDEX, e->globals_ref_);
  e->SetArray("KEYS", st->keys);
  e->SetArray("ARGV", st->args);
  lua_pop(L, 1);
  lua_rawgeti(L, LUA_REGISTRYINDEX, e->err_handler_ref_);
  lua_rawgeti(L, LUA_REGISTRYINDEX, st->ref);
  lua_sethook(L, Hook, LUA_MASKCOUNT, kHookInstructions);
  int rc = lua_pcall(L, 0, 1, 1);
  lua_sethook(L, nullptr, 0, 0);
  st->ok = rc == 0;
  std::string_view sha(st->sha, 40);
  if (st->ok) {
    ReplyFromLua(L, -1, e->script_resp_, st->rb);
  } else if (lua_istable(L, -1)) {
    int t = lua_gettop(L);
    lua_getfield(L, t, "err");
    lua_getfield(L, t, "source");
    lua_getfield(L, t, "line");
    const char* msg = lua_tostring(L, -3);
    const char* source = lua_tostring(L, -2);
    const char* line = lua_tostring(L, -1);  // (converts in place: may raise, before any string)
    std::string text = msg != nullptr ? msg : "";
    if (source != nullptr && line != nullptr) {
      text = FormatError(Err::kScriptWhere, {text, sha, source, line});
    }
    st->rb->Error(text.empty() ? "ERR " : text);
  } else {
    const char* msg = lua_tostring(L, -1);
    st->rb->Error(FormatError(Err::kScriptRunError, {sha, msg != nullptr ? msg : ""}));
  }
  return 0;
}

bool LuaEngine::Run(std::string_view sha, std::span<const std::string_view> keys,
                    std::span<const std::string_view> args, ScriptHost* host,
                    resp::ReplyBuilder* rb) {
  char lower[40];
  for (size_t i = 0; i < 40 && i < sha.size(); ++i) {
    lower[i] = char(tolower(static_cast<unsigned char>(sha[i])));
  }
  auto it = scripts_.find(std::string_view(lower, 40));
  host_ = host;
  script_resp_ = 2;
  RunState st{this, lower, it->second.ref, keys, args, rb, false};
  std::string* out = rb->buffer();
  size_t reply_start = out->size();
  lua_settop(L_, 0);
  lua_rawgeti(L_, LUA_REGISTRYINDEX, run_ref_);
  lua_pushlightuserdata(L_, &st);
  if (lua_pcall(L_, 1, 0, 0) != 0) {
    // Out of memory outside the script (KEYS/ARGV, the reply): drop any partial reply.
    const char* msg = lua_tostring(L_, -1);
    std::string text =
        FormatError(Err::kScriptRunError, {std::string_view(lower, 40), msg ? msg : ""});
    out->resize(reply_start);
    rb->Error(text);
    st.ok = false;
  }
  lua_settop(L_, 0);
  host_ = nullptr;
  return st.ok;
}

}  // namespace brisk::script
