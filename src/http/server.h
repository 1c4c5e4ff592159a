// An HTTP/1.1 server on Boost.Beast with Asio C++20 coroutines: one coroutine per
// connection, keep-alive, limits on header and body size, connections and time per
// request, an access log and graceful shutdown. Connections are read and written on the
// io_context's threads; handlers run on a separate pool where they may block on the
// database. Thread-safe: the io_context may run on several threads.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "core/metrics.h"
#include "core/status.h"
#include "http/router.h"

namespace ebank::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;
  size_t connections_max = 10000;
  size_t header_bytes_max = 16 * 1024;
  int request_timeout_s = 30;     // To read a whole request once it has started.
  int keep_alive_timeout_s = 60;  // Idle time between requests on one connection.
  bool access_log = true;
  // Handlers run on their own pool, so that a handler waiting for the database never
  // holds up reading and writing other connections; its size bounds the requests being
  // handled at once (and so the batches the group commits can gather). Many more threads
  // than cores mostly add wake-ups and lock hand-offs (README, "Through HTTP").
  size_t handler_threads = 8;
  // Streaming responses (server-sent events) open at once; more are answered 503. A stream
  // has no request timeout; a write the client does not take within
  // stream_write_timeout_s ends it.
  size_t streams_max = 1000;
  int stream_write_timeout_s = 30;
};

struct ServerMetrics {
  Counter requests_2xx;
  Counter requests_4xx;
  Counter requests_5xx;
  Counter connections_refused;
  std::atomic<int64_t> connections_open{0};
  std::atomic<int64_t> streams_open{0};
  Histogram latency;
};

// Opens `acceptor` on address:port (reusing the address) and listens; the bound port (the
// system's choice for port 0), or Invalid "bad_address" / Unavailable "listen_failed".
// Shared by every TCP channel (HTTP, the card host).
Result<uint16_t> OpenAcceptor(boost::asio::ip::tcp::acceptor& acceptor, const std::string& address,
                              uint16_t port);

class Server {
 public:
  Server(boost::asio::io_context& io, const Router& router, ServerOptions options);
  // Waits for the handler pool's threads.
  ~Server();

  // Binds and starts accepting; returns the bound port (useful with port 0).
  Result<uint16_t> Listen();
  // Stops accepting. Requests in flight finish, open streams end now; in_flight() tells
  // when they have.
  void StopAccepting();
  int64_t in_flight() const { return in_flight_.load(); }
  const ServerMetrics& metrics() const { return metrics_; }

 private:
  boost::asio::awaitable<void> Accept();
  struct StreamControl;
  boost::asio::awaitable<void> Session(boost::asio::ip::tcp::socket socket);
  // Sends a streaming answer's header and body; the connection closes after it.
  boost::asio::awaitable<void> Stream(boost::beast::tcp_stream& stream, Streamed reply);

  boost::asio::io_context& io_;
  const Router& router_;
  const ServerOptions options_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::thread_pool handlers_;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> in_flight_{0};
  ServerMetrics metrics_;
  std::mutex streams_mutex_;
  std::set<std::shared_ptr<StreamControl>> streams_;  // GUARDED_BY(streams_mutex_)
};

}  // namespace ebank::http
