// git:from-archive (plugins/git/internal-functions cmd-git-from-archive, triggers
// git-from-archive and git-from-directory, common/archive-functions), for the one form dflow
// uses: a tar on stdin (`git:from-archive <app> --`).
#include <unistd.h>

#include <algorithm>
#include <ctime>

#include "tests/dokku-sim/sim.h"

namespace dokku_sim {

namespace sim_git_archive {

struct TarFile {
  std::string name;
  std::string data;
};

// A ustar/GNU tar's regular files, in order; false when it is not a valid archive (bad
// checksum, truncated).
bool ReadTar(const std::string& tar, std::vector<TarFile>& files) {
  constexpr std::size_t kBlock = 512;
  std::size_t at = 0;
  while (at + kBlock <= tar.size()) {
    const std::string header = tar.substr(at, kBlock);
    if (header.find_first_not_of('\0') == std::string::npos) return true;
    unsigned sum = 0;
    for (std::size_t i = 0; i < kBlock; ++i)
      sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(header[i]);
    if (std::strtoul(header.substr(148, 8).c_str(), nullptr, 8) != sum) return false;
    const std::size_t size = std::strtoul(header.substr(124, 12).c_str(), nullptr, 8);
    std::string name = header.substr(0, 100).c_str();
    const std::string prefix = header.substr(345, 155).c_str();
    if (!prefix.empty()) name = prefix + "/" + name;
    at += kBlock;
    if (at + size > tar.size()) return false;
    if (header[156] == '0' || header[156] == '\0') files.push_back({name, tar.substr(at, size)});
    at += (size + kBlock - 1) / kBlock * kBlock;
  }
  return false;  // no end-of-archive blocks
}

// The sed in trigger-git-git-from-archive keeps the common prefix of the names, then counts
// its '/': that many leading directories are stripped.
int BogusParts(const std::vector<TarFile>& files) {
  if (files.empty()) return 0;
  std::string prefix = files.front().name;
  for (const TarFile& f : files) {
    std::size_t n = 0;
    while (n < prefix.size() && n < f.name.size() && prefix[n] == f.name[n]) ++n;
    prefix.resize(n);
  }
  return static_cast<int>(std::count(prefix.begin(), prefix.end(), '/'));
}

std::string UtcNow() {
  std::time_t now = static_cast<std::time_t>(NowUnix());
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

// fn-archive-log-security-event, on stderr. The mktemp paths are shown with their template.
void SecurityEvent(Ctx& ctx, const std::string& event) {
  const std::string dir = "/tmp/dokku-" + std::to_string(getpid()) +
                          "-trigger-git-git-from-archive.XXXXXX";
  ctx.Err("[archive-security] timestamp=" + UtcNow() + " user=dokku event=" + event +
          " archive_type=tar source=" + dir + "/src.tar details=dest=" + dir + "\n");
}

Json FilesJson(const std::vector<TarFile>& files) {
  Json out = Json::object();
  for (const TarFile& f : files) out[f.name] = f.data;
  return out;
}

int GitFromArchive(Ctx& ctx, const Args& raw) {
  Args args;
  std::string type = "tar";
  Args in = WithAppArg(ctx, raw);
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == "--archive-type") {
      if (i + 1 < in.size()) type = in[++i];
    } else {
      args.push_back(in[i]);
    }
  }
  std::string app = args.size() > 0 ? args[0] : "";
  std::string url = args.size() > 1 ? args[1] : "";
  if (int rc = VerifyAppBash(ctx, app)) return rc;
  if (url.empty())
    return ctx.Fail("Please specify an archive url or -- to fetch the archive from stdin");
  if (url != "--" || type != "tar")
    return ctx.Fail("dokku-sim: git:from-archive supports only a tar on stdin (--)");
  const std::string& tar = ctx.Stdin();
  ctx.Info1("Fetching tar file from stdin");
  ctx.Line(std::to_string(tar.size()));  // `tee ... | wc -c`
  ctx.Info1("Generating build context");
  std::vector<TarFile> files;
  if (!ReadTar(tar, files)) {
    ctx.Err("tar: This does not look like a tar archive\n");
    ctx.Err("tar: Exiting with failure status due to previous errors\n");
    return 2;
  }
  ctx.Verbose("Striping " + std::to_string(BogusParts(files)) +
              " worth of directories from tarball");
  SecurityEvent(ctx, "extraction_started");
  SecurityEvent(ctx, "extraction_completed");
  ctx.Verbose("Moving unarchived files and folders into place");
  ctx.Info1("Updating git repository with specified build context");
  Json& a = ctx.store.App(app);
  const Json tree = FilesJson(files);
  if (!a.value("git_sha", "").empty() && a.value("repo_files", Json()) == tree) {
    ctx.Warn("No changes detected, skipping git commit");
    ctx.Warn("Call 'ps:rebuild' on app to rebuild the app from existing source");
    return 1;
  }
  if (a.value("git_sha", "").empty())
    SetProp(a, "git", "deploy-branch",
            Prop(a, "git", "deploy-branch").empty() ? "master" : Prop(a, "git", "deploy-branch"));
  a["repo_files"] = tree;
  // The app.json Dokku extracts at deploy (its healthchecks are what checks would run).
  auto app_json = tree.find("app.json");
  Json parsed = app_json == tree.end() ? Json() : Json::parse(app_json->get<std::string>(), nullptr, false);
  if (parsed.is_object())
    a["app_json"] = parsed;
  else
    a.erase("app_json");
  a["git_sha"] = Sha1Hex("archive:" + Sha256Hex(tar) + "#" + a.value("git_sha", ""));
  a["git_updated_at"] = std::to_string(NowUnix());
  const std::string rev = Prop(a, "git", "rev-env-var");
  a["config"][rev.empty() ? "GIT_REV" : rev] = a["git_sha"];
  // deploy-source-set with a type other than docker-image clears source-image.
  SetProp(a, "git", "source-image", "");
  a.erase("source_image");
  sim_git::RecordDeploy(ctx, app, a, "tar", "--");  // deploy-source-set <app> tar --
  return 0;
}

}  // namespace sim_git_archive

void RegisterGitArchive(std::vector<Command>& c) {
  c.push_back({"git:from-archive", sim_git_archive::GitFromArchive, true});
}

}  // namespace dokku_sim
