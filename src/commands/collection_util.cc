#include "commands/collection_util.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <unordered_set>

#include "engine/hash_set.h"
#include "engine/list.h"

namespace brisk::cmd {

bool ParseCollectionCursor(std::string_view arg, uint64_t* cursor) {
  std::string text(arg);
  if (!text.empty() && isspace(static_cast<unsigned char>(text[0]))) return false;
  errno = 0;
  char* end = nullptr;
  *cursor = strtoull(text.c_str(), &end, 10);
  return *end == '\0' && errno != ERANGE;
}

bool ParseScanOptions(CmdArgs args, size_t start, bool novalues_ok, CommandContext* ctx,
                      ScanOptions* out) {
  ArgParser p(args, start);
  while (p.HasNext()) {
    if (p.Remaining() >= 2 && p.Check("count")) {
      int64_t count = p.NextInt64();
      if (p.ok() && count < 1) p.Fail(Err::kSyntax);
      out->count = size_t(count);
    } else if (p.Remaining() >= 2 && p.Check("match")) {
      out->pattern = p.Next();
      if (out->pattern == "*") out->pattern = {};
    } else if (novalues_ok && p.Check("novalues")) {
      out->novalues = true;
    } else {
      p.Fail(Err::kSyntax);
    }
  }
  if (!p.ok()) {
    p.ReplyError(ctx);
    return false;
  }
  return true;
}

void ReplyScan(CommandContext* ctx, uint64_t cursor, const std::vector<std::string_view>& items) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), cursor);
  (void)ec;
  ctx->rb()->ArrayHeader(2);
  ctx->rb()->Bulk(std::string_view(digits, size_t(end - digits)));
  ctx->rb()->ArrayHeader(items.size());
  for (std::string_view s : items) ctx->rb()->Bulk(s);
}

void LogCollectionState(EffectRecorder* rec, int db, std::string_view key, const engine::Entry& e) {
  if (e.type() == engine::ObjType::kZSet) return LogZSetState(rec, db, key, e);
  {
    std::string_view del[] = {"DEL", key};
    rec->Explicit(db, del);
  }
  bool hash = e.type() == engine::ObjType::kHash;
  bool list = e.type() == engine::ObjType::kList;
  constexpr size_t kChunk = 128;   // elements per record
  std::vector<std::string> owned;  // intset members are formatted: keep copies
  std::vector<std::string_view> argv;
  auto flush = [&] {
    if (argv.size() > 2) rec->Explicit(db, argv);
    argv.assign({list   ? std::string_view("RPUSH")
                 : hash ? std::string_view("HSET")
                        : std::string_view("SADD"),
                 key});
    owned.clear();
  };
  flush();
  owned.reserve(kChunk);
  if (list) {
    engine::ListForEachNode(e, [&](std::string_view elems, size_t) {
      engine::LpCursor c(elems);
      while (!c.done()) {
        owned.emplace_back(c.Next());
        argv.push_back(owned.back());
        if (owned.size() == kChunk) flush();
      }
    });
  } else {
    engine::CollectionForEach(e, [&](std::string_view f, std::string_view v) {
      owned.emplace_back(f);
      argv.push_back(owned.back());
      if (hash) argv.push_back(v);
      if (owned.size() == kChunk) flush();
    });
  }
  flush();
  if (e.expire_at_ms() != 0) {
    char at[24];
    int n = snprintf(at, sizeof(at), "%" PRId64, e.expire_at_ms());
    std::string_view argv2[] = {"PEXPIREAT", key, std::string_view(at, size_t(n))};
    rec->Explicit(db, argv2);
  }
}

void DelMembers(CmdArgs args, CommandContext* ctx, engine::ObjType type, std::string_view cmd,
                uint32_t notify_class, std::string_view event) {
  std::string_view key = args[1];
  bool failed;
  engine::Entry* e = FindWrite(ctx, key, type, &failed);
  if (failed) return;
  if (e == nullptr) return ctx->rb()->Integer(0);
  engine::HashSetEditor ed(ctx->db(), key, e, type, LimitsOf(ctx->config()));
  int64_t removed = 0;
  for (size_t i = 2; i < args.size(); ++i) removed += ed.Del(args[i]) ? 1 : 0;
  if (removed == 0) return ctx->rb()->Integer(0);
  bool exists = ed.Commit();
  Effect eff(ctx);
  eff.Add(cmd);
  for (size_t i = 1; i < args.size(); ++i) eff.Add(args[i]);
  ctx->KeyModified(key, eff.argv());
  ctx->Notify(notify_class, event, key);
  if (!exists) ctx->Notify(notify::kGeneric, "del", key);
  ctx->rb()->Integer(removed);
}

std::mt19937_64& CollectionRng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

std::vector<size_t> DistinctRandomRanks(size_t size, size_t count) {
  std::vector<size_t> ranks;
  if (count * 3 > size) {
    ranks.resize(size);
    for (size_t i = 0; i < size; ++i) ranks[i] = i;
    std::shuffle(ranks.begin(), ranks.end(), CollectionRng());
    ranks.resize(count);
    return ranks;
  }
  std::unordered_set<size_t> picked;
  ranks.reserve(count);
  while (picked.size() < count) {
    size_t r = size_t(CollectionRng()() % size);
    if (picked.insert(r).second) ranks.push_back(r);
  }
  return ranks;
}

}  // namespace brisk::cmd
