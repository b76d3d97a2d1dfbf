#include "manifests-schema/diagnostic_format.h"

#include <algorithm>

namespace dflow {
namespace {

constexpr std::size_t kMaxShownLine = 200;

// Copies the 1-based `line` of `content` into `out`; false when the file is shorter.
bool FindLine(const std::string& content, int line, std::string& out) {
  std::size_t start = 0;
  for (int i = 1; i < line; ++i) {
    start = content.find('\n', start);
    if (start == std::string::npos) return false;
    ++start;
  }
  if (start > content.size()) return false;
  std::size_t end = content.find('\n', start);
  out = content.substr(start, (end == std::string::npos ? content.size() : end) - start);
  if (!out.empty() && out.back() == '\r') out.pop_back();
  return true;
}

}  // namespace

std::string FormatDiagnostic(const Diagnostic& diagnostic, const SourceSnapshot& snapshot) {
  std::string out = diagnostic.ToString();
  if (diagnostic.line <= 0) return out;
  auto file = std::find_if(snapshot.files.begin(), snapshot.files.end(),
                           [&](const SourceFile& f) { return f.path == diagnostic.file; });
  std::string line;
  if (file == snapshot.files.end() || !FindLine(file->content, diagnostic.line, line)) return out;
  if (line.size() > kMaxShownLine) line.resize(kMaxShownLine);
  // Binary or terminal escape bytes never reach the operator's terminal.
  std::replace_if(
      line.begin(), line.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }, ' ');
  out += "\n    " + line;
  if (diagnostic.column > 0 && static_cast<std::size_t>(diagnostic.column) <= line.size() + 1) {
    out += "\n    " + std::string(diagnostic.column - 1, ' ') + "^";
  }
  return out;
}

std::string FormatDiagnostics(const std::vector<Diagnostic>& diagnostics,
                              const SourceSnapshot& snapshot) {
  std::string out;
  int errors = 0;
  int warnings = 0;
  for (const Diagnostic& d : diagnostics) {
    out += FormatDiagnostic(d, snapshot) + "\n";
    (d.severity == Diagnostic::Severity::kError ? errors : warnings)++;
  }
  if (errors + warnings > 0) {
    out += std::to_string(errors) + (errors == 1 ? " error, " : " errors, ") +
           std::to_string(warnings) + (warnings == 1 ? " warning\n" : " warnings\n");
  }
  return out;
}

}  // namespace dflow
