#include "tests/support/controller_process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

#include "tests/support/http_client.h"
#include "tests/support/wait.h"

namespace dflow::test {
namespace {

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), len);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

ControllerProcess::ControllerProcess(ControllerProcessOptions options)
    : options_(std::move(options)) {
  state_dir_ = (dir_.path() / "state").string();
  config_path_ = (dir_.path() / "dflow.yaml").string();
  port_ = FreeLoopbackPort();
  std::string config = "repo: {url: \"" + options_.repo_url + "\", branch: main}\n" +
                       "ssh: {identity: \"" + options_.identity + "\"}\n" + "stateDir: \"" +
                       state_dir_ + "\"\nlisten: \"127.0.0.1:" + std::to_string(port_) +
                       "\"\ninterval: " + options_.interval + "\n";
  if (!options_.secrets_file.empty()) config += "secretsFile: \"" + options_.secrets_file + "\"\n";
  if (!options_.webhook_secret.empty()) {
    WriteFile(dir_.path() / "webhook-secret", options_.webhook_secret + "\n");
    config += "webhook: {secretFile: \"" + (dir_.path() / "webhook-secret").string() + "\"}\n";
  }
  WriteFile(config_path_, config + options_.extra_config);
}

ControllerProcess::~ControllerProcess() {
  if (pid_ > 0) Kill();
}

void ControllerProcess::Start() {
  const std::string log = (dir_.path() / "dflow.log").string();
  pid_ = fork();
  if (pid_ == 0) {
    int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    execl(DFLOW_EXE, DFLOW_EXE, "--log-level", options_.log_level.c_str(), "run", "--config",
          config_path_.c_str(), nullptr);
    _exit(127);
  }
  const bool up =
      WaitFor([this] { return HttpGet(url("/healthz")).status == 200; }, std::chrono::seconds(30));
  if (!up) throw std::runtime_error("dflow run did not come up:\n" + Log());
}

void ControllerProcess::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  pid_ = -1;
}

void ControllerProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  exit_code_ = -1;
  pid_ = -1;
}

std::string ControllerProcess::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

nlohmann::json ControllerProcess::Status() const {
  HttpReply reply = HttpGet(url("/api/v1/status"));
  if (reply.status != 200) return nlohmann::json::object();
  return nlohmann::json::parse(reply.body, nullptr, false);
}

std::string ControllerProcess::Log() const { return ReadFile(dir_.path() / "dflow.log"); }

bool ControllerProcess::WaitFor(const std::function<bool()>& done, std::chrono::seconds limit) {
  // Every 200 ms: `done` often asks the controller over HTTP, which should not be hammered.
  return WaitUntil(done, limit, std::chrono::milliseconds(200));
}

bool AllSynced(const nlohmann::json& status, std::size_t apps) {
  if (!status.contains("apps") || status["apps"].size() != apps) return false;
  for (const auto& app : status["apps"])
    if (app.value("sync", "") != "Synced") return false;
  return true;
}

}  // namespace dflow::test
