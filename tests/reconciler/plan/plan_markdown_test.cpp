#include "reconciler/plan/plan_markdown.h"

#include <doctest/doctest.h>

namespace dflow {
namespace {

Action Make(ActionKind kind, const std::string& app, const std::string& environment,
            const std::string& reason) {
  Action action;
  action.kind = kind;
  action.node = "web-1";
  action.app = app;
  action.environment = environment;
  action.reason = reason;
  return action;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

PlanReport SampleReport() {
  PlanReport report;
  report.title = "base abc → head def";
  report.environments = {"production", "staging"};
  NodePlan plan;
  plan.node = "web-1";
  plan.actions.push_back(Make(ActionKind::kCreateApp, "new-api", "production", "app missing"));
  Action config = Make(ActionKind::kSetConfig, "shop", "production", "secret TOKEN changed");
  config.config = {
      {"LOG_LEVEL", "debug", false, ""},
      {"TOKEN", "", true, "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"}};
  plan.actions.push_back(config);
  Action destroy = Make(ActionKind::kDestroyApp, "old", "production", "no longer in the repo");
  destroy.destructive = true;
  plan.actions.push_back(destroy);
  Action store = Make(ActionKind::kDestroyDatastore, "", "", "postgres datastore gone");
  store.engine = "postgres";
  store.target = "old-db";
  store.destructive = true;
  plan.actions.push_back(store);
  plan.notes.push_back({NoteKind::kOrphan, "legacy", "orphaned (pruning off)", "staging"});
  report.plans.push_back(plan);
  return report;
}

TEST_CASE("the summary counts apps created, changed, deleted and orphaned per environment") {
  PlanReport report = SampleReport();
  CHECK(PlanSummaryLine(report) ==
        "production: 1 app created, 1 changed, 1 deleted; staging: 1 app orphaned (kept); "
        "1 node-level change");
  report.plans.clear();
  CHECK(PlanSummaryLine(report) == "production: no changes; staging: no changes");
}

TEST_CASE("destructive actions are called out at the top, before the sections") {
  const std::string md = FormatPlanMarkdown(SampleReport());
  CHECK(
      md.starts_with("### dflow plan: base abc → head def\n\n**Summary:** production: 1 app "
                     "created"));
  const auto warning = md.find("> [!WARNING]");
  const auto section = md.find("#### Environment <code>production</code>");
  REQUIRE(warning != std::string::npos);
  REQUIRE(section != std::string::npos);
  CHECK(warning < section);
  CHECK(Contains(md, "> [!WARNING]\n> **:warning: 2 destructive changes**\n>\n"));
  CHECK(Contains(md,
                 "> - destroy app <code>old</code> on node <code>web-1</code> (production): "
                 "no longer in the repo\n"));
  CHECK(Contains(md,
                 "> - destroy postgres datastore <code>old-db</code> on node "
                 "<code>web-1</code>: postgres datastore gone\n"));
  CHECK(Contains(md, "#### Environment <code>staging</code>"));
  CHECK(Contains(md, "#### Node-level changes"));
}

TEST_CASE("a refused plan is called out, a plan without destruction has no warning") {
  PlanReport report = SampleReport();
  report.plans[0].refused = true;
  report.plans[0].refusal = "plan refused on node web-1: would destroy 1 of 1";
  CHECK(Contains(FormatPlanMarkdown(report),
                 "> - **refused**: plan refused on node web-1: would destroy 1 of 1\n"));
  CHECK(
      Contains(FormatPlanMarkdown(report), "**:warning: 2 destructive changes, 1 plan refused**"));
  report.plans[0].refused = false;
  std::erase_if(report.plans[0].actions, [](const Action& a) { return a.destructive; });
  CHECK_FALSE(Contains(FormatPlanMarkdown(report), "WARNING"));
}

TEST_CASE("secret values and their hashes never appear, plain values do") {
  const std::string md = FormatPlanMarkdown(SampleReport());
  CHECK(Contains(md, "LOG\\_LEVEL=debug TOKEN=\\*\\*\\*</code>"));  // escaped "***"
  CHECK_FALSE(Contains(md, "5e884898"));
}

TEST_CASE("hostile names and values cannot add markup, HTML or mentions") {
  PlanReport report;
  report.title = "<img src=x onerror=alert(1)>";
  report.environments = {"prod](http://evil)"};
  NodePlan plan;
  plan.node = "n`ode</code><b>";
  Action config = Make(ActionKind::kSetConfig, "a*pp*", "prod](http://evil)",
                       "config X changed\n# heading\n| table |");
  config.config = {
      {"X", "<script>alert(1)</script> **b** [l](http://e) @admins ![i](x) $x$", false, ""}};
  plan.actions.push_back(config);
  report.plans.push_back(plan);
  const std::string md = FormatPlanMarkdown(report);
  INFO(md);
  CHECK_FALSE(Contains(md, "<script"));
  CHECK_FALSE(Contains(md, "<img"));
  CHECK_FALSE(Contains(md, "<b>"));
  for (auto at = md.find("]("); at != std::string::npos; at = md.find("](", at + 1))
    CHECK(md[at - 1] == '\\');  // no link can form: every "](" follows an escaped ']'

  CHECK_FALSE(Contains(md, "**b**"));
  CHECK_FALSE(Contains(md, " @admins"));
  CHECK_FALSE(Contains(md, "\n# heading"));
  CHECK(Contains(md,
                 "&lt;script&gt;alert(1)&lt;/script&gt; \\*\\*b\\*\\* \\[l\\](http://e) "
                 "@\u200badmins \\!\\[i\\](x) \\$x\\$"));
  CHECK(Contains(md, "<code>n\\`ode&lt;/code&gt;&lt;b&gt;</code>"));
  CHECK(EscapeMarkdown("a\r\nb\tc") == "a  b c");
  CHECK(EscapeMarkdown("git@host") == "git@host");  // not a mention: left as it is
  CHECK(EscapeMarkdown("x & \"y\"") == "x &amp; &quot;y&quot;");
}

TEST_CASE("a node section longer than the collapse limit is folded in <details>") {
  PlanReport report;
  report.environments = {"production"};
  NodePlan plan;
  plan.node = "web-1";
  for (int i = 0; i <= kMarkdownCollapseAfter; ++i)
    plan.actions.push_back(
        Make(ActionKind::kCreateApp, "app-" + std::to_string(i), "production", "app missing"));
  report.plans.push_back(plan);
  std::string md = FormatPlanMarkdown(report);
  CHECK(Contains(
      md, "<details><summary>node <code>web-1</code> · 11 items (11 lines)</summary>\n\n- "));
  CHECK(Contains(md, "</details>"));
  report.plans[0].actions.pop_back();
  md = FormatPlanMarkdown(report);
  CHECK_FALSE(Contains(md, "<details>"));
  CHECK(Contains(md, "**node <code>web-1</code> · 10 items**\n\n- "));
}

TEST_CASE("a head that does not validate shows its errors with file:line and no plan") {
  PlanReport report;
  report.title = "head def";
  report.valid = false;
  Diagnostic d;
  d.file = "apps/x.yaml";
  d.line = 12;
  d.column = 5;
  d.message = "unknown field 'procesess'";
  d.hint = "did you mean 'processes'?";
  report.diagnostics = {d};
  const std::string md = FormatPlanMarkdown(report);
  CHECK(Contains(md, ":x: **The head does not validate** (1 error)"));
  CHECK(Contains(md,
                 "- <code>apps/x.yaml:12:5</code> error: unknown field 'procesess' (did you "
                 "mean 'processes'?)\n"));
  CHECK_FALSE(Contains(md, "Summary"));
}

TEST_CASE("a plan too long for one comment leaves later sections out and says so") {
  PlanReport report;
  for (int n = 0; n < 40; ++n) {
    NodePlan plan;
    plan.node = "node-" + std::to_string(n);
    for (int i = 0; i < 20; ++i)
      plan.actions.push_back(Make(ActionKind::kCreateApp, "app-" + std::to_string(i),
                                  "env-" + std::to_string(n), std::string(100, 'x')));
    report.plans.push_back(plan);
  }
  const std::string md = FormatPlanMarkdown(report);
  CHECK(md.size() <= kMarkdownMaxBytes + 200);
  CHECK(Contains(md, "left out: the plan is too long for one comment"));
}

}  // namespace
}  // namespace dflow
