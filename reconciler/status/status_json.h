// The /api/v1/status document (docs/api.md): what the HTTP API serves and what
// `dflow status --state-dir` prints from.
#pragma once

#include <string>

#include "reconciler/status/status_store.h"

namespace dflow {

// The store's source and app statuses, with roll-ups per environment and per application.
std::string StatusJson(StatusStore& store);

}  // namespace dflow
