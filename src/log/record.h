// Append-log codec: the file header and the record framing of docs/log-format.md.
// Encoders append to a caller-owned byte buffer (one resize per record, no other heap
// allocation); decoders parse from a byte span and return views into it.
//
// Thread safety: pure functions; BatchBuilder is a plain value (one thread at a time).
// Invariants:
//   1. A decoded record (kOk) has: CRC correct, kind != 0, lsn > 0, and for kind kEffect a
//      payload that is exactly a well-formed argument vector with argc >= 1.
//   2. Decoding never reads outside the given span.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace brisk::applog {

// ---- file header ----------------------------------------------------------------------

inline constexpr std::string_view kMagic = "BRISKLOG";
inline constexpr uint16_t kFormatVersion = 1;
inline constexpr size_t kFileHeaderSize = 64;  // v1 writers; readers accept larger
inline constexpr size_t kCreatorSize = 28;

struct FileHeader {
  uint16_t version = kFormatVersion;
  uint16_t flags = 0;
  uint32_t header_size = kFileHeaderSize;
  uint64_t base_lsn = 0;
  int64_t created_unix_ms = 0;
  std::string creator;  // at most kCreatorSize bytes are stored
};

// Appends a kFileHeaderSize-byte header (version kFormatVersion, flags 0).
void EncodeFileHeader(const FileHeader& header, std::string* out);

enum class HeaderStatus {
  kOk,
  kIncomplete,   // fewer bytes than the header needs
  kBadMagic,     // not a Brisk log
  kCorrupt,      // CRC mismatch or a header size < 64
  kUnsupported,  // newer version or unknown header flags (header is intact)
};
// On kOk and kUnsupported fills *out (header_size tells where records start).
HeaderStatus DecodeFileHeader(std::span<const char> bytes, FileHeader* out);

// ---- records --------------------------------------------------------------------------

inline constexpr size_t kRecordHeaderSize = 20;

enum RecordKind : uint8_t {
  kKindInvalid = 0,
  kKindEffect = 1,            // payload: argument vector; replay = execute it on db
  kKindFirstIgnorable = 128,  // 128..255: may be skipped by readers that do not know them
};
inline constexpr bool IsIgnorableKind(uint8_t kind) {
  return kind >= kKindFirstIgnorable;
}

inline constexpr uint8_t kFlagEndOfBatch = 0x01;
inline constexpr uint8_t kFlagsMustUnderstand = 0x0E;  // bits 1-3: reserved, refuse if set
inline constexpr uint8_t kFlagsMayIgnore = 0xF0;       // bits 4-7: reserved, ignore

// Bytes the record for argv will take (header + payload).
size_t EncodedRecordSize(std::span<const std::string_view> argv);

// Appends one kKindEffect record.
// REQUIRES: lsn > 0; 0 <= db <= 65535; !argv.empty(); payload fits in u32.
void AppendEffectRecord(std::string* out, uint64_t lsn, int db, uint8_t flags,
                        std::span<const std::string_view> argv);
// Appends a record of any kind with an opaque payload (tests and future kinds).
// REQUIRES: kind != 0; lsn > 0; 0 <= db <= 65535.
void AppendRawRecord(std::string* out, uint64_t lsn, int db, uint8_t kind, uint8_t flags,
                     std::string_view payload);
// Sets END_OF_BATCH on the record starting at buf[offset] and re-seals its CRC.
// REQUIRES: a complete, valid record starts at offset.
void MarkEndOfBatch(std::string* buf, size_t offset);

// Builds one batch: Add() each effect in execution order, then Finish().
// Reuse with Clear(); the buffer keeps its capacity.
class BatchBuilder {
 public:
  void Add(uint64_t lsn, int db, std::span<const std::string_view> argv);
  void Add(uint64_t lsn, int db, std::initializer_list<std::string_view> argv) {
    Add(lsn, db, std::span<const std::string_view>(argv.begin(), argv.size()));
  }
  bool empty() const { return records_ == 0; }
  size_t records() const { return records_; }
  uint64_t last_lsn() const { return last_lsn_; }
  // Marks the last record END_OF_BATCH and returns the bytes, leaving the builder empty.
  // REQUIRES: !empty().
  std::string Finish();
  void Clear();

 private:
  std::string buf_;
  size_t last_offset_ = 0;
  size_t records_ = 0;
  uint64_t last_lsn_ = 0;
};

enum class DecodeStatus { kOk, kIncomplete, kCorrupt };

enum class CorruptReason {
  kNone,
  kBadKind,  // kind 0
  kBadLsn,   // lsn 0
  kBadCrc,
  kBadPayload,  // effect payload is not exactly an argument vector
};
std::string_view CorruptReasonName(CorruptReason reason);

struct DecodedRecord {
  uint64_t lsn = 0;
  uint16_t db = 0;
  uint8_t kind = 0;
  uint8_t flags = 0;
  std::string_view payload;
  size_t size = 0;  // header + payload
};

struct DecodeResult {
  DecodeStatus status = DecodeStatus::kOk;
  CorruptReason reason = CorruptReason::kNone;
  size_t needed = 0;  // kIncomplete: total bytes the record needs (>= kRecordHeaderSize)
};

// Decodes the record at the start of bytes. For kKindEffect, appends the argument views
// (into bytes) to *argv if argv is non-null; on failure *argv is left as it was.
DecodeResult DecodeRecord(std::span<const char> bytes, DecodedRecord* out,
                          std::vector<std::string_view>* argv);

// Parses an argument-vector payload, appending to *argv (argv may be null: validate only).
// False if malformed (then *argv is left as it was).
bool DecodeArgv(std::string_view payload, std::vector<std::string_view>* argv);

}  // namespace brisk::applog
