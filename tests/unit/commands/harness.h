// In-process command runner for unit tests (Dragonfly's Run({"set","k","v"}) idea):
// a full ServerContext with a fake ServerHooks, no sockets. Run() returns the raw
// RESP bytes of the reply, so tests check exactly what a client would receive.
#pragma once

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "commands/context.h"
#include "commands/dispatcher.h"
#include "common/clock.h"
#include "common/config.h"
#include "engine/keyspace.h"

namespace brisk::test {

class FakeHooks : public cmd::ServerHooks {
 public:
  std::vector<cmd::ClientState*> clients;
  std::vector<cmd::ClientState*> killed;
  std::string sent;                                        // everything sent to anyone
  std::map<const cmd::ClientState*, std::string> sent_to;  // per recipient
  bool shutdown = false;
  std::vector<cmd::ClientState*> Clients() override { return clients; }
  void KillClient(cmd::ClientState* c) override { killed.push_back(c); }
  void SendTo(cmd::ClientState* c, std::string_view bytes) override {
    sent.append(bytes);
    sent_to[c].append(bytes);
  }
  void RequestShutdown() override { shutdown = true; }
  void PauseClients(int64_t, bool) override {}
  void UnpauseClients() override {}
  void Sleep(double) override {}
  int64_t StartTimeMs() const override { return 0; }
  size_t UsedMemory() const override { return 1 << 20; }
  size_t PeakMemory() const override { return 1 << 20; }
  size_t Rss() const override { return 2 << 20; }
  uint16_t Port() const override { return 6379; }
  std::string_view ConfigFile() const override { return ""; }
  std::string_view Executable() const override { return "/usr/bin/brisk-server"; }
};

// Publishes "expired"/"evicted" for keys the engine removes, as the server does.
class NotifyingObserver : public engine::KeyObserver {
 public:
  explicit NotifyingObserver(cmd::ServerContext* server) : server_(server) {}
  void OnKeyRemoved(int db, std::string_view key, engine::RemoveReason reason) override {
    bool expired = reason == engine::RemoveReason::kExpired;
    cmd::NotifyKeyspaceEvent(server_, expired ? notify::kExpired : notify::kEvicted,
                             expired ? "expired" : "evicted", db, key);
  }

 private:
  cmd::ServerContext* server_;
};

class Harness {
 public:
  Harness() : registry_(&config_), keyspace_(16, engine::EngineOptions{}), dispatcher_(&server_) {
    cmd::RegisterAllCommands(&commands_);
    server_.config = &config_;
    server_.config_registry = &registry_;
    server_.keyspace = &keyspace_;
    server_.commands = &commands_;
    server_.hooks = &hooks_;
    server_.watches = &watches_;
    server_.dispatcher = &dispatcher_;
    keyspace_.set_observer(&observer_);
    client_.id = 1;
    client_.authenticated = true;
    client_.addr = "127.0.0.1:50000";
    hooks_.clients.push_back(&client_);
  }

  // Runs one command as `client` (default: the harness's own client) at time now_ms
  // (default: the real clock) and returns the reply bytes.
  std::string Run(std::initializer_list<std::string_view> args) { return Run(std::vector<std::string_view>(args)); }
  std::string Run(const std::vector<std::string_view>& args, cmd::ClientState* client = nullptr) {
    std::string out;
    cmd::ClientState* c = client ? client : &client_;
    resp::ReplyBuilder rb(&out, c->resp);
    int64_t now = now_ms_ ? now_ms_ : clock::UnixMs();
    dispatcher_.Execute(c, cmd::CmdArgs(args), &rb, now);
    return out;
  }

  // Pins the clock (0 = real clock).
  void SetTime(int64_t now_ms) { now_ms_ = now_ms; }

  cmd::ClientState& client() { return client_; }
  cmd::ServerContext& server() { return server_; }
  engine::Keyspace& keyspace() { return keyspace_; }
  Config& config() { return config_; }
  FakeHooks& hooks() { return hooks_; }

 private:
  Config config_;
  ConfigRegistry registry_;
  engine::Keyspace keyspace_;
  cmd::CommandRegistry commands_;
  cmd::WatchTable watches_;
  FakeHooks hooks_;
  cmd::ServerContext server_;
  cmd::Dispatcher dispatcher_;
  NotifyingObserver observer_{&server_};
  cmd::ClientState client_;
  int64_t now_ms_ = 0;
};

// A second (third, ...) authenticated client for multi-client tests.
inline cmd::ClientState MakeClient(uint64_t id, int resp = 2) {
  cmd::ClientState c;
  c.id = id;
  c.resp = resp;
  c.authenticated = true;
  c.addr = "127.0.0.1:" + std::to_string(40000 + id);
  return c;
}

// RESP literals for readable assertions.
inline std::string Bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}
inline std::string Int(int64_t v) { return ":" + std::to_string(v) + "\r\n"; }
inline std::string Err(std::string_view s) { return "-" + std::string(s) + "\r\n"; }
inline const std::string kOk = "+OK\r\n";
inline const std::string kNil = "$-1\r\n";

}  // namespace brisk::test
