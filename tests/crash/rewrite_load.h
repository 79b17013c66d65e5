// Log rewrites during the crash tests (issue 4: "kill -9 ... also during a rewrite"):
// filler keys that make every rewrite take a while, a client that keeps starting
// BGREWRITEAOF, and the start-up checks after a kill (no temp file survives, the filler is
// intact).
//
// Thread safety: RewriteLoop's counters are atomics; Start/Stop from the test thread.
#pragma once

#include <sys/stat.h>

#include <atomic>
#include <string>
#include <thread>

#include "durable_server.h"
#include "test_util.h"

namespace brisk::crashtest {

// SETs f:0..n-1 in `db`, pipelined. False if the server did not answer.
inline bool PreloadFiller(redisContext* c, int db, int n) {
  if (test::Run(c, {"SELECT", std::to_string(db)}) != "OK") return false;
  for (int i = 0; i < n; ++i) redisAppendCommand(c, "SET f:%d filler-%d", i, i);
  for (int i = 0; i < n; ++i) {
    void* r = nullptr;
    if (redisGetReply(c, &r) != REDIS_OK) return false;
    freeReplyObject(r);
  }
  return test::Run(c, {"SELECT", "0"}) == "OK";
}

inline bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

// Starts BGREWRITEAOF again as soon as the previous one ended, until Stop() or the kill.
class RewriteLoop {
 public:
  void Start(int port) {
    stop_ = false;
    in_progress_ = false;
    thread_ = std::thread([this, port] { Run(port); });
  }
  // Joins; returns whether a rewrite was running at the last look before it stopped.
  bool Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return in_progress_.load();
  }
  long started() const { return started_.load(); }
  long finished() const { return finished_.load(); }

 private:
  void Run(int port) {
    timeval tv{5, 0};
    test::RedisConn c(redisConnectWithTimeout("127.0.0.1", port, tv));
    if (!c || c->err != 0) return;
    redisSetTimeout(c.get(), tv);
    while (!stop_.load()) {
      std::string r = test::Run(c.get(), {"BGREWRITEAOF"});
      if (r == "Background append only file rewriting started") {
        ++started_;
        in_progress_ = true;
      } else if (r.rfind("ERR Background append only file rewriting already", 0) != 0) {
        return;  // the server is gone
      }
      // Poll until it ended (this pause is only a poll interval).
      for (;;) {
        if (stop_.load()) return;
        std::string info = test::Run(c.get(), {"INFO", "persistence"});
        if (info.find("aof_rewrite_in_progress:") == std::string::npos) return;  // killed
        if (info.find("aof_rewrite_in_progress:0") != std::string::npos) {
          in_progress_ = false;
          if (info.find("aof_last_bgrewrite_status:ok") != std::string::npos) ++finished_;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    }
  }

  std::thread thread_;
  std::atomic<bool> stop_{false}, in_progress_{false};
  std::atomic<long> started_{0}, finished_{0};
};

}  // namespace brisk::crashtest
