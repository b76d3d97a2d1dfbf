#include "reconciler/controller/node_workers.h"

namespace dflow {

NodeWorkers::~NodeWorkers() {
  Shutdown();
  Join();
}

void NodeWorkers::Ensure(const std::vector<std::string>& nodes) {
  std::lock_guard lock(mutex_);
  if (shutdown_) return;
  for (const std::string& name : nodes) {
    auto existing = workers_.find(name);
    if (existing != workers_.end()) {
      if (!existing->second->done) continue;
      existing->second->thread.join();  // the node came back after it was removed
      workers_.erase(existing);
    }
    auto worker = std::make_unique<Worker>();
    Worker* raw = worker.get();
    raw->thread = std::thread([this, raw, name] {
      body_(name, NodeWorkerContext{raw->wakeup, raw->reachable});
      raw->reachable = false;
      raw->done = true;
    });
    workers_[name] = std::move(worker);
  }
}

void NodeWorkers::TriggerAll(const WakeReason& reason) {
  std::lock_guard lock(mutex_);
  for (auto& [name, worker] : workers_) worker->wakeup.Trigger(reason);
}

void NodeWorkers::Trigger(const std::string& node, const WakeReason& reason) {
  std::lock_guard lock(mutex_);
  if (auto it = workers_.find(node); it != workers_.end()) it->second->wakeup.Trigger(reason);
}

void NodeWorkers::Shutdown() {
  std::lock_guard lock(mutex_);
  shutdown_ = true;
  for (auto& [name, worker] : workers_) worker->wakeup.Shutdown();
}

void NodeWorkers::Join() {
  std::map<std::string, std::unique_ptr<Worker>> workers;
  {
    std::lock_guard lock(mutex_);
    workers.swap(workers_);
  }
  for (auto& [name, worker] : workers)
    if (worker->thread.joinable()) worker->thread.join();
}

int NodeWorkers::CountReachable() const {
  std::lock_guard lock(mutex_);
  int count = 0;
  for (const auto& [name, worker] : workers_) count += worker->reachable ? 1 : 0;
  return count;
}

}  // namespace dflow
