#include "reconciler/source/fetch_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <istream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <ostream>

extern char** environ;

namespace dflow {
namespace {

using json = nlohmann::json;
// A request or reply: a fetch is small; a ref resolution lists at most a few thousand refs.
constexpr std::size_t kMaxMessageBytes = 1024 * 1024;

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }
  int get() const { return fd_; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

std::string SystemError(const std::string& what) { return what + ": " + std::strerror(errno); }

json RemoteJson(const GitRemoteOptions& options) {
  return {{"url", options.url},
          {"branch", options.branch},
          {"token", options.token.Reveal()},
          {"sshKey", options.ssh_key},
          {"sshPassphrase", options.ssh_passphrase.Reveal()},
          {"hostKey", options.host_key},
          {"knownHosts", options.known_hosts_file}};
}

GitRemoteOptions RemoteOf(const json& request) {
  GitRemoteOptions options;
  options.url = request.value("url", "");
  options.branch = request.value("branch", "main");
  options.token = Secret(request.value("token", ""));
  options.ssh_key = request.value("sshKey", "");
  options.ssh_passphrase = Secret(request.value("sshPassphrase", ""));
  options.host_key = request.value("hostKey", "");
  options.known_hosts_file = request.value("knownHosts", "");
  return options;
}

json Request(const GitRemoteOptions& options, const std::string& mirror_dir) {
  json request = RemoteJson(options);
  request["mirrorDir"] = mirror_dir;
  return request;
}

// The child's side of a ref resolution: {"op":"resolve","queries":[remote + refs]}.
json ServeResolve(const json& request) {
  std::vector<SourceRefsQuery> queries;
  if (!request["queries"].is_array()) return {{"code", static_cast<int>(Code::kInternal)}};
  for (const json& item : request["queries"]) {
    if (!item.is_object() || !item["refs"].is_array()) continue;
    SourceRefsQuery query;
    query.remote = RemoteOf(item);
    for (const json& ref : item["refs"])
      if (ref.is_string()) query.refs.push_back(ref.get<std::string>());
    query.settings = item.value("settings", "");
    queries.push_back(std::move(query));
  }
  ResolvedRefs resolved = ResolveSourceRefs(queries);
  return {{"code", 0}, {"commits", resolved.commits}, {"errors", resolved.errors}};
}

json Reply(const Result<FetchedCommit>& fetched) {
  if (!fetched.ok())
    return {{"code", static_cast<int>(fetched.status().code())},
            {"message", fetched.status().message()}};
  return {{"code", 0},
          {"id", fetched->id},
          {"author", fetched->author},
          {"summary", fetched->summary},
          {"changed", fetched->changed}};
}

Result<FetchedCommit> ParseReply(const std::string& text) {
  json reply = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!reply.is_object() || !reply.contains("code") || !reply["code"].is_number_integer())
    return Status(Code::kInternal, "the fetch process gave no valid answer");
  int code = reply["code"].get<int>();
  if (code < 0 || code > static_cast<int>(Code::kInternal))
    return Status(Code::kInternal, "the fetch process answered an unknown code");
  if (code != 0) return Status(static_cast<Code>(code), reply.value("message", ""));
  FetchedCommit commit;
  commit.id = reply.value("id", "");
  commit.author = reply.value("author", "");
  commit.summary = reply.value("summary", "");
  commit.changed = reply.value("changed", false);
  if (commit.id.empty()) return Status(Code::kInternal, "the fetch process answered no commit");
  return commit;
}

// Writes all of `data` to a pipe the child reads; the request fits the pipe buffer, so this
// cannot block on a child that has not started reading.
bool WriteAll(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads the child's stdout until EOF, the deadline, cancellation or the size bound.
Status ReadReply(int fd, std::chrono::steady_clock::time_point deadline,
                 const std::function<bool()>& cancelled, std::string& out) {
  char buffer[4096];
  for (;;) {
    if (cancelled && cancelled())
      return Status(Code::kTimeout, "cancelled: the controller is stopping");
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Status(Code::kTimeout, "the fetch did not finish in time");
    pollfd p{fd, POLLIN, 0};
    // Wakes up now and then to look at `cancelled`.
    int ready = ::poll(&p, 1, static_cast<int>(std::min<long>(left.count(), 200)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return Status(Code::kInternal, SystemError("poll"));
    if (ready == 0) continue;  // the deadline check above ends the loop
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status(Code::kInternal, SystemError("read from the fetch process"));
    if (n == 0) return Status::Ok();
    out.append(buffer, static_cast<std::size_t>(n));
    if (out.size() > kMaxMessageBytes)
      return Status(Code::kInternal, "the fetch process answered too much");
  }
}

int WaitFor(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace

std::vector<std::string> FetchProcessArgv(const FetchProcessOptions& process) {
  return {process.executable, "--log-level", "warn", "__fetch-mirror"};
}

namespace {

// Runs `dflow __fetch-mirror`, hands it `request` on stdin and returns what it printed. `where`
// prefixes the errors ("fetch <url>").
Result<std::string> ExchangeWithChild(const std::string& request, const std::string& where,
                                      const FetchProcessOptions& process) {
  int to_child[2], from_child[2];
  if (::pipe2(to_child, O_CLOEXEC) != 0) return Status(Code::kInternal, SystemError("pipe"));
  Fd child_stdin(to_child[0]), request_end(to_child[1]);
  if (::pipe2(from_child, O_CLOEXEC) != 0) return Status(Code::kInternal, SystemError("pipe"));
  Fd reply_end(from_child[0]), child_stdout(from_child[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, child_stdin.get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, child_stdout.get(), STDOUT_FILENO);
  // Sockets the controller holds (its HTTP listener, SSH sessions) stay out of the child.
  posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
  // The controller blocks SIGTERM/SIGHUP for its signal thread; the child must not inherit
  // that, or a stuck fetch could not be stopped.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int signal : {SIGTERM, SIGHUP, SIGINT}) sigaddset(&defaults, signal);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> args = FetchProcessArgv(process);
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int spawned =
      ::posix_spawn(&pid, process.executable.c_str(), &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0)
    return Status(Code::kInternal,
                  "start the fetch process " + process.executable + ": " + std::strerror(spawned));
  child_stdin.Close();
  child_stdout.Close();

  const auto deadline = std::chrono::steady_clock::now() + process.timeout;
  // Requests over a pipe's buffer would need the child reading first; none comes near it.
  bool sent = WriteAll(request_end.get(), request);
  request_end.Close();
  std::string reply;
  Status read = sent ? ReadReply(reply_end.get(), deadline, process.cancelled, reply)
                     : Status(Code::kInternal, "the fetch process did not take its request");
  if (!read.ok()) ::kill(pid, SIGKILL);
  int status = WaitFor(pid);
  if (!read.ok()) return read.WithContext(where);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string how = WIFSIGNALED(status)
                          ? "was killed by signal " + std::to_string(WTERMSIG(status))
                          : "exited with status " + std::to_string(WEXITSTATUS(status));
    return Status(Code::kInternal, where + ": the fetch process " + how);
  }
  return reply;
}

}  // namespace

Result<FetchedCommit> FetchIntoMirrorInChild(const GitRemoteOptions& options,
                                             const std::string& mirror_dir,
                                             const FetchProcessOptions& process) {
  Result<std::string> reply = ExchangeWithChild(
      Request(options, mirror_dir).dump(-1, ' ', false, json::error_handler_t::replace),
      "fetch " + ScrubUrls(options.url), process);
  if (!reply.ok()) return reply.status();
  return ParseReply(*reply);
}

ResolvedRefs ResolveSourceRefsInChild(const std::vector<SourceRefsQuery>& queries,
                                      const FetchProcessOptions& process) {
  json request = {{"op", "resolve"}, {"queries", json::array()}};
  bool network = false;
  for (const SourceRefsQuery& query : queries) {
    json remote = RemoteJson(query.remote);
    remote["refs"] = query.refs;
    remote["settings"] = query.settings;
    request["queries"].push_back(remote);
    for (const std::string& ref : query.refs) network = network || !IsFullCommitSha(ref);
  }
  if (!network) return ResolveSourceRefs(queries);  // nothing to list: no child
  Result<std::string> reply = ExchangeWithChild(
      request.dump(-1, ' ', false, json::error_handler_t::replace), "resolve refs", process);
  ResolvedRefs resolved;
  json parsed = reply.ok() ? json::parse(*reply, nullptr, /*allow_exceptions=*/false) : json();
  if (parsed.is_object() && parsed.value("code", -1) == 0 && parsed["commits"].is_object() &&
      parsed["errors"].is_object()) {
    resolved.commits = parsed["commits"].get<std::map<std::string, std::string>>();
    resolved.errors = parsed["errors"].get<std::map<std::string, std::string>>();
    return resolved;
  }
  const std::string why =
      reply.ok() ? "the fetch process gave no valid answer" : reply.status().message();
  for (const SourceRefsQuery& query : queries)
    for (const std::string& ref : query.refs) {
      const std::string key = query.remote.url + "#" + ref;
      if (IsFullCommitSha(ref))
        resolved.commits[key] = ref;
      else
        resolved.errors[key] = "source unreachable: " + why;
    }
  return resolved;
}

int ServeFetchRequest(std::istream& in, std::ostream& out) {
  std::string text;
  char c;
  while (text.size() <= kMaxMessageBytes && in.get(c)) text.push_back(c);
  json request = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!request.is_object() || text.size() > kMaxMessageBytes) return 1;
  if (request.value("op", "fetch") == "resolve") {
    out << ServeResolve(request).dump(-1, ' ', false, json::error_handler_t::replace) << std::flush;
    return out ? 0 : 1;
  }
  GitRemoteOptions options = RemoteOf(request);
  const std::string mirror_dir = request.value("mirrorDir", "");
  if (options.url.empty() || mirror_dir.empty()) return 1;
  // Commit messages need not be UTF-8; replace what is not rather than fail.
  out << Reply(FetchIntoMirror(options, mirror_dir))
             .dump(-1, ' ', false, json::error_handler_t::replace)
      << std::flush;
  return out ? 0 : 1;
}

}  // namespace dflow
