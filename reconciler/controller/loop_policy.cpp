#include "reconciler/controller/loop_policy.h"

#include <algorithm>

#include "reconciler/controller/wakeup.h"

namespace dflow {

NextStep NextStepFor(Code code) {
  switch (code) {
    case Code::kOk:
      return NextStep::kContinue;
    case Code::kUnavailable:
    case Code::kTimeout:
    case Code::kFailed:
    case Code::kInternal:
      return NextStep::kRetry;
    case Code::kInvalidManifest:
    case Code::kPermissionDenied:
    case Code::kInvalidArgument:
    case Code::kNotFound:
      return NextStep::kStall;
    case Code::kNotReady:
      return NextStep::kWait;
  }
  return NextStep::kRetry;  // a code added later: retrying is the safe default
}

std::string_view NextStepName(NextStep step) {
  switch (step) {
    case NextStep::kContinue:
      return "continue";
    case NextStep::kRetry:
      return "retry";
    case NextStep::kStall:
      return "stall";
    case NextStep::kWait:
      return "wait";
  }
  return "retry";
}

std::chrono::milliseconds DelayBefore(NextStep step, int consecutive_retries,
                                      std::chrono::seconds interval) {
  using std::chrono::milliseconds;
  switch (step) {
    case NextStep::kRetry:
      return BackoffDelay(std::max(consecutive_retries, 1), std::min(kRetryBase, interval),
                          interval);
    case NextStep::kStall:
      return std::max<milliseconds>(interval,
                                    std::min<milliseconds>(interval * kStallFactor, kStallCap));
    case NextStep::kContinue:
    case NextStep::kWait:
      return interval;
  }
  return interval;
}

std::string_view WhatHappensNext(NextStep step) {
  switch (step) {
    case NextStep::kContinue:
      return "";
    case NextStep::kRetry:
      return "will retry";
    case NextStep::kStall:
      return "stalled: fix it, then push a commit, send the webhook or reload (SIGHUP)";
    case NextStep::kWait:
      return "waiting for it";
  }
  return "";
}

}  // namespace dflow
