#include "server/connection.h"

#include <sys/socket.h>

#include <algorithm>

#include "common/clock.h"
#include "common/log.h"
#include "server/server.h"
#include "server/turn_trace.h"

namespace brisk::server {

namespace {
// Stop reading from a client whose unsent replies exceed this; resume when drained.
// Keeps a pipelining client that never reads from growing our memory without bound.
constexpr size_t kOutputHighWater = 64 * 1024 * 1024;
constexpr size_t kMinReadSpace = 16 * 1024;
constexpr size_t kReadBytesPerTurn = 16 * 1024;  // invariant 6
// Invariant 6: a turn's command time per connection, and how often it is checked (a
// vDSO clock read, ~20 ns; a SET into a 10M-key table costs up to ~25 us).
constexpr int64_t kWorkUsPerTurn = 250;
constexpr unsigned kClockEvery = 4;
}  // namespace

Connection::Connection(Server* server, uint64_t id, bool is_unix)
    : server_(server), parser_(server->parser_limits()), rb_(&out_) {
  if (is_unix) {
    uv_pipe_init(server_->loop(), &handle_.pipe, 0);
  } else {
    uv_tcp_init(server_->loop(), &handle_.tcp);
  }
  handle_.tcp.data = this;
  client_.id = id;
  client_.is_unix = is_unix;
  client_.created_ms = clock::CachedUnixMs();
  client_.last_interaction_ms = client_.created_ms;
  client_.authenticated = server_->context().config->requirepass.empty();
}

Connection::~Connection() = default;

void Connection::Start() {
  if (uv_read_start(handle(), OnAlloc, OnRead) == 0) reading_ = true;
}

void Connection::OnAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(h->data);
  size_t want = std::max(kMinReadSpace, c->parser_.pending_bulk_hint());
  c->read_buf_.Reserve(want);
  // One read brings at most `want` (invariant 6), however much room the buffer has.
  *buf = uv_buf_init(c->read_buf_.tail(), unsigned(std::min(c->read_buf_.free_space(), want)));
}

void Connection::OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t*) {
  TurnPhase phase(TurnTrace::kRead);
  auto* c = static_cast<Connection*>(s->data);
  c->server_->loop_meter().Awake();  // loop_meter.h invariant 2
  if (nread < 0) {
    c->Close();
    return;
  }
  if (nread == 0) return;
  c->read_buf_.Commit(size_t(nread));
  if (uint64_t turn = c->server_->context().stats.eventloop_cycles; turn != c->budget_turn_) {
    c->budget_turn_ = turn;
    c->budget_bytes_ = 0;
  }
  c->budget_bytes_ += size_t(nread);
  c->server_->context().stats.net_input_bytes += uint64_t(nread);
  c->client_.last_interaction_ms = clock::CachedUnixMs();
  const Config& cfg = *c->server_->context().config;
  if (c->read_buf_.size() > cfg.client_query_buffer_limit) {
    LOG_WARNING("Closing client id=%llu: query buffer limit reached (%zu bytes)",
                (unsigned long long)c->client_.id, c->read_buf_.size());
    c->Close();
    return;
  }
  if (c->state_ == State::kReading) c->ProcessInput();
  if (c->budget_bytes_ >= kReadBytesPerTurn && c->reading_ && c->state_ != State::kClosing &&
      c->state_ != State::kClosed) {
    uv_read_stop(c->handle());  // invariant 6: the rest waits for the next turn
    c->reading_ = false;
    c->server_->ResumeNextTurn(c->client_.id);
  }
}

void Connection::ResumeAfterBudget() {
  if (state_ == State::kClosing || state_ == State::kClosed) return;
  if (backlog_) {
    backlog_ = false;
    if (state_ == State::kReading) ProcessInput();  // may defer again (backlog_)
  }
  if (!backlog_ && !reading_ && state_ != State::kClosing && state_ != State::kClosed &&
      output_bytes() < kOutputHighWater / 2) {
    Start();
  }
}

bool Connection::OverWorkBudget() {
  int64_t now = clock::MonotonicUs();
  if (uint64_t turn = server_->context().stats.eventloop_cycles; turn != work_turn_) {
    work_turn_ = turn;
    work_deadline_us_ = now + kWorkUsPerTurn;
    return false;
  }
  return now > work_deadline_us_;
}

void Connection::DeferToNextTurn() {
  backlog_ = true;
  if (reading_) {
    uv_read_stop(handle());
    reading_ = false;
  }
  server_->ResumeNextTurn(client_.id);
}

void Connection::ProcessInput() {
  int64_t now = clock::CachedUnixMs();
  cmd::Dispatcher& dispatcher = server_->dispatcher();
  rb_.set_protocol(client_.resp);
  unsigned run = 0;
  while (state_ == State::kReading && read_buf_.size() > 0) {
    // Invariant 6: between two commands (nothing half-parsed), within the turn's budget.
    if (++run % kClockEvery == 0 && OverWorkBudget()) {
      DeferToNextTurn();
      break;
    }
    size_t consumed = 0;
    resp::ParseResult r = parser_.Parse(read_buf_.readable(), &consumed, &args_);
    if (r == resp::ParseResult::kNeedMore) {
      read_buf_.Consume(consumed);
      break;
    }
    if (r == resp::ParseResult::kError) {
      ProtocolError(parser_.error(), parser_.error_arg());
      return;
    }
    if (args_.empty()) {  // empty line / *0: nothing to run
      read_buf_.Consume(consumed);
      continue;
    }
    size_t reply_start = out_.size();
    cmd::Outcome out = dispatcher.Execute(&client_, cmd::CmdArgs(args_), &rb_, now);
    if (out == cmd::Outcome::kPaused) {
      // Not consumed: the command runs again when the pause ends.
      parser_.Reset();
      state_ = State::kPaused;
      server_->AddPaused(this);
      break;
    }
    if (client_.blocked) [[unlikely]] {
      // A blocking pop without data: its arguments were copied; no reply until served.
      read_buf_.Consume(consumed);
      state_ = State::kBlocked;
      break;
    }
    // Invariant 5: this reply was produced after every effect logged so far.
    if (uint64_t lsn = server_->persistence().ReplyBarrier(); lsn != 0) {
      barriers_.Add(reply_start, lsn);
    }
    read_buf_.Consume(consumed);
    if (!CheckOutputLimit()) return;
    rb_.set_protocol(client_.resp);  // HELLO may have switched it
    if (client_.close_after_reply) {
      CloseAfterReply();
      break;
    }
  }
  client_.query_buf_len = read_buf_.size();
  client_.query_buf_cap = read_buf_.capacity();
  if (read_buf_.size() == 0) read_buf_.ShrinkIfIdle(1024 * 1024);
  if (!out_.empty()) MarkOutput();
}

bool Connection::ServeWhileBusy(const BusyAnswer& answer) {
  // Unsent replies from before the script go first (unless held for the append log).
  if (state_ != State::kReading || writing_ || client_.fd < 0 || !barriers_.empty() ||
      !WriteNow() || read_buf_.size() != 0) {
    return false;
  }
  read_buf_.Reserve(kMinReadSpace);
  ssize_t n = recv(client_.fd, read_buf_.tail(), read_buf_.free_space(), MSG_DONTWAIT);
  if (n <= 0) return true;  // nothing yet; EOF and errors are seen by libuv afterwards
  read_buf_.Commit(size_t(n));
  server_->context().stats.net_input_bytes += uint64_t(n);
  rb_.set_protocol(client_.resp);
  while (read_buf_.size() > 0) {
    size_t consumed = 0;
    resp::ParseResult r = parser_.Parse(read_buf_.readable(), &consumed, &args_);
    if (r == resp::ParseResult::kNeedMore) {
      read_buf_.Consume(consumed);
      break;
    }
    if (r == resp::ParseResult::kError) break;  // replied to (and closed) after the script
    if (!args_.empty()) answer(&client_, cmd::CmdArgs(args_), &rb_);
    read_buf_.Consume(consumed);
    rb_.set_protocol(client_.resp);  // HELLO may have switched it
    if (client_.close_after_reply) break;
  }
  WriteNow();
  if (client_.close_after_reply) CloseAfterReply();
  return true;
}

bool Connection::WriteNow() {
  while (!out_.empty()) {
    uv_buf_t b = uv_buf_init(out_.data(), unsigned(out_.size()));
    int n = uv_try_write(handle(), &b, 1);
    if (n <= 0) break;
    server_->context().stats.net_output_bytes += uint64_t(n);
    out_.erase(0, size_t(n));
  }
  if (!out_.empty()) MarkOutput();
  return out_.empty();
}

void Connection::Resume() {
  if (state_ != State::kPaused) return;
  state_ = State::kReading;
  ProcessInput();
}

void Connection::ProtocolError(Err err, std::string_view arg) {
  std::string text = err == Err::kProtocolExpectedDollar ? FormatError(err, {arg})
                                                         : std::string(ErrorText(err));
  LOG_VERBOSE("Protocol error (%s) from client id=%llu addr=%s", text.c_str(),
              (unsigned long long)client_.id, client_.addr.c_str());
  rb_.Error(text);
  ++server_->context().stats.total_error_replies;
  CloseAfterReply();
}

void Connection::MarkOutput() {
  client_.output_len = output_bytes();
  if (!flush_pending_ && state_ != State::kClosed) {
    flush_pending_ = true;
    server_->ScheduleFlush(this);
  }
}

void Connection::Send(std::string_view bytes) {
  if (state_ == State::kClosed || dropped_) return;
  out_.append(bytes);
  if (CheckOutputLimit()) MarkOutput();
}

// Redis's checkClientOutputBufferLimits + closeClientOnOutputBufferLimitReached.
bool Connection::CheckOutputLimit() {
  if (dropped_) return false;
  const Config& cfg = *server_->context().config;
  const ObufLimit& limit = cfg.obuf_limits[client_.subscriptions > 0 ? kObufPubSub : kObufNormal];
  if (limit.hard_bytes == 0 && limit.soft_bytes == 0) return true;
  size_t used = output_bytes();
  bool hard = limit.hard_bytes != 0 && used >= limit.hard_bytes;
  bool soft = false;
  if (limit.soft_bytes != 0 && used >= limit.soft_bytes) {
    int64_t now = clock::CachedUnixMs();
    if (soft_limit_since_ms_ == 0) {
      soft_limit_since_ms_ = now;
    } else {
      soft = now - soft_limit_since_ms_ > limit.soft_seconds * 1000;
    }
  } else {
    soft_limit_since_ms_ = 0;
  }
  if (!hard && !soft) return true;
  LOG_WARNING(
      "Client id=%llu addr=%s scheduled to be closed ASAP for overcoming of output "
      "buffer limits (%s limit, %zu bytes pending).",
      (unsigned long long)client_.id, client_.addr.c_str(), hard ? "hard" : "soft", used);
  ++server_->context().stats.client_output_buffer_limit_disconnections;
  dropped_ = true;
  std::string().swap(out_);  // free the memory now; inflight_ goes when the write is cancelled
  CloseAfterReply();         // stops reading; Flush() closes without writing (dropped_)
  return false;
}

void Connection::Flush() {
  flush_pending_ = false;
  if (dropped_) {
    Close();  // a pending uv_write is cancelled by uv_close
    return;
  }
  if (state_ == State::kClosed || writing_) return;
  if (out_.empty()) {
    if (state_ == State::kClosing) Close();
    MaybeResumeReading();
    return;
  }
  // Invariant 5: only what the append log released may go.
  size_t sendable = out_.size();
  if (!barriers_.empty()) {
    sendable = barriers_.Sendable(out_.size(), server_->persistence().released_lsn());
    if (sendable < out_.size()) server_->WaitForRelease(this);
    if (sendable == 0) return;
  }
  uv_buf_t b = uv_buf_init(out_.data(), unsigned(sendable));
  int n = uv_try_write(handle(), &b, 1);
  if (n < 0 && n != UV_EAGAIN) {
    Close();
    return;
  }
  size_t done = n > 0 ? size_t(n) : 0;
  server_->context().stats.net_output_bytes += done;
  barriers_.Consume(sendable);
  if (done == out_.size()) {
    out_.clear();
    if (state_ == State::kClosing) Close();
    MaybeResumeReading();
    return;
  }
  if (sendable < out_.size()) {
    // The tail waits for the log: it stays in out_; the released head goes.
    inflight_.assign(out_, 0, sendable);
    out_.erase(0, sendable);
    if (done == sendable) {
      inflight_.clear();
      MaybeResumeReading();
      return;
    }
  } else {
    inflight_.swap(out_);
    out_.clear();
  }
  inflight_off_ = done;
  b = uv_buf_init(inflight_.data() + done, unsigned(inflight_.size() - done));
  write_req_.data = this;
  if (uv_write(&write_req_, handle(), &b, 1, OnWrite) != 0) {
    Close();
    return;
  }
  writing_ = true;
  if (output_bytes() > kOutputHighWater && reading_) {
    uv_read_stop(handle());
    reading_ = false;
  }
}

void Connection::MaybeResumeReading() {
  if (!reading_ && !backlog_ && state_ == State::kReading &&
      output_bytes() < kOutputHighWater / 2) {
    Start();
  }
}

void Connection::OnWrite(uv_write_t* req, int status) {
  auto* c = static_cast<Connection*>(req->data);
  c->writing_ = false;
  c->server_->context().stats.net_output_bytes += c->inflight_.size() - c->inflight_off_;
  c->inflight_.clear();
  c->inflight_off_ = 0;
  if (c->state_ == State::kClosed) return;
  if (status < 0) {
    c->Close();
    return;
  }
  c->Flush();
}

void Connection::Unblock(std::string_view reply) {
  if (state_ == State::kClosed || dropped_) return;
  size_t start = out_.size();
  out_.append(reply);
  if (uint64_t lsn = server_->persistence().ReplyBarrier(); lsn != 0) barriers_.Add(start, lsn);
  if (CheckOutputLimit()) MarkOutput();
}

void Connection::ResumeAfterBlock() {
  if (state_ != State::kBlocked) return;
  state_ = State::kReading;
  ProcessInput();
}

void Connection::CloseAfterReply() {
  // A blocked client is unblocked at once (Redis's freeClient): nothing is served to
  // a connection that is going away.
  if (client_.blocked) server_->context().blocking.Remove(&client_);
  if (state_ == State::kClosed) return;
  state_ = State::kClosing;
  if (reading_) {
    uv_read_stop(handle());
    reading_ = false;
  }
  MarkOutput();
}

void Connection::Close() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  server_->OnConnectionClosed(this);
  uv_close(reinterpret_cast<uv_handle_t*>(&handle_), OnClose);
}

void Connection::OnClose(uv_handle_t* h) {
  auto* c = static_cast<Connection*>(h->data);
  // A write may still be pending: libuv cancels it (callback with UV_ECANCELED) before
  // the close callback, so deleting here is safe.
  delete c;
}

}  // namespace brisk::server
