// ASCII text helpers shared by every layer (command names, options, config words and
// HTTP fields are all compared the way Redis's strcasecmp compares them).
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string_view>

namespace brisk {

// ASCII case-insensitive equality on binary-safe views: only A-Z fold to a-z; every
// other byte (including >= 0x80) compares exactly.
inline bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]);
    unsigned char y = static_cast<unsigned char>(b[i]);
    if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace brisk
