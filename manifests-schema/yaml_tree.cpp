#include "manifests-schema/yaml_tree.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <map>
#include <optional>
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

// YAML 1.1 resolution of plain scalars (yaml.org/type/bool.html, int.html, float.html),
// written by hand: std::regex recurses once per character and a plain scalar may be a
// megabyte long. tests/manifests-schema/yaml_tree_test.cpp checks these against the regexes.
bool IsDecimalDigit(char c) { return c >= '0' && c <= '9'; }

// Reads a string left to right; each method consumes only what it accepts.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool Done() const { return i_ == text_.size(); }
  // Consumes one character of `set`.
  bool One(std::string_view set) {
    if (Done() || set.find(text_[i_]) == std::string_view::npos) return false;
    ++i_;
    return true;
  }
  // Consumes every leading character of `set`; returns how many.
  std::size_t Many(std::string_view set) {
    std::size_t start = i_;
    while (One(set)) {
    }
    return i_ - start;
  }
  bool Word(std::string_view word) {
    if (text_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }
  // (:[0-5]?[0-9])+ , the base 60 groups of "1:30:00".
  bool Sexagesimal() {
    std::size_t groups = 0;
    while (One(":")) {
      if (Done() || !IsDecimalDigit(text_[i_])) return false;
      const char first = text_[i_++];
      if (!Done() && IsDecimalDigit(text_[i_])) {
        if (first > '5') return false;
        ++i_;
      }
      ++groups;
    }
    return groups > 0;
  }
  // ([eE][-+][0-9]+)? up to the end.
  bool OptionalExponentToEnd() {
    if (Done()) return true;
    return One("eE") && One("-+") && Many(kDigits) > 0 && Done();
  }

  static constexpr std::string_view kDigits = "0123456789";
  static constexpr std::string_view kDigitsOrUnderscore = "0123456789_";

 private:
  std::string_view text_;
  std::size_t i_ = 0;
};

bool IsYamlBool(std::string_view s) {
  static constexpr std::string_view kWords[] = {"yes",  "Yes",  "YES",  "no",    "No",    "NO",
                                                "true", "True", "TRUE", "false", "False", "FALSE",
                                                "on",   "On",   "ON",   "off",   "Off",   "OFF"};
  return std::find(std::begin(kWords), std::end(kWords), s) != std::end(kWords);
}

bool IsYamlInt(std::string_view s) {
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) s.remove_prefix(1);
  auto all_of = [](std::string_view rest, std::string_view set) {
    return !rest.empty() && rest.find_first_not_of(set) == std::string_view::npos;
  };
  if (s.starts_with("0b")) return all_of(s.substr(2), "01_");
  if (s.starts_with("0x")) return all_of(s.substr(2), "0123456789abcdefABCDEF_");
  if (s == "0") return true;
  if (s.starts_with("0")) return all_of(s.substr(1), "01234567_");
  if (s.empty() || s.front() < '1' || s.front() > '9') return false;
  Cursor c(s.substr(1));
  c.Many(Cursor::kDigitsOrUnderscore);
  return c.Done() || (c.Sexagesimal() && c.Done());
}

bool IsYamlFloat(std::string_view s) {
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return true;
  std::string_view unsigned_part = s;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) unsigned_part.remove_prefix(1);
  if (unsigned_part == ".inf" || unsigned_part == ".Inf" || unsigned_part == ".INF") return true;
  if (s.starts_with(".")) {  // .5, .5e+3: no sign in this form
    Cursor c(s.substr(1));
    return c.Many(Cursor::kDigitsOrUnderscore) > 0 && c.OptionalExponentToEnd();
  }
  s = unsigned_part;
  if (s.empty() || !IsDecimalDigit(s.front())) return false;
  Cursor c(s.substr(1));
  c.Many(Cursor::kDigitsOrUnderscore);
  if (c.One(".")) {  // 1.5, 1_000.25e-3
    c.Many(Cursor::kDigitsOrUnderscore);
    return c.OptionalExponentToEnd();
  }
  // 1:30.5, base 60 with a fraction: no exponent.
  if (!c.Sexagesimal() || !c.One(".")) return false;
  c.Many(Cursor::kDigitsOrUnderscore);
  return c.Done();
}

// Where the documents of a file beyond the first `allowed` explicit ones begin.
struct DocumentCut {
  std::size_t offset = 0;  // byte offset of that "---" line
  int line = 0;            // its 1-based line; 0 when the file has no more documents than that
};

// Finds the (allowed + 1)-th "---" document marker at the start of a line. A marker there is a
// document boundary even inside a block scalar (YAML forbids it in content), so counting lines
// is exact enough to bound the work without parsing.
DocumentCut CutAfterDocuments(const std::string& content, std::size_t allowed) {
  std::size_t markers = 0;
  int line = 1;
  for (std::size_t start = 0; start < content.size(); ++line) {
    std::size_t end = content.find('\n', start);
    if (end == std::string::npos) end = content.size();
    std::string_view text(content.data() + start, end - start);
    if (text.starts_with("---") &&
        (text.size() == 3 || text[3] == ' ' || text[3] == '\t' || text[3] == '\r') &&
        ++markers > allowed) {
      return {start, line};
    }
    start = end + 1;
  }
  return {};
}

}  // namespace

ScalarType YamlNode::Type() const {
  if (kind == Kind::kNull) return ScalarType::kNull;
  if (kind != Kind::kScalar) return ScalarType::kString;
  if (quoted) return ScalarType::kString;
  const std::string& s = scalar;
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return ScalarType::kNull;
  if (IsYamlBool(s)) return ScalarType::kBool;
  if (IsYamlInt(s)) return ScalarType::kInt;
  if (IsYamlFloat(s)) return ScalarType::kFloat;
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
  // A sign and at most 9 digits: always fits an int.
  std::string_view text = node.scalar;
  if (text.front() == '-' || text.front() == '+') text.remove_prefix(1);
  if (text.empty() || text.size() > 9 || !std::all_of(text.begin(), text.end(), IsDecimalDigit))
    return std::nullopt;
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
  std::size_t document_budget = kMaxYamlDocuments;
  return ParseYamlDocuments(path, content, diagnostics, node_budget, document_budget);
}

std::vector<YamlNode> ParseYamlDocuments(const std::string& path, const std::string& content,
                                         std::vector<Diagnostic>& diagnostics,
                                         std::size_t& node_budget, std::size_t& document_budget) {
  std::vector<YamlNode> documents;
  if (int line = FindDeepBrackets(content); line != 0) {
    diagnostics.push_back(
        {path, line, 0,
         "nesting deeper than " + std::to_string(kMaxBracketDepth) + " levels of [ ] or { }",
         "flatten the document"});
    return documents;
  }
  // Said of the file as a whole (line 0), so that it sorts before, and is never hidden by,
  // the diagnostics of the documents that were read.
  auto too_many = [&](int line) {
    diagnostics.push_back(
        {path, 0, 0,
         "too many YAML documents: more than " + std::to_string(kMaxYamlDocuments) +
             " in this revision; " +
             (line > 0 ? "those from line " + std::to_string(line) + " on are not read"
                       : std::string("this file is not read")),
         "merge or remove documents; a fleet needs far fewer"});
  };
  if (document_budget == 0) {
    too_many(0);
    return documents;
  }
  // yaml-cpp only sees the documents that fit in the budget (plus one implicit first
  // document, dropped below): the rest of the file is never parsed.
  const DocumentCut cut = CutAfterDocuments(content, document_budget);
  const std::string read = cut.line == 0 ? content : content.substr(0, cut.offset);
  if (std::optional<Diagnostic> stuck = PreflightYaml(path, read)) {
    diagnostics.push_back(std::move(*stuck));
    return documents;
  }
  std::vector<YAML::Node> parsed;
  try {
    parsed = YAML::LoadAll(read);
  } catch (const YAML::Exception& e) {
    // e.msg is yaml-cpp's text without its own "yaml-cpp: error at line" prefix.
    int line = e.mark.line >= 0 ? e.mark.line + 1 : 0;
    int column = e.mark.column >= 0 ? e.mark.column + 1 : 0;
    // yaml-cpp says "illegal map value" after an implicit key of more than 1024 characters.
    diagnostics.push_back({path, line, column, "YAML syntax error: " + e.msg,
                           column > 1024 ? "a map key is at most 1024 characters; shorten it"
                                         : "check indentation, quotes and brackets"});
    return documents;
  } catch (const std::exception& e) {
    diagnostics.push_back({path, 0, 0, std::string("cannot parse YAML: ") + e.what(), ""});
    return documents;
  }
  int cut_line = cut.line;
  if (parsed.size() > document_budget) {  // the implicit first document took one place
    YAML::Mark mark = parsed[document_budget].Mark();
    cut_line = mark.line >= 0 ? mark.line + 1 : std::max(cut.line, 1);
    parsed.resize(document_budget);
  }
  document_budget -= parsed.size();
  if (cut_line != 0) too_many(cut_line);
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
