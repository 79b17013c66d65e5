// Memory the engine maps itself (large bucket arrays, slab pages, large expiry-heap
// blocks) is invisible to LeakSanitizer: it looks for pointers only in the malloc heap,
// stacks, TLS and globals. An entry referenced only from such memory (a key in a
// table whose bucket array was mmap'ed) would be reported as a leak, failing the
// ASan test run and the fuzzers. These calls make such a region a root that LSan
// scans; they compile to nothing unless AddressSanitizer (which includes LSan) is on.
//
// Invariant: every RegisterLsanRoot(p, n) is matched by UnregisterLsanRoot(p, n) with
// the same p and n before the memory is unmapped (LSan aborts on an unknown region).
#pragma once

#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#define BRISK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BRISK_ASAN 1
#endif
#endif

#ifdef BRISK_ASAN
#include <sanitizer/lsan_interface.h>
#endif

namespace brisk {

inline void RegisterLsanRoot([[maybe_unused]] const void* p, [[maybe_unused]] size_t n) {
#ifdef BRISK_ASAN
  __lsan_register_root_region(p, n);
#endif
}

inline void UnregisterLsanRoot([[maybe_unused]] const void* p, [[maybe_unused]] size_t n) {
#ifdef BRISK_ASAN
  __lsan_unregister_root_region(p, n);
#endif
}

}  // namespace brisk
