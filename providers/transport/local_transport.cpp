#include "providers/transport/local_transport.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "manifests-schema/base/parallel_for.h"

extern char** environ;

namespace dflow {
namespace {

using Clock = std::chrono::steady_clock;

// The Dokku subcommand ("config:set") for error messages: the first word that is not a
// global flag. The other arguments may hold secrets and are never quoted.
std::string CommandName(const std::vector<std::string>& argv) {
  for (const std::string& word : argv) {
    if (word.rfind("--", 0) != 0) return word;
  }
  return argv.empty() ? "(no command)" : argv.front();
}

std::string Errno(int error) { return std::strerror(error); }

bool IsExecutableFile(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && access(path.c_str(), X_OK) == 0;
}

std::string EnvValue(const std::vector<std::string>& env, const std::string& key) {
  for (const std::string& entry : env) {
    if (entry.rfind(key + "=", 0) == 0) return entry.substr(key.size() + 1);
  }
  return "";
}

// The inherited environment with `extra` entries replacing or adding keys.
std::vector<std::string> BuildEnvironment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    env.emplace_back(*entry);
  }
  for (const std::string& added : extra) {
    std::string key = added.substr(0, added.find('='));
    std::erase_if(env, [&](const std::string& e) { return e.rfind(key + "=", 0) == 0; });
    env.push_back(added);
  }
  return env;
}

// Resolves `name` like execvp would, or returns "".
std::string ResolveExecutable(const std::string& name, const std::string& path_list) {
  if (name.find('/') != std::string::npos) return IsExecutableFile(name) ? name : "";
  std::string search = path_list.empty() ? "/usr/local/bin:/usr/bin:/bin" : path_list;
  std::size_t start = 0;
  while (start <= search.size()) {
    std::size_t end = search.find(':', start);
    if (end == std::string::npos) end = search.size();
    std::string dir = search.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (IsExecutableFile(candidate)) return candidate;
    start = end + 1;
  }
  return "";
}

std::vector<char*> CStrings(const std::vector<std::string>& words) {
  std::vector<char*> pointers;
  for (const std::string& word : words) pointers.push_back(const_cast<char*>(word.c_str()));
  pointers.push_back(nullptr);
  return pointers;
}

// Pipe ends owned by the parent; closes what is still open.
struct Pipes {
  int in[2] = {-1, -1};
  int out[2] = {-1, -1};
  int err[2] = {-1, -1};
  ~Pipes() {
    for (int* pair : {in, out, err}) {
      for (int i = 0; i < 2; ++i) CloseEnd(pair[i]);
    }
  }
  static void CloseEnd(int& fd) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
  bool Open() {
    return pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0 && pipe2(err, O_CLOEXEC) == 0;
  }
};

// Blocks SIGPIPE in this thread while it writes to the child's stdin, so a child that exits
// without reading gives EPIPE instead of killing dflow; a pending SIGPIPE is consumed.
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock() {
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_);
  }
  ~ScopedSigpipeBlock() {
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    timespec zero{0, 0};
    while (sigtimedwait(&pipe_set, nullptr, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t old_;
};

// One running child: its pid and the parent's pipe ends, driven by Drain().
class Child {
 public:
  Child(pid_t pid, Pipes& pipes, const ExecOptions& options)
      : pid_(pid), pipes_(pipes), options_(options) {}

  // Feeds stdin and reads both streams until EOF on both, the deadline, or too much output.
  // Returns kOk, or the reason the child must be killed.
  Code Drain(Clock::time_point deadline, ExecResult& result) {
    ScopedSigpipeBlock sigpipe_block;
    std::size_t written = 0;
    if (options_.stdin_data.empty()) Pipes::CloseEnd(pipes_.in[1]);
    while (pipes_.out[0] >= 0 || pipes_.err[0] >= 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return Code::kTimeout;
      pollfd fds[3] = {
          {pipes_.out[0], POLLIN, 0}, {pipes_.err[0], POLLIN, 0}, {pipes_.in[1], POLLOUT, 0}};
      int ready = poll(fds, 3, static_cast<int>(std::min<long long>(left.count(), 1'000'000)));
      if (ready < 0 && errno != EINTR) return Code::kInternal;
      if (ready <= 0) continue;
      if (fds[0].revents && !ReadSome(pipes_.out[0], result.out)) return Code::kFailed;
      if (fds[1].revents && !ReadSome(pipes_.err[0], result.err)) return Code::kFailed;
      if (fds[2].revents) WriteSome(written);
    }
    return Code::kOk;
  }

  // Waits for the exit until the deadline. Returns false on timeout.
  bool Reap(Clock::time_point deadline, int& exit_code) {
    while (true) {
      int status = 0;
      pid_t done = waitpid(pid_, &status, WNOHANG);
      if (done == pid_ || (done < 0 && errno != EINTR)) {
        exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return true;
      }
      if (Clock::now() >= deadline) return false;
      poll(nullptr, 0, 5);
    }
  }

  void Kill() {
    kill(-pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }

 private:
  // Appends what is readable; at EOF closes the end. False when over max_output.
  bool ReadSome(int& fd, std::string& sink) {
    char buffer[65536];
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
    if (n <= 0) {
      Pipes::CloseEnd(fd);
      return true;
    }
    sink.append(buffer, static_cast<std::size_t>(n));
    return sink.size() <= options_.max_output;
  }

  void WriteSome(std::size_t& written) {
    const std::string& data = options_.stdin_data;
    ssize_t n = write(pipes_.in[1], data.data() + written, data.size() - written);
    if (n > 0) written += static_cast<std::size_t>(n);
    bool failed = n < 0 && errno != EAGAIN && errno != EINTR;  // EPIPE: child stopped reading
    if (failed || written == data.size()) Pipes::CloseEnd(pipes_.in[1]);
  }

  pid_t pid_;
  Pipes& pipes_;
  const ExecOptions& options_;
};

class LocalTransport final : public Transport {
 public:
  explicit LocalTransport(LocalOptions options)
      : options_(std::move(options)), env_(BuildEnvironment(options_.extra_env)) {
    executable_ = ResolveExecutable(options_.dokku_path, EnvValue(env_, "PATH"));
  }

  Result<ExecResult> RunDokku(const std::vector<std::string>& argv,
                              const ExecOptions& options) override {
    if (executable_.empty()) {
      return Status(Code::kUnavailable,
                    "local: cannot find executable \"" + options_.dokku_path + "\"");
    }
    Clock::time_point deadline = Clock::now() + options.timeout;
    Pipes pipes;
    if (!pipes.Open()) return Status(Code::kInternal, "local: pipe: " + Errno(errno));
    Result<pid_t> pid = Spawn(argv, pipes);
    if (!pid.ok()) return pid.status();
    commands_run_.fetch_add(1);
    return Collect(*pid, pipes, argv, options, deadline);
  }

  std::vector<Result<ExecResult>> RunDokkuMany(const std::vector<std::vector<std::string>>& argvs,
                                               const ExecOptions& options) override {
    std::vector<std::optional<Result<ExecResult>>> slots(argvs.size());
    ParallelFor(argvs.size(), options_.max_parallel,
                [&](std::size_t i) { slots[i].emplace(RunDokku(argvs[i], options)); });
    std::vector<Result<ExecResult>> results;
    results.reserve(slots.size());
    for (auto& slot : slots) results.push_back(std::move(*slot));
    return results;
  }

  // Workers (the calling thread one of them) take ready calls from one queue; the follow-ups
  // are asked under the queue's lock, so one at a time.
  std::vector<Result<ExecResult>> RunDokkuFlow(std::vector<DokkuCall> first,
                                               const ExecOptions& options,
                                               const DokkuFollowUps& follow_ups) override {
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<std::pair<std::size_t, DokkuCall>> ready;
    std::vector<Result<ExecResult>> results;
    std::size_t running = 0;
    auto add = [&](std::vector<DokkuCall> calls) {
      for (DokkuCall& call : calls) {
        ready.emplace_back(results.size(), std::move(call));
        results.emplace_back(Status(Code::kInternal, "not run"));
      }
    };
    add(std::move(first));
    auto work = [&] {
      std::unique_lock<std::mutex> lock(mutex);
      while (true) {
        changed.wait(lock, [&] { return !ready.empty() || running == 0; });
        if (ready.empty()) return;  // nothing ready and nothing running: the flow is done
        auto [id, call] = std::move(ready.front());
        ready.pop_front();
        ++running;
        lock.unlock();
        ExecOptions bounded = options;
        if (call.timeout.count() > 0) bounded.timeout = call.timeout;
        if (!call.stdin_data.empty()) bounded.stdin_data = call.stdin_data;
        Result<ExecResult> result = RunDokku(call.argv, bounded);
        lock.lock();
        results[id] = std::move(result);
        if (follow_ups) add(follow_ups(id, results[id]));
        --running;
        changed.notify_all();
      }
    };
    std::vector<std::thread> workers;
    for (int i = 1; i < std::max(1, options_.max_parallel); ++i) workers.emplace_back(work);
    work();
    for (std::thread& worker : workers) worker.join();
    return results;
  }

  std::string Describe() const override { return "local"; }

  TransportStats Stats() const override {
    TransportStats stats;
    stats.commands_run = commands_run_.load();
    return stats;
  }

 private:
  Result<pid_t> Spawn(const std::vector<std::string>& argv, Pipes& pipes) {
    std::vector<std::string> words = {executable_};
    words.insert(words.end(), argv.begin(), argv.end());
    std::vector<char*> c_argv = CStrings(words);
    std::vector<char*> c_env = CStrings(env_);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipes.in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, pipes.out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, pipes.err[1], 2);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    // Own process group (so a timeout kills the whole tree), default signal dispositions
    // and an empty mask whatever this thread blocks or ignores.
    posix_spawnattr_setflags(
        &attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&attributes, 0);
    sigset_t signals;
    sigemptyset(&signals);
    posix_spawnattr_setsigmask(&attributes, &signals);
    sigaddset(&signals, SIGPIPE);
    posix_spawnattr_setsigdefault(&attributes, &signals);
    pid_t pid = -1;
    int error =
        posix_spawn(&pid, executable_.c_str(), &actions, &attributes, c_argv.data(), c_env.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (error != 0) {
      return Status(Code::kUnavailable, "local: cannot run " + executable_ + ": " + Errno(error));
    }
    Pipes::CloseEnd(pipes.in[0]);
    Pipes::CloseEnd(pipes.out[1]);
    Pipes::CloseEnd(pipes.err[1]);
    for (int fd : {pipes.in[1], pipes.out[0], pipes.err[0]}) {
      fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    }
    return pid;
  }

  Result<ExecResult> Collect(pid_t pid, Pipes& pipes, const std::vector<std::string>& argv,
                             const ExecOptions& options, Clock::time_point deadline) {
    Child child(pid, pipes, options);
    ExecResult result;
    Code drained = child.Drain(deadline, result);
    std::string what = "local: dokku " + CommandName(argv);
    if (drained == Code::kOk && child.Reap(deadline, result.exit_code)) return result;
    child.Kill();
    if (drained == Code::kFailed) {
      return Status(Code::kFailed,
                    what + ": output over " + std::to_string(options.max_output) + " bytes");
    }
    if (drained == Code::kInternal) return Status(Code::kInternal, what + ": poll failed");
    return Status(Code::kTimeout,
                  what + ": no exit within " + std::to_string(options.timeout.count()) + " ms");
  }

  const LocalOptions options_;
  const std::vector<std::string> env_;
  std::string executable_;
  std::atomic<int> commands_run_{0};
};

}  // namespace

std::unique_ptr<Transport> MakeLocalTransport(LocalOptions options) {
  return std::make_unique<LocalTransport>(std::move(options));
}

}  // namespace dflow
