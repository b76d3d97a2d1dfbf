// Hostile input stays bounded: huge, binary, alias-bomb and deeply nested files give one
// diagnostic each, never a crash, a hang or unbounded memory.
#include <doctest/doctest.h>

#include <string>

#include "manifests-schema/desired_state_loader.h"
#include "manifests-schema/diagnostic_limit.h"
#include "tests/manifests-schema/fixture_source.h"

namespace dflow {
namespace {

SourceSnapshot OneFile(std::string path, std::string content) {
  SourceSnapshot snapshot;
  snapshot.description = "test/";
  SourceFile file;
  file.path = std::move(path);
  file.size = content.size();
  file.content = std::move(content);
  snapshot.files.push_back(std::move(file));
  return snapshot;
}

std::string Only(const SourceSnapshot& snapshot) {
  LoadResult result = LoadDesiredState(snapshot);
  CHECK_FALSE(result.ok());
  return test::DiagnosticsText(result.diagnostics);
}

TEST_CASE("a file marked too large is reported, not read") {
  SourceSnapshot snapshot = OneFile("big.yaml", "");
  snapshot.files[0].size = 5'000'000;
  snapshot.files[0].too_large = true;
  CHECK(Only(snapshot) ==
        "big.yaml: file too large: 5000000 bytes (manifest files are at most 1048576 bytes; "
        "split it)\n");
}

TEST_CASE("a binary file is reported at its first bad byte") {
  CHECK(Only(OneFile("logo.yaml", "apiVersion: dflow/v1\nkind: \xff\xfe\n")) ==
        "logo.yaml:2:7: not a UTF-8 text file (manifests must be UTF-8 YAML; remove binary "
        "files or rename them)\n");
  CHECK(Only(OneFile("nul.yaml", std::string("a: b\0c", 6))) ==
        "nul.yaml:1:5: not a UTF-8 text file (manifests must be UTF-8 YAML; remove binary "
        "files or rename them)\n");
  // Overlong encodings and UTF-16 surrogates are not UTF-8 either.
  CHECK(Only(OneFile("o.yaml", "a: \xc0\xaf\n")).rfind("o.yaml:1:4: not a UTF-8", 0) == 0);
  CHECK(Only(OneFile("s.yaml", "a: \xed\xa0\x80\n")).rfind("s.yaml:1:4: not a UTF-8", 0) == 0);
}

TEST_CASE("an alias bomb is stopped by the node budget") {
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) bomb += (k ? ", " : "") + prev;
    bomb += "]\n";
  }
  std::string text = Only(OneFile("bomb.yaml", bomb));
  CHECK(text.find("bomb.yaml:") == 0);
  CHECK(text.find("too many YAML nodes: more than 1000000 in this revision once aliases are "
                  "expanded (avoid nested aliases; keep manifests small)") != std::string::npos);
}

TEST_CASE("the node budget is shared by all files of a revision") {
  std::string big = "a0: &a0 [x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 6; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    big += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 8; ++k) big += (k ? ", " : "") + prev;
    big += "]\n";
  }
  SourceSnapshot snapshot;
  for (const char* name : {"1.yaml", "2.yaml", "3.yaml", "4.yaml"}) {
    snapshot.files.push_back({name, big, big.size(), false});
  }
  std::string text = Only(snapshot);
  // A file is about 300000 nodes: files 1 and 2 are read fully (they only lack apiVersion and
  // kind); file 3 runs out of budget and file 4 has none left.
  CHECK(text.find("1.yaml:1:1: missing required field 'apiVersion'") != std::string::npos);
  CHECK(text.find("2.yaml:1:1: missing required field 'apiVersion'") != std::string::npos);
  const char* kTooMany =
      ": too many YAML nodes: more than 1000000 in this revision once aliases are expanded";
  CHECK(text.find(std::string("3.yaml:1:25") + kTooMany) != std::string::npos);
  CHECK(text.find(std::string("4.yaml:1:1") + kTooMany) != std::string::npos);
  CHECK(text.find("3.yaml:1:1: missing") == std::string::npos);
}

TEST_CASE("100000 nested flow brackets are refused before parsing") {
  std::string deep(100'000, '[');
  CHECK(Only(OneFile("deep.yaml", deep)) ==
        "deep.yaml:1: nesting deeper than 256 levels of [ ] or { } (flatten the document)\n");
  std::string braces;
  for (int i = 0; i < 100'000; ++i) braces += "{a: ";
  CHECK(Only(OneFile("braces.yaml", braces)).rfind("braces.yaml:1: nesting deeper than 256", 0) ==
        0);
}

TEST_CASE("100000 nested block sequences on one line do not crash the parser") {
  std::string deep;
  for (int i = 0; i < 100'000; ++i) deep += "- ";
  deep += "x\n";
  std::string text = Only(OneFile("dashes.yaml", deep));
  CHECK(text.rfind("dashes.yaml:1:", 0) == 0);
  CHECK(text.find("YAML syntax error: ") != std::string::npos);
}

TEST_CASE("100000 nested complex keys do not crash the parser") {
  std::string deep;
  for (int i = 0; i < 100'000; ++i) deep += "? ";
  deep += "x\n";
  CHECK(Only(OneFile("keys.yaml", deep)).rfind("keys.yaml:1:", 0) == 0);
}

TEST_CASE("moderate nesting beyond 64 levels is reported by the tree bound") {
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "- ";
  deep += "x\n";
  CHECK(Only(OneFile("d.yaml", deep)) ==
        "d.yaml:1:131: nesting deeper than 64 levels (flatten the document)\n");
}

TEST_CASE("reading problems of the source are merged and sorted with the loader's") {
  SourceSnapshot snapshot = OneFile("b.yaml", "apiVersion: dflow/v1\nkind: Nod\n");
  snapshot.problems.push_back({"a.yaml", 0, 0, "symlink points outside the repository", ""});
  CHECK(Only(snapshot) ==
        "a.yaml: symlink points outside the repository\n"
        "b.yaml:2:7: unknown kind 'Nod' (did you mean 'Node'?)\n");
}

TEST_CASE("an empty repository is an error, not an empty desired state") {
  SourceSnapshot snapshot;
  CHECK(Only(snapshot) ==
        "no dflow manifests found in the repository (add YAML files with 'apiVersion: dflow/v1' "
        "documents; sample-repo/ shows the layout)\n");
}

TEST_CASE("non-string map keys are reported") {
  std::string text = Only(OneFile("k.yaml", "? [a, b]\n: c\n"));
  CHECK(text.find("k.yaml:1:3: map keys must be plain strings, got a list (write the key as "
                  "text)\n") != std::string::npos);
}

}  // namespace
}  // namespace dflow

namespace dflow {
namespace {

TEST_CASE("a huge unknown key is cut short in the message") {
  std::string key(1'000, 'k');  // YAML caps implicit keys at 1024 characters
  SourceSnapshot snapshot;
  std::string content = "apiVersion: dflow/v1\nkind: Node\n" + key + ": 1\n";
  snapshot.files.push_back({"n.yaml", content, content.size(), false});
  LoadResult result = LoadDesiredState(snapshot);
  REQUIRE(result.diagnostics.size() >= 1);
  std::string text = test::DiagnosticsText(result.diagnostics);
  CHECK(text.size() < 1000);
  CHECK(text.find("n.yaml:3:1: unknown field '" + std::string(77, 'k') + "...' in document") !=
        std::string::npos);
}

}  // namespace
}  // namespace dflow

namespace dflow {
namespace {

// `count` documents "---\nx: 1\n": each lacks apiVersion and kind and has an unknown field.
std::string SmallDocuments(int count) {
  std::string content;
  content.reserve(count * 9);
  for (int i = 0; i < count; ++i) content += "---\nx: 1\n";
  return content;
}

TEST_CASE("100000 small documents give at most 101 diagnostics, the bound said first") {
  SourceSnapshot snapshot = OneFile("many.yaml", SmallDocuments(100'000));
  LoadResult result = LoadDesiredState(snapshot);
  CHECK_FALSE(result.ok());
  REQUIRE(result.diagnostics.size() == kMaxDiagnostics + 1);
  CHECK(result.diagnostics.front().ToString() ==
        "many.yaml: too many YAML documents: more than 10000 in this revision; those from line "
        "20001 on are not read (merge or remove documents; a fleet needs far fewer)");
  CHECK(result.diagnostics[1].ToString() ==
        "many.yaml:2:1: unknown field 'x' in document (allowed fields: apiVersion, kind, "
        "metadata, spec)");
  // 10,000 documents read, three errors each, and the bound: 30,001, of which 100 are shown.
  CHECK(result.diagnostics.back().ToString() ==
        "and 29901 more (29901 errors, 0 warnings) not shown (fix the ones above and validate "
        "again)");
  CHECK(result.diagnostics.back().severity == Diagnostic::Severity::kError);
  CHECK(test::DiagnosticsText(result.diagnostics).size() < 20'000);
}

TEST_CASE("the document budget is shared by all files of a revision") {
  SourceSnapshot snapshot;
  for (const char* name : {"1.yaml", "2.yaml", "3.yaml", "4.yaml"}) {
    std::string content = SmallDocuments(4'000);
    snapshot.files.push_back({name, content, content.size(), false});
  }
  std::string text = test::DiagnosticsText(LoadDesiredState(snapshot).diagnostics);
  // 4,000 + 4,000 + 2,000 documents are read: file 3 is cut at its 2,001st, file 4 not read.
  CHECK(text.find("1.yaml:2:1: missing required field 'apiVersion'") != std::string::npos);
  CHECK(text.find("1.yaml: too many") == std::string::npos);
  CHECK(text.find("3.yaml: too many YAML documents: more than 10000 in this revision; those "
                  "from line 4001 on are not read") != std::string::npos);
  CHECK(text.find("4.yaml: too many YAML documents: more than 10000 in this revision; this "
                  "file is not read") != std::string::npos);
}

TEST_CASE("an implicit first document counts toward the document budget") {
  std::string content = "x: 1\n" + SmallDocuments(10'000);  // 10,001 documents
  LoadResult result = LoadDesiredState(OneFile("i.yaml", content));
  CHECK(result.diagnostics.front().ToString().starts_with(
      "i.yaml: too many YAML documents: more than 10000 in this revision; those from line "
      "20001 on are not read"));
}

}  // namespace
}  // namespace dflow
