// Shared by the connection, client, server and introspection families: subcommand
// dispatch for container commands (CLIENT, CONFIG, SLOWLOG, ...), Redis's HELP reply
// shape, the introspection families (INFO, COMMAND), registered from
// RegisterServerFamily, and CLIENT, registered from RegisterConnectionFamily.
//
// Thread safety: loop thread only (handlers).
#pragma once

#include <initializer_list>
#include <span>
#include <string_view>
#include <vector>

#include "commands/command.h"

namespace brisk::cmd {

class CommandContext;

// The version every handshake and INFO reports; clients gate features on it.
inline constexpr std::string_view kRedisVersion = "7.2.4";

// One subcommand of a container: its COMMAND DOCS/INFO row and its handler, which
// receives the container's whole argument list (args[1] is the subcommand).
struct Subcommand {
  SubcommandDoc doc;  // doc.name is "container|sub", lowercase
  Handler handler;
};

// Finds args[1] among `subs` (case-insensitive), checks its arity and runs it.
// Errors, as Redis 7 replies them before running anything:
//   unknown subcommand -> "ERR unknown subcommand 'x'. Try CONTAINER HELP."
//   arity              -> "ERR wrong number of arguments for 'container|sub' command"
// REQUIRES: args.size() >= 2.
void DispatchSubcommand(CmdArgs args, CommandContext* ctx, std::span<const Subcommand> subs);

// The docs column of a container's registration row.
std::vector<SubcommandDoc> SubcommandDocs(std::span<const Subcommand> subs);

// Redis's addReplyHelp: a header line "<CMD> <subcommand> [<arg> [value] [opt] ...].
// Subcommands are:", the given lines, then "HELP" / "    Prints this help.", each a
// simple string.
void ReplyHelp(CmdArgs args, CommandContext* ctx, std::initializer_list<std::string_view> lines);

// COMMAND (introspection_family.cc) and INFO (info_family.cc).
void RegisterIntrospectionFamily(CommandRegistry* r);
void RegisterInfoFamily(CommandRegistry* r);

// CLIENT (client_family.cc), registered from RegisterConnectionFamily.
void RegisterClientFamily(CommandRegistry* r);

// Redis's clientSetName rule for CLIENT SETNAME/SETINFO and HELLO SETNAME: printable
// ASCII without spaces (connection_family.cc).
bool ValidClientAttr(std::string_view s);

}  // namespace brisk::cmd
