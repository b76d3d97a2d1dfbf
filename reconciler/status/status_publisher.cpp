#include "reconciler/status/status_publisher.h"

#include <spdlog/spdlog.h>

namespace dflow {

StatusPublisher::StatusPublisher(StatusStore& store, std::chrono::milliseconds min_gap,
                                 std::function<std::int64_t()> now)
    : store_(store), min_gap_(min_gap), now_(std::move(now)) {}

StatusPublisher::~StatusPublisher() {
  {
    std::lock_guard lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status StatusPublisher::Start() {
  if (Status s = Refresh(); !s.ok()) return s;
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void StatusPublisher::MarkChanged() {
  {
    std::lock_guard lock(wake_mutex_);
    changed_ = true;
  }
  wake_.notify_one();
}

std::shared_ptr<const StatusSnapshot> StatusPublisher::Current() const {
  std::lock_guard lock(current_mutex_);
  return current_;
}

std::uint64_t StatusPublisher::published() const {
  std::lock_guard lock(current_mutex_);
  return published_;
}

Status StatusPublisher::Refresh() {
  auto snapshot = TakeStatusSnapshot(store_, now_());
  if (!snapshot.ok()) return snapshot.status();
  std::lock_guard lock(current_mutex_);
  current_ = std::move(snapshot).value();
  ++published_;
  return Status::Ok();
}

void StatusPublisher::Run() {
  bool failing = false;  // warn once per run of failed reads, not once per change
  std::unique_lock lock(wake_mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || changed_; });
    if (stopping_) return;
    changed_ = false;
    lock.unlock();
    Status refreshed = Refresh();
    lock.lock();
    if (!refreshed.ok()) {
      if (!failing)
        spdlog::warn("status snapshot: {}; serving the previous one until a read works",
                     refreshed.message());
      changed_ = true;  // try again after the gap
    }
    failing = !refreshed.ok();
    // Writes during the gap are folded into the next snapshot.
    wake_.wait_for(lock, min_gap_, [this] { return stopping_; });
  }
}

}  // namespace dflow
