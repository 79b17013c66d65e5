// The non-blocking pop paths the blocking pops reuse (defined in list_family.cc and
// zset_family.cc next to the commands they serve), so BLPOP & co. pop, log and notify
// exactly as LPOP / LMOVE / ZPOPMIN do.
//
// Thread safety: loop thread only (like every handler).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "commands/context.h"

namespace brisk::cmd {

// Pops up to `count` elements of the live list `e` at `key` into *out (cleared first),
// logs "LPOP/RPOP key n" and fires lpop/rpop (+ del). REQUIRES: e is a non-empty list.
void ListPopAndLog(CommandContext* ctx, std::string_view key, engine::Entry* e, bool left,
                   size_t count, std::vector<std::string>* out);
// LMOVE src dst from to once parsed: WRONGTYPE, null if src is empty, else the move
// (logged as LMOVE, lpush/rpush + lpop/rpop events) and the element as the reply.
void ListMove(CommandContext* ctx, std::string_view src, std::string_view dst, bool from_left,
              bool to_left);
// Pops up to `count` members of the live zset `e` at `key` (lowest first, or highest
// first when `max`), logs and notifies as ZPOPMIN / ZPOPMAX.
std::vector<std::pair<std::string, double>> ZSetPopAndLog(CommandContext* ctx, std::string_view key,
                                                          engine::Entry* e, size_t count, bool max);
// A score as Redis replies it (RESP3 double, RESP2 bulk string).
void ReplyZSetScore(CommandContext* ctx, double score);

}  // namespace brisk::cmd
