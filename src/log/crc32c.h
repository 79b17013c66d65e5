// CRC-32C (Castagnoli, iSCSI), the checksum of the append log (docs/log-format.md).
//
// Convention: the standard one (RFC 3720): reflected polynomial 0x82F63B78, initial value
// 0xFFFFFFFF, final XOR 0xFFFFFFFF; Crc32c("123456789") == 0xE3069283. Crc32cExtend takes
// and returns *finished* values, so Crc32cExtend(Crc32c(a), b) == Crc32c(a + b).
//
// Backed by isa-l's crc32_iscsi, which dispatches at run time to the fastest kernel the CPU
// has (PCLMULQDQ folding, SSE4.2 crc32, or a table). isa-l's own convention differs: it
// neither inverts the seed nor the result, i.e. CRC-32C(x) == ~crc32_iscsi(x, n, ~0u); this
// file is the only place that knows.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>

namespace brisk::applog {

uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n);
inline uint32_t Crc32c(const void* data, size_t n) {
  return Crc32cExtend(0, data, n);
}

}  // namespace brisk::applog
