// How the controller's loops are woken: by their interval, or at once by a trigger (a webhook,
// a new desired state, shutdown). Triggers that arrive while a pass runs are coalesced into one
// more pass, so a burst of pushes costs one reconcile of the newest commit.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

namespace dflow {

// Why a loop woke. Its kind decides what a node's pass does: a webhook's pass observes while
// the commit is fetched, a node skips the wake-up of a revision its pass has already used, a
// moved ref limits the pass to its apps. Its text is what logs, history and releases show.
struct WakeReason {
  enum class Kind { kStart, kInterval, kVerify, kWebhook, kRevision, kRefMoved, kOther };

  static WakeReason Start() { return {Kind::kStart, "start", ""}; }
  static WakeReason Interval() { return {Kind::kInterval, "interval", ""}; }
  static WakeReason Verify() { return {Kind::kVerify, "verify", ""}; }
  // A push webhook for the config repo; `commit` is the pushed sha (the fetch may bring newer).
  static WakeReason Webhook(const std::string& commit);
  // A new desired state, of commit `commit`.
  static WakeReason Revision(const std::string& commit);
  static WakeReason RefMoved() { return {Kind::kRefMoved, "source ref moved", ""}; }
  // Anything else that asks for a pass now (a reload, a rollback pin, the refs' errors).
  static WakeReason Other(std::string text) { return {Kind::kOther, std::move(text), ""}; }

  bool operator==(const WakeReason&) const = default;

  Kind kind = Kind::kOther;
  std::string text;
  std::string commit;  // kWebhook, kRevision: the full sha
};

class Wakeup {
 public:
  // Wakes the waiter now (or, if it is busy, makes its next Wait return at once). The last
  // reason wins, except that an interval does not replace a pending one.
  void Trigger(const WakeReason& reason);

  // Makes every current and future Wait return false at once.
  void Shutdown();

  // Waits until triggered or `timeout` passes. Returns false on shutdown. `reason` receives
  // the trigger's reason, or WakeReason::Interval() when the timeout passed.
  bool Wait(std::chrono::milliseconds timeout, WakeReason& reason);

  bool shutting_down() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool pending_ = false;   // GUARDED_BY(mutex_)
  bool shutdown_ = false;  // GUARDED_BY(mutex_)
  WakeReason reason_;      // GUARDED_BY(mutex_)
};

// Exponential backoff with a cap: 1st failure waits `base`, then doubles up to `cap`.
std::chrono::seconds BackoffDelay(int consecutive_failures, std::chrono::seconds base,
                                  std::chrono::seconds cap);

}  // namespace dflow
