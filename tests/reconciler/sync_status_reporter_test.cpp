#include "reconciler/sync_status_reporter.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/support/fake_forge.h"
#include "tests/support/process.h"

namespace dflow {
namespace {

const std::string kRev = "0123456789abcdef0123456789abcdef01234567";
const std::string kOld = "fedcba9876543210fedcba9876543210fedcba98";

AppStatusRecord App(const std::string& node, const std::string& app, const std::string& env,
                    const std::string& sync, const std::string& revision) {
  return {node, app, env, "shop", "web", sync, "Healthy", revision, "", 1, 1};
}

TEST_CASE("an environment's commit status: failure beats pending beats success") {
  const std::vector<AppStatusRecord> synced = {App("p1", "a", "production", "Synced", kRev),
                                               App("p2", "b", "production", "Synced", kRev),
                                               App("s1", "c", "staging", "Failed", kRev)};
  CHECK(EnvironmentStatusOn(synced, "production", kRev) ==
        EnvironmentCommitStatus{CommitState::kSuccess, "2 apps synced"});
  CHECK(EnvironmentStatusOn(synced, "staging", kRev) ==
        EnvironmentCommitStatus{CommitState::kFailure, "1 of 1 app failed: c"});

  // prod-2 has not had a pass on kRev yet.
  const std::vector<AppStatusRecord> behind = {App("p1", "a", "production", "Synced", kRev),
                                               App("p2", "b", "production", "Synced", kOld)};
  CHECK(EnvironmentStatusOn(behind, "production", kRev) ==
        EnvironmentCommitStatus{CommitState::kPending, "converging: 1 of 2 apps synced"});
  const std::vector<AppStatusRecord> applying = {App("p1", "a", "production", "Progressing", kRev),
                                                 App("p2", "b", "production", "Failed", kOld)};
  CHECK(EnvironmentStatusOn(applying, "production", kRev).state == CommitState::kFailure);
}

class ReporterFixture {
 public:
  ReporterFixture() : forge(ForgeKind::kGitHub), reporter(forge.Options(), "https://dflow/x") {
    auto store = StatusStore::Open((dir_.path() / "state.db").string());
    REQUIRE(store.ok());
    store_ = std::move(store).value();
  }
  void Put(const AppStatusRecord& record) { REQUIRE(store_->PutAppStatus(record).ok()); }
  void Pass(const std::string& revision, const std::set<std::string>& environments) {
    reporter.AfterPass(*store_, revision, environments);
  }
  // The statuses posted so far: "<context> <state> <description>".
  std::vector<std::string> Posted() {
    std::vector<std::string> posted;
    for (const auto& r : forge.Requests()) {
      CHECK(r.method == "POST");
      CHECK(r.target == "/repos/acme/shop/statuses/" + kRev);
      auto body = nlohmann::json::parse(r.body);
      CHECK(body["target_url"] == "https://dflow/x");
      posted.push_back(body.value("context", "") + " " + body.value("state", "") + " " +
                       body.value("description", ""));
    }
    return posted;
  }

  test::FakeForge forge;
  SyncStatusReporter reporter;

 private:
  test::ScopedTempDir dir_;
  std::unique_ptr<StatusStore> store_;
};

TEST_CASE("the reporter posts an environment's status only when it changes") {
  ReporterFixture f;
  f.Put(App("p1", "a", "production", "Progressing", kRev));
  f.Put(App("p2", "b", "production", "Synced", kOld));
  f.Pass(kRev, {"production"});
  f.Pass(kRev, {"production"});  // nothing changed: no request
  f.Put(App("p1", "a", "production", "Synced", kRev));
  f.Put(App("p2", "b", "production", "Synced", kRev));
  f.Pass(kRev, {"production"});
  f.Pass(kRev, {"production"});
  f.Pass(kRev, {"production"});
  CHECK(f.Posted() ==
        std::vector<std::string>{"dflow/sync/production pending converging: 0 of 2 apps synced",
                                 "dflow/sync/production success 2 apps synced"});
}

TEST_CASE("a failed post is retried after the next pass and never throws") {
  ReporterFixture f;
  f.Put(App("p1", "a", "production", "Synced", kRev));
  f.forge.FailWith(500, "down");
  f.Pass(kRev, {"production"});
  REQUIRE(f.forge.Requests().size() == 1);
  f.forge.Recover();
  f.Pass(kRev, {"production"});
  f.Pass(kRev, {"production"});
  auto requests = f.forge.Requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].body == requests[1].body);  // the same status, this time accepted
}

}  // namespace
}  // namespace dflow
