// Connection commands: PING, ECHO, QUIT, RESET, AUTH, HELLO, SELECT and SWAPDB, with
// Redis 7.2's replies and error texts (the CLIENT container is in client_family.cc).
//
// Authentication model: one user, "default". With `requirepass` empty the user has no
// password (Redis's "nopass"): every connection starts authenticated and AUTH with a
// single argument is an error. With `requirepass` set, AUTH/HELLO AUTH compare in time
// independent of where the bytes differ.
#include <algorithm>
#include <climits>
#include <cstdio>
#include <string>

#include "commands/arg_parser.h"
#include "commands/context.h"
#include "commands/dispatcher.h"
#include "commands/families.h"
#include "commands/server_family.h"
#include "common/numbers.h"

namespace brisk::cmd {
namespace {

// ---------------------------------------------------------------------------------
// Authentication

// Compares without an early exit, so the time taken does not reveal how long a
// matching prefix is (only the lengths can be inferred).
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  unsigned diff = a.size() != b.size() ? 1u : 0u;
  size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= unsigned(x ^ y);
  }
  return diff == 0;
}

// Redis's ACLCheckUserCredentials for the single "default" user.
bool CredentialsValid(const Config& cfg, std::string_view user, std::string_view pass) {
  if (user != "default") return false;
  if (cfg.requirepass.empty()) return true;  // nopass: any password is accepted
  return ConstantTimeEquals(pass, cfg.requirepass);
}

void Authenticate(ClientState* c) {
  c->authenticated = true;
  c->user = "default";
}

// AUTH [username] password. A failed attempt leaves an authenticated client as it was.
void Auth(CmdArgs args, CommandContext* ctx) {
  if (args.size() > 3) return ctx->Error(Err::kSyntax);
  std::string_view user = "default", pass = args[1];
  if (args.size() == 2) {
    if (ctx->config().requirepass.empty()) return ctx->Error(Err::kAuthNotConfigured);
  } else {
    user = args[1];
    pass = args[2];
  }
  if (!CredentialsValid(ctx->config(), user, pass)) return ctx->Error(Err::kWrongPass);
  Authenticate(ctx->client());
  ctx->rb()->Ok();
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
void Hello(CmdArgs args, CommandContext* ctx) {
  ClientState* c = ctx->client();
  int64_t ver = 0;
  size_t i = 1;
  if (args.size() >= 2) {
    if (!ParseInt64(args[i++], &ver)) return ctx->Error(Err::kHelloProtoNotInt);
    if (ver < 2 || ver > 3) return ctx->Error(Err::kNoProto);
  }
  std::string_view user, pass, name;
  bool has_auth = false, has_name = false;
  for (; i < args.size(); ++i) {
    size_t more = args.size() - 1 - i;
    if (EqualsNoCase(args[i], "AUTH") && more >= 2) {
      user = args[i + 1];
      pass = args[i + 2];
      has_auth = true;
      i += 2;
    } else if (EqualsNoCase(args[i], "SETNAME") && more >= 1) {
      name = args[++i];
      has_name = true;
    } else {
      return ctx->ErrorText(FormatError(Err::kHelloSyntax, {args[i]}));
    }
  }
  if (has_auth) {
    if (!CredentialsValid(ctx->config(), user, pass)) return ctx->Error(Err::kWrongPass);
    Authenticate(c);
  }
  if (!c->authenticated) return ctx->Error(Err::kHelloNoAuth);
  if (has_name) {
    if (!ValidClientAttr(name)) return ctx->Error(Err::kClientNameChars);
    c->name = std::string(name);
  }
  // The reply is already in the new protocol, as in Redis.
  if (ver != 0) {
    c->resp = int(ver);
    ctx->rb()->set_protocol(c->resp);
  }
  resp::ReplyBuilder* rb = ctx->rb();
  rb->MapHeader(7);
  rb->Bulk("server");
  rb->Bulk("redis");
  rb->Bulk("version");
  rb->Bulk(kRedisVersion);
  rb->Bulk("proto");
  rb->Integer(c->resp);
  rb->Bulk("id");
  rb->Integer(int64_t(c->id));
  rb->Bulk("mode");
  rb->Bulk("standalone");
  rb->Bulk("role");
  rb->Bulk("master");
  rb->Bulk("modules");
  rb->EmptyArray();
}

// ---------------------------------------------------------------------------------
// PING, ECHO, QUIT, RESET

void Ping(CmdArgs args, CommandContext* ctx) {
  if (args.size() > 2) return ctx->WrongArity(args[0]);
  resp::ReplyBuilder* rb = ctx->rb();
  ClientState* c = ctx->client();
  if (c->subscriptions > 0 && c->resp == 2) {
    rb->ArrayHeader(2);
    rb->Bulk("pong");
    rb->Bulk(args.size() == 2 ? args[1] : "");
  } else if (args.size() == 2) {
    rb->Bulk(args[1]);
  } else {
    rb->SimpleString("PONG");
  }
}

void Echo(CmdArgs args, CommandContext* ctx) {
  ctx->rb()->Bulk(args[1]);
}

void Quit(CmdArgs, CommandContext* ctx) {
  ctx->rb()->Ok();
  ctx->client()->close_after_reply = true;
}

void LeaveMonitor(ServerContext* server, ClientState* c) {
  auto& m = server->monitors;
  m.erase(std::remove(m.begin(), m.end(), c), m.end());
  c->monitor = false;
}

// Redis's clearClientConnectionState. lib-name/lib-ver are kept (they describe the
// library behind the connection). Every channel, pattern and shard subscription is
// dropped without confirmations, so the RESET reply is the only one.
void Reset(CmdArgs, CommandContext* ctx) {
  ClientState* c = ctx->client();
  ServerContext* server = ctx->server();
  if (c->monitor) LeaveMonitor(server, c);
  server->pubsub.UnsubscribeAll(c);
  server->tracking.Disable(c);
  c->db_index = 0;
  c->resp = 2;
  ctx->rb()->set_protocol(2);
  c->user = "default";
  c->authenticated = ctx->config().requirepass.empty();
  c->in_multi = false;
  c->multi_error = false;
  c->queued.clear();
  c->queued_bytes = 0;
  server->watches->UnwatchAll(c);
  c->name.clear();
  c->reply_mode = ClientState::ReplyMode::kOn;
  c->no_evict = false;
  c->no_touch = false;
  ctx->rb()->SimpleString("RESET");
}

// ---------------------------------------------------------------------------------
// SELECT, SWAPDB

// Redis's getIntFromObjectOrReply: a strict int64 that also fits an int.
bool ParseIntArg(std::string_view s, int* out) {
  int64_t v;
  if (!ParseInt64(s, &v) || v < INT_MIN || v > INT_MAX) return false;
  *out = int(v);
  return true;
}

void Select(CmdArgs args, CommandContext* ctx) {
  int db;
  if (!ParseIntArg(args[1], &db)) return ctx->Error(Err::kNotInteger);
  if (db < 0 || db >= ctx->keyspace().num_dbs()) return ctx->Error(Err::kDbIndexOutOfRange);
  ctx->client()->db_index = db;
  ctx->rb()->Ok();
}

void SwapDb(CmdArgs args, CommandContext* ctx) {
  int a, b;
  if (!ParseIntArg(args[1], &a)) return ctx->Error(Err::kInvalidFirstDb);
  if (!ParseIntArg(args[2], &b)) return ctx->Error(Err::kInvalidSecondDb);
  int n = ctx->keyspace().num_dbs();
  if (a < 0 || a >= n || b < 0 || b >= n) return ctx->Error(Err::kDbIndexOutOfRange);
  if (a != b) {
    ctx->keyspace().SwapDbs(a, b);
    // Every key of both dbs may now read differently: invalidate their WATCHes.
    ctx->server()->watches->TouchDb(a);
    ctx->server()->watches->TouchDb(b);
    // Clients blocked in a and b may now find data (Redis's scanDatabaseForReadyKeys).
    ctx->server()->blocking.SignalDb(a);
    ctx->server()->blocking.SignalDb(b);
    ctx->LogEffect({"SWAPDB", args[1], args[2]});
  }
  ctx->rb()->Ok();
}

constexpr uint64_t kConn = kAclFast | kAclConnection;

}  // namespace

bool ValidClientAttr(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '!' && ch <= '~'; });
}

// Flag notes (the dispatcher reads only the row's flags, not a subcommand's):
//   - QUIT and RESET carry kMultiImmediate so they run at once inside MULTI, as in Redis.
//   - AUTH and HELLO carry kSkipMonitor/kSkipSlowlog: Redis shows them redacted; the
//     dispatcher cannot redact, and a password must never reach MONITOR or SLOWLOG.
void RegisterConnectionFamily(CommandRegistry* r) {
  constexpr uint32_t kHandshake =
      kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy | kSkipMonitor | kSkipSlowlog;
  const CommandSpec specs[] = {
      {"ping", -1, kFast | kSubscribeOk, 0, 0, 0, kConn, Ping, "connection",
       "Returns the server's liveliness response.", "1.0.0"},
      {"echo", 2, kLoading | kStale | kFast, 0, 0, 0, kConn, Echo, "connection",
       "Returns the given string.", "1.0.0"},
      {"quit", -1,
       kAllowBusy | kNoScript | kLoading | kStale | kFast | kNoAuth | kMultiImmediate | kSubscribeOk, 0, 0,
       0, kConn, Quit, "connection", "Closes the connection.", "1.0.0"},
      {"reset", 1,
       kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy | kMultiImmediate | kSubscribeOk, 0, 0,
       0, kConn, Reset, "connection", "Resets the connection.", "6.2.0"},
      {"auth", -2, kHandshake, 0, 0, 0, kConn, Auth, "connection", "Authenticates the connection.",
       "1.0.0"},
      {"hello", -1, kHandshake, 0, 0, 0, kConn, Hello, "connection",
       "Handshakes with the Redis server.", "6.0.0"},
      {"select", 2, kLoading | kStale | kFast, 0, 0, 0, kConn, Select, "connection",
       "Changes the selected database.", "1.0.0"},
      {"swapdb", 3, kWrite | kFast, 0, 0, 0, kAclKeyspace | kAclWrite | kAclFast | kAclDangerous,
       SwapDb, "server", "Swaps two Redis databases.", "4.0.0"},
  };
  r->Add(specs);
  RegisterClientFamily(r);
}

}  // namespace brisk::cmd
