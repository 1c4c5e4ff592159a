#include "services/fees.h"

#include <fmt/format.h>

#include <array>
#include <limits>
#include <set>

#include "services/customers.h"
#include "services/organisation.h"
#include "services/payments.h"

namespace ebank::services {
namespace {

constexpr std::array<std::string_view, 8> kFeeChannels = {"web",     "mobile", "phone", "sms",
                                                          "counter", "atm",    "pos",   "api"};
constexpr const char* kScheduleColumns =
    "code, name_zh, name_en, amount_minor, currency, ebanking, updated_at_ms";

Result<FeeSchedule> ScheduleFromRow(const store::SqlRows& rows, size_t r) {
  FeeSchedule schedule;
  schedule.code = rows.Text(r, 0);
  schedule.name_zh = rows.Text(r, 1);
  schedule.name_en = rows.Text(r, 2);
  schedule.amount_minor = rows.Int(r, 3);
  auto currency = Currency::Parse(rows.Text(r, 4));
  if (!currency.ok()) return currency.status();
  schedule.currency = *currency;
  schedule.ebanking = rows.Int(r, 5) != 0;
  schedule.updated_at_ms = rows.Int(r, 6);
  return schedule;
}

Status LoadDiscounts(store::SqlSession& sql, std::vector<FeeSchedule>& schedules) {
  auto rows = sql.Query("SELECT fee_code, channel, percent_off FROM fee_discounts");
  if (!rows.ok()) return rows.status();
  for (size_t r = 0; r < rows->size(); ++r) {
    for (FeeSchedule& schedule : schedules) {
      if (schedule.code == rows->Text(r, 0)) {
        schedule.discounts[rows->Text(r, 1)] = static_cast<int>(rows->Int(r, 2));
      }
    }
  }
  return Status::Ok();
}

}  // namespace

bool IsFeeChannel(std::string_view channel) {
  for (std::string_view known : kFeeChannels) {
    if (known == channel) return true;
  }
  return false;
}

int64_t FeeFor(const FeeSchedule& schedule, std::string_view channel) {
  auto discount = schedule.discounts.find(std::string(channel));
  int percent_off = discount == schedule.discounts.end() ? 0 : discount->second;
  // amount ≤ kFeeAmountMaxMinor, so the product cannot overflow.
  return schedule.amount_minor * (100 - percent_off) / 100;
}

std::string FeeIncomeAccountCode(std::string_view unit_code, Currency currency) {
  return fmt::format("gl:fee:{}:{}", unit_code, currency.code());
}

Status RecordFeeCharge(store::SqlSession& sql, const FeeCharge& charge) {
  store::SqlParams params{charge.fee_code,
                          charge.customer_id,
                          charge.account_number,
                          charge.unit_id,
                          charge.channel,
                          std::monostate{},
                          charge.amount_minor,
                          std::string(charge.currency.code()),
                          int64_t{charge.ebanking ? 1 : 0},
                          charge.period,
                          charge.ledger_seq,
                          charge.at_ms};
  if (charge.staff_id) params[5] = *charge.staff_id;
  return sql.Exec(
      "INSERT INTO fee_charges (fee_code, customer_id, account_number, unit_id, channel, "
      "staff_id, amount_minor, currency, ebanking, period, ledger_seq, at_ms) VALUES (?, ?, ?, ?, "
      "?, ?, ?, ?, ?, ?, ?, ?)",
      params);
}

Result<std::optional<FeeSchedule>> FindFeeSchedule(store::SqlSession& sql, std::string_view code) {
  auto rows =
      sql.Query(fmt::format("SELECT {} FROM fee_schedules WHERE code = ?", kScheduleColumns),
                {std::string(code)});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<FeeSchedule>();
  auto schedule = ScheduleFromRow(*rows, 0);
  if (!schedule.ok()) return schedule.status();
  std::vector<FeeSchedule> one{std::move(*schedule)};
  EBANK_RETURN_IF_ERROR(LoadDiscounts(sql, one));
  return std::optional<FeeSchedule>(std::move(one.front()));
}

Status FeeChargeEffect::After(ledger::WriteTransaction& transaction, const ledger::Outcome& outcome,
                              const std::function<int64_t(ledger::AccountId)>&) {
  if (!outcome.status.ok() || outcome.replayed) return Status::Ok();
  charge_.ledger_seq = outcome.seq;
  return RecordFeeCharge(store::SqlOf(transaction), charge_);
}

Result<std::vector<FeeSchedule>> FeeService::List() {
  std::vector<FeeSchedule> schedules;
  Status status = db_.Read([&](store::SqlSession& sql) -> Status {
    auto rows =
        sql.Query(fmt::format("SELECT {} FROM fee_schedules ORDER BY code", kScheduleColumns));
    if (!rows.ok()) return rows.status();
    for (size_t r = 0; r < rows->size(); ++r) {
      auto schedule = ScheduleFromRow(*rows, r);
      if (!schedule.ok()) return schedule.status();
      schedules.push_back(std::move(*schedule));
    }
    return LoadDiscounts(sql, schedules);
  });
  if (!status.ok()) return status;
  return schedules;
}

Result<FeeSchedule> FeeService::Get(std::string_view code) {
  std::optional<FeeSchedule> schedule;
  Status status = db_.Read([&](store::SqlSession& sql) -> Status {
    auto found = FindFeeSchedule(sql, code);
    if (!found.ok()) return found.status();
    schedule = std::move(*found);
    return Status::Ok();
  });
  if (!status.ok()) return status;
  if (!schedule) return Status::NotFound("unknown_fee", "no such fee");
  return *schedule;
}

Result<FeeSchedule> FeeService::Update(std::string_view code, std::optional<int64_t> amount_minor,
                                       std::optional<std::map<std::string, int>> discounts) {
  if (amount_minor && (*amount_minor < 0 || *amount_minor > kFeeAmountMaxMinor)) {
    return Status::Invalid("invalid_amount", "a fee is from 0 to 10000.00");
  }
  if (discounts) {
    for (const auto& [channel, percent] : *discounts) {
      if (!IsFeeChannel(channel) || percent < 0 || percent > 100) {
        return Status::Invalid("invalid_discount",
                               "a discount names a channel (web, mobile, phone, sms, counter, "
                               "atm, pos, api) and a percentage from 0 to 100");
      }
    }
  }
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto found = FindFeeSchedule(sql, code);
    if (!found.ok()) return found.status();
    if (!*found) return Status::NotFound("unknown_fee", "no such fee");
    int64_t amount = amount_minor.value_or((*found)->amount_minor);
    EBANK_RETURN_IF_ERROR(
        sql.Exec("UPDATE fee_schedules SET amount_minor = ?, updated_at_ms = ? WHERE code = ?",
                 {amount, clock_.NowMs(), std::string(code)}));
    if (!discounts) return Status::Ok();
    EBANK_RETURN_IF_ERROR(
        sql.Exec("DELETE FROM fee_discounts WHERE fee_code = ?", {std::string(code)}));
    for (const auto& [channel, percent] : *discounts) {
      if (percent == 0) continue;
      EBANK_RETURN_IF_ERROR(
          sql.Exec("INSERT INTO fee_discounts (fee_code, channel, percent_off) VALUES (?, ?, ?)",
                   {std::string(code), channel, int64_t{percent}}));
    }
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return Get(code);
}

Result<ledger::AccountId> FeeService::IncomeAccount(int64_t unit_id) {
  std::optional<Unit> unit;
  std::optional<int64_t> account;
  Status read = db_.Read([&](store::SqlSession& sql) -> Status {
    auto found = FindUnit(sql, unit_id);
    if (!found.ok()) return found.status();
    unit = *found;
    auto rows = sql.Query("SELECT fee_account_id FROM units WHERE id = ?", {unit_id});
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) account = rows->OptionalInt(0, 0);
    return Status::Ok();
  });
  if (!read.ok()) return read;
  if (!unit) return Status::NotFound("unknown_unit", "no such unit");
  if (account) return *account;
  std::string code = FeeIncomeAccountCode(unit->code, Currency::Cny());
  ledger::Outcome opened = ledger_.Execute(ledger::Request{
      "open:" + code,
      ledger::OpenAccount{code, Currency::Cny(), ledger::Side::kCredit, std::nullopt}});
  if (!opened.status.ok()) return opened.status;
  Status saved = db_.Transaction([&](store::SqlSession& sql) {
    return sql.Exec("UPDATE units SET fee_account_id = ? WHERE id = ?", {opened.id, unit_id});
  });
  if (!saved.ok()) return saved;
  return opened.id;
}

namespace {

bool IsDigitsAt(std::string_view text, size_t from, size_t to) {
  for (size_t i = from; i < to; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
}

}  // namespace

Result<FeeRun> FeeService::ChargeSmsAlerts(const std::string& month,
                                           std::optional<int64_t> signed_before_ms) {
  bool month_ok =
      month.size() == 7 && month[4] == '-' && IsDigitsAt(month, 0, 4) && IsDigitsAt(month, 5, 7);
  if (!month_ok || month.substr(5) < "01" || month.substr(5) > "12") {
    return Status::Invalid("invalid_month", "month is YYYY-MM");
  }
  std::vector<Payer> payers;
  Status read = db_.Read([&](store::SqlSession& sql) -> Status {
    // Each SMS customer's active CNY demand accounts, oldest first: the first pays.
    auto rows = sql.Query(
        "SELECT s.customer_id, c.unit_id, b.number, b.ledger_account_id FROM signings s JOIN "
        "customers c ON c.id = s.customer_id JOIN bank_accounts b ON b.customer_id = "
        "s.customer_id JOIN products p ON p.code = b.product_code WHERE (',' || s.channels || "
        "',') LIKE '%,sms,%' AND s.created_at_ms < ? AND b.status = 'active' AND p.currency = "
        "'CNY' AND p.kind IN ('debit_card', 'passbook') ORDER BY s.customer_id, b.opened_at_ms, "
        "b.number",
        {signed_before_ms.value_or(std::numeric_limits<int64_t>::max())});
    if (!rows.ok()) return rows.status();
    for (size_t r = 0; r < rows->size(); ++r) {
      if (!payers.empty() && payers.back().customer_id == rows->Int(r, 0)) continue;
      payers.push_back(
          {rows->Int(r, 0), rows->Int(r, 1), rows->Text(r, 2), rows->Int(r, 3), month});
    }
    return Status::Ok();
  });
  if (!read.ok()) return read;
  return ChargePeriodic(kSmsAlertMonthlyFee, "sms", month, payers);
}

Result<FeeRun> FeeService::ChargeCardAnnualFees(const std::string& year) {
  if (year.size() != 4 || !IsDigitsAt(year, 0, 4)) {
    return Status::Invalid("invalid_year", "year is YYYY");
  }
  // Cards issued before the year began (China Standard Time): the year of issue is free.
  std::optional<int64_t> year_start_ms = ChinaDayStartMs(year + "-01-01");
  if (!year_start_ms) return Status::Invalid("invalid_year", "year is YYYY");
  std::vector<Payer> payers;
  Status read = db_.Read([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query(
        "SELECT k.customer_id, c.unit_id, b.number, b.ledger_account_id, k.id FROM cards k "
        "JOIN customers c ON c.id = k.customer_id JOIN bank_accounts b ON b.number = "
        "k.account_number WHERE k.status = 'active' AND k.issued_at_ms < ? ORDER BY k.id",
        {*year_start_ms});
    if (!rows.ok()) return rows.status();
    for (size_t r = 0; r < rows->size(); ++r) {
      payers.push_back({rows->Int(r, 0), rows->Int(r, 1), rows->Text(r, 2), rows->Int(r, 3),
                        CardAnnualPeriod(year, rows->Int(r, 4))});
    }
    return Status::Ok();
  });
  if (!read.ok()) return read;
  return ChargePeriodic(kCardAnnualFee, "counter", year, payers);
}

Result<FeeRun> FeeService::ChargePeriodic(std::string_view fee_code, std::string_view channel,
                                          const std::string& period,
                                          const std::vector<Payer>& payers) {
  auto schedule = Get(fee_code);
  if (!schedule.ok()) return schedule.status();
  int64_t amount = FeeFor(*schedule, channel);
  FeeRun run;
  run.period = period;
  if (amount <= 0) return run;
  std::set<std::pair<std::string, std::string>> charged;  // (account, period)
  Status read = db_.Read([&](store::SqlSession& sql) -> Status {
    auto done = sql.Query(
        "SELECT account_number, period FROM fee_charges WHERE fee_code = ? AND (period = ? OR "
        "period LIKE ?)",
        {std::string(fee_code), period, period + ":%"});
    if (!done.ok()) return done.status();
    for (size_t r = 0; r < done->size(); ++r)
      charged.emplace(done->Text(r, 0), done->Text(r, 1));
    return Status::Ok();
  });
  if (!read.ok()) return read;

  std::string today = LimitDay(clock_.NowMs());
  std::map<int64_t, ledger::AccountId> income;
  std::vector<ledger::Request> requests;
  std::vector<std::shared_ptr<FeeChargeEffect>> effects;
  auto flush = [&]() -> Status {
    if (requests.empty()) return Status::Ok();
    std::vector<ledger::Outcome> outcomes = ledger_.Execute(std::move(requests));
    for (size_t i = 0; i < outcomes.size(); ++i) {
      const ledger::Outcome& outcome = outcomes[i];
      if (outcome.status.code() == Code::kInternal || outcome.status.code() == Code::kUnavailable) {
        return outcome.status;
      }
      if (!outcome.status.ok()) {
        ++run.refused;
      } else if (outcome.replayed) {
        ++run.already_charged;
      } else {
        ++run.charged;
        run.total_minor += effects[i]->charge().amount_minor;
      }
    }
    requests.clear();
    effects.clear();
    return Status::Ok();
  };
  for (const Payer& payer : payers) {
    if (charged.contains({payer.number, payer.period})) {
      ++run.already_charged;
      continue;
    }
    if (!income.contains(payer.unit_id)) {
      auto account = IncomeAccount(payer.unit_id);
      if (!account.ok()) return account.status();
      income[payer.unit_id] = *account;
    }
    FeeCharge charge{std::string(fee_code),
                     payer.customer_id,
                     payer.number,
                     payer.unit_id,
                     std::string(channel),
                     std::nullopt,
                     amount,
                     schedule->currency,
                     schedule->ebanking,
                     payer.period,
                     0,
                     clock_.NowMs()};
    auto effect = std::make_shared<FeeChargeEffect>(std::move(charge));
    // The ledger keeps a refusal under its key: the day in the key lets tomorrow's run try an
    // account that could not pay today. A charge made is never made again: it is skipped
    // above, and fee_charges holds one row per fee, account and period.
    ledger::Request request{
        fmt::format("fee:{}:{}:{}:{}", fee_code, payer.number, payer.period, today),
        ledger::Transfer{{{payer.ledger_account, -amount, schedule->currency},
                          {income[payer.unit_id], amount, schedule->currency}},
                         fmt::format("{} {}", schedule->name_zh, period)},
        effect};
    requests.push_back(std::move(request));
    effects.push_back(std::move(effect));
    if (requests.size() == kFeeRunBatchMax) EBANK_RETURN_IF_ERROR(flush());
  }
  EBANK_RETURN_IF_ERROR(flush());
  return run;
}

Result<std::vector<FeeRun>> FeeService::RunDue(int64_t now_ms) {
  std::string today = LimitDay(now_ms);  // YYYY-MM-DD, China Standard Time.
  {
    std::lock_guard lock(run_mutex_);
    if (today == last_run_day_) return std::vector<FeeRun>();
  }
  // A month's SMS fee is paid by who was signed up when it began: the first month is free.
  std::string month = today.substr(0, 7);
  auto sms = ChargeSmsAlerts(month, ChinaDayStartMs(month + "-01"));
  if (!sms.ok()) return sms.status();
  auto cards = ChargeCardAnnualFees(today.substr(0, 4));
  if (!cards.ok()) return cards.status();
  std::lock_guard lock(run_mutex_);
  last_run_day_ = today;
  return std::vector<FeeRun>{*sms, *cards};
}

std::string CardAnnualPeriod(std::string_view year, int64_t card_id) {
  return fmt::format("{}:card:{}", year, card_id);
}

}  // namespace ebank::services
