#include "rest/auth.h"

#include <strings.h>

#include <algorithm>

#include "common/ascii.h"
#include "common/config.h"
#include "common/errors.h"
#include "common/glob.h"

namespace brisk::rest {

namespace {

// Invariant 1: the time depends on the lengths only, not on where the bytes differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? uint8_t(a[i]) : 0;
    unsigned char y = i < b.size() ? uint8_t(b[i]) : 0;
    diff |= uint8_t(x ^ y);
  }
  return diff == 0;
}

Level LevelOf(uint32_t flags, uint64_t acl) {
  if ((flags & cmd::kAdmin) || (acl & cmd::kAclDangerous)) return Level::kAdmin;
  if (flags & cmd::kWrite) return Level::kWrite;
  return Level::kRead;
}

std::string_view TableOf(std::string_view key, char sep) {
  size_t pos = key.find(sep);
  return pos == std::string_view::npos ? std::string_view() : key.substr(0, pos);
}

// Invariant 3: the commands refused over REST and where to go instead.
const char* Unavailable(std::string_view name, cmd::CmdArgs args) {
  static constexpr std::pair<std::string_view, const char*> kRefused[] = {
      {"subscribe", " (use GET /subscribe/<channel>)"},
      {"psubscribe", " (use GET /psubscribe/<pattern>)"},
      {"ssubscribe", " (use GET /subscribe/<channel>)"},
      {"unsubscribe", " (close the event stream instead)"},
      {"punsubscribe", " (close the event stream instead)"},
      {"sunsubscribe", " (close the event stream instead)"},
      {"multi", " (use POST /multi-exec)"},
      {"exec", " (use POST /multi-exec)"},
      {"discard", " (use POST /multi-exec)"},
      {"watch", " (use If-Match on /v1/tables/<t>/items/<key>)"},
      {"unwatch", ""},
      {"monitor", ""},
      {"select", " (REST requests use database 0)"},
      {"swapdb", " (REST requests use database 0)"},
      {"hello", ""},
      {"auth", " (send Authorization: Bearer <token>)"},
      {"quit", ""},
      {"reset", ""},
  };
  for (const auto& [refused, hint] : kRefused) {
    if (EqualsNoCase(name, refused)) return hint;
  }
  if (EqualsNoCase(name, "client") && args.size() >= 2) {
    for (std::string_view sub : {"tracking", "caching", "reply", "getredir", "trackinginfo"}) {
      if (EqualsNoCase(args[1], sub)) return "";
    }
  }
  return nullptr;
}

CheckResult Forbidden(std::string text) {
  return {Verdict::kForbidden, std::move(text)};
}

}  // namespace

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kRead:
      return "read";
    case Level::kWrite:
      return "write";
    case Level::kAdmin:
      return "admin";
  }
  return "read";
}

bool ParseScope(std::string_view text, Scope* out) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon + 1 == text.size()) return false;
  std::string_view level = text.substr(0, colon);
  if (level == "read") {
    out->level = Level::kRead;
  } else if (level == "write") {
    out->level = Level::kWrite;
  } else if (level == "admin") {
    out->level = Level::kAdmin;
  } else {
    return false;
  }
  out->pattern.assign(text.substr(colon + 1));
  return true;
}

bool Principal::Allows(Level level, std::string_view table) const {
  for (const Scope& s : scopes) {
    // "*" also covers the default table "" (a glob needs a non-empty string).
    if (s.level >= level && (s.pattern == "*" || GlobMatch(s.pattern, table))) return true;
  }
  return false;
}

bool Principal::AllowsEveryTable(Level level) const {
  for (const Scope& s : scopes) {
    if (s.level >= level && s.pattern == "*") return true;
  }
  return false;
}

bool Principal::HasLevel(Level level) const {
  for (const Scope& s : scopes) {
    if (s.level >= level) return true;
  }
  return false;
}

bool Authorizer::Configure(const std::vector<std::string>& lines, bool loopback_bind,
                           std::string* error) {
  tokens_.clear();
  for (size_t i = 0; i < lines.size(); ++i) {
    std::vector<std::string> words;
    if (!SplitArgs(lines[i], &words) || words.size() < 2) {
      *error = "http-token: expected <token> <scope>...";
      return false;
    }
    Token t;
    t.secret = words[0];
    t.principal.name = "http-token-" + std::to_string(i + 1);
    for (size_t k = 1; k < words.size(); ++k) {
      Scope s;
      if (!ParseScope(words[k], &s)) {
        *error = "http-token: invalid scope '" + words[k] + "'";
        return false;
      }
      t.principal.scopes.push_back(std::move(s));
    }
    tokens_.push_back(std::move(t));
  }
  open_ = tokens_.empty() && loopback_bind;
  open_principal_.name = "default";
  open_principal_.scopes = {Scope{Level::kAdmin, "*"}};
  return true;
}

const Principal* Authorizer::Authenticate(std::string_view authorization,
                                          std::string_view query_token) const {
  if (open_) return &open_principal_;
  std::string_view presented = query_token;
  if (!authorization.empty()) {
    constexpr std::string_view kBearer = "Bearer ";
    if (authorization.size() <= kBearer.size() ||
        !EqualsNoCase(authorization.substr(0, kBearer.size()), kBearer)) {
      return nullptr;
    }
    presented = authorization.substr(kBearer.size());
  }
  if (presented.empty()) return nullptr;
  const Principal* found = nullptr;
  for (const Token& t : tokens_) {  // no early exit: invariant 1
    if (ConstantTimeEquals(t.secret, presented) && found == nullptr) found = &t.principal;
  }
  return found;
}

CheckResult Authorizer::CheckCommand(const Principal& p, const cmd::CommandRegistry& commands,
                                     cmd::CmdArgs args, char sep) const {
  if (args.empty()) return {};
  if (const char* hint = Unavailable(args[0], args)) {
    return {Verdict::kUnavailable, FormatError(Err::kRestNotAvailable, {args[0], hint})};
  }
  const cmd::CommandSpec* spec = commands.Find(args[0]);
  if (spec == nullptr) return {};  // the dispatcher answers "unknown command"
  Level level = LevelOf(spec->flags, spec->acl);
  std::vector<std::string_view> tables;
  bool keyless = true;
  bool keyspace = (spec->acl & cmd::kAclKeyspace) != 0;

  const cmd::SubcommandDoc* sub = nullptr;
  if (!spec->subcommands.empty() && args.size() >= 2) {
    for (const cmd::SubcommandDoc& d : spec->subcommands) {
      std::string_view sub_name = d.name.substr(d.name.find('|') + 1);
      if (EqualsNoCase(sub_name, args[1])) sub = &d;
    }
  }
  if (spec->name == "table") {
    // Brisk's TABLE: the row is kWrite/@dangerous for the dispatcher's sake; what it
    // touches is the named table.
    level = Level::kRead;
    if (sub != nullptr && sub->name == "table|drop") level = Level::kAdmin;
    if (args.size() >= 3 && sub != nullptr && sub->name != "table|list") {
      tables.push_back(args[2]);
      keyless = false;
    } else {
      keyspace = true;  // LIST covers every table
    }
  } else if (spec->name == "publish" || spec->name == "spublish") {
    level = Level::kWrite;
    if (args.size() >= 2) {
      tables.push_back(TableOf(args[1], sep));
      keyless = false;
    }
  } else {
    if (sub != nullptr) {
      level = std::max(level, LevelOf(sub->flags, 0));
      // Subcommands that read or write a key (OBJECT ENCODING k, MEMORY USAGE k) name
      // it right after the subcommand.
      if ((sub->flags & (cmd::kReadOnly | cmd::kWrite)) && args.size() >= 3) {
        tables.push_back(TableOf(args[2], sep));
        keyless = false;
        keyspace = true;
      }
    }
    std::vector<size_t> positions;
    if (commands.GetKeys(*spec, args, &positions)) {
      for (size_t pos : positions) {
        tables.push_back(TableOf(args[pos], sep));
        keyless = false;
      }
    }
  }

  std::string name(args[0]);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return char(tolower(c)); });
  if (!p.HasLevel(level)) return Forbidden(FormatError(Err::kNoPerm, {p.name, name}));
  if (keyless) {
    if (level == Level::kRead && !keyspace) return {};
    if (p.AllowsEveryTable(level)) return {};
    return Forbidden(FormatError(Err::kNoPerm, {p.name, name}));
  }
  for (std::string_view table : tables) {
    if (!p.Allows(level, table)) return Forbidden(std::string(ErrorText(Err::kRestNoPermKeys)));
  }
  return {};
}

CheckResult Authorizer::CheckTable(const Principal& p, Level level, std::string_view table) const {
  if (p.Allows(level, table)) return {};
  return Forbidden(FormatError(Err::kRestNoPermTable, {LevelName(level), table}));
}

CheckResult Authorizer::CheckEveryTable(const Principal& p, Level level) const {
  if (p.AllowsEveryTable(level)) return {};
  return Forbidden(FormatError(Err::kRestNoPermTable, {LevelName(level), "*"}));
}

}  // namespace brisk::rest
