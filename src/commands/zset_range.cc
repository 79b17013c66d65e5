// Sorted-set range commands (t_zset.c's zrangeGenericCommand family): ZRANGE with
// BYSCORE / BYLEX / REV / LIMIT / WITHSCORES, its legacy forms, ZRANGESTORE, ZCOUNT,
// ZLEXCOUNT and ZREMRANGEBY{SCORE,RANK,LEX}. Every range becomes a rank window over
// engine/zset.h (O(log n) to find, then O(k) to walk).
#include <algorithm>
#include <string>
#include <vector>

#include "commands/families.h"
#include "commands/zset_util.h"
#include "common/numbers.h"

namespace brisk::cmd {

using engine::Entry;
using engine::ObjType;
using Scored = std::vector<std::pair<std::string, double>>;

namespace {

enum class RangeType : uint8_t { kRank, kScore, kLex };

// Redis's rank sanitizing: [start, end] inclusive, negatives from the end. Returns the
// ascending window [*lo, *hi); empty when out of range.
void RankWindow(int64_t start, int64_t end, size_t len, bool rev, size_t* lo, size_t* hi) {
  int64_t llen = int64_t(len);
  if (start < 0) start += llen;
  if (end < 0) end += llen;
  if (start < 0) start = 0;
  if (start > end || start >= llen) {
    *lo = *hi = 0;
    return;
  }
  if (end >= llen) end = llen - 1;
  if (!rev) {
    *lo = size_t(start);
    *hi = size_t(end) + 1;
  } else {
    *lo = size_t(llen - 1 - end);
    *hi = size_t(llen - start);
  }
}

struct RangeRequest {
  RangeType type = RangeType::kRank;
  bool rev = false;
  bool withscores = false;
  int64_t offset = 0, limit = -1;
  std::string_view min, max;  // as given (after the REV swap for score/lex)
};

// Parses [BYSCORE|BYLEX] [REV] [LIMIT o c] [WITHSCORES] from args[from], as Redis's
// zrangeGenericCommand. False with the error replied.
bool ParseRangeOptions(CmdArgs args, size_t from, bool type_from_args, bool dir_from_args,
                       bool store, CommandContext* ctx, RangeRequest* rq) {
  for (size_t j = from; j < args.size(); ++j) {
    size_t left = args.size() - j - 1;
    std::string_view a = args[j];
    if (!store && EqualsNoCase(a, "withscores")) {
      rq->withscores = true;
    } else if (EqualsNoCase(a, "limit") && left >= 2) {
      if (!ParseInt64(args[j + 1], &rq->offset) || !ParseInt64(args[j + 2], &rq->limit)) {
        ctx->Error(Err::kNotInteger);
        return false;
      }
      j += 2;
    } else if (dir_from_args && EqualsNoCase(a, "rev")) {
      rq->rev = true;
    } else if (type_from_args && EqualsNoCase(a, "bylex")) {
      rq->type = RangeType::kLex;
    } else if (type_from_args && EqualsNoCase(a, "byscore")) {
      rq->type = RangeType::kScore;
    } else {
      ctx->Error(Err::kSyntax);
      return false;
    }
  }
  if ((rq->offset != 0 || rq->limit != -1) && rq->type == RangeType::kRank) {
    ctx->Error(Err::kZLimitNeedsRange);
    return false;
  }
  if (rq->withscores && rq->type == RangeType::kLex) {
    ctx->Error(Err::kZWithScoresByLex);
    return false;
  }
  if (rq->rev && rq->type != RangeType::kRank) std::swap(rq->min, rq->max);
  return true;
}

// Runs the parsed request on `e` (may be nullptr): the selected elements in reply
// order. False with the error replied.
bool Select(CommandContext* ctx, const RangeRequest& rq, const Entry* e, Scored* out) {
  size_t lo = 0, hi = 0;
  if (rq.type == RangeType::kRank) {
    int64_t start, end;
    if (!ParseInt64(rq.min, &start) || !ParseInt64(rq.max, &end)) {
      ctx->Error(Err::kNotInteger);
      return false;
    }
    if (e != nullptr) RankWindow(start, end, engine::ZLen(*e), rq.rev, &lo, &hi);
  } else if (rq.type == RangeType::kScore) {
    ZScoreRange r;
    if (!ParseScoreRange(rq.min, rq.max, &r)) {
      ctx->Error(Err::kZMinMaxNotFloat);
      return false;
    }
    if (e != nullptr) ScoreRanks(*e, r, &lo, &hi);
  } else {
    ZLexRange r;
    if (!ParseLexRange(rq.min, rq.max, &r)) {
      ctx->Error(Err::kZMinMaxNotLex);
      return false;
    }
    if (e != nullptr) LexRanks(*e, r, &lo, &hi);
  }
  if (e == nullptr) return true;
  if (rq.type != RangeType::kRank) {
    if (rq.offset < 0) return true;
    size_t off = size_t(rq.offset);
    if (off >= hi - lo) return true;
    if (!rq.rev) {
      lo += off;
      if (rq.limit >= 0 && size_t(rq.limit) < hi - lo) hi = lo + size_t(rq.limit);
    } else {
      hi -= off;
      if (rq.limit >= 0 && size_t(rq.limit) < hi - lo) lo = hi - size_t(rq.limit);
    }
  }
  out->reserve(hi - lo);
  engine::ZForRange(*e, lo, hi, rq.rev, [&](std::string_view m, double s) {
    out->emplace_back(std::string(m), s);
    return true;
  });
  return true;
}

void RangeGeneric(CmdArgs args, CommandContext* ctx, RangeType type, bool rev, bool type_from_args,
                  bool dir_from_args) {
  RangeRequest rq;
  rq.type = type;
  rq.rev = rev;
  rq.min = args[2];
  rq.max = args[3];
  if (!ParseRangeOptions(args, 4, type_from_args, dir_from_args, false, ctx, &rq)) return;
  bool failed;
  Entry* e = FindRead(ctx, args[1], ObjType::kZSet, &failed);
  if (failed) return;
  Scored out;
  if (!Select(ctx, rq, e, &out)) return;
  ReplyScored(ctx, out, rq.withscores);
}

size_t RemoveRange(CmdArgs args, CommandContext* ctx, RangeType type, std::string_view event,
                   bool* ok) {
  RangeRequest rq;
  rq.type = type;
  rq.min = args[2];
  rq.max = args[3];
  *ok = false;
  // Validate the range before the lookup (as Redis).
  Scored none;
  if (!Select(ctx, rq, nullptr, &none)) return 0;
  bool failed;
  Entry* e = FindWrite(ctx, args[1], ObjType::kZSet, &failed);
  if (failed) return 0;
  *ok = true;
  Scored victims;
  if (e == nullptr || !Select(ctx, rq, e, &victims)) return 0;
  return ZRemoveMembers(ctx, args[1], e, victims, event);
}

}  // namespace

void ZRange(CmdArgs args, CommandContext* ctx) {
  RangeGeneric(args, ctx, RangeType::kRank, false, true, true);
}
void ZRangeByScore(CmdArgs args, CommandContext* ctx) {
  RangeGeneric(args, ctx, RangeType::kScore, false, false, false);
}
void ZRevRangeByScore(CmdArgs args, CommandContext* ctx) {
  RangeGeneric(args, ctx, RangeType::kScore, true, false, false);
}
void ZRangeByLex(CmdArgs args, CommandContext* ctx) {
  RangeGeneric(args, ctx, RangeType::kLex, false, false, false);
}
void ZRevRangeByLex(CmdArgs args, CommandContext* ctx) {
  RangeGeneric(args, ctx, RangeType::kLex, true, false, false);
}
void ZRevRange(CmdArgs args, CommandContext* ctx) {
  RangeGeneric(args, ctx, RangeType::kRank, true, false, false);
}

// ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]
void ZRangeStore(CmdArgs args, CommandContext* ctx) {
  RangeRequest rq;
  rq.min = args[3];
  rq.max = args[4];
  if (!ParseRangeOptions(args, 5, true, true, true, ctx, &rq)) return;
  bool failed;
  Entry* e = FindRead(ctx, args[2], ObjType::kZSet, &failed);
  if (failed) return;
  Scored out;
  if (!Select(ctx, rq, e, &out)) return;
  ZStoreResult(ctx, args[1], out, "zrangestore");
  ctx->rb()->Integer(int64_t(out.size()));
}

void ZCount(CmdArgs args, CommandContext* ctx) {
  ZScoreRange r;
  if (!ParseScoreRange(args[2], args[3], &r)) return ctx->Error(Err::kZMinMaxNotFloat);
  bool failed;
  Entry* e = FindRead(ctx, args[1], ObjType::kZSet, &failed);
  if (failed) return;
  size_t lo = 0, hi = 0;
  if (e != nullptr) ScoreRanks(*e, r, &lo, &hi);
  ctx->rb()->Integer(int64_t(hi - lo));
}

void ZLexCount(CmdArgs args, CommandContext* ctx) {
  ZLexRange r;
  if (!ParseLexRange(args[2], args[3], &r)) return ctx->Error(Err::kZMinMaxNotLex);
  bool failed;
  Entry* e = FindRead(ctx, args[1], ObjType::kZSet, &failed);
  if (failed) return;
  size_t lo = 0, hi = 0;
  if (e != nullptr) LexRanks(*e, r, &lo, &hi);
  ctx->rb()->Integer(int64_t(hi - lo));
}

void ZRemRangeByScore(CmdArgs args, CommandContext* ctx) {
  bool ok;
  size_t n = RemoveRange(args, ctx, RangeType::kScore, "zremrangebyscore", &ok);
  if (ok) ctx->rb()->Integer(int64_t(n));
}
void ZRemRangeByRank(CmdArgs args, CommandContext* ctx) {
  bool ok;
  size_t n = RemoveRange(args, ctx, RangeType::kRank, "zremrangebyrank", &ok);
  if (ok) ctx->rb()->Integer(int64_t(n));
}
void ZRemRangeByLex(CmdArgs args, CommandContext* ctx) {
  bool ok;
  size_t n = RemoveRange(args, ctx, RangeType::kLex, "zremrangebylex", &ok);
  if (ok) ctx->rb()->Integer(int64_t(n));
}

}  // namespace brisk::cmd
