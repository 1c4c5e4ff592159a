#include "services/workbench.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "services/customers.h"
#include "services/scheduled.h"

namespace ebank::services {
namespace {

namespace json = boost::json;
constexpr int64_t kDayMs = 24LL * 3600 * 1000;

struct Period {
  int64_t from_ms = 0;
  int64_t to_ms = 0;  // Exclusive.
};

Result<Period> ParsePeriod(const std::string& from_date, const std::string& to_date) {
  auto from = ChinaDayStartMs(from_date);
  auto to = ChinaDayStartMs(to_date);
  if (!from || !to || !ParseDate(from_date) || !ParseDate(to_date) || *from > *to) {
    return Status::Invalid("invalid_query", "from and to are dates YYYY-MM-DD, from first");
  }
  return Period{*from, *to + kDayMs};
}

// The units of `pattern`'s subtree by id, with their codes and paths.
struct ScopedUnit {
  std::string code;
  std::string path;
};

Result<std::map<int64_t, ScopedUnit>> UnitsWithin(store::SqlSession& sql,
                                                  const std::string& pattern) {
  auto rows = sql.Query("SELECT id, code, path FROM units WHERE path LIKE ?", {pattern});
  if (!rows.ok()) return rows.status();
  std::map<int64_t, ScopedUnit> units;
  for (size_t r = 0; r < rows->size(); ++r)
    units[rows->Int(r, 0)] = {rows->Text(r, 1), rows->Text(r, 2)};
  return units;
}

// The threshold of the unit at `path`: the deepest of the unit and its ancestors that has
// one set in `set_by_path`, else the default.
int64_t ThresholdFor(const std::string& path, const std::map<std::string, int64_t>& set_by_path) {
  int64_t threshold = kLargeMovementDefaultMinor;
  size_t deepest = 0;
  for (const auto& [unit_path, minor] : set_by_path) {
    if (path.starts_with(unit_path) && unit_path.size() > deepest) {
      threshold = minor;
      deepest = unit_path.size();
    }
  }
  return threshold;
}

Result<std::map<std::string, int64_t>> SetThresholds(store::SqlSession& sql) {
  auto rows = sql.Query(
      "SELECT u.path, t.threshold_minor FROM large_movement_thresholds t JOIN units u ON u.id = "
      "t.unit_id");
  if (!rows.ok()) return rows.status();
  std::map<std::string, int64_t> set;
  for (size_t r = 0; r < rows->size(); ++r)
    set[rows->Text(r, 0)] = rows->Int(r, 1);
  return set;
}

bool DateOk(const std::string& date) { return ChinaDayStartMs(date) && ParseDate(date); }

}  // namespace

Result<int64_t> WorkbenchService::Threshold(int64_t unit_id) {
  int64_t threshold = kLargeMovementDefaultMinor;
  Status read = db_.Read([&](store::SqlSession& sql) -> Status {
    auto unit = FindUnit(sql, unit_id);
    if (!unit.ok()) return unit.status();
    if (!*unit) return Status::NotFound("unknown_unit", "no such unit");
    auto set = SetThresholds(sql);
    if (!set.ok()) return set.status();
    threshold = ThresholdFor((*unit)->path, *set);
    return Status::Ok();
  });
  if (!read.ok()) return read;
  return threshold;
}

Status WorkbenchService::SetThreshold(const std::string& unit_code, int64_t threshold_minor,
                                      const UnitScope& scope) {
  if (threshold_minor <= 0) return Status::Invalid("invalid_amount", "a threshold is positive");
  return db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto unit = sql.Query("SELECT id, path FROM units WHERE code = ?", {unit_code});
    if (!unit.ok()) return unit.status();
    if (unit->empty() || !scope.Contains(unit->Text(0, 1))) {
      return Status::NotFound("unknown_unit", "no such unit");
    }
    EBANK_RETURN_IF_ERROR(sql.Exec("DELETE FROM large_movement_thresholds WHERE unit_id = ?",
                                   {unit->Int(0, 0)}));
    return sql.Exec(
        "INSERT INTO large_movement_thresholds (unit_id, threshold_minor, updated_at_ms) VALUES "
        "(?, ?, ?)",
        {unit->Int(0, 0), threshold_minor, clock_.NowMs()});
  });
}

Result<std::vector<LargeMovement>> WorkbenchService::LargeMovements(const UnitScope& scope,
                                                                    const std::string& from_date,
                                                                    const std::string& to_date) {
  auto period = ParsePeriod(from_date, to_date);
  if (!period.ok()) return period.status();
  if ((period->to_ms - period->from_ms) / kDayMs > 366) {
    return Status::Invalid("invalid_query", "at most 366 days at a time");
  }
  std::vector<LargeMovement> movements;
  if (scope.path.empty()) return movements;
  Status read = db_.Read([&](store::SqlSession& sql) -> Status {
    auto units = UnitsWithin(sql, scope.LikePattern());
    if (!units.ok()) return units.status();
    auto set = SetThresholds(sql);
    if (!set.ok()) return set.status();
    std::map<int64_t, int64_t> thresholds;
    int64_t lowest = INT64_MAX;
    for (const auto& [id, unit] : *units) {
      thresholds[id] = ThresholdFor(unit.path, *set);
      lowest = std::min(lowest, thresholds[id]);
    }
    auto payments = sql.Query(
        "SELECT p.created_at_ms, p.channel, p.from_account, p.to_account, p.amount_minor, "
        "c.number, c.name, c.unit_id FROM payments p JOIN customers c ON c.id = p.customer_id "
        "JOIN units u ON u.id = c.unit_id WHERE u.path LIKE ? AND p.status = 'completed' AND "
        "p.currency = 'CNY' AND p.amount_minor >= ? AND p.created_at_ms >= ? AND "
        "p.created_at_ms < ?",
        {scope.LikePattern(), lowest, period->from_ms, period->to_ms});
    if (!payments.ok()) return payments.status();
    for (size_t r = 0; r < payments->size(); ++r) {
      int64_t unit = payments->Int(r, 7);
      int64_t amount = payments->Int(r, 4);
      if (amount < thresholds[unit]) continue;
      movements.push_back({payments->Int(r, 0), "payment", payments->Text(r, 1),
                           payments->Text(r, 2), payments->Text(r, 3), amount, thresholds[unit],
                           payments->Text(r, 5), payments->Text(r, 6), (*units)[unit].code});
    }
    // Counter cash at the units of the scope; the amount and account are in the approval's
    // payload, and the threshold is that of the account holder's unit.
    auto cash = sql.Query(
        "SELECT a.decided_at_ms, a.kind, a.payload FROM approvals a JOIN units u ON u.id = "
        "a.unit_id WHERE u.path LIKE ? AND a.state = 'approved' AND a.kind IN ('cash_deposit', "
        "'cash_withdrawal') AND a.decided_at_ms >= ? AND a.decided_at_ms < ?",
        {scope.LikePattern(), period->from_ms, period->to_ms});
    if (!cash.ok()) return cash.status();
    for (size_t r = 0; r < cash->size(); ++r) {
      boost::system::error_code error;
      json::value payload = json::parse(cash->Text(r, 2), error);
      if (error || !payload.is_object()) continue;
      const json::value* amount = payload.as_object().if_contains("amount_minor");
      const json::value* account = payload.as_object().if_contains("account");
      if (!amount || !amount->is_int64() || !account || !account->is_string()) continue;
      if (amount->as_int64() < lowest) continue;
      auto holder = sql.Query(
          "SELECT c.number, c.name, c.unit_id FROM bank_accounts b JOIN customers c ON c.id = "
          "b.customer_id WHERE b.number = ?",
          {std::string(account->as_string())});
      if (!holder.ok()) return holder.status();
      if (holder->empty() || !units->contains(holder->Int(0, 2))) continue;
      int64_t unit = holder->Int(0, 2);
      if (amount->as_int64() < thresholds[unit]) continue;
      movements.push_back({cash->Int(r, 0), cash->Text(r, 1), "counter",
                           std::string(account->as_string()), "", amount->as_int64(),
                           thresholds[unit], holder->Text(0, 0), holder->Text(0, 1),
                           (*units)[unit].code});
    }
    return Status::Ok();
  });
  if (!read.ok()) return read;
  std::stable_sort(movements.begin(), movements.end(),
                   [](const LargeMovement& a, const LargeMovement& b) { return a.at_ms > b.at_ms; });
  if (movements.size() > kLargeMovementsListedMax) movements.resize(kLargeMovementsListedMax);
  return movements;
}

Result<Campaign> WorkbenchService::CreateCampaign(int64_t staff_id, const std::string& name,
                                                  const std::string& unit_code,
                                                  const std::string& from_date,
                                                  const std::string& to_date,
                                                  const UnitScope& scope) {
  bool printable = std::none_of(name.begin(), name.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
  if (name.empty() || name.size() > kCampaignNameBytesMax || !printable) {
    return Status::Invalid("invalid_campaign", "a campaign's name is 1 to 120 printable bytes");
  }
  if (!DateOk(from_date) || !DateOk(to_date) || from_date > to_date) {
    return Status::Invalid("invalid_campaign", "from and to are dates YYYY-MM-DD, from first");
  }
  Campaign campaign{0, name, unit_code, from_date, to_date};
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto unit = sql.Query("SELECT id, path FROM units WHERE code = ?", {unit_code});
    if (!unit.ok()) return unit.status();
    if (unit->empty() || !scope.Contains(unit->Text(0, 1))) {
      return Status::NotFound("unknown_unit", "no such unit");
    }
    auto rows = sql.Query(
        "INSERT INTO campaigns (name, unit_id, from_date, to_date, created_by, created_at_ms) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        {name, unit->Int(0, 0), from_date, to_date, staff_id, clock_.NowMs()});
    if (!rows.ok()) return rows.status();
    campaign.id = rows->Int(0, 0);
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return campaign;
}

Result<std::vector<Campaign>> WorkbenchService::Campaigns(const UnitScope& scope) {
  std::vector<Campaign> campaigns;
  Status read = db_.Read([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query(
        fmt::format("SELECT m.id, m.name, u.code, m.from_date, m.to_date FROM campaigns m JOIN "
                    "units u ON u.id = m.unit_id WHERE u.path LIKE ? OR ? LIKE u.path || '%' "
                    "ORDER BY m.from_date DESC, m.id DESC LIMIT {}",
                    kCampaignsListedMax),
        {scope.LikePattern(), scope.path.empty() ? std::string("-") : scope.path});
    if (!rows.ok()) return rows.status();
    for (size_t r = 0; r < rows->size(); ++r) {
      campaigns.push_back({rows->Int(r, 0), rows->Text(r, 1), rows->Text(r, 2), rows->Text(r, 3),
                           rows->Text(r, 4)});
    }
    return Status::Ok();
  });
  if (!read.ok()) return read;
  return campaigns;
}

Result<std::vector<LeaderboardRow>> WorkbenchService::Leaderboard(int64_t campaign_id,
                                                                  const UnitScope& scope) {
  std::vector<LeaderboardRow> rows;
  Status read = db_.Read([&](store::SqlSession& sql) -> Status {
    auto campaign = sql.Query(
        "SELECT u.path, m.from_date, m.to_date FROM campaigns m JOIN units u ON u.id = "
        "m.unit_id WHERE m.id = ?",
        {campaign_id});
    if (!campaign.ok()) return campaign.status();
    // Seen by the staff of the campaign's units and of the units above it.
    std::string path = campaign->empty() ? "" : campaign->Text(0, 0);
    if (path.empty() || scope.path.empty() ||
        !(scope.Contains(path) || scope.path.starts_with(path))) {
      return Status::NotFound("unknown_campaign", "no such campaign");
    }
    auto period = ParsePeriod(campaign->Text(0, 1), campaign->Text(0, 2));
    if (!period.ok()) return period.status();
    std::string pattern = campaign->Text(0, 0) + "%";
    auto staff = sql.Query(
        "SELECT s.id, s.login, s.name, u.code, (SELECT COUNT(*) FROM signings g WHERE "
        "g.staff_id = s.id AND g.created_at_ms >= ? AND g.created_at_ms < ?), (SELECT "
        "COALESCE(SUM(f.amount_minor), 0) FROM fee_charges f WHERE f.staff_id = s.id AND f.at_ms "
        ">= ? AND f.at_ms < ?) FROM staff s JOIN units u ON u.id = s.unit_id WHERE u.path LIKE ?",
        {period->from_ms, period->to_ms, period->from_ms, period->to_ms, pattern});
    if (!staff.ok()) return staff.status();
    for (size_t r = 0; r < staff->size(); ++r) {
      LeaderboardRow row{staff->Int(r, 0), staff->Text(r, 1), staff->Text(r, 2),
                         staff->Text(r, 3), staff->Int(r, 4), staff->Int(r, 5), 0};
      if (row.signups > 0 || row.revenue_minor > 0) rows.push_back(std::move(row));
    }
    return Status::Ok();
  });
  if (!read.ok()) return read;
  auto better = [](const LeaderboardRow& a, const LeaderboardRow& b) {
    return a.signups != b.signups ? a.signups > b.signups : a.revenue_minor > b.revenue_minor;
  };
  std::stable_sort(rows.begin(), rows.end(), better);
  for (size_t i = 0; i < rows.size(); ++i) {
    bool tie = i > 0 && rows[i].signups == rows[i - 1].signups &&
               rows[i].revenue_minor == rows[i - 1].revenue_minor;
    rows[i].rank = tie ? rows[i - 1].rank : static_cast<int>(i) + 1;
  }
  if (rows.size() > kLeaderboardMax) rows.resize(kLeaderboardMax);
  return rows;
}

}  // namespace ebank::services
