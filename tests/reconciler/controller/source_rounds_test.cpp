#include "reconciler/controller/source_rounds.h"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

namespace dflow {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;

TEST_CASE("a round asked for before the source stage began it ends when that stage ends") {
  SourceRounds rounds;
  const std::uint64_t asked = rounds.Request();
  const std::uint64_t begun = rounds.Begin();  // the fetch starts: it covers `asked`
  CHECK(begun == asked);
  CHECK_FALSE(rounds.WaitFinished(asked, milliseconds(1)));  // still fetching
  std::thread stage([&] { rounds.Finish(begun); });
  CHECK(rounds.WaitFinished(asked, hours(1)));  // would block for an hour if never finished
  stage.join();
}

TEST_CASE("a round asked for during a fetch waits for the next fetch, not the one in flight") {
  SourceRounds rounds;
  const std::uint64_t first = rounds.Begin();    // a fetch begins (the interval's)
  const std::uint64_t asked = rounds.Request();  // a webhook arrives meanwhile
  rounds.Finish(first);
  CHECK_FALSE(rounds.WaitFinished(asked, milliseconds(1)));  // that fetch may predate the push
  rounds.Finish(rounds.Begin());
  CHECK(rounds.WaitFinished(asked, milliseconds(1)));
  CHECK(rounds.WaitFinished(0, milliseconds(1)));  // nothing asked: nothing to wait for
}

TEST_CASE("Cancel releases a waiter whose round never ends") {
  SourceRounds rounds;
  const std::uint64_t asked = rounds.Request();
  std::thread stopper([&] { rounds.Cancel(); });
  CHECK_FALSE(rounds.WaitFinished(asked, hours(1)));
  stopper.join();
}

TEST_CASE("a webhook's pass observes holding a slot, and waits for the fetch without one") {
  PassSlots slots(1);  // concurrency 1
  SourceRounds rounds;
  const std::uint64_t asked = rounds.Request();
  const std::uint64_t fetching = rounds.Begin();  // the fetch hangs until Finish below
  std::atomic<int> in_use_while_observing{-1};
  std::atomic<bool> planned{false};
  std::thread pass([&] {
    CHECK(ObserveWhileFetching(slots, rounds, asked, hours(1),
                               [&] { in_use_while_observing = slots.in_use(); }));
    planned = true;
  });
  while (in_use_while_observing == -1) std::this_thread::yield();  // it has observed
  {
    // Another node's pass gets the only slot while the webhook's pass waits for the fetch
    // (this would block for the hour if the waiting pass still held it).
    PassSlot other(slots);
    CHECK(other.held());
    CHECK_FALSE(planned);  // still waiting for the fetch
  }
  rounds.Finish(fetching);
  pass.join();
  CHECK(in_use_while_observing == 1);
  CHECK(planned);
}

TEST_CASE("a webhook's pass stops, not plans, when the controller stops during the fetch") {
  PassSlots slots(2);
  SourceRounds rounds;
  const std::uint64_t asked = rounds.Request();
  bool observed = false;
  std::thread stopper([&] { rounds.Cancel(); });
  CHECK_FALSE(ObserveWhileFetching(slots, rounds, asked, hours(1), [&] { observed = true; }));
  stopper.join();
  CHECK(observed);
  CHECK(slots.in_use() == 0);
  slots.Shutdown();
  CHECK_FALSE(ObserveWhileFetching(slots, rounds, asked, hours(1), [&] { observed = false; }));
  CHECK(observed);  // no slot after shutdown: nothing observed
}

}  // namespace
}  // namespace dflow
