#include "app/api_v1_backoffice.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <fmt/format.h>

#include <charconv>
#include <memory>
#include <string>

#include "app/api_common.h"
#include "http/json.h"
#include "print/table_xlsx.h"
#include "services/fees.h"
#include "services/kpi.h"
#include "services/ukeys.h"

namespace ebank::app {
namespace {

namespace json = boost::json;
using http::Params;
using http::Request;
using http::Response;
using http::RouteDoc;
using http::Verb;
using namespace api;

bool IsAdmin(services::Role role) {
  return role == services::Role::kAdmin;
}
bool SetsTargets(services::Role role) {
  return role == services::Role::kAdmin || role == services::Role::kBranchManager;
}

json::value OptionalIntJson(const std::optional<int64_t>& value) {
  return value ? json::value(*value) : json::value();
}

json::object UkeyJson(const services::Ukey& ukey) {
  return json::object{
      {"serial", ukey.serial},
      {"state", ukey.state},
      {"unit_id", ukey.unit_id},
      {"customer_number",
       ukey.customer_number ? json::value(*ukey.customer_number) : json::value()},
      {"staff_id", OptionalIntJson(ukey.staff_id)},
      {"approval_id", OptionalIntJson(ukey.approval_id)},
      {"received_at_ms", ukey.received_at_ms},
      {"issued_at_ms", OptionalIntJson(ukey.issued_at_ms)},
  };
}

json::object FeeJson(const services::FeeSchedule& fee) {
  json::object discounts;
  for (const auto& [channel, percent] : fee.discounts)
    discounts[channel] = percent;
  return json::object{{"code", fee.code},
                      {"name_zh", fee.name_zh},
                      {"name_en", fee.name_en},
                      {"amount", http::AmountJson(fee.amount_minor, fee.currency)},
                      {"currency", fee.currency.code()},
                      {"ebanking", fee.ebanking},
                      {"discounts", std::move(discounts)},
                      {"updated_at_ms", fee.updated_at_ms}};
}

json::value MetricJson(const services::KpiCounts& counts, const services::KpiMetric& metric) {
  double value = counts.Value(metric);
  switch (metric.kind) {
    case services::KpiKind::kMoney:
      return json::string(FormatAmount(static_cast<int64_t>(value), 2));
    case services::KpiKind::kCount:
      return static_cast<int64_t>(value);
    case services::KpiKind::kPercent:
      return value;
  }
  return nullptr;
}

json::object UnitJson(const services::Unit& unit) {
  return json::object{{"id", unit.id},
                      {"code", unit.code},
                      {"name_zh", unit.name_zh},
                      {"name_en", unit.name_en},
                      {"kind", services::UnitKindName(unit.kind)}};
}

json::object KpiRowJson(const services::KpiRow& row) {
  json::object metrics;
  for (const services::KpiMetric& metric : services::kKpiMetrics)
    metrics[metric.name] = MetricJson(row.counts, metric);
  json::object targets;
  for (const auto& [name, target] : row.targets)
    targets[name] = target;
  json::object completion;
  for (const auto& [name, percent] : row.completion)
    completion[name] = percent;
  json::object rank;
  for (const auto& [name, place] : row.rank)
    rank[name] = place;
  return json::object{{"unit", UnitJson(row.unit)},
                      {"metrics", std::move(metrics)},
                      {"targets", std::move(targets)},
                      {"completion", std::move(completion)},
                      {"rank", std::move(rank)}};
}

// The KPI query from ?unit=&from=&to=&dormant_days=.
Result<services::KpiQuery> KpiQueryOf(const Request& request) {
  auto values = QueryOf(request.target(), {"unit", "from", "to", "dormant_days"});
  if (!values.ok()) return values.status();
  services::KpiQuery query;
  query.unit_code = (*values)["unit"];
  query.from_date = (*values)["from"];
  query.to_date = (*values)["to"];
  if (std::string days = (*values)["dormant_days"]; !days.empty()) {
    int parsed = 0;
    auto [end, error] = std::from_chars(days.data(), days.data() + days.size(), parsed);
    if (error != std::errc() || end != days.data() + days.size()) {
      return Status::Invalid("invalid_query", "dormant_days is a whole number of days");
    }
    query.dormant_days = parsed;
  }
  return query;
}

// The report the query string asks for, within `staff`'s scope.
Result<services::KpiReport> ReportFor(services::KpiService& kpis, const Request& request,
                                      const services::Staff& staff) {
  auto query = KpiQueryOf(request);
  if (!query.ok()) return query.status();
  return kpis.Report(*query, staff.scope());
}

print::TableCell Cell(const services::KpiCounts& counts, const services::KpiMetric& metric) {
  double value = counts.Value(metric);
  switch (metric.kind) {
    case services::KpiKind::kMoney:
      return {value / 100.0, print::CellFormat::kAmount};
    case services::KpiKind::kCount:
      return {value, print::CellFormat::kInteger};
    case services::KpiKind::kPercent:
      return {value, print::CellFormat::kPercent};
  }
  return {};
}

// The report as a sheet: the unit, then each child, one column per metric and, for the
// children, their rank in e-banking revenue and substitution rate, and completion of the
// revenue target.
print::TableReport KpiTable(const services::KpiReport& report, int64_t now_ms) {
  print::TableReport table;
  table.title = fmt::format("电子银行经营指标 / E-banking KPIs — {} {}", report.unit.unit.name_zh,
                            report.unit.unit.name_en);
  table.sheet_name = "KPI";
  table.notes = {
      fmt::format("期间 / Period: {} ~ {} (China Standard Time)", report.from_date, report.to_date),
      fmt::format("睡眠户标准 / Dormant after {} days without login or payment",
                  report.dormant_days)};
  table.headers = {"机构代码 / Unit", "机构名称 / Name"};
  for (const services::KpiMetric& metric : services::kKpiMetrics)
    table.headers.push_back(fmt::format("{} / {}", metric.name_zh, metric.name_en));
  table.headers.push_back("收入目标完成率% / Revenue target %");
  table.headers.push_back("收入排名 / Revenue rank");
  table.headers.push_back("替代率排名 / Substitution rank");
  auto add = [&](const services::KpiRow& row) {
    std::vector<print::TableCell> cells{{row.unit.code, print::CellFormat::kText},
                                        {row.unit.name_zh, print::CellFormat::kText}};
    for (const services::KpiMetric& metric : services::kKpiMetrics)
      cells.push_back(Cell(row.counts, metric));
    auto completion = row.completion.find("ebanking_revenue");
    cells.push_back(completion == row.completion.end()
                        ? print::TableCell{}
                        : print::TableCell{completion->second, print::CellFormat::kPercent});
    for (const char* metric : {"ebanking_revenue", "substitution_rate"}) {
      auto rank = row.rank.find(metric);
      cells.push_back(rank == row.rank.end() ? print::TableCell{}
                                             : print::TableCell{static_cast<double>(rank->second),
                                                                print::CellFormat::kInteger});
    }
    table.rows.push_back(std::move(cells));
  };
  add(report.unit);
  for (const services::KpiRow& child : report.children)
    add(child);
  table.printed_at_ms = now_ms;
  return table;
}

}  // namespace

void AddBackOfficeRoutes(http::Router& router, const ApiServices& api) {
  store::SqlDatabase& db = api.customers.database();
  auto fees = std::make_shared<services::FeeService>(db, api.ledger, api.clock);
  auto ukeys = std::make_shared<services::UkeyService>(db, api.clock);
  auto kpis = std::make_shared<services::KpiService>(db, api.clock);
  auto staff_only = [&api](StaffHandler handler) {
    return StaffOnly(api.staff, std::move(handler));
  };
  auto with_role = [&api](bool (*allowed)(services::Role), StaffHandler handler) {
    return StaffWithRole(api.staff, allowed, std::move(handler));
  };

  router.Add(Verb::get, "/api/v1/customers",
             staff_only([&api](const Request& request, const Params&,
                               const services::Staff& staff) -> http::awaitable<Response> {
               auto values = QueryOf(request.target(), {"q"});
               if (!values.ok()) co_return http::Problem(request, values.status());
               auto found = api.customers.Search((*values)["q"], staff.scope());
               if (!found.ok()) co_return http::Problem(request, found.status());
               json::array list;
               for (const auto& customer : *found)
                 list.push_back(CustomerJson(customer));
               co_return http::Json(request, 200, json::object{{"customers", std::move(list)}});
             }),
             RouteDoc{"Find customers of the caller's units by ?q= (number, ID number or mobile "
                      "prefix, or part of the name), at most 50",
                      "customers", "staff", "", "CustomerList", 200});

  // --- The U-key inventory and issue register (BO-5). ---
  router.Add(Verb::get, "/api/v1/ukeys",
             staff_only([ukeys](const Request& request, const Params&,
                                const services::Staff& staff) -> http::awaitable<Response> {
               auto values = QueryOf(request.target(), {"state"});
               if (!values.ok()) co_return http::Problem(request, values.status());
               auto list = ukeys->List(staff, (*values)["state"]);
               if (!list.ok()) co_return http::Problem(request, list.status());
               json::array out;
               for (const auto& ukey : *list)
                 out.push_back(UkeyJson(ukey));
               co_return http::Json(request, 200, json::object{{"ukeys", std::move(out)}});
             }),
             RouteDoc{"The U-key register of the caller's units (?state=in_stock|issued)",
                      "inventory", "staff", "", "UkeyList", 200});

  router.Add(
      Verb::post, "/api/v1/ukeys",
      staff_only([ukeys](const Request& request, const Params&,
                         const services::Staff& staff) -> http::awaitable<Response> {
        auto body = ParseBody(request, {"serials", "unit"});
        if (!body.ok()) co_return http::Problem(request, body.status());
        const json::value* serials = body->if_contains("serials");
        if (!serials || !serials->is_array()) {
          co_return http::Problem(request, 400, "invalid_field", "serials must be an array");
        }
        std::vector<std::string> list;
        for (const json::value& serial : serials->as_array()) {
          if (!serial.is_string())
            co_return http::Problem(request, 400, "invalid_field", "serials are strings");
          list.emplace_back(serial.as_string());
        }
        auto unit = http::OptionalString(*body, "unit");
        if (!unit.ok()) co_return http::Problem(request, unit.status());
        auto received = ukeys->Receive(staff, list, unit->value_or(""));
        if (!received.ok()) {
          if (received.status().reason() == "checker_role_required") {
            co_return http::Problem(request, 403, "checker_role_required",
                                    received.status().message());
          }
          co_return http::Problem(request, received.status());
        }
        json::array out;
        for (const auto& ukey : *received)
          out.push_back(UkeyJson(ukey));
        co_return http::Json(request, 201, json::object{{"ukeys", std::move(out)}});
      }),
      RouteDoc{"Receive U-keys into the stock of a unit of the caller's (supervisor and above)",
               "inventory", "staff", "UkeyDelivery", "UkeyList", 201});

  // --- Fees (BO-2). ---
  router.Add(Verb::get, "/api/v1/fees",
             with_role(AnyStaffRole,
                       [fees](const Request& request, const Params&,
                              const services::Staff&) -> http::awaitable<Response> {
                         auto list = fees->List();
                         if (!list.ok()) co_return http::Problem(request, list.status());
                         json::array out;
                         for (const auto& fee : *list)
                           out.push_back(FeeJson(fee));
                         co_return http::Json(request, 200, json::object{{"fees", std::move(out)}});
                       }),
             RouteDoc{"The fee schedules with their channel discounts", "fees", "staff", "",
                      "FeeList", 200});

  router.Add(
      Verb::put, "/api/v1/fees/{code}",
      with_role(
          IsAdmin,
          [&api, fees](const Request& request, const Params& params,
                       const services::Staff& staff) -> http::awaitable<Response> {
            auto body = ParseBody(request, {"amount", "discounts"});
            if (!body.ok()) co_return http::Problem(request, body.status());
            std::optional<int64_t> amount;
            if (body->contains("amount")) {
              auto parsed = http::RequiredAmount(*body, "amount", Currency::Cny());
              if (!parsed.ok()) co_return http::Problem(request, parsed.status());
              amount = *parsed;
            }
            std::optional<std::map<std::string, int>> discounts;
            if (const json::value* given = body->if_contains("discounts")) {
              if (!given->is_object()) {
                co_return http::Problem(request, 400, "invalid_field", "discounts is an object");
              }
              discounts.emplace();
              for (const auto& [channel, percent] : given->as_object()) {
                if (!percent.is_int64() || percent.as_int64() < 0 || percent.as_int64() > 100) {
                  co_return http::Problem(request, 400, "invalid_discount",
                                          "a discount is a whole percentage from 0 to 100");
                }
                (*discounts)[std::string(channel)] = static_cast<int>(percent.as_int64());
              }
            }
            auto updated = fees->Update(params.at("code"), amount, discounts);
            (void)services::RecordAudit(
                api.customers.database(), api.clock,
                {"staff", staff.id, "counter", "fee.update", params.at("code"),
                 updated.ok() ? "ok" : updated.status().reason(), ""});
            if (!updated.ok()) co_return http::Problem(request, updated.status());
            co_return http::Json(request, 200, FeeJson(*updated));
          }),
      RouteDoc{"Change a fee's amount or its channel discounts (administrator)", "fees", "staff",
               "FeeChange", "Fee", 200});

  router.Add(
      Verb::post, "/api/v1/fees/sms_alert_monthly/runs",
      with_role(IsAdmin,
                [&api, fees](const Request& request, const Params&,
                             const services::Staff& staff) -> http::awaitable<Response> {
                  auto body = ParseBody(request, {"month"});
                  if (!body.ok()) co_return http::Problem(request, body.status());
                  auto month = http::RequiredString(*body, "month");
                  if (!month.ok()) co_return http::Problem(request, month.status());
                  auto run = fees->ChargeSmsAlerts(*month);
                  (void)services::RecordAudit(
                      api.customers.database(), api.clock,
                      {"staff", staff.id, "counter", "fee.run", "sms_alert_monthly:" + *month,
                       run.ok() ? "ok" : run.status().reason(),
                       run.ok() ? fmt::format("{} charged, {} refused", run->charged, run->refused)
                                : ""});
                  if (!run.ok()) co_return http::Problem(request, run.status());
                  co_return http::Json(
                      request, 200,
                      json::object{{"period", run->period},
                                   {"charged", run->charged},
                                   {"already_charged", run->already_charged},
                                   {"refused", run->refused},
                                   {"total", http::AmountJson(run->total_minor, Currency::Cny())}});
                }),
      RouteDoc{"Charge the monthly SMS alert fee for a month, once per account (administrator)",
               "fees", "staff", "FeeRunRequest", "FeeRun", 200});

  // --- KPIs (BO-3) and the dormant-customer list (CH-CM). ---
  router.Add(Verb::get, "/api/v1/kpis",
             with_role(AnyStaffRole,
                       [kpis](const Request& request, const Params&,
                              const services::Staff& staff) -> http::awaitable<Response> {
                         auto report = ReportFor(*kpis, request, staff);
                         if (!report.ok()) co_return http::Problem(request, report.status());
                         json::object out = KpiRowJson(report->unit);
                         json::array children;
                         for (const auto& child : report->children)
                           children.push_back(KpiRowJson(child));
                         out["children"] = std::move(children);
                         out["from"] = report->from_date;
                         out["to"] = report->to_date;
                         out["dormant_days"] = report->dormant_days;
                         co_return http::Json(request, 200, std::move(out));
                       }),
             RouteDoc{"The KPIs of a unit (?unit=code, default the caller's) and of each of its "
                      "children for ?from=&to= (YYYY-MM-DD, default this year), with targets, "
                      "completion and rank",
                      "kpi", "staff", "", "KpiReport", 200});

  router.Add(
      Verb::get, "/api/v1/kpis.xlsx",
      with_role(AnyStaffRole,
                [&api, kpis](const Request& request, const Params&,
                             const services::Staff& staff) -> http::awaitable<Response> {
                  auto report = ReportFor(*kpis, request, staff);
                  if (!report.ok()) co_return http::Problem(request, report.status());
                  co_return FileResponse(request,
                                         print::TableXlsx(KpiTable(*report, api.clock.NowMs())),
                                         FileFormat::kXlsx,
                                         fmt::format("ebank-kpi-{}-{}-{}", report->unit.unit.code,
                                                     report->from_date, report->to_date));
                }),
      RouteDoc{"The same KPIs as a spreadsheet", "kpi", "staff", "", std::string(kXlsxType), 200});

  router.Add(
      Verb::get, "/api/v1/kpis/dormant",
      with_role(AnyStaffRole,
                [kpis](const Request& request, const Params&,
                       const services::Staff& staff) -> http::awaitable<Response> {
                  auto query = KpiQueryOf(request);
                  if (!query.ok()) co_return http::Problem(request, query.status());
                  auto dormant = kpis->Dormant(*query, staff.scope());
                  if (!dormant.ok()) co_return http::Problem(request, dormant.status());
                  json::array out;
                  for (const auto& customer : *dormant) {
                    out.push_back(json::object{
                        {"number", customer.number},
                        {"name", customer.name},
                        {"mobile", customer.mobile},
                        {"unit_code", customer.unit_code},
                        {"last_activity_ms", OptionalIntJson(customer.last_activity_ms)}});
                  }
                  co_return http::Json(request, 200, json::object{{"customers", std::move(out)}});
                }),
      RouteDoc{"Dormant customers of a unit to reactivate (?unit=&to=&dormant_days=)", "kpi",
               "staff", "", "DormantList", 200});

  router.Add(Verb::put, "/api/v1/kpi-targets/{unit}/{metric}",
             with_role(SetsTargets,
                       [&api, kpis](const Request& request, const Params& params,
                                    const services::Staff& staff) -> http::awaitable<Response> {
                         auto body = ParseBody(request, {"year", "target"});
                         if (!body.ok()) co_return http::Problem(request, body.status());
                         auto year = http::RequiredString(*body, "year");
                         auto target = http::RequiredString(*body, "target");
                         if (!year.ok()) co_return http::Problem(request, year.status());
                         if (!target.ok()) co_return http::Problem(request, target.status());
                         Status status = kpis->SetTarget(
                             params.at("unit"), *year, params.at("metric"), *target, staff.scope());
                         (void)services::RecordAudit(
                             api.customers.database(), api.clock,
                             {"staff", staff.id, "counter", "kpi.target",
                              params.at("unit") + ":" + params.at("metric"),
                              status.ok() ? "ok" : status.reason(), *year + " " + *target});
                         if (!status.ok()) co_return http::Problem(request, status);
                         co_return http::Json(request, 200,
                                              json::object{{"unit", params.at("unit")},
                                                           {"metric", params.at("metric")},
                                                           {"year", *year},
                                                           {"target", *target}});
                       }),
             RouteDoc{"Set a unit's target for a KPI and year (branch manager or administrator)",
                      "kpi", "staff", "KpiTarget", "KpiTarget", 200});
}

json::object BackOfficeSchemas() {
  const auto& properties = ObjectSchema;
  std::string metrics;
  for (const services::KpiMetric& metric : services::kKpiMetrics)
    metrics += (metrics.empty() ? "" : ", ") + std::string(metric.name);
  return json::object{
      {"CustomerList", properties({{"customers", "array of Customer"}}, {})},
      {"Ukey", properties({{"serial", "string"},
                           {"state", "in_stock or issued"},
                           {"unit_id", "integer"},
                           {"customer_number", "string or null"},
                           {"staff_id", "who issued it, or null"},
                           {"approval_id", "integer or null"},
                           {"received_at_ms", "integer"},
                           {"issued_at_ms", "integer or null"}},
                          {})},
      {"UkeyList", properties({{"ukeys", "array of Ukey, by serial"}}, {})},
      {"UkeyDelivery",
       properties({{"serials", "1 to 1000 serials of A-Z, 0-9 and '-'"},
                   {"unit", "the code of the unit whose stock they join (default the caller's)"}},
                  {"serials"})},
      {"UkeyIssue", properties({{"serial", "a U-key in stock at the maker's units"},
                                {"fee_account",
                                 "the customer's CNY account the U-key fee is charged to "
                                 "(default: their oldest active demand account)"}},
                               {"serial"})},
      {"Fee", properties({{"code", "string"},
                          {"name_zh", "string"},
                          {"name_en", "string"},
                          {"amount", "decimal string"},
                          {"currency", "CNY"},
                          {"ebanking", "boolean: counts as e-banking revenue"},
                          {"discounts", "object: channel → whole percent off"}},
                         {})},
      {"FeeList", properties({{"fees", "array of Fee"}}, {})},
      {"FeeChange", properties({{"amount", "decimal string, 0 to 10000.00"},
                                {"discounts", "object: channel → whole percent off (replaces)"}},
                               {})},
      {"FeeRunRequest", properties({{"month", "YYYY-MM"}}, {"month"})},
      {"FeeRun", properties({{"period", "YYYY-MM"},
                             {"charged", "integer"},
                             {"already_charged", "integer"},
                             {"refused", "integer: accounts that could not pay"},
                             {"total", "decimal string"}},
                            {})},
      {"KpiReport",
       properties({{"unit", "the unit"},
                   {"metrics", "object of " + metrics +
                                   " (money as decimal strings, rates as percent numbers)"},
                   {"targets", "object: metric → target"},
                   {"completion", "object: metric → percent of target"},
                   {"children",
                    "the children, each with unit, metrics, targets, completion, "
                    "rank (1 = best)"},
                   {"from", "YYYY-MM-DD"},
                   {"to", "YYYY-MM-DD"},
                   {"dormant_days", "integer"}},
                  {})},
      {"DormantList", properties({{"customers",
                                   "number, name, mobile, unit_code, "
                                   "last_activity_ms"}},
                                 {})},
      {"KpiTarget", properties({{"year", "YYYY"},
                                {"target", "in the metric's unit: \"1000.00\", \"120\", \"35.5\""}},
                               {"year", "target"})},
  };
}

}  // namespace ebank::app
