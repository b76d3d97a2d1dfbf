#include "reconciler/status/app_status.h"

#include <doctest/doctest.h>

namespace dflow {
namespace {

ObservedApp RunningApp(int containers) {
  ObservedApp app;
  app.name = "web";
  app.deployed = true;
  app.running = "true";
  app.process_count = containers;
  for (int i = 1; i <= containers; ++i)
    app.process_status["web." + std::to_string(i)] = "running (CID: 0123456789a)";
  return app;
}

TEST_CASE("state names round-trip and unknown names are Unknown") {
  for (auto s : {SyncState::kSynced, SyncState::kProgressing, SyncState::kUnknown,
                 SyncState::kOutOfSync, SyncState::kFailed})
    CHECK(ParseSyncState(SyncStateName(s)) == s);
  for (auto h : {HealthState::kHealthy, HealthState::kProgressing, HealthState::kUnknown,
                 HealthState::kMissing, HealthState::kDegraded})
    CHECK(ParseHealthState(HealthStateName(h)) == h);
  CHECK(ParseSyncState("synced") == SyncState::kUnknown);
  CHECK(SyncStateName(SyncState::kOutOfSync) == "OutOfSync");
}

TEST_CASE("roll-ups take the worst part") {
  CHECK(WorstSync({SyncState::kSynced, SyncState::kOutOfSync, SyncState::kProgressing}) ==
        SyncState::kOutOfSync);
  CHECK(WorstSync({SyncState::kSynced, SyncState::kFailed}) == SyncState::kFailed);
  CHECK(WorstSync({SyncState::kSynced, SyncState::kSynced}) == SyncState::kSynced);
  CHECK(WorstSync({}) == SyncState::kUnknown);
  CHECK(WorstHealth({HealthState::kHealthy, HealthState::kMissing}) == HealthState::kMissing);
  CHECK(WorstHealth({HealthState::kDegraded, HealthState::kMissing}) == HealthState::kDegraded);
  CHECK(WorstHealth({}) == HealthState::kUnknown);
}

TEST_CASE("health follows what Dokku reports about processes and builds") {
  AppSpec desired;
  desired.processes = {{"web", 2}};
  CHECK(HealthOf(desired, nullptr) == HealthState::kMissing);

  ObservedApp app = RunningApp(2);
  CHECK(HealthOf(desired, &app) == HealthState::kHealthy);

  ObservedApp short_one = RunningApp(1);
  CHECK(HealthOf(desired, &short_one) == HealthState::kDegraded);

  ObservedApp mixed = RunningApp(2);
  mixed.running = "mixed";
  mixed.process_status["web.2"] = "exited";
  CHECK(HealthOf(desired, &mixed) == HealthState::kDegraded);

  ObservedApp never = RunningApp(0);
  never.deployed = false;
  never.running = "false";
  CHECK(HealthOf(desired, &never) == HealthState::kMissing);

  ObservedApp building = RunningApp(2);
  building.last_build_status = "running";
  CHECK(HealthOf(desired, &building) == HealthState::kProgressing);

  ObservedApp failed = RunningApp(2);
  failed.last_build_status = "failed";
  CHECK(HealthOf(desired, &failed) == HealthState::kDegraded);

  ObservedApp unknown = RunningApp(2);
  unknown.process_count = -1;
  CHECK(HealthOf(desired, &unknown) == HealthState::kUnknown);

  AppSpec default_scale;  // no processes listed: Dokku runs one web
  ObservedApp one = RunningApp(1);
  CHECK(HealthOf(default_scale, &one) == HealthState::kHealthy);
}

}  // namespace
}  // namespace dflow
