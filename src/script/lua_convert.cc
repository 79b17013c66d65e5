#include "script/lua_convert.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/errors.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

namespace brisk::script {
namespace {

// One RESP line starting at pos (after the type byte): returns its end (the CR) or npos.
size_t LineEnd(std::string_view b, size_t pos) {
  size_t cr = b.find('\r', pos);
  if (cr == std::string_view::npos || cr + 1 >= b.size() || b[cr + 1] != '\n') {
    return std::string_view::npos;
  }
  return cr;
}

bool ParseInt(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  char buf[24];
  s.copy(buf, s.size());
  buf[s.size()] = '\0';
  char* end = nullptr;
  long long v = strtoll(buf, &end, 10);
  if (end != buf + s.size()) return false;
  *out = v;
  return true;
}

void SetField(lua_State* L, const char* name) {
  lua_setfield(L, -2, name);
}

// Parses one reply at b[pos...]; pushes exactly one value on success. Returns the end
// position or npos (nothing pushed).
size_t Parse(lua_State* L, std::string_view b, size_t pos, int depth) {
  if (pos >= b.size() || depth > kMaxNesting || !lua_checkstack(L, 4)) {
    return std::string_view::npos;
  }
  char type = b[pos];
  size_t end = LineEnd(b, pos + 1);
  if (end == std::string_view::npos) return end;
  std::string_view line = b.substr(pos + 1, end - pos - 1);
  size_t next = end + 2;
  int64_t n = 0;
  switch (type) {
    case '+':
      lua_newtable(L);
      lua_pushlstring(L, line.data(), line.size());
      SetField(L, "ok");
      return next;
    case '-':
      PushErrorTable(L, line);
      return next;
    case ':':
      if (!ParseInt(line, &n)) return std::string_view::npos;
      lua_pushnumber(L, lua_Number(n));
      return next;
    case '_':
      lua_pushnil(L);
      return next;
    case '#':
      lua_pushboolean(L, line == "t");
      return next;
    case ',': {
      char tmp[64];  // no C++ object may be alive when Lua raises (out of memory)
      size_t n = std::min(line.size(), sizeof(tmp) - 1);
      line.copy(tmp, n);
      tmp[n] = '\0';
      double v = strtod(tmp, nullptr);
      lua_newtable(L);
      lua_pushnumber(L, v);
      SetField(L, "double");
      return next;
    }
    case '(':
      lua_newtable(L);
      lua_pushlstring(L, line.data(), line.size());
      SetField(L, "big_number");
      return next;
    case '$':
    case '=': {
      if (!ParseInt(line, &n)) return std::string_view::npos;
      if (n < 0) {
        lua_pushboolean(L, 0);
        return next;
      }
      if (next + size_t(n) + 2 > b.size()) return std::string_view::npos;
      std::string_view body = b.substr(next, size_t(n));
      if (type == '$') {
        lua_pushlstring(L, body.data(), body.size());
      } else {  // verbatim: "fmt:text"
        lua_newtable(L);
        lua_newtable(L);
        std::string_view fmt = body.substr(0, std::min<size_t>(3, body.size()));
        std::string_view text = body.size() > 4 ? body.substr(4) : std::string_view();
        lua_pushlstring(L, fmt.data(), fmt.size());
        SetField(L, "format");
        lua_pushlstring(L, text.data(), text.size());
        SetField(L, "string");
        SetField(L, "verbatim_string");
      }
      return next + size_t(n) + 2;
    }
    case '*':
    case '>':
    case '~':
    case '%': {
      if (!ParseInt(line, &n)) return std::string_view::npos;
      if (n < 0) {
        lua_pushboolean(L, 0);
        return next;
      }
      lua_newtable(L);
      if (type == '%' || type == '~') lua_newtable(L);  // the inner map / set table
      for (int64_t i = 0; i < n; ++i) {
        next = Parse(L, b, next, depth + 1);
        if (next == std::string_view::npos) break;
        if (type == '%') {
          next = Parse(L, b, next, depth + 1);
          if (next == std::string_view::npos) {
            lua_pop(L, 1);
            break;
          }
          lua_settable(L, -3);
        } else if (type == '~') {
          lua_pushboolean(L, 1);
          lua_settable(L, -3);
        } else {
          lua_rawseti(L, -2, int(i + 1));
        }
      }
      if (next == std::string_view::npos) {
        lua_pop(L, (type == '%' || type == '~') ? 2 : 1);
        return next;
      }
      if (type == '%') SetField(L, "map");
      if (type == '~') SetField(L, "set");
      return next;
    }
    case '|': {  // attributes: skipped, the reply follows
      if (!ParseInt(line, &n) || n < 0) return std::string_view::npos;
      for (int64_t i = 0; i < 2 * n; ++i) {
        next = Parse(L, b, next, depth + 1);
        if (next == std::string_view::npos) return next;
        lua_pop(L, 1);
      }
      return Parse(L, b, next, depth);
    }
    default:
      return std::string_view::npos;
  }
}

// Redis's (long long) cast of a Lua number, without the undefined behaviour for values
// out of range (x86 yields INT64_MIN for those and for NaN; so do we).
int64_t Truncate(lua_Number v) {
  if (std::isnan(v) || v >= 9223372036854775808.0 || v < -9223372036854775808.0) {
    return INT64_MIN;
  }
  return int64_t(v);
}

// Field `name` of the table at idx if it has Lua type `type`: pushed (returns true), or
// nothing pushed.
bool GetField(lua_State* L, int idx, const char* name, int type) {
  lua_pushstring(L, name);
  lua_rawget(L, idx);
  if (lua_type(L, -1) == type) return true;
  lua_pop(L, 1);
  return false;
}

std::string_view ToView(lua_State* L, int idx) {
  size_t len = 0;
  const char* s = lua_tolstring(L, idx, &len);
  return std::string_view(s, len);
}

void Reply(lua_State* L, int idx, int script_resp, resp::ReplyBuilder* rb, int depth);

void ReplyTable(lua_State* L, int idx, int script_resp, resp::ReplyBuilder* rb, int depth) {
  if (GetField(L, idx, "err", LUA_TSTRING)) {
    std::string_view msg = ToView(L, -1);
    if (msg.empty()) {
      rb->Error("ERR ");
    } else {
      rb->Error(msg);
    }
    lua_pop(L, 1);
    return;
  }
  if (GetField(L, idx, "ok", LUA_TSTRING)) {
    std::string s(ToView(L, -1));
    for (char& c : s) {
      if (c == '\r' || c == '\n') c = ' ';
    }
    rb->SimpleString(s);
    lua_pop(L, 1);
    return;
  }
  if (GetField(L, idx, "double", LUA_TNUMBER)) {
    rb->Double(lua_tonumber(L, -1));
    lua_pop(L, 1);
    return;
  }
  if (GetField(L, idx, "big_number", LUA_TSTRING)) {
    std::string s(ToView(L, -1));
    for (char& c : s) {
      if (c == '\r' || c == '\n') c = ' ';
    }
    rb->BigNumber(s);
    lua_pop(L, 1);
    return;
  }
  if (GetField(L, idx, "map", LUA_TTABLE)) {
    int t = lua_gettop(L);
    size_t pairs = 0;
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
      ++pairs;
      lua_pop(L, 1);
    }
    rb->MapHeader(pairs);
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
      Reply(L, t + 1, script_resp, rb, depth + 1);  // key
      Reply(L, t + 2, script_resp, rb, depth + 1);  // value
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return;
  }
  if (GetField(L, idx, "set", LUA_TTABLE)) {
    int t = lua_gettop(L);
    size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
      ++n;
      lua_pop(L, 1);
    }
    rb->SetHeader(n);
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
      Reply(L, t + 1, script_resp, rb, depth + 1);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return;
  }
  // An array: elements 1..n up to the first nil.
  size_t n = 0;
  for (;;) {
    lua_rawgeti(L, idx, int(n + 1));
    bool nil = lua_isnil(L, -1);
    lua_pop(L, 1);
    if (nil) break;
    ++n;
  }
  rb->ArrayHeader(n);
  for (size_t i = 1; i <= n; ++i) {
    lua_rawgeti(L, idx, int(i));
    Reply(L, lua_gettop(L), script_resp, rb, depth + 1);
    lua_pop(L, 1);
  }
}

void Reply(lua_State* L, int idx, int script_resp, resp::ReplyBuilder* rb, int depth) {
  if (depth > kMaxNesting || !lua_checkstack(L, 6)) {
    rb->Error("ERR reached lua stack limit");
    return;
  }
  switch (lua_type(L, idx)) {
    case LUA_TSTRING:
      rb->Bulk(ToView(L, idx));
      return;
    case LUA_TBOOLEAN: {
      bool b = lua_toboolean(L, idx) != 0;
      if (script_resp == 2) {
        if (b) {
          rb->Integer(1);
        } else {
          rb->Null();
        }
      } else {
        rb->Bool(b);
      }
      return;
    }
    case LUA_TNUMBER:
      rb->Integer(Truncate(lua_tonumber(L, idx)));
      return;
    case LUA_TTABLE:
      ReplyTable(L, idx, script_resp, rb, depth);
      return;
    default:
      rb->Null();
      return;
  }
}

}  // namespace

size_t PushRespReply(lua_State* L, std::string_view bytes) {
  size_t end = Parse(L, bytes, 0, 0);
  return end == std::string_view::npos ? 0 : end;
}

void PushErrorTable(lua_State* L, std::string_view text) {
  if (!text.empty() && text[0] == '-') text.remove_prefix(1);
  lua_newtable(L);
  if (text.find(' ') == std::string_view::npos) {
    lua_pushliteral(L, "ERR ");
    lua_pushlstring(L, text.data(), text.size());
    lua_concat(L, 2);
  } else {
    lua_pushlstring(L, text.data(), text.size());
  }
  lua_setfield(L, -2, "err");
}

void ReplyFromLua(lua_State* L, int idx, int script_resp, resp::ReplyBuilder* rb) {
  if (idx < 0) idx = lua_gettop(L) + idx + 1;
  Reply(L, idx, script_resp, rb, 0);
}

}  // namespace brisk::script
