#include "reconciler/source/git_mirror.h"

#include <doctest/doctest.h>

#include <optional>

#include "reconciler/source/manifest_source.h"
#include "tests/support/git_repo.h"
#include "tests/support/process.h"

namespace dflow {
namespace {

TEST_CASE("a branch is mirrored, followed, and read from the mirror without a checkout") {
  test::ScopedTempDir dir;
  test::GitRepo origin(dir.path() / "origin");
  origin.Write("env.yaml", "kind: Environment # 1\n");
  const std::string first = origin.CommitAll("first commit\n\nbody");
  GitRemoteOptions options;
  options.url = "file://" + origin.path().string();
  options.branch = "main";
  const std::string mirror = (dir.path() / "state" / "mirror.git").string();

  auto fetched = FetchIntoMirror(options, mirror);
  REQUIRE(fetched.ok());
  CHECK(fetched->id == first);
  CHECK(fetched->changed);
  CHECK(fetched->author == "dflow-test <test@dflow.invalid>");
  CHECK(fetched->summary == "first commit");

  auto again = FetchIntoMirror(options, mirror);
  REQUIRE(again.ok());
  CHECK(again->id == first);
  CHECK_FALSE(again->changed);

  origin.Write("env.yaml", "kind: Environment # 2\n");
  const std::string second = origin.CommitAll("second");
  auto newer = FetchIntoMirror(options, mirror);
  REQUIRE(newer.ok());
  CHECK(newer->id == second);
  CHECK(newer->changed);

  auto snapshot = ReadManifestsFromGit(mirror, newer->id);
  REQUIRE(snapshot.ok());
  REQUIRE(snapshot->files.size() == 1);
  CHECK(snapshot->files[0].content == "kind: Environment # 2\n");
}

TEST_CASE("a mirror directory that cannot be created is an error, not an exception") {
  test::ScopedTempDir dir;
  test::GitRepo origin(dir.path() / "origin");
  origin.Write("a.yaml", "a: 1\n");
  origin.CommitAll("first");
  test::WriteFile(dir.path() / "state", "a regular file where a directory should be\n");
  const std::string mirror = (dir.path() / "state" / "mirror.git").string();
  GitRemoteOptions options;
  options.url = origin.path().string();

  std::optional<Result<FetchedCommit>> fetched;
  CHECK_NOTHROW(fetched.emplace(FetchIntoMirror(options, mirror)));
  REQUIRE(fetched.has_value());
  REQUIRE_FALSE(fetched->ok());
  CHECK(fetched->status().code() == Code::kUnavailable);
  CHECK(fetched->status().message() ==
        "fetch " + options.url + ": create mirror " + mirror + ": Not a directory");
}

TEST_CASE("a failed fetch keeps the last good commit in the mirror") {
  test::ScopedTempDir dir;
  test::GitRepo origin(dir.path() / "origin");
  origin.Write("a.yaml", "a: 1\n");
  const std::string good = origin.CommitAll("good");
  const std::string mirror = (dir.path() / "mirror.git").string();
  GitRemoteOptions options;
  options.url = origin.path().string();
  REQUIRE(FetchIntoMirror(options, mirror).ok());

  options.url = (dir.path() / "gone").string();
  auto failed = FetchIntoMirror(options, mirror);
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.status().code() == Code::kUnavailable);
  CHECK(failed.status().message().starts_with("fetch " + options.url + ": "));
  auto snapshot = ReadManifestsFromGit(mirror, "main");
  REQUIRE(snapshot.ok());
  CHECK(snapshot->revision == good);
}

TEST_CASE("a branch missing on the remote is NotFound") {
  test::ScopedTempDir dir;
  test::GitRepo origin(dir.path() / "origin");
  origin.CommitAll("only main");
  GitRemoteOptions options;
  options.url = origin.path().string();
  options.branch = "production";
  auto fetched = FetchIntoMirror(options, (dir.path() / "mirror.git").string());
  REQUIRE_FALSE(fetched.ok());
  CHECK(fetched.status().code() == Code::kNotFound);
  CHECK(fetched.status().message().ends_with("branch 'production' does not exist on the remote"));
}

}  // namespace
}  // namespace dflow
