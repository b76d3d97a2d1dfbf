#include "providers/edge/edge_file.h"

#include <algorithm>

#include "manifests-schema/base/digest.h"

namespace dflow {
namespace {

// $1 = directory, $2 = file name. Prints the file's hash (or "-") then the other files.
constexpr const char* kReadScript =
    "cd -- \"$1\" 2>/dev/null || { echo \"no such directory: $1\" >&2; exit 3; }\n"
    "if [ -f \"$2\" ]; then sha256sum -- \"$2\" | cut -d' ' -f1; else echo -; fi\n"
    "for f in *.yml *.yaml *.toml; do\n"
    "  [ -f \"$f\" ] && [ \"$f\" != \"$2\" ] && printf '%s\\n' \"$f\"\n"
    "done\n"
    "exit 0\n";

// $1 = directory, $2 = file name, $3 = the SHA-256 the bytes on stdin must have.
constexpr const char* kWriteScript =
    "set -e\n"
    "umask 022\n"
    "cd -- \"$1\"\n"
    "tmp=\".$2.tmp\"\n"
    "trap 'rm -f -- \"$tmp\"' EXIT\n"
    "cat > \"$tmp\"\n"
    "got=$(sha256sum -- \"$tmp\" | cut -d' ' -f1)\n"
    "if [ \"$got\" != \"$3\" ]; then echo \"received bytes do not match (sha256 $got)\" >&2; "
    "exit 4; fi\n"
    "sync -- \"$tmp\"\n"
    "mv -f -- \"$tmp\" \"$2\"\n"
    "sync -- .\n";

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::string FirstLine(const std::string& text) {
  const std::string line = text.substr(0, text.find('\n'));
  return line.empty() ? "no output" : line;
}

Status Failed(const Transport& edge, const std::string& what, const ExecResult& result) {
  return Status(Code::kFailed, edge.Describe() + ": " + what + ": exit " +
                                   std::to_string(result.exit_code) + ": " + FirstLine(result.err));
}

}  // namespace

Result<EdgeFileState> ReadEdgeFile(Transport& edge, const std::string& dir,
                                   const std::string& name) {
  Result<ExecResult> run = edge.RunDokku({"sh", "-c", kReadScript, "dflow-edge-read", dir, name});
  if (!run.ok()) return run.status();
  if (run->exit_code == 3)
    return Status(Code::kNotFound, edge.Describe() + ": the directory " + dir +
                                       " does not exist or cannot be entered by "
                                       "this user (create it, owned by the user dflow logs in "
                                       "as, and point Traefik's file provider at it)");
  if (run->exit_code != 0) return Failed(edge, "reading " + dir + "/" + name, *run);
  std::vector<std::string> lines = Lines(run->out);
  if (lines.empty())
    return Status(Code::kFailed, edge.Describe() + ": reading " + dir + "/" + name + ": no output");
  EdgeFileState state;
  state.exists = lines.front() != "-";
  if (state.exists) state.sha256 = lines.front();
  state.other_files.assign(lines.begin() + 1, lines.end());
  std::sort(state.other_files.begin(), state.other_files.end());
  return state;
}

Result<bool> WriteEdgeFile(Transport& edge, const std::string& dir, const std::string& name,
                           const std::string& document) {
  if (document.find_first_not_of(" \t\r\n") == std::string::npos)
    return Status(Code::kInvalidArgument,
                  "refusing to write an empty edge document: Traefik would drop every route");
  Result<EdgeFileState> state = ReadEdgeFile(edge, dir, name);
  if (!state.ok()) return state.status();
  const std::string sha = Sha256Hex(document);
  if (state->exists && state->sha256 == sha) return false;
  ExecOptions options;
  options.stdin_data = document;
  Result<ExecResult> run =
      edge.RunDokku({"sh", "-c", kWriteScript, "dflow-edge-write", dir, name, sha}, options);
  if (!run.ok()) return run.status();
  if (run->exit_code != 0) return Failed(edge, "writing " + dir + "/" + name, *run);
  return true;
}

}  // namespace dflow
