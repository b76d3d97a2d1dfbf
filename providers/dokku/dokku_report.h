// Reading Dokku's machine output: the `<plugin>:report --format json` objects (one compact
// JSON object per line, every value a string), exit codes, and the error texts that quote
// the command and the offending line. Shared by every Dokku output parser
// (reference/dokku.md §1.2, §1.3, §2).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "manifests-schema/base/status.h"
#include "providers/transport/transport.h"

namespace dflow {

// Exit code of Dokku's "App <app> does not exist" (both the Go and the bash check).
inline constexpr int kDokkuExitAppMissing = 20;

// One report object: short key -> string value.
using ReportObject = std::map<std::string, std::string>;

// "dokku --quiet apps:report --format json": how errors name a command.
std::string DescribeCommand(const std::vector<std::string>& argv);

// Ok when the command exited 0. Exit 20 gives kNotFound "<cmd>: app does not exist";
// any other exit gives kFailed "<cmd>: exit <n>: <first stderr line, or 'no output'>".
Status CheckExit(const std::vector<std::string>& argv, const ExecResult& result);

// "<cmd>: line <n>: <what>: <line>" (kFailed). The quoted line is cut at 200 bytes.
// Never call it with output that may hold a secret (config values): use OutputError.
Status LineError(const std::vector<std::string>& argv, std::size_t line_number,
                 std::string_view what, std::string_view line);

// "<cmd>: <what>" (kFailed), quoting nothing.
Status OutputError(const std::vector<std::string>& argv, std::string_view what);

// Splits stdout into lines; a final newline does not start an empty line, "" gives none.
std::vector<std::string> SplitLines(std::string_view text);

// Splits at any run of the given separators, dropping empty parts.
std::vector<std::string> SplitWords(std::string_view text, std::string_view separators = " \t");

// Parses one report line: a JSON object whose values are strings. Keys whose value is not
// a string (docker-options' *-list arrays) are skipped. Anything else is a LineError.
Result<ReportObject> ParseReportLine(const std::vector<std::string>& argv, std::size_t line_number,
                                     std::string_view line);

// Parses an all-app report: one object per line, in apps:list order. Empty stdout gives no
// objects (the "no apps" case). A blank line or a non-object line is a LineError.
Result<std::vector<ReportObject>> ParseReportLines(const std::vector<std::string>& argv,
                                                   std::string_view out);

// Parses output that is exactly one JSON document (blank lines around it allowed).
// Errors are LineErrors unless `secret` is set, then OutputErrors that quote nothing.
Result<std::string> SingleJsonDocument(const std::vector<std::string>& argv, std::string_view out,
                                       bool secret = false);

// Parses `<plugin>:report --global --format json`: one object; keeps the `global-<prop>` keys,
// "global-" removed ("global-type" -> "type").
Result<ReportObject> ParseGlobalReport(const std::vector<std::string>& argv, std::string_view out);

// Parses `apps:list --format json`: ["a","b"] (or []) -> names, in Dokku's order, which is
// the order of every all-app report. Dokku always prints the array, so empty stdout is an
// error.
Result<std::vector<std::string>> ParseAppList(const std::vector<std::string>& argv,
                                              std::string_view out);

// Reads a short key that must be present; its absence is an error naming the key.
Result<std::string> RequireKey(const std::vector<std::string>& argv, const ReportObject& object,
                               const std::string& key);

// "true"/"false" -> bool; anything else is an error naming the key and the value.
Result<bool> ParseBoolValue(const std::vector<std::string>& argv, const std::string& key,
                            const std::string& value);

// A decimal integer (optionally negative); anything else is an error naming the key.
Result<int> ParseIntValue(const std::vector<std::string>& argv, const std::string& key,
                          const std::string& value);

}  // namespace dflow
