#include "services/kpi.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/money.h"
#include "services/customers.h"
#include "services/payments.h"
#include "services/scheduled.h"

namespace ebank::services {
namespace {

constexpr int64_t kDayMs = 24LL * 3600 * 1000;
double Percent(int64_t part, int64_t whole) {
  if (whole <= 0) return 0;
  return std::round(1000.0 * static_cast<double>(part) / static_cast<double>(whole)) / 10.0;
}

// Both the payments and the logins of a customer within [?, ?), as an SQL condition on
// s.customer_id; takes four parameters: from, to, from, to.
constexpr const char* kActiveCondition =
    "(EXISTS (SELECT 1 FROM payments p WHERE p.customer_id = s.customer_id AND p.status = "
    "'completed' AND p.created_at_ms >= ? AND p.created_at_ms < ?) OR EXISTS (SELECT 1 FROM "
    "sessions x WHERE x.subject_kind = 'customer' AND x.subject_id = s.customer_id AND "
    "x.created_at_ms >= ? AND x.created_at_ms < ?))";

// One grouped query: each row is a unit id and the figures `apply` adds to its counts.
Status ByUnit(store::SqlSession& sql, std::string_view text, const store::SqlParams& params,
              std::map<int64_t, KpiCounts>& counts,
              const std::function<void(KpiCounts&, const store::SqlRows&, size_t)>& apply) {
  auto rows = sql.Query(text, params);
  if (!rows.ok()) return rows.status();
  for (size_t r = 0; r < rows->size(); ++r)
    apply(counts[rows->Int(r, 0)], *rows, r);
  return Status::Ok();
}

int64_t IntOrZero(const store::SqlRows& rows, size_t r, size_t column) {
  return rows.IsNull(r, column) ? 0 : rows.Int(r, column);
}

// Every unit's own figures within the subtree `pattern`.
Status CountUnits(store::SqlSession& sql, const std::string& pattern, int64_t from_ms,
                  int64_t to_ms, int dormant_days, std::map<int64_t, KpiCounts>& counts) {
  EBANK_RETURN_IF_ERROR(ByUnit(
      sql,
      "SELECT f.unit_id, SUM(CASE WHEN f.ebanking = 1 THEN f.amount_minor ELSE 0 END), "
      "SUM(f.amount_minor) FROM fee_charges f JOIN units u ON u.id = f.unit_id WHERE u.path LIKE "
      "? AND f.currency = 'CNY' AND f.at_ms >= ? AND f.at_ms < ? GROUP BY f.unit_id",
      {pattern, from_ms, to_ms}, counts, [](KpiCounts& c, const store::SqlRows& rows, size_t r) {
        c.ebanking_revenue_minor += IntOrZero(rows, r, 1);
        c.fee_income_minor += IntOrZero(rows, r, 2);
      }));
  EBANK_RETURN_IF_ERROR(ByUnit(
      sql,
      "SELECT c.unit_id, COUNT(*), SUM(CASE WHEN s.created_at_ms >= ? AND (',' || s.channels || "
      "',') LIKE '%,web,%' THEN 1 ELSE 0 END), SUM(CASE WHEN s.created_at_ms >= ? AND (',' || "
      "s.channels || ',') LIKE '%,mobile,%' THEN 1 ELSE 0 END), SUM(CASE WHEN s.created_at_ms >= "
      "? AND (',' || s.channels || ',') LIKE '%,sms,%' THEN 1 ELSE 0 END) FROM signings s JOIN "
      "customers c ON c.id = s.customer_id JOIN units u ON u.id = c.unit_id WHERE u.path LIKE ? "
      "AND s.created_at_ms < ? GROUP BY c.unit_id",
      {from_ms, from_ms, from_ms, pattern, to_ms}, counts,
      [](KpiCounts& c, const store::SqlRows& rows, size_t r) {
        c.signed_customers += IntOrZero(rows, r, 1);
        c.signups_web += IntOrZero(rows, r, 2);
        c.signups_mobile += IntOrZero(rows, r, 3);
        c.signups_sms += IntOrZero(rows, r, 4);
      }));
  EBANK_RETURN_IF_ERROR(ByUnit(
      sql,
      fmt::format("SELECT c.unit_id, COUNT(*), SUM(CASE WHEN s.created_at_ms >= ? THEN 1 ELSE 0 "
                  "END) FROM signings s JOIN customers c ON c.id = s.customer_id JOIN units u ON "
                  "u.id = c.unit_id WHERE u.path LIKE ? AND s.created_at_ms < ? AND {} GROUP BY "
                  "c.unit_id",
                  kActiveCondition),
      {from_ms, pattern, to_ms, from_ms, to_ms, from_ms, to_ms}, counts,
      [](KpiCounts& c, const store::SqlRows& rows, size_t r) {
        c.active_customers += IntOrZero(rows, r, 1);
        c.new_active += IntOrZero(rows, r, 2);
      }));
  int64_t quiet_from_ms = to_ms - dormant_days * kDayMs;
  EBANK_RETURN_IF_ERROR(
      ByUnit(sql,
             fmt::format("SELECT c.unit_id, COUNT(*) FROM signings s JOIN customers c ON c.id = "
                         "s.customer_id JOIN units u ON u.id = c.unit_id WHERE u.path LIKE ? AND "
                         "s.created_at_ms < ? AND NOT {} GROUP BY c.unit_id",
                         kActiveCondition),
             {pattern, quiet_from_ms, quiet_from_ms, to_ms, quiet_from_ms, to_ms}, counts,
             [](KpiCounts& c, const store::SqlRows& rows, size_t r) {
               c.dormant_customers += IntOrZero(rows, r, 1);
             }));
  EBANK_RETURN_IF_ERROR(ByUnit(
      sql,
      "SELECT c.unit_id, COUNT(*) FROM payments p JOIN customers c ON c.id = p.customer_id JOIN "
      "units u ON u.id = c.unit_id WHERE u.path LIKE ? AND p.status = 'completed' AND "
      "p.created_at_ms >= ? AND p.created_at_ms < ? GROUP BY c.unit_id",
      {pattern, from_ms, to_ms}, counts, [](KpiCounts& c, const store::SqlRows& rows, size_t r) {
        c.e_transactions += IntOrZero(rows, r, 1);
      }));
  // Self-service: what ATMs, CRSs and POS terminals carried out, counted for the terminal's
  // unit (balance inquiries move nothing and are not counted).
  EBANK_RETURN_IF_ERROR(ByUnit(
      sql,
      "SELECT t.unit_id, COUNT(*) FROM card_transactions x JOIN terminals t ON t.id = "
      "x.terminal_id JOIN units u ON u.id = t.unit_id WHERE u.path LIKE ? AND x.state IN "
      "('approved', 'completed') AND x.kind <> 'inquiry' AND x.at_ms >= ? AND x.at_ms < ? "
      "GROUP BY t.unit_id",
      {pattern, from_ms, to_ms}, counts, [](KpiCounts& c, const store::SqlRows& rows, size_t r) {
        c.e_transactions += IntOrZero(rows, r, 1);
      }));
  EBANK_RETURN_IF_ERROR(ByUnit(
      sql,
      "SELECT a.unit_id, COUNT(*) FROM approvals a JOIN units u ON u.id = a.unit_id WHERE u.path "
      "LIKE ? AND a.state = 'approved' AND a.kind IN ('cash_deposit', 'cash_withdrawal') AND "
      "a.decided_at_ms >= ? AND a.decided_at_ms < ? GROUP BY a.unit_id",
      {pattern, from_ms, to_ms}, counts, [](KpiCounts& c, const store::SqlRows& rows, size_t r) {
        c.counter_transactions += IntOrZero(rows, r, 1);
      }));
  // Card balances are the ledger's (its accounts table, read-only here): what the cards
  // hold now, whatever the period.
  return ByUnit(
      sql,
      "SELECT b.unit_id, SUM(CASE WHEN b.opened_at_ms >= ? AND b.opened_at_ms < ? THEN 1 ELSE 0 "
      "END), SUM(CASE WHEN p.kind = 'debit_card' AND p.currency = 'CNY' THEN a.balance ELSE 0 "
      "END) FROM bank_accounts b JOIN products p ON p.code = b.product_code JOIN accounts a ON "
      "a.id = b.ledger_account_id JOIN units u ON u.id = b.unit_id WHERE u.path LIKE ? AND "
      "p.kind IN ('debit_card', 'credit_card') GROUP BY b.unit_id",
      {from_ms, to_ms, pattern}, counts, [](KpiCounts& c, const store::SqlRows& rows, size_t r) {
        c.cards_issued += IntOrZero(rows, r, 1);
        c.card_balance_minor += IntOrZero(rows, r, 2);
      });
}

// A target as typed, in the metric's own unit, or nullopt when it is not a number of it.
std::optional<double> TargetValue(const KpiMetric& metric, std::string_view text) {
  auto minor = ParseAmount(text, metric.kind == KpiKind::kMoney ? 2 : 1);
  if (!minor.ok() || *minor <= 0) return std::nullopt;
  if (metric.kind == KpiKind::kCount) {
    if (*minor % 10 != 0) return std::nullopt;  // Counts are whole.
    return static_cast<double>(*minor / 10);
  }
  if (metric.kind == KpiKind::kPercent) return static_cast<double>(*minor) / 10.0;
  return static_cast<double>(*minor);  // Money in minor units, like Value().
}

void Complete(KpiRow& row) {
  for (const auto& [name, text] : row.targets) {
    const KpiMetric* metric = FindKpiMetric(name);
    if (!metric) continue;
    auto target = TargetValue(*metric, text);
    if (!target) continue;
    row.completion[name] = std::round(1000.0 * row.counts.Value(*metric) / *target) / 10.0;
  }
}

void Rank(std::vector<KpiRow>& rows) {
  for (const KpiMetric& metric : kKpiMetrics) {
    for (KpiRow& row : rows) {
      int better = 0;
      double mine = row.counts.Value(metric);
      for (const KpiRow& other : rows) {
        double theirs = other.counts.Value(metric);
        if (metric.lower_is_better ? theirs < mine : theirs > mine) ++better;
      }
      row.rank[std::string(metric.name)] = better + 1;  // Ties share a rank.
    }
  }
}

}  // namespace

const KpiMetric* FindKpiMetric(std::string_view name) {
  for (const KpiMetric& metric : kKpiMetrics) {
    if (metric.name == name) return &metric;
  }
  return nullptr;
}

void KpiCounts::Add(const KpiCounts& o) {
  ebanking_revenue_minor += o.ebanking_revenue_minor;
  fee_income_minor += o.fee_income_minor;
  signups_web += o.signups_web;
  signups_mobile += o.signups_mobile;
  signups_sms += o.signups_sms;
  signed_customers += o.signed_customers;
  active_customers += o.active_customers;
  new_active += o.new_active;
  dormant_customers += o.dormant_customers;
  e_transactions += o.e_transactions;
  counter_transactions += o.counter_transactions;
  cards_issued += o.cards_issued;
  card_balance_minor += o.card_balance_minor;
}

double KpiCounts::Value(const KpiMetric& metric) const {
  const std::string_view name = metric.name;
  auto d = [](int64_t value) { return static_cast<double>(value); };
  if (name == "ebanking_revenue") return d(ebanking_revenue_minor);
  if (name == "fee_income") return d(fee_income_minor);
  if (name == "signups_web") return d(signups_web);
  if (name == "signups_mobile") return d(signups_mobile);
  if (name == "signups_sms") return d(signups_sms);
  if (name == "signed_customers") return d(signed_customers);
  if (name == "active_customers") return d(active_customers);
  if (name == "new_active") return d(new_active);
  if (name == "activity_rate") return Percent(active_customers, signed_customers);
  if (name == "dormant_customers") return d(dormant_customers);
  if (name == "e_transactions") return d(e_transactions);
  if (name == "all_transactions") return d(e_transactions + counter_transactions);
  if (name == "substitution_rate") {
    return Percent(e_transactions, e_transactions + counter_transactions);
  }
  if (name == "cards_issued") return d(cards_issued);
  if (name == "card_balance") return d(card_balance_minor);
  return 0;
}

Result<KpiService::Period> KpiService::ParsePeriod(const KpiQuery& query) const {
  Period period;
  period.to_date = query.to_date.empty() ? LimitDay(clock_.NowMs()) : query.to_date;
  period.from_date =
      query.from_date.empty() ? period.to_date.substr(0, 4) + "-01-01" : query.from_date;
  auto from = ChinaDayStartMs(period.from_date);
  auto to = ChinaDayStartMs(period.to_date);
  if (!from || !to || !ParseDate(period.from_date) || !ParseDate(period.to_date)) {
    return Status::Invalid("invalid_query", "from and to are dates YYYY-MM-DD");
  }
  if (*from > *to || (*to - *from) / kDayMs >= kKpiPeriodDaysMax) {
    return Status::Invalid("invalid_query", "from must not be after to; at most 3660 days");
  }
  if (query.dormant_days < 1 || query.dormant_days > kDormantDaysMax) {
    return Status::Invalid("invalid_query", "dormant_days is from 1 to 3660");
  }
  period.from_ms = *from;
  period.to_ms = *to + kDayMs;
  period.dormant_days = query.dormant_days;
  return period;
}

Result<Unit> KpiService::FindScopedUnit(store::SqlSession& sql, const std::string& code,
                                        const UnitScope& scope) {
  auto rows =
      code.empty()
          ? sql.Query(fmt::format("SELECT {} FROM units WHERE id = ?", kUnitColumns),
                      {scope.unit_id})
          : sql.Query(fmt::format("SELECT {} FROM units WHERE code = ?", kUnitColumns), {code});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return Status::NotFound("unknown_unit", "no such unit");
  Unit unit = UnitFromRow(*rows, 0);
  if (!scope.Contains(unit.path)) return Status::NotFound("unknown_unit", "no such unit");
  return unit;
}

Result<KpiReport> KpiService::Report(const KpiQuery& query, const UnitScope& scope) {
  auto period = ParsePeriod(query);
  if (!period.ok()) return period.status();
  KpiReport report;
  report.from_date = period->from_date;
  report.to_date = period->to_date;
  report.dormant_days = period->dormant_days;
  Status status = db_.Read([&](store::SqlSession& sql) -> Status {
    auto unit = FindScopedUnit(sql, query.unit_code, scope);
    if (!unit.ok()) return unit.status();
    std::string pattern = unit->path + "%";
    auto units =
        sql.Query(fmt::format("SELECT {} FROM units WHERE path LIKE ? ORDER BY path", kUnitColumns),
                  {pattern});
    if (!units.ok()) return units.status();
    std::map<int64_t, KpiCounts> own;
    EBANK_RETURN_IF_ERROR(
        CountUnits(sql, pattern, period->from_ms, period->to_ms, period->dormant_days, own));
    report.unit.unit = *unit;
    for (size_t r = 0; r < units->size(); ++r) {
      Unit each = UnitFromRow(*units, r);
      if (each.parent_id == unit->id) report.children.push_back(KpiRow{each, {}, {}, {}, {}});
    }
    for (size_t r = 0; r < units->size(); ++r) {
      Unit each = UnitFromRow(*units, r);
      auto found = own.find(each.id);
      if (found == own.end()) continue;
      report.unit.counts.Add(found->second);
      for (KpiRow& child : report.children) {
        if (each.path.starts_with(child.unit.path)) child.counts.Add(found->second);
      }
    }
    auto targets = sql.Query(
        "SELECT t.unit_id, t.metric, t.target FROM kpi_targets t JOIN units u ON u.id = "
        "t.unit_id WHERE u.path LIKE ? AND t.year = ?",
        {pattern, report.from_date.substr(0, 4)});
    if (!targets.ok()) return targets.status();
    for (size_t r = 0; r < targets->size(); ++r) {
      int64_t id = targets->Int(r, 0);
      if (id == unit->id) report.unit.targets[targets->Text(r, 1)] = targets->Text(r, 2);
      for (KpiRow& child : report.children) {
        if (child.unit.id == id) child.targets[targets->Text(r, 1)] = targets->Text(r, 2);
      }
    }
    return Status::Ok();
  });
  if (!status.ok()) return status;
  Complete(report.unit);
  for (KpiRow& child : report.children)
    Complete(child);
  Rank(report.children);
  return report;
}

Result<std::vector<DormantCustomer>> KpiService::Dormant(const KpiQuery& query,
                                                         const UnitScope& scope) {
  auto period = ParsePeriod(query);
  if (!period.ok()) return period.status();
  std::vector<DormantCustomer> customers;
  Status status = db_.Read([&](store::SqlSession& sql) -> Status {
    auto unit = FindScopedUnit(sql, query.unit_code, scope);
    if (!unit.ok()) return unit.status();
    int64_t to_ms = period->to_ms;
    int64_t quiet_from_ms = to_ms - period->dormant_days * kDayMs;
    auto rows = sql.Query(
        fmt::format(
            "SELECT c.number, c.name, c.mobile, u.code, (SELECT MAX(p.created_at_ms) FROM "
            "payments p WHERE p.customer_id = s.customer_id AND p.status = 'completed' AND "
            "p.created_at_ms < ?), (SELECT MAX(x.created_at_ms) FROM sessions x WHERE "
            "x.subject_kind = 'customer' AND x.subject_id = s.customer_id AND x.created_at_ms < "
            "?) FROM signings s JOIN customers c ON c.id = s.customer_id JOIN units u ON u.id = "
            "c.unit_id WHERE u.path LIKE ? AND s.created_at_ms < ? AND NOT {} ORDER BY c.number "
            "LIMIT {}",
            kActiveCondition, kDormantListedMax),
        {to_ms, to_ms, unit->path + "%", quiet_from_ms, quiet_from_ms, to_ms, quiet_from_ms,
         to_ms});
    if (!rows.ok()) return rows.status();
    for (size_t r = 0; r < rows->size(); ++r) {
      DormantCustomer customer{rows->Text(r, 0), rows->Text(r, 1), rows->Text(r, 2),
                               rows->Text(r, 3), std::nullopt};
      for (size_t column : {size_t{4}, size_t{5}}) {
        auto at = rows->OptionalInt(r, column);
        if (at && (!customer.last_activity_ms || *at > *customer.last_activity_ms)) {
          customer.last_activity_ms = at;
        }
      }
      customers.push_back(std::move(customer));
    }
    return Status::Ok();
  });
  if (!status.ok()) return status;
  std::stable_sort(customers.begin(), customers.end(),
                   [](const DormantCustomer& a, const DormantCustomer& b) {
                     return a.last_activity_ms.value_or(0) > b.last_activity_ms.value_or(0);
                   });
  return customers;
}

Status KpiService::SetTarget(const std::string& unit_code, const std::string& year,
                             const std::string& metric_name, const std::string& target,
                             const UnitScope& scope) {
  const KpiMetric* metric = FindKpiMetric(metric_name);
  if (!metric) return Status::NotFound("unknown_metric", "no such KPI");
  bool year_ok = year.size() == 4 && year >= "2000" && year <= "2099" &&
                 std::all_of(year.begin(), year.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!year_ok) return Status::Invalid("invalid_year", "year is 2000 to 2099");
  if (target.size() > kKpiTargetBytesMax || !TargetValue(*metric, target)) {
    return Status::Invalid("invalid_target",
                           metric->kind == KpiKind::kMoney   ? "a target is a positive amount"
                           : metric->kind == KpiKind::kCount ? "a target is a positive whole number"
                                                             : "a target is a positive percentage");
  }
  return db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto unit = FindScopedUnit(sql, unit_code, scope);
    if (!unit.ok()) return unit.status();
    EBANK_RETURN_IF_ERROR(
        sql.Exec("DELETE FROM kpi_targets WHERE unit_id = ? AND year = ? AND metric = ?",
                 {unit->id, year, metric_name}));
    return sql.Exec(
        "INSERT INTO kpi_targets (unit_id, year, metric, target, updated_at_ms) VALUES (?, ?, ?, "
        "?, ?)",
        {unit->id, year, metric_name, target, clock_.NowMs()});
  });
}

}  // namespace ebank::services
