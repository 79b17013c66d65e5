// The loop's service while a Lua script runs past busy-reply-threshold (Redis's
// processEventsWhileBlocked for scripts). uv_run cannot be re-entered from inside the
// script, so the script's instruction hook calls ServerHooks::ServeWhileScriptBusy and
// this file answers what other clients sent, without blocking:
//   - SCRIPT KILL: stops a script that has not written (commands/scripting.h), else
//     -UNKILLABLE;
//   - SHUTDOWN NOSAVE: exits at once (the script's own effects were never handed to the
//     append log: a batch ends only when the command ends);
//   - anything else: Redis's -BUSY text.
// Only idle connections are served (nothing unparsed or unsent, no write in flight:
// Connection::ServeWhileBusy), so replies never overtake earlier ones. Not served until
// the script ends: new connections (the listener is not polled), unix-socket clients, and
// the caller of the script.
#include <strings.h>
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

bool Is(std::string_view a, const char* b) {
  return a.size() == strlen(b) && strncasecmp(a.data(), b, a.size()) == 0;
}

}  // namespace

void Server::ServeWhileScriptBusy() {
  int64_t now = clock::MonotonicUs();
  if (now - busy_served_us_ < kServeIntervalUs) return;
  busy_served_us_ = now;
  cmd::Scripting* scripting = ctx_.scripting.get();
  auto answer = [scripting](cmd::CmdArgs args, resp::ReplyBuilder* rb) {
    if (args.size() == 2 && Is(args[0], "script") && Is(args[1], "kill")) {
      switch (scripting->Kill()) {
        case cmd::Scripting::KillResult::kKilled:
          return rb->Ok();
        case cmd::Scripting::KillResult::kNotBusy:
          return rb->Error(Err::kScriptNotBusy);
        case cmd::Scripting::KillResult::kUnkillable:
          return rb->Error(Err::kScriptUnkillable);
      }
    }
    if (args.size() == 2 && Is(args[0], "shutdown") && Is(args[1], "nosave")) {
      LOG_WARNING("User requested shutdown (NOSAVE) while a script was running: exiting now");
      _exit(0);
    }
    rb->Error(Err::kScriptBusy);
  };
  for (auto& [id, conn] : clients_) conn->ServeWhileBusy(answer);
}

}  // namespace brisk::server
