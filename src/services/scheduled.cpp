#include "services/scheduled.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/hash.h"
#include "services/outbox.h"
#include "services/staff.h"

namespace ebank::services {
namespace {

using std::chrono::day;
using std::chrono::days;
using std::chrono::month;
using std::chrono::months;
using std::chrono::sys_days;
using std::chrono::year;
using std::chrono::year_month_day;

constexpr const char* kScheduleColumns =
    "id, status, from_account, to_account, amount_minor, currency, memo, frequency, first_date, "
    "until_date, runs_max, runs_done, next_date, tool, created_at_ms, fingerprint, customer_id";
constexpr int kLastDayOfMonthAllowed = 28;

std::string Fingerprint(const ScheduleRequest& request) {
  return ToHex(Sha256(fmt::format(
      "{}|{}|{}|{}|{}|{}|{}|{}|{}", request.from_account, request.to_account, request.amount_minor,
      request.currency.code(), request.memo, request.first_date, FrequencyName(request.frequency),
      request.until.value_or(""), request.count.value_or(0))));
}

Result<ScheduledTransfer> ScheduleFromRow(const store::SqlRows& rows, size_t r) {
  auto currency = Currency::Parse(rows.Text(r, 5));
  if (!currency.ok()) return currency.status();
  auto frequency = ParseFrequency(rows.Text(r, 7));
  if (!frequency) return Status::Internal("bad_schedule", "unknown frequency in the database");
  ScheduledTransfer schedule;
  schedule.id = rows.Int(r, 0);
  schedule.status = rows.Text(r, 1);
  schedule.from_account = rows.Text(r, 2);
  schedule.to_account = rows.Text(r, 3);
  schedule.amount = Money(*currency, rows.Int(r, 4));
  schedule.memo = rows.Text(r, 6);
  schedule.frequency = *frequency;
  schedule.first_date = rows.Text(r, 8);
  schedule.until = rows.Text(r, 9);
  schedule.runs_max = static_cast<int>(rows.Int(r, 10));
  schedule.runs_done = static_cast<int>(rows.Int(r, 11));
  schedule.next_date = rows.Text(r, 12);
  schedule.tool = rows.Text(r, 13);
  schedule.created_at_ms = rows.Int(r, 14);
  return schedule;
}

// A cancelled schedule keeps its next date in the database, so that a run racing the
// cancellation is still recorded; to the customer nothing is next.
void HideNextUnlessDue(ScheduledTransfer& schedule) {
  if (schedule.status != "active" && schedule.status != "sca_required") schedule.next_date = "";
}

Result<std::vector<ScheduledRun>> LoadRuns(store::SqlSession& sql, int64_t schedule_id,
                                           size_t limit) {
  auto rows = sql.Query(
      "SELECT run_date, payment_id, status, failure, at_ms FROM scheduled_runs WHERE "
      "schedule_id = ? ORDER BY run_date DESC LIMIT ?",
      {schedule_id, static_cast<int64_t>(limit)});
  if (!rows.ok()) return rows.status();
  std::vector<ScheduledRun> runs;
  for (size_t r = 0; r < rows->size(); ++r) {
    runs.push_back(
        {rows->Text(r, 0), rows->Int(r, 1), rows->Text(r, 2), rows->Text(r, 3), rows->Int(r, 4)});
  }
  return runs;
}

Result<ScheduledTransfer> LoadSchedule(store::SqlSession& sql, int64_t customer_id,
                                       int64_t schedule_id, size_t runs_max) {
  auto rows = sql.Query(fmt::format("SELECT {} FROM scheduled_transfers WHERE id = ? AND "
                                    "customer_id = ?",
                                    kScheduleColumns),
                        {schedule_id, customer_id});
  if (!rows.ok()) return rows.status();
  // Another customer's schedule is answered exactly like one that does not exist.
  if (rows->empty()) return Status::NotFound("unknown_schedule", "no such scheduled transfer");
  auto schedule = ScheduleFromRow(*rows, 0);
  if (!schedule.ok()) return schedule.status();
  auto runs = LoadRuns(sql, schedule_id, runs_max);
  if (!runs.ok()) return runs.status();
  schedule->runs = std::move(*runs);
  HideNextUnlessDue(*schedule);
  return schedule;
}

// What the challenge binds: "scheduled:<id>" can never be taken for a payment's id, so a
// challenge answered for a schedule cannot authorise a payment, nor the other way round.
PaymentSubject Subject(const ScheduledTransfer& schedule) {
  return {"scheduled:" + std::to_string(schedule.id), schedule.amount, schedule.to_account};
}

std::string Tail(const std::string& number) {
  return number.size() > 4 ? number.substr(number.size() - 4) : number;
}

// The refusal as the customer reads it in the SMS.
std::string_view ReasonText(std::string_view reason) {
  if (reason == "insufficient_funds") return "余额不足";
  if (reason == "daily_limit_exceeded") return "超过日累计限额";
  if (reason == "tool_limit_exceeded") return "超过单笔限额";
  if (reason == "account_class_limit_exceeded") return "超过账户类别限额";
  if (reason == "account_unavailable") return "付款账户状态异常";
  if (reason == "payee_account_unavailable") return "收款账户状态异常";
  return "交易未成功";
}

// Not the run's outcome but the moment's: the next tick tries again.
bool Deferrable(const Status& status) {
  return status.code() == Code::kUnavailable || status.code() == Code::kInternal;
}

}  // namespace

std::string_view FrequencyName(Frequency frequency) {
  switch (frequency) {
    case Frequency::kOnce:
      return "once";
    case Frequency::kWeekly:
      return "weekly";
    case Frequency::kMonthly:
      return "monthly";
  }
  return "once";
}

std::optional<Frequency> ParseFrequency(std::string_view name) {
  for (Frequency frequency : {Frequency::kOnce, Frequency::kWeekly, Frequency::kMonthly}) {
    if (FrequencyName(frequency) == name) return frequency;
  }
  return std::nullopt;
}

std::optional<year_month_day> ParseDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  }
  auto number = [&](size_t at, size_t length) {
    int value = 0;
    for (size_t i = at; i < at + length; ++i)
      value = value * 10 + (text[i] - '0');
    return value;
  };
  year_month_day date{year(number(0, 4)), month(static_cast<unsigned>(number(5, 2))),
                      day(static_cast<unsigned>(number(8, 2)))};
  if (!date.ok() || date.year() < year(2000) || date.year() > year(2099)) return std::nullopt;
  return date;
}

std::string FormatDate(year_month_day date) {
  return fmt::format("{:04d}-{:02d}-{:02d}", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
}

std::string NextRunDate(Frequency frequency, const std::string& date) {
  auto parsed = ParseDate(date);
  if (!parsed) return "";
  switch (frequency) {
    case Frequency::kOnce:
      return "";
    case Frequency::kWeekly:
      return FormatDate(year_month_day{sys_days{*parsed} + days{7}});
    case Frequency::kMonthly:
      // The day is at most 28, so every month has it.
      return FormatDate(*parsed + months{1});
  }
  return "";
}

Result<ScheduledTransfer> ScheduledTransferService::Create(const ScheduleRequest& request) {
  // Checks that need no state.
  EBANK_RETURN_IF_ERROR(CheckTransferFields(request.idempotency_key, request.amount_minor,
                                            request.memo, request.from_account,
                                            request.to_account));
  auto first = ParseDate(request.first_date);
  if (!first) return Status::Invalid("invalid_date", "first_date must be a real YYYY-MM-DD date");
  sys_days today{*ParseDate(LimitDay(clock_.NowMs()))};
  if (sys_days{*first} < today) {
    return Status::Invalid("date_in_past", "first_date is before today (China Standard Time)");
  }
  if (sys_days{*first} > today + days{kScheduledFirstDateAheadDaysMax}) {
    return Status::Invalid("date_too_far", "first_date is at most a year ahead");
  }
  if (request.frequency == Frequency::kOnce && (request.until || request.count)) {
    return Status::Invalid("invalid_end", "a one-off transfer has no end date or count");
  }
  if (request.until && request.count) {
    return Status::Invalid("invalid_end", "give an end date or a count, not both");
  }
  if (request.frequency == Frequency::kMonthly &&
      static_cast<unsigned>(first->day()) > kLastDayOfMonthAllowed) {
    return Status::Invalid("invalid_day_of_month",
                           "a monthly order runs on a day from 1 to 28 of the month");
  }
  if (request.count && (*request.count < 1 || *request.count > kScheduledRunsMax)) {
    return Status::Invalid("invalid_count", "count is from 1 to 120 runs");
  }
  if (request.until) {
    auto until = ParseDate(*request.until);
    if (!until) return Status::Invalid("invalid_date", "until must be a real YYYY-MM-DD date");
    if (sys_days{*until} < sys_days{*first} ||
        sys_days{*until} > today + days{kScheduledUntilAheadDaysMax}) {
      return Status::Invalid("invalid_until",
                             "until is on or after first_date and at most ten years ahead");
    }
  }

  // Checks against state: an earlier schedule with this key, both accounts.
  std::string fingerprint = Fingerprint(request);
  std::optional<ScheduledTransfer> existing;
  std::optional<BankAccount> to;
  Status status = db_.Read([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query(fmt::format("SELECT {} FROM scheduled_transfers WHERE customer_id = ? "
                                      "AND idempotency_key = ?",
                                      kScheduleColumns),
                          {request.customer_id, request.idempotency_key});
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) {
      if (rows->Text(0, 15) != fingerprint) {
        return Status::Conflict("idempotency_key_reused",
                                "this idempotency key was used for a different schedule");
      }
      auto schedule = LoadSchedule(sql, request.customer_id, rows->Int(0, 0), 0);
      if (!schedule.ok()) return schedule.status();
      existing = std::move(*schedule);
      return Status::Ok();
    }
    // Another customer's account is answered exactly like an account that does not exist.
    auto from = FindAccount(sql, request.from_account);
    if (!from.ok()) return from.status();
    if (!*from || (*from)->customer_id != request.customer_id) {
      return Status::NotFound("unknown_account", "no such account of yours");
    }
    auto payee = FindAccount(sql, request.to_account);
    if (!payee.ok()) return payee.status();
    if (!*payee) return Status::NotFound("unknown_payee_account", "no such account in this bank");
    std::string currency(request.currency.code());
    if ((*from)->status != "active")
      return Status::Rejected("account_unavailable", "the account is " + (*from)->status);
    if ((*payee)->status == "closed")
      return Status::Rejected("payee_account_unavailable", "the payee account is closed");
    if ((*from)->currency != currency || (*payee)->currency != currency) {
      return Status::Invalid("currency_mismatch", "both accounts must be in " + currency);
    }
    to = **payee;
    return Status::Ok();
  });
  if (!status.ok()) return status;
  if (existing) {
    existing->replayed = true;
    return *existing;
  }

  // Which authentication setting it up needs: as for a transfer of the same amount now.
  bool own = to->customer_id == request.customer_id;
  bool immediate = own || request.amount_minor <= kNoChallengeMaxMinor;
  std::vector<Tool> allowed;
  if (!immediate) {
    auto covering =
        payments_.ToolsCovering(request.customer_id, request.from_account, request.amount_minor);
    if (!covering.ok()) return covering.status();
    allowed = std::move(*covering);
  }

  ScheduledTransfer schedule;
  schedule.status = immediate ? "active" : "sca_required";
  schedule.from_account = request.from_account;
  schedule.to_account = request.to_account;
  schedule.amount = Money(request.currency, request.amount_minor);
  schedule.memo = request.memo;
  schedule.frequency = request.frequency;
  schedule.first_date = request.first_date;
  schedule.until = request.until.value_or("");
  schedule.runs_max = request.count.value_or(request.frequency == Frequency::kOnce ? 1 : 0);
  schedule.next_date = request.first_date;
  schedule.tool = immediate ? std::string(ToolName(Tool::kPassword)) : "";
  schedule.created_at_ms = clock_.NowMs();
  status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto live = sql.Query(
        "SELECT COUNT(*) FROM scheduled_transfers WHERE customer_id = ? AND status IN "
        "('sca_required', 'active')",
        {request.customer_id});
    if (!live.ok()) return live.status();
    if (live->Int(0, 0) >= static_cast<int64_t>(kSchedulesPerCustomerMax)) {
      return Status::Rejected("too_many_schedules",
                              "at most 50 scheduled transfers waiting or active");
    }
    auto rows = sql.Query(
        "INSERT INTO scheduled_transfers (customer_id, idempotency_key, fingerprint, "
        "from_account, to_account, amount_minor, currency, memo, frequency, first_date, "
        "until_date, runs_max, status, tool, next_date, runs_done, created_at_ms, "
        "cancelled_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, 0) "
        "RETURNING id",
        {request.customer_id, request.idempotency_key, fingerprint, request.from_account,
         request.to_account, request.amount_minor, std::string(request.currency.code()),
         request.memo, std::string(FrequencyName(request.frequency)), request.first_date,
         schedule.until, static_cast<int64_t>(schedule.runs_max), schedule.status, schedule.tool,
         schedule.next_date, schedule.created_at_ms});
    if (!rows.ok()) return rows.status();
    schedule.id = rows->Int(0, 0);
    return RecordAudit(
        sql, clock_,
        {"customer", request.customer_id, "web", "scheduled.create", std::to_string(schedule.id),
         "ok", fmt::format("{} {}", FrequencyName(request.frequency), schedule.amount.ToString())});
  });
  if (status.code() == Code::kConflict && status.reason() == "constraint") {
    return Create(request);  // A concurrent twin with the same key won.
  }
  if (!status.ok()) return status;
  schedule.allowed_tools = std::move(allowed);
  return schedule;
}

Result<ChallengeInfo> ScheduledTransferService::Challenge(int64_t customer_id, int64_t schedule_id,
                                                          Tool tool) {
  auto schedule = Get(customer_id, schedule_id);
  if (!schedule.ok()) return schedule.status();
  if (schedule->status != "sca_required") {
    return Status::Rejected("schedule_not_pending",
                            "this scheduled transfer is " + schedule->status);
  }
  if (schedule->next_date < LimitDay(clock_.NowMs())) {
    return Status::Rejected("date_in_past", "its first date has passed; set it up again");
  }
  auto limits = payments_.Limits(customer_id, schedule->from_account, nullptr);
  if (!limits.ok()) return limits.status();
  for (const ToolLimit& limit : *limits) {
    if (limit.tool == tool && limit.per_transaction_minor < schedule->amount.minor()) {
      return Status::Rejected("tool_limit_exceeded", "this tool's limit is below the amount");
    }
  }
  return signing_.PaymentChallenge(customer_id, tool, Subject(*schedule));
}

Result<ScheduledTransfer> ScheduledTransferService::Confirm(int64_t customer_id,
                                                            int64_t schedule_id,
                                                            std::string_view challenge_id,
                                                            std::string_view answer) {
  auto schedule = Get(customer_id, schedule_id);
  if (!schedule.ok()) return schedule.status();
  if (schedule->status != "sca_required") {
    schedule->replayed = true;  // Confirmed already (or cancelled): the first answer.
    return *schedule;
  }
  if (schedule->next_date < LimitDay(clock_.NowMs())) {
    return Status::Rejected("date_in_past", "its first date has passed; set it up again");
  }
  EBANK_RETURN_IF_ERROR(
      signing_.VerifyPaymentChallenge(customer_id, challenge_id, Subject(*schedule), answer));
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query("SELECT tool FROM challenges WHERE id = ? AND customer_id = ?",
                          {std::string(challenge_id), customer_id});
    if (!rows.ok()) return rows.status();
    auto tool = rows->empty() ? std::nullopt : ParseTool(rows->Text(0, 0));
    if (!tool) return Status::Internal("challenge_without_tool", "the challenge names no tool");
    // Only a schedule still waiting moves on, so a challenge answered twice at once counts once.
    auto claimed = sql.Query(
        "UPDATE scheduled_transfers SET status = 'active', tool = ? WHERE id = ? AND status = "
        "'sca_required' RETURNING id",
        {std::string(ToolName(*tool)), schedule_id});
    if (!claimed.ok()) return claimed.status();
    if (claimed->empty()) return Status::Ok();
    return RecordAudit(sql, clock_,
                       {"customer", customer_id, "web", "scheduled.confirm",
                        std::to_string(schedule_id), "ok", std::string(ToolName(*tool))});
  });
  if (!status.ok()) return status;
  return Get(customer_id, schedule_id);
}

Status ScheduledTransferService::Cancel(int64_t customer_id, int64_t schedule_id) {
  return db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query("SELECT status FROM scheduled_transfers WHERE id = ? AND customer_id = ?",
                          {schedule_id, customer_id});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return Status::NotFound("unknown_schedule", "no such scheduled transfer");
    std::string current = rows->Text(0, 0);
    if (current == "cancelled") return Status::Ok();
    if (current == "finished") {
      return Status::Rejected("schedule_finished", "this scheduled transfer has no runs left");
    }
    EBANK_RETURN_IF_ERROR(sql.Exec(
        "UPDATE scheduled_transfers SET status = 'cancelled', cancelled_at_ms = ? WHERE id = ?",
        {clock_.NowMs(), schedule_id}));
    return RecordAudit(sql, clock_,
                       {"customer", customer_id, "web", "scheduled.cancel",
                        std::to_string(schedule_id), "ok", ""});
  });
}

Result<ScheduledTransfer> ScheduledTransferService::Get(int64_t customer_id, int64_t schedule_id) {
  std::optional<ScheduledTransfer> schedule;
  Status status = db_.Read([&](store::SqlSession& sql) -> Status {
    auto loaded = LoadSchedule(sql, customer_id, schedule_id, kScheduledRunsShownMax);
    if (!loaded.ok()) return loaded.status();
    schedule = std::move(*loaded);
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return *schedule;
}

Result<std::vector<ScheduledTransfer>> ScheduledTransferService::List(int64_t customer_id) {
  std::vector<ScheduledTransfer> schedules;
  Status status = db_.Read([&](store::SqlSession& sql) -> Status {
    schedules.clear();
    auto rows = sql.Query(fmt::format("SELECT {} FROM scheduled_transfers WHERE customer_id = ? "
                                      "ORDER BY id DESC LIMIT ?",
                                      kScheduleColumns),
                          {customer_id, static_cast<int64_t>(kSchedulesListedMax)});
    if (!rows.ok()) return rows.status();
    for (size_t r = 0; r < rows->size(); ++r) {
      auto schedule = ScheduleFromRow(*rows, r);
      if (!schedule.ok()) return schedule.status();
      auto runs = LoadRuns(sql, schedule->id, kScheduledRunsListedMax);
      if (!runs.ok()) return runs.status();
      schedule->runs = std::move(*runs);
      HideNextUnlessDue(*schedule);
      schedules.push_back(std::move(*schedule));
    }
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return schedules;
}

Result<SchedulerReport> ScheduledTransferService::RunDue(int64_t now_ms) {
  std::string today = LimitDay(now_ms);
  SchedulerReport report;
  size_t made = 0;
  // A schedule several runs behind comes back in the next batch until it is up to date;
  // a batch in which nothing could be made ends the tick.
  for (bool progress = true; progress && made < kScheduledRunsPerTickMax;) {
    progress = false;
    std::vector<std::pair<ScheduledTransfer, int64_t>> due;
    Status status = db_.Read([&](store::SqlSession& sql) -> Status {
      due.clear();
      auto rows = sql.Query(fmt::format("SELECT {} FROM scheduled_transfers WHERE status = "
                                        "'active' AND next_date <> '' AND next_date <= ? ORDER "
                                        "BY next_date, id LIMIT ?",
                                        kScheduleColumns),
                            {today, static_cast<int64_t>(kScheduledRunsPerTickMax - made)});
      if (!rows.ok()) return rows.status();
      for (size_t r = 0; r < rows->size(); ++r) {
        auto schedule = ScheduleFromRow(*rows, r);
        if (!schedule.ok()) return schedule.status();
        due.emplace_back(std::move(*schedule), rows->Int(r, 16));
      }
      return Status::Ok();
    });
    if (!status.ok()) return status;
    for (const auto& [schedule, customer_id] : due) {
      switch (RunOne(schedule, customer_id)) {
        case RunOutcome::kCompleted:
          ++report.completed;
          progress = true;
          ++made;
          break;
        case RunOutcome::kFailed:
          ++report.failed;
          progress = true;
          ++made;
          break;
        case RunOutcome::kDeferred:
          ++report.deferred;
          break;
        case RunOutcome::kElsewhere:
          progress = true;
          break;
      }
    }
  }
  return report;
}

ScheduledTransferService::RunOutcome ScheduledTransferService::RunOne(
    const ScheduledTransfer& schedule, int64_t customer_id) {
  TransferRequest request;
  request.customer_id = customer_id;
  // One payment per run, whoever runs it and however often.
  request.idempotency_key = fmt::format("sched:{}:{}", schedule.id, schedule.next_date);
  request.from_account = schedule.from_account;
  request.to_account = schedule.to_account;
  request.amount_minor = schedule.amount.minor();
  request.currency = schedule.amount.currency();
  request.memo = schedule.memo;
  request.channel = "scheduled";
  auto tool = ParseTool(schedule.tool);
  if (!tool) {
    spdlog::error("scheduled transfer {} has no authorising tool", schedule.id);
    return RunOutcome::kDeferred;
  }
  auto payment = payments_.CreateAuthorised(request, *tool);
  ScheduledRun run{schedule.next_date, 0, "completed", "", clock_.NowMs()};
  if (payment.ok()) {
    run.payment_id = payment->id;
    if (payment->status != "completed") {
      run.status = "failed";
      run.failure = payment->failure.empty() ? payment->status : payment->failure;
    }
  } else if (payment.status().reason() == "request_in_flight") {
    return RunOutcome::kDeferred;  // Another scheduler is making this run now.
  } else if (Deferrable(payment.status())) {
    spdlog::warn("scheduled transfer {} run {} deferred: {}", schedule.id, schedule.next_date,
                 payment.status().ToString());
    return RunOutcome::kDeferred;
  } else {
    run.status = "failed";
    run.failure = payment.status().reason();
  }
  auto recorded = Record(schedule, customer_id, run);
  if (!recorded.ok()) {
    spdlog::warn("scheduled transfer {} run {} not recorded yet: {}", schedule.id,
                 schedule.next_date, recorded.status().ToString());
    return RunOutcome::kDeferred;
  }
  if (!*recorded) return RunOutcome::kElsewhere;
  return run.status == "completed" ? RunOutcome::kCompleted : RunOutcome::kFailed;
}

Result<bool> ScheduledTransferService::Record(const ScheduledTransfer& schedule,
                                              int64_t customer_id, const ScheduledRun& run) {
  int runs_done = schedule.runs_done + 1;
  std::string next = NextRunDate(schedule.frequency, run.run_date);
  bool finished = next.empty() || (schedule.runs_max > 0 && runs_done >= schedule.runs_max) ||
                  (!schedule.until.empty() && next > schedule.until);
  if (finished) next = "";
  bool recorded = false;
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    recorded = false;
    // Only the scheduler that moves the schedule past this date records the run: another
    // one that made the same (idempotent) payment finds it moved and records nothing. A
    // schedule cancelled meanwhile stays cancelled, with the run it had started recorded.
    auto moved = sql.Query(
        "UPDATE scheduled_transfers SET next_date = ?, runs_done = ?, status = CASE WHEN status "
        "= 'active' THEN ? ELSE status END WHERE id = ? AND next_date = ? RETURNING id",
        {next, static_cast<int64_t>(runs_done), std::string(finished ? "finished" : "active"),
         schedule.id, run.run_date});
    if (!moved.ok()) return moved.status();
    if (moved->empty()) return Status::Ok();
    recorded = true;
    int64_t payment_id = run.payment_id;
    if (payment_id == 0) {
      // A refusal before the payment was answered: its row, when one was written.
      auto rows = sql.Query("SELECT id FROM payments WHERE customer_id = ? AND idempotency_key = ?",
                            {customer_id, fmt::format("sched:{}:{}", schedule.id, run.run_date)});
      if (!rows.ok()) return rows.status();
      if (!rows->empty()) payment_id = rows->Int(0, 0);
    }
    EBANK_RETURN_IF_ERROR(sql.Exec(
        "INSERT INTO scheduled_runs (schedule_id, run_date, payment_id, status, failure, at_ms) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        {schedule.id, run.run_date, payment_id, run.status, run.failure, run.at_ms}));
    EBANK_RETURN_IF_ERROR(
        RecordAudit(sql, clock_,
                    {"system", 0, "scheduled", "scheduled.run", std::to_string(schedule.id),
                     run.status == "completed" ? "ok" : run.failure, run.run_date}));
    if (run.status == "completed") return Status::Ok();
    auto mobile = sql.Query("SELECT mobile FROM customers WHERE id = ?", {customer_id});
    if (!mobile.ok()) return mobile.status();
    if (mobile->empty()) return Status::Ok();
    return EnqueueSms(sql, clock_, mobile->Text(0, 0),
                      fmt::format("【ebank】您尾号{}的账户{}的预约转账 {} {} 未能执行：{}。{}",
                                  Tail(schedule.from_account), run.run_date,
                                  schedule.amount.Decimal(), schedule.amount.currency().code(),
                                  ReasonText(run.failure), finished ? "" : "下期将照常执行。"));
  });
  // A unique violation means another scheduler recorded this run first.
  if (status.code() == Code::kConflict && status.reason() == "constraint") return false;
  if (!status.ok()) return status;
  return recorded;
}

}  // namespace ebank::services
