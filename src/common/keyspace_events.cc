#include "common/keyspace_events.h"

namespace brisk::notify {

bool ParseFlags(std::string_view classes, uint32_t* flags) {
  uint32_t f = 0;
  for (char c : classes) {
    switch (c) {
      case 'A':
        f |= kAll;
        break;
      case 'g':
        f |= kGeneric;
        break;
      case '$':
        f |= kString;
        break;
      case 'l':
        f |= kList;
        break;
      case 's':
        f |= kSet;
        break;
      case 'h':
        f |= kHash;
        break;
      case 'z':
        f |= kZset;
        break;
      case 'x':
        f |= kExpired;
        break;
      case 'e':
        f |= kEvicted;
        break;
      case 'K':
        f |= kKeyspace;
        break;
      case 'E':
        f |= kKeyevent;
        break;
      case 't':
        f |= kStream;
        break;
      case 'm':
        f |= kKeyMiss;
        break;
      case 'd':
        f |= kModule;
        break;
      case 'n':
        f |= kNew;
        break;
      case 'T':
        f |= kTable;
        break;
      default:
        return false;
    }
  }
  *flags = f;
  return true;
}

std::string FlagsToString(uint32_t flags) {
  std::string s;
  if ((flags & kAll) == kAll) {
    s += 'A';  // as Redis: 'n' is not shown next to 'A'
  } else {
    static constexpr struct {
      uint32_t bit;
      char letter;
    } kOrder[] = {{kGeneric, 'g'}, {kString, '$'}, {kList, 'l'},    {kSet, 's'},
                  {kHash, 'h'},    {kZset, 'z'},   {kExpired, 'x'}, {kEvicted, 'e'},
                  {kStream, 't'},  {kModule, 'd'}, {kNew, 'n'}};
    for (auto [bit, letter] : kOrder) {
      if (flags & bit) s += letter;
    }
  }
  if (flags & kKeyspace) s += 'K';
  if (flags & kKeyevent) s += 'E';
  if (flags & kKeyMiss) s += 'm';
  if (flags & kTable) s += 'T';
  return s;
}

}  // namespace brisk::notify
