// Transport: how dflow runs `dokku` on a node. SSH (ssh_transport.h) for remote nodes,
// local (local_transport.h) for the one-server setup. Tests use the real ones against sshd
// and the Dokku simulator.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "manifests-schema/base/status.h"

namespace dflow {

struct ExecOptions {
  std::chrono::milliseconds timeout{120'000};  // whole command, start to exit
  std::string stdin_data;                      // sent then closed (EOF)
  std::size_t max_output = 16u << 20;          // per stream; more is an error, not a truncation
};

struct ExecResult {
  int exit_code = -1;
  std::string out;  // stdout, read apart from stderr
  std::string err;
};

// A running `dokku <argv...>` whose stdout is read piece by piece (Transport::StartDokkuStream),
// e.g. `postgres:export`, so that a dump of any size crosses dflow in bounded memory. Not
// thread-safe; used by one thread at a time.
class DokkuStream {
 public:
  virtual ~DokkuStream() = default;
  // Reads up to `size` bytes of stdout into `buffer`, waiting for them until `until` at most:
  // 0 when nothing came by then, or at the end of stdout (then eof() is true). Errors: the
  // transport failed, or kTimeout once the command's own timeout has passed.
  virtual Result<std::size_t> Read(char* buffer, std::size_t size,
                                   std::chrono::steady_clock::time_point until) = 0;
  virtual bool eof() const = 0;
  // Waits for the command to end (call it after eof(), or to give up early: the command is
  // then cut off) and returns its exit code and stderr (its first 64 KiB; `out` is empty).
  // The first call's answer is kept: later calls return it again.
  virtual Result<ExecResult> Finish() = 0;
  // "dokku postgres:export" on "ssh dokku@...": for messages. Never a secret.
  virtual std::string Describe() const = 0;
};

// One Dokku invocation of a flow (Transport::RunDokkuFlow).
struct DokkuCall {
  DokkuCall(std::vector<std::string> argv_in, std::chrono::milliseconds timeout_in = {},
            std::string stdin_in = {})
      : argv(std::move(argv_in)), timeout(timeout_in), stdin_data(std::move(stdin_in)) {}
  std::vector<std::string> argv;         // excludes the "dokku" word
  std::chrono::milliseconds timeout{0};  // 0: ExecOptions::timeout
  std::string stdin_data;                // sent then closed; "": ExecOptions::stdin_data
  // When set (only on a transport whose StreamsStdin() is true), stdin is what this stream
  // prints, copied in fixed-size chunks, and is closed (EOF) only once the stream has ended
  // with exit 0. When it fails or exits non-zero the call fails saying so, and the command
  // gets no EOF from dflow: its channel is closed under it. Not owned.
  DokkuStream* stdin_stream = nullptr;
};

// Called when call `id` of a flow has finished (ids count from 0 in the order calls were
// given: the first ones, then each follow-up in the order returned). Returns the calls that
// this result makes ready, which start as soon as a channel is free. Called one call at a
// time (never two at once, though not always on the same thread); it must not use the
// transport.
using DokkuFollowUps =
    std::function<std::vector<DokkuCall>(std::size_t id, const Result<ExecResult>& result)>;

struct TransportStats {
  int connections_opened = 0;  // SSH sessions established (reuse keeps this low)
  int commands_run = 0;        // dokku invocations
};

class Transport {
 public:
  virtual ~Transport() = default;

  // Runs `dokku <argv...>`; argv excludes the "dokku" word. A non-zero exit is NOT an error
  // Status: it is returned in ExecResult. Errors are transport failures (kUnavailable,
  // kTimeout, kPermissionDenied for auth/host key, kInvalidArgument for an argv the remote
  // side cannot carry). Thread-safe.
  virtual Result<ExecResult> RunDokku(const std::vector<std::string>& argv,
                                      const ExecOptions& options = {}) = 0;

  // Runs several invocations concurrently (bounded), results in input order. The default
  // runs them one after another.
  virtual std::vector<Result<ExecResult>> RunDokkuMany(
      const std::vector<std::vector<std::string>>& argvs, const ExecOptions& options = {});

  // Runs `first`, then whatever `follow_ups` returns as calls finish, each as soon as it is
  // ready and a channel is free (not in rounds): a chain of dependent calls costs only its own
  // length. Returns every call's result by id. The default runs ready calls in rounds of
  // RunDokkuMany.
  virtual std::vector<Result<ExecResult>> RunDokkuFlow(std::vector<DokkuCall> first,
                                                       const ExecOptions& options,
                                                       const DokkuFollowUps& follow_ups);

  // Starts `dokku <argv...>` for its stdout to be read as a stream (DokkuStream), over a
  // connection of its own, so that it never holds up (or waits for) this transport's other
  // commands. options.timeout bounds the whole command. The default: kInvalidArgument.
  virtual Result<std::unique_ptr<DokkuStream>> StartDokkuStream(
      const std::vector<std::string>& argv, const ExecOptions& options);

  // Whether RunDokkuFlow honours DokkuCall::stdin_stream (the default: no).
  virtual bool StreamsStdin() const { return false; }

  // "ssh dokku@10.0.0.5:22", "local" — for logs and errors. Never contains a secret.
  virtual std::string Describe() const = 0;

  virtual TransportStats Stats() const = 0;
};

}  // namespace dflow
