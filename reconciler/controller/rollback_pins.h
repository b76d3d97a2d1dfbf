// `dflow rollback --now` (docs/sources.md, "Rollback"): a service held at an earlier release's
// sha or image at once, ahead of Git. A pin is laid over the desired state in force when a
// node's pass plans, shows the app OutOfSync ("pinned by rollback"), and holds only while the
// config-repo commit it was made against is the newest: the next commit in force, whether it
// agrees (the rollback commit merged) or not, releases it and Git decides again.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "manifests-schema/base/status.h"
#include "manifests-schema/desired_state.h"
#include "reconciler/status/status_store.h"

namespace dflow {

// The JSON body of POST /api/v1/pins: application, environment, service, key ("ref" or
// "image"), value, release (id). kInvalidArgument with the field at fault.
Result<RollbackPinRecord> ParsePinRequest(const std::string& body);

// kNotFound when the environment runs no such service; kInvalidArgument when the key does not
// fit its source (a ref for an image service) or the value is not a full commit sha / image.
Status CheckPin(const DesiredState& desired, const RollbackPinRecord& pin);

// What the status says of a pinned app.
std::string PinNote(const RollbackPinRecord& pin);

// `node` with the pins that concern its apps applied (their source's ref or image replaced);
// nullopt when none does. `notes` gets each pinned app's PinNote.
std::optional<NodeDesiredState> PinnedNode(const NodeDesiredState& node,
                                           const std::vector<RollbackPinRecord>& pins,
                                           std::map<std::string, std::string>& notes);

// Whether the desired state now deploys exactly what the pin holds.
bool GitAgrees(const DesiredState& desired, const RollbackPinRecord& pin);

// The nodes running the pinned service.
std::vector<std::string> NodesOfPin(const DesiredState& desired, const RollbackPinRecord& pin);

// The pins in force, kept in the status store so that a restart keeps them. Thread-safe.
class RollbackPins {
 public:
  explicit RollbackPins(StatusStore& store);
  std::vector<RollbackPinRecord> Current() const;
  Status Add(const RollbackPinRecord& pin);
  // Releases every pin made against another commit than `revision` (now in force), with one
  // log line each saying whether Git agrees.
  void ReleaseSuperseded(const std::string& revision, const DesiredState& desired);

 private:
  StatusStore& store_;
  mutable std::mutex mutex_;
  std::vector<RollbackPinRecord> pins_;  // GUARDED_BY(mutex_)
};

}  // namespace dflow
