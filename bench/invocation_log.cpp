#include "bench/invocation_log.h"

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

namespace dflow::bench {

std::int64_t RealtimeMicros() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

std::size_t LogLines(const std::filesystem::path& log) {
  std::ifstream in(log);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

std::vector<Invocation> ReadInvocations(const std::filesystem::path& log, std::size_t from) {
  std::vector<Invocation> calls;
  std::ifstream in(log);
  std::size_t index = 0;
  for (std::string line; std::getline(in, line); ++index) {
    if (index < from) continue;
    // A line being appended while we read can be cut short: skip it, never throw.
    const auto entry = nlohmann::json::parse(line, nullptr, false);
    if (entry.is_discarded() || !entry.contains("start_us") || !entry.contains("end_us")) continue;
    Invocation call;
    call.argv = entry.value("argv", std::vector<std::string>{});
    call.exit = entry.value("exit", 0);
    call.changed = entry.value("changed", false);
    call.start_us = entry["start_us"].get<std::int64_t>();
    call.end_us = entry["end_us"].get<std::int64_t>();
    calls.push_back(std::move(call));
  }
  return calls;
}

namespace {

// The calls LongestChain() picks, as indexes into `calls`.
std::vector<std::size_t> ChainOf(const std::vector<Invocation>& calls) {
  std::vector<std::size_t> order(calls.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return calls[a].end_us < calls[b].end_us; });
  // Interval scheduling: taking the call that ends first leaves the most room for the rest.
  std::vector<std::size_t> chain;
  std::int64_t free_from = INT64_MIN;
  for (std::size_t i : order) {
    if (calls[i].start_us < free_from) continue;
    chain.push_back(i);
    free_from = calls[i].end_us;
  }
  return chain;
}

}  // namespace

int LongestChain(const std::vector<Invocation>& calls) {
  return static_cast<int>(ChainOf(calls).size());
}

int MaxInFlight(const std::vector<Invocation>& calls) {
  // +1 at each start, -1 at each end; at equal times ends first (touching calls do not
  // overlap, as in LongestChain).
  std::vector<std::pair<std::int64_t, int>> events;
  for (const auto& call : calls) {
    events.emplace_back(call.start_us, +1);
    events.emplace_back(call.end_us, -1);
  }
  std::sort(events.begin(), events.end());
  int now = 0, most = 0;
  for (const auto& [at, delta] : events) most = std::max(most, now += delta);
  return most;
}

CallStats Summarize(const std::vector<Invocation>& calls) {
  return {static_cast<int>(calls.size()), LongestChain(calls), MaxInFlight(calls)};
}

void TraceCalls(const std::string& title, const std::vector<Invocation>& calls) {
  const char* env = std::getenv("BENCH_TRACE");
  if (!env || !*env || calls.empty()) return;
  std::vector<bool> in_chain(calls.size(), false);
  for (std::size_t i : ChainOf(calls)) in_chain[i] = true;
  std::vector<std::size_t> order(calls.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return calls[a].start_us < calls[b].start_us;
  });
  const std::int64_t origin = calls[order[0]].start_us;
  std::fprintf(stderr, "-- %s: %zu calls, longest chain %zu\n", title.c_str(), calls.size(),
               ChainOf(calls).size());
  for (std::size_t i : order) {
    std::string argv;
    for (const auto& word : calls[i].argv) argv += (argv.empty() ? "" : " ") + word;
    std::fprintf(stderr, "%8.1f %8.1f %c %s\n", (calls[i].start_us - origin) / 1000.0,
                 (calls[i].end_us - origin) / 1000.0, in_chain[i] ? '*' : ' ', argv.c_str());
  }
}

const Invocation* FirstStartedAfter(const std::vector<Invocation>& calls, std::int64_t after_us) {
  const Invocation* first = nullptr;
  for (const auto& call : calls)
    if (call.start_us >= after_us && (!first || call.start_us < first->start_us)) first = &call;
  return first;
}

}  // namespace dflow::bench
