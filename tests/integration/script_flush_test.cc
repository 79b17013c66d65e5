// SCRIPT FLUSH [ASYNC|SYNC] end to end (issue 8): both drop every cached script and the
// Lua memory at once; ASYNC closes the old Lua state on the closer thread (named
// "brisk-luaclose", seen in /proc/<pid>/task), SYNC on the loop; without a mode,
// lazyfree-lazy-user-flush decides, as in Redis.
#include <dirent.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "test_util.h"

using namespace brisk::test;

namespace {

bool HasThread(pid_t pid, const std::string& name) {
  std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return false;
  bool found = false;
  while (dirent* e = readdir(d)) {
    std::ifstream comm(dir + "/" + e->d_name + "/comm");
    std::string line;
    if (std::getline(comm, line) && line == name) found = true;
  }
  closedir(d);
  return found;
}

long long InfoField(redisContext* c, const std::string& field) {
  std::string info = Run(c, {"INFO", "memory"});
  size_t at = info.find(field + ":");
  if (at == std::string::npos) return -1;
  return std::stoll(info.substr(at + field.size() + 1));
}

// Caches 51 scripts; one holds a 2 MB string constant (reachable: Lua memory stays up).
void Fill(redisContext* c) {
  for (int i = 0; i < 50; ++i) {
    REQUIRE(Run(c, {"SCRIPT", "LOAD", "return " + std::to_string(i)}).size() == 40);
  }
  std::string big = "return #'" + std::string(2 << 20, 'x') + "'";
  CHECK(Run(c, {"EVAL", big, "0"}) == "<int 2097152>");
  CHECK(InfoField(c, "number_of_cached_scripts") == 51);
}

}  // namespace

TEST_CASE("SCRIPT FLUSH ASYNC / SYNC / default (lazyfree-lazy-user-flush)", "[script]") {
  TestServer s;
  RedisConn c = s.Connect();
  const std::string sha0 = Run(c.get(), {"SCRIPT", "LOAD", "return 0"});  // opens Lua
  long long base = InfoField(c.get(), "used_memory_lua");
  REQUIRE(base > 0);

  // SYNC (and the default, lazyfree-lazy-user-flush no): no closer thread is started.
  Fill(c.get());
  CHECK(InfoField(c.get(), "used_memory_lua") > base + 2000000);
  CHECK(Run(c.get(), {"SCRIPT", "FLUSH", "SYNC"}) == "OK");
  CHECK(InfoField(c.get(), "number_of_cached_scripts") == 0);
  CHECK(InfoField(c.get(), "used_memory_lua") < base + 100000);
  Fill(c.get());
  CHECK(Run(c.get(), {"SCRIPT", "FLUSH"}) == "OK");
  CHECK(InfoField(c.get(), "number_of_cached_scripts") == 0);
  CHECK_FALSE(HasThread(s.pid(), "brisk-luaclose"));

  // ASYNC: the same answers at once, the old state is closed on the closer thread.
  Fill(c.get());
  CHECK(Run(c.get(), {"SCRIPT", "FLUSH", "ASYNC"}) == "OK");
  CHECK(InfoField(c.get(), "number_of_cached_scripts") == 0);
  CHECK(InfoField(c.get(), "used_memory_lua") < base + 100000);
  CHECK(Run(c.get(), {"EVALSHA", sha0, "0"}) == "NOSCRIPT No matching script. Please use EVAL.");
  CHECK(Run(c.get(), {"EVAL", "return 7", "0"}) == "<int 7>");
  CHECK(HasThread(s.pid(), "brisk-luaclose"));

  // The default follows lazyfree-lazy-user-flush.
  CHECK(Run(c.get(), {"CONFIG", "SET", "lazyfree-lazy-user-flush", "yes"}) == "OK");
  Fill(c.get());
  CHECK(Run(c.get(), {"SCRIPT", "FLUSH"}) == "OK");
  CHECK(InfoField(c.get(), "number_of_cached_scripts") == 0);
  CHECK(Run(c.get(), {"EVAL", "return 8", "0"}) == "<int 8>");

  CHECK(Run(c.get(), {"SCRIPT", "FLUSH", "LATER"}) ==
        "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
  CHECK(Run(c.get(), {"SCRIPT", "FLUSH", "ASYNC", "SYNC"}) ==
        "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
  CHECK(s.Stop() == 0);
}
