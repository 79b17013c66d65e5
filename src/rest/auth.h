// Who may do what over HTTP: bearer tokens with table scopes, and the one check every
// request passes (both faces, every command of a pipeline or transaction). When ACL
// users arrive, a token will name a user and these checks will ask the ACL instead;
// nothing else in the adapter decides permissions.
//
// Scopes: read|write|admin:<table-glob>, e.g. read:users, write:sessions*, admin:*.
// Levels are ordered: write implies read, admin implies write. A command needs
//   - admin: commands flagged admin or @dangerous (CONFIG, INFO, KEYS, FLUSHALL, CLIENT,
//     DEBUG, ...) and TABLE DROP;
//   - write: write commands, PUBLISH / SPUBLISH;
//   - read: everything else;
// on the table of every key it names (TABLE INFO/DROP: the named table; PUBLISH: the
// channel's table). A command without keys needs its level on every table (a scope
// whose glob is "*"), except read commands outside @keyspace (PING, ECHO, TIME,
// COMMAND ...), which any valid token may run.
//
// Thread safety: configured once (Configure) before the adapter thread starts, then
// read-only; every method is const and safe from any thread.
//
// Invariants:
//   1. Tokens are compared in constant time with every configured token (a failed
//      lookup takes the same time whichever byte differs).
//   2. With no token configured, the adapter is open only when bound to loopback
//      (an implicit principal with admin:*); otherwise every request is unauthorized.
//   3. Commands that would give the REST client state beyond one request (SUBSCRIBE and
//      MONITOR streams, MULTI/WATCH, SELECT, HELLO, AUTH, QUIT/RESET, CLIENT TRACKING /
//      CACHING / REPLY) are refused with a pointer to the REST way of doing it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "commands/command.h"

namespace brisk::rest {

enum class Level : uint8_t { kRead = 1, kWrite = 2, kAdmin = 3 };
std::string_view LevelName(Level level);

struct Scope {
  Level level = Level::kRead;
  std::string pattern;  // glob over table names
};

struct Principal {
  std::string name;  // "http-token-<n>" (config order), or "default" (open loopback)
  std::vector<Scope> scopes;

  bool Allows(Level level, std::string_view table) const;
  bool AllowsEveryTable(Level level) const;  // a scope with glob "*" and that level
  bool HasLevel(Level level) const;          // on some table
};

enum class Verdict : uint8_t { kAllowed, kForbidden, kUnavailable };

struct CheckResult {
  Verdict verdict = Verdict::kAllowed;
  std::string error;  // the errors.h text for kForbidden / kUnavailable
  int status() const { return verdict == Verdict::kForbidden ? 403 : 400; }
};

class Authorizer {
 public:
  // Parses http-token lines ("<token> <scope>..."). False with *error on a bad line.
  bool Configure(const std::vector<std::string>& lines, bool loopback_bind, std::string* error);

  // The principal for a request's Authorization header (Bearer <token>) or its _token
  // query value (the header wins); nullptr: 401 (invariant 2).
  const Principal* Authenticate(std::string_view authorization, std::string_view query_token) const;

  // Face 1: may `p` run this command? `sep` is the table separator. Unknown commands and
  // wrong arities are allowed here: the dispatcher answers them with Redis's errors.
  CheckResult CheckCommand(const Principal& p, const cmd::CommandRegistry& commands,
                           cmd::CmdArgs args, char sep) const;
  // Face 2: may `p` act at `level` on `table`?
  CheckResult CheckTable(const Principal& p, Level level, std::string_view table) const;
  // Endpoints about every table (GET /metrics, listing all tables' stats).
  CheckResult CheckEveryTable(const Principal& p, Level level) const;

  bool open() const { return open_; }

 private:
  struct Token {
    std::string secret;
    Principal principal;
  };
  std::vector<Token> tokens_;
  Principal open_principal_;
  bool open_ = false;
};

// Parses "read:users" style scopes; false if malformed.
bool ParseScope(std::string_view text, Scope* out);

}  // namespace brisk::rest
