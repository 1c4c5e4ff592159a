// Scheduled transfers and standing orders (预约转账 / 定期转账, PAY-3). The customer sets one
// up once, from one of their accounts to an account in the bank: a single run on a future
// date, or a run every week or every month (on a day 1-28) until an end date or for a count
// of runs. Strong authentication happens at setup, bound to the schedule, its amount and its
// payee; each run then executes through PaymentService as pre-authorised, within the limits
// of the tool used at setup on the day it runs.
//
// Every run is a payment with the key "sched:<id>:<run date>", and its record is unique per
// (schedule, date): running the scheduler twice, or in two processes at once, never pays
// twice nor records a run twice. A refused run (insufficient funds, a limit) is recorded with
// its reason, the customer gets an SMS, and a standing order goes on to its next date.
//
// Thread-safe; holds no state of its own beyond references, so several instances over the
// same database (one for the API, one for the scheduler) are fine.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "services/payments.h"
#include "services/signing.h"
#include "store/sql.h"

namespace ebank::services {

inline constexpr int kScheduledRunsMax = 120;                 // A count of runs is 1..this.
inline constexpr int kScheduledFirstDateAheadDaysMax = 366;   // How far ahead the first run may be.
inline constexpr int kScheduledUntilAheadDaysMax = 10 * 366;  // How far ahead an end date may be.
inline constexpr size_t kSchedulesPerCustomerMax = 50;   // Waiting for authentication or active.
inline constexpr size_t kScheduledRunsShownMax = 120;    // Runs returned with one schedule.
inline constexpr size_t kScheduledRunsListedMax = 3;     // Last runs returned in the list.
inline constexpr size_t kSchedulesListedMax = 100;       // Schedules one List returns.
inline constexpr size_t kScheduledRunsPerTickMax = 200;  // Runs one RunDue makes at most.

enum class Frequency { kOnce, kWeekly, kMonthly };
std::string_view FrequencyName(Frequency frequency);
std::optional<Frequency> ParseFrequency(std::string_view name);

// A calendar date "YYYY-MM-DD" (years 2000-2099), or nullopt when it is not a real date.
std::optional<std::chrono::year_month_day> ParseDate(std::string_view text);
std::string FormatDate(std::chrono::year_month_day date);

struct ScheduleRequest {
  int64_t customer_id = 0;
  std::string idempotency_key;
  std::string from_account;
  std::string to_account;
  int64_t amount_minor = 0;
  Currency currency = Currency::Cny();
  std::string memo;
  std::string first_date;  // "YYYY-MM-DD", today (CST) or later.
  Frequency frequency = Frequency::kOnce;
  std::optional<std::string> until;  // Standing orders: the last date a run may fall on.
  std::optional<int> count;          // Standing orders: how many runs, 1..kScheduledRunsMax.
};

// One run of a schedule: its payment (0 when refused before one was registered).
struct ScheduledRun {
  std::string run_date;
  int64_t payment_id = 0;
  std::string status;   // "completed" or "failed".
  std::string failure;  // The reason when failed.
  int64_t at_ms = 0;
};

struct ScheduledTransfer {
  int64_t id = 0;
  // "sca_required" (waiting for the customer's authentication), "active", "finished"
  // (nothing more is due), "cancelled".
  std::string status;
  std::string from_account;
  std::string to_account;
  Money amount{Currency::Cny(), 0};
  std::string memo;
  Frequency frequency = Frequency::kOnce;
  std::string first_date;
  std::string until;  // "" when none.
  int runs_max = 0;   // 0 when none.
  int runs_done = 0;
  std::string next_date;  // "" when nothing more is due.
  std::string tool;       // The tool that authorised it ("" until then).
  int64_t created_at_ms = 0;
  std::vector<ScheduledRun> runs;   // Newest first.
  std::vector<Tool> allowed_tools;  // When sca_required: tools whose limits cover it.
  bool replayed = false;
};

// What one RunDue did.
struct SchedulerReport {
  size_t completed = 0;
  size_t failed = 0;
  size_t deferred = 0;  // Left for a later tick (in flight elsewhere, database unavailable).
};

class ScheduledTransferService {
 public:
  ScheduledTransferService(store::SqlDatabase& db, PaymentService& payments,
                           SigningService& signing, const Clock& clock)
      : db_(db), payments_(payments), signing_(signing), clock_(clock) {}

  // Registers a schedule. Between the customer's own accounts, or up to
  // kNoChallengeMaxMinor, it is active at once (runs count against the password tier, as
  // such transfers do); otherwise it waits for a challenge ("sca_required"). The same
  // idempotency key returns the same schedule; with another body, conflict
  // idempotency_key_reused.
  Result<ScheduledTransfer> Create(const ScheduleRequest& request);
  // A challenge bound to the schedule's id, amount and payee, with a tool the customer
  // holds whose per-transaction limit covers the amount.
  Result<ChallengeInfo> Challenge(int64_t customer_id, int64_t schedule_id, Tool tool);
  // Answers the challenge; when right, the schedule is active, authorised by its tool.
  Result<ScheduledTransfer> Confirm(int64_t customer_id, int64_t schedule_id,
                                    std::string_view challenge_id, std::string_view answer);
  // Stops a schedule waiting or active (a cancelled one again is OK); a finished one is
  // rejected/schedule_finished. Another customer's is kNotFound.
  Status Cancel(int64_t customer_id, int64_t schedule_id);
  // The customer's schedule with its runs, newest first; another customer's is kNotFound.
  Result<ScheduledTransfer> Get(int64_t customer_id, int64_t schedule_id);
  // The customer's schedules, newest first, each with its last kScheduledRunsListedMax runs.
  Result<std::vector<ScheduledTransfer>> List(int64_t customer_id);

  // Makes every run due by `now_ms` (a run is due from 00:00 CST of its date; one missed
  // while no scheduler ran is made late, not dropped), at most kScheduledRunsPerTickMax.
  // Safe to call concurrently, in this process or others.
  Result<SchedulerReport> RunDue(int64_t now_ms);

 private:
  // kElsewhere: another scheduler made and recorded the same run.
  enum class RunOutcome { kCompleted, kFailed, kDeferred, kElsewhere };
  RunOutcome RunOne(const ScheduledTransfer& schedule, int64_t customer_id);
  // Records the run and moves the schedule to its next date; false when another scheduler
  // had done so already.
  Result<bool> Record(const ScheduledTransfer& schedule, int64_t customer_id,
                      const ScheduledRun& run);

  store::SqlDatabase& db_;
  PaymentService& payments_;
  SigningService& signing_;
  const Clock& clock_;
};

// The date after `date` on which a schedule of `frequency` runs next ("" for kOnce).
std::string NextRunDate(Frequency frequency, const std::string& date);

}  // namespace ebank::services
