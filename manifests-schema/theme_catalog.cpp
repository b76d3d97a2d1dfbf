#include "manifests-schema/theme_catalog.h"

#include <algorithm>
#include <set>

#include "manifests-schema/builtin_themes.h"
#include "manifests-schema/manifest_parser.h"
#include "manifests-schema/yaml_tree.h"

namespace dflow {
namespace {

void ParseThemes(const std::string& file, const std::string& text, Manifests& out,
                 std::vector<Diagnostic>& diagnostics) {
  std::size_t nodes = kMaxYamlNodes;
  for (const YamlNode& doc : ParseYamlDocuments(file, text, diagnostics, nodes)) {
    const YamlNode* kind = doc.Find("kind");
    if (kind && kind->scalar == "Theme") ParseManifestDocument(file, doc, out, diagnostics);
  }
}

std::string Range(const ThemeParameter& p) {
  if (p.min && p.max) return std::to_string(*p.min) + " to " + std::to_string(*p.max);
  if (p.min) return "at least " + std::to_string(*p.min);
  if (p.max) return "at most " + std::to_string(*p.max);
  return "";
}

// "name", "name (engine)", "name when ${...}" for each item of a theme's services or datastores.
std::vector<std::string> Names(const YamlNode& list) {
  std::vector<std::string> out;
  for (const YamlNode& item : list.items) {
    const YamlNode* name = item.Find("name");
    if (!name) continue;
    const YamlNode* engine = item.Find("engine");
    const YamlNode* when = item.Find("when");
    out.push_back(name->scalar + (engine ? " (" + engine->scalar + ")" : "") +
                  (when ? " when " + when->scalar : ""));
  }
  return out;
}

ThemeInfo Info(const ThemeManifest& t) {
  ThemeInfo info;
  info.name = t.name.value;
  info.file = t.file;
  info.builtin = t.builtin;
  info.version = t.version;
  info.description = t.description;
  info.product = t.product.name;
  info.default_version = t.product.default_version;
  info.supported = t.product.supported;
  for (const ThemeParameter& p : t.parameters) {
    ThemeParameterInfo pi;
    pi.name = p.name.value;
    pi.type = p.type;
    pi.has_default = p.default_value.has_value();
    if (p.default_value) pi.default_value = p.default_value->scalar;
    pi.required = p.required;
    pi.secret = p.secret;
    pi.env_overridable = p.env_overridable;
    pi.enum_values = p.enum_values;
    pi.range = Range(p);
    pi.description = p.description;
    info.parameters.push_back(std::move(pi));
  }
  for (const ThemeSecret& s : t.secrets) {
    info.secrets.push_back({s.name.value, s.durable, s.generator, s.has_recipe, s.recipe});
  }
  info.services = Names(t.services);
  info.datastores = Names(t.datastores);
  info.notes = t.notes;
  return info;
}

}  // namespace

ThemeCatalog LoadThemeCatalog(const SourceSnapshot& snapshot) {
  ThemeCatalog catalog;
  Manifests manifests;
  for (const SourceFile& file : snapshot.files) {
    int line = 0;
    int column = 0;
    if (file.too_large || !IsValidUtf8(file.content, line, column)) continue;  // validate says
    ParseThemes(file.path, file.content, manifests, catalog.diagnostics);
  }
  std::set<std::string> defined;
  for (const ThemeManifest& t : manifests.themes) defined.insert(t.name.value);
  for (const BuiltinThemeText& builtin : BuiltinThemeTexts()) {
    if (defined.count(builtin.name)) continue;
    std::size_t first = manifests.themes.size();
    ParseThemes(BuiltinThemeFile(builtin.name), builtin.yaml, manifests, catalog.diagnostics);
    for (std::size_t i = first; i < manifests.themes.size(); ++i)
      manifests.themes[i].builtin = true;
  }
  for (const ThemeManifest& t : manifests.themes) catalog.themes.push_back(Info(t));
  std::stable_sort(catalog.themes.begin(), catalog.themes.end(),
                   [](const ThemeInfo& a, const ThemeInfo& b) { return a.name < b.name; });
  return catalog;
}

}  // namespace dflow
