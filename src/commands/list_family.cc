// List commands with Redis 7's semantics, replies and error texts (t_list.c), over
// engine/list.h. Writes log their own effects (pushes as LPUSH/RPUSH of the elements,
// pops as LPOP/RPOP of the number popped, the rest as the command itself, which is
// deterministic given the key's state) and fire Redis's events.
#include <algorithm>
#include <cctype>
#include <climits>
#include <string>
#include <vector>

#include "commands/blocking_ops.h"
#include "commands/collection_util.h"
#include "commands/families.h"
#include "common/ascii.h"
#include "common/numbers.h"
#include "engine/list.h"

namespace brisk::cmd {
namespace {

using engine::Entry;
using engine::ListEditor;
using engine::ObjType;

engine::ListLimits ListLimitsOf(const Config& c) {
  engine::ListLimits l;
  l.fill = c.list_max_listpack_size;
  return l;
}

// LEFT / RIGHT; false if neither.
bool ParseWhere(std::string_view s, bool* left) {
  if (EqualsNoCase(s, "left")) {
    *left = true;
  } else if (EqualsNoCase(s, "right")) {
    *left = false;
  } else {
    return false;
  }
  return true;
}

std::vector<std::string>& PopScratch() {
  thread_local std::vector<std::string> v;
  return v;
}

// LPUSH / RPUSH / LPUSHX / RPUSHX
void PushGeneric(CmdArgs args, CommandContext* ctx, bool left, bool xx) {
  std::string_view key = args[1];
  bool failed;
  Entry* e = FindWrite(ctx, key, ObjType::kList, &failed);
  if (failed) return;
  if (xx && e == nullptr) return ctx->rb()->Integer(0);
  engine::ListLimits limits = ListLimitsOf(ctx->config());
  ListEditor ed(ctx->db(), key, e, limits);
  for (size_t i = 2; i < args.size(); ++i) left ? ed.PushFront(args[i]) : ed.PushBack(args[i]);
  int64_t len = int64_t(ed.Len());
  ed.Commit();
  Effect eff(ctx);
  eff.Add(left ? "LPUSH" : "RPUSH");
  for (size_t i = 1; i < args.size(); ++i) eff.Add(args[i]);
  ctx->KeyModified(key, eff.argv());
  if (e == nullptr) ctx->Notify(notify::kNew, "new", key);
  ctx->Notify(notify::kList, left ? "lpush" : "rpush", key);
  ctx->rb()->Integer(len);
}

void LPush(CmdArgs args, CommandContext* ctx) {
  PushGeneric(args, ctx, true, false);
}
void RPush(CmdArgs args, CommandContext* ctx) {
  PushGeneric(args, ctx, false, false);
}
void LPushX(CmdArgs args, CommandContext* ctx) {
  PushGeneric(args, ctx, true, true);
}
void RPushX(CmdArgs args, CommandContext* ctx) {
  PushGeneric(args, ctx, false, true);
}

// Pops up to `count` elements of the live list `e` at `key` into *out, publishes,
// logs "LPOP/RPOP key n" and fires lpop/rpop (+ del).
void PopAndLog(CommandContext* ctx, std::string_view key, Entry* e, bool left, size_t count,
               std::vector<std::string>* out) {
  engine::ListLimits limits = ListLimitsOf(ctx->config());
  ListEditor ed(ctx->db(), key, e, limits);
  left ? ed.PopFront(count, out) : ed.PopBack(count, out);
  bool exists = ed.Commit();
  char digits[24];
  Effect eff(ctx);
  eff.Add(left ? "LPOP" : "RPOP").Add(key);
  eff.Add(std::string_view(digits, FormatInt64(int64_t(out->size()), digits)));
  ctx->KeyModified(key, eff.argv());
  ctx->Notify(notify::kList, left ? "lpop" : "rpop", key);
  if (!exists) ctx->Notify(notify::kGeneric, "del", key);
}

void ReplyElements(CommandContext* ctx, const std::vector<std::string>& v) {
  ctx->rb()->ArrayHeader(v.size());
  for (const std::string& s : v) ctx->rb()->Bulk(s);
}

// LPOP / RPOP key [count]
void PopGeneric(CmdArgs args, CommandContext* ctx, bool left) {
  if (args.size() > 3) return ctx->WrongArity(args[0]);
  bool has_count = args.size() == 3;
  int64_t count = 1;
  if (has_count) {
    if (!ParseInt64(args[2], &count)) return ctx->Error(Err::kNotInteger);
    if (count < 0) return ctx->Error(Err::kMustBePositive);
  }
  bool failed;
  Entry* e = FindWrite(ctx, args[1], ObjType::kList, &failed);
  if (failed) return;
  if (e == nullptr) return has_count ? ctx->rb()->NullArray() : ctx->rb()->Null();
  if (has_count && count == 0) return ctx->rb()->EmptyArray();
  std::vector<std::string>& out = PopScratch();
  out.clear();
  PopAndLog(ctx, args[1], e, left, size_t(count), &out);
  if (has_count) return ReplyElements(ctx, out);
  ctx->rb()->Bulk(out[0]);
}

void LPop(CmdArgs args, CommandContext* ctx) {
  PopGeneric(args, ctx, true);
}
void RPop(CmdArgs args, CommandContext* ctx) {
  PopGeneric(args, ctx, false);
}

void LLen(CmdArgs args, CommandContext* ctx) {
  bool failed;
  Entry* e = FindRead(ctx, args[1], ObjType::kList, &failed);
  if (failed) return;
  ctx->rb()->Integer(e == nullptr ? 0 : int64_t(engine::ListLen(*e)));
}

void LIndex(CmdArgs args, CommandContext* ctx) {
  bool failed;
  Entry* e = FindRead(ctx, args[1], ObjType::kList, &failed);
  if (failed) return;
  if (e == nullptr) return ctx->rb()->Null();
  int64_t index;
  if (!ParseInt64(args[2], &index)) return ctx->Error(Err::kNotInteger);
  int64_t len = int64_t(engine::ListLen(*e));
  if (index < 0) index += len;
  if (index < 0 || index >= len) return ctx->rb()->Null();
  ctx->rb()->Bulk(engine::ListAt(*e, size_t(index)));
}

void LRange(CmdArgs args, CommandContext* ctx) {
  int64_t start, end;
  if (!ParseInt64(args[2], &start) || !ParseInt64(args[3], &end)) {
    return ctx->Error(Err::kNotInteger);
  }
  bool failed;
  Entry* e = FindRead(ctx, args[1], ObjType::kList, &failed);
  if (failed) return;
  if (e == nullptr) return ctx->rb()->EmptyArray();
  int64_t len = int64_t(engine::ListLen(*e));
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (start > end || start >= len) return ctx->rb()->EmptyArray();
  if (end >= len) end = len - 1;
  ctx->rb()->ArrayHeader(size_t(end - start + 1));
  engine::ListForRange(*e, size_t(start), size_t(end), [&](std::string_view v) {
    ctx->rb()->Bulk(v);
    return true;
  });
}

void LSet(CmdArgs args, CommandContext* ctx) {
  std::string_view key = args[1];
  bool failed;
  Entry* e = FindWrite(ctx, key, ObjType::kList, &failed);
  if (failed) return;
  if (e == nullptr) return ctx->Error(Err::kNoSuchKey);
  int64_t index;
  if (!ParseInt64(args[2], &index)) return ctx->Error(Err::kNotInteger);
  int64_t len = int64_t(engine::ListLen(*e));
  if (index < 0) index += len;
  if (index < 0 || index >= len) return ctx->Error(Err::kIndexOutOfRange);
  engine::ListLimits limits = ListLimitsOf(ctx->config());
  ListEditor ed(ctx->db(), key, e, limits);
  ed.Set(size_t(index), args[3]);
  ed.Commit();
  Effect eff(ctx);
  eff.Add("LSET").Add(key).Add(args[2]).Add(args[3]);
  ctx->KeyModified(key, eff.argv());
  ctx->Notify(notify::kList, "lset", key);
  ctx->rb()->Ok();
}

void LTrim(CmdArgs args, CommandContext* ctx) {
  int64_t start, end;
  if (!ParseInt64(args[2], &start) || !ParseInt64(args[3], &end)) {
    return ctx->Error(Err::kNotInteger);
  }
  std::string_view key = args[1];
  bool failed;
  Entry* e = FindWrite(ctx, key, ObjType::kList, &failed);
  if (failed) return;
  if (e == nullptr) return ctx->rb()->Ok();
  int64_t len = int64_t(engine::ListLen(*e));
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  engine::ListLimits limits = ListLimitsOf(ctx->config());
  ListEditor ed(ctx->db(), key, e, limits);
  if (start > end || start >= len) {
    ed.Trim(1, 0);  // everything
  } else {
    if (end >= len) end = len - 1;
    ed.Trim(size_t(start), size_t(end));
  }
  bool exists = ed.Commit();
  Effect eff(ctx);
  eff.Add("LTRIM").Add(key).Add(args[2]).Add(args[3]);
  ctx->KeyModified(key, eff.argv());
  ctx->Notify(notify::kList, "ltrim", key);
  if (!exists) ctx->Notify(notify::kGeneric, "del", key);
  ctx->rb()->Ok();
}

void LRem(CmdArgs args, CommandContext* ctx) {
  int64_t count;
  if (!ParseInt64(args[2], &count)) return ctx->Error(Err::kNotInteger);
  std::string_view key = args[1];
  bool failed;
  Entry* e = FindWrite(ctx, key, ObjType::kList, &failed);
  if (failed) return;
  if (e == nullptr) return ctx->rb()->Integer(0);
  engine::ListLimits limits = ListLimitsOf(ctx->config());
  ListEditor ed(ctx->db(), key, e, limits);
  size_t removed = ed.Remove(args[3], count);
  if (removed == 0) return ctx->rb()->Integer(0);
  bool exists = ed.Commit();
  Effect eff(ctx);
  eff.Add("LREM").Add(key).Add(args[2]).Add(args[3]);
  ctx->KeyModified(key, eff.argv());
  ctx->Notify(notify::kList, "lrem", key);
  if (!exists) ctx->Notify(notify::kGeneric, "del", key);
  ctx->rb()->Integer(int64_t(removed));
}

void LInsert(CmdArgs args, CommandContext* ctx) {
  bool after;
  if (EqualsNoCase(args[2], "after")) {
    after = true;
  } else if (EqualsNoCase(args[2], "before")) {
    after = false;
  } else {
    return ctx->Error(Err::kSyntax);
  }
  std::string_view key = args[1];
  bool failed;
  Entry* e = FindWrite(ctx, key, ObjType::kList, &failed);
  if (failed) return;
  if (e == nullptr) return ctx->rb()->Integer(0);
  int64_t pos = -1, i = 0;
  engine::ListForRange(*e, 0, engine::ListLen(*e) - 1, [&](std::string_view v) {
    if (v == args[3]) {
      pos = i;
      return false;
    }
    ++i;
    return true;
  });
  if (pos < 0) return ctx->rb()->Integer(-1);
  engine::ListLimits limits = ListLimitsOf(ctx->config());
  ListEditor ed(ctx->db(), key, e, limits);
  ed.Insert(size_t(pos) + (after ? 1 : 0), args[4]);
  int64_t len = int64_t(ed.Len());
  ed.Commit();
  Effect eff(ctx);
  eff.Add("LINSERT").Add(key).Add(args[2]).Add(args[3]).Add(args[4]);
  ctx->KeyModified(key, eff.argv());
  ctx->Notify(notify::kList, "linsert", key);
  ctx->rb()->Integer(len);
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
void LPos(CmdArgs args, CommandContext* ctx) {
  int64_t rank = 1, count = -1, maxlen = 0;
  for (size_t j = 3; j < args.size(); ++j) {
    bool more = j + 1 < args.size();
    if (EqualsNoCase(args[j], "rank") && more) {
      if (!ParseInt64(args[++j], &rank)) return ctx->Error(Err::kNotInteger);
      if (rank == INT64_MIN) return ctx->Error(Err::kLposRankRange);
      if (rank == 0) return ctx->Error(Err::kLposRankZero);
    } else if (EqualsNoCase(args[j], "count") && more) {
      if (!ParseInt64(args[++j], &count) || count < 0) return ctx->Error(Err::kLposCountNegative);
    } else if (EqualsNoCase(args[j], "maxlen") && more) {
      if (!ParseInt64(args[++j], &maxlen) || maxlen < 0) {
        return ctx->Error(Err::kLposMaxlenNegative);
      }
    } else {
      return ctx->Error(Err::kSyntax);
    }
  }
  bool failed;
  Entry* e = FindRead(ctx, args[1], ObjType::kList, &failed);
  if (failed) return;
  if (e == nullptr) return count != -1 ? ctx->rb()->EmptyArray() : ctx->rb()->Null();
  bool from_tail = rank < 0;
  uint64_t want_rank = from_tail ? uint64_t(-rank) : uint64_t(rank);
  size_t len = engine::ListLen(*e);
  thread_local std::vector<std::string_view> views;
  thread_local std::vector<int64_t> found;
  views.clear();
  found.clear();
  engine::ListForRange(*e, 0, len - 1, [&](std::string_view v) {
    views.push_back(v);
    return true;
  });
  uint64_t matches = 0;
  for (size_t k = 0; k < len; ++k) {
    if (maxlen != 0 && int64_t(k) >= maxlen) break;
    size_t idx = from_tail ? len - 1 - k : k;
    if (views[idx] != args[2]) continue;
    if (++matches >= want_rank) {
      found.push_back(int64_t(idx));
      if (count != -1 && count != 0 && int64_t(found.size()) >= count) break;
      if (count == -1) break;
    }
  }
  if (count == -1) {
    return found.empty() ? ctx->rb()->Null() : ctx->rb()->Integer(found[0]);
  }
  ctx->rb()->ArrayHeader(found.size());
  for (int64_t v : found) ctx->rb()->Integer(v);
}

// The move of LMOVE / RPOPLPUSH once arguments are parsed.
void MoveGeneric(CommandContext* ctx, std::string_view src, std::string_view dst, bool from_left,
                 bool to_left) {
  engine::Db& db = ctx->db();
  bool failed;
  Entry* se = FindWrite(ctx, src, ObjType::kList, &failed);
  if (failed) return;
  if (se == nullptr) return ctx->rb()->Null();
  Entry* de = FindWrite(ctx, dst, ObjType::kList, &failed);
  if (failed) return;
  engine::ListLimits limits = ListLimitsOf(ctx->config());
  std::string value;
  bool src_exists;
  bool created = false;
  if (src == dst) {
    ListEditor ed(db, src, se, limits);
    std::vector<std::string>& out = PopScratch();
    out.clear();
    from_left ? ed.PopFront(1, &out) : ed.PopBack(1, &out);
    value = out[0];
    to_left ? ed.PushFront(value) : ed.PushBack(value);
    src_exists = ed.Commit();
  } else {
    std::vector<std::string>& out = PopScratch();
    out.clear();
    {
      ListEditor ed(db, src, se, limits);
      from_left ? ed.PopFront(1, &out) : ed.PopBack(1, &out);
      src_exists = ed.Commit();
    }
    value = out[0];
    de = db.Find(dst, ctx->now_ms());  // re-found: the source write may have moved it
    created = de == nullptr;
    ListEditor ed(db, dst, de, limits);
    to_left ? ed.PushFront(value) : ed.PushBack(value);
    ed.Commit();
  }
  Effect eff(ctx);
  eff.Add("LMOVE")
      .Add(src)
      .Add(dst)
      .Add(from_left ? "LEFT" : "RIGHT")
      .Add(to_left ? "LEFT" : "RIGHT");
  ctx->KeyModified(src, eff.argv());
  if (src != dst) {
    std::span<const std::string_view> none;
    ctx->KeyModified(dst, none);  // one effect record covers both keys
  }
  if (created) ctx->Notify(notify::kNew, "new", dst);
  ctx->Notify(notify::kList, to_left ? "lpush" : "rpush", dst);
  ctx->Notify(notify::kList, from_left ? "lpop" : "rpop", src);
  if (!src_exists) ctx->Notify(notify::kGeneric, "del", src);
  ctx->rb()->Bulk(value);
}

void LMove(CmdArgs args, CommandContext* ctx) {
  bool from_left, to_left;
  if (!ParseWhere(args[3], &from_left) || !ParseWhere(args[4], &to_left)) {
    return ctx->Error(Err::kSyntax);
  }
  MoveGeneric(ctx, args[1], args[2], from_left, to_left);
}

void RPopLPush(CmdArgs args, CommandContext* ctx) {
  MoveGeneric(ctx, args[1], args[2], false, true);
}

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
void LMPop(CmdArgs args, CommandContext* ctx) {
  int64_t numkeys;
  if (!ParseInt64(args[1], &numkeys) || numkeys < 1) return ctx->Error(Err::kNumkeysPositive);
  if (numkeys >= int64_t(args.size()) - 2) return ctx->Error(Err::kSyntax);
  size_t where_idx = 2 + size_t(numkeys);
  bool left;
  if (!ParseWhere(args[where_idx], &left)) return ctx->Error(Err::kSyntax);
  int64_t count = -1;
  for (size_t j = where_idx + 1; j < args.size(); ++j) {
    if (count == -1 && EqualsNoCase(args[j], "count") && j + 1 < args.size()) {
      if (!ParseInt64(args[++j], &count) || count < 1) return ctx->Error(Err::kCountPositive);
    } else {
      return ctx->Error(Err::kSyntax);
    }
  }
  if (count == -1) count = 1;
  for (size_t k = 2; k < where_idx; ++k) {
    bool failed;
    Entry* e = FindWrite(ctx, args[k], ObjType::kList, &failed);
    if (failed) return;
    if (e == nullptr) continue;
    std::vector<std::string>& out = PopScratch();
    out.clear();
    PopAndLog(ctx, args[k], e, left, size_t(count), &out);
    ctx->rb()->ArrayHeader(2);
    ctx->rb()->Bulk(args[k]);
    return ReplyElements(ctx, out);
  }
  ctx->rb()->NullArray();
}

constexpr uint64_t kWriteFast = kAclKeyspace | kAclWrite | kAclList | kAclFast;
constexpr uint64_t kWriteSlow = kAclKeyspace | kAclWrite | kAclList | kAclSlow;
constexpr uint64_t kReadFast = kAclKeyspace | kAclRead | kAclList | kAclFast;
constexpr uint64_t kReadSlow = kAclKeyspace | kAclRead | kAclList | kAclSlow;

}  // namespace

// commands/blocking_ops.h: the paths BLPOP / BLMOVE / BLMPOP serve through.
void ListPopAndLog(CommandContext* ctx, std::string_view key, Entry* e, bool left, size_t count,
                   std::vector<std::string>* out) {
  out->clear();
  PopAndLog(ctx, key, e, left, count, out);
}
void ListMove(CommandContext* ctx, std::string_view src, std::string_view dst, bool from_left,
              bool to_left) {
  MoveGeneric(ctx, src, dst, from_left, to_left);
}

void RegisterListFamily(CommandRegistry* r) {
  const CommandSpec specs[] = {
      {"lpush", -3, kWrite | kDenyOom | kFast, 1, 1, 1, kWriteFast, LPush, "list",
       "Prepends one or more elements to a list. Creates the key if it doesn't exist.", "1.0.0"},
      {"rpush", -3, kWrite | kDenyOom | kFast, 1, 1, 1, kWriteFast, RPush, "list",
       "Appends one or more elements to a list. Creates the key if it doesn't exist.", "1.0.0"},
      {"lpushx", -3, kWrite | kDenyOom | kFast, 1, 1, 1, kWriteFast, LPushX, "list",
       "Prepends one or more elements to a list only when the list exists.", "2.2.0"},
      {"rpushx", -3, kWrite | kDenyOom | kFast, 1, 1, 1, kWriteFast, RPushX, "list",
       "Appends an element to a list only when the list exists.", "2.2.0"},
      {"lpop", -2, kWrite | kFast, 1, 1, 1, kWriteFast, LPop, "list",
       "Returns the first elements in a list after removing it. Deletes the list if the last "
       "element was popped.",
       "1.0.0"},
      {"rpop", -2, kWrite | kFast, 1, 1, 1, kWriteFast, RPop, "list",
       "Returns and removes the last elements of a list. Deletes the list if the last element "
       "was popped.",
       "1.0.0"},
      {"llen", 2, kReadOnly | kFast, 1, 1, 1, kReadFast, LLen, "list",
       "Returns the length of a list.", "1.0.0"},
      {"lrange", 4, kReadOnly, 1, 1, 1, kReadSlow, LRange, "list",
       "Returns a range of elements from a list.", "1.0.0"},
      {"lindex", 3, kReadOnly, 1, 1, 1, kReadSlow, LIndex, "list",
       "Returns an element from a list by its index.", "1.0.0"},
      {"lset", 4, kWrite | kDenyOom, 1, 1, 1, kWriteSlow, LSet, "list",
       "Sets the value of an element in a list by its index.", "1.0.0"},
      {"lrem", 4, kWrite, 1, 1, 1, kWriteSlow, LRem, "list", "Removes elements from a list.",
       "1.0.0"},
      {"ltrim", 4, kWrite, 1, 1, 1, kWriteSlow, LTrim, "list",
       "Removes elements from both ends a list. Deletes the list if all elements were trimmed.",
       "1.0.0"},
      {"linsert", 5, kWrite | kDenyOom, 1, 1, 1, kWriteSlow, LInsert, "list",
       "Inserts an element before or after another element in a list.", "2.2.0"},
      {"lpos", -3, kReadOnly, 1, 1, 1, kReadSlow, LPos, "list",
       "Returns the index of matching elements in a list.", "6.0.6"},
      {"lmove", 5, kWrite | kDenyOom, 1, 2, 1, kWriteSlow, LMove, "list",
       "Returns an element after popping it from one list and pushing it to another. Deletes "
       "the list if the last element was moved.",
       "6.2.0"},
      {"rpoplpush", 3, kWrite | kDenyOom, 1, 2, 1, kWriteSlow, RPopLPush, "list",
       "Returns the last element of a list after removing and pushing it to another list. "
       "Deletes the list if the last element was popped.",
       "1.2.0"},
      {"lmpop", -4, kWrite, 2, 2, 1, kWriteSlow, LMPop, "list",
       "Returns multiple elements from a list after removing them. Deletes the list if the "
       "last element was popped.",
       "7.0.0"},
  };
  r->Add(specs);
}

}  // namespace brisk::cmd
