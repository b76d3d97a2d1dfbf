// docker-options:* (§3.16), default process scope only.
#include <algorithm>

#include "tests/dokku-sim/sim.h"

namespace dokku_sim {

namespace sim_docker_options {

const std::vector<std::string> kPhases = {"build", "deploy", "run"};

std::vector<std::string> Options(const Json& app, const std::string& phase) {
  if (!app.contains("docker_options") || !app["docker_options"].contains(phase)) return {};
  return app["docker_options"][phase].get<std::vector<std::string>>();
}

bool CollectDockerOptions(Ctx& ctx, const std::string& app, FlagValues& f) {
  if (app == "--global") return true;
  const Json& a = ctx.store.App(app);
  for (const auto& phase : kPhases) {
    auto options = Options(a, phase);
    f["--docker-options-" + phase] = Join(options, " ");
    std::string list = "[";
    for (size_t i = 0; i < options.size(); ++i) {
      if (i > 0) list += ',';  // two appends: GCC 12 -O3's -Wrestrict misreads `"," + ...`
      list += GoJsonString(options[i]);
    }
    // JSON-only array keys (no legacy twin), marked for RunReport.
    f[std::string(kRawJsonMarker) + phase + "-list"] = list + "]";
  }
  return true;
}

int Report(Ctx& ctx, const Args& args) {
  ReportOptions opt{"docker-options", true, true, false};
  return RunReport(ctx, args, opt, CollectDockerOptions);
}

// Parses `<app> <phase[,phase]> <option...>`; returns exit code or 0.
int Prepare(Ctx& ctx, const Args& raw, std::string* app, std::vector<std::string>* phases,
            std::string* option, bool need_option) {
  Args args = WithAppArg(ctx, raw);
  *app = args.size() > 0 ? args[0] : "";
  if (int rc = VerifyApp(ctx, *app)) return rc;
  std::string phase_arg = args.size() > 1 ? args[1] : "";
  size_t start = 0;
  while (!phase_arg.empty()) {
    size_t c = phase_arg.find(',', start);
    std::string p = phase_arg.substr(start, c == std::string::npos ? c : c - start);
    if (std::find(kPhases.begin(), kPhases.end(), p) == kPhases.end())
      return ctx.Fail("Phase must be one of [build deploy run]");
    phases->push_back(p);
    if (c == std::string::npos) break;
    start = c + 1;
  }
  if (args.size() > 2) *option = Join(Args(args.begin() + 2, args.end()), " ");
  if (need_option && option->empty())
    return ctx.Fail(std::string("Please specify docker options to ") +
                    (need_option ? "add to" : "remove from") + " the phase");
  return 0;
}

int Add(Ctx& ctx, const Args& args) {
  std::string app, option;
  std::vector<std::string> phases;
  if (int rc = Prepare(ctx, args, &app, &phases, &option, true)) return rc;
  Json& a = ctx.store.App(app);
  for (const auto& p : phases) AddDockerOption(a, p, option);
  ctx.store.SaveApp(app);
  return 0;
}

int Remove(Ctx& ctx, const Args& args) {
  std::string app, option;
  std::vector<std::string> phases;
  Args in = WithAppArg(ctx, args);
  if (in.size() < 3 && in.size() >= 2) {
    if (int rc = VerifyApp(ctx, in[0])) return rc;
    return ctx.Fail("Please specify docker options to remove from the phase");
  }
  if (int rc = Prepare(ctx, args, &app, &phases, &option, true)) return rc;
  Json& a = ctx.store.App(app);
  for (const auto& p : phases) RemoveDockerOption(a, p, option);
  ctx.store.SaveApp(app);
  return 0;
}

int Clear(Ctx& ctx, const Args& args) {
  std::string app, option;
  std::vector<std::string> phases;
  if (int rc = Prepare(ctx, args, &app, &phases, &option, false)) return rc;
  Json& a = ctx.store.App(app);
  if (phases.empty()) {
    ctx.Info1("Clearing docker-options for " + app + " on all phases");
    a.erase("docker_options");
  } else {
    for (const auto& p : phases) {
      ctx.Info1("Clearing docker-options for " + app + " on phase " + p);
      if (a.contains("docker_options")) a["docker_options"].erase(p);
    }
  }
  ctx.store.SaveApp(app);
  return 0;
}

}  // namespace sim_docker_options

void AddDockerOption(Json& app, const std::string& phase, const std::string& option) {
  using namespace sim_docker_options;
  auto options = Options(app, phase);
  if (std::find(options.begin(), options.end(), option) == options.end()) options.push_back(option);
  app["docker_options"][phase] = options;
}

void RemoveDockerOption(Json& app, const std::string& phase, const std::string& option) {
  using namespace sim_docker_options;
  auto options = Options(app, phase);
  options.erase(std::remove(options.begin(), options.end(), option), options.end());
  if (app.contains("docker_options")) app["docker_options"][phase] = options;
}

void RegisterDockerOptions(std::vector<Command>& c) {
  using namespace sim_docker_options;
  c.push_back({"docker-options:report", Report, false});
  c.push_back({"docker-options:add", Add, true});
  c.push_back({"docker-options:remove", Remove, true});
  c.push_back({"docker-options:clear", Clear, true});
}

}  // namespace dokku_sim
