// LoopExecutor: the REST adapter's presence on the main loop. It runs commands for HTTP
// requests as an internal client ("virtual client": a ClientState with no socket)
// through the normal dispatcher, so HTTP writes get exactly the RESP semantics, the
// append log, keyspace notifications, WATCH invalidation, MONITOR and SLOWLOG; and it
// holds the event-stream subscribers (SUBSCRIBE / PSUBSCRIBE / table events), each its
// own ClientState registered with the pub/sub registry like a RESP subscriber.
//
// Thread safety: main loop thread only (in tests and the fuzzer: the thread that owns
// the ServerContext). Knows nothing of libuv: loop_bridge.h feeds it.
//
// Invariants:
//   1. Every job starts with a fresh client state: database 0, RESP2, authenticated,
//      no transaction, nothing watched, no name (BeginJob/EndJob reset what a command
//      may have changed), so requests never see each other's session state.
//   2. Replies are RESP2 (json_reply.h relies on it).
//   3. A subscriber exists iff its stream is open: Unsubscribe() (the HTTP connection
//      closed) removes it from the pub/sub registry before it is destroyed, and a
//      subscriber the server kills (CLIENT KILL) ends its stream.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "commands/context.h"
#include "rest/jobs.h"

namespace brisk::rest {

// How a stream's messages are written (sse.h).
enum class StreamFormat : uint8_t {
  kUpstash,     // data: message,<channel>,<payload>   (GET /subscribe, /psubscribe)
  kTableEvents  // data: {"event":"set","key":"42"}     (GET /v1/tables/{t}/events)
};

class LoopExecutor {
 public:
  // `events` receives the streams' traffic.
  LoopExecutor(cmd::ServerContext* ctx, EventSink* events);
  ~LoopExecutor();
  LoopExecutor(const LoopExecutor&) = delete;
  LoopExecutor& operator=(const LoopExecutor&) = delete;

  // Client ids come from the server's sequence (so CLIENT ID / MONITOR never collide).
  void set_id_source(uint64_t (*next)(void*), void* arg) {
    next_id_ = next;
    next_id_arg_ = arg;
  }

  cmd::ServerContext& server() { return *ctx_; }
  int64_t now_ms() const;
  // CLIENT PAUSE is in effect: the bridge holds jobs until it ends.
  bool paused() const;

  // Invariant 1.
  void BeginJob(std::string_view peer);
  void EndJob();

  // Runs one command as the REST client; appends its RESP2 reply to *out. A command
  // held by a CLIENT PAUSE issued earlier in the same job is answered with an error.
  void Run(cmd::CmdArgs args, std::string* out);
  void Run(const std::vector<std::string>& argv, std::string* out);

  // The live entry for key in database 0 (writer-side Peek: no expiry side effects).
  const engine::Entry* Peek(std::string_view key) const;

  // Event streams. Subscribe runs (P)SUBSCRIBE for a new subscriber owned by stream
  // `conn_id` and returns the confirmations as the stream's first events (the caller
  // sends them with the stream's head, before any message posted later).
  std::string Subscribe(uint64_t conn_id, StreamFormat format, bool pattern,
                        const std::vector<std::string>& names, std::string_view peer);
  void Unsubscribe(uint64_t conn_id);
  // ServerHooks::SendTo for clients that are not connections: true if `client` is one
  // of this executor's subscribers (the bytes are turned into stream events).
  bool Deliver(const cmd::ClientState* client, std::string_view resp);
  // ServerHooks::KillClient likewise: ends the stream (invariant 3).
  bool Kill(const cmd::ClientState* client);
  // Unsubscribes every stream without telling the adapter (it is gone).
  void CloseStreams();
  size_t streams() const { return streams_.size(); }

 private:
  struct Stream {
    cmd::ClientState client;
    uint64_t conn_id = 0;
    StreamFormat format = StreamFormat::kUpstash;
  };

  uint64_t NextId();
  // The stream events for pub/sub frames sent to s's client.
  std::string Format(const Stream& s, std::string_view resp) const;
  Stream* Find(const cmd::ClientState* client);

  cmd::ServerContext* ctx_;
  EventSink* events_;
  uint64_t (*next_id_)(void*) = nullptr;
  void* next_id_arg_ = nullptr;
  uint64_t fallback_id_ = uint64_t(1) << 62;
  cmd::ClientState client_;
  std::vector<std::string_view> argv_;                              // reused
  std::string scratch_;                                             // reused
  std::map<uint64_t, std::unique_ptr<Stream>> streams_;             // by conn_id
  std::unordered_map<const cmd::ClientState*, Stream*> by_client_;  // Deliver's lookup
};

}  // namespace brisk::rest
