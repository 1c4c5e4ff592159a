// The card host's TCP server: terminals and switches connect, each message framed by a
// 2-byte big-endian length (iso8583::Frame). A terminal sends a request and waits for its
// answer; a switch keeps many requests in flight on one connection. Requests of one
// connection are handled at once, at most in_flight_max, and answered as each is decided,
// not in the order they came: the answer carries the request's STAN (11) and terminal (41)
// for the client to match. Answers ready together go out in one write. Limits:
// connections, message size, requests in flight, a read timeout per message once started
// and an idle timeout between messages (terminals send 0800 echoes to stay connected).
// Handlers run on their own pool, as in http::Server, so a handler waiting for the
// database never holds up another connection. Thread-safe.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <string>

#include "cardhost/host.h"
#include "core/status.h"
#include "iso8583/iso8583.h"

namespace ebank::cardhost {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8583;
  size_t connections_max = 5000;
  size_t message_bytes_max = iso8583::kMessageBytesMax;
  int read_timeout_s = 10;   // To read a message once its first byte came.
  int idle_timeout_s = 300;  // Between messages.
  // Requests of one connection handled at once; more wait in the socket's buffers.
  size_t in_flight_max = 64;
  // Handlers read the database and check PINs; they do not wait for the ledger. Three on
  // this project's 2-core machine: against four, less CPU per authorisation in every paired
  // run of `ebank bench card` (fewer wake-ups and hand-offs), and two left cores idle.
  size_t handler_threads = 3;
  const iso8583::Spec* spec = nullptr;  // nullptr: iso8583::Spec::Ascii87().
};

class Server {
 public:
  Server(boost::asio::io_context& io, Host& host, ServerOptions options);
  ~Server();
  // Binds and starts accepting; returns the bound port (the given one, or the one the
  // system chose for port 0).
  Result<uint16_t> Listen();
  void StopAccepting();
  int64_t connections_open() const { return connections_open_.load(); }

 private:
  class Connection;
  boost::asio::awaitable<void> Accept();

  boost::asio::io_context& io_;
  Host& host_;
  const ServerOptions options_;
  const iso8583::Spec& spec_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::thread_pool handlers_;
  std::atomic<int64_t> connections_open_{0};
};

}  // namespace ebank::cardhost
