// Blocking pops (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP):
// the registry of blocked clients (Redis's blocked.c: db->blocking_keys, ready_keys and
// the timeout table) and the functions that serve, time out and unblock them.
//
// Life of a blocked client:
//   1. A B* command finds every key empty outside MULTI / scripts: Block() records it
//      (a copy of its keys and what to do when served), sets ClientState::blocked and
//      writes no reply. The connection stops executing its input while blocked (the
//      input stays buffered) and resumes after ServerHooks::Unblocked().
//   2. Any write to a key someone waits on calls SignalKey() (from
//      CommandContext::KeyModified, i.e. Redis's signalKeyAsReady, but for every write
//      rather than only key creation: ServeReadyKeys checks the key's type and size).
//   3. At the end of the outermost Dispatcher::Execute (after a plain command, after an
//      EXEC as a whole, after a script as a whole) ServeReadyKeys() pops, for each ready
//      key in signal order, for its waiters in FIFO order while the key holds data of
//      their type; each served pop runs as the blocked client (its db), is logged,
//      notifies and replies through ServerHooks::Unblocked(). A key made ready while
//      serving (BLMOVE pushing to a key others wait on) is served in the same call.
//   4. Timeouts: ExpireBlockedTimeouts() replies the null array to every client whose
//      deadline passed; the server arms one timer at next_deadline_ms().
//
// Thread safety: loop thread only.
// Ownership: the registry owns Waiter records; it holds ClientState pointers, which the
// server removes (RemoveClient) before a client is destroyed.
// Invariants:
//   1. A client is blocked iff it has a Waiter here iff ClientState::blocked.
//   2. Each Waiter is in the FIFO of each of its (db, key) exactly once, and in the
//      deadline set iff its deadline is non-zero; a (db, key) FIFO is never empty (it
//      is erased with its last waiter).
//   3. A (db, key) appears at most once in the ready list (KeyWaiters::ready).
//   4. Nothing here points into the keyspace: FLUSHALL / SWAPDB / TABLE DROP cannot
//      leave dangling state (a served key is looked up again when served).
//   5. With no blocked client, SignalKey() and ServeReadyKeys() cost one branch.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace brisk::cmd {

struct ClientState;
struct ServerContext;
struct CommandSpec;

// What a blocked client does when one of its keys gets data.
struct BlockedOp {
  enum class Kind : uint8_t {
    kListPop,   // BLPOP / BRPOP: [key, element]
    kListMove,  // BLMOVE / BRPOPLPUSH: the element moved to dst
    kListMPop,  // BLMPOP: [key, [elements]]
    kZPop,      // BZPOPMIN / BZPOPMAX: [key, member, score]
    kZMPop,     // BZMPOP: [key, [[member, score]...]]
  };
  Kind kind = Kind::kListPop;
  bool left = true;     // list: pop from the head; zset: pop the minimum
  bool to_left = true;  // BLMOVE: push to the head of dst
  int64_t count = 1;    // BLMPOP / BZMPOP
  std::string dst;      // BLMOVE
  bool zset() const { return kind == Kind::kZPop || kind == Kind::kZMPop; }
};

class BlockingRegistry {
 public:
  struct Waiter;
  using Fifo = std::list<Waiter*>;
  struct Waiter {
    ClientState* client = nullptr;
    uint64_t client_id = 0;
    int db = 0;
    std::vector<std::string> keys;
    BlockedOp op;
    int64_t deadline_ms = 0;                // unix ms; 0 = forever
    std::vector<Fifo::iterator> positions;  // one per key, in its (db, key) FIFO
  };

  // Invariant 5: the hot path's test.
  bool any() const { return !waiters_.empty(); }
  size_t blocked_clients() const { return waiters_.size(); }
  size_t blocking_keys() const { return key_count_; }
  size_t timed_clients() const { return deadlines_.size(); }  // with a timeout

  // REQUIRES: client not blocked; keys non-empty (duplicates are ignored).
  void Block(ClientState* client, int db, std::span<const std::string_view> keys, BlockedOp op,
             int64_t deadline_ms);
  // Removes the client's Waiter (clears ClientState::blocked); null if not blocked.
  std::unique_ptr<Waiter> Remove(ClientState* client);
  Waiter* Find(uint64_t client_id) const;

  // Marks (db, key) ready if someone waits on it.
  void SignalKey(int db, std::string_view key) {
    if (!waiters_.empty()) [[unlikely]]
      SignalSlow(db, key);
  }
  // Marks every key waited on in db ready (SWAPDB).
  void SignalDb(int db);
  bool has_ready() const { return !ready_.empty(); }
  // The ready keys in signal order; clears the list and their ready marks.
  std::vector<std::pair<int, std::string>> TakeReady();
  // The FIFO of (db, key), or null.
  const Fifo* WaitersOn(int db, std::string_view key) const;

  // Earliest deadline (unix ms), 0 if none.
  int64_t next_deadline_ms() const { return deadlines_.empty() ? 0 : deadlines_.begin()->first; }
  // Ids of the clients whose deadline is <= now_ms, earliest first.
  std::vector<uint64_t> Due(int64_t now_ms) const;

 private:
  struct StrHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct KeyWaiters {
    Fifo fifo;
    bool ready = false;
  };
  using KeyMap = std::unordered_map<std::string, KeyWaiters, StrHash, std::equal_to<>>;

  void SignalSlow(int db, std::string_view key);
  KeyMap* MapOf(int db) {
    return db >= 0 && size_t(db) < by_db_.size() ? &by_db_[size_t(db)] : nullptr;
  }
  const KeyMap* MapOf(int db) const {
    return db >= 0 && size_t(db) < by_db_.size() ? &by_db_[size_t(db)] : nullptr;
  }

  std::unordered_map<uint64_t, std::unique_ptr<Waiter>> waiters_;  // by client id
  std::vector<KeyMap> by_db_;
  std::set<std::pair<int64_t, uint64_t>> deadlines_;  // (deadline, client id)
  std::vector<std::pair<int, std::string>> ready_;
  size_t key_count_ = 0;  // (db, key) pairs with waiters
};

// Redis's getTimeoutFromObjectOrReply(UNIT_SECONDS): seconds as a float; 0 = forever.
// On success *deadline_ms is now + timeout (0 for forever); false with the error text.
bool ParseBlockTimeout(std::string_view arg, int64_t now_ms, int64_t* deadline_ms,
                       std::string_view* error);

// Step 3 of the life above. Called by Dispatcher::Execute at its outermost level.
void ServeReadyKeys(ServerContext* server, int64_t now_ms);
// Step 4. Returns how many clients timed out.
size_t ExpireBlockedTimeouts(ServerContext* server, int64_t now_ms);
// CLIENT UNBLOCK id [TIMEOUT|ERROR]: false if the client is not blocked.
bool UnblockClientById(ServerContext* server, uint64_t id, bool with_error);

}  // namespace brisk::cmd
