#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "commands/command.h"
#include "rest/auth.h"

namespace brisk::rest {
namespace {

struct Fixture {
  cmd::CommandRegistry commands;
  Authorizer auth;
  Fixture() {
    cmd::RegisterAllCommands(&commands);
    std::string error;
    REQUIRE(auth.Configure({"adm admin:*", "rd read:users read:cache*", "wr write:sessions*"}, true,
                           &error));
  }
  Verdict Check(std::string_view token, std::vector<std::string_view> args) {
    const Principal* p = auth.Authenticate("Bearer " + std::string(token), "");
    REQUIRE(p != nullptr);
    return auth.CheckCommand(*p, commands, cmd::CmdArgs(args), ':').verdict;
  }
};

TEST_CASE("tokens: bearer header, query token, unknown tokens", "[rest][auth]") {
  Fixture f;
  CHECK(f.auth.Authenticate("Bearer adm", "") != nullptr);
  CHECK(f.auth.Authenticate("bearer adm", "") != nullptr);  // scheme is case-insensitive
  CHECK(f.auth.Authenticate("", "rd") != nullptr);
  CHECK(f.auth.Authenticate("Bearer adm", "nope") != nullptr);  // the header wins
  CHECK(f.auth.Authenticate("Bearer nope", "adm") == nullptr);
  CHECK(f.auth.Authenticate("Bearer ad", "") == nullptr);
  CHECK(f.auth.Authenticate("Bearer admx", "") == nullptr);
  CHECK(f.auth.Authenticate("Basic adm", "") == nullptr);
  CHECK(f.auth.Authenticate("Bearer ", "") == nullptr);
  CHECK(f.auth.Authenticate("", "") == nullptr);
  CHECK(f.auth.Authenticate("Bearer rd", "")->name == "http-token-2");
  CHECK_FALSE(f.auth.open());
}

TEST_CASE("no token configured: open on loopback only", "[rest][auth]") {
  std::string error;
  Authorizer open;
  REQUIRE(open.Configure({}, true, &error));
  CHECK(open.open());
  const Principal* p = open.Authenticate("", "");
  REQUIRE(p != nullptr);
  CHECK(p->AllowsEveryTable(Level::kAdmin));
  Authorizer closed;
  REQUIRE(closed.Configure({}, false, &error));
  CHECK(closed.Authenticate("", "") == nullptr);
  CHECK(closed.Authenticate("Bearer x", "") == nullptr);
}

TEST_CASE("bad token lines are refused", "[rest][auth]") {
  Authorizer a;
  std::string error;
  CHECK_FALSE(a.Configure({"tok"}, true, &error));
  CHECK_FALSE(a.Configure({"tok read"}, true, &error));
  CHECK_FALSE(a.Configure({"tok root:*"}, true, &error));
  CHECK_FALSE(a.Configure({"tok read:"}, true, &error));
  CHECK(error.find("read:") != std::string::npos);
}

TEST_CASE("scopes: levels are ordered, globs match tables, * covers the default table",
          "[rest][auth]") {
  Principal p;
  Scope s;
  REQUIRE(ParseScope("write:sess*", &s));
  p.scopes.push_back(s);
  CHECK(p.Allows(Level::kRead, "sessions"));
  CHECK(p.Allows(Level::kWrite, "sess"));
  CHECK_FALSE(p.Allows(Level::kAdmin, "sessions"));
  CHECK_FALSE(p.Allows(Level::kRead, "users"));
  CHECK_FALSE(p.AllowsEveryTable(Level::kRead));
  REQUIRE(ParseScope("read:*", &s));
  p.scopes.push_back(s);
  CHECK(p.Allows(Level::kRead, ""));
  CHECK(p.AllowsEveryTable(Level::kRead));
  CHECK_FALSE(p.AllowsEveryTable(Level::kWrite));
}

TEST_CASE("commands: level and tables per command", "[rest][auth]") {
  Fixture f;
  // Reads on readable tables.
  CHECK(f.Check("rd", {"GET", "users:1"}) == Verdict::kAllowed);
  CHECK(f.Check("rd", {"mget", "users:1", "cache9:x"}) == Verdict::kAllowed);
  CHECK(f.Check("rd", {"MGET", "users:1", "other:x"}) == Verdict::kForbidden);
  CHECK(f.Check("rd", {"GET", "plainkey"}) == Verdict::kForbidden);  // table ""
  // Writes need write.
  CHECK(f.Check("rd", {"SET", "users:1", "x"}) == Verdict::kForbidden);
  CHECK(f.Check("wr", {"SET", "sessions:1", "x"}) == Verdict::kAllowed);
  CHECK(f.Check("wr", {"GET", "sessions:1"}) == Verdict::kAllowed);  // write implies read
  CHECK(f.Check("wr", {"MSET", "sessions:1", "x", "users:1", "y"}) == Verdict::kForbidden);
  CHECK(f.Check("wr", {"DEL", "sessions:1", "sessionsX:2"}) == Verdict::kAllowed);
  // Keyless: harmless reads for anyone; keyspace-wide ones need the level on "*".
  CHECK(f.Check("rd", {"PING"}) == Verdict::kAllowed);
  CHECK(f.Check("rd", {"ECHO", "x"}) == Verdict::kAllowed);
  CHECK(f.Check("rd", {"TIME"}) == Verdict::kAllowed);
  CHECK(f.Check("rd", {"SCAN", "0"}) == Verdict::kForbidden);
  CHECK(f.Check("rd", {"DBSIZE"}) == Verdict::kForbidden);
  CHECK(f.Check("adm", {"DBSIZE"}) == Verdict::kAllowed);
  CHECK(f.Check("wr", {"FLUSHALL"}) == Verdict::kForbidden);
  CHECK(f.Check("adm", {"FLUSHALL"}) == Verdict::kAllowed);
  // Admin / dangerous.
  CHECK(f.Check("rd", {"KEYS", "*"}) == Verdict::kForbidden);
  CHECK(f.Check("rd", {"CONFIG", "GET", "*"}) == Verdict::kForbidden);
  CHECK(f.Check("rd", {"INFO"}) == Verdict::kForbidden);
  CHECK(f.Check("rd", {"CLIENT", "KILL", "ID", "1"}) == Verdict::kForbidden);
  CHECK(f.Check("rd", {"CLIENT", "ID"}) == Verdict::kAllowed);
  CHECK(f.Check("adm", {"CLIENT", "LIST"}) == Verdict::kAllowed);
  // Subcommands that name a key.
  CHECK(f.Check("rd", {"OBJECT", "ENCODING", "users:1"}) == Verdict::kAllowed);
  CHECK(f.Check("rd", {"OBJECT", "ENCODING", "other:1"}) == Verdict::kForbidden);
  // TABLE: the named table; DROP is admin; LIST covers every table.
  CHECK(f.Check("rd", {"TABLE", "INFO", "users"}) == Verdict::kAllowed);
  CHECK(f.Check("rd", {"TABLE", "INFO", "other"}) == Verdict::kForbidden);
  CHECK(f.Check("wr", {"TABLE", "DROP", "sessions"}) == Verdict::kForbidden);
  CHECK(f.Check("adm", {"TABLE", "DROP", "sessions"}) == Verdict::kAllowed);
  CHECK(f.Check("rd", {"TABLE", "LIST"}) == Verdict::kForbidden);
  // PUBLISH writes to the channel's table.
  CHECK(f.Check("rd", {"PUBLISH", "users:news", "x"}) == Verdict::kForbidden);
  CHECK(f.Check("wr", {"PUBLISH", "sessions:x", "x"}) == Verdict::kAllowed);
  // Unknown commands and bad arities are the dispatcher's to answer.
  CHECK(f.Check("rd", {"NOSUCH", "x"}) == Verdict::kAllowed);
  CHECK(f.Check("rd", {"GET"}) == Verdict::kAllowed);
}

TEST_CASE("session commands are not available over REST, for anyone", "[rest][auth]") {
  Fixture f;
  for (std::vector<std::string_view> args : {std::vector<std::string_view>{"SUBSCRIBE", "c"},
                                             {"psubscribe", "*"},
                                             {"MULTI"},
                                             {"EXEC"},
                                             {"WATCH", "users:1"},
                                             {"SELECT", "1"},
                                             {"HELLO", "3"},
                                             {"AUTH", "x"},
                                             {"MONITOR"},
                                             {"QUIT"},
                                             {"RESET"},
                                             {"CLIENT", "TRACKING", "on"},
                                             {"client", "reply", "off"}}) {
    INFO(args[0]);
    CHECK(f.Check("adm", args) == Verdict::kUnavailable);
  }
  const Principal* p = f.auth.Authenticate("Bearer adm", "");
  std::vector<std::string_view> args = {"subscribe", "c"};
  CheckResult r = f.auth.CheckCommand(*p, f.commands, cmd::CmdArgs(args), ':');
  CHECK(r.status() == 400);
  CHECK(r.error ==
        "ERR 'subscribe' is not available over the REST API (use GET /subscribe/<channel>)");
}

}  // namespace
}  // namespace brisk::rest
