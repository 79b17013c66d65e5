// DurableServer: a brisk-server process over a data directory that outlives it, for the
// append-log tests: start, kill -9, restart on the same --dir, inspect the log file and
// the server log, and start-ups that are expected to fail (exit code, message).
// Unlike TestServer, "ready" means serving commands (not -LOADING), and a failed start is
// a result, not an exception. Header-only so that the test build needs no new sources.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "test_server.h"

namespace brisk::test {

class DurableServer {
 public:
  explicit DurableServer(std::vector<std::string> args = {}) : args_(std::move(args)) {
    char tmpl[] = "/tmp/brisk-aof-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  ~DurableServer() {
    if (pid_ > 0) Kill9();
    std::string cmd = "rm -rf '" + dir_ + "'";
    int ignored = system(cmd.c_str());
    (void)ignored;
  }
  DurableServer(const DurableServer&) = delete;
  DurableServer& operator=(const DurableServer&) = delete;

  const std::string& dir() const { return dir_; }
  std::string aof_path() const { return dir_ + "/appendonly.aof"; }
  // The log of the most recent start (one file per start).
  std::string log_path() const { return dir_ + "/server-" + std::to_string(starts_) + ".log"; }
  std::string log_text() const {
    std::ifstream in(log_path());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  int exit_code() const { return exit_code_; }

  // Starts with the constructor's args plus `extra`. Returns true once it answers PING
  // with PONG (it has finished loading); false if it exited (exit_code()) or timed out.
  bool Start(const std::vector<std::string>& extra = {}, int timeout_s = 30) {
    Launch(extra);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    while (std::chrono::steady_clock::now() < deadline) {
      if (Exited()) return false;
      if (Ping() == "PONG") return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // poll interval only
    }
    return false;
  }
  // Starts without waiting (for -LOADING probes).
  void Launch(const std::vector<std::string>& extra = {}) {
    ++starts_;
    port_ = FreePort();
    exit_code_ = -1;
    std::vector<std::string> argv = {ServerBinary(), "--port", std::to_string(port_), "--bind",
                                     "127.0.0.1", "--dir", dir_, "--logfile", log_path()};
    for (auto& a : args_) argv.push_back(a);
    for (auto& a : extra) argv.push_back(a);
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> p;
      for (auto& a : argv) p.push_back(a.data());
      p.push_back(nullptr);
      int devnull = open("/dev/null", O_RDWR);
      dup2(devnull, STDIN_FILENO);
      dup2(devnull, STDOUT_FILENO);
      execv(p[0], p.data());
      _exit(127);
    }
  }
  // PING's reply text ("PONG", a -LOADING error, or "" if not connectable).
  std::string Ping() const {
    timeval tv{0, 200000};
    redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
    std::string out;
    if (c != nullptr && c->err == 0) {
      redisSetTimeout(c, timeval{2, 0});
      auto* r = static_cast<redisReply*>(redisCommand(c, "PING"));
      if (r != nullptr && (r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_ERROR)) {
        out.assign(r->str, r->len);
      }
      if (r != nullptr) freeReplyObject(r);
    }
    if (c != nullptr) redisFree(c);
    return out;
  }
  RedisConn Connect() const {
    timeval tv{5, 0};
    RedisConn c(redisConnectWithTimeout("127.0.0.1", port_, tv));
    if (c && c->err == 0) redisSetTimeout(c.get(), tv);
    return c;
  }
  // True once the process has exited (records exit_code()).
  bool Exited() {
    if (pid_ <= 0) return true;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
    pid_ = -1;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return true;
  }
  // Waits (bounded) for the process to exit; false on timeout.
  bool WaitExit(int timeout_s = 30) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    while (std::chrono::steady_clock::now() < deadline) {
      if (Exited()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }
  void Kill9() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    int status;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    exit_code_ = 128 + SIGKILL;
  }
  // SIGTERM and wait; the exit code (or -1 on timeout, after SIGKILL).
  int Stop() {
    if (pid_ <= 0) return exit_code_;
    kill(pid_, SIGTERM);
    if (WaitExit(30)) return exit_code_;
    Kill9();
    return -1;
  }

 private:
  std::vector<std::string> args_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  int exit_code_ = -1;
  int starts_ = 0;
};

// File helpers for damaging a log on purpose.
inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
inline void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

}  // namespace brisk::test
