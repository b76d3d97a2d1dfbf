#include "manifests-schema/theme_expansion.h"

#include <algorithm>
#include <map>

#include "manifests-schema/app_name.h"
#include "manifests-schema/manifest_parser.h"

namespace dflow {
namespace {

using Kind = TemplatePart::Kind;

YamlNode Scalar(std::string text, const YamlNode& at) {
  YamlNode n;
  n.kind = YamlNode::Kind::kScalar;
  n.scalar = std::move(text);
  n.quoted = true;
  n.line = at.line;
  n.column = at.column;
  return n;
}

YamlNode Container(YamlNode::Kind kind, const YamlNode& at) {
  YamlNode n;
  n.kind = kind;
  n.line = at.line;
  n.column = at.column;
  return n;
}

// `map` without the theme-only fields `fields`.
YamlNode Without(const YamlNode& map, std::initializer_list<std::string_view> fields) {
  YamlNode out = map;
  std::erase_if(out.entries, [&](const auto& e) {
    return std::find(fields.begin(), fields.end(), e.first.scalar) != fields.end();
  });
  return out;
}

// Where byte `offset` of a scalar's text is: exact for one-line scalars without escapes
// (every theme template), the scalar's start otherwise.
Pos PosIn(const std::string& file, const YamlNode& node, std::size_t offset) {
  Pos pos{file, node.line, node.column};
  if (node.scalar.find('\n') == std::string::npos) {
    pos.column += static_cast<int>(offset) + (node.quoted ? 1 : 0);
  }
  return pos;
}

class Expander {
 public:
  Expander(const ThemeManifest& theme, const ApplicationManifest& app,
           const EnvironmentOverride& env, ExpansionBudget& budget,
           std::vector<Diagnostic>& diagnostics)
      : budget_(budget),
        theme_(theme),
        app_(app),
        env_(env),
        diagnostics_(diagnostics),
        r_(theme.file, diagnostics) {}

  std::optional<ThemeExpansion> Run();

 private:
  void Error(const Pos& pos, std::string message, std::string hint = "") {
    diagnostics_.push_back({pos.file, pos.line, pos.column, std::move(message), std::move(hint)});
    ok_ = false;
  }
  bool Spend(std::size_t nodes, std::size_t bytes);
  bool Scope();
  std::optional<TemplateValue> Evaluate(const YamlNode& node);
  std::optional<bool> When(const YamlNode& item);
  // A copy of `node` with every template replaced by its (plain) value; false = drop it.
  bool Substitute(const YamlNode& node, YamlNode& out);
  void SecretConfig(const YamlNode& node, const YamlNode& config, YamlNode& service);
  std::string Release() const;
  std::map<std::string, SecretRecipe> Recipes(
      const std::map<std::string, std::vector<ConfigPart>>& derived) const;
  YamlNode Datastores();
  YamlNode Services();

  ExpansionBudget& budget_;
  const ThemeManifest& theme_;
  const ApplicationManifest& app_;
  const EnvironmentOverride& env_;
  std::vector<Diagnostic>& diagnostics_;
  FieldReader r_;
  TemplateScope scope_;
  bool ok_ = true;
  std::string service_;  // the service being expanded
  std::map<std::string, std::map<std::string, std::vector<ConfigPart>>> derived_;
};

// What a linked datastore looks like from the app (reference dokku.md, "Injected variables").
void AddDatastore(const std::string& name, const std::string& engine, const std::string& service,
                  TemplateScope& scope) {
  std::string prefix = "datastores." + name + ".";
  bool postgres = engine == "postgres";
  scope[prefix + "host"] = TemplateValue::Text("dokku-" + engine + "-" + service);
  scope[prefix + "port"] = TemplateValue::Text(postgres ? "5432" : "6379");
  if (postgres) {
    scope[prefix + "user"] = TemplateValue::Text("postgres");
    scope[prefix + "database"] = TemplateValue::Text(service);
  }
  scope[prefix + "password"] = TemplateValue::Reference(Kind::kDatastore, service, "password");
  scope[prefix + "url"] = TemplateValue::Reference(Kind::kDatastore, service, "url");
}

// The names besides params.* and product.*, for `app` in `env`.
void AddThemeNames(const ThemeManifest& theme, const std::string& app, const std::string& env,
                   TemplateScope& scope) {
  scope["app.name"] = TemplateValue::Text(app);
  scope["env.name"] = TemplateValue::Text(env);
  scope["app.network"] = TemplateValue::Text(app + "-" + env);  // for services to share
  for (const ThemeSecret& s : theme.secrets) {
    scope["secrets." + s.name.value] =
        TemplateValue::Reference(s.durable ? Kind::kSecret : Kind::kGenerated, s.name.value);
  }
  // Every declared datastore and service, whatever its `when`: a name in a branch not taken
  // must still resolve.
  for (const YamlNode& d : theme.datastores.items) {
    const YamlNode* name = d.Find("name");
    const YamlNode* engine = d.Find("engine");
    if (name && engine && name->IsScalar() && engine->IsScalar()) {
      AddDatastore(name->scalar, engine->scalar, DatastoreServiceName(app, name->scalar, env),
                   scope);
    }
  }
  for (const YamlNode& s : theme.services.items) {
    const YamlNode* name = s.Find("name");
    if (name && name->IsScalar()) {
      scope["services." + name->scalar + ".host"] =
          TemplateValue::Text(DokkuAppName(app, name->scalar, env) + ".web");
    }
  }
}

bool Expander::Scope() {
  FieldReader app_reader(app_.file, diagnostics_);
  scope_ = ProductScope(theme_.product);
  bool ok = ResolveThemeParameters(theme_.parameters, theme_.product, theme_.name.value,
                                   app_.parameters ? &*app_.parameters : nullptr,
                                   env_.parameters ? &*env_.parameters : nullptr, app_.theme->pos,
                                   app_reader, scope_);
  AddThemeNames(theme_, app_.name.value, env_.environment.value, scope_);
  return ok;
}

bool Expander::Spend(std::size_t nodes, std::size_t bytes) {
  if (budget_.nodes >= nodes && budget_.template_bytes >= bytes && budget_.nodes > 0) {
    budget_.nodes -= nodes;
    budget_.template_bytes -= bytes;
    return true;
  }
  if (ok_) {
    Error(app_.theme->pos,
          "expanding theme '" + theme_.name.value + "' for application '" + app_.name.value +
              "' in environment '" + env_.environment.value +
              "' goes past what one load may expand (" + std::to_string(kMaxYamlNodes) +
              " YAML nodes, 64 MiB of templates)",
          "make the theme smaller or use it in fewer environments");
  }
  budget_.nodes = 0;  // this and later expansions stop at once
  budget_.template_bytes = 0;
  return false;
}

std::optional<TemplateValue> Expander::Evaluate(const YamlNode& node) {
  if (!Spend(0, node.scalar.size())) return std::nullopt;
  auto result = EvaluateTemplate(node.scalar, scope_);
  if (auto* e = std::get_if<TemplateError>(&result)) {
    Error(PosIn(theme_.file, node, e->offset), e->message, e->hint);
    return std::nullopt;
  }
  return std::get<TemplateValue>(result);
}

std::optional<bool> Expander::When(const YamlNode& item) {
  const YamlNode* when = item.Find("when");
  if (!when) return true;
  std::optional<TemplateValue> v;
  if (when->IsScalar()) v = Evaluate(*when);
  if (when->IsScalar() && !v) return std::nullopt;
  if (!v || v->type != TemplateValue::Type::kBool || !v->IsPlain()) {
    Error(r_.PosOf(*when), "'when' must be a condition such as \"${params.queueMode}\"",
          "it must give true or false");
    return std::nullopt;
  }
  return v->Text() == "true";
}

bool Expander::Substitute(const YamlNode& node, YamlNode& out) {
  if (!Spend(1, 0)) return false;
  out.kind = node.kind;  // children are copied below, one by one, each spent
  out.scalar = node.scalar;
  out.quoted = node.quoted;
  out.line = node.line;
  out.column = node.column;
  // Any `${`: a template, or an escaped `$${` that must become `${`.
  if (node.IsScalar() && node.scalar.find("${") != std::string::npos) {
    std::optional<TemplateValue> v = Evaluate(node);
    if (!v) return true;
    if (!v->IsPlain()) {
      Error(r_.PosOf(node), "a secret or datastore password/URL outside 'secretConfig'",
            "move this value to the service's secretConfig");
      return true;
    }
    out.scalar = v->Text();
    out.quoted = v->type == TemplateValue::Type::kString;
    return !out.scalar.empty();
  }
  if (node.IsSequence()) {
    for (const YamlNode& item : node.items) {
      YamlNode copy;
      if (Substitute(item, copy)) out.items.push_back(std::move(copy));
    }
  }
  if (node.IsMap()) {
    for (const auto& [key, value] : node.entries) {
      YamlNode copy;
      if (Substitute(value, copy)) out.entries.emplace_back(key, std::move(copy));
    }
  }
  return true;
}

// Sorts each secretConfig value into a secret key or derived config (see the header).
void Expander::SecretConfig(const YamlNode& node, const YamlNode& config, YamlNode& service) {
  if (!node.IsMap()) {
    Error(r_.PosOf(node), "'secretConfig' must be a map, got " + DescribeYamlType(node));
    return;
  }
  YamlNode secrets = Container(YamlNode::Kind::kSequence, node);
  if (const YamlNode* listed = service.Find("secrets"); listed && listed->IsSequence())
    secrets.items = listed->items;
  for (const auto& [key, value] : node.entries) {
    if (!r_.ConfigKey(key, "secretConfig")) continue;
    if (config.IsMap() && config.Find(key.scalar)) {
      Error(r_.PosOf(key), "'" + key.scalar + "' is both in config and in secretConfig",
            "keep one of them");
      continue;
    }
    if (!value.IsScalar()) {
      Error(r_.PosOf(value), "'" + key.scalar + "' must be a template such as \"${secrets.x}\"");
      continue;
    }
    std::optional<TemplateValue> v = Evaluate(value);
    if (!v) continue;
    if (v->IsPlain()) {
      if (!v->Text().empty()) {
        Error(r_.PosOf(value), "'" + key.scalar + "' in secretConfig holds no secret",
              "move it to config");
      }
      continue;  // "" leaves the key unset
    }
    if (v->parts.size() == 1 && v->parts[0].kind == Kind::kSecret) {
      secrets.items.push_back(Scalar(key.scalar, key));
    } else {
      derived_[service_][key.scalar] = v->parts;
    }
  }
  if (secrets.items.empty()) return;
  auto listed = std::find_if(service.entries.begin(), service.entries.end(),
                             [](const auto& e) { return e.first.scalar == "secrets"; });
  if (listed != service.entries.end()) {
    listed->second = std::move(secrets);
  } else {
    service.entries.emplace_back(Scalar("secrets", node), std::move(secrets));
  }
}

YamlNode Expander::Datastores() {
  YamlNode out = Container(YamlNode::Kind::kSequence, theme_.datastores);
  for (const YamlNode& item : theme_.datastores.items) {
    std::optional<bool> when = When(item);
    if (!when || !*when) continue;
    YamlNode copy;
    Substitute(Without(item, {"when"}), copy);
    out.items.push_back(std::move(copy));
  }
  return out;
}

YamlNode Expander::Services() {
  YamlNode out = Container(YamlNode::Kind::kSequence, theme_.services);
  for (const YamlNode& item : theme_.services.items) {
    std::optional<bool> when = When(item);
    if (!when || !*when) continue;
    const YamlNode* name = item.Find("name");
    service_ = name && name->IsScalar() ? name->scalar : "";
    YamlNode copy;
    Substitute(Without(item, {"when", "secretConfig"}), copy);
    if (const YamlNode* secret_config = item.Find("secretConfig")) {
      const YamlNode* config = copy.Find("config");
      SecretConfig(*secret_config, config ? *config : YamlNode(), copy);
    }
    out.items.push_back(std::move(copy));
  }
  return out;
}

std::optional<ThemeExpansion> Expander::Run() {
  if (!Scope()) return std::nullopt;
  YamlNode spec = Container(YamlNode::Kind::kMap, theme_.services);
  YamlNode services = Services();
  YamlNode databases = Datastores();
  if (!ok_) return std::nullopt;
  spec.entries.emplace_back(Scalar("services", spec), std::move(services));
  spec.entries.emplace_back(Scalar("databases", spec), std::move(databases));
  spec.entries.emplace_back(Scalar("environments", spec), Container(YamlNode::Kind::kMap, spec));
  YamlNode metadata = Container(YamlNode::Kind::kMap, spec);
  metadata.entries.emplace_back(Scalar("name", spec), Scalar(app_.name.value, spec));
  YamlNode doc = Container(YamlNode::Kind::kMap, spec);
  doc.entries.emplace_back(Scalar("apiVersion", spec), Scalar(kApiVersion, spec));
  doc.entries.emplace_back(Scalar("kind", spec), Scalar("Application", spec));
  doc.entries.emplace_back(Scalar("metadata", spec), std::move(metadata));
  doc.entries.emplace_back(Scalar("spec", spec), std::move(spec));

  // The expanded services are read by the same parser as hand-written ones.
  std::size_t before = diagnostics_.size();
  Manifests parsed;
  ParseManifestDocument(theme_.file, doc, parsed, diagnostics_);
  for (std::size_t i = before; i < diagnostics_.size(); ++i) {
    if (diagnostics_[i].severity == Diagnostic::Severity::kError) return std::nullopt;
  }
  if (parsed.applications.size() != 1) return std::nullopt;
  ThemeExpansion expansion;
  expansion.services = std::move(parsed.applications[0].services);
  expansion.databases = std::move(parsed.applications[0].databases);
  const std::string release = Release();
  for (ServiceManifest& s : expansion.services) {
    s.spec.derived_config = derived_[s.name.value];
    s.spec.generated_secrets = Recipes(s.spec.derived_config);
    s.spec.theme_release = release;
    if (release.empty()) continue;
    s.spec.theme_upgrades = theme_.product.upgrades;
    for (const Located& v : app_.confirm_upgrades) s.spec.confirmed_upgrades.push_back(v.value);
  }
  return expansion;
}

// "<theme>@<version>" when the theme has a semver parameter named `version`, else "".
std::string Expander::Release() const {
  for (const ThemeParameter& p : theme_.parameters) {
    if (p.name.value != "version" || p.type != "semver") continue;
    auto value = scope_.find("params.version");
    if (value != scope_.end() && value->second.IsPlain())
      return theme_.name.value + "@" + value->second.Text();
  }
  return "";
}

// The recipes of the generated secrets `derived` names, with the sources of derived ones.
std::map<std::string, SecretRecipe> Expander::Recipes(
    const std::map<std::string, std::vector<ConfigPart>>& derived) const {
  std::map<std::string, SecretRecipe> recipes;
  auto add = [&](const std::string& name, auto& self) -> void {
    for (const ThemeSecret& secret : theme_.secrets) {
      if (secret.name.value != name || !recipes.emplace(name, secret.recipe).second) continue;
      if (!secret.recipe.from.empty()) self(secret.recipe.from, self);
    }
  };
  for (const auto& [key, parts] : derived) {
    for (const ConfigPart& part : parts)
      if (part.kind == ConfigPart::Kind::kGenerated) add(part.text, add);
  }
  return recipes;
}

// A value of each parameter's type, for checking templates without an application.
TemplateScope PlaceholderScope(const ThemeManifest& theme) {
  using Type = TemplateValue::Type;
  TemplateScope scope = ProductScope(theme.product);
  for (const ThemeParameter& p : theme.parameters) {
    TemplateValue v = TemplateValue::Text("x");
    if (p.type == "bool") v = TemplateValue::Text("false", Type::kBool);
    if (p.type == "int") v = TemplateValue::Text(std::to_string(p.min.value_or(0)), Type::kInt);
    if (p.secret) v = TemplateValue::Reference(Kind::kSecret, p.name.value);
    scope["params." + p.name.value] = std::move(v);
  }
  AddThemeNames(theme, "app", "env", scope);
  return scope;
}

// Evaluates every template under `node`; false once the budget is spent.
bool CheckTemplates(const std::string& file, const YamlNode& node, const TemplateScope& scope,
                    ExpansionBudget& budget, std::vector<Diagnostic>& diagnostics) {
  if (node.IsScalar() && node.scalar.find("${") != std::string::npos) {
    if (budget.template_bytes < node.scalar.size()) return false;
    budget.template_bytes -= node.scalar.size();
    auto result = EvaluateTemplate(node.scalar, scope);
    if (auto* e = std::get_if<TemplateError>(&result)) {
      Pos pos = PosIn(file, node, e->offset);
      diagnostics.push_back({pos.file, pos.line, pos.column, e->message, e->hint});
    }
  }
  for (const YamlNode& item : node.items) {
    if (!CheckTemplates(file, item, scope, budget, diagnostics)) return false;
  }
  for (const auto& [key, value] : node.entries) {
    if (!CheckTemplates(file, value, scope, budget, diagnostics)) return false;
  }
  return true;
}

}  // namespace

void CheckThemeTemplates(const ThemeManifest& theme, ExpansionBudget& budget,
                         std::vector<Diagnostic>& diagnostics) {
  TemplateScope scope = PlaceholderScope(theme);
  if (!CheckTemplates(theme.file, theme.services, scope, budget, diagnostics) ||
      !CheckTemplates(theme.file, theme.datastores, scope, budget, diagnostics)) {
    diagnostics.push_back({theme.file, theme.name.pos.line, theme.name.pos.column,
                           "the templates of theme '" + theme.name.value +
                               "' go past what one load may evaluate (64 MiB)",
                           "make the theme smaller"});
  }
}

std::optional<ThemeExpansion> ExpandTheme(const ThemeManifest& theme,
                                          const ApplicationManifest& app,
                                          const EnvironmentOverride& env, ExpansionBudget& budget,
                                          std::vector<Diagnostic>& diagnostics) {
  return Expander(theme, app, env, budget, diagnostics).Run();
}

}  // namespace dflow
