// Generic keyspace commands with Redis 7's semantics, replies and error texts
// (db.c, expire.c): deletion, existence, renaming, copying across dbs, iteration and
// expiry. DBSIZE / FLUSHDB / OBJECT / DEBUG live in the server family.
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "commands/arg_parser.h"
#include "commands/context.h"
#include "commands/families.h"
#include "common/numbers.h"

namespace brisk::cmd {
namespace {

using engine::Db;
using engine::Entry;
using engine::ObjType;

// DEL / UNLINK: memory is reclaimed synchronously either way.
void Del(CmdArgs args, CommandContext* ctx) {
  int64_t deleted = 0;
  for (size_t i = 1; i < args.size(); ++i) {
    if (ctx->db().Erase(args[i], ctx->now_ms())) {
      ctx->KeyModified(args[i]);
      ctx->Notify(notify::kGeneric, "del", args[i]);
      ++deleted;
    }
  }
  ctx->rb()->Integer(deleted);
}

// EXISTS counts a key as many times as it is named.
void Exists(CmdArgs args, CommandContext* ctx) {
  int64_t count = 0;
  for (size_t i = 1; i < args.size(); ++i) {
    if (ctx->FindForRead(args[i], /*touch=*/false) != nullptr) ++count;
  }
  ctx->rb()->Integer(count);
}

// TOUCH updates the access time even under CLIENT NO-TOUCH.
void Touch(CmdArgs args, CommandContext* ctx) {
  int64_t count = 0;
  for (size_t i = 1; i < args.size(); ++i) {
    Entry* e = ctx->db().Find(args[i], ctx->now_ms());
    ctx->CountLookup(args[i], e != nullptr);
    if (e != nullptr) ++count;
  }
  ctx->rb()->Integer(count);
}

void Type(CmdArgs args, CommandContext* ctx) {
  const Entry* e = ctx->FindForRead(args[1], /*touch=*/false);
  ctx->rb()->SimpleString(e == nullptr ? std::string_view("none") : engine::TypeName(e->type()));
}

// RENAME / RENAMENX. Renaming a key to itself is a no-op, but the key must exist.
void RenameGeneric(CmdArgs args, CommandContext* ctx, bool nx) {
  std::string_view from = args[1], to = args[2];
  Db& db = ctx->db();
  if (db.Find(from, ctx->now_ms()) == nullptr) return ctx->Error(Err::kNoSuchKey);
  if (from == to) return nx ? ctx->rb()->Integer(0) : ctx->rb()->Ok();
  if (db.Find(to, ctx->now_ms()) != nullptr) {
    if (nx) return ctx->rb()->Integer(0);
    db.Erase(to, ctx->now_ms());
  }
  db.Rename(from, to);
  ctx->KeyModified(from);
  ctx->KeyModified(to);
  // Redis: dbAdd(dst) says "new" first, then rename_from / rename_to.
  ctx->Notify(notify::kNew, "new", to);
  ctx->Notify(notify::kGeneric, "rename_from", from);
  ctx->Notify(notify::kGeneric, "rename_to", to);
  nx ? ctx->rb()->Integer(1) : ctx->rb()->Ok();
}

void Rename(CmdArgs args, CommandContext* ctx) {
  RenameGeneric(args, ctx, false);
}
void RenameNx(CmdArgs args, CommandContext* ctx) {
  RenameGeneric(args, ctx, true);
}

// Parses a DB index argument like Redis's getIntFromObjectOrReply + selectDb.
// Records kNotInteger or kDbIndexOutOfRange on `p`.
int NextDbIndex(ArgParser* p, CommandContext* ctx) {
  int64_t index =
      p->NextInt64InRange(std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max());
  if (p->ok() && (index < 0 || index >= ctx->keyspace().num_dbs())) {
    p->Fail(Err::kDbIndexOutOfRange);
  }
  return int(index);
}

// COPY source destination [DB destination-db] [REPLACE]
void Copy(CmdArgs args, CommandContext* ctx) {
  int src_index = ctx->client()->db_index;
  int dst_index = src_index;
  bool replace = false;
  ArgParser p(args, 3);
  while (p.HasNext()) {
    if (p.Check("replace")) {
      replace = true;
    } else if (p.Remaining() >= 2 && p.Check("db")) {
      dst_index = NextDbIndex(&p, ctx);
    } else {
      p.Fail(Err::kSyntax);
    }
  }
  if (!p.ok()) return p.ReplyError(ctx);
  std::string_view key = args[1], new_key = args[2];
  if (src_index == dst_index && key == new_key) return ctx->Error(Err::kSameObject);

  Db& src = ctx->db();
  Db& dst = ctx->keyspace().db(dst_index);
  if (ctx->FindForRead(key) == nullptr) return ctx->rb()->Integer(0);
  if (dst.Find(new_key, ctx->now_ms()) != nullptr) {
    if (!replace) return ctx->rb()->Integer(0);
    dst.Erase(new_key, ctx->now_ms());
  }
  // The calls above may have invalidated the source pointer (keyspace.h invariant 6).
  const Entry* e = src.Peek(key, ctx->now_ms());
  dst.InsertCopy(new_key, *e);
  ctx->KeyModified(dst_index, new_key);
  ctx->Notify(notify::kNew, "new", dst_index, new_key);
  ctx->Notify(notify::kGeneric, "copy_to", dst_index, new_key);
  ctx->rb()->Integer(1);
}

// MOVE key db
void Move(CmdArgs args, CommandContext* ctx) {
  ArgParser p(args, 2);
  int dst_index = NextDbIndex(&p, ctx);
  if (!p.ok()) return p.ReplyError(ctx);
  int src_index = ctx->client()->db_index;
  if (dst_index == src_index) return ctx->Error(Err::kSameObject);
  Db& src = ctx->db();
  Db& dst = ctx->keyspace().db(dst_index);
  std::string_view key = args[1];
  if (src.Find(key, ctx->now_ms()) == nullptr) return ctx->rb()->Integer(0);
  if (dst.Find(key, ctx->now_ms()) != nullptr) return ctx->rb()->Integer(0);
  src.MoveTo(key, &dst);
  ctx->KeyModified(src_index, key);
  ctx->KeyModified(dst_index, key);
  ctx->Notify(notify::kNew, "new", dst_index, key);
  ctx->Notify(notify::kGeneric, "move_from", src_index, key);
  ctx->Notify(notify::kGeneric, "move_to", dst_index, key);
  ctx->rb()->Integer(1);
}

void Keys(CmdArgs args, CommandContext* ctx) {
  std::vector<std::string> keys;
  ctx->db().Keys(args[1], ctx->now_ms(), &keys);
  ctx->rb()->ArrayHeader(keys.size());
  for (const auto& k : keys) ctx->rb()->Bulk(k);
}

void RandomKey(CmdArgs, CommandContext* ctx) {
  std::string key;
  if (!ctx->db().RandomKey(ctx->now_ms(), &key)) return ctx->rb()->Null();
  ctx->rb()->Bulk(key);
}

// Redis's parseScanCursorOrReply: strtoul on the whole argument (so "+5", and "-1"
// wrapping to 2^64-1, are accepted), no leading space, no overflow.
bool ParseScanCursor(std::string_view arg, uint64_t* cursor) {
  std::string text(arg);  // strtoull needs a terminator; SCAN is not a hot path
  if (!text.empty() && isspace(static_cast<unsigned char>(text[0]))) return false;
  errno = 0;
  char* end = nullptr;
  *cursor = strtoull(text.c_str(), &end, 10);
  return *end == '\0' && errno != ERANGE;
}

// Lowercases a TYPE argument and resolves it; false for an unknown name.
bool ParseTypeArg(std::string_view arg, ObjType* type) {
  char lower[16];
  if (arg.size() > sizeof(lower)) return false;
  for (size_t i = 0; i < arg.size(); ++i) {
    lower[i] = char(tolower(static_cast<unsigned char>(arg[i])));
  }
  return engine::ParseTypeName(std::string_view(lower, arg.size()), type);
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
void Scan(CmdArgs args, CommandContext* ctx) {
  uint64_t cursor;
  if (!ParseScanCursor(args[1], &cursor)) return ctx->Error(Err::kInvalidCursor);
  std::string_view pattern;
  int64_t count = 10;
  bool has_type = false;
  std::string_view type_name;
  ArgParser p(args, 2);
  while (p.HasNext()) {
    if (p.Remaining() >= 2 && p.Check("count")) {
      count = p.NextInt64();
      if (p.ok() && count < 1) p.Fail(Err::kSyntax);
    } else if (p.Remaining() >= 2 && p.Check("match")) {
      pattern = p.Next();
      if (pattern == "*") pattern = {};
    } else if (p.Remaining() >= 2 && p.Check("type")) {
      has_type = true;
      type_name = p.Next();
    } else {
      p.Fail(Err::kSyntax);
    }
  }
  if (!p.ok()) return p.ReplyError(ctx);

  // As Redis 7, an unknown type name is not an error: it matches no key.
  ObjType type{};
  bool known_type = has_type && ParseTypeArg(type_name, &type);
  std::vector<std::string> keys;
  uint64_t next = ctx->db().Scan(cursor, pattern, size_t(count), known_type ? &type : nullptr,
                                 ctx->now_ms(), &keys);
  if (has_type && !known_type) keys.clear();

  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), next);
  (void)ec;
  ctx->rb()->ArrayHeader(2);
  ctx->rb()->Bulk(std::string_view(digits, size_t(end - digits)));
  ctx->rb()->ArrayHeader(keys.size());
  for (const auto& k : keys) ctx->rb()->Bulk(k);
}

// ---- expiry ----

enum ExpireFlag : uint32_t { kExpNx = 1, kExpXx = 2, kExpGt = 4, kExpLt = 8 };

// Redis's parseExtendedExpireArgumentsOrReply: the options left in `p`.
uint32_t ParseExpireFlags(ArgParser* p) {
  uint32_t flags = 0;
  while (p->HasNext()) {
    if (p->Check("nx")) {
      flags |= kExpNx;
    } else if (p->Check("xx")) {
      flags |= kExpXx;
    } else if (p->Check("gt")) {
      flags |= kExpGt;
    } else if (p->Check("lt")) {
      flags |= kExpLt;
    } else {
      p->Fail(Err::kUnsupportedOption, p->Next());
    }
  }
  if ((flags & kExpNx) && (flags & (kExpXx | kExpGt | kExpLt))) {
    p->Fail(Err::kExpireNxXxGtLt);
  } else if ((flags & kExpGt) && (flags & kExpLt)) {
    p->Fail(Err::kExpireGtLt);
  }
  return flags;
}

// EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT key time [NX|XX|GT|LT]. `base_ms` is now for
// the relative forms and 0 for the absolute ones; `cmd` names the command in errors.
void ExpireGeneric(CmdArgs args, CommandContext* ctx, int64_t base_ms, bool seconds,
                   std::string_view cmd) {
  ArgParser p(args, 3);
  uint32_t flags = ParseExpireFlags(&p);
  if (!p.ok()) return p.ReplyError(ctx);
  int64_t when;
  if (!ParseInt64(args[2], &when)) return ctx->Error(Err::kNotInteger);
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  if (seconds) {
    if (when > kMax / 1000 || when < kMin / 1000) {
      return ctx->ErrorText(FormatError(Err::kInvalidExpire, {cmd}));
    }
    when *= 1000;
  }
  if (when > kMax - base_ms) return ctx->ErrorText(FormatError(Err::kInvalidExpire, {cmd}));
  when += base_ms;

  Db& db = ctx->db();
  std::string_view key = args[1];
  Entry* e = db.Find(key, ctx->now_ms());
  if (e == nullptr) return ctx->rb()->Integer(0);

  // No expiry counts as an infinite TTL for GT and LT.
  int64_t current = e->expire_at_ms();
  bool has_ttl = current != 0;
  if (((flags & kExpNx) && has_ttl) || ((flags & kExpXx) && !has_ttl) ||
      ((flags & kExpGt) && (!has_ttl || when <= current)) ||
      ((flags & kExpLt) && has_ttl && when >= current)) {
    return ctx->rb()->Integer(0);
  }

  // A deadline already past deletes the key now (checkAlreadyExpired); never while
  // loading, so replaying a log keeps what it is told.
  if (when <= ctx->now_ms() && !ctx->server()->loading) {
    db.Erase(key, ctx->now_ms());
    ctx->KeyModified(key);
    ctx->Notify(notify::kGeneric, "del", key);
  } else {
    db.SetExpire(e, when);
    ctx->KeyModified(key);
    ctx->Notify(notify::kGeneric, "expire", key);
  }
  ctx->rb()->Integer(1);
}

void Expire(CmdArgs args, CommandContext* ctx) {
  ExpireGeneric(args, ctx, ctx->now_ms(), true, "expire");
}
void PExpire(CmdArgs args, CommandContext* ctx) {
  ExpireGeneric(args, ctx, ctx->now_ms(), false, "pexpire");
}
void ExpireAt(CmdArgs args, CommandContext* ctx) {
  ExpireGeneric(args, ctx, 0, true, "expireat");
}
void PExpireAt(CmdArgs args, CommandContext* ctx) {
  ExpireGeneric(args, ctx, 0, false, "pexpireat");
}

// TTL / PTTL / EXPIRETIME / PEXPIRETIME: -2 missing, -1 no expiry; seconds are
// rounded to nearest, as Redis does.
void TtlGeneric(CmdArgs args, CommandContext* ctx, bool millis, bool absolute) {
  const Entry* e = ctx->FindForRead(args[1], /*touch=*/false);
  if (e == nullptr) return ctx->rb()->Integer(-2);
  int64_t at = e->expire_at_ms();
  if (at == 0) return ctx->rb()->Integer(-1);
  int64_t ttl = absolute ? at : at - ctx->now_ms();
  if (ttl < 0) ttl = 0;
  ctx->rb()->Integer(millis ? ttl : (ttl + 500) / 1000);
}

void Ttl(CmdArgs args, CommandContext* ctx) {
  TtlGeneric(args, ctx, false, false);
}
void PTtl(CmdArgs args, CommandContext* ctx) {
  TtlGeneric(args, ctx, true, false);
}
void ExpireTime(CmdArgs args, CommandContext* ctx) {
  TtlGeneric(args, ctx, false, true);
}
void PExpireTime(CmdArgs args, CommandContext* ctx) {
  TtlGeneric(args, ctx, true, true);
}

void Persist(CmdArgs args, CommandContext* ctx) {
  Db& db = ctx->db();
  Entry* e = db.Find(args[1], ctx->now_ms());
  if (e == nullptr || e->expire_at_ms() == 0) return ctx->rb()->Integer(0);
  db.SetExpire(e, 0);
  ctx->KeyModified(args[1]);
  ctx->Notify(notify::kGeneric, "persist", args[1]);
  ctx->rb()->Integer(1);
}

constexpr uint64_t kReadFast = kAclKeyspace | kAclRead | kAclFast;
constexpr uint64_t kReadSlow = kAclKeyspace | kAclRead | kAclSlow;
constexpr uint64_t kWriteFast = kAclKeyspace | kAclWrite | kAclFast;
constexpr uint64_t kWriteSlow = kAclKeyspace | kAclWrite | kAclSlow;

}  // namespace

void RegisterKeysFamily(CommandRegistry* r) {
  const CommandSpec specs[] = {
      {"del", -2, kWrite, 1, -1, 1, kWriteSlow, Del, "generic", "Deletes one or more keys.",
       "1.0.0"},
      {"unlink", -2, kWrite | kFast, 1, -1, 1, kWriteFast, Del, "generic",
       "Asynchronously deletes one or more keys.", "4.0.0"},
      {"exists", -2, kReadOnly | kFast, 1, -1, 1, kReadFast, Exists, "generic",
       "Determines whether one or more keys exist.", "1.0.0"},
      {"type", 2, kReadOnly | kFast, 1, 1, 1, kReadFast, Type, "generic",
       "Determines the type of value stored at a key.", "1.0.0"},
      {"rename", 3, kWrite, 1, 2, 1, kWriteSlow, Rename, "generic",
       "Renames a key and overwrites the destination.", "1.0.0"},
      {"renamenx", 3, kWrite | kFast, 1, 2, 1, kWriteFast, RenameNx, "generic",
       "Renames a key only when the target key name doesn't exist.", "1.0.0"},
      {"copy", -3, kWrite | kDenyOom, 1, 2, 1, kWriteSlow, Copy, "generic",
       "Copies the value of a key to a new key.", "6.2.0"},
      {"move", 3, kWrite | kFast, 1, 1, 1, kWriteFast, Move, "generic",
       "Moves a key to another database.", "1.0.0"},
      {"keys", 2, kReadOnly, 0, 0, 0, kReadSlow | kAclDangerous, Keys, "generic",
       "Returns all key names that match a pattern.", "1.0.0"},
      {"randomkey", 1, kReadOnly, 0, 0, 0, kReadSlow, RandomKey, "generic",
       "Returns a random key name from the database.", "1.0.0"},
      {"touch", -2, kReadOnly | kFast, 1, -1, 1, kReadFast, Touch, "generic",
       "Returns the number of existing keys out of those specified after updating the time "
       "they were last accessed.",
       "3.2.1"},
      {"scan", -2, kReadOnly, 0, 0, 0, kReadSlow, Scan, "generic",
       "Iterates over the key names in the database.", "2.8.0"},
      {"expire", -3, kWrite | kFast, 1, 1, 1, kWriteFast, Expire, "generic",
       "Sets the expiration time of a key in seconds.", "1.0.0"},
      {"pexpire", -3, kWrite | kFast, 1, 1, 1, kWriteFast, PExpire, "generic",
       "Sets the expiration time of a key in milliseconds.", "2.6.0"},
      {"expireat", -3, kWrite | kFast, 1, 1, 1, kWriteFast, ExpireAt, "generic",
       "Sets the expiration time of a key to a Unix timestamp.", "1.2.0"},
      {"pexpireat", -3, kWrite | kFast, 1, 1, 1, kWriteFast, PExpireAt, "generic",
       "Sets the expiration time of a key to a Unix milliseconds timestamp.", "2.6.0"},
      {"ttl", 2, kReadOnly | kFast, 1, 1, 1, kReadFast, Ttl, "generic",
       "Returns the expiration time in seconds of a key.", "1.0.0"},
      {"pttl", 2, kReadOnly | kFast, 1, 1, 1, kReadFast, PTtl, "generic",
       "Returns the expiration time in milliseconds of a key.", "2.6.0"},
      {"expiretime", 2, kReadOnly | kFast, 1, 1, 1, kReadFast, ExpireTime, "generic",
       "Returns the expiration time of a key as a Unix timestamp.", "7.0.0"},
      {"pexpiretime", 2, kReadOnly | kFast, 1, 1, 1, kReadFast, PExpireTime, "generic",
       "Returns the expiration time of a key as a Unix milliseconds timestamp.", "7.0.0"},
      {"persist", 2, kWrite | kFast, 1, 1, 1, kWriteFast, Persist, "generic",
       "Removes the expiration time of a key.", "2.2.0"},
  };
  r->Add(specs);
}

}  // namespace brisk::cmd
