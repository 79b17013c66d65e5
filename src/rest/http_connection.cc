#include "rest/http_connection.h"

#include <arpa/inet.h>

#include "common/clock.h"
#include "common/errors.h"
#include "rest/http_server.h"
#include "rest/sse.h"

namespace brisk::rest {

namespace {

// Stop reading a client whose unsent responses exceed this (it pipelines without
// reading); resume below half of it.
constexpr size_t kOutputHighWater = 16 * 1024 * 1024;

std::string PeerName(uv_tcp_t* tcp) {
  sockaddr_storage ss;
  int len = sizeof(ss);
  if (uv_tcp_getpeername(tcp, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "?:0";
  char ip[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    uv_ip4_name(a, ip, sizeof(ip));
    port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    uv_ip6_name(a, ip, sizeof(ip));
    port = ntohs(a->sin6_port);
  }
  return std::string(ip) + ":" + std::to_string(port);
}

}  // namespace

HttpConnection::HttpConnection(RestServer* server, uint64_t id)
    : server_(server), id_(id), parser_(server->options().limits, this) {
  tcp_.data = this;
  write_req_.data = this;
  last_active_ms_ = last_ping_ms_ = clock::UnixMs();
}

void HttpConnection::Start() {
  uv_tcp_nodelay(&tcp_, 1);
  peer_ = PeerName(&tcp_);
  if (uv_read_start(handle(), OnAlloc, OnRead) == 0) reading_ = true;
}

void HttpConnection::RejectBusy() {
  Slot s;
  s.seq = next_seq_++;
  s.ready = true;
  s.close = true;
  HttpResponse r = ErrorResponse(503, ErrorText(Err::kMaxClients));
  r.close = true;
  AppendResponse(r, false, &s.bytes);
  slots_.push_back(std::move(s));
  no_more_requests_ = true;
  StopReading();
  Flush();
}

void HttpConnection::OnAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* c = static_cast<HttpConnection*>(h->data);
  *buf = uv_buf_init(c->server_->read_buffer(), unsigned(RestServer::kReadBufferSize));
}

void HttpConnection::OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* c = static_cast<HttpConnection*>(s->data);
  if (nread < 0) {
    // EOF or error: answer what was asked (a client may half-close after its requests),
    // then close.
    c->StopReading();
    c->no_more_requests_ = true;
    if (c->slots_.empty() || nread != UV_EOF || c->stream_requested_) {
      c->Close();
    } else {
      c->closing_ = true;
    }
    return;
  }
  if (nread == 0) return;
  c->last_active_ms_ = clock::UnixMs();
  if (c->no_more_requests_) return;  // after a stream request or an error: ignored
  std::string_view data(buf->base, size_t(nread));
  if (c->in_.empty()) {
    c->Parse(data);
  } else {
    c->in_.append(data);
    std::string pending;
    pending.swap(c->in_);
    c->Parse(pending);
  }
}

// Parses `data` (which does not alias in_); keeps what was not consumed in in_.
void HttpConnection::Parse(std::string_view data) {
  size_t consumed = 0;
  RequestParser::Result r = parser_.Feed(data, &consumed);
  if (closed_) return;
  if (r == RequestParser::Result::kError) {
    Slot s;
    s.seq = next_seq_++;
    s.ready = true;
    s.close = true;
    HttpResponse resp = ErrorResponse(parser_.error_status(), ErrorText(parser_.error()));
    resp.close = true;
    AppendResponse(resp, false, &s.bytes);
    server_->metrics().CountRequest(Route::kOther, resp.status, 0);
    slots_.push_back(std::move(s));
    no_more_requests_ = true;
    StopReading();
    Flush();
    return;
  }
  if (consumed < data.size() && !no_more_requests_) in_.assign(data.substr(consumed));
  if (r == RequestParser::Result::kPaused) {
    paused_ = true;
    // A stream's connection keeps reading (and ignoring) input to see the client leave.
    if (!stream_requested_) StopReading();
  }
}

void HttpConnection::ResumeParsing() {
  if (!paused_ || closed_ || no_more_requests_) return;
  if (slots_.size() >= RestServer::kMaxPipelined) return;
  paused_ = false;
  parser_.Resume();
  std::string pending;
  pending.swap(in_);
  Parse(pending);
  if (!paused_ && !reading_ && !closed_ && !no_more_requests_ &&
      uv_read_start(handle(), OnAlloc, OnRead) == 0) {
    reading_ = true;
  }
}

void HttpConnection::StopReading() {
  if (reading_) {
    uv_read_stop(handle());
    reading_ = false;
  }
}

bool HttpConnection::OnRequest(HttpRequest& req) {
  bool waiting_for_loop = false;
  for (const Slot& earlier : slots_) waiting_for_loop |= !earlier.ready;
  Slot s;
  s.seq = next_seq_++;
  s.start_us = clock::MonotonicUs();
  s.keep_alive = req.keep_alive;
  s.head_only = req.method == Method::kHead;
  uint64_t seq = s.seq;
  slots_.push_back(std::move(s));
  HttpResponse resp;
  Route route = Route::kOther;
  RequestInfo info{{id_, seq}, peer_, !waiting_for_loop};
  Outcome out = server_->api().Handle(req, info, &resp, &route);
  if (Slot* slot = FindSlot(seq)) slot->route = route;
  bool stream = route == Route::kSubscribe || route == Route::kEvents;
  if (out == Outcome::kDone) {
    Complete(seq, std::move(resp));
  } else {
    server_->metrics().CountLoopJob();
    if (stream) {
      // Invariant 3: a stream's connection takes no further request.
      stream_requested_ = true;
      no_more_requests_ = true;
    }
  }
  if (!req.keep_alive) no_more_requests_ = true;
  return !no_more_requests_ && !closed_ && slots_.size() < RestServer::kMaxPipelined;
}

// Only when no earlier response is pending: an interim response must not overtake
// them (a client that expects 100-continue does not pipeline anyway).
void HttpConnection::OnExpectContinue() {
  if (!slots_.empty() || no_more_requests_ || closed_) return;
  out_.append("HTTP/1.1 100 Continue\r\n\r\n");
  Write();
}

HttpConnection::Slot* HttpConnection::FindSlot(uint64_t seq) {
  for (Slot& s : slots_) {
    if (s.seq == seq) return &s;
  }
  return nullptr;
}

void HttpConnection::Complete(uint64_t seq, HttpResponse&& r) {
  if (closed_) return;
  Slot* s = FindSlot(seq);
  if (s == nullptr || s->ready) return;
  s->ready = true;
  s->stream = r.stream;
  s->close = !r.stream && (r.close || !s->keep_alive);
  if (s->head_only) r.body.clear();  // Content-Length of the (empty) body: fine for HEAD
  AppendResponse(r, s->keep_alive, &s->bytes);
  server_->metrics().CountRequest(s->route, r.status, clock::MonotonicUs() - s->start_us);
  if (r.stream) server_->metrics().StreamOpened();
  Flush();
}

void HttpConnection::StreamEvent(std::string_view text) {
  if (closed_ || slots_.empty() || !slots_.back().stream) return;
  if (streaming_) {
    AppendChunk(text, &out_);
    if (output_bytes() > server_->options().stream_buffer_limit) {
      Close();  // a subscriber that does not read (pubsub output buffer limit)
      return;
    }
    Write();
  } else {
    AppendChunk(text, &slots_.back().bytes);
  }
}

void HttpConnection::EndStream() {
  if (closed_) return;
  if (streaming_) {
    AppendChunk({}, &out_);
    closing_ = true;
    Write();
  } else {
    Close();
  }
}

// Invariant 1.
void HttpConnection::Flush() {
  while (!slots_.empty() && slots_.front().ready) {
    Slot& s = slots_.front();
    out_.append(s.bytes);
    s.bytes.clear();
    if (s.stream) {
      streaming_ = true;
      last_ping_ms_ = clock::UnixMs();
      break;
    }
    bool close = s.close;
    slots_.pop_front();
    if (close) {
      closing_ = true;
      no_more_requests_ = true;
      slots_.clear();
      StopReading();
      break;
    }
  }
  if (closing_ && slots_.empty()) no_more_requests_ = true;
  Write();
  if (!closed_) ResumeParsing();
}

void HttpConnection::Write() {
  if (closed_ || writing_) return;
  if (out_.empty()) {
    if (closing_ && (slots_.empty() || streaming_)) Close();
    return;
  }
  uv_buf_t b = uv_buf_init(out_.data(), unsigned(out_.size()));
  int n = uv_try_write(handle(), &b, 1);
  if (n < 0 && n != UV_EAGAIN) {
    Close();
    return;
  }
  size_t done = n > 0 ? size_t(n) : 0;
  if (done == out_.size()) {
    out_.clear();
    if (closing_ && (slots_.empty() || streaming_)) Close();
    return;
  }
  inflight_.swap(out_);
  out_.clear();
  inflight_off_ = done;
  b = uv_buf_init(inflight_.data() + done, unsigned(inflight_.size() - done));
  if (uv_write(&write_req_, handle(), &b, 1, OnWrite) != 0) {
    Close();
    return;
  }
  writing_ = true;
  if (output_bytes() > kOutputHighWater && !streaming_) {
    paused_ = true;  // resumed by ResumeParsing once the output drains
    StopReading();
  }
}

void HttpConnection::OnWrite(uv_write_t* req, int status) {
  auto* c = static_cast<HttpConnection*>(req->data);
  c->writing_ = false;
  c->inflight_.clear();
  c->inflight_off_ = 0;
  if (c->closed_) return;
  if (status < 0) {
    c->Close();
    return;
  }
  c->Write();
  if (!c->closed_ && c->output_bytes() < kOutputHighWater / 2) c->ResumeParsing();
}

void HttpConnection::Tick(int64_t now_ms) {
  if (closed_) return;
  const RestOptions& o = server_->options();
  if (streaming_) {
    if (now_ms - last_ping_ms_ >= o.stream_ping_ms) {
      last_ping_ms_ = now_ms;
      std::string ping;
      AppendSseComment("ping", &ping);
      StreamEvent(ping);
    }
    return;
  }
  bool idle = slots_.empty() && !writing_ && out_.empty();
  if (idle && o.idle_timeout_ms > 0 && now_ms - last_active_ms_ > o.idle_timeout_ms) Close();
}

void HttpConnection::Close() {
  if (closed_) return;
  closed_ = true;
  if (streaming_) server_->metrics().StreamClosed();
  server_->OnConnectionClosed(this, stream_requested_);
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), OnClose);
}

void HttpConnection::OnClose(uv_handle_t* h) {
  // A pending write is cancelled (callback with UV_ECANCELED) before this runs.
  delete static_cast<HttpConnection*>(h->data);
}

}  // namespace brisk::rest
