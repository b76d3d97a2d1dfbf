// Typed theme parameters: what a Theme declares (`spec.parameters`) and the values an
// Application gives (`spec.parameters`, `spec.environments.<env>.parameters`). Each value is
// checked against its type where it is written, so a bad value is reported at its own
// file:line:col; an unknown name gets a "did you mean".
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "manifests-schema/desired_state.h"
#include "manifests-schema/field_reader.h"
#include "manifests-schema/theme_expression.h"
#include "manifests-schema/yaml_tree.h"

namespace dflow {

// The types a parameter may have.
const std::vector<std::string>& ThemeParameterTypes();

struct ThemeParameter {
  Located name;
  std::string type;  // one of ThemeParameterTypes()
  bool required = false;
  // Type `secret`, or `secret: true`: the value is never in Git; it comes from the controller's
  // secrets file (a reference in the expansion).
  bool secret = false;
  bool env_overridable = true;  // false: the same value in every environment
  std::optional<YamlNode> default_value;
  std::vector<std::string> enum_values;  // type enum
  std::optional<int> min;                // type int
  std::optional<int> max;
  std::string description;
};

// What a Theme says about the software it installs (`spec.product`).
struct ThemeProduct {
  std::string name;
  std::string default_version;             // "" = none
  std::string supported;                   // semver range, "" = any
  std::vector<ThemeUpgradeNote> upgrades;  // `upgrades`, as written
};

// The names `${product.*}` gives (defaults may use them).
TemplateScope ProductScope(const ThemeProduct& product);

// Reads a Theme's `parameters` list, reporting bad declarations and defaults that do not
// fit their own type (defaults may be templates over product.*).
std::vector<ThemeParameter> ReadThemeParameters(const YamlNode& list, const ThemeProduct& product,
                                                FieldReader& r);

// Checks one value written for `p` (in an Application or as a default) and returns it typed;
// nullopt after reporting at `value`. A semver must satisfy product.supported.
std::optional<TemplateValue> ParameterValue(const ThemeParameter& p, const YamlNode& value,
                                            const ThemeProduct& product, FieldReader& r);

// The values an Application gives a theme in one environment, as scope entries
// "params.<name>": the theme's defaults, then `app_values` (the Application's `parameters`
// map, or null), then `env_values` (that environment's `parameters`, or null). Reports (with
// `r`, the Application's file) unknown names, bad values, values for secret parameters,
// environment values of parameters that are not envOverridable, and missing required ones at
// `theme_pos`. False when anything was reported.
bool ResolveThemeParameters(const std::vector<ThemeParameter>& params, const ThemeProduct& product,
                            const std::string& theme_name, const YamlNode* app_values,
                            const YamlNode* env_values, const Pos& theme_pos, FieldReader& r,
                            TemplateScope& scope);

}  // namespace dflow
