#include "common/config.h"
#include "common/keyspace_events.h"

#include <catch2/catch.hpp>
#include <unistd.h>

#include <fstream>
#include <set>

using brisk::Config;
using brisk::ConfigRegistry;

TEST_CASE("conf/brisk.conf loads and documents every directive with its default", "[config]") {
  Config loaded;
  ConfigRegistry reg(&loaded);
  std::string error;
  REQUIRE(reg.LoadFile(std::string(BRISK_SOURCE_DIR) + "/conf/brisk.conf", &error));

  Config defaults;
  ConfigRegistry def(&defaults);
  std::ifstream in(std::string(BRISK_SOURCE_DIR) + "/conf/brisk.conf");
  std::set<std::string> documented;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    documented.insert(line.substr(0, line.find(' ')));
  }
  for (const auto& opt : reg.options()) {
    INFO(opt.name);
    CHECK(documented.count(std::string(opt.name)) == 1);
    // The file states the defaults.
    CHECK(reg.Get(opt) == def.Get(*def.Find(opt.name)));
  }
}

TEST_CASE("bad directives and values are refused with the line number", "[config]") {
  char path[] = "/tmp/brisk-conf-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  {
    std::ofstream out(path);
    out << "# comment\nport 7000\nnosuchthing 1\n";
  }
  Config c;
  ConfigRegistry reg(&c);
  std::string error;
  REQUIRE_FALSE(reg.LoadFile(path, &error));
  CHECK(error.find("line 3") != std::string::npos);
  CHECK(error.find("nosuchthing") != std::string::npos);
  {
    std::ofstream out(path);
    out << "port notanumber\n";
  }
  REQUIRE_FALSE(reg.LoadFile(path, &error));
  CHECK(error.find("line 1") != std::string::npos);
  unlink(path);
}

TEST_CASE("Set validates before changing, Get round-trips", "[config]") {
  Config c;
  ConfigRegistry reg(&c);
  std::string error;
  REQUIRE(reg.Set("maxmemory", "1kb", true, &error));
  CHECK(c.maxmemory == 1024);
  CHECK(reg.Get(*reg.Find("maxmemory")) == "1024");
  REQUIRE_FALSE(reg.Set("maxmemory", "12xb", true, &error));
  CHECK(c.maxmemory == 1024);
  REQUIRE_FALSE(reg.Set("port", "7000", true, &error));  // immutable at runtime
  REQUIRE(reg.Set("LOGLEVEL", "WARNING", true, &error));
  CHECK(c.loglevel == "warning");
  REQUIRE_FALSE(reg.Set("loglevel", "loud", true, &error));
  REQUIRE_FALSE(reg.Set("hz", "0", true, &error));
  REQUIRE(reg.Set("protected-mode", "no", true, &error));
  CHECK(reg.Get(*reg.Find("protected-mode")) == "no");
}

TEST_CASE("SplitArgs follows sdssplitargs quoting", "[config]") {
  std::vector<std::string> w;
  REQUIRE(brisk::SplitArgs(R"(set "a b" 'c d' "\x41\n")", &w));
  REQUIRE(w == std::vector<std::string>{"set", "a b", "c d", "A\n"});
  REQUIRE_FALSE(brisk::SplitArgs(R"(set "abc)", &w));
  REQUIRE_FALSE(brisk::SplitArgs(R"(set "a"b)", &w));
}

TEST_CASE("notify-keyspace-events flags parse and normalise like Redis", "[config]") {
  using namespace brisk::notify;
  uint32_t f = 0;
  REQUIRE(ParseFlags("AKE", &f));
  CHECK(f == (kAll | kKeyspace | kKeyevent));
  CHECK(FlagsToString(f) == "AKE");
  REQUIRE(ParseFlags("EK$g", &f));
  CHECK(FlagsToString(f) == "g$KE");
  REQUIRE(ParseFlags("g$lshzxetdKE", &f));
  CHECK(FlagsToString(f) == "AKE");
  REQUIRE(ParseFlags("An", &f));
  CHECK(FlagsToString(f) == "A");  // Redis hides 'n' next to 'A'
  REQUIRE(ParseFlags("mnx", &f));
  CHECK(FlagsToString(f) == "xnm");
  REQUIRE(ParseFlags("T$", &f));
  CHECK(FlagsToString(f) == "$T");
  CHECK(ActiveClasses(f) == kString);
  REQUIRE(ParseFlags("g$", &f));
  CHECK(ActiveClasses(f) == 0);  // no channel kind: nothing is published
  REQUIRE(ParseFlags("", &f));
  CHECK(f == 0);
  CHECK_FALSE(ParseFlags("Kq", &f));
  CHECK_FALSE(ParseFlags("a", &f));
}
