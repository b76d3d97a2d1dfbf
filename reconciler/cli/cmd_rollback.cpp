// dflow rollback: return a service to an earlier release as a Git operation (docs/sources.md,
// "Rollback"). Git is the truth, so the rollback is a commit to the config repo that pins the
// service's ref (or image) in one environment to what that release deployed, changing only that
// value, on a branch of its own to push and merge like any change (or, with --push, straight
// onto the branch the controller follows); the controller then converges as usual. --now also
// asks the controller to deploy that release at once, ahead of Git (a rollback pin).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "manifests-schema/base/secret.h"
#include "manifests-schema/desired_state_loader.h"
#include "manifests-schema/diagnostic_format.h"
#include "reconciler/cli/cli.h"
#include "reconciler/cli/controller_client.h"
#include "reconciler/cli/release_reader.h"
#include "reconciler/cli/rollback_edit.h"
#include "reconciler/source/git_commit_file.h"
#include "reconciler/source/git_push.h"
#include "reconciler/source/manifest_source.h"

namespace dflow::cli {
namespace {

struct RollbackArgs {
  std::string application;
  std::string environment;
  std::string service;  // needed when releases of several services are on record
  std::int64_t to = 0;  // release id; 0: the release before the newest one
  std::string repo = ".";
  std::string rev = "HEAD";
  std::string branch;  // default dflow/rollback-<application>-<environment>-r<id>
  std::string server = "http://127.0.0.1:8080";
  std::string state_dir;
  bool push = false;  // commit onto --onto of --remote and push it there
  std::string onto;   // default: the clone's checked-out branch
  std::string remote = "origin";
  std::string git_token_file;  // https remotes; else $DFLOW_GIT_TOKEN
  std::string git_ssh_key;
  bool now = false;            // also pin the release on the controller at once
  std::string api_token_file;  // else $DFLOW_API_TOKEN
};

// "git <url>#<sha>" -> {ref, sha}; "image <ref>" -> {image, ref}.
Result<std::pair<std::string, std::string>> PinOf(const ReleaseRecord& release) {
  if (release.source.rfind("git ", 0) == 0) {
    const std::size_t hash = release.source.rfind('#');
    if (hash != std::string::npos)
      return std::make_pair(std::string("ref"), release.source.substr(hash + 1));
  }
  if (release.source.rfind("image ", 0) == 0)
    return std::make_pair(std::string("image"), release.source.substr(6));
  return Status(Code::kFailed, "release " + std::to_string(release.id) +
                                   " has no source to pin ('" + release.source + "')");
}

// The release to return to: --to, else the newest successful one whose source differs from the
// newest successful one's.
Result<ReleaseRecord> ChooseRelease(const std::vector<ReleaseRecord>& releases,
                                    const RollbackArgs& args) {
  const std::string listing =
      " (dflow releases " + args.application + " --env " + args.environment + ")";
  if (args.to != 0) {
    for (const ReleaseRecord& r : releases) {
      if (r.id != args.to) continue;
      if (r.result != "ok")
        return Status(Code::kFailed, "release " + std::to_string(r.id) +
                                         " failed; pick one that worked" + listing);
      return r;
    }
    return Status(Code::kNotFound, "no release " + std::to_string(args.to) + " of " +
                                       args.application + " in " + args.environment + listing);
  }
  const ReleaseRecord* newest = nullptr;
  for (const ReleaseRecord& r : releases) {
    if (r.result != "ok") continue;
    if (newest == nullptr) {
      newest = &r;
    } else if (r.source != newest->source) {
      return r;
    }
  }
  return Status(Code::kNotFound, "no earlier release of " + args.application + " in " +
                                     args.environment + " to return to" + listing);
}

int Fail(const Status& status) {
  std::cerr << "dflow: " << status.message() << "\n";
  return kExitFailure;
}

// --now: the controller deploys the release at once and holds it until Git moves on.
Status PinOnController(const RollbackArgs& args, const ReleaseRecord& target,
                       const std::pair<std::string, std::string>& pin_value) {
  auto token = ReadSecret(args.api_token_file, args.api_token_file.empty() ? "DFLOW_API_TOKEN" : "",
                          "--api-token-file");
  if (!token.ok() || token->empty())
    return Status(Code::kInvalidArgument,
                  "--now needs the controller's API token: --api-token-file FILE or "
                  "$DFLOW_API_TOKEN (api.tokenFile in the controller config)");
  nlohmann::json body = {{"application", args.application}, {"environment", args.environment},
                         {"service", target.service},       {"key", pin_value.first},
                         {"value", pin_value.second},       {"release", target.id}};
  auto answer = PostToController(args.server, "/api/v1/pins", body.dump(), *token);
  if (!answer.ok()) return answer.status().WithContext("--now");
  nlohmann::json reply = nlohmann::json::parse(*answer, nullptr, /*allow_exceptions=*/false);
  std::cout << "deploying now: " << reply.value("pinned", std::string("pinned by rollback"))
            << "\n";
  return Status::Ok();
}

int Run(const RollbackArgs& args) {
  ReleaseQuery query;
  query.server = args.server;
  query.state_dir = args.state_dir;
  query.app = args.application;
  query.environment = args.environment;
  query.limit = 500;
  auto all = ReadReleases(query);
  if (!all.ok()) return Fail(all.status());
  std::vector<ReleaseRecord> releases;
  std::vector<std::string> services;
  for (const ReleaseRecord& r : *all) {
    if (r.application != args.application) continue;  // an app name matches, too: not here
    if (!args.service.empty() && r.service != args.service) continue;
    if (std::find(services.begin(), services.end(), r.service) == services.end())
      services.push_back(r.service);
    releases.push_back(r);
  }
  if (services.size() > 1) {
    std::string names;
    for (const auto& s : services) names += (names.empty() ? "" : ", ") + s;
    return Fail(Status(Code::kInvalidArgument, args.application + " has releases of services " +
                                                   names + ": name one with --service"));
  }
  auto target = ChooseRelease(releases, args);
  if (!target.ok()) return Fail(target.status());
  auto pin_value = PinOf(*target);
  if (!pin_value.ok()) return Fail(pin_value.status());

  // --push builds on the remote's branch as it is now, so that the push is a fast-forward.
  GitPushTarget target_branch{args.repo, args.remote, args.onto, Secret(), args.git_ssh_key};
  std::string base = args.rev;
  if (args.push) {
    if (target_branch.branch.empty()) {
      auto current = CurrentBranchName(args.repo);
      if (!current.ok()) return Fail(current.status().WithContext("--push (or name it: --onto)"));
      target_branch.branch = *current;
    }
    auto token =
        ReadSecret(args.git_token_file, args.git_token_file.empty() ? "DFLOW_GIT_TOKEN" : "",
                   "--git-token-file");
    if (token.ok()) target_branch.token = *token;
    auto fetched = FetchRemoteBranch(target_branch);
    if (!fetched.ok()) {
      if (!args.now) return Fail(fetched.status());
      std::cerr << "dflow: " << fetched.status().message()
                << "\n  (deploying now anyway; the commit goes on a local branch to push later)\n";
    } else {
      base = *fetched;
    }
  }
  auto snapshot = ReadManifestsFromGit(args.repo, base);
  if (!snapshot.ok()) return Fail(snapshot.status());
  SourcePin pin{args.application, target->service, args.environment, pin_value->first,
                pin_value->second};
  auto edit = EditSourcePin(*snapshot, pin);
  if (!edit.ok()) return Fail(edit.status());
  if (edit->before == edit->after || edit->before == "\"" + pin.value + "\"" ||
      edit->before == pin.value) {
    std::cout << edit->path << ":" << edit->line << " already pins " << pin.key << " "
              << edit->before << ": nothing to commit\n";
    return kExitOk;
  }
  // The commit must validate, or the controller would keep the last good one and stall on it.
  SourceSnapshot edited = *snapshot;
  for (SourceFile& file : edited.files)
    if (file.path == edit->path) file.content = edit->content;
  LoadResult loaded = LoadDesiredState(edited);
  if (!loaded.ok()) {
    std::cerr << FormatDiagnostics(loaded.diagnostics, edited);
    return Fail(Status(Code::kInvalidManifest, "the rollback commit would not validate"));
  }

  // An emergency first: the deploy does not wait for the commit or the push.
  // A pin that fails stops here, before any commit: running again starts from scratch.
  if (args.now) {
    if (Status s = PinOnController(args, *target, *pin_value); !s.ok()) return Fail(s);
  }

  const std::string id = std::to_string(target->id);
  FileCommit commit;
  commit.repo_path = args.repo;
  commit.base = base;
  commit.path = edit->path;
  commit.content = edit->content;
  commit.branch = args.branch.empty()
                      ? "dflow/rollback-" + args.application + "-" + args.environment + "-r" + id
                      : args.branch;
  commit.message = "Roll back " + args.application + "/" + target->service + " in " +
                   args.environment + " to release " + id + "\n\nPins " + pin.key + " to " +
                   pin.value + ": release " + id + " deployed " + target->source + " on " +
                   target->node + " from config commit " + target->revision.substr(0, 12) + ".\n";
  auto made = CommitFileToNewBranch(commit);
  if (!made.ok()) return Fail(made.status());
  std::cout << "committed " << made->substr(0, 12) << " on branch " << commit.branch << "\n"
            << "  " << edit->path << ":" << edit->line << " " << pin.key << ": " << edit->before
            << " -> " << edit->after << "\n";
  if (args.push && base != args.rev) {
    Status pushed = PushToRemoteBranch(target_branch, "refs/heads/" + commit.branch);
    if (!pushed.ok()) {
      std::cerr << "dflow: " << pushed.message() << "\n  push it yourself: git push " << args.remote
                << " " << commit.branch << ":" << target_branch.branch << "\n";
      return kExitFailure;
    }
    std::cout << "pushed to " << target_branch.branch << " of " << args.remote
              << ": the controller deploys it on its next fetch (or at once with a webhook)\n";
    return kExitOk;
  }
  std::cout << "push it and open a pull request (or merge it into the branch dflow follows):\n"
            << "  git push " << args.remote << " " << commit.branch << "\n";
  return args.push ? kExitFailure : kExitOk;
}

}  // namespace

Command MakeRollbackCommand() {
  return {
      "rollback", "Return a service to an earlier release: a commit that pins its ref or image",
      [](CLI::App& sub) {
        auto args = std::make_shared<RollbackArgs>();
        sub.add_option("APPLICATION", args->application, "the application")->required();
        sub.add_option("--env", args->environment, "the environment")->required();
        sub.add_option("--service", args->service, "the service (when several have releases)");
        sub.add_option("--to", args->to,
                       "the release id to return to (default: the one before the newest)");
        sub.add_option("--repo", args->repo, "the config repo's clone")->default_str(".");
        sub.add_option("--rev", args->rev, "the revision to build on")->default_str("HEAD");
        sub.add_option("--branch", args->branch,
                       "the new branch (default dflow/rollback-APP-ENV-rID)");
        auto* server = sub.add_option("--server", args->server, "controller's HTTP address")
                           ->default_str("http://127.0.0.1:8080");
        sub.add_option("--state-dir", args->state_dir,
                       "read the releases from the controller's state directory instead")
            ->excludes(server);
        sub.add_flag("--push", args->push,
                     "commit onto the remote's branch (--onto) and push it there, instead of "
                     "leaving a branch for a pull request");
        sub.add_option("--onto", args->onto,
                       "with --push: the branch dflow follows (default: the checked-out one)");
        sub.add_option("--remote", args->remote, "with --push: the remote")->default_str("origin");
        sub.add_option("--git-token-file", args->git_token_file,
                       "with --push to https: a token file (default: $DFLOW_GIT_TOKEN)");
        sub.add_option("--git-ssh-key", args->git_ssh_key, "with --push to ssh: the private key");
        auto* now = sub.add_flag("--now", args->now,
                                 "also deploy the release at once: the controller pins it "
                                 "(\"pinned by rollback\") until a newer config commit");
        sub.add_option("--api-token-file", args->api_token_file,
                       "with --now: the controller's API token (default: $DFLOW_API_TOKEN)");
        now->excludes("--state-dir");
        sub.footer(
            "The commit changes only the pinned value, keeping the file's comments and "
            "layout, and is checked to validate first. It is made on a new branch; the work "
            "tree and the checked-out branch are not touched; --push then pushes it onto "
            "the followed branch (a fast-forward only). --now works while the config repo "
            "cannot be reached: the controller deploys the release at once and shows the "
            "app \"pinned by rollback\" (OutOfSync) until a config commit newer than the one "
            "in force arrives. Exit codes: 0 all done (or nothing to do), 1 a step failed "
            "(the output says which).");
        return std::function<int()>([args] { return Run(*args); });
      }};
}

}  // namespace dflow::cli
