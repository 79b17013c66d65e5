// Base64 (RFC 4648, standard alphabet, padded) for Upstash-Encoding: base64 replies.
//
// Written here rather than taken from a library: it is twenty lines, the encoder is all
// the adapter needs (requests are never base64), and the Debian libraries that offer it
// (OpenSSL's EVP_EncodeBlock, GLib) would add a dependency for one function. The tests
// check the RFC 4648 section 10 vectors and a round trip through the decoder.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace brisk::rest {

void Base64Encode(std::string_view in, std::string* out);  // appends
// Strict decoder (padding required, no whitespace); false on bad input. Tests only.
bool Base64Decode(std::string_view in, std::string* out);

}  // namespace brisk::rest
