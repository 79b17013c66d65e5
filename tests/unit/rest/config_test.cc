#include <catch2/catch.hpp>

#include <string>

#include "common/config.h"
#include "rest/http_server.h"

namespace brisk::rest {
namespace {

TEST_CASE("http-* directives: defaults, tokens repeatable, scopes validated", "[rest][config]") {
  Config c;
  ConfigRegistry reg(&c);
  RestOptions d = RestOptions::FromConfig(c);
  CHECK(d.port == 7379);
  CHECK(d.bind == "127.0.0.1");
  CHECK(d.limits.max_body == 10u * 1024 * 1024);
  CHECK(d.maxclients == 1000);
  CHECK(d.idle_timeout_ms == 60000);
  CHECK(d.tokens.empty());
  CHECK(d.stream_buffer_limit == 32u * 1024 * 1024);  // client-output-buffer-limit pubsub

  std::string error;
  REQUIRE(reg.Apply({"http-token", "t1", "read:users", "write:sessions*"}, &error));
  REQUIRE(reg.Apply({"http-token", "t2", "admin:*"}, &error));
  CHECK(c.http_tokens == std::vector<std::string>{"t1 read:users write:sessions*", "t2 admin:*"});
  const ConfigOption* opt = reg.Find("http-token");
  REQUIRE(opt != nullptr);
  CHECK(reg.Get(*opt) == "t1 read:users write:sessions*; t2 admin:*");
  // Giving a token again replaces its scopes; Set(Get()) changes nothing.
  REQUIRE(reg.Apply({"http-token", "t1", "read:*"}, &error));
  CHECK(c.http_tokens == std::vector<std::string>{"t1 read:*", "t2 admin:*"});
  REQUIRE(reg.Set("http-token", reg.Get(*opt), false, &error));
  CHECK(c.http_tokens == std::vector<std::string>{"t1 read:*", "t2 admin:*"});
  // Refused: no scope, bad level, empty pattern; the tokens stay as they were.
  CHECK_FALSE(reg.Apply({"http-token", "t3"}, &error));
  CHECK_FALSE(reg.Apply({"http-token", "t3", "root:*"}, &error));
  CHECK(error.find("root:*") != std::string::npos);
  CHECK_FALSE(reg.Apply({"http-token", "t3", "read:"}, &error));
  CHECK(c.http_tokens.size() == 2);
  // Not settable at runtime.
  CHECK_FALSE(reg.Set("http-token", "t4 read:*", true, &error));
  CHECK_FALSE(reg.Set("http-port", "8000", true, &error));
  // "" clears.
  REQUIRE(reg.Apply({"http-token", ""}, &error));
  CHECK(c.http_tokens.empty());

  REQUIRE(reg.Apply({"http-max-body", "1kb"}, &error));
  REQUIRE(reg.Apply({"http-max-header-size", "2kb"}, &error));
  REQUIRE(reg.Apply({"http-timeout", "0"}, &error));
  REQUIRE(reg.Apply({"http-bind", "0.0.0.0"}, &error));
  CHECK_FALSE(reg.Apply({"http-maxclients", "0"}, &error));
  CHECK_FALSE(reg.Apply({"http-port", "70000"}, &error));
  RestOptions o = RestOptions::FromConfig(c);
  CHECK(o.limits.max_body == 1024);
  CHECK(o.limits.max_header_size == 2048);
  CHECK(o.idle_timeout_ms == 0);
  CHECK(o.bind == "0.0.0.0");
}

}  // namespace
}  // namespace brisk::rest
