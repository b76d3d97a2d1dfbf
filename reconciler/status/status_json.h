// The /api/v1/status document (docs/api.md): what the HTTP API serves and what
// `dflow status --state-dir` prints from.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reconciler/status/status_store.h"

namespace dflow {

// The source, app and edge statuses, with roll-ups per environment (its apps and the edge in
// front of it) and per application. No source: the document has no "source" key.
std::string StatusJson(const std::vector<AppStatusRecord>& apps,
                       const std::optional<SourceStatusRecord>& source,
                       const std::vector<EdgeStatusRecord>& edges = {});

// The same, read from the store (`dflow status --state-dir`); a failed read leaves its part out.
std::string StatusJson(StatusStore& store);

}  // namespace dflow
