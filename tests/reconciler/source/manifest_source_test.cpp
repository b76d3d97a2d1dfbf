#include "reconciler/source/manifest_source.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tests/support/git_repo.h"
#include "tests/support/process.h"

namespace dflow {
namespace {

std::vector<std::string> Paths(const SourceSnapshot& snapshot) {
  std::vector<std::string> paths;
  for (const auto& file : snapshot.files) paths.push_back(file.path);
  return paths;
}

const SourceFile* Find(const SourceSnapshot& snapshot, const std::string& path) {
  for (const auto& file : snapshot.files)
    if (file.path == path) return &file;
  return nullptr;
}

TEST_CASE("a commit is read from its tree, not from the work tree") {
  test::ScopedTempDir dir;
  test::GitRepo repo(dir.path() / "config");
  repo.Write("nodes.yaml", "kind: Node # v1\n");
  repo.Write("apps/web.yml", "kind: Application\n");
  const std::string first = repo.CommitAll("first");
  repo.Write("nodes.yaml", "kind: Node # v2, committed\n");
  repo.CommitAll("second");
  repo.Write("nodes.yaml", "kind: Node # uncommitted edit\n");
  repo.Write("draft.yaml", "kind: Application # never committed\n");

  auto head = ReadManifestsFromGit(repo.path().string(), "main");
  REQUIRE(head.ok());
  CHECK(Paths(*head) == std::vector<std::string>{"apps/web.yml", "nodes.yaml"});
  CHECK(Find(*head, "nodes.yaml")->content == "kind: Node # v2, committed\n");
  CHECK(head->revision == repo.Git("rev-parse main"));

  auto old = ReadManifestsFromGit(repo.path().string(), first.substr(0, 10));
  REQUIRE(old.ok());
  CHECK(Find(*old, "nodes.yaml")->content == "kind: Node # v1\n");
  CHECK(old->revision == first);

  auto work_tree = ReadManifestsFromDirectory(repo.path().string());
  REQUIRE(work_tree.ok());
  CHECK(Paths(*work_tree) == std::vector<std::string>{"apps/web.yml", "draft.yaml", "nodes.yaml"});
  CHECK(Find(*work_tree, "nodes.yaml")->content == "kind: Node # uncommitted edit\n");
  CHECK(work_tree->revision.empty());
}

TEST_CASE("a bare repository is read by tag") {
  test::ScopedTempDir dir;
  test::GitRepo work(dir.path() / "work");
  work.Write("env.yaml", "kind: Environment\n");
  work.CommitAll("env");
  work.Git("tag v1");
  test::GitRepo bare(dir.path() / "bare.git", /*bare=*/true);
  work.Git("push -q '" + bare.path().string() + "' main --tags");
  auto snapshot = ReadManifestsFromGit(bare.path().string(), "v1");
  REQUIRE(snapshot.ok());
  CHECK(Paths(*snapshot) == std::vector<std::string>{"env.yaml"});
}

TEST_CASE("hidden directories and non-YAML files are not manifests") {
  test::ScopedTempDir dir;
  test::GitRepo repo(dir.path() / "config");
  repo.Write(".github/workflows/plan.yml", "on: pull_request\n");
  repo.Write(".hidden.yaml", "x: 1\n");
  repo.Write("README.md", "# config\n");
  repo.Write("apps/a.yaml", "kind: Application\n");
  repo.Write("apps/notes.txt", "not yaml\n");
  repo.CommitAll("mixed");
  auto from_git = ReadManifestsFromGit(repo.path().string(), "HEAD");
  REQUIRE(from_git.ok());
  CHECK(Paths(*from_git) == std::vector<std::string>{"apps/a.yaml"});
  auto from_dir = ReadManifestsFromDirectory(repo.path().string());
  REQUIRE(from_dir.ok());
  CHECK(Paths(*from_dir) == std::vector<std::string>{"apps/a.yaml"});
}

TEST_CASE("sample-repo's CI workflows (.github/, .gitea/) are not read as manifests") {
  const std::filesystem::path sample = std::filesystem::path(DFLOW_SOURCE_DIR) / "sample-repo";
  REQUIRE(std::filesystem::exists(sample / ".github/workflows/dflow-plan.yml"));
  REQUIRE(std::filesystem::exists(sample / ".gitea/workflows/dflow-plan.yml"));
  auto snapshot = ReadManifestsFromDirectory(sample.string());
  REQUIRE(snapshot.ok());
  for (const auto& path : Paths(*snapshot)) {
    CAPTURE(path);
    CHECK(path.find("workflows") == std::string::npos);
  }
  CHECK(snapshot->files.size() == 11);  // 6 applications, 2 environments, nodes, edge, a theme
}

// The message a link gets, in both modes.
std::string LinkMessage(const std::string& target, bool dangling) {
  return std::string(dangling ? "dangling " : "") + "symbolic link to '" + target +
         "' not read: dflow reads only regular files";
}

std::map<std::string, std::string> Problems(const SourceSnapshot& snapshot) {
  std::map<std::string, std::string> out;
  for (const Diagnostic& d : snapshot.problems) out[d.file] = d.message;
  return out;
}

TEST_CASE("a symbolic link is reported with its target and never followed, inside or out") {
  test::ScopedTempDir dir;
  test::WriteFile(dir.path() / "outside.yaml", "secret: outside the repo\n");
  test::GitRepo repo(dir.path() / "config");
  repo.Write("real.yaml", "kind: Node\n");
  repo.Write(".env", "DATABASE_PASSWORD: canary-env-3f9a\n");
  repo.Git("config dflow.token canary-git-config-77c1");
  std::filesystem::create_symlink("../outside.yaml", repo.path() / "escape.yaml");
  std::filesystem::create_symlink("real.yaml", repo.path() / "alias.yaml");
  std::filesystem::create_symlink(".env", repo.path() / "env.yaml");
  std::filesystem::create_symlink(".git/config", repo.path() / "x.yaml");
  std::filesystem::create_symlink("missing.yaml", repo.path() / "gone.yaml");
  repo.CommitAll("links");

  for (bool from_git : {true, false}) {
    CAPTURE(from_git);
    auto snapshot = from_git ? ReadManifestsFromGit(repo.path().string(), "HEAD")
                             : ReadManifestsFromDirectory(repo.path().string());
    REQUIRE(snapshot.ok());
    CHECK(Paths(*snapshot) == std::vector<std::string>{"real.yaml"});
    // Dangling means: not in what is read. A commit holds neither .git/config nor anything
    // outside the repository; a work tree has both.
    CHECK(Problems(*snapshot) == std::map<std::string, std::string>{
                                     {"alias.yaml", LinkMessage("real.yaml", false)},
                                     {"env.yaml", LinkMessage(".env", false)},
                                     {"escape.yaml", LinkMessage("../outside.yaml", from_git)},
                                     {"gone.yaml", LinkMessage("missing.yaml", true)},
                                     {"x.yaml", LinkMessage(".git/config", from_git)},
                                 });
    for (const Diagnostic& d : snapshot->problems) {
      CHECK(d.hint == "replace the link with a copy of the file, or remove it");
      CHECK(d.severity == Diagnostic::Severity::kError);
    }
  }
}

TEST_CASE("a link's target is shown cut short and without control characters") {
  test::ScopedTempDir dir;
  test::GitRepo repo(dir.path() / "config");
  repo.Write("real.yaml", "kind: Node\n");
  std::filesystem::create_symlink("a\x1b[31m" + std::string(300, 'b'), repo.path() / "l.yaml");
  repo.CommitAll("odd link");
  for (bool from_git : {true, false}) {
    CAPTURE(from_git);
    auto snapshot = from_git ? ReadManifestsFromGit(repo.path().string(), "HEAD")
                             : ReadManifestsFromDirectory(repo.path().string());
    REQUIRE(snapshot.ok());
    REQUIRE(snapshot->problems.size() == 1);
    CHECK(snapshot->problems[0].message ==
          LinkMessage("a?[31m" + std::string(191, 'b') + "...", true));
  }
}

TEST_CASE("a FIFO with a manifest name is reported, not read (the read would block)") {
  test::ScopedTempDir dir;
  REQUIRE(mkfifo((dir.path() / "pipe.yaml").c_str(), 0600) == 0);
  auto snapshot = ReadManifestsFromDirectory(dir.path().string());
  REQUIRE(snapshot.ok());
  CHECK(snapshot->files.empty());
  CHECK(Problems(*snapshot) ==
        std::map<std::string, std::string>{{"pipe.yaml", "not a regular file: not read"}});
}

TEST_CASE("a file over the size bound is listed but not read") {
  test::ScopedTempDir dir;
  test::GitRepo repo(dir.path() / "config");
  repo.Write("huge.yaml", std::string(kMaxManifestFileBytes + 1, '#'));
  repo.Write("small.yaml", "a: 1\n");
  repo.CommitAll("huge");
  for (bool from_git : {true, false}) {
    CAPTURE(from_git);
    auto snapshot = from_git ? ReadManifestsFromGit(repo.path().string(), "HEAD")
                             : ReadManifestsFromDirectory(repo.path().string());
    REQUIRE(snapshot.ok());
    const SourceFile* huge = Find(*snapshot, "huge.yaml");
    REQUIRE(huge != nullptr);
    CHECK(huge->too_large);
    CHECK(huge->size == kMaxManifestFileBytes + 1);
    CHECK(huge->content.empty());
    CHECK_FALSE(Find(*snapshot, "small.yaml")->too_large);
  }
}

// The one problem of a revision past a bound, and how many files were kept.
std::size_t CheckRefusedOnce(const SourceSnapshot& snapshot) {
  std::size_t refusals = 0;
  for (const Diagnostic& d : snapshot.problems)
    refusals += d.message.find("nothing is applied from this revision") != std::string::npos;
  CHECK(refusals == 1);
  return snapshot.files.size();
}

TEST_CASE("a revision past the file count bound is refused once, and no more is read") {
  test::ScopedTempDir dir;
  test::GitRepo repo(dir.path() / "config");
  for (std::size_t i = 0; i < kMaxManifestFiles + 5; ++i)
    test::WriteFile(repo.path() / ("f" + std::to_string(i) + ".yaml"), "#\n");
  repo.CommitAll("many files");
  for (bool from_git : {true, false}) {
    CAPTURE(from_git);
    auto snapshot = from_git ? ReadManifestsFromGit(repo.path().string(), "HEAD")
                             : ReadManifestsFromDirectory(repo.path().string());
    REQUIRE(snapshot.ok());
    CHECK(CheckRefusedOnce(*snapshot) == kMaxManifestFiles);
  }
}

TEST_CASE("a revision past the total size bound is refused once, and no more is read") {
  test::ScopedTempDir dir;
  test::GitRepo repo(dir.path() / "config");
  const std::size_t fit = kMaxManifestRevisionBytes / kMaxManifestFileBytes;  // files at the cap
  for (std::size_t i = 0; i < fit + 3; ++i)
    test::WriteFile(repo.path() / ("big" + std::to_string(i) + ".yaml"),
                    std::string(kMaxManifestFileBytes, '#'));
  repo.CommitAll("big files");
  for (bool from_git : {true, false}) {
    CAPTURE(from_git);
    auto snapshot = from_git ? ReadManifestsFromGit(repo.path().string(), "HEAD")
                             : ReadManifestsFromDirectory(repo.path().string());
    REQUIRE(snapshot.ok());
    CHECK(CheckRefusedOnce(*snapshot) == fit);
    std::uint64_t bytes = 0;
    for (const SourceFile& file : snapshot->files) bytes += file.content.size();
    CHECK(bytes <= kMaxManifestRevisionBytes);
  }
}

TEST_CASE("missing repositories, revisions and empty repositories are clear errors") {
  test::ScopedTempDir dir;
  auto missing = ReadManifestsFromGit((dir.path() / "nope").string(), "HEAD");
  CHECK(missing.status().code() == Code::kNotFound);
  CHECK(missing.status().message().find("is not a Git repository") != std::string::npos);

  test::GitRepo empty(dir.path() / "empty");
  auto no_commits = ReadManifestsFromGit(empty.path().string(), "HEAD");
  CHECK(no_commits.status().code() == Code::kNotFound);
  CHECK(no_commits.status().message() ==
        "Git repository '" + empty.path().string() + "' has no commits yet");

  empty.Write("a.yaml", "a: 1\n");
  empty.CommitAll("one");
  auto bad_rev = ReadManifestsFromGit(empty.path().string(), "no-such-branch");
  CHECK(bad_rev.status().code() == Code::kNotFound);
  CHECK(bad_rev.status().message().starts_with("revision 'no-such-branch' not found"));

  auto no_dir = ReadManifestsFromDirectory((dir.path() / "nope").string());
  CHECK(no_dir.status().code() == Code::kNotFound);
}

TEST_CASE("an empty directory gives an empty snapshot (the loader reports it)") {
  test::ScopedTempDir dir;
  auto snapshot = ReadManifestsFromDirectory(dir.path().string());
  REQUIRE(snapshot.ok());
  CHECK(snapshot->files.empty());
}

}  // namespace
}  // namespace dflow
namespace doctest {
template <>
struct StringMaker<std::vector<std::string>> {
  static String convert(const std::vector<std::string>& values) {
    std::string text = "{";
    for (const auto& v : values) text += "\"" + v + "\" ";
    return (text + "}").c_str();
  }
};
}  // namespace doctest
