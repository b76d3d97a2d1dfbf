// Store: the simulator's state folder (one JSON document per app, service and the node).
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "tests/dokku-sim/sim.h"

namespace dokku_sim {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kJsonSuffix = ".json";

std::vector<std::string> JsonNames(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string file = entry.path().filename().string();
    if (file.size() <= kJsonSuffix.size() || file.front() == '.') continue;
    if (file.compare(file.size() - kJsonSuffix.size(), kJsonSuffix.size(), kJsonSuffix) != 0)
      continue;
    names.push_back(file.substr(0, file.size() - kJsonSuffix.size()));
  }
  // Dokku lists directory names (os.ReadDir sorts by name), so sort the bare names.
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

Store::Store(fs::path root) : root_(std::move(root)) {}

fs::path Store::AppPath(const std::string& name) const { return root_ / "apps" / (name + ".json"); }

fs::path Store::ServicePath(const std::string& engine, const std::string& name) const {
  return root_ / "services" / engine / (name + ".json");
}

std::vector<std::string> Store::Apps() const {
  std::vector<std::string> apps;
  for (auto& name : JsonNames(root_ / "apps")) {
    // Dokku skips entries that start with an uppercase letter.
    if (name.empty() || (name[0] >= 'A' && name[0] <= 'Z')) continue;
    apps.push_back(name);
  }
  return apps;
}

bool Store::AppExists(const std::string& name) const {
  if (name.empty() || name.find('/') != std::string::npos || name[0] == '.') return false;
  std::error_code ec;
  return fs::exists(AppPath(name), ec);
}

Json& Store::Load(const fs::path& path) {
  auto it = cache_.find(path);
  if (it != cache_.end()) return it->second;
  Json doc = Json::object();
  std::ifstream in(path, std::ios::binary);
  if (in) {
    std::stringstream ss;
    ss << in.rdbuf();
    Json parsed = Json::parse(ss.str(), nullptr, false);
    if (parsed.is_object()) doc = std::move(parsed);
  }
  return cache_.emplace(path, std::move(doc)).first->second;
}

void Store::Save(const fs::path& path) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  const std::string text = Load(path).dump(1, ' ', false) + "\n";
  fs::path tmp = path;
  tmp += ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
  }
  fs::rename(tmp, path, ec);
  changed_ = true;
}

Json& Store::App(const std::string& name) { return Load(AppPath(name)); }
void Store::SaveApp(const std::string& name) { Save(AppPath(name)); }

void Store::DeleteApp(const std::string& name) {
  std::error_code ec;
  fs::remove(AppPath(name), ec);
  cache_.erase(AppPath(name));
  changed_ = true;
}

Json& Store::Global() { return Load(root_ / "global.json"); }
void Store::SaveGlobal() { Save(root_ / "global.json"); }

std::vector<std::string> Store::Services(const std::string& engine) const {
  return JsonNames(root_ / "services" / engine);
}

bool Store::ServiceExists(const std::string& engine, const std::string& name) const {
  if (name.empty() || name.find('/') != std::string::npos || name[0] == '.') return false;
  std::error_code ec;
  return fs::exists(ServicePath(engine, name), ec);
}

Json& Store::Service(const std::string& engine, const std::string& name) {
  return Load(ServicePath(engine, name));
}

void Store::SaveService(const std::string& engine, const std::string& name) {
  Save(ServicePath(engine, name));
}

void Store::DeleteService(const std::string& engine, const std::string& name) {
  std::error_code ec;
  fs::remove(ServicePath(engine, name), ec);
  cache_.erase(ServicePath(engine, name));
  changed_ = true;
}

}  // namespace dokku_sim
