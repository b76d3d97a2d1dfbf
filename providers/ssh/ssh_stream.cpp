#include "providers/ssh/ssh_stream.h"

#include <algorithm>
#include <optional>

#include "providers/ssh/ssh_connection.h"
#include "providers/ssh/ssh_exec.h"

namespace dflow {
namespace {

using Clock = SshConnection::Clock;

// What is kept of stderr: enough for any error message, bounded whatever the command prints.
constexpr std::size_t kKeptStderr = 64u << 10;

class SshStream final : public DokkuStream {
 public:
  SshStream(std::unique_ptr<SshConnection> conn, std::string describe, std::string name,
            Clock::time_point deadline)
      : conn_(std::move(conn)),
        describe_(std::move(describe)),
        name_(std::move(name)),
        deadline_(deadline) {}

  ~SshStream() override {
    // Not finished: the channel (and the command with it) goes with the connection.
    if (!finished_) conn_->MarkBroken();
  }

  Status Start(const std::string& line) {
    LIBSSH2_SESSION* session = conn_->session();
    int rc = conn_->Drive(
        [&] {
          channel_ = libssh2_channel_open_session(session);
          return channel_ ? 0 : libssh2_session_last_errno(session);
        },
        deadline_);
    if (rc != 0) return Error("open channel", rc);
    rc = conn_->Drive([&] { return libssh2_channel_exec(channel_, line.c_str()); }, deadline_);
    if (rc != 0) return Error("exec", rc);
    // The command reads nothing: it gets EOF on stdin at once.
    rc = conn_->Drive([&] { return libssh2_channel_send_eof(channel_); }, deadline_);
    return rc == 0 ? Status::Ok() : Error("send EOF", rc);
  }

  Result<std::size_t> Read(char* buffer, std::size_t size, Clock::time_point until) override {
    if (eof_) return std::size_t{0};
    while (true) {
      ssize_t n = libssh2_channel_read(channel_, buffer, size);
      if (n > 0) return static_cast<std::size_t>(n);
      // 0 is the end only once the server said EOF; libssh2 may also return it for "nothing".
      if (n == 0 && libssh2_channel_eof(channel_) == 1) {
        eof_ = true;
        return std::size_t{0};
      }
      if (n < 0 && n != LIBSSH2_ERROR_EAGAIN) return Error("read stdout", static_cast<int>(n));
      // stderr shares the channel's window: unread, it could stall stdout.
      if (Status s = DrainStderr(); !s.ok()) return s;
      const Clock::time_point now = Clock::now();
      if (now >= deadline_) return Timeout();
      if (now >= until) return std::size_t{0};
      conn_->WaitSocket(std::min(until, deadline_));
    }
  }

  bool eof() const override { return eof_; }

  Result<ExecResult> Finish() override {
    if (!finished_) finished_ = Close();
    return *finished_;
  }

  std::string Describe() const override { return describe_ + ": " + name_; }

 private:
  Result<ExecResult> Close() {
    if (!eof_) {
      // Given up early: the command is cut off with the connection.
      conn_->MarkBroken();
      return Status(Code::kFailed, Describe() + ": stopped before the end of its output");
    }
    while (true) {
      if (Status s = DrainStderr(); !s.ok()) return s;
      if (libssh2_channel_eof(channel_) == 1) break;
      if (Clock::now() >= deadline_) return Timeout();
      conn_->WaitSocket(deadline_);
    }
    int rc = conn_->Drive([&] { return libssh2_channel_wait_closed(channel_); }, deadline_);
    if (rc != 0) return Error("wait for close", rc);
    result_.exit_code = ChannelExitCode(conn_->session(), channel_);
    rc = conn_->Drive([&] { return libssh2_channel_free(channel_); }, deadline_);
    channel_ = nullptr;
    if (rc != 0) return Error("close channel", rc);
    return result_;
  }

  Status DrainStderr() {
    char buffer[16384];
    while (true) {
      ssize_t n = libssh2_channel_read_stderr(channel_, buffer, sizeof buffer);
      if (n == 0 || n == LIBSSH2_ERROR_EAGAIN) return Status::Ok();
      if (n < 0) return Error("read stderr", static_cast<int>(n));
      const std::size_t room = kKeptStderr - std::min(kKeptStderr, result_.err.size());
      result_.err.append(buffer, std::min(room, static_cast<std::size_t>(n)));
    }
  }

  Status Error(const char* what, int rc) {
    conn_->MarkBroken();
    if (rc == LIBSSH2_ERROR_TIMEOUT) return Timeout();
    return conn_->ErrorStatus(what, rc).WithContext(Describe());
  }

  Status Timeout() {
    conn_->MarkBroken();
    return Status(Code::kTimeout, Describe() + ": timed out");
  }

  std::unique_ptr<SshConnection> conn_;
  const std::string describe_;
  const std::string name_;
  const Clock::time_point deadline_;
  LIBSSH2_CHANNEL* channel_ = nullptr;
  bool eof_ = false;
  ExecResult result_;
  std::optional<Result<ExecResult>> finished_;
};

}  // namespace

Result<std::unique_ptr<DokkuStream>> OpenSshStream(const SshOptions& options,
                                                   const std::string& describe,
                                                   const std::string& line, const std::string& name,
                                                   std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  auto budget = std::min<std::chrono::milliseconds>(options.connect_timeout, timeout);
  auto opened = SshConnection::Open(options, budget);
  if (!opened.ok()) return opened.status().WithContext(describe);
  auto stream = std::make_unique<SshStream>(std::move(opened).value(), describe, name, deadline);
  if (Status s = stream->Start(line); !s.ok()) return s;
  return std::unique_ptr<DokkuStream>(std::move(stream));
}

}  // namespace dflow
