// What the CLI's read-only commands (`status`, `releases`, `rollback`) share: a GET from a
// running controller's API, and the plain column layout of their tables.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "manifests-schema/base/secret.h"
#include "manifests-schema/base/status.h"

namespace dflow::cli {

// The body of GET <server><path> when it answers 200. Errors name the server with its
// credentials scrubbed and say how to read the state directory instead.
Result<std::string> GetFromController(const std::string& server, const std::string& path);

// POSTs a JSON `body` to <server><path> with the API token (`Authorization: Bearer`); returns
// the answer's body when it is 2xx. Otherwise the error carries the controller's own message
// ("error" of its JSON answer) and the HTTP status.
Result<std::string> PostToController(const std::string& server, const std::string& path,
                                     const std::string& body, const Secret& token);

// Rows as left-aligned columns two spaces apart; the first row is the header.
void PrintColumns(const std::vector<std::vector<std::string>>& rows, std::ostream& out);

}  // namespace dflow::cli
