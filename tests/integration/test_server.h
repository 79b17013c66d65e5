// TestServer: starts the real brisk-server binary on a free loopback port for one test,
// and always stops it (SIGTERM, then SIGKILL after a bounded wait) when destroyed.
// Readiness is detected by connecting, never by sleeping for a fixed time.
#pragma once

#include <hiredis/hiredis.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace brisk::test {

struct RedisDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using RedisConn = std::unique_ptr<redisContext, RedisDeleter>;

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

class TestServer {
 public:
  // Extra "--directive value" words are appended to the command line.
  explicit TestServer(std::vector<std::string> extra_args = {});
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }
  const std::string& log_path() const { return log_; }

  RedisConn Connect() const;
  // Runs one command (argv form, binary-safe) on a connection.
  static Reply Cmd(redisContext* c, const std::vector<std::string>& argv);
  // Sends SIGTERM and waits (bounded); returns the exit status (or -1 on timeout).
  int Stop();
  bool running() const { return pid_ > 0; }

 private:
  int port_ = 0;
  pid_t pid_ = -1;
  std::string dir_;
  std::string log_;
};

// A free TCP port on 127.0.0.1 (bind to 0, read it back, release it).
int FreePort();
// Path of the brisk-server binary under test.
const char* ServerBinary();

}  // namespace brisk::test
