// A blocking HTTP/1.1 client with keep-alive, for integration tests and tools.
#pragma once

#include <boost/json/value.hpp>

#include <map>
#include <memory>
#include <string>

namespace ebank::testing {

struct HttpResult {
  int status = 0;  // 0: no answer (connection failed or timed out).
  std::string body;
  std::map<std::string, std::string> headers;
  boost::json::value json() const;
};

class HttpClient {
 public:
  HttpClient(std::string host, int port, std::string bearer_token = "");
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;
  HttpResult Get(const std::string& target);
  HttpResult Post(const std::string& target, const std::string& body,
                  const std::map<std::string, std::string>& headers = {});
  HttpResult Send(const std::string& method, const std::string& target, const std::string& body,
                  const std::map<std::string, std::string>& headers);

 private:
  struct Connection;
  std::string host_;
  int port_;
  std::string token_;
  std::unique_ptr<Connection> connection_;
};

}  // namespace ebank::testing
