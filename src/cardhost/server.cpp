#include "cardhost/server.h"

#include "http/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>

namespace ebank::cardhost {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
}  // namespace

Server::Server(asio::io_context& io, Host& host, ServerOptions options)
    : io_(io),
      host_(host),
      options_(std::move(options)),
      spec_(options_.spec ? *options_.spec : iso8583::Spec::Ascii87()),
      acceptor_(io),
      handlers_(std::max<size_t>(1, options_.handler_threads)) {}

Server::~Server() {
  handlers_.join();
}

Result<uint16_t> Server::Listen() {
  auto port = http::OpenAcceptor(acceptor_, options_.address, options_.port);
  if (port.ok()) asio::co_spawn(io_, Accept(), asio::detached);
  return port;
}

void Server::StopAccepting() {
  asio::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  });
}

asio::awaitable<void> Server::Accept() {
  for (;;) {
    auto [error, socket] = co_await acceptor_.async_accept(asio::make_strand(io_), kUseTuple);
    if (error) {
      if (error == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
      spdlog::warn("card host: accept failed: {}", error.message());
      continue;
    }
    if (connections_open_.load() >= static_cast<int64_t>(options_.connections_max)) {
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
  connections_open_++;
  beast::tcp_stream stream(std::move(socket));
  std::string header(iso8583::kFrameHeaderBytes, '\0');
  std::string body;
  for (;;) {
    stream.expires_after(std::chrono::seconds(options_.idle_timeout_s));
    auto [header_error, header_read] =
        co_await asio::async_read(stream, asio::buffer(header), kUseTuple);
    if (header_error) break;
    auto length = iso8583::FrameLength(header, options_.message_bytes_max);
    if (!length.ok()) {
      spdlog::warn("card host: {}; connection closed", length.status().message());
      break;
    }
    body.resize(*length);
    stream.expires_after(std::chrono::seconds(options_.read_timeout_s));
    auto [body_error, body_read] = co_await asio::async_read(stream, asio::buffer(body), kUseTuple);
    if (body_error) break;
    std::optional<iso8583::Message> response;
    auto request = iso8583::Unpack(spec_, body);
    if (request.ok()) {
      // Runs on the handler pool; this coroutine resumes on its own executor.
      response =
          co_await asio::co_spawn(handlers_, host_.HandleAsync(*request), asio::use_awaitable);
    } else {
      host_.metrics().malformed.Add();
      spdlog::warn("card host: malformed message: {}", request.status().message());
      response = Host::Malformed(body);
    }
    if (!response) break;
    auto packed = iso8583::Pack(spec_, *response);
    if (!packed.ok()) {
      spdlog::error("card host: cannot pack a response: {}", packed.status().ToString());
      break;
    }
    std::string framed = iso8583::Frame(*packed);
    stream.expires_after(std::chrono::seconds(options_.read_timeout_s));
    auto [write_error, written] =
        co_await asio::async_write(stream, asio::buffer(framed), kUseTuple);
    if (write_error) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  connections_open_--;
}

}  // namespace ebank::cardhost
