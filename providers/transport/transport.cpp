#include "providers/transport/transport.h"

namespace dflow {

Result<std::unique_ptr<DokkuStream>> Transport::StartDokkuStream(
    const std::vector<std::string>& argv, const ExecOptions&) {
  return Status(Code::kInvalidArgument, Describe() + ": dokku " +
                                            (argv.empty() ? std::string() : argv.front()) +
                                            ": this transport cannot stream a command's output");
}

std::vector<Result<ExecResult>> Transport::RunDokkuMany(
    const std::vector<std::vector<std::string>>& argvs, const ExecOptions& options) {
  std::vector<Result<ExecResult>> results;
  results.reserve(argvs.size());
  for (const auto& argv : argvs) results.push_back(RunDokku(argv, options));
  return results;
}

std::vector<Result<ExecResult>> Transport::RunDokkuFlow(std::vector<DokkuCall> first,
                                                        const ExecOptions& options,
                                                        const DokkuFollowUps& follow_ups) {
  std::vector<Result<ExecResult>> results;
  std::vector<DokkuCall> round = std::move(first);
  while (!round.empty()) {
    // One round per distinct timeout and stdin, so that each call keeps its own.
    std::vector<DokkuCall> next;
    const std::size_t base = results.size();
    results.resize(base + round.size(), Status(Code::kInternal, "not run"));
    std::vector<bool> done(round.size(), false);
    for (std::size_t i = 0; i < round.size(); ++i) {
      if (done[i]) continue;
      ExecOptions bounded = options;
      if (round[i].timeout.count() > 0) bounded.timeout = round[i].timeout;
      if (!round[i].stdin_data.empty()) bounded.stdin_data = round[i].stdin_data;
      std::vector<std::size_t> same;
      std::vector<std::vector<std::string>> argvs;
      for (std::size_t j = i; j < round.size(); ++j) {
        if (done[j] || round[j].timeout != round[i].timeout ||
            round[j].stdin_data != round[i].stdin_data)
          continue;
        same.push_back(j);
        argvs.push_back(round[j].argv);
        done[j] = true;
      }
      std::vector<Result<ExecResult>> out = RunDokkuMany(argvs, bounded);
      for (std::size_t k = 0; k < same.size(); ++k) results[base + same[k]] = std::move(out[k]);
    }
    for (std::size_t i = 0; i < round.size(); ++i) {
      if (!follow_ups) continue;
      for (DokkuCall& call : follow_ups(base + i, results[base + i]))
        next.push_back(std::move(call));
    }
    round = std::move(next);
  }
  return results;
}

}  // namespace dflow
