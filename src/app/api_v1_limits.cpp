// Transfer limits over /api/v1 (SEC-7, CORE-2): what applies to a customer's account, and
// the bank's settings per product (head office) and per customer (supervisors).
#include <fmt/format.h>
#include <boost/json/array.hpp>

#include <algorithm>

#include "app/api_common.h"
#include "app/api_v1.h"
#include "http/json.h"

namespace ebank::app {

namespace json = boost::json;
using http::Params;
using http::Request;
using http::Response;
using http::RouteDoc;
using http::Verb;
using namespace api;

namespace {

// The limit named in the path, from {"per_transaction": "…", "daily": "…"} in CNY.
Result<services::ToolLimit> LimitFromBody(const json::object& body, const Params& params) {
  auto tool = services::ParseTool(params.at("tool"));
  if (!tool) {
    return Status::Invalid("invalid_tool",
                           "tool must be password, sms, password_card, totp or ukey");
  }
  auto per_transaction = http::RequiredAmount(body, "per_transaction", Currency::Cny());
  if (!per_transaction.ok()) return per_transaction.status();
  auto daily = http::RequiredAmount(body, "daily", Currency::Cny());
  if (!daily.ok()) return daily.status();
  return services::ToolLimit{*tool, *per_transaction, *daily};
}

Result<services::ToolLimit> LimitFromRequest(const Request& request, const Params& params) {
  auto body = ParseBody(request, {"per_transaction", "daily"});
  if (!body.ok()) return body.status();
  return LimitFromBody(*body, params);
}

json::object LimitJson(const services::ToolLimit& limit) {
  return json::object{
      {"tool", services::ToolName(limit.tool)},
      {"per_transaction", http::AmountJson(limit.per_transaction_minor, Currency::Cny())},
      {"daily", http::AmountJson(limit.daily_minor, Currency::Cny())}};
}

Response Audited(const Request& request, const ApiServices& api, const services::Staff& staff,
                 const std::string& target, const services::ToolLimit& limit, Status status) {
  (void)services::RecordAudit(
      api.customers.database(), api.clock,
      {"staff", staff.id, "counter", "limits.set", target, status.ok() ? "ok" : status.reason(),
       fmt::format("{} {}/{}", services::ToolName(limit.tool), limit.per_transaction_minor,
                   limit.daily_minor)});
  if (!status.ok()) return http::Problem(request, status);
  return http::Json(request, 200, LimitJson(limit));
}

}  // namespace

void AddLimitRoutes(http::Router& router, const ApiServices& api) {
  router.Add(
      Verb::get, "/api/v1/me/limits",
      CustomerOnly(api.sessions,
                   [&api](const Request& request, const Params&,
                          const services::Session& session) -> http::awaitable<Response> {
                     std::string account = http::QueryParam(request.target(), "account");
                     if (account.empty()) {
                       co_return http::Problem(request, 400, "account_required",
                                               "name the paying account: ?account=");
                     }
                     int64_t used = 0;
                     auto limits = api.payments.Limits(session.subject_id, account, &used);
                     if (!limits.ok()) co_return http::Problem(request, limits.status());
                     auto settings = api.payments.LimitSettings(session.subject_id, account);
                     if (!settings.ok()) co_return http::Problem(request, settings.status());
                     json::array list;
                     for (const auto& limit : *limits) {
                       json::object item = LimitJson(limit);
                       item["remaining_today"] = http::AmountJson(
                           std::max<int64_t>(0, limit.daily_minor - used), Currency::Cny());
                       // The bank's limit, and the lower one the customer set, if any.
                       for (const auto& setting : *settings) {
                         if (setting.bank.tool != limit.tool) continue;
                         item["bank"] = LimitJson(setting.bank);
                         if (setting.self) item["self"] = LimitJson(*setting.self);
                       }
                       list.push_back(std::move(item));
                     }
                     co_return http::Json(
                         request, 200,
                         json::object{{"account", account},
                                      {"used_today", http::AmountJson(used, Currency::Cny())},
                                      {"limits", std::move(list)}});
                   }),
      RouteDoc{"The transfer limits of one of my accounts, by security tool", "payments",
               "customer", "", "Limits", 200});

  router.Add(Verb::put, "/api/v1/me/limits/{tool}",
             CustomerOnly(api.sessions,
                          [&api](const Request& request, const Params& params,
                                 const services::Session& session) -> http::awaitable<Response> {
                            auto body = ParseBody(request, {"account", "per_transaction", "daily"});
                            if (!body.ok()) co_return http::Problem(request, body.status());
                            auto account = http::RequiredString(*body, "account");
                            if (!account.ok()) co_return http::Problem(request, account.status());
                            body->erase("account");
                            auto limit = LimitFromBody(*body, params);
                            if (!limit.ok()) co_return http::Problem(request, limit.status());
                            Status set =
                                api.payments.SetSelfLimit(session.subject_id, *account, *limit);
                            if (!set.ok()) co_return http::Problem(request, set);
                            co_return http::Json(request, 200, LimitJson(*limit));
                          }),
             RouteDoc{"Lower one of my limits below the bank's, for one security tool", "payments",
                      "customer", "SelfLimit", "ToolLimit", 200});

  router.Add(Verb::delete_, "/api/v1/me/limits/{tool}",
             CustomerOnly(api.sessions,
                          [&api](const Request& request, const Params& params,
                                 const services::Session& session) -> http::awaitable<Response> {
                            auto tool = services::ParseTool(params.at("tool"));
                            if (!tool) {
                              co_return http::Problem(request, 400, "invalid_tool",
                                                      "tool must be password, sms, password_card, "
                                                      "totp or ukey");
                            }
                            Status cleared = api.payments.ClearSelfLimit(session.subject_id, *tool);
                            if (!cleared.ok()) co_return http::Problem(request, cleared);
                            co_return http::Text(request, 204, "");
                          }),
             RouteDoc{"Remove my own limit for one security tool: the bank's applies", "payments",
                      "customer", "", "", 204});

  router.Add(Verb::put, "/api/v1/products/{code}/limits/{tool}",
             StaffOnly(api.staff,
                       [&api](const Request& request, const Params& params,
                              const services::Staff& staff) -> http::awaitable<Response> {
                         if (staff.role != services::Role::kAdmin) {
                           co_return http::Problem(request, 403, "forbidden",
                                                   "only head office sets a product's limits");
                         }
                         auto limit = LimitFromRequest(request, params);
                         if (!limit.ok()) co_return http::Problem(request, limit.status());
                         Status set = api.payments.SetProductLimit(params.at("code"), *limit);
                         co_return Audited(request, api, staff, "product:" + params.at("code"),
                                           *limit, set);
                       }),
             RouteDoc{"Set a product's limit for one security tool (head office)", "payments",
                      "staff", "ToolLimit", "ToolLimit", 200});

  router.Add(Verb::put, "/api/v1/customers/{number}/limits/{tool}",
             StaffOnly(api.staff,
                       [&api](const Request& request, const Params& params,
                              const services::Staff& staff) -> http::awaitable<Response> {
                         if (staff.role == services::Role::kTeller) {
                           co_return http::Problem(request, 403, "forbidden",
                                                   "a supervisor sets a customer's limits");
                         }
                         auto customer =
                             api.customers.GetByNumber(params.at("number"), staff.scope());
                         if (!customer.ok()) co_return http::Problem(request, customer.status());
                         auto limit = LimitFromRequest(request, params);
                         if (!limit.ok()) co_return http::Problem(request, limit.status());
                         Status set = api.payments.SetCustomerLimit(customer->id, *limit);
                         co_return Audited(request, api, staff, customer->number, *limit, set);
                       }),
             RouteDoc{"Set a customer's limit for one security tool (supervisor)", "payments",
                      "staff", "ToolLimit", "ToolLimit", 200});
}

}  // namespace ebank::app
