#include "reconciler/cli/rollback_edit.h"

#include <cstddef>

#include "manifests-schema/yaml_tree.h"

namespace dflow::cli {
namespace {

struct Found {
  const YamlNode* value = nullptr;  // the scalar to replace
  std::string where;                // "environments.staging.ref" for messages
};

const YamlNode* FindService(const YamlNode& spec, const std::string& service, int& count) {
  const YamlNode* services = spec.Find("services");
  count = 0;
  if (services == nullptr || !services->IsSequence()) return nullptr;
  const YamlNode* found = nullptr;
  for (const YamlNode& item : services->items) {
    ++count;
    const YamlNode* name = item.IsMap() ? item.Find("name") : nullptr;
    if (name != nullptr && name->IsScalar() && name->scalar == service) found = &item;
  }
  return found;
}

// The environments the application runs in (a map keyed by name, or a list of names or maps).
std::vector<std::string> EnvironmentNames(const YamlNode& spec) {
  std::vector<std::string> names;
  const YamlNode* environments = spec.Find("environments");
  if (environments == nullptr) return names;
  if (environments->IsMap())
    for (const auto& [key, value] : environments->entries) names.push_back(key.scalar);
  return names;
}

const YamlNode* Scalar(const YamlNode* node) {
  return node != nullptr && node->IsScalar() ? node : nullptr;
}

// The value's text at its position: a quoted scalar with its quotes, a plain one as written.
Result<std::pair<std::size_t, std::size_t>> ValueSpan(const std::string& content,
                                                      const YamlNode& node) {
  std::size_t offset = 0;
  for (int line = 1; line < node.line; ++line) {
    offset = content.find('\n', offset);
    if (offset == std::string::npos) return Status(Code::kInternal, "position out of the file");
    ++offset;
  }
  offset += static_cast<std::size_t>(node.column - 1);
  if (offset >= content.size()) return Status(Code::kInternal, "position out of the file");
  const char first = content[offset];
  if (first == '"' || first == '\'') {
    const std::size_t close = content.find(first, offset + 1);
    const std::size_t eol = content.find('\n', offset);
    if (close == std::string::npos || (eol != std::string::npos && close > eol))
      return Status(Code::kFailed, "the value spans several lines; edit it by hand");
    return std::make_pair(offset, close + 1 - offset);
  }
  if (content.compare(offset, node.scalar.size(), node.scalar) != 0)
    return Status(Code::kFailed, "the value is not written plainly on its line; edit it by hand");
  return std::make_pair(offset, node.scalar.size());
}

bool SafeValue(const std::string& value) {
  if (value.empty()) return false;
  for (char c : value)
    if (c == '"' || c == '\\' || c == '\'' || c == '#' || static_cast<unsigned char>(c) < 0x21)
      return false;
  return true;
}

}  // namespace

Result<SourceEdit> EditSourcePin(const SourceSnapshot& snapshot, const SourcePin& pin) {
  if (!SafeValue(pin.value))
    return Status(Code::kInvalidArgument, "'" + pin.value + "' cannot be pinned");
  for (const SourceFile& file : snapshot.files) {
    std::vector<Diagnostic> diagnostics;
    std::size_t budget = kMaxYamlNodes;
    for (const YamlNode& document :
         ParseYamlDocuments(file.path, file.content, diagnostics, budget)) {
      const YamlNode* kind = Scalar(document.Find("kind"));
      const YamlNode* metadata = document.Find("metadata");
      const YamlNode* name = metadata != nullptr ? Scalar(metadata->Find("name")) : nullptr;
      const YamlNode* spec = document.Find("spec");
      if (kind == nullptr || kind->scalar != "Application" || name == nullptr ||
          name->scalar != pin.application || spec == nullptr || !spec->IsMap())
        continue;
      int service_count = 0;
      const YamlNode* service = FindService(*spec, pin.service, service_count);
      if (service == nullptr)
        return Status(Code::kNotFound, file.path + ": application '" + pin.application +
                                           "' has no service '" + pin.service + "'");
      Found found;
      const YamlNode* environments = spec->Find("environments");
      const YamlNode* env = environments != nullptr && environments->IsMap()
                                ? environments->Find(pin.environment)
                                : nullptr;
      const std::string env_path = "environments." + pin.environment;
      if (env != nullptr && env->IsMap()) {
        const YamlNode* services = env->Find("services");
        const YamlNode* own =
            services != nullptr && services->IsMap() ? services->Find(pin.service) : nullptr;
        if (own != nullptr && own->IsMap() && Scalar(own->Find(pin.key)))
          found = {own->Find(pin.key), env_path + ".services." + pin.service + "." + pin.key};
        else if (Scalar(env->Find(pin.key))) {
          if (service_count != 1)
            return Status(Code::kFailed, file.path + ":" +
                                             std::to_string(env->Find(pin.key)->line) + ": " +
                                             env_path + "." + pin.key + " sets every service of '" +
                                             pin.application + "'; add " + env_path + ".services." +
                                             pin.service + "." + pin.key + " by hand to pin one");
          found = {env->Find(pin.key), env_path + "." + pin.key};
        }
      }
      if (found.value == nullptr) {
        const YamlNode* source = service->Find("source");
        const YamlNode* value =
            source != nullptr && source->IsMap() ? Scalar(source->Find(pin.key)) : nullptr;
        if (value == nullptr)
          return Status(Code::kNotFound, file.path + ": service '" + pin.service +
                                             "' has no source " + pin.key + " to pin");
        const std::vector<std::string> envs = EnvironmentNames(*spec);
        if (envs.size() > 1)
          return Status(Code::kFailed,
                        file.path + ":" + std::to_string(value->line) + ": the service's " +
                            pin.key + " is shared by every environment of '" + pin.application +
                            "'; add `" + pin.key + ": " + value->scalar + "` under " + env_path +
                            ".services." + pin.service + " and commit it, then roll back");
        found = {value, "services." + pin.service + ".source." + pin.key};
      }
      auto span = ValueSpan(file.content, *found.value);
      if (!span.ok()) return span.status().WithContext(file.path + ": " + found.where);
      SourceEdit edit;
      edit.path = file.path;
      edit.line = found.value->line;
      edit.before = file.content.substr(span->first, span->second);
      const bool quote = found.value->quoted || pin.key == "image";
      edit.after = quote ? "\"" + pin.value + "\"" : pin.value;
      edit.content = file.content;
      edit.content.replace(span->first, span->second, edit.after);
      return edit;
    }
  }
  return Status(Code::kNotFound,
                "no Application named '" + pin.application + "' in " + snapshot.description);
}

}  // namespace dflow::cli
