// How the controller's loops are woken: by their interval, or at once by a trigger (a webhook,
// a new desired state, shutdown). Triggers that arrive while a pass runs are coalesced into one
// more pass, so a burst of pushes costs one reconcile of the newest commit.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

namespace dflow {

class Wakeup {
 public:
  // Wakes the waiter now (or, if it is busy, makes its next Wait return at once). `reason`
  // is kept for logs; the last one wins, except that "interval" does not replace a pending one.
  void Trigger(const std::string& reason);

  // Makes every current and future Wait return false at once.
  void Shutdown();

  // Waits until triggered or `timeout` passes. Returns false on shutdown. `reason` receives
  // the trigger's reason, or "interval" when the timeout passed.
  bool Wait(std::chrono::milliseconds timeout, std::string& reason);

  bool shutting_down() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool pending_ = false;   // GUARDED_BY(mutex_)
  bool shutdown_ = false;  // GUARDED_BY(mutex_)
  std::string reason_;     // GUARDED_BY(mutex_)
};

// Exponential backoff with a cap: 1st failure waits `base`, then doubles up to `cap`.
std::chrono::seconds BackoffDelay(int consecutive_failures, std::chrono::seconds base,
                                  std::chrono::seconds cap);

}  // namespace dflow
