// The expression language of theme templates: text with `${...}` substitutions, e.g.
// "https://${params.domain}/" or "${params.queueMode ? 'queue' : 'regular'}". It has names,
// string/bool/int literals, == != ! && || and the ternary `c ? a : b`, in parentheses if need be;
// no loops, no functions, no I/O. `$${` writes a literal `${`.
//
// Values that are secret or only known on the node (a secret, a linked datastore's password or
// URL) are never turned into text: they stay references (TemplatePart) through the evaluation,
// so a string they are interpolated into is itself a reference, resolved by a later stage.
//
// Work is bounded: a template is at most kMaxTemplateBytes, parentheses and ternaries nest at
// most kMaxTemplateDepth deep, and the result is at most kMaxTemplateOutputBytes.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "manifests-schema/desired_state.h"

namespace dflow {

inline constexpr std::size_t kMaxTemplateBytes = 4096;
inline constexpr int kMaxTemplateDepth = 16;
inline constexpr std::size_t kMaxTemplateOutputBytes = 16 * 1024;  // a Dokku config value's

// One piece of an evaluated template: literal text, or a reference resolved after expansion.
using TemplatePart = ConfigPart;

// The template form of parts: text as is (with `${` escaped as `$${`), references as
// ${secrets.NAME}, ${generated.NAME} or ${datastores.NAME.FIELD}; for rendering.
std::string PartsToTemplate(const std::vector<ConfigPart>& parts);

// The value of an expression or of a whole template.
struct TemplateValue {
  enum class Type { kString, kBool, kInt };
  Type type = Type::kString;
  std::vector<TemplatePart> parts;  // adjacent text parts merged; empty = ""

  static TemplateValue Text(std::string text, Type type = Type::kString);
  static TemplateValue Reference(TemplatePart::Kind kind, std::string name, std::string field = "");
  bool IsPlain() const;      // no references
  std::string Text() const;  // the text parts joined (the whole value when IsPlain())
  std::string ToTemplate() const { return PartsToTemplate(parts); }
  bool operator==(const TemplateValue&) const = default;
};

// The names an expression may use ("params.domain", "datastores.db.host", ...), with values.
using TemplateScope = std::map<std::string, TemplateValue, std::less<>>;

// Why a template does not evaluate; `offset` is the byte in the template the error is at.
struct TemplateError {
  std::size_t offset = 0;
  std::string message;
  std::string hint;
};

// Evaluates `text`. A template that is exactly one `${expr}` has the type of expr (so
// "${params.workers}" is an int); any other template is a string. Never throws.
std::variant<TemplateValue, TemplateError> EvaluateTemplate(std::string_view text,
                                                            const TemplateScope& scope);

// True when `text` holds a `${` (not escaped): a template rather than a plain value.
bool HasTemplate(std::string_view text);

}  // namespace dflow
