// RunNodePass on its own: a simulated node (the Dokku simulator through the local transport)
// and a real status store in a temp dir. Observe in; Dokku calls, history, app statuses,
// backoff and the loop decision out.
#include "reconciler/controller/node_pass.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "manifests-schema/base/base64.h"
#include "providers/dokku/build_context.h"
#include "providers/dokku/dokku_report.h"
#include "providers/transport/local_transport.h"
#include "reconciler/controller/loop_policy.h"
#include "tests/reconciler/plan/plan_fixture.h"
#include "tests/support/process.h"

namespace dflow {
namespace {

constexpr const char* kRevision = "1111111111111111111111111111111111111111";

// A node's Dokku simulator, its status store and the state one node loop keeps.
class NodePassRig {
 public:
  explicit NodePassRig(std::vector<std::string> extra_env = {},
                       std::string dokku = DFLOW_DOKKU_SIM_EXE) {
    LocalOptions options;
    options.dokku_path = std::move(dokku);
    options.extra_env = {"DOKKU_SIM_STATE=" + (dir_.path() / "node").string()};
    for (auto& entry : extra_env) options.extra_env.push_back(std::move(entry));
    transport_ = MakeLocalTransport(std::move(options));
    auto store = StatusStore::Open((dir_.path() / "state.db").string());
    REQUIRE(store.ok());
    store_ = std::move(store).value();
    DeclareControllerMetrics(metrics_);
    node_ = testing::DesiredNode({testing::Service("api")}, {});
  }

  // `adjust` changes the input before the pass (the other nodes' answers, ...).
  NodePassOutcome Pass(bool same_revision = false,
                       const std::function<void(NodePassInput&)>& adjust = {}) {
    std::filesystem::remove(dir_.path() / "node" / "invocations.log");
    NodePassInput input;
    input.node = &node_;
    input.revision = kRevision;
    input.trigger = "test";
    input.same_revision_as_last_pass = same_revision;
    input.plan_options = testing::Options();
    input.secrets = input.plan_options.secrets;
    input.should_stop = [] { return false; };
    input.now = [this] { return now_; };
    if (adjust) adjust(input);
    return RunNodePass(input, *transport_, *store_, metrics_, backoff_);
  }

  // The Dokku subcommands the last Pass() ran ("apps:create", ...); with `changed_only`, only
  // those that changed the node's state (the simulator's invocations.log says which).
  std::vector<std::string> Commands(bool changed_only = false) const {
    std::vector<std::string> commands;
    for (const std::string& line :
         SplitLines(test::ReadFile(dir_.path() / "node" / "invocations.log"))) {
      const auto entry = nlohmann::json::parse(line);
      if (changed_only && !entry.at("changed").get<bool>()) continue;
      for (const auto& word : entry.at("argv")) {  // the first word that is not a flag
        if (word.get<std::string>().starts_with("-")) continue;
        commands.push_back(word.get<std::string>());
        break;
      }
    }
    return commands;
  }

  AppStatusRecord App(const std::string& name) {
    auto statuses = store_->AppStatuses();
    REQUIRE(statuses.ok());
    for (const auto& record : *statuses)
      if (record.app == name) return record;
    FAIL("no status for " << name);
    return {};
  }

  ReconcileRecord NewestPass() {
    auto history = store_->History(1);
    REQUIRE(history.ok());
    REQUIRE_FALSE(history->empty());
    return history->front().first;
  }

  std::vector<ActionRecord> NewestActions() {
    auto history = store_->History(1);
    REQUIRE(history.ok());
    REQUIRE_FALSE(history->empty());
    return history->front().second;
  }

  void Fault(const std::string& rule) { test::WriteFile(dir_.path() / "node" / "faults", rule); }
  void ClearFaults() { std::filesystem::remove(dir_.path() / "node" / "faults"); }

  std::map<std::string, AppBackoff>& backoff() { return backoff_; }
  NodeDesiredState& Node() { return node_; }
  Metrics& metrics() { return metrics_; }
  void Advance(std::int64_t seconds) { now_ += seconds; }

 private:
  test::ScopedTempDir dir_;
  std::unique_ptr<Transport> transport_;
  std::unique_ptr<StatusStore> store_;
  Metrics metrics_;
  NodeDesiredState node_;
  std::map<std::string, AppBackoff> backoff_;
  std::int64_t now_ = 1'700'000'000;
};

bool Contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

TEST_CASE("a node pass creates what is missing, records every action, then finds it converged") {
  NodePassRig rig;
  NodePassOutcome first = rig.Pass();
  CHECK(first.status.ok());
  CHECK(first.reachable);
  CHECK(first.applied);
  CHECK_FALSE(first.failed);
  CHECK(NextStepFor(first.status.code()) == NextStep::kContinue);
  const auto commands = rig.Commands(/*changed_only=*/true);
  CHECK(Contains(commands, "apps:create"));
  CHECK(Contains(commands, "config:set"));
  CHECK(Contains(commands, "git:from-image"));

  ReconcileRecord pass = rig.NewestPass();
  CHECK(pass.result == "ok");
  CHECK(pass.revision == kRevision);
  CHECK(pass.node == "node-1");
  const auto actions = rig.NewestActions();
  REQUIRE_FALSE(actions.empty());
  CHECK(actions.front().action == "dokku apps:create shop-api");
  for (const auto& action : actions) CHECK(action.result == "ran");
  CHECK(rig.App("shop-api").sync == "Progressing");

  NodePassOutcome second = rig.Pass(/*same_revision=*/true);
  CHECK(second.status.ok());
  CHECK_FALSE(second.applied);
  CHECK_FALSE(second.failed);
  CHECK(rig.NewestPass().result == "converged");
  const AppStatusRecord app = rig.App("shop-api");
  CHECK(app.sync == "Synced");
  CHECK(app.revision == kRevision);
  CHECK(app.last_error.empty());
  // Observing only: the second pass read the node and changed nothing.
  CHECK_FALSE(rig.Commands().empty());
  CHECK(rig.Commands(/*changed_only=*/true).empty());
}

TEST_CASE("a failed action fails its app, names the command, and the app backs off") {
  NodePassRig rig;
  rig.Fault("git:from-image 1 !     simulated registry outage\n");
  NodePassOutcome first = rig.Pass();
  CHECK(first.reachable);
  CHECK(first.failed);
  CHECK(first.status.ok());  // the node answered: the failure is the app's, not the node's
  CHECK(NextStepFor(first.status.code()) == NextStep::kContinue);
  CHECK(rig.NewestPass().result == "failed");
  const AppStatusRecord failed = rig.App("shop-api");
  CHECK(failed.sync == "Failed");
  INFO(failed.last_error);
  CHECK(failed.last_error.find("git:from-image") != std::string::npos);
  REQUIRE(rig.backoff().contains("shop-api"));
  CHECK(rig.backoff().at("shop-api").failures == 1);
  CHECK(rig.backoff().at("shop-api").retry_at > 1'700'000'000);

  // Still backing off: the app's actions are held, nothing runs, the status says why.
  rig.ClearFaults();
  NodePassOutcome held = rig.Pass();
  CHECK_FALSE(held.applied);
  CHECK_FALSE(Contains(rig.Commands(), "git:from-image"));
  CHECK(rig.App("shop-api").last_error.starts_with("backing off after 1 failed attempt(s)"));

  // Once the backoff ran out the app converges and its backoff is forgotten.
  rig.Advance(rig.backoff().at("shop-api").retry_at - 1'700'000'000);
  NodePassOutcome retried = rig.Pass();
  CHECK(retried.applied);
  CHECK_FALSE(retried.failed);
  CHECK(Contains(rig.Commands(), "git:from-image"));
  CHECK_FALSE(rig.backoff().contains("shop-api"));
  CHECK(rig.App("shop-api").sync == "Progressing");
}

TEST_CASE("a context deploy whose record was lost is rebuilt from, then recorded and converged") {
  NodePassRig rig;
  AppSpec& api = rig.Node().apps.front();
  api.health.path = "/healthz";
  api.health.port = 5000;
  // The deploy succeeds; recording its digest does not (the connection dropped in between).
  const std::string record =
      "DFLOW_CONTEXT=" + Base64Encode(BuildContextDigest(api.source.image, api.health));
  rig.Fault("config:set@" + record + " 1 !     simulated: connection lost\n");
  NodePassOutcome first = rig.Pass();
  CHECK(first.failed);
  CHECK(Contains(rig.Commands(/*changed_only=*/true), "git:from-archive"));
  rig.ClearFaults();

  // Dokku refuses the unchanged context; dflow rebuilds from the commit Dokku holds.
  rig.Advance(rig.backoff().at("shop-api").retry_at - 1'700'000'000);
  NodePassOutcome second = rig.Pass();
  CHECK(second.applied);
  CHECK_FALSE(second.failed);
  const auto changed = rig.Commands(/*changed_only=*/true);
  CHECK(Contains(changed, "ps:rebuild"));
  CHECK(Contains(changed, "config:set"));
  CHECK_FALSE(Contains(changed, "git:from-archive"));  // refused: "No changes detected"

  NodePassOutcome third = rig.Pass(/*same_revision=*/true);
  CHECK_FALSE(third.applied);
  CHECK(rig.NewestPass().result == "converged");
}

TEST_CASE("an app whose state cannot be read is Unknown, and the node's other apps converge") {
  NodePassRig rig;
  rig.Node() = testing::DesiredNode({testing::Service("api"), testing::Service("web")}, {});
  REQUIRE(rig.Pass().applied);  // both apps exist now
  rig.Node().apps[0].config["ROLE"] = "x";
  rig.Node().apps[1].config["ROLE"] = "x";
  rig.Fault("ps:scale@shop-api 1  !     simulated scale report failure\n");
  NodePassOutcome outcome = rig.Pass();
  CHECK(outcome.reachable);
  CHECK(outcome.status.ok());  // the node answered: the failure is shop-api's alone
  CHECK(outcome.applied);
  const AppStatusRecord unread = rig.App("shop-api");
  CHECK(unread.sync == "Unknown");
  CHECK(unread.health == "Unknown");
  CHECK(unread.last_error ==
        "could not be read: dokku --quiet ps:scale --format json shop-api: exit 1:  !     "
        "simulated scale report failure");
  CHECK(rig.App("shop-web").sync == "Progressing");
  // shop-web got its change; nothing was run against shop-api.
  for (const ActionRecord& action : rig.NewestActions()) CHECK(action.app == "shop-web");
  CHECK_FALSE(rig.NewestActions().empty());

  rig.ClearFaults();
  rig.Pass();
  INFO(rig.App("shop-api").last_error);
  CHECK(rig.App("shop-api").sync == "Progressing");
}

TEST_CASE("a node-wide query that fails is an observe failure, not an unreachable node") {
  NodePassRig rig;
  rig.Fault("apps:list 1  !     simulated apps:list failure\n");
  NodePassOutcome outcome = rig.Pass();
  CHECK_FALSE(outcome.reachable);
  CHECK(outcome.status.code() == Code::kFailed);
  CHECK(rig.NewestPass().result == "observe-failed");
  CHECK(rig.App("shop-api").last_error.find("simulated apps:list failure") != std::string::npos);
}

TEST_CASE("a node that cannot be reached leaves its apps Unknown and asks for a retry") {
  NodePassRig rig({}, "/nonexistent/dokku");
  NodePassOutcome outcome = rig.Pass();
  CHECK_FALSE(outcome.reachable);
  CHECK(outcome.failed);
  CHECK(outcome.status.code() == Code::kUnavailable);
  CHECK(NextStepFor(outcome.status.code()) == NextStep::kRetry);
  CHECK(rig.NewestPass().result == "unreachable");
  const AppStatusRecord app = rig.App("shop-api");
  CHECK(app.sync == "Unknown");
  CHECK(app.health == "Unknown");
  CHECK(app.last_error == outcome.error);
}

TEST_CASE("a Dokku too old for dflow is waited for, and nothing is planned against it") {
  NodePassRig rig({"DOKKU_SIM_VERSION=0.38.21"});
  NodePassOutcome outcome = rig.Pass();
  CHECK_FALSE(outcome.reachable);
  CHECK(outcome.status.code() == Code::kNotReady);
  CHECK(NextStepFor(outcome.status.code()) == NextStep::kWait);
  CHECK(rig.NewestPass().result == "waiting");
  CHECK(rig.App("shop-api").sync == "Unknown");
  CHECK_FALSE(Contains(rig.Commands(), "apps:create"));
}

TEST_CASE("identical quiet passes fold into one history record") {
  NodePassRig rig({}, "/nonexistent/dokku");
  (void)rig.Pass();
  (void)rig.Pass();
  (void)rig.Pass();
  ReconcileRecord pass = rig.NewestPass();
  CHECK(pass.result == "unreachable");
  CHECK(pass.passes == 3);
}

TEST_CASE("a node pass refuses to create a datastore that another node holds, like the CLI") {
  NodePassRig rig;
  AppSpec api = testing::Service("api");
  api.datastores = {"shop-db"};
  rig.Node() = testing::DesiredNode({api}, {testing::ShopDb()});
  std::vector<std::string> asked;
  auto held_on_node_1 = [&](NodePassInput& input) {
    input.datastores_elsewhere = [&](const std::vector<DatastoreSpec>& wanted) {
      for (const DatastoreSpec& d : wanted) asked.push_back(d.name);
      ObservedNode other;
      other.node = "node-9";
      other.datastores.push_back({"shop-db", "postgres", {}, "", ""});
      return std::map<std::string, ObservedNode>{{"node-9", other}};
    };
  };
  const NodePassOutcome refused = rig.Pass(false, held_on_node_1);
  CHECK(asked == std::vector<std::string>{"shop-db"});
  CHECK(refused.reachable);
  CHECK(refused.failed);
  CHECK_FALSE(refused.applied);
  const std::string why = "postgres datastore shop-db is on node node-9 with its data";
  CHECK(refused.error.find(why) != std::string::npos);
  CHECK(rig.Commands(/*changed_only=*/true).empty());  // nothing changed on this node
  CHECK(rig.NewestPass().result == "refused");
  CHECK(rig.App(api.name).last_error.find(why) != std::string::npos);

  // Nowhere else: created and linked as usual; once it exists here, nobody is asked again.
  asked.clear();
  auto held_nowhere = [&](NodePassInput& input) {
    input.datastores_elsewhere = [&](const std::vector<DatastoreSpec>& wanted) {
      for (const DatastoreSpec& d : wanted) asked.push_back(d.name);
      return std::map<std::string, ObservedNode>{};
    };
  };
  const NodePassOutcome created = rig.Pass(false, held_nowhere);
  CHECK_FALSE(created.failed);
  CHECK(Contains(rig.Commands(true), "postgres:create"));
  CHECK(asked.size() == 1);
  CHECK_FALSE(rig.Pass(false, held_on_node_1).failed);
  CHECK(asked.size() == 1);
}

}  // namespace
}  // namespace dflow
