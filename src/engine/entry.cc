// Entry: the one-allocation layout documented in keyspace.h.
#include <bit>
#include <cstddef>
#include <cassert>
#include <cstdlib>
#include <cstring>
#include <new>

#include "common/numbers.h"
#include "engine/collections.h"
#include "engine/keyspace.h"
#include "engine/slab.h"

namespace brisk::engine {

namespace {

template <typename T>
T LoadUnaligned(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

template <typename T>
void StoreUnaligned(char* p, T v) {
  std::memcpy(p, &v, sizeof(T));
}

}  // namespace

static_assert(std::atomic<Entry*>::is_always_lock_free);
static_assert(std::atomic<uint32_t>::is_always_lock_free);

size_t Entry::SizeClass(size_t n) {
  if (n <= 8) return 8;
  if (n <= 64) return (n + 7) & ~size_t{7};
  // Four classes per power of two: step = 2^(bit_width(n-1) - 3).
  size_t step = size_t{1} << (std::bit_width(n - 1) - 3);
  return (n + step - 1) & ~(step - 1);
}

size_t Entry::AllocClass(size_t n) {
  return slab::Serves(n) ? slab::SlotBytes(n) : SizeClass(n);
}

size_t Entry::KeyLength() const {
  return (meta_ & kWideFlag) ? LoadUnaligned<uint32_t>(OptionalArea()) : klen_;
}

size_t Entry::ValueBytes() const {
  if (meta_ & kIntFlag) return 8;
  if (meta_ & kWideFlag) return LoadUnaligned<uint32_t>(OptionalArea() + 4);
  if (meta_ & kMidFlag) return vlen_ | size_t(uint8_t(OptionalArea()[0])) << 8;
  return vlen_;
}

size_t Entry::OptionalBytes() const {
  return ExpireOffset() + ((meta_ & kExpireFlag) ? 12 : 0) + ((meta_ & kLsnFlag) ? 8 : 0);
}

const char* Entry::Payload() const { return OptionalArea() + OptionalBytes(); }

int64_t Entry::int_value() const {
  assert(is_int());
  return LoadUnaligned<int64_t>(ValueData());
}

int64_t Entry::expire_at_ms() const {
  if (!(meta_ & kExpireFlag)) return 0;
  return LoadUnaligned<int64_t>(OptionalArea() + ExpireOffset());
}

uint32_t Entry::heap_pos() const {
  assert(meta_ & kExpireFlag);
  return LoadUnaligned<uint32_t>(OptionalArea() + ExpireOffset() + 8);
}

void Entry::set_heap_pos(uint32_t pos) {
  assert(meta_ & kExpireFlag);
  StoreUnaligned(OptionalArea() + ExpireOffset() + 8, pos);
}

uint64_t Entry::lsn() const {
  if (!(meta_ & kLsnFlag)) return 0;
  size_t off = ExpireOffset() + ((meta_ & kExpireFlag) ? 12 : 0);
  return LoadUnaligned<uint64_t>(OptionalArea() + off);
}

std::string_view Entry::StringValue(char* scratch) const {
  if (is_int()) return {scratch, FormatInt64(int_value(), scratch)};
  return {ValueData(), ValueBytes()};
}

size_t Entry::StringLength() const {
  if (!is_int()) return ValueBytes();
  char buf[24];
  return FormatInt64(int_value(), buf);
}

std::string_view Entry::EncodingName() const {
  if (type() != ObjType::kString) return EncName(EncodingOf(*this));
  if (is_int()) return "int";
  return ValueBytes() <= 44 ? "embstr" : "raw";
}

Entry* Entry::Create(const Shape& shape) {
  static_assert(offsetof(Entry, meta_) == 12 && offsetof(Entry, vlen_) == kHeaderBytes - 1);
  static_assert(sizeof(Entry) == 16);
  size_t vbytes = shape.is_int ? 8 : shape.value_len;
  bool wide = shape.key.size() > 0xFF || (!shape.is_int && shape.value_len > 0xFFFF);
  bool mid = !wide && !shape.is_int && shape.value_len > 0xFF;
  uint8_t meta = uint8_t(uint8_t(shape.type) & kTypeMask);
  if (shape.is_int) meta |= kIntFlag;
  if (shape.expire_at_ms != 0) meta |= kExpireFlag;
  if (shape.has_lsn) meta |= kLsnFlag;
  if (wide) meta |= kWideFlag;
  if (mid) meta |= kMidFlag;
  size_t opt = (wide ? 8 : mid ? 1 : 0) + (shape.expire_at_ms != 0 ? 12 : 0) +
               (shape.has_lsn ? 8 : 0);
  size_t bytes = kHeaderBytes + opt + shape.key.size() + vbytes;
  // Never less than the object itself; ask for the whole size class we account for.
  // 129..2048 bytes come from the exact-fit allocator (engine/slab.h), unless its range
  // is unavailable (then malloc: MemoryBytes may under-count by < 12%).
  size_t want = bytes < sizeof(Entry) ? sizeof(Entry) : bytes;
  void* mem = slab::Serves(want) ? slab::Alloc(want) : nullptr;
  if (mem == nullptr) mem = std::malloc(SizeClass(want));
  if (mem == nullptr) throw std::bad_alloc();
  auto* e = new (mem) Entry;
  e->next_.store(nullptr, std::memory_order_relaxed);
  e->access_.store(shape.access, std::memory_order_relaxed);
  e->meta_ = meta;
  e->klen_ = wide ? 0 : uint8_t(shape.key.size());
  e->vlen_ = wide || shape.is_int ? 0 : uint8_t(shape.value_len);
  char* p = e->OptionalArea();
  if (wide) {
    StoreUnaligned(p, uint32_t(shape.key.size()));
    StoreUnaligned(p + 4, uint32_t(shape.is_int ? 0 : shape.value_len));
    p += 8;
  } else if (mid) {
    *p++ = char(uint8_t(shape.value_len >> 8));
  }
  if (shape.expire_at_ms != 0) {
    StoreUnaligned(p, shape.expire_at_ms);
    StoreUnaligned(p + 8, uint32_t{0});
    p += 12;
  }
  if (shape.has_lsn) {
    StoreUnaligned(p, shape.lsn);
    p += 8;
  }
  if (!shape.key.empty()) std::memcpy(p, shape.key.data(), shape.key.size());
  return e;
}

Entry* Entry::CreateString(const Shape& shape, std::string_view value) {
  Shape s = shape;
  s.type = ObjType::kString;
  int64_t n = 0;
  s.is_int = ParseInt64(value, &n);
  s.value_len = s.is_int ? 0 : value.size();
  Entry* e = Create(s);
  if (s.is_int) {
    StoreUnaligned(e->MutableValue(), n);
  } else if (!value.empty()) {
    std::memcpy(e->MutableValue(), value.data(), value.size());
  }
  return e;
}

Entry::Shape Entry::ShapeOf() const {
  Shape s;
  s.key = key();
  s.type = type();
  s.is_int = is_int();
  s.value_len = is_int() ? 0 : ValueBytes();
  s.expire_at_ms = expire_at_ms();
  s.has_lsn = (meta_ & kLsnFlag) != 0;
  s.lsn = lsn();
  s.access = access_word();
  return s;
}

Entry* Entry::Clone(const Entry& src, std::string_view key, int64_t expire_at_ms, bool has_lsn,
                    uint64_t lsn) {
  Shape s = src.ShapeOf();
  s.key = key;
  s.expire_at_ms = expire_at_ms;
  s.has_lsn = has_lsn;
  s.lsn = lsn;
  Entry* e = Create(s);
  size_t n = src.ValueBytes();
  if (n != 0) std::memcpy(e->MutableValue(), src.ValueData(), n);
  return e;
}

}  // namespace brisk::engine

namespace brisk::engine {

Entry* Entry::Copy(const Entry& src) {
  return Clone(src, src.key(), src.expire_at_ms(), (src.meta_ & kLsnFlag) != 0, src.lsn());
}

}  // namespace brisk::engine
