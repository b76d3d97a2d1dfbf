#include "reconciler/apply/derived_values.h"

#include "manifests-schema/secrets_file.h"
#include "providers/dokku/derived_config.h"

namespace dflow {
namespace {

Status AddApp(const AppSpec& app, const SecretValues& file_values, GeneratedSecrets& store,
              std::map<std::string, std::string>& values) {
  for (const auto& [key, parts] : app.derived_config) {
    for (const ConfigPart& part : parts) {
      if (part.kind == ConfigPart::Kind::kGenerated) {
        Result<std::string> value =
            store.Ensure(app.environment, app.application, part.text, app.generated_secrets);
        if (!value.ok()) return value.status().WithContext(app.name + " " + key);
        values[DerivedPartKey(part)] = *value;
      } else if (part.kind == ConfigPart::Kind::kSecret) {
        const std::string* value = ResolveSecretValue(file_values, app.environment, app.application,
                                                      app.service, part.text);
        if (value != nullptr) values[DerivedPartKey(part)] = *value;
      }
    }
    if (NeedsDatastore(parts)) continue;
    if (std::optional<std::string> value = CompleteDerivedValue(parts, values, {}))
      values[key] = *value;
  }
  return Status::Ok();
}

}  // namespace

Status AddDerivedSecretValues(const DesiredState& desired, const SecretValues& file_values,
                              GeneratedSecrets& store, SecretValues& secrets) {
  for (const NodeDesiredState& node : desired.nodes) {
    for (const AppSpec& app : node.apps) {
      if (app.derived_config.empty()) continue;
      Status status = AddApp(app, file_values, store, secrets[app.name]);
      if (!status.ok()) return status;
    }
  }
  return Status::Ok();
}

}  // namespace dflow
