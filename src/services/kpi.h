// Key performance indicators of e-banking (BO-3), computed from the ledger and the bank's
// own records, never typed in: per unit (its whole subtree) and period, with targets per
// unit and year, completion and rank among the units compared (在N个考核单位中排第X位).
//
// Every count is of a unit's own customers or staff, so a unit's figure is the sum of its
// own and its descendants': one query per source groups by unit, and the tree is summed
// in memory. Definitions (README "KPIs" says the same):
// - ebanking_revenue: fees charged in the period whose schedule counts as e-banking.
// - signups_<channel>: e-banking sign-ups in the period that include the channel.
// - active_customers: signed-up customers who logged in or made a payment in the period;
//   new_active: those of them who signed up in the period; activity_rate: active ÷ signed
//   up by the period's end, in percent.
// - dormant_customers (睡眠户): signed up before the last `dormant_days` of the period and
//   no login and no payment in those days (a customer who signed up yesterday is new, not
//   asleep).
// - e_transactions: completed payments (every payment is made on an e-channel: web,
//   mobile, scheduled, API) and the self-service transactions of the unit's ATMs, CRSs and
//   POS terminals (approved, not reversed, inquiries left out); counter_transactions:
//   counter cash carried out; all = e + counter; substitution_rate (替代率) = e ÷ all, in
//   percent.
// - cards_issued: debit and credit cards opened in the period; card_balance: what debit
//   card accounts hold now (CNY).
// Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "services/organisation.h"
#include "store/sql.h"

namespace ebank::services {

inline constexpr int kDormantDaysDefault = 180;
inline constexpr int kDormantDaysMax = 3660;
inline constexpr int kKpiPeriodDaysMax = 3660;
inline constexpr size_t kDormantListedMax = 500;
inline constexpr size_t kKpiTargetBytesMax = 24;

enum class KpiKind { kMoney, kCount, kPercent };

struct KpiMetric {
  std::string_view name;
  std::string_view name_zh;
  std::string_view name_en;
  KpiKind kind;
  bool lower_is_better;
};

inline constexpr std::array<KpiMetric, 15> kKpiMetrics = {{
    {"ebanking_revenue", "电子银行业务收入", "E-banking revenue", KpiKind::kMoney, false},
    {"fee_income", "手续费收入", "Fee income", KpiKind::kMoney, false},
    {"signups_web", "网上银行签约", "Internet banking sign-ups", KpiKind::kCount, false},
    {"signups_mobile", "手机银行签约", "Mobile banking sign-ups", KpiKind::kCount, false},
    {"signups_sms", "短信银行签约", "SMS banking sign-ups", KpiKind::kCount, false},
    {"signed_customers", "签约客户", "Signed-up customers", KpiKind::kCount, false},
    {"active_customers", "活动客户", "Active customers", KpiKind::kCount, false},
    {"new_active", "新增活动客户", "New active customers", KpiKind::kCount, false},
    {"activity_rate", "活动率", "Activity rate", KpiKind::kPercent, false},
    {"dormant_customers", "睡眠户", "Dormant customers", KpiKind::kCount, true},
    {"e_transactions", "电子渠道交易笔数", "E-channel transactions", KpiKind::kCount, false},
    {"all_transactions", "全部交易笔数", "All transactions", KpiKind::kCount, false},
    {"substitution_rate", "电子渠道替代率", "E-channel substitution rate", KpiKind::kPercent,
     false},
    {"cards_issued", "发卡量", "Cards issued", KpiKind::kCount, false},
    {"card_balance", "借记卡余额", "Debit card balances", KpiKind::kMoney, false},
}};

// The metric named `name`; nullptr when there is none.
const KpiMetric* FindKpiMetric(std::string_view name);

// Additive figures of one unit (or a subtree, summed).
struct KpiCounts {
  int64_t ebanking_revenue_minor = 0;
  int64_t fee_income_minor = 0;
  int64_t signups_web = 0;
  int64_t signups_mobile = 0;
  int64_t signups_sms = 0;
  int64_t signed_customers = 0;
  int64_t active_customers = 0;
  int64_t new_active = 0;
  int64_t dormant_customers = 0;
  int64_t e_transactions = 0;
  int64_t counter_transactions = 0;
  int64_t cards_issued = 0;
  int64_t card_balance_minor = 0;

  void Add(const KpiCounts& other);
  // The metric's value: money in minor units, counts, percents (one decimal kept).
  double Value(const KpiMetric& metric) const;
};

struct KpiRow {
  Unit unit;
  KpiCounts counts;
  std::map<std::string, std::string> targets;  // By metric, as configured.
  std::map<std::string, double> completion;    // Percent of the target, by metric.
  std::map<std::string, int> rank;             // 1 = best among the rows compared.
};

struct KpiReport {
  KpiRow unit;                   // The unit asked for (its whole subtree).
  std::vector<KpiRow> children;  // Its direct children, each with its subtree, ranked.
  std::string from_date;         // China Standard Time, inclusive.
  std::string to_date;
  int dormant_days = kDormantDaysDefault;
};

struct KpiQuery {
  std::string unit_code;  // "" for the asker's own unit.
  std::string from_date;  // "" for 1 January of to_date's year.
  std::string to_date;    // "" for today.
  int dormant_days = kDormantDaysDefault;
};

struct DormantCustomer {
  std::string number;
  std::string name;
  std::string mobile;
  std::string unit_code;
  std::optional<int64_t> last_activity_ms;  // The last login or payment; none ever.
};

class KpiService {
 public:
  KpiService(store::SqlDatabase& db, const Clock& clock) : db_(db), clock_(clock) {}

  // The KPIs of the unit `query.unit_code` within `scope` (NotFound "unknown_unit"
  // otherwise) and of its children, with the targets set for from_date's year.
  // Invalid "invalid_query" for bad dates, a period past kKpiPeriodDaysMax or
  // dormant_days outside 1 to kDormantDaysMax.
  Result<KpiReport> Report(const KpiQuery& query, const UnitScope& scope);
  // The dormant customers of the unit's subtree (most recently active first), at most
  // kDormantListedMax: whom a customer manager calls to reactivate.
  Result<std::vector<DormantCustomer>> Dormant(const KpiQuery& query, const UnitScope& scope);
  // Sets the target of `metric` for the unit `unit_code` within `scope` and `year`
  // ("2026"); `target` in the metric's unit ("1000.00" yuan, "120", "35.5" percent).
  Status SetTarget(const std::string& unit_code, const std::string& year, const std::string& metric,
                   const std::string& target, const UnitScope& scope);

 private:
  struct Period {
    std::string from_date;
    std::string to_date;
    int64_t from_ms = 0;
    int64_t to_ms = 0;  // Exclusive: the start of the day after to_date.
    int dormant_days = 0;
  };
  Result<Period> ParsePeriod(const KpiQuery& query) const;
  Result<Unit> FindScopedUnit(store::SqlSession& sql, const std::string& code,
                              const UnitScope& scope);

  store::SqlDatabase& db_;
  const Clock& clock_;
};

}  // namespace ebank::services
