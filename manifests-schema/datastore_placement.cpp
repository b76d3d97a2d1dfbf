#include "manifests-schema/datastore_placement.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>

namespace dflow {

namespace {

struct Home {
  NodeDesiredState* node;
  DatastoreSpec* spec;
};

std::map<std::string, Home> Homes(DesiredState& state) {
  std::map<std::string, Home> homes;
  for (NodeDesiredState& n : state.nodes)
    for (DatastoreSpec& d : n.datastores) homes[d.name] = {&n, &d};
  return homes;
}

// Ports in name order, so the result does not depend on which app asked first.
void AssignPorts(NodeDesiredState& node, const std::set<std::string>& exposed) {
  std::set<int> taken;
  for (DatastoreSpec& d : node.datastores) {
    if (!exposed.count(d.name)) continue;
    int port = PreferredExposePort(d.name);
    while (taken.count(port)) port = port + 1 < 30000 ? port + 1 : 20000;
    taken.insert(port);
    d.expose_host = node.node.private_host;
    d.expose_port = port;
  }
}

}  // namespace

std::string DatastoreUrlVariable(const std::string& engine) {
  return engine == "redis" ? "REDIS_URL" : "DATABASE_URL";
}

int PreferredExposePort(const std::string& name) {
  uint32_t h = 2166136261u;  // FNV-1a: stable across builds and platforms
  for (unsigned char c : name) h = (h ^ c) * 16777619u;
  return 20000 + static_cast<int>(h % 10000);
}

namespace {

// The plugin names the first link of an engine DATABASE_URL / REDIS_URL; a second one would
// get a colour name decided at link time, so one datastore per engine may be remote.
std::string TakenBy(const AppSpec& app, const RemoteDatastore& remote,
                    const std::map<std::string, Home>& homes) {
  const std::string& var = remote.variable;
  if (app.config.count(var)) return "its config";
  if (std::count(app.secret_keys.begin(), app.secret_keys.end(), var)) return "a secret";
  for (const std::string& name : app.datastores) {
    auto home = homes.find(name);
    if (name != remote.name && home != homes.end() && home->second.spec->engine == remote.engine) {
      return remote.engine + " datastore " + name;
    }
  }
  return "";
}

}  // namespace

std::vector<RemoteDatastoreConflict> PlaceRemoteDatastores(DesiredState& state) {
  std::vector<RemoteDatastoreConflict> conflicts;
  std::map<std::string, Home> homes = Homes(state);
  std::map<NodeDesiredState*, std::set<std::string>> exposed;
  for (NodeDesiredState& n : state.nodes) {
    for (AppSpec& a : n.apps) {
      std::vector<std::string> local;
      std::vector<RemoteDatastore> remote;
      for (const std::string& name : a.datastores) {
        auto home = homes.find(name);
        if (home == homes.end() || home->second.node == &n) {
          local.push_back(name);
          continue;
        }
        const DatastoreSpec& d = *home->second.spec;
        remote.push_back(
            {name, d.engine, home->second.node->node.name, "", 0, DatastoreUrlVariable(d.engine)});
      }
      for (const RemoteDatastore& r : remote) {
        if (std::string by = TakenBy(a, r, homes); !by.empty()) {
          conflicts.push_back(
              {a.name,
               "service '" + a.service + "' reaches " + r.engine + " datastore " + r.name +
                   " on node " + r.node + " as " + r.variable + ", which " + by + " uses already",
               "link at most one datastore per engine, and leave " + r.variable + " to it"});
          continue;
        }
        exposed[homes.at(r.name).node].insert(r.name);
        a.remote_datastores.push_back(r);
        a.secret_keys.push_back(r.variable);
      }
      std::sort(a.secret_keys.begin(), a.secret_keys.end());
      a.datastores = std::move(local);
    }
  }
  for (auto& [node, names] : exposed) AssignPorts(*node, names);
  for (NodeDesiredState& n : state.nodes) {
    for (AppSpec& a : n.apps) {
      for (RemoteDatastore& r : a.remote_datastores) {
        const DatastoreSpec& d = *homes.at(r.name).spec;
        r.host = d.expose_host;
        r.port = d.expose_port;
      }
    }
  }
  return conflicts;
}

}  // namespace dflow
