#include "manifests-schema/yaml_tree.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <charconv>
#include <limits>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string_view>

#include "manifests-schema/yaml_preflight.h"

namespace dflow {
namespace {

// Flow collections nest without indentation, so a small file can nest very deeply. yaml-cpp
// has its own recursion guard, but we refuse such input before yaml-cpp ever sees it.
constexpr int kMaxBracketDepth = 256;

struct Converter {
  const std::string& path;
  std::vector<Diagnostic>& diagnostics;
  std::size_t& budget;
  bool failed = false;

  void Error(int line, int column, std::string message, std::string hint = "") {
    diagnostics.push_back({path, line, column, std::move(message), std::move(hint)});
  }

  static void SetMark(const YAML::Node& from, YamlNode& to, int parent_line, int parent_column) {
    YAML::Mark mark = from.Mark();
    if (mark.line < 0 || mark.column < 0) {  // null nodes may carry no mark
      to.line = parent_line;
      to.column = parent_column;
      return;
    }
    to.line = mark.line + 1;  // yaml-cpp marks are 0-based
    to.column = mark.column + 1;
  }

  bool Convert(const YAML::Node& from, YamlNode& to, int depth, int parent_line,
               int parent_column) {
    if (failed) return false;
    SetMark(from, to, parent_line, parent_column);
    if (budget == 0) {
      Error(to.line, to.column,
            "too many YAML nodes: more than " + std::to_string(kMaxYamlNodes) +
                " in this revision once aliases are expanded",
            "avoid nested aliases; keep manifests small");
      failed = true;
      return false;
    }
    --budget;
    if (depth > kMaxYamlDepth) {
      Error(to.line, to.column, "nesting deeper than " + std::to_string(kMaxYamlDepth) + " levels",
            "flatten the document");
      failed = true;
      return false;
    }
    switch (from.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        to.kind = YamlNode::Kind::kNull;
        return true;
      case YAML::NodeType::Scalar:
        to.kind = YamlNode::Kind::kScalar;
        to.scalar = from.Scalar();
        to.quoted = from.Tag() != "?";
        return true;
      case YAML::NodeType::Sequence:
        to.kind = YamlNode::Kind::kSequence;
        for (const auto& item : from) {
          to.items.emplace_back();
          if (!Convert(item, to.items.back(), depth + 1, to.line, to.column)) return false;
        }
        return true;
      case YAML::NodeType::Map:
        return ConvertMap(from, to, depth);
    }
    return true;
  }

  bool ConvertMap(const YAML::Node& from, YamlNode& to, int depth) {
    to.kind = YamlNode::Kind::kMap;
    // yaml-cpp keeps both entries of a duplicated key; we report the later ones.
    std::map<std::string, int> seen;  // key -> line of its first use
    for (auto it = from.begin(); it != from.end(); ++it) {
      to.entries.emplace_back();
      auto& [key, value] = to.entries.back();
      if (!Convert(it->first, key, depth + 1, to.line, to.column)) return false;
      if (!Convert(it->second, value, depth + 1, key.line, key.column)) return false;
      if (!key.IsScalar()) {
        Error(key.line, key.column, "map keys must be plain strings, got " + DescribeYamlType(key),
              "write the key as text");
        continue;
      }
      auto [pos, inserted] = seen.emplace(key.scalar, key.line);
      if (!inserted) {
        Error(key.line, key.column, "duplicate key '" + Abbreviate(key.scalar) + "'",
              "it is already set at line " + std::to_string(pos->second) + "; keep one");
      }
    }
    return true;
  }
};

// Returns 0 or the 1-based line where flow nesting first exceeds the bound.
int FindDeepBrackets(const std::string& content) {
  int depth = 0;
  int line = 1;
  for (char c : content) {
    if (c == '\n') ++line;
    if (c == '[' || c == '{') {
      if (++depth > kMaxBracketDepth) return line;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return 0;
}

}  // namespace

ScalarType YamlNode::Type() const {
  if (kind == Kind::kNull) return ScalarType::kNull;
  if (kind != Kind::kScalar) return ScalarType::kString;
  if (quoted) return ScalarType::kString;
  const std::string& s = scalar;
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return ScalarType::kNull;
  static const std::regex kBool(
      "yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF");
  static const std::regex kInt(
      "[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|"
      "[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+");
  static const std::regex kFloat(
      "[-+]?([0-9][0-9_]*)\\.[0-9_]*([eE][-+][0-9]+)?|\\.[0-9_]+([eE][-+][0-9]+)?|"
      "[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\\.[0-9_]*|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");
  if (std::regex_match(s, kBool)) return ScalarType::kBool;
  if (std::regex_match(s, kInt)) return ScalarType::kInt;
  if (std::regex_match(s, kFloat)) return ScalarType::kFloat;
  return ScalarType::kString;
}

const YamlNode* YamlNode::Find(const std::string& key) const {
  const YamlNode* found = nullptr;
  for (const auto& [k, v] : entries) {
    if (k.IsScalar() && k.scalar == key) found = &v;
  }
  return found;
}

std::optional<bool> BoolValue(const YamlNode& node) {
  if (!node.IsScalar() || node.Type() != ScalarType::kBool) return std::nullopt;
  static const std::set<std::string> kTrue = {"yes",  "Yes", "YES", "true", "True",
                                              "TRUE", "on",  "On",  "ON"};
  return kTrue.count(node.scalar) > 0;
}

std::optional<int> IntValue(const YamlNode& node) {
  if (!node.IsScalar() || node.Type() != ScalarType::kInt) return std::nullopt;
  static const std::regex kDecimal("[-+]?[0-9]{1,9}");
  // Length first: std::regex recurses per character, and a sign plus 9 digits is the most
  // this accepts anyway.
  if (node.scalar.size() > 10 || !std::regex_match(node.scalar, kDecimal)) return std::nullopt;
  return std::stoi(node.scalar);
}

std::optional<double> NumberValue(const YamlNode& node) {
  if (std::optional<int> value = IntValue(node)) return *value;
  if (!node.IsScalar() || node.Type() != ScalarType::kFloat) return std::nullopt;
  std::string text = node.scalar;
  if (text.find(':') != std::string::npos) return std::nullopt;  // base 60: not worth it
  std::erase(text, '_');
  const bool negative = text.front() == '-';
  if (text.find("inf") != std::string::npos || text.find("Inf") != std::string::npos ||
      text.find("INF") != std::string::npos) {
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  if (text.find('.') == 0 && text.size() > 1 && !std::isdigit(static_cast<unsigned char>(text[1])))
    return std::numeric_limits<double>::quiet_NaN();  // .nan, .NaN, .NAN
  // from_chars ignores the locale (YAML's decimal point is always '.') but takes no '+'.
  std::string_view digits = text;
  if (digits.front() == '+') digits.remove_prefix(1);
  double value = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

std::string Abbreviate(const std::string& text) {
  return text.size() <= 80 ? text : text.substr(0, 77) + "...";
}

std::string DescribeYamlType(const YamlNode& node) {
  switch (node.kind) {
    case YamlNode::Kind::kMap:
      return "a map";
    case YamlNode::Kind::kSequence:
      return "a list";
    case YamlNode::Kind::kNull:
      return "nothing (null)";
    case YamlNode::Kind::kScalar:
      break;
  }
  switch (node.Type()) {
    case ScalarType::kNull:
      return "nothing (null)";
    case ScalarType::kBool:
      return "a boolean";
    case ScalarType::kInt:
      return "an integer";
    case ScalarType::kFloat:
      return "a number";
    case ScalarType::kString:
      return "a string";
  }
  return "a value";
}

std::vector<YamlNode> ParseYamlDocuments(const std::string& path, const std::string& content,
                                         std::vector<Diagnostic>& diagnostics,
                                         std::size_t& node_budget) {
  std::vector<YamlNode> documents;
  if (int line = FindDeepBrackets(content); line != 0) {
    diagnostics.push_back(
        {path, line, 0,
         "nesting deeper than " + std::to_string(kMaxBracketDepth) + " levels of [ ] or { }",
         "flatten the document"});
    return documents;
  }
  if (std::optional<Diagnostic> stuck = PreflightYaml(path, content)) {
    diagnostics.push_back(std::move(*stuck));
    return documents;
  }
  std::vector<YAML::Node> parsed;
  try {
    parsed = YAML::LoadAll(content);
  } catch (const YAML::Exception& e) {
    // e.msg is yaml-cpp's text without its own "yaml-cpp: error at line" prefix.
    int line = e.mark.line >= 0 ? e.mark.line + 1 : 0;
    int column = e.mark.column >= 0 ? e.mark.column + 1 : 0;
    diagnostics.push_back({path, line, column, "YAML syntax error: " + e.msg,
                           "check indentation, quotes and brackets"});
    return documents;
  } catch (const std::exception& e) {
    diagnostics.push_back({path, 0, 0, std::string("cannot parse YAML: ") + e.what(), ""});
    return documents;
  }
  Converter converter{path, diagnostics, node_budget};
  try {
    for (const YAML::Node& doc : parsed) {
      YamlNode node;
      if (!converter.Convert(doc, node, 0, 1, 1)) return {};
      if (!node.IsNull()) documents.push_back(std::move(node));
    }
  } catch (const YAML::Exception& e) {
    diagnostics.push_back({path, e.mark.line + 1, e.mark.column + 1, "YAML error: " + e.msg, ""});
    return {};
  }
  return documents;
}

bool IsValidUtf8(const std::string& bytes, int& line, int& column) {
  line = 1;
  column = 1;
  const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t n = bytes.size();
  for (std::size_t i = 0; i < n;) {
    unsigned char c = s[i];
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      if (c == 0) return false;  // NUL: binary data, never a manifest
      len = 1;
      cp = c;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    if (c == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += len;
  }
  return true;
}

}  // namespace dflow
