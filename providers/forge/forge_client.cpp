// Why the shape: the three forges differ only in URL layout, auth header and a few field
// names, so one small request function serves all of them and the per-forge bits are tables of
// strings. Redirects are not followed (the auth header must not travel to another host), and
// pagination links are only followed when they stay under the configured API root.
#include "providers/forge/forge_client.h"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "manifests-schema/base/text.h"
#include "providers/forge/http_call.h"

namespace dflow {
namespace {

constexpr std::size_t kMaxDescriptionBytes = 140;
constexpr std::size_t kMaxQuotedErrorBytes = 300;

struct Reply {
  long status = 0;
  std::string body;
  std::string link;       // Link header
  std::string next_page;  // X-Next-Page header (GitLab)
};

void ReplaceAll(std::string& text, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// Cuts `text` to at most `limit` bytes without splitting a UTF-8 sequence.
std::string CutUtf8(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return std::string(text);
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

// The forge's own explanation: "message" (GitHub, Gitea, GitLab) or "error" (GitLab OAuth),
// else the start of the raw body.
std::string ForgeMessage(const std::string& body) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  std::string message;
  if (json.is_object()) {
    for (const char* key : {"message", "error_description", "error"}) {
      if (!json.contains(key)) continue;
      message = json[key].is_string() ? json[key].get<std::string>() : json[key].dump();
      break;
    }
  }
  if (message.empty()) message = Trim(body);
  for (char& c : message) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  if (message.empty()) return "(empty body)";
  return CutUtf8(message, kMaxQuotedErrorBytes);
}

Code CodeForHttp(long status) {
  if (status == 401 || status == 403) return Code::kPermissionDenied;
  if (status == 404) return Code::kNotFound;
  if (status == 408 || status == 429 || status >= 500) return Code::kUnavailable;
  return Code::kFailed;
}

class Client {
 public:
  explicit Client(const ForgeOptions& options) : options_(options) {}

  // The API root every path is appended to, without a trailing slash.
  std::string Root() const {
    std::string base = options_.api_base_url;
    if (base.empty() && options_.kind == ForgeKind::kGitHub) base = "https://api.github.com";
    if (base.empty() && options_.kind == ForgeKind::kGitLab) base = "https://gitlab.com";
    while (!base.empty() && base.back() == '/') base.pop_back();
    if (options_.kind == ForgeKind::kGitea) base += "/api/v1";
    if (options_.kind == ForgeKind::kGitLab) base += "/api/v4";
    return base;
  }

  // Sends one request to `url` (which must start with Root()). `what` names it in errors.
  Result<Reply> Send(const std::string& method, const std::string& url,
                     const nlohmann::json* body) const {
    std::string what = std::string(ForgeKindName(options_.kind)) + ": " + method + " " +
                       url.substr(std::min(url.size(), RootPathOffset()));
    HttpCall call;
    call.method = method;
    call.url = url;
    call.headers = Headers();
    if (body) call.body = body->dump();
    call.timeout = options_.timeout;
    call.max_response_bytes = options_.max_response_bytes;
    auto performed = PerformHttp(call);
    if (!performed.ok()) {
      return Status(performed.status().code(), Scrub(what + ": " + performed.status().message()));
    }
    Reply reply{performed->status, std::move(performed->body), performed->headers["link"],
                performed->headers["x-next-page"]};
    if (reply.status >= 300) {
      return Status(
          CodeForHttp(reply.status),
          Scrub(what + ": HTTP " + std::to_string(reply.status) + ": " + ForgeMessage(reply.body)));
    }
    return reply;
  }

  // Same, parsing the reply body as JSON.
  Result<nlohmann::json> SendJson(const std::string& method, const std::string& url,
                                  const nlohmann::json* body, Reply* raw = nullptr) const {
    auto reply = Send(method, url, body);
    if (!reply.ok()) return reply.status();
    auto json = nlohmann::json::parse(reply->body, nullptr, false);
    if (json.is_discarded()) {
      return Status(Code::kFailed, std::string(ForgeKindName(options_.kind)) + ": " + method + " " +
                                       url.substr(std::min(url.size(), RootPathOffset())) +
                                       ": response is not JSON");
    }
    if (raw) *raw = std::move(reply).value();
    return json;
  }

 private:
  // Where the path starts in Root() ("https://host/api/v4" -> offset of "/api/v4"): errors
  // show paths as the forge documents them, without the host.
  std::size_t RootPathOffset() const {
    std::string root = Root();
    auto scheme = root.find("://");
    auto slash = root.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    return slash == std::string::npos ? root.size() : slash;
  }

  // Errors quote the forge's reply and libcurl's messages, which may echo the token or a URL.
  std::string Scrub(const std::string& text) const {
    return ScrubSecrets(ScrubUrls(text), std::vector<Secret>{options_.token});
  }

  std::vector<std::string> Headers() const {
    std::vector<std::string> headers = {"Accept: application/json",
                                        "Content-Type: application/json", "User-Agent: dflow"};
    switch (options_.kind) {
      case ForgeKind::kGitHub:
        headers.push_back("Authorization: Bearer " + options_.token.Reveal());
        headers.push_back("X-GitHub-Api-Version: 2022-11-28");
        break;
      case ForgeKind::kGitea:
        headers.push_back("Authorization: token " + options_.token.Reveal());
        break;
      case ForgeKind::kGitLab:
        headers.push_back("PRIVATE-TOKEN: " + options_.token.Reveal());
        break;
    }
    return headers;
  }

  const ForgeOptions& options_;
};

bool IsNameSegment(std::string_view segment) {
  return !segment.empty() && segment != "." && segment != ".." &&
         std::all_of(segment.begin(), segment.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
         });
}

std::vector<std::string_view> SplitPath(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t slash; (slash = text.find('/', start)) != std::string_view::npos;
       start = slash + 1) {
    parts.push_back(text.substr(start, slash - start));
  }
  parts.push_back(text.substr(start));
  return parts;
}

// "repos/owner/name" (GitHub, Gitea) or "projects/<id or url-encoded path>" (GitLab).
Result<std::string> RepoPath(const ForgeOptions& options) {
  auto parts = SplitPath(options.repo);
  bool valid = std::all_of(parts.begin(), parts.end(), IsNameSegment);
  if (options.kind != ForgeKind::kGitLab) {
    if (!valid || parts.size() != 2) {
      return Status(Code::kInvalidArgument,
                    "forge repo must be \"owner/name\", got \"" + options.repo + "\"");
    }
    return "/repos/" + options.repo;
  }
  if (!valid) {
    return Status(
        Code::kInvalidArgument,
        "gitlab project must be an id or \"group/project\", got \"" + options.repo + "\"");
  }
  std::string encoded = options.repo;
  ReplaceAll(encoded, "/", "%2F");
  return "/projects/" + encoded;
}

Status CheckOptions(const ForgeOptions& options) {
  if (options.kind == ForgeKind::kGitea && options.api_base_url.empty()) {
    return Status(Code::kInvalidArgument, "gitea needs the server's base URL");
  }
  std::string_view base = options.api_base_url;
  if (!base.empty() && base.rfind("https://", 0) != 0 && base.rfind("http://", 0) != 0) {
    return Status(Code::kInvalidArgument, "forge base URL must start with https:// or http://");
  }
  if (options.token.empty()) return Status(Code::kInvalidArgument, "forge token is empty");
  return Status::Ok();
}

std::string CommentsPath(ForgeKind kind, const std::string& repo_path, int number) {
  if (kind == ForgeKind::kGitLab) {
    return repo_path + "/merge_requests/" + std::to_string(number) + "/notes";
  }
  return repo_path + "/issues/" + std::to_string(number) + "/comments";
}

std::string FirstPageQuery(ForgeKind kind) {
  switch (kind) {
    case ForgeKind::kGitHub:
      return "?per_page=100&page=1";
    case ForgeKind::kGitea:
      return "?limit=50&page=1";
    case ForgeKind::kGitLab:
      return "?per_page=100&page=1&sort=asc&order_by=created_at";
  }
  return "";
}

// The URL of the rel="next" entry of a Link header, "" when there is none.
std::string NextLink(const std::string& link) {
  std::size_t start = 0;
  while (start < link.size()) {
    std::size_t end = link.find(',', start);
    std::string entry = link.substr(start, end == std::string::npos ? end : end - start);
    auto open = entry.find('<'), close = entry.find('>');
    if (open != std::string::npos && close != std::string::npos && close > open &&
        entry.find("rel=\"next\"", close) != std::string::npos) {
      return entry.substr(open + 1, close - open - 1);
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return "";
}

// Replaces the value of "page=" in `url` (which has one: FirstPageQuery puts it there).
std::string WithPage(const std::string& url, const std::string& page) {
  auto at = url.find("page=", url.find('?'));
  while (at != std::string::npos && url[at - 1] != '?' && url[at - 1] != '&') {
    at = url.find("page=", at + 1);
  }
  if (at == std::string::npos) return url;
  auto end = url.find('&', at);
  return url.substr(0, at + 5) + page + (end == std::string::npos ? "" : url.substr(end));
}

bool IsPageNumber(const std::string& text) {
  return !text.empty() && text.size() <= 9 && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
}

struct Comment {
  long long id = 0;
  std::string body;
};

// The first non-system comment holding the marker, following pagination.
Result<std::optional<Comment>> FindMarkedComment(const Client& client, const ForgeOptions& options,
                                                 const std::string& list_url) {
  std::string url = list_url + FirstPageQuery(options.kind);
  for (int page = 0; page < options.max_pages; ++page) {
    Reply reply;
    auto json = client.SendJson("GET", url, nullptr, &reply);
    if (!json.ok()) return json.status();
    if (!json->is_array()) {
      return Status(Code::kFailed, std::string(ForgeKindName(options.kind)) +
                                       ": comment list is not a JSON array");
    }
    for (const auto& item : *json) {
      if (!item.is_object() || !item.contains("id") || !item["id"].is_number_integer()) continue;
      if (item.value("system", false)) continue;  // GitLab's own notes
      std::string body;
      if (item.contains("body") && item["body"].is_string()) body = item["body"].get<std::string>();
      if (body.find(kPlanCommentMarker) != std::string::npos) {
        return std::optional<Comment>(Comment{item["id"].get<long long>(), body});
      }
    }
    std::string next = NextLink(reply.link);
    if (next.empty() && IsPageNumber(reply.next_page)) next = WithPage(url, reply.next_page);
    if (next.empty()) return std::optional<Comment>();
    if (next.rfind(client.Root() + "/", 0) != 0) {
      return Status(Code::kFailed, std::string(ForgeKindName(options.kind)) +
                                       ": refusing a pagination link outside the API root");
    }
    url = next;
  }
  return Status(Code::kFailed, std::string(ForgeKindName(options.kind)) + ": more than " +
                                   std::to_string(options.max_pages) + " pages of comments");
}

std::string StateName(ForgeKind kind, CommitState state) {
  switch (state) {
    case CommitState::kPending:
      return "pending";
    case CommitState::kSuccess:
      return "success";
    case CommitState::kFailure:
      return kind == ForgeKind::kGitLab ? "failed" : "failure";
  }
  return "pending";
}

bool IsCommitId(std::string_view sha) {
  return sha.size() >= 7 && sha.size() <= 64 && std::all_of(sha.begin(), sha.end(), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c));
         });
}

}  // namespace

std::string_view ForgeKindName(ForgeKind kind) {
  switch (kind) {
    case ForgeKind::kGitHub:
      return "github";
    case ForgeKind::kGitea:
      return "gitea";
    case ForgeKind::kGitLab:
      return "gitlab";
  }
  return "github";
}

Result<ForgeKind> ParseForgeKind(std::string_view name) {
  if (name == "github") return ForgeKind::kGitHub;
  if (name == "gitea" || name == "forgejo") return ForgeKind::kGitea;
  if (name == "gitlab") return ForgeKind::kGitLab;
  return Status(Code::kInvalidArgument, "unknown forge \"" + std::string(name) +
                                            "\" (expected github, gitea, forgejo or gitlab)");
}

Status UpsertPullRequestComment(const ForgeOptions& options, int pr_number,
                                std::string_view markdown) {
  if (Status checked = CheckOptions(options); !checked.ok()) return checked;
  if (pr_number <= 0) {
    return Status(Code::kInvalidArgument, "pull request number must be positive");
  }
  auto repo_path = RepoPath(options);
  if (!repo_path.ok()) return repo_path.status();
  Client client(options);
  std::string list_url = client.Root() + CommentsPath(options.kind, *repo_path, pr_number);
  std::string body(markdown);
  if (body.find(kPlanCommentMarker) == std::string::npos) {
    body = std::string(kPlanCommentMarker) + "\n" + body;
  }
  auto found = FindMarkedComment(client, options, list_url);
  if (!found.ok()) return found.status();
  nlohmann::json payload = {{"body", body}};
  if (!found->has_value()) return client.SendJson("POST", list_url, &payload).status();
  const Comment& existing = **found;
  if (existing.body == body) return Status::Ok();
  std::string id = std::to_string(existing.id);
  if (options.kind == ForgeKind::kGitLab) {
    return client.SendJson("PUT", list_url + "/" + id, &payload).status();
  }
  std::string edit_url = client.Root() + *repo_path + "/issues/comments/" + id;
  return client.SendJson("PATCH", edit_url, &payload).status();
}

Status SetCommitStatus(const ForgeOptions& options, std::string_view sha, std::string_view context,
                       CommitState state, std::string_view description,
                       std::string_view target_url) {
  if (Status checked = CheckOptions(options); !checked.ok()) return checked;
  if (!IsCommitId(sha)) {
    return Status(Code::kInvalidArgument,
                  "commit id must be 7 to 64 hex digits, got \"" + CutUtf8(sha, 80) + "\"");
  }
  if (context.empty()) return Status(Code::kInvalidArgument, "commit status context is empty");
  auto repo_path = RepoPath(options);
  if (!repo_path.ok()) return repo_path.status();
  Client client(options);
  nlohmann::json payload = {{"state", StateName(options.kind, state)},
                            {"description", CutUtf8(description, kMaxDescriptionBytes)}};
  payload[options.kind == ForgeKind::kGitLab ? "name" : "context"] = std::string(context);
  if (!target_url.empty()) payload["target_url"] = std::string(target_url);
  std::string url = client.Root() + *repo_path + "/statuses/" + std::string(sha);
  return client.SendJson("POST", url, &payload).status();
}

}  // namespace dflow
