#include "providers/transport/transport.h"

namespace dflow {

std::vector<Result<ExecResult>> Transport::RunDokkuMany(
    const std::vector<std::vector<std::string>>& argvs, const ExecOptions& options) {
  std::vector<Result<ExecResult>> results;
  results.reserve(argvs.size());
  for (const auto& argv : argvs) results.push_back(RunDokku(argv, options));
  return results;
}

}  // namespace dflow
