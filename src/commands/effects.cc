#include "commands/effects.h"

#include <cinttypes>
#include <cstdio>

#include "commands/collection_util.h"
#include "commands/context.h"
#include "common/log.h"
#include "log/record.h"

namespace brisk::cmd {

void EffectRecorder::Add(int db, std::span<const std::string_view> argv) {
  // Invariant 1: one LSN per record. The dispatcher advanced the keyspace LSN once for
  // this command; a second record of the same command (or a removal outside any write
  // command) takes the next one.
  uint64_t lsn = keyspace_->lsn();
  while (lsn <= last_lsn_) lsn = keyspace_->AdvanceLsn();
  last_record_ = buf_.size();
  applog::AppendEffectRecord(&buf_, lsn, db, 0, argv);
  last_lsn_ = lsn;
  open_ = true;
}

void EffectRecorder::KeyChanged(int db, std::string_view key, int64_t now_ms) {
  const engine::Entry* e = keyspace_->db(db).Peek(key, now_ms);
  if (e == nullptr) {
    std::string_view argv[] = {"DEL", key};
    return Add(db, argv);
  }
  if (e->type() == engine::ObjType::kHash || e->type() == engine::ObjType::kSet ||
      e->type() == engine::ObjType::kList || e->type() == engine::ObjType::kZSet) {
    // A collection changed by a generic command (RENAME, COPY, EXPIRE...): its whole
    // state. Collection commands log their own effects (CommandContext::KeyModified
    // with an effect), so this runs only for those.
    return LogCollectionState(this, db, key, *e);
  }
  if (e->type() != engine::ObjType::kString) {
    // A new type must define its effect before it ships.
    LOG_WARNING("append log: no effect encoding for type %s of a modified key",
                std::string(engine::TypeName(e->type())).c_str());
    return;
  }
  char scratch[32];
  std::string_view value = e->StringValue(scratch);
  if (e->expire_at_ms() == 0) {
    std::string_view argv[] = {"SET", key, value};
    return Add(db, argv);
  }
  char at[24];
  int n = snprintf(at, sizeof(at), "%" PRId64, e->expire_at_ms());
  std::string_view argv[] = {"SET", key, value, "PXAT", std::string_view(at, size_t(n))};
  Add(db, argv);
}

void EffectRecorder::KeyRemoved(int db, std::string_view key) {
  std::string_view argv[] = {"DEL", key};
  Add(db, argv);
}

void EffectRecorder::Explicit(int db, std::span<const std::string_view> argv) { Add(db, argv); }

void EffectRecorder::EndBatch() {
  if (!open_) return;
  applog::MarkEndOfBatch(&buf_, last_record_);
  open_ = false;
  ended_size_ = buf_.size();
  ended_lsn_ = last_lsn_;
}

uint64_t EffectRecorder::TakeBatches(std::string* out) {
  out->clear();
  if (ended_size_ == 0) return 0;
  if (ended_size_ == buf_.size()) {
    out->swap(buf_);
    buf_.clear();
  } else {
    // An open batch (a command still running cannot be here; only removals between
    // commands) stays behind.
    out->assign(buf_, 0, ended_size_);
    buf_.erase(0, ended_size_);
    last_record_ -= ended_size_;
  }
  ended_size_ = 0;
  return ended_lsn_;
}

bool ReplayEffect(ServerContext* server, ClientState* client, uint64_t lsn, int db,
                  std::span<const std::string_view> argv, int64_t now_ms, std::string* reply,
                  std::string* error) {
  const CommandSpec* spec = server->commands->Find(argv[0]);
  if (spec == nullptr) {
    *error = "unknown command '" + std::string(argv[0]) + "'";
    return false;
  }
  if (spec->arity > 0 ? argv.size() != size_t(spec->arity) : argv.size() < size_t(-spec->arity)) {
    *error = "wrong number of arguments for '" + std::string(spec->name) + "'";
    return false;
  }
  if (db < 0 || db >= server->keyspace->num_dbs()) {
    *error = "database " + std::to_string(db) + " out of range";
    return false;
  }
  // New records continue above the logged LSN (O(1): a rewritten log has a gap of
  // applog::kSnapshotLsnReserve after its snapshot).
  server->keyspace->AdvanceLsnTo(lsn);
  client->db_index = db;
  reply->clear();
  resp::ReplyBuilder rb(reply, 2);
  CommandContext ctx(server, client, &rb, now_ms);
  spec->handler(argv, &ctx);
  if (!reply->empty() && (*reply)[0] == '-') {
    size_t end = reply->find('\r');
    *error = reply->substr(1, end == std::string::npos ? std::string::npos : end - 1);
    return false;
  }
  return true;
}

}  // namespace brisk::cmd
