#include "rest/json_reply.h"

#include <cstdint>

#include "rest/json.h"

namespace brisk::rest {

namespace {

// The line starting at pos (after the type byte): its text and the offset after CRLF.
bool Line(std::string_view r, size_t pos, std::string_view* text, size_t* next) {
  size_t end = r.find("\r\n", pos);
  if (end == std::string_view::npos) return false;
  *text = r.substr(pos, end - pos);
  *next = end + 2;
  return true;
}

bool ParseLength(std::string_view s, long long* out) {
  if (s.empty() || s.size() > 20) return false;
  bool neg = s[0] == '-';
  size_t i = neg ? 1 : 0;
  if (i == s.size()) return false;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    if (v > (UINT64_MAX - 9) / 10) return false;
    v = v * 10 + uint64_t(s[i] - '0');
  }
  constexpr uint64_t kMaxMagnitude = uint64_t(INT64_MAX) + 1;  // |INT64_MIN|
  if (v > (neg ? kMaxMagnitude : uint64_t(INT64_MAX))) return false;
  *out = neg ? (v == kMaxMagnitude ? INT64_MIN : -static_cast<long long>(v))
             : static_cast<long long>(v);
  return true;
}

// Walks one reply; if out is non-null appends its JSON. Returns the end offset or 0.
size_t Walk(std::string_view r, size_t pos, bool base64, bool top, int depth, std::string* out) {
  if (pos >= r.size() || depth > kMaxReplyDepth) return 0;
  char type = r[pos];
  std::string_view text;
  size_t next;
  if (!Line(r, pos + 1, &text, &next)) return 0;
  switch (type) {
    case '+':
    case '-':
      if (out != nullptr) {
        if (base64 && !(top && type == '+' && text == "OK") && type != '-') {
          AppendJsonBase64(text, out);
        } else {
          AppendJsonString(text, out);
        }
      }
      return next;
    case ':': {
      long long v;
      if (!ParseLength(text, &v)) return 0;
      if (out != nullptr) out->append(text);
      return next;
    }
    case '$': {
      long long len;
      if (!ParseLength(text, &len) || len < -1) return 0;
      if (len == -1) {
        if (out != nullptr) out->append("null");
        return next;
      }
      if (uint64_t(len) > r.size() - next || r.size() - next - size_t(len) < 2) return 0;
      std::string_view bytes = r.substr(next, size_t(len));
      if (r.substr(next + size_t(len), 2) != "\r\n") return 0;
      if (out != nullptr) {
        if (base64) {
          AppendJsonBase64(bytes, out);
        } else {
          AppendJsonString(bytes, out);
        }
      }
      return next + size_t(len) + 2;
    }
    case '*': {
      long long n;
      if (!ParseLength(text, &n) || n < -1) return 0;
      if (n == -1) {
        if (out != nullptr) out->append("null");
        return next;
      }
      // Every element takes at least 3 bytes: a count beyond that is malformed.
      if (uint64_t(n) > (r.size() - next) / 3) return 0;
      if (out != nullptr) out->push_back('[');
      for (long long i = 0; i < n; ++i) {
        if (out != nullptr && i > 0) out->push_back(',');
        next = Walk(r, next, base64, false, depth + 1, out);
        if (next == 0) return 0;
      }
      if (out != nullptr) out->push_back(']');
      return next;
    }
    default:
      return 0;
  }
}

}  // namespace

size_t SkipReply(std::string_view resp, size_t pos) {
  return Walk(resp, pos, false, true, 0, nullptr);
}

bool ReplyIsError(std::string_view reply, std::string_view* text) {
  if (reply.empty() || reply[0] != '-') return false;
  size_t next;
  return Line(reply, 1, text, &next);
}

bool AppendReplyJson(std::string_view reply, bool base64, std::string* out) {
  size_t mark = out->size();
  if (Walk(reply, 0, base64, true, 0, out) != 0) return true;
  out->resize(mark);
  return false;
}

bool AppendResultObject(std::string_view reply, bool base64, std::string* out) {
  std::string_view err;
  if (ReplyIsError(reply, &err)) {
    out->append("{\"error\":");
    AppendJsonString(err, out);
    out->push_back('}');
    return false;
  }
  size_t mark = out->size();
  out->append("{\"result\":");
  if (!AppendReplyJson(reply, base64, out)) {
    out->resize(mark);
    out->append("{\"error\":\"ERR malformed reply\"}");
    return false;
  }
  out->push_back('}');
  return true;
}

bool ReplyArrayElements(std::string_view reply, std::vector<std::string_view>* elems) {
  if (reply.empty() || reply[0] != '*') return false;
  std::string_view text;
  size_t next;
  long long n;
  if (!Line(reply, 1, &text, &next) || !ParseLength(text, &n) || n < 0) return false;
  for (long long i = 0; i < n; ++i) {
    size_t end = SkipReply(reply, next);
    if (end == 0) return false;
    elems->push_back(reply.substr(next, end - next));
    next = end;
  }
  return true;
}

bool ReplyInteger(std::string_view reply, long long* value) {
  std::string_view text;
  size_t next;
  return !reply.empty() && reply[0] == ':' && Line(reply, 1, &text, &next) &&
         ParseLength(text, value);
}

bool ReplyString(std::string_view reply, std::string_view* value) {
  if (reply.empty()) return false;
  std::string_view text;
  size_t next;
  if (!Line(reply, 1, &text, &next)) return false;
  if (reply[0] == '+') {
    *value = text;
    return true;
  }
  long long len;
  if (reply[0] != '$' || !ParseLength(text, &len) || len < 0) return false;
  if (uint64_t(len) + 2 > reply.size() - next) return false;
  *value = reply.substr(next, size_t(len));
  return true;
}

}  // namespace brisk::rest
