#include "rest/http.h"

#include <strings.h>

#include <algorithm>
#include <cstdio>

#include "rest/json.h"
#include "rest/sse.h"

namespace brisk::rest {

namespace {

char Lower(char c) {
  return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Method MethodOf(unsigned m) {
  switch (m) {
    case HTTP_GET:
      return Method::kGet;
    case HTTP_HEAD:
      return Method::kHead;
    case HTTP_POST:
      return Method::kPost;
    case HTTP_PUT:
      return Method::kPut;
    case HTTP_DELETE:
      return Method::kDelete;
    case HTTP_PATCH:
      return Method::kPatch;
    case HTTP_OPTIONS:
      return Method::kOptions;
    default:
      return Method::kOther;
  }
}

// Names longer than this are never kept headers; only their bytes are counted.
constexpr size_t kMaxKeptName = 32;

}  // namespace

std::string_view MethodName(Method m) {
  switch (m) {
    case Method::kGet:
      return "GET";
    case Method::kHead:
      return "HEAD";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kDelete:
      return "DELETE";
    case Method::kPatch:
      return "PATCH";
    case Method::kOptions:
      return "OPTIONS";
    case Method::kOther:
      break;
  }
  return "OTHER";
}

std::string_view HttpRequest::path() const {
  std::string_view u = url;
  size_t q = u.find('?');
  return q == std::string_view::npos ? u : u.substr(0, q);
}

std::string_view HttpRequest::query() const {
  std::string_view u = url;
  size_t q = u.find('?');
  return q == std::string_view::npos ? std::string_view() : u.substr(q + 1);
}

bool HttpRequest::QueryParam(std::string_view name, std::string* value) const {
  std::string_view q = query();
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    if (key != name) continue;
    std::string_view raw = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    value->clear();
    if (!PercentDecode(raw, true, value)) value->assign(raw);
    return true;
  }
  return false;
}

void HttpRequest::Clear() {
  method = Method::kOther;
  url.clear();
  authorization.clear();
  content_type.clear();
  encoding.clear();
  if_match.clear();
  if_none_match.clear();
  accept.clear();
  expect.clear();
  body.clear();
  keep_alive = true;
}

std::string_view StatusText(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Payload Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

void AppendResponse(const HttpResponse& r, bool keep_alive, std::string* out) {
  char line[64];
  int n = snprintf(line, sizeof(line), "HTTP/1.1 %d ", r.status);
  out->append(line, size_t(n));
  out->append(StatusText(r.status));
  out->append("\r\nContent-Type: ");
  out->append(r.content_type);
  if (r.stream) {
    out->append("\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked");
  } else {
    n = snprintf(line, sizeof(line), "\r\nContent-Length: %zu", r.body.size());
    out->append(line, size_t(n));
  }
  if (!r.etag.empty()) {
    out->append("\r\nETag: ");
    out->append(r.etag);
  }
  out->append(keep_alive && !r.close ? "\r\nConnection: keep-alive\r\n\r\n"
                                     : "\r\nConnection: close\r\n\r\n");
  if (!r.stream) {
    out->append(r.body);
  } else if (!r.body.empty()) {
    AppendChunk(r.body, out);
  }
}

HttpResponse ErrorResponse(int status, std::string_view text) {
  HttpResponse r;
  r.status = status;
  r.body = "{\"error\":";
  AppendJsonString(text, &r.body);
  r.body += '}';
  return r;
}

bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out) {
  out->reserve(out->size() + in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = HexDigit(in[i + 1]), lo = HexDigit(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(char(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------
// RequestParser

RequestParser::RequestParser(HttpLimits limits, RequestSink* sink) : limits_(limits), sink_(sink) {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
  // The library's own header limit (a process-wide setting, 80 KiB by default) must not
  // be the one that bites: ours is counted in the callbacks (invariant 1).
  if (limits_.max_header_size + 1024 > HTTP_MAX_HEADER_SIZE) {
    http_parser_set_max_header_size(
        uint32_t(std::min<size_t>(limits_.max_header_size + 1024, UINT32_MAX)));
  }
}

int RequestParser::Fail(int status, Err err) {
  if (!failed_) {
    failed_ = true;
    error_status_ = status;
    error_ = err;
  }
  return -1;
}

bool RequestParser::CountHeaderBytes(size_t len) {
  header_bytes_ += len;
  if (header_bytes_ > limits_.max_header_size) {
    Fail(431, Err::kRestHeadersTooLarge);
    return false;
  }
  return true;
}

std::string* RequestParser::CurrentHeaderTarget() {
  std::string_view f = field_;
  if (f == "authorization") return &request_.authorization;
  if (f == "content-type") return &request_.content_type;
  if (f == "upstash-encoding") return &request_.encoding;
  if (f == "if-match") return &request_.if_match;
  if (f == "if-none-match") return &request_.if_none_match;
  if (f == "accept") return &request_.accept;
  if (f == "expect") return &request_.expect;
  return nullptr;
}

int RequestParser::OnMessageBegin(http_parser* p) {
  auto* self = static_cast<RequestParser*>(p->data);
  self->request_.Clear();
  self->header_bytes_ = 0;
  self->field_.clear();
  self->value_ = nullptr;
  self->in_value_ = false;
  return 0;
}

int RequestParser::OnUrl(http_parser* p, const char* at, size_t len) {
  auto* self = static_cast<RequestParser*>(p->data);
  if (!self->CountHeaderBytes(len)) return -1;
  self->request_.url.append(at, len);
  return 0;
}

int RequestParser::OnHeaderField(http_parser* p, const char* at, size_t len) {
  auto* self = static_cast<RequestParser*>(p->data);
  if (!self->CountHeaderBytes(len + 4)) return -1;  // + ": " and CRLF
  if (self->in_value_) {
    self->field_.clear();
    self->value_ = nullptr;
    self->in_value_ = false;
  }
  for (size_t i = 0; i < len && self->field_.size() <= kMaxKeptName; ++i) {
    self->field_.push_back(Lower(at[i]));
  }
  return 0;
}

int RequestParser::OnHeaderValue(http_parser* p, const char* at, size_t len) {
  auto* self = static_cast<RequestParser*>(p->data);
  if (!self->CountHeaderBytes(len)) return -1;
  if (!self->in_value_) {
    self->in_value_ = true;
    self->value_ = self->CurrentHeaderTarget();
    if (self->value_ != nullptr) self->value_->clear();  // a repeated header: the last wins
  }
  if (self->value_ != nullptr) self->value_->append(at, len);
  return 0;
}

int RequestParser::OnHeadersComplete(http_parser* p) {
  auto* self = static_cast<RequestParser*>(p->data);
  self->request_.method = MethodOf(p->method);
  if ((p->flags & F_CONTENTLENGTH) && p->content_length > self->limits_.max_body) {
    return self->Fail(413, Err::kRestBodyTooLarge);
  }
  const std::string& expect = self->request_.expect;
  if (expect.size() == 12 && strncasecmp(expect.data(), "100-continue", 12) == 0) {
    self->sink_->OnExpectContinue();
  }
  return 0;
}

int RequestParser::OnBody(http_parser* p, const char* at, size_t len) {
  auto* self = static_cast<RequestParser*>(p->data);
  if (self->request_.body.size() + len > self->limits_.max_body) {
    return self->Fail(413, Err::kRestBodyTooLarge);
  }
  self->request_.body.append(at, len);
  return 0;
}

int RequestParser::OnMessageComplete(http_parser* p) {
  auto* self = static_cast<RequestParser*>(p->data);
  self->request_.keep_alive = http_should_keep_alive(p) != 0;
  if (!self->sink_->OnRequest(self->request_)) http_parser_pause(p, 1);
  return 0;
}

RequestParser::Result RequestParser::Feed(std::string_view data, size_t* consumed) {
  *consumed = 0;
  if (failed_) return Result::kError;
  size_t off = 0;
  while (off < data.size()) {
    size_t n = http_parser_execute(&parser_, &Settings(), data.data() + off, data.size() - off);
    off += n;
    http_errno err = HTTP_PARSER_ERRNO(&parser_);
    if (err == HPE_PAUSED) {
      *consumed = off;
      return Result::kPaused;
    }
    if (failed_ || err != HPE_OK) {
      if (err == HPE_HEADER_OVERFLOW) Fail(431, Err::kRestHeadersTooLarge);
      Fail(400, Err::kRestBadRequest);
      *consumed = off;
      return Result::kError;
    }
    if (parser_.upgrade) {
      // Upgrade (h2c, websocket) is not offered: the request was answered as a plain
      // HTTP/1.1 one, so the client goes on speaking HTTP/1.1. CONNECT has no meaning.
      if (parser_.method == HTTP_CONNECT) {
        Fail(400, Err::kRestBadRequest);
        *consumed = off;
        return Result::kError;
      }
      http_parser_init(&parser_, HTTP_REQUEST);
      parser_.data = this;
      continue;
    }
    if (n == 0) break;
  }
  *consumed = off;
  return Result::kOk;
}

void RequestParser::Resume() {
  http_parser_pause(&parser_, 0);
}

const http_parser_settings& RequestParser::Settings() {
  static const http_parser_settings settings = [] {
    http_parser_settings s;
    http_parser_settings_init(&s);
    s.on_message_begin = OnMessageBegin;
    s.on_url = OnUrl;
    s.on_header_field = OnHeaderField;
    s.on_header_value = OnHeaderValue;
    s.on_headers_complete = OnHeadersComplete;
    s.on_body = OnBody;
    s.on_message_complete = OnMessageComplete;
    return s;
  }();
  return settings;
}

}  // namespace brisk::rest
