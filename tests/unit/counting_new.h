// Replaces the global (non-aligned) operator new/delete family of ONE test binary so a
// test can observe allocations. Include it in exactly one .cc of that binary and define
//     void OnTestAllocation(size_t size) noexcept;
// which is called for every allocation (keep it cheap and allocation-free). Every
// allocation and release pairs malloc with free, so ASan's mismatch checks stay valid.
//
// TSan interposes operator new itself (a second definition does not link): under TSan
// BRISK_NO_NEW_OVERRIDE is defined and nothing is replaced; tests must say so.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define BRISK_NO_NEW_OVERRIDE 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define BRISK_NO_NEW_OVERRIDE 1
#endif

void OnTestAllocation(size_t size) noexcept;

#ifndef BRISK_NO_NEW_OVERRIDE
namespace brisk_counting_new {
inline void* Allocate(size_t size) noexcept {
  OnTestAllocation(size);
  return std::malloc(size == 0 ? 1 : size);
}
inline void* AllocateOrThrow(size_t size) {
  if (void* p = Allocate(size)) return p;
  throw std::bad_alloc();
}
}  // namespace brisk_counting_new

void* operator new(size_t size) {
  return brisk_counting_new::AllocateOrThrow(size);
}
void* operator new[](size_t size) {
  return brisk_counting_new::AllocateOrThrow(size);
}
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  return brisk_counting_new::Allocate(size);
}
void* operator new[](size_t size, const std::nothrow_t&) noexcept {
  return brisk_counting_new::Allocate(size);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
#endif
