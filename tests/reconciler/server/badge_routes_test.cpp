// The badge endpoints through the controller's request handler, over a real status store.
#include "reconciler/server/badge_routes.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "reconciler/server/controller_api.h"
#include "reconciler/status/badge.h"
#include "tests/support/process.h"

namespace dflow {
namespace {

const std::string kRevA = "aaaaaaa1111111111111111111111111111111111";
const std::string kRevB = "bbbbbbb2222222222222222222222222222222222";
constexpr std::int64_t kNow = 10000;

// production: shop (web + worker, synced) and blog (failed); staging: shop out of sync;
// qa: an application called "staging", a name that is also an environment.
class BadgeFixture {
 public:
  BadgeFixture() {
    auto store = StatusStore::Open((dir_.path() / "state.db").string());
    REQUIRE(store.ok());
    store_ = std::move(store).value();
    Put({"prod-1", "shop-web", "production", "shop", "web", "Synced", "Healthy", kRevA, "", kNow,
         kNow - 60});
    Put({"prod-2", "shop-worker", "production", "shop", "worker", "Synced", "Healthy", kRevA, "",
         kNow, kNow - 200});
    Put({"prod-1", "blog-web", "production", "blog", "web", "Failed", "Degraded", kRevA, "boom",
         kNow, 0});
    Put({"stage-1", "shop-web-staging", "staging", "shop", "web", "OutOfSync", "Healthy", kRevB, "",
         kNow, kNow - 7200});
    Put({"stage-1", "staging-web-qa", "qa", "staging", "web", "Synced", "Healthy", kRevB, "", kNow,
         kNow - 30});
    // A fresh snapshot per request, so that a Put in a test shows at once.
    api_.snapshot = [this]() -> std::shared_ptr<const StatusSnapshot> {
      auto snapshot = TakeStatusSnapshot(*store_, kNow);
      REQUIRE(snapshot.ok());
      return *snapshot;
    };
    api_.now = [] { return kNow; };
    api_.badges = [this] { return settings; };
  }

  void Put(const AppStatusRecord& record) { REQUIRE(store_->PutAppStatus(record).ok()); }
  void PutEdge(const EdgeStatusRecord& record) { REQUIRE(store_->PutEdgeStatus(record).ok()); }

  HttpResponse Get(const std::string& target, std::map<std::string, std::string> headers = {}) {
    HttpRequest request;
    request.method = "GET";
    request.target = target;
    const std::size_t q = target.find('?');
    request.path = target.substr(0, q);
    if (q != std::string::npos) {
      std::string query = target.substr(q + 1);
      for (std::size_t at = 0; at <= query.size();) {
        std::size_t amp = query.find('&', at);
        std::string pair = query.substr(at, amp == std::string::npos ? amp : amp - at);
        std::size_t eq = pair.find('=');
        request.query[pair.substr(0, eq)] = eq == std::string::npos ? "" : pair.substr(eq + 1);
        if (amp == std::string::npos) break;
        at = amp + 1;
      }
    }
    request.headers = std::move(headers);
    return HandleControllerRequest(api_, request);
  }

  // The shields.io document of a .json badge: {label, message, color}.
  nlohmann::json Json(const std::string& target) {
    HttpResponse response = Get(target);
    CHECK(response.content_type == "application/json");
    return nlohmann::json::parse(response.body);
  }
  std::string Message(const std::string& target) { return Json(target).value("message", "<none>"); }

  BadgeSettings settings;

 private:
  test::ScopedTempDir dir_;
  std::unique_ptr<StatusStore> store_;
  ControllerApi api_;
};

TEST_CASE("a badge shows the worst state of the apps it stands for") {
  BadgeFixture f;
  CHECK(f.Message("/badge/shop/production.json") == "synced · healthy");
  CHECK(f.Json("/badge/shop/production.json")["color"] == "brightgreen");
  CHECK(f.Message("/badge/production.json") == "failed");  // blog failed
  CHECK(f.Json("/badge/production.json")["color"] == "red");
  CHECK(f.Message("/badge/shop.json") == "out of sync");  // staging drifted
  CHECK(f.Message("/badge/shop/staging.json") == "out of sync");
  CHECK(f.Json("/badge/shop.json")["label"] == "shop");
  CHECK(f.Json("/badge/shop/production.json")["label"] == "shop/production");
}

TEST_CASE("a name that is both an environment and an application means the environment") {
  BadgeFixture f;
  CHECK(f.Json("/badge/staging.json")["label"] == "staging");
  CHECK(f.Message("/badge/staging.json") == "out of sync");          // the environment's shop
  CHECK(f.Message("/badge/staging/qa.json") == "synced · healthy");  // the application
}

TEST_CASE("an environment's badge includes the edge in front of it, an application's does not") {
  BadgeFixture f;
  f.PutEdge({"edge-1", {"qa"}, "Synced", "Healthy", "Healthy", "", "abc", "3.7.9", kRevB, kNow});
  CHECK(f.Message("/badge/qa.json") == "synced · healthy");
  f.PutEdge({"edge-1",
             {"qa"},
             "Synced",
             "Degraded",
             "Degraded",
             "service dflow-x: server http://10.0.0.1:80 is DOWN",
             "abc",
             "3.7.9",
             kRevB,
             kNow});
  CHECK(f.Message("/badge/qa.json") == "degraded");
  CHECK(f.Message("/badge/staging/qa.json") == "synced · healthy");
  CHECK(f.Message("/badge/staging.json") == "out of sync");  // not behind that edge
}

TEST_CASE("the SVG badge has its content type, label override and style") {
  BadgeFixture f;
  HttpResponse svg = f.Get("/badge/shop/production.svg");
  CHECK(svg.status == 200);
  CHECK(svg.content_type == "image/svg+xml");
  CHECK(svg.body ==
        RenderBadgeSvg({"shop/production", "synced · healthy", "brightgreen", BadgeStyle::kFlat}));
  HttpResponse labelled = f.Get("/badge/shop/production.svg?label=Shop&style=flat-square");
  CHECK(labelled.body ==
        RenderBadgeSvg({"Shop", "synced · healthy", "brightgreen", BadgeStyle::kFlatSquare}));
}

TEST_CASE("revision=1 adds the short hash, age=1 the time since the parts were last synced") {
  BadgeFixture f;
  CHECK(f.Message("/badge/shop/production.json?revision=1") == "synced · healthy @ aaaaaaa");
  CHECK(f.Message("/badge/shop.json?revision=1") == "out of sync @ mixed");
  // The oldest part was last seen Synced 200 s ago.
  CHECK(f.Message("/badge/shop/production.json?age=1") == "synced · healthy · 3m ago");
  CHECK(f.Message("/badge/shop/production.json?revision=1&age=1") ==
        "synced · healthy @ aaaaaaa · 3m ago");
  CHECK(f.Message("/badge/shop/staging.json?age=1") == "out of sync · 2h ago");
  // blog was never seen Synced: no age to show.
  CHECK(f.Message("/badge/blog/production.json?age=1") == "failed");
}

TEST_CASE("unknown names and malformed badge paths get a grey not found with 404") {
  BadgeFixture f;
  for (const char* target : {"/badge/nope.svg", "/badge/shop/nope.svg",
                             "/badge/nope/production.svg", "/badge/shop/production/x.svg",
                             "/badge/shop.png", "/badge/.svg", "/badge/shop//production.svg"}) {
    CAPTURE(target);
    HttpResponse response = f.Get(target);
    CHECK(response.status == 404);
    CHECK(response.body == RenderBadgeSvg({"dflow", "not found", "lightgrey", BadgeStyle::kFlat}));
  }
  HttpResponse json = f.Get("/badge/nope.json");
  CHECK(json.status == 404);
  CHECK(nlohmann::json::parse(json.body)["message"] == "not found");
}

TEST_CASE("badges revalidate: no-cache, an ETag that follows the status, 304 when it matches") {
  BadgeFixture f;
  HttpResponse first = f.Get("/badge/shop/production.svg");
  CHECK(first.headers["Cache-Control"] == "no-cache, max-age=0, must-revalidate");
  const std::string etag = first.headers["ETag"];
  REQUIRE(etag.size() > 2);
  CHECK(etag.front() == '"');

  HttpResponse again = f.Get("/badge/shop/production.svg", {{"if-none-match", etag}});
  CHECK(again.status == 304);
  CHECK(again.body.empty());
  CHECK(again.headers["ETag"] == etag);
  CHECK(f.Get("/badge/shop/production.svg", {{"if-none-match", "\"x\", W/" + etag}}).status == 304);
  CHECK(f.Get("/badge/shop/production.svg", {{"if-none-match", "\"other\""}}).status == 200);

  f.Put({"prod-2", "shop-worker", "production", "shop", "worker", "Progressing", "Healthy", kRevB,
         "", kNow, kNow - 200});
  HttpResponse changed = f.Get("/badge/shop/production.svg", {{"if-none-match", etag}});
  CHECK(changed.status == 200);
  CHECK(changed.headers["ETag"] != etag);
  CHECK(changed.body.find("progressing") != std::string::npos);
}

TEST_CASE("badges limited to listed environments hide the others entirely") {
  BadgeFixture f;
  f.settings.environments = {"production"};
  CHECK(f.Get("/badge/staging.svg").status == 404);  // neither the environment nor the qa app
  CHECK(f.Get("/badge/shop/staging.svg").status == 404);
  CHECK(f.Message("/badge/shop.json") == "synced · healthy");  // production's parts only
  CHECK(f.Get("/badge/production.svg").status == 200);
}

TEST_CASE("badges turned off answer not found") {
  BadgeFixture f;
  f.settings.enabled = false;
  CHECK(f.Get("/badge/shop/production.svg").status == 404);
  CHECK(f.Message("/badge/shop/production.json") == "not found");
}

TEST_CASE("with a token secret a badge needs the token of exactly its path") {
  BadgeFixture f;
  f.settings.token_secret = Secret("badge-secret");
  const std::string path = "/badge/shop/production.svg";
  const std::string token = BadgeToken("badge-secret", path);
  CHECK(f.Get(path + "?token=" + token).status == 200);
  CHECK(f.Get(path + "?token=" + token + "&style=flat-square").status == 200);

  HttpResponse missing = f.Get(path);
  CHECK(missing.status == 401);
  CHECK(missing.body == RenderBadgeSvg({"dflow", "unauthorized", "lightgrey", BadgeStyle::kFlat}));
  CHECK(f.Get(path + "?token=0123").status == 401);
  CHECK(f.Get("/badge/shop/staging.svg?token=" + token).status == 401);  // another path's
  CHECK(f.Get("/badge/shop/production.json?token=" + token).status == 401);
  // Unknown names answer the same as known ones without a token: names do not leak.
  CHECK(f.Get("/badge/nope.svg").status == 401);
  CHECK(f.Get("/badge/nope.svg?token=" + BadgeToken("badge-secret", "/badge/nope.svg")).status ==
        404);
}

}  // namespace
}  // namespace dflow
