// The request parser follows Redis 7's processMultibulkBuffer / processInlineBuffer
// (src/networking.c) and sdssplitargs (src/sds.c). Where it differs, the reason is
// next to the code.
#include "resp/parser.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "common/numbers.h"

namespace brisk::resp {
namespace {

// A declared count reserves at most this many spans up front; the rest grows with the
// args that actually arrive, so "*1000000\r\n" alone costs nothing.
constexpr size_t kMaxReserve = 1024;
// After a command with more args than this, spans_ gives its memory back.
constexpr size_t kMaxKeptSpans = 4 * kMaxReserve;

// C-locale isspace(), as sdssplitargs uses to skip blanks.
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

}  // namespace

void Parser::Reset() {
  expected_args_ = -1;
  pos_ = 0;
  scan_pos_ = 0;
  avail_ = 0;
  bulk_len_ = -1;
  spans_.clear();
  inline_storage_.clear();
  error_ = Err::kSyntax;
  error_char_ = 0;
  failed_ = false;
}

size_t Parser::pending_bulk_hint() const {
  if (expected_args_ < 0 || bulk_len_ < 0) return 0;
  size_t need = size_t(bulk_len_) + 2;
  size_t have = avail_ - pos_;
  return need > have ? need - have : 0;
}

ParseResult Parser::Fail(Err e) {
  error_ = e;
  failed_ = true;
  return ParseResult::kError;
}

void Parser::Advance(size_t new_pos) {
  pos_ = new_pos;
  scan_pos_ = new_pos;
}

void Parser::FinishCommand() {
  expected_args_ = -1;
  bulk_len_ = -1;
  Advance(0);
  if (spans_.capacity() > kMaxKeptSpans) {
    std::vector<std::pair<size_t, size_t>>().swap(spans_);
  } else {
    spans_.clear();
  }
}

// Looks for `terminator` in the line that starts at pos_, within its first
// max_inline_len + 1 bytes. Bytes searched by an earlier call are not searched again
// (scan_pos_). kTooLong only once that whole window has arrived without the
// terminator, so the outcome does not depend on how the input was split.
Parser::LineScan Parser::ScanLine(std::string_view buf, char terminator, size_t* at) {
  size_t avail = buf.size() - pos_;
  size_t limit = limits_.max_inline_len;
  size_t window_end = pos_ + (avail > limit ? limit + 1 : avail);
  if (scan_pos_ < window_end) {
    const void* hit = memchr(buf.data() + scan_pos_, terminator, window_end - scan_pos_);
    if (hit != nullptr) {
      *at = size_t(static_cast<const char*>(hit) - buf.data());
      scan_pos_ = *at;
      return LineScan::kFound;
    }
    scan_pos_ = window_end;
  }
  return avail > limit ? LineScan::kTooLong : LineScan::kNeedMore;
}

ParseResult Parser::Parse(std::string_view buf, size_t* consumed,
                          std::vector<std::string_view>* args) {
  *consumed = 0;
  args->clear();
  inline_storage_.clear();
  if (failed_) return ParseResult::kError;
  assert(pos_ <= buf.size() && "buf lost bytes the parser had validated");
  avail_ = buf.size();
  while (true) {
    if (expected_args_ < 0) {
      if (pos_ == buf.size()) return ParseResult::kNeedMore;
      if (buf[pos_] != '*') {
        ParseResult r = ParseInline(buf, consumed, args);
        // kOk with no args: an empty line was skipped; go on with the rest of buf.
        if (r == ParseResult::kOk && args->empty()) continue;
        return r;
      }
      ParseResult r = ParseMultibulkHeader(buf);
      if (r != ParseResult::kOk) return r;
      if (expected_args_ < 0) continue;  // "*0" or "*-1": skipped
    }
    ParseResult r = ParseBulks(buf);
    if (r != ParseResult::kOk) return r;
    *consumed = pos_;
    args->reserve(spans_.size());
    for (const auto& [offset, len] : spans_) args->emplace_back(buf.data() + offset, len);
    FinishCommand();
    return ParseResult::kOk;
  }
}

// "*<count>\r\n". Like Redis, the byte after '\r' is skipped without looking at it.
ParseResult Parser::ParseMultibulkHeader(std::string_view buf) {
  size_t cr = 0;
  switch (ScanLine(buf, '\r', &cr)) {
    case LineScan::kTooLong:
      return Fail(Err::kProtocolBigMbulk);
    case LineScan::kNeedMore:
      return ParseResult::kNeedMore;
    case LineScan::kFound:
      break;
  }
  if (cr + 1 >= buf.size()) return ParseResult::kNeedMore;
  int64_t count = 0;
  if (!ParseInt64(buf.substr(pos_ + 1, cr - pos_ - 1), &count) ||
      (count > 0 && uint64_t(count) > limits_.max_multibulk_len)) {
    return Fail(Err::kProtocolMultibulkLen);
  }
  Advance(cr + 2);
  if (count <= 0) return ParseResult::kOk;
  expected_args_ = count;
  spans_.clear();
  spans_.reserve(std::min(size_t(count), kMaxReserve));
  return ParseResult::kOk;
}

// The "$<len>\r\n<payload>\r\n" elements of a multibulk. Returns kOk once all
// expected_args_ are in spans_.
ParseResult Parser::ParseBulks(std::string_view buf) {
  while (spans_.size() < size_t(expected_args_)) {
    if (bulk_len_ < 0) {
      size_t cr = 0;
      switch (ScanLine(buf, '\r', &cr)) {
        case LineScan::kTooLong:
          return Fail(Err::kProtocolBigBulk);
        case LineScan::kNeedMore:
          return ParseResult::kNeedMore;
        case LineScan::kFound:
          break;
      }
      if (cr + 1 >= buf.size()) return ParseResult::kNeedMore;
      // Redis looks at the '$' only once the whole line is there; so do we, so that
      // the same bytes give the same error text.
      if (buf[pos_] != '$') {
        error_char_ = buf[pos_];
        return Fail(Err::kProtocolExpectedDollar);
      }
      int64_t len = 0;
      if (!ParseInt64(buf.substr(pos_ + 1, cr - pos_ - 1), &len) || len < 0 ||
          uint64_t(len) > limits_.max_bulk_len) {
        return Fail(Err::kProtocolBulkLen);
      }
      bulk_len_ = len;
      Advance(cr + 2);
    }
    // The payload is not scanned: only its size matters. Like Redis, the two bytes
    // after it are skipped without checking that they are CRLF.
    if (buf.size() - pos_ < uint64_t(bulk_len_) + 2) return ParseResult::kNeedMore;
    spans_.emplace_back(pos_, size_t(bulk_len_));
    Advance(pos_ + size_t(bulk_len_) + 2);
    bulk_len_ = -1;
  }
  return ParseResult::kOk;
}

// One line up to '\n' (an '\r' before it is dropped). Returns kOk with no args when the
// line held no argument; the line is then skipped (pos_ moves past it) and *consumed is
// left alone.
ParseResult Parser::ParseInline(std::string_view buf, size_t* consumed,
                                std::vector<std::string_view>* args) {
  size_t newline = 0;
  switch (ScanLine(buf, '\n', &newline)) {
    case LineScan::kTooLong:
      return Fail(Err::kProtocolBigInline);
    case LineScan::kNeedMore:
      return ParseResult::kNeedMore;
    case LineScan::kFound:
      break;
  }
  size_t end = newline;
  if (end > pos_ && buf[end - 1] == '\r') --end;
  spans_.clear();
  if (!SplitInline(buf.substr(pos_, end - pos_), pos_)) return Fail(Err::kProtocolQuotes);
  if (spans_.empty()) {
    Advance(newline + 1);
    return ParseResult::kOk;
  }
  *consumed = newline + 1;
  args->reserve(spans_.size());
  for (const auto& [offset, len] : spans_) {
    if (offset == kStoredSpan) {
      args->emplace_back(inline_storage_[len]);
    } else {
      args->emplace_back(buf.data() + offset, len);
    }
  }
  FinishCommand();
  return ParseResult::kOk;
}

// A port of sdssplitargs. Redis runs it on a C string, so a NUL byte ends the line
// there; here the line is a view and NUL is an ordinary byte (binary-safe; Redis would
// not even find the '\n' past a NUL). An argument without quotes stays a view into buf;
// one with quotes is unescaped into inline_storage_.
bool Parser::SplitInline(std::string_view line, size_t base) {
  const size_t n = line.size();
  size_t i = 0;
  while (true) {
    while (i < n && IsSpace(line[i])) ++i;
    if (i == n) return true;
    const size_t start = i;
    size_t stop = 0;                  // end of an arg without quotes
    std::string* unquoted = nullptr;  // set once the arg has quotes in it
    bool in_dq = false;
    bool in_sq = false;
    bool done = false;
    while (!done) {
      const char c = i < n ? line[i] : '\0';
      const bool at_end = i == n;
      if (in_dq) {
        if (at_end) return false;
        if (c == '\\' && i + 3 < n && line[i + 1] == 'x' && IsHex(line[i + 2]) &&
            IsHex(line[i + 3])) {
          unquoted->push_back(char(HexValue(line[i + 2]) * 16 + HexValue(line[i + 3])));
          i += 3;
        } else if (c == '\\' && i + 1 < n) {
          ++i;
          switch (line[i]) {
            case 'n':
              unquoted->push_back('\n');
              break;
            case 'r':
              unquoted->push_back('\r');
              break;
            case 't':
              unquoted->push_back('\t');
              break;
            case 'b':
              unquoted->push_back('\b');
              break;
            case 'a':
              unquoted->push_back('\a');
              break;
            default:
              unquoted->push_back(line[i]);
              break;
          }
        } else if (c == '"') {
          // A closing quote must be followed by a space or nothing at all.
          if (i + 1 < n && !IsSpace(line[i + 1])) return false;
          done = true;
        } else {
          unquoted->push_back(c);
        }
      } else if (in_sq) {
        if (at_end) return false;
        if (c == '\\' && i + 1 < n && line[i + 1] == '\'') {
          ++i;
          unquoted->push_back('\'');
        } else if (c == '\'') {
          if (i + 1 < n && !IsSpace(line[i + 1])) return false;
          done = true;
        } else {
          unquoted->push_back(c);
        }
      } else if (at_end || c == ' ' || c == '\n' || c == '\r' || c == '\t') {
        stop = i;
        done = true;
      } else if (c == '"' || c == '\'') {
        if (unquoted == nullptr) {
          unquoted = &inline_storage_.emplace_back(line.substr(start, i - start));
        }
        in_dq = c == '"';
        in_sq = c == '\'';
      } else if (unquoted != nullptr) {
        unquoted->push_back(c);
      }
      if (!at_end) ++i;
    }
    if (unquoted != nullptr) {
      spans_.emplace_back(kStoredSpan, inline_storage_.size() - 1);
    } else {
      spans_.emplace_back(base + start, stop - start);
    }
  }
}

}  // namespace brisk::resp
