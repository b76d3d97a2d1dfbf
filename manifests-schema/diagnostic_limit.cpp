#include "manifests-schema/diagnostic_limit.h"

#include <algorithm>
#include <functional>
#include <string>
#include <tuple>

namespace dflow {

void DiagnosticLimit::Trim(std::vector<Diagnostic>& diagnostics) {
  if (diagnostics.size() >= 2 * kMaxDiagnostics) Cut(diagnostics);
}

void DiagnosticLimit::Cut(std::vector<Diagnostic>& diagnostics) {
  // Stable: equal positions keep the order they were found in, so trimming in steps keeps
  // exactly what one sort of everything would. Problems of a whole file (line 0: too large,
  // not UTF-8, a link, documents past the bound) come first, so that a hundred errors in one
  // file never hide that another was not read at all.
  std::stable_sort(diagnostics.begin(), diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return std::make_tuple(a.line > 0, std::cref(a.file), a.line, a.column) <
                            std::make_tuple(b.line > 0, std::cref(b.file), b.line, b.column);
                   });
  if (diagnostics.size() <= kMaxDiagnostics) return;
  for (auto it = diagnostics.begin() + kMaxDiagnostics; it != diagnostics.end(); ++it) {
    (it->severity == Diagnostic::Severity::kError ? dropped_errors_ : dropped_warnings_)++;
  }
  diagnostics.erase(diagnostics.begin() + kMaxDiagnostics, diagnostics.end());
}

void DiagnosticLimit::Finish(std::vector<Diagnostic>& diagnostics) {
  Cut(diagnostics);
  const std::size_t dropped = dropped_errors_ + dropped_warnings_;
  if (dropped == 0) return;
  Diagnostic more;
  more.message = "and " + std::to_string(dropped) + " more (" + std::to_string(dropped_errors_) +
                 (dropped_errors_ == 1 ? " error, " : " errors, ") +
                 std::to_string(dropped_warnings_) +
                 (dropped_warnings_ == 1 ? " warning" : " warnings") + ") not shown";
  more.hint = "fix the ones above and validate again";
  more.omitted_errors = dropped_errors_;
  more.omitted_warnings = dropped_warnings_;
  more.severity =
      dropped_errors_ > 0 ? Diagnostic::Severity::kError : Diagnostic::Severity::kWarning;
  diagnostics.push_back(std::move(more));
}

}  // namespace dflow
