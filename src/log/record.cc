#include "log/record.h"

#include <cassert>
#include <cstring>
#include <limits>

#include "log/crc32c.h"

namespace brisk::applog {

namespace {

// Little-endian helpers written with shifts, so the format does not depend on the host.
void Put16(char* p, uint16_t v) {
  p[0] = static_cast<char>(v);
  p[1] = static_cast<char>(v >> 8);
}
void Put32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
void Put64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
uint16_t Get16(const char* p) {
  return static_cast<uint16_t>(static_cast<uint8_t>(p[0]) | (static_cast<uint8_t>(p[1]) << 8));
}
uint32_t Get32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
uint64_t Get64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

// Record header layout (docs/log-format.md §2).
constexpr size_t kOffCrc = 0, kOffLen = 4, kOffLsn = 8, kOffKind = 16, kOffFlags = 17, kOffDb = 18;

char* StartRecord(std::string* out, size_t payload_len, uint64_t lsn, int db, uint8_t kind,
                  uint8_t flags) {
  assert(lsn > 0 && kind != kKindInvalid && db >= 0 && db <= 0xFFFF);
  assert(payload_len <= std::numeric_limits<uint32_t>::max());
  size_t start = out->size();
  out->resize(start + kRecordHeaderSize + payload_len);
  char* p = out->data() + start;
  Put32(p + kOffLen, static_cast<uint32_t>(payload_len));
  Put64(p + kOffLsn, lsn);
  p[kOffKind] = static_cast<char>(kind);
  p[kOffFlags] = static_cast<char>(flags);
  Put16(p + kOffDb, static_cast<uint16_t>(db));
  return p;
}

void SealRecord(char* p, size_t payload_len) {
  Put32(p + kOffCrc, Crc32c(p + 4, kRecordHeaderSize - 4 + payload_len));
}

}  // namespace

// ---- file header ----------------------------------------------------------------------

void EncodeFileHeader(const FileHeader& header, std::string* out) {
  size_t start = out->size();
  out->resize(start + kFileHeaderSize, '\0');
  char* p = out->data() + start;
  std::memcpy(p, kMagic.data(), kMagic.size());
  Put16(p + 8, kFormatVersion);
  Put16(p + 10, 0);
  Put32(p + 12, kFileHeaderSize);
  Put64(p + 16, header.base_lsn);
  Put64(p + 24, static_cast<uint64_t>(header.created_unix_ms));
  std::memcpy(p + 32, header.creator.data(), std::min(header.creator.size(), kCreatorSize));
  Put32(p + kFileHeaderSize - 4, Crc32c(p, kFileHeaderSize - 4));
}

HeaderStatus DecodeFileHeader(std::span<const char> bytes, FileHeader* out) {
  if (bytes.size() < kFileHeaderSize) {
    if (!bytes.empty() &&
        std::memcmp(bytes.data(), kMagic.data(), std::min(bytes.size(), kMagic.size())) != 0) {
      return HeaderStatus::kBadMagic;
    }
    return HeaderStatus::kIncomplete;
  }
  const char* p = bytes.data();
  if (std::memcmp(p, kMagic.data(), kMagic.size()) != 0) return HeaderStatus::kBadMagic;
  uint32_t size = Get32(p + 12);
  if (size < kFileHeaderSize) return HeaderStatus::kCorrupt;
  if (bytes.size() < size) return HeaderStatus::kIncomplete;
  if (Get32(p + size - 4) != Crc32c(p, size - 4)) return HeaderStatus::kCorrupt;
  out->version = Get16(p + 8);
  out->flags = Get16(p + 10);
  out->header_size = size;
  out->base_lsn = Get64(p + 16);
  out->created_unix_ms = static_cast<int64_t>(Get64(p + 24));
  const char* creator = p + 32;
  out->creator.assign(creator, strnlen(creator, kCreatorSize));
  if (out->version > kFormatVersion || out->version == 0 || out->flags != 0) {
    return HeaderStatus::kUnsupported;
  }
  return HeaderStatus::kOk;
}

// ---- records --------------------------------------------------------------------------

size_t EncodedRecordSize(std::span<const std::string_view> argv) {
  size_t n = kRecordHeaderSize + 4;
  for (std::string_view a : argv) n += 4 + a.size();
  return n;
}

void AppendEffectRecord(std::string* out, uint64_t lsn, int db, uint8_t flags,
                        std::span<const std::string_view> argv) {
  assert(!argv.empty());
  size_t payload_len = EncodedRecordSize(argv) - kRecordHeaderSize;
  char* rec = StartRecord(out, payload_len, lsn, db, kKindEffect, flags);
  char* p = rec + kRecordHeaderSize;
  Put32(p, static_cast<uint32_t>(argv.size()));
  p += 4;
  for (std::string_view a : argv) {
    Put32(p, static_cast<uint32_t>(a.size()));
    if (!a.empty()) std::memcpy(p + 4, a.data(), a.size());
    p += 4 + a.size();
  }
  SealRecord(rec, payload_len);
}

void AppendRawRecord(std::string* out, uint64_t lsn, int db, uint8_t kind, uint8_t flags,
                     std::string_view payload) {
  char* rec = StartRecord(out, payload.size(), lsn, db, kind, flags);
  if (!payload.empty()) std::memcpy(rec + kRecordHeaderSize, payload.data(), payload.size());
  SealRecord(rec, payload.size());
}

void MarkEndOfBatch(std::string* buf, size_t offset) {
  char* rec = buf->data() + offset;
  rec[kOffFlags] = static_cast<char>(static_cast<uint8_t>(rec[kOffFlags]) | kFlagEndOfBatch);
  SealRecord(rec, Get32(rec + kOffLen));
}

void BatchBuilder::Add(uint64_t lsn, int db, std::span<const std::string_view> argv) {
  assert(lsn > last_lsn_);
  last_offset_ = buf_.size();
  AppendEffectRecord(&buf_, lsn, db, 0, argv);
  last_lsn_ = lsn;
  ++records_;
}

std::string BatchBuilder::Finish() {
  assert(records_ > 0);
  MarkEndOfBatch(&buf_, last_offset_);
  std::string out = std::move(buf_);
  Clear();
  return out;
}

void BatchBuilder::Clear() {
  buf_.clear();
  last_offset_ = 0;
  records_ = 0;
}

std::string_view CorruptReasonName(CorruptReason reason) {
  switch (reason) {
    case CorruptReason::kNone:
      return "none";
    case CorruptReason::kBadKind:
      return "invalid record kind 0";
    case CorruptReason::kBadLsn:
      return "LSN 0";
    case CorruptReason::kBadCrc:
      return "CRC mismatch";
    case CorruptReason::kBadPayload:
      return "malformed argument vector";
  }
  return "?";
}

bool DecodeArgv(std::string_view payload, std::vector<std::string_view>* argv) {
  if (payload.size() < 4) return false;
  const char* p = payload.data();
  size_t left = payload.size() - 4;
  uint32_t argc = Get32(p);
  p += 4;
  // Each argument takes at least 4 bytes: reject absurd counts before touching argv.
  if (argc == 0 || argc > left / 4) return false;
  size_t old_size = argv != nullptr ? argv->size() : 0;
  for (uint32_t i = 0; i < argc; ++i) {
    if (left < 4) break;
    uint32_t len = Get32(p);
    p += 4;
    left -= 4;
    if (len > left) break;
    if (argv != nullptr) argv->emplace_back(p, len);
    p += len;
    left -= len;
    if (i + 1 == argc && left == 0) return true;
  }
  if (argv != nullptr) argv->resize(old_size);
  return false;
}

DecodeResult DecodeRecord(std::span<const char> bytes, DecodedRecord* out,
                          std::vector<std::string_view>* argv) {
  DecodeResult r;
  if (bytes.size() < kRecordHeaderSize) {
    r.status = DecodeStatus::kIncomplete;
    r.needed = kRecordHeaderSize;
    return r;
  }
  const char* p = bytes.data();
  DecodedRecord rec;
  uint32_t len = Get32(p + kOffLen);
  rec.lsn = Get64(p + kOffLsn);
  rec.kind = static_cast<uint8_t>(p[kOffKind]);
  rec.flags = static_cast<uint8_t>(p[kOffFlags]);
  rec.db = Get16(p + kOffDb);
  rec.size = kRecordHeaderSize + size_t{len};
  // Cheap sanity first: a zero-filled tail fails here without a CRC pass.
  if (rec.kind == kKindInvalid) {
    r.status = DecodeStatus::kCorrupt;
    r.reason = CorruptReason::kBadKind;
    return r;
  }
  if (rec.lsn == 0) {
    r.status = DecodeStatus::kCorrupt;
    r.reason = CorruptReason::kBadLsn;
    return r;
  }
  if (bytes.size() < rec.size) {
    r.status = DecodeStatus::kIncomplete;
    r.needed = rec.size;
    return r;
  }
  if (Get32(p + kOffCrc) != Crc32c(p + 4, rec.size - 4)) {
    r.status = DecodeStatus::kCorrupt;
    r.reason = CorruptReason::kBadCrc;
    return r;
  }
  rec.payload = std::string_view(p + kRecordHeaderSize, len);
  if (rec.kind == kKindEffect) {
    if (!DecodeArgv(rec.payload, argv)) {
      r.status = DecodeStatus::kCorrupt;
      r.reason = CorruptReason::kBadPayload;
      return r;
    }
  }
  *out = rec;
  return r;
}

}  // namespace brisk::applog
