// The one-value edit of `dflow rollback`, on the sample repo and on hand-made manifests: exactly
// the pinned value's text changes; a value that other environments or services share is refused
// with the line to add by hand.
#include "reconciler/cli/rollback_edit.h"

#include <doctest/doctest.h>

#include "tests/manifests-schema/fixture_source.h"

namespace dflow::cli {
namespace {

const std::string kSha = "0123456789abcdef0123456789abcdef01234567";

// The text of `text` with `edit` undone must be the original: only the value changed.
void CheckOnlyValueChanged(const std::string& original, const SourceEdit& edit) {
  std::string undone = edit.content;
  const std::size_t at = undone.find(edit.after);
  REQUIRE(at != std::string::npos);
  undone.replace(at, edit.after.size(), edit.before);
  CHECK(undone == original);
}

SourceSnapshot OneFile(const std::string& content) {
  SourceSnapshot snapshot;
  snapshot.description = "repo/";
  snapshot.files.push_back({"apps/shop.yaml", content, content.size(), false});
  return snapshot;
}

TEST_CASE("rollback edit: staging's ref in the sample repo, comment and layout kept") {
  SourceSnapshot sample = test::ReadFixtureDir(test::SourceDir() / "sample-repo");
  auto edit = EditSourcePin(sample, {"course-management", "web", "staging", "ref", kSha});
  REQUIRE_MESSAGE(edit.ok(), edit.status().ToString());
  CHECK(edit->path == "applications/course-management.yaml");
  CHECK(edit->before == "main");
  CHECK(edit->after == kSha);
  std::string original;
  for (const auto& file : sample.files)
    if (file.path == edit->path) original = file.content;
  CheckOnlyValueChanged(original, *edit);
  CHECK(edit->content.find("ref: " + kSha + "  ") != std::string::npos);  // comment alignment kept
  CHECK(edit->content.find("# staging follows the branch") != std::string::npos);
}

TEST_CASE("rollback edit: a ref every environment shares is refused with the line to add") {
  SourceSnapshot sample = test::ReadFixtureDir(test::SourceDir() / "sample-repo");
  auto edit = EditSourcePin(sample, {"course-management", "web", "production", "ref", kSha});
  REQUIRE_FALSE(edit.ok());
  CHECK(edit.status().code() == Code::kFailed);
  CHECK(edit.status().message().find("applications/course-management.yaml:15:") == 0);
  CHECK(edit.status().message().find(
            "add `ref: v1.4.2` under environments.production.services.web") != std::string::npos);
}

TEST_CASE("rollback edit: a per-service override, a quoted image, unknown names") {
  const std::string shop = R"(apiVersion: dflow/v1
kind: Application
metadata: {name: shop}
spec:
  services:
    - name: web
      source: {image: "registry.example.com/shop/web:2.0"}   # the release train
    - name: worker
      source: {git: https://git.example.com/shop.git, ref: main}
  environments:
    production:
      services:
        worker: {ref: 'v2.0.0'}
    staging: {}
)";
  SourceSnapshot snapshot = OneFile(shop);
  auto worker = EditSourcePin(snapshot, {"shop", "worker", "production", "ref", kSha});
  REQUIRE_MESSAGE(worker.ok(), worker.status().ToString());
  CHECK(worker->before == "'v2.0.0'");
  CHECK(worker->after == "\"" + kSha + "\"");
  CHECK(worker->line == 13);
  CheckOnlyValueChanged(shop, *worker);

  auto image = EditSourcePin(
      snapshot, {"shop", "web", "production", "image", "registry.example.com/shop/web:1.9"});
  REQUIRE_FALSE(image.ok());  // shared by staging and production
  CHECK(image.status().message().find("shared by every environment") != std::string::npos);

  SourceSnapshot one_env = OneFile(R"(kind: Application
metadata: {name: shop}
spec:
  services:
    - name: web
      source: {image: "registry.example.com/shop/web:2.0"}   # the release train
)");
  auto pinned = EditSourcePin(
      one_env, {"shop", "web", "production", "image", "registry.example.com/shop/web:1.9"});
  REQUIRE_MESSAGE(pinned.ok(), pinned.status().ToString());
  CHECK(pinned->content.find("{image: \"registry.example.com/shop/web:1.9\"}   # the release") !=
        std::string::npos);

  CHECK(EditSourcePin(snapshot, {"blog", "web", "production", "ref", kSha}).status().code() ==
        Code::kNotFound);
  CHECK(EditSourcePin(snapshot, {"shop", "api", "production", "ref", kSha}).status().code() ==
        Code::kNotFound);
  CHECK(EditSourcePin(snapshot, {"shop", "worker", "production", "ref", "x\"; rm -rf /"})
            .status()
            .code() == Code::kInvalidArgument);
}

}  // namespace
}  // namespace dflow::cli
