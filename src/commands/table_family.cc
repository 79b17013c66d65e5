// TABLE container (Brisk, no Redis equivalent): per-table statistics and drop.
//
//   TABLE LIST [pattern]  array of [name, items, bytes] per table of the client's db, in
//                         name order; `pattern` is a glob on the table name ("*", or no
//                         pattern, lists every table, the default table "" included).
//   TABLE INFO name       map name, items, bytes, volatile_items (keys with a TTL), hits,
//                         misses (read lookups since the table was created); "ERR no
//                         such table" if the table has no keys (engine invariant 5:
//                         empty tables vanish, and their counters with them).
//   TABLE DROP name       deletes every key of the table, returns how many were live;
//                         O(1) on the loop, memory reclaimed in the background (see
//                         TableDrop). A missing table drops 0.
//   TABLE HELP
//
// A table's name is the bytes of its keys before the first table-separator; the default
// table (keys without a separator) is named "" in replies. Counts are the engine's exact
// per-table stats (keyspace.h invariant 2): a key that is logically expired but not yet
// reclaimed still counts until lazy/active expiry removes it.
//
// Thread safety: loop thread only (handlers).
#include <string>
#include <vector>

#include "commands/context.h"
#include "commands/families.h"
#include "commands/server_family.h"
#include "common/glob.h"
#include "common/keyspace_events.h"

namespace brisk::cmd {
namespace {

// GlobMatch("*", "") is false, so "*" is special-cased to include the default table.
bool NameMatches(std::string_view pattern, std::string_view name) {
  return pattern == "*" || GlobMatch(pattern, name);
}

void TableList(CmdArgs args, CommandContext* ctx) {
  if (args.size() > 3) return ctx->ErrorText(FormatError(Err::kWrongArity, {"table|list"}));
  std::string_view pattern = args.size() == 3 ? args[2] : std::string_view("*");
  struct Row {
    std::string name;
    size_t items, bytes;
  };
  std::vector<Row> rows;
  ctx->db().ForEachTable([&](const engine::TableStats& s) {
    if (NameMatches(pattern, s.name)) rows.push_back({std::string(s.name), s.items, s.bytes});
  });
  resp::ReplyBuilder* rb = ctx->rb();
  rb->ArrayHeader(rows.size());
  for (const Row& r : rows) {
    rb->ArrayHeader(3);
    rb->Bulk(r.name);
    rb->Integer(int64_t(r.items));
    rb->Integer(int64_t(r.bytes));
  }
}

void TableInfo(CmdArgs args, CommandContext* ctx) {
  engine::TableStats s;
  if (!ctx->db().GetTableStats(args[2], &s)) return ctx->Error(Err::kTableNotFound);
  resp::ReplyBuilder* rb = ctx->rb();
  rb->MapHeader(6);
  rb->Bulk("name");
  rb->Bulk(args[2]);
  rb->Bulk("items");
  rb->Integer(int64_t(s.items));
  rb->Bulk("bytes");
  rb->Integer(int64_t(s.bytes));
  rb->Bulk("volatile_items");
  rb->Integer(int64_t(s.volatile_items));
  rb->Bulk("hits");
  rb->Integer(int64_t(s.hits));
  rb->Bulk("misses");
  rb->Integer(int64_t(s.misses));
}

// O(1) on the loop: the engine unpublishes the table and reclaims its entries in the
// background (Db::DropTable). What DEL would do per key is done once for the table:
// WATCHers of any of its keys are dirtied, tracking clients flush their caches (as
// after FLUSHDB), the append log gets one "TABLE DROP name" effect, and one
// "tabledrop" event is published for the key prefix "<name><separator>" (keyspace,
// keyevent and table channels) instead of a "del" per key.
void TableDrop(CmdArgs args, CommandContext* ctx) {
  std::string_view name = args[2];
  engine::Keyspace& ks = ctx->keyspace();
  size_t dropped = ctx->db().DropTable(name, ctx->now_ms());
  if (dropped > 0) {
    ServerContext* server = ctx->server();
    int db = ctx->client()->db_index;
    server->watches->TouchIf(db, [&](std::string_view key) { return ks.TableOf(key) == name; });
    ctx->AllKeysFlushed();
    ctx->LogEffect({"TABLE", "DROP", name});
    std::string prefix(name);
    prefix += ks.options().table_separator;
    ctx->Notify(notify::kGeneric, "tabledrop", prefix);
  }
  ctx->rb()->Integer(int64_t(dropped));
}

void TableHelp(CmdArgs args, CommandContext* ctx) {
  ReplyHelp(args, ctx,
            {
                "LIST [<pattern>]",
                "    Return [name, items, bytes] for every table of the current database",
                "    whose name matches the glob-like <pattern> (default: '*').",
                "INFO <name>",
                "    Return name, items, bytes and volatile_items (keys with a TTL) of a table.",
                "DROP <name>",
                "    Delete every key of a table; return the number of keys deleted.",
            });
}

constexpr uint32_t kRead = kReadOnly | kLoading | kStale;

constexpr Subcommand kTableSubs[] = {
    {{"table|drop", 3, kWrite, "Deletes every key of a table."}, TableDrop},
    {{"table|help", 2, kLoading | kStale, "Returns helpful text about the different subcommands."},
     TableHelp},
    {{"table|info", 3, kRead, "Returns the statistics of one table."}, TableInfo},
    {{"table|list", -2, kRead, "Returns the name, item count and bytes of every table."},
     TableList},
};

void Table(CmdArgs args, CommandContext* ctx) {
  DispatchSubcommand(args, ctx, kTableSubs);
}

}  // namespace

// Flag note (the dispatcher reads only the row's flags): the row is kWrite so that
// TABLE DROP advances the LSN, is refused under -MISCONF and is held by
// CLIENT PAUSE WRITE; LIST/INFO inherit that (they are cheap and rarely paused).
void RegisterTableFamily(CommandRegistry* r) {
  const CommandSpec specs[] = {
      {"table", -2, kWrite, 0, 0, 0, kAclKeyspace | kAclWrite | kAclSlow | kAclDangerous, Table,
       "generic",
       "A container for Brisk table commands: per-table statistics (LIST, INFO) and DROP.", "7.2.4",
       SubcommandDocs(kTableSubs)},
  };
  r->Add(specs);
}

}  // namespace brisk::cmd
