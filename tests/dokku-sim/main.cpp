// dokku-sim: behaves like `dokku` 0.38.27 on one node whose state lives in $DOKKU_SIM_STATE.
// See tests/dokku-sim/README.md.
#include <fcntl.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tests/dokku-sim/sim.h"
#include "tests/dokku-sim/sim_forced.h"

namespace dokku_sim {
namespace {

namespace fs = std::filesystem;

GlobalFlags ReadGlobalFlags(const Args& args) {
  GlobalFlags g;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--quiet") g.quiet = true;
    if (a == "--force") g.force = true;
    if (a == "--app") {
      g.has_app = true;
      g.app = i + 1 < args.size() ? args[i + 1] : "";
      g.all.push_back("--app=" + g.app);
      ++i;
      continue;
    }
    if (a.rfind("--", 0) == 0) g.all.push_back(a);
  }
  return g;
}

// The dokku script drops leading `--` words before dispatch (`--app` takes its value).
Args StripLeadingFlags(const Args& args) {
  size_t shift = 0;
  if (!args.empty() && args[0].rfind("--", 0) == 0) {
    bool skip = false;
    for (const auto& arg : args) {
      if (skip) {
        skip = false;
        continue;
      }
      if (arg == "--version") continue;
      if (arg == "--app") {
        if (args.size() - shift >= 2) {
          shift += 2;
          skip = true;
        }
      } else if (arg.rfind("--", 0) == 0) {
        if (shift < args.size()) ++shift;
      } else {
        break;
      }
    }
  }
  return Args(args.begin() + static_cast<long>(shift), args.end());
}

const std::vector<Command>& Registry() {
  static const std::vector<Command> commands = [] {
    std::vector<Command> c;
    RegisterApps(c);
    RegisterConfig(c);
    RegisterDomains(c);
    RegisterPortsProxy(c);
    RegisterPs(c);
    RegisterGit(c);
    RegisterMisc(c);
    RegisterNetworkStorage(c);
    RegisterDatastores(c);
    RegisterDockerOptions(c);
    RegisterLetsencrypt(c);
    RegisterNginx(c);
    RegisterGitAuth(c);
    return c;
  }();
  return commands;
}

const Command* Find(const std::string& name) {
  for (const auto& c : Registry())
    if (name == c.name) return &c;
  return nullptr;
}

// Fault lines: `<command-name>[@<word>] <exit-code> <stderr text...>`; `*` matches any command;
// `@<word>` only invocations that have <word> among their arguments (one app's commands).
bool MatchFault(const fs::path& dir, const std::string& command, const Args& args, int* code,
                std::string* text) {
  std::ifstream in(dir / "faults");
  if (!in) return false;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string name;
    int exit_code = 1;
    if (!(ls >> name >> exit_code)) continue;
    if (const auto at = name.find('@'); at != std::string::npos) {
      if (std::find(args.begin(), args.end(), name.substr(at + 1)) == args.end()) continue;
      name.resize(at);
    }
    if (name != command && name != "*") continue;
    std::string rest;
    std::getline(ls, rest);
    if (!rest.empty() && rest[0] == ' ') rest.erase(0, 1);
    *code = exit_code;
    *text = rest;
    return true;
  }
  return false;
}

// CLOCK_REALTIME in microseconds: comparable across processes (and with the benchmarks' own
// clock), unlike a monotonic clock's origin.
long long RealtimeMicros() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

// `start_us`: when the invocation began (before the DOKKU_SIM_DELAY_MS sleep); `end_us`: now,
// just before the line is written. Benchmarks read them to see which calls overlapped.
void AppendLog(const fs::path& dir, const Args& argv, int code, bool changed, long long start_us) {
  Json entry = {{"argv", argv},
                {"exit", code},
                {"changed", changed},
                {"start_us", start_us},
                {"end_us", RealtimeMicros()}};
  std::string line = entry.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  int fd = open((dir / "invocations.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return;
  ssize_t ignored = write(fd, line.data(), line.size());
  (void)ignored;
  close(fd);
}

void WriteAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = write(fd, s.data() + off, s.size() - off);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

int Help(Ctx& ctx) {
  ctx.Line("Usage: dokku [--quiet|--trace|--force] COMMAND <app> [command-specific-options]");
  ctx.Line("");
  ctx.Line(
      "Primary help options, type \"dokku COMMAND:help\" for more details, or dokku help --all "
      "to see all commands.");
  ctx.Line("");
  ctx.Line("Commands:");
  ctx.Line("");
  for (const auto& c : Registry()) ctx.Line(std::string("    ") + c.name);
  return 0;
}

int Run(int argc, char** argv) {
  const long long start_us = RealtimeMicros();
  const char* state = std::getenv("DOKKU_SIM_STATE");
  if (!state || !*state) {
    std::fputs("dokku-sim: DOKKU_SIM_STATE is not set\n", stderr);
    return 1;
  }
  fs::path dir = state;
  std::error_code ec;
  fs::create_directories(dir, ec);

  Args raw(argv + 1, argv + argc);
  std::string pre_err;
  if (!raw.empty() && raw[0] == "--ssh-forced-command") {
    const char* original = std::getenv("SSH_ORIGINAL_COMMAND");
    raw = (original && *original) ? ForcedCommandArgs(original, &pre_err) : Args{};
  }
  if (const char* delay = std::getenv("DOKKU_SIM_DELAY_MS")) {
    long ms = std::atol(delay);
    if (ms > 0) usleep(static_cast<useconds_t>(ms) * 1000);
  }

  Store store(dir);
  Ctx ctx{store, ReadGlobalFlags(raw), "", pre_err, "", false};
  Args args = StripLeadingFlags(raw);
  std::string name = args.empty() ? "" : args[0];
  if (name == "-v" || name == "--version") name = "version";
  const Command* cmd = Find(name);

  int lock_fd = open((dir / "lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd >= 0) flock(lock_fd, (cmd && cmd->changes) ? LOCK_EX : LOCK_SH);

  int code = 0;
  int fault_code = 0;
  std::string fault_text;
  if (MatchFault(dir, name, args, &fault_code, &fault_text)) {
    ctx.Err(fault_text + "\n");
    code = fault_code;
  } else if (name.empty() || name == "help") {
    code = Help(ctx);
  } else if (!cmd) {
    ctx.Warn("`" + Join(args, " ") + "` is not a dokku command.");
    ctx.Warn("See `dokku help` for a list of available commands.");
    code = 1;
  } else {
    try {
      code = cmd->fn(ctx, Args(args.begin() + 1, args.end()));
    } catch (const std::exception& e) {
      ctx.Warn(std::string("dokku-sim internal error: ") + e.what());
      code = 1;
    }
  }
  WriteAll(1, ctx.out);
  WriteAll(2, ctx.err);
  AppendLog(dir, raw, code, store.changed(), start_us);
  if (lock_fd >= 0) close(lock_fd);
  return code;
}

}  // namespace
}  // namespace dokku_sim

int main(int argc, char** argv) { return dokku_sim::Run(argc, argv); }
