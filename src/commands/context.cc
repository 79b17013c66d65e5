#include "commands/context.h"

#include <algorithm>

namespace brisk::cmd {

void WatchTable::Watch(ClientState* client, int db, std::string_view key, bool expired_now) {
  for (const auto& w : client->watched) {
    if (w.db == db && w.key == key) return;
  }
  client->watched.push_back({db, std::string(key), expired_now});
  by_db_[db][std::string(key)].push_back(client);
  ++count_;
}

void WatchTable::UnwatchAll(ClientState* client) {
  for (const auto& w : client->watched) {
    auto db_it = by_db_.find(w.db);
    if (db_it == by_db_.end()) continue;
    auto key_it = db_it->second.find(w.key);
    if (key_it == db_it->second.end()) continue;
    auto& v = key_it->second;
    v.erase(std::remove(v.begin(), v.end(), client), v.end());
    --count_;
    if (v.empty()) db_it->second.erase(key_it);
    if (db_it->second.empty()) by_db_.erase(db_it);
  }
  client->watched.clear();
  client->dirty_cas = false;
}

void WatchTable::Touch(int db, std::string_view key) {
  auto db_it = by_db_.find(db);
  if (db_it == by_db_.end()) return;
  auto key_it = db_it->second.find(std::string(key));
  if (key_it == db_it->second.end()) return;
  for (ClientState* c : key_it->second) c->dirty_cas = true;
}

void WatchTable::TouchDb(int db) {
  auto db_it = by_db_.find(db);
  if (db_it == by_db_.end()) return;
  for (auto& [key, clients] : db_it->second) {
    for (ClientState* c : clients) c->dirty_cas = true;
  }
}

void WatchTable::TouchAll() {
  for (auto& [db, keys] : by_db_) TouchDb(db);
}

void CommandContext::WrongArity(std::string_view name) {
  std::string lower(name);
  for (auto& c : lower) c = char(tolower(static_cast<unsigned char>(c)));
  rb_->Error(FormatError(Err::kWrongArity, {lower}));
}

void CommandContext::UnknownSubcommand(CmdArgs args) {
  std::string upper(args[0]);
  for (auto& c : upper) c = char(toupper(static_cast<unsigned char>(c)));
  rb_->Error(FormatError(Err::kUnknownSubcommand, {args.size() > 1 ? args[1] : "", upper}));
}

}  // namespace brisk::cmd
