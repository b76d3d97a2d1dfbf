#include "reconciler/server/http_server.h"

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <thread>

#include "manifests-schema/base/text.h"

namespace dflow {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::map<std::string, std::string> ParseQuery(const std::string& query) {
  std::map<std::string, std::string> params;
  std::size_t start = 0;
  while (start < query.size()) {
    std::size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    std::string pair = query.substr(start, end - start);
    std::size_t eq = pair.find('=');
    std::string key = UrlDecode(pair.substr(0, eq), true);
    params[key] = eq == std::string::npos ? "" : UrlDecode(pair.substr(eq + 1), true);
    start = end + 1;
  }
  return params;
}

HttpRequest ToRequest(const http::request<http::string_body>& in) {
  HttpRequest request;
  request.method = std::string(in.method_string());
  request.target = std::string(in.target());
  std::size_t q = request.target.find('?');
  request.path = UrlDecode(request.target.substr(0, q), false);
  if (q != std::string::npos) request.query = ParseQuery(request.target.substr(q + 1));
  for (const auto& field : in) {
    request.headers[AsciiLower(std::string(field.name_string()))] = std::string(field.value());
  }
  request.body = in.body();
  return request;
}

class Session;

// The server's open connections, for the cap. Only the server's one I/O thread touches it.
struct SessionTable {
  std::size_t open = 0;
  std::uint64_t next_wait = 0;
  // Sessions waiting for (the rest of) a request, oldest wait first.
  std::map<std::uint64_t, std::weak_ptr<Session>> waiting;
};

bool IsParseError(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category();
}

// One connection: read a request with limits, answer, repeat while keep-alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const HttpServerOptions& options, const HttpHandler& handler,
          SessionTable& table, asio::thread_pool& handlers)
      : stream_(std::move(socket)),
        options_(options),
        handler_(handler),
        table_(table),
        handlers_(handlers) {
    ++table_.open;
  }
  ~Session() {
    StopWaiting();
    --table_.open;
  }

  void Run() { Read(); }

  // Closes the connection now (the server needs its slot); the pending read then ends.
  void Evict() {
    StopWaiting();
    beast::error_code ignored;
    stream_.socket().close(ignored);
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
    stream_.expires_after(options_.request_timeout);
    wait_id_ = ++table_.next_wait;
    table_.waiting[wait_id_] = weak_from_this();
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void StopWaiting() {
    if (wait_id_ != 0) table_.waiting.erase(wait_id_);
    wait_id_ = 0;
  }

  void OnRead(beast::error_code ec) {
    StopWaiting();
    if (ec == http::error::end_of_stream || ec == beast::error::timeout) return Close();
    if (ec == http::error::body_limit || ec == http::error::header_limit)
      return Reply(413, "request too large\n", false);
    if (IsParseError(ec)) return Reply(400, "bad request\n", false);
    if (ec) return Close();
    const auto& parsed = parser_->get();
    const bool keep_alive = parsed.keep_alive();
    const bool head = parsed.method() == http::verb::head;
    HttpRequest request = ToRequest(parsed);
    const auto& quick = options_.io_thread_paths;
    if (std::find(quick.begin(), quick.end(), request.path) != quick.end())
      return Send(Handle(request), keep_alive, head);
    // On the handler pool; the answer goes back to this connection's strand.
    asio::post(handlers_, [self = shared_from_this(), request = std::move(request), keep_alive,
                           head]() mutable {
      HttpResponse response = self->Handle(request);
      asio::post(self->stream_.get_executor(),
                 [self, response = std::move(response), keep_alive, head]() mutable {
                   self->Send(std::move(response), keep_alive, head);
                 });
    });
  }

  HttpResponse Handle(const HttpRequest& request) const {
    try {
      return handler_(request);
    } catch (const std::exception&) {
      return {500, "text/plain; charset=utf-8", "internal error\n", {}};
    }
  }

  void Reply(int status, std::string body, bool keep_alive) {
    Send({status, "text/plain; charset=utf-8", std::move(body), {}}, keep_alive, false);
  }

  // A HEAD answer is the GET answer's header, Content-Length included, without the body
  // (a body there would be read as the start of the next response by keep-alive clients).
  void Send(HttpResponse response, bool keep_alive, bool head) {
    auto out = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), 11);
    out->set(http::field::server, "dflow");
    out->set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) out->set(name, value);
    out->keep_alive(keep_alive);
    out->body() = std::move(response.body);
    out->prepare_payload();
    stream_.expires_after(options_.request_timeout);
    auto done = [self = shared_from_this(), out, keep_alive](beast::error_code ec, std::size_t) {
      if (ec || !keep_alive) return self->Close();
      self->Read();
    };
    if (!head) return http::async_write(stream_, *out, std::move(done));
    auto serializer = std::make_shared<http::response_serializer<http::string_body>>(*out);
    http::async_write_header(stream_, *serializer,
                             [serializer, done = std::move(done)](
                                 beast::error_code ec, std::size_t n) mutable { done(ec, n); });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  const HttpServerOptions& options_;
  const HttpHandler& handler_;
  SessionTable& table_;
  asio::thread_pool& handlers_;
  std::uint64_t wait_id_ = 0;  // key in table_.waiting while a read is pending, else 0
};

class BeastHttpServer final : public HttpServer {
 public:
  BeastHttpServer(HttpServerOptions options, HttpHandler handler)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        handlers_(std::max<std::size_t>(options_.handler_threads, 1)),
        acceptor_(io_),
        accept_retry_(io_) {}

  ~BeastHttpServer() override {
    io_.stop();
    handlers_.join();  // handlers running now finish; their answers are dropped with io_
    if (thread_.joinable()) thread_.join();
  }

  Status Listen() {
    beast::error_code ec;
    auto address = asio::ip::make_address(options_.address, ec);
    if (ec) return Status(Code::kInvalidArgument, "bad listen address " + options_.address);
    tcp::endpoint endpoint(address, static_cast<unsigned short>(options_.port));
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      return Status(Code::kUnavailable, "listen on " + options_.address + ":" +
                                            std::to_string(options_.port) + ": " + ec.message());
    port_ = acceptor_.local_endpoint().port();
    Accept();
    thread_ = std::thread([this] { io_.run(); });
    return Status::Ok();
  }

  int port() const override { return port_; }

 private:
  void Accept() {
    acceptor_.async_accept(asio::make_strand(io_), [this](beast::error_code ec, tcp::socket s) {
      if (!acceptor_.is_open()) return;
      if (ec) return AcceptFailed();
      accept_delay_ = std::chrono::milliseconds(0);
      if (sessions_.open < options_.max_connections || EvictLongestWaiting()) {
        std::make_shared<Session>(std::move(s), options_, handler_, sessions_, handlers_)->Run();
      } else {
        beast::error_code ignored;  // every connection is busy answering: refuse this one
        s.close(ignored);
      }
      Accept();
    });
  }

  // Out of file descriptors (EMFILE, ENFILE) or memory: accepting again at once fails again at
  // once, a busy loop. Free a descriptor if an idle connection holds one, then try again after
  // a pause that doubles from 10 ms up to 1 s.
  void AcceptFailed() {
    EvictLongestWaiting();
    accept_delay_ = std::clamp(accept_delay_ * 2, std::chrono::milliseconds(10),
                               std::chrono::milliseconds(1000));
    accept_retry_.expires_after(accept_delay_);
    accept_retry_.async_wait([this](beast::error_code ec) {
      if (!ec && acceptor_.is_open()) Accept();
    });
  }

  // Closes the connection that has waited longest for a request; false when none waits.
  bool EvictLongestWaiting() {
    while (!sessions_.waiting.empty()) {
      auto session = sessions_.waiting.begin()->second.lock();
      sessions_.waiting.erase(sessions_.waiting.begin());
      if (session) {
        session->Evict();
        return true;
      }
    }
    return false;
  }

  HttpServerOptions options_;
  HttpHandler handler_;
  SessionTable sessions_;  // before io_: sessions still queued in io_ unregister on destruction
  asio::io_context io_;
  asio::thread_pool handlers_;
  tcp::acceptor acceptor_;
  asio::steady_timer accept_retry_;
  std::chrono::milliseconds accept_delay_{0};
  std::thread thread_;
  int port_ = 0;
};

}  // namespace

std::string HttpRequest::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

std::string UrlDecode(const std::string& text, bool plus_as_space) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+' && plus_as_space) {
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() &&
               std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                      HttpHandler handler) {
  auto server = std::make_unique<BeastHttpServer>(options, std::move(handler));
  Status status = server->Listen();
  if (!status.ok()) return status;
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace dflow
