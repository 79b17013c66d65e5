#include "common/numbers.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace brisk {

bool ParseInt64(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  size_t i = 0;
  bool neg = false;
  if (s.size() == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  if (s[0] == '-') {
    neg = true;
    i = 1;
    if (s.size() == 1) return false;
  }
  if (s[i] < '1' || s[i] > '9') return false;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c < '0' || c > '9') return false;
    unsigned d = unsigned(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (neg) {
    if (v > uint64_t(INT64_MAX) + 1) return false;
    *out = v == uint64_t(INT64_MAX) + 1 ? INT64_MIN : -int64_t(v);
  } else {
    if (v > uint64_t(INT64_MAX)) return false;
    *out = int64_t(v);
  }
  return true;
}

bool ParseUint64(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  if (s.size() == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  if (s[0] < '1' || s[0] > '9') return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    unsigned d = unsigned(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

namespace {
bool HasSpace(std::string_view s) {
  return s.empty() || isspace(static_cast<unsigned char>(s.front())) ||
         isspace(static_cast<unsigned char>(s.back()));
}
}  // namespace

bool ParseDouble(std::string_view s, double* out) {
  if (HasSpace(s) || s.size() > 5000) return false;
  std::string tmp(s);
  if (tmp.size() != strlen(tmp.c_str())) return false;
  errno = 0;
  char* end = nullptr;
  double v = strtod(tmp.c_str(), &end);
  if (end != tmp.c_str() + tmp.size() || std::isnan(v)) return false;
  if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || v == 0)) return false;
  *out = v;
  return true;
}

bool ParseLongDouble(std::string_view s, long double* out) {
  if (HasSpace(s) || s.size() > 5000) return false;
  std::string tmp(s);
  if (tmp.size() != strlen(tmp.c_str())) return false;
  errno = 0;
  char* end = nullptr;
  long double v = strtold(tmp.c_str(), &end);
  if (end != tmp.c_str() + tmp.size() || std::isnan(v) || errno == ERANGE) return false;
  *out = v;
  return true;
}

size_t FormatInt64(int64_t v, char* buf) {
  char tmp[24];
  size_t n = 0;
  uint64_t u = v < 0 ? uint64_t(0) - uint64_t(v) : uint64_t(v);
  do {
    tmp[n++] = char('0' + u % 10);
    u /= 10;
  } while (u);
  size_t len = 0;
  if (v < 0) buf[len++] = '-';
  while (n) buf[len++] = tmp[--n];
  return len;
}

size_t FormatDouble(double v, char* buf) {
  if (std::isinf(v)) {
    const char* s = v > 0 ? "inf" : "-inf";
    size_t n = strlen(s);
    memcpy(buf, s, n);
    return n;
  }
  return size_t(snprintf(buf, 32, "%.17g", v));
}

size_t FormatLongDoubleHuman(long double v, char* buf, size_t cap) {
  if (std::isinf(v)) {
    const char* s = v > 0 ? "inf" : "-inf";
    size_t n = strlen(s);
    if (n >= cap) return 0;
    memcpy(buf, s, n);
    return n;
  }
  int n = snprintf(buf, cap, "%.17Lf", v);
  if (n < 0 || size_t(n) >= cap) return 0;
  if (memchr(buf, '.', size_t(n)) != nullptr) {
    while (n > 0 && buf[n - 1] == '0') --n;
    if (n > 0 && buf[n - 1] == '.') --n;
  }
  if (n == 2 && buf[0] == '-' && buf[1] == '0') {  // "-0" -> "0"
    buf[0] = '0';
    n = 1;
  }
  return size_t(n);
}

bool ParseMemSize(std::string_view s, uint64_t* out) {
  size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  if (digits == 0) return false;
  uint64_t base;
  if (!ParseUint64(s.substr(0, digits), &base)) return false;
  std::string unit;
  for (char c : s.substr(digits)) unit.push_back(char(tolower(static_cast<unsigned char>(c))));
  uint64_t mul;
  if (unit.empty() || unit == "b") mul = 1;
  else if (unit == "k") mul = 1000;
  else if (unit == "kb") mul = 1024;
  else if (unit == "m") mul = 1000 * 1000;
  else if (unit == "mb") mul = 1024 * 1024;
  else if (unit == "g") mul = 1000ull * 1000 * 1000;
  else if (unit == "gb") mul = 1024ull * 1024 * 1024;
  else return false;
  if (base != 0 && mul > UINT64_MAX / base) return false;
  *out = base * mul;
  return true;
}

}  // namespace brisk
