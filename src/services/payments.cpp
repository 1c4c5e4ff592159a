#include "services/payments.h"

#include <fmt/format.h>

#include <algorithm>
#include <future>

#include "core/hash.h"
#include "security/id_document.h"
#include "services/notifications.h"
#include "services/outbox.h"
#include "services/staff.h"
#include "services/usage.h"

namespace ebank::services {
namespace {

constexpr const char* kPaymentColumns =
    "id, status, from_account, to_account, amount_minor, currency, memo, tool, failure, "
    "ledger_seq, fingerprint, executing_since_ms, channel";

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
  payment.channel = rows.Text(r, 12);
  return payment;
}

// Starts the work and waits for the answer it gives its callback.
Result<Payment> Wait(const std::function<void(PaymentCallback)>& start) {
  std::promise<Result<Payment>> promise;
  auto answer = promise.get_future();
  start([&promise](Result<Payment> payment) { promise.set_value(std::move(payment)); });
  return answer.get();
}

std::string Tail(const std::string& number) {
  return number.size() > 4 ? number.substr(number.size() - 4) : number;
}

std::string ProductScope(const std::string& code) {
  return "product:" + code;
}
std::string CustomerScope(int64_t customer_id) {
  return "customer:" + std::to_string(customer_id);
}

std::string SelfScope(int64_t customer_id) {
  return "self:" + std::to_string(customer_id);
}

// The limits for payments by `customer_id` from an account of `product_code`: the
// defaults, replaced by the product's settings, replaced by the customer's (the bank's
// limits, copied to `bank` when given); then each lowered, never raised, to what the
// customer set for themselves (copied to `self` when given).
Result<std::vector<ToolLimit>> EffectiveLimits(store::SqlSession& sql, int64_t customer_id,
                                               const std::string& product_code,
                                               std::vector<ToolLimit>* bank = nullptr,
                                               std::vector<ToolLimit>* self = nullptr) {
  std::vector<ToolLimit> limits(std::begin(kDefaultLimits), std::end(kDefaultLimits));
  std::string scopes[] = {ProductScope(product_code), CustomerScope(customer_id),
                          SelfScope(customer_id)};
  auto rows = sql.Query(
      "SELECT scope, tool, per_transaction_minor, daily_minor FROM tool_limits WHERE scope IN "
      "(?, ?, ?)",
      {scopes[0], scopes[1], scopes[2]});
  if (!rows.ok()) return rows.status();
  // In the order of `scopes`, whatever order the rows came in.
  for (const std::string& scope : scopes) {
    bool own = &scope == &scopes[2];
    if (own && bank) *bank = limits;
    for (size_t r = 0; r < rows->size(); ++r) {
      auto tool = ParseTool(rows->Text(r, 1));
      if (!tool || rows->Text(r, 0) != scope) continue;
      ToolLimit set{*tool, rows->Int(r, 2), rows->Int(r, 3)};
      if (own && self) self->push_back(set);
      for (ToolLimit& limit : limits) {
        if (limit.tool != *tool) continue;
        limit =
            own ? ToolLimit{*tool, std::min(limit.per_transaction_minor, set.per_transaction_minor),
                            std::min(limit.daily_minor, set.daily_minor)}
                : set;
      }
    }
  }
  return limits;
}

const ToolLimit& Find(const std::vector<ToolLimit>& limits, Tool tool) {
  for (const ToolLimit& limit : limits) {
    if (limit.tool == tool) return limit;
  }
  return DefaultLimitFor(tool);
}

// The class II/III caps a payment between `from` and `to` counts against: money leaving a
// class II/III account, and money arriving in a class II account, unless the other side is
// the bound account.
struct CapUse {
  const BankAccount* account;
  const ClassCap* cap;
};
std::vector<CapUse> CapsFor(const BankAccount& from, const BankAccount& to) {
  std::vector<CapUse> uses;
  const ClassCap* out = CapFor(from.account_class);
  if (out && from.bound_number != to.number) uses.push_back({&from, out});
  if (to.account_class == 2 && to.bound_number != from.number) uses.push_back({&to, CapFor(2)});
  return uses;
}

}  // namespace

// Who is told of a balance change (SEC-8): the account owner's mobile, from this amount.
struct AlertRecipient {
  std::string mobile;
  std::optional<int64_t> threshold_minor;  // None: the owner has no e-banking signing.
};

namespace {

// Where a customer's balance alerts go; no threshold when they have no e-banking signing.
// (One customer a query: on SQLite, `IN (?, ?)` builds a temporary index every time.)
Result<AlertRecipient> FindAlertRecipient(store::SqlSession& sql, int64_t customer_id) {
  auto rows = sql.Query(
      "SELECT c.mobile, s.alert_threshold_minor FROM customers c JOIN signings s ON "
      "s.customer_id = c.id WHERE c.id = ?",
      {customer_id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return AlertRecipient{};
  return AlertRecipient{rows->Text(0, 0), rows->Int(0, 1)};
}

}  // namespace

struct PaymentService::Parties {
  int64_t customer_id = 0;
  BankAccount from;
  BankAccount to;
  std::vector<ToolLimit> limits;  // For payments from `from` to others; empty for own.
  AlertRecipient from_owner;
  AlertRecipient to_owner;
  bool own() const { return to.customer_id == customer_id; }
};

// A payment's own rows, written in the ledger's transaction around its transfer (see
// ledger::Effect): the payment record (inserted, or claimed from "sca_required"), the
// limits it uses, and once the money moved its outcome, audit row and alerts. So a payment
// is recorded if and only if its money moved or was refused, and a twin request (same key)
// finds the first one's outcome, never a payment half done.
class PaymentService::Execution final : public ledger::Effect {
 public:
  Execution(PaymentService& service, Parties parties, Payment payment, Tool tool,
            std::optional<TransferRequest> insert)
      : service_(service),
        parties_(std::move(parties)),
        payment_(std::move(payment)),
        tool_(tool),
        insert_(std::move(insert)) {}

  Status Before(ledger::WriteTransaction& transaction) override {
    store::SqlSession& sql = store::SqlOf(transaction);
    // Frozen or closed since the request read it (a counter freeze, say): refused here,
    // where no freeze can slip in before the money moves.
    auto state =
        sql.Query("SELECT status FROM bank_accounts WHERE number = ?", {parties_.from.number});
    if (!state.ok()) return state.status();
    if (state->empty() || state->Text(0, 0) != "active") {
      return Status::Rejected("account_unavailable",
                              "the account is " + (state->empty() ? "closed" : state->Text(0, 0)));
    }
    int64_t now = service_.clock_.NowMs();
    std::string tool(ToolName(tool_));
    std::optional<int64_t> taken;
    if (insert_) {
      auto inserted = sql.Insert(
          "INSERT INTO payments (customer_id, idempotency_key, fingerprint, from_account, "
          "to_account, amount_minor, currency, memo, channel, status, tool, challenge_id, "
          "ledger_seq, failure, created_at_ms, executing_since_ms) VALUES (?, ?, ?, ?, ?, ?, ?, "
          "?, ?, 'executing', ?, NULL, 0, '', ?, ?) ON CONFLICT DO NOTHING",
          {insert_->customer_id, insert_->idempotency_key, Fingerprint(*insert_),
           insert_->from_account, insert_->to_account, insert_->amount_minor,
           std::string(insert_->currency.code()), insert_->memo, insert_->channel, tool, now, now});
      if (!inserted.ok()) return inserted.status();
      taken = *inserted;
    } else {
      auto updated = sql.Query(
          "UPDATE payments SET status = 'executing', tool = ?, executing_since_ms = ? WHERE id = ? "
          "AND status = 'sca_required' RETURNING id",
          {tool, now, payment_.id});
      if (!updated.ok()) return updated.status();
      if (!updated->empty()) taken = updated->Int(0, 0);
    }
    if (!taken) return FoundEarlier(sql);
    payment_.id = *taken;
    payment_.tool = tool;
    Status refused = service_.Reserve(sql, parties_, payment_.amount.minor(), tool_);
    if (refused.code() == Code::kRejected) {
      EBANK_RETURN_IF_ERROR(Record(sql, "failed", 0, refused.reason()));
    }
    return refused;
  }

  Status After(ledger::WriteTransaction& transaction, const ledger::Outcome& outcome,
               const std::function<int64_t(ledger::AccountId)>& balance) override {
    store::SqlSession& sql = store::SqlOf(transaction);
    if (!outcome.status.ok()) {
      // The money did not move: give back what was reserved.
      EBANK_RETURN_IF_ERROR(Record(sql, "failed", 0, outcome.status.reason()));
      return service_.Reserve(sql, parties_, -payment_.amount.minor(), tool_);
    }
    EBANK_RETURN_IF_ERROR(Record(sql, "completed", outcome.seq, ""));
    payment_.status = "completed";
    payment_.ledger_seq = outcome.seq;
    EBANK_RETURN_IF_ERROR(
        RecordAudit(sql, service_.clock_,
                    {"customer", parties_.customer_id, payment_.channel, "payment.transfer",
                     std::to_string(payment_.id), "ok", payment_.amount.ToString()}));
    EBANK_RETURN_IF_ERROR(Alert(sql, parties_.from, parties_.from_owner, true, balance));
    return Alert(sql, parties_.to, parties_.to_owner, false, balance);
  }

  // The answer once the ledger's batch is durable.
  Result<Payment> Answer(const ledger::Outcome& outcome) const {
    if (earlier_) return *earlier_;
    if (!outcome.status.ok()) return outcome.status;
    return payment_;
  }

 private:
  // The payment was inserted or claimed by an earlier request: its record is the answer.
  Status FoundEarlier(store::SqlSession& sql) {
    Result<store::SqlRows> rows =
        insert_ ? sql.Query(fmt::format("SELECT {} FROM payments WHERE customer_id = ? AND "
                                        "idempotency_key = ?",
                                        kPaymentColumns),
                            {insert_->customer_id, insert_->idempotency_key})
                : sql.Query(fmt::format("SELECT {} FROM payments WHERE id = ?", kPaymentColumns),
                            {payment_.id});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return Status::Internal("payment_vanished", "the payment row is gone");
    if (insert_ && rows->Text(0, 10) != Fingerprint(*insert_)) {
      return Status::Conflict("idempotency_key_reused",
                              "this idempotency key was used for a different transfer");
    }
    auto earlier = PaymentFromRow(*rows, 0);
    if (!earlier.ok()) return earlier.status();
    earlier->replayed = true;
    earlier_ = std::move(*earlier);
    return Status::Conflict("payment_decided", "an earlier request decided this payment");
  }

  Status Record(store::SqlSession& sql, const std::string& status, ledger::Seq seq,
                const std::string& failure) {
    payment_.status = status;
    payment_.failure = failure;
    return sql.Exec("UPDATE payments SET status = ?, ledger_seq = ?, failure = ? WHERE id = ?",
                    {status, seq, failure, payment_.id});
  }

  // Tells `owner` of `account` of its balance change (SEC-8), as banks do: every movement
  // goes to their inbox (listed, and pushed to their open pages); an SMS is queued only when
  // the amount reaches their threshold. Owners without e-banking signing get neither.
  Status Alert(store::SqlSession& sql, const BankAccount& account, const AlertRecipient& owner,
               bool outgoing, const std::function<int64_t(ledger::AccountId)>& balance) {
    if (!owner.threshold_minor) return Status::Ok();
    int64_t balance_after = balance(account.ledger_account);
    EBANK_RETURN_IF_ERROR(RecordBalanceChange(
        sql, service_.clock_,
        {account.customer_id, outgoing, payment_.amount, Tail(account.number), balance_after}));
    if (payment_.amount.minor() < *owner.threshold_minor) return Status::Ok();
    const Currency& currency = payment_.amount.currency();
    std::string text =
        fmt::format("【ebank】您尾号{}的账户{} {} {}，余额 {}。", Tail(account.number),
                    outgoing ? "转出" : "转入", payment_.amount.Decimal(), currency.code(),
                    FormatAmount(balance_after, currency.exponent()));
    return EnqueueSms(sql, service_.clock_, owner.mobile, text);
  }

  PaymentService& service_;
  const Parties parties_;
  Payment payment_;
  const Tool tool_;
  const std::optional<TransferRequest> insert_;
  std::optional<Payment> earlier_;
};

Status CheckTransferFields(std::string_view idempotency_key, int64_t amount_minor,
                           std::string_view memo, std::string_view from_account,
                           std::string_view to_account) {
  if (idempotency_key.empty() || idempotency_key.size() > kPaymentKeyBytesMax ||
      !Printable(idempotency_key)) {
    return Status::Invalid("idempotency_key_required",
                           "an Idempotency-Key of 1 to 128 printable bytes is required");
  }
  if (amount_minor <= 0) return Status::Invalid("invalid_amount", "amount must be positive");
  if (memo.size() > kPaymentMemoBytesMax || !Printable(memo)) {
    return Status::Invalid("invalid_memo", "memo must be printable and at most 140 bytes");
  }
  if (from_account == to_account) {
    return Status::Invalid("same_account", "the payee account is the paying account");
  }
  return Status::Ok();
}

const ToolLimit& DefaultLimitFor(Tool tool) {
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

Result<PaymentService::Parties> PaymentService::LoadParties(store::SqlSession& sql,
                                                            int64_t customer_id,
                                                            const std::string& from_account,
                                                            const std::string& to_account) {
  // Another customer's account is answered exactly like an account that does not exist.
  auto from = FindAccount(sql, from_account);
  if (!from.ok()) return from.status();
  if (!*from || (*from)->customer_id != customer_id) {
    return Status::NotFound("unknown_account", "no such account of yours");
  }
  auto to = FindAccount(sql, to_account);
  if (!to.ok()) return to.status();
  if (!*to) return Status::NotFound("unknown_payee_account", "no such account in this bank");
  Parties parties{customer_id, **from, **to, {}, {}, {}};
  // Tool limits apply only to payments to others: own-account ones skip the read.
  if (!parties.own()) {
    auto limits = EffectiveLimits(sql, customer_id, parties.from.product_code);
    if (!limits.ok()) return limits.status();
    parties.limits = std::move(*limits);
  }
  auto from_owner = FindAlertRecipient(sql, parties.from.customer_id);
  if (!from_owner.ok()) return from_owner.status();
  parties.from_owner = *from_owner;
  if (parties.to.customer_id == parties.from.customer_id) {
    parties.to_owner = parties.from_owner;
  } else {
    auto to_owner = FindAlertRecipient(sql, parties.to.customer_id);
    if (!to_owner.ok()) return to_owner.status();
    parties.to_owner = *to_owner;
  }
  return parties;
}

Result<Payment> PaymentService::Create(const TransferRequest& request) {
  return Wait([&](PaymentCallback done) { Register(request, std::nullopt, std::move(done)); });
}

void PaymentService::CreateAsync(const TransferRequest& request, PaymentCallback done) {
  Register(request, std::nullopt, std::move(done));
}

Result<Payment> PaymentService::CreateAuthorised(const TransferRequest& request, Tool tool) {
  return Wait([&](PaymentCallback done) { Register(request, tool, std::move(done)); });
}

void PaymentService::Register(const TransferRequest& request, std::optional<Tool> authorised,
                              PaymentCallback done) {
  Status valid = CheckTransferFields(request.idempotency_key, request.amount_minor, request.memo,
                                     request.from_account, request.to_account);
  if (!valid.ok()) return done(valid);
  std::string fingerprint = Fingerprint(request);
  // One snapshot: an earlier payment with this key, both accounts, the limits.
  std::optional<Payment> existing;
  std::optional<Parties> parties;
  Status status = db_.Read([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query(fmt::format("SELECT {} FROM payments WHERE customer_id = ? AND "
                                      "idempotency_key = ?",
                                      kPaymentColumns),
                          {request.customer_id, request.idempotency_key});
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) {
      if (rows->Text(0, 10) != fingerprint) {
        return Status::Conflict("idempotency_key_reused",
                                "this idempotency key was used for a different transfer");
      }
      auto payment = PaymentFromRow(*rows, 0);
      if (!payment.ok()) return payment.status();
      existing = *payment;
      return Status::Ok();
    }
    auto loaded = LoadParties(sql, request.customer_id, request.from_account, request.to_account);
    if (!loaded.ok()) return loaded.status();
    parties = std::move(*loaded);
    return Status::Ok();
  });
  if (!status.ok()) return done(status);
  if (existing) {
    existing->replayed = true;  // A retry returns the first answer.
    return done(*existing);
  }
  const BankAccount& from = parties->from;
  const BankAccount& to = parties->to;
  if (from.status != "active") {
    return done(Status::Rejected("account_unavailable", "the account is " + from.status));
  }
  if (to.status == "closed") {
    return done(Status::Rejected("payee_account_unavailable", "the payee account is closed"));
  }
  std::string currency(request.currency.code());
  if (from.currency != currency || to.currency != currency) {
    return done(Status::Invalid("currency_mismatch", "both accounts must be in " + currency));
  }
  Payment payment;
  payment.from_account = request.from_account;
  payment.to_account = request.to_account;
  payment.amount = Money(request.currency, request.amount_minor);
  payment.memo = request.memo;
  payment.channel = request.channel;
  // Own-account, small and earlier-authorised payments move at once: a small one to
  // someone else counts against the password tier, an authorised one against the tool
  // that authorised it, an own-account one against no tool.
  if (authorised || parties->own() || request.amount_minor <= kNoChallengeMaxMinor) {
    Tool tool = authorised.value_or(Tool::kPassword);
    return Execute(std::move(*parties), std::move(payment), tool, request, std::move(done));
  }
  auto allowed = Covering(parties->limits, request.customer_id, request.amount_minor);
  if (!allowed.ok()) return done(allowed.status());
  payment.status = "sca_required";
  status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query(
        "INSERT INTO payments (customer_id, idempotency_key, fingerprint, from_account, "
        "to_account, amount_minor, currency, memo, channel, status, tool, challenge_id, "
        "ledger_seq, failure, created_at_ms, executing_since_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
        "?, 'sca_required', '', NULL, 0, '', ?, 0) RETURNING id",
        {request.customer_id, request.idempotency_key, fingerprint, request.from_account,
         request.to_account, request.amount_minor, currency, request.memo, request.channel,
         clock_.NowMs()});
    if (!rows.ok()) return rows.status();
    payment.id = rows->Int(0, 0);
    return Status::Ok();
  });
  if (status.code() == Code::kConflict) {  // A twin won.
    return Register(request, authorised, std::move(done));
  }
  if (!status.ok()) return done(status);
  payment.allowed_tools = std::move(*allowed);
  done(std::move(payment));
}

void PaymentService::Execute(Parties parties, Payment payment, Tool tool,
                             std::optional<TransferRequest> insert, PaymentCallback done) {
  int64_t amount = payment.amount.minor();
  ledger::Request request{
      "",
      ledger::Transfer{{{parties.from.ledger_account, -amount, payment.amount.currency()},
                        {parties.to.ledger_account, amount, payment.amount.currency()}},
                       payment.memo},
      nullptr};
  auto execution = std::make_shared<Execution>(*this, std::move(parties), std::move(payment), tool,
                                               std::move(insert));
  request.effect = execution;
  std::vector<ledger::Request> requests;
  requests.push_back(std::move(request));
  ledger_.Submit(std::move(requests),
                 [execution, done = std::move(done)](std::vector<ledger::Outcome> outcomes) {
                   done(execution->Answer(outcomes.front()));
                 });
}

Result<ChallengeInfo> PaymentService::Challenge(int64_t customer_id, int64_t payment_id,
                                                Tool tool) {
  std::optional<Payment> payment;
  std::optional<Parties> parties;
  Status status = db_.Read([&](store::SqlSession& sql) -> Status {
    auto loaded = Load(sql, customer_id, payment_id);
    if (!loaded.ok()) return loaded.status();
    payment = *loaded;
    auto found = LoadParties(sql, customer_id, payment->from_account, payment->to_account);
    if (!found.ok()) return found.status();
    parties = std::move(*found);
    return Status::Ok();
  });
  if (!status.ok()) return status;
  if (payment->status != "sca_required") {
    return Status::Rejected("payment_not_pending", "this payment is " + payment->status);
  }
  if (Find(parties->limits, tool).per_transaction_minor < payment->amount.minor()) {
    return Status::Rejected("tool_limit_exceeded", "this tool's limit is below the amount");
  }
  return signing_.PaymentChallenge(
      customer_id, tool, {std::to_string(payment_id), payment->amount, payment->to_account});
}

Result<Payment> PaymentService::Confirm(int64_t customer_id, int64_t payment_id,
                                        std::string_view challenge_id, std::string_view answer) {
  return Wait([&](PaymentCallback done) {
    ConfirmAsync(customer_id, payment_id, challenge_id, answer, std::move(done));
  });
}

void PaymentService::ConfirmAsync(int64_t customer_id, int64_t payment_id,
                                  std::string_view challenge_id, std::string_view answer,
                                  PaymentCallback done) {
  std::optional<Payment> payment;
  std::optional<Parties> parties;
  std::string tool_name;
  Status status = db_.Read([&](store::SqlSession& sql) -> Status {
    auto loaded = Load(sql, customer_id, payment_id);
    if (!loaded.ok()) return loaded.status();
    payment = *loaded;
    auto found = LoadParties(sql, customer_id, payment->from_account, payment->to_account);
    if (!found.ok()) return found.status();
    parties = std::move(*found);
    auto rows = sql.Query("SELECT tool FROM challenges WHERE id = ? AND customer_id = ?",
                          {std::string(challenge_id), customer_id});
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) tool_name = rows->Text(0, 0);
    return Status::Ok();
  });
  if (!status.ok()) return done(status);
  if (payment->status == "completed" || payment->status == "failed") {
    payment->replayed = true;
    return done(*payment);
  }
  if (payment->status != "sca_required") {
    return done(Status::Rejected("payment_not_pending", "this payment is " + payment->status));
  }
  status = signing_.VerifyPaymentChallenge(
      customer_id, challenge_id, {std::to_string(payment_id), payment->amount, payment->to_account},
      answer);
  if (!status.ok()) return done(status);
  auto tool = ParseTool(tool_name);
  if (!tool) {
    return done(Status::Internal("challenge_without_tool", "the challenge names no tool"));
  }
  // The ledger's transaction claims the payment from "sca_required" and reserves its
  // limits before the money moves, so a challenge answered twice at once pays once.
  Execute(std::move(*parties), std::move(*payment), *tool, std::nullopt, std::move(done));
}

Status PaymentService::Reserve(store::SqlSession& sql, const Parties& parties, int64_t amount,
                               Tool tool) {
  std::string day = LimitDay(clock_.NowMs());
  std::vector<Usage> usages;
  if (!parties.own()) {
    const ToolLimit& limit = Find(parties.limits, tool);
    if (amount > limit.per_transaction_minor) {
      return Status::Rejected("tool_limit_exceeded", "this tool's limit is below the amount");
    }
    usages.push_back({"limit_usage", "customer_id", parties.customer_id, "day", day,
                      limit.daily_minor,
                      Status::Rejected("daily_limit_exceeded",
                                       "the amount is over what remains of today's limit")});
  }
  for (const CapUse& use : CapsFor(parties.from, parties.to)) {
    Status refusal = Status::Rejected(
        "account_class_limit_exceeded",
        fmt::format("the amount is over what remains of the class {} account's limit",
                    use.cap->account_class == 2 ? "II" : "III"));
    std::string direction = use.account == &parties.from ? "out:" : "in:";
    usages.push_back({"account_usage", "account_number", use.account->number, "period",
                      direction + day, use.cap->daily_minor, refusal});
    usages.push_back({"account_usage", "account_number", use.account->number, "period",
                      direction + day.substr(0, 4), use.cap->yearly_minor, refusal});
  }
  return AddUsage(sql, usages, amount);
}

Result<std::vector<Tool>> PaymentService::Covering(const std::vector<ToolLimit>& limits,
                                                   int64_t customer_id, int64_t amount_minor) {
  auto record = signing_.Get(customer_id);
  if (!record.ok()) return record.status();
  std::vector<Tool> allowed;
  for (Tool tool : record->tools) {
    if (Find(limits, tool).per_transaction_minor >= amount_minor) allowed.push_back(tool);
  }
  if (allowed.empty()) {
    return Status::Rejected("limit_exceeded",
                            "the amount is over the per-transaction limit of every security "
                            "tool you hold");
  }
  return allowed;
}

Result<std::vector<Tool>> PaymentService::ToolsCovering(int64_t customer_id,
                                                        const std::string& from_account,
                                                        int64_t amount_minor) {
  auto limits = Limits(customer_id, from_account, nullptr);
  if (!limits.ok()) return limits.status();
  return Covering(*limits, customer_id, amount_minor);
}

Result<std::vector<ToolLimit>> PaymentService::Limits(int64_t customer_id,
                                                      const std::string& account_number,
                                                      int64_t* used_today_minor) {
  std::vector<ToolLimit> limits;
  Status status = db_.Read([&](store::SqlSession& sql) -> Status {
    auto account = FindAccount(sql, account_number);
    if (!account.ok()) return account.status();
    if (!*account || (*account)->customer_id != customer_id) {
      return Status::NotFound("unknown_account", "no such account of yours");
    }
    auto found = EffectiveLimits(sql, customer_id, (*account)->product_code);
    if (!found.ok()) return found.status();
    limits = std::move(*found);
    auto used = sql.Query("SELECT used_minor FROM limit_usage WHERE customer_id = ? AND day = ?",
                          {customer_id, LimitDay(clock_.NowMs())});
    if (!used.ok()) return used.status();
    if (used_today_minor) *used_today_minor = used->empty() ? 0 : used->Int(0, 0);
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return limits;
}

Status PaymentService::SetLimit(const std::string& scope, const ToolLimit& limit) {
  if (limit.per_transaction_minor < 0 || limit.daily_minor < 0 ||
      limit.per_transaction_minor > limit.daily_minor) {
    return Status::Invalid("invalid_limit",
                           "limits are not negative and a payment's is at most the day's");
  }
  return db_.Transaction([&](store::SqlSession& sql) -> Status {
    EBANK_RETURN_IF_ERROR(sql.Exec("DELETE FROM tool_limits WHERE scope = ? AND tool = ?",
                                   {scope, std::string(ToolName(limit.tool))}));
    return sql.Exec(
        "INSERT INTO tool_limits (scope, tool, per_transaction_minor, daily_minor, updated_at_ms) "
        "VALUES (?, ?, ?, ?, ?)",
        {scope, std::string(ToolName(limit.tool)), limit.per_transaction_minor, limit.daily_minor,
         clock_.NowMs()});
  });
}

Status PaymentService::SetProductLimit(const std::string& product_code, const ToolLimit& limit) {
  auto products = customers_.Products();
  if (!products.ok()) return products.status();
  if (std::none_of(products->begin(), products->end(),
                   [&](const Product& product) { return product.code == product_code; })) {
    return Status::NotFound("unknown_product", "no such product");
  }
  return SetLimit(ProductScope(product_code), limit);
}

Status PaymentService::SetCustomerLimit(int64_t customer_id, const ToolLimit& limit) {
  return SetLimit(CustomerScope(customer_id), limit);
}

Status PaymentService::SetSelfLimit(int64_t customer_id, const std::string& account_number,
                                    const ToolLimit& limit) {
  if (limit.per_transaction_minor < 0 || limit.daily_minor < 0 ||
      limit.per_transaction_minor > limit.daily_minor) {
    return Status::Invalid("invalid_limit",
                           "limits are not negative and a payment's is at most the day's");
  }
  Status outcome = Status::Ok();
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto account = FindAccount(sql, account_number);
    if (!account.ok()) return account.status();
    if (!*account || (*account)->customer_id != customer_id) {
      outcome = Status::NotFound("unknown_account", "no such account of yours");
      return Status::Ok();
    }
    std::vector<ToolLimit> bank;
    auto found = EffectiveLimits(sql, customer_id, (*account)->product_code, &bank);
    if (!found.ok()) return found.status();
    const ToolLimit& ceiling = Find(bank, limit.tool);
    if (limit.per_transaction_minor > ceiling.per_transaction_minor ||
        limit.daily_minor > ceiling.daily_minor) {
      outcome =
          Status::Rejected("above_bank_limit", "a limit you set may only be lower than the bank's");
    } else {
      EBANK_RETURN_IF_ERROR(sql.Exec("DELETE FROM tool_limits WHERE scope = ? AND tool = ?",
                                     {SelfScope(customer_id), std::string(ToolName(limit.tool))}));
      EBANK_RETURN_IF_ERROR(
          sql.Exec("INSERT INTO tool_limits (scope, tool, per_transaction_minor, daily_minor, "
                   "updated_at_ms) VALUES (?, ?, ?, ?, ?)",
                   {SelfScope(customer_id), std::string(ToolName(limit.tool)),
                    limit.per_transaction_minor, limit.daily_minor, clock_.NowMs()}));
    }
    return RecordAudit(sql, clock_,
                       {"customer", customer_id, "web", "limits.self",
                        std::string(ToolName(limit.tool)), outcome.ok() ? "ok" : outcome.reason(),
                        fmt::format("{}/{}", limit.per_transaction_minor, limit.daily_minor)});
  });
  if (!status.ok()) return status;
  return outcome;
}

Status PaymentService::ClearSelfLimit(int64_t customer_id, Tool tool) {
  return db_.Transaction([&](store::SqlSession& sql) -> Status {
    EBANK_RETURN_IF_ERROR(sql.Exec("DELETE FROM tool_limits WHERE scope = ? AND tool = ?",
                                   {SelfScope(customer_id), std::string(ToolName(tool))}));
    return RecordAudit(sql, clock_,
                       {"customer", customer_id, "web", "limits.self_clear",
                        std::string(ToolName(tool)), "ok", ""});
  });
}

Result<std::vector<PaymentService::LimitSetting>> PaymentService::LimitSettings(
    int64_t customer_id, const std::string& account_number) {
  std::vector<LimitSetting> settings;
  Status status = db_.Read([&](store::SqlSession& sql) -> Status {
    auto account = FindAccount(sql, account_number);
    if (!account.ok()) return account.status();
    if (!*account || (*account)->customer_id != customer_id) {
      return Status::NotFound("unknown_account", "no such account of yours");
    }
    std::vector<ToolLimit> bank, self;
    auto found = EffectiveLimits(sql, customer_id, (*account)->product_code, &bank, &self);
    if (!found.ok()) return found.status();
    for (const ToolLimit& limit : bank) {
      LimitSetting setting{limit, std::nullopt};
      for (const ToolLimit& own : self) {
        if (own.tool == limit.tool) setting.self = own;
      }
      settings.push_back(setting);
    }
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return settings;
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
