// OpStatus and Result<T>: how engine ops and argument parsers report outcomes.
//
// Thread safety: value types, no shared state.
// Invariants:
//   1. A Result holds a value iff status() == OpStatus::kOk.
//   2. OpStatus never carries text; the client-visible text for a status comes from
//      the one error table (errors.h) via ErrorFor().
#pragma once

#include <cstdint>
#include <optional>
#include <utility>

namespace brisk {

enum class OpStatus : uint8_t {
  kOk = 0,
  kNotFound,       // key (or member) absent; usually not an error to the client
  kWrongType,      // key holds another type
  kNotInteger,     // argument or stored value is not an integer / out of range
  kNotFloat,       // not a valid float
  kOverflow,       // increment or decrement would overflow
  kNaNOrInf,       // float op would produce NaN or Infinity
  kSyntax,         // syntax error in arguments
  kOutOfRange,     // e.g. DB index, offset
  kInvalidExpire,  // expire time out of range
  kTooBig,         // string would exceed proto-max-bulk-len
  kSkipped,        // condition (NX/XX/GT/LT) not met; nothing done
  kSameObject,     // source and destination are the same
  kBusyKey,        // target exists (COPY without REPLACE...)
  kOom,            // maxmemory reached with noeviction
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(OpStatus status) : status_(status) {}   // NOLINT(google-explicit-constructor)

  bool ok() const { return status_ == OpStatus::kOk; }
  OpStatus status() const { return status_; }
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  OpStatus status_ = OpStatus::kOk;
};

}  // namespace brisk
