#include "manifests-schema/diagnostic.h"

namespace dflow {

std::string Diagnostic::ToString() const {
  // A problem of the repository as a whole has no place to point at.
  std::string out = file;
  if (!file.empty() && line > 0) {
    out += ":" + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
  }
  if (!file.empty()) out += ": ";
  if (severity == Severity::kWarning) out += "warning: ";
  out += message;
  if (!hint.empty()) out += " (" + hint + ")";
  return out;
}

}  // namespace dflow
