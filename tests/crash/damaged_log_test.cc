// Damaged log files (docs/log-format.md §5): a real log cut at random offsets (torn tails,
// zero-filled tails, torn headers) must load with the tail truncated and the byte count in
// the server's log; a byte flipped in a record that a valid record follows must make the
// server refuse to start (exit 1, the offset in its message) until `brisk-check-log --fix`
// or `aof-load-truncated yes` cuts the log there. The expected outcome of every file is
// computed by log_file.h from the document, not by the loader under test.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <cstdio>

#include "crash_util.h"

using namespace brisk::test;
using namespace brisk::crashtest;

namespace {

const std::vector<std::string> kLogOn = {"--appendonly", "yes", "--appendfsync", "no"};
const std::vector<int> kDbs = {0, 2};

bool Contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

// Runs brisk-check-log; returns its exit code and fills *output (stdout + stderr).
int CheckLog(const std::string& args, std::string* output) {
  std::string cmd = std::string(BRISK_CHECK_LOG_BIN) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return -1;
  output->clear();
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) output->append(buf, n);
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Writes a log of ~`commands` random writes through a real server: binary values, TTLs,
// INCR, DEL, EXPIRE, multi-record batches (MSET, MULTI/EXEC), two databases. Returns the
// file and checks that replaying it by the document gives the server's state.
std::string MakeLog(std::mt19937_64& rng, int commands) {
  DurableServer s(kLogOn);
  REQUIRE(s.Start());
  RedisConn c = s.Connect();
  REQUIRE((c && c->err == 0));
  auto key = [&](const char* prefix) { return prefix + std::to_string(rng() % 150); };
  auto value = [&] {
    std::string v(1 + rng() % 200, '\0');
    for (char& ch : v) ch = static_cast<char>(rng());  // any byte: \0, \r\n, ...
    return v;
  };
  auto run = [&](const std::vector<std::string>& argv) {
    Reply r = TestServer::Cmd(c.get(), argv);
    INFO(argv[0] << " -> " << Str(r));
    REQUIRE((r && r->type != REDIS_REPLY_ERROR));
  };
  for (int i = 0; i < commands; ++i) {
    unsigned pick = unsigned(rng() % 100);
    if (pick < 30) {
      run({"SET", key("k:"), value()});
    } else if (pick < 40) {
      run({"SET", key("k:"), value(), "PX", std::to_string(10000000 + rng() % 1000000)});
    } else if (pick < 55) {
      run({"INCR", key("n:")});
    } else if (pick < 65) {
      run({"DEL", key(pick < 60 ? "k:" : "n:")});
    } else if (pick < 72) {
      run({"EXPIRE", key(pick < 69 ? "k:" : "n:"), std::to_string(100000 + rng() % 100000)});
    } else if (pick < 82) {
      run({"MSET", key("k:"), value(), key("k:"), value(), key("k:"), value()});
    } else if (pick < 92) {
      run({"MULTI"});
      for (int j = 0; j < 2 + int(rng() % 3); ++j) run({"SET", key("k:"), value()});
      run({"INCR", key("n:")});
      Reply exec = TestServer::Cmd(c.get(), {"EXEC"});
      REQUIRE((exec && exec->type == REDIS_REPLY_ARRAY));
    } else {
      run({"SELECT", std::to_string(kDbs[rng() % kDbs.size()])});
    }
  }
  KeyValues live = Snapshot(c.get(), kDbs);
  c.reset();
  REQUIRE(s.Stop() == 0);
  std::string bytes = ReadFile(s.aof_path());
  ParsedLog log = ParseLog(bytes);
  INFO("parsing the log by the document: " << log.error);
  REQUIRE(log.error.empty());
  REQUIRE(log.batch_ends.size() > 100);
  std::string error;
  KeyValues replayed = ReplayPrefix(log, bytes.size(), &error);
  INFO(error);
  REQUIRE(error.empty());
  REQUIRE(replayed == live);
  return bytes;
}

// A random cut offset: anywhere, or exactly at a record boundary (batch end or mid-batch),
// or inside the file header.
size_t PickCut(std::mt19937_64& rng, const ParsedLog& log, size_t size) {
  switch (rng() % 4) {
    case 0:
      return log.records[rng() % log.records.size()].offset;  // a record boundary
    case 1:
      return rng() % log.header_size;  // torn header (0 included)
    default:
      return log.header_size + 1 + rng() % (size - log.header_size - 1);
  }
}

// Starts a server on `bytes` and checks that it loaded exactly the batches before `good`.
void ExpectLoads(const std::string& bytes, const ParsedLog& log, size_t good,
                 const std::vector<std::string>& extra = {}) {
  DurableServer s(kLogOn);
  WriteFile(s.aof_path(), bytes);
  bool started = s.Start(extra);
  std::string server_log = s.log_text();
  INFO("server log:\n" << server_log);
  REQUIRE(started);
  size_t expected_size = good == 0 ? 64 : good;  // a torn header gets a fresh one
  CHECK(ReadFile(s.aof_path()).size() == expected_size);
  if (good == bytes.size()) {
    CHECK_FALSE(Contains(server_log, "torn tail"));
  } else {
    CHECK(Contains(server_log, "truncated " + std::to_string(bytes.size() - good) +
                                   " bytes to offset " + std::to_string(good)));
  }
  RedisConn c = s.Connect();
  std::string error;
  KeyValues want = good == 0 ? KeyValues{} : ReplayPrefix(log, good, &error);
  REQUIRE(error.empty());
  CHECK(Snapshot(c.get(), kDbs) == want);
}

}  // namespace

TEST_CASE("torn and zero-filled tails load, truncated to the last complete batch",
          "[crash][damage]") {
  uint64_t seed = Seed("torn tails");
  std::mt19937_64 rng(seed);
  std::string bytes = MakeLog(rng, 600);
  ParsedLog log = ParseLog(bytes);
  const long cases = EnvLong("BRISK_CRASH_CASES", 24);
  for (long i = 0; i < cases; ++i) {
    size_t cut = PickCut(rng, log, bytes.size());
    // The size was extended but the data never written. Not after a torn header: a header
    // is synced before any record is written, and a damaged one is refused (§5).
    size_t zeros = rng() % 3 == 0 && cut >= log.header_size ? 1 + rng() % 4096 : 0;
    std::string torn = bytes.substr(0, cut) + std::string(zeros, '\0');
    size_t good = cut < log.header_size ? 0 : log.GoodPrefix(cut);
    INFO("BRISK_CRASH_SEED=" << seed << " case " << i << ": cut at " << cut << " of "
                             << bytes.size() << " + " << zeros << " zero bytes; expect " << good);
    std::string out;
    DurableServer probe(kLogOn);  // a private copy for brisk-check-log (it must not modify)
    WriteFile(probe.aof_path(), torn);
    int rc = CheckLog("'" + probe.aof_path() + "'", &out);
    INFO("brisk-check-log: " << out);
    CHECK(rc == (good == torn.size() ? 0 : 1));
    CHECK(ReadFile(probe.aof_path()) == torn);
    ExpectLoads(torn, log, good);
  }
  // Also a clean file and a file with only zero bytes appended to it.
  ExpectLoads(bytes, log, bytes.size());
  ExpectLoads(bytes + std::string(100, '\0'), log, bytes.size());
}

TEST_CASE("a flipped byte before the tail refuses the start; --fix or load-truncated cuts it",
          "[crash][damage]") {
  uint64_t seed = Seed("corrupt records");
  std::mt19937_64 rng(seed);
  std::string bytes = MakeLog(rng, 600);
  ParsedLog log = ParseLog(bytes);
  const long cases = EnvLong("BRISK_CRASH_CASES", 24);
  for (long i = 0; i < cases; ++i) {
    // Any byte of any record; the last record is included (garbled last record = torn).
    size_t r = rng() % 4 == 0 ? log.records.size() - 1 : rng() % log.records.size();
    const ParsedRecord& rec = log.records[r];
    size_t at = rec.offset + rng() % rec.size;
    std::string bad = bytes;
    bad[at] = static_cast<char>(bad[at] ^ static_cast<char>(1 + rng() % 255));
    size_t good = log.BatchStart(r);
    bool last = r + 1 == log.records.size();
    INFO("BRISK_CRASH_SEED=" << seed << " case " << i << ": flipped byte " << at << " in record "
                             << r << " at " << rec.offset << " (batch from " << good << ")"
                             << (last ? ", the last record" : ""));
    if (last) {  // no valid record after it: a torn tail (§5.2)
      ExpectLoads(bad, log, good);
      continue;
    }
    DurableServer s(kLogOn);
    WriteFile(s.aof_path(), bad);
    CHECK_FALSE(s.Start());
    std::string server_log = s.log_text();
    INFO("server log:\n" << server_log);
    CHECK(s.exit_code() == 1);
    CHECK(Contains(server_log, "corrupt at offset " + std::to_string(rec.offset)));
    CHECK(ReadFile(s.aof_path()) == bad);  // refused: untouched

    std::string out;
    std::string path = "'" + s.aof_path() + "'";
    CHECK(CheckLog(path, &out) == 2);
    INFO("brisk-check-log: " << out);
    CHECK(Contains(out, "offset " + std::to_string(rec.offset)));
    if (i % 2 == 0) {
      CHECK(CheckLog("--fix " + path, &out) == 0);
      CHECK(ReadFile(s.aof_path()).size() == good);
      CHECK(CheckLog(path, &out) == 0);
      ExpectLoads(ReadFile(s.aof_path()), log, good);
    } else {
      // The server's own escape hatch cuts at the same place.
      DurableServer t(kLogOn);
      WriteFile(t.aof_path(), bad);
      bool started = t.Start({"--aof-load-truncated", "yes"});
      INFO("server log:\n" << t.log_text());
      REQUIRE(started);
      CHECK(Contains(t.log_text(), "truncated " + std::to_string(bad.size() - good) +
                                       " bytes to offset " + std::to_string(good)));
      CHECK(ReadFile(t.aof_path()).size() == good);
      RedisConn c = t.Connect();
      std::string error;
      CHECK(Snapshot(c.get(), kDbs) == ReplayPrefix(log, good, &error));
    }
  }
}
