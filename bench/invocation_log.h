// The Dokku simulator's invocations.log as the benchmarks read it (tests/dokku-sim/README.md,
// "Invocation log"): one JSON line per Dokku call, with when the call started and ended
// (CLOCK_REALTIME microseconds, so the benchmark's own clock can be compared with them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace dflow::bench {

// Now, CLOCK_REALTIME, in microseconds: the simulator's clock for start_us / end_us.
std::int64_t RealtimeMicros();

struct Invocation {
  std::vector<std::string> argv;
  int exit = 0;
  bool changed = false;
  std::int64_t start_us = 0;  // the call began (before the simulated cost)
  std::int64_t end_us = 0;    // the call was about to exit
};

// Lines in `log`; 0 when it does not exist. Pass it to ReadInvocations() later to read only
// the calls made after this point.
std::size_t LogLines(const std::filesystem::path& log);

// The calls logged in `log` from line `from` (0-based) on, in file order. Lines that do not
// parse, or that lack the times, are skipped; a missing file reads as none.
std::vector<Invocation> ReadInvocations(const std::filesystem::path& log, std::size_t from = 0);

// The longest chain of calls run one after another: the largest number of calls whose
// [start_us, end_us] intervals pairwise do not overlap (a call that starts at or after
// another's end follows it). Found greedily by earliest end. Calls that ran in parallel count
// once, so this is the number of sequential steps the calls took: with a fixed cost per call,
// wall time ~ chain x cost. Over the calls of several nodes together, nodes waiting for each
// other show as a longer chain.
int LongestChain(const std::vector<Invocation>& calls);

// The most calls in flight at one instant.
int MaxInFlight(const std::vector<Invocation>& calls);

// What one measured step cost in Dokku calls.
struct CallStats {
  int commands = 0;
  int longest_chain = 0;  // LongestChain()
  int max_in_flight = 0;  // MaxInFlight()
};
CallStats Summarize(const std::vector<Invocation>& calls);

// When BENCH_TRACE is set (non-empty): prints `calls` to stderr under `title`, by start
// time, one line each: start and end in ms from the first start, `*` on the calls of the
// chain LongestChain() found, and the argv. Shows where a chain comes from.
void TraceCalls(const std::string& title, const std::vector<Invocation>& calls);

// The first call that started at or after `after_us`, or nullptr.
const Invocation* FirstStartedAfter(const std::vector<Invocation>& calls, std::int64_t after_us);

}  // namespace dflow::bench
