// Server log: one line per event, "pid:M dd Mon yyyy hh:mm:ss.mmm <lvl> message",
// the format Redis users grep for. Levels follow Redis's loglevel directive.
//
// Thread safety: Log() may be called from any thread; each line is one write(2).
#pragma once

#include <string_view>

namespace brisk::log {

enum class Level { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3 };

// Returns false for an unknown level name.
bool ParseLevel(std::string_view name, Level* out);
std::string_view LevelName(Level level);

void SetLevel(Level level);
Level GetLevel();
// Empty path means stdout. Returns false (and keeps the old target) if the file
// cannot be opened.
bool SetFile(std::string_view path);

void Write(Level level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

}  // namespace brisk::log

#define BRISK_LOG(level, ...)                                               \
  do {                                                                      \
    if (static_cast<int>(level) >= static_cast<int>(::brisk::log::GetLevel())) \
      ::brisk::log::Write(level, __VA_ARGS__);                              \
  } while (0)
#define LOG_DEBUG(...) BRISK_LOG(::brisk::log::Level::kDebug, __VA_ARGS__)
#define LOG_VERBOSE(...) BRISK_LOG(::brisk::log::Level::kVerbose, __VA_ARGS__)
#define LOG_NOTICE(...) BRISK_LOG(::brisk::log::Level::kNotice, __VA_ARGS__)
#define LOG_WARNING(...) BRISK_LOG(::brisk::log::Level::kWarning, __VA_ARGS__)
