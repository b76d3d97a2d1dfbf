#include "manifests-schema/yaml_preflight.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <sstream>

namespace dflow {
namespace {

// Builds nothing; remembers where the last document started.
class DocumentStarts : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  YAML::Mark start = YAML::Mark::null_mark();
};

}  // namespace

std::optional<Diagnostic> PreflightYaml(const std::string& path, const std::string& content) {
  std::istringstream input(content);
  YAML::Parser parser(input);
  DocumentStarts handler;
  try {
    int previous = -1;
    while (parser.HandleNextDocument(handler)) {
      // Every document consumes at least one token, so a real next document starts further
      // on; one that starts where the last one did is the parser stuck on a token.
      if (handler.start.pos == previous) {
        const char found =
            handler.start.pos >= 0 && static_cast<std::size_t>(handler.start.pos) < content.size()
                ? content[handler.start.pos]
                : '?';
        return Diagnostic{path, handler.start.line + 1, handler.start.column + 1,
                          std::string("YAML syntax error: unexpected '") + found +
                              "' where a document or value should start",
                          "quote the value, or remove the stray character"};
      }
      previous = handler.start.pos;
    }
  } catch (const YAML::Exception&) {
    return std::nullopt;  // the real parse reports it
  }
  return std::nullopt;
}

}  // namespace dflow
