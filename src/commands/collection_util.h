// Helpers shared by the collection families (hash, set, ...): typed lookups with
// WRONGTYPE, the encoding limits from the config, effect argv building, SCAN options.
//
// Thread safety: loop thread only (like every handler).
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "commands/arg_parser.h"
#include "commands/context.h"
#include "engine/hash_set.h"

namespace brisk::cmd {

// Redis's lookupKeyRead + checkType: counts a hit/miss; on a key of another type
// replies WRONGTYPE and sets *failed. nullptr if absent.
inline engine::Entry* FindRead(CommandContext* ctx, std::string_view key, engine::ObjType type,
                               bool* failed) {
  engine::Entry* e = ctx->FindForRead(key);
  *failed = e != nullptr && e->type() != type;
  if (*failed) ctx->Error(Err::kWrongType);
  return *failed ? nullptr : e;
}

// lookupKeyWrite + checkType (no hit/miss counting).
inline engine::Entry* FindWrite(CommandContext* ctx, std::string_view key, engine::ObjType type,
                                bool* failed) {
  engine::Entry* e = ctx->db().Find(key, ctx->now_ms());
  *failed = e != nullptr && e->type() != type;
  if (*failed) ctx->Error(Err::kWrongType);
  return *failed ? nullptr : e;
}

inline engine::CollectionLimits LimitsOf(const Config& c) {
  engine::CollectionLimits l;
  l.hash_max_listpack_entries = size_t(c.hash_max_listpack_entries);
  l.hash_max_listpack_value = size_t(c.hash_max_listpack_value);
  l.set_max_intset_entries = size_t(c.set_max_intset_entries);
  l.set_max_listpack_entries = size_t(c.set_max_listpack_entries);
  l.set_max_listpack_value = size_t(c.set_max_listpack_value);
  return l;
}

// An effect argv under construction (only built when effects are logged).
class Effect {
 public:
  explicit Effect(CommandContext* ctx) : on_(ctx->logging_effects()) {}
  bool on() const { return on_; }
  Effect& Add(std::string_view s) {
    if (on_) argv_.push_back(s);
    return *this;
  }
  // Keeps a copy (a formatted number) alive with the argv.
  Effect& AddOwned(std::string s) {
    if (on_) {
      owned_.push_back(std::move(s));
      argv_.push_back({});
      fixups_.push_back(argv_.size() - 1);
    }
    return *this;
  }
  std::span<const std::string_view> argv() {
    for (size_t i = 0; i < fixups_.size(); ++i) argv_[fixups_[i]] = owned_[i];
    return argv_;
  }

 private:
  bool on_;
  std::vector<std::string_view> argv_;
  std::vector<std::string> owned_;
  std::vector<size_t> fixups_;
};

// The random source of HRANDFIELD, SRANDMEMBER, SPOP and ZRANDMEMBER (seeded once per
// thread from std::random_device).
std::mt19937_64& CollectionRng();

// `count` distinct ranks in [0, size), in random order. REQUIRES: count < size. Like
// Redis's case 3 / case 4 of SRANDMEMBER: drops random ranks from all of them when count
// is close to size, else draws until there are enough.
std::vector<size_t> DistinctRandomRanks(size_t size, size_t count);

// HDEL / SREM: removes the members args[2..] from the hash or set at args[1], logs the
// command as its effect, fires `event` (class `notify_class`) and "del" when the key
// empties, and replies the count removed.
void DelMembers(CmdArgs args, CommandContext* ctx, engine::ObjType type, std::string_view cmd,
                uint32_t notify_class, std::string_view event);

// Redis's parseScanCursorOrReply (the same rules as SCAN).
bool ParseCollectionCursor(std::string_view arg, uint64_t* cursor);

// HSCAN / SSCAN / ZSCAN options after the cursor: MATCH, COUNT (>= 1), and NOVALUES
// when `novalues_ok`. False with the error replied.
struct ScanOptions {
  std::string_view pattern;  // empty = all
  size_t count = 10;
  bool novalues = false;
};
bool ParseScanOptions(CmdArgs args, size_t start, bool novalues_ok, CommandContext* ctx,
                      ScanOptions* out);

// Replies [cursor, [elements...]].
void ReplyScan(CommandContext* ctx, uint64_t cursor, const std::vector<std::string_view>& items);

// Logs the whole state of a hash or set key as effects (DEL, then HSET/SADD in chunks,
// then PEXPIREAT): what EffectRecorder::KeyChanged logs for a collection changed by a
// generic command (RENAME, COPY, MOVE, EXPIRE...).
void LogCollectionState(EffectRecorder* rec, int db, std::string_view key, const engine::Entry& e);
// The sorted-set form (DEL, ZADD chunks, PEXPIREAT); defined in zset_family.cc.
void LogZSetState(EffectRecorder* rec, int db, std::string_view key, const engine::Entry& e);

}  // namespace brisk::cmd
