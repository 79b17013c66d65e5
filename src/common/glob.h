// Glob matching with Redis's full syntax (stringmatchlen): '*', '?', '[abc]',
// '[^a-z]', ranges, and '\' escapes. Binary-safe. Used by KEYS, SCAN MATCH,
// PSUBSCRIBE and CONFIG GET so they all agree.
//
// Thread safety: pure functions.
#pragma once

#include <string_view>

namespace brisk {

bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase = false);

// The literal prefix of a pattern: the bytes before its first special character
// ('*', '?', '[', '\'). If the whole pattern is literal, returns it whole and sets
// *exact = true.
std::string_view GlobLiteralPrefix(std::string_view pattern, bool* exact);

}  // namespace brisk
