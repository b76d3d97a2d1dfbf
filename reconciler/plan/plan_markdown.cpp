#include "reconciler/plan/plan_markdown.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "providers/dokku/dokku_commands.h"

namespace dflow {
namespace {

// What can start inline markup mid-line: emphasis, code, links and images (a '(' is harmless
// once '[' and ']' are escaped), tables, strike, math; HTML is entity-escaped apart. A name is
// never at the start of a line, so list and heading markers need no escape there.
constexpr std::string_view kMarkdownPunctuation = "\\`*_[]#!|~$";

std::string Code(std::string_view text) { return "<code>" + EscapeMarkdown(text) + "</code>"; }

std::string Plural(int count, const std::string& one, const std::string& many) {
  return std::to_string(count) + " " + (count == 1 ? one : many);
}

bool IsAppOrphan(const PlanNote& note) {
  return note.kind == NoteKind::kOrphan && !note.environment.empty();
}

// Per environment, the Dokku apps created, changed, deleted, or orphaned (kept).
struct EnvironmentCounts {
  std::set<std::string> created, changed, deleted, orphaned;
};

std::map<std::string, EnvironmentCounts> CountByEnvironment(const std::vector<NodePlan>& plans) {
  std::map<std::string, EnvironmentCounts> counts;
  for (const auto& plan : plans) {
    for (const auto& a : plan.actions) {
      if (a.app.empty() || a.report_only) continue;
      EnvironmentCounts& env = counts[a.environment];
      if (a.kind == ActionKind::kCreateApp) env.created.insert(a.app);
      if (a.kind == ActionKind::kDestroyApp) env.deleted.insert(a.app);
    }
    for (const auto& a : plan.actions) {
      if (a.app.empty() || a.report_only) continue;
      EnvironmentCounts& env = counts[a.environment];
      if (!env.created.contains(a.app) && !env.deleted.contains(a.app)) env.changed.insert(a.app);
    }
    for (const auto& note : plan.notes)
      if (IsAppOrphan(note)) counts[note.environment].orphaned.insert(note.subject);
  }
  return counts;
}

std::string CountsText(const EnvironmentCounts& c) {
  std::vector<std::string> parts;
  auto add = [&](std::size_t n, const std::string& what) {
    if (n == 0) return;
    const int count = static_cast<int>(n);
    parts.push_back(parts.empty() ? Plural(count, "app ", "apps ") + what
                                  : std::to_string(count) + " " + what);
  };
  add(c.created.size(), "created");
  add(c.changed.size(), "changed");
  add(c.deleted.size(), "deleted");
  add(c.orphaned.size(), "orphaned (kept)");
  if (parts.empty()) return "no changes";
  std::string text;
  for (const auto& part : parts) text += (text.empty() ? "" : ", ") + part;
  return text;
}

int NodeLevelChanges(const std::vector<NodePlan>& plans) {
  int count = 0;
  for (const auto& plan : plans)
    for (const auto& a : plan.actions) count += a.app.empty() && !a.report_only ? 1 : 0;
  return count;
}

std::vector<std::string> EnvironmentOrder(const PlanReport& report) {
  std::vector<std::string> order = report.environments;
  for (const auto& [env, counts] : CountByEnvironment(report.plans))
    if (!env.empty() && std::find(order.begin(), order.end(), env) == order.end())
      order.push_back(env);
  return order;
}

std::string DestroyText(const Action& a) {
  const std::string what = a.kind == ActionKind::kDestroyApp
                               ? "app " + Code(a.app)
                               : EscapeMarkdown(a.engine) + " datastore " + Code(a.target);
  std::string env = a.environment.empty() ? "" : " (" + EscapeMarkdown(a.environment) + ")";
  return "destroy " + what + " on node " + Code(a.node) + env + ": " + EscapeMarkdown(a.reason);
}

// A GitHub/Gitea alert block; other renderers show it as a plain quote, still on top.
std::string WarningsSection(const PlanReport& report) {
  std::vector<std::string> lines;
  int destroys = 0, refused = 0;
  for (const auto& plan : report.plans) {
    if (plan.refused) {
      ++refused;
      lines.push_back("**refused**: " + EscapeMarkdown(plan.refusal));
    }
    for (const auto& a : plan.actions) {
      if (!a.destructive) continue;
      ++destroys;
      lines.push_back(DestroyText(a));
    }
  }
  if (lines.empty()) return "";
  std::vector<std::string> heads;
  if (destroys > 0) heads.push_back(Plural(destroys, "destructive change", "destructive changes"));
  if (refused > 0) heads.push_back(Plural(refused, "plan refused", "plans refused"));
  std::string text = "> [!WARNING]\n> **:warning: " + heads[0];
  if (heads.size() > 1) text += ", " + heads[1];
  text += "**\n>\n";
  for (const auto& line : lines) text += "> - " + line + "\n";
  return text + "\n";
}

std::string NameList(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + Code(name);
  return text;
}

std::string FleetSection(const PlanReport& report) {
  std::string text;
  auto add = [&](const std::vector<std::string>& names, const std::string& what) {
    if (!names.empty()) text += "- " + what + ": " + NameList(names) + "\n";
  };
  add(report.environments_added, "environments added");
  add(report.environments_removed, "environments removed");
  add(report.nodes_added, "nodes added");
  add(report.nodes_removed, "nodes removed");
  for (const auto& warning : report.warnings)
    text += "- :warning: " + EscapeMarkdown(warning) + "\n";
  for (const auto& edge : report.edges) text += "- " + EscapeMarkdown(edge) + "\n";
  for (const auto& error : report.node_errors)
    text += "- :x: could not observe node " + EscapeMarkdown(error) + "\n";
  return text.empty() ? "" : text + "\n";
}

std::string ActionLine(const Action& a) {
  const std::string subject = !a.app.empty() ? a.app : !a.target.empty() ? a.target : "node";
  std::string line = "- " + std::string(a.destructive ? ":warning: " : "") + "**" +
                     std::string(ActionKindName(a.kind)) + "** " + Code(subject) + ": " +
                     EscapeMarkdown(a.reason);
  if (a.report_only) line += " *(drift, not applied: self-heal off)*";
  return line + "<br>" + Code("$ " + DisplayDokkuCommand(a)) + "\n";
}

std::string NoteLine(const PlanNote& note) {
  return "- *" + std::string(NoteKindName(note.kind)) + "* " +
         Code(note.subject.empty() ? "node" : note.subject) + ": " + EscapeMarkdown(note.message) +
         "\n";
}

// The lines of one node that belong to `environment` ("" = node-level).
std::vector<std::string> NodeLines(const NodePlan& plan, const std::string& environment) {
  std::vector<std::string> lines;
  for (const auto& a : plan.actions)
    if (a.environment == environment) lines.push_back(ActionLine(a));
  for (const auto& note : plan.notes)
    if (note.environment == environment) lines.push_back(NoteLine(note));
  return lines;
}

std::string Block(const std::string& heading, const std::vector<std::string>& lines) {
  std::string body;
  for (const auto& line : lines) body += line;
  if (static_cast<int>(lines.size()) <= kMarkdownCollapseAfter)
    return "**" + heading + "**\n\n" + body + "\n";
  return "<details><summary>" + heading + " (" + std::to_string(lines.size()) +
         " lines)</summary>\n\n" + body + "\n</details>\n\n";
}

std::string NodeHeading(const NodePlan& plan, const std::vector<std::string>& lines) {
  return "node " + Code(plan.node) + " · " +
         Plural(static_cast<int>(lines.size()), "item", "items");
}

// One section per environment (then node-level steps), each listing its nodes.
std::vector<std::string> Sections(const PlanReport& report) {
  std::vector<std::string> sections;
  std::vector<std::string> order = EnvironmentOrder(report);
  order.push_back("");
  for (const auto& env : order) {
    std::string section;
    for (const auto& plan : report.plans) {
      std::vector<std::string> lines = NodeLines(plan, env);
      if (!lines.empty()) section += Block(NodeHeading(plan, lines), lines);
    }
    if (section.empty()) continue;
    const std::string title = env.empty() ? "Node-level changes" : "Environment " + Code(env);
    sections.push_back("#### " + title + "\n\n" + section);
  }
  return sections;
}

std::string DiagnosticsSection(const PlanReport& report) {
  if (report.diagnostics.empty()) return "";
  std::vector<std::string> lines;
  for (const Diagnostic& d : report.diagnostics) {
    std::string where = d.file + (d.line > 0 ? ":" + std::to_string(d.line) : "") +
                        (d.column > 0 ? ":" + std::to_string(d.column) : "");
    std::string severity = d.severity == Diagnostic::Severity::kError ? "error" : "warning";
    lines.push_back("- " + Code(where) + " " + severity + ": " + EscapeMarkdown(d.message) +
                    (d.hint.empty() ? "" : " (" + EscapeMarkdown(d.hint) + ")") + "\n");
  }
  return "#### Validation\n\n" +
         Block(Plural(static_cast<int>(lines.size()), "diagnostic", "diagnostics"), lines);
}

std::string SummarySection(const PlanReport& report) {
  if (!report.valid) {
    int errors = 0;
    for (const auto& d : report.diagnostics)
      errors += d.severity == Diagnostic::Severity::kError ? 1 : 0;
    return ":x: **The head does not validate** (" + Plural(errors, "error", "errors") +
           "): nothing can be planned and nothing of it would be applied.\n\n";
  }
  return "**Summary:** " + EscapeMarkdown(PlanSummaryLine(report)) + "\n\n";
}

}  // namespace

std::string EscapeMarkdown(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  char previous = ' ';
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '"') {
      out += "&quot;";
    } else if (u < 0x20 || u == 0x7f) {
      out += ' ';
    } else if (kMarkdownPunctuation.find(c) != std::string_view::npos) {
      out += '\\';
      out += c;
    } else if (c == '@' && !std::isalnum(static_cast<unsigned char>(previous))) {
      out += "@\u200b";  // zero-width space: no @mention, no notification
    } else {
      out += c;
    }
    previous = c;
  }
  return out;
}

std::string PlanSummaryLine(const PlanReport& report) {
  const auto counts = CountByEnvironment(report.plans);
  std::string line;
  for (const auto& env : EnvironmentOrder(report)) {
    auto it = counts.find(env);
    line += (line.empty() ? "" : "; ") + env + ": " +
            (it == counts.end() ? "no changes" : CountsText(it->second));
  }
  if (const int node_level = NodeLevelChanges(report.plans); node_level > 0)
    line +=
        (line.empty() ? "" : "; ") + Plural(node_level, "node-level change", "node-level changes");
  return line.empty() ? "no changes" : line;
}

std::string FormatPlanMarkdown(const PlanReport& report) {
  std::string text = "### dflow plan: " + EscapeMarkdown(report.title) + "\n\n";
  text += SummarySection(report);
  text += WarningsSection(report);
  text += FleetSection(report);
  text += DiagnosticsSection(report);
  std::size_t left_out = 0;
  for (const auto& section : Sections(report)) {
    if (text.size() + section.size() > kMarkdownMaxBytes) {
      ++left_out;
      continue;
    }
    text += section;
  }
  if (left_out > 0)
    text += "*" + Plural(static_cast<int>(left_out), "section", "sections") +
            " left out: the plan is too long for one comment; run `dflow plan` to see it all.*\n";
  return text;
}

}  // namespace dflow
