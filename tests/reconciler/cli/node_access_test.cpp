#include "reconciler/cli/node_access.h"

#include <doctest/doctest.h>

namespace dflow::cli {
namespace {

TEST_CASE("channels per node: min(8, MaxSessions - 2), at least one") {
  CHECK(ChannelsFor(10) == 8);  // OpenSSH's default MaxSessions
  CHECK(ChannelsFor(100) == 8);
  CHECK(ChannelsFor(6) == 4);
  CHECK(ChannelsFor(3) == 1);
  CHECK(ChannelsFor(1) == 1);
}

}  // namespace
}  // namespace dflow::cli
