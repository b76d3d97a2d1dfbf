// git:auth and git:auth-status (dokku v0.38.27 plugins/git/internal-functions cmd-git-auth,
// cmd-git-auth-status, fn-git-auth-read-password), and what git:sync makes of a private
// remote: the netrc they write is what git's clone authenticates with.
//
// The netrc lives in global.json ("netrc": {host: "user:password"}), as `netrc get` prints it.
// git:sync reaches a remote for real only when it is an http URL on loopback (a test's own Git
// server); any other remote is taken as reachable, as the simulator always did.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "tests/dokku-sim/sim.h"

namespace dokku_sim {
namespace sim_git_auth {

// fn-git-auth-read-password: with a username and no password argument, one line of stdin when
// stdin is a pipe (`[[ -p /dev/stdin ]]`, `IFS= read -r`).
std::string Password(Ctx& ctx, const std::string& user, const std::string& password) {
  if (user.empty() || !password.empty()) return password;
  struct stat st {};
  if (fstat(0, &st) != 0 || !S_ISFIFO(st.st_mode)) return password;
  const std::string& in = ctx.Stdin();
  return in.substr(0, in.find('\n'));
}

int GitAuth(Ctx& ctx, const Args& args) {
  const std::string host = args.size() > 0 ? args[0] : "";
  const std::string user = args.size() > 1 ? args[1] : "";
  if (host.empty()) return ctx.Fail("Please supply a git host");
  const std::string password = Password(ctx, user, args.size() > 2 ? args[2] : "");
  if (!user.empty() && password.empty()) return ctx.Fail("Missing password for netrc auth entry");
  Json& netrc = ctx.store.Global()["netrc"];
  if (!netrc.is_object()) netrc = Json::object();
  if (user.empty()) {
    ctx.Info1("Removing netrc auth entry for host " + host);
    netrc.erase(host);
  } else {
    ctx.Info1("Setting netrc auth entry for host " + host);
    netrc[host] = user + ":" + password;
  }
  ctx.store.SaveGlobal();
  return 0;
}

// Exit 0 when the entry is as asked (none, without a username), 1 otherwise; prints nothing.
int GitAuthStatus(Ctx& ctx, const Args& args) {
  const std::string host = args.size() > 0 ? args[0] : "";
  const std::string user = args.size() > 1 ? args[1] : "";
  if (host.empty()) return ctx.Fail("Please supply a git host");
  const std::string password = Password(ctx, user, args.size() > 2 ? args[2] : "");
  if (!user.empty() && password.empty()) return ctx.Fail("Missing password for netrc auth entry");
  const Json& netrc = ctx.store.Global()["netrc"];
  const std::string current = netrc.is_object() ? netrc.value(host, "") : "";
  if (user.empty()) return current.empty() ? 0 : 1;
  return current == user + ":" + password ? 0 : 1;
}

std::string ShellQuote(const std::string& word) {
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

}  // namespace sim_git_auth

bool ResolveRemoteRef(Ctx& ctx, const std::string& remote, const std::string& ref,
                      std::string& sha) {
  using namespace sim_git_auth;
  if (remote.rfind("http://127.0.0.1:", 0) != 0 && remote.rfind("http://localhost:", 0) != 0)
    return true;
  char dir_template[] = "/tmp/dokku-sim-git-XXXXXX";
  const char* dir = mkdtemp(dir_template);
  if (dir == nullptr) return ctx.Fail("cannot make a temporary directory") == 0;
  {
    std::ofstream netrc(std::string(dir) + "/.netrc");
    const Json& entries = ctx.store.Global()["netrc"];
    if (entries.is_object())
      for (const auto& [host, value] : entries.items()) {
        const std::string entry = value.get<std::string>();
        const std::size_t colon = entry.find(':');
        netrc << "machine " << host << " login " << entry.substr(0, colon) << " password "
              << entry.substr(colon + 1) << "\n";
      }
  }
  const std::string command = "HOME=" + ShellQuote(dir) + " GIT_TERMINAL_PROMPT=0 git ls-remote " +
                              ShellQuote(remote) + " 2>&1";
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  int status = -1;
  if (pipe != nullptr) {
    char buffer[4096];
    std::size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
    status = pclose(pipe);
  }
  std::remove((std::string(dir) + "/.netrc").c_str());
  rmdir(dir);
  if (status != 0) {
    ctx.Err(output);
    return false;
  }
  if (ref.size() == 40) return true;  // a commit: the clone checks it out
  std::string found;
  for (const std::string& name :
       {"refs/heads/" + ref, "refs/tags/" + ref + "^{}", "refs/tags/" + ref}) {
    const std::size_t at = output.find("\t" + name + "\n");
    if (at != std::string::npos && at >= 40 && found.empty()) found = output.substr(at - 40, 40);
  }
  if (found.empty()) {
    ctx.Err("fatal: Remote branch " + ref + " not found in upstream origin\n");
    return false;
  }
  sha = found;
  return true;
}

void RegisterGitAuth(std::vector<Command>& c) {
  c.push_back({"git:auth", sim_git_auth::GitAuth, true});
  c.push_back({"git:auth-status", sim_git_auth::GitAuthStatus, false});
}

}  // namespace dokku_sim
