// ParallelFor: the one bounded parallel loop (nodes observed and planned at once, nodes applied
// at once, Dokku commands run at once on a local node).
#pragma once

#include <cstddef>
#include <functional>

namespace dflow {

// Runs `work(i)` once for every i in [0, count) on at most `parallel` threads, the calling
// thread included (parallel <= 0 counts as 1), and returns when every call has returned.
// Indexes are handed out in increasing order to whichever thread is free, so `work` must be
// safe to call from several threads at once on different indexes. `work` must not throw.
void ParallelFor(std::size_t count, int parallel, const std::function<void(std::size_t)>& work);

}  // namespace dflow
