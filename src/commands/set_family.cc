// Set commands with Redis 7's semantics, replies and error texts (t_set.c), over
// engine/hash_set.h. Writes log exact effects (SADD / SREM of the members, SPOP as the
// SREM of what it popped); the *STORE commands log the destination's resulting state.
#include <algorithm>
#include <climits>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "commands/collection_util.h"
#include "commands/families.h"
#include "common/glob.h"
#include "common/numbers.h"

namespace brisk::cmd {
namespace {

using engine::Entry;
using engine::HashSetEditor;
using engine::ObjType;

// Copies a member out of an entry (intset members are formatted into a scratch buffer).
std::string NthMember(const Entry& e, size_t i) {
  char buf[24];
  std::string_view f, v;
  engine::CollectionNth(e, i, buf, &f, &v);
  return std::string(f);
}

void SAdd(CmdArgs args, CommandContext* ctx) {
  std::string_view key = args[1];
  bool failed;
  Entry* e = FindWrite(ctx, key, ObjType::kSet, &failed);
  if (failed) return;
  engine::CollectionLimits limits = LimitsOf(ctx->config());
  HashSetEditor ed(ctx->db(), key, e, ObjType::kSet, limits);
  if (e == nullptr) {
    ed.InitNewSet(args[2], args.size() - 2);
  } else {
    ed.Reserve(args.size() - 2, 0);
  }
  int64_t added = 0;
  for (size_t i = 2; i < args.size(); ++i) added += ed.Set(args[i], {}) ? 1 : 0;
  if (added > 0 || ed.changed()) ed.Commit();
  if (added > 0) {
    Effect eff(ctx);
    eff.Add("SADD");
    for (size_t i = 1; i < args.size(); ++i) eff.Add(args[i]);
    ctx->KeyModified(key, eff.argv());
    if (e == nullptr) ctx->Notify(notify::kNew, "new", key);
    ctx->Notify(notify::kSet, "sadd", key);
  }
  ctx->rb()->Integer(added);
}

void SRem(CmdArgs args, CommandContext* ctx) {
  DelMembers(args, ctx, ObjType::kSet, "SREM", notify::kSet, "srem");
}

void SMembers(CmdArgs args, CommandContext* ctx) {
  bool failed;
  Entry* e = FindRead(ctx, args[1], ObjType::kSet, &failed);
  if (failed) return;
  if (e == nullptr) return ctx->rb()->SetHeader(0);
  ctx->rb()->SetHeader(engine::CollectionLen(*e));
  engine::CollectionForEach(*e, [&](std::string_view m, std::string_view) { ctx->rb()->Bulk(m); });
}

void SIsMember(CmdArgs args, CommandContext* ctx) {
  bool failed;
  Entry* e = FindRead(ctx, args[1], ObjType::kSet, &failed);
  if (failed) return;
  std::string_view v;
  ctx->rb()->Integer(e != nullptr && engine::CollectionFind(*e, args[2], &v) ? 1 : 0);
}

void SMIsMember(CmdArgs args, CommandContext* ctx) {
  bool failed;
  Entry* e = FindRead(ctx, args[1], ObjType::kSet, &failed);
  if (failed) return;
  ctx->rb()->ArrayHeader(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i) {
    std::string_view v;
    ctx->rb()->Integer(e != nullptr && engine::CollectionFind(*e, args[i], &v) ? 1 : 0);
  }
}

void SCard(CmdArgs args, CommandContext* ctx) {
  bool failed;
  Entry* e = FindRead(ctx, args[1], ObjType::kSet, &failed);
  if (failed) return;
  ctx->rb()->Integer(e == nullptr ? 0 : int64_t(engine::CollectionLen(*e)));
}

// SPOP key [count]
void SPop(CmdArgs args, CommandContext* ctx) {
  if (args.size() > 3) return ctx->Error(Err::kSyntax);
  std::string_view key = args[1];
  int64_t count = 1;
  if (args.size() == 3) {
    if (!ParseInt64(args[2], &count)) return ctx->Error(Err::kNotInteger);
    if (count < 0) return ctx->Error(Err::kMustBePositive);
  }
  bool failed;
  Entry* e = FindWrite(ctx, key, ObjType::kSet, &failed);
  if (failed) return;
  bool with_count = args.size() == 3;
  if (e == nullptr) return with_count ? ctx->rb()->SetHeader(0) : ctx->rb()->Null();
  if (count == 0) return ctx->rb()->SetHeader(0);
  size_t size = engine::CollectionLen(*e);
  std::vector<std::string> popped;
  if (size_t(count) >= size) {
    popped.reserve(size);
    engine::CollectionForEach(
        *e, [&](std::string_view m, std::string_view) { popped.emplace_back(m); });
    ctx->db().Erase(key, ctx->now_ms());
    Effect eff(ctx);
    eff.Add("DEL").Add(key);
    ctx->KeyModified(key, eff.argv());
  } else {
    std::unordered_set<size_t> ranks;
    while (ranks.size() < size_t(count)) ranks.insert(size_t(CollectionRng()() % size));
    for (size_t r : ranks) popped.push_back(NthMember(*e, r));
    engine::CollectionLimits limits = LimitsOf(ctx->config());
    HashSetEditor ed(ctx->db(), key, e, ObjType::kSet, limits);
    for (const auto& m : popped) ed.Del(m);
    ed.Commit();
    Effect eff(ctx);
    eff.Add("SREM").Add(key);
    for (const auto& m : popped) eff.Add(m);
    ctx->KeyModified(key, eff.argv());
  }
  ctx->Notify(notify::kSet, "spop", key);
  if (size_t(count) >= size) ctx->Notify(notify::kGeneric, "del", key);
  if (!with_count) return ctx->rb()->Bulk(popped[0]);
  ctx->rb()->SetHeader(popped.size());
  for (const auto& m : popped) ctx->rb()->Bulk(m);
}

// SRANDMEMBER key [count]
void SRandMember(CmdArgs args, CommandContext* ctx) {
  if (args.size() > 3) return ctx->Error(Err::kSyntax);
  bool failed;
  if (args.size() == 2) {
    Entry* e = FindRead(ctx, args[1], ObjType::kSet, &failed);
    if (failed) return;
    if (e == nullptr) return ctx->rb()->Null();
    return ctx->rb()->Bulk(NthMember(*e, size_t(CollectionRng()() % engine::CollectionLen(*e))));
  }
  int64_t l;
  if (!ParseInt64(args[2], &l)) return ctx->Error(Err::kNotInteger);
  if (l < -LONG_MAX) return ctx->Error(Err::kOutOfRange);
  Entry* e = FindRead(ctx, args[1], ObjType::kSet, &failed);
  if (failed) return;
  if (e == nullptr || l == 0) return ctx->rb()->EmptyArray();
  size_t size = engine::CollectionLen(*e);
  if (l < 0) {
    ctx->rb()->ArrayHeader(size_t(-l));
    for (int64_t i = 0; i < -l; ++i)
      ctx->rb()->Bulk(NthMember(*e, size_t(CollectionRng()() % size)));
    return;
  }
  size_t count = size_t(l);
  if (count >= size) {
    ctx->rb()->ArrayHeader(size);
    engine::CollectionForEach(*e,
                              [&](std::string_view m, std::string_view) { ctx->rb()->Bulk(m); });
    return;
  }
  std::vector<size_t> ranks = DistinctRandomRanks(size, count);
  ctx->rb()->ArrayHeader(count);
  for (size_t r : ranks) ctx->rb()->Bulk(NthMember(*e, r));
}

// SMOVE source destination member
void SMove(CmdArgs args, CommandContext* ctx) {
  std::string_view src = args[1], dst = args[2], member = args[3];
  engine::Db& db = ctx->db();
  Entry* se = db.Find(src, ctx->now_ms());
  Entry* de = db.Find(dst, ctx->now_ms());
  if (se == nullptr) return ctx->rb()->Integer(0);
  if (se->type() != ObjType::kSet || (de != nullptr && de->type() != ObjType::kSet)) {
    return ctx->Error(Err::kWrongType);
  }
  std::string_view v;
  if (src == dst) return ctx->rb()->Integer(engine::CollectionFind(*se, member, &v) ? 1 : 0);
  if (!engine::CollectionFind(*se, member, &v)) return ctx->rb()->Integer(0);
  engine::CollectionLimits limits = LimitsOf(ctx->config());
  bool src_exists;
  {
    HashSetEditor ed(db, src, se, ObjType::kSet, limits);
    ed.Del(member);
    src_exists = ed.Commit();
  }
  ctx->Notify(notify::kSet, "srem", src);
  if (!src_exists) ctx->Notify(notify::kGeneric, "del", src);
  bool added;
  {
    HashSetEditor ed(db, dst, de, ObjType::kSet, limits);
    if (de == nullptr) ed.InitNewSet(member, 1);
    added = ed.Set(member, {});
    if (added) ed.Commit();
  }
  Effect eff(ctx);
  eff.Add("SMOVE").Add(src).Add(dst).Add(member);
  ctx->KeyModified(src, eff.argv());
  std::span<const std::string_view> none;
  ctx->KeyModified(dst, none);  // one effect record covers both keys
  if (added) {
    if (de == nullptr) ctx->Notify(notify::kNew, "new", dst);
    ctx->Notify(notify::kSet, "sadd", dst);
  }
  ctx->rb()->Integer(1);
}

// ---- SINTER / SUNION / SDIFF and their STORE / CARD forms ----

enum class SetOp : uint8_t { kInter, kUnion, kDiff };

// Looks up every key as a set; false (WRONGTYPE replied) on another type. Missing keys
// are nullptr.
bool LookupSets(CommandContext* ctx, CmdArgs keys, bool write, std::vector<const Entry*>* out) {
  for (std::string_view k : keys) {
    bool failed;
    Entry* e = write ? FindWrite(ctx, k, ObjType::kSet, &failed)
                     : FindRead(ctx, k, ObjType::kSet, &failed);
    if (failed) return false;
    out->push_back(e);
  }
  return true;
}

// The result of `op` over `sets` (nullptr = empty set), at most `limit` members for
// an intersection (0 = no limit).
std::vector<std::string> Compute(SetOp op, const std::vector<const Entry*>& sets,
                                 size_t limit = 0) {
  std::vector<std::string> out;
  if (sets.empty()) return out;
  auto contains = [](const Entry* e, std::string_view m) {
    std::string_view v;
    return e != nullptr && engine::CollectionFind(*e, m, &v);
  };
  if (op == SetOp::kInter) {
    for (const Entry* e : sets) {
      if (e == nullptr) return out;
    }
    std::vector<const Entry*> by_size = sets;
    std::sort(by_size.begin(), by_size.end(), [](const Entry* a, const Entry* b) {
      return engine::CollectionLen(*a) < engine::CollectionLen(*b);
    });
    engine::CollectionForEach(*by_size[0], [&](std::string_view m, std::string_view) {
      if (limit != 0 && out.size() >= limit) return;
      for (size_t i = 1; i < by_size.size(); ++i) {
        if (!contains(by_size[i], m)) return;
      }
      out.emplace_back(m);
    });
    return out;
  }
  if (op == SetOp::kUnion) {
    std::unordered_set<std::string> seen;
    for (const Entry* e : sets) {
      if (e == nullptr) continue;
      engine::CollectionForEach(*e, [&](std::string_view m, std::string_view) {
        if (seen.emplace(m).second) out.emplace_back(m);
      });
    }
    return out;
  }
  if (sets[0] == nullptr) return out;
  engine::CollectionForEach(*sets[0], [&](std::string_view m, std::string_view) {
    for (size_t i = 1; i < sets.size(); ++i) {
      if (contains(sets[i], m)) return;
    }
    out.emplace_back(m);
  });
  return out;
}

void SetOpGeneric(CmdArgs args, CommandContext* ctx, SetOp op) {
  std::vector<const Entry*> sets;
  if (!LookupSets(ctx, args.subspan(1), false, &sets)) return;
  std::vector<std::string> result = Compute(op, sets);
  ctx->rb()->SetHeader(result.size());
  for (const auto& m : result) ctx->rb()->Bulk(m);
}

void SInter(CmdArgs args, CommandContext* ctx) {
  SetOpGeneric(args, ctx, SetOp::kInter);
}
void SUnion(CmdArgs args, CommandContext* ctx) {
  SetOpGeneric(args, ctx, SetOp::kUnion);
}
void SDiff(CmdArgs args, CommandContext* ctx) {
  SetOpGeneric(args, ctx, SetOp::kDiff);
}

void SetOpStore(CmdArgs args, CommandContext* ctx, SetOp op, std::string_view event) {
  std::string_view dst = args[1];
  std::vector<const Entry*> sets;
  if (!LookupSets(ctx, args.subspan(2), true, &sets)) return;
  std::vector<std::string> result = Compute(op, sets);
  engine::Db& db = ctx->db();
  bool existed = db.Erase(dst, ctx->now_ms());  // any type: the destination is replaced
  if (!result.empty()) {
    engine::CollectionLimits limits = LimitsOf(ctx->config());
    HashSetEditor ed(db, dst, nullptr, ObjType::kSet, limits);
    ed.InitNewSet(result[0], result.size());
    for (const auto& m : result) ed.Set(m, {});
    ed.Commit();
  }
  if (!result.empty() || existed) ctx->KeyModified(dst);  // logs the resulting state
  if (!result.empty()) {
    ctx->Notify(notify::kNew, "new", dst);
    ctx->Notify(notify::kSet, event, dst);
  } else if (existed) {
    ctx->Notify(notify::kGeneric, "del", dst);
  }
  ctx->rb()->Integer(int64_t(result.size()));
}

void SInterStore(CmdArgs args, CommandContext* ctx) {
  SetOpStore(args, ctx, SetOp::kInter, "sinterstore");
}
void SUnionStore(CmdArgs args, CommandContext* ctx) {
  SetOpStore(args, ctx, SetOp::kUnion, "sunionstore");
}
void SDiffStore(CmdArgs args, CommandContext* ctx) {
  SetOpStore(args, ctx, SetOp::kDiff, "sdiffstore");
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
void SInterCard(CmdArgs args, CommandContext* ctx) {
  int64_t numkeys;
  if (!ParseInt64(args[1], &numkeys)) return ctx->Error(Err::kNotInteger);
  if (numkeys <= 0) return ctx->Error(Err::kNumkeysPositive);
  if (uint64_t(numkeys) > args.size() - 2) return ctx->Error(Err::kNumkeysTooMany);
  int64_t limit = 0;
  ArgParser p(args, 2 + size_t(numkeys));
  while (p.HasNext()) {
    if (p.Remaining() >= 2 && p.Check("limit")) {
      limit = p.NextInt64();
      if (p.ok() && limit < 0) p.Fail(Err::kLimitNegative);
    } else {
      p.Fail(Err::kSyntax);
    }
  }
  if (!p.ok()) return p.ReplyError(ctx);
  std::vector<const Entry*> sets;
  if (!LookupSets(ctx, args.subspan(2, size_t(numkeys)), false, &sets)) return;
  ctx->rb()->Integer(int64_t(Compute(SetOp::kInter, sets, size_t(limit)).size()));
}

// SSCAN key cursor [MATCH pattern] [COUNT count]
void SScan(CmdArgs args, CommandContext* ctx) {
  uint64_t cursor;
  if (!ParseCollectionCursor(args[2], &cursor)) return ctx->Error(Err::kInvalidCursor);
  bool failed;
  Entry* e = FindRead(ctx, args[1], ObjType::kSet, &failed);
  if (failed) return;
  if (e == nullptr) return ReplyScan(ctx, 0, {});
  ScanOptions opt;
  if (!ParseScanOptions(args, 3, false, ctx, &opt)) return;
  std::vector<std::string> owned;  // intset members are formatted
  uint64_t next =
      engine::CollectionScan(*e, cursor, opt.count, [&](std::string_view m, std::string_view) {
        if (opt.pattern.empty() || GlobMatch(opt.pattern, m)) owned.emplace_back(m);
      });
  std::vector<std::string_view> items(owned.begin(), owned.end());
  ReplyScan(ctx, next, items);
}

constexpr uint64_t kReadFast = kAclKeyspace | kAclRead | kAclSet | kAclFast;
constexpr uint64_t kReadSlow = kAclKeyspace | kAclRead | kAclSet | kAclSlow;
constexpr uint64_t kWriteFast = kAclKeyspace | kAclWrite | kAclSet | kAclFast;
constexpr uint64_t kWriteSlow = kAclKeyspace | kAclWrite | kAclSet | kAclSlow;

}  // namespace

void RegisterSetFamily(CommandRegistry* r) {
  const CommandSpec specs[] = {
      {"sadd", -3, kWrite | kDenyOom | kFast, 1, 1, 1, kWriteFast, SAdd, "set",
       "Adds one or more members to a set. Creates the key if it doesn't exist.", "1.0.0"},
      {"srem", -3, kWrite | kFast, 1, 1, 1, kWriteFast, SRem, "set",
       "Removes one or more members from a set. Deletes the set if the last member was "
       "removed.",
       "1.0.0"},
      {"smembers", 2, kReadOnly, 1, 1, 1, kReadSlow, SMembers, "set",
       "Returns all members of a set.", "1.0.0"},
      {"sismember", 3, kReadOnly | kFast, 1, 1, 1, kReadFast, SIsMember, "set",
       "Determines whether a member belongs to a set.", "1.0.0"},
      {"smismember", -3, kReadOnly | kFast, 1, 1, 1, kReadFast, SMIsMember, "set",
       "Determines whether multiple members belong to a set.", "6.2.0"},
      {"scard", 2, kReadOnly | kFast, 1, 1, 1, kReadFast, SCard, "set",
       "Returns the number of members in a set.", "1.0.0"},
      {"spop", -2, kWrite | kFast, 1, 1, 1, kWriteFast, SPop, "set",
       "Returns one or more random members from a set after removing them. Deletes the set "
       "if the last member was popped.",
       "1.0.0"},
      {"srandmember", -2, kReadOnly, 1, 1, 1, kReadSlow, SRandMember, "set",
       "Get one or multiple random members from a set", "1.0.0"},
      {"smove", 4, kWrite | kFast, 1, 2, 1, kWriteFast, SMove, "set",
       "Moves a member from one set to another.", "1.0.0"},
      {"sinter", -2, kReadOnly, 1, -1, 1, kReadSlow, SInter, "set",
       "Returns the intersect of multiple sets.", "1.0.0"},
      {"sintercard", -3, kReadOnly, 2, 2, 1, kReadSlow, SInterCard, "set",
       "Returns the number of members of the intersect of multiple sets.", "7.0.0"},
      {"sunion", -2, kReadOnly, 1, -1, 1, kReadSlow, SUnion, "set",
       "Returns the union of multiple sets.", "1.0.0"},
      {"sdiff", -2, kReadOnly, 1, -1, 1, kReadSlow, SDiff, "set",
       "Returns the difference of multiple sets.", "1.0.0"},
      {"sinterstore", -3, kWrite | kDenyOom, 1, -1, 1, kWriteSlow, SInterStore, "set",
       "Stores the intersect of multiple sets in a key.", "1.0.0"},
      {"sunionstore", -3, kWrite | kDenyOom, 1, -1, 1, kWriteSlow, SUnionStore, "set",
       "Stores the union of multiple sets in a key.", "1.0.0"},
      {"sdiffstore", -3, kWrite | kDenyOom, 1, -1, 1, kWriteSlow, SDiffStore, "set",
       "Stores the difference of multiple sets in a key.", "1.0.0"},
      {"sscan", -3, kReadOnly, 1, 1, 1, kReadSlow, SScan, "set", "Iterates over members of a set.",
       "2.8.0"},
  };
  r->Add(specs);
}

}  // namespace brisk::cmd
