#include "reconciler/server/controller_api.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "manifests-schema/base/digest.h"

namespace dflow {
namespace {

constexpr const char* kApiSecret = "api-test-secret";

HttpRequest SignedPush(const std::string& body, const std::string& delivery) {
  HttpRequest request;
  request.method = "POST";
  request.target = request.path = "/api/v1/webhook";
  request.headers["x-github-event"] = "push";
  if (!delivery.empty()) request.headers["x-github-delivery"] = delivery;
  request.headers["x-hub-signature-256"] = "sha256=" + HmacSha256Hex(kApiSecret, body);
  request.body = body;
  return request;
}

struct ApiRig {
  DeliveryLog deliveries;
  std::vector<std::string> pushes;  // the pushed commits handed to the controller
  ControllerApi api;
  ApiRig() {
    api.deliveries = &deliveries;
    api.branch = "main";
    api.webhook_secret = [] { return Secret(kApiSecret); };
    api.config_push = [this](const std::string& commit) { pushes.push_back(commit); };
  }
};

TEST_CASE("a signed push replayed under five fresh delivery ids queues one reconcile") {
  ApiRig rig;
  const std::string body = R"({"ref":"refs/heads/main","after":"0123456789abcdef"})";
  CHECK(HandleControllerRequest(rig.api, SignedPush(body, "d-1")).status == 202);
  for (const std::string delivery : {"d-2", "d-3", "", "d-4", "d-5"}) {
    CAPTURE(delivery);
    HttpResponse replay = HandleControllerRequest(rig.api, SignedPush(body, delivery));
    CHECK(replay.status == 200);
    CHECK(replay.body.find("\"queued\": false") != std::string::npos);
  }
  CHECK(rig.pushes == std::vector<std::string>{"0123456789abcdef"});
  // The next push (another body) is queued.
  const std::string next = R"({"ref":"refs/heads/main","after":"fedcba9876543210"})";
  CHECK(HandleControllerRequest(rig.api, SignedPush(next, "d-6")).status == 202);
  CHECK(rig.pushes.size() == 2);
}

TEST_CASE("an unsigned replay is refused before the delivery log sees it") {
  ApiRig rig;
  const std::string body = R"({"ref":"refs/heads/main","after":"0123456789abcdef"})";
  HttpRequest forged = SignedPush(body, "d-1");
  forged.headers["x-hub-signature-256"] = "sha256=" + HmacSha256Hex("guess", body);
  CHECK(HandleControllerRequest(rig.api, forged).status == 401);
  // The forged request did not burn the body: the real one is still queued.
  CHECK(HandleControllerRequest(rig.api, SignedPush(body, "d-1")).status == 202);
  CHECK(rig.pushes.size() == 1);
}

TEST_CASE("a rollback pin needs the API token, compared whole") {
  ApiRig rig;
  std::vector<std::string> bodies;
  Secret token;
  rig.api.api_token = [&] { return token; };
  rig.api.pin = [&](const std::string& body) {
    bodies.push_back(body);
    HttpResponse response;
    response.status = 202;
    return response;
  };
  auto post = [&](const std::string& authorization) {
    HttpRequest request;
    request.method = "POST";
    request.target = request.path = "/api/v1/pins";
    if (!authorization.empty()) request.headers["authorization"] = authorization;
    request.body = R"({"application":"a"})";
    return HandleControllerRequest(rig.api, request).status;
  };
  CHECK(post("Bearer anything") == 403);  // no token configured: writes are off
  token = Secret("s3cret-token");
  CHECK(post("") == 401);
  CHECK(post("Bearer s3cret") == 401);
  CHECK(post("Bearer s3cret-token-and-more") == 401);
  CHECK(post("s3cret-token") == 401);
  CHECK(bodies.empty());
  CHECK(post("Bearer s3cret-token") == 202);
  REQUIRE(bodies.size() == 1);
  CHECK(bodies[0] == R"({"application":"a"})");
  HttpRequest get;
  get.method = "GET";
  get.target = get.path = "/api/v1/pins";
  CHECK(HandleControllerRequest(rig.api, get).status == 405);
  rig.api.pin = nullptr;  // a controller without pins
  CHECK(post("Bearer s3cret-token") == 404);
}

}  // namespace
}  // namespace dflow
