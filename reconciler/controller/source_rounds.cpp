#include "reconciler/controller/source_rounds.h"

#include <algorithm>

namespace dflow {

std::uint64_t SourceRounds::Request() {
  std::lock_guard lock(mutex_);
  return ++requested_;
}

std::uint64_t SourceRounds::requested() const {
  std::lock_guard lock(mutex_);
  return requested_;
}

void SourceRounds::Finish(std::uint64_t round) {
  {
    std::lock_guard lock(mutex_);
    finished_ = std::max(finished_, round);
  }
  cv_.notify_all();
}

bool SourceRounds::WaitFinished(std::uint64_t round, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, timeout, [&] { return cancelled_ || finished_ >= round; });
  return finished_ >= round;
}

void SourceRounds::Cancel() {
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
  }
  cv_.notify_all();
}

bool SourceRounds::cancelled() const {
  std::lock_guard lock(mutex_);
  return cancelled_;
}

bool ObserveWhileFetching(PassSlots& slots, SourceRounds& rounds, std::uint64_t round,
                          std::chrono::milliseconds limit, const std::function<void()>& observe) {
  {
    PassSlot slot(slots);
    if (!slot.held()) return false;
    observe();
  }
  // A fetch that outlasts `limit` is not waited for: the pass plans with what is in force.
  return rounds.WaitFinished(round, limit) || !rounds.cancelled();
}

}  // namespace dflow
