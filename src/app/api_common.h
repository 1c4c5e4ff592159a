// Pieces the /api/v1 handlers share: authentication headers, JSON views of customers and
// accounts, strict request bodies.
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "http/http.h"
#include "http/router.h"
#include "ledger/ledger.h"
#include "services/customers.h"
#include "services/sessions.h"
#include "services/signing.h"
#include "services/staff.h"

namespace ebank::app::api {

std::string BearerToken(const http::Request& request);
// The value of cookie `name` ("" when absent).
std::string CookieValue(const http::Request& request, std::string_view name);
http::Response Unauthorized(const http::Request& request);
bool MayServeCustomers(services::Role role);
// Every role: for what any logged-in staff member may see (their own record, the KPIs).
inline bool AnyStaffRole(services::Role) { return true; }
boost::json::object CustomerJson(const services::Customer& customer);
boost::json::object ProductJson(const services::Product& product);
// The account record with its balances from the ledger.
Result<boost::json::object> AccountJson(ledger::Ledger& ledger,
                                        const services::BankAccount& account);
// A handler for a logged-in staff member whose role may serve customers: 401 without a
// live staff session, 403 for other roles.
using StaffHandler = std::function<http::awaitable<http::Response>(
    const http::Request&, const http::Params&, const services::Staff&)>;
http::Handler StaffOnly(services::StaffService& staff, StaffHandler handler);
// The same for the roles `allowed` accepts.
http::Handler StaffWithRole(services::StaffService& staff, bool (*allowed)(services::Role),
                            StaffHandler handler);

// Browsers get the session in an HttpOnly cookie; state-changing requests that rely on it
// must echo the CSRF cookie in a header (double submit; SameSite=Strict besides).
inline constexpr std::string_view kSessionCookie = "ebank_session";
inline constexpr std::string_view kCsrfCookie = "ebank_csrf";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

// A handler for a logged-in customer (bearer token, or cookie with the CSRF header on
// anything but GET/HEAD): 401 without a live customer session.
using CustomerHandler = std::function<http::awaitable<http::Response>(
    const http::Request&, const http::Params&, const services::Session&)>;
http::Handler CustomerOnly(services::SessionService& sessions, CustomerHandler handler);

// The names of `tools`, as a JSON array.
boost::json::array ToolsJson(const std::vector<services::Tool>& tools);
// A challenge as the customer sees it (never its answer).
boost::json::object ChallengeJson(const services::ChallengeInfo& challenge);
// The "tool" field of a challenge request: a second factor, never the password.
Result<services::Tool> ToolField(const boost::json::object& body);

// Awaits a service call that answers through a callback, called on any thread (the
// ledger's, say): the handler holds no thread while it waits and resumes on its own
// executor.
template <typename T>
http::awaitable<T> AwaitCallback(std::function<void(std::function<void(T)>)> start) {
  namespace asio = boost::asio;
  return asio::async_initiate<decltype(asio::use_awaitable), void(T)>(
      [start = std::move(start)](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        start([shared](T answer) {
          auto executor = asio::get_associated_executor(*shared);
          asio::post(executor, [shared, answer = std::move(answer)]() mutable {
            (*shared)(std::move(answer));
          });
        });
      },
      asio::use_awaitable);
}

// A numeric path parameter, or nullopt when it is not a positive integer.
std::optional<int64_t> IdParam(const http::Params& params, const std::string& name);

// An OpenAPI object schema whose properties are described in words (name, description),
// with the `required` ones listed.
boost::json::object ObjectSchema(
    std::initializer_list<std::pair<std::string_view, std::string_view>> properties,
    std::initializer_list<std::string_view> required);

// The body as a JSON object with only `allowed` fields.
Result<boost::json::object> ParseBody(const http::Request& request,
                                      std::initializer_list<std::string_view> allowed);

inline constexpr std::string_view kPdfType = "application/pdf";
inline constexpr std::string_view kXlsxType =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

// The query parameters of `target` by name ("" for a name without a value); Invalid
// "invalid_query" for a name not in `allowed` or given twice, so a typo is not ignored.
Result<std::map<std::string, std::string>> QueryOf(std::string_view target,
                                                   std::initializer_list<std::string_view> allowed);

enum class FileFormat { kPdf, kXlsx };
// A download: the browser saves it as `name`.pdf or .xlsx rather than showing it.
http::Response FileResponse(const http::Request& request, Result<std::string> bytes,
                            FileFormat format, const std::string& name);

}  // namespace ebank::app::api
