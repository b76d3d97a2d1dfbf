// A small HTTP/1.1 server (Boost.Beast inside the .cpp only) for the controller's API, metrics,
// badges and webhooks. Every request is bounded in size and time, and the connections in
// number. A request that does not parse gets 400; HEAD gets the GET answer's headers without
// its body. Handlers run on a small pool of the server's threads (HttpServerOptions), so they
// must be thread-safe; they should read snapshots and queue work rather than block.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "manifests-schema/base/status.h"

namespace dflow {

struct HttpRequest {
  std::string method;                          // "GET", "POST", ...
  std::string target;                          // path and query, as sent: "/badge/x.svg?label=y"
  std::string path;                            // target without the query
  std::map<std::string, std::string> query;    // decoded query parameters
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;                            // raw bytes (webhook signatures need them)
  std::string Header(const std::string& lower_name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::map<std::string, std::string> headers;  // extra headers (Cache-Control, ETag, ...)
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
  std::string address = "127.0.0.1";  // loopback unless told otherwise
  int port = 0;                       // 0: pick a free port (see HttpServer::port())
  std::size_t max_body_bytes = 1u << 20;
  std::size_t max_header_bytes = 16u << 10;
  std::chrono::seconds request_timeout{10};  // to read one whole request
  // Open connections at most. At the cap, a new connection evicts the connection that has
  // waited longest for a request (idle keep-alive or a slow sender), so that idle clients
  // cannot lock out /healthz, and the file descriptors left for SSH and fetches stay bounded.
  std::size_t max_connections = 256;
  // Handlers run on this many threads of their own, never on the I/O thread, so that a slow
  // answer (a large status document) delays nothing else...
  std::size_t handler_threads = 2;
  // ...except these paths, answered on the I/O thread itself, ahead of any handler still
  // running: their answers must be cheap and never block.
  std::vector<std::string> io_thread_paths = {"/healthz"};
};

class HttpServer {
 public:
  // Binds and starts serving on a background thread. kUnavailable when it cannot bind.
  static Result<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                   HttpHandler handler);
  virtual ~HttpServer() = default;  // stops and joins
  virtual int port() const = 0;
};

// Percent-decodes a URL component ("a%20b+c" -> "a b c" when plus_as_space).
std::string UrlDecode(const std::string& text, bool plus_as_space);

}  // namespace dflow
