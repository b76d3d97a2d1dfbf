// FieldReader: typed, position-aware reading of YamlNode trees for the manifest parser. Every
// problem becomes a Diagnostic at the offending node; getters return nullopt after reporting, so
// the parser goes on and ALL errors of a commit are reported at once. Internal to the loader.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manifests-schema/diagnostic.h"
#include "manifests-schema/yaml_tree.h"

namespace dflow {

// A position in the repo, for diagnostics raised after parsing (references, collisions).
struct Pos {
  std::string file;
  int line = 0;
  int column = 0;
};

// A string value with where it was written.
struct Located {
  std::string value;
  Pos pos;
};

// std::regex recurses once per character (50,000 characters overflow the stack), so no regex
// ever sees more than this many bytes; longer values are refused before matching.
inline constexpr std::size_t kMaxPatternBytes = 2048;

// The syntax of a string value: an ECMAScript regex matched against the whole string, and the
// most bytes a valid value has (at most kMaxPatternBytes), checked first. A syntax with a
// hand-written `match` (one pass, no recursion) uses it instead and takes any length.
struct Syntax {
  const char* regex;
  std::size_t max_bytes;
  bool (*match)(std::string_view) = nullptr;
};

// Whole-string match of `text` against `syntax`; for a regex, false without running it when
// `text` is longer than syntax.max_bytes or kMaxPatternBytes. Compiled patterns are cached per
// thread (the patterns are a small fixed set of constants).
bool MatchesPattern(const std::string& text, const Syntax& syntax);

// "did you mean 'x'?" when `word` is a near miss (edit distance <= 2, or case) of a candidate;
// "" otherwise.
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);

class FieldReader {
 public:
  FieldReader(std::string file, std::vector<Diagnostic>& diagnostics)
      : file_(std::move(file)), diagnostics_(diagnostics) {}

  const std::string& file() const { return file_; }
  Pos PosOf(const YamlNode& node) const { return {file_, node.line, node.column}; }

  void Error(const YamlNode& at, std::string message, std::string hint = "");
  void Warning(const YamlNode& at, std::string message, std::string hint = "");
  void ErrorAt(const Pos& pos, std::string message, std::string hint = "");

  // Checks that `node` is a map whose keys are all in `fields` (unknown ones are reported with
  // a did-you-mean hint). `what` names the object in messages ("Node spec"). False if not a map.
  bool ExpectMap(const YamlNode& node, std::string_view what,
                 std::initializer_list<std::string_view> fields);
  // The value of `key` in `map`, reporting "missing required field" at the map when absent.
  const YamlNode* Required(const YamlNode& map, std::string_view key, std::string_view what,
                           std::string_view hint);

  // A string scalar (quoted, or plain text that YAML does not read as a number/bool/null).
  std::optional<std::string> String(const YamlNode& node, std::string_view field);
  // A string matching `syntax`; `expected` describes it. A value longer than syntax.max_bytes
  // is reported by its length, without echoing it.
  std::optional<std::string> Pattern(const YamlNode& node, std::string_view field,
                                     const Syntax& syntax, std::string_view expected);
  // A manifest name (DNS label, see app_name.h).
  std::optional<std::string> Name(const YamlNode& node, std::string_view field);
  // Any non-null scalar, as written (config values, label values).
  std::optional<std::string> ScalarText(const YamlNode& node, std::string_view field);
  std::optional<int> Int(const YamlNode& node, std::string_view field, int min, int max);
  std::optional<bool> Bool(const YamlNode& node, std::string_view field);
  // The items of a list; nullopt (reported) if `node` is not a list.
  std::optional<std::vector<const YamlNode*>> List(const YamlNode& node, std::string_view field);
  // A list of strings matching `syntax`; duplicates are reported.
  std::vector<Located> StringList(const YamlNode& node, std::string_view field,
                                  const Syntax& syntax, std::string_view expected);
  // A config map: keys match Dokku's ^[a-zA-Z_][a-zA-Z0-9_]*$ and do not start with DFLOW_.
  std::map<std::string, std::string> Config(const YamlNode& node, std::string_view field);
  // A labels map: key -> scalar text.
  std::map<std::string, std::string> Labels(const YamlNode& node, std::string_view field);
  // Checks one config or secret key; reports and returns false when invalid.
  bool ConfigKey(const YamlNode& key_node, std::string_view field);

 private:
  void Add(const YamlNode& at, Diagnostic::Severity severity, std::string message,
           std::string hint);

  std::string file_;
  std::vector<Diagnostic>& diagnostics_;
};

}  // namespace dflow
