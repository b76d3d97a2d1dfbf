#include "manifests-schema/theme_parameters.h"

#include <algorithm>
#include <set>

#include "manifests-schema/semver.h"
#include "manifests-schema/value_syntax.h"

namespace dflow {
namespace {

using Type = TemplateValue::Type;

// Longest plain string parameter: a config value may hold it several times over.
constexpr std::size_t kMaxParameterBytes = 2048;

bool IsAmount(std::string_view text, std::initializer_list<std::string_view> units) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 9) return false;
  std::string_view unit = text.substr(digits);
  for (std::string_view u : units) {
    if (unit == u) return true;
  }
  return false;
}

bool IsSize(std::string_view t) { return IsAmount(t, {"", "k", "m", "g"}); }
bool IsDuration(std::string_view t) { return IsAmount(t, {"ms", "s", "m", "h", "d"}); }

const char* Expected(const std::string& type) {
  if (type == "domain") return "a lower-case host name such as app.example.com";
  if (type == "email") return "an e-mail address";
  if (type == "url") return "a URL such as https://example.com/x";
  if (type == "semver") return "a semantic version such as 1.2.3";
  if (type == "size") return "a size such as 512k, 64m or 1g";
  if (type == "duration") return "a duration such as 500ms, 30s, 5m or 1h";
  return "a string";
}

std::string Quote(const ThemeParameter& p) { return "parameter '" + p.name.value + "'"; }

std::optional<TemplateValue> TextValue(const ThemeParameter& p, const YamlNode& value,
                                       const ThemeProduct& product, FieldReader& r) {
  auto text = r.ScalarText(value, p.name.value);
  if (!text) return std::nullopt;
  if (text->size() > kMaxParameterBytes) {
    r.Error(value, Quote(p) + " is " + std::to_string(text->size()) + " bytes long",
            "at most " + std::to_string(kMaxParameterBytes) + " bytes");
    return std::nullopt;
  }
  bool ok = true;
  const std::string& t = p.type;
  if (t == "domain") ok = MatchesPattern(*text, kDomainSyntax);
  if (t == "email") ok = MatchesPattern(*text, kEmailSyntax);
  if (t == "url") ok = MatchesPattern(*text, kUrlSyntax);
  if (t == "size") ok = IsSize(*text);
  if (t == "duration") ok = IsDuration(*text);
  if (t == "semver") ok = MatchesPattern(*text, kSemverSyntax) && ParseSemver(*text);
  if (!ok) {
    r.Error(value, Quote(p) + " must be " + Expected(t) + ", got '" + Abbreviate(*text) + "'");
    return std::nullopt;
  }
  if (t == "semver" && !product.supported.empty() &&
      !SemverSatisfies(*ParseSemver(*text), product.supported)) {
    r.Error(value,
            Quote(p) + " " + *text + " is outside the versions the theme supports (" +
                product.supported + ")",
            "pick a version in that range, or a theme release that supports it");
    return std::nullopt;
  }
  if (t == "enum") {
    for (const std::string& e : p.enum_values) {
      if (e == *text) return TemplateValue::Text(*text);
    }
    std::string hint = DidYouMean(*text, p.enum_values);
    std::string list;
    for (const std::string& e : p.enum_values) list += (list.empty() ? "" : ", ") + e;
    r.Error(value, Quote(p) + " must be one of " + list + ", got '" + Abbreviate(*text) + "'",
            hint);
    return std::nullopt;
  }
  return TemplateValue::Text(*text);
}

}  // namespace

const std::vector<std::string>& ThemeParameterTypes() {
  static const std::vector<std::string> kTypes = {"string", "int",      "bool",  "enum",
                                                  "domain", "email",    "url",   "semver",
                                                  "size",   "duration", "secret"};
  return kTypes;
}

TemplateScope ProductScope(const ThemeProduct& product) {
  TemplateScope scope;
  scope["product.name"] = TemplateValue::Text(product.name);
  scope["product.defaultVersion"] = TemplateValue::Text(product.default_version);
  scope["product.supported"] = TemplateValue::Text(product.supported);
  return scope;
}

std::optional<TemplateValue> ParameterValue(const ThemeParameter& p, const YamlNode& value,
                                            const ThemeProduct& product, FieldReader& r) {
  if (p.type == "int") {
    int min = p.min.value_or(-999'999'999);
    int max = p.max.value_or(999'999'999);
    auto n = r.Int(value, p.name.value, min, max);
    if (!n) return std::nullopt;
    return TemplateValue::Text(std::to_string(*n), Type::kInt);
  }
  if (p.type == "bool") {
    auto b = r.Bool(value, p.name.value);
    if (!b) return std::nullopt;
    return TemplateValue::Text(*b ? "true" : "false", Type::kBool);
  }
  return TextValue(p, value, product, r);
}

namespace {

void ReadDeclaration(const YamlNode& item, ThemeParameter& p, FieldReader& r) {
  if (const YamlNode* n = r.Required(item, "name", "theme parameter", "add 'name: <camelCase>'")) {
    if (auto text = r.Pattern(*n, "name", kParameterNameSyntax, "a camelCase name"))
      p.name = {*text, r.PosOf(*n)};
  }
  if (const YamlNode* t = r.Required(item, "type", "theme parameter", "add 'type: string'")) {
    auto text = r.String(*t, "type");
    const auto& types = ThemeParameterTypes();
    if (text && std::find(types.begin(), types.end(), *text) == types.end()) {
      std::string hint = DidYouMean(*text, types);
      std::string list;
      for (const std::string& x : types) list += (list.empty() ? "" : ", ") + x;
      r.Error(*t, "unknown type '" + Abbreviate(*text) + "'",
              hint.empty() ? "use one of: " + list : hint);
    } else if (text) {
      p.type = *text;
    }
  }
  if (const YamlNode* b = item.Find("required"))
    p.required = r.Bool(*b, "required").value_or(false);
  if (const YamlNode* b = item.Find("secret")) p.secret = r.Bool(*b, "secret").value_or(false);
  if (p.type == "secret") p.secret = true;
  if (const YamlNode* b = item.Find("envOverridable")) {
    p.env_overridable = r.Bool(*b, "envOverridable").value_or(true);
  }
  if (const YamlNode* d = item.Find("description")) {
    p.description = r.String(*d, "description").value_or("");
  }
  if (const YamlNode* m = item.Find("min")) p.min = r.Int(*m, "min", -999'999'999, 999'999'999);
  if (const YamlNode* m = item.Find("max")) p.max = r.Int(*m, "max", -999'999'999, 999'999'999);
  if (const YamlNode* e = item.Find("enum")) {
    for (Located& v : r.StringList(*e, "enum", {"[^\\s]{1,200}", 200}, "a value without spaces"))
      p.enum_values.push_back(std::move(v.value));
  }
}

// The shape rules between fields of one declaration.
void CheckDeclaration(const YamlNode& item, const ThemeParameter& p, FieldReader& r) {
  if (p.type == "enum" && p.enum_values.empty()) {
    r.Error(item, "enum " + Quote(p) + " lists no values", "add 'enum: [a, b]'");
  }
  if (p.type != "enum" && item.Find("enum")) {
    r.Error(*item.Find("enum"), "'enum' is only for type enum", "remove it or set 'type: enum'");
  }
  for (const char* bound : {"min", "max"}) {
    if (p.type != "int" && item.Find(bound)) {
      r.Error(*item.Find(bound), "'" + std::string(bound) + "' is only for type int",
              "remove it or set 'type: int'");
    }
  }
  // A user regex would run std::regex on values: exponential backtracking on hostile input.
  if (const YamlNode* pattern = item.Find("pattern")) {
    r.Error(*pattern, "'pattern' is not supported",
            "use a typed parameter (domain, email, url, semver, size, duration) or an enum");
  }
  if (p.secret && item.Find("default")) {
    r.Error(*item.Find("default"), "secret " + Quote(p) + " cannot have a default in Git",
            "its value comes from the secrets file");
  }
  if (p.required && item.Find("default")) {
    r.Error(*item.Find("default"), "required " + Quote(p) + " has a default",
            "remove 'required' or the default");
  }
}

}  // namespace

std::vector<ThemeParameter> ReadThemeParameters(const YamlNode& list, const ThemeProduct& product,
                                                FieldReader& r) {
  std::vector<ThemeParameter> out;
  auto items = r.List(list, "parameters");
  if (!items) return out;
  std::set<std::string> seen;
  for (const YamlNode* item : *items) {
    if (!r.ExpectMap(*item, "theme parameter",
                     {"name", "type", "required", "default", "enum", "min", "max", "pattern",
                      "description", "secret", "envOverridable"})) {
      continue;
    }
    ThemeParameter p;
    ReadDeclaration(*item, p, r);
    if (p.name.value.empty() || p.type.empty()) continue;
    if (!seen.insert(p.name.value).second) {
      r.ErrorAt(p.name.pos, "duplicate parameter '" + p.name.value + "'", "remove one");
      continue;
    }
    CheckDeclaration(*item, p, r);
    if (const YamlNode* d = item->Find("default"); d && !p.secret) {
      YamlNode value = *d;
      if (d->IsScalar() && HasTemplate(d->scalar)) {
        auto result = EvaluateTemplate(d->scalar, ProductScope(product));
        if (auto* e = std::get_if<TemplateError>(&result)) {
          r.Error(*d, "default of " + Quote(p) + ": " + e->message, e->hint);
          continue;
        }
        value.scalar = std::get<TemplateValue>(result).Text();
        value.quoted = true;
      }
      if (ParameterValue(p, value, product, r)) p.default_value = std::move(value);
    }
    out.push_back(std::move(p));
  }
  return out;
}

namespace {

// Checks the names of one `parameters` map and writes its good values into `scope`.
bool ApplyValues(const std::vector<ThemeParameter>& params, const ThemeProduct& product,
                 const std::string& theme_name, const YamlNode& values, bool per_environment,
                 FieldReader& r, TemplateScope& scope) {
  bool ok = true;
  std::vector<std::string> names;
  for (const ThemeParameter& p : params) names.push_back(p.name.value);
  for (const auto& [key, value] : values.entries) {
    auto p = std::find_if(params.begin(), params.end(),
                          [&](const ThemeParameter& x) { return x.name.value == key.scalar; });
    if (p == params.end()) {
      std::string hint = DidYouMean(key.scalar, names);
      std::string list;
      for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
      r.Error(key,
              "unknown parameter '" + Abbreviate(key.scalar) + "' of theme '" + theme_name + "'",
              hint.empty() ? "its parameters are: " + list : hint);
      ok = false;
    } else if (p->secret) {
      r.Error(value, "secret " + Quote(*p) + " cannot have its value in Git",
              "remove it here; its value comes from the secrets file");
      ok = false;
    } else if (per_environment && !p->env_overridable) {
      r.Error(key, Quote(*p) + " is the same in every environment", "set it under spec.parameters");
      ok = false;
    } else if (auto v = ParameterValue(*p, value, product, r)) {
      scope["params." + p->name.value] = std::move(*v);
    } else {
      ok = false;
    }
  }
  return ok;
}

}  // namespace

bool ResolveThemeParameters(const std::vector<ThemeParameter>& params, const ThemeProduct& product,
                            const std::string& theme_name, const YamlNode* app_values,
                            const YamlNode* env_values, const Pos& theme_pos, FieldReader& r,
                            TemplateScope& scope) {
  // Defaults were checked when the theme was read: they are known good here.
  std::vector<Diagnostic> none;
  FieldReader quiet(r.file(), none);
  for (const ThemeParameter& p : params) {
    if (p.secret) {
      scope["params." + p.name.value] =
          TemplateValue::Reference(TemplatePart::Kind::kSecret, p.name.value);
    } else if (p.default_value) {
      if (auto v = ParameterValue(p, *p.default_value, product, quiet))
        scope["params." + p.name.value] = *v;
    } else if (!p.required) {
      // Optional without default: empty, so a template can test `params.x != ''`.
      scope["params." + p.name.value] =
          p.type == "bool" ? TemplateValue::Text("false", Type::kBool) : TemplateValue::Text("");
    }
  }
  bool ok = true;
  if (app_values && app_values->IsMap())
    ok = ApplyValues(params, product, theme_name, *app_values, false, r, scope) && ok;
  if (env_values && env_values->IsMap())
    ok = ApplyValues(params, product, theme_name, *env_values, true, r, scope) && ok;
  for (const ThemeParameter& p : params) {
    bool given = (app_values && app_values->Find(p.name.value)) ||
                 (env_values && env_values->Find(p.name.value));
    if (p.required && !p.secret && !given) {
      r.ErrorAt(
          theme_pos,
          "missing required parameter '" + p.name.value + "' of theme '" + theme_name + "'",
          "add it under spec.parameters" + (p.description.empty() ? "" : ": " + p.description));
      ok = false;
    }
  }
  return ok;
}

}  // namespace dflow
