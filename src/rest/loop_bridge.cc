#include "rest/loop_bridge.h"

#include <algorithm>

#include "rest/api.h"

namespace brisk::rest {

LoopBridge::LoopBridge(uv_loop_t* main_loop, cmd::ServerContext* ctx, LoopHooks hooks)
    : main_loop_(main_loop), ctx_(ctx), hooks_(std::move(hooks)), exec_(ctx, this) {
  if (hooks_.next_client_id) {
    exec_.set_id_source(
        [](void* arg) { return static_cast<LoopBridge*>(arg)->hooks_.next_client_id(); }, this);
  }
}

LoopBridge::~LoopBridge() = default;

void LoopBridge::Open() {
  uv_async_init(main_loop_, &loop_wake_, OnLoopWake);
  loop_wake_.data = this;
  uv_timer_init(main_loop_, &pause_timer_);
  pause_timer_.data = this;
  uv_check_init(main_loop_, &gate_check_);
  gate_check_.data = this;
  uv_check_start(&gate_check_,
                 [](uv_check_t* h) { static_cast<LoopBridge*>(h->data)->PublishGate(); });
  open_ = true;
  PublishGate();
}

void LoopBridge::PublishGate() {
  uint64_t gate = UINT64_MAX;
  if (ctx_->effects != nullptr && hooks_.released_lsn) {
    bool unreleased = hooks_.reply_barrier && hooks_.reply_barrier() != 0;
    gate = unreleased ? 0 : std::max<uint64_t>(hooks_.released_lsn(), 1);
  }
  static_assert(kReadsViaLoop == 0);
  read_gate_.store(gate, std::memory_order_release);
}

void LoopBridge::Close() {
  if (!open_) return;
  open_ = false;
  uv_timer_stop(&pause_timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&pause_timer_), nullptr);
  uv_check_stop(&gate_check_);
  uv_close(reinterpret_cast<uv_handle_t*>(&gate_check_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&loop_wake_), nullptr);
  {
    std::lock_guard<std::mutex> lock(to_loop_mu_);
    to_loop_.clear();
  }
  waiting_.clear();
  held_.clear();
  exec_.CloseStreams();  // the adapter, already stopped, closed their sockets
}

void LoopBridge::OnLoopWake(uv_async_t* h) {
  static_cast<LoopBridge*>(h->data)->RunJobs();
}

void LoopBridge::RunJobs() {
  if (!open_) return;
  {
    std::lock_guard<std::mutex> lock(to_loop_mu_);
    running_.swap(to_loop_);
  }
  for (auto& job : running_) waiting_.push_back(std::move(job));
  running_.clear();
  // Invariant 1.
  if (exec_.paused()) {
    if (!waiting_.empty() && !uv_is_active(reinterpret_cast<uv_handle_t*>(&pause_timer_))) {
      uv_timer_start(
          &pause_timer_,
          [](uv_timer_t* t) {
            auto* self = static_cast<LoopBridge*>(t->data);
            if (!self->exec_.paused()) uv_timer_stop(t);
            self->RunJobs();
          },
          kPauseRecheckMs, kPauseRecheckMs);
    }
    return;
  }
  while (!waiting_.empty() && !exec_.paused()) {
    std::unique_ptr<LoopJob> job = std::move(waiting_.front());
    waiting_.pop_front();
    exec_.BeginJob(job->peer);
    job->Run(exec_);
    exec_.EndJob();
    // Invariant 2.
    uint64_t barrier = hooks_.reply_barrier ? hooks_.reply_barrier() : 0;
    if (job->holds_for_log() && (barrier != 0 || !held_.empty())) {
      held_.push_back({barrier, std::move(job)});
    } else {
      Post({std::move(job), 0, {}, false});
    }
  }
  if (!held_.empty()) OnLogReleased();
}

void LoopBridge::OnLogReleased() {
  PublishGate();
  uint64_t released = hooks_.released_lsn ? hooks_.released_lsn() : UINT64_MAX;
  while (!held_.empty() && held_.front().lsn <= released) {
    Post({std::move(held_.front().job), 0, {}, false});
    held_.pop_front();
  }
}

void LoopBridge::Post(Outgoing&& out) {
  std::lock_guard<std::mutex> lock(to_adapter_mu_);
  if (adapter_wake_ == nullptr) return;  // invariant 3
  to_adapter_.push_back(std::move(out));
  uv_async_send(adapter_wake_);
}

void LoopBridge::PostEvent(uint64_t conn_id, std::string text) {
  Post({nullptr, conn_id, std::move(text), false});
}

void LoopBridge::PostStreamEnd(uint64_t conn_id) {
  Post({nullptr, conn_id, {}, true});
}

void LoopBridge::AttachAdapter(uv_async_t* wake) {
  std::lock_guard<std::mutex> lock(to_adapter_mu_);
  adapter_wake_ = wake;
}

void LoopBridge::DetachAdapter() {
  std::lock_guard<std::mutex> lock(to_adapter_mu_);
  adapter_wake_ = nullptr;
  to_adapter_.clear();
}

void LoopBridge::DrainToAdapter(Responder& responder) {
  {
    std::lock_guard<std::mutex> lock(to_adapter_mu_);
    draining_.swap(to_adapter_);
  }
  for (Outgoing& out : draining_) {
    if (out.job != nullptr) {
      out.job->Finish(responder);
    } else if (out.end) {
      responder.StreamEnd(out.conn_id);
    } else {
      responder.StreamEvent(out.conn_id, out.text);
    }
  }
  draining_.clear();
}

void LoopBridge::Submit(std::unique_ptr<LoopJob> job) {
  {
    std::lock_guard<std::mutex> lock(to_loop_mu_);
    to_loop_.push_back(std::move(job));
  }
  uv_async_send(&loop_wake_);
}

}  // namespace brisk::rest
