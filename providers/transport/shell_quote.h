// The one place where a value crosses into a remote shell. Every Dokku argv dflow sends goes
// through RenderRemoteCommand; nothing else builds a remote command line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "manifests-schema/base/status.h"

namespace dflow {

// How the node's side turns the SSH command line back into argv.
enum class RemoteShell {
  // Logged in as a normal user or root: sshd runs the line with the user's POSIX shell, and
  // we prefix the "dokku" word ourselves.
  kPosixShell,
  // Logged in as the dokku user: sshd runs Dokku's forced command, which re-splits
  // SSH_ORIGINAL_COMMAND with `xargs -n 1` (quotes and backslashes honoured, but no newline
  // can survive, and a token that /bin/echo reads as an option is mangled). If the first
  // word contains "git", Dokku splits on whitespace only, without quote handling.
  kDokkuForcedCommand,
  // Logged in as a shell user on a host that is not a Dokku node (an edge): sshd runs the
  // line with the user's POSIX shell, and argv is the whole command (no "dokku" word).
  kPosixCommand,
};

// Single-quotes a word for a POSIX shell (and for xargs): abc -> 'abc', it's -> 'it'\''s'.
std::string ShellQuote(std::string_view word);

// Renders `dokku <argv...>` (`<argv...>` for kPosixCommand) as the command line to send. Fails with
// kInvalidArgument, naming the offending argument, when the remote side could not carry it exactly:
// a NUL byte anywhere; for kDokkuForcedCommand also a newline or carriage return (send such config
// values with config:set --encoded), an empty word (xargs drops it), a token /bin/echo would eat
// (-n, -e, -E, -neE...,
// --help, --version), and for git commands whitespace or quotes.
Result<std::string> RenderRemoteCommand(const std::vector<std::string>& argv, RemoteShell shell);

}  // namespace dflow
