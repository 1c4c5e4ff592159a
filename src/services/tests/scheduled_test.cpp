// Scheduled transfers and standing orders (PAY-3) on both backends: runs on their days and
// never twice, across a year boundary, refusals recorded with an SMS, cancellation, another
// customer's schedules, authentication at setup and the setup tool's limits at each run.
#include "services/scheduled.h"

#include <chrono>
#include <thread>

#include "services/tests/scaffold.h"

namespace ebank::services {
namespace {

constexpr const char* kAliceId = "11010519491231002X";
constexpr const char* kBobId = "440524188001010014";
constexpr const char* kAliceMobile = "13800138000";
constexpr const char* kBobMobile = "13900139000";
constexpr int64_t kHourMs = 3600 * 1000;

// Unix milliseconds of `date` ("YYYY-MM-DD") at `hour`:`minute` China Standard Time.
int64_t CstMs(const std::string& date, int hour = 0, int minute = 0) {
  auto day = ParseDate(date);
  EXPECT_TRUE(day.has_value()) << date;
  int64_t midnight_utc_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::sys_days{*day}.time_since_epoch())
                                .count();
  return midnight_utc_ms - 8 * kHourMs + (hour * 60 + minute) * 60 * 1000;
}

class ScheduledTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    alice_account_ = bank_.Customer(kAliceId, kAliceMobile, "alice01", 10000000, &alice_);
    bob_account_ = bank_.Customer(kBobId, kBobMobile, "bob0001", 0, &bob_);
  }
  void TearDown() override { bank_.env().Verify(); }

  ScheduleRequest Request(const std::string& key, int64_t amount, const std::string& first,
                          Frequency frequency = Frequency::kOnce) {
    ScheduleRequest request;
    request.customer_id = alice_;
    request.idempotency_key = key;
    request.from_account = alice_account_.number;
    request.to_account = bob_account_.number;
    request.amount_minor = amount;
    request.first_date = first;
    request.frequency = frequency;
    return request;
  }

  // Sets up and, above 100.00, authenticates with an SMS code.
  ScheduledTransfer Confirmed(const ScheduleRequest& request) {
    auto created = scheduled_.Create(request);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    if (!created.ok()) return {};
    if (created->status != "sca_required") return *created;
    auto challenge = scheduled_.Challenge(request.customer_id, created->id, Tool::kSms);
    EXPECT_TRUE(challenge.ok()) << challenge.status().ToString();
    std::string mobile = request.customer_id == alice_ ? kAliceMobile : kBobMobile;
    auto confirmed =
        scheduled_.Confirm(request.customer_id, created->id, challenge->id, bank_.LastCode(mobile));
    EXPECT_TRUE(confirmed.ok()) << confirmed.status().ToString();
    EXPECT_EQ(confirmed->status, "active");
    return *confirmed;
  }

  SchedulerReport RunAt(int64_t now_ms) {
    bank_.env().clock().Set(now_ms);
    auto report = scheduled_.RunDue(now_ms);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : SchedulerReport{};
  }

  int64_t Bob() { return bank_.env().Balance(bob_account_.ledger_account); }

  int64_t PaymentsWithKeyPrefix(const std::string& prefix) {
    int64_t count = 0;
    EXPECT_TRUE(bank_.db()
                    .Read([&](store::SqlSession& sql) {
                      auto rows = sql.Query(
                          "SELECT COUNT(*) FROM payments WHERE idempotency_key LIKE ? AND "
                          "status = 'completed' AND channel = 'scheduled'",
                          {prefix + "%"});
                      if (!rows.ok()) return rows.status();
                      count = rows->Int(0, 0);
                      return Status::Ok();
                    })
                    .ok());
    return count;
  }

  Bank bank_{GetParam()};
  ScheduledTransferService scheduled_{bank_.db(), bank_.payments, bank_.signing,
                                      bank_.env().clock()};
  int64_t alice_ = 0, bob_ = 0;
  BankAccount alice_account_, bob_account_;
};

TEST_P(ScheduledTest, DatesFollowTheCalendar) {
  EXPECT_EQ(NextRunDate(Frequency::kMonthly, "2026-12-28"), "2027-01-28");
  EXPECT_EQ(NextRunDate(Frequency::kMonthly, "2027-01-28"), "2027-02-28");
  EXPECT_EQ(NextRunDate(Frequency::kWeekly, "2026-12-29"), "2027-01-05");
  EXPECT_EQ(NextRunDate(Frequency::kWeekly, "2028-02-26"), "2028-03-04");
  EXPECT_EQ(NextRunDate(Frequency::kOnce, "2026-12-29"), "");
  EXPECT_FALSE(ParseDate("2026-02-29"));
  EXPECT_TRUE(ParseDate("2028-02-29"));
  EXPECT_FALSE(ParseDate("2026-13-01"));
  EXPECT_FALSE(ParseDate("2026-1-01"));
  EXPECT_FALSE(ParseDate("2026/01/01"));
  EXPECT_FALSE(ParseDate(" 2026-01-01"));
}

TEST_P(ScheduledTest, ValidationIsStrict) {
  // The test clock starts at 2026-01-01 08:00 CST.
  auto reason = [&](ScheduleRequest request) {
    return scheduled_.Create(request).status().reason();
  };
  EXPECT_EQ(reason(Request("v1", 5000, "2025-12-31")), "date_in_past");
  EXPECT_EQ(reason(Request("v2", 5000, "2026-02-30")), "invalid_date");
  EXPECT_EQ(reason(Request("v3", 5000, "20260301")), "invalid_date");
  EXPECT_EQ(reason(Request("v4", 5000, "2027-06-01")), "date_too_far");
  EXPECT_EQ(reason(Request("v5", 0, "2026-01-02")), "invalid_amount");
  EXPECT_EQ(reason(Request("v6", -1, "2026-01-02")), "invalid_amount");
  EXPECT_EQ(reason(Request("", 5000, "2026-01-02")), "idempotency_key_required");
  EXPECT_EQ(reason(Request("v7", 5000, "2026-01-29", Frequency::kMonthly)), "invalid_day_of_month");
  auto counted = Request("v8", 5000, "2026-01-02", Frequency::kWeekly);
  counted.count = 0;
  EXPECT_EQ(reason(counted), "invalid_count");
  counted.count = 121;
  EXPECT_EQ(reason(counted), "invalid_count");
  auto once = Request("v9", 5000, "2026-01-02");
  once.count = 2;
  EXPECT_EQ(reason(once), "invalid_end");
  auto both = Request("v10", 5000, "2026-01-02", Frequency::kWeekly);
  both.count = 2;
  both.until = "2026-03-01";
  EXPECT_EQ(reason(both), "invalid_end");
  auto until = Request("v11", 5000, "2026-01-09", Frequency::kWeekly);
  until.until = "2026-01-08";
  EXPECT_EQ(reason(until), "invalid_until");
  until.until = "2026-02-31";
  EXPECT_EQ(reason(until), "invalid_date");
  auto same = Request("v12", 5000, "2026-01-02");
  same.to_account = alice_account_.number;
  EXPECT_EQ(reason(same), "same_account");
  auto nowhere = Request("v13", 5000, "2026-01-02");
  nowhere.to_account = "6222000000000000000";
  EXPECT_EQ(reason(nowhere), "unknown_payee_account");
  auto usd = Request("v14", 5000, "2026-01-02");
  usd.currency = Currency::Parse("USD").value();
  EXPECT_EQ(reason(usd), "currency_mismatch");
  // Today is allowed: it runs at the next tick.
  EXPECT_TRUE(scheduled_.Create(Request("v15", 5000, "2026-01-01")).ok());
  // A retry returns the same schedule; the same key for another schedule is refused.
  auto first = scheduled_.Create(Request("k1", 5000, "2026-01-02"));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->status, "active");
  auto again = scheduled_.Create(Request("k1", 5000, "2026-01-02"));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->id, first->id);
  EXPECT_EQ(reason(Request("k1", 6000, "2026-01-02")), "idempotency_key_reused");
  auto list = scheduled_.List(alice_);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 2u);
}

TEST_P(ScheduledTest, AOneOffRunsOnceOnItsDayAndNeverAgain) {
  auto schedule = scheduled_.Create(Request("once-1", 5000, "2026-01-05"));
  ASSERT_TRUE(schedule.ok()) << schedule.status().ToString();
  EXPECT_EQ(schedule->status, "active");  // 50.00: no challenge, like a transfer.
  // Not before 00:00 CST of its day (16:00 UTC the day before).
  EXPECT_EQ(RunAt(CstMs("2026-01-04", 23, 59)).completed, 0u);
  EXPECT_EQ(Bob(), 0);
  EXPECT_EQ(RunAt(CstMs("2026-01-05", 0, 0)).completed, 1u);
  EXPECT_EQ(Bob(), 5000);
  EXPECT_EQ(RunAt(CstMs("2026-01-05", 0, 1)).completed, 0u);
  EXPECT_EQ(RunAt(CstMs("2026-01-12")).completed, 0u);
  EXPECT_EQ(Bob(), 5000);
  auto done = scheduled_.Get(alice_, schedule->id);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->status, "finished");
  EXPECT_EQ(done->next_date, "");
  ASSERT_EQ(done->runs.size(), 1u);
  EXPECT_EQ(done->runs[0].run_date, "2026-01-05");
  EXPECT_EQ(done->runs[0].status, "completed");
  auto payment = bank_.payments.Get(alice_, done->runs[0].payment_id);
  ASSERT_TRUE(payment.ok());
  EXPECT_EQ(payment->status, "completed");
  EXPECT_EQ(scheduled_.Cancel(alice_, schedule->id).reason(), "schedule_finished");
}

TEST_P(ScheduledTest, SchedulersRacingInThreadsAndProcessesPayOnce) {
  constexpr int kSchedules = 4;
  for (int i = 0; i < kSchedules; ++i) {
    ASSERT_TRUE(
        scheduled_.Create(Request("race-" + std::to_string(i), 1000 + i, "2026-01-03")).ok());
  }
  // A second "process": its own connections, ledger and services on the same database.
  auto db = store::OpenSqlDatabase(bank_.env().database());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto store = store::OpenLedgerStore(bank_.env().database());
  ASSERT_TRUE(store.ok());
  ManualClock& clock = bank_.env().clock();
  ledger::Ledger ledger(std::move(*store), clock);
  auto ca = ukey::BankCa::Create("other CA", clock.NowMs(), 10).value();
  CustomerService customers(**db, ledger, clock);
  SessionService sessions(**db, clock);
  SigningService signing(**db, customers, sessions, bank_.secrets(), ca, clock,
                         security::SystemRandom::Instance(), security::PasswordHashCost::Minimum());
  PaymentService payments(**db, ledger, customers, signing, clock);
  ScheduledTransferService other(**db, payments, signing, clock);

  clock.Set(CstMs("2026-01-03", 9));
  std::atomic<size_t> completed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      ScheduledTransferService& service = t % 2 ? other : scheduled_;
      for (int round = 0; round < 3; ++round) {
        auto report = service.RunDue(clock.NowMs());
        ASSERT_TRUE(report.ok()) << report.status().ToString();
        completed += report->completed;
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  // Runs still in flight elsewhere were deferred; the next tick finds nothing left.
  RunAt(clock.NowMs() + 60 * 1000);
  EXPECT_EQ(Bob(), 1000 + 1001 + 1002 + 1003);
  EXPECT_EQ(PaymentsWithKeyPrefix("sched:"), kSchedules);
  auto list = scheduled_.List(alice_);
  ASSERT_TRUE(list.ok());
  for (const auto& schedule : *list) {
    EXPECT_EQ(schedule.status, "finished");
    EXPECT_EQ(schedule.runs.size(), 1u);
  }
  EXPECT_LE(completed.load(), static_cast<size_t>(kSchedules));
}

TEST_P(ScheduledTest, ARunPaidButNotRecordedIsRecordedWithoutPayingAgain) {
  auto schedule = scheduled_.Create(Request("crash-1", 3000, "2026-01-02"));
  ASSERT_TRUE(schedule.ok());
  // As if a scheduler paid and then died before recording the run.
  bank_.env().clock().Set(CstMs("2026-01-02", 0, 0));
  auto paid = bank_.payments.CreateAuthorised(
      {alice_, "sched:" + std::to_string(schedule->id) + ":2026-01-02", alice_account_.number,
       bob_account_.number, 3000, Currency::Cny(), "", "scheduled"},
      Tool::kPassword);
  ASSERT_TRUE(paid.ok());
  EXPECT_EQ(RunAt(CstMs("2026-01-02", 0, 1)).completed, 1u);
  EXPECT_EQ(Bob(), 3000);
  auto done = scheduled_.Get(alice_, schedule->id);
  ASSERT_EQ(done->runs.size(), 1u);
  EXPECT_EQ(done->runs[0].payment_id, paid->id);
}

TEST_P(ScheduledTest, AMonthlyOrderRunsEachMonthAcrossTheYearAndStopsAtItsCount) {
  auto request = Request("monthly-1", 2000, "2026-11-15", Frequency::kMonthly);
  request.count = 3;
  request.memo = "房租";
  auto schedule = scheduled_.Create(request);
  ASSERT_TRUE(schedule.ok()) << schedule.status().ToString();
  EXPECT_EQ(RunAt(CstMs("2026-11-14", 23, 59)).completed, 0u);
  const char* days[] = {"2026-11-15", "2026-12-15", "2027-01-15"};
  const char* next[] = {"2026-12-15", "2027-01-15", ""};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(RunAt(CstMs(days[i], 0, 0) + 1000).completed, 1u) << days[i];
    EXPECT_EQ(RunAt(CstMs(days[i], 12, 0)).completed, 0u) << days[i];
    EXPECT_EQ(Bob(), 2000 * (i + 1));
    auto now = scheduled_.Get(alice_, schedule->id);
    ASSERT_TRUE(now.ok());
    EXPECT_EQ(now->next_date, next[i]);
    EXPECT_EQ(now->runs_done, i + 1);
  }
  EXPECT_EQ(RunAt(CstMs("2027-02-15", 1, 0)).completed, 0u);
  EXPECT_EQ(RunAt(CstMs("2027-03-15", 1, 0)).completed, 0u);
  EXPECT_EQ(Bob(), 6000);
  auto done = scheduled_.Get(alice_, schedule->id);
  EXPECT_EQ(done->status, "finished");
  ASSERT_EQ(done->runs.size(), 3u);
  EXPECT_EQ(done->runs[0].run_date, "2027-01-15");  // Newest first.
  EXPECT_EQ(done->runs[2].run_date, "2026-11-15");
  EXPECT_EQ(bank_.payments.Get(alice_, done->runs[0].payment_id)->memo, "房租");
}

TEST_P(ScheduledTest, AWeeklyOrderStopsAfterItsEndDate) {
  auto request = Request("weekly-1", 1500, "2026-01-06", Frequency::kWeekly);
  request.until = "2026-01-20";
  ASSERT_TRUE(scheduled_.Create(request).ok());
  size_t runs = 0;
  for (int64_t day = 0; day < 40; ++day) {
    runs += RunAt(CstMs("2026-01-02") + day * 24 * kHourMs).completed;
  }
  EXPECT_EQ(runs, 3u);  // 01-06, 01-13, 01-20.
  EXPECT_EQ(Bob(), 4500);
}

TEST_P(ScheduledTest, ARefusedRunIsRecordedWithAnSmsAndTheNextMonthStillRuns) {
  // Bob has nothing yet.
  ScheduleRequest request = Request("poor-1", 8000, "2026-01-10", Frequency::kMonthly);
  request.customer_id = bob_;
  request.from_account = bob_account_.number;
  request.to_account = alice_account_.number;
  auto schedule = scheduled_.Create(request);
  ASSERT_TRUE(schedule.ok()) << schedule.status().ToString();
  SchedulerReport first = RunAt(CstMs("2026-01-10", 0, 5));
  EXPECT_EQ(first.failed, 1u);
  EXPECT_EQ(first.completed, 0u);
  auto failed = scheduled_.Get(bob_, schedule->id);
  ASSERT_EQ(failed->runs.size(), 1u);
  EXPECT_EQ(failed->runs[0].status, "failed");
  EXPECT_EQ(failed->runs[0].failure, "insufficient_funds");
  EXPECT_NE(failed->runs[0].payment_id, 0);
  EXPECT_EQ(failed->status, "active");
  EXPECT_EQ(failed->next_date, "2026-02-10");
  ASSERT_TRUE(bank_.outbox.DeliverPending().ok());
  ASSERT_FALSE(bank_.sms.messages.empty());
  EXPECT_EQ(bank_.sms.messages.back().first, kBobMobile);
  EXPECT_NE(bank_.sms.messages.back().second.find("余额不足"), std::string::npos)
      << bank_.sms.messages.back().second;
  EXPECT_NE(bank_.sms.messages.back().second.find("80.00"), std::string::npos);
  // The limit the refused run reserved is given back.
  int64_t used = -1;
  ASSERT_TRUE(bank_.payments.Limits(bob_, bob_account_.number, &used).ok());
  EXPECT_EQ(used, 0);
  // A second tick the same day neither retries nor texts again.
  size_t texts = bank_.sms.messages.size();
  EXPECT_EQ(RunAt(CstMs("2026-01-10", 9)).failed, 0u);
  ASSERT_TRUE(bank_.outbox.DeliverPending().ok());
  EXPECT_EQ(bank_.sms.messages.size(), texts);

  auto funding = bank_.env().OpenFunding();
  ASSERT_TRUE(bank_.env().Pay(funding, bob_account_.ledger_account, 10000).status.ok());
  EXPECT_EQ(RunAt(CstMs("2026-02-10", 0, 5)).completed, 1u);
  EXPECT_EQ(bank_.env().Balance(bob_account_.ledger_account), 2000);
  auto later = scheduled_.Get(bob_, schedule->id);
  ASSERT_EQ(later->runs.size(), 2u);
  EXPECT_EQ(later->runs[0].status, "completed");
  EXPECT_EQ(later->next_date, "2026-03-10");
}

TEST_P(ScheduledTest, CancelStopsIt) {
  auto schedule = scheduled_.Create(Request("weekly-c", 1000, "2026-01-02", Frequency::kWeekly));
  ASSERT_TRUE(schedule.ok());
  EXPECT_EQ(RunAt(CstMs("2026-01-02", 1)).completed, 1u);
  ASSERT_TRUE(scheduled_.Cancel(alice_, schedule->id).ok());
  EXPECT_TRUE(scheduled_.Cancel(alice_, schedule->id).ok());  // Again: still cancelled.
  EXPECT_EQ(RunAt(CstMs("2026-01-09", 1)).completed, 0u);
  EXPECT_EQ(RunAt(CstMs("2026-01-16", 1)).completed, 0u);
  EXPECT_EQ(Bob(), 1000);
  auto cancelled = scheduled_.Get(alice_, schedule->id);
  EXPECT_EQ(cancelled->status, "cancelled");
  EXPECT_EQ(cancelled->next_date, "");
  EXPECT_EQ(cancelled->runs.size(), 1u);
}

TEST_P(ScheduledTest, AnotherCustomerCannotSeeOrCancelIt) {
  auto schedule = scheduled_.Create(Request("mine-1", 300000, "2026-01-02"));
  ASSERT_TRUE(schedule.ok());
  EXPECT_EQ(scheduled_.Get(bob_, schedule->id).status().reason(), "unknown_schedule");
  EXPECT_EQ(scheduled_.Cancel(bob_, schedule->id).reason(), "unknown_schedule");
  EXPECT_EQ(scheduled_.Challenge(bob_, schedule->id, Tool::kSms).status().reason(),
            "unknown_schedule");
  auto challenge = scheduled_.Challenge(alice_, schedule->id, Tool::kSms);
  ASSERT_TRUE(challenge.ok());
  EXPECT_EQ(scheduled_.Confirm(bob_, schedule->id, challenge->id, bank_.LastCode(kAliceMobile))
                .status()
                .reason(),
            "unknown_schedule");
  EXPECT_TRUE(scheduled_.List(bob_)->empty());
  EXPECT_EQ(scheduled_.Get(alice_, schedule->id)->status, "sca_required");
  // Nor can Bob pay from Alice's account.
  auto theft = Request("theft-1", 5000, "2026-01-02");
  theft.customer_id = bob_;
  theft.to_account = bob_account_.number;
  EXPECT_EQ(scheduled_.Create(theft).status().reason(), "unknown_account");
}

TEST_P(ScheduledTest, SetupAboveTheThresholdNeedsTheChallengeAndRunsNeedNone) {
  auto schedule = scheduled_.Create(Request("big-1", 300000, "2026-01-03"));
  ASSERT_TRUE(schedule.ok()) << schedule.status().ToString();
  EXPECT_EQ(schedule->status, "sca_required");
  EXPECT_EQ(schedule->allowed_tools, std::vector<Tool>{Tool::kSms});
  // Not authenticated: its day comes and nothing moves.
  EXPECT_EQ(RunAt(CstMs("2026-01-03", 0, 1)).completed, 0u);
  EXPECT_EQ(Bob(), 0);
  bank_.env().clock().Set(CstMs("2026-01-02", 20));

  // A challenge issued for a payment of the same amount to the same payee does not
  // authorise the schedule: the bound text names the schedule.
  auto payment = bank_.payments.Create({alice_, "p-1", alice_account_.number, bob_account_.number,
                                        300000, Currency::Cny(), "", "web"});
  ASSERT_TRUE(payment.ok());
  auto payment_challenge = bank_.payments.Challenge(alice_, payment->id, Tool::kSms);
  ASSERT_TRUE(payment_challenge.ok());
  EXPECT_EQ(
      scheduled_.Confirm(alice_, schedule->id, payment_challenge->id, bank_.LastCode(kAliceMobile))
          .status()
          .reason(),
      "challenge_mismatch");

  auto challenge = scheduled_.Challenge(alice_, schedule->id, Tool::kSms);
  ASSERT_TRUE(challenge.ok()) << challenge.status().ToString();
  std::string code = bank_.LastCode(kAliceMobile);
  EXPECT_NE(bank_.sms.messages.back().second.find("3000.00 CNY"), std::string::npos);
  auto confirmed = scheduled_.Confirm(alice_, schedule->id, challenge->id, code);
  ASSERT_TRUE(confirmed.ok()) << confirmed.status().ToString();
  EXPECT_EQ(confirmed->status, "active");
  EXPECT_EQ(confirmed->tool, "sms");
  EXPECT_TRUE(scheduled_.Confirm(alice_, schedule->id, challenge->id, code)->replayed);

  EXPECT_EQ(RunAt(CstMs("2026-01-03", 0, 1)).completed, 1u);
  EXPECT_EQ(Bob(), 300000);
  auto done = scheduled_.Get(alice_, schedule->id);
  auto paid = bank_.payments.Get(alice_, done->runs[0].payment_id);
  ASSERT_TRUE(paid.ok());
  EXPECT_EQ(paid->tool, "sms");
  EXPECT_EQ(paid->status, "completed");
}

TEST_P(ScheduledTest, TheSetupToolsLimitsStillApplyPerDay) {
  // Above SMS's per-transaction limit, and Alice holds nothing stronger.
  EXPECT_EQ(scheduled_.Create(Request("huge-1", 600000, "2026-01-04")).status().reason(),
            "limit_exceeded");
  // SMS allows 5,000 a day: the first 3,000 runs, the second is refused on the same day and
  // runs on another.
  Confirmed(Request("sms-1", 300000, "2026-01-04"));
  auto second = Confirmed(Request("sms-2", 300000, "2026-01-04", Frequency::kWeekly));
  SchedulerReport report = RunAt(CstMs("2026-01-04", 0, 1));
  EXPECT_EQ(report.completed, 1u);
  EXPECT_EQ(report.failed, 1u);
  EXPECT_EQ(Bob(), 300000);
  auto refused = scheduled_.Get(alice_, second.id);
  ASSERT_EQ(refused->runs.size(), 1u);
  EXPECT_EQ(refused->runs[0].failure, "daily_limit_exceeded");
  ASSERT_TRUE(bank_.outbox.DeliverPending().ok());
  EXPECT_NE(bank_.sms.messages.back().second.find("超过日累计限额"), std::string::npos);
  // A transfer the customer makes by hand the next week counts in that day's limit too.
  EXPECT_EQ(RunAt(CstMs("2026-01-11", 0, 1)).completed, 1u);
  EXPECT_EQ(Bob(), 600000);
  int64_t used = 0;
  ASSERT_TRUE(bank_.payments.Limits(alice_, alice_account_.number, &used).ok());
  EXPECT_EQ(used, 300000);
}

INSTANTIATE_TEST_SUITE_P(Backends, ScheduledTest, ::testing::Values("sqlite", "postgresql"),
                         ledger::BackendName);

}  // namespace
}  // namespace ebank::services
