#include "providers/transport/shell_quote.h"

#include <algorithm>

namespace dflow {
namespace {

// GNU echo treats a lone token made only of -n/-e/-E letters, or --help/--version, as options.
bool IsEchoOption(std::string_view word) {
  if (word == "--help" || word == "--version") return true;
  if (word.size() < 2 || word[0] != '-') return false;
  return std::all_of(word.begin() + 1, word.end(),
                     [](char c) { return c == 'n' || c == 'e' || c == 'E'; });
}

Status Reject(std::size_t index, std::string_view why) {
  return Status(Code::kInvalidArgument, "argument " + std::to_string(index + 1) +
                                            " cannot be sent to dokku: " + std::string(why));
}

Status CheckForcedCommandWord(std::size_t index, std::string_view word, bool git_command) {
  if (word.find_first_of("\n\r") != std::string_view::npos)
    return Reject(index, "it contains a newline (use config:set --encoded for such values)");
  if (IsEchoOption(word))
    return Reject(index, "Dokku's forced command would drop it (it reads as an echo option)");
  if (word.empty()) return Reject(index, "xargs drops an empty word (leave the argument out)");
  if (git_command && word.find_first_of(" \t\v\f'\"\\") != std::string_view::npos)
    return Reject(index, "Dokku splits git commands on whitespace without quote handling");
  return Status::Ok();
}

}  // namespace

std::string ShellQuote(std::string_view word) {
  std::string quoted = "'";
  for (char c : word) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  quoted += '\'';
  return quoted;
}

Result<std::string> RenderRemoteCommand(const std::vector<std::string>& argv, RemoteShell shell) {
  if (argv.empty()) return Status(Code::kInvalidArgument, "empty dokku command");
  const bool forced = shell == RemoteShell::kDokkuForcedCommand;
  const bool git_command = forced && argv.front().find("git") != std::string::npos;
  std::string line = shell == RemoteShell::kPosixShell ? "dokku" : "";
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& word = argv[i];
    if (word.find('\0') != std::string::npos) return Reject(i, "it contains a NUL byte");
    if (forced) {
      Status status = CheckForcedCommandWord(i, word, git_command);
      if (!status.ok()) return status;
    }
    if (!line.empty()) line += ' ';
    line += git_command ? word : ShellQuote(word);
  }
  return line;
}

}  // namespace dflow
