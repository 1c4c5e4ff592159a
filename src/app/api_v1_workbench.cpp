#include "app/api_v1_workbench.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <string>

#include "app/api_common.h"
#include "http/json.h"
#include "services/cases.h"
#include "services/ukeys.h"
#include "services/workbench.h"

namespace ebank::app {
namespace {

namespace json = boost::json;
using http::Params;
using http::Request;
using http::Response;
using http::RouteDoc;
using http::Verb;
using namespace api;

constexpr size_t kOverviewActivityMax = 10;

bool MayRunCampaigns(services::Role role) {
  return role == services::Role::kAdmin || role == services::Role::kBranchManager;
}

// A case as `staff` sees it: with the states they may move it to.
json::object CaseJson(const services::Case& item, const services::Staff& staff) {
  json::array next_states;
  for (std::string_view state : services::NextCaseStates(item.state, staff.role))
    next_states.push_back(json::string(state));
  json::array events;
  for (const services::CaseEvent& event : item.events) {
    events.push_back(json::object{{"at_ms", event.at_ms},
                                  {"staff_id", event.staff_id},
                                  {"from_state", event.from_state},
                                  {"to_state", event.to_state},
                                  {"note", event.note}});
  }
  return json::object{
      {"id", item.id},
      {"kind", item.kind},
      {"unit_code", item.unit_code},
      {"customer_number", item.customer_number ? json::value(*item.customer_number) : nullptr},
      {"title", item.title},
      {"detail", item.detail},
      {"source", item.source},
      {"state", item.state},
      {"owner_staff_id", item.owner_staff_id},
      {"owner_login", item.owner_login},
      {"deadline", item.deadline_date},
      {"overdue", item.overdue},
      {"created_by", item.created_by},
      {"created_at_ms", item.created_at_ms},
      {"updated_at_ms", item.updated_at_ms},
      {"next_states", std::move(next_states)},
      {"events", std::move(events)},
  };
}

// A string field, "" when absent; the status when it is not a string.
Result<std::string> TextField(const json::object& body, std::string_view name) {
  auto value = http::OptionalString(body, name);
  if (!value.ok()) return value.status();
  return value->value_or("");
}

// The customer's newest movements over all their accounts, from each account's history.
Result<json::array> RecentActivity(const ApiServices& api, int64_t customer_id,
                                   const std::vector<services::BankAccount>& accounts) {
  struct Line {
    services::HistoryEntry entry;
    std::string account;
    Currency currency = Currency::Cny();
  };
  std::vector<Line> lines;
  for (const services::BankAccount& account : accounts) {
    services::HistoryQuery query;
    query.limit = kOverviewActivityMax;
    auto page = api.customers.History(customer_id, account.number, query);
    if (!page.ok()) return page.status();
    for (const auto& entry : page->entries)
      lines.push_back({entry, account.number, page->currency});
  }
  std::stable_sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) {
    return a.entry.transaction_id > b.entry.transaction_id;
  });
  if (lines.size() > kOverviewActivityMax) lines.resize(kOverviewActivityMax);
  json::array out;
  for (const Line& line : lines) {
    out.push_back(json::object{{"transaction_id", line.entry.transaction_id},
                               {"at_ms", line.entry.at_ms},
                               {"account", line.account},
                               {"amount", http::AmountJson(line.entry.amount_minor, line.currency)},
                               {"currency", line.currency.code()},
                               {"memo", line.entry.memo},
                               {"counterparty", line.entry.counterparty}});
  }
  return out;
}

}  // namespace

void AddWorkbenchRoutes(http::Router& router, const ApiServices& api) {
  store::SqlDatabase& db = api.customers.database();
  auto workbench = std::make_shared<services::WorkbenchService>(db, api.clock);
  auto cases = std::make_shared<services::CaseService>(db, api.clock);
  auto ukeys = std::make_shared<services::UkeyService>(db, api.clock);
  auto any_staff = [&api](StaffHandler handler) {
    return StaffWithRole(api.staff, AnyStaffRole, std::move(handler));
  };

  // --- The customer 360° view (CH-CM). ---
  router.Add(
      Verb::get, "/api/v1/customers/{number}/overview",
      any_staff([&api, cases, ukeys](const Request& request, const Params& params,
                                     const services::Staff& staff) -> http::awaitable<Response> {
        auto customer = api.customers.GetByNumber(params.at("number"), staff.scope());
        if (!customer.ok()) co_return http::Problem(request, customer.status());
        auto accounts = api.customers.Accounts(customer->id);
        if (!accounts.ok()) co_return http::Problem(request, accounts.status());
        json::array list;
        int64_t assets = 0;
        int64_t liabilities = 0;
        for (const auto& account : *accounts) {
          auto item = AccountJson(api.ledger, account);
          if (!item.ok()) co_return http::Problem(request, item.status());
          if (account.currency == "CNY") {
            auto balance = ParseAmount(item->at("balance").as_string(), 2);
            if (balance.ok()) (*balance >= 0 ? assets : liabilities) += *balance;
          }
          list.push_back(std::move(*item));
        }
        json::object out = CustomerJson(*customer);
        out["accounts"] = std::move(list);
        out["assets"] = http::AmountJson(assets, Currency::Cny());
        out["liabilities"] = http::AmountJson(-liabilities, Currency::Cny());
        auto signing = api.signing.Get(customer->id);
        if (signing.ok()) {
          json::array channels;
          for (const auto& channel : signing->channels)
            channels.push_back(json::string(channel));
          out["signing"] = json::object{{"login_id", signing->login_id},
                                        {"channels", std::move(channels)},
                                        {"tools", ToolsJson(signing->tools)}};
        } else if (signing.status().code() == Code::kNotFound) {
          out["signing"] = nullptr;
        } else {
          co_return http::Problem(request, signing.status());
        }
        // The U-key devices handed over at the counter, whether or not a certificate is on
        // them yet (the signing record's "ukey" tool is the enrolled certificate).
        auto held = ukeys->Held(customer->id);
        if (!held.ok()) co_return http::Problem(request, held.status());
        json::array devices;
        for (const auto& ukey : *held)
          devices.push_back(json::object{{"serial", ukey.serial},
                                         {"issued_at_ms", ukey.issued_at_ms.value_or(0)}});
        out["ukeys"] = std::move(devices);
        auto activity = RecentActivity(api, customer->id, *accounts);
        if (!activity.ok()) co_return http::Problem(request, activity.status());
        out["recent_activity"] = std::move(*activity);
        auto open = cases->List(staff, "");
        if (!open.ok()) co_return http::Problem(request, open.status());
        json::array about;
        for (const auto& item : *open) {
          if (item.customer_number == customer->number && item.state != "closed")
            about.push_back(json::object{{"id", item.id},
                                         {"kind", item.kind},
                                         {"title", item.title},
                                         {"state", item.state},
                                         {"overdue", item.overdue}});
        }
        out["cases"] = std::move(about);
        co_return http::Json(request, 200, std::move(out));
      }),
      RouteDoc{"A customer's 360° view: accounts, assets and liabilities, e-banking tools, "
               "U-keys held, recent activity and open cases (staff, customer managers)",
               "workbench", "staff", "", "CustomerOverview", 200});

  // --- Large-fund movements (BO-7). ---
  router.Add(Verb::get, "/api/v1/large-movements",
             any_staff([workbench](const Request& request, const Params&,
                                   const services::Staff& staff) -> http::awaitable<Response> {
               auto values = QueryOf(request.target(), {"from", "to"});
               if (!values.ok()) co_return http::Problem(request, values.status());
               auto moves =
                   workbench->LargeMovements(staff.scope(), (*values)["from"], (*values)["to"]);
               if (!moves.ok()) co_return http::Problem(request, moves.status());
               json::array out;
               for (const auto& move : *moves) {
                 out.push_back(json::object{
                     {"at_ms", move.at_ms},
                     {"kind", move.kind},
                     {"channel", move.channel},
                     {"account", move.account},
                     {"counterparty", move.counterparty},
                     {"amount", http::AmountJson(move.amount_minor, Currency::Cny())},
                     {"threshold", http::AmountJson(move.threshold_minor, Currency::Cny())},
                     {"customer_number", move.customer_number},
                     {"customer_name", move.customer_name},
                     {"unit_code", move.unit_code}});
               }
               co_return http::Json(request, 200, json::object{{"movements", std::move(out)}});
             }),
             RouteDoc{"Payments and counter cash at or above the customer's unit's threshold, "
                      "?from=&to= (YYYY-MM-DD), newest first",
                      "workbench", "staff", "", "LargeMovementList", 200});

  router.Add(Verb::put, "/api/v1/large-movement-thresholds/{unit}",
             StaffWithRole(
                 api.staff, services::MayCheck,
                 [&api, workbench](const Request& request, const Params& params,
                                   const services::Staff& staff) -> http::awaitable<Response> {
                   auto body = ParseBody(request, {"threshold"});
                   if (!body.ok()) co_return http::Problem(request, body.status());
                   auto threshold = http::RequiredAmount(*body, "threshold", Currency::Cny());
                   if (!threshold.ok()) co_return http::Problem(request, threshold.status());
                   Status status =
                       workbench->SetThreshold(params.at("unit"), *threshold, staff.scope());
                   (void)services::RecordAudit(
                       api.customers.database(), api.clock,
                       {"staff", staff.id, "counter", "large_movement.threshold", params.at("unit"),
                        status.ok() ? "ok" : status.reason(), ""});
                   if (!status.ok()) co_return http::Problem(request, status);
                   co_return http::Json(
                       request, 200,
                       json::object{{"unit", params.at("unit")},
                                    {"threshold", http::AmountJson(*threshold, Currency::Cny())}});
                 }),
             RouteDoc{"Set a unit's large-fund-movement threshold (supervisor and above)",
                      "workbench", "staff", "Threshold", "Threshold", 200});

  // --- Campaigns (BO-4). ---
  router.Add(Verb::post, "/api/v1/campaigns",
             StaffWithRole(api.staff, MayRunCampaigns,
                           [workbench](const Request& request, const Params&,
                                       const services::Staff& staff) -> http::awaitable<Response> {
                             auto body = ParseBody(request, {"name", "unit", "from", "to"});
                             if (!body.ok()) co_return http::Problem(request, body.status());
                             auto name = http::RequiredString(*body, "name");
                             auto unit = http::RequiredString(*body, "unit");
                             auto from = http::RequiredString(*body, "from");
                             auto to = http::RequiredString(*body, "to");
                             for (const Status* status :
                                  {&name.status(), &unit.status(), &from.status(), &to.status()}) {
                               if (!status->ok()) co_return http::Problem(request, *status);
                             }
                             auto campaign = workbench->CreateCampaign(staff.id, *name, *unit,
                                                                       *from, *to, staff.scope());
                             if (!campaign.ok())
                               co_return http::Problem(request, campaign.status());
                             co_return http::Json(request, 201,
                                                  json::object{{"id", campaign->id},
                                                               {"name", campaign->name},
                                                               {"unit", campaign->unit_code},
                                                               {"from", campaign->from_date},
                                                               {"to", campaign->to_date}});
                           }),
             RouteDoc{"Start a campaign over a unit and period (branch manager or administrator)",
                      "campaigns", "staff", "NewCampaign", "Campaign", 201});

  router.Add(Verb::get, "/api/v1/campaigns",
             any_staff([workbench](const Request& request, const Params&,
                                   const services::Staff& staff) -> http::awaitable<Response> {
               auto list = workbench->Campaigns(staff.scope());
               if (!list.ok()) co_return http::Problem(request, list.status());
               json::array out;
               for (const auto& campaign : *list) {
                 out.push_back(json::object{{"id", campaign.id},
                                            {"name", campaign.name},
                                            {"unit", campaign.unit_code},
                                            {"from", campaign.from_date},
                                            {"to", campaign.to_date}});
               }
               co_return http::Json(request, 200, json::object{{"campaigns", std::move(out)}});
             }),
             RouteDoc{"The campaigns of the caller's units, newest first", "campaigns", "staff", "",
                      "CampaignList", 200});

  router.Add(Verb::get, "/api/v1/campaigns/{id}/leaderboard",
             any_staff([workbench](const Request& request, const Params& params,
                                   const services::Staff& staff) -> http::awaitable<Response> {
               auto id = IdParam(params, "id");
               if (!id)
                 co_return http::Problem(request, 404, "unknown_campaign", "no such campaign");
               auto rows = workbench->Leaderboard(*id, staff.scope());
               if (!rows.ok()) co_return http::Problem(request, rows.status());
               json::array out;
               for (const auto& row : *rows) {
                 out.push_back(json::object{
                     {"rank", row.rank},
                     {"staff_id", row.staff_id},
                     {"login", row.login},
                     {"name", row.name},
                     {"unit", row.unit_code},
                     {"signups", row.signups},
                     {"revenue", http::AmountJson(row.revenue_minor, Currency::Cny())}});
               }
               co_return http::Json(request, 200, json::object{{"leaderboard", std::move(out)}});
             }),
             RouteDoc{"A campaign's staff ranked by counter sign-ups, then fee revenue",
                      "campaigns", "staff", "", "Leaderboard", 200});

  // --- Cases (SVC-3, BO-6). ---
  router.Add(Verb::post, "/api/v1/cases",
             any_staff([cases](const Request& request, const Params&,
                               const services::Staff& staff) -> http::awaitable<Response> {
               auto body = ParseBody(request, {"kind", "unit", "customer", "title", "detail",
                                               "source", "owner", "deadline"});
               if (!body.ok()) co_return http::Problem(request, body.status());
               services::NewCase input;
               for (auto [field, target] :
                    {std::pair{"kind", &input.kind}, std::pair{"unit", &input.unit_code},
                     std::pair{"customer", &input.customer_number},
                     std::pair{"title", &input.title}, std::pair{"detail", &input.detail},
                     std::pair{"source", &input.source}, std::pair{"owner", &input.owner_login},
                     std::pair{"deadline", &input.deadline_date}}) {
                 auto value = TextField(*body, field);
                 if (!value.ok()) co_return http::Problem(request, value.status());
                 *target = *value;
               }
               auto opened = cases->Open(staff, input);
               if (!opened.ok()) co_return http::Problem(request, opened.status());
               co_return http::Json(request, 201, CaseJson(*opened, staff));
             }),
             RouteDoc{"Open a case: an error, dispute, complaint or inspection finding", "cases",
                      "staff", "NewCase", "Case", 201});

  router.Add(Verb::get, "/api/v1/cases",
             any_staff([cases](const Request& request, const Params&,
                               const services::Staff& staff) -> http::awaitable<Response> {
               auto values = QueryOf(request.target(), {"state"});
               if (!values.ok()) co_return http::Problem(request, values.status());
               auto list = cases->List(staff, (*values)["state"]);
               if (!list.ok()) co_return http::Problem(request, list.status());
               json::array out;
               for (const auto& item : *list)
                 out.push_back(CaseJson(item, staff));
               co_return http::Json(request, 200, json::object{{"cases", std::move(out)}});
             }),
             RouteDoc{"The cases of the caller's units (?state=open|investigating|resolved|"
                      "closed|overdue), newest first",
                      "cases", "staff", "", "CaseList", 200});

  router.Add(
      Verb::get, "/api/v1/cases/{id}",
      any_staff([cases](const Request& request, const Params& params,
                        const services::Staff& staff) -> http::awaitable<Response> {
        auto id = IdParam(params, "id");
        if (!id) co_return http::Problem(request, 404, "unknown_case", "no such case");
        auto item = cases->Get(staff, *id);
        if (!item.ok()) co_return http::Problem(request, item.status());
        co_return http::Json(request, 200, CaseJson(*item, staff));
      }),
      RouteDoc{"A case with every change it went through", "cases", "staff", "", "Case", 200});

  router.Add(
      Verb::post, "/api/v1/cases/{id}/changes",
      any_staff([cases](const Request& request, const Params& params,
                        const services::Staff& staff) -> http::awaitable<Response> {
        auto id = IdParam(params, "id");
        if (!id) co_return http::Problem(request, 404, "unknown_case", "no such case");
        auto body = ParseBody(request, {"state", "note", "owner"});
        if (!body.ok()) co_return http::Problem(request, body.status());
        auto state = TextField(*body, "state");
        auto note = TextField(*body, "note");
        auto owner = TextField(*body, "owner");
        for (const Status* status : {&state.status(), &note.status(), &owner.status()}) {
          if (!status->ok()) co_return http::Problem(request, *status);
        }
        auto changed = cases->Change(staff, *id, *state, *note, *owner);
        if (!changed.ok()) {
          if (changed.status().reason() == "checker_role_required") {
            co_return http::Problem(request, 403, "checker_role_required",
                                    changed.status().message());
          }
          co_return http::Problem(request, changed.status());
        }
        co_return http::Json(request, 200, CaseJson(*changed, staff));
      }),
      RouteDoc{"Move a case on (investigating, resolved, closed) or hand it to another owner",
               "cases", "staff", "CaseChange", "Case", 200});
}

json::object WorkbenchSchemas() {
  const auto& properties = ObjectSchema;
  return json::object{
      {"CustomerOverview",
       properties({{"accounts", "array of Account"},
                   {"assets", "CNY balances held, decimal string"},
                   {"liabilities", "CNY owed (credit cards), decimal string"},
                   {"signing", "login_id, channels, tools; null when not signed up"},
                   {"ukeys", "U-key devices issued to the customer: serial, issued_at_ms"},
                   {"recent_activity", "the newest movements over all accounts"},
                   {"cases", "the customer's cases not yet closed"}},
                  {})},
      {"LargeMovementList", properties({{"movements", "newest first"}}, {})},
      {"Threshold", properties({{"threshold", "decimal string, CNY"}}, {"threshold"})},
      {"NewCampaign", properties({{"name", "1 to 120 bytes"},
                                  {"unit", "unit code"},
                                  {"from", "YYYY-MM-DD"},
                                  {"to", "YYYY-MM-DD"}},
                                 {"name", "unit", "from", "to"})},
      {"Campaign", properties({{"id", "integer"},
                               {"name", "string"},
                               {"unit", "unit code"},
                               {"from", "date"},
                               {"to", "date"}},
                              {})},
      {"CampaignList", properties({{"campaigns", "array of Campaign"}}, {})},
      {"Leaderboard",
       properties({{"leaderboard", "rank, staff_id, login, name, unit, signups, revenue"}}, {})},
      {"NewCase", properties({{"kind", "card_error, dispute, complaint or finding"},
                              {"unit", "unit code (default the caller's)"},
                              {"customer", "customer number (optional)"},
                              {"title", "1 to 200 bytes"},
                              {"detail", "up to 2000 bytes"},
                              {"source", "where it came from, e.g. the inspection"},
                              {"owner", "staff login (default the caller)"},
                              {"deadline", "YYYY-MM-DD"}},
                             {"kind", "title", "deadline"})},
      {"Case", properties({{"id", "integer"},
                           {"state", "open, investigating, resolved or closed"},
                           {"overdue", "past its deadline and not resolved"},
                           {"next_states", "the states the caller may move it to"},
                           {"events",
                            "every change: at_ms, staff_id, from_state, to_state, "
                            "note"}},
                          {})},
      {"CaseList", properties({{"cases", "array of Case"}}, {})},
      {"CaseChange", properties({{"state", "investigating, resolved or closed"},
                                 {"note", "required to resolve or close"},
                                 {"owner", "staff login to hand the case to"}},
                                {})},
  };
}

}  // namespace ebank::app
