#include "support/http_client.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>

namespace ebank::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr int kTimeoutS = 30;
}  // namespace

struct HttpClient::Connection {
  asio::io_context io;
  tcp::socket socket{io};
  beast::flat_buffer buffer;
};

boost::json::value HttpResult::json() const {
  boost::system::error_code error;
  auto value = boost::json::parse(body, error);
  return error ? boost::json::value() : value;
}

HttpClient::HttpClient(std::string host, int port, std::string bearer_token)
    : host_(std::move(host)), port_(port), token_(std::move(bearer_token)) {}

HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

HttpResult HttpClient::Get(const std::string& target) {
  return Send("GET", target, "", {});
}

HttpResult HttpClient::Post(const std::string& target, const std::string& body,
                            const std::map<std::string, std::string>& headers) {
  return Send("POST", target, body, headers);
}

HttpResult HttpClient::Send(const std::string& method, const std::string& target,
                            const std::string& body,
                            const std::map<std::string, std::string>& headers) {
  HttpResult result;
  boost::system::error_code error;
  if (!connection_) {
    connection_ = std::make_unique<Connection>();
    tcp::endpoint endpoint(asio::ip::make_address(host_), static_cast<unsigned short>(port_));
    connection_->socket.connect(endpoint, error);
    if (error) {
      connection_.reset();
      return result;
    }
    timeval timeout{kTimeoutS, 0};
    setsockopt(connection_->socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout,
               sizeof(timeout));
    setsockopt(connection_->socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &timeout,
               sizeof(timeout));
    connection_->socket.set_option(tcp::no_delay(true));
  }
  http::request<http::string_body> request{http::string_to_verb(method), target, 11};
  request.set(http::field::host, host_);
  if (!token_.empty()) request.set(http::field::authorization, "Bearer " + token_);
  if (!body.empty()) request.set(http::field::content_type, "application/json");
  for (const auto& [name, value] : headers)
    request.set(name, value);
  request.body() = body;
  request.prepare_payload();
  http::write(connection_->socket, request, error);
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  if (!error) http::read(connection_->socket, connection_->buffer, parser, error);
  if (error) {
    connection_.reset();
    return result;
  }
  auto& response = parser.get();
  result.status = response.result_int();
  result.body = response.body();
  for (const auto& field : response) {
    // Repeated headers (Set-Cookie) are kept one a line.
    std::string& value = result.headers[std::string(field.name_string())];
    value += (value.empty() ? "" : "\n") + std::string(field.value());
  }
  if (!response.keep_alive()) connection_.reset();
  return result;
}

}  // namespace ebank::testing
