#include "commands/command.h"

#include <cctype>

namespace brisk::cmd {

void CommandRegistry::Add(CommandSpec spec) {
  auto [it, inserted] = by_name_.emplace(spec.name, std::move(spec));
  if (inserted) ordered_.push_back(&it->second);
}

const CommandSpec* CommandRegistry::Find(std::string_view name) const {
  char buf[32];
  if (name.size() > sizeof(buf)) return nullptr;
  for (size_t i = 0; i < name.size(); ++i) {
    buf[i] = char(tolower(static_cast<unsigned char>(name[i])));
  }
  auto it = by_name_.find(std::string_view(buf, name.size()));
  return it == by_name_.end() ? nullptr : &it->second;
}

const SubcommandDoc* CommandSpec::FindSubcommand(std::string_view sub) const {
  for (const SubcommandDoc& doc : subcommands) {
    std::string_view name = doc.name.substr(doc.name.find('|') + 1);
    if (name.size() != sub.size()) continue;
    bool same = true;
    for (size_t i = 0; i < sub.size() && same; ++i) {
      same = tolower(static_cast<unsigned char>(name[i])) ==
             tolower(static_cast<unsigned char>(sub[i]));
    }
    if (same) return &doc;
  }
  return nullptr;
}

bool CommandRegistry::GetKeys(const CommandSpec& spec, CmdArgs args,
                              std::vector<size_t>* positions) const {
  int argc = int(args.size());
  if ((spec.arity > 0 && argc != spec.arity) || argc < -spec.arity) return false;
  if (spec.first_key <= 0) return true;
  int last = spec.last_key < 0 ? argc + spec.last_key : spec.last_key;
  int step = spec.key_step > 0 ? spec.key_step : 1;
  for (int i = spec.first_key; i <= last && i < argc; i += step) positions->push_back(size_t(i));
  return true;
}

std::vector<std::string_view> FlagNames(uint32_t flags) {
  static constexpr std::pair<uint32_t, std::string_view> kNames[] = {
      {kWrite, "write"},         {kReadOnly, "readonly"},    {kDenyOom, "denyoom"},
      {kAdmin, "admin"},         {kPubSub, "pubsub"},        {kNoScript, "noscript"},
      {kBlocking, "blocking"},   {kLoading, "loading"},      {kStale, "stale"},
      {kSkipMonitor, "skip_monitor"}, {kSkipSlowlog, "skip_slowlog"},
      {kFast, "fast"},           {kNoAuth, "no_auth"},       {kMayReplicate, "may_replicate"},
      {kAllowBusy, "allow_busy"}, {kNoMulti, "no_multi"},
  };
  std::vector<std::string_view> out;
  for (auto [bit, name] : kNames) {
    if (flags & bit) out.push_back(name);
  }
  return out;
}

std::vector<std::string_view> AclCategoryNames(uint64_t acl) {
  static constexpr std::pair<uint64_t, std::string_view> kNames[] = {
      {kAclKeyspace, "@keyspace"},       {kAclRead, "@read"},       {kAclWrite, "@write"},
      {kAclString, "@string"},           {kAclList, "@list"},       {kAclHash, "@hash"},
      {kAclSet, "@set"},                 {kAclSortedSet, "@sortedset"},
      {kAclFast, "@fast"},               {kAclSlow, "@slow"},       {kAclAdmin, "@admin"},
      {kAclDangerous, "@dangerous"},     {kAclConnection, "@connection"},
      {kAclTransaction, "@transaction"}, {kAclPubSub, "@pubsub"},   {kAclScripting, "@scripting"},
      {kAclBlocking, "@blocking"},
  };
  std::vector<std::string_view> out;
  for (auto [bit, name] : kNames) {
    if (acl & bit) out.push_back(name);
  }
  return out;
}

}  // namespace brisk::cmd
