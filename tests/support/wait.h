// Waiting for a condition instead of sleeping for a guessed time: a test proceeds as soon as
// what it waits for has happened, and a bounded limit stops a broken test instead of hanging.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace dflow::test {

// Calls `condition` every `poll` until it returns true or `limit` has passed; returns its
// last answer (one more call after the limit, so a condition met at the deadline counts).
// The limit is a cap for broken tests, never a timing being asserted.
inline bool WaitUntil(const std::function<bool()>& condition, std::chrono::milliseconds limit,
                      std::chrono::milliseconds poll = std::chrono::milliseconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(poll);
  }
  return condition();
}

}  // namespace dflow::test
