// YamlNode: a plain, bounded copy of one parsed YAML document, with 1-based positions. The
// loader reads yaml-cpp only through ParseYamlDocuments(), so yaml-cpp stays out of headers,
// its exceptions stop here, and hostile input (alias bombs, deep nesting, binary data) is
// turned into diagnostics before any validation code walks the tree.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "manifests-schema/diagnostic.h"

namespace dflow {

// What a scalar means under YAML 1.1 resolution (the rules python3-yaml and most editors use),
// so that dflow and the published JSON Schema agree on types.
enum class ScalarType { kNull, kBool, kInt, kFloat, kString };

struct YamlNode {
  // Declared, so that the type is complete where `entries` needs it: clang with libstdc++ 12
  // rejects the implicit one (the fuzz build uses clang).
  YamlNode() = default;

  enum class Kind { kNull, kScalar, kSequence, kMap };
  Kind kind = Kind::kNull;
  std::string scalar;                                  // raw text as written (for kScalar)
  bool quoted = false;                                 // quoted or block scalar: always a string
  int line = 0;                                        // 1-based
  int column = 0;                                      // 1-based
  std::vector<YamlNode> items;                         // kSequence
  std::vector<std::pair<YamlNode, YamlNode>> entries;  // kMap, in document order

  bool IsMap() const { return kind == Kind::kMap; }
  bool IsSequence() const { return kind == Kind::kSequence; }
  bool IsScalar() const { return kind == Kind::kScalar; }
  bool IsNull() const { return kind == Kind::kNull; }
  ScalarType Type() const;  // kNull for null nodes; resolves plain scalars
  // The value of `key` in a map (the last one if duplicated), or nullptr.
  const YamlNode* Find(const std::string& key) const;
};

// The value of a plain scalar that YAML 1.1 reads as a boolean (true/yes/on, false/no/off in
// their three spellings), integer or number; nullopt for anything else, quoted scalars
// included. IntValue takes decimal integers of at most 9 digits (no 0x, 0b, 0o, ':' or '_');
// NumberValue takes those, floats ("0.25", "1.5e+3", "1_000.5") and .inf/.nan.
std::optional<bool> BoolValue(const YamlNode& node);
std::optional<int> IntValue(const YamlNode& node);
std::optional<double> NumberValue(const YamlNode& node);

// `text` for a message: cut to 80 bytes ("...") so a pasted blob cannot flood the output.
std::string Abbreviate(const std::string& text);

// "a string", "a number", "a list", ... for messages.
std::string DescribeYamlType(const YamlNode& node);

// Bounds on the trees of one revision; beyond them a file is rejected with one diagnostic.
// The node budget is shared by all files of a load (alias expansion included), which bounds
// memory (about 100 bytes a node) whatever the number of files.
inline constexpr std::size_t kMaxYamlNodes = 1'000'000;
inline constexpr int kMaxYamlDepth = 64;  // nested maps/lists
// Documents per revision, shared by all files like the node budget. A fleet's repo has a few
// hundred; 10,000 leaves room for any real one while 100,000 tiny documents (one 1 MB file of
// "---" lines) can no longer make yaml-cpp build 100,000 trees and the loader 100,000 reports.
inline constexpr std::size_t kMaxYamlDocuments = 10'000;

// Parses every document of `content` (already known to be UTF-8) into plain trees. Null or
// empty documents are dropped. Errors are appended to `diagnostics` (file = `path`); on a
// syntax error no document of the file is returned. Duplicate map keys are reported here.
// `node_budget` is decremented by the nodes copied; when it runs out the file is rejected.
// `document_budget` is decremented by the documents read; the documents beyond it are not
// parsed and one diagnostic says where they start.
std::vector<YamlNode> ParseYamlDocuments(const std::string& path, const std::string& content,
                                         std::vector<Diagnostic>& diagnostics,
                                         std::size_t& node_budget, std::size_t& document_budget);
// The same for a file read on its own (kMaxYamlDocuments documents at most).
std::vector<YamlNode> ParseYamlDocuments(const std::string& path, const std::string& content,
                                         std::vector<Diagnostic>& diagnostics,
                                         std::size_t& node_budget);

// True when `bytes` is well-formed UTF-8 (no overlongs, no surrogates). On failure `line` and
// `column` (1-based) point at the first bad byte.
bool IsValidUtf8(const std::string& bytes, int& line, int& column);

}  // namespace dflow
