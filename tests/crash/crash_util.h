// Shared by the crash tests: run-length knobs from the environment, the seed, wall
// clock, and a snapshot of a live server in the form of log_file.h's KeyValues.
//
// Knobs (all optional; `make test` runs the defaults, `make crash-test` raises them):
//   BRISK_CRASH_SEED=N      seed of every random choice (printed on every run)
//   BRISK_CRASH_CYCLES=N    kill -9 / restart cycles per fsync policy (default 12)
//   BRISK_CRASH_WRITERS=N   concurrent writer clients (default 16)
//   BRISK_CRASH_CASES=N     damaged files per kind (torn, corrupt) (default 24)
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "durable_server.h"
#include "log_file.h"
#include "test_util.h"

namespace brisk::crashtest {

inline long EnvLong(const char* name, long fallback) {
  const char* v = getenv(name);
  return v != nullptr && *v != '\0' ? std::strtol(v, nullptr, 10) : fallback;
}

// The run's seed: BRISK_CRASH_SEED, or a fresh one. Printed so a failure can be replayed.
inline uint64_t Seed(const char* test) {
  const char* v = getenv("BRISK_CRASH_SEED");
  uint64_t seed = v != nullptr && *v != '\0'
                      ? std::strtoull(v, nullptr, 10)
                      : (uint64_t(std::random_device{}()) << 32) | std::random_device{}();
  std::fprintf(stderr, "%s: BRISK_CRASH_SEED=%llu\n", test, static_cast<unsigned long long>(seed));
  return seed;
}

inline int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
inline int64_t SteadyNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Every key of the listed dbs as "db/key" -> "value @pexpiretime".
inline KeyValues Snapshot(redisContext* c, const std::vector<int>& dbs) {
  using test::Run;
  KeyValues out;
  for (int db : dbs) {
    if (Run(c, {"SELECT", std::to_string(db)}) != "OK") return {{"<error>", "SELECT failed"}};
    test::Reply keys = test::TestServer::Cmd(c, {"KEYS", "*"});
    if (!keys || keys->type != REDIS_REPLY_ARRAY) return {{"<error>", "KEYS failed"}};
    for (size_t i = 0; i < keys->elements; ++i) {
      std::string k(keys->element[i]->str, keys->element[i]->len);
      out[std::to_string(db) + "/" + k] =
          Run(c, {"GET", k}) + " @" + std::to_string(test::Int(c, {"PEXPIRETIME", k}));
    }
  }
  (void)Run(c, {"SELECT", "0"});
  return out;
}

// The last `lines` lines of the server's log of its most recent start, for failures.
inline std::string LogTail(const test::DurableServer& s, size_t lines = 15) {
  std::string t = s.log_text();
  size_t at = t.size();
  for (size_t n = 0; n <= lines && at != std::string::npos && at > 0; ++n) {
    at = t.rfind('\n', at - 1);
  }
  return at == std::string::npos ? t : t.substr(at + 1);
}

}  // namespace brisk::crashtest
