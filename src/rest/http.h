// HTTP/1.1 messages of the REST adapter: the request as the handlers see it, the
// response they produce, and RequestParser, which turns a connection's raw bytes into
// requests with nodejs/http-parser (Debian's libhttp-parser; never a hand-written
// parser) and enforces the size limits.
//
// Thread safety: none. One RequestParser per connection, on the adapter thread (or in a
// test / the fuzzer). HttpRequest / HttpResponse are plain values.
//
// Invariants:
//   1. Limits: request line + header bytes above max_header_size fail the request with
//      431; a body above max_body fails it with 413, as soon as Content-Length announces
//      it (before it arrives) or when chunked data crosses it. Memory held per
//      connection is therefore bounded by the two limits, whatever a client declares.
//   2. Requests are handed to the sink whole (headers and body), in arrival order, one
//      at a time; the sink may ask to pause after any of them (pipelining back-pressure):
//      Feed() then returns kPaused with the bytes of the following requests unconsumed.
//   3. Every error is sticky: after kError the parser stays failed (the connection
//      answers once, then closes), because the rest of the stream cannot be framed.
//   4. Only the headers the adapter uses are kept (names compared case-insensitively);
//      every header still counts against max_header_size.
#pragma once

#include <http_parser.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/errors.h"

namespace brisk::rest {

enum class Method : uint8_t { kGet, kHead, kPost, kPut, kDelete, kPatch, kOptions, kOther };
std::string_view MethodName(Method m);

struct HttpRequest {
  Method method = Method::kOther;
  std::string url;  // request-target as sent: path?query
  std::string authorization;
  std::string content_type;
  std::string encoding;  // Upstash-Encoding
  std::string if_match;
  std::string if_none_match;
  std::string accept;
  std::string expect;
  std::string body;
  bool keep_alive = true;

  std::string_view path() const;   // raw (percent-encoded) path, before '?'
  std::string_view query() const;  // after '?', or empty
  // The decoded value of query parameter `name`; false if absent.
  bool QueryParam(std::string_view name, std::string* value) const;
  void Clear();
};

struct HttpResponse {
  int status = 200;
  std::string_view content_type = "application/json";
  std::string body;
  std::string etag;    // sent as ETag when not empty (already quoted)
  bool close = false;  // answer with Connection: close and close after it
  // Server-Sent Events: a chunked response that stays open; body holds the first
  // events (sent as the first chunk), later ones follow as chunks (sse.h).
  bool stream = false;
};

// "200 OK" style reason phrase for the status codes the adapter uses.
std::string_view StatusText(int status);

// Appends the serialized response (status line, headers, body) to *out.
void AppendResponse(const HttpResponse& r, bool keep_alive, std::string* out);

// {"error":"<text>"} with status.
HttpResponse ErrorResponse(int status, std::string_view text);

// Percent-decoding of one path segment or query value ('+' is a space only in
// queries). False on a malformed escape.
bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out);

struct HttpLimits {
  size_t max_header_size = 16 * 1024;
  size_t max_body = 10 * 1024 * 1024;
};

// Receives parsed requests. Returning false pauses the parser after this request.
class RequestSink {
 public:
  virtual bool OnRequest(HttpRequest& request) = 0;
  // The request's headers asked for "Expect: 100-continue" and its body is within the
  // limit: the client waits for an interim "100 Continue" before sending it (curl does
  // for bodies over 1 KiB), or for its own timeout.
  virtual void OnExpectContinue() {}

 protected:
  ~RequestSink() = default;
};

class RequestParser {
 public:
  enum class Result : uint8_t { kOk, kPaused, kError };

  RequestParser(HttpLimits limits, RequestSink* sink);
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Parses bytes; *consumed is how many were used (all of them unless paused or failed).
  // After kPaused, call Resume() and feed the unconsumed bytes again.
  Result Feed(std::string_view data, size_t* consumed);
  void Resume();

  // After kError: the status to answer (400, 413 or 431) and its error row.
  int error_status() const { return error_status_; }
  Err error() const { return error_; }

 private:
  static const http_parser_settings& Settings();
  static int OnMessageBegin(http_parser* p);
  static int OnUrl(http_parser* p, const char* at, size_t len);
  static int OnHeaderField(http_parser* p, const char* at, size_t len);
  static int OnHeaderValue(http_parser* p, const char* at, size_t len);
  static int OnHeadersComplete(http_parser* p);
  static int OnBody(http_parser* p, const char* at, size_t len);
  static int OnMessageComplete(http_parser* p);
  int Fail(int status, Err err);
  bool CountHeaderBytes(size_t len);
  std::string* CurrentHeaderTarget();

  HttpLimits limits_;
  RequestSink* sink_;
  http_parser parser_;
  HttpRequest request_;
  size_t header_bytes_ = 0;
  std::string field_;             // current header name (lower-cased, truncated)
  std::string* value_ = nullptr;  // where the current header's value goes, if kept
  bool in_value_ = false;
  bool failed_ = false;
  int error_status_ = 400;
  Err error_ = Err::kRestBadRequest;
};

}  // namespace brisk::rest
