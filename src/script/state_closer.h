// StateCloser: closes retired Lua states on its own thread (SCRIPT FLUSH ASYNC, as
// Redis's lazyfree hands the old scripting state to a bio thread). The loop only swaps
// in a fresh state; lua_close of the old one (one free per object: every compiled script,
// every string and table the scripts left) happens here.
//
// Thread safety: Retire(), WaitIdle() and the destructor are called from one thread (the
// loop); the closer thread touches only the states handed to it.
// Ownership: Retire() transfers the state and its LuaHeap; the closer frees both.
// Invariants:
//   1. A retired state is never touched by the loop again: Retire() takes the only
//      pointers to it (the engine forgets its L_ and heap in the same call), and its
//      allocator's ud is its own LuaHeap, never shared with a live state, so the frees
//      lua_close makes update only that heap.
//   2. The thread starts on the first Retire(); the destructor closes every state still
//      queued, then joins (a process exit never leaks a retired state).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

struct lua_State;

namespace brisk::script {

// The allocator's ud of one Lua state: the byte count of its allocations, and the
// LuaEngine it was opened by (the C functions find their engine through it; never
// followed once the state is retired).
struct LuaHeap {
  size_t bytes = 0;
  void* owner = nullptr;
};

class StateCloser {
 public:
  StateCloser() = default;
  ~StateCloser();
  StateCloser(const StateCloser&) = delete;
  StateCloser& operator=(const StateCloser&) = delete;

  // Hands L (allocating through *heap) to the closer thread. REQUIRES: L is not running.
  void Retire(lua_State* L, std::unique_ptr<LuaHeap> heap);
  // Blocks until every retired state is closed (tests; the destructor).
  void WaitIdle();
  // States closed so far, and the thread that closed the last one (tests).
  uint64_t closed() const;
  std::thread::id last_closer() const;

 private:
  struct Retired {
    lua_State* L;
    std::unique_ptr<LuaHeap> heap;
  };
  void Main();

  mutable std::mutex mu_;
  std::condition_variable wake_;  // the closer: work or stop
  std::condition_variable idle_;  // WaitIdle: queue drained
  std::vector<Retired> queue_;
  bool busy_ = false;  // the closer holds a batch outside queue_
  bool stop_ = false;
  uint64_t closed_ = 0;
  std::thread::id last_closer_;
  std::thread thread_;
};

}  // namespace brisk::script
