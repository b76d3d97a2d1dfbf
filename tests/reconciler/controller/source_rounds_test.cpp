#include "reconciler/controller/source_rounds.h"

#include <doctest/doctest.h>

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

}  // namespace
}  // namespace dflow
