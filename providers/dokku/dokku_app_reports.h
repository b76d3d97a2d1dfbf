// Decoding one app's `<plugin>:report --format json` object into ObservedApp fields. Only
// the short keys are read (reference/dokku.md §2): the raw per-app values, never the
// computed-* ones, so diff compares what the app itself sets.
#pragma once

#include <string>
#include <vector>

#include "manifests-schema/base/status.h"
#include "manifests-schema/desired_state.h"
#include "providers/dokku/dokku_report.h"
#include "providers/dokku/observed_state.h"

namespace dflow {

// Fills the fields one report gives. `argv` is the command that printed `object`, for
// errors. A missing key or a value of the wrong shape is kFailed naming command and key.
using ReportApplier = Status (*)(const std::vector<std::string>& argv, const ReportObject& object,
                                 ObservedApp& app);

struct AppReportKind {
  const char* plugin;  // "apps" -> `apps:report --format json`
  ReportApplier apply;
};

// The all-app reports the observer runs once per node, in a fixed order:
// apps, domains, ports, proxy, ps, builder, git, checks, network, storage.
const std::vector<AppReportKind>& AllAppReports();

Status ApplyAppsReport(const std::vector<std::string>& argv, const ReportObject& object,
                       ObservedApp& app);  // deploy-source, deploy-source-metadata
Status ApplyDomainsReport(const std::vector<std::string>& argv, const ReportObject& object,
                          ObservedApp& app);  // app-vhosts, app-enabled
Status ApplyPortsReport(const std::vector<std::string>& argv, const ReportObject& object,
                        ObservedApp& app);  // map-json (0.38.26+), else map
Status ApplyProxyReport(const std::vector<std::string>& argv, const ReportObject& object,
                        ObservedApp& app);  // type, enabled
Status ApplyPsReport(const std::vector<std::string>& argv, const ReportObject& object,
                     ObservedApp& app);  // deployed, running, processes, status-*
Status ApplyBuilderReport(const std::vector<std::string>& argv, const ReportObject& object,
                          ObservedApp& app);  // selected
Status ApplyGitReport(const std::vector<std::string>& argv, const ReportObject& object,
                      ObservedApp& app);  // sha, source-image
Status ApplyChecksReport(const std::vector<std::string>& argv, const ReportObject& object,
                         ObservedApp& app);  // disabled-list, skipped-list
Status ApplyNetworkReport(const std::vector<std::string>& argv, const ReportObject& object,
                          ObservedApp& app);  // attach-post-deploy
Status ApplyStorageReport(const std::vector<std::string>& argv, const ReportObject& object,
                          ObservedApp& app);  // deploy-mounts
// Per app only (`builds:report <app> --format json`): build-status.
Status ApplyBuildsReport(const std::vector<std::string>& argv, const ReportObject& object,
                         ObservedApp& app);

// ports map-json: JSON text inside the string, an array of
// {"scheme","host_port","container_port"} with integer ports, or "", "null", "[]" for none.
// Returns the mappings sorted.
Result<std::vector<PortMapping>> ParsePortMapJson(const std::vector<std::string>& argv,
                                                  const std::string& value);

// ports map: space-separated "scheme:host:container", sorted.
Result<std::vector<PortMapping>> ParsePortMapList(const std::vector<std::string>& argv,
                                                  const std::string& value);

// checks disabled-list / skipped-list: "none" (or "") -> {}, "_all_" -> {"_all_"},
// "web,worker" -> {"web", "worker"} sorted.
std::vector<std::string> ParseChecksList(const std::string& value);

// storage *-mounts: "-v /host:/container -v /h2:/c2:ro" -> {"/h2:/c2:ro", "/host:/container"}
// sorted. A word other than "-v" where a flag is due is an error.
Result<std::vector<std::string>> ParseBindMounts(const std::vector<std::string>& argv,
                                                 const std::string& key, const std::string& value);

}  // namespace dflow
