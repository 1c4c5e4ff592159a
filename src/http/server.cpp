#include "http/server.h"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <chrono>

namespace ebank::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
}  // namespace

Server::Server(asio::io_context& io, const Router& router, ServerOptions options)
    : io_(io),
      router_(router),
      options_(std::move(options)),
      acceptor_(io),
      handlers_(std::max<size_t>(1, options_.handler_threads)) {}

Server::~Server() {
  handlers_.join();
}

Result<uint16_t> Server::Listen() {
  boost::system::error_code error;
  auto address = asio::ip::make_address(options_.address, error);
  if (error) return Status::Invalid("bad_address", "cannot parse address " + options_.address);
  tcp::endpoint endpoint(address, options_.port);
  acceptor_.open(endpoint.protocol(), error);
  if (!error) acceptor_.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) acceptor_.bind(endpoint, error);
  if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return Status::Unavailable("listen_failed", "cannot listen on " + options_.address + ":" +
                                                    std::to_string(options_.port) + ": " +
                                                    error.message());
  }
  asio::co_spawn(io_, Accept(), asio::detached);
  return acceptor_.local_endpoint().port();
}

void Server::StopAccepting() {
  stopping_ = true;
  asio::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  });
}

asio::awaitable<void> Server::Accept() {
  while (!stopping_) {
    auto [error, socket] = co_await acceptor_.async_accept(kUseTuple);
    if (error) {
      if (stopping_ || error == asio::error::operation_aborted) co_return;
      spdlog::warn("http: accept failed: {}", error.message());
      continue;
    }
    if (metrics_.connections_open.load() >= static_cast<int64_t>(options_.connections_max)) {
      metrics_.connections_refused.Add();
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    socket.set_option(tcp::no_delay(true));
    // Each connection gets its own strand-free coroutine on the io_context.
    asio::co_spawn(acceptor_.get_executor(), Session(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> Server::Session(tcp::socket socket) {
  metrics_.connections_open++;
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  while (!stopping_) {
    beast_http::request_parser<beast_http::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(options_.header_bytes_max));
    stream.expires_after(std::chrono::seconds(options_.keep_alive_timeout_s));
    auto [header_error, header_bytes] =
        co_await beast_http::async_read_header(stream, buffer, parser, kUseTuple);
    if (header_error) {
      if (header_error == beast_http::error::header_limit) {
        Request bare;
        bare.version(11);
        Response response = Problem(bare, 431, "header_too_large", "request header too large");
        response.keep_alive(false);
        co_await beast_http::async_write(stream, response, kUseTuple);
      }
      break;
    }
    auto started = std::chrono::steady_clock::now();
    in_flight_++;
    // Beast checks a declared Content-Length against the limit while parsing the header,
    // before the route is known; so check it here too (chunked bodies are checked as read).
    size_t body_limit = router_.BodyLimit(parser.get().method(), parser.get().target());
    parser.body_limit(body_limit);
    bool too_large = parser.content_length() && *parser.content_length() > body_limit;
    boost::system::error_code body_error;
    if (!too_large) {
      stream.expires_after(std::chrono::seconds(options_.request_timeout_s));
      auto [error, body_bytes] = co_await beast_http::async_read(stream, buffer, parser, kUseTuple);
      body_error = error;
    }
    Response response;
    bool readable = !body_error && !too_large;
    if (too_large || body_error == beast_http::error::body_limit) {
      response = Problem(parser.get(), 413, "body_too_large", "request body too large");
      response.keep_alive(false);
    } else if (body_error) {
      in_flight_--;
      break;
    } else {
      try {
        // Runs on the handler pool; this coroutine resumes on its own executor.
        response =
            co_await asio::co_spawn(handlers_, router_.Dispatch(parser.get()), asio::use_awaitable);
      } catch (const std::exception& error) {
        spdlog::error("http: handler failed: {}", error.what());
        response = Problem(parser.get(), 500, "internal_error", "internal error");
      }
    }
    const Request& request = parser.get();
    unsigned status = response.result_int();
    if (status < 400) {
      metrics_.requests_2xx.Add();
    } else if (status < 500) {
      metrics_.requests_4xx.Add();
    } else {
      metrics_.requests_5xx.Add();
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    metrics_.latency.Observe(seconds);
    if (options_.access_log) {
      spdlog::info("http {} {} {} {}B {}us", std::string_view(request.method_string()),
                   std::string_view(PathOf(request.target())), status, response.body().size(),
                   static_cast<int64_t>(seconds * 1e6));
    }
    if (stopping_) response.keep_alive(false);
    bool keep_alive = readable && response.keep_alive();
    auto [write_error, written] = co_await beast_http::async_write(stream, response, kUseTuple);
    in_flight_--;
    if (write_error || !keep_alive) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  metrics_.connections_open--;
}

}  // namespace ebank::http
