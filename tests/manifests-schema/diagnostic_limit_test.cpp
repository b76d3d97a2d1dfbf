#include "manifests-schema/diagnostic_limit.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace dflow {
namespace {

Diagnostic At(const std::string& file, int line, Diagnostic::Severity severity) {
  Diagnostic d{file, line, 1, "m" + std::to_string(line), ""};
  d.severity = severity;
  return d;
}

TEST_CASE("at most the first 100 diagnostics are kept, then one says how many more") {
  std::vector<Diagnostic> diagnostics;
  DiagnosticLimit limit;
  // Found out of order and trimmed as they come, like the loader does file by file.
  for (int line = 1000; line >= 1; --line) {
    diagnostics.push_back(At(
        "a.yaml", line, line % 2 ? Diagnostic::Severity::kError : Diagnostic::Severity::kWarning));
    limit.Trim(diagnostics);
    CHECK(diagnostics.size() < 2 * kMaxDiagnostics);
  }
  limit.Finish(diagnostics);
  REQUIRE(diagnostics.size() == kMaxDiagnostics + 1);
  for (std::size_t i = 0; i < kMaxDiagnostics; ++i) CHECK(diagnostics[i].line == int(i) + 1);
  CHECK(diagnostics.back().ToString() ==
        "and 900 more (450 errors, 450 warnings) not shown (fix the ones above and validate "
        "again)");
  CHECK(diagnostics.back().severity == Diagnostic::Severity::kError);
}

TEST_CASE("dropped warnings alone make a warning, 100 or fewer add nothing") {
  std::vector<Diagnostic> diagnostics;
  for (int line = 1; line <= 101; ++line)
    diagnostics.push_back(
        At("a.yaml", line,
           line <= 100 ? Diagnostic::Severity::kError : Diagnostic::Severity::kWarning));
  DiagnosticLimit limit;
  limit.Finish(diagnostics);
  REQUIRE(diagnostics.size() == 101);
  CHECK(diagnostics.back().message == "and 1 more (0 errors, 1 warning) not shown");
  CHECK(diagnostics.back().severity == Diagnostic::Severity::kWarning);

  std::vector<Diagnostic> few = {At("b.yaml", 2, Diagnostic::Severity::kError),
                                 At("a.yaml", 9, Diagnostic::Severity::kError)};
  DiagnosticLimit other;
  other.Finish(few);
  REQUIRE(few.size() == 2);
  CHECK(few[0].file == "a.yaml");  // sorted
}

}  // namespace
}  // namespace dflow
