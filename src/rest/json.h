// JSON output helpers for the REST adapter. Responses are written straight into the
// response buffer (no DOM) so that the read path builds each body with one pass and no
// intermediate values; request bodies are parsed with nlohmann/json.
//
// Thread safety: pure functions.
//
// Invariants:
//   1. AppendJsonString always produces valid JSON text, whatever the bytes: control
//      characters, quotes and backslashes are escaped, and bytes that are not valid
//      UTF-8 become U+FFFD (use base64 to keep binary values exact: Upstash-Encoding).
//   2. IsJsonText accepts exactly what nlohmann::json::accept accepts (RFC 8259, one
//      value, surrounding whitespace allowed).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace brisk::rest {

// "<escaped bytes>" (invariant 1).
void AppendJsonString(std::string_view bytes, std::string* out);
// "<base64 of bytes>".
void AppendJsonBase64(std::string_view bytes, std::string* out);
void AppendJsonInt(int64_t v, std::string* out);
// Invariant 2. Cheap rejection first: only text starting like a JSON value is parsed.
bool IsJsonText(std::string_view bytes);

}  // namespace brisk::rest
