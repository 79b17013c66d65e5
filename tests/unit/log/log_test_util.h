// Helpers for the log-layer tests: build logs from effect lists, load them back.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "log/fault_file.h"
#include "log/loader.h"
#include "log/record.h"

namespace brisk::applog::test {

using Argv = std::vector<std::string>;
struct Effect {
  int db;
  Argv argv;
};
using Batch = std::vector<Effect>;

struct LoadedRecord {
  uint64_t lsn;
  int db;
  Argv argv;
  bool operator==(const LoadedRecord&) const = default;
};

struct BuiltLog {
  std::string bytes;
  std::vector<size_t> batch_ends;     // offset just past each batch
  std::vector<size_t> record_starts;  // offset of each record
  std::vector<LoadedRecord> records;  // what a loader must yield, in order
};

inline std::string EncodeBatch(const Batch& batch, uint64_t* next_lsn,
                               std::vector<LoadedRecord>* expect = nullptr) {
  BatchBuilder b;
  for (const Effect& e : batch) {
    std::vector<std::string_view> views(e.argv.begin(), e.argv.end());
    b.Add(*next_lsn, e.db, views);
    if (expect != nullptr) expect->push_back({*next_lsn, e.db, e.argv});
    ++*next_lsn;
  }
  return b.Finish();
}

inline BuiltLog BuildLog(const std::vector<Batch>& batches, uint64_t base_lsn = 0) {
  BuiltLog log;
  FileHeader h;
  h.base_lsn = base_lsn;
  h.created_unix_ms = 1700000000000;
  h.creator = "test";
  EncodeFileHeader(h, &log.bytes);
  uint64_t lsn = base_lsn + 1;
  for (const Batch& batch : batches) {
    for (const Effect& e : batch) {
      log.record_starts.push_back(log.bytes.size());
      std::vector<std::string_view> views(e.argv.begin(), e.argv.end());
      AppendEffectRecord(&log.bytes, lsn, e.db, &e == &batch.back() ? kFlagEndOfBatch : 0, views);
      log.records.push_back({lsn, e.db, e.argv});
      ++lsn;
    }
    log.batch_ends.push_back(log.bytes.size());
  }
  return log;
}

// Deterministic varied batches: 1-4 effects, binary keys and values, various dbs.
inline std::vector<Batch> SampleBatches(int n, uint32_t seed = 1) {
  std::vector<Batch> out;
  uint32_t x = seed * 2654435761u + 1;
  auto next = [&] { return x = x * 1103515245u + 12345u, (x >> 16) & 0x7fff; };
  for (int i = 0; i < n; ++i) {
    Batch b;
    int effects = 1 + static_cast<int>(next() % 4);
    for (int e = 0; e < effects; ++e) {
      std::string key = "k" + std::to_string(i) + ":" + std::to_string(e);
      std::string value(next() % 40, '\0');
      for (char& c : value) c = static_cast<char>(next() & 0xff);
      switch (next() % 4) {
        case 0:
          b.push_back({int(next() % 16), {"SET", key, value}});
          break;
        case 1:
          b.push_back({int(next() % 16), {"SET", key, value, "PXAT", "1700000000123"}});
          break;
        case 2:
          b.push_back({int(next() % 16), {"DEL", key}});
          break;
        default:
          b.push_back({int(next() % 16), {"PEXPIREAT", key, "1700000000999"}});
          break;
      }
    }
    out.push_back(std::move(b));
  }
  return out;
}

struct Loaded {
  LoadReport report;
  std::vector<LoadedRecord> records;
};

inline Loaded LoadFrom(FileSystem* fs, const std::string& path, LoadOptions options = {}) {
  Loaded out;
  LogLoader loader(fs, options);
  out.report = loader.Load(path, [&](uint64_t lsn, int db, std::span<const std::string_view> argv) {
    out.records.push_back({lsn, db, Argv(argv.begin(), argv.end())});
    return true;
  });
  return out;
}

// Loads bytes as a file of a fresh in-memory file system; *after gets the file afterwards.
inline Loaded LoadBytes(const std::string& bytes, LoadOptions options = {},
                        std::string* after = nullptr) {
  MemFileSystem fs;
  fs.SetContents("log", bytes);
  Loaded out = LoadFrom(&fs, "log", options);
  if (after != nullptr) *after = fs.Contents("log");
  return out;
}

}  // namespace brisk::applog::test
