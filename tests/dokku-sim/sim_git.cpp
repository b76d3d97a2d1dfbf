// git:* (§3.11), builds:report and builder:* (§3.10).
#include <unistd.h>

#include <algorithm>
#include <ctime>

#include "tests/dokku-sim/sim.h"

namespace dokku_sim {

namespace sim_git {

std::string First(std::initializer_list<std::string> v) {
  for (const auto& s : v)
    if (!s.empty()) return s;
  return "";
}

bool CollectGit(Ctx& ctx, const std::string& app, FlagValues& f) {
  std::string gbranch = GlobalProp(ctx, "git", "deploy-branch");
  std::string gkeep = GlobalProp(ctx, "git", "keep-git-dir");
  std::string gfiles = GlobalProp(ctx, "git", "archive-max-files");
  std::string gsize = GlobalProp(ctx, "git", "archive-max-size");
  f["--git-global-deploy-branch"] = gbranch;
  f["--git-global-keep-git-dir"] = gkeep;
  f["--git-global-archive-max-files"] = gfiles;
  f["--git-global-archive-max-size"] = gsize;
  f["--git-computed-archive-max-files"] = First({gfiles, "10000"});
  f["--git-computed-archive-max-size"] = First({gsize, "1073741824"});
  if (app == "--global") {
    f["--git-computed-deploy-branch"] = First({gbranch, "master"});
    f["--git-computed-keep-git-dir"] = First({gkeep, "false"});
    return true;
  }
  const Json& a = ctx.store.App(app);
  std::string branch = Prop(a, "git", "deploy-branch");
  std::string keep = Prop(a, "git", "keep-git-dir");
  f["--git-deploy-branch"] = branch;
  f["--git-computed-deploy-branch"] = First({branch, gbranch, "master"});
  f["--git-keep-git-dir"] = keep;
  f["--git-computed-keep-git-dir"] = First({keep, gkeep, "false"});
  f["--git-rev-env-var"] = First({Prop(a, "git", "rev-env-var"), "GIT_REV"});
  f["--git-sha"] = a.value("git_sha", "");
  f["--git-source-image"] = First({Prop(a, "git", "source-image"), a.value("source_image", "")});
  f["--git-last-updated-at"] = a.value("git_updated_at", "");
  return true;
}

int GitReport(Ctx& ctx, const Args& args) {
  return RunReport(ctx, args, {"git", false, true, true}, CollectGit);
}

void RecordDeploy(Ctx& ctx, const std::string& app, Json& a, const std::string& source,
                  const std::string& metadata) {
  a["has_source"] = true;
  // Another source replaces the whole build context: app.json goes with the archive's files.
  if (source != "tar") {
    a.erase("repo_files");
    a.erase("app_json");
  }
  Deploy(ctx, app, a);
  a["deploy_source"] = source;
  a["deploy_source_metadata"] = metadata;
  a["build"] = {
      {"id",
       Sha256Hex(app + "/build/" + std::to_string(a.value("deploy_count", 0L))).substr(0, 14)},
      {"status", "succeeded"},
      {"source", source},
      {"exit_code", "0"},
      {"started_at", std::to_string(NowUnix())},
      {"finished_at", std::to_string(NowUnix())}};
  ctx.store.SaveApp(app);
}

bool IsSha(const std::string& ref) {
  return ref.size() == 40 && ref.find_first_not_of("0123456789abcdef") == std::string::npos;
}

int GitSync(Ctx& ctx, const Args& raw) {
  std::string flag;
  bool skip_branch = false;
  Args args;
  for (const auto& a : WithAppArg(ctx, raw)) {
    if (a == "--build" || a == "--build-if-changes") {
      flag = a;
    } else if (a == "--skip-deploy-branch") {
      skip_branch = true;
    } else {
      args.push_back(a);
    }
  }
  std::string app = args.size() > 0 ? args[0] : "";
  std::string remote = args.size() > 1 ? args[1] : "";
  std::string ref = args.size() > 2 ? args[2] : "";
  if (int rc = VerifyAppBash(ctx, app)) return rc;
  if (remote.empty()) return ctx.Fail("Missing GIT_REMOTE parameter");
  Json& a = ctx.store.App(app);
  std::string current = a.value("git_sha", "");
  if (current.empty())
    ctx.Info1Quiet("Cloning " + app + " from " + remote + "#" + ref);
  else
    ctx.Verbose("Fetching remote code for " + app + " from " + remote + "#" + ref);
  std::string updated = IsSha(ref) ? ref : Sha1Hex(remote + "#" + ref);
  if (!ResolveRemoteRef(ctx, remote, ref, updated)) return 1;
  a["git_sha"] = updated;
  a["git_updated_at"] = std::to_string(NowUnix());
  a["has_source"] = true;
  if (!ref.empty() && !IsSha(ref) && !skip_branch) SetProp(a, "git", "deploy-branch", ref);
  ctx.store.SaveApp(app);
  if (flag.empty()) return 0;
  if (flag == "--build-if-changes" && current == updated) {
    ctx.Verbose("Skipping build as no changes were detected");
    return 0;
  }
  std::string rev = First({Prop(a, "git", "rev-env-var"), "GIT_REV"});
  a["config"][rev] = updated;
  // deploy-source-set with a type other than docker-image clears the git plugin's
  // source-image property (plugins/git/deploy-source-set).
  SetProp(a, "git", "source-image", "");
  a.erase("source_image");
  RecordDeploy(ctx, app, a, "git-sync", remote + "#" + updated);
  return 0;
}

int GitFromImage(Ctx& ctx, const Args& raw) {
  Args args;
  bool force = false;
  Args in = WithAppArg(ctx, raw);
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == "--build-dir") {
      ++i;
    } else if (in[i] == "--force") {
      force = true;
    } else {
      args.push_back(in[i]);
    }
  }
  std::string app = args.size() > 0 ? args[0] : "";
  std::string image = args.size() > 1 ? args[1] : "";
  if (int rc = VerifyAppBash(ctx, app)) return rc;
  if (image.empty()) return ctx.Fail("Please specify a docker image");
  Json& a = ctx.store.App(app);
  Json& pulled = ctx.store.Global()["pulled_images"];
  bool have = pulled.is_array() && std::find(pulled.begin(), pulled.end(), image) != pulled.end();
  ctx.Info1("Generating build context");
  if (force) {
    ctx.Info1("Force pulling image");
  } else if (have) {
    ctx.Info1("Image exists on host, skipping pull");
  } else {
    ctx.Info1("Pulling image");
  }
  if (!have) {
    if (!pulled.is_array()) pulled = Json::array();
    pulled.push_back(image);
    ctx.store.SaveGlobal();
  }
  if (a.value("source_image", "") == image) {
    ctx.Warn("No changes detected, skipping git commit");
    ctx.Warn("Call 'ps:rebuild' on app to rebuild the app from existing source");
    return 1;
  }
  // A new app's repo is cloned from the generated one on the computed deploy branch, and
  // fn-git-clone stores that branch as deploy-branch (plugins/git/git-from-directory).
  if (a.value("git_sha", "").empty())
    SetProp(a, "git", "deploy-branch",
            First({Prop(a, "git", "deploy-branch"), GlobalProp(ctx, "git", "deploy-branch"),
                   "master"}));
  a["source_image"] = image;
  a["git_sha"] = Sha1Hex("image:" + image + "#" + a.value("git_sha", ""));
  a["git_updated_at"] = std::to_string(NowUnix());
  // git-from-directory commits the generated Dockerfile and builds that commit: git_build
  // stores its sha in the rev-env-var config key like any git deploy (plugins/git/functions).
  a["config"][First({Prop(a, "git", "rev-env-var"), "GIT_REV"})] = a["git_sha"];
  RecordDeploy(ctx, app, a, "docker-image", image);
  return 0;
}

int GitSet(Ctx& ctx, const Args& raw) {
  Args args = WithAppArg(ctx, raw);
  std::string app = args.empty() ? "" : args[0];
  if (app != "--global") {
    if (int rc = VerifyAppBash(ctx, app)) return rc;
  }
  std::string key = args.size() > 1 ? args[1] : "";
  static const std::vector<std::string> kKeys = {"archive-max-files", "archive-max-size",
                                                 "deploy-branch",     "keep-git-dir",
                                                 "rev-env-var",       "source-image"};
  if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end())
    return ctx.Fail(
        "Invalid key specified, valid keys include: archive-max-files, archive-max-size, "
        "deploy-branch, keep-git-dir, rev-env-var, source-image");
  std::string value = args.size() > 2 ? args[2] : "";
  if (value.empty())
    ctx.Info2Quiet("Unsetting " + key);
  else
    ctx.Info2Quiet("Setting " + key + " to " + value);
  Json& doc = app == "--global" ? ctx.store.Global() : ctx.store.App(app);
  SetProp(doc, "git", key, value);
  if (app == "--global")
    ctx.store.SaveGlobal();
  else
    ctx.store.SaveApp(app);
  return 0;
}

bool CollectBuilds(Ctx& ctx, const std::string& app, FlagValues& f) {
  std::string gret = GlobalProp(ctx, "builds", "retention");
  f["--builds-global-retention"] = gret;
  if (app == "--global") return true;
  const Json& a = ctx.store.App(app);
  Json b = a.value("build", Json::object());
  f["--build-id"] = b.value("id", "");
  f["--build-kind"] = b.empty() ? "" : "build";
  f["--build-status"] = b.value("status", "");
  f["--build-pid"] = "";
  f["--build-source"] = b.value("source", "");
  f["--build-started-at"] = b.value("started_at", "");
  f["--build-finished-at"] = b.value("finished_at", "");
  f["--build-exit-code"] = b.value("exit_code", "");
  std::string ret = Prop(a, "builds", "retention");
  f["--builds-retention"] = ret;
  f["--builds-computed-retention"] = First({ret, gret, "20"});
  return true;
}

int BuildsReport(Ctx& ctx, const Args& args) {
  return RunReport(ctx, args, {"builds", true, true, true}, CollectBuilds);
}

bool CollectBuilder(Ctx& ctx, const std::string& app, FlagValues& f) {
  std::string gsel = GlobalProp(ctx, "builder", "selected");
  std::string gdir = GlobalProp(ctx, "builder", "build-dir");
  std::string gskip = GlobalProp(ctx, "builder", "skip-cleanup");
  f["--builder-global-selected"] = gsel;
  f["--builder-global-build-dir"] = gdir;
  f["--builder-global-skip-cleanup"] = gskip;
  if (app == "--global") {
    f["--builder-computed-selected"] = gsel;
    f["--builder-computed-build-dir"] = gdir;
    f["--builder-computed-skip-cleanup"] = First({gskip, "false"});
    return true;
  }
  const Json& a = ctx.store.App(app);
  std::string sel = Prop(a, "builder", "selected");
  std::string dir = Prop(a, "builder", "build-dir");
  std::string skip = Prop(a, "builder", "skip-cleanup");
  std::string detected;
  if (a.value("deployed", false))
    detected = a.value("deploy_source", "") == "docker-image" ||
                       a.value("repo_files", Json::object()).contains("Dockerfile")
                   ? "dockerfile"
                   : "herokuish";
  f["--builder-selected"] = sel;
  f["--builder-computed-selected"] = First({sel, gsel});
  f["--builder-detected"] = detected;
  f["--builder-build-dir"] = dir;
  f["--builder-computed-build-dir"] = First({dir, gdir});
  f["--builder-skip-cleanup"] = skip;
  f["--builder-computed-skip-cleanup"] = First({skip, gskip, "false"});
  return true;
}

int BuilderReport(Ctx& ctx, const Args& args) {
  return RunReport(ctx, args, {"builder", true, true, true}, CollectBuilder);
}

int BuilderSet(Ctx& ctx, const Args& args) {
  return PropertySet(ctx, "builder", args, {"build-dir", "detected", "selected", "skip-cleanup"},
                     {"build-dir", "selected", "skip-cleanup"});
}

}  // namespace sim_git

// git:from-archive (plugins/git/internal-functions cmd-git-from-archive, triggers
// git-from-archive and git-from-directory, common/archive-functions), for the one form dflow
// uses: a tar on stdin (`git:from-archive <app> --`).
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
  const std::string dir =
      "/tmp/dokku-" + std::to_string(getpid()) + "-trigger-git-git-from-archive.XXXXXX";
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
  Json parsed =
      app_json == tree.end() ? Json() : Json::parse(app_json->get<std::string>(), nullptr, false);
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

void RegisterGit(std::vector<Command>& c) {
  using namespace sim_git;
  c.push_back({"git:report", GitReport, false});
  c.push_back({"git:sync", GitSync, true});
  c.push_back({"git:from-image", GitFromImage, true});
  c.push_back({"git:from-archive", sim_git_archive::GitFromArchive, true});
  c.push_back({"git:set", GitSet, true});
  c.push_back({"builds:report", BuildsReport, false});
  c.push_back({"builder:report", BuilderReport, false});
  c.push_back({"builder:set", BuilderSet, true});
}

}  // namespace dokku_sim
