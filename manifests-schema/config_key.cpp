#include "manifests-schema/config_key.h"

namespace dflow {
namespace {

bool IsKeyStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

}  // namespace

bool IsConfigKey(std::string_view key) {
  if (key.empty() || !IsKeyStart(key.front())) return false;
  for (char c : key.substr(1)) {
    if (!IsKeyStart(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

}  // namespace dflow
