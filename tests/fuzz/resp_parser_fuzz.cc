// libFuzzer target for resp::Parser (and, lightly, resp::ReplyBuilder).
//
// Input: 4 control bytes, then the byte stream a client sends.
//   [0] max_bulk_len      (high bit set: default limit, else 0..63)
//   [1] max_multibulk_len (high bit set: default limit, else 0..15)
//   [2] max_inline_len    (high bit set: default limit, else 0..63)
//   [3] seed for the chunk sizes
//
// Checks, beyond ASan/UBSan:
//   - the stream fed in chunks gives the same commands and the same final state
//     (error row, or bytes left unconsumed) as the stream fed in one piece;
//   - Parse() results respect the contract (consumed, args, sticky errors);
//   - a command re-encoded with ReplyBuilder as a multibulk parses back to itself.
// Every Parse() gets a fresh heap buffer of exactly the unconsumed bytes, so a read
// past the end or through a stale view is caught by ASan.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "resp/parser.h"
#include "resp/reply.h"

namespace {

using brisk::Err;
using brisk::resp::Parser;
using brisk::resp::ParseResult;
using brisk::resp::ParserLimits;
using brisk::resp::ReplyBuilder;
using Command = std::vector<std::string>;

#define FUZZ_CHECK(cond)  \
  do {                    \
    if (!(cond)) abort(); \
  } while (0)

struct Outcome {
  std::vector<Command> commands;
  bool failed = false;
  Err error = Err::kSyntax;
  char error_char = 0;
  size_t unconsumed = 0;
};

uint32_t NextRandom(uint32_t* state) {
  uint32_t x = *state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return x;
}

// Parses everything in `pending` that is complete; false once the parser failed.
bool Drain(Parser* parser, std::string* pending, const ParserLimits& limits, Outcome* out) {
  std::vector<std::string_view> args;
  while (true) {
    size_t n = pending->size();
    std::unique_ptr<char[]> buf(new char[n]);
    if (n != 0) memcpy(buf.get(), pending->data(), n);
    size_t consumed = 777;
    ParseResult r = parser->Parse(std::string_view(buf.get(), n), &consumed, &args);
    if (r == ParseResult::kOk) {
      FUZZ_CHECK(consumed > 0 && consumed <= n);
      FUZZ_CHECK(!args.empty());
      Command c(args.begin(), args.end());
      out->commands.push_back(std::move(c));
      pending->erase(0, consumed);
      continue;
    }
    FUZZ_CHECK(consumed == 0 && args.empty());
    if (r == ParseResult::kNeedMore) {
      FUZZ_CHECK(parser->pending_bulk_hint() <= limits.max_bulk_len + 2);
      return true;
    }
    out->failed = true;
    out->error = parser->error();
    if (out->error == Err::kProtocolExpectedDollar) out->error_char = parser->error_arg()[0];
    // Errors are sticky until Reset().
    FUZZ_CHECK(parser->Parse(std::string_view(buf.get(), n), &consumed, &args) ==
               ParseResult::kError);
    return false;
  }
}

Outcome Run(std::string_view stream, const ParserLimits& limits, uint32_t seed, bool chunked) {
  Parser parser(limits);
  Outcome out;
  std::string pending;
  size_t fed = 0;
  uint32_t state = seed * 2654435761u + 1;
  const uint32_t max_chunk = 1 + seed % 37;
  while (fed < stream.size()) {
    size_t chunk = stream.size() - fed;
    if (chunked) chunk = std::min<size_t>(chunk, 1 + NextRandom(&state) % max_chunk);
    pending.append(stream.substr(fed, chunk));
    fed += chunk;
    if (!Drain(&parser, &pending, limits, &out)) return out;
  }
  out.unconsumed = pending.size();
  return out;
}

bool Same(const Outcome& a, const Outcome& b) {
  if (a.commands != b.commands || a.failed != b.failed) return false;
  if (a.failed) return a.error == b.error && a.error_char == b.error_char;
  return a.unconsumed == b.unconsumed;
}

// Encodes a command as a client would (RESP2 array of bulks) and parses it back.
void RoundTrip(const Command& command, int protocol) {
  std::string out;
  ReplyBuilder rb(&out, protocol);
  rb.ArrayHeader(command.size());
  for (const std::string& arg : command) rb.Bulk(arg);
  Parser parser;
  size_t consumed = 0;
  std::vector<std::string_view> args;
  FUZZ_CHECK(parser.Parse(out, &consumed, &args) == ParseResult::kOk);
  FUZZ_CHECK(consumed == out.size());
  FUZZ_CHECK(Command(args.begin(), args.end()) == command);

  // The other methods must not crash and errors must stay on one line.
  std::string other;
  rb.set_buffer(&other);
  for (const std::string& arg : command) {
    size_t before = other.size();
    rb.Error(arg);
    FUZZ_CHECK(other.find_first_of("\r\n", before) == other.size() - 2);
    int64_t i = 0;
    double d = 0;
    memcpy(&i, arg.data(), std::min(arg.size(), sizeof(i)));
    memcpy(&d, arg.data(), std::min(arg.size(), sizeof(d)));
    rb.Integer(i);
    rb.BulkInt(i);
    rb.Double(d);
    rb.Verbatim(arg, arg);
    rb.BigNumber(arg);
    rb.MapHeader(arg.size());
    rb.Bool(arg.size() % 2 == 0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  ParserLimits limits;
  if ((data[0] & 0x80) == 0) limits.max_bulk_len = data[0] % 64;
  if ((data[1] & 0x80) == 0) limits.max_multibulk_len = data[1] % 16;
  if ((data[2] & 0x80) == 0) limits.max_inline_len = data[2] % 64;
  const uint32_t seed = data[3];
  std::string_view stream(reinterpret_cast<const char*>(data) + 4, size - 4);

  Outcome whole = Run(stream, limits, seed, false);
  Outcome chunked = Run(stream, limits, seed, true);
  FUZZ_CHECK(Same(whole, chunked));

  for (size_t i = 0; i < whole.commands.size() && i < 8; ++i) {
    RoundTrip(whole.commands[i], (seed & 1) != 0 ? 3 : 2);
  }
  return 0;
}
