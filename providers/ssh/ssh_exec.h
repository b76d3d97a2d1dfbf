// Runs command lines as exec channels over one SshConnection, several at once, in a single
// thread: libssh2's non-blocking calls are interleaved and the loop sleeps on the socket only
// when a whole round of calls made no progress. Internal to providers/.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "manifests-schema/base/status.h"
#include "providers/ssh/ssh_connection.h"
#include "providers/transport/transport.h"

namespace dflow {

struct RemoteCommand {
  std::string line;  // rendered by RenderRemoteCommand
  std::string name;  // "dokku apps:list": argv[0] only, for messages (later words may be secret)
  std::chrono::milliseconds timeout{0};  // 0: ExecOptions::timeout
  std::string stdin_data;  // this command's stdin (a secret, never shown); "": ExecOptions's
  DokkuStream* stdin_stream = nullptr;  // DokkuCall::stdin_stream: stdin copied from it instead
};

struct ChannelOutcome {
  Result<ExecResult> result = Status(Code::kInternal, "not run");
  bool sent = false;       // the exec request went out: the command may have run
  bool retryable = false;  // the connection failed before the command was sent
};

// Runs commands over `conn`, at most `max_channels` at a time, each as soon as a channel is
// free; `finished(id, command, outcome)` is called as each one ends (outside any libssh2 call,
// on the calling thread) and may Add() more. Same bounds and breakage rules as RunChannels.
class ChannelFlow {
 public:
  using Finished =
      std::function<void(std::size_t id, const RemoteCommand& command, ChannelOutcome outcome)>;
  ChannelFlow(SshConnection& conn, const ExecOptions& options, int max_channels, Finished finished);
  ~ChannelFlow();
  void Add(std::size_t id, RemoteCommand command);
  // Runs until every command added (before or during the run) has finished.
  void Run();

 private:
  class Multiplexer;
  std::unique_ptr<Multiplexer> multiplexer_;
};

// The exit code of a closed channel: its exit status, or 128+N when signal N ended it.
int ChannelExitCode(LIBSSH2_SESSION* session, LIBSSH2_CHANNEL* channel);

// Runs `commands` over `conn`, at most `max_channels` at a time, each bounded by
// options.timeout from the moment its channel is opened. Outcomes are in input order.
// Marks `conn` broken when it must not be reused: a fatal session error, a timeout, or
// output over options.max_output (the channel is abandoned mid-stream).
std::vector<ChannelOutcome> RunChannels(SshConnection& conn,
                                        const std::vector<RemoteCommand>& commands,
                                        const ExecOptions& options, int max_channels);

}  // namespace dflow
