#include "log/rewriter.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>

#include "common/clock.h"
#include "common/numbers.h"
#include "engine/hash_set.h"
#include "engine/list.h"
#include "engine/rcu.h"
#include "engine/zset.h"
#include "log/batch_copy.h"
#include "log/record.h"

namespace brisk::applog {

namespace {
constexpr int kMaxTailPasses = 16;
}  // namespace

LogRewriter::LogRewriter(RewriteOptions options) : options_(std::move(options)) {
  next_lsn_ = options_.start_lsn + 1;
  thread_ = std::thread([this] { Run(); });
}

LogRewriter::~LogRewriter() {
  Cancel();
  if (!joined_) thread_.join();
}

RewriteResult LogRewriter::Take() {
  if (!joined_) {
    thread_.join();
    joined_ = true;
  }
  return std::move(result_);
}

void LogRewriter::Run() {
  // Best effort: a lower priority only for this thread (Linux nice is per thread).
  if (options_.nice != 0) {
    (void)setpriority(PRIO_PROCESS, id_t(syscall(SYS_gettid)), options_.nice);
  }
  FileSystem* fs = options_.fs;
  std::unique_ptr<LogFile> out;
  std::string error;
  bool ok = false;
  IoStatus s = fs->Open(options_.temp_path, OpenMode::kAppend, &out);
  if (s.ok()) s = out->Truncate(0);  // a leftover of an earlier attempt
  if (!s.ok()) {
    error = s.what;
  } else if (Snapshot(out.get(), &error) && CopyTail(out.get(), &error)) {
    if (IoStatus z = out->Size(&result_.size); !z.ok()) {
      error = z.what;
    } else {
      ok = true;
    }
  }
  if (ok) {
    result_.ok = true;
    result_.file = std::move(out);
  } else {
    result_.error = cancelled() ? "cancelled" : error;
    if (out != nullptr) (void)out->Close();
    (void)fs->Remove(options_.temp_path);
  }
  finished_.store(true, std::memory_order_release);
  if (options_.on_ready) options_.on_ready();
}

bool LogRewriter::Snapshot(LogFile* out, std::string* error) {
  FileHeader header;
  header.base_lsn = options_.start_lsn;
  header.created_unix_ms = clock::UnixMs();
  header.creator = options_.creator;
  EncodeFileHeader(header, &buf_);
  engine::ReaderThread reader;
  for (int i = 0; i < int(options_.origin.size()); ++i) {
    if (!ScanDb(&reader, i, out, error)) return false;
  }
  reader.Offline();  // invariant 3; the thread stays offline from here on
  return Flush(out, error);
}

bool LogRewriter::ScanDb(engine::ReaderThread* reader, int origin, LogFile* out,
                         std::string* error) {
  const engine::Keyspace& ks = *options_.keyspace;
  const void* contents = options_.origin[size_t(origin)];
  bool failed = false;
  std::string why;
  std::function<void(const engine::Entry&)> visit = [&](const engine::Entry& e) {
    if (!failed && !AppendEntry(e, origin, &why)) failed = true;
  };
  uint64_t cursor = 0;
  do {
    if (cancelled()) return false;
    // One scan step under the SWAPDB seqlock: find where the contents are, scan them,
    // and keep what was scanned only if no swap ran in between.
    for (;;) {
      uint64_t seq = ks.ReadSwapSeq();
      if (seq & 1) {
        std::this_thread::yield();
        continue;
      }
      int slot = -1;
      for (int j = 0; j < ks.num_dbs(); ++j) {
        if (ks.db(j).ReadContentId() == contents) {
          slot = j;
          break;
        }
      }
      size_t mark = buf_.size();
      uint64_t lsn_mark = next_lsn_, keys_mark = result_.keys;
      uint64_t next = 0;
      if (slot >= 0) {
        next = ks.db(slot).ReadScan(cursor, {}, options_.scan_count, clock::UnixMs(), visit);
      }
      if (ks.ReadSwapSeqAgain() != seq) {
        buf_.resize(mark);
        next_lsn_ = lsn_mark;
        result_.keys = keys_mark;
        failed = false;
        continue;
      }
      if (slot < 0) {
        *error = "the contents of database " + std::to_string(origin) + " are gone";
        return false;
      }
      cursor = next;
      break;
    }
    if (failed) {
      *error = why;
      return false;
    }
    if (buf_.size() >= options_.write_buffer) {
      reader->Offline();  // invariant 3
      bool ok = Flush(out, error);
      reader->Online();
      if (!ok) return false;
    }
    if (options_.after_step) options_.after_step();
  } while (cursor != 0);
  return true;
}

bool LogRewriter::AppendEntry(const engine::Entry& e, int db, std::string* error) {
  if (e.lsn() > options_.start_lsn) return true;  // written since the start: in the tail
  switch (e.type()) {
    case engine::ObjType::kString: {
      char scratch[32];
      std::string_view value = e.StringValue(scratch);
      if (e.expire_at_ms() == 0) {
        std::string_view argv[] = {"SET", e.key(), value};
        AppendRecord(db, argv);
      } else {
        char at[24];
        int n = snprintf(at, sizeof(at), "%" PRId64, e.expire_at_ms());
        std::string_view argv[] = {"SET", e.key(), value, "PXAT", std::string_view(at, size_t(n))};
        AppendRecord(db, argv);
      }
      break;
    }
    case engine::ObjType::kHash:
    case engine::ObjType::kSet:
    case engine::ObjType::kList:
    case engine::ObjType::kZSet:
      AppendCollection(e, db);
      break;
    default:
      *error = "no rewrite encoding for type " + std::string(engine::TypeName(e.type()));
      return false;
  }
  if (next_lsn_ - 1 > options_.reserved_lsn) {
    *error = "the snapshot outgrew its reserved LSNs";
    return false;
  }
  ++result_.keys;
  return true;
}

// The same records EffectRecorder logs for a collection's whole state (minus the DEL:
// the key is new to the replay): HSET / SADD / RPUSH / ZADD in chunks, then PEXPIREAT.
void LogRewriter::AppendCollection(const engine::Entry& e, int db) {
  constexpr size_t kChunk = 128;  // elements per record
  bool hash = e.type() == engine::ObjType::kHash;
  bool list = e.type() == engine::ObjType::kList;
  bool zset = e.type() == engine::ObjType::kZSet;
  std::vector<std::string_view> argv;
  owned_.clear();
  owned_.reserve(kChunk);  // no reallocation: argv views into it stay valid
  auto flush = [&] {
    if (argv.size() > 2) AppendRecord(db, argv);
    argv.assign({list   ? std::string_view("RPUSH")
                 : zset ? std::string_view("ZADD")
                 : hash ? std::string_view("HSET")
                        : std::string_view("SADD"),
                 e.key()});
    owned_.clear();
  };
  flush();
  if (list) {
    engine::ListForEachNode(e, [&](std::string_view elems, size_t) {
      engine::LpCursor c(elems);
      while (!c.done()) {
        owned_.emplace_back(c.Next());
        argv.push_back(owned_.back());
        if (owned_.size() == kChunk) flush();
      }
    });
  } else if (zset) {
    engine::ZForRange(e, 0, engine::ZLen(e), false, [&](std::string_view m, double s) {
      char buf[32];
      owned_.emplace_back(buf, FormatDouble(s, buf));  // score, then member (ZADD order)
      argv.push_back(owned_.back());
      owned_.emplace_back(m);
      argv.push_back(owned_.back());
      if (owned_.size() + 2 > kChunk) flush();  // stays within the reserve
      return true;
    });
  } else {
    engine::CollectionForEach(e, [&](std::string_view field, std::string_view value) {
      owned_.emplace_back(field);  // intset members are formatted into a scratch buffer
      argv.push_back(owned_.back());
      if (hash) argv.push_back(value);
      if (owned_.size() == kChunk) flush();
    });
  }
  flush();
  if (e.expire_at_ms() != 0) {
    char at[24];
    int n = snprintf(at, sizeof(at), "%" PRId64, e.expire_at_ms());
    std::string_view pexpireat[] = {"PEXPIREAT", e.key(), std::string_view(at, size_t(n))};
    AppendRecord(db, pexpireat);
  }
}

void LogRewriter::AppendRecord(int db, std::span<const std::string_view> argv) {
  AppendEffectRecord(&buf_, next_lsn_++, db, kFlagEndOfBatch, argv);
}

bool LogRewriter::Flush(LogFile* out, std::string* error) {
  if (buf_.empty()) return true;
  if (IoStatus s = WriteAll(out, buf_); !s.ok()) {
    *error = s.what;
    return false;
  }
  unsynced_ += buf_.size();
  buf_.clear();
  // Incremental fdatasync (Redis's aof-rewrite-incremental-fsync): a large burst of dirty
  // pages would make the log writer's own fdatasyncs wait behind its writeback.
  if (unsynced_ >= options_.sync_every_bytes) return Sync(out, error);
  return true;
}

bool LogRewriter::Sync(LogFile* out, std::string* error) {
  if (IoStatus s = out->Fdatasync(); !s.ok()) {
    *error = s.what;
    return false;
  }
  unsynced_ = 0;
  return true;
}

bool LogRewriter::CopyTail(LogFile* out, std::string* error) {
  std::unique_ptr<LogFile> log;
  if (IoStatus s = options_.fs->Open(options_.log_path, OpenMode::kRead, &log); !s.ok()) {
    *error = s.what;
    return false;
  }
  // Every tail record is above the reserve (step c): this also checks that T is where
  // the loop's records begin.
  BatchCopier copier(log.get(), out, options_.tail_offset, options_.reserved_lsn);
  // Each pass copies what was logged during the previous one; they shrink as long as the
  // disk reads faster than the loop logs. Then the file is fdatasync'ed, and the passes
  // run again to pick up what was logged meanwhile, so that the final fdatasync, and the
  // writer's at the switch (whose replies wait meanwhile), cover only a few records.
  // Whatever is left after the last pass is copied by the writer at the switch.
  for (int round = 0; round < 2; ++round) {
    for (int pass = 0; pass < kMaxTailPasses; ++pass) {
      if (cancelled()) return false;
      uint64_t before = copier.bytes_copied();
      std::string why;
      if (!copier.CopyUpTo(BatchCopier::kToEnd, /*exact=*/false, &why)) {
        *error = "copying the log's tail: " + why;
        return false;
      }
      unsynced_ += copier.bytes_copied() - before;
      if (copier.bytes_copied() - before < options_.catch_up_bytes) break;
    }
    if (!Sync(out, error)) return false;
  }
  result_.copied_to = copier.pos();
  result_.tail_bytes = copier.bytes_copied();
  result_.last_lsn = copier.last_lsn();
  (void)log->Close();
  return true;
}

}  // namespace brisk::applog
