// Status and Result<T>: how every dflow module reports failure. No exception crosses a
// module boundary; adapters convert library errors into a Status with context.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace dflow {

// Codes drive the controller's loops (reconciler/controller/loop_policy.h has the table):
//   kUnavailable, kTimeout, kFailed, kInternal          retry, backing off from 2 s to the interval
//   kInvalidManifest, kPermissionDenied, kInvalidArgument, kNotFound
//                                                       stall: no timed retry for 10 intervals;
//                                                       a new revision, webhook or reload retries
//   kNotReady                                           wait: look again at the interval
// A commit that does not validate (kInvalidManifest) is never loaded again; the next one is.
enum class Code {
  kOk = 0,
  kInvalidArgument,   // a usage error: bad flag, bad option value
  kInvalidManifest,   // the config repo does not validate
  kNotFound,          // a file, revision, node or app that does not exist
  kPermissionDenied,  // auth refused, host key refused, app not owned by dflow
  kUnavailable,       // network down, node unreachable, connection dropped
  kTimeout,           // an operation ran past its bound
  kNotReady,          // a dependency is not there yet
  kFailed,            // a command ran and failed (Dokku exited non-zero, ...)
  kInternal,          // a bug or an unexpected library error
};

std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message reads "<context>: <message>".
  Status WithContext(std::string_view context) const;

  // "ok" or "<CodeName>: <message>".
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(data_).ok() && "a Result holding a Status must hold an error");
  }
  Result(Code code, std::string message) : Result(Status(code, std::move(message))) {}

  bool ok() const { return std::holds_alternative<T>(data_); }
  explicit operator bool() const { return ok(); }

  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(data_);
  }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace dflow
