// Number parsing and formatting with Redis's exact rules, so replies and errors
// match byte for byte.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace brisk {

// Redis's string2ll: optional '-', no '+', no spaces, no leading zeros ("0" alone is
// fine, "-0" and "007" are not), must fit int64. Returns false otherwise.
bool ParseInt64(std::string_view s, int64_t* out);

// Like ParseInt64 but the value must be >= 0 (and fit uint64 when unsigned is asked).
bool ParseUint64(std::string_view s, uint64_t* out);

// Redis's string2d for scores/float args: strtod on the whole string, no spaces,
// "inf"/"-inf"/"+inf" accepted, NaN rejected.
bool ParseDouble(std::string_view s, double* out);

// Redis's string2ld for INCRBYFLOAT: long double, NaN rejected, no spaces.
bool ParseLongDouble(std::string_view s, long double* out);

// Writes the decimal form into buf (>= 21 bytes); returns length.
size_t FormatInt64(int64_t v, char* buf);

// "%.17g" with Redis's inf spelling ("inf", "-inf"). buf >= 32 bytes.
size_t FormatDouble(double v, char* buf);

// Redis's ld2string(LD_STR_HUMAN) used by INCRBYFLOAT replies: "%.17Lf" with
// trailing zeros (and a trailing '.') removed. buf >= 5500 bytes is not needed:
// returns 0 if it does not fit `cap`.
size_t FormatLongDoubleHuman(long double v, char* buf, size_t cap);

// Redis's memtoull for config sizes: a number with an optional unit
// (b, k, kb, m, mb, g, gb; case-insensitive; k = 1000, kb = 1024).
bool ParseMemSize(std::string_view s, uint64_t* out);

}  // namespace brisk
