// Sorted-set commands with Redis 7's semantics, replies and error texts (t_zset.c), over
// engine/zset.h: the point commands, pops and the shared helpers. Ranges live in
// zset_range.cc, the multi-key algebra in zset_store.cc. Writes log exact effects:
// ZADD of the resulting scores (ZINCRBY, ZADD INCR/GT/LT included), ZREM of what was
// removed or popped; *STORE destinations log their whole resulting state.
#include <algorithm>
#include <cinttypes>
#include <climits>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "commands/blocking_ops.h"
#include "commands/families.h"
#include "commands/zset_util.h"
#include "common/glob.h"
#include "common/numbers.h"

namespace brisk::cmd {

using engine::Entry;
using engine::ObjType;
using engine::ZSetEditor;
using Scored = std::vector<std::pair<std::string, double>>;

// ---------------------------------------------------------------------------------
// Shared helpers (zset_util.h)

bool ParseScoreRange(std::string_view min, std::string_view max, ZScoreRange* out) {
  auto one = [](std::string_view s, double* v, bool* ex) {
    *ex = !s.empty() && s[0] == '(';
    if (*ex) s.remove_prefix(1);
    return ParseDouble(s, v);
  };
  return one(min, &out->min, &out->minex) && one(max, &out->max, &out->maxex);
}

bool ParseLexRange(std::string_view min, std::string_view max, ZLexRange* out) {
  auto one = [](std::string_view s, std::string_view* v, bool* ex, bool* minus, bool* plus) {
    if (s.empty()) return false;
    if (s == "-") return *minus = true;
    if (s == "+") return *plus = true;
    if (s[0] != '(' && s[0] != '[') return false;
    *ex = s[0] == '(';
    *v = s.substr(1);
    return true;
  };
  return one(min, &out->min, &out->minex, &out->min_inf, &out->min_plus) &&
         one(max, &out->max, &out->maxex, &out->max_minus, &out->max_inf);
}

void ScoreRanks(const Entry& e, const ZScoreRange& r, size_t* start, size_t* end) {
  *start = engine::ZLowerRank(
      e, [&](double s, std::string_view) { return r.minex ? s <= r.min : s < r.min; });
  *end = engine::ZLowerRank(
      e, [&](double s, std::string_view) { return r.maxex ? s < r.max : s <= r.max; });
  if (*end < *start) *end = *start;
}

void LexRanks(const Entry& e, const ZLexRange& r, size_t* start, size_t* end) {
  size_t len = engine::ZLen(e);
  if (r.min_plus || r.max_minus) {
    *start = *end = 0;
    return;
  }
  *start = r.min_inf ? 0 : engine::ZLowerRank(e, [&](double, std::string_view m) {
    return r.minex ? m <= r.min : m < r.min;
  });
  *end = r.max_inf ? len : engine::ZLowerRank(e, [&](double, std::string_view m) {
    return r.maxex ? m < r.max : m <= r.max;
  });
  if (*end < *start) *end = *start;
}

void ReplyScore(CommandContext* ctx, double score) {
  ctx->rb()->Double(score);
}

void ReplyScored(CommandContext* ctx, const Scored& items, bool withscores) {
  bool nested = withscores && ctx->rb()->protocol() >= 3;
  ctx->rb()->ArrayHeader(items.size() * (withscores && !nested ? 2 : 1));
  for (const auto& [m, s] : items) {
    if (nested) ctx->rb()->ArrayHeader(2);
    ctx->rb()->Bulk(m);
    if (withscores) ReplyScore(ctx, s);
  }
}

std::string ScoreText(double score) {
  char buf[32];
  return std::string(buf, FormatDouble(score, buf));
}

size_t ZRemoveMembers(CommandContext* ctx, std::string_view key, Entry* e, const Scored& members,
                      std::string_view event) {
  if (members.empty()) return 0;
  engine::ZSetLimits limits = ZLimitsOf(ctx->config());
  ZSetEditor ed(ctx->db(), key, e, limits);
  size_t removed = 0;
  for (const auto& m : members) removed += ed.Del(m.first) ? 1 : 0;
  bool exists = ed.Commit();
  Effect eff(ctx);
  eff.Add("ZREM").Add(key);
  for (const auto& m : members) eff.Add(m.first);
  ctx->KeyModified(key, eff.argv());
  ctx->Notify(notify::kZset, event, key);
  if (!exists) ctx->Notify(notify::kGeneric, "del", key);
  return removed;
}

void ZStoreResult(CommandContext* ctx, std::string_view key, const Scored& items,
                  std::string_view event) {
  engine::Db& db = ctx->db();
  bool existed = db.Find(key, ctx->now_ms()) != nullptr;
  if (existed) db.Erase(key, ctx->now_ms());
  if (!items.empty()) {
    engine::ZSetLimits limits = ZLimitsOf(ctx->config());
    size_t maxlen = 0;
    for (const auto& it : items) maxlen = std::max(maxlen, it.first.size());
    ZSetEditor ed(db, key, nullptr, limits);
    ed.Reserve(items.size(), maxlen);
    for (const auto& it : items) ed.Set(it.first, it.second);
    ed.Commit();
  }
  if (!items.empty() || existed) ctx->KeyModified(key);  // logs the whole new state
  if (!items.empty()) {
    if (!existed) ctx->Notify(notify::kNew, "new", key);
    ctx->Notify(notify::kZset, event, key);
  } else if (existed) {
    ctx->Notify(notify::kGeneric, "del", key);
  }
}

void LogZSetState(EffectRecorder* rec, int db, std::string_view key, const Entry& e) {
  {
    std::string_view del[] = {"DEL", key};
    rec->Explicit(db, del);
  }
  constexpr size_t kChunk = 128;
  std::vector<std::string> owned;
  std::vector<std::string_view> argv;
  auto flush = [&] {
    if (argv.size() > 2) rec->Explicit(db, argv);
    argv.assign({std::string_view("ZADD"), key});
    owned.clear();
  };
  flush();
  owned.reserve(2 * kChunk);
  engine::ZForRange(e, 0, engine::ZLen(e), false, [&](std::string_view m, double s) {
    owned.push_back(ScoreText(s));
    argv.push_back(owned.back());
    owned.emplace_back(m);
    argv.push_back(owned.back());
    if (owned.size() == 2 * kChunk) flush();
    return true;
  });
  flush();
  if (e.expire_at_ms() != 0) {
    char at[24];
    int n = snprintf(at, sizeof(at), "%" PRId64, e.expire_at_ms());
    std::string_view argv2[] = {"PEXPIREAT", key, std::string_view(at, size_t(n))};
    rec->Explicit(db, argv2);
  }
}

namespace {

// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]
void ZAddGeneric(CmdArgs args, CommandContext* ctx, bool incr) {
  std::string_view key = args[1];
  bool nx = false, xx = false, gt = false, lt = false, ch = false;
  size_t idx = 2;
  for (; idx < args.size(); ++idx) {
    std::string_view o = args[idx];
    if (EqualsNoCase(o, "nx")) {
      nx = true;
    } else if (EqualsNoCase(o, "xx")) {
      xx = true;
    } else if (EqualsNoCase(o, "gt")) {
      gt = true;
    } else if (EqualsNoCase(o, "lt")) {
      lt = true;
    } else if (EqualsNoCase(o, "ch")) {
      ch = true;
    } else if (EqualsNoCase(o, "incr")) {
      incr = true;
    } else {
      break;
    }
  }
  size_t elements = args.size() - idx;
  if (elements == 0 || elements % 2 != 0) return ctx->Error(Err::kSyntax);
  elements /= 2;
  if (nx && xx) return ctx->Error(Err::kZXxNx);
  if ((gt && nx) || (lt && nx) || (gt && lt)) return ctx->Error(Err::kZGtLtNx);
  if (incr && elements > 1) return ctx->Error(Err::kZIncrPair);
  double scores_small[16];
  std::vector<double> scores_big;
  double* scores = scores_small;
  if (elements > 16) {
    scores_big.resize(elements);
    scores = scores_big.data();
  }
  size_t maxlen = 0;
  for (size_t j = 0; j < elements; ++j) {
    if (!ParseDouble(args[idx + 2 * j], &scores[j])) return ctx->Error(Err::kNotFloat);
    maxlen = std::max(maxlen, args[idx + 2 * j + 1].size());
  }
  bool failed;
  Entry* e = FindWrite(ctx, key, ObjType::kZSet, &failed);
  if (failed) return;
  int64_t added = 0, updated = 0, processed = 0;
  double newscore = 0;
  bool nan = false;
  Effect eff(ctx);
  eff.Add("ZADD").Add(key);
  if (e != nullptr || !xx) {
    engine::ZSetLimits limits = ZLimitsOf(ctx->config());
    ZSetEditor ed(ctx->db(), key, e, limits);
    ed.Reserve(elements, maxlen);
    for (size_t j = 0; j < elements; ++j) {
      std::string_view m = args[idx + 2 * j + 1];
      double score = scores[j], cur;
      if (ed.Score(m, &cur)) {
        if (nx) continue;
        if (incr) {
          score += cur;
          if (std::isnan(score)) {
            nan = true;
            break;
          }
        }
        if ((lt && score >= cur) || (gt && score <= cur)) continue;
        newscore = score;
        ++processed;
        if (score != cur) {
          ed.Set(m, score);
          ++updated;
          if (eff.on()) eff.AddOwned(ScoreText(score)).Add(m);
        }
      } else {
        if (xx) continue;
        ed.Set(m, score);
        newscore = score;
        ++added;
        ++processed;
        if (eff.on()) eff.AddOwned(ScoreText(score)).Add(m);
      }
    }
    if (added + updated > 0 || (ed.changed() && e != nullptr)) ed.Commit();
  }
  if (nan) return ctx->Error(Err::kZScoreNaN);
  if (added + updated > 0) {
    ctx->KeyModified(key, eff.argv());
    if (e == nullptr) ctx->Notify(notify::kNew, "new", key);
    ctx->Notify(notify::kZset, incr ? "zincr" : "zadd", key);
  }
  if (incr) return processed > 0 ? ReplyScore(ctx, newscore) : ctx->rb()->Null();
  ctx->rb()->Integer(ch ? added + updated : added);
}

void ZAdd(CmdArgs args, CommandContext* ctx) {
  ZAddGeneric(args, ctx, false);
}

// ZINCRBY key increment member == ZADD key INCR increment member
void ZIncrBy(CmdArgs args, CommandContext* ctx) {
  ZAddGeneric(args, ctx, true);
}

void ZRem(CmdArgs args, CommandContext* ctx) {
  std::string_view key = args[1];
  bool failed;
  Entry* e = FindWrite(ctx, key, ObjType::kZSet, &failed);
  if (failed) return;
  if (e == nullptr) return ctx->rb()->Integer(0);
  engine::ZSetLimits limits = ZLimitsOf(ctx->config());
  ZSetEditor ed(ctx->db(), key, e, limits);
  int64_t removed = 0;
  for (size_t i = 2; i < args.size(); ++i) removed += ed.Del(args[i]) ? 1 : 0;
  if (removed == 0) return ctx->rb()->Integer(0);
  bool exists = ed.Commit();
  Effect eff(ctx);
  eff.Add("ZREM");
  for (size_t i = 1; i < args.size(); ++i) eff.Add(args[i]);
  ctx->KeyModified(key, eff.argv());
  ctx->Notify(notify::kZset, "zrem", key);
  if (!exists) ctx->Notify(notify::kGeneric, "del", key);
  ctx->rb()->Integer(removed);
}

void ZScoreCmd(CmdArgs args, CommandContext* ctx) {
  bool failed;
  Entry* e = FindRead(ctx, args[1], ObjType::kZSet, &failed);
  if (failed) return;
  double s;
  if (e == nullptr || !engine::ZScore(*e, args[2], &s)) return ctx->rb()->Null();
  ReplyScore(ctx, s);
}

void ZMScore(CmdArgs args, CommandContext* ctx) {
  bool failed;
  Entry* e = FindRead(ctx, args[1], ObjType::kZSet, &failed);
  if (failed) return;
  ctx->rb()->ArrayHeader(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i) {
    double s;
    if (e != nullptr && engine::ZScore(*e, args[i], &s)) {
      ReplyScore(ctx, s);
    } else {
      ctx->rb()->Null();
    }
  }
}

void ZCard(CmdArgs args, CommandContext* ctx) {
  bool failed;
  Entry* e = FindRead(ctx, args[1], ObjType::kZSet, &failed);
  if (failed) return;
  ctx->rb()->Integer(e == nullptr ? 0 : int64_t(engine::ZLen(*e)));
}

// ZRANK / ZREVRANK key member [WITHSCORE]
void ZRankGeneric(CmdArgs args, CommandContext* ctx, bool rev) {
  if (args.size() > 4) return ctx->Error(Err::kSyntax);
  bool withscore = args.size() == 4;
  if (withscore && !EqualsNoCase(args[3], "withscore")) return ctx->Error(Err::kSyntax);
  bool failed;
  Entry* e = FindRead(ctx, args[1], ObjType::kZSet, &failed);
  if (failed) return;
  double s;
  if (e == nullptr || !engine::ZScore(*e, args[2], &s)) {
    return withscore ? ctx->rb()->NullArray() : ctx->rb()->Null();
  }
  std::string_view member = args[2];
  size_t rank = engine::ZLowerRank(
      *e, [&](double s2, std::string_view m) { return engine::ZLess(s2, m, s, member); });
  if (rev) rank = engine::ZLen(*e) - 1 - rank;
  if (!withscore) return ctx->rb()->Integer(int64_t(rank));
  ctx->rb()->ArrayHeader(2);
  ctx->rb()->Integer(int64_t(rank));
  ReplyScore(ctx, s);
}

void ZRank(CmdArgs args, CommandContext* ctx) {
  ZRankGeneric(args, ctx, false);
}
void ZRevRank(CmdArgs args, CommandContext* ctx) {
  ZRankGeneric(args, ctx, true);
}

// Pops up to `count` elements from the low (or high) end of key's zset `e`.
Scored PopFrom(CommandContext* ctx, std::string_view key, Entry* e, size_t count, bool max) {
  Scored out;
  size_t len = engine::ZLen(*e);
  count = std::min(count, len);
  engine::ZForRange(*e, max ? len - count : 0, max ? len : count, max,
                    [&](std::string_view m, double s) {
                      out.emplace_back(std::string(m), s);
                      return true;
                    });
  ZRemoveMembers(ctx, key, e, out, max ? "zpopmax" : "zpopmin");
  return out;
}

// ZPOPMIN / ZPOPMAX key [count]
void ZPopGeneric(CmdArgs args, CommandContext* ctx, bool max) {
  if (args.size() > 3) return ctx->Error(Err::kSyntax);
  int64_t count = 1;
  bool with_count = args.size() == 3;
  if (with_count) {
    if (!ParseInt64(args[2], &count)) return ctx->Error(Err::kNotInteger);
    if (count < 0) return ctx->Error(Err::kMustBePositive);
  }
  bool failed;
  Entry* e = FindWrite(ctx, args[1], ObjType::kZSet, &failed);
  if (failed) return;
  if (e == nullptr || count == 0) return ctx->rb()->EmptyArray();
  Scored popped = PopFrom(ctx, args[1], e, size_t(count), max);
  if (!with_count && ctx->rb()->protocol() >= 3) {
    // RESP3 without a count: one [member, score] pair, not an array of pairs.
    ctx->rb()->ArrayHeader(2);
    ctx->rb()->Bulk(popped[0].first);
    return ReplyScore(ctx, popped[0].second);
  }
  ReplyScored(ctx, popped, true);
}

void ZPopMin(CmdArgs args, CommandContext* ctx) {
  ZPopGeneric(args, ctx, false);
}
void ZPopMax(CmdArgs args, CommandContext* ctx) {
  ZPopGeneric(args, ctx, true);
}

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]
void ZMPop(CmdArgs args, CommandContext* ctx) {
  int64_t numkeys;
  if (!ParseInt64(args[1], &numkeys)) return ctx->Error(Err::kNotInteger);
  if (numkeys <= 0) return ctx->Error(Err::kNumkeysPositive);
  if (size_t(numkeys) > args.size() - 3) return ctx->Error(Err::kNumkeysTooMany);
  size_t where = 2 + size_t(numkeys);
  bool max;
  if (EqualsNoCase(args[where], "min")) {
    max = false;
  } else if (EqualsNoCase(args[where], "max")) {
    max = true;
  } else {
    return ctx->Error(Err::kSyntax);
  }
  int64_t count = 1;
  bool count_seen = false;
  for (size_t i = where + 1; i < args.size(); ++i) {
    if (!count_seen && EqualsNoCase(args[i], "count") && i + 1 < args.size()) {
      if (!ParseInt64(args[i + 1], &count) || count <= 0) return ctx->Error(Err::kZCountPositive);
      count_seen = true;
      ++i;
    } else {
      return ctx->Error(Err::kSyntax);
    }
  }
  for (size_t k = 2; k < where; ++k) {
    bool failed;
    Entry* e = FindWrite(ctx, args[k], ObjType::kZSet, &failed);
    if (failed) return;
    if (e == nullptr) continue;
    Scored popped = PopFrom(ctx, args[k], e, size_t(count), max);
    ctx->rb()->ArrayHeader(2);
    ctx->rb()->Bulk(args[k]);
    ctx->rb()->ArrayHeader(popped.size());
    for (const auto& [m, s] : popped) {
      ctx->rb()->ArrayHeader(2);
      ctx->rb()->Bulk(m);
      ReplyScore(ctx, s);
    }
    return;
  }
  ctx->rb()->NullArray();
}

// ZRANDMEMBER key [count [WITHSCORES]]
void ZRandMember(CmdArgs args, CommandContext* ctx) {
  if (args.size() > 4) return ctx->Error(Err::kSyntax);
  bool failed;
  if (args.size() == 2) {
    Entry* e = FindRead(ctx, args[1], ObjType::kZSet, &failed);
    if (failed) return;
    if (e == nullptr) return ctx->rb()->Null();
    size_t r = size_t(CollectionRng()() % engine::ZLen(*e));
    engine::ZForRange(*e, r, r + 1, false, [&](std::string_view m, double) {
      ctx->rb()->Bulk(m);
      return true;
    });
    return;
  }
  int64_t l;
  if (!ParseInt64(args[2], &l)) return ctx->Error(Err::kNotInteger);
  bool withscores = args.size() == 4;
  if (withscores && !EqualsNoCase(args[3], "withscores")) return ctx->Error(Err::kSyntax);
  if (l < -LONG_MAX / 2 && withscores) return ctx->Error(Err::kOutOfRange);
  if (l < -LONG_MAX) return ctx->Error(Err::kOutOfRange);
  Entry* e = FindRead(ctx, args[1], ObjType::kZSet, &failed);
  if (failed) return;
  if (e == nullptr || l == 0) return ctx->rb()->EmptyArray();
  size_t size = engine::ZLen(*e);
  std::vector<size_t> ranks;
  if (l < 0) {
    for (int64_t i = 0; i < -l; ++i) ranks.push_back(size_t(CollectionRng()() % size));
  } else if (size_t(l) >= size) {
    for (size_t i = 0; i < size; ++i) ranks.push_back(i);
  } else {
    ranks = DistinctRandomRanks(size, size_t(l));
  }
  Scored out;
  out.reserve(ranks.size());
  for (size_t r : ranks) {
    engine::ZForRange(*e, r, r + 1, false, [&](std::string_view m, double s) {
      out.emplace_back(std::string(m), s);
      return true;
    });
  }
  ReplyScored(ctx, out, withscores);
}

void ZScan(CmdArgs args, CommandContext* ctx) {
  uint64_t cursor;
  if (!ParseCollectionCursor(args[2], &cursor)) return ctx->Error(Err::kInvalidCursor);
  ScanOptions opt;
  if (!ParseScanOptions(args, 3, false, ctx, &opt)) return;
  bool failed;
  Entry* e = FindRead(ctx, args[1], ObjType::kZSet, &failed);
  if (failed) return;
  std::vector<std::string> owned;
  uint64_t next = 0;
  if (e != nullptr) {
    next = engine::ZScan(*e, cursor, opt.count, [&](std::string_view m, double s) {
      if (!opt.pattern.empty() && !GlobMatch(opt.pattern, m)) return;
      owned.emplace_back(m);
      owned.push_back(ScoreText(s));
    });
  }
  std::vector<std::string_view> items(owned.begin(), owned.end());
  ReplyScan(ctx, next, items);
}

constexpr uint64_t kReadFast = kAclKeyspace | kAclRead | kAclSortedSet | kAclFast;
constexpr uint64_t kReadSlow = kAclKeyspace | kAclRead | kAclSortedSet | kAclSlow;
constexpr uint64_t kWriteFast = kAclKeyspace | kAclWrite | kAclSortedSet | kAclFast;
constexpr uint64_t kWriteSlow = kAclKeyspace | kAclWrite | kAclSortedSet | kAclSlow;

}  // namespace

// commands/blocking_ops.h: the paths BZPOPMIN / BZPOPMAX / BZMPOP serve through.
std::vector<std::pair<std::string, double>> ZSetPopAndLog(CommandContext* ctx, std::string_view key,
                                                          Entry* e, size_t count, bool max) {
  return PopFrom(ctx, key, e, count, max);
}
void ReplyZSetScore(CommandContext* ctx, double score) {
  ReplyScore(ctx, score);
}

void RegisterZSetFamily(CommandRegistry* r) {
  const CommandSpec specs[] = {
      {"zadd", -4, kWrite | kDenyOom | kFast, 1, 1, 1, kWriteFast, ZAdd, "sorted-set",
       "Adds one or more members to a sorted set, or updates their scores.", "1.2.0"},
      {"zincrby", 4, kWrite | kDenyOom | kFast, 1, 1, 1, kWriteFast, ZIncrBy, "sorted-set",
       "Increments the score of a member in a sorted set.", "1.2.0"},
      {"zrem", -3, kWrite | kFast, 1, 1, 1, kWriteFast, ZRem, "sorted-set",
       "Removes one or more members from a sorted set.", "1.2.0"},
      {"zscore", 3, kReadOnly | kFast, 1, 1, 1, kReadFast, ZScoreCmd, "sorted-set",
       "Returns the score of a member in a sorted set.", "1.2.0"},
      {"zmscore", -3, kReadOnly | kFast, 1, 1, 1, kReadFast, ZMScore, "sorted-set",
       "Returns the score of one or more members in a sorted set.", "6.2.0"},
      {"zcard", 2, kReadOnly | kFast, 1, 1, 1, kReadFast, ZCard, "sorted-set",
       "Returns the number of members in a sorted set.", "1.2.0"},
      {"zrank", -3, kReadOnly | kFast, 1, 1, 1, kReadFast, ZRank, "sorted-set",
       "Returns the index of a member in a sorted set ordered by ascending scores.", "2.0.0"},
      {"zrevrank", -3, kReadOnly | kFast, 1, 1, 1, kReadFast, ZRevRank, "sorted-set",
       "Returns the index of a member in a sorted set ordered by descending scores.", "2.0.0"},
      {"zpopmin", -2, kWrite | kFast, 1, 1, 1, kWriteFast, ZPopMin, "sorted-set",
       "Returns the lowest-scoring members from a sorted set after removing them.", "5.0.0"},
      {"zpopmax", -2, kWrite | kFast, 1, 1, 1, kWriteFast, ZPopMax, "sorted-set",
       "Returns the highest-scoring members from a sorted set after removing them.", "5.0.0"},
      {"zmpop", -4, kWrite, 2, 2, 1, kWriteSlow, ZMPop, "sorted-set",
       "Returns the highest- or lowest-scoring members from one or more sorted sets after "
       "removing them.",
       "7.0.0"},
      {"zrandmember", -2, kReadOnly, 1, 1, 1, kReadSlow, ZRandMember, "sorted-set",
       "Returns one or more random members from a sorted set.", "6.2.0"},
      {"zscan", -3, kReadOnly, 1, 1, 1, kReadSlow, ZScan, "sorted-set",
       "Iterates over members and scores of a sorted set.", "2.8.0"},
      {"zcount", 4, kReadOnly | kFast, 1, 1, 1, kReadFast, ZCount, "sorted-set",
       "Returns the count of members in a sorted set that have scores within a range.", "2.0.0"},
      {"zlexcount", 4, kReadOnly | kFast, 1, 1, 1, kReadFast, ZLexCount, "sorted-set",
       "Returns the number of members in a sorted set within a lexicographical range.", "2.8.9"},
      {"zrange", -4, kReadOnly, 1, 1, 1, kReadSlow, ZRange, "sorted-set",
       "Returns members in a sorted set within a range of indexes, scores or lexicographical "
       "order.",
       "1.2.0"},
      {"zrangestore", -5, kWrite | kDenyOom, 1, 2, 1, kWriteSlow, ZRangeStore, "sorted-set",
       "Stores a range of members from sorted set in a key.", "6.2.0"},
      {"zrangebyscore", -4, kReadOnly, 1, 1, 1, kReadSlow, ZRangeByScore, "sorted-set",
       "Returns members in a sorted set within a range of scores.", "1.0.5"},
      {"zrevrangebyscore", -4, kReadOnly, 1, 1, 1, kReadSlow, ZRevRangeByScore, "sorted-set",
       "Returns members in a sorted set within a range of scores in reverse order.", "2.2.0"},
      {"zrangebylex", -4, kReadOnly, 1, 1, 1, kReadSlow, ZRangeByLex, "sorted-set",
       "Returns members in a sorted set within a lexicographical range.", "2.8.9"},
      {"zrevrangebylex", -4, kReadOnly, 1, 1, 1, kReadSlow, ZRevRangeByLex, "sorted-set",
       "Returns members in a sorted set within a lexicographical range in reverse order.", "2.8.9"},
      {"zrevrange", -4, kReadOnly, 1, 1, 1, kReadSlow, ZRevRange, "sorted-set",
       "Returns members in a sorted set within a range of indexes in reverse order.", "1.2.0"},
      {"zremrangebyscore", 4, kWrite, 1, 1, 1, kWriteSlow, ZRemRangeByScore, "sorted-set",
       "Removes members in a sorted set within a range of scores.", "1.2.0"},
      {"zremrangebyrank", 4, kWrite, 1, 1, 1, kWriteSlow, ZRemRangeByRank, "sorted-set",
       "Removes members in a sorted set within a range of indexes.", "2.0.0"},
      {"zremrangebylex", 4, kWrite, 1, 1, 1, kWriteSlow, ZRemRangeByLex, "sorted-set",
       "Removes members in a sorted set within a lexicographical range.", "2.8.9"},
      {"zunion", -3, kReadOnly, 2, 2, 1, kReadSlow, ZUnion, "sorted-set",
       "Returns the union of multiple sorted sets.", "6.2.0"},
      {"zinter", -3, kReadOnly, 2, 2, 1, kReadSlow, ZInter, "sorted-set",
       "Returns the intersect of multiple sorted sets.", "6.2.0"},
      {"zdiff", -3, kReadOnly, 2, 2, 1, kReadSlow, ZDiff, "sorted-set",
       "Returns the difference between multiple sorted sets.", "6.2.0"},
      {"zunionstore", -4, kWrite | kDenyOom, 1, 1, 1, kWriteSlow, ZUnionStore, "sorted-set",
       "Stores the union of multiple sorted sets in a key.", "2.0.0"},
      {"zinterstore", -4, kWrite | kDenyOom, 1, 1, 1, kWriteSlow, ZInterStore, "sorted-set",
       "Stores the intersect of multiple sorted sets in a key.", "2.0.0"},
      {"zdiffstore", -4, kWrite | kDenyOom, 1, 1, 1, kWriteSlow, ZDiffStore, "sorted-set",
       "Stores the difference of multiple sorted sets in a key.", "6.2.0"},
      {"zintercard", -3, kReadOnly, 2, 2, 1, kReadSlow, ZInterCard, "sorted-set",
       "Returns the number of members of the intersect of multiple sorted sets.", "7.0.0"},
  };
  r->Add(specs);
}

}  // namespace brisk::cmd
