// Lua <-> RESP conversions, as Redis 7 documents them (EVAL "Conversion between Lua and
// Redis data types"):
//
//   RESP -> Lua (a redis.call reply)        Lua -> RESP (a script's return value)
//   integer        -> number                number         -> integer (truncated)
//   bulk / $-1     -> string / false        string         -> bulk string
//   array / *-1    -> table / false         table (array)  -> array, up to the first nil
//   status         -> {ok = s}              {ok = s}       -> status
//   error          -> {err = s}             {err = s}      -> error
//   RESP3 map      -> {map = {k = v}}       {map = t}      -> map (RESP2: flat array)
//   RESP3 set      -> {set = {m = true}}    {set = t}      -> set (RESP2: array)
//   RESP3 null     -> nil                   nil            -> null
//   RESP3 bool     -> boolean               false          -> null (script RESP2) / #f (3)
//   RESP3 double   -> {double = n}          true           -> 1 (script RESP2) / #t (3)
//   RESP3 big num  -> {big_number = s}      {double = n}   -> double (RESP2: bulk)
//   RESP3 verbatim -> {verbatim_string =    {big_number=s} -> big number (RESP2: bulk)
//                      {format=, string=}}
//
// Error tables follow Redis's luaPushErrorBuff: "-CODE message" becomes
// {err = "CODE message"}; a text without a '-' or without a space gets the "ERR " code.
//
// Thread safety: operate on one lua_State; loop thread only.
#pragma once

#include <cstddef>
#include <string_view>

#include "resp/reply.h"

struct lua_State;

namespace brisk::script {

// Nesting deeper than this, either way, is cut with "reached lua stack limit".
constexpr int kMaxNesting = 1000;

// Pushes the Lua value of the one RESP reply at the start of bytes. Returns the bytes it
// used, or 0 (and pushes nothing) if bytes do not hold a complete valid reply.
size_t PushRespReply(lua_State* L, std::string_view bytes);

// Pushes Redis's error table for an error text ("-CODE msg", "CODE msg" or "msg").
void PushErrorTable(lua_State* L, std::string_view text);

// Appends the RESP form of the Lua value at stack index idx to rb. script_resp is the
// script's protocol (redis.setresp): it decides how booleans are sent.
void ReplyFromLua(lua_State* L, int idx, int script_resp, resp::ReplyBuilder* rb);

}  // namespace brisk::script
