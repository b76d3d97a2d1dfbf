#include "manifests-schema/base/parallel_for.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace dflow {

void ParallelFor(std::size_t count, int parallel, const std::function<void(std::size_t)>& work) {
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < count; i = next++) work(i);
  };
  // Never more threads than indexes: a thread with nothing to do is only a cost.
  const std::size_t threads_wanted =
      std::min<std::size_t>(count, static_cast<std::size_t>(std::max(1, parallel)));
  std::vector<std::thread> threads;
  for (std::size_t t = 1; t < threads_wanted; ++t) threads.emplace_back(worker);
  worker();  // the calling thread is one of the `parallel`
  for (auto& thread : threads) thread.join();
}

}  // namespace dflow
