// Decoding what an EffectRecorder (commands/effects.h) produced, for the tests that check
// which records a command logs: every record must decode (REQUIRE), in order.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "log/record.h"

namespace brisk::test {

// Calls fn(record, argv) for each record of `bytes`.
template <typename Fn>
void ForEachRecord(const std::string& bytes, Fn&& fn) {
  size_t off = 0;
  while (off < bytes.size()) {
    applog::DecodedRecord r;
    std::vector<std::string_view> argv;
    auto res = applog::DecodeRecord(std::span<const char>(bytes.data() + off, bytes.size() - off),
                                    &r, &argv);
    INFO("record at offset " << off);
    REQUIRE(res.status == applog::DecodeStatus::kOk);
    fn(r, argv);
    off += r.size;
  }
}

// argv joined by spaces: "SET k v".
inline std::string JoinArgv(const std::vector<std::string_view>& argv) {
  std::string text;
  for (auto a : argv) text += (text.empty() ? "" : " ") + std::string(a);
  return text;
}

struct EffectRecord {
  uint64_t lsn;
  int db;
  bool end;          // the record ends its batch
  std::string text;  // JoinArgv of its arguments
};

inline std::vector<EffectRecord> DecodeEffects(const std::string& bytes) {
  std::vector<EffectRecord> out;
  ForEachRecord(bytes, [&](const applog::DecodedRecord& r, std::vector<std::string_view>& argv) {
    out.push_back({r.lsn, r.db, (r.flags & applog::kFlagEndOfBatch) != 0, JoinArgv(argv)});
  });
  return out;
}

}  // namespace brisk::test
