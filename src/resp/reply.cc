#include "resp/reply.h"

#include <algorithm>
#include <string>

#include "common/numbers.h"

namespace brisk::resp {
namespace {

constexpr std::string_view kCrlf = "\r\n";

// Room for a type byte, "-9223372036854775808" and CRLF.
constexpr size_t kLineBuf = 32;

}  // namespace

// One "<type><decimal>\r\n" line, formatted on the stack and appended once.
void ReplyBuilder::Line(char type, int64_t v) {
  char buf[kLineBuf];
  buf[0] = type;
  size_t len = 1 + FormatInt64(v, buf + 1);
  buf[len++] = '\r';
  buf[len++] = '\n';
  out_->append(buf, len);
}

// REQUIRES: n <= INT64_MAX (an aggregate that large cannot exist in memory).
void ReplyBuilder::Header(char type, uint64_t n) {
  Line(type, int64_t(n));
}

void ReplyBuilder::SimpleString(std::string_view s) {
  out_->push_back('+');
  out_->append(s);
  out_->append(kCrlf);
}

void ReplyBuilder::Error(std::string_view text) {
  out_->push_back('-');
  size_t from = out_->size();
  out_->append(text);
  std::replace_if(
      out_->begin() + std::string::difference_type(from), out_->end(),
      [](char c) { return c == '\r' || c == '\n'; }, ' ');
  out_->append(kCrlf);
}

void ReplyBuilder::Integer(int64_t v) {
  Line(':', v);
}

void ReplyBuilder::Bulk(std::string_view s) {
  Header('$', s.size());
  out_->append(s);
  out_->append(kCrlf);
}

void ReplyBuilder::BulkInt(int64_t v) {
  char digits[kLineBuf];
  Bulk(std::string_view(digits, FormatInt64(v, digits)));
}

void ReplyBuilder::Null() {
  out_->append(protocol_ >= 3 ? "_\r\n" : "$-1\r\n");
}

void ReplyBuilder::NullArray() {
  out_->append(protocol_ >= 3 ? "_\r\n" : "*-1\r\n");
}

void ReplyBuilder::ArrayHeader(size_t n) {
  Header('*', n);
}

void ReplyBuilder::MapHeader(size_t pairs) {
  if (protocol_ >= 3) {
    Header('%', pairs);
  } else {
    Header('*', uint64_t(pairs) * 2);
  }
}

void ReplyBuilder::SetHeader(size_t n) {
  Header(protocol_ >= 3 ? '~' : '*', n);
}

void ReplyBuilder::PushHeader(size_t n) {
  Header(protocol_ >= 3 ? '>' : '*', n);
}

// Redis 7 addReplyDouble: "%.17g", with inf spelled out as "inf" / "-inf".
void ReplyBuilder::Double(double v) {
  char buf[kLineBuf + 16];
  if (protocol_ >= 3) {
    buf[0] = ',';
    size_t len = 1 + FormatDouble(v, buf + 1);
    buf[len++] = '\r';
    buf[len++] = '\n';
    out_->append(buf, len);
  } else {
    Bulk(std::string_view(buf, FormatDouble(v, buf)));
  }
}

void ReplyBuilder::Bool(bool v) {
  if (protocol_ >= 3) {
    out_->append(v ? "#t\r\n" : "#f\r\n");
  } else {
    out_->append(v ? ":1\r\n" : ":0\r\n");
  }
}

// Like Redis's addReplyVerbatim, the format is cut or space-padded to 3 bytes.
void ReplyBuilder::Verbatim(std::string_view s, std::string_view format) {
  if (protocol_ < 3) {
    Bulk(s);
    return;
  }
  Header('=', s.size() + 4);
  char prefix[4] = {' ', ' ', ' ', ':'};
  std::copy_n(format.begin(), std::min<size_t>(format.size(), 3), prefix);
  out_->append(prefix, sizeof(prefix));
  out_->append(s);
  out_->append(kCrlf);
}

void ReplyBuilder::BigNumber(std::string_view digits) {
  if (protocol_ < 3) {
    Bulk(digits);
    return;
  }
  out_->push_back('(');
  out_->append(digits);
  out_->append(kCrlf);
}

}  // namespace brisk::resp
