// Fees (手续费, BO-2): schedules configured by the bank, each with per-channel discounts, and
// the charges themselves. A fee moves money in the ledger from the customer's account to
// the fee income account of the unit the fee is earned by (gl:fee:<unit>:CNY), and in the
// same database transaction a fee_charges row says which fee, unit, channel and staff
// member it was for. E-banking revenue (电子银行业务收入, a KPI) is counted from those rows,
// never typed in. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/money.h"
#include "ledger/ledger.h"
#include "store/sql.h"

namespace ebank::services {

// The fees the bank's services charge by code.
inline constexpr std::string_view kUkeyFee = "ukey";
inline constexpr std::string_view kSmsAlertMonthlyFee = "sms_alert_monthly";
inline constexpr std::string_view kCardAnnualFee = "card_annual";
// The most one fee may be: 10,000 yuan.
inline constexpr int64_t kFeeAmountMaxMinor = 1'000'000;
// Fees of a periodic run are submitted to the ledger this many at a time.
inline constexpr size_t kFeeRunBatchMax = 512;

struct FeeSchedule {
  std::string code;
  std::string name_zh;
  std::string name_en;
  int64_t amount_minor = 0;
  Currency currency = Currency::Cny();
  bool ebanking = false;                 // Counts as e-banking revenue.
  std::map<std::string, int> discounts;  // Percent off by channel, 0 to 100.
  int64_t updated_at_ms = 0;
};

// What `schedule` costs on `channel`: its amount less the channel's discount, rounded down
// to the fen (a discount never costs the customer more).
int64_t FeeFor(const FeeSchedule& schedule, std::string_view channel);

// One fee charged: what fee_charges records beside the ledger's movement.
struct FeeCharge {
  std::string fee_code;
  int64_t customer_id = 0;
  std::string account_number;
  int64_t unit_id = 0;
  std::string channel;
  std::optional<int64_t> staff_id;
  int64_t amount_minor = 0;
  Currency currency = Currency::Cny();
  bool ebanking = false;
  // "" for a one-off fee, "YYYY-MM" for a monthly one, "YYYY:card:<id>" for a card's
  // annual fee (CardAnnualPeriod).
  std::string period;
  ledger::Seq ledger_seq = 0;
  int64_t at_ms = 0;
};

// The period of card `card_id`'s annual fee for `year`: "YYYY:card:<id>".
std::string CardAnnualPeriod(std::string_view year, int64_t card_id);

// Writes `charge` in `sql`'s transaction (the one that moved its money).
Status RecordFeeCharge(store::SqlSession& sql, const FeeCharge& charge);
// The schedule `code` read in `sql`'s transaction; nullopt when there is none.
Result<std::optional<FeeSchedule>> FindFeeSchedule(store::SqlSession& sql, std::string_view code);
// The ledger code of a unit's fee income account: "gl:fee:<unit code>:CNY".
std::string FeeIncomeAccountCode(std::string_view unit_code, Currency currency);

// A ledger effect that records a fee charge once its transfer is applied: nothing is
// recorded when the ledger refused it (insufficient funds) or replayed an earlier answer.
class FeeChargeEffect final : public ledger::Effect {
 public:
  explicit FeeChargeEffect(FeeCharge charge) : charge_(std::move(charge)) {}
  Status Before(ledger::WriteTransaction&) override { return Status::Ok(); }
  Status After(ledger::WriteTransaction& transaction, const ledger::Outcome& outcome,
               const std::function<int64_t(ledger::AccountId)>&) override;
  const FeeCharge& charge() const { return charge_; }

 private:
  FeeCharge charge_;
};

// The outcome of a periodic fee run.
struct FeeRun {
  std::string period;
  int64_t charged = 0;          // Charges made by this run.
  int64_t already_charged = 0;  // Charged for this period before.
  int64_t refused = 0;          // The account could not pay (insufficient funds, frozen).
  int64_t total_minor = 0;      // What this run charged.
};

class FeeService {
 public:
  FeeService(store::SqlDatabase& db, ledger::Ledger& ledger, const Clock& clock)
      : db_(db), ledger_(ledger), clock_(clock) {}

  Result<std::vector<FeeSchedule>> List();
  // NotFound "unknown_fee".
  Result<FeeSchedule> Get(std::string_view code);
  // Changes the amount and, when given, replaces the discounts (channels from
  // kFeeChannels, percentages 0 to 100). Invalid "invalid_amount", "invalid_discount".
  Result<FeeSchedule> Update(std::string_view code, std::optional<int64_t> amount_minor,
                             std::optional<std::map<std::string, int>> discounts);
  // The fee income account of the unit `unit_id`, opened in the ledger on first use (the
  // ledger request's key is the account's code, so two openers get the same account).
  Result<ledger::AccountId> IncomeAccount(int64_t unit_id);
  // Charges the monthly SMS alert fee for `month` ("YYYY-MM") to every customer signed up
  // for SMS (before `signed_before_ms` when given), from their oldest active CNY demand
  // account, to their unit, on channel "sms". Once per account and month, however often it
  // runs: the ledger request key and the fee_charges row are both unique per period.
  Result<FeeRun> ChargeSmsAlerts(const std::string& month,
                                 std::optional<int64_t> signed_before_ms = std::nullopt);
  // Charges the debit card annual fee for `year` ("YYYY") on every active card issued
  // before that year (the year of issue is free), from the card's account, to the
  // customer's unit, on channel "counter". Once per card and year, however often it runs.
  Result<FeeRun> ChargeCardAnnualFees(const std::string& year);
  // End of day (日终): the first call on each day (China Standard Time) charges the SMS
  // alert fee of the day's month and the card annual fee of its year; later calls that day
  // answer nothing. What an account could not pay is tried again the next day.
  Result<std::vector<FeeRun>> RunDue(int64_t now_ms);

 private:
  struct Payer {
    int64_t customer_id;
    int64_t unit_id;
    std::string number;
    ledger::AccountId ledger_account;
    std::string period;  // The charge's period (FeeCharge::period).
  };
  // Charges fee `fee_code` on `channel` to each of `payers` not yet charged for its period
  // (`period` or `period`:...), in batches of kFeeRunBatchMax.
  Result<FeeRun> ChargePeriodic(std::string_view fee_code, std::string_view channel,
                                const std::string& period, const std::vector<Payer>& payers);

  store::SqlDatabase& db_;
  ledger::Ledger& ledger_;
  const Clock& clock_;
  std::mutex run_mutex_;
  std::string last_run_day_;
};

// The channels a discount may name.
bool IsFeeChannel(std::string_view channel);

}  // namespace ebank::services
