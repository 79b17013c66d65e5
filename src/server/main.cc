// brisk-server [config-file] [--directive value ...]
// main is glue: configuration, logging, then Server::Run().
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/log.h"
#include "server/server.h"

namespace {

constexpr const char* kVersion = "7.2.4";

void Usage() {
  fprintf(stderr,
          "Usage: brisk-server [/path/to/brisk.conf] [--directive value ...]\n"
          "       brisk-server -v | --version\n"
          "       brisk-server -h | --help\n\n"
          "Examples:\n"
          "       brisk-server conf/brisk.conf\n"
          "       brisk-server --port 7777 --maxmemory 1gb\n");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace brisk;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "-v" || args[0] == "--version")) {
    printf("Brisk server v=%s (Redis protocol compatible)\n", kVersion);
    return 0;
  }
  if (!args.empty() && (args[0] == "-h" || args[0] == "--help")) {
    Usage();
    return 0;
  }

  Config config;
  ConfigRegistry registry(&config);
  std::string config_file;
  size_t i = 0;
  if (!args.empty() && args[0].rfind("--", 0) != 0) {
    config_file = args[0];
    char resolved[4096];
    if (realpath(config_file.c_str(), resolved) != nullptr) config_file = resolved;
    std::string error;
    if (!registry.LoadFile(config_file, &error)) {
      fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR (Brisk %s) ***\nReading %s: %s\n", kVersion,
              config_file.c_str(), error.c_str());
      return 1;
    }
    i = 1;
  }
  // --directive value [value ...]: words up to the next --directive.
  while (i < args.size()) {
    if (args[i].rfind("--", 0) != 0) {
      fprintf(stderr, "\n*** FATAL CONFIG ERROR ***\nUnexpected argument '%s'\n", args[i].c_str());
      return 1;
    }
    std::vector<std::string> words{args[i].substr(2)};
    for (++i; i < args.size() && args[i].rfind("--", 0) != 0; ++i) words.push_back(args[i]);
    std::string error;
    if (!registry.Apply(words, &error)) {
      fprintf(stderr, "\n*** FATAL CONFIG ERROR ***\n>>> '--%s': %s\n", words[0].c_str(),
              error.c_str());
      return 1;
    }
  }

  log::Level level = log::Level::kNotice;
  log::ParseLevel(config.loglevel, &level);
  log::SetLevel(level);
  if (!config.logfile.empty() && !log::SetFile(config.logfile)) {
    fprintf(stderr, "Can't open the log file: %s\n", config.logfile.c_str());
    return 1;
  }
  if (!config.dir.empty() && chdir(config.dir.c_str()) != 0) {
    fprintf(stderr, "Can't chdir to '%s': %s\n", config.dir.c_str(), strerror(errno));
    return 1;
  }
  if (!config.pidfile.empty()) {
    if (FILE* f = fopen(config.pidfile.c_str(), "w")) {
      fprintf(f, "%d\n", int(getpid()));
      fclose(f);
    }
  }
  LOG_NOTICE("Brisk version=%s, bits=64, pid=%d, just started", kVersion, int(getpid()));
  if (config_file.empty()) {
    LOG_WARNING("No config file specified, using the default config. In order to specify a "
                "config file use brisk-server /path/to/brisk.conf");
  }

  char exe[4096] = {0};
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) exe[n] = 0;
  int rc;
  {
    server::Server srv(&config, &registry, config_file, exe);
    rc = srv.Run();
  }
  if (!config.pidfile.empty()) unlink(config.pidfile.c_str());
  return rc;
}
