// An independent reader of the append-log format (docs/log-format.md), written from the
// document and not from src/log, so that the crash tests check the server against the
// specification rather than against its own code: CRC-32C, the file header, the record
// framing, batches, and a replay of the two per-key effects (SET [PXAT], DEL) into a map.
//
// Thread safety: none needed; values only.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace brisk::crashtest {

// CRC-32C (Castagnoli, reflected 0x82F63B78, init and final XOR 0xFFFFFFFF), bitwise:
// slow and obviously right, which is what an oracle should be.
inline uint32_t Crc32c(const char* p, size_t n) {
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) {
    crc ^= static_cast<uint8_t>(p[i]);
    for (int b = 0; b < 8; ++b) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
  }
  return crc ^ 0xFFFFFFFFu;
}

inline uint64_t GetLE(const std::string& s, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(s[at + size_t(i)]);
  return v;
}

struct ParsedRecord {
  size_t offset = 0;  // of the record header
  size_t size = 0;    // header + payload
  uint64_t lsn = 0;
  uint8_t kind = 0;
  bool end_of_batch = false;
  int db = 0;
  std::vector<std::string> argv;
  size_t batch = 0;  // index of the batch it belongs to
};

struct ParsedLog {
  size_t header_size = 0;
  std::vector<ParsedRecord> records;
  std::vector<size_t> batch_ends;  // file offset just past each batch, in order
  std::string error;               // empty if the whole file is a clean v1 log

  // End of the last complete batch that lies entirely within [0, cut): the loader's G.
  size_t GoodPrefix(size_t cut) const {
    size_t g = header_size;
    for (size_t end : batch_ends) {
      if (end > cut) break;
      g = end;
    }
    return g;
  }
  // Start of the batch that holds record i.
  size_t BatchStart(size_t i) const {
    size_t b = records[i].batch;
    return b == 0 ? header_size : batch_ends[b - 1];
  }
};

// Parses a log written by a healthy server that was stopped cleanly; any deviation from
// the document is reported in `error` (the test fails on it).
inline ParsedLog ParseLog(const std::string& f) {
  ParsedLog out;
  if (f.size() < 64 || f.compare(0, 8, "BRISKLOG") != 0) {
    out.error = "no v1 header";
    return out;
  }
  if (GetLE(f, 8, 2) != 1 || GetLE(f, 10, 2) != 0) out.error = "unexpected version/flags";
  size_t h = GetLE(f, 12, 4);
  if (h < 64 || h > f.size() || GetLE(f, h - 4, 4) != Crc32c(f.data(), h - 4)) {
    out.error = "bad header size or header CRC";
    return out;
  }
  out.header_size = h;
  uint64_t last_lsn = GetLE(f, 16, 8);
  size_t pos = h, batch = 0;
  while (pos < f.size() && out.error.empty()) {
    if (f.size() - pos < 20) {
      out.error = "short record header at " + std::to_string(pos);
      break;
    }
    ParsedRecord r;
    r.offset = pos;
    size_t len = GetLE(f, pos + 4, 4);
    r.size = 20 + len;
    r.lsn = GetLE(f, pos + 8, 8);
    r.kind = static_cast<uint8_t>(f[pos + 16]);
    r.end_of_batch = (static_cast<uint8_t>(f[pos + 17]) & 1) != 0;
    r.db = static_cast<int>(GetLE(f, pos + 18, 2));
    r.batch = batch;
    if (pos + r.size > f.size() || GetLE(f, pos, 4) != Crc32c(f.data() + pos + 4, r.size - 4) ||
        r.kind != 1 || (static_cast<uint8_t>(f[pos + 17]) & ~1u) != 0 || r.lsn <= last_lsn) {
      out.error = "bad record (size, CRC, kind, flags or LSN) at " + std::to_string(pos);
      break;
    }
    size_t p = pos + 20, end = pos + r.size;
    if (end - p < 4) {
      out.error = "short argc at " + std::to_string(pos);
      break;
    }
    size_t argc = GetLE(f, p, 4);
    p += 4;
    for (size_t i = 0; i < argc && out.error.empty(); ++i) {
      size_t alen = end - p >= 4 ? GetLE(f, p, 4) : SIZE_MAX;
      if (alen == SIZE_MAX || alen > end - p - 4) {
        out.error = "bad argv at " + std::to_string(pos);
        break;
      }
      r.argv.push_back(f.substr(p + 4, alen));
      p += 4 + alen;
    }
    if (out.error.empty() && (argc == 0 || p != end))
      out.error = "bad argv at " + std::to_string(pos);
    last_lsn = r.lsn;
    pos = end;
    if (r.end_of_batch) {
      out.batch_ends.push_back(pos);
      ++batch;
    }
    out.records.push_back(std::move(r));
  }
  if (out.error.empty() && !out.records.empty() && !out.records.back().end_of_batch) {
    out.error = "file does not end at the end of a batch";
  }
  return out;
}

// Key (as "db/key") -> "value @pexpiretime" (-1 without expiry): what GET and PEXPIRETIME
// must show after a replay. Same form as crash_test's snapshots of a live server.
using KeyValues = std::map<std::string, std::string>;

// Replays the records of every batch that ends at or before `good_size`. Only the effects
// the v1 server writes for strings are modelled; anything else sets *error.
inline KeyValues ReplayPrefix(const ParsedLog& log, size_t good_size, std::string* error) {
  KeyValues kv;
  for (const ParsedRecord& r : log.records) {
    if (log.batch_ends[r.batch] > good_size) break;
    const auto& a = r.argv;
    std::string prefix = std::to_string(r.db) + "/";
    if (a[0] == "SET" && a.size() == 3) {
      kv[prefix + a[1]] = a[2] + " @-1";
    } else if (a[0] == "SET" && a.size() == 5 && a[3] == "PXAT") {
      kv[prefix + a[1]] = a[2] + " @" + a[4];
    } else if (a[0] == "DEL" && a.size() >= 2) {
      for (size_t i = 1; i < a.size(); ++i) kv.erase(prefix + a[i]);
    } else {
      *error = "effect not modelled by the test: " + a[0] + " (" + std::to_string(a.size()) +
               " args) at offset " + std::to_string(r.offset);
      return kv;
    }
  }
  return kv;
}

}  // namespace brisk::crashtest
