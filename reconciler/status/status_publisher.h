// Keeps the snapshot the HTTP side serves (status_snapshot.h) close behind the status store:
// writers say "changed" (cheap, any thread), and one background thread re-reads the store and
// publishes a new snapshot, at most once per `min_gap`, so a pass that records a hundred
// actions costs a few reads, not a hundred. Readers get the newest published snapshot.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "reconciler/status/status_snapshot.h"

namespace dflow {

class StatusPublisher {
 public:
  // `store` must outlive the publisher; `now` gives unix seconds.
  StatusPublisher(StatusStore& store, std::chrono::milliseconds min_gap,
                  std::function<std::int64_t()> now);
  ~StatusPublisher();  // stops the thread
  StatusPublisher(const StatusPublisher&) = delete;
  StatusPublisher& operator=(const StatusPublisher&) = delete;

  // Publishes a first snapshot before returning (so Current() is never null after it), then
  // starts the thread. The store's error when the first read fails (nothing is started).
  Status Start();

  // The store changed: a new snapshot follows within about `min_gap`.
  void MarkChanged();

  // The newest snapshot; null only before Start().
  std::shared_ptr<const StatusSnapshot> Current() const;

  // How many snapshots have been published (tests wait on it).
  std::uint64_t published() const;

 private:
  void Run();
  Status Refresh();

  StatusStore& store_;
  const std::chrono::milliseconds min_gap_;
  const std::function<std::int64_t()> now_;

  mutable std::mutex current_mutex_;               // held only to copy or swap the pointer
  std::shared_ptr<const StatusSnapshot> current_;  // GUARDED_BY(current_mutex_)
  std::uint64_t published_ = 0;                    // GUARDED_BY(current_mutex_)

  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool changed_ = false;   // GUARDED_BY(wake_mutex_)
  bool stopping_ = false;  // GUARDED_BY(wake_mutex_)
  std::thread thread_;
};

}  // namespace dflow
