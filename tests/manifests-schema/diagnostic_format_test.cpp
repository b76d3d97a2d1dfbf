#include "manifests-schema/diagnostic_format.h"

#include <doctest/doctest.h>

#include "manifests-schema/desired_state_loader.h"

namespace dflow {
namespace {

SourceSnapshot Snapshot(const std::string& content) {
  SourceSnapshot snapshot;
  snapshot.files.push_back({"app.yaml", content, content.size(), false});
  return snapshot;
}

TEST_CASE("a diagnostic is followed by its source line and a caret") {
  SourceSnapshot snapshot =
      Snapshot("apiVersion: dflow/v1\r\nkind: Nodee\r\nmetadata: {name: n}\r\nspec: {host: h}\r\n");
  LoadResult result = LoadDesiredState(snapshot);
  CHECK(FormatDiagnostics(result.diagnostics, snapshot) ==
        "app.yaml:2:7: unknown kind 'Nodee' (did you mean 'Node'?)\n"
        "    kind: Nodee\n"
        "          ^\n"
        "1 error, 0 warnings\n");
}

TEST_CASE("control characters in the source line are not echoed") {
  SourceSnapshot snapshot = Snapshot("a: 1\nkind: \"\x1b[31mx\"\n");
  Diagnostic d{"app.yaml", 2, 7, "bad", ""};
  CHECK(FormatDiagnostic(d, snapshot) == "app.yaml:2:7: bad\n    kind: \" [31mx\"\n          ^");
}

TEST_CASE("diagnostics without a line, or pointing past the file, have no excerpt") {
  SourceSnapshot snapshot = Snapshot("a: 1\n");
  CHECK(FormatDiagnostic({"app.yaml", 0, 0, "file too large", ""}, snapshot) ==
        "app.yaml: file too large");
  CHECK(FormatDiagnostic({"app.yaml", 9, 1, "x", ""}, snapshot) == "app.yaml:9:1: x");
  CHECK(FormatDiagnostic({"other.yaml", 1, 1, "x", ""}, snapshot) == "other.yaml:1:1: x");
  CHECK(FormatDiagnostics({}, snapshot) == "");
}

}  // namespace
}  // namespace dflow
