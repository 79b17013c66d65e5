// RESP -> JSON: how a command's reply reaches an HTTP client (Upstash REST conventions).
//
//   simple / bulk string -> string        integer -> number
//   nil ($-1, *-1)       -> null          array   -> array (nested as is)
//   error                -> {"error": text} at the top; a string inside arrays
// The REST client executes with RESP2, so RESP3 maps already arrive as Redis's flat
// RESP2 arrays. With Upstash-Encoding: base64 every string is base64-encoded except
// the top-level status reply OK (what @upstash/redis's decoder expects); error texts are
// never encoded.
//
// Thread safety: pure functions.
//
// Invariants:
//   1. Input is one or more complete replies as resp::ReplyBuilder (RESP2) produced
//      them; anything else (truncated, unknown type, nesting deeper than kMaxDepth) is
//      reported as malformed (0 / false), never read past the end.
//   2. The output is always valid JSON (json.h invariant 1).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace brisk::rest {

inline constexpr int kMaxReplyDepth = 64;

// End offset of the reply starting at pos, or 0 if malformed (invariant 1).
size_t SkipReply(std::string_view resp, size_t pos);

// True if the reply is an error; *text is its text without '-' and CRLF.
bool ReplyIsError(std::string_view reply, std::string_view* text);

// Appends the JSON value of one reply; false if malformed (nothing sensible appended).
bool AppendReplyJson(std::string_view reply, bool base64, std::string* out);

// Appends {"result": value} or {"error": text}; returns false for an error reply (or a
// malformed one, reported as an error).
bool AppendResultObject(std::string_view reply, bool base64, std::string* out);

// The element replies of an array reply; false if the reply is not a (non-null) array.
bool ReplyArrayElements(std::string_view reply, std::vector<std::string_view>* elems);

// The integer of an integer reply; false otherwise.
bool ReplyInteger(std::string_view reply, long long* value);

// The bytes of a bulk or simple string reply; false otherwise (nil included).
bool ReplyString(std::string_view reply, std::string_view* value);

}  // namespace brisk::rest
