#include "reconciler/controller/rollback_pins.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "reconciler/source/remote_refs.h"

namespace dflow {
namespace {

Status BadField(const std::string& field, const std::string& why) {
  return Status(Code::kInvalidArgument, "pin request: '" + field + "' " + why);
}

// The desired apps of the pinned service (one per node that runs it).
std::vector<const AppSpec*> AppsOfPin(const DesiredState& desired, const RollbackPinRecord& pin) {
  std::vector<const AppSpec*> apps;
  for (const NodeDesiredState& node : desired.nodes)
    for (const AppSpec& app : node.apps)
      if (app.application == pin.application && app.environment == pin.environment &&
          app.service == pin.service)
        apps.push_back(&app);
  return apps;
}

bool Concerns(const AppSpec& app, const RollbackPinRecord& pin) {
  return app.application == pin.application && app.environment == pin.environment &&
         app.service == pin.service;
}

// An image reference as `dflow rollback` reads it from a release: no spaces or control bytes,
// nothing a shell or Dokku would split (it is quoted anyway).
bool PlausibleImage(const std::string& image) {
  if (image.empty() || image.size() > 512) return false;
  return std::all_of(image.begin(), image.end(), [](unsigned char c) {
    return c > 0x20 && c < 0x7f && c != '\'' && c != '"' && c != '\\';
  });
}

}  // namespace

Result<RollbackPinRecord> ParsePinRequest(const std::string& body) {
  nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object())
    return Status(Code::kInvalidArgument, "pin request: the body must be a JSON object");
  RollbackPinRecord pin;
  const std::pair<const char*, std::string*> strings[] = {{"application", &pin.application},
                                                          {"environment", &pin.environment},
                                                          {"service", &pin.service},
                                                          {"key", &pin.key},
                                                          {"value", &pin.value}};
  for (const auto& [field, target] : strings) {
    auto it = json.find(field);
    if (it == json.end() || !it->is_string() || it->get<std::string>().empty())
      return BadField(field, "must be a non-empty string");
    *target = it->get<std::string>();
    if (target->size() > 1024) return BadField(field, "is too long");
  }
  if (pin.key != "ref" && pin.key != "image")
    return BadField("key", "must be \"ref\" or \"image\"");
  auto release = json.find("release");
  if (release == json.end() || !release->is_number_integer() || release->get<std::int64_t>() < 1)
    return BadField("release", "must be a release id (a positive integer)");
  pin.release_id = release->get<std::int64_t>();
  return pin;
}

Status CheckPin(const DesiredState& desired, const RollbackPinRecord& pin) {
  const auto apps = AppsOfPin(desired, pin);
  if (apps.empty())
    return Status(Code::kNotFound, pin.environment + " runs no service " + pin.application + "/" +
                                       pin.service + " in the desired state in force");
  const DeploySource& source = apps.front()->source;
  if (pin.key == "ref") {
    if (source.git_url.empty())
      return Status(Code::kInvalidArgument,
                    pin.application + "/" + pin.service + " deploys an image, not a git ref");
    if (!IsFullCommitSha(pin.value))
      return Status(Code::kInvalidArgument, "a ref pin must be a full commit sha");
  } else {
    if (source.image.empty())
      return Status(Code::kInvalidArgument,
                    pin.application + "/" + pin.service + " deploys from git, not an image");
    if (!PlausibleImage(pin.value))
      return Status(Code::kInvalidArgument, "an image pin must be an image reference");
  }
  return Status::Ok();
}

std::string PinNote(const RollbackPinRecord& pin) {
  const std::string value = pin.key == "ref" ? pin.value.substr(0, 12) : pin.value;
  return "pinned by rollback to release " + std::to_string(pin.release_id) + " (" + pin.key + " " +
         value + ") until a config-repo commit newer than " + pin.pinned_against.substr(0, 12);
}

std::optional<NodeDesiredState> PinnedNode(const NodeDesiredState& node,
                                           const std::vector<RollbackPinRecord>& pins,
                                           std::map<std::string, std::string>& notes) {
  std::optional<NodeDesiredState> pinned;
  for (const RollbackPinRecord& pin : pins) {
    for (std::size_t i = 0; i < node.apps.size(); ++i) {
      if (!Concerns(node.apps[i], pin)) continue;
      if (!pinned) pinned = node;
      DeploySource& source = pinned->apps[i].source;
      if (pin.key == "ref")
        source.git_ref = pin.value;
      else
        source.image = pin.value;
      notes[node.apps[i].name] = PinNote(pin);
    }
  }
  return pinned;
}

bool GitAgrees(const DesiredState& desired, const RollbackPinRecord& pin) {
  const auto apps = AppsOfPin(desired, pin);
  if (apps.empty()) return false;
  return std::all_of(apps.begin(), apps.end(), [&](const AppSpec* app) {
    return pin.key == "ref" ? app->source.git_ref == pin.value : app->source.image == pin.value;
  });
}

std::vector<std::string> NodesOfPin(const DesiredState& desired, const RollbackPinRecord& pin) {
  std::vector<std::string> nodes;
  for (const NodeDesiredState& node : desired.nodes)
    for (const AppSpec& app : node.apps)
      if (Concerns(app, pin)) nodes.push_back(node.node.name);
  return nodes;
}

RollbackPins::RollbackPins(StatusStore& store) : store_(store) {
  auto stored = store_.Pins();
  if (stored.ok())
    pins_ = std::move(stored).value();
  else
    spdlog::warn("rollback pins could not be read: {}", stored.status().message());
}

std::vector<RollbackPinRecord> RollbackPins::Current() const {
  std::lock_guard lock(mutex_);
  return pins_;
}

Status RollbackPins::Add(const RollbackPinRecord& pin) {
  std::lock_guard lock(mutex_);
  if (Status s = store_.PutPin(pin); !s.ok()) return s;  // a pin a restart would lose is refused
  std::erase_if(pins_, [&](const RollbackPinRecord& p) {
    return p.application == pin.application && p.environment == pin.environment &&
           p.service == pin.service;
  });
  pins_.push_back(pin);
  return Status::Ok();
}

void RollbackPins::ReleaseSuperseded(const std::string& revision, const DesiredState& desired) {
  std::lock_guard lock(mutex_);
  std::erase_if(pins_, [&](const RollbackPinRecord& pin) {
    if (pin.pinned_against == revision) return false;
    const Status removed = store_.RemovePin(pin.application, pin.environment, pin.service);
    if (!removed.ok()) spdlog::warn("rollback pin: {}", removed.message());
    spdlog::info("{}/{} in {}: the rollback pin to release {} is released by rev={} ({})",
                 pin.application, pin.service, pin.environment, pin.release_id,
                 revision.substr(0, 12),
                 GitAgrees(desired, pin) ? "Git agrees" : "Git now says otherwise, and wins");
    return true;
  });
}

}  // namespace dflow
