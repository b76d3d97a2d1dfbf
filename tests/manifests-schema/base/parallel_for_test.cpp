#include "manifests-schema/base/parallel_for.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace dflow {
namespace {

// Counts the calls running at once and remembers the most seen.
struct Concurrency {
  std::atomic<int> running{0};
  std::atomic<int> most{0};

  void Enter() {
    int now = ++running;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
  }
  void Leave() { --running; }
};

TEST_CASE("parallel for runs every index exactly once") {
  for (int parallel : {1, 2, 3, 8, 100}) {
    CAPTURE(parallel);
    std::vector<std::atomic<int>> calls(257);
    ParallelFor(calls.size(), parallel, [&](std::size_t i) { ++calls[i]; });
    for (const auto& count : calls) CHECK(count.load() == 1);
  }
}

TEST_CASE("parallel for never runs more than `parallel` calls at once") {
  for (int parallel : {1, 2, 3}) {
    CAPTURE(parallel);
    Concurrency concurrency;
    ParallelFor(64, parallel, [&](std::size_t) {
      concurrency.Enter();
      std::this_thread::yield();
      concurrency.Leave();
    });
    CHECK(concurrency.most.load() <= parallel);
    CHECK(concurrency.most.load() >= 1);
  }
}

TEST_CASE("parallel for does run `parallel` calls at once") {
  // Each call waits until three are running: with three threads this returns, and the most
  // seen is exactly three. (With fewer threads it would hang; the CTest timeout catches that.)
  constexpr int kParallel = 3;
  Concurrency concurrency;
  std::mutex mutex;
  std::condition_variable all_in;
  int arrived = 0;
  ParallelFor(kParallel, kParallel, [&](std::size_t) {
    concurrency.Enter();
    std::unique_lock lock(mutex);
    ++arrived;
    all_in.notify_all();
    all_in.wait(lock, [&] { return arrived == kParallel; });
    concurrency.Leave();
  });
  CHECK(concurrency.most.load() == kParallel);
}

TEST_CASE("parallel for uses the calling thread and no idle threads") {
  std::mutex mutex;
  std::set<std::thread::id> threads;
  ParallelFor(1, 8, [&](std::size_t) {
    std::lock_guard lock(mutex);
    threads.insert(std::this_thread::get_id());
  });
  CHECK(threads == std::set<std::thread::id>{std::this_thread::get_id()});
}

TEST_CASE("parallel for with nothing to do, or parallel <= 0") {
  int calls = 0;
  ParallelFor(0, 4, [&](std::size_t) { ++calls; });
  CHECK(calls == 0);
  for (int parallel : {0, -1}) {
    std::vector<std::size_t> order;  // one thread: no lock needed, indexes in order
    ParallelFor(5, parallel, [&](std::size_t i) { order.push_back(i); });
    CHECK(order == std::vector<std::size_t>{0, 1, 2, 3, 4});
  }
}

}  // namespace
}  // namespace dflow
