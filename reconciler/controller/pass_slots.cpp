#include "reconciler/controller/pass_slots.h"

#include <algorithm>

namespace dflow {

PassSlots::PassSlots(int limit) : limit_(std::max(1, limit)) {}

void PassSlots::SetLimit(int limit) {
  {
    std::lock_guard lock(mutex_);
    limit_ = std::max(1, limit);
  }
  freed_.notify_all();
}

bool PassSlots::Acquire() {
  std::unique_lock lock(mutex_);
  const unsigned long ticket = next_ticket_++;
  ++waiting_;
  freed_.wait(lock, [&] { return shutdown_ || (ticket == serving_ && in_use_ < limit_); });
  --waiting_;
  if (shutdown_) return false;
  ++serving_;
  ++in_use_;
  lock.unlock();
  freed_.notify_all();  // the next in line may fit too (a raised limit)
  return true;
}

void PassSlots::Release() {
  {
    std::lock_guard lock(mutex_);
    --in_use_;
  }
  freed_.notify_all();  // only the first in line can take it; the others wait on
}

void PassSlots::Shutdown() {
  {
    std::lock_guard lock(mutex_);
    shutdown_ = true;
  }
  freed_.notify_all();
}

int PassSlots::in_use() const {
  std::lock_guard lock(mutex_);
  return in_use_;
}

int PassSlots::waiting() const {
  std::lock_guard lock(mutex_);
  return waiting_;
}

}  // namespace dflow
