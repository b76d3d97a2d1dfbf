// Human-readable diagnostics for `dflow validate`: each diagnostic's ToString() line, then the
// offending source line and a caret under the column, the way compilers print errors.
#pragma once

#include <string>
#include <vector>

#include "manifests-schema/diagnostic.h"
#include "manifests-schema/source_file.h"

namespace dflow {

// One diagnostic, with the line it points at when `snapshot` holds that file and line:
//   apps/x.yaml:12:5: unknown field 'procesess' (did you mean 'processes'?)
//       procesess: {web: 2}
//       ^
// Source lines are cut at 200 bytes; control characters are shown as spaces.
std::string FormatDiagnostic(const Diagnostic& diagnostic, const SourceSnapshot& snapshot);

// All of them, each followed by a newline, then "N error(s), M warning(s)\n" when any: the
// totals, those an "and N more" line stands for included.
std::string FormatDiagnostics(const std::vector<Diagnostic>& diagnostics,
                              const SourceSnapshot& snapshot);

}  // namespace dflow
