#include "script/state_closer.h"

#include <pthread.h>

extern "C" {
#include <lua.h>
}

namespace brisk::script {

StateCloser::~StateCloser() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  for (Retired& r : queue_) lua_close(r.L);  // only if the thread never started
}

void StateCloser::Retire(lua_State* L, std::unique_ptr<LuaHeap> heap) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(Retired{L, std::move(heap)});
    if (!thread_.joinable()) {
      thread_ = std::thread([this] { Main(); });
      // Named here, not in Main(): visible in /proc/<pid>/task once Retire() returns.
      pthread_setname_np(thread_.native_handle(), "brisk-luaclose");
    }
  }
  wake_.notify_one();
}

void StateCloser::WaitIdle() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

uint64_t StateCloser::closed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

std::thread::id StateCloser::last_closer() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_closer_;
}

void StateCloser::Main() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stop_, nothing left (invariant 2)
    std::vector<Retired> batch;
    batch.swap(queue_);
    busy_ = true;
    lock.unlock();
    for (Retired& r : batch) lua_close(r.L);
    size_t n = batch.size();
    batch.clear();  // the heaps, once their states are closed
    lock.lock();
    busy_ = false;
    closed_ += n;
    last_closer_ = std::this_thread::get_id();
    idle_.notify_all();
  }
}

}  // namespace brisk::script
