// Scheduled transfers and standing orders over /api/v1 (PAY-3): set one up (authenticated
// like a transfer of the same amount), list, read with its runs, cancel.
#include <boost/json/array.hpp>

#include <memory>

#include "app/api_common.h"
#include "app/api_v1.h"
#include "http/json.h"
#include "services/scheduled.h"

namespace ebank::app {

namespace json = boost::json;
using http::Params;
using http::Request;
using http::Response;
using http::RouteDoc;
using http::Verb;
using namespace api;

namespace {

json::object RunJson(const services::ScheduledRun& run) {
  json::object out{{"run_date", run.run_date}, {"status", run.status}, {"at_ms", run.at_ms}};
  if (run.payment_id) out["payment_id"] = run.payment_id;
  if (!run.failure.empty()) out["failure"] = run.failure;
  return out;
}

json::object ScheduleJson(const services::ScheduledTransfer& schedule) {
  json::array runs;
  for (const auto& run : schedule.runs)
    runs.push_back(RunJson(run));
  json::object out{
      {"id", schedule.id},
      {"status", schedule.status},
      {"from_account", schedule.from_account},
      {"to_account", schedule.to_account},
      {"amount", schedule.amount.Decimal()},
      {"currency", schedule.amount.currency().code()},
      {"memo", schedule.memo},
      {"frequency", services::FrequencyName(schedule.frequency)},
      {"first_date", schedule.first_date},
      {"until", schedule.until.empty() ? json::value(nullptr) : json::value(schedule.until)},
      {"count", schedule.runs_max ? json::value(schedule.runs_max) : json::value(nullptr)},
      {"runs_done", schedule.runs_done},
      {"next_date",
       schedule.next_date.empty() ? json::value(nullptr) : json::value(schedule.next_date)},
      {"tool", schedule.tool},
      {"created_at_ms", schedule.created_at_ms},
      {"runs", std::move(runs)}};
  if (schedule.status == "sca_required") out["allowed_tools"] = ToolsJson(schedule.allowed_tools);
  return out;
}

// 202 while it waits for authentication, 201 when set up, 200 for a replayed answer.
Response ScheduleResponse(const Request& request, const services::ScheduledTransfer& schedule) {
  unsigned status = schedule.replayed ? 200 : schedule.status == "sca_required" ? 202 : 201;
  Response response = http::Json(request, status, ScheduleJson(schedule));
  if (schedule.replayed) response.set("Idempotent-Replayed", "true");
  return response;
}

Result<services::ScheduleRequest> ScheduleFromBody(const Request& request, int64_t customer_id) {
  auto body = ParseBody(request, {"from_account", "to_account", "amount", "currency", "memo",
                                  "first_date", "frequency", "until", "count"});
  if (!body.ok()) return body.status();
  auto from = http::RequiredString(*body, "from_account");
  auto to = http::RequiredString(*body, "to_account");
  auto currency = http::RequiredCurrency(*body, "currency");
  auto memo = http::OptionalString(*body, "memo");
  auto first_date = http::RequiredString(*body, "first_date");
  auto frequency_name = http::RequiredString(*body, "frequency");
  auto until = http::OptionalString(*body, "until");
  auto count = http::OptionalInt(*body, "count");
  for (const Status* status :
       {&from.status(), &to.status(), &currency.status(), &memo.status(), &first_date.status(),
        &frequency_name.status(), &until.status(), &count.status()}) {
    if (!status->ok()) return *status;
  }
  auto amount = http::RequiredAmount(*body, "amount", *currency);
  if (!amount.ok()) return amount.status();
  auto frequency = services::ParseFrequency(*frequency_name);
  if (!frequency) {
    return Status::Invalid("invalid_frequency", "frequency must be once, weekly or monthly");
  }
  if (*count && (**count < 1 || **count > services::kScheduledRunsMax)) {
    return Status::Invalid("invalid_count", "count is from 1 to 120 runs");
  }
  services::ScheduleRequest schedule;
  schedule.customer_id = customer_id;
  schedule.idempotency_key = std::string(request["Idempotency-Key"]);
  schedule.from_account = *from;
  schedule.to_account = *to;
  schedule.amount_minor = *amount;
  schedule.currency = *currency;
  schedule.memo = memo->value_or("");
  schedule.first_date = *first_date;
  schedule.frequency = *frequency;
  schedule.until = *until;
  if (*count) schedule.count = static_cast<int>(**count);
  return schedule;
}

}  // namespace

void AddScheduledRoutes(http::Router& router, const ApiServices& api) {
  // Holds only references to the services in `api`; shared by the handlers below.
  auto scheduled = std::make_shared<services::ScheduledTransferService>(
      api.customers.database(), api.payments, api.signing, api.clock);
  auto customer_only = [&api](CustomerHandler handler) {
    return CustomerOnly(api.sessions, std::move(handler));
  };
  auto not_found = [](const Request& request) {
    return http::Problem(request, 404, "unknown_schedule", "no such scheduled transfer");
  };

  router.Add(
      Verb::post, "/api/v1/me/scheduled-transfers",
      customer_only([scheduled](const Request& request, const Params&,
                                const services::Session& session) -> http::awaitable<Response> {
        auto body = ScheduleFromBody(request, session.subject_id);
        if (!body.ok()) co_return http::Problem(request, body.status());
        auto schedule = scheduled->Create(*body);
        if (!schedule.ok()) co_return http::Problem(request, schedule.status());
        co_return ScheduleResponse(request, *schedule);
      }),
      RouteDoc{"Schedule a transfer or a standing order: 201 when set up, 202 when strong "
               "authentication is required",
               "me", "customer", "NewScheduledTransfer", "ScheduledTransfer", 201});

  router.Add(
      Verb::get, "/api/v1/me/scheduled-transfers",
      customer_only([scheduled](const Request& request, const Params&,
                                const services::Session& session) -> http::awaitable<Response> {
        auto schedules = scheduled->List(session.subject_id);
        if (!schedules.ok()) co_return http::Problem(request, schedules.status());
        json::array list;
        for (const auto& schedule : *schedules)
          list.push_back(ScheduleJson(schedule));
        co_return http::Json(request, 200, json::object{{"scheduled_transfers", std::move(list)}});
      }),
      RouteDoc{"The customer's scheduled transfers, newest first, with their last runs", "me",
               "customer", "", "ScheduledTransferList", 200});

  router.Add(Verb::get, "/api/v1/me/scheduled-transfers/{id}",
             customer_only([scheduled, not_found](
                               const Request& request, const Params& params,
                               const services::Session& session) -> http::awaitable<Response> {
               auto id = IdParam(params, "id");
               if (!id) co_return not_found(request);
               auto schedule = scheduled->Get(session.subject_id, *id);
               if (!schedule.ok()) co_return http::Problem(request, schedule.status());
               co_return http::Json(request, 200, ScheduleJson(*schedule));
             }),
             RouteDoc{"A scheduled transfer of the customer's with its runs", "me", "customer", "",
                      "ScheduledTransfer", 200});

  router.Add(Verb::post, "/api/v1/me/scheduled-transfers/{id}/challenge",
             customer_only([scheduled, not_found](
                               const Request& request, const Params& params,
                               const services::Session& session) -> http::awaitable<Response> {
               auto body = ParseBody(request, {"tool"});
               if (!body.ok()) co_return http::Problem(request, body.status());
               auto tool = ToolField(*body);
               if (!tool.ok()) co_return http::Problem(request, tool.status());
               auto id = IdParam(params, "id");
               if (!id) co_return not_found(request);
               auto challenge = scheduled->Challenge(session.subject_id, *id, *tool);
               if (!challenge.ok()) co_return http::Problem(request, challenge.status());
               co_return http::Json(request, 200, ChallengeJson(*challenge));
             }),
             RouteDoc{"A challenge bound to the scheduled transfer's amount and payee", "me",
                      "customer", "ChallengeRequest", "Challenge", 200});

  router.Add(Verb::post, "/api/v1/me/scheduled-transfers/{id}/confirm",
             customer_only([scheduled, not_found](
                               const Request& request, const Params& params,
                               const services::Session& session) -> http::awaitable<Response> {
               auto body = ParseBody(request, {"challenge_id", "answer"});
               if (!body.ok()) co_return http::Problem(request, body.status());
               auto challenge = http::RequiredString(*body, "challenge_id");
               auto answer = http::RequiredString(*body, "answer");
               if (!challenge.ok()) co_return http::Problem(request, challenge.status());
               if (!answer.ok()) co_return http::Problem(request, answer.status());
               auto id = IdParam(params, "id");
               if (!id) co_return not_found(request);
               auto schedule = scheduled->Confirm(session.subject_id, *id, *challenge, *answer);
               if (!schedule.ok()) co_return http::Problem(request, schedule.status());
               co_return ScheduleResponse(request, *schedule);
             }),
             RouteDoc{"Answer the scheduled transfer's challenge; its runs then need none", "me",
                      "customer", "Confirmation", "ScheduledTransfer", 201});

  router.Add(
      Verb::delete_, "/api/v1/me/scheduled-transfers/{id}",
      customer_only(
          [scheduled, not_found](const Request& request, const Params& params,
                                 const services::Session& session) -> http::awaitable<Response> {
            auto id = IdParam(params, "id");
            if (!id) co_return not_found(request);
            Status status = scheduled->Cancel(session.subject_id, *id);
            if (!status.ok()) co_return http::Problem(request, status);
            co_return http::Text(request, 204, "");
          }),
      RouteDoc{"Cancel a scheduled transfer: no further runs", "me", "customer", "", "", 204});
}

}  // namespace ebank::app
