// Byte formats of the compact (inline) collection encodings (collections.h), and the
// helpers that read and build them. Pure functions over byte ranges.
//
// Thread safety: pure; readers may use the const helpers on a published entry's blob
// inside a ReadSection.
//
// Formats (the "body" follows the entry's Enc tag byte):
//   listpack: [varint n][n elements: varint length, bytes]
//             hashes store field, value, field, value... (n = 2 x fields); sets store
//             members. Elements keep insertion order, as Redis's listpack.
//   intset:   [u8 width 2|4|8][varint n][n little-endian signed ints of `width` bytes,
//             strictly increasing]
// Varints are LEB128 (7 bits per byte, low first): 1 byte below 128.
//
// Invariants:
//   1. A body is always well-formed and complete: the command layer only publishes
//      what these builders wrote.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace brisk::engine {

inline size_t VarintLen(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

inline size_t PutVarint(char* p, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = char(uint8_t(v) | 0x80);
    v >>= 7;
  }
  p[n++] = char(v);
  return n;
}

inline const char* GetVarint(const char* p, uint64_t* v) {
  uint64_t r = 0;
  int shift = 0;
  for (;;) {
    uint8_t b = uint8_t(*p++);
    r |= uint64_t(b & 0x7F) << shift;
    if (!(b & 0x80)) break;
    shift += 7;
  }
  *v = r;
  return p;
}

// ---- listpack ----

// Splits a listpack body into its element count and element bytes.
inline std::string_view LpElements(std::string_view body, size_t* count) {
  uint64_t n;
  const char* p = GetVarint(body.data(), &n);
  *count = size_t(n);
  return {p, size_t(body.data() + body.size() - p)};
}

// Sequential reader over element bytes.
class LpCursor {
 public:
  explicit LpCursor(std::string_view elems) : p_(elems.data()), end_(elems.data() + elems.size()) {}
  bool done() const { return p_ >= end_; }
  // Offset of the next element within the element bytes it was built on.
  const char* pos() const { return p_; }
  std::string_view Next() {
    uint64_t len;
    const char* d = GetVarint(p_, &len);
    p_ = d + len;
    return {d, size_t(len)};
  }

 private:
  const char* p_;
  const char* end_;
};

// Appends one element (length + bytes) to element bytes under construction.
inline void LpAppend(std::string* elems, std::string_view s) {
  char len[10];
  elems->append(len, PutVarint(len, s.size()));
  elems->append(s);
}

// Encoded size of one element.
inline size_t LpElementBytes(std::string_view s) {
  return VarintLen(s.size()) + s.size();
}

// Writes [tag][varint count] into out (>= 11 bytes); returns its length.
inline size_t LpHeader(uint8_t tag, size_t count, char* out) {
  out[0] = char(tag);
  return 1 + PutVarint(out + 1, count);
}

// ---- intset ----

class IntsetView {
 public:
  explicit IntsetView(std::string_view body) {
    width_ = uint8_t(body[0]);
    uint64_t n;
    data_ = GetVarint(body.data() + 1, &n);
    count_ = size_t(n);
  }
  size_t size() const { return count_; }
  int width() const { return width_; }
  int64_t at(size_t i) const {
    const char* p = data_ + i * width_;
    if (width_ == 2) {
      int16_t v;
      std::memcpy(&v, p, 2);
      return v;
    }
    if (width_ == 4) {
      int32_t v;
      std::memcpy(&v, p, 4);
      return v;
    }
    int64_t v;
    std::memcpy(&v, p, 8);
    return v;
  }
  // Binary search: true if found; *pos = its index or the insertion point.
  bool Find(int64_t v, size_t* pos) const {
    size_t lo = 0, hi = count_;
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      int64_t m = at(mid);
      if (m == v) {
        *pos = mid;
        return true;
      }
      if (m < v) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    *pos = lo;
    return false;
  }

 private:
  const char* data_;
  size_t count_;
  uint8_t width_;
};

inline int IntsetWidthFor(int64_t v) {
  if (v >= INT16_MIN && v <= INT16_MAX) return 2;
  if (v >= INT32_MIN && v <= INT32_MAX) return 4;
  return 8;
}

// Encodes sorted unique values as a full value ([tag][intset body]) into *out.
inline void EncodeIntset(uint8_t tag, const std::vector<int64_t>& values, std::string* out) {
  int width = 2;
  if (!values.empty()) {
    width = std::max(IntsetWidthFor(values.front()), IntsetWidthFor(values.back()));
  }
  out->clear();
  out->push_back(char(tag));
  out->push_back(char(width));
  char len[10];
  out->append(len, PutVarint(len, values.size()));
  size_t base = out->size();
  out->resize(base + values.size() * size_t(width));
  char* p = out->data() + base;
  for (int64_t v : values) {
    if (width == 2) {
      int16_t x = int16_t(v);
      std::memcpy(p, &x, 2);
    } else if (width == 4) {
      int32_t x = int32_t(v);
      std::memcpy(p, &x, 4);
    } else {
      std::memcpy(p, &v, 8);
    }
    p += width;
  }
}

}  // namespace brisk::engine
