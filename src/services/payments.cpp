#include "services/payments.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/hash.h"
#include "security/id_document.h"
#include "services/outbox.h"
#include "services/staff.h"

namespace ebank::services {
namespace {

constexpr const char* kPaymentColumns =
    "id, status, from_account, to_account, amount_minor, currency, memo, tool, failure, "
    "ledger_seq, fingerprint";

bool Printable(std::string_view text) {
  return std::none_of(text.begin(), text.end(), [](char c) {
    auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

std::string Fingerprint(const TransferRequest& request) {
  return ToHex(Sha256(fmt::format("{}|{}|{}|{}|{}", request.from_account, request.to_account,
                                  request.amount_minor, request.currency.code(), request.memo)));
}

Result<Payment> PaymentFromRow(const store::SqlRows& rows, size_t r) {
  auto currency = Currency::Parse(rows.Text(r, 5));
  if (!currency.ok()) return currency.status();
  Payment payment;
  payment.id = rows.Int(r, 0);
  payment.status = rows.Text(r, 1);
  payment.from_account = rows.Text(r, 2);
  payment.to_account = rows.Text(r, 3);
  payment.amount = Money(*currency, rows.Int(r, 4));
  payment.memo = rows.Text(r, 6);
  payment.tool = rows.Text(r, 7);
  payment.failure = rows.Text(r, 8);
  payment.ledger_seq = rows.Int(r, 9);
  return payment;
}

std::string Tail(const std::string& number) {
  return number.size() > 4 ? number.substr(number.size() - 4) : number;
}

// Queues balance-change alerts (SEC-8) for the owners of the two accounts whose threshold
// the amount reaches.
Status QueueAlerts(store::SqlSession& sql, const Clock& clock, ledger::Ledger& ledger,
                   const Payment& payment, const BankAccount& from, const BankAccount& to) {
  for (const auto& [account, outgoing] : {std::pair{&from, true}, std::pair{&to, false}}) {
    auto rows = sql.Query(
        "SELECT c.mobile, s.alert_threshold_minor FROM customers c JOIN signings s ON "
        "s.customer_id = c.id WHERE c.id = ?",
        {account->customer_id});
    if (!rows.ok()) return rows.status();
    if (rows->empty() || payment.amount.minor() < rows->Int(0, 1)) continue;
    int64_t balance = 0;
    Status read = ledger.store().Read([&](ledger::LedgerReader& reader) {
      auto accounts = reader.GetAccounts({account->ledger_account});
      if (!accounts.ok()) return accounts.status();
      if (!accounts->empty()) balance = accounts->front().normal_balance();
      return Status::Ok();
    });
    if (!read.ok()) return read;
    std::string text = fmt::format("【ebank】您尾号{}的账户{} {} {}，余额 {}。",
                                   Tail(account->number), outgoing ? "转出" : "转入",
                                   payment.amount.Decimal(), payment.amount.currency().code(),
                                   FormatAmount(balance, payment.amount.currency().exponent()));
    EBANK_RETURN_IF_ERROR(EnqueueSms(sql, clock, rows->Text(0, 0), text));
  }
  return Status::Ok();
}

}  // namespace

const ToolLimit& LimitFor(Tool tool) {
  for (const ToolLimit& limit : kDefaultLimits) {
    if (limit.tool == tool) return limit;
  }
  return kDefaultLimits[0];
}

std::string LimitDay(int64_t now_ms) {
  auto day = security::ChinaStandardDate(now_ms);
  return fmt::format("{:04d}-{:02d}-{:02d}", static_cast<int>(day.year()),
                     static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
}

Result<Payment> PaymentService::Load(store::SqlSession& sql, int64_t customer_id,
                                     int64_t payment_id) {
  auto rows = sql.Query(
      fmt::format("SELECT {} FROM payments WHERE id = ? AND customer_id = ?", kPaymentColumns),
      {payment_id, customer_id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return Status::NotFound("unknown_payment", "no such payment");
  return PaymentFromRow(*rows, 0);
}

Result<Payment> PaymentService::Get(int64_t customer_id, int64_t payment_id) {
  std::optional<Payment> payment;
  Status status = db_.Read([&](store::SqlSession& sql) {
    auto loaded = Load(sql, customer_id, payment_id);
    if (!loaded.ok()) return loaded.status();
    payment = *loaded;
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return *payment;
}

Result<Payment> PaymentService::Create(const TransferRequest& request) {
  if (request.idempotency_key.empty() || request.idempotency_key.size() > kPaymentKeyBytesMax ||
      !Printable(request.idempotency_key)) {
    return Status::Invalid("idempotency_key_required",
                           "an Idempotency-Key of 1 to 128 printable bytes is required");
  }
  if (request.amount_minor <= 0)
    return Status::Invalid("invalid_amount", "amount must be positive");
  if (request.memo.size() > kPaymentMemoBytesMax || !Printable(request.memo)) {
    return Status::Invalid("invalid_memo", "memo must be printable and at most 140 bytes");
  }
  if (request.from_account == request.to_account) {
    return Status::Invalid("same_account", "the payee account is the paying account");
  }
  std::string fingerprint = Fingerprint(request);
  // A retry returns the first answer.
  std::optional<Payment> existing;
  Status status = db_.Read([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query(fmt::format("SELECT {} FROM payments WHERE customer_id = ? AND "
                                      "idempotency_key = ?",
                                      kPaymentColumns),
                          {request.customer_id, request.idempotency_key});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return Status::Ok();
    if (rows->Text(0, 10) != fingerprint) {
      return Status::Conflict("idempotency_key_reused",
                              "this idempotency key was used for a different transfer");
    }
    auto payment = PaymentFromRow(*rows, 0);
    if (!payment.ok()) return payment.status();
    existing = *payment;
    return Status::Ok();
  });
  if (!status.ok()) return status;
  if (existing) {
    if (existing->status == "executing" || existing->status == "accepted") {
      auto tool = ParseTool(existing->tool);
      return Execute(request.customer_id, *existing, tool.value_or(Tool::kPassword));
    }
    existing->replayed = true;
    return *existing;
  }

  // Another customer's account is answered exactly like an account that does not exist.
  auto from = customers_.GetAccount(request.from_account);
  if (!from.ok() || from->customer_id != request.customer_id) {
    return Status::NotFound("unknown_account", "no such account of yours");
  }
  if (from->status != "active")
    return Status::Rejected("account_unavailable", "the account is " + from->status);
  auto to = customers_.GetAccount(request.to_account);
  if (!to.ok()) return Status::NotFound("unknown_payee_account", "no such account in this bank");
  if (to->status == "closed")
    return Status::Rejected("payee_account_unavailable", "the payee account is closed");
  Status currencies = ledger_.store().Read([&](ledger::LedgerReader& reader) {
    auto accounts = reader.GetAccounts({from->ledger_account, to->ledger_account});
    if (!accounts.ok()) return accounts.status();
    for (const auto& account : *accounts) {
      if (!(account.currency == request.currency)) {
        return Status::Invalid("currency_mismatch",
                               "both accounts must be in " + std::string(request.currency.code()));
      }
    }
    return Status::Ok();
  });
  if (!currencies.ok()) return currencies;

  bool own = to->customer_id == request.customer_id;
  bool immediate = own || request.amount_minor <= kNoChallengeMaxMinor;
  std::vector<Tool> allowed;
  if (!immediate) {
    auto record = signing_.Get(request.customer_id);
    if (!record.ok()) return record.status();
    for (Tool tool : record->tools) {
      if (LimitFor(tool).per_transaction_minor >= request.amount_minor) allowed.push_back(tool);
    }
    if (allowed.empty()) {
      return Status::Rejected("limit_exceeded",
                              "the amount is over the per-transaction limit of every security "
                              "tool you hold");
    }
  }
  Payment payment;
  // "accepted": about to execute, its limit not yet reserved (Execute reserves it).
  payment.status = immediate ? "accepted" : "sca_required";
  payment.from_account = request.from_account;
  payment.to_account = request.to_account;
  payment.amount = Money(request.currency, request.amount_minor);
  payment.memo = request.memo;
  payment.tool = immediate ? std::string(ToolName(Tool::kPassword)) : "";
  status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query(
        "INSERT INTO payments (customer_id, idempotency_key, fingerprint, from_account, "
        "to_account, "
        "amount_minor, currency, memo, channel, status, tool, challenge_id, ledger_seq, failure, "
        "created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0, '', ?) RETURNING id",
        {request.customer_id, request.idempotency_key, fingerprint, request.from_account,
         request.to_account, request.amount_minor, std::string(request.currency.code()),
         request.memo, request.channel, payment.status, payment.tool, clock_.NowMs()});
    if (!rows.ok()) return rows.status();
    payment.id = rows->Int(0, 0);
    return Status::Ok();
  });
  if (status.code() == Code::kConflict) return Create(request);  // A concurrent twin won.
  if (!status.ok()) return status;
  if (!immediate) {
    payment.allowed_tools = allowed;
    return payment;
  }
  // A small transfer counts against the password tier's daily limit; an own-account one
  // against none (Execute exempts it).
  return Execute(request.customer_id, payment, Tool::kPassword);
}

Result<ChallengeInfo> PaymentService::Challenge(int64_t customer_id, int64_t payment_id,
                                                Tool tool) {
  auto payment = Get(customer_id, payment_id);
  if (!payment.ok()) return payment.status();
  if (payment->status != "sca_required") {
    return Status::Rejected("payment_not_pending", "this payment is " + payment->status);
  }
  if (LimitFor(tool).per_transaction_minor < payment->amount.minor()) {
    return Status::Rejected("tool_limit_exceeded", "this tool's limit is below the amount");
  }
  return signing_.PaymentChallenge(
      customer_id, tool, {std::to_string(payment_id), payment->amount, payment->to_account});
}

Result<Payment> PaymentService::Confirm(int64_t customer_id, int64_t payment_id,
                                        std::string_view challenge_id, std::string_view answer) {
  auto payment = Get(customer_id, payment_id);
  if (!payment.ok()) return payment.status();
  if (payment->status == "completed" || payment->status == "failed") {
    payment->replayed = true;
    return *payment;
  }
  if (payment->status != "sca_required") {
    return Status::Rejected("payment_not_pending", "this payment is " + payment->status);
  }
  std::string tool_name;
  Status status = db_.Read([&](store::SqlSession& sql) {
    auto rows = sql.Query("SELECT tool FROM challenges WHERE id = ? AND customer_id = ?",
                          {std::string(challenge_id), customer_id});
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) tool_name = rows->Text(0, 0);
    return Status::Ok();
  });
  if (!status.ok()) return status;
  EBANK_RETURN_IF_ERROR(signing_.VerifyPaymentChallenge(
      customer_id, challenge_id, {std::to_string(payment_id), payment->amount, payment->to_account},
      answer));
  auto tool = ParseTool(tool_name);
  if (!tool) return Status::Internal("challenge_without_tool", "the challenge names no tool");
  return Execute(customer_id, *payment, *tool);
}

Result<Payment> PaymentService::Execute(int64_t customer_id, Payment payment, Tool tool) {
  auto from = customers_.GetAccount(payment.from_account);
  auto to = customers_.GetAccount(payment.to_account);
  if (!from.ok()) return from.status();
  if (!to.ok()) return to.status();
  bool own = to->customer_id == customer_id;
  std::string day = LimitDay(clock_.NowMs());
  int64_t amount = payment.amount.minor();
  // Reserve the daily limit in the database before the money moves, so that concurrent
  // payments (in any process) cannot together pass it.
  if (payment.status != "executing") {
    Status failure = Status::Ok();
    Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
      if (!own) {
        auto used =
            sql.Query("SELECT used_minor FROM limit_usage WHERE customer_id = ? AND day = ?",
                      {customer_id, day});
        if (!used.ok()) return used.status();
        int64_t already = used->empty() ? 0 : used->Int(0, 0);
        if (already + amount > LimitFor(tool).daily_minor) {
          failure = Status::Rejected("daily_limit_exceeded",
                                     "the amount is over what remains of today's limit");
          return sql.Exec(
              "UPDATE payments SET status = 'failed', failure = ?, tool = ? WHERE id = ?",
              {failure.reason(), std::string(ToolName(tool)), payment.id});
        }
        EBANK_RETURN_IF_ERROR(
            used->empty() ? sql.Exec("INSERT INTO limit_usage (customer_id, day, used_minor) "
                                     "VALUES (?, ?, ?)",
                                     {customer_id, day, amount})
                          : sql.Exec("UPDATE limit_usage SET used_minor = used_minor + ? "
                                     "WHERE customer_id = ? AND day = ?",
                                     {amount, customer_id, day}));
      }
      return sql.Exec("UPDATE payments SET status = 'executing', tool = ? WHERE id = ?",
                      {std::string(ToolName(tool)), payment.id});
    });
    if (!status.ok()) return status;
    if (!failure.ok()) return failure;
    payment.status = "executing";
    payment.tool = std::string(ToolName(tool));
  }
  ledger::Outcome outcome = ledger_.Execute(
      ledger::Request{"pay:" + std::to_string(payment.id),
                      ledger::Transfer{{{from->ledger_account, -amount, payment.amount.currency()},
                                        {to->ledger_account, amount, payment.amount.currency()}},
                                       payment.memo}});
  if (outcome.status.code() == Code::kUnavailable || outcome.status.code() == Code::kInternal) {
    return outcome.status;  // Still executing: a retry with the same key finishes it.
  }
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    if (!outcome.status.ok()) {
      if (!own) {
        EBANK_RETURN_IF_ERROR(sql.Exec(
            "UPDATE limit_usage SET used_minor = used_minor - ? WHERE customer_id = ? AND day = ?",
            {amount, customer_id, day}));
      }
      return sql.Exec("UPDATE payments SET status = 'failed', failure = ? WHERE id = ?",
                      {outcome.status.reason(), payment.id});
    }
    EBANK_RETURN_IF_ERROR(
        sql.Exec("UPDATE payments SET status = 'completed', ledger_seq = ? WHERE id = ?",
                 {outcome.seq, payment.id}));
    payment.status = "completed";
    payment.ledger_seq = outcome.seq;
    EBANK_RETURN_IF_ERROR(
        RecordAudit(sql, clock_,
                    {"customer", customer_id, "web", "payment.transfer", std::to_string(payment.id),
                     "ok", payment.amount.ToString()}));
    return QueueAlerts(sql, clock_, ledger_, payment, *from, *to);
  });
  if (!status.ok()) return status;
  if (!outcome.status.ok()) {
    payment.status = "failed";
    payment.failure = outcome.status.reason();
    return outcome.status;
  }
  return payment;
}

Result<Payee> PaymentService::AddPayee(int64_t customer_id, const std::string& name,
                                       const std::string& account_number) {
  if (name.empty() || name.size() > kNameBytesMax || !Printable(name)) {
    return Status::Invalid("invalid_name", "a payee's name is 1 to 120 printable bytes");
  }
  auto account = customers_.GetAccount(account_number);
  if (!account.ok() || account->status == "closed") {
    return Status::NotFound("unknown_payee_account", "no such account in this bank");
  }
  Payee payee{0, name, account_number, clock_.NowMs()};
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto count = sql.Query("SELECT COUNT(*) FROM payees WHERE customer_id = ?", {customer_id});
    if (!count.ok()) return count.status();
    if (count->Int(0, 0) >= static_cast<int64_t>(kPayeesPerCustomerMax)) {
      return Status::Rejected("too_many_payees", "at most 100 saved payees");
    }
    auto rows = sql.Query(
        "INSERT INTO payees (customer_id, name, account_number, created_at_ms) VALUES (?, ?, ?, ?) "
        "RETURNING id",
        {customer_id, name, account_number, payee.created_at_ms});
    if (!rows.ok()) return rows.status();
    payee.id = rows->Int(0, 0);
    return Status::Ok();
  });
  if (status.code() == Code::kConflict) {
    return Status::Conflict("payee_exists", "this account is already a saved payee");
  }
  if (!status.ok()) return status;
  return payee;
}

Result<std::vector<Payee>> PaymentService::Payees(int64_t customer_id) {
  std::vector<Payee> payees;
  Status status = db_.Read([&](store::SqlSession& sql) {
    auto rows = sql.Query(
        "SELECT id, name, account_number, created_at_ms FROM payees WHERE customer_id = ? ORDER BY "
        "id",
        {customer_id});
    if (!rows.ok()) return rows.status();
    for (size_t r = 0; r < rows->size(); ++r) {
      payees.push_back({rows->Int(r, 0), rows->Text(r, 1), rows->Text(r, 2), rows->Int(r, 3)});
    }
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return payees;
}

Status PaymentService::RemovePayee(int64_t customer_id, int64_t payee_id) {
  bool removed = false;
  Status status = db_.Transaction([&](store::SqlSession& sql) {
    auto rows = sql.Query("DELETE FROM payees WHERE id = ? AND customer_id = ? RETURNING id",
                          {payee_id, customer_id});
    if (!rows.ok()) return rows.status();
    removed = !rows->empty();
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return removed ? Status::Ok() : Status::NotFound("unknown_payee", "no such saved payee");
}

}  // namespace ebank::services
