// Hostile and malformed input over raw sockets. Every case must end in an error reply or a
// clean close; afterwards the same server still answers other clients and its data is
// intact. All reads are bounded by the RawConn receive timeout.
#include <signal.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <memory>
#include <random>

#include "raw_conn.h"
#include "test_server.h"
#include "test_util.h"

using namespace brisk::test;
using namespace std::chrono_literals;

namespace {

// Every reply the server sent on a connection we fed garbage must be an error.
bool OnlyErrors(const std::string& bytes) {
  size_t pos = 0;
  while (pos < bytes.size()) {
    if (bytes[pos] != '-') return false;
    size_t eol = bytes.find("\r\n", pos);
    if (eol == std::string::npos) return false;
    pos = eol + 2;
  }
  return true;
}

// Sends bytes, then half-closes; the server must answer with errors only (or nothing)
// and close the connection.
void SendGarbageAndExpectClose(int port, const std::string& bytes) {
  RawConn c(port);
  c.Send(bytes);  // may fail if the server already closed on a protocol error
  c.ShutdownWrite();
  INFO("input (" << bytes.size() << " bytes), server sent: " << c.pending());
  REQUIRE(c.WaitClosed());
  REQUIRE(OnlyErrors(c.pending()));
}

// Sends bytes and expects exactly `reply` followed by the server closing the connection.
void ExpectErrorAndClose(int port, const std::string& bytes, const std::string& reply) {
  RawConn c(port);
  REQUIRE(c.Send(bytes));
  auto r = c.ReadReply();
  REQUIRE(r == reply);
  REQUIRE(c.WaitClosed());
}

long RssKb(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

bool Alive(pid_t pid) {
  int status;
  return waitpid(pid, &status, WNOHANG) == 0;
}

void CheckHealthy(TestServer& srv, const std::map<std::string, std::string>& data) {
  REQUIRE(Alive(srv.pid()));
  auto c = srv.Connect();
  REQUIRE(Run(c.get(), {"PING"}) == "PONG");
  for (const auto& [k, v] : data) REQUIRE(Run(c.get(), {"GET", k}) == v);
  REQUIRE(Int(c.get(), {"DBSIZE"}) == long(data.size()));
}

}  // namespace

TEST_CASE("malformed and hostile input", "[bad_input]") {
  // One server takes every step in turn, so damage from any step shows up in the checks
  // after the later ones too.
  TestServer srv;
  std::map<std::string, std::string> data;
  {
    auto c = srv.Connect();
    for (int i = 0; i < 100; ++i) {
      std::string k = "keep:" + std::to_string(i), v = "value-" + std::to_string(i * 7);
      REQUIRE(Run(c.get(), {"SET", k, v}) == "OK");
      data[k] = v;
    }
  }

  {
    INFO("step: random bytes");
    std::mt19937 rng(20240601);
    const std::vector<std::string> tokens = {"*", "$", "\r\n", "\n", "-1", "0", "3", "99999",
                                             "\"", "'", "\\x", " ", "SET", "GET", "\0"};
    for (int round = 0; round < 40; ++round) {
      std::string blob;
      size_t len = 1 + rng() % 4096;
      while (blob.size() < len) {
        if (round % 2 == 0) {
          blob += char(rng());
        } else {
          blob += tokens[rng() % tokens.size()];
        }
      }
      INFO("round " << round);
      SendGarbageAndExpectClose(srv.port(), blob);
    }
    CheckHealthy(srv, data);
  }

  {
    INFO("step: truncated frames at every offset");
    const std::string frame = RawConn::Encode({"SET", "trunc", "value"});
    for (size_t cut = 1; cut < frame.size(); ++cut) {
      INFO("cut at " << cut);
      RawConn c(srv.port());
      REQUIRE(c.Send(frame.substr(0, cut)));
      c.ShutdownWrite();
      REQUIRE(c.WaitClosed());
      REQUIRE(c.pending().empty());  // an incomplete command is never executed
    }
    CheckHealthy(srv, data);  // and "trunc" was not created
  }

  {
    INFO("step: huge multibulk header, then close");
    {
      RawConn c(srv.port());
      REQUIRE(c.Send("*1000000\r\n"));
      c.ShutdownWrite();
      REQUIRE(c.WaitClosed());
      REQUIRE(c.pending().empty());
    }
    {
      // Many open connections each announcing a million arguments must not make the server
      // reserve memory for what was announced rather than what arrived.
      std::vector<std::unique_ptr<RawConn>> conns;
      for (int i = 0; i < 50; ++i) {
        conns.push_back(std::make_unique<RawConn>(srv.port()));
        REQUIRE(conns.back()->Send("*1000000\r\n$3\r\nSET\r\n$1\r\nk\r\n"));
      }
      RawConn probe(srv.port());
      REQUIRE(probe.Cmd({"PING"}) == "+PONG\r\n");  // the loop has read all of the above
      long rss_mb = RssKb(srv.pid()) / 1024;
      INFO("server VmRSS with 50 connections announcing *1000000: " << rss_mb << " MB");
      REQUIRE(rss_mb < 400);
    }
    ExpectErrorAndClose(srv.port(), "*99999999999\r\n",
                        "-ERR Protocol error: invalid multibulk length\r\n");
    ExpectErrorAndClose(srv.port(), "*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n");
    CheckHealthy(srv, data);
  }

  {
    INFO("step: huge declared bulk length");
    ExpectErrorAndClose(srv.port(), "*1\r\n$99999999999\r\n",
                        "-ERR Protocol error: invalid bulk length\r\n");
    ExpectErrorAndClose(srv.port(), "*2\r\n$3\r\nGET\r\n$-5\r\n",
                        "-ERR Protocol error: invalid bulk length\r\n");
    ExpectErrorAndClose(srv.port(), "*1\r\n$x\r\n", "-ERR Protocol error: invalid bulk length\r\n");
    // Not inside a multibulk, "$..." is just an inline command name.
    RawConn c(srv.port());
    REQUIRE(c.Send("$99999999999\r\n"));
    REQUIRE(c.ReadReply() ==
            "-ERR unknown command '$99999999999', with args beginning with: \r\n");
    REQUIRE(c.Cmd({"PING"}) == "+PONG\r\n");
    CheckHealthy(srv, data);
  }

  {
    INFO("step: wrong type byte inside a multibulk");
    ExpectErrorAndClose(srv.port(), "*1\r\nX\r\n",
                        "-ERR Protocol error: expected '$', got 'X'\r\n");
    // Without a line end the server may answer at once or wait for more; either way a
    // half-close must end in the error or a clean close.
    SendGarbageAndExpectClose(srv.port(), "*1\r\nX");
    ExpectErrorAndClose(srv.port(), "*2\r\n$4\r\nECHO\r\n:1\r\n",
                        "-ERR Protocol error: expected '$', got ':'\r\n");
    CheckHealthy(srv, data);
  }

  {
    INFO("step: unbalanced quotes inline");
    ExpectErrorAndClose(srv.port(), "SET a \"b\r\n",
                        "-ERR Protocol error: unbalanced quotes in request\r\n");
    ExpectErrorAndClose(srv.port(), "SET a 'b\r\n",
                        "-ERR Protocol error: unbalanced quotes in request\r\n");
    ExpectErrorAndClose(srv.port(), "SET a \"b\"c\r\n",
                        "-ERR Protocol error: unbalanced quotes in request\r\n");
    CheckHealthy(srv, data);
  }

  {
    INFO("step: oversized inline request");
    ExpectErrorAndClose(srv.port(), std::string(70 * 1024, 'a'),
                        "-ERR Protocol error: too big inline request\r\n");
    CheckHealthy(srv, data);
  }

  {
    INFO("step: invalid UTF-8 keys and values are stored and returned intact");
    const std::string k("\xff\xfe\xc3\x28", 4), v("\xed\xa0\x80\xf8\x88\x80\x80\x80\xc0\xaf", 10);
    RawConn c(srv.port());
    REQUIRE(c.Cmd({"SET", k, v}) == "+OK\r\n");
    REQUIRE(c.Cmd({"GET", k}) == "$10\r\n" + v + "\r\n");
    REQUIRE(c.Cmd({"APPEND", k, "\x80"}) == ":11\r\n");
    data[k] = v + "\x80";
    CheckHealthy(srv, data);
  }

  {
    INFO("step: everything at once, interleaved with a healthy client");
    auto good = srv.Connect();
    for (int i = 0; i < 20; ++i) {
      SendGarbageAndExpectClose(srv.port(), "*1\r\n$99999999999\r\n");
      SendGarbageAndExpectClose(srv.port(), "*2\r\n$3\r\nGET");
      REQUIRE(Run(good.get(), {"PING"}) == "PONG");
    }
    CheckHealthy(srv, data);
  }

  REQUIRE(srv.Stop() == 0);
}
