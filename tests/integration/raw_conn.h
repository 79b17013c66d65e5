// RawConn: a plain TCP client for tests that must control the exact bytes on the wire
// (inline commands, RESP3, malformed frames). Header-only; used by several *_test.cc.
//
// Every read is bounded by SO_RCVTIMEO, so a server that never answers makes a test
// fail after the timeout instead of hanging. Nothing here sleeps.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace brisk::test {

class RawConn {
 public:
  enum class ReadResult { kData, kEof, kTimeout, kError };

  explicit RawConn(int port, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    SetTimeout(timeout);
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(uint16_t(port));
    if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
      close(fd_);
      throw std::runtime_error(std::string("connect failed: ") + strerror(errno));
    }
  }
  ~RawConn() {
    if (fd_ >= 0) close(fd_);
  }
  RawConn(const RawConn&) = delete;
  RawConn& operator=(const RawConn&) = delete;

  void SetTimeout(std::chrono::milliseconds t) {
    timeval tv{long(t.count() / 1000), long((t.count() % 1000) * 1000)};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  }

  // Writes all bytes (one send() call when the kernel takes it all). False if the peer
  // closed or the send timed out.
  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      bytes.remove_prefix(size_t(n));
    }
    return true;
  }
  void ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }

  // One recv() into buf_ (appending).
  ReadResult ReadSome() {
    char tmp[65536];
    for (;;) {
      ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
      if (n > 0) {
        buf_.append(tmp, size_t(n));
        return ReadResult::kData;
      }
      if (n == 0) return ReadResult::kEof;
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return ReadResult::kTimeout;
      return errno == ECONNRESET ? ReadResult::kEof : ReadResult::kError;
    }
  }

  // Reads one complete RESP2/RESP3 reply and returns its raw bytes; nullopt on EOF,
  // timeout or error before a full reply arrived.
  std::optional<std::string> ReadReply() {
    for (;;) {
      size_t len = FrameLength(buf_, 0);
      if (len > 0) {
        std::string r = buf_.substr(0, len);
        buf_.erase(0, len);
        return r;
      }
      if (ReadSome() != ReadResult::kData) return std::nullopt;
    }
  }

  // Reads exactly n bytes (or fewer on EOF/timeout).
  std::string ReadExactly(size_t n) {
    while (buf_.size() < n && ReadSome() == ReadResult::kData) {
    }
    std::string r = buf_.substr(0, std::min(n, buf_.size()));
    buf_.erase(0, r.size());
    return r;
  }

  // Reads until the server closes the connection. Returns true on EOF/reset, false on
  // timeout. Everything received on the way is left in pending().
  bool WaitClosed() {
    for (;;) {
      ReadResult r = ReadSome();
      if (r == ReadResult::kEof) return true;
      if (r != ReadResult::kData) return false;
    }
  }

  // Sends a command in RESP array form and returns the raw reply.
  std::optional<std::string> Cmd(const std::vector<std::string>& argv) {
    if (!Send(Encode(argv))) return std::nullopt;
    return ReadReply();
  }

  const std::string& pending() const { return buf_; }
  int fd() const { return fd_; }

  static std::string Encode(const std::vector<std::string>& argv) {
    std::string s = "*" + std::to_string(argv.size()) + "\r\n";
    for (const auto& a : argv) s += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
    return s;
  }

  // Length of the complete RESP2/RESP3 value starting at pos, or 0 if incomplete.
  static size_t FrameLength(const std::string& b, size_t pos) {
    if (pos >= b.size()) return 0;
    size_t eol = b.find("\r\n", pos);
    if (eol == std::string::npos) return 0;
    char t = b[pos];
    size_t line_end = eol + 2;
    switch (t) {
      case '+': case '-': case ':': case '_': case ',': case '#': case '(':
        return line_end - pos;
      case '$': case '!': case '=': {
        long long n = std::stoll(b.substr(pos + 1, eol - pos - 1));
        if (n < 0) return line_end - pos;
        if (b.size() < line_end + size_t(n) + 2) return 0;
        return line_end + size_t(n) + 2 - pos;
      }
      case '*': case '~': case '>': case '%': case '|': {
        long long n = std::stoll(b.substr(pos + 1, eol - pos - 1));
        if (n < 0) return line_end - pos;
        if (t == '%' || t == '|') n *= 2;
        size_t p = line_end;
        for (long long i = 0; i < n; ++i) {
          size_t l = FrameLength(b, p);
          if (l == 0) return 0;
          p += l;
        }
        if (t == '|') {  // an attribute precedes the value it describes
          size_t l = FrameLength(b, p);
          if (l == 0) return 0;
          p += l;
        }
        return p - pos;
      }
      default:
        throw std::runtime_error("unexpected RESP type byte: " + std::string(1, t));
    }
  }

 private:
  int fd_ = -1;
  std::string buf_;
};

}  // namespace brisk::test
