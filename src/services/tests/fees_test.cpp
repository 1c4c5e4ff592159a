// End of day's periodic fees (BO-2) on both backends: the monthly SMS alert fee from who was
// signed up for SMS when the month began, the yearly debit card annual fee on cards issued
// before the year; each once per period however often end of day runs, an account that
// cannot pay tried again the next day, and every charge recorded for the revenue KPI.
#include <fmt/format.h>

#include <chrono>

#include "services/cards.h"
#include "services/fees.h"
#include "services/tests/scaffold.h"

namespace ebank::services {
namespace {

constexpr const char* kAliceId = "11010519491231002X";
constexpr const char* kBobId = "440524188001010014";
constexpr const char* kCarolId = "110101198001010010";
constexpr int64_t kHourMs = 3600 * 1000;
constexpr int64_t kSmsFee = 200;      // 2.00 a month (the schedule's default).
constexpr int64_t kAnnualFee = 1000;  // 10.00 a year.

// Unix milliseconds of `date` ("YYYY-MM-DD") at `hour`:00 China Standard Time.
int64_t CstMs(const std::string& date, int hour) {
  return *ChinaDayStartMs(date) + hour * kHourMs;
}

class FeesTest : public ::testing::TestWithParam<std::string> {
 protected:
  FeesTest()
      : bank_(GetParam()),
        keys_(CardKeys::Random()),
        cards_(bank_.db(), bank_.env().ledger(), bank_.secrets(), keys_, bank_.env().clock()),
        fees_(bank_.db(), bank_.env().ledger(), bank_.env().clock()) {}

  void TearDown() override { bank_.env().Verify(); }

  int64_t Balance(const BankAccount& account) {
    return bank_.env().Balance(account.ledger_account);
  }
  // The fee_charges rows of `fee`: "account period amount" each, in order.
  std::vector<std::string> Charges(std::string_view fee) {
    std::vector<std::string> rows;
    Status status = bank_.db().Read([&](store::SqlSession& sql) {
      auto found = sql.Query(
          "SELECT account_number, period, amount_minor FROM fee_charges WHERE fee_code = ? "
          "ORDER BY id",
          {std::string(fee)});
      if (!found.ok()) return found.status();
      for (size_t r = 0; r < found->size(); ++r) {
        rows.push_back(
            fmt::format("{} {} {}", found->Text(r, 0), found->Text(r, 1), found->Int(r, 2)));
      }
      return Status::Ok();
    });
    EXPECT_TRUE(status.ok()) << status.ToString();
    return rows;
  }

  Bank bank_;
  CardKeys keys_;
  CardService cards_;
  FeeService fees_;
};

TEST_P(FeesTest, EndOfDayChargesEachPeriodOnceAndRetriesWhatCouldNotBePaid) {
  ManualClock& clock = bank_.env().clock();
  // 2025: alice (SMS, funded) and carol (SMS, nothing to pay with) sign up; alice gets a card.
  clock.Set(CstMs("2025-06-10", 10));
  int64_t alice = 0, bob = 0, carol = 0;
  BankAccount alice_account =
      bank_.Customer(kAliceId, "13800138000", "alice01", 100000, &alice, {"web", "sms"});
  BankAccount carol_account =
      bank_.Customer(kCarolId, "13700137000", "carol01", 0, &carol, {"sms"});
  auto alice_card = cards_.Issue(alice_account.number, "135790");
  ASSERT_TRUE(alice_card.ok()) << alice_card.status().ToString();
  // 2026-03-01 morning: bob signs up for SMS and gets a card; both are free this period.
  clock.Set(CstMs("2026-03-01", 9));
  BankAccount bob_account =
      bank_.Customer(kBobId, "13900139000", "bob0001", 100000, &bob, {"web", "sms"});
  ASSERT_TRUE(cards_.Issue(bob_account.number, "246801").ok());

  auto runs = fees_.RunDue(clock.NowMs());
  ASSERT_TRUE(runs.ok()) << runs.status().ToString();
  ASSERT_EQ(runs->size(), 2u);
  const FeeRun& sms = runs->at(0);
  EXPECT_EQ(sms.period, "2026-03");
  EXPECT_EQ(sms.charged, 1);  // alice; carol cannot pay; bob signed up after March began.
  EXPECT_EQ(sms.refused, 1);
  EXPECT_EQ(sms.total_minor, kSmsFee);
  const FeeRun& annual = runs->at(1);
  EXPECT_EQ(annual.period, "2026");
  EXPECT_EQ(annual.charged, 1);  // alice's 2025 card; bob's is this year's.
  EXPECT_EQ(annual.total_minor, kAnnualFee);
  EXPECT_EQ(Balance(alice_account), 100000 - kSmsFee - kAnnualFee);
  EXPECT_EQ(Balance(bob_account), 100000);
  EXPECT_EQ(Balance(carol_account), 0);
  std::string card_period = CardAnnualPeriod("2026", alice_card->card.id);
  EXPECT_EQ(Charges(kCardAnnualFee),
            std::vector<std::string>{alice_account.number + " " + card_period + " 1000"});
  EXPECT_EQ(Charges(kSmsAlertMonthlyFee),
            std::vector<std::string>{alice_account.number + " 2026-03 200"});

  // Later the same day: nothing runs again.
  clock.Set(CstMs("2026-03-01", 23));
  auto again = fees_.RunDue(clock.NowMs());
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());

  // The next day carol has money: she pays March; nobody pays twice.
  ASSERT_TRUE(
      bank_.env().Pay(bank_.env().OpenFunding(), carol_account.ledger_account, 500).status.ok());
  clock.Set(CstMs("2026-03-02", 0) + 1000);
  auto next = fees_.RunDue(clock.NowMs());
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  ASSERT_EQ(next->size(), 2u);
  EXPECT_EQ(next->at(0).charged, 1);
  EXPECT_EQ(next->at(0).already_charged, 1);
  EXPECT_EQ(next->at(1).charged, 0);
  EXPECT_EQ(next->at(1).already_charged, 1);
  EXPECT_EQ(Balance(carol_account), 500 - kSmsFee);
  EXPECT_EQ(Balance(alice_account), 100000 - kSmsFee - kAnnualFee);

  // April: bob, signed up in March, pays now; a new year would charge bob's card then.
  clock.Set(CstMs("2026-04-01", 1));
  auto april = fees_.RunDue(clock.NowMs());
  ASSERT_TRUE(april.ok());
  EXPECT_EQ(april->at(0).charged, 3);
  EXPECT_EQ(Balance(bob_account), 100000 - kSmsFee);
  auto year = fees_.ChargeCardAnnualFees("2027");
  ASSERT_TRUE(year.ok());
  EXPECT_EQ(year->charged, 2);
  EXPECT_EQ(Balance(bob_account), 100000 - kSmsFee - kAnnualFee);
}

TEST_P(FeesTest, BadPeriodsAreRefusedAndChargeNothing) {
  for (const char* month : {"2026-13", "2026-00", "2026/03", "26-03", "2026-3", "２０２６-03"}) {
    auto run = fees_.ChargeSmsAlerts(month);
    ASSERT_FALSE(run.ok()) << month;
    EXPECT_EQ(run.status().reason(), "invalid_month") << month;
  }
  for (const char* year : {"20x6", "226", "20261", "", "-202"}) {
    auto run = fees_.ChargeCardAnnualFees(year);
    ASSERT_FALSE(run.ok()) << year;
    EXPECT_EQ(run.status().reason(), "invalid_year") << year;
  }
  EXPECT_TRUE(Charges(kCardAnnualFee).empty());
  EXPECT_TRUE(Charges(kSmsAlertMonthlyFee).empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, FeesTest, ::testing::Values("sqlite", "postgresql"),
                         ledger::BackendName);

}  // namespace
}  // namespace ebank::services
