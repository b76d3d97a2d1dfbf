// Fuzzes the controller config reader (reconciler/controller/controller_config.h): the YAML
// text of /etc/dflow/dflow.yaml -> a config or file:line:column errors, and a SIGHUP reload
// of the result over the defaults.
#include <cstddef>
#include <cstdint>
#include <string>

#include "reconciler/controller/controller_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  dflow::ConfigLoadResult result = dflow::ParseControllerConfig(text, "/etc/dflow/dflow.yaml");
  for (const auto& error : result.errors) (void)error.ToString();
  if (result.ok()) {
    const dflow::ControllerConfig running;
    (void)dflow::SettingsNeedingRestart(running, result.config);
    (void)dflow::ConfigAfterReload(running, result.config);
  }
  (void)dflow::ParseDuration(text);
  return 0;
}
