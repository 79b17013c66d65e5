// Small helpers shared by the integration tests: reply inspection and bounded polling.
#pragma once

#include <hiredis/hiredis.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "test_server.h"

namespace brisk::test {

// The text of a status/error/string reply, or a marker naming the reply type otherwise,
// so a failed REQUIRE prints something useful.
inline std::string Str(const redisReply* r) {
  if (r == nullptr) return "<no reply: connection error>";
  switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      return std::string(r->str, r->len);
    case REDIS_REPLY_INTEGER:
      return "<int " + std::to_string(r->integer) + ">";
    case REDIS_REPLY_NIL:
      return "<nil>";
    case REDIS_REPLY_ARRAY:
      return "<array " + std::to_string(r->elements) + ">";
  }
  return "<type " + std::to_string(r->type) + ">";
}
inline std::string Str(const Reply& r) { return Str(r.get()); }

// Runs a command and returns Str() of its reply.
inline std::string Run(redisContext* c, const std::vector<std::string>& argv) {
  return Str(TestServer::Cmd(c, argv));
}
inline long long Int(redisContext* c, const std::vector<std::string>& argv) {
  Reply r = TestServer::Cmd(c, argv);
  if (!r || r->type != REDIS_REPLY_INTEGER) return -999999;
  return r->integer;
}

// The next reply on c (nullptr if the connection failed): for pipelined or pushed replies.
inline Reply GetReply(redisContext* c) {
  void* r = nullptr;
  if (redisGetReply(c, &r) != REDIS_OK) return nullptr;
  return Reply(static_cast<redisReply*>(r));
}

// Sends EVAL body 0 on c without waiting for the reply.
inline void SendEval(redisContext* c, const std::string& body) {
  const char* argv[] = {"EVAL", body.c_str(), "0"};
  size_t lens[] = {4, body.size(), 1};
  REQUIRE(redisAppendCommandArgv(c, 3, argv, lens) == REDIS_OK);
  int done = 0;
  while (!done) REQUIRE(redisBufferWrite(c, &done) == REDIS_OK);
}

// The elements of an array reply as Str() each; empty for any other reply.
inline std::vector<std::string> Strings(const Reply& r) {
  std::vector<std::string> out;
  if (!r || r->type != REDIS_REPLY_ARRAY) return out;
  for (size_t i = 0; i < r->elements; ++i) out.push_back(Str(r->element[i]));
  return out;
}

// Pipelines `n` commands built by make(i) (a std::vector<std::string> each), then reads
// every reply and REQUIREs that none is an error.
template <typename Make>
void Pipeline(redisContext* c, int n, Make make) {
  for (int i = 0; i < n; ++i) {
    std::vector<std::string> argv = make(i);
    std::vector<const char*> p;
    std::vector<size_t> l;
    for (auto& a : argv) {
      p.push_back(a.data());
      l.push_back(a.size());
    }
    redisAppendCommandArgv(c, int(argv.size()), p.data(), l.data());
  }
  for (int i = 0; i < n; ++i) {
    void* raw = nullptr;
    REQUIRE(redisGetReply(c, &raw) == REDIS_OK);
    Reply r(static_cast<redisReply*>(raw));
    REQUIRE(r->type != REDIS_REPLY_ERROR);
  }
}

// Re-evaluates pred until it holds or the deadline passes; returns its last value.
// The pause between tries is only a poll interval: correctness never depends on it.
template <typename Pred>
bool PollUntil(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

inline double MsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace brisk::test
