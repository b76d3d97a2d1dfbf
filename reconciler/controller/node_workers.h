// One thread per node of the desired state, each running the node's loop: started when the
// node appears, ended by the loop itself when the node leaves the desired state, woken
// together on a new revision or a webhook. Thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "reconciler/controller/wakeup.h"

namespace dflow {

// What a node's loop is given: its wake-up (triggers and shutdown) and where it says whether
// the node answered its last observe.
struct NodeWorkerContext {
  Wakeup& wakeup;
  std::atomic<bool>& reachable;
};

// A node's loop: returns when the node left the desired state or on shutdown.
using NodeLoopBody = std::function<void(const std::string& node, NodeWorkerContext context)>;

class NodeWorkers {
 public:
  explicit NodeWorkers(NodeLoopBody body) : body_(std::move(body)) {}
  ~NodeWorkers();  // Shutdown() and Join()

  // Starts a loop for each node in `nodes` that has none (or whose loop ended). Nothing after
  // Shutdown().
  void Ensure(const std::vector<std::string>& nodes);
  void TriggerAll(const WakeReason& reason);
  void Trigger(const std::string& node, const WakeReason& reason);  // nothing if it has no loop
  // Makes every loop's wait return false; no loop starts after it.
  void Shutdown();
  // Waits for every loop to end (call after Shutdown()).
  void Join();
  // Nodes with a running loop whose last observe worked.
  int CountReachable() const;

 private:
  struct Worker {
    std::thread thread;
    Wakeup wakeup;
    std::atomic<bool> reachable{false};
    std::atomic<bool> done{false};  // the loop ended (the node left the desired state)
  };

  NodeLoopBody body_;
  mutable std::mutex mutex_;
  bool shutdown_ = false;                                   // GUARDED_BY(mutex_)
  std::map<std::string, std::unique_ptr<Worker>> workers_;  // GUARDED_BY(mutex_)
};

}  // namespace dflow
