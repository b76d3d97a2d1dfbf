#include "reconciler/server/http_server.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>

#include "tests/support/http_client.h"

namespace dflow {
namespace {

std::unique_ptr<HttpServer> StartEcho(HttpServerOptions options = {}) {
  auto server = HttpServer::Start(options, [](const HttpRequest& r) {
    HttpResponse response;
    response.body = r.method + " " + r.path +
                    " q=" + (r.query.count("label") ? r.query.at("label") : "-") +
                    " sig=" + r.Header("x-signature") + " body=" + r.body;
    response.headers["Cache-Control"] = "no-cache";
    if (r.path == "/missing") response.status = 404;
    return response;
  });
  REQUIRE(server.ok());
  return std::move(server).value();
}

std::string Url(const HttpServer& server, const std::string& target) {
  return "http://127.0.0.1:" + std::to_string(server.port()) + target;
}

TEST_CASE("requests reach the handler with path, decoded query, headers and raw body") {
  auto server = StartEcho();
  auto get = test::HttpGet(Url(*server, "/badge/a%20b.svg?label=my+label%21"), {"X-Signature: s1"});
  CHECK(get.status == 200);
  CHECK(get.body == "GET /badge/a b.svg q=my label! sig=s1 body=");
  CHECK(get.headers["cache-control"] == "no-cache");
  auto post = test::HttpPost(Url(*server, "/hook"), "{\"raw\": 1}");
  CHECK(post.body == "POST /hook q=- sig= body={\"raw\": 1}");
  CHECK(test::HttpGet(Url(*server, "/missing")).status == 404);
}

TEST_CASE("a body over the limit gets 413 and never reaches the handler") {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  auto server = StartEcho(options);
  auto reply = test::HttpPost(Url(*server, "/hook"), std::string(4096, 'x'));
  CHECK(reply.status == 413);
  CHECK(reply.body == "request too large\n");
  CHECK(test::HttpPost(Url(*server, "/hook"), std::string(1000, 'x')).status == 200);
}

TEST_CASE("a client that stalls mid-request is disconnected after the request timeout") {
  HttpServerOptions options;
  options.request_timeout = std::chrono::seconds(1);
  auto server = StartEcho(options);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(server->port()));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  const char partial[] = "GET / HTTP/1.1\r\nHost: x\r\n";  // never finishes the headers
  REQUIRE(write(fd, partial, sizeof partial - 1) > 0);
  timeval generous{30, 0};  // the server must close long before this
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &generous, sizeof generous);
  char buf[64];
  ssize_t n = read(fd, buf, sizeof buf);
  CHECK(n == 0);  // orderly close by the server, not our receive timeout (-1)
  close(fd);
}

TEST_CASE("a port in use is a clear error") {
  auto first = StartEcho();
  HttpServerOptions options;
  options.port = first->port();
  auto second = HttpServer::Start(options, [](const HttpRequest&) { return HttpResponse{}; });
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().message().starts_with("listen on 127.0.0.1:" +
                                              std::to_string(first->port())));
}

TEST_CASE("UrlDecode handles escapes, plus signs and malformed escapes") {
  CHECK(UrlDecode("a%2Fb+c", true) == "a/b c");
  CHECK(UrlDecode("a+b", false) == "a+b");
  CHECK(UrlDecode("100%", true) == "100%");
  CHECK(UrlDecode("%zz", true) == "%zz");
}

}  // namespace
}  // namespace dflow
