#include "manifests-schema/json_to_yaml.h"

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

namespace dflow {
namespace {

// Whether a plain scalar would be read back as something other than this string (a bool,
// null, a number) by YAML 1.1 or 1.2 readers, so that it must be quoted.
bool NeedsQuotes(const std::string& text) {
  if (text.empty()) return true;
  static const char* kSpecial[] = {"true", "false", "yes",  "no",    "on",  "off", "y",  "n",
                                   "null", "~",     "True", "False", "Yes", "No",  "On", "Off",
                                   "NULL", "Null",  "TRUE", "FALSE", "YES", "NO",  "ON", "OFF"};
  for (const char* special : kSpecial)
    if (text == special) return true;
  const char first = text.front();
  if (std::isdigit(static_cast<unsigned char>(first)) || first == '-' || first == '+' ||
      first == '.')
    return true;  // may read as a number; quoting is the safe side
  return false;
}

void Emit(YAML::Emitter& out, const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::object:
      if (value.empty()) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        break;
      }
      out << YAML::BeginMap;
      for (const auto& [key, item] : value.items()) {
        out << YAML::Key << key << YAML::Value;
        Emit(out, item);
      }
      out << YAML::EndMap;
      break;
    case nlohmann::json::value_t::array:
      if (value.empty()) {
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        break;
      }
      out << YAML::BeginSeq;
      for (const auto& item : value) Emit(out, item);
      out << YAML::EndSeq;
      break;
    case nlohmann::json::value_t::string:
      // Quote strings that YAML would read back as another type ("true", "1", "") and
      // keep the rest plain; yaml-cpp itself quotes what needs quoting for syntax.
      if (NeedsQuotes(value.get<std::string>())) out << YAML::DoubleQuoted;
      out << value.get<std::string>();
      break;
    case nlohmann::json::value_t::boolean:
      out << (value.get<bool>() ? "true" : "false");
      break;
    case nlohmann::json::value_t::null:
      out << YAML::Null;
      break;
    default:  // numbers
      out << value.dump();
      break;
  }
}

}  // namespace

std::string JsonToYaml(const nlohmann::json& value) {
  YAML::Emitter out;
  out.SetIndent(2);
  Emit(out, value);
  std::string text = out.c_str();
  if (text.empty() || text.back() != '\n') text += '\n';
  return text;
}

}  // namespace dflow
