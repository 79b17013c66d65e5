// Incremental, zero-copy RESP request parser (RESP2 multibulk and inline commands;
// RESP3 clients send requests in the same multibulk form).
//
// Thread safety: a Parser belongs to one connection; not shared.
//
// Contract:
//   1. Parse() looks at `buf`, which must start at the first byte of the request not yet
//      consumed. It returns kOk with one complete command: `args` holds views into
//      `buf` and `*consumed` is the number of bytes the command occupied. The caller
//      executes the command, then drops `*consumed` bytes from the front of its buffer
//      before calling Parse() again.
//   2. kNeedMore: the request is incomplete. Nothing is consumed; the parser remembers
//      how far it has validated (as offsets relative to the start of `buf`), so the
//      next call with the same bytes plus more does not re-scan them. The caller may
//      move its buffer (realloc/compact) between calls as long as the unconsumed bytes
//      are kept in order at the front.
//   3. kError: a protocol error. error() names the Err row (Redis's "Protocol error: ..."
//      text); the caller replies with it and closes the connection after the reply.
//      The parser must be Reset() before any further use.
//   4. Limits are parameters, never globals: a bulk longer than max_bulk_len, a
//      multibulk count above max_multibulk_len, or an inline line longer than
//      max_inline_len is an error, detected as soon as the header is read (before the
//      payload arrives). Memory used by the parser is O(number of args), never
//      proportional to a *declared* count or length.
//   5. Empty lines and "*0"/"*-1" multibulks are skipped (consumed, no command),
//      as Redis does. Parse() skips them and goes on with the rest of `buf` in the same
//      call; their bytes are counted in the *consumed of the next kOk. If `buf` ends
//      after a skipped line, the result is kNeedMore with nothing consumed (as in 2):
//      the parser remembers it already skipped them.
//   6. Header lines ("*<n>", "$<len>") and inline lines are bounded by max_inline_len
//      (Redis's PROTO_INLINE_MAX_SIZE) bytes before their terminator. Unlike Redis, the
//      check does not depend on how the bytes were split into reads, so a given byte
//      stream always gives the same commands and the same error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/errors.h"

namespace brisk::resp {

struct ParserLimits {
  uint64_t max_bulk_len = 512ull * 1024 * 1024;  // proto-max-bulk-len
  uint64_t max_multibulk_len = 1024 * 1024;      // max args in one command (Redis: INT_MAX)
  size_t max_inline_len = 64 * 1024;             // PROTO_INLINE_MAX_SIZE
};

enum class ParseResult : uint8_t { kOk, kNeedMore, kError };

class Parser {
 public:
  explicit Parser(ParserLimits limits = {}) : limits_(limits) {}

  void set_limits(const ParserLimits& limits) { limits_ = limits; }

  ParseResult Parse(std::string_view buf, size_t* consumed, std::vector<std::string_view>* args);

  // REQUIRES: the last Parse() returned kError.
  Err error() const { return error_; }
  // For kProtocolExpectedDollar: the offending byte as a 1-char string.
  std::string_view error_arg() const { return std::string_view(&error_char_, 1); }

  void Reset();

  // Bytes the parser expects to still arrive for the current command, if known
  // (lets the connection size its read buffer for a large bulk). 0 if unknown.
  size_t pending_bulk_hint() const;

 private:
  enum class LineScan : uint8_t { kFound, kNeedMore, kTooLong };

  ParseResult ParseInline(std::string_view buf, size_t* consumed,
                          std::vector<std::string_view>* args);
  ParseResult ParseMultibulkHeader(std::string_view buf);
  ParseResult ParseBulks(std::string_view buf);
  // Splits `line` (which starts at offset `base` of buf) like Redis's sdssplitargs into
  // spans_. Returns false on unbalanced quotes.
  bool SplitInline(std::string_view line, size_t base);
  LineScan ScanLine(std::string_view buf, char terminator, size_t* at);
  void Advance(size_t new_pos);
  void FinishCommand();
  ParseResult Fail(Err e);

  ParserLimits limits_;
  // State of a partially parsed multibulk, as offsets from the start of buf.
  int64_t expected_args_ = -1;  // -1: multibulk header not yet read
  size_t pos_ = 0;              // bytes of buf already validated
  size_t scan_pos_ = 0;         // >= pos_: the header/inline line terminator is not before this
  size_t avail_ = 0;            // buf.size() at the last Parse(), for pending_bulk_hint()
  int64_t bulk_len_ = -1;       // length of the bulk being read, -1: header not read
  // (offset, len) of args read so far. An inline arg that needed unquoting is stored as
  // (kStoredSpan, index into inline_storage_).
  std::vector<std::pair<size_t, size_t>> spans_;
  static constexpr size_t kStoredSpan = SIZE_MAX;
  // Inline arguments that needed unquoting live here; views stay valid until the
  // next Parse() or Reset().
  std::vector<std::string> inline_storage_;
  Err error_ = Err::kSyntax;
  char error_char_ = 0;
  bool failed_ = false;  // sticky until Reset(): every Parse() returns kError again
};

}  // namespace brisk::resp
