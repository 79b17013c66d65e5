#include "test_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace brisk::test {

const char* ServerBinary() {
  const char* env = getenv("BRISK_SERVER_BIN");
  return env ? env : BRISK_SERVER_BIN;
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  close(fd);
  return port;
}

TestServer::TestServer(std::vector<std::string> extra_args) {
  char tmpl[] = "/tmp/brisk-test-XXXXXX";
  dir_ = mkdtemp(tmpl);
  log_ = dir_ + "/server.log";
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = FreePort();
    std::vector<std::string> args = {ServerBinary(), "--port", std::to_string(port_), "--bind",
                                     "127.0.0.1", "--dir", dir_, "--logfile", log_};
    for (auto& a : extra_args) args.push_back(a);
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      int devnull = open("/dev/null", O_RDWR);
      dup2(devnull, STDIN_FILENO);
      execv(argv[0], argv.data());
      _exit(127);
    }
    // Wait until it accepts connections (bounded: 10 s), or exits (port race).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      timeval tv{0, 200000};
      redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, tv);
      bool ok = c != nullptr && c->err == 0;
      if (c) redisFree(c);
      if (ok) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // poll interval only
    }
    if (pid_ > 0) Stop();
  }
  throw std::runtime_error("brisk-server did not start; log: " + log_);
}

TestServer::~TestServer() {
  if (pid_ > 0) Stop();
  std::string cmd = "rm -rf '" + dir_ + "'";
  int ignored = system(cmd.c_str());
  (void)ignored;
}

int TestServer::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return -1;
}

RedisConn TestServer::Connect() const {
  timeval tv{5, 0};
  RedisConn c(redisConnectWithTimeout("127.0.0.1", port_, tv));
  if (!c || c->err) throw std::runtime_error("connect failed");
  redisSetTimeout(c.get(), tv);
  return c;
}

Reply TestServer::Cmd(redisContext* c, const std::vector<std::string>& argv) {
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  for (auto& a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  return Reply(static_cast<redisReply*>(
      redisCommandArgv(c, int(argv.size()), ptrs.data(), lens.data())));
}

}  // namespace brisk::test
