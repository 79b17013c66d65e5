#include "common/log.h"

#include <fcntl.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <string>

namespace brisk::log {
namespace {
std::atomic<int> g_level{static_cast<int>(Level::kNotice)};
std::atomic<int> g_fd{STDOUT_FILENO};
constexpr std::string_view kNames[] = {"debug", "verbose", "notice", "warning"};
constexpr char kMarks[] = {'.', '-', '*', '#'};
}  // namespace

bool ParseLevel(std::string_view name, Level* out) {
  for (int i = 0; i < 4; ++i) {
    if (name == kNames[i]) {
      *out = static_cast<Level>(i);
      return true;
    }
  }
  return false;
}

std::string_view LevelName(Level level) { return kNames[static_cast<int>(level)]; }
void SetLevel(Level level) { g_level.store(static_cast<int>(level)); }
Level GetLevel() { return static_cast<Level>(g_level.load(std::memory_order_relaxed)); }

bool SetFile(std::string_view path) {
  if (path.empty()) {
    int old = g_fd.exchange(STDOUT_FILENO);
    if (old != STDOUT_FILENO) close(old);
    return true;
  }
  int fd = open(std::string(path).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  int old = g_fd.exchange(fd);
  if (old != STDOUT_FILENO) close(old);
  return true;
}

void Write(Level level, const char* fmt, ...) {
  char buf[1024];
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm tmv;
  localtime_r(&tv.tv_sec, &tmv);
  int n = snprintf(buf, sizeof(buf), "%d:M ", static_cast<int>(getpid()));
  n += static_cast<int>(strftime(buf + n, sizeof(buf) - n, "%d %b %Y %H:%M:%S", &tmv));
  n += snprintf(buf + n, sizeof(buf) - n, ".%03d %c ", static_cast<int>(tv.tv_usec / 1000),
                kMarks[static_cast<int>(level)]);
  va_list ap;
  va_start(ap, fmt);
  int m = vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
  va_end(ap);
  n = (m < 0) ? n : std::min<int>(n + m, sizeof(buf) - 2);
  buf[n++] = '\n';
  ssize_t ignored = ::write(g_fd.load(std::memory_order_relaxed), buf, n);
  (void)ignored;
}

}  // namespace brisk::log
