// How many diagnostics one load keeps: the first kMaxDiagnostics (problems of whole files
// first, then by file, line and column), then one "and N more" line. A commit of 100,000 broken
// documents once gave 400,000 diagnostics: 684 MB of JSON from `dflow validate` and a 31 MB error
// stored by the controller. Nobody reads past the first screen; fixing those and validating again
// shows the next ones.
#pragma once

#include <cstddef>
#include <vector>

#include "manifests-schema/diagnostic.h"

namespace dflow {

inline constexpr std::size_t kMaxDiagnostics = 100;

class DiagnosticLimit {
 public:
  // Sorts `diagnostics` (stable; whole-file problems, then by file, line, column) and keeps the
  // first kMaxDiagnostics, counting the others. Cheap to call often: it does nothing below twice
  // the limit, so the vector never holds more than that plus what one step added.
  void Trim(std::vector<Diagnostic>& diagnostics);

  // Trims to exactly kMaxDiagnostics, then appends one diagnostic saying how many were left
  // out (an error when any of them was one). The result is sorted but for that last line.
  void Finish(std::vector<Diagnostic>& diagnostics);

 private:
  void Cut(std::vector<Diagnostic>& diagnostics);

  std::size_t dropped_errors_ = 0;
  std::size_t dropped_warnings_ = 0;
};

}  // namespace dflow
