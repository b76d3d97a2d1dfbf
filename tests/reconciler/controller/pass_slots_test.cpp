#include "reconciler/controller/pass_slots.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "tests/support/wait.h"

namespace dflow {
namespace {

// Polls until `done` (no timing is asserted: a generous cap only stops a broken test).
bool Eventually(const std::function<bool()>& done) {
  return test::WaitUntil(done, std::chrono::seconds(10));
}

TEST_CASE("no more passes run at once than the limit, a freed slot lets a waiter start") {
  PassSlots slots(2);
  REQUIRE(slots.Acquire());
  REQUIRE(slots.Acquire());
  std::atomic<bool> started{false};
  std::thread third([&] {
    PassSlot slot(slots);
    started = slot.held();
  });
  REQUIRE(Eventually([&] { return slots.waiting() == 1; }));
  CHECK_FALSE(started);
  CHECK(slots.in_use() == 2);
  slots.Release();
  third.join();
  CHECK(started);
  CHECK(slots.in_use() == 1);  // the third gave its slot back when its scope ended
}

TEST_CASE("a freed slot goes to the one who waited, not back to the pass that just ended") {
  // A node loop releases its slot and asks again at once, as it does after every pass; the
  // other node's loop, already waiting, must run first (concurrency 1 starved it before).
  PassSlots slots(1);
  REQUIRE(slots.Acquire());
  std::atomic<bool> other_ran{false};
  std::thread other([&] {
    PassSlot slot(slots);
    other_ran = slot.held();
  });
  REQUIRE(Eventually([&] { return slots.waiting() == 1; }));
  slots.Release();
  REQUIRE(slots.Acquire());  // returns only once the waiter has had its turn
  const bool waiter_went_first = other_ran;
  slots.Release();
  other.join();
  CHECK(waiter_went_first);
  CHECK(slots.in_use() == 0);
}

TEST_CASE("raising the limit starts waiters at once, lowering it lets passes in flight finish") {
  PassSlots slots(1);
  REQUIRE(slots.Acquire());
  std::thread waiter([&] {
    if (slots.Acquire()) slots.Release();
  });
  REQUIRE(Eventually([&] { return slots.waiting() == 1; }));
  slots.SetLimit(2);
  waiter.join();
  CHECK(slots.in_use() == 1);

  REQUIRE(slots.Acquire());  // two in use, limit 2
  slots.SetLimit(1);
  CHECK(slots.in_use() == 2);  // nothing is taken away
  slots.Release();
  std::atomic<bool> started{false};
  std::thread next([&] { started = slots.Acquire(); });
  REQUIRE(Eventually([&] { return slots.waiting() == 1; }));
  CHECK_FALSE(started);  // one still runs, and the limit is 1
  slots.Release();
  next.join();
  CHECK(started);
}

TEST_CASE("shutdown wakes every waiter without a slot") {
  PassSlots slots(1);
  REQUIRE(slots.Acquire());
  std::atomic<int> refused{0};
  std::thread a([&] { refused += !slots.Acquire(); });
  std::thread b([&] { refused += !PassSlot(slots).held(); });
  REQUIRE(Eventually([&] { return slots.waiting() == 2; }));
  slots.Shutdown();
  a.join();
  b.join();
  CHECK(refused == 2);
  CHECK(slots.in_use() == 1);
  CHECK_FALSE(slots.Acquire());
}

TEST_CASE("a limit below 1 means 1") {
  PassSlots slots(0);
  CHECK(slots.Acquire());
  std::thread waiter([&] {
    if (slots.Acquire()) slots.Release();
  });
  REQUIRE(Eventually([&] { return slots.waiting() == 1; }));
  slots.Release();
  waiter.join();
  CHECK(slots.in_use() == 0);
}

}  // namespace
}  // namespace dflow
