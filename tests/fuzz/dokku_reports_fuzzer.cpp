// Fuzzes every parser of Dokku's output (providers/dokku): what a node prints is not trusted, a
// compromised or odd Dokku must give errors, never a crash. Each input is given to every parser
// (they are cheap and pure), so one corpus serves them all: the JSON reports, the text lists,
// `dokku version`, and each report value decoder.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "providers/dokku/dokku_app_queries.h"
#include "providers/dokku/dokku_app_reports.h"
#include "providers/dokku/dokku_datastores.h"
#include "providers/dokku/dokku_plugins.h"
#include "providers/dokku/dokku_report.h"
#include "providers/dokku/dokku_version.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view out(reinterpret_cast<const char*>(data), size);
  const std::string value(out);
  const std::vector<std::string> argv = {"--quiet", "apps:report", "--format", "json"};

  // All-app reports, each object through every decoder (the observer's path).
  if (auto objects = dflow::ParseReportLines(argv, out); objects.ok()) {
    for (const auto& object : *objects) {
      dflow::ObservedApp app;
      for (const auto& kind : dflow::AllAppReports()) (void)kind.apply(argv, object, app);
      (void)dflow::ApplyBuildsReport(argv, object, app);
    }
  }
  (void)dflow::SingleJsonDocument(argv, out);
  (void)dflow::SingleJsonDocument(argv, out, /*secret=*/true);
  (void)dflow::ParseAppList(argv, out);
  (void)dflow::ParseDokkuVersion(out);
  (void)dflow::ParsePluginList(argv, out);
  (void)dflow::ParseServiceList(argv, out);
  (void)dflow::ParseServiceLinks(argv, out);
  (void)dflow::ParseConfigExport(argv, out);
  (void)dflow::ParseScaleJson(argv, out);
  (void)dflow::ParseResourceReport(argv, out);

  // The decoders of single report values, on the whole input as one value.
  (void)dflow::ParsePortMapJson(argv, value);
  (void)dflow::ParsePortMapList(argv, value);
  (void)dflow::ParseChecksList(value);
  (void)dflow::ParseBindMounts(argv, "deploy-mounts", value);
  (void)dflow::ParseBoolValue(argv, "enabled", value);
  (void)dflow::ParseIntValue(argv, "quantity", value);
  return 0;
}
