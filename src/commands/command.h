// The command table: one row per command, registered by its family file.
//
// Thread safety: the registry is built at start-up and then read-only, except the
// per-command statistics, which only the loop thread updates.
//
// Row contract (Redis's struct redisCommand):
//   - arity: N > 0 means exactly N words (the name included); -N means at least N.
//   - first_key / last_key / key_step: 1-based positions of the keys; last_key -1 means
//     the last argument, -2 the one before it; 0 / 0 / 0 for no keys.
//   - flags: see CmdFlag; they drive MULTI queueing, auth, OOM, pub/sub context and
//     COMMAND INFO output.
//   - Subcommand containers (CLIENT, CONFIG, ...) are ordinary rows whose handler
//     dispatches on argv[1]; their subcommands are listed for COMMAND DOCS/INFO.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace brisk::cmd {

class CommandContext;

using CmdArgs = std::span<const std::string_view>;  // args[0] is the command name
using Handler = void (*)(CmdArgs args, CommandContext* ctx);

enum CmdFlag : uint32_t {
  kWrite = 1u << 0,
  kReadOnly = 1u << 1,
  kDenyOom = 1u << 2,
  kAdmin = 1u << 3,
  kPubSub = 1u << 4,
  kNoScript = 1u << 5,
  kLoading = 1u << 6,   // allowed while loading
  kStale = 1u << 7,
  kFast = 1u << 8,
  kNoAuth = 1u << 9,    // allowed before AUTH
  kNoMulti = 1u << 10,  // refused inside MULTI ("Command not allowed inside a transaction")
  kSkipMonitor = 1u << 11,
  kSkipSlowlog = 1u << 12,
  kAllowBusy = 1u << 13,
  kSubscribeOk = 1u << 14,  // allowed in RESP2 subscribed context
  kBlocking = 1u << 15,
  kMayReplicate = 1u << 16,
  // Internal (not shown by COMMAND INFO): runs at once inside MULTI instead of being
  // queued, and is never held by CLIENT PAUSE. Redis hard-codes this list: EXEC,
  // DISCARD, MULTI, WATCH, QUIT, RESET.
  kMultiImmediate = 1u << 17,
};

// ACL categories (without the '@'), as bits.
enum AclCat : uint64_t {
  kAclKeyspace = 1ull << 0,
  kAclRead = 1ull << 1,
  kAclWrite = 1ull << 2,
  kAclString = 1ull << 3,
  kAclFast = 1ull << 4,
  kAclSlow = 1ull << 5,
  kAclAdmin = 1ull << 6,
  kAclDangerous = 1ull << 7,
  kAclConnection = 1ull << 8,
  kAclTransaction = 1ull << 9,
  kAclPubSub = 1ull << 10,
  kAclList = 1ull << 11,
  kAclHash = 1ull << 12,
  kAclSet = 1ull << 13,
  kAclSortedSet = 1ull << 14,
  kAclScripting = 1ull << 15,
  kAclBlocking = 1ull << 16,
};

struct SubcommandDoc {
  std::string_view name;  // e.g. "client|list"
  int arity;
  uint32_t flags;
  std::string_view summary;
};

struct CommandStats {
  uint64_t calls = 0;
  uint64_t usec = 0;
  uint64_t rejected_calls = 0;
  uint64_t failed_calls = 0;
};

struct CommandSpec {
  std::string_view name;  // lowercase
  int arity;
  uint32_t flags;
  int first_key;
  int last_key;
  int key_step;
  uint64_t acl;
  Handler handler;
  std::string_view group;    // COMMAND DOCS group: "string", "generic", "connection", ...
  std::string_view summary;  // COMMAND DOCS summary
  std::string_view since;    // Redis version that introduced it
  std::vector<SubcommandDoc> subcommands = {};
  mutable CommandStats stats = {};

  bool IsWrite() const { return flags & kWrite; }
  // A container's row for subcommand `sub` (case-insensitive), as Redis's lookup of
  // "container|sub"; null if there is none (or this is not a container).
  const SubcommandDoc* FindSubcommand(std::string_view sub) const;
};

// Flag names as COMMAND INFO reports them.
std::vector<std::string_view> FlagNames(uint32_t flags);
std::vector<std::string_view> AclCategoryNames(uint64_t acl);

class CommandRegistry {
 public:
  void Add(CommandSpec spec);
  void Add(std::span<const CommandSpec> specs) {
    for (const auto& s : specs) Add(s);
  }

  // Case-insensitive; no allocation (lowercases into a stack buffer).
  const CommandSpec* Find(std::string_view name) const;
  const std::vector<const CommandSpec*>& All() const { return ordered_; }

  // Key positions for COMMAND GETKEYS and WATCH-like uses; false if arity fails.
  bool GetKeys(const CommandSpec& spec, CmdArgs args, std::vector<size_t>* positions) const;

 private:
  std::unordered_map<std::string_view, CommandSpec> by_name_;
  std::vector<const CommandSpec*> ordered_;
};

// Registers every family's rows (the list lives in registry.cc).
void RegisterAllCommands(CommandRegistry* registry);

}  // namespace brisk::cmd
