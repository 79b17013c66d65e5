// Blocking pops with Redis 7.0's semantics, replies and error texts (t_list.c, t_zset.c,
// blocked.c): BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP.
// With data they pop at once through the non-blocking paths (commands/blocking_ops.h);
// without, they block (commands/blocking.h) unless inside MULTI or a script, where they
// reply as their non-blocking forms do on an empty key.
#include <string>
#include <vector>

#include "commands/blocking.h"
#include "commands/blocking_ops.h"
#include "commands/collection_util.h"
#include "commands/dispatcher.h"
#include "commands/families.h"
#include "common/ascii.h"
#include "common/clock.h"
#include "common/numbers.h"

namespace brisk::cmd {
namespace {

using engine::Entry;
using engine::ObjType;
using Kind = BlockedOp::Kind;

// Redis's CLIENT_DENY_BLOCKING: MULTI/EXEC, scripts, clients that are not connections.
bool MayBlock(CommandContext* ctx) {
  ServerContext* s = ctx->server();
  if (ctx->client()->in_multi || s->in_exec) return false;
  if (s->dispatcher != nullptr && s->dispatcher->call_depth() > 1) return false;
  return s->hooks->CanBlock(ctx->client());
}

// Pops what `op` asks from key's live entry `e` (of op's type) and replies as the
// blocking command does when served.
void PopAndReply(CommandContext* ctx, std::string_view key, Entry* e, const BlockedOp& op) {
  resp::ReplyBuilder* rb = ctx->rb();
  thread_local std::vector<std::string> out;
  switch (op.kind) {
    case Kind::kListPop:
      ListPopAndLog(ctx, key, e, op.left, 1, &out);
      rb->ArrayHeader(2);
      rb->Bulk(key);
      rb->Bulk(out[0]);
      return;
    case Kind::kListMPop:
      ListPopAndLog(ctx, key, e, op.left, size_t(op.count), &out);
      rb->ArrayHeader(2);
      rb->Bulk(key);
      rb->ArrayHeader(out.size());
      for (const std::string& s : out) rb->Bulk(s);
      return;
    case Kind::kListMove:
      return ListMove(ctx, key, op.dst, op.left, op.to_left);
    case Kind::kZPop: {
      auto popped = ZSetPopAndLog(ctx, key, e, 1, !op.left);
      rb->ArrayHeader(3);
      rb->Bulk(key);
      rb->Bulk(popped[0].first);
      return ReplyZSetScore(ctx, popped[0].second);
    }
    case Kind::kZMPop: {
      auto popped = ZSetPopAndLog(ctx, key, e, size_t(op.count), !op.left);
      rb->ArrayHeader(2);
      rb->Bulk(key);
      rb->ArrayHeader(popped.size());
      for (const auto& [m, s] : popped) {
        rb->ArrayHeader(2);
        rb->Bulk(m);
        ReplyZSetScore(ctx, s);
      }
      return;
    }
  }
}

// The common tail of every B* command once its arguments are parsed: the first key
// with data is popped at once; WRONGTYPE on the first key of another type met before
// one with data; else block (or the null reply where blocking is denied).
void PopOrBlock(CommandContext* ctx, CmdArgs keys, BlockedOp op, int64_t deadline_ms) {
  ObjType type = op.zset() ? ObjType::kZSet : ObjType::kList;
  for (std::string_view key : keys) {
    bool failed;
    Entry* e = FindWrite(ctx, key, type, &failed);
    if (failed) return;
    if (e == nullptr) continue;
    return PopAndReply(ctx, key, e, op);
  }
  if (!MayBlock(ctx)) {
    // As Redis: BLMOVE / BRPOPLPUSH answer a null bulk, the others a null array.
    return op.kind == Kind::kListMove ? ctx->rb()->Null() : ctx->rb()->NullArray();
  }
  ClientState* c = ctx->client();
  ctx->server()->blocking.Block(c, c->db_index, keys, std::move(op), deadline_ms);
}

bool Timeout(CommandContext* ctx, std::string_view arg, int64_t* deadline_ms) {
  std::string_view error;
  // The real clock, not the loop's cached one: the timeout counts from now.
  if (ParseBlockTimeout(arg, clock::UnixMs(), deadline_ms, &error)) return true;
  ctx->ErrorText(error);
  return false;
}

// BLPOP / BRPOP / BZPOPMIN / BZPOPMAX key [key ...] timeout
void BlockingPop(CmdArgs args, CommandContext* ctx, Kind kind, bool left) {
  int64_t deadline;
  if (!Timeout(ctx, args.back(), &deadline)) return;
  BlockedOp op;
  op.kind = kind;
  op.left = left;
  PopOrBlock(ctx, args.subspan(1, args.size() - 2), std::move(op), deadline);
}

void BLPop(CmdArgs args, CommandContext* ctx) {
  BlockingPop(args, ctx, Kind::kListPop, true);
}
void BRPop(CmdArgs args, CommandContext* ctx) {
  BlockingPop(args, ctx, Kind::kListPop, false);
}
void BZPopMin(CmdArgs args, CommandContext* ctx) {
  BlockingPop(args, ctx, Kind::kZPop, true);
}
void BZPopMax(CmdArgs args, CommandContext* ctx) {
  BlockingPop(args, ctx, Kind::kZPop, false);
}

void BlockingMove(CommandContext* ctx, std::string_view src, std::string_view dst, bool from_left,
                  bool to_left, std::string_view timeout) {
  int64_t deadline;
  if (!Timeout(ctx, timeout, &deadline)) return;
  BlockedOp op;
  op.kind = Kind::kListMove;
  op.left = from_left;
  op.to_left = to_left;
  op.dst = std::string(dst);
  std::string_view keys[] = {src};
  PopOrBlock(ctx, CmdArgs(keys), std::move(op), deadline);
}

// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
void BLMove(CmdArgs args, CommandContext* ctx) {
  bool from_left, to_left;
  auto where = [](std::string_view s, bool* left) {
    *left = EqualsNoCase(s, "left");
    return *left || EqualsNoCase(s, "right");
  };
  if (!where(args[3], &from_left) || !where(args[4], &to_left)) return ctx->Error(Err::kSyntax);
  BlockingMove(ctx, args[1], args[2], from_left, to_left, args[5]);
}

// BRPOPLPUSH source destination timeout
void BRPopLPush(CmdArgs args, CommandContext* ctx) {
  BlockingMove(ctx, args[1], args[2], false, true, args[3]);
}

// BLMPOP / BZMPOP timeout numkeys key [key ...] LEFT|RIGHT / MIN|MAX [COUNT count]
void BlockingMPop(CmdArgs args, CommandContext* ctx, bool zset) {
  int64_t deadline;
  if (!Timeout(ctx, args[1], &deadline)) return;
  int64_t numkeys;
  if (!ParseInt64(args[2], &numkeys) || numkeys < 1) return ctx->Error(Err::kNumkeysPositive);
  if (numkeys > int64_t(args.size()) - 4) return ctx->Error(Err::kSyntax);
  size_t where_idx = 3 + size_t(numkeys);
  BlockedOp op;
  op.kind = zset ? Kind::kZMPop : Kind::kListMPop;
  if (EqualsNoCase(args[where_idx], zset ? "min" : "left")) {
    op.left = true;
  } else if (EqualsNoCase(args[where_idx], zset ? "max" : "right")) {
    op.left = false;
  } else {
    return ctx->Error(Err::kSyntax);
  }
  bool count_seen = false;
  for (size_t j = where_idx + 1; j < args.size(); ++j) {
    if (!count_seen && EqualsNoCase(args[j], "count") && j + 1 < args.size()) {
      if (!ParseInt64(args[++j], &op.count) || op.count < 1) {
        return ctx->Error(Err::kCountPositive);
      }
      count_seen = true;
    } else {
      return ctx->Error(Err::kSyntax);
    }
  }
  PopOrBlock(ctx, args.subspan(3, size_t(numkeys)), std::move(op), deadline);
}

void BLMPop(CmdArgs args, CommandContext* ctx) {
  BlockingMPop(args, ctx, false);
}
void BZMPop(CmdArgs args, CommandContext* ctx) {
  BlockingMPop(args, ctx, true);
}

// Hands a finished blocked command's reply to its connection (CLIENT REPLY OFF drops it).
void Deliver(ServerContext* server, ClientState* client, std::string* reply) {
  if (!reply->empty() && (*reply)[0] == '-') ++server->stats.total_error_replies;
  if (client->reply_mode == ClientState::ReplyMode::kOff) reply->clear();
  server->hooks->Unblocked(client, *reply);
}

std::string& ReplyScratch() {
  thread_local std::string s;
  s.clear();
  return s;
}

// Serves one waiter from (db, key), which holds data of its type: runs its pop as the
// blocked client (its db), logged as one batch of its own.
void ServeWaiter(ServerContext* server, BlockingRegistry::Waiter* waiter, std::string_view key,
                 int64_t now_ms) {
  ClientState* client = waiter->client;
  std::unique_ptr<BlockingRegistry::Waiter> w = server->blocking.Remove(client);
  std::string& buf = ReplyScratch();
  resp::ReplyBuilder rb(&buf, client->resp);
  server->keyspace->AdvanceLsn();  // engine invariant 4, as Dispatcher::Call does
  CommandContext ctx(server, client, &rb, now_ms);
  Entry* e = ctx.db().Find(key, now_ms, false);
  PopAndReply(&ctx, key, e, w->op);
  if (server->effects != nullptr) server->effects->EndBatch();
  Deliver(server, client, &buf);
}

// Serves the waiters of (db, key) in FIFO order while the key holds data of their type.
void ServeKey(ServerContext* server, int db, std::string_view key, int64_t now_ms) {
  BlockingRegistry& reg = server->blocking;
  while (const BlockingRegistry::Fifo* fifo = reg.WaitersOn(db, key)) {
    Entry* e = server->keyspace->db(db).Find(key, now_ms, false);
    if (e == nullptr) return;
    bool zset = e->type() == ObjType::kZSet;
    if (!zset && e->type() != ObjType::kList) return;  // stays blocked, as in Redis 7.0
    BlockingRegistry::Waiter* next = nullptr;
    for (BlockingRegistry::Waiter* w : *fifo) {
      if (w->op.zset() == zset) {
        next = w;
        break;
      }
    }
    if (next == nullptr) return;
    ServeWaiter(server, next, key, now_ms);
  }
}

constexpr uint64_t kListAcl = kAclWrite | kAclList | kAclSlow | kAclBlocking;
constexpr uint64_t kZSetFastAcl = kAclWrite | kAclSortedSet | kAclFast | kAclBlocking;
constexpr uint64_t kZSetSlowAcl = kAclWrite | kAclSortedSet | kAclSlow | kAclBlocking;

}  // namespace

void ServeReadyKeys(ServerContext* server, int64_t now_ms) {
  BlockingRegistry& reg = server->blocking;
  // Keys made ready while serving (a BLMOVE pushing to a waited-on key) come round in
  // the next pass, after the keys signalled before them.
  while (reg.has_ready()) {
    for (const auto& [db, key] : reg.TakeReady()) ServeKey(server, db, key, now_ms);
  }
}

size_t ExpireBlockedTimeouts(ServerContext* server, int64_t now_ms) {
  BlockingRegistry& reg = server->blocking;
  size_t n = 0;
  for (uint64_t id : reg.Due(now_ms)) {
    BlockingRegistry::Waiter* w = reg.Find(id);
    if (w == nullptr) continue;
    ClientState* client = w->client;
    reg.Remove(client);
    std::string& buf = ReplyScratch();
    resp::ReplyBuilder rb(&buf, client->resp);
    rb.NullArray();  // Redis's replyToBlockedClientTimedOut: every kind
    Deliver(server, client, &buf);
    ++n;
  }
  return n;
}

bool UnblockClientById(ServerContext* server, uint64_t id, bool with_error) {
  BlockingRegistry& reg = server->blocking;
  BlockingRegistry::Waiter* w = reg.Find(id);
  if (w == nullptr) return false;
  ClientState* client = w->client;
  reg.Remove(client);
  std::string& buf = ReplyScratch();
  resp::ReplyBuilder rb(&buf, client->resp);
  if (with_error) {
    rb.Error(Err::kUnblocked);
  } else {
    rb.NullArray();
  }
  Deliver(server, client, &buf);
  return true;
}

void RegisterBlockingFamily(CommandRegistry* r) {
  const CommandSpec specs[] = {
      {"blpop", -3, kWrite | kNoScript | kBlocking, 1, -2, 1, kListAcl, BLPop, "list",
       "Removes and returns the first element in a list. Blocks until an element is "
       "available otherwise. Deletes the list if the last element was popped.",
       "2.0.0"},
      {"brpop", -3, kWrite | kNoScript | kBlocking, 1, -2, 1, kListAcl, BRPop, "list",
       "Removes and returns the last element in a list. Blocks until an element is available "
       "otherwise. Deletes the list if the last element was popped.",
       "2.0.0"},
      {"blmove", 6, kWrite | kDenyOom | kNoScript | kBlocking, 1, 2, 1, kListAcl, BLMove, "list",
       "Pops an element from a list, pushes it to another list and returns it. Blocks until an "
       "element is available otherwise. Deletes the list if the last element was moved.",
       "6.2.0"},
      {"brpoplpush", 4, kWrite | kDenyOom | kNoScript | kBlocking, 1, 2, 1, kListAcl, BRPopLPush,
       "list",
       "Pops an element from a list, pushes it to another list and returns it. Block until an "
       "element is available otherwise. Deletes the list if the last element was popped.",
       "2.2.0"},
      {"blmpop", -5, kWrite | kBlocking, 3, 3, 1, kListAcl, BLMPop, "list",
       "Pops the first element from one of multiple lists. Blocks until an element is "
       "available otherwise. Deletes the list if the last element was popped.",
       "7.0.0"},
      {"bzpopmin", -3, kWrite | kNoScript | kBlocking | kFast, 1, -2, 1, kZSetFastAcl, BZPopMin,
       "sorted-set",
       "Removes and returns the member with the lowest score from one or more sorted sets. "
       "Blocks until a member is available otherwise. Deletes the sorted set if the last "
       "element was popped.",
       "5.0.0"},
      {"bzpopmax", -3, kWrite | kNoScript | kBlocking | kFast, 1, -2, 1, kZSetFastAcl, BZPopMax,
       "sorted-set",
       "Removes and returns the member with the highest score from one or more sorted sets. "
       "Blocks until a member available otherwise.  Deletes the sorted set if the last element "
       "was popped.",
       "5.0.0"},
      {"bzmpop", -5, kWrite | kBlocking, 3, 3, 1, kZSetSlowAcl, BZMPop, "sorted-set",
       "Removes and returns a member by score from one or more sorted sets. Blocks until a "
       "member is available otherwise. Deletes the sorted set if the last element was popped.",
       "7.0.0"},
  };
  r->Add(specs);
}

}  // namespace brisk::cmd
