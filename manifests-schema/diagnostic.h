// A problem found in the config repo, pointing at the exact place: file:line:column.
#pragma once

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

  // "apps/x.yaml:12:5: unknown field 'procesess' (did you mean 'processes'?)"
  std::string ToString() const;
};

}  // namespace dflow
