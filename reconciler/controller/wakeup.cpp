#include "reconciler/controller/wakeup.h"

#include <algorithm>

namespace dflow {

WakeReason WakeReason::Webhook(const std::string& commit) {
  return {Kind::kWebhook, "webhook " + commit.substr(0, 12), commit};
}

WakeReason WakeReason::Revision(const std::string& commit) {
  return {Kind::kRevision, "revision " + commit.substr(0, 12), commit};
}

void Wakeup::Trigger(const WakeReason& reason) {
  {
    std::lock_guard lock(mutex_);
    // The routine interval never hides a pending reason that says more (a new revision, a
    // moved ref): the history and the releases name what caused the pass.
    if (!(pending_ && reason.kind == WakeReason::Kind::kInterval)) reason_ = reason;
    pending_ = true;
  }
  cv_.notify_all();
}

void Wakeup::Shutdown() {
  {
    std::lock_guard lock(mutex_);
    shutdown_ = true;
  }
  cv_.notify_all();
}

bool Wakeup::Wait(std::chrono::milliseconds timeout, WakeReason& reason) {
  std::unique_lock lock(mutex_);
  const bool woken = cv_.wait_for(lock, timeout, [this] { return pending_ || shutdown_; });
  if (shutdown_) return false;
  reason = woken ? reason_ : WakeReason::Interval();
  pending_ = false;
  return true;
}

bool Wakeup::shutting_down() const {
  std::lock_guard lock(mutex_);
  return shutdown_;
}

std::chrono::seconds BackoffDelay(int consecutive_failures, std::chrono::seconds base,
                                  std::chrono::seconds cap) {
  if (consecutive_failures <= 0) return std::chrono::seconds(0);
  const int doublings = std::min(consecutive_failures - 1, 30);
  const long long delay = base.count() << doublings;
  return std::chrono::seconds(std::min<long long>(delay, cap.count()));
}

}  // namespace dflow
