#include "rest/upstash.h"

#include <strings.h>

#include <nlohmann/json.hpp>

#include "common/ascii.h"
#include "common/clock.h"
#include "common/errors.h"
#include "common/glob.h"
#include "rest/executor.h"
#include "rest/json.h"
#include "rest/json_reply.h"
#include "rest/metrics.h"

namespace brisk::rest {

namespace {

using Json = nlohmann::json;

bool ArgOf(const Json& v, std::string* out) {
  switch (v.type()) {
    case Json::value_t::string:
      *out = v.get_ref<const std::string&>();
      return true;
    case Json::value_t::number_integer:
      *out = std::to_string(v.get<int64_t>());
      return true;
    case Json::value_t::number_unsigned:
      *out = std::to_string(v.get<uint64_t>());
      return true;
    case Json::value_t::number_float:
      *out = v.dump();
      return true;
    default:
      return false;
  }
}

bool CommandOf(const Json& v, std::vector<std::string>* argv) {
  if (!v.is_array() || v.empty()) return false;
  argv->resize(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    if (!ArgOf(v[i], &(*argv)[i])) return false;
  }
  return true;
}

// Runs a request's commands on the loop; turns the replies into the Upstash JSON.
class CommandsJob final : public LoopJob {
 public:
  CommandsJob(UpstashApi::Mode mode, std::vector<std::vector<std::string>>&& commands, bool base64)
      : mode_(mode), base64_(base64), commands_(std::move(commands)) {}

  void Run(LoopExecutor& loop) override {
    if (mode_ == UpstashApi::Mode::kMulti) {
      std::string ignored;
      static const std::vector<std::string> kMulti = {"MULTI"}, kExec = {"EXEC"};
      loop.Run(kMulti, &ignored);
      for (const auto& argv : commands_) {
        ignored.clear();
        loop.Run(argv, &ignored);
      }
      replies_.resize(1);
      loop.Run(kExec, &replies_[0]);
      return;
    }
    replies_.resize(commands_.size());
    for (size_t i = 0; i < commands_.size(); ++i) loop.Run(commands_[i], &replies_[i]);
  }

  void Finish(Responder& responder) override {
    HttpResponse resp;
    switch (mode_) {
      case UpstashApi::Mode::kSingle:
        if (!AppendResultObject(replies_[0], base64_, &resp.body)) resp.status = 400;
        break;
      case UpstashApi::Mode::kPipeline:
        AppendArray(replies_, &resp.body);
        break;
      case UpstashApi::Mode::kMulti: {
        std::vector<std::string_view> elems;
        if (ReplyArrayElements(replies_[0], &elems)) {
          AppendArray(elems, &resp.body);
        } else if (!AppendResultObject(replies_[0], base64_, &resp.body)) {
          resp.status = 400;  // EXECABORT
        }
        break;
      }
    }
    responder.Deliver(token, std::move(resp));
  }

 private:
  template <typename List>
  void AppendArray(const List& replies, std::string* out) const {
    out->push_back('[');
    bool first = true;
    for (std::string_view r : replies) {
      if (!first) out->push_back(',');
      first = false;
      AppendResultObject(r, base64_, out);
    }
    out->push_back(']');
  }

  UpstashApi::Mode mode_;
  bool base64_;
  std::vector<std::vector<std::string>> commands_;
  std::vector<std::string> replies_;
};

class SubscribeJob final : public LoopJob {
 public:
  SubscribeJob(bool pattern, std::vector<std::string> names)
      : pattern_(pattern), names_(std::move(names)) {}
  void Run(LoopExecutor& loop) override {
    first_events_ = loop.Subscribe(token.conn_id, StreamFormat::kUpstash, pattern_, names_, peer);
  }
  void Finish(Responder& responder) override {
    HttpResponse head;
    head.content_type = "text/event-stream";
    head.stream = true;
    head.body = std::move(first_events_);
    responder.Deliver(token, std::move(head));
  }
  bool holds_for_log() const override { return false; }

 private:
  bool pattern_;
  std::vector<std::string> names_;
  std::string first_events_;
};

std::string_view TableOf(std::string_view key, char sep) {
  size_t pos = key.find(sep);
  return pos == std::string_view::npos ? std::string_view() : key.substr(0, pos);
}

}  // namespace

bool ParseCommands(std::string_view body, bool many, std::vector<std::vector<std::string>>* out,
                   std::string* error) {
  Json j = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    *error = ErrorText(Err::kRestBadJson);
    return false;
  }
  *error = ErrorText(Err::kRestBadCommand);
  if (!many) {
    out->resize(1);
    return CommandOf(j, &(*out)[0]);
  }
  if (!j.is_array() || j.empty()) return false;
  out->resize(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    if (!CommandOf(j[i], &(*out)[i])) return false;
  }
  return true;
}

Outcome UpstashApi::HandleBody(Mode mode, const HttpRequest& req, const Principal& who,
                               const RequestInfo& info, HttpResponse* resp) {
  std::vector<std::vector<std::string>> commands;
  std::string error;
  if (!ParseCommands(req.body, mode != Mode::kSingle, &commands, &error)) {
    *resp = ErrorResponse(400, error);
    return Outcome::kDone;
  }
  return Submit(mode, std::move(commands), EqualsNoCase(req.encoding, "base64"), who, info, resp);
}

Outcome UpstashApi::HandlePath(const std::vector<std::string>& segments, const HttpRequest& req,
                               const Principal& who, const RequestInfo& info, HttpResponse* resp) {
  std::vector<std::vector<std::string>> commands(1);
  commands[0] = segments;
  if (req.method == Method::kPost && !req.body.empty()) commands[0].push_back(req.body);
  return Submit(Mode::kSingle, std::move(commands), EqualsNoCase(req.encoding, "base64"), who, info,
                resp);
}

Outcome UpstashApi::Submit(Mode mode, std::vector<std::vector<std::string>>&& commands, bool base64,
                           const Principal& who, const RequestInfo& info, HttpResponse* resp) {
  for (const auto& argv : commands) {
    std::vector<std::string_view> view(argv.begin(), argv.end());
    CheckResult check =
        env_.auth->CheckCommand(who, *env_.commands, cmd::CmdArgs(view), env_.separator);
    if (check.verdict != Verdict::kAllowed) {
      *resp = ForbiddenOrUnavailable(check);
      return Outcome::kDone;
    }
  }
  if (mode == Mode::kSingle && info.lockfree && TryFastRead(commands[0], base64, resp)) {
    if (env_.metrics != nullptr) env_.metrics->CountFastRead();
    return Outcome::kDone;
  }
  auto job = std::make_unique<CommandsJob>(mode, std::move(commands), base64);
  job->token = info.token;
  job->peer.assign(info.peer);
  env_.jobs->Submit(std::move(job));
  return Outcome::kPending;
}

bool UpstashApi::TryFastRead(const std::vector<std::string>& argv, bool base64,
                             HttpResponse* resp) {
  uint64_t gate = ReadGate(env_);
  if (argv.size() != 2 || !EqualsNoCase(argv[0], "get") || gate == kReadsViaLoop) return false;
  ReadScope scope(env_.reader);
  engine::ReadSection section;
  const engine::Entry* e = env_.keyspace->db(0).ReadFind(argv[1], clock::UnixMs());
  if (e != nullptr && e->lsn() > gate) return false;  // api.h ReadCtx
  resp->status = 200;
  resp->body.assign("{\"result\":");
  if (e == nullptr) {
    resp->body.append("null}");
    return true;
  }
  if (e->type() != engine::ObjType::kString) {
    *resp = ErrorResponse(400, ErrorText(Err::kWrongType));
    return true;
  }
  char scratch[32];
  std::string_view value = e->StringValue(scratch);
  if (base64) {
    AppendJsonBase64(value, &resp->body);
  } else {
    AppendJsonString(value, &resp->body);
  }
  resp->body.push_back('}');
  return true;
}

Outcome UpstashApi::HandleSubscribe(bool pattern, const std::vector<std::string>& names,
                                    const Principal& who, const RequestInfo& info,
                                    HttpResponse* resp) {
  if (names.empty()) {
    *resp =
        ErrorResponse(400, FormatError(Err::kWrongArity, {pattern ? "psubscribe" : "subscribe"}));
    return Outcome::kDone;
  }
  for (const std::string& name : names) {
    CheckResult check;
    if (!pattern) {
      check = env_.auth->CheckTable(who, Level::kRead, TableOf(name, env_.separator));
    } else {
      // A pattern confined to one table (its literal prefix holds the separator) needs
      // read on that table; any other pattern can match every table.
      bool exact;
      std::string_view literal = GlobLiteralPrefix(name, &exact);
      size_t sep = literal.find(env_.separator);
      check = sep != std::string_view::npos
                  ? env_.auth->CheckTable(who, Level::kRead, literal.substr(0, sep))
                  : env_.auth->CheckEveryTable(who, Level::kRead);
    }
    if (check.verdict != Verdict::kAllowed) {
      *resp = ForbiddenOrUnavailable(check);
      return Outcome::kDone;
    }
  }
  auto job = std::make_unique<SubscribeJob>(pattern, names);
  job->token = info.token;
  job->peer.assign(info.peer);
  env_.jobs->Submit(std::move(job));
  return Outcome::kPending;
}

}  // namespace brisk::rest
