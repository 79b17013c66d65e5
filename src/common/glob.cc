#include "common/glob.h"

#include <cctype>

namespace brisk {
namespace {

int Lower(int c) { return tolower(c); }

// A port of Redis's stringmatchlen_impl, with its recursion-depth guard against
// patterns such as "*****...a" that are exponential otherwise.
bool Match(const char* p, int plen, const char* s, int slen, bool nocase, bool* skip_longer,
           int nesting) {
  if (nesting > 1000) return false;
  while (plen && slen) {
    switch (p[0]) {
      case '*':
        while (plen > 1 && p[1] == '*') {
          p++;
          plen--;
        }
        if (plen == 1) return true;
        while (slen) {
          if (Match(p + 1, plen - 1, s, slen, nocase, skip_longer, nesting + 1)) return true;
          if (*skip_longer) return false;
          s++;
          slen--;
        }
        *skip_longer = true;
        return false;
      case '?':
        s++;
        slen--;
        break;
      case '[': {
        p++;
        plen--;
        bool negate = plen > 0 && p[0] == '^';
        if (negate) {
          p++;
          plen--;
        }
        bool match = false;
        while (true) {
          if (plen <= 0) {
            p--;
            plen++;
            break;
          }
          if (p[0] == '\\' && plen >= 2) {
            p++;
            plen--;
            if (p[0] == s[0]) match = true;
          } else if (p[0] == ']') {
            break;
          } else if (plen >= 3 && p[1] == '-') {
            int start = static_cast<unsigned char>(p[0]);
            int end = static_cast<unsigned char>(p[2]);
            int c = static_cast<unsigned char>(s[0]);
            if (start > end) std::swap(start, end);
            if (nocase) {
              start = Lower(start);
              end = Lower(end);
              c = Lower(c);
            }
            p += 2;
            plen -= 2;
            if (c >= start && c <= end) match = true;
          } else if (!nocase) {
            if (p[0] == s[0]) match = true;
          } else if (Lower(static_cast<unsigned char>(p[0])) ==
                     Lower(static_cast<unsigned char>(s[0]))) {
            match = true;
          }
          p++;
          plen--;
        }
        if (negate) match = !match;
        if (!match) return false;
        s++;
        slen--;
        break;
      }
      case '\\':
        if (plen >= 2) {
          p++;
          plen--;
        }
        [[fallthrough]];
      default:
        if (!nocase) {
          if (p[0] != s[0]) return false;
        } else if (Lower(static_cast<unsigned char>(p[0])) !=
                   Lower(static_cast<unsigned char>(s[0]))) {
          return false;
        }
        s++;
        slen--;
        break;
    }
    p++;
    plen--;
    if (slen == 0) {
      while (plen && *p == '*') {
        p++;
        plen--;
      }
      break;
    }
  }
  return plen == 0 && slen == 0;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase) {
  bool skip_longer = false;
  return Match(pattern.data(), int(pattern.size()), str.data(), int(str.size()), nocase,
               &skip_longer, 0);
}

std::string_view GlobLiteralPrefix(std::string_view pattern, bool* exact) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '*' || c == '?' || c == '[' || c == '\\') {
      *exact = false;
      return pattern.substr(0, i);
    }
  }
  *exact = true;
  return pattern;
}

}  // namespace brisk
