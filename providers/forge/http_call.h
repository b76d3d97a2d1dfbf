// One HTTP request through libcurl, bounded in time and response size: what the forge client
// and `dflow status --server` share. Redirects are never followed (an auth header must not
// travel to another host); only http and https are spoken. libcurl stays in the .cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manifests-schema/base/status.h"

namespace dflow {

struct HttpCall {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;                             // "Name: value"
  std::optional<std::string> body;                              // sent as is when set
  std::chrono::milliseconds timeout{std::chrono::seconds(15)};  // whole request, connect included
  std::size_t max_response_bytes = 8u << 20;
};

struct HttpReply {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names, trimmed values
};

// Any HTTP status is a reply. Errors: kTimeout (no complete answer in time), kFailed (response
// over max_response_bytes), kUnavailable (connection and protocol errors: libcurl's message).
// Messages do not repeat the URL or headers: callers add what names the call.
Result<HttpReply> PerformHttp(const HttpCall& call);

// `text` percent-encoded for a URL's query or path (libcurl's: every byte but A-Z a-z 0-9 - . _ ~).
std::string UrlEscape(std::string_view text);

}  // namespace dflow
