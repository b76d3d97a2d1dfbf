// FleetRig: several simulated Dokku nodes behind real sshd, the sample repo's edge (one more
// sshd, a plain shell), and a config repo (a real Git repo) made from sample-repo/ with its nodes
// and its edge pointed at them. The base of the end-to-end tests.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "manifests-schema/desired_state_loader.h"
#include "reconciler/apply/apply.h"
#include "reconciler/controller/fleet.h"
#include "tests/support/controller_process.h"
#include "tests/support/git_repo.h"
#include "tests/support/process.h"
#include "tests/support/sshd_fixture.h"

namespace dflow::test {

// The nodes of sample-repo/, the fleet most end-to-end tests converge.
inline const std::vector<std::string> kSampleRepoNodes = {"prod-1", "prod-2", "staging-1"};

class FleetRig {
 public:
  // Starts one SshdNode per name and the edge's sshd; copies sample-repo/ into a Git repo (not
  // yet committed), writes its nodes/nodes.yaml for these nodes (each with a privateHost of its
  // own on loopback, see PrivateHost) and its edges/edge.yaml for the edge. `style` is how dflow
  // logs in (to the nodes; the edge gives every key a shell).
  explicit FleetRig(const std::vector<std::string>& nodes,
                    LoginStyle style = LoginStyle::kShellUser, SshdNodeOptions node_options = {});

  SshdNode& node(const std::string& name) { return *nodes_.at(name); }

  // The edge (edge-1, fronting production): an sshd where dflow gets a plain shell (`dokku`
  // there fails) and writes into edge_config_dir(). Its apiUrl is on 127.0.0.1, port
  // edge_api_port(), where nothing listens unless a test starts a FakeTraefikApi on that port.
  SshdNode& edge() { return *edge_; }
  const SshdNode& edge() const { return *edge_; }
  const std::filesystem::path& edge_config_dir() const { return edge_config_dir_; }
  std::filesystem::path edge_file() const { return edge_config_dir_ / "dflow.yml"; }
  int edge_api_port() const { return edge_api_port_; }
  // The edge's file as dflow last wrote it ("" when it has not been written).
  std::string EdgeDocument() const;
  // The privateHost the rig gives `node`: 127.0.10.<1-based position in name order>.
  std::string PrivateHost(const std::string& node) const;
  const GitRepo& repo() const { return *repo_; }
  const SecretValues& secrets() const { return secrets_; }
  const std::string& secrets_file() const { return secrets_file_; }
  std::string identity() const;  // the client key for `style`

  // Reads and validates the repo's work tree; fails the test on any diagnostic.
  DesiredState Load() const;
  // The apps of Load() over all nodes.
  std::size_t AppCount() const;
  // Points the sample repo's course-management (a git source) at `url` instead of its example
  // address, e.g. a local or served app repository, and commits that with `message`.
  void PointCourseManagementAt(const std::string& url, const std::string& message);
  // `dflow run` options for this rig: its repo (file://), client key and secrets file.
  ControllerProcessOptions ControllerOptions() const;

  // A fleet whose transports reach the rig's nodes with the rig's login style.
  std::unique_ptr<Fleet> MakeFleet() const;

  // Runs the dflow binary with `args` plus this rig's secrets file, a generated-secrets file
  // in its directory and its client key.
  Captured Dflow(std::vector<std::string> args) const;

  // Runs the simulator directly on a node, as an operator's hand-made change would.
  Captured Dokku(const std::string& node, const std::vector<std::string>& args) const;

  // The node's invocation log: total lines, and lines that changed state.
  int Invocations(const std::string& node) const;
  int ChangingInvocations(const std::string& node) const;

 private:
  LoginStyle style_;
  ScopedTempDir dir_;
  std::map<std::string, std::unique_ptr<SshdNode>> nodes_;
  std::unique_ptr<SshdNode> edge_;
  std::filesystem::path edge_config_dir_;
  int edge_api_port_ = 0;
  std::unique_ptr<GitRepo> repo_;
  SecretValues secrets_;
  std::string secrets_file_;
};

// `key` of `app` on `node` as `dokku config:get` prints it (without the newline), or "<unset>".
std::string ConfigValue(const FleetRig& rig, const std::string& node, const std::string& app,
                        const std::string& key);

// Observes, plans and applies every node of `desired` once; returns the apply result.
// `secrets` are the secrets file's values (resolved per app here).
ApplyResult ConvergeOnce(const DesiredState& desired, Fleet& fleet, const SecretValues& secrets,
                         PlanOptions options);

}  // namespace dflow::test
