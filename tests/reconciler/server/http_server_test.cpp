#include "reconciler/server/http_server.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

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

// A TCP connection to the server, closed on destruction.
class RawConnection {
 public:
  explicit RawConnection(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    connected_ = fd_ >= 0 && connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawConnection() {
    if (fd_ >= 0) close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }
  void Send(const std::string& text) { REQUIRE(write(fd_, text.data(), text.size()) > 0); }
  // Everything the server sends until it closes the connection (or 30 s pass: a failure).
  std::string ReadToClose() {
    timeval generous{30, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &generous, sizeof generous);
    std::string all;
    char buf[4096];
    for (ssize_t n; (n = read(fd_, buf, sizeof buf)) > 0;) all.append(buf, static_cast<size_t>(n));
    return all;
  }
  // True when the server closed the connection (read gives end of file), false when the
  // 30 s receive timeout ran out first.
  bool ClosedByServer() {
    timeval generous{30, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &generous, sizeof generous);
    char buf[64];
    return read(fd_, buf, sizeof buf) == 0;
  }

 private:
  int fd_;
  bool connected_ = false;
};

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

TEST_CASE("HEAD gets the GET answer's headers and no body, the connection stays usable") {
  auto server = StartEcho();
  RawConnection connection(server->port());
  REQUIRE(connection.connected());
  connection.Send(
      "HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const std::string wire = connection.ReadToClose();
  const std::string get_body = "GET /after q=- sig= body=";
  // The HEAD answer announces the length of the GET body it leaves out ("HEAD /healthz ...").
  const std::string head_length =
      "Content-Length: " + std::to_string(std::string("HEAD /healthz q=- sig= body=").size());
  const std::size_t second = wire.find("HTTP/1.1 200", 1);
  REQUIRE(wire.starts_with("HTTP/1.1 200"));
  REQUIRE(second != std::string::npos);
  const std::string head_answer = wire.substr(0, second);
  CHECK(head_answer.find(head_length) != std::string::npos);
  CHECK(head_answer.ends_with("\r\n\r\n"));  // the header ends the HEAD answer: no body
  CHECK(wire.ends_with("\r\n\r\n" + get_body));
}

TEST_CASE("a request that does not parse gets 400 and a closed connection") {
  auto server = StartEcho();
  for (const std::string& garbage :
       {std::string("GARBAGE\r\n\r\n"), std::string("GET / HTTP/9.9\r\n\r\n"),
        std::string("GET / HTTP/1.1\r\nBad Header\r\n\r\n")}) {
    CAPTURE(garbage);
    RawConnection connection(server->port());
    REQUIRE(connection.connected());
    connection.Send(garbage);
    const std::string answer = connection.ReadToClose();
    CHECK(answer.starts_with("HTTP/1.1 400 Bad Request\r\n"));
    CHECK(answer.ends_with("\r\n\r\nbad request\n"));
  }
  CHECK(test::HttpGet(Url(*server, "/still-up")).status == 200);
}

TEST_CASE("at the connection cap, idle connections make way: the longest waiting is closed") {
  HttpServerOptions options;
  options.max_connections = 8;
  options.request_timeout = std::chrono::seconds(120);  // only eviction closes within 30 s
  auto server = StartEcho(options);
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 40; ++i) {
    idle.push_back(std::make_unique<RawConnection>(server->port()));
    REQUIRE(idle.back()->connected());
  }
  // A real request still gets its answer while idle clients hold every slot.
  auto reply = test::HttpGet(Url(*server, "/healthz"));
  CHECK(reply.status == 200);
  CHECK(reply.body == "GET /healthz q=- sig= body=");
  // The first idle connections were evicted to make room (the newest may still be open).
  CHECK(idle.front()->ClosedByServer());
  CHECK(idle[1]->ClosedByServer());
}

TEST_CASE("out of file descriptors, the server neither spins nor dies: it answers again") {
  HttpServerOptions options;
  options.request_timeout = std::chrono::seconds(120);  // only eviction closes within 30 s
  auto server = StartEcho(options);
  rlimit before{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &before) == 0);
  int in_use = 0;
  for (int fd = 0; fd < 4096; ++fd) in_use += fcntl(fd, F_GETFD) != -1 ? 1 : 0;
  rlimit tight = before;
  tight.rlim_cur = static_cast<rlim_t>(in_use + 32);
  REQUIRE(setrlimit(RLIMIT_NOFILE, &tight) == 0);
  // Four idle connections, surely accepted: a request sent after them has been answered.
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 4; ++i) {
    idle.push_back(std::make_unique<RawConnection>(server->port()));
    REQUIRE(idle.back()->connected());
  }
  {
    RawConnection probe(server->port());
    REQUIRE(probe.connected());
    probe.Send("GET /probe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    REQUIRE(probe.ReadToClose().starts_with("HTTP/1.1 200"));
  }
  // Every descriptor left is taken, then exactly one is given back for one more connection:
  // the server's accept() of it fails with EMFILE.
  std::vector<int> fillers;
  for (int fd; (fd = open("/dev/null", O_RDONLY)) >= 0;) fillers.push_back(fd);
  REQUIRE_FALSE(fillers.empty());
  close(fillers.back());
  fillers.pop_back();
  RawConnection late(server->port());
  REQUIRE(late.connected());
  // The server frees a descriptor by closing the connection that waited longest, and then
  // takes the late one.
  CHECK(idle.front()->ClosedByServer());
  for (int fd : fillers) close(fd);
  REQUIRE(setrlimit(RLIMIT_NOFILE, &before) == 0);
  late.Send("GET /late HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(late.ReadToClose().ends_with("GET /late q=- sig= body="));
  CHECK(test::HttpGet(Url(*server, "/recovered")).status == 200);
}

TEST_CASE("/healthz answers while slow handlers hold every handler thread") {
  std::mutex mutex;
  std::condition_variable changed;
  int started = 0;
  bool release = false;
  HttpServerOptions options;
  options.handler_threads = 2;
  auto server = HttpServer::Start(options, [&](const HttpRequest& r) {
    if (r.path == "/slow") {
      std::unique_lock lock(mutex);
      ++started;
      changed.notify_all();
      changed.wait(lock, [&] { return release; });  // like building a huge status answer
    }
    return HttpResponse{200, "text/plain", "answer for " + r.path, {}};
  });
  REQUIRE(server.ok());
  const std::string base = "http://127.0.0.1:" + std::to_string((*server)->port());
  std::vector<std::thread> slow;
  std::atomic<int> slow_answered{0};
  for (int i = 0; i < 3; ++i)  // two hold the handler threads, one more waits in the queue
    slow.emplace_back([&] {
      if (test::HttpGet(base + "/slow").status == 200) ++slow_answered;
    });
  {
    std::unique_lock lock(mutex);
    REQUIRE(changed.wait_for(lock, std::chrono::seconds(60), [&] { return started == 2; }));
  }
  auto health = test::HttpGet(base + "/healthz");
  CHECK(health.status == 200);
  CHECK(health.body == "answer for /healthz");
  CHECK(slow_answered == 0);  // answered before any slow one: they were all still held
  {
    std::lock_guard lock(mutex);
    release = true;
  }
  changed.notify_all();
  for (auto& thread : slow) thread.join();
  CHECK(slow_answered == 3);
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
