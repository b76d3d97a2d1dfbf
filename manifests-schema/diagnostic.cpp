#include "manifests-schema/diagnostic.h"

namespace dflow {

std::string Diagnostic::ToString() const {
  std::string out = file.empty() ? std::string("<repo>") : file;
  if (line > 0) {
    out += ":" + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
  }
  out += ": ";
  if (severity == Severity::kWarning) out += "warning: ";
  out += message;
  if (!hint.empty()) out += " (" + hint + ")";
  return out;
}

}  // namespace dflow
