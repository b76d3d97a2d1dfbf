// Counts the source stage's rounds, so that a node pass woken by a webhook can observe its node
// while the pushed commit is being fetched, and plan only once that fetch has ended: the node's
// first Dokku command then follows the webhook at once instead of after the fetch. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>

#include "reconciler/controller/pass_slots.h"

namespace dflow {

class SourceRounds {
 public:
  // A round is asked for (a webhook); returns its number.
  std::uint64_t Request();
  // The newest round asked for so far.
  std::uint64_t requested() const;
  // The source stage starts a round: it covers every request made before this call.
  std::uint64_t Begin() const { return requested(); }
  // The round that Begin() returned has ended (its commit installed, or its fetch failed).
  void Finish(std::uint64_t round);
  // Waits until round `round` has ended, `timeout` passed, or Cancel(); true if it ended.
  bool WaitFinished(std::uint64_t round, std::chrono::milliseconds timeout);
  // Makes every current and future wait return (shutdown).
  void Cancel();
  bool cancelled() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::uint64_t requested_ = 0;  // GUARDED_BY(mutex_)
  std::uint64_t finished_ = 0;   // GUARDED_BY(mutex_)
  bool cancelled_ = false;       // GUARDED_BY(mutex_)
};

// A webhook's pass before it plans: `observe` runs holding one of `slots`, as any pass's SSH work
// does, and the slot is given back while the pass waits (at most `limit`) for `round`, so that a
// slow fetch holds no slot that another node's pass needs. The caller takes a slot again to plan.
// False on shutdown (no slot, or the wait cancelled).
bool ObserveWhileFetching(PassSlots& slots, SourceRounds& rounds, std::uint64_t round,
                          std::chrono::milliseconds limit, const std::function<void()>& observe);

}  // namespace dflow
