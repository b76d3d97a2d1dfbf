#include "reconciler/status/sync_status_reporter.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <thread>
#include <tuple>

#include "tests/support/fake_forge.h"
#include "tests/support/process.h"
#include "tests/support/wait.h"

namespace dflow {
namespace {

const std::string kRev = "0123456789abcdef0123456789abcdef01234567";
const std::string kOld = "fedcba9876543210fedcba9876543210fedcba98";

AppStatusRecord App(const std::string& node, const std::string& app, const std::string& env,
                    const std::string& sync, const std::string& revision) {
  return {node, app, env, "shop", "web", sync, "Healthy", revision, "", 1, 1};
}

TEST_CASE("an environment's commit status: failure beats pending beats success") {
  const std::set<std::string> production = {"p1/a", "p2/b"};
  const std::vector<AppStatusRecord> synced = {App("p1", "a", "production", "Synced", kRev),
                                               App("p2", "b", "production", "Synced", kRev),
                                               App("s1", "c", "staging", "Failed", kRev)};
  CHECK(EnvironmentStatusOn(synced, production, kRev) ==
        EnvironmentCommitStatus{CommitState::kSuccess, "2 apps synced"});
  CHECK(EnvironmentStatusOn(synced, {"s1/c"}, kRev) ==
        EnvironmentCommitStatus{CommitState::kFailure, "1 of 1 app failed: c"});

  // p2 has not had a pass on kRev yet, or none at all.
  const std::vector<AppStatusRecord> behind = {App("p1", "a", "production", "Synced", kRev),
                                               App("p2", "b", "production", "Synced", kOld)};
  CHECK(EnvironmentStatusOn(behind, production, kRev) ==
        EnvironmentCommitStatus{CommitState::kPending, "converging: 1 of 2 apps synced"});
  CHECK(EnvironmentStatusOn({synced[0]}, production, kRev) ==
        EnvironmentCommitStatus{CommitState::kPending, "converging: 1 of 2 apps synced"});
  const std::vector<AppStatusRecord> applying = {App("p1", "a", "production", "Progressing", kRev),
                                                 App("p2", "b", "production", "Failed", kOld)};
  CHECK(EnvironmentStatusOn(applying, production, kRev).state == CommitState::kFailure);
  // An app no longer desired (its record not yet removed) does not count.
  CHECK(EnvironmentStatusOn(synced, {"p1/a"}, kRev).state == CommitState::kSuccess);
}

// Nodes p1 and p2 run app a and b of production; s1 runs c of staging.
DesiredState Desired() {
  DesiredState desired;
  for (auto [node, app, env] :
       {std::tuple{"p1", "a", "production"}, std::tuple{"p2", "b", "production"},
        std::tuple{"s1", "c", "staging"}}) {
    NodeDesiredState n;
    n.node.name = node;
    AppSpec spec;
    spec.name = app;
    spec.environment = env;
    n.apps.push_back(spec);
    desired.nodes.push_back(n);
  }
  return desired;
}

class ReporterFixture {
 public:
  ReporterFixture()
      : forge(ForgeKind::kGitHub), reporter(SyncStatusTarget{forge.Options(), "https://dflow/x"}) {
    auto store = StatusStore::Open((dir_.path() / "state.db").string());
    REQUIRE(store.ok());
    store_ = std::move(store).value();
  }
  void Put(const AppStatusRecord& record) { REQUIRE(store_->PutAppStatus(record).ok()); }
  void Pass(const std::string& node) {
    reporter.AfterPass(*store_, Desired(), node, kRev);
    reporter.WaitIdle();
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
  test::ScopedTempDir dir_;
  std::unique_ptr<StatusStore> store_;
};

TEST_CASE("the reporter posts an environment's status only when its state changes") {
  ReporterFixture f;
  f.Put(App("p1", "a", "production", "Progressing", kRev));
  f.Pass("p1");
  f.Pass("p1");  // nothing changed: no request
  f.Put(App("p1", "a", "production", "Synced", kRev));
  f.Pass("p1");  // 1 of 2 synced (p2 had no pass yet): still pending, no request
  f.Put(App("p2", "b", "production", "Synced", kRev));
  f.Pass("p2");
  f.Pass("p1");
  f.Pass("p2");
  CHECK(f.Posted() ==
        std::vector<std::string>{"dflow/sync/production pending converging: 0 of 2 apps synced",
                                 "dflow/sync/production success 2 apps synced"});
}

TEST_CASE("a pass reports only the environments of its node") {
  ReporterFixture f;
  f.Put(App("s1", "c", "staging", "Failed", kRev));
  f.Pass("p1");
  CHECK(f.Posted() ==
        std::vector<std::string>{"dflow/sync/production pending converging: 0 of 2 apps synced"});
  f.Pass("s1");
  CHECK(f.Posted().back() == "dflow/sync/staging failure 1 of 1 app failed: c");
}

TEST_CASE("a failed post is retried after the next pass and never throws") {
  ReporterFixture f;
  f.Put(App("s1", "c", "staging", "Synced", kRev));
  f.forge.FailWith(500, "down");
  f.Pass("s1");
  REQUIRE(f.forge.Requests().size() == 1);
  f.forge.Recover();
  f.Pass("s1");
  f.Pass("s1");
  auto requests = f.forge.Requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].body == requests[1].body);  // the same status, this time accepted
}

TEST_CASE("a forge that does not answer never holds up the pass that reports to it") {
  ReporterFixture f;
  f.Put(App("s1", "c", "staging", "Synced", kRev));
  f.forge.Hold();
  // Long enough that, were AfterPass to wait for the forge, it would return only after the
  // fake forge gave up holding (and had answered).
  ForgeOptions patient = f.forge.Options();
  patient.timeout = std::chrono::minutes(5);
  SyncStatusReporter reporter(SyncStatusTarget{patient, "https://dflow/x"});
  reporter.AfterPass(*f.store_, Desired(), "s1", kRev);
  CHECK(f.forge.Answered() == 0);
  f.forge.Release();
  reporter.WaitIdle();
  CHECK(f.forge.Answered() == 1);
  CHECK(f.Posted() == std::vector<std::string>{"dflow/sync/staging success 1 app synced"});
}

TEST_CASE("a newer status replaces one still queued for the same environment") {
  ReporterFixture f;
  f.Put(App("p1", "a", "production", "Progressing", kRev));
  f.Put(App("s1", "c", "staging", "Progressing", kRev));
  f.forge.Hold();
  f.reporter.AfterPass(*f.store_, Desired(), "s1", kRev);  // staging pending: in flight, held
  REQUIRE(test::WaitUntil([&] { return !f.forge.Requests().empty(); }, std::chrono::seconds(10)));
  REQUIRE(f.forge.Requests().size() == 1);
  f.reporter.AfterPass(*f.store_, Desired(), "p1", kRev);  // production pending: queued
  f.Put(App("p1", "a", "production", "Failed", kRev));
  f.reporter.AfterPass(*f.store_, Desired(), "p1", kRev);  // production failure replaces it
  f.forge.Release();
  f.reporter.WaitIdle();
  auto posted = f.Posted();
  REQUIRE(posted.size() == 2);
  CHECK(posted[0] == "dflow/sync/staging pending converging: 0 of 1 app synced");
  CHECK(posted[1] == "dflow/sync/production failure 1 of 2 apps failed: a");
}

TEST_CASE("a new target gets every environment's status again, the same target changes nothing") {
  ReporterFixture f;
  f.Put(App("s1", "c", "staging", "Synced", kRev));
  f.Pass("s1");
  REQUIRE(f.Posted().size() == 1);

  f.reporter.SetTarget(SyncStatusTarget{f.forge.Options(), "https://dflow/x"});  // a reload
  f.Pass("s1");
  CHECK(f.Posted().size() == 1);

  test::FakeForge other(ForgeKind::kGitea);
  f.reporter.SetTarget(SyncStatusTarget{other.Options(), ""});
  f.Pass("s1");
  CHECK(f.Posted().size() == 1);  // nothing more to the old forge
  auto requests = other.Requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].target == "/api/v1/repos/acme/shop/statuses/" + kRev);
  CHECK(nlohmann::json::parse(requests[0].body)["context"] == "dflow/sync/staging");

  f.reporter.SetTarget(std::nullopt);  // forge removed from the config
  f.Put(App("s1", "c", "staging", "Failed", kRev));
  f.Pass("s1");
  CHECK(f.Posted().size() == 1);
  CHECK(other.Requests().size() == 1);
}

TEST_CASE("a reporter without a target posts nothing") {
  test::FakeForge forge(ForgeKind::kGitHub);
  test::ScopedTempDir dir;
  auto store = StatusStore::Open((dir.path() / "state.db").string());
  REQUIRE(store.ok());
  REQUIRE((*store)->PutAppStatus(App("s1", "c", "staging", "Synced", kRev)).ok());
  SyncStatusReporter reporter;
  reporter.AfterPass(**store, Desired(), "s1", kRev);
  reporter.WaitIdle();
  reporter.SetTarget(SyncStatusTarget{forge.Options(), ""});  // a reload adds a forge
  reporter.AfterPass(**store, Desired(), "s1", kRev);
  reporter.WaitIdle();
  CHECK(forge.Requests().size() == 1);
}

}  // namespace
}  // namespace dflow
