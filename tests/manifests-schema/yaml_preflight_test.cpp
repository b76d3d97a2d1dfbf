#include "manifests-schema/yaml_preflight.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "manifests-schema/yaml_tree.h"

namespace dflow {
namespace {

// Each of these made YAML::LoadAll loop forever, allocating (the fuzzers' reproducers).
const std::vector<std::string> kLoopingInputs = {",", "\n,=(", std::string(",$\x08")};

TEST_CASE("yaml-cpp's endless loop on a stray ',' is stopped with its place") {
  for (const std::string& input : kLoopingInputs) {
    INFO(input);
    auto diagnostic = PreflightYaml("apps/x.yaml", input);
    REQUIRE(diagnostic.has_value());
    CHECK(diagnostic->file == "apps/x.yaml");
    CHECK(diagnostic->message ==
          "YAML syntax error: unexpected ',' where a document or value should start");
    CHECK(diagnostic->line == (input.starts_with(",") ? 1 : 2));
    CHECK(diagnostic->column == 1);
  }
}

TEST_CASE("the loader reports a stray ',' instead of hanging") {
  for (const std::string& input : kLoopingInputs) {
    std::vector<Diagnostic> diagnostics;
    std::size_t node_budget = 1000;
    std::size_t document_budget = 100;
    CHECK(ParseYamlDocuments("apps/x.yaml", input, diagnostics, node_budget, document_budget)
              .empty());
    REQUIRE(diagnostics.size() == 1);
    CHECK(diagnostics[0].message.starts_with("YAML syntax error: unexpected ','"));
  }
}

TEST_CASE("ordinary YAML, empty documents and syntax errors pass the dry run") {
  for (const std::string& input :
       {std::string(""), std::string("# only a comment\n"), std::string("---\n---\n"),
        std::string("a: 1\n---\nb: [1, 2]\n"), std::string("a: ,b\n"), std::string("a: [1,\n"),
        std::string("name: a\n,\n")}) {
    INFO(input);
    CHECK_FALSE(PreflightYaml("x.yaml", input).has_value());
  }
}

}  // namespace
}  // namespace dflow
