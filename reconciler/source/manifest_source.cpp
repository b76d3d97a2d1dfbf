#include "reconciler/source/manifest_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <system_error>

#include "reconciler/source/libgit2.h"

namespace dflow {
namespace fs = std::filesystem;
namespace {

bool IsManifestPath(const std::string& relative) {
  std::string_view path(relative);
  if (!(path.ends_with(".yaml") || path.ends_with(".yml"))) return false;
  std::size_t start = 0;
  while (start < path.size()) {
    if (path[start] == '.') return false;  // hidden file or directory, e.g. .github/
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return true;
}

Diagnostic FileProblem(const std::string& path, std::string message, std::string hint) {
  Diagnostic d;
  d.file = path;
  d.message = std::move(message);
  d.hint = std::move(hint);
  return d;
}

void SortSnapshot(SourceSnapshot& snapshot) {
  std::sort(snapshot.files.begin(), snapshot.files.end(),
            [](const SourceFile& a, const SourceFile& b) { return a.path < b.path; });
}

// A link's target as messages show it: at most 200 bytes, control characters as '?', so a
// crafted target cannot flood or drive the operator's terminal.
std::string ShownTarget(std::string target) {
  if (target.size() > 200) target = target.substr(0, 197) + "...";
  for (char& c : target)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return target;
}

// A manifest-named symbolic link is reported, never followed, in a work tree and in a commit
// alike: following one read `env.yaml -> .env` or `x.yaml -> .git/config` and printed its
// secret-bearing lines in error excerpts.
Diagnostic LinkProblem(const std::string& path, const std::string& target, bool dangling) {
  return FileProblem(path,
                     std::string(dangling ? "dangling " : "") + "symbolic link to '" +
                         ShownTarget(target) + "' not read: dflow reads only regular files",
                     "replace the link with a copy of the file, or remove it");
}

// Counts the files and bytes read from one revision against kMaxManifestFiles and
// kMaxManifestRevisionBytes.
class RevisionBudget {
 public:
  // False once one more file of `size` bytes is past a bound; the first time, one problem on
  // `snapshot` names the file where reading stopped.
  bool Take(std::uint64_t size, const std::string& path, SourceSnapshot& snapshot) {
    if (exceeded_) return false;
    ++files_;
    bytes_ += std::min<std::uint64_t>(size, kMaxManifestFileBytes + 1);  // too large: not read
    if (files_ <= kMaxManifestFiles && bytes_ <= kMaxManifestRevisionBytes) return true;
    exceeded_ = true;
    snapshot.problems.push_back(FileProblem(
        path,
        "the manifests of this revision pass " + std::to_string(kMaxManifestFiles) + " files or " +
            std::to_string(kMaxManifestRevisionBytes >> 20) +
            " MiB in all: not read from here on, and nothing is applied from this revision",
        "keep only manifests in the config repo (dflow reads every *.yaml and *.yml outside "
        "dot-folders), or split it"));
    return false;
  }
  bool exceeded() const { return exceeded_; }

 private:
  std::size_t files_ = 0;
  std::uint64_t bytes_ = 0;
  bool exceeded_ = false;
};

Status ReadDirectoryFile(const fs::path& file, const std::string& relative,
                         SourceSnapshot& snapshot, RevisionBudget& budget) {
  std::error_code ec;
  const fs::file_status status = fs::symlink_status(file, ec);
  if (fs::is_symlink(status)) {
    const std::string target = fs::read_symlink(file, ec).string();
    // exists() only stats the target (to tell a dangling link); nothing is read through it.
    std::error_code exists_ec;
    snapshot.problems.push_back(LinkProblem(relative, target, !fs::exists(file, exists_ec)));
    return Status::Ok();
  }
  if (!ec && !fs::is_regular_file(status)) {  // a FIFO would block the read forever
    snapshot.problems.push_back(FileProblem(relative, "not a regular file: not read",
                                            "manifests are plain files; remove it"));
    return Status::Ok();
  }
  // O_NOFOLLOW: a file swapped for a link after the check above is still not followed.
  // O_NONBLOCK: nor does a file swapped for a FIFO block the open.
  const int fd = open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  struct stat info {};
  if (fd < 0 || fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    const int error = fd < 0 ? errno : 0;
    if (fd >= 0) close(fd);
    snapshot.problems.push_back(
        FileProblem(relative,
                    error == 0 ? "not a regular file: not read"
                               : "cannot read file: " + std::generic_category().message(error),
                    ""));
    return Status::Ok();
  }
  if (!budget.Take(static_cast<std::uint64_t>(info.st_size), relative, snapshot)) {
    close(fd);
    return Status::Ok();
  }
  SourceFile source;
  source.path = relative;
  source.size = static_cast<std::uint64_t>(info.st_size);
  source.too_large = source.size > kMaxManifestFileBytes;
  if (!source.too_large) {
    source.content.resize(source.size);
    std::size_t done = 0;
    while (done < source.content.size()) {
      const ssize_t n = read(fd, source.content.data() + done, source.content.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // shrunk while read: keep what is there
      done += static_cast<std::size_t>(n);
    }
    source.content.resize(done);
  }
  close(fd);
  snapshot.files.push_back(std::move(source));
  return Status::Ok();
}

// ---- libgit2 ----

struct TreeWalk {
  git_repository* repo;
  git_tree* root;
  git_odb* odb;
  SourceSnapshot* snapshot;
  RevisionBudget budget;
};

// Whether the link at `link_path` names an entry of the commit's tree. Lexical, like Git:
// a target that leaves the repository (absolute, or too many "..") names nothing in it.
bool LinkTargetInTree(git_tree* root, const std::string& link_path, const std::string& target) {
  if (target.empty() || target.front() == '/') return false;
  fs::path resolved =
      (fs::path("/") / fs::path(link_path).parent_path() / target).lexically_normal();
  std::string text = resolved.generic_string();
  if (text.size() < 2 || text.front() != '/') return false;
  git_tree_entry* raw_entry = nullptr;
  if (git_tree_entry_bypath(&raw_entry, root, text.substr(1).c_str()) != 0) return false;
  GitEntryPtr entry(raw_entry);
  return true;
}

// False when the file is not kept (its problem is recorded).
bool ReadBlobInto(TreeWalk& walk, const git_oid* oid, SourceFile& file) {
  size_t size = 0;
  git_object_t type = GIT_OBJECT_INVALID;
  if (git_odb_read_header(&size, &type, walk.odb, oid) != 0) {
    walk.snapshot->problems.push_back(FileProblem(file.path, GitError("cannot read blob"), ""));
    return true;  // kept empty, as before: the problem already fails the revision
  }
  if (!walk.budget.Take(size, file.path, *walk.snapshot)) return false;
  file.size = size;
  file.too_large = size > kMaxManifestFileBytes;
  if (file.too_large) return true;
  git_blob* raw = nullptr;
  if (git_blob_lookup(&raw, walk.repo, oid) != 0) {
    walk.snapshot->problems.push_back(FileProblem(file.path, GitError("cannot read blob"), ""));
    return true;
  }
  GitBlobPtr blob(raw);
  file.content.assign(static_cast<const char*>(git_blob_rawcontent(raw)),
                      static_cast<size_t>(git_blob_rawsize(raw)));
  return true;
}

// A committed link's blob holds its target path; it is reported, never followed.
void ReportLinkedBlob(TreeWalk& walk, const std::string& path, const git_oid* link_oid) {
  size_t size = 0;
  git_object_t type = GIT_OBJECT_INVALID;
  git_blob* raw = nullptr;
  if (git_odb_read_header(&size, &type, walk.odb, link_oid) != 0 || size > 4096 ||
      git_blob_lookup(&raw, walk.repo, link_oid) != 0) {
    walk.snapshot->problems.push_back(LinkProblem(path, "?", false));
    return;
  }
  GitBlobPtr blob(raw);
  std::string target(static_cast<const char*>(git_blob_rawcontent(raw)),
                     static_cast<size_t>(git_blob_rawsize(raw)));
  walk.snapshot->problems.push_back(
      LinkProblem(path, target, !LinkTargetInTree(walk.root, path, target)));
}

int VisitTreeEntry(const char* root, const git_tree_entry* entry, void* payload) {
  auto& walk = *static_cast<TreeWalk*>(payload);
  if (walk.budget.exceeded()) return 1;  // nothing more is read; skip the rest quickly
  const std::string name = git_tree_entry_name(entry);
  if (git_tree_entry_type(entry) == GIT_OBJECT_TREE) return name.front() == '.' ? 1 : 0;
  const std::string path = std::string(root) + name;
  if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB || !IsManifestPath(path)) return 0;
  if (git_tree_entry_filemode(entry) == GIT_FILEMODE_LINK) {
    ReportLinkedBlob(walk, path, git_tree_entry_id(entry));
    return 0;
  }
  SourceFile file;
  file.path = path;
  if (ReadBlobInto(walk, git_tree_entry_id(entry), file))
    walk.snapshot->files.push_back(std::move(file));
  return 0;
}

// git_repository_is_empty() only knows the default initial branch name; a repository with
// no reference at all is empty whatever its HEAD says.
bool HasNoReferences(git_repository* repo) {
  git_strarray refs = {nullptr, 0};
  if (git_reference_list(&refs, repo) != 0) return false;
  const bool empty = refs.count == 0;
  git_strarray_dispose(&refs);
  return empty;
}

Result<GitTreePtr> ResolveTree(git_repository* repo, const std::string& rev,
                               std::string& commit_id) {
  git_object* raw = nullptr;
  if (git_revparse_single(&raw, repo, rev.c_str()) != 0)
    return Status(Code::kNotFound, GitError("revision '" + rev + "' not found"));
  GitObjectPtr object(raw);
  git_object* peeled = nullptr;
  if (git_object_peel(&peeled, raw, GIT_OBJECT_COMMIT) != 0)
    return Status(Code::kInvalidArgument, "revision '" + rev + "' does not name a commit");
  GitObjectPtr commit(peeled);
  char hex[GIT_OID_HEXSZ + 1] = {};
  git_oid_tostr(hex, sizeof hex, git_object_id(peeled));
  commit_id = hex;
  git_object* tree = nullptr;
  if (git_object_peel(&tree, peeled, GIT_OBJECT_TREE) != 0)
    return Status(Code::kInternal, GitError("cannot read the tree of " + commit_id));
  return GitTreePtr(reinterpret_cast<git_tree*>(tree));
}

}  // namespace

Result<SourceSnapshot> ReadManifestsFromDirectory(const std::string& dir) {
  std::error_code ec;
  fs::path root = fs::canonical(dir, ec);
  if (ec || !fs::is_directory(root))
    return Status(Code::kNotFound, "config repo directory '" + dir + "' does not exist");
  SourceSnapshot snapshot;
  snapshot.description = dir;
  auto options = fs::directory_options::skip_permission_denied;
  RevisionBudget budget;
  for (auto it = fs::recursive_directory_iterator(root, options, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    // lexically: fs::relative would resolve symlinks and hide the link's own name.
    const std::string relative = it->path().lexically_relative(root).generic_string();
    // is_directory(ec) follows a link to a directory; the iterator itself never descends
    // into one (no follow_directory_symlink), so such a link is skipped like a directory.
    std::error_code entry_ec;  // an entry that vanished is read (and reported) below
    const bool directory = !it->is_symlink(entry_ec) && it->is_directory(entry_ec);
    if (directory && it->path().filename().string().front() == '.') {
      it.disable_recursion_pending();  // .git, .github, ...: never manifests
      continue;
    }
    if (directory || !IsManifestPath(relative)) continue;
    Status status = ReadDirectoryFile(it->path(), relative, snapshot, budget);
    if (!status.ok()) return status;
    if (budget.exceeded()) break;
  }
  if (ec) return Status(Code::kUnavailable, "reading '" + dir + "': " + ec.message());
  SortSnapshot(snapshot);
  return snapshot;
}

Result<SourceSnapshot> ReadManifestsFromGit(const std::string& repo_path, const std::string& rev) {
  EnsureLibgit2();
  git_repository* raw_repo = nullptr;
  if (git_repository_open_ext(&raw_repo, repo_path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH,
                              nullptr) != 0)
    return Status(Code::kNotFound, GitError("'" + repo_path + "' is not a Git repository"));
  GitRepoPtr repo(raw_repo);
  if (HasNoReferences(raw_repo))
    return Status(Code::kNotFound, "Git repository '" + repo_path + "' has no commits yet");
  SourceSnapshot snapshot;
  Result<GitTreePtr> tree = ResolveTree(raw_repo, rev, snapshot.revision);
  if (!tree.ok()) return tree.status();
  git_odb* raw_odb = nullptr;
  if (git_repository_odb(&raw_odb, raw_repo) != 0)
    return Status(Code::kInternal, GitError("cannot open the object database"));
  GitOdbPtr odb(raw_odb);
  snapshot.description = repo_path + "@" + snapshot.revision.substr(0, 12);
  TreeWalk walk{raw_repo, tree->get(), raw_odb, &snapshot, {}};
  if (git_tree_walk(tree->get(), GIT_TREEWALK_PRE, VisitTreeEntry, &walk) != 0)
    return Status(Code::kInternal, GitError("cannot walk the tree of " + snapshot.revision));
  SortSnapshot(snapshot);
  return snapshot;
}

Result<SourceSnapshot> ReadManifests(const std::string& path, const std::string& rev) {
  if (!rev.empty()) return ReadManifestsFromGit(path, rev);
  return ReadManifestsFromDirectory(path);
}

}  // namespace dflow
