// The one-value edit `dflow rollback` makes to the config repo (docs/sources.md, "Rollback"):
// find where a service's ref (or image) is set for one environment, and replace exactly that
// value's text, so that comments, layout and every other byte of the file stay as they are.
#pragma once

#include <string>
#include <vector>

#include "manifests-schema/base/status.h"
#include "manifests-schema/source_file.h"

namespace dflow::cli {

struct SourcePin {
  std::string application;
  std::string service;
  std::string environment;
  std::string key;    // "ref" or "image"
  std::string value;  // the commit sha or image reference to pin
};

struct SourceEdit {
  std::string path;     // the file, as in the snapshot
  std::string content;  // the file with the one value replaced
  int line = 0;         // where (1-based)
  std::string before;   // the value's text as it was written ("main", "\"nginx:1.27\"")
  std::string after;    // as written now
};

// Where `pin`'s value is set, most specific first: environments.<env>.services.<svc>.<key>,
// then environments.<env>.<key> (only when the application has that one service), then the
// service's own source.<key> (only when no other environment of the application uses it).
// kNotFound when the application or service does not exist; kFailed when the value is shared
// with other environments or services (the message says which line to add by hand).
Result<SourceEdit> EditSourcePin(const SourceSnapshot& snapshot, const SourcePin& pin);

}  // namespace dflow::cli
