// dflow plan: what apply would change on each node, and why, without changing anything.
// --live (the default) plans the head against the observed nodes; --base REV plans it against
// the base revision as if that were applied (static, no node access: the PR review).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "manifests-schema/diagnostic_format.h"
#include "reconciler/cli/cli.h"
#include "reconciler/cli/cli_edges.h"
#include "reconciler/cli/cli_plan.h"
#include "reconciler/plan/edge_diff.h"
#include "reconciler/plan/plan_format.h"
#include "reconciler/plan/plan_markdown.h"
#include "reconciler/plan/static_plan.h"
#include "reconciler/source/manifest_source.h"
#include "reconciler/status/plan_post.h"

namespace dflow::cli {
namespace {

struct PlanCommandArgs {
  PlanArgs plan;
  bool live = false;
  std::string base;
  std::string head;
  std::string format = "text";
  bool detailed_exitcode = false;
  std::string post;  // forge kind, or "" for no posting
  int pr = 0;
  std::string forge_url;
  std::string forge_repo;
  std::string status_url;
};

// A full commit id is cut to 12 digits; anything else (a branch, HEAD~1) stays as given.
std::string Short(const std::string& revision) {
  const bool sha =
      revision.size() == 40 && revision.find_first_not_of("0123456789abcdef") == std::string::npos;
  return sha ? revision.substr(0, 12) : revision;
}

// Flag combinations CLI11 cannot check; prints why and returns false.
bool CheckFlags(PlanCommandArgs& args) {
  auto fail = [](const std::string& why) {
    std::cerr << "dflow plan: " << why << "\n";
    return false;
  };
  if (args.live && !args.base.empty())
    return fail(
        "--live and --base exclude each other (--base plans head against base, --live "
        "against the nodes)");
  if (!args.head.empty() && !args.plan.repo.rev.empty() && args.head != args.plan.repo.rev)
    return fail("--head and --rev name the same thing; give one");
  if (!args.head.empty()) args.plan.repo.rev = args.head;
  if (args.post.empty()) return true;
  if (args.pr <= 0) return fail("--post needs --pr N (the pull or merge request number)");
  if (args.forge_repo.empty())
    return fail("--post needs --forge-repo (owner/name; GitLab: a project id or path)");
  return true;
}

std::vector<std::string> EnvironmentNames(const DesiredState& desired) {
  std::vector<std::string> names;
  for (const auto& env : desired.environments) names.push_back(env.name);
  return names;
}

// Keeps the nodes and actions --node/--env select, in head or (removed since) in base.
bool FilterStatic(const PlanArgs& args, const DesiredState& base, const DesiredState& head,
                  std::vector<NodePlan>& plans) {
  std::vector<std::string> nodes;
  std::ostringstream head_error, base_error;
  if (!SelectNodes(head, args.environment, args.node, nodes, head_error) &&
      !SelectNodes(base, args.environment, args.node, nodes, base_error)) {
    std::cerr << head_error.str();
    return false;
  }
  if (nodes.empty()) return true;  // no filter
  std::erase_if(plans, [&](const NodePlan& p) {
    return std::find(nodes.begin(), nodes.end(), p.node) == nodes.end();
  });
  if (!args.environment.empty())
    for (auto& plan : plans) KeepEnvironment(args.environment, plan);
  return true;
}

// Base is read without secrets: a static plan never needs their values.
std::optional<DesiredState> LoadBase(const PlanCommandArgs& args, PlanReport& report) {
  Result<SourceSnapshot> snapshot = ReadManifests(args.plan.repo.path, args.base);
  if (!snapshot.ok()) {
    std::cerr << "dflow: base: " << snapshot.status().message() << "\n";
    return std::nullopt;
  }
  LoadResult result = LoadDesiredState(snapshot.value());
  if (!result.ok()) {
    report.warnings.push_back("base " + snapshot.value().description +
                              " does not validate; the head is planned against empty nodes");
    std::cerr << "dflow: warning: " << report.warnings.back() << "\n";
    return DesiredState{};
  }
  DesiredState base = *result.desired;
  base.revision = snapshot.value().revision;
  return base;
}

// A static plan's edge lines, narrowed as a live plan's are: none for one node (--node), only
// the edges in front of the environment in either revision for one environment (--env).
std::vector<std::string> StaticEdgeLines(const PlanArgs& args, const DesiredState& base,
                                         const DesiredState& head) {
  if (!args.node.empty()) return {};
  std::vector<std::string> lines = DiffEdges(base, head);
  if (args.environment.empty()) return lines;
  std::vector<std::string> prefixes;  // "edge NAME:" and "edge NAME " (added, removed)
  for (const DesiredState* state : {&base, &head}) {
    for (const EdgeSpec& edge : state->edges) {
      if (std::find(edge.environments.begin(), edge.environments.end(), args.environment) ==
          edge.environments.end())
        continue;
      prefixes.push_back("edge " + edge.name + ":");
      prefixes.push_back("edge " + edge.name + " ");
    }
  }
  std::erase_if(lines, [&](const std::string& line) {
    return std::none_of(prefixes.begin(), prefixes.end(),
                        [&](const std::string& prefix) { return line.starts_with(prefix); });
  });
  return lines;
}

bool PlanStatic(const PlanCommandArgs& args, const DesiredState& head, PlanReport& report) {
  std::optional<DesiredState> base = LoadBase(args, report);
  if (!base) return false;
  PlanOptions options = PlanOptionsFor(head);
  options.allow_mass_delete = args.plan.allow_mass_delete;
  options.allow_datastore_destroy = args.plan.allow_datastore_destroy;
  StaticPlan plan = PlanBetween(*base, head, options);
  if (!FilterStatic(args.plan, *base, head, plan.plans)) return false;
  report.plans = std::move(plan.plans);
  report.environments_added = std::move(plan.environments_added);
  report.environments_removed = std::move(plan.environments_removed);
  report.nodes_added = std::move(plan.nodes_added);
  report.nodes_removed = std::move(plan.nodes_removed);
  report.edges = StaticEdgeLines(args.plan, *base, head);
  report.edges_change = !report.edges.empty();
  return true;
}

// Compares each edge's file with the edge's copy (docs/edge.md); not with --node, which plans
// one node only. `failed` is set when an edge cannot be planned.
void PlanLiveEdges(const PlanArgs& args, const DesiredState& desired, PlanReport& report,
                   bool& failed) {
  if (!args.node.empty()) return;
  for (const EdgePlan& edge : PlanEdges(desired, args.credentials, args.environment)) {
    report.edges.push_back(FormatEdgePlanLine(edge));
    report.edges_change = report.edges_change || edge.changes();
    if (!edge.error.empty()) failed = true;
  }
}

// Returns false when nothing could be planned; `node_errors` is set when a node failed.
bool PlanLive(const PlanCommandArgs& args, LoadedRepo loaded, PlanReport& report,
              bool& node_errors) {
  std::optional<PlannedFleet> planned = PlanLoadedFleet(args.plan, std::move(loaded));
  if (!planned) return false;
  for (const auto& outcome : planned->outcomes) {
    if (outcome.observed) report.plans.push_back(outcome.plan);
    if (!outcome.error.ok())
      report.node_errors.push_back(outcome.node + ": " + outcome.error.message());
  }
  node_errors = planned->node_errors;
  report.title += " against the nodes";
  return true;
}

std::string FleetChangesText(const PlanReport& report) {
  std::string text;
  auto add = [&](const std::vector<std::string>& names, const std::string& what) {
    for (const auto& name : names) text += what + " " + name + "\n";
  };
  add(report.environments_added, "environment added:");
  add(report.environments_removed, "environment removed:");
  add(report.nodes_added, "node added:");
  add(report.nodes_removed, "node removed:");
  for (const auto& edge : report.edges) text += edge + "\n";
  return text;
}

void Print(const PlanCommandArgs& args, const PlanReport& report) {
  if (args.format == "markdown") {
    std::cout << FormatPlanMarkdown(report);
  } else if (!report.valid) {
    return;  // the diagnostics went to stderr
  } else if (args.format == "json" && !args.base.empty()) {
    nlohmann::json json = nlohmann::json::parse(FormatPlansJson(report.plans));
    json["environments_added"] = report.environments_added;
    json["environments_removed"] = report.environments_removed;
    json["nodes_added"] = report.nodes_added;
    json["nodes_removed"] = report.nodes_removed;
    json["edges"] = report.edges;
    std::cout << json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else if (args.format == "json") {
    nlohmann::json json = nlohmann::json::parse(FormatPlansJson(report.plans));
    json["edges"] = report.edges;
    std::cout << json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    std::cout << FleetChangesText(report) << FormatPlansText(report.plans);
  }
}

std::string StatusDescription(const PlanReport& report) {
  if (!report.valid) {
    int errors = 0;
    for (const auto& d : report.diagnostics)
      errors += d.severity == Diagnostic::Severity::kError ? 1 : 0;
    return "head does not validate: " + std::to_string(errors) + " error(s)";
  }
  int changes = 0, destructive = 0;
  for (const auto& plan : report.plans) {
    changes += plan.ExecutableCount();
    destructive += plan.DestructiveCount();
  }
  if (changes == 0) return "no changes";
  return std::to_string(changes) + " change(s), " + std::to_string(destructive) + " destructive";
}

bool Post(const PlanCommandArgs& args, const PlanReport& report, const std::string& head_sha) {
  Result<ForgeKind> kind = ParseForgeKind(args.post);
  if (!kind.ok()) {
    std::cerr << "dflow plan: --post: " << kind.status().message() << "\n";
    return false;
  }
  if (head_sha.empty()) {
    std::cerr << "dflow plan: --post needs the head as a commit (--head REV), to set its status\n";
    return false;
  }
  PlanPost post;
  post.forge.kind = kind.value();
  post.forge.api_base_url = args.forge_url;
  post.forge.repo = args.forge_repo;
  std::string variable;
  Result<Secret> token = ForgeTokenFromEnvironment(kind.value(), variable);
  if (!token.ok()) {
    std::cerr << "dflow plan: --post " << args.post << ": " << token.status().message() << "\n";
    return false;
  }
  post.forge.token = *token;
  if (post.forge.token.empty()) {
    std::cerr << "dflow plan: --post " << args.post << ": no token; set " << variable << "\n";
    return false;
  }
  post.pr = args.pr;
  post.head_sha = head_sha;
  post.markdown = FormatPlanMarkdown(report);
  post.valid = report.valid;
  post.description = StatusDescription(report);
  post.target_url = args.status_url;
  Status status = PostPlan(post);
  if (!status.ok()) {
    std::cerr << "dflow: " << status.message() << "\n";
    return false;
  }
  std::cerr << "dflow: plan posted to " << args.post << " " << args.forge_repo << " #" << args.pr
            << " (token from " << variable << "); status " << kPlanStatusContext << ": "
            << (report.valid ? "success" : "failure") << "\n";
  return true;
}

bool HasChanges(const PlanReport& report) {
  for (const auto& plan : report.plans)
    if (plan.HasChanges() || plan.refused) return true;
  return false;
}

int Run(PlanCommandArgs& args) {
  if (!CheckFlags(args)) return kExitUsage;
  std::optional<LoadedRepo> head = LoadRepo(args.plan.repo, std::cerr);
  if (!head) return kExitFailure;
  std::cerr << FormatDiagnostics(head->result.diagnostics, head->snapshot);
  const std::string head_sha = head->snapshot.revision;
  PlanReport report;
  report.title = head_sha.empty() ? "work tree" : "head " + Short(head_sha);
  if (!args.base.empty()) report.title = "base " + Short(args.base) + " → " + report.title;
  report.valid = head->result.ok();
  report.diagnostics = head->result.diagnostics;
  bool failed = false;
  if (!report.valid) {
    std::cerr << head->snapshot.description << ": the config repo does not validate; nothing is "
              << "planned\n";
    failed = true;
  } else {
    report.environments = EnvironmentNames(*head->result.desired);
    if (args.base.empty()) PlanLiveEdges(args.plan, *head->result.desired, report, failed);
    const bool planned = args.base.empty() ? PlanLive(args, std::move(*head), report, failed)
                                           : PlanStatic(args, *head->result.desired, report);
    if (!planned) return kExitFailure;
  }
  Print(args, report);
  if (!args.post.empty() && !Post(args, report, head_sha)) failed = true;
  if (failed) return kExitFailure;
  if (args.detailed_exitcode && (HasChanges(report) || report.edges_change)) return kExitChanges;
  return kExitOk;
}

constexpr char kPlanFooter[] =
    "Modes:\n"
    "  --live (default)     the head (--head REV, or the directory as it is) against what the\n"
    "                       nodes run, observed over SSH.\n"
    "  --base REV           static: the head against the base revision as if it were applied;\n"
    "                       no node is contacted. Shows what merging a pull request changes.\n"
    "Posting (--post github|gitea|gitlab --pr N --forge-repo OWNER/NAME [--forge-url URL]):\n"
    "  the markdown plan becomes dflow's one comment on the pull request (edited by later runs)\n"
    "  and the head commit gets the status dflow/plan: success, or failure when the head does\n"
    "  not validate. The token is read from DFLOW_FORGE_TOKEN, else GITHUB_TOKEN, GITEA_TOKEN\n"
    "  (or FORGEJO_TOKEN), GITLAB_TOKEN by forge; it is never printed.\n"
    "Exit status: 0 ok (or converged with --detailed-exitcode), 1 invalid head, unreadable\n"
    "revision, a node could not be observed or posting failed, 2 changes pending\n"
    "(--detailed-exitcode), 64 usage error.";

void AddModeArgs(CLI::App& sub, PlanCommandArgs& args) {
  sub.add_flag("--live", args.live, "plan against the observed nodes (the default)");
  sub.add_option("--base", args.base,
                 "static plan: compare with this revision of the repo (branch, tag, sha, HEAD~1)");
  sub.add_option("--head", args.head,
                 "the revision to plan (same as --rev; default: the directory as it is)");
}

void AddPostArgs(CLI::App& sub, PlanCommandArgs& args) {
  sub.add_option("--post", args.post, "post the plan to a pull request: github, gitea or gitlab")
      ->check(CLI::IsMember({"github", "gitea", "forgejo", "gitlab"}));
  sub.add_option("--pr", args.pr, "pull request (GitLab: merge request iid) to comment on");
  sub.add_option("--forge-url", args.forge_url,
                 "API base URL (GitHub default https://api.github.com, Enterprise "
                 ".../api/v3; Gitea/Forgejo and GitLab: the server root)");
  sub.add_option("--forge-repo", args.forge_repo, "owner/name (GitLab: project id or path)");
  sub.add_option("--status-url", args.status_url, "link for the commit status (e.g. the CI run)");
}

}  // namespace

Command MakePlanCommand() {
  return {"plan", "Show what apply would change on each node, and why (changes nothing)",
          [](CLI::App& sub) {
            auto args = std::make_shared<PlanCommandArgs>();
            AddPlanArgs(sub, args->plan);
            AddModeArgs(sub, *args);
            sub.add_option("--format", args->format, "text, json or markdown (for a PR comment)")
                ->check(CLI::IsMember({"text", "json", "markdown"}))
                ->default_str("text");
            sub.add_flag("--detailed-exitcode", args->detailed_exitcode,
                         "exit 0 when converged, 2 when changes are pending, 1 on error");
            AddPostArgs(sub, *args);
            sub.footer(kPlanFooter);
            return std::function<int()>([args] { return Run(*args); });
          }};
}

}  // namespace dflow::cli
