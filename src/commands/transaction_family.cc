// MULTI / EXEC / DISCARD / WATCH / UNWATCH with Redis's semantics:
//   - a command rejected while queueing (unknown, arity, NOAUTH) makes EXEC answer
//     EXECABORT; errors raised while executing are returned in EXEC's array;
//   - WATCH makes EXEC answer a null array if any watched key was modified, deleted or
//     expired (by anyone) since WATCH.
#include "commands/context.h"
#include "commands/dispatcher.h"
#include "commands/families.h"

namespace brisk::cmd {
namespace {

void EndTransaction(CommandContext* ctx) {
  ClientState* c = ctx->client();
  c->in_multi = false;
  c->multi_error = false;
  c->queued.clear();
  c->queued_bytes = 0;
  ctx->server()->watches->UnwatchAll(c);
}

void Multi(CmdArgs, CommandContext* ctx) {
  if (ctx->client()->in_multi) return ctx->Error(Err::kMultiNested);
  ctx->client()->in_multi = true;
  ctx->rb()->Ok();
}

void Discard(CmdArgs, CommandContext* ctx) {
  if (!ctx->client()->in_multi) return ctx->Error(Err::kDiscardWithoutMulti);
  EndTransaction(ctx);
  ctx->rb()->Ok();
}

// A watched key that was live at WATCH time and is logically gone now (expired but not
// yet reclaimed) aborts EXEC, like Redis's isWatchedKeyExpired().
bool WatchedKeyExpired(CommandContext* ctx) {
  for (const auto& w : ctx->client()->watched) {
    if (w.expired_at_watch) continue;
    if (ctx->keyspace().db(w.db).Peek(w.key, ctx->now_ms()) == nullptr) return true;
  }
  return false;
}

void Exec(CmdArgs, CommandContext* ctx) {
  ClientState* c = ctx->client();
  if (!c->in_multi) return ctx->Error(Err::kExecWithoutMulti);
  if (c->multi_error) {
    EndTransaction(ctx);
    return ctx->Error(Err::kExecAbort);
  }
  if (c->dirty_cas || WatchedKeyExpired(ctx)) {
    EndTransaction(ctx);
    return ctx->rb()->NullArray();
  }
  std::vector<std::vector<std::string>> queued = std::move(c->queued);
  EndTransaction(ctx);  // unwatch first: the transaction's own writes must not abort it

  ctx->rb()->ArrayHeader(queued.size());
  std::vector<std::string_view> argv;
  ctx->server()->in_exec = true;
  for (const auto& cmd : queued) {
    argv.assign(cmd.begin(), cmd.end());
    const CommandSpec* spec = ctx->server()->commands->Find(argv[0]);
    // Validated when queued; the table does not change at runtime.
    ctx->server()->dispatcher->Call(*spec, c, CmdArgs(argv), ctx->rb(), ctx->now_ms());
  }
  ctx->server()->in_exec = false;
}

void Watch(CmdArgs args, CommandContext* ctx) {
  if (ctx->client()->in_multi) return ctx->Error(Err::kWatchInMulti);
  engine::Db& db = ctx->db();
  for (size_t i = 1; i < args.size(); ++i) {
    bool live = db.Peek(args[i], ctx->now_ms()) != nullptr;
    ctx->server()->watches->Watch(ctx->client(), ctx->client()->db_index, args[i], !live);
  }
  ctx->rb()->Ok();
}

void Unwatch(CmdArgs, CommandContext* ctx) {
  ctx->server()->watches->UnwatchAll(ctx->client());
  ctx->rb()->Ok();
}

constexpr uint64_t kTx = kAclFast | kAclTransaction;

}  // namespace

void RegisterTransactionFamily(CommandRegistry* r) {
  const CommandSpec specs[] = {
      {"multi", 1, kNoScript | kLoading | kStale | kFast | kMultiImmediate | kAllowBusy, 0, 0, 0, kTx,
       Multi, "transactions", "Starts a transaction.", "1.2.0"},
      {"exec", 1, kNoScript | kLoading | kStale | kSkipSlowlog | kMultiImmediate, 0, 0, 0,
       kAclSlow | kAclTransaction, Exec, "transactions",
       "Executes all commands in a transaction.", "1.2.0"},
      {"discard", 1, kNoScript | kLoading | kStale | kFast | kMultiImmediate | kAllowBusy, 0, 0, 0, kTx,
       Discard, "transactions", "Discards a transaction.", "2.0.0"},
      {"watch", -2, kNoScript | kLoading | kStale | kFast | kMultiImmediate | kAllowBusy, 1, -1, 1, kTx,
       Watch, "transactions",
       "Monitors changes to keys to determine the execution of a transaction.", "2.2.0"},
      {"unwatch", 1, kNoScript | kLoading | kStale | kFast | kAllowBusy, 0, 0, 0, kTx, Unwatch,
       "transactions", "Forgets about watched keys of a transaction.", "2.2.0"},
  };
  r->Add(specs);
}

}  // namespace brisk::cmd
