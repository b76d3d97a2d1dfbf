// A real HTTP client (libcurl) for tests of the controller's server and of forge calls.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace dflow::test {

struct HttpReply {
  long status = 0;                             // 0 when the request failed at the transport level
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string error;  // curl's message when status == 0
};

HttpReply HttpGet(const std::string& url, const std::vector<std::string>& headers = {});
HttpReply HttpPost(const std::string& url, const std::string& body,
                   const std::vector<std::string>& headers = {});

}  // namespace dflow::test
