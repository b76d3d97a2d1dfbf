#include "reconciler/controller/wakeup.h"

#include <doctest/doctest.h>

#include <thread>

namespace dflow {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_CASE("a trigger wakes the waiter with its reason, a burst is one wakeup") {
  Wakeup wakeup;
  wakeup.Trigger(WakeReason::Webhook("aaaaaaaaaaaaaaaa"));
  wakeup.Trigger(WakeReason::Webhook("bbbbbbbbbbbbbbbb"));
  wakeup.Trigger(WakeReason::Webhook("0123456789abcdef0123"));
  WakeReason reason;
  REQUIRE(wakeup.Wait(hours(1), reason));  // would block for an hour if not triggered
  CHECK(reason.kind == WakeReason::Kind::kWebhook);
  CHECK(reason.commit == "0123456789abcdef0123");
  CHECK(reason.text == "webhook 0123456789ab");  // what logs and the history show
  REQUIRE(wakeup.Wait(milliseconds(1), reason));
  CHECK(reason == WakeReason::Interval());  // the burst was consumed by the first wait
}

TEST_CASE("a revision's reason carries the whole commit, its text the short one") {
  const WakeReason revision = WakeReason::Revision("fedcba9876543210fedc");
  CHECK(revision.kind == WakeReason::Kind::kRevision);
  CHECK(revision.commit == "fedcba9876543210fedc");
  CHECK(revision.text == "revision fedcba987654");
  CHECK_FALSE(revision == WakeReason::Revision("fedcba9876543210ffff"));
  // Other reasons never pass for a structured one, whatever their text says.
  CHECK(WakeReason::Other("revision fedcba987654").kind == WakeReason::Kind::kOther);
  CHECK(WakeReason::Other("webhook fedcba987654").kind == WakeReason::Kind::kOther);
}

TEST_CASE("a routine interval trigger does not hide the pending reason that says more") {
  Wakeup wakeup;
  wakeup.Trigger(WakeReason::RefMoved());
  wakeup.Trigger(WakeReason::Interval());
  WakeReason reason;
  REQUIRE(wakeup.Wait(hours(1), reason));
  CHECK(reason == WakeReason::RefMoved());
  wakeup.Trigger(WakeReason::Interval());  // nothing pending: it is the reason
  REQUIRE(wakeup.Wait(hours(1), reason));
  CHECK(reason == WakeReason::Interval());
}

TEST_CASE("a trigger from another thread wakes a blocked waiter") {
  Wakeup wakeup;
  std::thread other([&] { wakeup.Trigger(WakeReason::Other("push")); });
  WakeReason reason;
  CHECK(wakeup.Wait(hours(1), reason));
  CHECK(reason.text == "push");
  other.join();
}

TEST_CASE("shutdown ends every wait") {
  Wakeup wakeup;
  std::thread other([&] { wakeup.Shutdown(); });
  WakeReason reason;
  CHECK_FALSE(wakeup.Wait(hours(1), reason));
  other.join();
  CHECK(wakeup.shutting_down());
  wakeup.Trigger(WakeReason::Other("late"));
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
