#include "rest/json.h"

#include <nlohmann/json.hpp>

#include <cstdio>

#include "rest/base64.h"

namespace brisk::rest {

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not one
// (overlongs, surrogates and code points above U+10FFFF are invalid).
size_t Utf8Length(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return uint8_t(s[k]); };
  uint8_t c = b(i);
  size_t n;
  uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)) return 0;
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

}  // namespace

void AppendJsonString(std::string_view s, std::string* out) {
  out->reserve(out->size() + s.size() + 2);
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    // Copy the longest run that needs no escaping in one append.
    size_t run = i;
    while (run < s.size()) {
      uint8_t c = uint8_t(s[run]);
      if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
      ++run;
    }
    out->append(s.data() + i, run - i);
    i = run;
    if (i == s.size()) break;
    uint8_t c = uint8_t(s[i]);
    if (c >= 0x80) {
      size_t n = Utf8Length(s, i);
      if (n == 0) {
        out->append("\\ufffd");
        ++i;
      } else {
        out->append(s.data() + i, n);
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default: {
        char buf[8];
        snprintf(buf, sizeof(buf), "\\u%04x", unsigned(c));
        out->append(buf, 6);
      }
    }
    ++i;
  }
  out->push_back('"');
}

void AppendJsonBase64(std::string_view bytes, std::string* out) {
  out->push_back('"');
  Base64Encode(bytes, out);
  out->push_back('"');
}

void AppendJsonInt(int64_t v, std::string* out) {
  char buf[24];
  int n = snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(v));
  out->append(buf, size_t(n));
}

bool IsJsonText(std::string_view bytes) {
  size_t i = bytes.find_first_not_of(" \t\r\n");
  if (i == std::string_view::npos) return false;
  char c = bytes[i];
  bool plausible = c == '{' || c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9') ||
                   c == 't' || c == 'f' || c == 'n';
  if (!plausible) return false;
  return nlohmann::json::accept(bytes.begin(), bytes.end());
}

}  // namespace brisk::rest
