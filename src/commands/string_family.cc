// String commands with Redis 7's semantics, replies and error texts (t_string.c).
//
// Hot path (GET, SET, INCR*): no heap allocation of ours per command. Values are
// replied from views into the entry; integers are formatted into stack buffers.
#include <cmath>
#include <cstdint>
#include <limits>
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

// Room for any int64 in decimal (Entry::StringValue's scratch).
constexpr size_t kIntBuf = 24;


// FindForRead + checkType. Returns the entry (nullptr if absent); on a non-string
// entry replies WRONGTYPE and sets *failed.
Entry* FindStringForRead(CommandContext* ctx, std::string_view key, bool* failed) {
  Entry* e = ctx->FindForRead(key);
  *failed = e != nullptr && e->type() != ObjType::kString;
  if (*failed) ctx->Error(Err::kWrongType);
  return e;
}

// Redis's getGenericCommand: replies the value (or null). False if it replied an error.
bool ReplyValue(CommandContext* ctx, std::string_view key, Entry** entry) {
  bool failed;
  Entry* e = FindStringForRead(ctx, key, &failed);
  if (failed) return false;
  if (e == nullptr) {
    ctx->rb()->Null();
  } else {
    char scratch[kIntBuf];
    ctx->rb()->Bulk(e->StringValue(scratch));
  }
  *entry = e;
  return true;
}

// Redis's checkStringLength: would a string of size + append bytes exceed the limit?
bool ExceedsMaxLength(CommandContext* ctx, uint64_t size, uint64_t append) {
  return size + append > ctx->config().proto_max_bulk_len;
}

// Stores `value` under `key` (Redis's setKey): overwrites any type; the expiry is
// dropped unless keep_ttl. `e` is the live entry for key or nullptr.
Entry* StoreString(Db& db, Entry* e, std::string_view key, std::string_view value, bool keep_ttl) {
  if (e == nullptr) return db.InsertString(key, value);
  db.SetString(e, value);
  if (!keep_ttl && e->expire_at_ms() != 0) db.SetExpire(e, 0);
  return e;
}

// ---- SET and its options (parseExtendedStringArgumentsOrReply) ----

enum SetFlag : uint32_t {
  kSetNx = 1u << 0,
  kSetXx = 1u << 1,
  kSetGet = 1u << 2,
  kKeepTtl = 1u << 3,
  kPersist = 1u << 4,
  kEx = 1u << 5,
  kPx = 1u << 6,
  kExAt = 1u << 7,
  kPxAt = 1u << 8,
};
constexpr uint32_t kAnyExpire = kEx | kPx | kExAt | kPxAt;

struct ExtendedArgs {
  uint32_t flags = 0;
  bool has_expire = false;
  std::string_view expire;  // the EX/PX/EXAT/PXAT argument
};

// Parses args[start..]. For SET (is_set) NX/XX/GET/KEEPTTL are allowed, for GETEX
// PERSIST. Options that conflict with one already given are a syntax error; repeating
// the same one is not (as in Redis). False on a syntax error.
bool ParseExtendedArgs(CmdArgs args, size_t start, bool is_set, ExtendedArgs* out) {
  uint32_t& f = out->flags;
  for (size_t j = start; j < args.size(); ++j) {
    std::string_view opt = args[j];
    bool has_next = j + 1 < args.size();
    uint32_t expire_flag = 0;
    if (is_set && EqualsNoCase(opt, "nx") && !(f & kSetXx)) {
      f |= kSetNx;
    } else if (is_set && EqualsNoCase(opt, "xx") && !(f & kSetNx)) {
      f |= kSetXx;
    } else if (is_set && EqualsNoCase(opt, "get")) {
      f |= kSetGet;
    } else if (is_set && EqualsNoCase(opt, "keepttl") && !(f & (kPersist | kAnyExpire))) {
      f |= kKeepTtl;
    } else if (!is_set && EqualsNoCase(opt, "persist") && !(f & (kKeepTtl | kAnyExpire))) {
      f |= kPersist;
    } else if (EqualsNoCase(opt, "ex")) {
      expire_flag = kEx;
    } else if (EqualsNoCase(opt, "px")) {
      expire_flag = kPx;
    } else if (EqualsNoCase(opt, "exat")) {
      expire_flag = kExAt;
    } else if (EqualsNoCase(opt, "pxat")) {
      expire_flag = kPxAt;
    } else {
      return false;
    }
    if (expire_flag != 0) {
      if ((f & (kKeepTtl | kPersist | (kAnyExpire & ~expire_flag))) || !has_next) return false;
      f |= expire_flag;
      out->has_expire = true;
      out->expire = args[++j];
    }
  }
  return true;
}

// Redis's getExpireMillisecondsOrReply: the absolute deadline in unix ms, or an error
// (kNotInteger, or kInvalidExpire for <= 0 and overflow).
Result<int64_t> ExpireDeadline(std::string_view arg, uint32_t flags, int64_t now_ms) {
  int64_t v;
  if (!ParseInt64(arg, &v)) return OpStatus::kNotInteger;
  bool seconds = flags & (kEx | kExAt);
  if (v <= 0 || (seconds && v > std::numeric_limits<int64_t>::max() / 1000)) {
    return OpStatus::kInvalidExpire;
  }
  if (seconds) v *= 1000;
  if (flags & (kEx | kPx)) {
    if (v > std::numeric_limits<int64_t>::max() - now_ms) return OpStatus::kInvalidExpire;
    v += now_ms;
  }
  return v;
}

void ReplyExpireError(CommandContext* ctx, OpStatus status, std::string_view cmd) {
  if (status == OpStatus::kInvalidExpire) {
    ctx->ErrorText(FormatError(Err::kInvalidExpire, {cmd}));
  } else {
    ctx->Error(status);
  }
}

// How a SET-like command answers when it stores / skips on NX or XX (without GET).
enum class SetReply : uint8_t { kOkOrNull, kOneOrZero };

// Redis's setGenericCommand. `cmd` names the command in the expire-time error.
void SetGeneric(CommandContext* ctx, std::string_view key, std::string_view value,
                const ExtendedArgs& opt, std::string_view cmd, SetReply reply) {
  int64_t deadline = 0;
  if (opt.has_expire) {
    Result<int64_t> r = ExpireDeadline(opt.expire, opt.flags, ctx->now_ms());
    if (!r.ok()) return ReplyExpireError(ctx, r.status(), cmd);
    deadline = *r;
  }
  Db& db = ctx->db();
  Entry* e;
  if (opt.flags & kSetGet) {
    if (!ReplyValue(ctx, key, &e)) return;
  } else {
    e = db.Find(key, ctx->now_ms());
  }
  bool found = e != nullptr;
  if (((opt.flags & kSetNx) && found) || ((opt.flags & kSetXx) && !found)) {
    if (opt.flags & kSetGet) return;
    if (reply == SetReply::kOneOrZero) return ctx->rb()->Integer(0);
    return ctx->rb()->Null();
  }
  if (opt.has_expire && e == nullptr) {
    // One publication for a new volatile key (SET k v EX n, the cache's common case):
    // InsertString + SetExpire would publish and retire a first copy.
    e = db.InsertString(key, value, deadline);
  } else {
    e = StoreString(db, e, key, value, opt.flags & kKeepTtl);
    if (opt.has_expire) db.SetExpire(e, deadline);
  }
  ctx->KeyModified(key);
  if (!found) ctx->Notify(notify::kNew, "new", key);
  ctx->Notify(notify::kString, "set", key);
  if (opt.has_expire) ctx->Notify(notify::kGeneric, "expire", key);
  if (opt.flags & kSetGet) return;
  if (reply == SetReply::kOneOrZero) return ctx->rb()->Integer(1);
  ctx->rb()->Ok();
}

void Get(CmdArgs args, CommandContext* ctx) {
  Entry* e;
  (void)ReplyValue(ctx, args[1], &e);
}

void Set(CmdArgs args, CommandContext* ctx) {
  ExtendedArgs opt;
  if (!ParseExtendedArgs(args, 3, true, &opt)) return ctx->Error(Err::kSyntax);
  SetGeneric(ctx, args[1], args[2], opt, "set", SetReply::kOkOrNull);
}

void SetNx(CmdArgs args, CommandContext* ctx) {
  ExtendedArgs opt;
  opt.flags = kSetNx;
  SetGeneric(ctx, args[1], args[2], opt, "setnx", SetReply::kOneOrZero);
}

// SETEX / PSETEX key ttl value.
void SetWithTtl(CmdArgs args, CommandContext* ctx, uint32_t unit, std::string_view cmd) {
  ExtendedArgs opt;
  opt.flags = unit;
  opt.has_expire = true;
  opt.expire = args[2];
  SetGeneric(ctx, args[1], args[3], opt, cmd, SetReply::kOkOrNull);
}

void SetEx(CmdArgs args, CommandContext* ctx) {
  SetWithTtl(args, ctx, kEx, "setex");
}
void PSetEx(CmdArgs args, CommandContext* ctx) {
  SetWithTtl(args, ctx, kPx, "psetex");
}

void GetSet(CmdArgs args, CommandContext* ctx) {
  Entry* e;
  if (!ReplyValue(ctx, args[1], &e)) return;
  StoreString(ctx->db(), e, args[1], args[2], false);
  ctx->KeyModified(args[1]);
  if (e == nullptr) ctx->Notify(notify::kNew, "new", args[1]);
  ctx->Notify(notify::kString, "set", args[1]);
}

void GetDel(CmdArgs args, CommandContext* ctx) {
  Entry* e;
  if (!ReplyValue(ctx, args[1], &e) || e == nullptr) return;
  if (ctx->db().Erase(args[1], ctx->now_ms())) {
    ctx->KeyModified(args[1]);
    ctx->Notify(notify::kGeneric, "del", args[1]);
  }
}

void GetEx(CmdArgs args, CommandContext* ctx) {
  ExtendedArgs opt;
  if (!ParseExtendedArgs(args, 2, false, &opt)) return ctx->Error(Err::kSyntax);
  bool failed;
  Entry* e = FindStringForRead(ctx, args[1], &failed);
  if (failed) return;
  if (e == nullptr) return ctx->rb()->Null();
  int64_t deadline = 0;
  if (opt.has_expire) {
    Result<int64_t> r = ExpireDeadline(opt.expire, opt.flags, ctx->now_ms());
    if (!r.ok()) return ReplyExpireError(ctx, r.status(), "getex");
    deadline = *r;
  }
  char scratch[kIntBuf];
  ctx->rb()->Bulk(e->StringValue(scratch));

  Db& db = ctx->db();
  if ((opt.flags & (kExAt | kPxAt)) && deadline <= ctx->now_ms() && !ctx->server()->loading) {
    // An absolute deadline already in the past deletes the key (checkAlreadyExpired).
    db.Erase(args[1], ctx->now_ms());
    ctx->KeyModified(args[1]);
    ctx->Notify(notify::kGeneric, "del", args[1]);
  } else if (opt.has_expire) {
    db.SetExpire(e, deadline);
    ctx->KeyModified(args[1]);
    ctx->Notify(notify::kGeneric, "expire", args[1]);
  } else if ((opt.flags & kPersist) && e->expire_at_ms() != 0) {
    db.SetExpire(e, 0);
    ctx->KeyModified(args[1]);
    ctx->Notify(notify::kGeneric, "persist", args[1]);
  }
}

void MGet(CmdArgs args, CommandContext* ctx) {
  ctx->rb()->ArrayHeader(args.size() - 1);
  char scratch[kIntBuf];
  for (size_t i = 1; i < args.size(); ++i) {
    const Entry* e = ctx->FindForRead(args[i]);
    if (e == nullptr || e->type() != ObjType::kString) {
      ctx->rb()->Null();
    } else {
      ctx->rb()->Bulk(e->StringValue(scratch));
    }
  }
}

// MSET / MSETNX key value [key value ...].
void MSetGeneric(CmdArgs args, CommandContext* ctx, bool nx) {
  if (args.size() % 2 == 0) return ctx->WrongArity(args[0]);
  Db& db = ctx->db();
  if (nx) {
    for (size_t i = 1; i < args.size(); i += 2) {
      if (db.Find(args[i], ctx->now_ms()) != nullptr) return ctx->rb()->Integer(0);
    }
  }
  for (size_t i = 1; i < args.size(); i += 2) {
    Entry* e = db.Find(args[i], ctx->now_ms());
    StoreString(db, e, args[i], args[i + 1], false);
    ctx->KeyModified(args[i]);
    if (e == nullptr) ctx->Notify(notify::kNew, "new", args[i]);
    ctx->Notify(notify::kString, "set", args[i]);
  }
  if (nx) return ctx->rb()->Integer(1);
  ctx->rb()->Ok();
}

void MSet(CmdArgs args, CommandContext* ctx) {
  MSetGeneric(args, ctx, false);
}
void MSetNx(CmdArgs args, CommandContext* ctx) {
  MSetGeneric(args, ctx, true);
}

// ---- counters ----

// Redis's incrDecrCommand. The expiry is kept.
void IncrDecr(CommandContext* ctx, std::string_view key, int64_t incr) {
  Db& db = ctx->db();
  Entry* e = db.Find(key, ctx->now_ms());
  int64_t value = 0;
  if (e != nullptr) {
    if (e->type() != ObjType::kString) return ctx->Error(Err::kWrongType);
    if (e->is_int()) {
      value = e->int_value();
    } else {
      char scratch[kIntBuf];
      if (!ParseInt64(e->StringValue(scratch), &value)) return ctx->Error(Err::kNotInteger);
    }
  }
  if ((incr < 0 && value < 0 && incr < std::numeric_limits<int64_t>::min() - value) ||
      (incr > 0 && value > 0 && incr > std::numeric_limits<int64_t>::max() - value)) {
    return ctx->Error(Err::kOverflow);
  }
  value += incr;
  if (e != nullptr) {
    db.SetInt(e, value);
  } else {
    char buf[kIntBuf];
    db.InsertString(key, std::string_view(buf, FormatInt64(value, buf)));
  }
  ctx->KeyModified(key);
  if (e == nullptr) ctx->Notify(notify::kNew, "new", key);
  ctx->Notify(notify::kString, "incrby", key);  // INCR, DECR, INCRBY, DECRBY alike
  ctx->rb()->Integer(value);
}

void Incr(CmdArgs args, CommandContext* ctx) {
  IncrDecr(ctx, args[1], 1);
}
void Decr(CmdArgs args, CommandContext* ctx) {
  IncrDecr(ctx, args[1], -1);
}

void IncrBy(CmdArgs args, CommandContext* ctx) {
  int64_t incr;
  if (!ParseInt64(args[2], &incr)) return ctx->Error(Err::kNotInteger);
  IncrDecr(ctx, args[1], incr);
}

void DecrBy(CmdArgs args, CommandContext* ctx) {
  int64_t decr;
  if (!ParseInt64(args[2], &decr)) return ctx->Error(Err::kNotInteger);
  // Negating INT64_MIN would overflow.
  if (decr == std::numeric_limits<int64_t>::min()) return ctx->Error(Err::kDecrementOverflow);
  IncrDecr(ctx, args[1], -decr);
}

void IncrByFloat(CmdArgs args, CommandContext* ctx) {
  Db& db = ctx->db();
  Entry* e = db.Find(args[1], ctx->now_ms());
  long double value = 0;
  long double incr;
  if (e != nullptr) {
    if (e->type() != ObjType::kString) return ctx->Error(Err::kWrongType);
    char scratch[kIntBuf];
    if (!ParseLongDouble(e->StringValue(scratch), &value)) return ctx->Error(Err::kNotFloat);
  }
  if (!ParseLongDouble(args[2], &incr)) return ctx->Error(Err::kNotFloat);
  value += incr;
  if (std::isnan(value) || std::isinf(value)) return ctx->Error(Err::kNaNOrInf);
  // Redis's MAX_LONG_DOUBLE_CHARS: "%.17Lf" of the largest long double fits.
  char buf[5 * 1024];
  size_t len = FormatLongDoubleHuman(value, buf, sizeof(buf));
  if (len == 0) return ctx->Error(Err::kNaNOrInf);
  std::string_view text(buf, len);
  StoreString(db, e, args[1], text, true);
  ctx->KeyModified(args[1]);
  if (e == nullptr) ctx->Notify(notify::kNew, "new", args[1]);
  ctx->Notify(notify::kString, "incrbyfloat", args[1]);
  ctx->rb()->Bulk(text);
}

// ---- byte ranges ----

void Append(CmdArgs args, CommandContext* ctx) {
  Db& db = ctx->db();
  Entry* e = db.Find(args[1], ctx->now_ms());
  size_t total;
  if (e == nullptr) {
    db.InsertString(args[1], args[2]);
    total = args[2].size();
  } else {
    if (e->type() != ObjType::kString) return ctx->Error(Err::kWrongType);
    if (ExceedsMaxLength(ctx, e->StringLength(), args[2].size())) {
      return ctx->Error(Err::kStringTooLong);
    }
    total = db.Append(e, args[2]);
  }
  ctx->KeyModified(args[1]);
  if (e == nullptr) ctx->Notify(notify::kNew, "new", args[1]);
  ctx->Notify(notify::kString, "append", args[1]);
  ctx->rb()->Integer(int64_t(total));
}

void StrLen(CmdArgs args, CommandContext* ctx) {
  bool failed;
  const Entry* e = FindStringForRead(ctx, args[1], &failed);
  if (failed) return;
  ctx->rb()->Integer(e == nullptr ? 0 : int64_t(e->StringLength()));
}

// GETRANGE / SUBSTR key start end: inclusive, negative indexes count from the end.
void GetRange(CmdArgs args, CommandContext* ctx) {
  int64_t start, end;
  if (!ParseInt64(args[2], &start) || !ParseInt64(args[3], &end)) {
    return ctx->Error(Err::kNotInteger);
  }
  bool failed;
  const Entry* e = FindStringForRead(ctx, args[1], &failed);
  if (failed) return;
  if (e == nullptr) return ctx->rb()->Bulk("");
  char scratch[kIntBuf];
  std::string_view s = e->StringValue(scratch);
  int64_t len = int64_t(s.size());
  if (start < 0 && end < 0 && start > end) return ctx->rb()->Bulk("");
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len == 0) return ctx->rb()->Bulk("");
  ctx->rb()->Bulk(s.substr(size_t(start), size_t(end - start + 1)));
}

void SetRange(CmdArgs args, CommandContext* ctx) {
  int64_t offset;
  if (!ParseInt64(args[2], &offset)) return ctx->Error(Err::kNotInteger);
  if (offset < 0) return ctx->Error(Err::kOffsetOutOfRange);
  std::string_view value = args[3];
  Db& db = ctx->db();
  Entry* e = db.Find(args[1], ctx->now_ms());
  bool created = e == nullptr;
  if (e == nullptr) {
    // Setting nothing on a missing key creates nothing.
    if (value.empty()) return ctx->rb()->Integer(0);
    if (ExceedsMaxLength(ctx, uint64_t(offset), value.size())) {
      return ctx->Error(Err::kStringTooLong);
    }
    e = db.InsertString(args[1], "");
  } else {
    if (e->type() != ObjType::kString) return ctx->Error(Err::kWrongType);
    if (value.empty()) return ctx->rb()->Integer(int64_t(e->StringLength()));
    if (ExceedsMaxLength(ctx, uint64_t(offset), value.size())) {
      return ctx->Error(Err::kStringTooLong);
    }
  }
  size_t len = db.SetRange(e, size_t(offset), value);
  ctx->KeyModified(args[1]);
  if (created) ctx->Notify(notify::kNew, "new", args[1]);
  ctx->Notify(notify::kString, "setrange", args[1]);
  ctx->rb()->Integer(int64_t(len));
}

// ---- LCS ----

struct LcsRange {
  uint32_t a_start, a_end, b_start, b_end;
};

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]: Redis's lcsCommand, the
// dynamic-programming table and the backwards walk that emits matching ranges.
void Lcs(CmdArgs args, CommandContext* ctx) {
  Db& db = ctx->db();
  // Find (lazy expiry, hit/miss stats) may invalidate an earlier Find's pointer
  // (keyspace.h invariant 6); Peek has no side effects, so its pointers stay valid.
  ctx->FindForRead(args[1]);
  ctx->FindForRead(args[2]);
  const Entry* ea = db.Peek(args[1], ctx->now_ms());
  const Entry* eb = db.Peek(args[2], ctx->now_ms());
  if ((ea && ea->type() != ObjType::kString) || (eb && eb->type() != ObjType::kString)) {
    return ctx->Error(Err::kLcsNotString);
  }
  char scratch_a[kIntBuf], scratch_b[kIntBuf];
  std::string_view a = ea ? ea->StringValue(scratch_a) : std::string_view();
  std::string_view b = eb ? eb->StringValue(scratch_b) : std::string_view();

  bool get_len = false, get_idx = false, with_match_len = false;
  int64_t min_match_len = 0;
  ArgParser p(args, 3);
  while (p.HasNext()) {
    if (p.Check("idx")) {
      get_idx = true;
    } else if (p.Check("len")) {
      get_len = true;
    } else if (p.Check("withmatchlen")) {
      with_match_len = true;
    } else if (p.Remaining() >= 2 && p.Check("minmatchlen")) {
      min_match_len = std::max<int64_t>(p.NextInt64(), 0);
    } else {
      p.Fail(Err::kSyntax);
    }
  }
  if (!p.ok()) return p.ReplyError(ctx);
  if (get_idx && get_len) return ctx->Error(Err::kLcsLenAndIdx);

  if (a.size() >= UINT32_MAX - 1 || b.size() >= UINT32_MAX - 1) {
    return ctx->Error(Err::kLcsTooBig);
  }
  const uint32_t alen = uint32_t(a.size());
  const uint32_t blen = uint32_t(b.size());
  const uint64_t cells = uint64_t(alen + 1) * (blen + 1);
  if (cells * sizeof(uint32_t) > ctx->config().proto_max_bulk_len) {
    return ctx->Error(Err::kLcsTooBig);
  }
  std::vector<uint32_t> table(cells, 0);
  auto at = [&](uint32_t i, uint32_t j) -> uint32_t& {
    return table[j + uint64_t(i) * (blen + 1)];
  };
  for (uint32_t i = 1; i <= alen; ++i) {
    for (uint32_t j = 1; j <= blen; ++j) {
      at(i, j) = a[i - 1] == b[j - 1] ? at(i - 1, j - 1) + 1 : std::max(at(i - 1, j), at(i, j - 1));
    }
  }

  uint32_t idx = at(alen, blen);
  const uint32_t total = idx;
  std::string result;
  std::vector<LcsRange> ranges;
  bool compute = get_idx || !get_len;
  if (compute) result.resize(idx);
  uint32_t a_start = alen, a_end = 0, b_start = 0, b_end = 0;  // a_start == alen: no range
  uint32_t i = alen, j = blen;
  while (compute && i > 0 && j > 0) {
    bool emit = false;
    if (a[i - 1] == b[j - 1]) {
      result[idx - 1] = a[i - 1];
      if (a_start == alen) {
        a_start = a_end = i - 1;
        b_start = b_end = j - 1;
      } else if (a_start == i && b_start == j) {
        --a_start;
        --b_start;
      } else {
        emit = true;
      }
      if (a_start == 0 || b_start == 0) emit = true;
      --idx;
      --i;
      --j;
    } else {
      if (at(i - 1, j) > at(i, j - 1)) {
        --i;
      } else {
        --j;
      }
      if (a_start != alen) emit = true;
    }
    if (emit) {
      uint32_t match_len = a_end - a_start + 1;
      if (get_idx && (min_match_len == 0 || match_len >= uint64_t(min_match_len))) {
        ranges.push_back({a_start, a_end, b_start, b_end});
      }
      a_start = alen;
    }
  }

  resp::ReplyBuilder* rb = ctx->rb();
  if (get_idx) {
    rb->MapHeader(2);
    rb->Bulk("matches");
    rb->ArrayHeader(ranges.size());
    for (const LcsRange& r : ranges) {
      rb->ArrayHeader(with_match_len ? 3 : 2);
      rb->ArrayHeader(2);
      rb->Integer(r.a_start);
      rb->Integer(r.a_end);
      rb->ArrayHeader(2);
      rb->Integer(r.b_start);
      rb->Integer(r.b_end);
      if (with_match_len) rb->Integer(r.a_end - r.a_start + 1);
    }
    rb->Bulk("len");
    rb->Integer(total);
  } else if (get_len) {
    rb->Integer(total);
  } else {
    rb->Bulk(result);
  }
}

constexpr uint64_t kReadFast = kAclRead | kAclString | kAclFast;
constexpr uint64_t kReadSlow = kAclRead | kAclString | kAclSlow;
constexpr uint64_t kWriteFast = kAclWrite | kAclString | kAclFast;
constexpr uint64_t kWriteSlow = kAclWrite | kAclString | kAclSlow;

}  // namespace

void RegisterStringFamily(CommandRegistry* r) {
  const CommandSpec specs[] = {
      {"get", 2, kReadOnly | kFast, 1, 1, 1, kReadFast, Get, "string",
       "Returns the string value of a key.", "1.0.0"},
      {"set", -3, kWrite | kDenyOom, 1, 1, 1, kWriteSlow, Set, "string",
       "Sets the string value of a key, ignoring its type. The key is created if it doesn't "
       "exist.",
       "1.0.0"},
      {"setnx", 3, kWrite | kDenyOom | kFast, 1, 1, 1, kWriteFast, SetNx, "string",
       "Set the string value of a key only when the key doesn't exist.", "1.0.0"},
      {"setex", 4, kWrite | kDenyOom, 1, 1, 1, kWriteSlow, SetEx, "string",
       "Sets the string value and expiration time of a key. Creates the key if it doesn't "
       "exist.",
       "2.0.0"},
      {"psetex", 4, kWrite | kDenyOom, 1, 1, 1, kWriteSlow, PSetEx, "string",
       "Sets both string value and expiration time in milliseconds of a key. The key is "
       "created if it doesn't exist.",
       "2.6.0"},
      {"getset", 3, kWrite | kDenyOom | kFast, 1, 1, 1, kWriteFast, GetSet, "string",
       "Returns the previous string value of a key after setting it to a new value.", "1.0.0"},
      {"getdel", 2, kWrite | kFast, 1, 1, 1, kWriteFast, GetDel, "string",
       "Returns the string value of a key after deleting the key.", "6.2.0"},
      {"getex", -2, kWrite | kFast, 1, 1, 1, kWriteFast, GetEx, "string",
       "Returns the string value of a key after setting its expiration time.", "6.2.0"},
      {"mget", -2, kReadOnly | kFast, 1, -1, 1, kReadFast, MGet, "string",
       "Atomically returns the string values of one or more keys.", "1.0.0"},
      {"mset", -3, kWrite | kDenyOom, 1, -1, 2, kWriteSlow, MSet, "string",
       "Atomically creates or modifies the string values of one or more keys.", "1.0.1"},
      {"msetnx", -3, kWrite | kDenyOom, 1, -1, 2, kWriteSlow, MSetNx, "string",
       "Atomically modifies the string values of one or more keys only when all keys don't "
       "exist.",
       "1.0.1"},
      {"incr", 2, kWrite | kDenyOom | kFast, 1, 1, 1, kWriteFast, Incr, "string",
       "Increments the integer value of a key by one. Uses 0 as initial value if the key "
       "doesn't exist.",
       "1.0.0"},
      {"decr", 2, kWrite | kDenyOom | kFast, 1, 1, 1, kWriteFast, Decr, "string",
       "Decrements the integer value of a key by one. Uses 0 as initial value if the key "
       "doesn't exist.",
       "1.0.0"},
      {"incrby", 3, kWrite | kDenyOom | kFast, 1, 1, 1, kWriteFast, IncrBy, "string",
       "Increments the integer value of a key by a number. Uses 0 as initial value if the "
       "key doesn't exist.",
       "1.0.0"},
      {"decrby", 3, kWrite | kDenyOom | kFast, 1, 1, 1, kWriteFast, DecrBy, "string",
       "Decrements a number from the integer value of a key. Uses 0 as initial value if the "
       "key doesn't exist.",
       "1.0.0"},
      {"incrbyfloat", 3, kWrite | kDenyOom | kFast, 1, 1, 1, kWriteFast, IncrByFloat, "string",
       "Increment the floating point value of a key by a number. Uses 0 as initial value if "
       "the key doesn't exist.",
       "2.6.0"},
      {"append", 3, kWrite | kDenyOom | kFast, 1, 1, 1, kWriteFast, Append, "string",
       "Appends a string to the value of a key. Creates the key if it doesn't exist.", "2.0.0"},
      {"strlen", 2, kReadOnly | kFast, 1, 1, 1, kReadFast, StrLen, "string",
       "Returns the length of a string value.", "2.2.0"},
      {"getrange", 4, kReadOnly, 1, 1, 1, kReadSlow, GetRange, "string",
       "Returns a substring of the string stored at a key.", "2.4.0"},
      {"substr", 4, kReadOnly, 1, 1, 1, kReadSlow, GetRange, "string",
       "Returns a substring from a string value.", "1.0.0"},
      {"setrange", 4, kWrite | kDenyOom, 1, 1, 1, kWriteSlow, SetRange, "string",
       "Overwrites a part of a string value with another by an offset. Creates the key if "
       "it doesn't exist.",
       "2.2.0"},
      {"lcs", -3, kReadOnly, 1, 2, 1, kReadSlow, Lcs, "string",
       "Finds the longest common substring.", "7.0.0"},
  };
  r->Add(specs);
}

}  // namespace brisk::cmd
