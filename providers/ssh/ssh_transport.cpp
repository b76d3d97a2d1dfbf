#include "providers/ssh/ssh_transport.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "providers/ssh/ssh_connection.h"
#include "providers/ssh/ssh_exec.h"
#include "providers/ssh/ssh_stream.h"

namespace dflow {
namespace {

using Clock = SshConnection::Clock;

RemoteShell ShellFor(const SshOptions& options) {
  if (options.shell) return *options.shell;
  return options.user == "dokku" ? RemoteShell::kDokkuForcedCommand : RemoteShell::kPosixShell;
}

class SshTransport final : public Transport {
 public:
  explicit SshTransport(SshOptions options)
      : options_(std::move(options)), shell_(ShellFor(options_)), describe_(DescribeSsh(options_)) {
    if (options_.keepalive_interval.count() > 0)
      keepalive_ = std::thread([this] { KeepaliveLoop(); });
  }

  ~SshTransport() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (keepalive_.joinable()) keepalive_.join();
  }

  Result<ExecResult> RunDokku(const std::vector<std::string>& argv,
                              const ExecOptions& options) override {
    return std::move(RunDokkuMany({argv}, options).front());
  }

  std::vector<Result<ExecResult>> RunDokkuMany(const std::vector<std::vector<std::string>>& argvs,
                                               const ExecOptions& options) override {
    std::vector<DokkuCall> calls;
    calls.reserve(argvs.size());
    for (const auto& argv : argvs) calls.push_back({argv, {}});
    return RunDokkuFlow(std::move(calls), options, nullptr);
  }

  std::vector<Result<ExecResult>> RunDokkuFlow(std::vector<DokkuCall> first,
                                               const ExecOptions& options,
                                               const DokkuFollowUps& follow_ups) override;

  Result<std::unique_ptr<DokkuStream>> StartDokkuStream(const std::vector<std::string>& argv,
                                                        const ExecOptions& options) override {
    Result<RemoteCommand> command = Render(DokkuCall{argv, options.timeout});
    if (!command.ok()) return command.status();
    ++commands_run_;
    return OpenSshStream(options_, describe_, command->line, command->name, options.timeout);
  }

  bool StreamsStdin() const override { return true; }

  std::string Describe() const override { return describe_; }

  TransportStats Stats() const override {
    return TransportStats{connections_opened_.load(), commands_run_.load()};
  }

 private:
  // Opens the connection when there is none (or it broke); requires mu_.
  Status EnsureConnected(const ExecOptions& options, bool& fresh);
  // The line sent for `call`, or why it cannot be sent.
  Result<RemoteCommand> Render(const DokkuCall& call) const;
  void KeepaliveLoop();

  const SshOptions options_;
  const RemoteShell shell_;
  const std::string describe_;
  std::atomic<int> connections_opened_{0};
  std::atomic<int> commands_run_{0};

  std::mutex mu_;  // guards everything below; held while a batch runs
  std::unique_ptr<SshConnection> conn_;
  bool stopping_ = false;
  std::condition_variable wake_;
  std::thread keepalive_;
};

Status SshTransport::EnsureConnected(const ExecOptions& options, bool& fresh) {
  if (conn_ && !conn_->broken()) return Status::Ok();
  conn_.reset();
  auto budget = std::min<std::chrono::milliseconds>(options_.connect_timeout, options.timeout);
  auto opened = SshConnection::Open(options_, budget);
  if (!opened.ok()) return opened.status();
  conn_ = std::move(opened).value();
  ++connections_opened_;
  fresh = true;
  return Status::Ok();
}

Result<RemoteCommand> SshTransport::Render(const DokkuCall& call) const {
  const std::vector<std::string>& argv = call.argv;
  if (argv.empty()) return Status(Code::kInvalidArgument, describe_ + ": an empty dokku command");
  Result<std::string> line = RenderRemoteCommand(argv, shell_);
  if (!line.ok()) return line.status().WithContext(describe_);
  // libssh2 cannot send an exec request much over 32 KiB (its packets stop at 35,000 bytes);
  // refuse it here rather than lose the connection mid-request.
  constexpr std::size_t kMaxCommandBytes = 34000;
  if (line->size() > kMaxCommandBytes) {
    return Status(Code::kInvalidArgument,
                  describe_ + ": dokku " + argv.front() + ": the command is " +
                      std::to_string(line->size()) + " bytes, over the " +
                      std::to_string(kMaxCommandBytes) + " one SSH request can carry");
  }
  // Named after the subcommand, past the global flags ("dokku postgres:import", not "--quiet").
  auto word = std::find_if(argv.begin(), argv.end(),
                           [](const std::string& w) { return !w.starts_with("-"); });
  return RemoteCommand{std::move(line).value(),
                       "dokku " + (word == argv.end() ? argv.front() : *word), call.timeout,
                       call.stdin_data, call.stdin_stream};
}

std::vector<Result<ExecResult>> SshTransport::RunDokkuFlow(std::vector<DokkuCall> first,
                                                           const ExecOptions& options,
                                                           const DokkuFollowUps& follow_ups) {
  std::vector<Result<ExecResult>> results;
  std::vector<std::pair<std::size_t, RemoteCommand>> todo;  // ready, not yet on a channel
  std::vector<std::size_t> finished;                        // results whose follow-ups are due
  auto add = [&](std::vector<DokkuCall> calls) {
    for (DokkuCall& call : calls) {
      const std::size_t id = results.size();
      results.emplace_back(Status(Code::kInternal, "not run"));
      Result<RemoteCommand> command = Render(call);
      if (command.ok()) {
        todo.emplace_back(id, std::move(command).value());
      } else {
        results[id] = command.status();
        finished.push_back(id);
      }
    }
  };
  // Asks for the follow-ups of every finished call (and of those that fail at once).
  auto settle = [&] {
    while (!finished.empty()) {
      const std::size_t id = finished.back();
      finished.pop_back();
      if (follow_ups) add(follow_ups(id, results[id]));
    }
  };
  add(std::move(first));
  settle();

  std::lock_guard<std::mutex> lock(mu_);
  bool fresh = false;
  Status unreachable = Status::Ok();
  // At most two connections: the second only re-runs commands that never reached a connection
  // found dead, over a new one.
  for (int pass = 0; pass < 2 && !todo.empty(); ++pass) {
    unreachable = EnsureConnected(options, fresh);
    if (!unreachable.ok()) break;
    std::vector<std::pair<std::size_t, RemoteCommand>> again;
    ChannelFlow* current = nullptr;
    ChannelFlow flow(*conn_, options, options_.max_channels,
                     [&](std::size_t id, const RemoteCommand& command, ChannelOutcome outcome) {
                       if (outcome.sent) ++commands_run_;
                       if (!outcome.result.ok() && outcome.retryable && !fresh) {
                         // The connection had died before it was sent: run it on a new one.
                         again.emplace_back(id, command);
                         return;
                       }
                       results[id] = outcome.result.ok()
                                         ? std::move(outcome.result)
                                         : outcome.result.status().WithContext(describe_);
                       finished.push_back(id);
                       settle();
                       for (auto& [next_id, next] : todo) current->Add(next_id, std::move(next));
                       todo.clear();
                     });
    current = &flow;
    for (auto& [id, command] : todo) flow.Add(id, std::move(command));
    todo.clear();
    flow.Run();
    if (conn_->broken()) conn_.reset();
    todo = std::move(again);
  }
  // Not sent: what is left fails with the reason, and so do its follow-ups.
  while (!todo.empty()) {
    for (auto& [id, command] : todo) {
      results[id] = !unreachable.ok()
                        ? unreachable
                        : Status(Code::kUnavailable, describe_ + ": connection dropped before " +
                                                         command.name + " was sent");
      finished.push_back(id);
    }
    todo.clear();
    settle();
  }
  return results;
}

// Sends a keepalive when the connection has been idle for keepalive_interval, so that NAT
// and firewall state stays alive between controller loops, and drops a connection whose
// socket has failed so that the next command reconnects at once.
void SshTransport::KeepaliveLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    wake_.wait_for(lock, options_.keepalive_interval);
    if (stopping_ || !conn_) continue;
    int next = 0;
    if (libssh2_keepalive_send(conn_->session(), &next) != 0) conn_.reset();
  }
}

}  // namespace

std::unique_ptr<Transport> MakeSshTransport(SshOptions options) {
  return std::make_unique<SshTransport>(std::move(options));
}

}  // namespace dflow
