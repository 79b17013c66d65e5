// Hash commands with Redis 7's semantics, replies and error texts (t_hash.c), over
// engine/hash_set.h. Writes log their own effects (HSET of the fields written, HDEL of
// the fields named; HINCRBY* as HSET of the result) and fire Redis's events.
#include <algorithm>
#include <climits>
#include <cmath>
#include <random>
#include <string>
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

// HSET / HMSET key field value [field value ...]
void HSetGeneric(CmdArgs args, CommandContext* ctx, bool hmset) {
  if (args.size() % 2 == 1) return ctx->WrongArity(args[0]);
  std::string_view key = args[1];
  bool failed;
  Entry* e = FindWrite(ctx, key, ObjType::kHash, &failed);
  if (failed) return;
  bool created = e == nullptr;
  engine::CollectionLimits limits = LimitsOf(ctx->config());
  HashSetEditor ed(ctx->db(), key, e, ObjType::kHash, limits);
  size_t max_len = 0;
  for (size_t i = 2; i < args.size(); ++i) max_len = std::max(max_len, args[i].size());
  ed.Reserve((args.size() - 2) / 2, max_len);
  int64_t added = 0;
  for (size_t i = 2; i < args.size(); i += 2) added += ed.Set(args[i], args[i + 1]) ? 1 : 0;
  ed.Commit();
  Effect eff(ctx);
  eff.Add("HSET");
  for (size_t i = 1; i < args.size(); ++i) eff.Add(args[i]);
  ctx->KeyModified(key, eff.argv());
  if (created) ctx->Notify(notify::kNew, "new", key);
  ctx->Notify(notify::kHash, "hset", key);
  hmset ? ctx->rb()->Ok() : ctx->rb()->Integer(added);
}

void HSet(CmdArgs args, CommandContext* ctx) {
  HSetGeneric(args, ctx, false);
}
void HMSet(CmdArgs args, CommandContext* ctx) {
  HSetGeneric(args, ctx, true);
}

void HSetNx(CmdArgs args, CommandContext* ctx) {
  std::string_view key = args[1];
  bool failed;
  Entry* e = FindWrite(ctx, key, ObjType::kHash, &failed);
  if (failed) return;
  std::string_view old;
  if (e != nullptr && engine::CollectionFind(*e, args[2], &old)) return ctx->rb()->Integer(0);
  engine::CollectionLimits limits = LimitsOf(ctx->config());
  HashSetEditor ed(ctx->db(), key, e, ObjType::kHash, limits);
  ed.Reserve(1, std::max(args[2].size(), args[3].size()));
  ed.Set(args[2], args[3]);
  ed.Commit();
  Effect eff(ctx);
  eff.Add("HSET").Add(key).Add(args[2]).Add(args[3]);
  ctx->KeyModified(key, eff.argv());
  if (e == nullptr) ctx->Notify(notify::kNew, "new", key);
  ctx->Notify(notify::kHash, "hset", key);
  ctx->rb()->Integer(1);
}

void HGet(CmdArgs args, CommandContext* ctx) {
  bool failed;
  Entry* e = FindRead(ctx, args[1], ObjType::kHash, &failed);
  if (failed) return;
  std::string_view v;
  if (e == nullptr || !engine::CollectionFind(*e, args[2], &v)) return ctx->rb()->Null();
  ctx->rb()->Bulk(v);
}

void HMGet(CmdArgs args, CommandContext* ctx) {
  bool failed;
  Entry* e = FindRead(ctx, args[1], ObjType::kHash, &failed);
  if (failed) return;
  ctx->rb()->ArrayHeader(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i) {
    std::string_view v;
    if (e != nullptr && engine::CollectionFind(*e, args[i], &v)) {
      ctx->rb()->Bulk(v);
    } else {
      ctx->rb()->Null();
    }
  }
}

enum class Part : uint8_t { kKeys, kValues, kBoth };

// HKEYS / HVALS / HGETALL (Redis's genericHgetallCommand).
void HGetAllGeneric(CmdArgs args, CommandContext* ctx, Part part) {
  bool failed;
  Entry* e = FindRead(ctx, args[1], ObjType::kHash, &failed);
  if (failed) return;
  size_t n = e == nullptr ? 0 : engine::CollectionLen(*e);
  if (part == Part::kBoth) {
    ctx->rb()->MapHeader(n);
  } else {
    ctx->rb()->ArrayHeader(n);
  }
  if (e == nullptr) return;
  engine::CollectionForEach(*e, [&](std::string_view f, std::string_view v) {
    if (part != Part::kValues) ctx->rb()->Bulk(f);
    if (part != Part::kKeys) ctx->rb()->Bulk(v);
  });
}

void HGetAll(CmdArgs args, CommandContext* ctx) {
  HGetAllGeneric(args, ctx, Part::kBoth);
}
void HKeys(CmdArgs args, CommandContext* ctx) {
  HGetAllGeneric(args, ctx, Part::kKeys);
}
void HVals(CmdArgs args, CommandContext* ctx) {
  HGetAllGeneric(args, ctx, Part::kValues);
}

void HLen(CmdArgs args, CommandContext* ctx) {
  bool failed;
  Entry* e = FindRead(ctx, args[1], ObjType::kHash, &failed);
  if (failed) return;
  ctx->rb()->Integer(e == nullptr ? 0 : int64_t(engine::CollectionLen(*e)));
}

void HExists(CmdArgs args, CommandContext* ctx) {
  bool failed;
  Entry* e = FindRead(ctx, args[1], ObjType::kHash, &failed);
  if (failed) return;
  std::string_view v;
  ctx->rb()->Integer(e != nullptr && engine::CollectionFind(*e, args[2], &v) ? 1 : 0);
}

void HStrLen(CmdArgs args, CommandContext* ctx) {
  bool failed;
  Entry* e = FindRead(ctx, args[1], ObjType::kHash, &failed);
  if (failed) return;
  std::string_view v;
  bool found = e != nullptr && engine::CollectionFind(*e, args[2], &v);
  ctx->rb()->Integer(found ? int64_t(v.size()) : 0);
}

void HDel(CmdArgs args, CommandContext* ctx) {
  DelMembers(args, ctx, ObjType::kHash, "HDEL", notify::kHash, "hdel");
}

// Stores the result of HINCRBY / HINCRBYFLOAT and logs it as HSET.
void StoreIncrResult(CommandContext* ctx, Entry* e, std::string_view key, std::string_view field,
                     std::string_view value, std::string_view event) {
  engine::CollectionLimits limits = LimitsOf(ctx->config());
  HashSetEditor ed(ctx->db(), key, e, ObjType::kHash, limits);
  ed.Reserve(1, std::max(field.size(), value.size()));
  ed.Set(field, value);
  ed.Commit();
  Effect eff(ctx);
  eff.Add("HSET").Add(key).Add(field).Add(value);
  ctx->KeyModified(key, eff.argv());
  if (e == nullptr) ctx->Notify(notify::kNew, "new", key);
  ctx->Notify(notify::kHash, event, key);
}

void HIncrBy(CmdArgs args, CommandContext* ctx) {
  int64_t incr;
  if (!ParseInt64(args[3], &incr)) return ctx->Error(Err::kNotInteger);
  std::string_view key = args[1];
  bool failed;
  Entry* e = FindWrite(ctx, key, ObjType::kHash, &failed);
  if (failed) return;
  int64_t value = 0;
  std::string_view old;
  if (e != nullptr && engine::CollectionFind(*e, args[2], &old)) {
    if (!ParseInt64(old, &value)) return ctx->Error(Err::kHashNotInteger);
  }
  if ((incr < 0 && value < 0 && incr < LLONG_MIN - value) ||
      (incr > 0 && value > 0 && incr > LLONG_MAX - value)) {
    return ctx->Error(Err::kOverflow);
  }
  value += incr;
  char buf[24];
  std::string_view text(buf, FormatInt64(value, buf));
  StoreIncrResult(ctx, e, key, args[2], text, "hincrby");
  ctx->rb()->Integer(value);
}

void HIncrByFloat(CmdArgs args, CommandContext* ctx) {
  long double incr;
  if (!ParseLongDouble(args[3], &incr)) return ctx->Error(Err::kNotFloat);
  if (std::isnan(incr) || std::isinf(incr)) return ctx->Error(Err::kValueNaNOrInf);
  std::string_view key = args[1];
  bool failed;
  Entry* e = FindWrite(ctx, key, ObjType::kHash, &failed);
  if (failed) return;
  long double value = 0;
  std::string_view old;
  if (e != nullptr && engine::CollectionFind(*e, args[2], &old)) {
    if (!ParseLongDouble(old, &value)) return ctx->Error(Err::kHashNotFloat);
  }
  value += incr;
  if (std::isnan(value) || std::isinf(value)) return ctx->Error(Err::kNaNOrInf);
  char buf[5 * 1024];  // Redis's MAX_LONG_DOUBLE_CHARS
  size_t len = FormatLongDoubleHuman(value, buf, sizeof(buf));
  if (len == 0) return ctx->Error(Err::kNaNOrInf);
  std::string_view text(buf, len);
  StoreIncrResult(ctx, e, key, args[2], text, "hincrbyfloat");
  ctx->rb()->Bulk(text);
}

// HRANDFIELD key [count [WITHVALUES]] (Redis's hrandfieldCommand /
// hrandfieldWithCountCommand).
void HRandField(CmdArgs args, CommandContext* ctx) {
  if (args.size() == 2) {
    bool failed;
    Entry* e = FindRead(ctx, args[1], ObjType::kHash, &failed);
    if (failed) return;
    if (e == nullptr) return ctx->rb()->Null();
    char buf[24];
    std::string_view f, v;
    engine::CollectionNth(*e, size_t(CollectionRng()() % engine::CollectionLen(*e)), buf, &f, &v);
    return ctx->rb()->Bulk(f);
  }
  int64_t l;
  if (!ParseInt64(args[2], &l)) return ctx->Error(Err::kNotInteger);
  if (l < -LONG_MAX) return ctx->Error(Err::kOutOfRange);
  bool withvalues = false;
  if (args.size() > 4 || (args.size() == 4 && !EqualsNoCase(args[3], "withvalues"))) {
    return ctx->Error(Err::kSyntax);
  }
  if (args.size() == 4) {
    withvalues = true;
    if (l < -LONG_MAX / 2 || l > LONG_MAX / 2) return ctx->Error(Err::kOutOfRange);
  }
  bool failed;
  Entry* e = FindRead(ctx, args[1], ObjType::kHash, &failed);
  if (failed) return;
  if (e == nullptr || l == 0) return ctx->rb()->EmptyArray();
  resp::ReplyBuilder* rb = ctx->rb();
  const bool resp3 = ctx->client()->resp >= 3;
  auto reply_pair = [&](std::string_view f, std::string_view v) {
    if (withvalues && resp3) rb->ArrayHeader(2);
    rb->Bulk(f);
    if (withvalues) rb->Bulk(v);
  };
  auto header = [&](size_t n) { rb->ArrayHeader(withvalues && !resp3 ? 2 * n : n); };
  size_t size = engine::CollectionLen(*e);
  char buf[24];
  if (l < 0) {  // repeats allowed
    size_t count = size_t(-l);
    header(count);
    for (size_t i = 0; i < count; ++i) {
      std::string_view f, v;
      engine::CollectionNth(*e, size_t(CollectionRng()() % size), buf, &f, &v);
      reply_pair(f, v);
    }
    return;
  }
  size_t count = size_t(l);
  if (count >= size) {  // the whole hash
    header(size);
    engine::CollectionForEach(*e, reply_pair);
    return;
  }
  std::vector<size_t> ranks = DistinctRandomRanks(size, count);
  header(count);
  for (size_t r : ranks) {
    std::string_view f, v;
    engine::CollectionNth(*e, r, buf, &f, &v);
    reply_pair(f, v);
  }
}

// HSCAN key cursor [MATCH pattern] [COUNT count] [NOVALUES]
void HScan(CmdArgs args, CommandContext* ctx) {
  uint64_t cursor;
  if (!ParseCollectionCursor(args[2], &cursor)) return ctx->Error(Err::kInvalidCursor);
  bool failed;
  Entry* e = FindRead(ctx, args[1], ObjType::kHash, &failed);
  if (failed) return;
  if (e == nullptr) return ReplyScan(ctx, 0, {});
  ScanOptions opt;
  if (!ParseScanOptions(args, 3, true, ctx, &opt)) return;
  std::vector<std::string_view> items;
  uint64_t next =
      engine::CollectionScan(*e, cursor, opt.count, [&](std::string_view f, std::string_view v) {
        if (!opt.pattern.empty() && !GlobMatch(opt.pattern, f)) return;
        items.push_back(f);
        if (!opt.novalues) items.push_back(v);
      });
  ReplyScan(ctx, next, items);
}

constexpr uint64_t kReadFast = kAclKeyspace | kAclRead | kAclHash | kAclFast;
constexpr uint64_t kReadSlow = kAclKeyspace | kAclRead | kAclHash | kAclSlow;
constexpr uint64_t kWriteFast = kAclKeyspace | kAclWrite | kAclHash | kAclFast;

}  // namespace

void RegisterHashFamily(CommandRegistry* r) {
  const CommandSpec specs[] = {
      {"hset", -4, kWrite | kDenyOom | kFast, 1, 1, 1, kWriteFast, HSet, "hash",
       "Creates or modifies the value of a field in a hash.", "2.0.0"},
      {"hsetnx", 4, kWrite | kDenyOom | kFast, 1, 1, 1, kWriteFast, HSetNx, "hash",
       "Sets the value of a field in a hash only when the field doesn't exist.", "2.0.0"},
      {"hmset", -4, kWrite | kDenyOom | kFast, 1, 1, 1, kWriteFast, HMSet, "hash",
       "Sets the values of multiple fields.", "2.0.0"},
      {"hget", 3, kReadOnly | kFast, 1, 1, 1, kReadFast, HGet, "hash",
       "Returns the value of a field in a hash.", "2.0.0"},
      {"hmget", -3, kReadOnly | kFast, 1, 1, 1, kReadFast, HMGet, "hash",
       "Returns the values of all fields in a hash.", "2.0.0"},
      {"hgetall", 2, kReadOnly, 1, 1, 1, kReadSlow, HGetAll, "hash",
       "Returns all fields and values in a hash.", "2.0.0"},
      {"hkeys", 2, kReadOnly, 1, 1, 1, kReadSlow, HKeys, "hash", "Returns all fields in a hash.",
       "2.0.0"},
      {"hvals", 2, kReadOnly, 1, 1, 1, kReadSlow, HVals, "hash", "Returns all values in a hash.",
       "2.0.0"},
      {"hlen", 2, kReadOnly | kFast, 1, 1, 1, kReadFast, HLen, "hash",
       "Returns the number of fields in a hash.", "2.0.0"},
      {"hexists", 3, kReadOnly | kFast, 1, 1, 1, kReadFast, HExists, "hash",
       "Determines whether a field exists in a hash.", "2.0.0"},
      {"hstrlen", 3, kReadOnly | kFast, 1, 1, 1, kReadFast, HStrLen, "hash",
       "Returns the length of the value of a field.", "3.2.0"},
      {"hdel", -3, kWrite | kFast, 1, 1, 1, kWriteFast, HDel, "hash",
       "Deletes one or more fields and their values from a hash. Deletes the hash if no "
       "fields remain.",
       "2.0.0"},
      {"hincrby", 4, kWrite | kDenyOom | kFast, 1, 1, 1, kWriteFast, HIncrBy, "hash",
       "Increments the integer value of a field in a hash by a number. Uses 0 as initial "
       "value if the field doesn't exist.",
       "2.0.0"},
      {"hincrbyfloat", 4, kWrite | kDenyOom | kFast, 1, 1, 1, kWriteFast, HIncrByFloat, "hash",
       "Increments the floating point value of a field by a number. Uses 0 as initial value "
       "if the field doesn't exist.",
       "2.6.0"},
      {"hrandfield", -2, kReadOnly, 1, 1, 1, kReadSlow, HRandField, "hash",
       "Returns one or more random fields from a hash.", "6.2.0"},
      {"hscan", -3, kReadOnly, 1, 1, 1, kReadSlow, HScan, "hash",
       "Iterates over fields and values of a hash.", "2.8.0"},
  };
  r->Add(specs);
}

}  // namespace brisk::cmd
