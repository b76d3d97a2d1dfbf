#include "providers/dokku/dokku_report.h"

#include <charconv>
#include <nlohmann/json.hpp>

namespace dflow {
namespace {

constexpr std::size_t kQuotedLineLimit = 200;

std::string FirstLine(std::string_view text) {
  std::vector<std::string> lines = SplitLines(text);
  for (const std::string& line : lines) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) return line;
  }
  return "";
}

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

}  // namespace

std::string DescribeCommand(const std::vector<std::string>& argv) {
  std::string text = "dokku";
  for (const std::string& word : argv) text += " " + word;
  return text;
}

Status CheckExit(const std::vector<std::string>& argv, const ExecResult& result) {
  if (result.exit_code == 0) return Status::Ok();
  if (result.exit_code == kDokkuExitAppMissing) {
    return Status(Code::kNotFound, DescribeCommand(argv) + ": app does not exist");
  }
  std::string detail = FirstLine(result.err);
  if (detail.empty()) detail = FirstLine(result.out);
  if (detail.empty()) detail = "no output";
  if (detail.size() > kQuotedLineLimit) detail.resize(kQuotedLineLimit);
  return Status(Code::kFailed, DescribeCommand(argv) + ": exit " +
                                   std::to_string(result.exit_code) + ": " + detail);
}

Status LineError(const std::vector<std::string>& argv, std::size_t line_number,
                 std::string_view what, std::string_view line) {
  std::string quoted(line.substr(0, kQuotedLineLimit));
  return Status(Code::kFailed, DescribeCommand(argv) + ": line " + std::to_string(line_number) +
                                   ": " + std::string(what) + ": " + quoted);
}

Status OutputError(const std::vector<std::string>& argv, std::string_view what) {
  return Status(Code::kFailed, DescribeCommand(argv) + ": " + std::string(what));
}

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::vector<std::string> SplitWords(std::string_view text, std::string_view separators) {
  std::vector<std::string> words;
  std::size_t start = text.find_first_not_of(separators);
  while (start != std::string_view::npos) {
    std::size_t end = text.find_first_of(separators, start);
    if (end == std::string_view::npos) end = text.size();
    words.emplace_back(text.substr(start, end - start));
    start = text.find_first_not_of(separators, end);
  }
  return words;
}

Result<ReportObject> ParseReportLine(const std::vector<std::string>& argv, std::size_t line_number,
                                     std::string_view line) {
  nlohmann::json json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return LineError(argv, line_number, "not JSON", line);
  if (!json.is_object()) return LineError(argv, line_number, "not a JSON object", line);
  ReportObject object;
  for (const auto& [key, value] : json.items()) {
    // docker-options' *-list keys are arrays; every other report value is a string.
    if (value.is_array()) continue;
    if (!value.is_string()) {
      return LineError(argv, line_number, "value of \"" + key + "\" is not a string", line);
    }
    object.emplace(key, value.get<std::string>());
  }
  return object;
}

Result<std::vector<ReportObject>> ParseReportLines(const std::vector<std::string>& argv,
                                                   std::string_view out) {
  std::vector<ReportObject> objects;
  std::vector<std::string> lines = SplitLines(out);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (IsBlank(lines[i])) return LineError(argv, i + 1, "blank line in a report", lines[i]);
    Result<ReportObject> object = ParseReportLine(argv, i + 1, lines[i]);
    if (!object.ok()) return object.status();
    objects.push_back(std::move(object).value());
  }
  return objects;
}

Result<std::string> SingleJsonDocument(const std::vector<std::string>& argv, std::string_view out,
                                       bool secret) {
  std::vector<std::string> lines = SplitLines(out);
  std::string document;
  std::size_t first_line = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (IsBlank(lines[i])) continue;
    if (!document.empty()) {
      if (secret) return OutputError(argv, "more than one line of output");
      return LineError(argv, i + 1, "unexpected line after the JSON document", lines[i]);
    }
    document = lines[i];
    first_line = i + 1;
  }
  if (document.empty()) return OutputError(argv, "no output");
  if (!nlohmann::json::accept(document)) {
    if (secret) return OutputError(argv, "output is not JSON");
    return LineError(argv, first_line, "not JSON", document);
  }
  return document;
}

Result<ReportObject> ParseGlobalReport(const std::vector<std::string>& argv, std::string_view out) {
  Result<std::string> document = SingleJsonDocument(argv, out);
  if (!document.ok()) return document.status();
  Result<ReportObject> object = ParseReportLine(argv, 1, *document);
  if (!object.ok()) return object.status();
  static const std::string kGlobal = "global-";
  ReportObject globals;
  for (const auto& [key, value] : *object) {
    if (key.rfind(kGlobal, 0) == 0) globals[key.substr(kGlobal.size())] = value;
  }
  return globals;
}

Result<std::vector<std::string>> ParseAppList(const std::vector<std::string>& argv,
                                              std::string_view out) {
  Result<std::string> document = SingleJsonDocument(argv, out);
  if (!document.ok()) return document.status();
  nlohmann::json json = nlohmann::json::parse(*document);
  if (!json.is_array()) return LineError(argv, 1, "not a JSON array", *document);
  std::vector<std::string> names;
  for (const nlohmann::json& name : json) {
    if (!name.is_string() || name.get<std::string>().empty()) {
      return LineError(argv, 1, "app name is not a non-empty string", *document);
    }
    names.push_back(name.get<std::string>());
  }
  return names;
}

Result<std::string> RequireKey(const std::vector<std::string>& argv, const ReportObject& object,
                               const std::string& key) {
  auto it = object.find(key);
  if (it == object.end()) return OutputError(argv, "key \"" + key + "\" missing");
  return it->second;
}

Result<bool> ParseBoolValue(const std::vector<std::string>& argv, const std::string& key,
                            const std::string& value) {
  if (value == "true") return true;
  if (value == "false") return false;
  return OutputError(argv, "key \"" + key + "\": not true/false: \"" + value + "\"");
}

Result<int> ParseIntValue(const std::vector<std::string>& argv, const std::string& key,
                          const std::string& value) {
  int number = 0;
  const char* end = value.data() + value.size();
  auto [ptr, error] = std::from_chars(value.data(), end, number);
  if (value.empty() || error != std::errc() || ptr != end) {
    return OutputError(argv, "key \"" + key + "\": not an integer: \"" + value + "\"");
  }
  return number;
}

}  // namespace dflow
