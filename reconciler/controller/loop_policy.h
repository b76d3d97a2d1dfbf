// The error contract of manifests-schema/base/status.h made concrete: what a controller loop
// (the source loop, a node's loop) does after a pass that ended with a given Status code.
// Pure: a table from codes to decisions, and from decisions to the wait before the next pass.
#pragma once

#include <chrono>
#include <string_view>

#include "manifests-schema/base/status.h"

namespace dflow {

enum class NextStep {
  kContinue,  // the pass worked: next pass at the interval (with jitter)
  kRetry,     // transient (kUnavailable, kTimeout, kFailed, kInternal): back off, 2 s doubling
              // up to the interval, and retry on the same input
  kStall,     // a human must act (kInvalidManifest, kPermissionDenied, kInvalidArgument,
              // kNotFound): no timed retry sooner than kStallFactor intervals; a new revision,
              // a webhook or a reload (SIGHUP) tries again at once. Logged as an error.
  kWait,      // a dependency is not there yet (kNotReady: the branch has no commit yet, Dokku
              // missing or too old): look again at the interval, not counted as a failure
};

// How much longer than the interval a stalled loop waits before it looks again by itself.
inline constexpr int kStallFactor = 10;
// A stalled loop looks again at least this often, whatever the interval.
inline constexpr std::chrono::seconds kStallCap{3600};
// The first retry's delay; it doubles with each consecutive retry, up to the interval.
inline constexpr std::chrono::seconds kRetryBase{2};

NextStep NextStepFor(Code code);

// "continue", "retry", "stall", "wait": for logs, history records and status messages.
std::string_view NextStepName(NextStep step);

// The wait before the next pass. `consecutive_retries` counts the passes in a row that ended
// in kRetry, this one included (only kRetry uses it). No jitter: the caller adds it to
// kContinue waits.
std::chrono::milliseconds DelayBefore(NextStep step, int consecutive_retries,
                                      std::chrono::seconds interval);

// What an operator reads beside the error: "will retry", "fix it, then push a commit, ...".
std::string_view WhatHappensNext(NextStep step);

}  // namespace dflow
