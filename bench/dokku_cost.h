// The simulated cost of a Dokku call in the SSH benchmarks. Real Dokku calls take hundreds of
// milliseconds; the simulator sleeps that long per call. The nodes below read the cost from one
// file of this process at every call, so a benchmark can change it between runs without
// rebuilding its nodes.
#pragma once

#include <string>
#include <vector>

#include "tests/support/sshd_fixture.h"

namespace dflow::bench {

// BENCH_DOKKU_MS: comma-separated milliseconds per Dokku call, each a separate run of the
// benchmark's tables ("0,300" when unset; "100" runs once at 100 ms). Exits with a message
// on a malformed value.
std::vector<int> DokkuCosts();

// BENCH_NODES: comma-separated node counts, each a separate row ("1,10" when unset). Exits with
// a message on a malformed value.
std::vector<int> NodeCounts();

// Sets the cost of every call from now on (all nodes of the process). Starts at 0.
void SetDokkuCost(int ms);

// Options of a node whose simulator reads the current cost at every call (DOKKU_SIM_DELAY_FILE),
// started by `dokku` itself: no script in between, as no shell runs in front of real Dokku's.
dflow::test::SshdNodeOptions CostedNodeOptions();

}  // namespace dflow::bench
