// The one file dflow owns in an edge Traefik's file-provider directory (reference traefik.md
// §2.9, §5.2): its state read, and the document written atomically, over a Transport logged in
// as a shell user (RemoteShell::kPosixCommand). Every path reaches the remote shell as a
// positional parameter of a fixed script, quoted by the one quoting function.
#pragma once

#include <string>
#include <vector>

#include "manifests-schema/base/status.h"
#include "providers/transport/transport.h"

namespace dflow {

struct EdgeFileState {
  bool exists = false;
  std::string sha256;                    // of its bytes, lower-case hex; "" when missing
  std::vector<std::string> other_files;  // the directory's other *.yml/*.yaml/*.toml, sorted:
                                         // Traefik reads them too; dflow reports, never touches
};

// One command: the file's SHA-256 and the other provider files beside it. kNotFound when the
// directory does not exist; kFailed with the remote error otherwise.
Result<EdgeFileState> ReadEdgeFile(Transport& edge, const std::string& dir,
                                   const std::string& name);

// Writes `document` as `dir/name` unless the file already holds exactly it (returns false
// then, writing nothing). The bytes go on stdin to `.<name>.tmp` in the same directory (a
// name Traefik never parses), are checked against their SHA-256 (so a cut transfer is never
// installed), fsynced, and renamed over `name`: a watcher sees the old file or the new one,
// never a part. On any failure the old file is left byte-identical and the temp file removed.
// An empty document is refused (kInvalidArgument): Traefik would drop every route (§2.7).
Result<bool> WriteEdgeFile(Transport& edge, const std::string& dir, const std::string& name,
                           const std::string& document);

}  // namespace dflow
