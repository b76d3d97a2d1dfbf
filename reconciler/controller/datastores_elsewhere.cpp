#include "reconciler/controller/datastores_elsewhere.h"

namespace dflow {

std::map<std::string, ObservedNode> FindDatastoresElsewhere(
    const DesiredState& desired, Fleet& fleet, const std::string& self,
    const std::vector<DatastoreSpec>& wanted, const ExecOptions& exec) {
  std::map<std::string, ObservedNode> found;
  std::vector<std::vector<std::string>> calls;
  for (const DatastoreSpec& d : wanted) calls.push_back({"--quiet", d.engine + ":exists", d.name});
  for (const NodeDesiredState& node : desired.nodes) {
    if (node.node.name == self) continue;
    Result<Transport*> transport = fleet.TransportFor(node.node);
    if (!transport.ok()) continue;
    std::vector<Result<ExecResult>> answers = (*transport)->RunDokkuMany(calls, exec);
    ObservedNode held;
    held.node = node.node.name;
    bool answered = true;
    for (std::size_t i = 0; i < wanted.size(); ++i) {
      // Exit 0: it exists; any other exit: it does not (or its plugin is not installed).
      if (!answers[i].ok()) answered = false;
      if (answers[i].ok() && answers[i]->exit_code == 0)
        held.datastores.push_back({wanted[i].name, wanted[i].engine, {}, "", ""});
    }
    if (answered) found.emplace(node.node.name, std::move(held));
  }
  return found;
}

}  // namespace dflow
