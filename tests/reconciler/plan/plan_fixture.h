// Shared fixtures for the reconciler tests: a desired node and the observed state Dokku would
// report once that node is converged.
#pragma once

#include <string>
#include <vector>

#include "manifests-schema/desired_state.h"
#include "providers/dokku/action.h"
#include "providers/dokku/build_context.h"
#include "providers/dokku/observed_state.h"
#include "reconciler/plan/plan.h"

namespace dflow::testing {

inline constexpr const char* kShopUrl = "https://git.example.com/acme/shop.git";
inline constexpr const char* kDeployedSha = "0123456789abcdef0123456789abcdef01234567";

inline AppSpec ShopWeb() {
  AppSpec app;
  app.name = "shop-web";
  app.application = "shop";
  app.service = "web";
  app.environment = "production";
  app.config = {{"FEATURE_X", "on"}, {"LOG_LEVEL", "info"}};
  app.secret_keys = {"API_TOKEN"};
  app.domains = {"shop.example.com"};
  app.ports = {PortMapping{"http", 80, 5000}};
  app.proxy_type = "traefik";
  app.builder = "dockerfile";
  app.source.git_url = kShopUrl;
  app.source.git_ref = "v1.4.2";
  app.processes = {{"web", 2}, {"worker", 1}};
  app.datastores = {"shop-db"};
  return app;
}

inline AppSpec Service(const std::string& service, const std::string& environment = "production") {
  AppSpec app;
  app.name = "shop-" + service;
  app.application = "shop";
  app.service = service;
  app.environment = environment;
  app.config = {{"ROLE", service}};
  app.source.image = "registry.example.com/shop/" + service + ":1.0";
  return app;
}

inline DatastoreSpec ShopDb() {
  DatastoreSpec store;
  store.name = "shop-db";
  store.engine = "postgres";
  store.application = "shop";
  store.environment = "production";
  return store;
}

inline NodeDesiredState DesiredNode(std::vector<AppSpec> apps, std::vector<DatastoreSpec> stores) {
  NodeDesiredState node;
  node.node.name = "node-1";
  node.node.host = "10.0.0.5";
  node.apps = std::move(apps);
  node.datastores = std::move(stores);
  return node;
}

inline PlanOptions Options() {
  PlanOptions options;
  options.environments["production"] = EnvironmentPolicy{false, true};
  options.environments["staging"] = EnvironmentPolicy{true, true};
  options.secrets["shop-web"]["API_TOKEN"] = "s3cr3t-token";
  return options;
}

// What Dokku reports for `app` after dflow applied it successfully.
inline ObservedApp ConvergedApp(const AppSpec& app, const PlanOptions& options) {
  ObservedApp live;
  live.name = app.name;
  live.managed = true;
  live.config = app.config;
  for (const auto& key : app.secret_keys) live.config[key] = options.secrets.at(app.name).at(key);
  live.config[kManagedMarkerKey] = app.environment + "/" + app.application + "/" + app.service;
  std::string keys;
  for (const auto& [key, value] : live.config)
    if (key != kManagedMarkerKey) keys += (keys.empty() ? "" : ",") + key;
  if (!keys.empty()) live.config[kManagedKeysKey] = keys;
  live.config[kSpecDigestKey] = AppSpecDigest(app, options.secrets);
  live.config["GIT_REV"] = kDeployedSha;  // Dokku's own keys are left alone
  live.domains = app.domains;
  live.ports = app.ports;
  live.proxy_type = app.proxy_type;
  live.builder = app.builder;
  if (!app.source.git_url.empty()) {
    live.deploy_source = "git-sync";
    live.deploy_source_metadata = app.source.git_url + "#" + kDeployedSha;
    live.config[kDeployedSourceKey] = app.source.git_url + "#" + app.source.git_ref;
  } else if (app.health.enabled()) {
    live.deploy_source = "tar";  // git:from-archive <app> --
    live.deploy_source_metadata = "--";
    live.config[kBuildContextKey] = BuildContextDigest(app.source.image, app.health);
  } else {
    live.deploy_source = "docker-image";
    live.deploy_source_metadata = app.source.image;
    live.source_image = app.source.image;
  }
  live.deployed = true;
  live.running = "true";
  live.scale = app.processes;
  for (const auto& store : app.datastores) {
    live.linked_datastores.push_back("postgres/" + store);
    live.config["DATABASE_URL"] =
        "postgres://postgres:pw@dokku-postgres-" + store + ":5432/" + store;
  }
  live.checks_disabled = app.checks_disabled;
  live.checks_skipped = app.checks_skipped;
  live.storage = app.storage;
  live.networks = app.networks;
  return live;
}

inline ObservedNode ConvergedNode(const NodeDesiredState& desired, const PlanOptions& options) {
  ObservedNode observed;
  observed.node = desired.node.name;
  observed.dokku_version = "0.38.27";
  for (const auto& app : desired.apps) observed.apps.push_back(ConvergedApp(app, options));
  for (const auto& store : desired.datastores) {
    ObservedDatastore live{store.name, store.engine, {}, "", ""};
    if (store.expose_port > 0)
      live.exposed = store.expose_host + ":" + std::to_string(store.expose_port);
    for (const auto& app : desired.apps)
      for (const auto& name : app.datastores)
        if (name == store.name) live.linked_apps.push_back(app.name);
    observed.datastores.push_back(live);
  }
  return observed;
}

// One line per action: "<kind> <app or target>: <reason>", joined by newlines, so a failed
// CHECK shows the whole plan.
inline std::string Lines(const NodePlan& plan) {
  std::string text;
  for (const auto& action : plan.actions) {
    text += std::string(ActionKindName(action.kind)) + " " +
            (action.app.empty() ? action.target : action.app) + ": " + action.reason;
    if (action.report_only) text += " [report-only]";
    text += "\n";
  }
  return text;
}

inline std::string NoteLines(const NodePlan& plan) {
  std::string text;
  for (const auto& note : plan.notes)
    text += std::string(NoteKindName(note.kind)) + " " + note.subject + ": " + note.message + "\n";
  return text;
}

}  // namespace dflow::testing
