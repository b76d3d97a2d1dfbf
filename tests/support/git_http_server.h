// A smart-HTTP Git server on loopback (git upload-pack behind our HTTP server, as
// git-http-backend would run it) that wants one Basic auth header: a config repo over http with
// a token or with user:password in its URL. Plain http stands in for https (TLS is libgit2's).
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "reconciler/server/http_server.h"

namespace dflow::test {

class GitHttpServer {
 public:
  // Serves the repository at `repo` to requests whose Authorization header is `authorization`
  // ("Basic <base64 of user:password>"); others get 401 with a Basic challenge.
  GitHttpServer(std::filesystem::path repo, std::string authorization);

  // http://127.0.0.1:<port>/config.git; `userinfo` ("user:password") goes before the host.
  std::string Url(const std::string& userinfo = "") const;
  // The Authorization header of every request so far ("" when there was none).
  std::vector<std::string> AuthHeaders() const;

 private:
  HttpResponse Handle(const HttpRequest& request);

  std::filesystem::path repo_;
  std::string authorization_;
  std::unique_ptr<HttpServer> server_;
  mutable std::mutex mutex_;
  std::vector<std::string> auth_headers_;  // GUARDED_BY(mutex_)
};

}  // namespace dflow::test
