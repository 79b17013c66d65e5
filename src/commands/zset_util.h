// Helpers shared by the sorted-set command files (zset_family.cc, zset_range.cc,
// zset_store.cc): Redis's range parsing (zslParseRange, zslParseLexRange), rank
// ranges over engine/zset.h, score replies and the handlers each file registers.
//
// Thread safety: loop thread only (like every handler).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "commands/collection_util.h"
#include "engine/zset.h"

namespace brisk::cmd {

inline engine::ZSetLimits ZLimitsOf(const Config& c) {
  engine::ZSetLimits l;
  l.max_listpack_entries = size_t(c.zset_max_listpack_entries);
  l.max_listpack_value = size_t(c.zset_max_listpack_value);
  return l;
}

struct ZScoreRange {
  double min = 0, max = 0;
  bool minex = false, maxex = false;
};
// Redis's zslParseRange: "(" makes a bound exclusive; false on a bad float.
bool ParseScoreRange(std::string_view min, std::string_view max, ZScoreRange* out);

struct ZLexRange {
  std::string_view min, max;  // without the '[' / '(' prefix
  bool minex = false, maxex = false;
  bool min_inf = false;    // "-"
  bool max_inf = false;    // "+"
  bool min_plus = false;   // "+" as min: nothing is >= it
  bool max_minus = false;  // "-" as max: nothing is <= it
};
// Redis's zslParseLexRange; false on a bad item.
bool ParseLexRange(std::string_view min, std::string_view max, ZLexRange* out);

// Rank range [*start, *end) of the elements inside the range.
void ScoreRanks(const engine::Entry& e, const ZScoreRange& r, size_t* start, size_t* end);
void LexRanks(const engine::Entry& e, const ZLexRange& r, size_t* start, size_t* end);

// A score reply: RESP3 double, RESP2 bulk "%.17g".
void ReplyScore(CommandContext* ctx, double score);
// A list of (member, score) results: flat members, or with scores flat pairs (RESP2)
// or [member, score] arrays (RESP3), as Redis 7.
void ReplyScored(CommandContext* ctx, const std::vector<std::pair<std::string, double>>& items,
                 bool withscores);
// Formats a score for an effect argv ("%.17g", "inf", "-inf").
std::string ScoreText(double score);

// Removes `members` from key (entry e) and logs ZREM of them, fires `event` (and "del"
// when emptied). Returns the number removed.
size_t ZRemoveMembers(CommandContext* ctx, std::string_view key, engine::Entry* e,
                      const std::vector<std::pair<std::string, double>>& members,
                      std::string_view event);
// Replaces `key` with the given elements (deleting it when empty), logs the whole new
// state and fires `event` (or "del" when the result is empty and the key existed).
void ZStoreResult(CommandContext* ctx, std::string_view key,
                  const std::vector<std::pair<std::string, double>>& items, std::string_view event);

// Handlers of zset_range.cc and zset_store.cc (registered by zset_family.cc).
void ZCount(CmdArgs args, CommandContext* ctx);
void ZLexCount(CmdArgs args, CommandContext* ctx);
void ZRange(CmdArgs args, CommandContext* ctx);
void ZRangeStore(CmdArgs args, CommandContext* ctx);
void ZRangeByScore(CmdArgs args, CommandContext* ctx);
void ZRevRangeByScore(CmdArgs args, CommandContext* ctx);
void ZRangeByLex(CmdArgs args, CommandContext* ctx);
void ZRevRangeByLex(CmdArgs args, CommandContext* ctx);
void ZRevRange(CmdArgs args, CommandContext* ctx);
void ZRemRangeByScore(CmdArgs args, CommandContext* ctx);
void ZRemRangeByRank(CmdArgs args, CommandContext* ctx);
void ZRemRangeByLex(CmdArgs args, CommandContext* ctx);
void ZUnion(CmdArgs args, CommandContext* ctx);
void ZInter(CmdArgs args, CommandContext* ctx);
void ZDiff(CmdArgs args, CommandContext* ctx);
void ZUnionStore(CmdArgs args, CommandContext* ctx);
void ZInterStore(CmdArgs args, CommandContext* ctx);
void ZDiffStore(CmdArgs args, CommandContext* ctx);
void ZInterCard(CmdArgs args, CommandContext* ctx);

}  // namespace brisk::cmd
