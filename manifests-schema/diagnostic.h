// A problem found in the config repo, pointing at the exact place: file:line:column.
#pragma once

#include <cstddef>
#include <string>

namespace dflow {

struct Diagnostic {
  enum class Severity { kError, kWarning };

  std::string file;     // path relative to the repo root
  int line = 0;         // 1-based; 0 when the problem is the file as a whole
  int column = 0;       // 1-based; 0 when unknown
  std::string message;  // what is wrong, lower case start: "unknown field 'procesess'"
  std::string hint;     // how to fix: "did you mean 'processes'?"; may be empty
  Severity severity = Severity::kError;
  // Set on the one "and N more ... not shown" line (diagnostic_limit.h): the diagnostics it
  // stands for, so that totals count them and not the line itself.
  std::size_t omitted_errors = 0;
  std::size_t omitted_warnings = 0;

  // "apps/x.yaml:12:5: unknown field 'procesess' (did you mean 'processes'?)"
  std::string ToString() const;
};

}  // namespace dflow
