// HTTP types shared by the server, the router and the handlers. Handlers are plain
// functions of request to response (Boost.Beast's advanced server shape): they do no
// socket I/O and are tested without one.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <string>

#include "core/status.h"

namespace ebank::http {

namespace beast_http = boost::beast::http;
using Request = beast_http::request<beast_http::string_body>;
using Response = beast_http::response<beast_http::string_body>;
using Verb = beast_http::verb;
using boost::asio::awaitable;

// A JSON response with `status`.
Response Json(const Request& request, unsigned status, const boost::json::value& body);
// An RFC 9457 problem+json response: {type, title, status, code, detail}.
Response Problem(const Request& request, unsigned status, std::string_view code,
                 std::string_view detail);
// The problem for a non-OK Status, with the HTTP status its code maps to.
Response Problem(const Request& request, const Status& status);
unsigned HttpStatusFor(const Status& status);
Response Text(const Request& request, unsigned status, std::string body,
              std::string_view content_type = "text/plain; charset=utf-8");

// Where a streaming body (server-sent events) goes, piece by piece, while the connection
// stays open. Used by the body's coroutine only.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Sends `text` now; false once it cannot (the client left, or stopped reading for longer
  // than the server's write timeout). A body stops once this is false.
  virtual awaitable<bool> Write(std::string text) = 0;
};

// Produces a streaming body until it returns. It runs on the connection's strand, not on
// the handler pool, so it must never block (wait on timers and channels instead); it is
// cancelled when the client goes away or the server stops.
using StreamBody = std::function<awaitable<void>(StreamSink&)>;

// What a streaming route answers: `response`'s status and header fields, then `body`'s
// output (chunked, and the connection closes after it). Without a body, `response` is
// sent whole as from any route (a refusal, say).
struct Streamed {
  Response response;
  StreamBody body;
};

}  // namespace ebank::http
