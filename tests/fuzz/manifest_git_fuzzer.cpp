// Fuzzes reading the manifests of a commit (ReadManifestsFromGit: revision, tree walk, blobs,
// symlinks stored in the tree) and loading them, as `dflow run` and `validate --rev` do. Each
// input (a repo in the fuzz_input.h form, with #@exec and #@link entries) becomes a commit in a
// bare repository made once in a temp dir; objects are loose files, so the repository is made
// anew every kRecreateEvery inputs to keep the object store (and the run) small.
#include <git2.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "manifests-schema/desired_state_loader.h"
#include "manifests-schema/diagnostic_format.h"
#include "reconciler/source/manifest_source.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

namespace fs = std::filesystem;
constexpr int kRecreateEvery = 2000;

// A directory of the tree being built: name -> blob (mode, id) or subdirectory.
struct Dir {
  std::map<std::string, std::pair<git_filemode_t, git_oid>> blobs;
  std::map<std::string, std::unique_ptr<Dir>> dirs;
};

struct Repo {
  std::string path;
  git_repository* repo = nullptr;
  git_signature* signature = nullptr;
  int uses = 0;
};

void Die(const char* what) {
  const git_error* e = git_error_last();
  fprintf(stderr, "fuzz setup: %s: %s\n", what, e ? e->message : "?");
  abort();
}

void Close(Repo& r) {
  git_repository_free(r.repo);
  r.repo = nullptr;
  std::error_code ec;
  fs::remove_all(r.path, ec);
}

// A bare repository with one branch (the source refuses a repository without references).
void Open(Repo& r) {
  char templ[] = "/tmp/dflow-fuzz-git-XXXXXX";
  if (!mkdtemp(templ)) Die("mkdtemp");
  r.path = templ;
  if (git_repository_init(&r.repo, r.path.c_str(), 1) != 0) Die("init");
  git_treebuilder* bld = nullptr;
  git_oid tree_id, commit_id;
  git_tree* tree = nullptr;
  if (git_treebuilder_new(&bld, r.repo, nullptr) != 0 || git_treebuilder_write(&tree_id, bld) ||
      git_tree_lookup(&tree, r.repo, &tree_id) != 0 ||
      git_commit_create(&commit_id, r.repo, "refs/heads/main", r.signature, r.signature, nullptr,
                        "empty", tree, 0, nullptr) != 0)
    Die("first commit");
  git_tree_free(tree);
  git_treebuilder_free(bld);
}

Repo& TheRepo() {
  static Repo* r = [] {
    git_libgit2_init();
    auto* repo = new Repo;
    if (git_signature_new(&repo->signature, "fuzz", "fuzz@example.com", 1700000000, 0) != 0)
      Die("signature");
    Open(*repo);
    // Left behind otherwise when libFuzzer exits (it calls exit(), so atexit runs).
    atexit([] { Close(TheRepo()); });
    return repo;
  }();
  return *r;
}

// Inserts `path` under `root`; a path that clashes with an existing file or directory, or has
// an empty component, is dropped (a tree cannot hold it).
void Insert(Dir& root, std::string_view path, git_filemode_t mode, const git_oid& id) {
  Dir* dir = &root;
  for (;;) {
    std::size_t slash = path.find('/');
    std::string name(path.substr(0, slash));
    if (name.empty()) return;
    if (slash == std::string_view::npos) {
      if (dir->dirs.count(name) == 0) dir->blobs[name] = {mode, id};
      return;
    }
    if (dir->blobs.count(name) != 0) return;
    auto& sub = dir->dirs[name];
    if (!sub) sub = std::make_unique<Dir>();
    dir = sub.get();
    path.remove_prefix(slash + 1);
  }
}

// Writes `dir` as tree objects; names libgit2 refuses (".git", "..", NUL, ...) are left out.
bool WriteTree(git_repository* repo, const Dir& dir, git_oid& out) {
  git_treebuilder* bld = nullptr;
  if (git_treebuilder_new(&bld, repo, nullptr) != 0) return false;
  for (const auto& [name, sub] : dir.dirs) {
    git_oid id;
    if (WriteTree(repo, *sub, id))
      git_treebuilder_insert(nullptr, bld, name.c_str(), &id, GIT_FILEMODE_TREE);
  }
  for (const auto& [name, blob] : dir.blobs)
    git_treebuilder_insert(nullptr, bld, name.c_str(), &blob.second, blob.first);
  bool ok = git_treebuilder_write(&out, bld) == 0;
  git_treebuilder_free(bld);
  return ok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Repo& r = TheRepo();
  if (++r.uses % kRecreateEvery == 0) {
    Close(r);
    Open(r);
  }
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Dir root;
  for (const auto& entry : dflow::fuzz::SplitRepo(input)) {
    if (entry.path.find('\0') != std::string::npos) continue;
    git_oid id;
    if (git_blob_create_from_buffer(&id, r.repo, entry.content.data(), entry.content.size()) != 0)
      Die("blob");
    git_filemode_t mode = entry.kind == dflow::fuzz::RepoEntry::Kind::kLink ? GIT_FILEMODE_LINK
                          : entry.kind == dflow::fuzz::RepoEntry::Kind::kExec
                              ? GIT_FILEMODE_BLOB_EXECUTABLE
                              : GIT_FILEMODE_BLOB;
    Insert(root, entry.path, mode, id);
  }
  git_oid tree_id, commit_id;
  if (!WriteTree(r.repo, root, tree_id)) Die("tree");
  git_tree* tree = nullptr;
  if (git_tree_lookup(&tree, r.repo, &tree_id) != 0 ||
      git_commit_create(&commit_id, r.repo, nullptr, r.signature, r.signature, nullptr, "fuzz",
                        tree, 0, nullptr) != 0)
    Die("commit");
  git_tree_free(tree);
  char hex[GIT_OID_HEXSZ + 1] = {};
  git_oid_tostr(hex, sizeof hex, &commit_id);

  auto snapshot = dflow::ReadManifestsFromGit(r.path, hex);
  if (!snapshot.ok()) {
    // Every commit made here exists: failing to read one is a bug.
    fprintf(stderr, "ReadManifestsFromGit failed: %s\n", snapshot.status().message().c_str());
    abort();
  }
  dflow::LoadResult result = dflow::LoadDesiredState(*snapshot);
  (void)dflow::FormatDiagnostics(result.diagnostics, *snapshot);
  return 0;
}
