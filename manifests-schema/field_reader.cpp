#include "manifests-schema/field_reader.h"

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>

#include "manifests-schema/app_name.h"
#include "manifests-schema/config_key.h"

namespace dflow {
namespace {

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                  std::tolower(static_cast<unsigned char>(b[j - 1]));
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string Quote(std::string_view field) { return "'" + std::string(field) + "'"; }

}  // namespace

bool MatchesPattern(const std::string& text, const Syntax& syntax) {
  if (syntax.match != nullptr) return syntax.match(text);
  if (text.size() > std::min(syntax.max_bytes, kMaxPatternBytes)) return false;
  thread_local std::map<const char*, std::regex> cache;
  auto it = cache.find(syntax.regex);
  if (it == cache.end()) it = cache.emplace(syntax.regex, std::regex(syntax.regex)).first;
  return std::regex_match(text, it->second);
}

std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates) {
  std::size_t best = 3;
  std::string best_word;
  for (const std::string& candidate : candidates) {
    // The distance is at least the difference in length: skip the O(n*m) table for a
    // pasted megabyte.
    if (word.size() > candidate.size() + 2 || candidate.size() > word.size() + 2) continue;
    std::size_t distance = EditDistance(word, candidate);
    // Short words need a closer match, or every two-letter typo "means" something.
    std::size_t limit = std::min<std::size_t>(2, std::max<std::size_t>(1, candidate.size() / 3));
    if (distance <= limit && distance < best) {
      best = distance;
      best_word = candidate;
    }
  }
  return best_word.empty() ? "" : "did you mean '" + best_word + "'?";
}

void FieldReader::Add(const YamlNode& at, Diagnostic::Severity severity, std::string message,
                      std::string hint) {
  Diagnostic d{file_, at.line, at.column, std::move(message), std::move(hint)};
  d.severity = severity;
  diagnostics_.push_back(std::move(d));
}

void FieldReader::Error(const YamlNode& at, std::string message, std::string hint) {
  Add(at, Diagnostic::Severity::kError, std::move(message), std::move(hint));
}

void FieldReader::ErrorAt(const Pos& pos, std::string message, std::string hint) {
  diagnostics_.push_back({pos.file, pos.line, pos.column, std::move(message), std::move(hint)});
}

void FieldReader::Warning(const YamlNode& at, std::string message, std::string hint) {
  Add(at, Diagnostic::Severity::kWarning, std::move(message), std::move(hint));
}

bool FieldReader::ExpectMap(const YamlNode& node, std::string_view what,
                            std::initializer_list<std::string_view> fields) {
  if (!node.IsMap()) {
    Error(node, std::string(what) + " must be a map, got " + DescribeYamlType(node));
    return false;
  }
  std::vector<std::string> allowed(fields.begin(), fields.end());
  for (const auto& [key, value] : node.entries) {
    if (!key.IsScalar()) continue;  // reported by the YAML reader
    if (std::find(allowed.begin(), allowed.end(), key.scalar) != allowed.end()) continue;
    std::string hint = DidYouMean(key.scalar, allowed);
    if (hint.empty()) {
      hint = "allowed fields:";
      for (std::size_t i = 0; i < allowed.size(); ++i) hint += (i ? ", " : " ") + allowed[i];
    }
    Error(key, "unknown field '" + Abbreviate(key.scalar) + "' in " + std::string(what), hint);
  }
  return true;
}

const YamlNode* FieldReader::Required(const YamlNode& map, std::string_view key,
                                      std::string_view what, std::string_view hint) {
  const YamlNode* value = map.Find(std::string(key));
  if (value == nullptr) {
    Error(map, "missing required field " + Quote(key) + " in " + std::string(what),
          std::string(hint));
  }
  return value;
}

std::optional<std::string> FieldReader::String(const YamlNode& node, std::string_view field) {
  if (node.IsScalar() && node.Type() == ScalarType::kString) return node.scalar;
  std::string hint;
  if (node.IsScalar() && node.Type() != ScalarType::kNull) {
    hint = "quote it: \"" + Abbreviate(node.scalar) + "\"";
  }
  Error(node, Quote(field) + " must be a string, got " + DescribeYamlType(node), hint);
  return std::nullopt;
}

std::optional<std::string> FieldReader::Pattern(const YamlNode& node, std::string_view field,
                                                const Syntax& syntax, std::string_view expected) {
  std::optional<std::string> text = String(node, field);
  if (!text) return std::nullopt;
  const std::size_t max_bytes =
      syntax.match != nullptr ? syntax.max_bytes : std::min(syntax.max_bytes, kMaxPatternBytes);
  if (text->size() > max_bytes) {
    // Not echoed: a value this long is a paste gone wrong, perhaps of something secret.
    Error(node,
          Quote(field) + " is " + std::to_string(text->size()) + " bytes long, more than the " +
              std::to_string(max_bytes) + " allowed",
          "write " + std::string(expected));
    return std::nullopt;
  }
  if (!MatchesPattern(*text, syntax)) {
    Error(node,
          Quote(field) + " must be " + std::string(expected) + ", got '" + Abbreviate(*text) + "'");
    return std::nullopt;
  }
  return text;
}

std::optional<std::string> FieldReader::Name(const YamlNode& node, std::string_view field) {
  std::optional<std::string> text = String(node, field);
  if (!text) return std::nullopt;
  if (!IsValidManifestName(*text)) {
    Error(node, "invalid name '" + Abbreviate(*text) + "' in " + Quote(field),
          "use lower-case letters, digits and inner hyphens, at most 63 characters");
    return std::nullopt;
  }
  return text;
}

std::optional<std::string> FieldReader::ScalarText(const YamlNode& node, std::string_view field) {
  if (node.IsScalar() && node.Type() != ScalarType::kNull) return node.scalar;
  Error(node, Quote(field) + " must be a string, number or boolean, got " + DescribeYamlType(node),
        node.IsNull() ? "write \"\" for an empty value" : "");
  return std::nullopt;
}

std::optional<int> FieldReader::Int(const YamlNode& node, std::string_view field, int min,
                                    int max) {
  std::string range = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (!node.IsScalar() || node.Type() != ScalarType::kInt) {
    Error(node, Quote(field) + " must be " + range + ", got " + DescribeYamlType(node));
    return std::nullopt;
  }
  std::optional<int> value = IntValue(node);
  if (!value || *value < min || *value > max) {
    Error(node, Quote(field) + " must be " + range + ", got " + Abbreviate(node.scalar));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> FieldReader::Bool(const YamlNode& node, std::string_view field) {
  if (std::optional<bool> value = BoolValue(node)) return value;
  Error(node, Quote(field) + " must be true or false, got " + DescribeYamlType(node));
  return std::nullopt;
}

std::optional<std::vector<const YamlNode*>> FieldReader::List(const YamlNode& node,
                                                              std::string_view field) {
  if (!node.IsSequence()) {
    Error(node, Quote(field) + " must be a list, got " + DescribeYamlType(node));
    return std::nullopt;
  }
  std::vector<const YamlNode*> items;
  for (const YamlNode& item : node.items) items.push_back(&item);
  return items;
}

std::vector<Located> FieldReader::StringList(const YamlNode& node, std::string_view field,
                                             const Syntax& syntax, std::string_view expected) {
  std::vector<Located> out;
  auto items = List(node, field);
  if (!items) return out;
  std::set<std::string> seen;
  for (const YamlNode* item : *items) {
    std::optional<std::string> text = Pattern(*item, field, syntax, expected);
    if (!text) continue;
    if (!seen.insert(*text).second) {
      Error(*item, "duplicate entry '" + Abbreviate(*text) + "' in " + Quote(field), "remove one");
      continue;
    }
    out.push_back({*text, PosOf(*item)});
  }
  return out;
}

bool FieldReader::ConfigKey(const YamlNode& key_node, std::string_view field) {
  const std::string& key = key_node.scalar;
  if (!IsConfigKey(key)) {
    Error(key_node, "invalid key '" + Abbreviate(key) + "' in " + Quote(field),
          "Dokku accepts letters, digits and '_', not starting with a digit");
    return false;
  }
  if (key.rfind("DFLOW_", 0) == 0) {
    Error(key_node, "key '" + Abbreviate(key) + "' in " + Quote(field) + " is reserved",
          "keys starting with DFLOW_ belong to dflow; rename it");
    return false;
  }
  return true;
}

std::map<std::string, std::string> FieldReader::Config(const YamlNode& node,
                                                       std::string_view field) {
  std::map<std::string, std::string> out;
  if (!node.IsMap()) {
    Error(node, Quote(field) + " must be a map of KEY: value, got " + DescribeYamlType(node));
    return out;
  }
  for (const auto& [key, value] : node.entries) {
    if (!key.IsScalar() || !ConfigKey(key, field)) continue;
    // Config values may be secrets pasted by mistake: never echo them in messages.
    if (!value.IsScalar() || value.Type() == ScalarType::kNull) {
      Error(value.IsNull() ? key : value,
            "value of '" + Abbreviate(key.scalar) + "' in " + Quote(field) +
                " must be a string, number or boolean, got " + DescribeYamlType(value),
            value.IsNull() ? "write \"\" for an empty value" : "");
      continue;
    }
    // Values travel base64-encoded inside one SSH exec request, which libssh2 caps at about
    // 35,000 bytes: refuse here what could never reach the node whole.
    constexpr std::size_t kMaxConfigValueBytes = 16 * 1024;
    if (value.scalar.size() > kMaxConfigValueBytes) {
      Error(value,
            "value of '" + Abbreviate(key.scalar) + "' in " + Quote(field) + " is " +
                std::to_string(value.scalar.size()) + " bytes, more than the 16384 dflow can send",
            "keep large content in a file or storage mount and put its path in the config");
      continue;
    }
    out[key.scalar] = value.scalar;
  }
  return out;
}

std::map<std::string, std::string> FieldReader::Labels(const YamlNode& node,
                                                       std::string_view field) {
  std::map<std::string, std::string> out;
  if (!node.IsMap()) {
    Error(node, Quote(field) + " must be a map, got " + DescribeYamlType(node));
    return out;
  }
  static const std::regex kLabel("[a-zA-Z0-9]([a-zA-Z0-9._/-]{0,61}[a-zA-Z0-9])?");
  for (const auto& [key, value] : node.entries) {
    if (!key.IsScalar()) continue;
    // The length first: the regex recurses per character, and accepts at most 63 anyway.
    if (key.scalar.size() > 63 || !std::regex_match(key.scalar, kLabel)) {
      Error(key, "invalid label key '" + Abbreviate(key.scalar) + "'",
            "use letters, digits, '.', '_', '/', '-', at most 63 characters");
      continue;
    }
    if (auto text = ScalarText(value, "labels." + key.scalar)) out[key.scalar] = *text;
  }
  return out;
}

}  // namespace dflow
