#include "reconciler/controller/source_refs.h"

#include <algorithm>
#include <map>
#include <set>

#include "manifests-schema/base/secret.h"
#include "reconciler/server/webhook.h"

namespace dflow {

std::string SourceHostOf(const std::string& url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string::npos) {
    SshRemoteHost ssh = SshRemoteHostOf(url);  // scp-like git@host:path
    return ssh.host;
  }
  if (url.compare(0, scheme, "file") == 0) return "";
  std::string authority = url.substr(scheme + 3);
  authority = authority.substr(0, authority.find('/'));
  if (std::size_t at = authority.rfind('@'); at != std::string::npos)
    authority = authority.substr(at + 1);
  return authority;
}

std::vector<SourceRefsQuery> SourceRefsQueries(const DesiredState& desired,
                                               const ControllerConfig& config) {
  std::map<std::string, std::set<std::string>> refs_by_url;
  for (const auto& node : desired.nodes)
    for (const auto& app : node.apps)
      if (!app.source.git_url.empty() && !app.source.git_ref.empty())
        refs_by_url[app.source.git_url].insert(app.source.git_ref);
  std::vector<SourceRefsQuery> queries;
  for (const auto& [url, refs] : refs_by_url) {
    SourceRefsQuery query;
    query.remote.url = url;
    query.refs.assign(refs.begin(), refs.end());
    query.remote.known_hosts_file = config.known_hosts_file;
    const std::string host = SourceHostOf(url);
    for (const AppSourceCredentials& source : config.app_sources) {
      if (source.host != host) continue;
      query.settings = "sources." + host;
      auto token = ReadSecret(source.token_file, source.token_env, query.settings + ".tokenFile");
      if (token.ok()) query.remote.token = *token;
      query.remote.ssh_key = source.ssh_key;
      query.remote.host_key = source.host_key;
    }
    queries.push_back(std::move(query));
  }
  return queries;
}

std::map<std::string, std::set<std::string>> AppsRunning(const DesiredState& desired,
                                                         const std::vector<std::string>& keys) {
  std::map<std::string, std::set<std::string>> apps;
  for (const auto& node : desired.nodes)
    for (const auto& app : node.apps)
      if (!app.source.git_url.empty() &&
          std::find(keys.begin(), keys.end(), app.source.git_url + "#" + app.source.git_ref) !=
              keys.end())
        apps[node.node.name].insert(app.name);
  return apps;
}

bool FollowsPushedBranch(const DesiredState& desired, const std::vector<std::string>& urls,
                         const std::string& ref) {
  if (ref.rfind("refs/heads/", 0) != 0) return false;
  const std::string branch = ref.substr(11);
  for (const auto& node : desired.nodes)
    for (const auto& app : node.apps) {
      if (app.source.git_url.empty()) continue;
      if (app.source.git_ref != branch && app.source.git_ref != ref) continue;
      for (const std::string& url : urls)
        if (SameRepository(url, app.source.git_url)) return true;
    }
  return false;
}

std::vector<std::string> MovedKeys(const ResolvedRefs& before, const ResolvedRefs& after) {
  std::vector<std::string> moved;
  for (const auto& [key, commit] : after.commits) {
    auto old = before.commits.find(key);
    if (old != before.commits.end() && old->second != commit) moved.push_back(key);
  }
  return moved;
}

std::vector<std::string> MovedRefs(const ResolvedRefs& before, const ResolvedRefs& after) {
  std::vector<std::string> moved;
  for (const auto& [key, commit] : after.commits) {
    auto old = before.commits.find(key);
    if (old != before.commits.end() && old->second != commit)
      moved.push_back(ScrubUrls(key) + " moved: " + old->second.substr(0, 12) + " -> " +
                      commit.substr(0, 12));
  }
  return moved;
}

}  // namespace dflow
