#include "reconciler/status/status_store.h"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "reconciler/status/status_json.h"
#include "tests/support/process.h"

namespace dflow {
namespace {

TEST_CASE("status and history survive reopening the store") {
  test::ScopedTempDir dir;
  const std::string path = (dir.path() / "state.db").string();
  std::int64_t id = 0;
  {
    auto store = StatusStore::Open(path);
    REQUIRE(store.ok());
    auto begun = (*store)->BeginReconcile({0, "abc123", "webhook", 100, 0, "", "", "web-1", 1});
    REQUIRE(begun.ok());
    id = *begun;
    REQUIRE(
        (*store)->RecordAction({id, "prod-1", "web", "config:set FOO", "ok", 12, "", 101}).ok());
    REQUIRE((*store)
                ->RecordAction({id, "prod-1", "web", "ps:restart", "failed", 30, "boom", 102})
                .ok());
    REQUIRE((*store)->FinishReconcile(id, "failed", "1 action failed", 103).ok());
    REQUIRE((*store)
                ->PutAppStatus({"prod-1", "web", "production", "courses", "web", "Failed",
                                "Degraded", "abc123", "boom", 103, 90})
                .ok());
    REQUIRE((*store)
                ->PutSourceStatus({"abc123", "Ada", "change", "def456", "x.yaml:1:1: bad", 104})
                .ok());
  }
  auto store = StatusStore::Open(path);
  REQUIRE(store.ok());
  auto history = (*store)->History(10);
  REQUIRE(history.ok());
  REQUIRE(history->size() == 1);
  CHECK((*history)[0].first.id == id);
  CHECK((*history)[0].first.result == "failed");
  REQUIRE((*history)[0].second.size() == 2);
  CHECK((*history)[0].second[1].error == "boom");
  auto apps = (*store)->AppStatuses();
  REQUIRE(apps.ok());
  REQUIRE(apps->size() == 1);
  CHECK((*apps)[0].health == "Degraded");
  CHECK((*apps)[0].synced_at == 90);
  auto source = (*store)->SourceStatus();
  REQUIRE(source.ok());
  CHECK(source->attempted_revision == "def456");
  CHECK(source->error == "x.yaml:1:1: bad");
}

TEST_CASE("app status is replaced per node and app, and removable") {
  test::ScopedTempDir dir;
  auto store = StatusStore::Open((dir.path() / "s.db").string());
  REQUIRE(store.ok());
  AppStatusRecord record{"n1",      "a",  "staging", "app", "web", "OutOfSync",
                         "Healthy", "r1", "",        1,     0};
  REQUIRE((*store)->PutAppStatus(record).ok());
  record.sync = "Synced";
  REQUIRE((*store)->PutAppStatus(record).ok());
  REQUIRE(
      (*store)
          ->PutAppStatus({"n2", "a", "staging", "app", "web", "Synced", "Healthy", "r1", "", 1, 1})
          .ok());
  auto apps = (*store)->AppStatuses();
  REQUIRE(apps->size() == 2);
  CHECK((*apps)[0].sync == "Synced");
  REQUIRE((*store)->RemoveAppStatus("n1", "a").ok());
  CHECK((*store)->AppStatuses()->size() == 1);
}

TEST_CASE("edge status is replaced per edge, keeps its environments, and is removable") {
  test::ScopedTempDir dir;
  auto store = StatusStore::Open((dir.path() / "s.db").string());
  REQUIRE(store.ok());
  EdgeStatusRecord record{"edge-1",      {"production", "staging"},
                          "Synced",      "Progressing",
                          "Progressing", "written",
                          "abc",         "",
                          "r1",          5};
  REQUIRE((*store)->PutEdgeStatus(record).ok());
  record.health = "Degraded";
  record.detail = "Failed";
  record.problems = "router dflow-a: missing\nrouter dflow-b: missing";
  REQUIRE((*store)->PutEdgeStatus(record).ok());
  REQUIRE((*store)
              ->PutEdgeStatus({"edge-0", {}, "Unknown", "Unknown", "Unknown", "", "", "", "r1", 5})
              .ok());
  auto edges = (*store)->EdgeStatuses();
  REQUIRE(edges.ok());
  REQUIRE(edges->size() == 2);
  CHECK((*edges)[0].edge == "edge-0");
  CHECK((*edges)[0].environments.empty());
  CHECK((*edges)[1].environments == std::vector<std::string>{"production", "staging"});
  CHECK((*edges)[1].detail == "Failed");
  CHECK((*edges)[1].problems == "router dflow-a: missing\nrouter dflow-b: missing");

  const nlohmann::json status = nlohmann::json::parse(StatusJson(**store));
  REQUIRE(status["edges"].size() == 2);
  CHECK(status["edges"][1]["problems"] ==
        nlohmann::json::array({"router dflow-a: missing", "router dflow-b: missing"}));

  REQUIRE((*store)->RemoveEdgeStatus("edge-1").ok());
  CHECK((*store)->EdgeStatuses()->size() == 1);
}

TEST_CASE("an environment's roll-up includes the edge in front of it") {
  std::vector<AppStatusRecord> apps = {
      {"n1", "a", "production", "app", "web", "Synced", "Healthy", "r1", "", 1, 1},
      {"n2", "b", "staging", "app", "web", "Synced", "Healthy", "r1", "", 1, 1}};
  std::vector<EdgeStatusRecord> edges = {
      {"edge-1", {"production"}, "Synced", "Degraded", "Degraded", "down", "", "", "r1", 1}};
  const nlohmann::json status = nlohmann::json::parse(StatusJson(apps, std::nullopt, edges));
  REQUIRE(status["environments"].size() == 2);
  CHECK(status["environments"][0]["name"] == "production");
  CHECK(status["environments"][0]["health"] == "Degraded");
  CHECK(status["environments"][0]["edge"] == "edge-1");
  CHECK(status["environments"][0]["apps"] == 1);
  CHECK(status["environments"][1]["health"] == "Healthy");
  CHECK_FALSE(status["environments"][1].contains("edge"));
  CHECK(status["applications"][0]["health"] == "Healthy");  // per application: its apps only
}

TEST_CASE("releases are kept newest first, filtered, and get their build id once observed") {
  test::ScopedTempDir dir;
  auto store = StatusStore::Open((dir.path() / "s.db").string());
  REQUIRE(store.ok());
  auto release = [](const std::string& node, const std::string& app, const std::string& env,
                    const std::string& result) {
    ReleaseRecord r;
    r.node = node;
    r.app = app;
    r.environment = env;
    r.application = "shop";
    r.service = "web";
    r.source = "git https://git.example.com/shop.git#" + std::string(40, 'a');
    r.result = result;
    return r;
  };
  REQUIRE((*store)->RecordRelease(release("n1", "shop-web-staging", "staging", "ok")).ok());
  REQUIRE((*store)->RecordRelease(release("n1", "shop-web-prod", "production", "ok")).ok());
  REQUIRE((*store)->RecordRelease(release("n1", "shop-web-staging", "staging", "failed")).ok());
  REQUIRE((*store)->RecordRelease(release("n2", "shop-web-prod", "production", "ok")).ok());

  auto staging = (*store)->Releases("shop", "staging", 10);
  REQUIRE(staging.ok());
  REQUIRE(staging->size() == 2);
  CHECK((*staging)[0].result == "failed");  // newest first
  CHECK((*staging)[0].id > (*staging)[1].id);
  CHECK((*store)->Releases("shop-web-prod", "", 10)->size() == 2);
  CHECK((*store)->Releases("", "", 3)->size() == 3);

  // n1's staging app's newest release failed: no build to wait for; its production one did.
  CHECK((*store)->AppsAwaitingBuildId("n1").value() == std::vector<std::string>{"shop-web-prod"});
  REQUIRE((*store)->SetReleaseBuildId("n1", "shop-web-prod", "01j8c4xv7bk5w3").ok());
  CHECK((*store)->AppsAwaitingBuildId("n1")->empty());
  REQUIRE((*store)->SetReleaseBuildId("n1", "shop-web-prod", "other").ok());  // set once
  auto prod = (*store)->Releases("shop-web-prod", "production", 10);
  CHECK((*prod)[1].build_id == "01j8c4xv7bk5w3");
  CHECK((*prod)[0].build_id == "");  // n2's

  REQUIRE((*store)->Prune(2).ok());  // retention keeps the newest `keep`
  auto kept = (*store)->Releases("", "", 10);
  REQUIRE(kept->size() == 2);
  CHECK((*kept)[0].node == "n2");
}

TEST_CASE("retention keeps the newest reconciles and drops their actions with them") {
  test::ScopedTempDir dir;
  auto store = StatusStore::Open((dir.path() / "s.db").string());
  REQUIRE(store.ok());
  for (int i = 0; i < 5; ++i) {
    auto id = (*store)->BeginReconcile(
        {0, "r" + std::to_string(i), "interval", i, 0, "", "", "web-1", 1});
    REQUIRE(id.ok());
    REQUIRE((*store)->RecordAction({*id, "n", "a", "x", "ok", 1, "", i}).ok());
  }
  REQUIRE((*store)->Prune(2).ok());
  auto history = (*store)->History(10);
  REQUIRE(history->size() == 2);
  CHECK((*history)[0].first.revision == "r4");
  CHECK((*history)[1].first.revision == "r3");
  CHECK((*history)[1].second.size() == 1);
}

TEST_CASE("create intents and interrupted reconciles survive a restart") {
  test::ScopedTempDir dir;
  const std::string path = (dir.path() / "s.db").string();
  {
    auto store = StatusStore::Open(path);
    REQUIRE(store.ok());
    REQUIRE((*store)->PutIntent({"n1", "web", "production/a/web"}).ok());
    REQUIRE((*store)->PutIntent({"n2", "api", "production/a/api"}).ok());
    REQUIRE((*store)->BeginReconcile({0, "r1", "interval", 10, 0, "", "", "web-1", 1}).ok());
  }  // the controller "dies" here
  auto store = StatusStore::Open(path);
  REQUIRE(store.ok());
  auto intents = (*store)->Intents("n1");
  REQUIRE(intents.ok());
  REQUIRE(intents->size() == 1);
  CHECK((*intents)[0].marker == "production/a/web");
  REQUIRE((*store)->RemoveIntent("n1", "web").ok());
  CHECK((*store)->Intents("n1")->empty());
  CHECK((*store)->Intents("n2")->size() == 1);
  REQUIRE((*store)->MarkInterrupted(20).ok());
  auto history = (*store)->History(1);
  REQUIRE(history->size() == 1);
  CHECK((*history)[0].first.result == "interrupted");
  CHECK((*history)[0].first.finished_at == 20);
}

TEST_CASE("an unwritable path is a clear error") {
  auto store = StatusStore::Open("/nonexistent-dir/state.db");
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == Code::kUnavailable);
  CHECK(store.status().message().starts_with("open status store /nonexistent-dir/state.db: "));
}

ReconcileRecord Quiet(const std::string& node, const std::string& revision,
                      const std::string& result, std::int64_t at) {
  return {0,    revision, "interval", at, at, result, result == "unreachable" ? "refused" : "",
          node, 1};
}

TEST_CASE("every pass is in the history, a run of identical quiet passes is one record") {
  test::ScopedTempDir dir;
  auto store = StatusStore::Open((dir.path() / "s.db").string());
  REQUIRE(store.ok());
  for (std::int64_t at = 1; at <= 5; ++at)
    REQUIRE((*store)->RecordQuietPass(Quiet("web-1", "r1", "converged", at)).ok());
  REQUIRE((*store)->RecordQuietPass(Quiet("web-2", "r1", "converged", 6)).ok());
  REQUIRE((*store)->RecordQuietPass(Quiet("web-1", "r1", "converged", 7)).ok());  // still folds
  auto changed = (*store)->BeginReconcile({0, "r1", "interval", 8, 0, "", "", "web-1", 1});
  REQUIRE(changed.ok());
  REQUIRE((*store)->FinishReconcile(*changed, "ok", "1 action ran", 9).ok());
  REQUIRE((*store)->RecordQuietPass(Quiet("web-1", "r1", "converged", 10)).ok());  // new run
  REQUIRE((*store)->RecordQuietPass(Quiet("web-1", "r2", "converged", 11)).ok());  // new rev
  REQUIRE((*store)->RecordQuietPass(Quiet("web-1", "r2", "unreachable", 12)).ok());

  auto history = (*store)->History(20);
  REQUIRE(history.ok());
  REQUIRE(history->size() == 6);
  const auto& oldest = (*history)[5].first;
  CHECK(oldest.node == "web-1");
  CHECK(oldest.result == "converged");
  CHECK(oldest.passes == 6);
  CHECK(oldest.started_at == 1);
  CHECK(oldest.finished_at == 7);
  CHECK((*history)[4].first.node == "web-2");
  CHECK((*history)[3].first.result == "ok");
  CHECK((*history)[3].first.node == "web-1");
  CHECK((*history)[2].first.passes == 1);
  CHECK((*history)[1].first.revision == "r2");
  CHECK((*history)[0].first.result == "unreachable");
  CHECK((*history)[0].first.message == "refused");

  auto changes = (*store)->History(20, /*changes_only=*/true);
  REQUIRE(changes.ok());
  REQUIRE(changes->size() == 1);
  CHECK(changes->front().first.result == "ok");
}

TEST_CASE("a store written before node and passes existed is upgraded in place") {
  test::ScopedTempDir dir;
  const std::string path = (dir.path() / "old.db").string();
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db,
                       "CREATE TABLE reconciles(id INTEGER PRIMARY KEY AUTOINCREMENT, revision "
                       "TEXT NOT NULL, trigger TEXT NOT NULL, started_at INTEGER NOT NULL, "
                       "finished_at INTEGER NOT NULL DEFAULT 0, result TEXT NOT NULL DEFAULT '', "
                       "message TEXT NOT NULL DEFAULT '');"
                       "INSERT INTO reconciles(revision, trigger, started_at, finished_at, "
                       "result) VALUES('old', 'interval', 1, 2, 'ok');",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);

  auto store = StatusStore::Open(path);
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  REQUIRE((*store)->RecordQuietPass(Quiet("web-1", "new", "converged", 3)).ok());
  auto history = (*store)->History(10);
  REQUIRE(history.ok());
  REQUIRE(history->size() == 2);
  CHECK((*history)[1].first.revision == "old");
  CHECK((*history)[1].first.node.empty());
  CHECK((*history)[1].first.passes == 1);
  CHECK((*history)[0].first.node == "web-1");
  REQUIRE(StatusStore::Open(path).ok());  // opening again adds nothing twice
}

TEST_CASE("every error and message is stored cut to 4 KiB") {
  test::ScopedTempDir dir;
  auto store = StatusStore::Open((dir.path() / "state.db").string());
  REQUIRE(store.ok());
  // One commit of 100,000 broken documents once stored a 31 MB error, served as it was.
  const std::string huge(31'000'000, 'e');
  auto begun = (*store)->BeginReconcile({0, "abc", "interval", 1, 0, "", "", "n1", 1});
  REQUIRE(begun.ok());
  REQUIRE((*store)->RecordAction({*begun, "n1", "web", "ps:restart", "failed", 1, huge, 2}).ok());
  REQUIRE((*store)->FinishReconcile(*begun, "failed", huge, 3).ok());
  REQUIRE(
      (*store)->RecordQuietPass({0, "abc", "interval", 4, 5, "unreachable", huge, "n2", 1}).ok());
  REQUIRE(
      (*store)->RecordQuietPass({0, "abc", "interval", 6, 7, "unreachable", huge, "n2", 1}).ok());
  REQUIRE((*store)
              ->PutAppStatus({"n1", "web", "production", "courses", "web", "Failed", "Degraded",
                              "abc", huge, 3, 0})
              .ok());
  REQUIRE((*store)->PutSourceStatus({"abc", "Ada", "change", "def", huge, 4}).ok());

  auto history = (*store)->History(10);
  REQUIRE(history.ok());
  REQUIRE(history->size() == 2);
  CHECK((*history)[0].first.message.size() <= 4096);
  CHECK((*history)[0].first.passes == 2);  // the bounded message still folds equal passes
  CHECK((*history)[1].first.message.size() <= 4096);
  REQUIRE((*history)[1].second.size() == 1);
  CHECK((*history)[1].second[0].error.size() <= 4096);
  CHECK((*history)[1].second[0].error.ends_with(" more bytes not shown)"));
  auto apps = (*store)->AppStatuses();
  REQUIRE(apps.ok());
  CHECK((*apps)[0].last_error.size() <= 4096);
  auto source = (*store)->SourceStatus();
  REQUIRE(source.ok());
  CHECK(source->error.size() <= 4096);
}

}  // namespace
}  // namespace dflow
