// The plan as Markdown for a pull-request comment (GitHub, Gitea/Forgejo, GitLab): a one-line
// summary per environment, destructive actions and refused plans called out at the top, a
// section per environment and node, validation errors with file:line, long sections
// collapsed in <details>. Every name and value from the repo or the nodes is escaped, so
// nothing in them can add markup, links, HTML or @mentions. Secret values never appear
// (commands are shown through DisplayDokkuCommand, which prints them as ***).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "manifests-schema/diagnostic.h"
#include "reconciler/plan/plan.h"

namespace dflow {

// What one PR comment reports.
struct PlanReport {
  std::string title;                      // plain text, escaped when rendered
  std::vector<std::string> environments;  // the head's environment names (summary order)
  bool valid = true;                      // false: the head does not validate (plans empty)
  std::vector<Diagnostic> diagnostics;    // the head's errors and warnings
  std::vector<NodePlan> plans;
  std::vector<std::string> environments_added, environments_removed;
  std::vector<std::string> nodes_added, nodes_removed;
  std::vector<std::string> node_errors;  // "node: message" for nodes that could not be observed
  std::vector<std::string> warnings;     // plain text, e.g. "base X does not validate; ..."
  std::vector<std::string> edges;        // plain text, one line per edge change (docs/edge.md)
  bool edges_change = false;             // some edge's file changes
};

// Sections with more lines than this are collapsed in <details>.
inline constexpr int kMarkdownCollapseAfter = 10;
// Stay well under GitHub's 65536-character comment limit; later sections are left out.
inline constexpr std::size_t kMarkdownMaxBytes = 60000;

std::string FormatPlanMarkdown(const PlanReport& report);

// "production: 1 app created, 2 changed, 1 deleted; staging: no changes" (plain text).
std::string PlanSummaryLine(const PlanReport& report);

// Text safe to put anywhere in Markdown or HTML: HTML-escaped, Markdown punctuation
// backslash-escaped, line breaks and control characters turned into spaces, and an
// invisible break after '@' where GitHub would see a mention.
std::string EscapeMarkdown(std::string_view text);

}  // namespace dflow
