// Introspection commands: the COMMAND container (INFO is in info_family.cc), shaped like
// Redis 7.2's replies because client libraries parse them during their handshake
// (redis-cli reads COMMAND DOCS at start-up; cluster clients read COMMAND for key
// positions).
//
// What Brisk cannot know and reports as Redis's neutral value: command tips and argument
// docs (empty / absent).
#include <algorithm>
#include <cstdio>
#include <string>
#include <type_traits>

#include "commands/arg_parser.h"
#include "commands/context.h"
#include "commands/scripting.h"
#include "commands/server_family.h"
#include "common/clock.h"
#include "common/glob.h"

namespace brisk::cmd {
namespace {

// ---------------------------------------------------------------------------------
// COMMAND

// A command or one of a container's subcommands, as COMMAND INFO/DOCS/LIST see it.
struct CmdView {
  const CommandSpec* spec;   // the row (the container, for a subcommand)
  const SubcommandDoc* sub;  // nullptr for a row itself

  std::string_view name() const { return sub ? sub->name : spec->name; }
  int arity() const { return sub ? sub->arity : spec->arity; }
  uint32_t flags() const { return sub ? sub->flags : spec->flags; }
  std::string_view summary() const { return sub ? sub->summary : spec->summary; }

  // SubcommandDoc carries no key positions: every Redis subcommand that takes a key
  // (OBJECT *, MEMORY USAGE, XINFO *) takes exactly one, right after its name.
  void Keys(int* first, int* last, int* step) const {
    if (sub == nullptr) {
      *first = spec->first_key, *last = spec->last_key, *step = spec->key_step;
    } else if (sub->flags & (kReadOnly | kWrite)) {
      *first = 2, *last = 2, *step = 1;
    } else {
      *first = 0, *last = 0, *step = 0;
    }
  }

  // Subcommand categories follow Redis's setImplicitACLCategories plus the category
  // its container belongs to.
  uint64_t Acl() const {
    if (sub == nullptr) return spec->acl;
    uint32_t f = sub->flags;
    uint64_t acl = (f & kFast) ? kAclFast : kAclSlow;
    if (f & kWrite) acl |= kAclWrite;
    if (f & kReadOnly) acl |= kAclRead;
    if (f & kAdmin) acl |= kAclAdmin | kAclDangerous;
    if (f & kPubSub) acl |= kAclPubSub;
    if (f & kBlocking) acl |= kAclBlocking;
    if (spec->name == "client" || spec->name == "command") acl |= kAclConnection;
    if (spec->name == "object") acl |= kAclKeyspace;
    return acl;
  }
};

// "name" or "container|sub", case-insensitive.
bool LookupView(const CommandRegistry& reg, std::string_view name, CmdView* out) {
  size_t bar = name.find('|');
  const CommandSpec* spec = reg.Find(name.substr(0, bar));
  if (spec == nullptr) return false;
  *out = {spec, nullptr};
  if (bar == std::string_view::npos) return true;
  for (const SubcommandDoc& d : spec->subcommands) {
    if (EqualsNoCase(d.name, name)) {
      out->sub = &d;
      return true;
    }
  }
  return false;
}

void ReplyNames(resp::ReplyBuilder* rb, const std::vector<std::string_view>& names) {
  rb->SetHeader(names.size());
  for (auto n : names) rb->SimpleString(n);
}

// Key-spec flags, which the rows do not record: derived from the command's flags, a
// write as a read-modify-write update, anything else as a read.
std::vector<std::string_view> KeyFlags(const CmdView& v) {
  if (v.flags() & kWrite) return {"RW", "UPDATE"};
  return {"RO", "ACCESS"};
}

void ReplyKeySpecs(resp::ReplyBuilder* rb, const CmdView& v) {
  int first, last, step;
  v.Keys(&first, &last, &step);
  if (first <= 0) return rb->EmptyArray();
  rb->ArrayHeader(1);
  rb->MapHeader(3);
  rb->Bulk("flags");
  ReplyNames(rb, KeyFlags(v));
  rb->Bulk("begin_search");
  rb->MapHeader(2);
  rb->Bulk("type");
  rb->Bulk("index");
  rb->Bulk("spec");
  rb->MapHeader(1);
  rb->Bulk("index");
  rb->Integer(first);
  rb->Bulk("find_keys");
  rb->MapHeader(2);
  rb->Bulk("type");
  rb->Bulk("range");
  rb->Bulk("spec");
  rb->MapHeader(3);
  rb->Bulk("lastkey");
  rb->Integer(last < 0 ? last : last - first);
  rb->Bulk("keystep");
  rb->Integer(step);
  rb->Bulk("limit");
  rb->Integer(0);
}

// Redis 7's addReplyCommandInfo: a 10-element array.
void ReplyCommandInfo(resp::ReplyBuilder* rb, const CmdView& v) {
  int first, last, step;
  v.Keys(&first, &last, &step);
  rb->ArrayHeader(10);
  rb->Bulk(v.name());
  rb->Integer(v.arity());
  ReplyNames(rb, FlagNames(v.flags()));
  rb->Integer(first);
  rb->Integer(last);
  rb->Integer(step);
  ReplyNames(rb, AclCategoryNames(v.Acl()));
  rb->SetHeader(0);  // tips
  ReplyKeySpecs(rb, v);
  if (v.sub != nullptr || v.spec->subcommands.empty()) return rb->SetHeader(0);
  rb->ArrayHeader(v.spec->subcommands.size());
  for (const SubcommandDoc& d : v.spec->subcommands) ReplyCommandInfo(rb, {v.spec, &d});
}

// Redis 7's addReplyCommandDocs: a map; subcommands are a map of name -> docs.
void ReplyCommandDocs(resp::ReplyBuilder* rb, const CmdView& v) {
  bool has_since = v.sub == nullptr && !v.spec->since.empty();
  bool has_subs = v.sub == nullptr && !v.spec->subcommands.empty();
  rb->MapHeader(2 + size_t(has_since) + size_t(has_subs));
  rb->Bulk("summary");
  rb->Bulk(v.summary());
  if (has_since) {
    rb->Bulk("since");
    rb->Bulk(v.spec->since);
  }
  rb->Bulk("group");
  rb->Bulk(v.spec->group);
  if (!has_subs) return;
  rb->Bulk("subcommands");
  rb->MapHeader(v.spec->subcommands.size());
  for (const SubcommandDoc& d : v.spec->subcommands) {
    rb->Bulk(d.name);
    ReplyCommandDocs(rb, {v.spec, &d});
  }
}

void ReplyAllInfo(CommandContext* ctx) {
  const auto& all = ctx->server()->commands->All();
  ctx->rb()->ArrayHeader(all.size());
  for (const CommandSpec* spec : all) ReplyCommandInfo(ctx->rb(), {spec, nullptr});
}

void CommandCount(CmdArgs, CommandContext* ctx) {
  ctx->rb()->Integer(int64_t(ctx->server()->commands->All().size()));
}

// COMMAND INFO [name ...]: nil for an unknown name; no names means every command.
void CommandInfo(CmdArgs args, CommandContext* ctx) {
  if (args.size() == 2) return ReplyAllInfo(ctx);
  ctx->rb()->ArrayHeader(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i) {
    CmdView v{};
    if (LookupView(*ctx->server()->commands, args[i], &v)) {
      ReplyCommandInfo(ctx->rb(), v);
    } else {
      ctx->rb()->Null();
    }
  }
}

// COMMAND DOCS [name ...]: unknown names are left out of the map.
void CommandDocs(CmdArgs args, CommandContext* ctx) {
  const CommandRegistry& reg = *ctx->server()->commands;
  std::vector<CmdView> views;
  if (args.size() == 2) {
    for (const CommandSpec* spec : reg.All()) views.push_back({spec, nullptr});
  }
  for (size_t i = 2; i < args.size(); ++i) {
    CmdView v{};
    if (LookupView(reg, args[i], &v)) views.push_back(v);
  }
  ctx->rb()->MapHeader(views.size());
  for (const CmdView& v : views) {
    ctx->rb()->Bulk(v.name());
    ReplyCommandDocs(ctx->rb(), v);
  }
}

// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]: names of
// commands and subcommands.
void CommandList(CmdArgs args, CommandContext* ctx) {
  enum class Filter { kNone, kModule, kAclCat, kPattern } filter = Filter::kNone;
  std::string_view arg;
  for (size_t i = 2; i < args.size(); i += 3) {
    if (!EqualsNoCase(args[i], "filterby") || args.size() - 1 - i != 2) {
      return ctx->Error(Err::kSyntax);
    }
    if (EqualsNoCase(args[i + 1], "module")) {
      filter = Filter::kModule;
    } else if (EqualsNoCase(args[i + 1], "aclcat")) {
      filter = Filter::kAclCat;
    } else if (EqualsNoCase(args[i + 1], "pattern")) {
      filter = Filter::kPattern;
    } else {
      return ctx->Error(Err::kSyntax);
    }
    arg = args[i + 2];
  }
  auto keep = [&](const CmdView& v) {
    switch (filter) {
      case Filter::kNone:
        return true;
      case Filter::kModule:
        return false;  // no modules
      case Filter::kPattern:
        return GlobMatch(arg, v.name(), true);
      case Filter::kAclCat:
        for (std::string_view cat : AclCategoryNames(v.Acl())) {
          if (EqualsNoCase(cat.substr(1), arg)) return true;
        }
        return false;
    }
    return false;
  };
  std::vector<std::string_view> names;
  for (const CommandSpec* spec : ctx->server()->commands->All()) {
    if (keep({spec, nullptr})) names.push_back(spec->name);
    for (const SubcommandDoc& d : spec->subcommands) {
      if (keep({spec, &d})) names.push_back(d.name);
    }
  }
  ctx->rb()->ArrayHeader(names.size());
  for (auto n : names) ctx->rb()->Bulk(n);
}

// COMMAND GETKEYS command [arg ...] and COMMAND GETKEYSANDFLAGS command [arg ...] (each
// key with its key-spec flags). Checks in Redis's order: command, keys, arity.
void GetKeys(CmdArgs args, CommandContext* ctx, bool with_flags) {
  CmdArgs cmd = args.subspan(2);
  const CommandSpec* spec = ctx->server()->commands->Find(cmd[0]);
  if (spec == nullptr) return ctx->Error(Err::kInvalidCommandSpecified);
  CmdView v{spec, nullptr};
  if (!spec->subcommands.empty() && cmd.size() >= 2) {
    std::string full = std::string(spec->name) + "|" + std::string(cmd[1]);
    if (!LookupView(*ctx->server()->commands, full, &v)) {
      return ctx->Error(Err::kInvalidCommandSpecified);
    }
  }
  int first, last, step;
  v.Keys(&first, &last, &step);
  if (first <= 0) return ctx->Error(Err::kCommandNoKeys);
  int arity = v.arity();
  if ((arity > 0 && size_t(arity) != cmd.size()) || (arity < 0 && cmd.size() < size_t(-arity))) {
    return ctx->Error(Err::kInvalidCommandArity);
  }
  int argc = int(cmd.size());
  int end = last < 0 ? argc + last : last;
  std::vector<std::string_view> keys;
  for (int i = first; i <= end && i < argc; i += std::max(step, 1)) keys.push_back(cmd[size_t(i)]);
  resp::ReplyBuilder* rb = ctx->rb();
  rb->ArrayHeader(keys.size());
  for (auto k : keys) {
    if (!with_flags) {
      rb->Bulk(k);
      continue;
    }
    rb->ArrayHeader(2);
    rb->Bulk(k);
    ReplyNames(rb, KeyFlags(v));
  }
}

void CommandGetKeys(CmdArgs args, CommandContext* ctx) {
  GetKeys(args, ctx, false);
}
void CommandGetKeysAndFlags(CmdArgs args, CommandContext* ctx) {
  GetKeys(args, ctx, true);
}

void CommandHelp(CmdArgs args, CommandContext* ctx) {
  ReplyHelp(args, ctx,
            {
                "(no subcommand)",
                "    Return details about all Redis commands.",
                "COUNT",
                "    Return the total number of commands in this Redis server.",
                "LIST",
                "    Return a list of all commands in this Redis server.",
                "INFO [<command-name> ...]",
                "    Return details about multiple Redis commands.",
                "    If no command names are given, documentation details for all",
                "    commands are returned.",
                "DOCS [<command-name> ...]",
                "    Return documentation details about multiple Redis commands.",
                "    If no command names are given, documentation details for all",
                "    commands are returned.",
                "GETKEYS <full-command>",
                "    Return the keys from a full Redis command.",
                "GETKEYSANDFLAGS <full-command>",
                "    Return the keys and the access flags from a full Redis command.",
            });
}

constexpr uint32_t kCmdFlags = kLoading | kStale;
constexpr Subcommand kCommandSubs[] = {
    {{"command|count", 2, kCmdFlags, "Returns a count of commands."}, CommandCount},
    {{"command|docs", -2, kCmdFlags,
      "Returns documentary information about one, multiple or all commands."},
     CommandDocs},
    {{"command|getkeys", -3, kCmdFlags, "Extracts the key names from an arbitrary command."},
     CommandGetKeys},
    {{"command|getkeysandflags", -3, kCmdFlags,
      "Extracts the key names and access flags for an arbitrary command."},
     CommandGetKeysAndFlags},
    {{"command|help", 2, kCmdFlags, "Returns helpful text about the different subcommands."},
     CommandHelp},
    {{"command|info", -2, kCmdFlags, "Returns information about one, multiple or all commands."},
     CommandInfo},
    {{"command|list", -2, kCmdFlags, "Returns a list of command names."}, CommandList},
};

void Command(CmdArgs args, CommandContext* ctx) {
  if (args.size() == 1) return ReplyAllInfo(ctx);
  DispatchSubcommand(args, ctx, kCommandSubs);
}

}  // namespace

void RegisterIntrospectionFamily(CommandRegistry* r) {
  const CommandSpec specs[] = {
      {"command", -1, kLoading | kStale, 0, 0, 0, kAclSlow | kAclConnection, Command, "server",
       "Returns detailed information about all commands.", "2.8.13", SubcommandDocs(kCommandSubs)},
  };
  r->Add(specs);
}

}  // namespace brisk::cmd
