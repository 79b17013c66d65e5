#include "rest/executor.h"

#include <algorithm>

#include "commands/dispatcher.h"
#include "common/clock.h"
#include "common/errors.h"
#include "rest/json_reply.h"
#include "rest/sse.h"

namespace brisk::rest {

namespace {

constexpr std::string_view kTableChannelPrefix = "__table@0__:";

void ResetClient(cmd::ClientState* c) {
  c->db_index = 0;
  c->resp = 2;
  c->authenticated = true;
  c->name.clear();
  c->lib_name.clear();
  c->lib_ver.clear();
  c->reply_mode = cmd::ClientState::ReplyMode::kOn;
  c->no_evict = false;
  c->no_touch = false;
  c->close_after_reply = false;
}

}  // namespace

LoopExecutor::LoopExecutor(cmd::ServerContext* ctx, EventSink* events)
    : ctx_(ctx), events_(events) {
  ResetClient(&client_);
  client_.addr = "rest";
  client_.laddr = "rest";
}

LoopExecutor::~LoopExecutor() {
  // Invariant 3: leave nothing in the registry pointing at us.
  CloseStreams();
  if (!client_.watched.empty()) ctx_->watches->UnwatchAll(&client_);
}

void LoopExecutor::CloseStreams() {
  for (auto& [conn, s] : streams_) ctx_->pubsub.UnsubscribeAll(&s->client);
  streams_.clear();
  by_client_.clear();
}

uint64_t LoopExecutor::NextId() {
  return next_id_ != nullptr ? next_id_(next_id_arg_) : fallback_id_++;
}

int64_t LoopExecutor::now_ms() const {
  return clock::CachedUnixMs();
}

bool LoopExecutor::paused() const {
  return ctx_->dispatcher->paused(now_ms());
}

void LoopExecutor::BeginJob(std::string_view peer) {
  if (client_.id == 0) {
    client_.id = NextId();
    client_.created_ms = now_ms();
  }
  ResetClient(&client_);
  client_.addr.assign(peer);
  client_.last_interaction_ms = now_ms();
}

void LoopExecutor::EndJob() {
  if (client_.in_multi) {
    scratch_.clear();
    static constexpr std::string_view kDiscard[] = {"DISCARD"};
    Run(cmd::CmdArgs(kDiscard), &scratch_);
  }
  if (!client_.watched.empty()) ctx_->watches->UnwatchAll(&client_);
  ResetClient(&client_);
}

void LoopExecutor::Run(cmd::CmdArgs args, std::string* out) {
  resp::ReplyBuilder rb(out, 2);
  if (args.empty()) {
    rb.Error(ErrorText(Err::kRestBadCommand));
    return;
  }
  cmd::Outcome o = ctx_->dispatcher->Execute(&client_, args, &rb, now_ms());
  if (o == cmd::Outcome::kPaused) rb.Error(ErrorText(Err::kRestPaused));
}

void LoopExecutor::Run(const std::vector<std::string>& argv, std::string* out) {
  argv_.assign(argv.begin(), argv.end());
  Run(cmd::CmdArgs(argv_), out);
}

const engine::Entry* LoopExecutor::Peek(std::string_view key) const {
  return ctx_->keyspace->db(0).Peek(key, now_ms());
}

std::string LoopExecutor::Subscribe(uint64_t conn_id, StreamFormat format, bool pattern,
                                    const std::vector<std::string>& names, std::string_view peer) {
  Unsubscribe(conn_id);  // one subscriber per stream
  auto s = std::make_unique<Stream>();
  s->conn_id = conn_id;
  s->format = format;
  ResetClient(&s->client);
  s->client.id = NextId();
  s->client.addr.assign(peer);
  s->client.laddr = "rest";
  s->client.created_ms = s->client.last_interaction_ms = now_ms();
  std::vector<std::string_view> argv;
  argv.push_back(pattern ? "PSUBSCRIBE" : "SUBSCRIBE");
  for (const std::string& n : names) argv.push_back(n);
  Stream& ref = *s;
  by_client_[&s->client] = &ref;
  streams_[conn_id] = std::move(s);
  std::string out;
  resp::ReplyBuilder rb(&out, 2);
  ctx_->dispatcher->Execute(&ref.client, cmd::CmdArgs(argv), &rb, now_ms());
  return Format(ref, out);
}

void LoopExecutor::Unsubscribe(uint64_t conn_id) {
  auto it = streams_.find(conn_id);
  if (it == streams_.end()) return;
  ctx_->pubsub.UnsubscribeAll(&it->second->client);
  by_client_.erase(&it->second->client);
  streams_.erase(it);
}

LoopExecutor::Stream* LoopExecutor::Find(const cmd::ClientState* client) {
  auto it = by_client_.find(client);
  return it == by_client_.end() ? nullptr : it->second;
}

bool LoopExecutor::Deliver(const cmd::ClientState* client, std::string_view resp) {
  Stream* s = Find(client);
  if (s == nullptr) return false;
  std::string text = Format(*s, resp);
  if (!text.empty()) events_->PostEvent(s->conn_id, std::move(text));
  return true;
}

bool LoopExecutor::Kill(const cmd::ClientState* client) {
  Stream* s = Find(client);
  if (s == nullptr) return false;
  uint64_t conn = s->conn_id;
  Unsubscribe(conn);
  events_->PostStreamEnd(conn);
  return true;
}

// The bytes are pub/sub frames as the server encodes them for a RESP2 client (arrays of
// bulk strings; confirmations end with an integer count), possibly several in a row.
std::string LoopExecutor::Format(const Stream& s, std::string_view resp) const {
  std::string text;
  char sep = ctx_->config->table_separator.empty() ? ':' : ctx_->config->table_separator[0];
  std::vector<std::string_view> elems;
  std::vector<std::string> fields;
  std::vector<std::string_view> frame_args;
  size_t pos = 0;
  while (pos < resp.size()) {
    size_t end = SkipReply(resp, pos);
    if (end == 0) break;
    std::string_view frame = resp.substr(pos, end - pos);
    pos = end;
    elems.clear();
    if (!ReplyArrayElements(frame, &elems) || elems.size() < 3) continue;
    fields.clear();
    for (std::string_view e : elems) {
      std::string_view str;
      long long n;
      if (ReplyString(e, &str)) {
        fields.emplace_back(str);
      } else if (ReplyInteger(e, &n)) {
        fields.push_back(std::to_string(n));
      } else {
        fields.emplace_back();
      }
    }
    frame_args.assign(fields.begin(), fields.end());
    std::string_view verb = frame_args[0];
    if (s.format == StreamFormat::kUpstash) {
      AppendUpstashEvent(cmd::CmdArgs(frame_args), &text);
    } else if (verb == "message") {
      std::string_view channel = frame_args[1];
      std::string_view table = channel.substr(std::min(channel.size(), kTableChannelPrefix.size()));
      AppendTableEvent(frame_args[2], table, sep, &text);
    } else if (verb == "subscribe") {
      AppendSseComment("subscribed", &text);
    }
  }
  return text;
}

}  // namespace brisk::rest
