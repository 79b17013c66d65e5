#include "rest/api.h"

#include "common/errors.h"
#include "rest/executor.h"
#include "rest/tables_api.h"
#include "rest/upstash.h"

namespace brisk::rest {

namespace {

// GET /metrics: the loop's snapshot taken on the loop, rendered with the adapter's own
// counters on the adapter thread.
class MetricsJob final : public LoopJob {
 public:
  explicit MetricsJob(Metrics* metrics) : metrics_(metrics) {}
  void Run(LoopExecutor& loop) override { snapshot_.Take(loop.server(), loop.now_ms()); }
  void Finish(Responder& responder) override {
    HttpResponse resp;
    resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
    if (metrics_ != nullptr) metrics_->Render(&resp.body);
    snapshot_.Render(&resp.body);
    responder.Deliver(token, std::move(resp));
  }
  bool holds_for_log() const override { return false; }

 private:
  Metrics* metrics_;
  LoopSnapshot snapshot_;
};

// A read that must wait behind the connection's earlier requests: the same read, run on
// the loop (the writer thread may use the reader API; its ReadSection is a no-op).
class ReadJob final : public LoopJob {
 public:
  explicit ReadJob(ReadFn read) : read_(std::move(read)) {}
  void Run(LoopExecutor&) override { read_(ReadCtx{}, &resp_); }
  void Finish(Responder& responder) override { responder.Deliver(token, std::move(resp_)); }

 private:
  ReadFn read_;
  HttpResponse resp_;
};

}  // namespace

uint64_t ReadGate(const ApiEnv& env) {
  return env.read_gate == nullptr ? UINT64_MAX : env.read_gate->load(std::memory_order_acquire);
}

Outcome RunRead(const ApiEnv& env, const RequestInfo& info, HttpResponse* resp, ReadFn read) {
  uint64_t gate = ReadGate(env);
  if (info.lockfree && gate != kReadsViaLoop) {
    if (read(ReadCtx{env.reader, gate}, resp)) {
      if (env.metrics != nullptr) env.metrics->CountFastRead();
      return Outcome::kDone;
    }
    *resp = HttpResponse();
  }
  auto job = std::make_unique<ReadJob>(std::move(read));
  job->token = info.token;
  env.jobs->Submit(std::move(job));
  return Outcome::kPending;
}

bool SplitPath(std::string_view path, std::vector<std::string>* segments) {
  segments->clear();
  if (!path.empty() && path[0] == '/') path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return true;
  while (true) {
    size_t slash = path.find('/');
    segments->emplace_back();
    if (!PercentDecode(path.substr(0, slash), false, &segments->back())) return false;
    if (slash == std::string_view::npos) return true;
    path.remove_prefix(slash + 1);
  }
}

HttpResponse ForbiddenOrUnavailable(const CheckResult& check) {
  return ErrorResponse(check.status(), check.error);
}

int64_t TtlSeconds(int64_t expire_at_ms, int64_t now_ms) {
  if (expire_at_ms == 0) return -1;
  int64_t left = expire_at_ms - now_ms;
  return left <= 0 ? 0 : (left + 500) / 1000;
}

Outcome Api::Handle(const HttpRequest& req, const RequestInfo& info, HttpResponse* resp,
                    Route* route) {
  *route = Route::kOther;
  Method m = req.method;
  if (!SplitPath(req.path(), &segments_)) {
    *resp = ErrorResponse(400, ErrorText(Err::kRestBadRequest));
    return Outcome::kDone;
  }
  auto bad_method = [&] {
    *resp =
        ErrorResponse(405, FormatError(Err::kRestMethodNotAllowed, {MethodName(m), req.path()}));
    return Outcome::kDone;
  };
  const std::string first = segments_.empty() ? std::string() : segments_[0];
  if (segments_.size() == 1 && first == "health") {
    *route = Route::kHealth;
    if (m != Method::kGet && m != Method::kHead) return bad_method();
    resp->body = "{\"status\":\"ok\"}";
    return Outcome::kDone;
  }

  std::string query_token;
  req.QueryParam("_token", &query_token);
  const Principal* who = env_.auth->Authenticate(req.authorization, query_token);
  if (who == nullptr) {
    *resp = ErrorResponse(401, ErrorText(Err::kRestUnauthorized));
    return Outcome::kDone;
  }

  if (first == "v1") {
    return TablesApi(env_).Handle(segments_, req, *who, info, resp, route);
  }
  if (segments_.size() == 1 && first == "metrics") {
    *route = Route::kMetrics;
    if (m != Method::kGet) return bad_method();
    CheckResult check = env_.auth->CheckEveryTable(*who, Level::kRead);
    if (check.verdict != Verdict::kAllowed) {
      *resp = ForbiddenOrUnavailable(check);
      return Outcome::kDone;
    }
    auto job = std::make_unique<MetricsJob>(env_.metrics);
    job->token = info.token;
    env_.jobs->Submit(std::move(job));
    return Outcome::kPending;
  }

  UpstashApi upstash(env_);
  Outcome out;
  if (segments_.empty() ||
      (segments_.size() == 1 && (first == "pipeline" || first == "multi-exec"))) {
    *route = segments_.empty()     ? Route::kCommand
             : first == "pipeline" ? Route::kPipeline
                                   : Route::kMultiExec;
    if (m != Method::kPost) return bad_method();
    UpstashApi::Mode mode = segments_.empty()     ? UpstashApi::Mode::kSingle
                            : first == "pipeline" ? UpstashApi::Mode::kPipeline
                                                  : UpstashApi::Mode::kMulti;
    out = upstash.HandleBody(mode, req, *who, info, resp);
  } else if (first == "subscribe" || first == "psubscribe") {
    *route = Route::kSubscribe;
    if (m != Method::kGet && m != Method::kPost) return bad_method();
    std::vector<std::string> names(segments_.begin() + 1, segments_.end());
    out = upstash.HandleSubscribe(first == "psubscribe", names, *who, info, resp);
  } else {
    *route = Route::kPath;
    if (m != Method::kGet && m != Method::kPost) return bad_method();
    out = upstash.HandlePath(segments_, req, *who, info, resp);
  }
  return out;
}

}  // namespace brisk::rest
