#include "reconciler/controller/wakeup.h"

#include <doctest/doctest.h>

#include <thread>

namespace dflow {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_CASE("a trigger wakes the waiter with its reason; a burst is one wakeup") {
  Wakeup wakeup;
  wakeup.Trigger("webhook a");
  wakeup.Trigger("webhook b");
  wakeup.Trigger("webhook c");
  std::string reason;
  REQUIRE(wakeup.Wait(hours(1), reason));  // would block for an hour if not triggered
  CHECK(reason == "webhook c");
  REQUIRE(wakeup.Wait(milliseconds(1), reason));
  CHECK(reason == "interval");  // the burst was consumed by the first wait
}

TEST_CASE("a routine interval trigger does not hide the pending reason that says more") {
  Wakeup wakeup;
  wakeup.Trigger("source ref moved");
  wakeup.Trigger("interval");
  std::string reason;
  REQUIRE(wakeup.Wait(hours(1), reason));
  CHECK(reason == "source ref moved");
  wakeup.Trigger("interval");  // nothing pending: it is the reason
  REQUIRE(wakeup.Wait(hours(1), reason));
  CHECK(reason == "interval");
}

TEST_CASE("a trigger from another thread wakes a blocked waiter") {
  Wakeup wakeup;
  std::thread other([&] { wakeup.Trigger("push"); });
  std::string reason;
  CHECK(wakeup.Wait(hours(1), reason));
  CHECK(reason == "push");
  other.join();
}

TEST_CASE("shutdown ends every wait") {
  Wakeup wakeup;
  std::thread other([&] { wakeup.Shutdown(); });
  std::string reason;
  CHECK_FALSE(wakeup.Wait(hours(1), reason));
  other.join();
  CHECK(wakeup.shutting_down());
  wakeup.Trigger("late");
  CHECK_FALSE(wakeup.Wait(hours(1), reason));
}

TEST_CASE("backoff doubles from the base up to the cap") {
  CHECK(BackoffDelay(0, seconds(5), seconds(300)) == seconds(0));
  CHECK(BackoffDelay(1, seconds(5), seconds(300)) == seconds(5));
  CHECK(BackoffDelay(2, seconds(5), seconds(300)) == seconds(10));
  CHECK(BackoffDelay(4, seconds(5), seconds(300)) == seconds(40));
  CHECK(BackoffDelay(7, seconds(5), seconds(300)) == seconds(300));
  CHECK(BackoffDelay(1000, seconds(5), seconds(300)) == seconds(300));
}

}  // namespace
}  // namespace dflow
