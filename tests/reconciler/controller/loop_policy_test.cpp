#include "reconciler/controller/loop_policy.h"

#include <doctest/doctest.h>

#include <chrono>

namespace dflow {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_CASE("every status code has the loop decision the error contract names") {
  struct Row {
    Code code;
    NextStep step;
  };
  const Row table[] = {
      {Code::kOk, NextStep::kContinue},
      {Code::kInvalidManifest, NextStep::kStall},
      {Code::kPermissionDenied, NextStep::kStall},
      {Code::kInvalidArgument, NextStep::kStall},
      {Code::kNotFound, NextStep::kStall},
      {Code::kUnavailable, NextStep::kRetry},
      {Code::kTimeout, NextStep::kRetry},
      {Code::kFailed, NextStep::kRetry},
      {Code::kInternal, NextStep::kRetry},
      {Code::kNotReady, NextStep::kWait},
  };
  for (const Row& row : table) {
    CAPTURE(CodeName(row.code));
    CHECK(NextStepFor(row.code) == row.step);
  }
  // The table covers every code: kInternal is the last one.
  CHECK(std::size(table) == static_cast<std::size_t>(Code::kInternal) + 1);
}

TEST_CASE("retries back off from 2 s, doubling up to the interval") {
  const seconds interval{60};
  struct Row {
    int retries;
    milliseconds delay;
  };
  const Row table[] = {{1, seconds(2)},  {2, seconds(4)},  {3, seconds(8)},  {4, seconds(16)},
                       {5, seconds(32)}, {6, seconds(60)}, {50, seconds(60)}};
  for (const Row& row : table) {
    CAPTURE(row.retries);
    CHECK(DelayBefore(NextStep::kRetry, row.retries, interval) == row.delay);
  }
  // A pass that ended in kRetry counts itself: zero is read as the first retry.
  CHECK(DelayBefore(NextStep::kRetry, 0, interval) == seconds(2));
  // An interval shorter than the base caps the first retry too.
  CHECK(DelayBefore(NextStep::kRetry, 1, seconds(1)) == seconds(1));
}

TEST_CASE("a stalled loop waits ten intervals, at most an hour, never less than one interval") {
  CHECK(DelayBefore(NextStep::kStall, 0, seconds(60)) == seconds(600));
  CHECK(DelayBefore(NextStep::kStall, 5, seconds(60)) == seconds(600));  // no growth
  CHECK(DelayBefore(NextStep::kStall, 0, seconds(1200)) == seconds(3600));
  CHECK(DelayBefore(NextStep::kStall, 0, seconds(7200)) == seconds(7200));
}

TEST_CASE("continue and wait look again at the interval and ignore the retry count") {
  for (NextStep step : {NextStep::kContinue, NextStep::kWait}) {
    CAPTURE(NextStepName(step));
    CHECK(DelayBefore(step, 0, seconds(60)) == seconds(60));
    CHECK(DelayBefore(step, 7, seconds(60)) == seconds(60));
  }
}

TEST_CASE("each decision has a name and tells the operator what happens next") {
  CHECK(NextStepName(NextStep::kContinue) == "continue");
  CHECK(NextStepName(NextStep::kRetry) == "retry");
  CHECK(NextStepName(NextStep::kStall) == "stall");
  CHECK(NextStepName(NextStep::kWait) == "wait");
  CHECK(WhatHappensNext(NextStep::kContinue).empty());
  CHECK(WhatHappensNext(NextStep::kRetry) == "will retry");
  CHECK(WhatHappensNext(NextStep::kStall) ==
        "stalled: fix it, then push a commit, send the webhook or reload (SIGHUP)");
  CHECK(WhatHappensNext(NextStep::kWait) == "waiting for it");
}

}  // namespace
}  // namespace dflow
