// EVAL / SCRIPT in process (commands/scripting.h): scripted writes are logged as their
// effects in one batch, invalidate WATCH, run inside MULTI, and the pseudo-client keeps
// the caller's database and user; INFO memory reports the Lua figures.
#include <catch2/catch.hpp>

#include <span>

#include "commands/effects.h"
#include "commands/scripting.h"
#include "harness.h"
#include "log/record.h"

using namespace brisk::test;
namespace applog = brisk::applog;
namespace cmd = brisk::cmd;

namespace {

struct Rec {
  int db;
  bool end;
  std::string text;
};

std::vector<Rec> Decode(const std::string& bytes) {
  std::vector<Rec> out;
  size_t off = 0;
  while (off < bytes.size()) {
    applog::DecodedRecord r;
    std::vector<std::string_view> argv;
    auto res = applog::DecodeRecord(std::span<const char>(bytes.data() + off, bytes.size() - off),
                                    &r, &argv);
    REQUIRE(res.status == applog::DecodeStatus::kOk);
    std::string text;
    for (auto a : argv) text += (text.empty() ? "" : " ") + std::string(a);
    out.push_back({r.db, (r.flags & applog::kFlagEndOfBatch) != 0, text});
    off += r.size;
  }
  return out;
}

}  // namespace

TEST_CASE("a script's writes are logged as effects, in one batch, never as the script",
          "[script]") {
  Harness h;
  cmd::EffectRecorder rec{&h.keyspace()};
  h.server().effects = &rec;
  h.SetTime(1'700'000'000'000);
  CHECK(h.Run({"eval",
               "redis.call('set', KEYS[1], '5') redis.call('incr', KEYS[1]) "
               "redis.call('get', KEYS[1]) redis.call('select', 2) redis.call('set', 'o', 'x') "
               "return 1",
               "1", "k"}) == Int(1));
  std::string bytes;
  rec.TakeBatches(&bytes);
  auto recs = Decode(bytes);
  REQUIRE(recs.size() == 3);
  CHECK(recs[0].text == "SET k 5");
  CHECK(recs[1].text == "SET k 6");
  CHECK(recs[2].text == "SET o x");
  CHECK(recs[2].db == 2);
  CHECK_FALSE(recs[0].end);
  CHECK_FALSE(recs[1].end);
  CHECK(recs[2].end);
  // A read-only script logs nothing.
  CHECK(h.Run({"eval", "return redis.call('get', 'k')", "0"}) == Bulk("6"));
  rec.TakeBatches(&bytes);
  CHECK(bytes.empty());
  h.server().effects = nullptr;
}

TEST_CASE("a scripted write invalidates WATCH; EVAL runs inside MULTI", "[script]") {
  Harness h;
  cmd::ClientState other = MakeClient(2);
  h.hooks().clients.push_back(&other);
  CHECK(h.Run({"watch", "k"}) == kOk);
  CHECK(h.Run({"eval", "return redis.call('set', 'k', 'v')", "0"}, &other) == kOk);
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"eval", "return redis.call('incr', 'n')", "0"}) == "+QUEUED\r\n");
  CHECK(h.Run({"exec"}) == "*-1\r\n");  // aborted by the script's write
  CHECK(h.Run({"multi"}) == kOk);
  CHECK(h.Run({"eval", "return redis.call('incr', 'n')", "0"}) == "+QUEUED\r\n");
  CHECK(h.Run({"exec"}) == "*1\r\n" + Int(1));
}

TEST_CASE("the pseudo-client uses the caller's database, every time", "[script]") {
  Harness h;
  CHECK(h.Run({"select", "4"}) == kOk);
  CHECK(h.Run({"eval", "redis.call('select', 7) return redis.call('set', 'a', '1')", "0"}) == kOk);
  CHECK(h.Run({"eval", "return redis.call('exists', 'x')", "0"}) == Int(0));
  CHECK(h.client().db_index == 4);
  CHECK(h.keyspace().db(7).Peek("a", 0) != nullptr);
  CHECK(h.Run({"set", "x", "1"}) == kOk);
  CHECK(h.Run({"eval", "return redis.call('get', 'x')", "0"}) == Bulk("1"));  // db 4 again
}

TEST_CASE("SCRIPT LOAD / EXISTS / FLUSH and INFO memory", "[script]") {
  Harness h;
  std::string info = h.Run({"info", "memory"});
  CHECK(info.find("number_of_cached_scripts:0\r\n") != std::string::npos);
  CHECK(h.Run({"script", "load", "return 1"}) == Bulk("e0e1f9fabfc9d4800c877a703b823ac0578ff8db"));
  CHECK(h.Run({"script", "exists", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "x"}) ==
        "*2\r\n" + Int(1) + Int(0));
  info = h.Run({"info", "memory"});
  CHECK(info.find("number_of_cached_scripts:1\r\n") != std::string::npos);
  CHECK(info.find("used_memory_scripts_eval:8\r\n") != std::string::npos);
  CHECK(info.find("used_memory_lua:0\r\n") == std::string::npos);
  CHECK(h.Run({"evalsha", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"}) == Int(1));
  CHECK(h.Run({"script", "flush"}) == kOk);
  CHECK(h.Run({"evalsha", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"}) ==
        Err("NOSCRIPT No matching script. Please use EVAL."));
  CHECK(h.Run({"script", "help"}).rfind("*15\r\n", 0) == 0);
  CHECK(h.Run({"script", "nope"}) == Err("ERR unknown subcommand 'nope'. Try SCRIPT HELP."));
}

TEST_CASE("noscript commands are refused inside scripts", "[script]") {
  Harness h;
  for (const char* c : {"multi", "exec", "watch k", "subscribe c", "config get x", "client id",
                        "auth x", "blpop l 0", "eval x 0", "script flush"}) {
    std::string body = "return redis.pcall(";
    std::string word;
    bool first = true;
    for (const char* p = c;; ++p) {
      if (*p == ' ' || *p == '\0') {
        body += std::string(first ? "" : ", ") + "'" + word + "'";
        first = false;
        word.clear();
        if (*p == '\0') break;
      } else {
        word += *p;
      }
    }
    body += ")";
    CHECK(h.Run({"eval", body, "0"}) == Err("ERR This Redis command is not allowed from script"));
  }
}
