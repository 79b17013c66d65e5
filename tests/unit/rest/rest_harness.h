// The REST adapter in-process, without threads or sockets: raw HTTP bytes go through
// RequestParser and Api, and every LoopJob runs at once on this thread through a real
// dispatcher (tests/unit/commands/harness.h), so a test sees exactly what a client would
// receive. Also used by the fuzz target (tests/fuzz/rest_request_fuzz.cc).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "../commands/harness.h"
#include "rest/api.h"
#include "rest/auth.h"
#include "rest/executor.h"
#include "rest/http.h"
#include "rest/jobs.h"
#include "rest/metrics.h"

namespace brisk::test {

class RestHarness final : public rest::JobQueue,
                          public rest::EventSink,
                          public rest::Responder,
                          public rest::RequestSink {
 public:
  // tokens: http-token lines; none = the open loopback mode.
  explicit RestHarness(std::vector<std::string> tokens = {}, rest::HttpLimits limits = {})
      : hooks_(this), exec_(&h_.server(), this), limits_(limits) {
    h_.server().hooks = &hooks_;
    std::string error;
    auth_.Configure(tokens, true, &error);
    rest::ApiEnv env;
    env.keyspace = &h_.keyspace();
    env.commands = h_.server().commands;
    env.auth = &auth_;
    env.jobs = this;
    env.metrics = &metrics_;
    env.read_gate = &gate_;
    env.separator = ':';
    api_ = std::make_unique<rest::Api>(env);
  }

  struct Response {
    int status = 0;
    std::string body, etag, content_type;
    bool stream = false;
  };

  // One request; the response (empty status if none came).
  Response Call(rest::Method method, std::string url, std::string body = {}, std::string token = {},
                std::vector<std::pair<std::string, std::string>> headers = {}) {
    rest::HttpRequest req;
    req.method = method;
    req.url = std::move(url);
    req.body = std::move(body);
    if (!token.empty()) req.authorization = "Bearer " + token;
    for (auto& [k, v] : headers) {
      if (k == "If-Match") req.if_match = v;
      if (k == "If-None-Match") req.if_none_match = v;
      if (k == "Content-Type") req.content_type = v;
      if (k == "Upstash-Encoding") req.encoding = v;
    }
    Handle(req);
    return last_;
  }

  // Raw bytes through a new connection's parser; every response, in order (a parse
  // error included).
  std::vector<Response> Raw(std::string_view bytes) {
    std::vector<Response> out;
    raw_out_ = &out;
    rest::RequestParser parser(limits_, this);  // a new connection
    size_t consumed = 0;
    rest::RequestParser::Result r = parser.Feed(bytes, &consumed);
    while (r == rest::RequestParser::Result::kPaused) {
      parser.Resume();
      bytes.remove_prefix(consumed);
      r = parser.Feed(bytes, &consumed);
    }
    if (r == rest::RequestParser::Result::kError) {
      Response e;
      e.status = parser.error_status();
      e.body = ErrorText(parser.error());
      out.push_back(e);
    }
    raw_out_ = nullptr;
    return out;
  }

  // Stream text received by connection `conn` (event streams).
  std::string& stream(uint64_t conn) { return streams_[conn]; }
  bool stream_ended(uint64_t conn) const { return ended_.count(conn) != 0; }
  // The next request's connection id (event streams are per connection).
  void set_conn(uint64_t conn) { conn_ = conn; }
  // Serves reads as if an earlier request of the connection were waiting for the loop.
  void set_lockfree(bool on) { lockfree_ = on; }
  // The read gate as the bridge would publish it (loop_bridge.h invariant 4).
  void set_read_gate(uint64_t gate) { gate_ = gate; }

  Harness& h() { return h_; }
  rest::LoopExecutor& exec() { return exec_; }
  rest::Metrics& metrics() { return metrics_; }
  std::string Resp(std::initializer_list<std::string_view> args) { return h_.Run(args); }

  // rest::JobQueue: runs the job now, as the bridge would on the loop.
  void Submit(std::unique_ptr<rest::LoopJob> job) override {
    exec_.BeginJob(job->peer);
    job->Run(exec_);
    exec_.EndJob();
    job->Finish(*this);
  }
  // rest::EventSink
  void PostEvent(uint64_t conn, std::string text) override { streams_[conn] += text; }
  void PostStreamEnd(uint64_t conn) override { ended_[conn] = true; }
  // rest::Responder
  void Deliver(const rest::ReplyToken&, rest::HttpResponse&& r) override {
    last_.status = r.status;
    last_.body = r.body;
    last_.etag = r.etag;
    last_.content_type = std::string(r.content_type);
    last_.stream = r.stream;
  }
  void StreamEvent(uint64_t conn, std::string_view text) override { streams_[conn] += text; }
  void StreamEnd(uint64_t conn) override { ended_[conn] = true; }

 private:
  // Pub/sub and CLIENT KILL reach the executor's subscribers as the server routes them.
  class Hooks final : public FakeHooks {
   public:
    explicit Hooks(RestHarness* owner) : owner_(owner) {}
    void SendTo(cmd::ClientState* c, std::string_view bytes) override {
      if (!owner_->exec_.Deliver(c, bytes)) FakeHooks::SendTo(c, bytes);
    }
    void KillClient(cmd::ClientState* c) override {
      if (!owner_->exec_.Kill(c)) FakeHooks::KillClient(c);
    }

   private:
    RestHarness* owner_;
  };

  void Handle(const rest::HttpRequest& req) {
    last_ = Response();
    rest::HttpResponse resp;
    rest::Route route;
    rest::RequestInfo info{{conn_, ++seq_}, "127.0.0.1:1234", lockfree_};
    if (api_->Handle(req, info, &resp, &route) == rest::Outcome::kDone) {
      Deliver(info.token, std::move(resp));
    }
  }

  bool OnRequest(rest::HttpRequest& req) override {
    Handle(req);
    if (raw_out_ != nullptr) raw_out_->push_back(last_);
    return true;
  }

  Harness h_;
  Hooks hooks_;
  rest::LoopExecutor exec_;
  rest::Authorizer auth_;
  rest::Metrics metrics_;
  std::unique_ptr<rest::Api> api_;
  rest::HttpLimits limits_;
  Response last_;
  std::vector<Response>* raw_out_ = nullptr;
  std::map<uint64_t, std::string> streams_;
  std::map<uint64_t, bool> ended_;
  uint64_t conn_ = 1;
  uint64_t seq_ = 0;
  bool lockfree_ = true;
  std::atomic<uint64_t> gate_{UINT64_MAX};
};

}  // namespace brisk::test
