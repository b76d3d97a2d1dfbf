#include "reconciler/cli/controller_client.h"

#include <algorithm>
#include <iomanip>
#include <nlohmann/json.hpp>

#include "manifests-schema/base/secret.h"
#include "providers/forge/http_call.h"

namespace dflow::cli {

Result<std::string> GetFromController(const std::string& server, const std::string& path) {
  HttpCall call;
  call.url = server + path;
  call.headers = {"Accept: application/json", "User-Agent: dflow"};
  auto reply = PerformHttp(call);
  const std::string shown = ScrubUrls(call.url);  // --server may carry user:password@
  if (!reply.ok())
    return Status(reply.status().code(), "cannot reach " + shown + ": " +
                                             ScrubUrls(reply.status().message()) +
                                             " (is `dflow run` running? or use --state-dir)");
  if (reply->status != 200)
    return Status(Code::kUnavailable, shown + " answered HTTP " + std::to_string(reply->status));
  return std::move(reply->body);
}

Result<std::string> PostToController(const std::string& server, const std::string& path,
                                     const std::string& body, const Secret& token) {
  HttpCall call;
  call.method = "POST";
  call.url = server + path;
  call.headers = {"Accept: application/json", "Content-Type: application/json", "User-Agent: dflow",
                  "Authorization: Bearer " + token.Reveal()};
  call.body = body;
  auto reply = PerformHttp(call);
  const std::string shown = ScrubUrls(call.url);
  if (!reply.ok())
    return Status(reply.status().code(), "cannot reach " + shown + ": " +
                                             ScrubUrls(reply.status().message()) +
                                             " (is `dflow run` running?)");
  if (reply->status >= 200 && reply->status < 300) return std::move(reply->body);
  std::string why;
  nlohmann::json json = nlohmann::json::parse(reply->body, nullptr, /*allow_exceptions=*/false);
  if (json.is_object() && json.contains("error") && json["error"].is_string())
    why = ": " + json["error"].get<std::string>();
  const Code code = reply->status == 404                           ? Code::kNotFound
                    : reply->status == 401 || reply->status == 403 ? Code::kPermissionDenied
                                                                   : Code::kFailed;
  return Status(code, shown + " answered HTTP " + std::to_string(reply->status) + why);
}

void PrintColumns(const std::vector<std::vector<std::string>>& rows, std::ostream& out) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i)
      out << std::left << std::setw(static_cast<int>(widths[i] + 2)) << row[i];
    out << "\n";
  }
}

}  // namespace dflow::cli
