// Dokku's SSH forced command (§1.5): the `dokku` script re-splits SSH_ORIGINAL_COMMAND.
// A first word (after leading --flags) containing "git" is split on whitespace only;
// anything else goes through `xargs -n 1` (GNU findutils quoting) and /bin/echo, whose
// output lines become the argv (readarray -t).
#include "tests/dokku-sim/sim_forced.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

extern char** environ;

namespace dokku_sim {

namespace sim_forced {

// IFS word splitting with the default IFS (space, tab, newline); globbing is off.
std::vector<std::string> IfsSplit(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  bool in_word = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) out.push_back(cur);
      cur.clear();
      in_word = false;
    } else {
      cur.push_back(c);
      in_word = true;
    }
  }
  if (in_word) out.push_back(cur);
  return out;
}

// The `$1` the script tests: the bash loop shifts leading `--` words (`--app` takes two;
// `--version` is skipped without a shift).
std::string FirstWordAfterFlags(const std::vector<std::string>& words) {
  if (words.empty()) return "";
  size_t shift = 0;
  if (words[0].rfind("--", 0) == 0) {
    bool skip = false;
    for (const auto& arg : words) {
      if (skip) {
        skip = false;
        continue;
      }
      if (arg == "--version") continue;
      if (arg == "--app") {
        if (words.size() - shift >= 2) {
          shift += 2;
          skip = true;
        }
      } else if (arg.rfind("--", 0) == 0) {
        if (shift < words.size()) ++shift;
      } else {
        break;
      }
    }
  }
  return shift < words.size() ? words[shift] : "";
}

// GNU xargs tokenizing (no -0/-d): blanks are space and tab, newline ends a line; quotes
// group verbatim (no newline inside); a backslash outside quotes takes the next character.
// An empty quoted word counts unless it ends the input. Returns false on an unmatched quote
// after appending xargs' message to *err (the tokens before it still run).
bool XargsTokens(const std::string& in, std::vector<std::string>& tokens, std::string* err) {
  std::string cur;
  bool pending = false;  // a token has started (even an empty quoted one)
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (pending) tokens.push_back(cur);
      cur.clear();
      pending = false;
      continue;
    }
    if (c == '\\') {
      if (i + 1 < in.size()) cur.push_back(in[++i]);
      pending = true;
      continue;
    }
    if (c == '\'' || c == '"') {
      size_t close = i + 1;
      while (close < in.size() && in[close] != c && in[close] != '\n') ++close;
      if (close >= in.size() || in[close] != c) {
        *err += std::string("xargs: unmatched ") + (c == '\'' ? "single" : "double") +
                " quote; by default quotes are special to xargs unless you use the -0 option\n";
        return false;
      }
      cur.append(in, i + 1, close - i - 1);
      pending = true;
      i = close;
      continue;
    }
    cur.push_back(c);
    pending = true;
  }
  if (!cur.empty()) tokens.push_back(cur);  // at EOF an empty pending word is dropped
  return true;
}

std::string RunEchoOption(const std::string& token) {
  // Only "--help" / "--version" get here. Run the real echo the way xargs does (found on
  // PATH, argv[0] = "echo") so its own text, which names argv[0], comes out the same.
  int fds[2];
  if (pipe(fds) != 0) return token + "\n";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  std::string arg0 = "echo";
  std::string arg1 = token;
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, "echo", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  if (rc != 0) return token + "\n";
  int status = 0;
  waitpid(pid, &status, 0);
  return out;
}

// What `/bin/echo <token>` prints.
std::string EchoOne(const std::string& token) {
  if (token == "--help" || token == "--version") return RunEchoOption(token);
  if (token.size() >= 2 && token[0] == '-' &&
      token.find_first_not_of("neE", 1) == std::string::npos) {
    return token.find('n') != std::string::npos ? "" : "\n";
  }
  return token + "\n";
}

}  // namespace sim_forced

std::vector<std::string> ForcedCommandArgs(const std::string& command, std::string* err) {
  using namespace sim_forced;
  std::vector<std::string> words = IfsSplit(command);
  if (FirstWordAfterFlags(words).find("git") != std::string::npos) return words;

  std::vector<std::string> tokens;
  XargsTokens(command, tokens, err);
  std::string echoed;
  if (tokens.empty()) {
    echoed.push_back('\n');  // xargs still runs echo once, with no arguments
  } else {
    for (const auto& t : tokens) echoed += EchoOne(t);
  }
  // readarray -t: one element per line; a last line without newline still counts.
  std::vector<std::string> argv;
  size_t start = 0;
  while (start < echoed.size()) {
    size_t nl = echoed.find('\n', start);
    if (nl == std::string::npos) {
      argv.push_back(echoed.substr(start));
      break;
    }
    argv.push_back(echoed.substr(start, nl - start));
    start = nl + 1;
  }
  return argv;
}

}  // namespace dokku_sim
