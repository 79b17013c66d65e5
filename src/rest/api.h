// Api: one HTTP request in, one response out (now, later through the loop, or as an
// event stream). Routes to the two faces and the service endpoints:
//
//   GET  /health                      no auth; {"status":"ok"}
//   GET  /metrics                     Prometheus text (metrics.h)
//   POST / | /pipeline | /multi-exec  Upstash command arrays         (upstash.h)
//   GET|POST /<command>/<arg>/...     Upstash path style              (upstash.h)
//   GET|POST /subscribe/<ch>, /psubscribe/<pattern>   event streams   (upstash.h)
//   /v1/tables...                     tables and items                (tables_api.h)
//
// Every route but /health authenticates first (auth.h): 401 without a valid token.
//
// Thread safety: adapter thread only (or the thread of a test / the fuzzer). Reads of
// the engine happen inside a ReadScope (below); everything else is a LoopJob.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "commands/command.h"
#include "engine/keyspace.h"
#include "engine/rcu.h"
#include "rest/auth.h"
#include "rest/http.h"
#include "rest/jobs.h"
#include "rest/metrics.h"

namespace brisk::rest {

struct ApiEnv {
  const engine::Keyspace* keyspace = nullptr;
  const cmd::CommandRegistry* commands = nullptr;
  const Authorizer* auth = nullptr;
  JobQueue* jobs = nullptr;
  Metrics* metrics = nullptr;              // may be null (tests)
  engine::ReaderThread* reader = nullptr;  // null: reads run on the writer thread (tests)
  // The read gate the loop publishes (loop_bridge.h invariant 4). Null: no gate (tests).
  const std::atomic<uint64_t>* read_gate = nullptr;
  char separator = ':';
};

// An engine read on the adapter thread: the thread is an RCU reader that stays offline
// while idle (so an idle adapter never delays memory reclamation, rcu.h) and goes online
// only for the duration of a read. Inside, open an engine::ReadSection (or use the
// engine's Read* calls, which open their own).
class ReadScope {
 public:
  explicit ReadScope(engine::ReaderThread* reader) : reader_(reader) {
    if (reader_ != nullptr) reader_->Online();
  }
  ~ReadScope() {
    if (reader_ != nullptr) reader_->Offline();
  }
  ReadScope(const ReadScope&) = delete;
  ReadScope& operator=(const ReadScope&) = delete;

 private:
  engine::ReaderThread* reader_;
};

enum class Outcome : uint8_t {
  kDone,    // *response is the answer
  kPending  // a job was submitted; its Finish() delivers the answer for info.token (an
            // event stream's head has HttpResponse::stream set; its events follow)
};

struct RequestInfo {
  ReplyToken token;
  std::string_view peer;  // "ip:port"
  // False while an earlier request of the same connection waits for the loop: a read
  // must then run on the loop too, after it (read-your-writes on a pipelined
  // connection), instead of lock-free now.
  bool lockfree = true;
};

// Where a read runs: `reader` is the adapter's RCU reader (to be put online with a
// ReadScope), or null on the loop thread. `released` gates lock-free reads by the rule
// RESP replies follow (server/persistence.h: never show a write before the append log
// has it): an entry whose last-change LSN is above it (known while the engine tracks
// LSNs) is too new, and the read returns false to be redone on the loop, whose reply
// waits for the log like any other. UINT64_MAX: no gate.
struct ReadCtx {
  engine::ReaderThread* reader = nullptr;
  uint64_t released = UINT64_MAX;
  bool Durable(const engine::Entry& e) const { return e.lsn() <= released; }
};
// Fills *resp; false if it met an entry newer than ctx.released (nothing is kept).
using ReadFn = std::function<bool(const ReadCtx& ctx, HttpResponse* resp)>;
// Runs `read` now, lock-free on the adapter thread, when info.lockfree and the read gate
// allow it (and counts it); otherwise as a job on the loop, answered like any other.
Outcome RunRead(const ApiEnv& env, const RequestInfo& info, HttpResponse* resp, ReadFn read);
// The read gate now (loop_bridge.h invariant 4): kReadsViaLoop, or the released LSN
// (UINT64_MAX without an append log or a gate).
inline constexpr uint64_t kReadsViaLoop = 0;
uint64_t ReadGate(const ApiEnv& env);

// The decoded path segments of a request ("/v1/tables/users" -> v1, tables, users);
// false if a segment has a bad %-escape.
bool SplitPath(std::string_view path, std::vector<std::string>* segments);

class Api {
 public:
  explicit Api(ApiEnv env) : env_(env) {}

  // *route classifies the request (metrics; kSubscribe / kEvents may start a stream).
  Outcome Handle(const HttpRequest& req, const RequestInfo& info, HttpResponse* resp, Route* route);

  const ApiEnv& env() const { return env_; }

 private:
  ApiEnv env_;
  std::vector<std::string> segments_;  // reused
};

// Helpers shared by the faces.
HttpResponse ForbiddenOrUnavailable(const CheckResult& check);
// Seconds left before a deadline, rounded as Redis's TTL does (-1: no deadline).
int64_t TtlSeconds(int64_t expire_at_ms, int64_t now_ms);

}  // namespace brisk::rest
