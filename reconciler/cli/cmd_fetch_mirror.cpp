// dflow __fetch-mirror: internal, not listed. The controller runs its fetches through it so
// that libgit2's per-fetch leaks end with this process (fetch_process.h). Reads one JSON
// request on stdin, writes one JSON reply on stdout.
#include <CLI/CLI.hpp>
#include <iostream>

#include "reconciler/cli/cli.h"
#include "reconciler/source/fetch_process.h"

namespace dflow::cli {

Command MakeFetchMirrorCommand() {
  return {"__fetch-mirror", "internal: one fetch for the controller (request on stdin)",
          [](CLI::App&) {
            return std::function<int()>([] { return ServeFetchRequest(std::cin, std::cout); });
          },
          /*hidden=*/true};
}

}  // namespace dflow::cli
