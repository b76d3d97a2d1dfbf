#include "manifests-schema/diagnostic_format.h"

#include <algorithm>
#include <map>

namespace dflow {
namespace {

constexpr std::size_t kMaxShownLine = 200;

// The source lines diagnostics point at. Each file is indexed once (where its lines start),
// the first time a diagnostic names it: scanning the file again for every diagnostic made
// `dflow validate` quadratic in the number of documents.
class Excerpts {
 public:
  explicit Excerpts(const SourceSnapshot& snapshot) : snapshot_(snapshot) {}

  // Copies the 1-based `line` of `file` into `out`; false when there is no such file or line.
  bool Line(const std::string& file, int line, std::string& out) {
    const Index* index = Find(file);
    if (index == nullptr || line < 1 || static_cast<std::size_t>(line) > index->starts.size())
      return false;
    const std::string& content = index->file->content;
    std::size_t start = index->starts[line - 1];
    std::size_t end = content.find('\n', start);
    out = content.substr(start, (end == std::string::npos ? content.size() : end) - start);
    if (!out.empty() && out.back() == '\r') out.pop_back();
    return true;
  }

 private:
  struct Index {
    const SourceFile* file = nullptr;
    std::vector<std::size_t> starts;  // offset of each line
  };

  const Index* Find(const std::string& path) {
    auto cached = indexes_.find(path);
    if (cached != indexes_.end()) return cached->second.file ? &cached->second : nullptr;
    Index& index = indexes_[path];
    auto file = std::find_if(snapshot_.files.begin(), snapshot_.files.end(),
                             [&](const SourceFile& f) { return f.path == path; });
    if (file == snapshot_.files.end()) return nullptr;
    index.file = &*file;
    index.starts.push_back(0);
    for (std::size_t i = 0; i < file->content.size(); ++i) {
      if (file->content[i] == '\n') index.starts.push_back(i + 1);
    }
    return &index;
  }

  const SourceSnapshot& snapshot_;
  std::map<std::string, Index> indexes_;
};

std::string Format(const Diagnostic& diagnostic, Excerpts& excerpts) {
  std::string out = diagnostic.ToString();
  if (diagnostic.line <= 0) return out;
  std::string line;
  if (!excerpts.Line(diagnostic.file, diagnostic.line, line)) return out;
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

}  // namespace

std::string FormatDiagnostic(const Diagnostic& diagnostic, const SourceSnapshot& snapshot) {
  Excerpts excerpts(snapshot);
  return Format(diagnostic, excerpts);
}

std::string FormatDiagnostics(const std::vector<Diagnostic>& diagnostics,
                              const SourceSnapshot& snapshot) {
  Excerpts excerpts(snapshot);
  std::string out;
  std::size_t errors = 0;
  std::size_t warnings = 0;
  for (const Diagnostic& d : diagnostics) {
    out += Format(d, excerpts) + "\n";
    if (d.omitted_errors + d.omitted_warnings > 0) {  // the "and N more" line: what it stands for
      errors += d.omitted_errors;
      warnings += d.omitted_warnings;
    } else {
      (d.severity == Diagnostic::Severity::kError ? errors : warnings)++;
    }
  }
  if (errors + warnings > 0) {
    out += std::to_string(errors) + (errors == 1 ? " error, " : " errors, ") +
           std::to_string(warnings) + (warnings == 1 ? " warning\n" : " warnings\n");
  }
  return out;
}

}  // namespace dflow
