#include "providers/ssh/ssh_exec.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <optional>
#include <string_view>
#include <utility>

#include "manifests-schema/base/text.h"

namespace dflow {
// Not anonymous: ChannelFlow::Multiplexer, declared in the header, holds these.
namespace ssh_exec_detail {

using Clock = SshConnection::Clock;

enum class Phase { kQueued, kOpen, kExec, kRun, kClose, kFree, kDone };
// Every libssh2 call a channel makes. One whose packet is half sent (libssh2 blocked
// outbound) must be called again before any other call may send: libssh2 keeps one
// outgoing packet per session and refuses a different one (LIBSSH2_ERROR_BAD_USE).
enum class Op { kNone, kOpen, kExec, kWrite, kEof, kReadOut, kReadErr, kWaitClosed, kFree };
enum class Step { kDone, kBlocked, kFailed };

struct Slot {
  std::size_t id = 0;
  RemoteCommand command;
  ChannelOutcome outcome;
  Phase phase = Phase::kQueued;
  LIBSSH2_CHANNEL* channel = nullptr;
  Clock::time_point deadline;
  std::size_t written = 0;
  bool eof_sent = false;
  Op pending = Op::kNone;
  ExecResult result;
  // A streamed stdin (RemoteCommand::stdin_stream): the piece in hand, how much of it went
  // out, the bytes sent in all, and why the stream failed (the call then fails too).
  std::unique_ptr<char[]> chunk;
  std::size_t chunk_size = 0;
  std::size_t chunk_sent = 0;
  std::uint64_t streamed = 0;
  std::optional<Status> stream_failed;
};

// One piece of a streamed stdin: what dflow holds of it at any time.
constexpr std::size_t kStreamChunk = 64u << 10;

int SignalNumber(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, int>, 13> kSignals = {{
      {"HUP", 1},
      {"INT", 2},
      {"QUIT", 3},
      {"ILL", 4},
      {"ABRT", 6},
      {"FPE", 8},
      {"KILL", 9},
      {"USR1", 10},
      {"SEGV", 11},
      {"USR2", 12},
      {"PIPE", 13},
      {"ALRM", 14},
      {"TERM", 15},
  }};
  for (const auto& [signal_name, number] : kSignals)
    if (signal_name == name) return number;
  return 127;
}

}  // namespace ssh_exec_detail

using namespace ssh_exec_detail;

int ChannelExitCode(LIBSSH2_SESSION* session, LIBSSH2_CHANNEL* channel) {
  char* signal = nullptr;
  std::size_t signal_length = 0;
  libssh2_channel_get_exit_signal(channel, &signal, &signal_length, nullptr, nullptr, nullptr,
                                  nullptr);
  if (signal == nullptr) return libssh2_channel_get_exit_status(channel);
  const int code = 128 + SignalNumber(std::string_view(signal, signal_length));
  libssh2_free(session, signal);
  return code;
}

class ChannelFlow::Multiplexer {
 public:
  Multiplexer(SshConnection& conn, const ExecOptions& options, int max_channels,
              ChannelFlow::Finished finished)
      : conn_(conn),
        session_(conn.session()),
        options_(options),
        max_channels_(std::max(1, max_channels)),
        finished_(std::move(finished)) {}

  // A deque: adding keeps references to the other slots valid.
  void Add(std::size_t id, RemoteCommand command) {
    Slot& slot = slots_.emplace_back();
    slot.id = id;
    slot.command = std::move(command);
    ++unfinished_;
  }

  void Run() {
    while (true) {
      while (!conn_.broken() && unfinished_ > 0) {
        progress_ = false;
        std::uint64_t io_before = conn_.io_bytes();
        Admit();
        for (std::size_t i = first_unfinished_; i < slots_.size(); ++i) {
          Slot& slot = slots_[i];
          if (conn_.broken()) break;
          if (Active(slot) && (!pinned_ || pinned_ == &slot)) Advance(slot);
        }
        if (conn_.broken()) break;
        CheckDeadlines();
        Notify();
        if (!progress_ && conn_.io_bytes() == io_before && unfinished_ > 0 && !conn_.broken())
          conn_.WaitSocket(std::min(EarliestDeadline(), Clock::now() + std::chrono::seconds(1)));
      }
      // The connection broke: what is left (and whatever the callbacks add) fails.
      if (unfinished_ > 0) FailConnection("the connection became unusable");
      Notify();
      if (unfinished_ == 0) return;
    }
  }

  bool must_drop() const { return must_drop_; }
  void MarkConnectionBroken() { conn_.MarkBroken(); }

 private:
  static bool Active(const Slot& slot) {
    return slot.phase != Phase::kQueued && slot.phase != Phase::kDone;
  }

  // Hands each finished slot to the callback, which may add slots (never while a loop over
  // the slots runs).
  void Notify() {
    while (!done_.empty()) {
      Slot* slot = done_.front();
      done_.pop_front();
      if (finished_) finished_(slot->id, slot->command, std::move(slot->outcome));
    }
    while (first_unfinished_ < slots_.size() && slots_[first_unfinished_].phase == Phase::kDone)
      ++first_unfinished_;
  }

  // Starts the next queued command when a channel is free. libssh2 keeps the state of a
  // channel being opened in the session, so only one open may be under way at a time.
  void Admit() {
    if (pinned_ || opening_) return;
    if (active_ >= max_channels_) return;
    while (next_queued_ < slots_.size() && slots_[next_queued_].phase != Phase::kQueued)
      ++next_queued_;
    if (next_queued_ == slots_.size()) return;
    Slot& slot = slots_[next_queued_++];
    slot.phase = Phase::kOpen;
    slot.deadline = Clock::now() + Timeout(slot);
    ++active_;
    opening_ = true;
    progress_ = true;
  }

  std::chrono::milliseconds Timeout(const Slot& slot) const {
    return slot.command.timeout.count() > 0 ? slot.command.timeout : options_.timeout;
  }

  Clock::time_point EarliestDeadline() const {
    Clock::time_point earliest = Clock::time_point::max();
    for (std::size_t i = first_unfinished_; i < slots_.size(); ++i)
      if (Active(slots_[i])) earliest = std::min(earliest, slots_[i].deadline);
    return earliest;
  }

  // Classifies a libssh2 result of `op`; fails the slot or the whole connection on errors.
  Step Check(Slot& slot, Op op, int rc, const char* what) {
    if (rc >= 0) {
      if (pinned_ == &slot) pinned_ = nullptr;
      slot.pending = Op::kNone;
      progress_ = true;
      return Step::kDone;
    }
    if (rc == LIBSSH2_ERROR_EAGAIN) {
      bool outbound = libssh2_session_block_directions(session_) & LIBSSH2_SESSION_BLOCK_OUTBOUND;
      slot.pending = outbound ? op : Op::kNone;
      pinned_ = outbound ? &slot : (pinned_ == &slot ? nullptr : pinned_);
      return Step::kBlocked;
    }
    std::string error = conn_.LastError();
    if (error.empty()) error = "libssh2 error " + std::to_string(rc);
    if (IsSessionFatal(rc)) {
      FailConnection(std::string(what) + ": " + error);
    } else {
      Fail(slot, Status(Code::kUnavailable, slot.command.name + ": " + what + ": " + error));
      must_drop_ = true;
    }
    return Step::kFailed;
  }

  void Fail(Slot& slot, Status status) {
    ChannelOutcome& outcome = slot.outcome;
    outcome.retryable = !outcome.sent && status.code() == Code::kUnavailable;
    outcome.result = std::move(status);
    if (slot.phase == Phase::kOpen) opening_ = false;
    if (pinned_ == &slot) {
      // Its half-sent packet can never be completed now: nothing else may use the session.
      pinned_ = nullptr;
      conn_.MarkBroken();
    }
    // The channel, if any, is left to libssh2_session_free.
    Finish(slot);
  }

  void Finish(Slot& slot) {
    if (Active(slot)) --active_;
    slot.phase = Phase::kDone;
    --unfinished_;
    done_.push_back(&slot);
  }

  // The session is unusable: every unfinished command fails; those not yet sent may be run
  // again over a new connection, those sent may have run and are not.
  void FailConnection(const std::string& why) {
    conn_.MarkBroken();
    for (std::size_t i = first_unfinished_; i < slots_.size(); ++i) {
      Slot& slot = slots_[i];
      if (slot.phase == Phase::kDone) continue;
      const std::string name = slot.command.name;
      Fail(slot, Status(Code::kUnavailable,
                        slot.outcome.sent
                            ? "connection dropped while " + name + " ran (" + why +
                                  "); it was not run again"
                            : "connection dropped before " + name + " was sent (" + why + ")"));
    }
  }

  void CheckDeadlines() {
    Clock::time_point now = Clock::now();
    for (std::size_t i = first_unfinished_; i < slots_.size(); ++i) {
      Slot& slot = slots_[i];
      if (!Active(slot) || now < slot.deadline) continue;
      bool stuck = slot.phase == Phase::kOpen || pinned_ == &slot;
      const std::string name = slot.command.name;
      Fail(slot, Status(Code::kTimeout, name + ": timed out after " +
                                            std::to_string(Timeout(slot).count()) + " ms"));
      must_drop_ = true;
      if (stuck) FailRest(name);
    }
  }

  // A timed-out open or half-sent packet blocks the session for everyone else.
  void FailRest(const std::string& culprit) {
    conn_.MarkBroken();
    for (std::size_t i = first_unfinished_; i < slots_.size(); ++i) {
      Slot& slot = slots_[i];
      if (slot.phase == Phase::kDone) continue;
      const bool sent = slot.outcome.sent;
      Fail(slot, Status(Code::kUnavailable,
                        slot.command.name + ": connection dropped after " + culprit + " timed out" +
                            (sent ? "; it was not run again" : "; it was not run")));
      slot.outcome.retryable = false;
    }
  }

  void Advance(Slot& slot) {
    while (!conn_.broken()) {
      switch (slot.phase) {
        case Phase::kOpen:
          if (!Open(slot)) return;
          break;
        case Phase::kExec:
          slot.outcome.sent = true;
          if (Check(slot, Op::kExec, libssh2_channel_exec(slot.channel, slot.command.line.c_str()),
                    "exec") != Step::kDone)
            return;
          slot.phase = Phase::kRun;
          break;
        case Phase::kRun:
          if (!Transfer(slot)) return;
          break;
        case Phase::kClose:
          if (Check(slot, Op::kWaitClosed, libssh2_channel_wait_closed(slot.channel),
                    "wait for close") != Step::kDone)
            return;
          CollectExit(slot);
          slot.phase = Phase::kFree;
          break;
        case Phase::kFree:
          if (Check(slot, Op::kFree, libssh2_channel_free(slot.channel), "close channel") !=
              Step::kDone)
            return;
          slot.channel = nullptr;
          slot.outcome.result = slot.stream_failed ? StreamFailure(slot) : std::move(slot.result);
          Finish(slot);
          return;
        default:
          return;
      }
    }
  }

  bool Open(Slot& slot) {
    LIBSSH2_CHANNEL* channel = libssh2_channel_open_session(session_);
    int rc = channel ? 0 : libssh2_session_last_errno(session_);
    if (Check(slot, Op::kOpen, rc, "open channel") != Step::kDone) return false;
    opening_ = false;
    slot.channel = channel;
    slot.phase = Phase::kExec;
    return true;
  }

  // Moves stdin out and stdout/stderr in; true once the server has sent EOF.
  bool Transfer(Slot& slot) {
    if (slot.pending != Op::kNone && Do(slot, slot.pending) != Step::kDone) return false;
    for (Op op : {Op::kWrite, Op::kEof, Op::kReadOut, Op::kReadErr}) {
      Step step = Do(slot, op);
      if (step == Step::kFailed || pinned_ == &slot) return false;
    }
    if (!slot.eof_sent || libssh2_channel_eof(slot.channel) != 1) return false;
    slot.phase = Phase::kClose;
    progress_ = true;
    return true;
  }

  Step Do(Slot& slot, Op op) {
    switch (op) {
      case Op::kWrite:
        return Write(slot);
      case Op::kEof:
        return SendEof(slot);
      case Op::kReadOut:
        return Read(slot, 0, slot.result.out, "stdout");
      case Op::kReadErr:
        return Read(slot, SSH_EXTENDED_DATA_STDERR, slot.result.err, "stderr");
      default:
        return Step::kDone;
    }
  }

  const std::string& StdinOf(const Slot& slot) const {
    return slot.command.stdin_data.empty() ? options_.stdin_data : slot.command.stdin_data;
  }

  Step Write(Slot& slot) {
    if (slot.command.stdin_stream != nullptr) return StreamWrite(slot);
    const std::string& data = StdinOf(slot);
    if (slot.eof_sent || slot.written == data.size()) return Step::kDone;
    std::size_t chunk = std::min<std::size_t>(data.size() - slot.written, 32u << 10);
    ssize_t n = libssh2_channel_write(slot.channel, data.data() + slot.written, chunk);
    // 0: the server's window is full; its window adjust will wake the socket. Unless the
    // command has ended without reading it all: its exit status then says how it went.
    if (WouldWait(n) && CommandEnded(slot)) {
      slot.eof_sent = true;
      progress_ = true;
      return Step::kDone;
    }
    if (n == 0) return Step::kBlocked;
    if (n > 0) slot.written += static_cast<std::size_t>(n);
    return Check(slot, Op::kWrite, n > 0 ? 0 : static_cast<int>(n), "send stdin");
  }

  // Copies the stdin stream into the channel, one chunk in hand at a time. Reading waits a
  // little for the other side (the loop sleeps on this connection's socket only).
  Step StreamWrite(Slot& slot) {
    DokkuStream& source = *slot.command.stdin_stream;
    while (!slot.eof_sent && !slot.stream_failed) {
      if (slot.chunk_sent == slot.chunk_size) {
        if (source.eof()) return Step::kDone;
        if (!slot.chunk) slot.chunk = std::make_unique<char[]>(kStreamChunk);
        Result<std::size_t> n = source.Read(slot.chunk.get(), kStreamChunk,
                                            Clock::now() + std::chrono::milliseconds(20));
        progress_ = true;  // it waited already
        if (!n.ok()) {
          slot.stream_failed = n.status();
          return Step::kDone;
        }
        if (*n == 0) return source.eof() ? Step::kDone : Step::kBlocked;
        slot.chunk_size = *n;
        slot.chunk_sent = 0;
      }
      ssize_t n = libssh2_channel_write(slot.channel, slot.chunk.get() + slot.chunk_sent,
                                        slot.chunk_size - slot.chunk_sent);
      // 0: the window is full; its adjust wakes the socket. A command that ended without
      // reading its input never adjusts it (sshd stops reading for it): stop there, or this
      // would wait for the window for ever.
      if (WouldWait(n) && CommandEnded(slot) && EndedEarly(slot, LIBSSH2_ERROR_CHANNEL_CLOSED))
        return Step::kDone;
      if (n == 0) return Step::kBlocked;
      if (n < 0 && EndedEarly(slot, static_cast<int>(n))) return Step::kDone;
      if (n < 0) return Check(slot, Op::kWrite, static_cast<int>(n), "send stdin");
      slot.chunk_sent += static_cast<std::size_t>(n);
      slot.streamed += static_cast<std::uint64_t>(n);
      progress_ = true;
    }
    return Step::kDone;
  }

  // Whether the server has sent EOF for the command's output (and all of it has been read):
  // sshd does so once the command has exited, so it will read no more input.
  bool CommandEnded(Slot& slot) { return libssh2_channel_eof(slot.channel) == 1; }
  // A write that sent nothing for now: the window is full (0) or the socket would block.
  static bool WouldWait(ssize_t n) { return n == 0 || n == LIBSSH2_ERROR_EAGAIN; }

  // The command closed its side while its input was still streaming in (it failed, or ended
  // early): no more input nor EOF; its exit status and stderr say why.
  bool EndedEarly(Slot& slot, int rc) {
    if (rc != LIBSSH2_ERROR_CHANNEL_CLOSED && rc != LIBSSH2_ERROR_CHANNEL_EOF_SENT) return false;
    if (!slot.stream_failed)
      slot.stream_failed = Status(Code::kFailed, slot.command.name + " stopped reading its input");
    slot.eof_sent = true;
    progress_ = true;
    return true;
  }

  // Whether all of stdin went out. A stream is over once it hit its end, or failed: either
  // way the command gets EOF (libssh2 sends it before any close, so a cut-short input cannot
  // be kept from the command), and a failed stream fails the call.
  bool StdinComplete(Slot& slot) {
    DokkuStream* source = slot.command.stdin_stream;
    if (source == nullptr) return slot.written == StdinOf(slot).size();
    if (slot.stream_failed) return true;
    if (!source->eof() || slot.chunk_sent != slot.chunk_size) return false;
    Result<ExecResult> ended = source->Finish();
    if (!ended.ok()) {
      slot.stream_failed = ended.status();
    } else if (ended->exit_code != 0) {
      slot.stream_failed =
          Status(Code::kFailed, source->Describe() + ": exit " + std::to_string(ended->exit_code) +
                                    ": " + Trim(ended->err));
    }
    return true;
  }

  Result<ExecResult> StreamFailure(const Slot& slot) const {
    const std::string err = Trim(slot.result.err);
    return Status(Code::kFailed, "the stream into " + slot.command.name + " failed after " +
                                     std::to_string(slot.streamed) + " bytes (" +
                                     slot.stream_failed->message() + "); " + slot.command.name +
                                     " exited " + std::to_string(slot.result.exit_code) +
                                     (err.empty() ? "" : ": " + err));
  }

  Step SendEof(Slot& slot) {
    if (slot.eof_sent || !StdinComplete(slot)) return Step::kDone;
    const int rc = libssh2_channel_send_eof(slot.channel);
    if (slot.command.stdin_stream != nullptr && rc < 0 && EndedEarly(slot, rc)) return Step::kDone;
    Step step = Check(slot, Op::kEof, rc, "send EOF");
    if (step == Step::kDone) slot.eof_sent = true;
    return step;
  }

  Step Read(Slot& slot, int stream, std::string& into, const char* stream_name) {
    char buffer[32768];
    while (true) {
      ssize_t n = libssh2_channel_read_ex(slot.channel, stream, buffer, sizeof buffer);
      if (n == 0) return Step::kDone;  // nothing more: EOF on this stream
      if (n < 0)
        return Check(slot, stream == 0 ? Op::kReadOut : Op::kReadErr, static_cast<int>(n),
                     "read output");
      progress_ = true;
      into.append(buffer, static_cast<std::size_t>(n));
      if (into.size() > options_.max_output) {
        Fail(slot, Status(Code::kFailed, slot.command.name + ": " + stream_name +
                                             " went over the limit of " +
                                             std::to_string(options_.max_output) + " bytes"));
        must_drop_ = true;  // the channel is abandoned mid-stream
        return Step::kFailed;
      }
    }
  }

  void CollectExit(Slot& slot) { slot.result.exit_code = ChannelExitCode(session_, slot.channel); }

  SshConnection& conn_;
  LIBSSH2_SESSION* session_;
  const ExecOptions& options_;
  int max_channels_;
  ChannelFlow::Finished finished_;
  std::deque<Slot> slots_;
  std::deque<Slot*> done_;            // finished, not yet handed to finished_
  std::size_t unfinished_ = 0;        // slots not kDone
  std::size_t first_unfinished_ = 0;  // every slot before it is kDone and notified
  std::size_t next_queued_ = 0;       // every slot before it has left kQueued
  int active_ = 0;                    // slots with a channel under way
  Slot* pinned_ = nullptr;
  bool opening_ = false;
  bool progress_ = false;
  bool must_drop_ = false;
};

ChannelFlow::ChannelFlow(SshConnection& conn, const ExecOptions& options, int max_channels,
                         Finished finished)
    : multiplexer_(
          std::make_unique<Multiplexer>(conn, options, max_channels, std::move(finished))) {}

ChannelFlow::~ChannelFlow() = default;

void ChannelFlow::Add(std::size_t id, RemoteCommand command) {
  multiplexer_->Add(id, std::move(command));
}

void ChannelFlow::Run() {
  multiplexer_->Run();
  if (multiplexer_->must_drop()) multiplexer_->MarkConnectionBroken();
}

std::vector<ChannelOutcome> RunChannels(SshConnection& conn,
                                        const std::vector<RemoteCommand>& commands,
                                        const ExecOptions& options, int max_channels) {
  std::vector<ChannelOutcome> outcomes(commands.size());
  ChannelFlow flow(conn, options, max_channels,
                   [&](std::size_t id, const RemoteCommand&, ChannelOutcome outcome) {
                     outcomes[id] = std::move(outcome);
                   });
  for (std::size_t i = 0; i < commands.size(); ++i) flow.Add(i, commands[i]);
  flow.Run();
  return outcomes;
}

}  // namespace dflow
