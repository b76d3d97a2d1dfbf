// Rollback pins (`dflow rollback --now`): what the API accepts, how a pin changes a node's
// desired state, when Git agrees, and that the store keeps them across a restart.
#include "reconciler/controller/rollback_pins.h"

#include <doctest/doctest.h>

#include "reconciler/controller/controller_config.h"
#include "tests/support/process.h"

namespace dflow {
namespace {

const std::string kOldSha = "1111111111111111111111111111111111111111";
const std::string kPinSha = "2222222222222222222222222222222222222222";

DesiredState PinFleet() {
  DesiredState desired;
  for (const std::string node_name : {"n1", "n2"}) {
    NodeDesiredState node;
    node.node.name = node_name;
    AppSpec web;
    web.name = "shop-web-staging";
    web.application = "shop";
    web.service = "web";
    web.environment = "staging";
    web.source.git_url = "https://git.example.com/shop.git";
    web.source.git_ref = "main";
    AppSpec worker = web;
    worker.name = "shop-worker-staging";
    worker.service = "worker";
    worker.source = {};
    worker.source.image = "registry.example.com/shop-worker:1.2";
    node.apps = {web, worker};
    desired.nodes.push_back(node);
  }
  return desired;
}

RollbackPinRecord RefPin() {
  return {"shop", "staging", "web", "ref", kPinSha, 7, "abcdef0123456789", 100};
}

TEST_CASE("a pin request is parsed field by field, anything else is refused by name") {
  auto pin = ParsePinRequest(R"({"application":"shop","environment":"staging","service":"web",
                               "key":"ref","value":")" +
                             kPinSha + R"(","release":7})");
  REQUIRE(pin.ok());
  CHECK(pin->application == "shop");
  CHECK(pin->key == "ref");
  CHECK(pin->release_id == 7);
  const std::pair<std::string, std::string> bad[] = {
      {"[1,2]", "JSON object"},
      {"not json", "JSON object"},
      {R"({"environment":"s","service":"w","key":"ref","value":"x","release":1})", "application"},
      {R"({"application":"a","environment":"s","service":"w","key":"branch","value":"x",
          "release":1})",
       "key"},
      {R"({"application":"a","environment":"s","service":"w","key":"ref","value":"x",
          "release":0})",
       "release"},
      {R"({"application":"a","environment":"s","service":"w","key":"ref","value":"x",
          "release":"7"})",
       "release"},
      {R"({"application":7,"environment":"s","service":"w","key":"ref","value":"x","release":1})",
       "application"}};
  for (const auto& [body, field] : bad) {
    CAPTURE(body);
    auto refused = ParsePinRequest(body);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().message().find(field) != std::string::npos);
  }
}

TEST_CASE("a pin must name a service the environment runs, with a value that fits its source") {
  const DesiredState desired = PinFleet();
  CHECK(CheckPin(desired, RefPin()).ok());
  RollbackPinRecord unknown = RefPin();
  unknown.environment = "production";
  CHECK(CheckPin(desired, unknown).code() == Code::kNotFound);
  RollbackPinRecord short_sha = RefPin();
  short_sha.value = "2222222";
  CHECK(CheckPin(desired, short_sha).code() == Code::kInvalidArgument);
  RollbackPinRecord image_on_git = RefPin();
  image_on_git.key = "image";
  image_on_git.value = "registry.example.com/shop:1";
  CHECK(CheckPin(desired, image_on_git).code() == Code::kInvalidArgument);
  RollbackPinRecord image = {
      "shop", "staging", "worker", "image", "registry.example.com/shop-worker:1.1", 3, "abc", 1};
  CHECK(CheckPin(desired, image).ok());
  image.value = "x; rm -rf /";
  CHECK(CheckPin(desired, image).code() == Code::kInvalidArgument);
}

TEST_CASE("a pin replaces the ref of that service on each node, nothing else, Git agrees later") {
  DesiredState desired = PinFleet();
  std::map<std::string, std::string> notes;
  auto pinned = PinnedNode(desired.nodes[0], {RefPin()}, notes);
  REQUIRE(pinned.has_value());
  CHECK(pinned->apps[0].source.git_ref == kPinSha);
  CHECK(pinned->apps[0].source.git_url == desired.nodes[0].apps[0].source.git_url);
  CHECK(pinned->apps[1].source.image == desired.nodes[0].apps[1].source.image);
  CHECK(desired.nodes[0].apps[0].source.git_ref == "main");  // the state in force is untouched
  REQUIRE(notes.size() == 1);
  CHECK(
      notes["shop-web-staging"].starts_with("pinned by rollback to release 7 (ref 222222222222)"));
  std::map<std::string, std::string> none;
  RollbackPinRecord elsewhere = RefPin();
  elsewhere.environment = "production";
  CHECK_FALSE(PinnedNode(desired.nodes[0], {elsewhere}, none).has_value());
  CHECK(none.empty());
  CHECK(NodesOfPin(desired, RefPin()) == std::vector<std::string>{"n1", "n2"});

  CHECK_FALSE(GitAgrees(desired, RefPin()));
  for (auto& node : desired.nodes) node.apps[0].source.git_ref = kPinSha;
  CHECK(GitAgrees(desired, RefPin()));
  desired.nodes[1].apps[0].source.git_ref = kOldSha;  // one node still says otherwise
  CHECK_FALSE(GitAgrees(desired, RefPin()));
}

TEST_CASE("pins survive a restart and are released by the next commit in force") {
  test::ScopedTempDir dir;
  const std::string path = (dir.path() / "state.db").string();
  const DesiredState desired = PinFleet();
  {
    auto store = StatusStore::Open(path);
    REQUIRE(store.ok());
    RollbackPins pins(**store);
    REQUIRE(pins.Add(RefPin()).ok());
    RollbackPinRecord newer = RefPin();
    newer.release_id = 8;
    REQUIRE(pins.Add(newer).ok());  // one pin per service: the newer one replaces it
    REQUIRE(pins.Current().size() == 1);
    CHECK(pins.Current()[0].release_id == 8);
  }
  auto store = StatusStore::Open(path);
  REQUIRE(store.ok());
  RollbackPins pins(**store);
  REQUIRE(pins.Current().size() == 1);
  CHECK(pins.Current()[0].value == kPinSha);
  pins.ReleaseSuperseded("abcdef0123456789", desired);  // the commit it was pinned against
  CHECK(pins.Current().size() == 1);
  pins.ReleaseSuperseded("fedcba9876543210", desired);
  CHECK(pins.Current().empty());
  auto stored = (*store)->Pins();
  REQUIRE(stored.ok());
  CHECK(stored->empty());
}

TEST_CASE("the API token is named by file or env var, never written in the config") {
  auto named = ParseControllerConfig(
      "repo: {url: /srv/fleet.git}\napi: {tokenFile: /etc/dflow/api-token}\n", "dflow.yaml");
  REQUIRE(named.ok());
  CHECK(named.config.api_token_file == "/etc/dflow/api-token");
  auto written =
      ParseControllerConfig("repo: {url: /srv/fleet.git}\napi: {token: hunter2}\n", "dflow.yaml");
  REQUIRE(written.errors.size() == 1);
  CHECK(written.errors[0].message == "api.token must not be written in the config file");
  CHECK(written.errors[0].line == 2);
}

}  // namespace
}  // namespace dflow
