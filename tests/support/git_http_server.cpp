#include "tests/support/git_http_server.h"

#include <cstdio>
#include <stdexcept>

#include "tests/support/process.h"

namespace dflow::test {
namespace {

std::string PktLine(const std::string& text) {
  char length[5];
  std::snprintf(length, sizeof length, "%04zx", text.size() + 4);
  return length + text;
}

}  // namespace

GitHttpServer::GitHttpServer(std::filesystem::path repo, std::string authorization)
    : repo_(std::move(repo)), authorization_(std::move(authorization)) {
  auto server = HttpServer::Start({}, [this](const HttpRequest& r) { return Handle(r); });
  if (!server.ok()) throw std::runtime_error("git http server: " + server.status().message());
  server_ = std::move(server).value();
}

std::string GitHttpServer::Url(const std::string& userinfo) const {
  return "http://" + (userinfo.empty() ? "" : userinfo + "@") +
         "127.0.0.1:" + std::to_string(server_->port()) + "/config.git";
}

std::vector<std::string> GitHttpServer::AuthHeaders() const {
  std::lock_guard lock(mutex_);
  return auth_headers_;
}

HttpResponse GitHttpServer::Handle(const HttpRequest& request) {
  const std::string auth = request.Header("authorization");
  {
    std::lock_guard lock(mutex_);
    auth_headers_.push_back(auth);
  }
  if (auth != authorization_) {
    HttpResponse denied{401, "text/plain", "authentication required\n", {}};
    denied.headers["WWW-Authenticate"] = "Basic realm=\"config\"";
    return denied;
  }
  if (request.path == "/config.git/info/refs") {
    auto refs = RunCapture(
        {"/usr/bin/git", "upload-pack", "--stateless-rpc", "--advertise-refs", repo_.string()}, "");
    return {200,
            "application/x-git-upload-pack-advertisement",
            PktLine("# service=git-upload-pack\n") + "0000" + refs.out,
            {}};
  }
  if (request.method == "POST" && request.path == "/config.git/git-upload-pack") {
    auto pack = RunCapture({"/usr/bin/git", "upload-pack", "--stateless-rpc", repo_.string()},
                           request.body);
    return {200, "application/x-git-upload-pack-result", pack.out, {}};
  }
  return {404, "text/plain", "not found\n", {}};
}

}  // namespace dflow::test
