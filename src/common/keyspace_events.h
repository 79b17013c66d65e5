// notify-keyspace-events: the class letters of Redis's notify.c as bits, their parser
// and the normalised form CONFIG GET shows (Redis's keyspaceEventsStringToFlags /
// keyspaceEventsFlagsToString), plus Brisk's own 'T' (table events).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace brisk::notify {

// Channel kinds: where an event is published.
inline constexpr uint32_t kKeyspace = 1u << 0;  // K  __keyspace@<db>__:<key>
inline constexpr uint32_t kKeyevent = 1u << 1;  // E  __keyevent@<db>__:<event>
// Event classes: which events are published.
inline constexpr uint32_t kGeneric = 1u << 2;   // g
inline constexpr uint32_t kString = 1u << 3;    // $
inline constexpr uint32_t kList = 1u << 4;      // l
inline constexpr uint32_t kSet = 1u << 5;       // s
inline constexpr uint32_t kHash = 1u << 6;      // h
inline constexpr uint32_t kZset = 1u << 7;      // z
inline constexpr uint32_t kExpired = 1u << 8;   // x
inline constexpr uint32_t kEvicted = 1u << 9;   // e
inline constexpr uint32_t kStream = 1u << 10;   // t
inline constexpr uint32_t kKeyMiss = 1u << 11;  // m (not in A)
inline constexpr uint32_t kModule = 1u << 12;   // d
inline constexpr uint32_t kNew = 1u << 13;      // n (not in A)
// Brisk: __table@<db>__:<table> carrying "<event> <key>".
inline constexpr uint32_t kTable = 1u << 14;  // T
inline constexpr uint32_t kAll =
    kGeneric | kString | kList | kSet | kHash | kZset | kExpired | kEvicted | kStream | kModule;
inline constexpr uint32_t kChannelKinds = kKeyspace | kKeyevent | kTable;

// Parses a class string ("AKE", "Kg$", "" ...). False on an unknown letter.
bool ParseFlags(std::string_view classes, uint32_t* flags);

// The normalised form: "A" when every class of A is set, else the letters in Redis's
// order (g$lshzxetdn); then K, E, m, and Brisk's T last.
std::string FlagsToString(uint32_t flags);

// The classes that produce events: `flags` when at least one channel kind (K, E, T) is
// on, else 0, so that a caller tests one AND to know whether anything is published.
inline uint32_t ActiveClasses(uint32_t flags) {
  return (flags & kChannelKinds) ? (flags & ~kChannelKinds) : 0;
}

}  // namespace brisk::notify
