// The shared `<plugin>:report` behaviour of Dokku's Go plugins (§2): argument parsing,
// the all-apps loop, the padded stdout layout, JSON with short and legacy keys, info flags.
#include <algorithm>

#include "tests/dokku-sim/sim.h"

namespace dokku_sim {

namespace sim_report {

struct ReportArgs {
  Args os_args;
  std::vector<std::string> info_flags;
  bool global = false;
};

ReportArgs ParseReportArgs(const Args& args) {
  ReportArgs r;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--format") {
      r.os_args.push_back(a);
      if (i + 1 < args.size()) r.os_args.push_back(args[++i]);
      continue;
    }
    if (a == "--global") {
      r.global = true;
      continue;
    }
    if (a.rfind("--", 0) == 0)
      r.info_flags.push_back(a);
    else
      r.os_args.push_back(a);
  }
  return r;
}

std::string KeyLabel(const std::string& flag, bool ucfirst) {
  std::string key = flag.substr(2);
  std::replace(key.begin(), key.end(), '-', ' ');
  std::replace(key.begin(), key.end(), '.', ' ');
  if (ucfirst && !key.empty() && key[0] >= 'a' && key[0] <= 'z') key[0] = key[0] - 'a' + 'A';
  return key;
}

int ReportOne(Ctx& ctx, const std::string& app, const std::string& format,
              const std::string& info_flag, const ReportOptions& opt, Collector collect) {
  if (app != "--global") {
    if (int rc = VerifyApp(ctx, app)) return rc;
  }
  FlagValues values;
  if (!collect(ctx, app, values)) return 0;
  if (format != "stdout" && format != "json")
    return ctx.Fail("Format must be \"stdout\" or \"json\": \"" + format + "\"");
  if (format != "stdout" && !info_flag.empty())
    return ctx.Fail("--format flag cannot be specified when specifying an info flag");

  if (format == "json") {
    std::map<std::string, std::string> data;  // values are JSON text
    const std::string prefix = "--" + opt.type + "-";
    for (const auto& [k, v] : values) {
      if (k.rfind(kRawJsonMarker, 0) == 0) {
        data[k.substr(1)] = v;
        continue;
      }
      std::string legacy = k.substr(2);
      if (k.rfind(prefix, 0) == 0) {
        data[k.substr(prefix.size())] = GoJsonString(v);
        if (opt.legacy) data[legacy] = GoJsonString(v);
      } else {
        data[legacy] = GoJsonString(v);
      }
    }
    std::string o = "{";
    for (const auto& [k, v] : data) o += (o.size() > 1 ? "," : "") + GoJsonString(k) + ":" + v;
    ctx.Line(o + "}");
    return 0;
  }
  for (auto it = values.begin(); it != values.end();) {
    if (it->first.rfind(kRawJsonMarker, 0) == 0)
      it = values.erase(it);
    else
      ++it;
  }

  size_t width = 31;
  for (const auto& [k, v] : values) width = std::max(width, k.size());
  if (info_flag.empty()) {
    ctx.Info2Quiet(app + " " + opt.type + " information");
    for (const auto& [k, v] : values) {
      std::string key = KeyLabel(k, opt.ucfirst) + ":";
      key.append(width - key.size(), ' ');
      ctx.Verbose(key + v);
    }
    return 0;
  }
  auto it = values.find(info_flag);
  if (it != values.end()) {
    ctx.Line(it->second);
    return 0;
  }
  std::vector<std::string> keys;
  for (const auto& [k, v] : values) keys.push_back(k);
  return ctx.Fail("Invalid flag passed, valid flags: " + Join(keys, ", "));
}

}  // namespace sim_report

int RunReport(Ctx& ctx, const Args& raw_args, const ReportOptions& opt, Collector collect) {
  using namespace sim_report;
  ReportArgs ra = ParseReportArgs(WithAppArg(ctx, raw_args));
  if (ra.info_flags.size() > 1) {
    if (opt.drop_multi_flag_error) return 0;
    return ctx.Fail(opt.type + ":report command allows only a single flag");
  }
  const std::string info_flag = ra.info_flags.empty() ? "" : ra.info_flags[0];
  FlagSpec spec{{}, {"format"}};
  ParsedFlags pf;
  int code = 0;
  const std::string flagset = opt.flagset.empty() ? opt.type + ":report" : opt.flagset;
  if (!ParseFlags(ctx, flagset, ra.os_args, spec, pf, &code)) return code;
  const std::string format = pf.Get("format", "stdout");
  std::string app = pf.positional.empty() ? "" : pf.positional[0];
  if (ra.global) app = "--global";
  if (!app.empty()) return ReportOne(ctx, app, format, info_flag, opt, collect);

  auto apps = ctx.store.Apps();
  if (apps.empty()) {
    ctx.Warn("You haven't deployed any applications yet");
    return 0;
  }
  for (const auto& a : apps) {
    if (int rc = ReportOne(ctx, a, format, info_flag, opt, collect)) return rc;
  }
  return 0;
}

}  // namespace dokku_sim
