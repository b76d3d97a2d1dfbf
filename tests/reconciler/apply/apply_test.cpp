#include "reconciler/apply/apply.h"

#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "manifests-schema/base/digest.h"
#include "tests/reconciler/plan/plan_fixture.h"

namespace dflow {
namespace {

using Words = std::vector<std::string>;

std::string JoinWords(const Words& words) {
  std::string line;
  for (const auto& word : words) line += (line.empty() ? "" : " ") + word;
  return line;
}

// Records every argv; answers from a script keyed by the joined argv (default: exit 0).
class FakeTransport : public Transport {
 public:
  Result<ExecResult> RunDokku(const Words& argv, const ExecOptions& options) override {
    std::function<void()> hook;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      calls_.push_back(JoinWords(argv));
      timeouts_.push_back(options.timeout);
      hook = before_run_;
    }
    if (hook) hook();
    std::lock_guard<std::mutex> lock(mutex_);
    auto failure = failures_.find(JoinWords(argv));
    if (failure != failures_.end()) return failure->second;
    auto it = script_.find(JoinWords(argv));
    return it == script_.end() ? ExecResult{0, "", ""} : it->second;
  }
  std::string Describe() const override { return "fake"; }
  TransportStats Stats() const override { return {}; }

  void Script(const std::string& argv, ExecResult result) { script_[argv] = std::move(result); }
  void Fail(const std::string& argv, Status status) { failures_.emplace(argv, std::move(status)); }
  void BeforeRun(std::function<void()> hook) { before_run_ = std::move(hook); }
  std::vector<std::chrono::milliseconds> Timeouts() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return timeouts_;
  }
  Words Calls() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_;
  }
  // This fake has no channels: the default RunDokkuFlow runs what is ready in rounds of
  // RunDokkuMany, one round per timeout. The batches show what was ready together.
  std::vector<Result<ExecResult>> RunDokkuMany(const std::vector<Words>& argvs,
                                               const ExecOptions& options) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      Words batch;
      for (const auto& argv : argvs) batch.push_back(JoinWords(argv));
      batches_.push_back(batch);
    }
    return Transport::RunDokkuMany(argvs, options);
  }
  std::vector<Words> Batches() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return batches_;
  }

 private:
  mutable std::mutex mutex_;
  Words calls_;
  std::vector<std::chrono::milliseconds> timeouts_;
  std::vector<Words> batches_;
  std::map<std::string, ExecResult> script_;
  std::map<std::string, Status> failures_;
  std::function<void()> before_run_;
};

Action AppAction(const std::string& node, const std::string& app, ActionKind kind) {
  Action action;
  action.kind = kind;
  action.node = node;
  action.app = app;
  action.environment = "production";
  action.reason = "test";
  return action;
}

// Two apps on one node, three steps each, and a node-level step first.
NodePlan TwoAppPlan(const std::string& node) {
  NodePlan plan;
  plan.node = node;
  Action store;
  store.kind = ActionKind::kCreateDatastore;
  store.node = node;
  store.engine = "postgres";
  store.target = "db";
  plan.actions.push_back(store);
  for (const std::string app : {"alpha", "beta"}) {
    plan.actions.push_back(AppAction(node, app, ActionKind::kCreateApp));
    Action domains = AppAction(node, app, ActionKind::kSetDomains);
    domains.values = {app + ".example.com"};
    plan.actions.push_back(domains);
    plan.actions.push_back(AppAction(node, app, ActionKind::kRebuild));
  }
  return plan;
}

std::vector<std::string> Outcomes(const NodeApplyResult& node) {
  std::vector<std::string> outcomes;
  for (const auto& action : node.actions)
    outcomes.push_back(std::string(ActionOutcomeName(action.outcome)));
  return outcomes;
}

TEST_CASE("a successful apply runs each app's actions in plan order, the apps side by side") {
  FakeTransport transport;
  const ApplyResult result = ApplyPlans({TwoAppPlan("n1")}, {{"n1", &transport}}, ApplyOptions{});
  // Ready together: the datastore and both apps' first steps, then each app's next step.
  CHECK(transport.Batches() ==
        std::vector<Words>{{"--quiet postgres:create db"},
                           {"--quiet apps:create alpha", "--quiet apps:create beta"},
                           {"--quiet domains:set alpha alpha.example.com",
                            "--quiet domains:set beta beta.example.com"},
                           {"--quiet ps:rebuild alpha", "--quiet ps:rebuild beta"}});
  CHECK(result.ok());
  CHECK(result.Summary() == "ran 7, failed 0, skipped 0");
  using std::chrono::milliseconds;
  const milliseconds quick{120'000};
  const milliseconds slow{30 * 60 * 1000};
  CHECK(transport.Timeouts() ==
        std::vector<milliseconds>{slow, quick, quick, quick, quick, slow, slow});
  REQUIRE(result.nodes[0].actions.size() == 7);  // results stay in plan order
  for (std::size_t i = 0; i < 7; ++i) CHECK(result.nodes[0].actions[i].index == i);
}

TEST_CASE("eight independent apps take as many steps as one") {
  NodePlan plan;
  plan.node = "n1";
  for (int i = 0; i < 8; ++i) {
    const std::string app = "app" + std::to_string(i);
    plan.actions.push_back(AppAction("n1", app, ActionKind::kCreateApp));
    plan.actions.push_back(AppAction("n1", app, ActionKind::kRebuild));
  }
  FakeTransport transport;
  const ApplyResult result = ApplyPlans({plan}, {{"n1", &transport}}, ApplyOptions{});
  CHECK(result.Summary() == "ran 16, failed 0, skipped 0");
  const std::vector<Words> batches = transport.Batches();
  REQUIRE(batches.size() == 2);
  CHECK(batches[0].size() == 8);
  CHECK(batches[1].size() == 8);
  for (const auto& call : batches[0]) CHECK(call.find("apps:create") != std::string::npos);
}

TEST_CASE("a failed action skips the rest of that app only") {
  FakeTransport transport;
  transport.Script("--quiet domains:set alpha alpha.example.com",
                   ExecResult{1, "", " !     alpha.example.com is invalid. exiting...\n"});
  const ApplyResult result = ApplyPlans({TwoAppPlan("n1")}, {{"n1", &transport}}, ApplyOptions{});
  CHECK(transport.Calls() ==
        Words{"--quiet postgres:create db", "--quiet apps:create alpha", "--quiet apps:create beta",
              "--quiet domains:set alpha alpha.example.com",
              "--quiet domains:set beta beta.example.com", "--quiet ps:rebuild beta"});
  REQUIRE(result.nodes.size() == 1);
  CHECK(Outcomes(result.nodes[0]) ==
        std::vector<std::string>{"ran", "ran", "failed", "skipped", "ran", "ran", "ran"});
  const ActionResult& failed = result.nodes[0].actions[2];
  CHECK(failed.exit_code == 1);
  CHECK(failed.message == "exit 1: !     alpha.example.com is invalid. exiting...");
  CHECK(result.nodes[0].actions[3].message == "skipped: an earlier action of app alpha failed");
  CHECK_FALSE(result.ok());
  CHECK(result.Summary() ==
        "ran 5, failed 1, skipped 1\n"
        "failed: n1 alpha set-domains: exit 1: !     alpha.example.com is invalid. exiting...");
}

// An image with a health check is deployed as a build context, then its digest recorded.
NodePlan ContextDeployPlan(const std::string& node) {
  NodePlan plan;
  plan.node = node;
  Action deploy = AppAction(node, "alpha", ActionKind::kDeployArchive);
  deploy.value = "n8nio/n8n:1.80.0";
  deploy.health.path = "/healthz";
  deploy.health.port = 5678;
  plan.actions.push_back(deploy);
  Action record = AppAction(node, "alpha", ActionKind::kSetConfig);
  record.config = {ConfigEntry{"DFLOW_CONTEXT", "0123456789abcdef", false, ""}};
  plan.actions.push_back(record);
  return plan;
}

TEST_CASE("a build context Dokku already holds is rebuilt from, then recorded") {
  // The pass before deployed this context but could not record it: Dokku refuses the same
  // tree again (git-from-directory) and says to ps:rebuild.
  FakeTransport transport;
  transport.Script("--quiet git:from-archive alpha --",
                   ExecResult{1, "",
                              " !     No changes detected, skipping git commit\n"
                              " !     Call 'ps:rebuild' on app to rebuild the app from existing "
                              "source\n"});
  const ApplyResult result =
      ApplyPlans({ContextDeployPlan("n1")}, {{"n1", &transport}}, ApplyOptions{});
  CHECK(transport.Calls() == Words{"--quiet git:from-archive alpha --", "--quiet ps:rebuild alpha",
                                   "--quiet config:set --encoded --no-restart alpha "
                                   "DFLOW_CONTEXT=MDEyMzQ1Njc4OWFiY2RlZg=="});
  CHECK(result.ok());
  CHECK(Outcomes(result.nodes[0]) == std::vector<std::string>{"ran", "ran"});
  CHECK(result.nodes[0].actions[0].message.find("rebuilt from it with ps:rebuild") !=
        std::string::npos);
}

TEST_CASE("a failed context deploy is not rebuilt, and a failed rebuild records nothing") {
  FakeTransport transport;
  transport.Script("--quiet git:from-archive alpha --",
                   ExecResult{1, "", " !     App container failed to start\n"});
  ApplyResult result = ApplyPlans({ContextDeployPlan("n1")}, {{"n1", &transport}}, ApplyOptions{});
  CHECK(transport.Calls() == Words{"--quiet git:from-archive alpha --"});
  CHECK(Outcomes(result.nodes[0]) == std::vector<std::string>{"failed", "skipped"});

  FakeTransport again;
  again.Script("--quiet git:from-archive alpha --",
               ExecResult{1, "", " !     No changes detected, skipping git commit\n"});
  again.Script("--quiet ps:rebuild alpha", ExecResult{1, "", " !     Deploy failed\n"});
  result = ApplyPlans({ContextDeployPlan("n1")}, {{"n1", &again}}, ApplyOptions{});
  CHECK(again.Calls() == Words{"--quiet git:from-archive alpha --", "--quiet ps:rebuild alpha"});
  CHECK(Outcomes(result.nodes[0]) == std::vector<std::string>{"failed", "skipped"});
  CHECK(result.nodes[0].actions[0].message == "exit 1: !     Deploy failed");
}

// TwoAppPlan with alpha linking the datastore and two Traefik steps after it.
NodePlan LinkedPlan(const std::string& node) {
  NodePlan plan = TwoAppPlan(node);
  Action link = AppAction(node, "alpha", ActionKind::kLinkDatastore);
  link.engine = "postgres";
  link.target = "db";
  plan.actions.insert(plan.actions.begin() + 3, link);  // after alpha's create and domains
  for (const std::string property : {"letsencrypt-email", "api-enabled"}) {
    Action traefik;
    traefik.kind = ActionKind::kSetTraefikGlobal;
    traefik.node = node;
    traefik.target = property;
    traefik.value = "x";
    plan.actions.insert(plan.actions.begin() + 1, traefik);
  }
  return plan;
}

TEST_CASE("a move into a transport that cannot stream fails before anything is exported") {
  FakeTransport old_node;
  FakeTransport new_node;  // the default Transport: StreamsStdin() is false
  NodePlan plan = LinkedPlan("n2");
  Action import = plan.actions[0];
  import.kind = ActionKind::kImportDatastore;
  import.value = "n1";
  plan.actions.insert(plan.actions.begin() + 1, import);
  const ApplyResult result =
      ApplyPlans({plan}, {{"n1", &old_node}, {"n2", &new_node}}, ApplyOptions{});
  const std::vector<ActionResult>& actions = result.nodes[0].actions;
  CHECK(actions[0].outcome == ActionOutcome::kRan);  // postgres:create
  CHECK(actions[1].outcome == ActionOutcome::kFailed);
  CHECK(actions[1].message ==
        "move postgres datastore db from node n1: fake cannot stream into a command (a move "
        "needs SSH to the new node); nothing was exported");
  CHECK(actions[1].display == "dokku postgres:export db (on node n1) | dokku postgres:import db");
  // The links wait for the data: skipped, like the links of a datastore that failed to create.
  CHECK(actions[6].action.kind == ActionKind::kLinkDatastore);
  CHECK(actions[6].message ==
        "skipped: app alpha needs datastore postgres db, which could not be moved");
  CHECK(old_node.Calls().empty());
}

TEST_CASE("a datastore that cannot be created skips only the apps that link it") {
  FakeTransport first;
  FakeTransport second;
  first.Script("--quiet postgres:create db", ExecResult{1, "", "docker: no space left\n"});
  const ApplyResult result = ApplyPlans({LinkedPlan("n1"), LinkedPlan("n2")},
                                        {{"n1", &first}, {"n2", &second}}, ApplyOptions{});
  // postgres:create, 2 traefik, alpha: create, domains, link, rebuild; beta: create, domains,
  // rebuild.
  CHECK(Outcomes(result.nodes[0]) == std::vector<std::string>{"failed", "ran", "ran", "ran", "ran",
                                                              "skipped", "skipped", "ran", "ran",
                                                              "ran"});
  CHECK(result.nodes[0].actions[5].message ==
        "skipped: app alpha needs datastore postgres db, which could not be created");
  CHECK(result.nodes[0].actions[6].message == result.nodes[0].actions[5].message);
  // The Traefik steps one after another, before the apps; the datastore beside them.
  CHECK(first.Calls() ==
        Words{"--quiet postgres:create db", "--quiet traefik:set --global api-enabled x",
              "--quiet traefik:set --global letsencrypt-email x", "--quiet apps:create alpha",
              "--quiet apps:create beta", "--quiet domains:set alpha alpha.example.com",
              "--quiet domains:set beta beta.example.com", "--quiet ps:rebuild beta"});
  CHECK(second.Calls().size() == 10);
  CHECK(result.ran == 10 + 7);
  CHECK(result.failed == 1);
  CHECK(result.skipped == 2);
}

TEST_CASE("a failed Traefik step skips the later Traefik steps, not the apps") {
  FakeTransport transport;
  transport.Script("--quiet traefik:set --global api-enabled x",
                   ExecResult{1, "", " !     Invalid property\n"});
  const ApplyResult result = ApplyPlans({LinkedPlan("n1")}, {{"n1", &transport}}, ApplyOptions{});
  CHECK(Outcomes(result.nodes[0]) == std::vector<std::string>{"ran", "failed", "skipped", "ran",
                                                              "ran", "ran", "ran", "ran", "ran",
                                                              "ran"});
  CHECK(result.nodes[0].actions[2].message ==
        "skipped: an earlier proxy step failed (set-traefik-global)");
}

TEST_CASE("a datastore that cannot be destroyed stops nothing else") {
  NodePlan plan = TwoAppPlan("n1");
  plan.actions[0].kind = ActionKind::kDestroyDatastore;
  FakeTransport transport;
  transport.Script("--quiet postgres:destroy db -f", ExecResult{1, "", " !     in use\n"});
  const ApplyResult result = ApplyPlans({plan}, {{"n1", &transport}}, ApplyOptions{});
  CHECK(result.failed == 1);
  CHECK(result.ran == 6);
  CHECK(result.skipped == 0);
}

TEST_CASE("a transport failure stops the node: nothing starts after it") {
  FakeTransport transport;
  transport.Fail("--quiet apps:create alpha", Status(Code::kUnavailable, "connection dropped"));
  const ApplyResult result = ApplyPlans({TwoAppPlan("n1")}, {{"n1", &transport}}, ApplyOptions{});
  // beta's create was already under way beside alpha's.
  CHECK(Outcomes(result.nodes[0]) == std::vector<std::string>{"ran", "failed", "skipped", "skipped",
                                                              "ran", "skipped", "skipped"});
  CHECK(result.nodes[0].actions[1].message == "Unavailable: connection dropped");
  CHECK(result.nodes[0].actions[2].message ==
        "skipped: the node stopped answering (create-app failed)");
}

TEST_CASE("a node without a transport fails its first action and skips the rest") {
  const ApplyResult result =
      ApplyPlans({TwoAppPlan("n1")}, std::map<std::string, Transport*>{}, ApplyOptions{});
  CHECK(result.nodes[0].actions[0].message == "no transport for node n1");
  CHECK(result.failed == 1);
  CHECK(result.skipped == 6);
}

TEST_CASE("a dry run renders every action and runs nothing") {
  FakeTransport transport;
  std::vector<std::string> events;
  ApplyOptions options;
  options.dry_run = true;
  options.on_progress = [&events](const ActionEvent& event) {
    const bool started = event.phase == ActionEvent::Phase::kStarted;
    events.push_back((started
                          ? "start "
                          : "end " + std::string(ActionOutcomeName(event.result->outcome)) + " ") +
                     event.result->display);
  };
  const ApplyResult result = ApplyPlans({TwoAppPlan("n1")}, {{"n1", &transport}}, options);
  CHECK(transport.Calls().empty());
  CHECK(result.would_run == 7);
  CHECK(result.ran == 0);
  CHECK(result.Summary() == "ran 0, failed 0, skipped 0, would run 7");
  REQUIRE(events.size() == 14);
  CHECK(events[0] == "start dokku postgres:create db");
  CHECK(events[1] == "end would-run dokku postgres:create db");
}

TEST_CASE("progress reports each action started and finished") {
  FakeTransport transport;
  std::vector<std::string> events;
  ApplyOptions options;
  options.on_progress = [&events](const ActionEvent& event) {
    const bool started = event.phase == ActionEvent::Phase::kStarted;
    events.push_back((started ? "start " : "end ") + std::to_string(event.result->index + 1) + "/" +
                     std::to_string(event.total) +
                     (started ? "" : " " + std::string(ActionOutcomeName(event.result->outcome))));
  };
  transport.Script("--quiet apps:create beta", ExecResult{1, "", "Name is already taken"});
  ApplyPlans({TwoAppPlan("n1")}, {{"n1", &transport}}, options);
  // Each action ends once; one that ran or failed started first; a skipped one never did.
  std::map<std::string, std::vector<std::string>> by_action;
  for (const std::string& event : events) {
    const std::size_t space = event.find(' ');
    const std::size_t after = event.find(' ', space + 1);
    by_action[event.substr(space + 1, after - space - 1)].push_back(
        event.substr(0, space) + (after == std::string::npos ? "" : event.substr(after)));
  }
  CHECK(by_action ==
        std::map<std::string, std::vector<std::string>>{{"1/7", {"start", "end ran"}},
                                                        {"2/7", {"start", "end ran"}},
                                                        {"3/7", {"start", "end ran"}},
                                                        {"4/7", {"start", "end ran"}},
                                                        {"5/7", {"start", "end failed"}},
                                                        {"6/7", {"end skipped"}},
                                                        {"7/7", {"end skipped"}}});
}

TEST_CASE("a refused plan runs nothing") {
  FakeTransport transport;
  NodePlan plan = TwoAppPlan("n1");
  plan.refused = true;
  plan.refusal = "plan refused on node n1: would destroy 2 of 2 managed apps";
  const ApplyResult result = ApplyPlans({plan}, {{"n1", &transport}}, ApplyOptions{});
  CHECK(transport.Calls().empty());
  CHECK(result.skipped == 7);
  CHECK(result.nodes[0].actions[0].message == plan.refusal);
}

TEST_CASE("report-only drift is not applied") {
  FakeTransport transport;
  NodePlan plan = TwoAppPlan("n1");
  for (auto& action : plan.actions) action.report_only = action.app == "alpha";
  const ApplyResult result = ApplyPlans({plan}, {{"n1", &transport}}, ApplyOptions{});
  CHECK(transport.Calls().size() == 4);
  CHECK(result.nodes[0].actions[1].message == "report only: self-heal is off");
}

TEST_CASE("secret values reach the argv but not the results") {
  FakeTransport transport;
  NodePlan plan;
  plan.node = "n1";
  Action config = AppAction("n1", "alpha", ActionKind::kSetConfig);
  config.config = {{"API_TOKEN", "", true, Sha256Hex("s3cr3t-token")}};
  plan.actions = {config};
  ApplyOptions options;
  options.secrets["alpha"]["API_TOKEN"] = "s3cr3t-token";
  transport.Script("--quiet config:set --encoded --no-restart alpha API_TOKEN=czNjcjN0LXRva2Vu",
                   ExecResult{1, "", "bad pair API_TOKEN=czNjcjN0LXRva2Vu (s3cr3t-token)"});
  const ApplyResult result = ApplyPlans({plan}, {{"n1", &transport}}, options);
  CHECK(transport.Calls() ==
        Words{"--quiet config:set --encoded --no-restart alpha API_TOKEN=czNjcjN0LXRva2Vu"});
  CHECK(result.nodes[0].actions[0].message == "exit 1: bad pair API_TOKEN=*** (***)");
  CHECK(result.nodes[0].actions[0].display == "dokku config:set --no-restart alpha API_TOKEN=***");
  CHECK(result.Summary().find("s3cr3t") == std::string::npos);
}

TEST_CASE("an app with a secret that changed since the plan runs none of its actions") {
  FakeTransport transport;
  NodePlan plan = TwoAppPlan("n1");
  Action config = AppAction("n1", "alpha", ActionKind::kSetConfig);
  config.config = {{"API_TOKEN", "", true, Sha256Hex("old-value")}};
  plan.actions.insert(plan.actions.begin() + 2, config);
  ApplyOptions options;
  options.secrets["alpha"]["API_TOKEN"] = "new-value";
  const ApplyResult result = ApplyPlans({plan}, {{"n1", &transport}}, options);
  CHECK(transport.Calls() == Words{"--quiet postgres:create db", "--quiet apps:create beta",
                                   "--quiet domains:set beta beta.example.com",
                                   "--quiet ps:rebuild beta"});
  CHECK(Outcomes(result.nodes[0]) == std::vector<std::string>{"ran", "skipped", "failed", "skipped",
                                                              "skipped", "ran", "ran", "ran"});
  CHECK(result.nodes[0].actions[1].message == "skipped: action 3 of app alpha cannot be rendered");
  CHECK(result.nodes[0].actions[2].message ==
        "secret API_TOKEN changed since the plan was made; plan again");
}

TEST_CASE("nodes are applied in parallel") {
  // Node a's first command waits until node b has run one: with nodes applied one after
  // another this can never happen and the wait gives up.
  FakeTransport a;
  FakeTransport b;
  std::mutex mutex;
  std::condition_variable changed;
  bool b_called = false;
  bool a_saw_b = false;
  b.BeforeRun([&] {
    std::lock_guard<std::mutex> lock(mutex);
    b_called = true;
    changed.notify_all();
  });
  a.BeforeRun([&] {
    std::unique_lock<std::mutex> lock(mutex);
    if (!a_saw_b)
      a_saw_b = changed.wait_for(lock, std::chrono::seconds(30), [&] { return b_called; });
  });
  ApplyOptions options;
  options.max_parallel_nodes = 2;
  const ApplyResult result =
      ApplyPlans({TwoAppPlan("a"), TwoAppPlan("b")}, {{"a", &a}, {"b", &b}}, options);
  CHECK(a_saw_b);
  CHECK(result.ran == 14);
  CHECK(result.nodes[0].node == "a");
  CHECK(result.nodes[1].node == "b");
}

TEST_CASE("apply runs the plan PlanNode makes for a new app") {
  const NodeDesiredState desired = testing::DesiredNode({testing::ShopWeb()}, {testing::ShopDb()});
  const PlanOptions plan_options = testing::Options();
  const NodePlan plan = PlanNode(desired, ObservedNode{}, plan_options);
  FakeTransport transport;
  ApplyOptions options;
  options.secrets = plan_options.secrets;
  const ApplyResult result = ApplyPlans({plan}, {{"node-1", &transport}}, options);
  CHECK(result.Summary() == "ran 11, failed 0, skipped 0");
  const Words calls = transport.Calls();
  REQUIRE(calls.size() == 11);
  CHECK(calls[0] == "--quiet postgres:create shop-db");
  CHECK(calls[1] == "--quiet apps:create shop-web");
  CHECK(calls[7] == "--quiet postgres:link shop-db shop-web --no-restart");
  CHECK(calls[8] == "--quiet ps:scale --skip-deploy shop-web web=2 worker=1");
  CHECK(calls[9] ==
        "--quiet git:sync --build shop-web https://git.example.com/acme/shop.git v1.4.2");
}

}  // namespace
}  // namespace dflow
