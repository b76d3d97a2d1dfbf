#include "providers/transport/local_transport.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace dflow {
namespace {

// Writes an executable /bin/sh script standing in for dokku; returns its path.
std::string Script(const test::ScopedTempDir& dir, const std::string& name,
                   const std::string& body) {
  std::filesystem::path path = dir.path() / name;
  test::WriteFile(path, "#!/bin/sh\n" + body);
  chmod(path.c_str(), 0755);
  return path.string();
}

std::unique_ptr<Transport> Local(const std::string& path, std::vector<std::string> env = {}) {
  LocalOptions options;
  options.dokku_path = path;
  options.extra_env = std::move(env);
  return MakeLocalTransport(std::move(options));
}

ExecResult Run(Transport& transport, const std::vector<std::string>& argv,
               const ExecOptions& options = {}) {
  Result<ExecResult> result = transport.RunDokku(argv, options);
  REQUIRE_MESSAGE(result.ok(), result.status().ToString());
  return *result;
}

TEST_CASE("local transport: argv reaches dokku byte for byte, no shell in between") {
  test::ScopedTempDir dir;
  auto transport = Local(Script(dir, "dokku", "printf '%s\\0' \"$@\"\n"));
  std::vector<std::string> argv = {"config:set",      "app",  "K=a b", "it's",
                                   "$(touch /tmp/x)", "`id`", "",      "line1\nline2",
                                   "caf\xc3\xa9",     "-n"};
  ExecResult result = Run(*transport, argv);
  CHECK(result.exit_code == 0);
  CHECK(test::SplitNul(result.out) == argv);
}

TEST_CASE("local transport: stdout and stderr apart, exit code kept") {
  test::ScopedTempDir dir;
  auto transport = Local(Script(dir, "dokku", "echo out; echo ' !     err' >&2; exit 20\n"));
  ExecResult result = Run(*transport, {"apps:exists", "x"});
  CHECK(result.exit_code == 20);
  CHECK(result.out == "out\n");
  CHECK(result.err == " !     err\n");
}

TEST_CASE("local transport: stdin_data is fed then closed") {
  test::ScopedTempDir dir;
  auto transport = Local(Script(dir, "dokku", "cat; echo done\n"));
  ExecOptions options;
  options.stdin_data = std::string(200000, 'y') + "\nend";
  ExecResult result = Run(*transport, {"git:load-image"}, options);
  CHECK(result.out == options.stdin_data + "done\n");
  CHECK(Run(*transport, {"x"}).out == "done\n");  // no stdin: EOF at once
}

TEST_CASE("local transport: a child that ignores its stdin does not kill dflow") {
  test::ScopedTempDir dir;
  auto transport = Local(Script(dir, "dokku", "exit 3\n"));
  ExecOptions options;
  options.stdin_data = std::string(4 << 20, 'z');
  CHECK(Run(*transport, {"x"}, options).exit_code == 3);
}

TEST_CASE("local transport: extra env entries reach dokku and replace inherited ones") {
  test::ScopedTempDir dir;
  auto transport = Local(Script(dir, "dokku", "printf '%s|%s' \"$DOKKU_SIM_STATE\" \"$HOME\"\n"),
                         {"DOKKU_SIM_STATE=/tmp/node 1", "HOME=/nowhere"});
  CHECK(Run(*transport, {"version"}).out == "/tmp/node 1|/nowhere");
}

TEST_CASE("local transport: a bare name is looked up on PATH") {
  test::ScopedTempDir dir;
  Script(dir, "dokku", "echo found\n");
  auto transport = Local("dokku", {"PATH=/nonexistent:" + dir.path().string()});
  CHECK(Run(*transport, {"version"}).out == "found\n");
  CHECK(transport->Describe() == "local");
}

TEST_CASE("local transport: a missing executable is kUnavailable") {
  auto transport = Local("dokku-does-not-exist", {"PATH=/nonexistent"});
  Result<ExecResult> result = transport->RunDokku({"version"}, {});
  CHECK(result.status().code() == Code::kUnavailable);
  CHECK(result.status().message() == "local: cannot find executable \"dokku-does-not-exist\"");
  CHECK(transport->Stats().commands_run == 0);
}

TEST_CASE("local transport: a command past its timeout is killed with its children") {
  test::ScopedTempDir dir;
  std::string marker = (dir.path() / "survived").string();
  auto transport = Local(Script(dir, "dokku", "(sleep 3; touch '" + marker + "') & sleep 30\n"));
  ExecOptions options;
  options.timeout = std::chrono::milliseconds(300);
  Result<ExecResult> result = transport->RunDokku({"--quiet", "ps:rebuild", "secret-arg"}, options);
  CHECK(result.status().code() == Code::kTimeout);
  CHECK(result.status().message() == "local: dokku ps:rebuild: no exit within 300 ms");
  // The whole process group was killed: the background child never writes its marker.
  test::Captured wait = test::RunCapture({"/bin/sleep", "4"}, "");
  CHECK(wait.exit_code == 0);
  CHECK_FALSE(std::filesystem::exists(marker));
}

TEST_CASE("local transport: output over max_output is an error, not a truncation") {
  test::ScopedTempDir dir;
  auto transport = Local(Script(dir, "dokku", "head -c 100000 /dev/zero >&2\n"));
  ExecOptions options;
  options.max_output = 50000;
  Result<ExecResult> result = transport->RunDokku({"logs", "app"}, options);
  CHECK(result.status().code() == Code::kFailed);
  CHECK(result.status().message() == "local: dokku logs: output over 50000 bytes");
}

TEST_CASE("local transport: a child killed by a signal reports 128 + the signal") {
  test::ScopedTempDir dir;
  auto transport = Local(Script(dir, "dokku", "kill -TERM $$\n"));
  CHECK(Run(*transport, {"x"}).exit_code == 128 + 15);
}

TEST_CASE("local transport: RunDokkuMany runs commands at the same time, results in order") {
  test::ScopedTempDir dir;
  // Each command leaves a mark and waits until all four are there: run one after another,
  // the first would wait forever (and time out).
  std::string body = "touch \"" + dir.path().string() +
                     "/mark.$1\"\n"
                     "while [ $(ls \"" +
                     dir.path().string() +
                     "\" | grep -c mark) -lt 4 ]; do\n"
                     "  sleep 0.05\ndone\necho \"$1\"\n";
  auto transport = Local(Script(dir, "dokku", body));
  ExecOptions options;
  options.timeout = std::chrono::seconds(60);
  std::vector<std::vector<std::string>> argvs = {{"a"}, {"b"}, {"c"}, {"d"}};
  std::vector<Result<ExecResult>> results = transport->RunDokkuMany(argvs, options);
  REQUIRE(results.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    REQUIRE_MESSAGE(results[i].ok(), results[i].status().ToString());
    CHECK(results[i]->out == argvs[i][0] + "\n");
  }
  CHECK(transport->Stats().commands_run == 4);
  CHECK(transport->Stats().connections_opened == 0);
}

TEST_CASE("local transport: RunDokkuMany with more commands than the bound") {
  test::ScopedTempDir dir;
  LocalOptions local;
  local.dokku_path = Script(dir, "dokku", "echo \"$1\"\n");
  local.max_parallel = 3;
  auto transport = MakeLocalTransport(local);
  std::vector<std::vector<std::string>> argvs;
  for (int i = 0; i < 20; ++i) argvs.push_back({std::to_string(i)});
  std::vector<Result<ExecResult>> results = transport->RunDokkuMany(argvs, {});
  REQUIRE(results.size() == 20);
  for (int i = 0; i < 20; ++i) CHECK(results[i]->out == std::to_string(i) + "\n");
  CHECK(transport->RunDokkuMany({}, {}).empty());
}

TEST_CASE("local transport: RunDokkuFlow starts a follow-up while the others still run") {
  test::ScopedTempDir dir;
  // `wait` returns once two marks are there; `go` leaves none. The second `wait` is the
  // follow-up of `go`: in rounds, the first `wait` would be alone and give up after 30 s.
  std::string body =
      "if [ \"$1\" = go ]; then echo go; exit 0; fi\n"
      "touch \"" +
      dir.path().string() +
      "/mark.$$\"\n"
      "i=0\n"
      "while [ $(ls \"" +
      dir.path().string() +
      "\" | grep -c mark) -lt 2 ]; do\n"
      "  i=$((i + 1)); if [ $i -gt 600 ]; then echo alone; exit 1; fi\n"
      "  sleep 0.05\ndone\necho released\n";
  auto transport = Local(Script(dir, "dokku", body));
  std::vector<std::size_t> asked;
  std::vector<Result<ExecResult>> results = transport->RunDokkuFlow(
      {{{"wait"}, {}}, {{"go"}, {}}}, {},
      [&](std::size_t id, const Result<ExecResult>&) -> std::vector<DokkuCall> {
        asked.push_back(id);
        return id == 1 ? std::vector<DokkuCall>{{{"wait"}, {}}} : std::vector<DokkuCall>{};
      });
  REQUIRE(results.size() == 3);
  for (const auto& result : results) REQUIRE_MESSAGE(result.ok(), result.status().ToString());
  CHECK(results[0]->out == "released\n");
  CHECK(results[1]->out == "go\n");
  CHECK(results[2]->out == "released\n");
  std::sort(asked.begin(), asked.end());
  CHECK(asked == std::vector<std::size_t>{0, 1, 2});
}

}  // namespace
}  // namespace dflow
