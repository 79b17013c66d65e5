// The loop's service while a Lua script runs past busy-reply-threshold (Redis's
// processEventsWhileBlocked for scripts). uv_run cannot be re-entered from inside the
// script, so the script's instruction hook calls ServerHooks::ServeWhileScriptBusy and
// this file, at most once per kServeIntervalUs, without blocking:
//   1. accepts the connections pending on every listener (TCP and unix socket) with a
//      non-blocking accept4(), opens them into their libuv handle and admits them as
//      Server::Accept does (maxclients, protected mode); once the script ends libuv
//      polls them like any other;
//   2. answers what every idle connection sent (Connection::ServeWhileBusy), as Redis's
//      processCommand does while a script is busy, in its order:
//        unknown command / subcommand, wrong arity, NOAUTH, a RESP2 subscriber's
//          non-pub/sub command: the normal errors;
//        commands not flagged allow_busy: -BUSY (EXEC: -EXECABORT ... BUSY ..., which
//          ends the transaction; inside MULTI the rejection also dooms the EXEC);
//        SCRIPT KILL: stops a script that has not written (commands/scripting.h), else
//          -UNKILLABLE;
//        SHUTDOWN NOSAVE: exits at once (the script's own effects were never handed to
//          the append log: a batch ends only when the command ends); any other SHUTDOWN
//          form: -BUSY, as Redis's shutdownCommand while a script is timed out;
//        the other allow_busy commands (AUTH HELLO QUIT RESET MULTI DISCARD WATCH
//          UNWATCH): their handler through Dispatcher::Call, which touches only the
//          client's own state (and the watch table); inside MULTI they are queued.
//      The command path proper (Dispatcher::Execute: eviction, append-log batch end,
//      serving blocked clients) never runs: the script is in the middle of a command.
// Only idle connections are served (nothing unparsed or unsent, no write in flight), so
// replies never overtake earlier ones. Not served until the script ends: the caller of
// the script, and clients with earlier replies held back by the append log.
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "commands/scripting.h"
#include "common/clock.h"
#include "common/errors.h"
#include "common/log.h"
#include "server/connection.h"
#include "server/server.h"

namespace brisk::server {
namespace {

constexpr int64_t kServeIntervalUs = 1000;  // at most one round of recv()s per ms
constexpr int kAcceptsPerRound = 16;        // per listener, as Redis's MAX_ACCEPTS_PER_CALL

bool Is(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool ArityOk(int arity, size_t argc) {
  return arity > 0 ? argc == size_t(arity) : argc >= size_t(-arity);
}

}  // namespace

void Server::ServeWhileScriptBusy() {
  int64_t now = clock::MonotonicUs();
  if (now - busy_served_us_ < kServeIntervalUs) return;
  busy_served_us_ = now;
  if (!shutting_down_) AcceptWhileBusy();
  auto answer = [this](cmd::ClientState* client, cmd::CmdArgs args, resp::ReplyBuilder* rb) {
    AnswerWhileBusy(client, args, rb);
  };
  // No answer closes a connection synchronously (QUIT closes after its flush), so
  // clients_ does not change while it is walked.
  for (auto& [id, conn] : clients_) conn->ServeWhileBusy(answer);
}

void Server::AcceptWhileBusy() {
  for (uv_handle_t* listener : listeners_) {
    uv_os_fd_t lfd;
    if (uv_fileno(listener, &lfd) != 0) continue;
    bool is_unix = listener->type == UV_NAMED_PIPE;
    for (int i = 0; i < kAcceptsPerRound; ++i) {
      int fd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) break;  // EAGAIN: none pending (errors are seen by libuv afterwards)
      auto* conn = new Connection(this, next_client_id_++, is_unix);
      int rc = is_unix ? uv_pipe_open(reinterpret_cast<uv_pipe_t*>(conn->handle()), fd)
                       : uv_tcp_open(reinterpret_cast<uv_tcp_t*>(conn->handle()), fd);
      if (rc != 0) {
        LOG_WARNING("Accepting client connection: %s", uv_strerror(rc));
        ::close(fd);
        conn->Close();
        continue;
      }
      Admit(conn, is_unix);
    }
  }
}

void Server::AnswerWhileBusy(cmd::ClientState* client, cmd::CmdArgs args, resp::ReplyBuilder* rb) {
  auto reject = [&](std::string_view text) {
    if (client->in_multi) client->multi_error = true;  // Redis's flagTransaction
    ++ctx_.stats.total_error_replies;
    rb->Error(text);
  };
  const cmd::CommandSpec* spec = commands_.Find(args[0]);
  if (spec == nullptr) return reject(cmd::UnknownCommandText(args));
  if (!ArityOk(spec->arity, args.size())) {
    ++spec->stats.rejected_calls;
    return reject(FormatError(Err::kWrongArity, {spec->name}));
  }
  std::string_view name = spec->name;
  uint32_t flags = spec->flags;
  if (!spec->subcommands.empty()) {  // a container: its arity guarantees args[1]
    const cmd::SubcommandDoc* sub = spec->FindSubcommand(args[1]);
    if (sub == nullptr) {
      std::string upper(args[0]);
      for (char& c : upper) c = char(toupper(static_cast<unsigned char>(c)));
      return reject(FormatError(Err::kUnknownSubcommand, {args[1].substr(0, 128), upper}));
    }
    if (!ArityOk(sub->arity, args.size())) {
      ++spec->stats.rejected_calls;
      return reject(FormatError(Err::kWrongArity, {sub->name}));
    }
    name = sub->name;
    flags = sub->flags;
  }
  if (!client->authenticated && !(spec->flags & cmd::kNoAuth)) {
    ++spec->stats.rejected_calls;
    return reject(ErrorText(Err::kNoAuth));
  }
  if (client->subscriptions > 0 && client->resp == 2 && !(spec->flags & cmd::kSubscribeOk)) {
    ++spec->stats.rejected_calls;
    return reject(FormatError(Err::kSubscribeContext, {name}));
  }
  bool nosave = name == "shutdown" && args.size() == 2 && Is(args[1], "nosave");
  if (!(flags & cmd::kAllowBusy) || (name == "shutdown" && !nosave)) {
    ++spec->stats.rejected_calls;
    if (name != "exec") return reject(ErrorText(Err::kScriptBusy));
    // Redis's execCommandAbort: the transaction (if any) ends here.
    client->in_multi = client->multi_error = false;
    client->queued.clear();
    client->queued_bytes = 0;
    watches_.UnwatchAll(client);
    ++ctx_.stats.total_error_replies;
    return rb->Error(Err::kExecAbortBusy);
  }
  if (client->in_multi && !(spec->flags & cmd::kMultiImmediate)) {
    // As Dispatcher::Execute: allowed while busy, so queued like any command.
    std::vector<std::string> copy(args.begin(), args.end());
    for (const auto& a : copy) client->queued_bytes += a.size();
    client->queued.push_back(std::move(copy));
    return rb->SimpleString("QUEUED");
  }
  if (name == "script|kill") {
    switch (ctx_.scripting->Kill()) {
      case cmd::Scripting::KillResult::kKilled:
        return rb->Ok();
      case cmd::Scripting::KillResult::kNotBusy:
        return rb->Error(Err::kScriptNotBusy);
      case cmd::Scripting::KillResult::kUnkillable:
        return rb->Error(Err::kScriptUnkillable);
    }
    return;
  }
  if (nosave) {
    LOG_WARNING("User requested shutdown (NOSAVE) while a script was running: exiting now");
    _exit(0);
  }
  dispatcher_.Call(*spec, client, args, rb, clock::CachedUnixMs());
}

}  // namespace brisk::server
