#include "log/crc32c.h"

#include <isa-l/crc.h>

#include <algorithm>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BRISK_CRC_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define BRISK_CRC_ASAN 1
#endif

namespace brisk::applog {

uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n) {
  auto* p = static_cast<unsigned char*>(const_cast<void*>(data));  // isa-l's API is not const
#ifdef BRISK_CRC_ASAN
  // isa-l is uninstrumented assembly: touch both ends so ASan still sees a bad range.
  if (n > 0) {
    [[maybe_unused]] volatile unsigned char first = p[0];
    [[maybe_unused]] volatile unsigned char last = p[n - 1];
  }
#endif
  uint32_t state = ~crc;
  constexpr size_t kMaxChunk = size_t{1} << 30;  // crc32_iscsi takes an int length
  while (n > 0) {
    size_t chunk = std::min(n, kMaxChunk);
    state = crc32_iscsi(p, static_cast<int>(chunk), state);
    p += chunk;
    n -= chunk;
  }
  return ~state;
}

}  // namespace brisk::applog
