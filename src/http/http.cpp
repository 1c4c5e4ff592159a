#include "http/http.h"

#include <boost/beast/http/field.hpp>
#include <boost/json/serialize.hpp>

namespace ebank::http {

Response Text(const Request& request, unsigned status, std::string body,
              std::string_view content_type) {
  Response response{static_cast<beast_http::status>(status), request.version()};
  response.set(beast_http::field::content_type, content_type);
  response.set(beast_http::field::cache_control, "no-store");
  response.body() = std::move(body);
  response.keep_alive(request.keep_alive());
  response.prepare_payload();
  return response;
}

Response Json(const Request& request, unsigned status, const boost::json::value& body) {
  return Text(request, status, boost::json::serialize(body), "application/json");
}

Response Problem(const Request& request, unsigned status, std::string_view code,
                 std::string_view detail) {
  boost::json::object problem;
  problem["type"] = "https://ebank.dev/problems/" + std::string(code);
  problem["title"] =
      std::string(beast_http::obsolete_reason(static_cast<beast_http::status>(status)));
  problem["status"] = status;
  problem["code"] = code;
  problem["detail"] = detail;
  return Text(request, status, boost::json::serialize(problem), "application/problem+json");
}

unsigned HttpStatusFor(const Status& status) {
  switch (status.code()) {
    case Code::kOk:
      return 200;
    case Code::kInvalid:
      return 400;
    case Code::kNotFound:
      return 404;
    case Code::kRejected:
      return 422;
    case Code::kConflict:
      return status.reason() == "idempotency_key_reused" ? 422 : 409;
    case Code::kUnavailable:
      return 503;
    case Code::kInternal:
      return 500;
  }
  return 500;
}

Response Problem(const Request& request, const Status& status) {
  return Problem(request, HttpStatusFor(status), status.reason(), status.message());
}

}  // namespace ebank::http
