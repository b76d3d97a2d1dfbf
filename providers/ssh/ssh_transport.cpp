#include "providers/ssh/ssh_transport.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "providers/ssh/ssh_connection.h"
#include "providers/ssh/ssh_exec.h"

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
                                               const ExecOptions& options) override;

  std::string Describe() const override { return describe_; }

  TransportStats Stats() const override {
    return TransportStats{connections_opened_.load(), commands_run_.load()};
  }

 private:
  // Opens the connection when there is none (or it broke); requires mu_.
  Status EnsureConnected(const ExecOptions& options, bool& fresh);
  // Runs `todo` (indexes into commands) once; returns those to run again on a new connection.
  std::vector<std::size_t> RunOnce(const std::vector<RemoteCommand>& commands,
                                   const std::vector<std::size_t>& todo, bool fresh,
                                   const ExecOptions& options,
                                   std::vector<Result<ExecResult>>& results);
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

std::vector<std::size_t> SshTransport::RunOnce(const std::vector<RemoteCommand>& commands,
                                               const std::vector<std::size_t>& todo, bool fresh,
                                               const ExecOptions& options,
                                               std::vector<Result<ExecResult>>& results) {
  std::vector<RemoteCommand> batch;
  for (std::size_t i : todo) batch.push_back(commands[i]);
  std::vector<ChannelOutcome> outcomes = RunChannels(*conn_, batch, options, options_.max_channels);
  std::vector<std::size_t> again;
  for (std::size_t k = 0; k < todo.size(); ++k) {
    ChannelOutcome& outcome = outcomes[k];
    if (outcome.sent) ++commands_run_;
    if (!outcome.result.ok() && outcome.retryable && !fresh) {
      again.push_back(todo[k]);  // the connection had died before it was sent
    } else if (outcome.result.ok()) {
      results[todo[k]] = std::move(outcome.result);
    } else {
      results[todo[k]] = outcome.result.status().WithContext(describe_);
    }
  }
  if (conn_->broken()) conn_.reset();
  return again;
}

std::vector<Result<ExecResult>> SshTransport::RunDokkuMany(
    const std::vector<std::vector<std::string>>& argvs, const ExecOptions& options) {
  std::vector<Result<ExecResult>> results(argvs.size(), Status(Code::kInternal, "not run"));
  std::vector<RemoteCommand> commands(argvs.size());
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < argvs.size(); ++i) {
    Result<std::string> line = RenderRemoteCommand(argvs[i], shell_);
    if (!line.ok()) {
      results[i] = line.status().WithContext(describe_);
      continue;
    }
    // libssh2 cannot send an exec request much over 32 KiB (its packets stop at 35,000 bytes);
    // refuse it here rather than lose the connection mid-request.
    constexpr std::size_t kMaxCommandBytes = 34000;
    if (line->size() > kMaxCommandBytes) {
      results[i] = Status(Code::kInvalidArgument,
                          describe_ + ": dokku " + argvs[i].front() + ": the command is " +
                              std::to_string(line->size()) + " bytes, over the " +
                              std::to_string(kMaxCommandBytes) + " one SSH request can carry");
      continue;
    }
    commands[i] = {std::move(line).value(), "dokku " + argvs[i].front()};
    todo.push_back(i);
  }
  std::lock_guard<std::mutex> lock(mu_);
  bool fresh = false;
  // At most two passes: the second only re-runs commands that never reached a connection
  // found dead, over a new one.
  for (int pass = 0; pass < 2 && !todo.empty(); ++pass) {
    Status connected = EnsureConnected(options, fresh);
    if (!connected.ok()) {
      for (std::size_t i : todo) results[i] = connected;
      break;
    }
    todo = RunOnce(commands, todo, fresh, options, results);
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
