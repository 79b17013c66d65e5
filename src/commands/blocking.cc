#include "commands/blocking.h"

#include <climits>
#include <cmath>

#include "commands/context.h"
#include "common/errors.h"
#include "common/numbers.h"

namespace brisk::cmd {

void BlockingRegistry::Block(ClientState* client, int db, std::span<const std::string_view> keys,
                             BlockedOp op, int64_t deadline_ms) {
  auto w = std::make_unique<Waiter>();
  w->client = client;
  w->client_id = client->id;
  w->db = db;
  w->op = std::move(op);
  w->deadline_ms = deadline_ms;
  if (by_db_.size() <= size_t(db)) by_db_.resize(size_t(db) + 1);
  KeyMap& map = by_db_[size_t(db)];
  for (std::string_view key : keys) {
    bool dup = false;
    for (const std::string& k : w->keys) dup = dup || k == key;
    if (dup) continue;
    w->keys.emplace_back(key);
    auto it = map.find(key);
    if (it == map.end()) {
      it = map.emplace(std::string(key), KeyWaiters{}).first;
      ++key_count_;
    }
    it->second.fifo.push_back(w.get());
    w->positions.push_back(std::prev(it->second.fifo.end()));
  }
  if (deadline_ms != 0) deadlines_.emplace(deadline_ms, w->client_id);
  client->blocked = true;
  waiters_.emplace(w->client_id, std::move(w));
}

std::unique_ptr<BlockingRegistry::Waiter> BlockingRegistry::Remove(ClientState* client) {
  auto found = waiters_.find(client->id);
  if (found == waiters_.end()) return nullptr;
  std::unique_ptr<Waiter> w = std::move(found->second);
  waiters_.erase(found);
  KeyMap& map = by_db_[size_t(w->db)];
  for (size_t i = 0; i < w->keys.size(); ++i) {
    auto it = map.find(w->keys[i]);
    it->second.fifo.erase(w->positions[i]);
    if (it->second.fifo.empty()) {
      map.erase(it);  // a pending ready entry for it finds no FIFO and is skipped
      --key_count_;
    }
  }
  w->positions.clear();
  if (w->deadline_ms != 0) deadlines_.erase({w->deadline_ms, w->client_id});
  client->blocked = false;
  return w;
}

BlockingRegistry::Waiter* BlockingRegistry::Find(uint64_t client_id) const {
  auto it = waiters_.find(client_id);
  return it == waiters_.end() ? nullptr : it->second.get();
}

void BlockingRegistry::SignalSlow(int db, std::string_view key) {
  KeyMap* map = MapOf(db);
  if (map == nullptr) return;
  auto it = map->find(key);
  if (it == map->end() || it->second.ready) return;
  it->second.ready = true;
  ready_.emplace_back(db, it->first);
}

void BlockingRegistry::SignalDb(int db) {
  KeyMap* map = MapOf(db);
  if (map == nullptr) return;
  for (auto& [key, kw] : *map) {
    if (kw.ready) continue;
    kw.ready = true;
    ready_.emplace_back(db, key);
  }
}

std::vector<std::pair<int, std::string>> BlockingRegistry::TakeReady() {
  std::vector<std::pair<int, std::string>> out;
  out.swap(ready_);
  for (const auto& [db, key] : out) {
    if (KeyMap* map = MapOf(db)) {
      auto it = map->find(key);
      if (it != map->end()) it->second.ready = false;
    }
  }
  return out;
}

const BlockingRegistry::Fifo* BlockingRegistry::WaitersOn(int db, std::string_view key) const {
  const KeyMap* map = MapOf(db);
  if (map == nullptr) return nullptr;
  auto it = map->find(key);
  return it == map->end() ? nullptr : &it->second.fifo;
}

std::vector<uint64_t> BlockingRegistry::Due(int64_t now_ms) const {
  std::vector<uint64_t> out;
  for (const auto& [deadline, id] : deadlines_) {
    if (deadline > now_ms) break;
    out.push_back(id);
  }
  return out;
}

bool ParseBlockTimeout(std::string_view arg, int64_t now_ms, int64_t* deadline_ms,
                       std::string_view* error) {
  long double seconds;
  if (!ParseLongDouble(arg, &seconds)) {
    *error = ErrorText(Err::kTimeoutNotFloat);
    return false;
  }
  // Redis 7.0: ceill(seconds * 1000) (so 0.0001 waits 1 ms, -0.0001 is 0: forever); a
  // value out of the integer range converts to LLONG_MIN on x86 and reads "negative".
  long double ms = std::ceil(seconds * 1000.0L);
  int64_t tval = (ms >= 9223372036854775807.0L || ms <= -9223372036854775807.0L || std::isinf(ms))
                     ? INT64_MIN
                     : int64_t(ms);
  if (tval < 0) {
    *error = ErrorText(Err::kTimeoutNegative);
    return false;
  }
  if (tval > 0 && tval > INT64_MAX - now_ms) {
    *error = ErrorText(Err::kTimeoutOutOfRange);
    return false;
  }
  *deadline_ms = tval == 0 ? 0 : now_ms + tval;
  return true;
}

}  // namespace brisk::cmd
