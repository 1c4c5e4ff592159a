#include "cardhost/server.h"

#include "http/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <cstring>
#include <memory>

namespace ebank::cardhost {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using SteadyTime = std::chrono::steady_clock::time_point;

namespace {
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr SteadyTime kNever = SteadyTime::max();
}  // namespace

// One connection, all on its strand: a reader that takes in every whole frame a read
// brought, an exchange per request (at most in_flight_max at once), a writer that sends
// every answer ready in one write, and a watchdog that closes the socket when a deadline
// passes. The last of them to finish drops the connection.
class Server::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Server& server, tcp::socket socket)
      : server_(server),
        socket_(std::move(socket)),
        // Room for the largest frame and as much again to read ahead.
        buffer_bytes_(2 * (iso8583::kFrameHeaderBytes + server.options_.message_bytes_max)),
        buffer_(std::make_unique<char[]>(buffer_bytes_)),
        wake_(socket_.get_executor()),
        watchdog_(socket_.get_executor()) {
    server_.connections_open_++;
  }
  ~Connection() { server_.connections_open_--; }

  void Start() {
    asio::co_spawn(socket_.get_executor(), Read(shared_from_this()), asio::detached);
    asio::co_spawn(socket_.get_executor(), Watch(shared_from_this()), asio::detached);
  }

 private:
  asio::awaitable<void> Read(std::shared_ptr<Connection> /*self*/) {
    const ServerOptions& options = server_.options_;
    for (;;) {
      // Every whole frame in the buffer.
      while (reading_) {
        size_t have = end_ - begin_;
        if (have < iso8583::kFrameHeaderBytes) break;
        auto length = iso8583::FrameLength(
            std::string_view(buffer_.get() + begin_, iso8583::kFrameHeaderBytes),
            options.message_bytes_max);
        if (!length.ok()) {
          spdlog::warn("card host: {}; connection closed", length.status().message());
          reading_ = false;
          break;
        }
        if (have < iso8583::kFrameHeaderBytes + *length) break;
        Take(std::string_view(buffer_.get() + begin_ + iso8583::kFrameHeaderBytes, *length));
        begin_ += iso8583::kFrameHeaderBytes + *length;
      }
      if (!reading_) break;
      if (begin_ == end_) {
        begin_ = end_ = 0;
        partial_since_ = kNever;
      } else if (begin_ > 0) {
        std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
      }
      while (in_flight_ >= options.in_flight_max) {
        // An exchange's end cancels the wait.
        wake_.expires_at(kNever);
        co_await wake_.async_wait(kUseTuple);
      }
      // Between messages the idle timeout; once a message began, the read timeout.
      SetReadDeadline(end_ == 0 ? std::chrono::steady_clock::now() +
                                      std::chrono::seconds(options.idle_timeout_s)
                                : partial_since_ + std::chrono::seconds(options.read_timeout_s));
      auto [error, read] = co_await socket_.async_read_some(
          asio::buffer(buffer_.get() + end_, buffer_bytes_ - end_), kUseTuple);
      if (error) break;
      if (end_ == 0 && read > 0) partial_since_ = std::chrono::steady_clock::now();
      end_ += read;
    }
    reading_ = false;
    read_deadline_ = kNever;
    MaybeFinish();
  }

  // A request's body: answered by an exchange of its own, or at once when it does not
  // unpack (code 30, or the connection is closed when it is not even a request).
  void Take(std::string_view body) {
    auto request = iso8583::Unpack(server_.spec_, body);
    if (request.ok()) {
      in_flight_++;
      asio::co_spawn(socket_.get_executor(), Exchange(shared_from_this(), std::move(*request)),
                     asio::detached);
      return;
    }
    server_.host_.metrics().malformed.Add();
    spdlog::warn("card host: malformed message: {}", request.status().message());
    auto response = Host::Malformed(body);
    if (response) {
      Send(*response);
    } else {
      reading_ = false;
    }
  }

  asio::awaitable<void> Exchange(std::shared_ptr<Connection> /*self*/, iso8583::Message request) {
    // Runs on the handler pool; this coroutine resumes on the connection's strand.
    iso8583::Message response = co_await asio::co_spawn(
        server_.handlers_, server_.host_.HandleAsync(request), asio::use_awaitable);
    Send(response);
    in_flight_--;
    wake_.cancel();
    MaybeFinish();
  }

  void Send(const iso8583::Message& response) {
    auto packed = iso8583::Pack(server_.spec_, response);
    if (!packed.ok()) {
      spdlog::error("card host: cannot pack a response: {}", packed.status().ToString());
      reading_ = false;
      Close();
      return;
    }
    out_ += iso8583::Frame(*packed);
    if (!writing_) {
      writing_ = true;
      asio::co_spawn(socket_.get_executor(), Write(shared_from_this()), asio::detached);
    }
  }

  asio::awaitable<void> Write(std::shared_ptr<Connection> /*self*/) {
    std::string sending;
    while (!out_.empty() && socket_.is_open()) {
      sending.clear();
      sending.swap(out_);
      write_deadline_ =
          std::chrono::steady_clock::now() + std::chrono::seconds(server_.options_.read_timeout_s);
      if (write_deadline_ < watchdog_.expiry()) watchdog_.cancel();
      auto [error, written] = co_await asio::async_write(socket_, asio::buffer(sending), kUseTuple);
      write_deadline_ = kNever;
      if (error) {
        Close();
        break;
      }
    }
    out_.clear();
    writing_ = false;
    MaybeFinish();
  }

  asio::awaitable<void> Watch(std::shared_ptr<Connection> /*self*/) {
    while (!finished_) {
      watchdog_.expires_at(std::min(read_deadline_, write_deadline_));
      co_await watchdog_.async_wait(kUseTuple);
      if (finished_) break;
      auto now = std::chrono::steady_clock::now();
      if (read_deadline_ <= now || write_deadline_ <= now) {
        Close();
        break;
      }
    }
  }

  void SetReadDeadline(SteadyTime deadline) {
    read_deadline_ = deadline;
    if (deadline < watchdog_.expiry()) watchdog_.cancel();  // The watchdog sets it again.
  }

  void Close() {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  // Once nothing is read, in flight or being written: the host's side is closed.
  void MaybeFinish() {
    if (reading_ || in_flight_ > 0 || writing_ || finished_) return;
    finished_ = true;
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    watchdog_.cancel();
  }

  Server& server_;
  tcp::socket socket_;
  const size_t buffer_bytes_;
  std::unique_ptr<char[]> buffer_;
  size_t begin_ = 0, end_ = 0;  // What is read and not yet taken.
  SteadyTime partial_since_ = kNever;
  std::string out_;  // Framed answers waiting for the writer.
  size_t in_flight_ = 0;
  bool reading_ = true, writing_ = false, finished_ = false;
  SteadyTime read_deadline_ = kNever, write_deadline_ = kNever;
  asio::steady_timer wake_;
  asio::steady_timer watchdog_;
};

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
    std::make_shared<Connection>(*this, std::move(socket))->Start();
  }
}

}  // namespace ebank::cardhost
