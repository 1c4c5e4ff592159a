#include "http/server.h"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
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
using StopChannel = asio::experimental::concurrent_channel<void(boost::system::error_code)>;
using namespace asio::experimental::awaitable_operators;

// Writes each piece as one HTTP/1.1 chunk, within the write timeout.
class ChunkSink final : public StreamSink {
 public:
  ChunkSink(tcp::socket& socket, std::chrono::seconds write_timeout)
      : socket_(socket), timer_(socket.get_executor()), write_timeout_(write_timeout) {}

  awaitable<bool> Write(std::string text) override {
    if (broken_ || text.empty()) co_return !broken_;
    timer_.expires_after(write_timeout_);
    auto done = co_await (
        asio::async_write(socket_, beast_http::make_chunk(asio::buffer(text)), kUseTuple) ||
        timer_.async_wait(kUseTuple));
    if (done.index() != 0 || std::get<0>(std::get<0>(done))) broken_ = true;
    co_return !broken_;
  }
  bool broken() const { return broken_; }

 private:
  tcp::socket& socket_;
  asio::steady_timer timer_;
  const std::chrono::seconds write_timeout_;
  bool broken_ = false;
};

// Runs a stream's body; what it throws ends it like a return (awaitable operators wait for
// a branch that succeeds, and a throwing body must not keep the stream open).
awaitable<void> RunBody(const StreamBody& body, StreamSink& sink) {
  try {
    co_await body(sink);
  } catch (const boost::system::system_error& error) {
    if (error.code() != asio::error::operation_aborted) {
      spdlog::warn("http: stream ended: {}", error.what());
    }
  } catch (const std::exception& error) {
    spdlog::warn("http: stream failed: {}", error.what());
  }
}

// Completes when the client closes its side (it sends nothing on a stream) or errs.
awaitable<void> PeerClosed(tcp::socket& socket) {
  char byte = 0;
  co_await socket.async_read_some(asio::buffer(&byte, 1), kUseTuple);
}

}  // namespace

// The handle StopAccepting ends an open stream by, from any thread.
struct Server::StreamControl {
  explicit StreamControl(const asio::any_io_executor& executor) : stop(executor, 1) {}
  StopChannel stop;
};

Server::Server(asio::io_context& io, const Router& router, ServerOptions options)
    : io_(io),
      router_(router),
      options_(std::move(options)),
      acceptor_(io),
      handlers_(std::max<size_t>(1, options_.handler_threads)) {}

Server::~Server() {
  handlers_.join();
}

Result<uint16_t> OpenAcceptor(tcp::acceptor& acceptor, const std::string& address_text,
                              uint16_t port) {
  boost::system::error_code error;
  auto address = asio::ip::make_address(address_text, error);
  if (error) return Status::Invalid("bad_address", "cannot parse address " + address_text);
  tcp::endpoint endpoint(address, port);
  acceptor.open(endpoint.protocol(), error);
  if (!error) acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint, error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return Status::Unavailable("listen_failed", "cannot listen on " + address_text + ":" +
                                                    std::to_string(port) + ": " + error.message());
  }
  return acceptor.local_endpoint().port();
}

Result<uint16_t> Server::Listen() {
  auto port = OpenAcceptor(acceptor_, options_.address, options_.port);
  if (port.ok()) asio::co_spawn(io_, Accept(), asio::detached);
  return port;
}

void Server::StopAccepting() {
  stopping_ = true;
  asio::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  });
  std::lock_guard lock(streams_mutex_);
  for (const auto& control : streams_)
    control->stop.try_send(boost::system::error_code{});
}

asio::awaitable<void> Server::Accept() {
  while (!stopping_) {
    // One strand per connection: a stream's writes, its body and its watch for the client
    // leaving run in parallel on it.
    auto [error, socket] = co_await acceptor_.async_accept(asio::make_strand(io_), kUseTuple);
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
    auto executor = socket.get_executor();
    asio::co_spawn(executor, Session(std::move(socket)), asio::detached);
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
    Router::Match route = router_.Find(parser.get().method(), parser.get().target());
    size_t body_limit = Router::BodyLimit(route);
    parser.body_limit(body_limit);
    bool too_large = parser.content_length() && *parser.content_length() > body_limit;
    boost::system::error_code body_error;
    if (!too_large) {
      stream.expires_after(std::chrono::seconds(options_.request_timeout_s));
      auto [error, body_bytes] = co_await beast_http::async_read(stream, buffer, parser, kUseTuple);
      body_error = error;
    }
    Response response;
    Streamed streamed;
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
        streamed = co_await asio::co_spawn(
            handlers_, router_.Dispatch(parser.get(), std::move(route)), asio::use_awaitable);
        response = std::move(streamed.response);
      } catch (const std::exception& error) {
        spdlog::error("http: handler failed: {}", error.what());
        response = Problem(parser.get(), 500, "internal_error", "internal error");
      }
    }
    const Request& request = parser.get();
    if (streamed.body &&
        (stopping_ || metrics_.streams_open.load() >= static_cast<int64_t>(options_.streams_max))) {
      streamed.body = nullptr;
      response = Problem(request, 503, "too_many_streams", "too many open streams; retry later");
      response.set(beast_http::field::retry_after, "10");
    }
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
    if (streamed.body) {
      streamed.response = std::move(response);
      co_await Stream(stream, std::move(streamed));
      in_flight_--;
      break;
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

asio::awaitable<void> Server::Stream(beast::tcp_stream& stream, Streamed reply) {
  // No request timeout on a stream: its writes have their own, and the client's leaving
  // is seen at once.
  stream.expires_never();
  beast_http::response<beast_http::empty_body> header(reply.response.result(),
                                                      reply.response.version());
  for (const auto& field : reply.response.base()) {
    if (field.name() == beast_http::field::content_length ||
        field.name() == beast_http::field::transfer_encoding) {
      continue;
    }
    header.insert(field.name_string(), field.value());
  }
  header.keep_alive(false);
  header.chunked(true);
  beast_http::response_serializer<beast_http::empty_body> serializer(header);
  auto [header_error, written] =
      co_await beast_http::async_write_header(stream, serializer, kUseTuple);
  if (header_error) co_return;

  auto control = std::make_shared<StreamControl>(stream.get_executor());
  {
    std::lock_guard lock(streams_mutex_);
    streams_.insert(control);
  }
  metrics_.streams_open++;
  tcp::socket& socket = stream.socket();
  ChunkSink sink(socket, std::chrono::seconds(options_.stream_write_timeout_s));
  // Checked after registering, so that a StopAccepting in between is never missed.
  if (!stopping_) {
    co_await (RunBody(reply.body, sink) || control->stop.async_receive(kUseTuple) ||
              PeerClosed(socket));
  }
  {
    std::lock_guard lock(streams_mutex_);
    streams_.erase(control);
  }
  metrics_.streams_open--;
  if (!sink.broken()) {
    asio::steady_timer timer(stream.get_executor());
    timer.expires_after(std::chrono::seconds(options_.stream_write_timeout_s));
    co_await (asio::async_write(socket, beast_http::make_chunk_last(), kUseTuple) ||
              timer.async_wait(kUseTuple));
  }
}

}  // namespace ebank::http
