#include "services/approvals.h"

#include <fmt/format.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <charconv>
#include <future>
#include <memory>

#include "core/hash.h"
#include "services/cards.h"
#include "services/organisation.h"
#include "services/signing.h"
#include "services/ukeys.h"

namespace ebank::services {
namespace {

namespace json = boost::json;

constexpr std::array<std::pair<ApprovalKind, std::string_view>, 11> kKinds = {{
    {ApprovalKind::kCashDeposit, "cash_deposit"},
    {ApprovalKind::kCashWithdrawal, "cash_withdrawal"},
    {ApprovalKind::kFreeze, "freeze"},
    {ApprovalKind::kUnfreeze, "unfreeze"},
    {ApprovalKind::kUkeyIssue, "ukey_issue"},
    {ApprovalKind::kCardIssue, "card_issue"},
    {ApprovalKind::kPasswordCardIssue, "password_card_issue"},
    {ApprovalKind::kTotpEnrol, "totp_enrol"},
    {ApprovalKind::kPasswordReset, "password_reset"},
    {ApprovalKind::kUkeyCertify, "ukey_certify"},
    {ApprovalKind::kCardRestore, "card_restore"},
}};
constexpr const char* kApprovalColumns =
    "id, kind, payload, unit_id, maker_staff_id, state, checker_staff_id, created_at_ms, "
    "expires_at_ms, decided_at_ms, outcome, ledger_seq, fingerprint";
constexpr size_t kFingerprintColumn = 12;
constexpr const char* kClaim =
    "UPDATE approvals SET state = 'approved', checker_staff_id = ?, decided_at_ms = ? WHERE id = "
    "? AND state = 'pending' AND expires_at_ms > ? RETURNING id";

bool IsCash(ApprovalKind kind) {
  return kind == ApprovalKind::kCashDeposit || kind == ApprovalKind::kCashWithdrawal;
}

// The kinds whose maker prepared what the approval enters (ApprovalAction::prepared).
bool IsPrepared(ApprovalKind kind) {
  return kind == ApprovalKind::kCardIssue || kind == ApprovalKind::kPasswordCardIssue ||
         kind == ApprovalKind::kTotpEnrol || kind == ApprovalKind::kPasswordReset ||
         kind == ApprovalKind::kUkeyCertify;
}

// The kinds whose action names its object in `serial` (shown) and `prepared` (used).
bool HasObject(ApprovalKind kind) {
  return IsPrepared(kind) || kind == ApprovalKind::kCardRestore;
}

bool Printable(std::string_view text) {
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) return false;
  }
  return true;
}

std::string Payload(const ApprovalAction& action) {
  json::object payload{{"account", action.account}, {"memo", action.memo}};
  if (IsCash(action.kind)) {
    payload["amount_minor"] = action.amount_minor;
    payload["currency"] = action.currency.code();
  }
  if (action.kind == ApprovalKind::kUkeyIssue || HasObject(action.kind))
    payload["serial"] = action.serial;
  if (HasObject(action.kind)) payload["prepared"] = action.prepared;
  return json::serialize(payload);
}

// What an idempotency key stands for: the action without what its maker drew at random.
std::string Fingerprint(const ApprovalAction& action) {
  ApprovalAction asked = action;
  if (IsPrepared(asked.kind)) {
    asked.serial.clear();
    asked.prepared.clear();
  }
  return ToHex(Sha256(ApprovalKindName(asked.kind), Payload(asked)));
}

Result<Approval> ApprovalFromRow(const store::SqlRows& rows, size_t r) {
  Approval approval;
  approval.id = rows.Int(r, 0);
  auto kind = ParseApprovalKind(rows.Text(r, 1));
  if (!kind) return Status::Internal("database_corrupt", "unknown approval kind");
  approval.action.kind = *kind;
  boost::system::error_code error;
  json::value payload = json::parse(rows.Text(r, 2), error);
  if (error || !payload.is_object()) {
    return Status::Internal("database_corrupt", "approval payload is not a JSON object");
  }
  const json::object& fields = payload.as_object();
  if (const json::value* account = fields.if_contains("account"); account && account->is_string())
    approval.action.account = std::string(account->as_string());
  if (const json::value* memo = fields.if_contains("memo"); memo && memo->is_string())
    approval.action.memo = std::string(memo->as_string());
  if (const json::value* serial = fields.if_contains("serial"); serial && serial->is_string())
    approval.action.serial = std::string(serial->as_string());
  if (const json::value* prepared = fields.if_contains("prepared");
      prepared && prepared->is_string())
    approval.action.prepared = std::string(prepared->as_string());
  if (const json::value* amount = fields.if_contains("amount_minor"); amount && amount->is_int64())
    approval.action.amount_minor = amount->as_int64();
  if (const json::value* code = fields.if_contains("currency"); code && code->is_string()) {
    auto currency = Currency::Parse(std::string_view(code->as_string()));
    if (!currency.ok()) return currency.status();
    approval.action.currency = *currency;
  }
  approval.unit_id = rows.Int(r, 3);
  approval.maker_staff_id = rows.Int(r, 4);
  approval.state = rows.Text(r, 5);
  approval.checker_staff_id = rows.OptionalInt(r, 6);
  approval.created_at_ms = rows.Int(r, 7);
  approval.expires_at_ms = rows.Int(r, 8);
  approval.decided_at_ms = rows.Int(r, 9);
  approval.outcome = rows.Text(r, 10);
  approval.ledger_seq = rows.Int(r, 11);
  return approval;
}

Result<std::optional<Approval>> LoadApproval(store::SqlSession& sql, std::string_view where,
                                             const store::SqlParams& params) {
  auto rows =
      sql.Query(fmt::format("SELECT {} FROM approvals WHERE {}", kApprovalColumns, where), params);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<Approval>();
  auto approval = ApprovalFromRow(*rows, 0);
  if (!approval.ok()) return approval.status();
  return std::optional<Approval>(*approval);
}

// The account's status read in `sql`'s transaction, or why the action may not run on it.
Status CheckAccountFor(store::SqlSession& sql, const Approval& approval) {
  auto rows =
      sql.Query("SELECT status FROM bank_accounts WHERE number = ?", {approval.action.account});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return Status::NotFound("unknown_account", "no such account");
  std::string status = rows->Text(0, 0);
  switch (approval.action.kind) {
    case ApprovalKind::kCashWithdrawal:
      if (status != "active") {
        return Status::Rejected("account_unavailable", "the account is " + status);
      }
      break;
    case ApprovalKind::kCashDeposit:
      if (status == "closed")
        return Status::Rejected("account_unavailable", "the account is closed");
      break;
    case ApprovalKind::kFreeze:
    case ApprovalKind::kUkeyIssue:  // The fee is paid from it.
    case ApprovalKind::kCardIssue:
      if (status != "active")
        return Status::Rejected("account_not_active", "the account is " + status);
      break;
    case ApprovalKind::kUnfreeze:
      if (status != "frozen")
        return Status::Rejected("account_not_frozen", "the account is " + status);
      break;
    case ApprovalKind::kPasswordCardIssue:
    case ApprovalKind::kTotpEnrol:  // The account names its owner.
    case ApprovalKind::kPasswordReset:
    case ApprovalKind::kUkeyCertify:
    case ApprovalKind::kCardRestore:
      if (status == "closed")
        return Status::Rejected("account_unavailable", "the account is closed");
      break;
  }
  return Status::Ok();
}

// The audit row of the action itself, in the maker's name at the counter: what the
// substitution rate counts as a counter transaction.
AuditEvent ActionAudit(const Approval& approval, int64_t checker_id, std::string outcome) {
  std::string detail = fmt::format("approval {} checker {}", approval.id, checker_id);
  if (IsCash(approval.action.kind)) {
    detail += " " + Money(approval.action.currency, approval.action.amount_minor).ToString();
  }
  if (approval.action.kind == ApprovalKind::kUkeyIssue)
    detail += " U-key " + approval.action.serial;
  if (HasObject(approval.action.kind) && !approval.action.serial.empty())
    detail += " " + approval.action.serial;
  return {"staff",
          approval.maker_staff_id,
          "counter",
          "counter." + std::string(ApprovalKindName(approval.action.kind)),
          approval.action.account,
          std::move(outcome),
          detail};
}

AuditEvent DecisionAudit(const Staff& checker, int64_t id, std::string_view action,
                         std::string outcome, std::string detail = "") {
  return {"staff",
          checker.id,
          "counter",
          std::string(action),
          fmt::format("approval:{}", id),
          std::move(outcome),
          std::move(detail)};
}

Status MarkFailed(store::SqlSession& sql, Approval& approval, const Staff& checker,
                  const Clock& clock, const Status& refusal) {
  approval.state = "failed";
  approval.outcome = refusal.reason();
  EBANK_RETURN_IF_ERROR(sql.Exec("UPDATE approvals SET state = 'failed', outcome = ? WHERE id = ?",
                                 {approval.outcome, approval.id}));
  EBANK_RETURN_IF_ERROR(
      RecordAudit(sql, clock, ActionAudit(approval, checker.id, refusal.reason())));
  return RecordAudit(sql, clock,
                     DecisionAudit(checker, approval.id, "approval.approve", refusal.reason()));
}

// Hands the approval's U-key to the owner of its account, in the maker's name.
Status IssueUkey(store::SqlSession& sql, const Approval& approval, int64_t at_ms) {
  auto owner = sql.Query("SELECT customer_id FROM bank_accounts WHERE number = ?",
                         {approval.action.account});
  if (!owner.ok()) return owner.status();
  if (owner->empty()) return Status::Internal("approval_inconsistent", "the account is gone");
  return MarkUkeyIssued(sql, approval.action.serial, owner->Int(0, 0), approval.maker_staff_id,
                        approval.id, at_ms);
}

}  // namespace

std::string_view ApprovalKindName(ApprovalKind kind) {
  for (const auto& [value, name] : kKinds) {
    if (value == kind) return name;
  }
  return "cash_deposit";
}

std::optional<ApprovalKind> ParseApprovalKind(std::string_view name) {
  for (const auto& [value, text] : kKinds) {
    if (text == name) return value;
  }
  return std::nullopt;
}

Result<Approval> ApprovalService::Request(const Staff& maker, const ApprovalAction& action,
                                          const std::string& idempotency_key) {
  auto approval = Make(maker, action, idempotency_key);
  if (!approval.ok()) {
    (void)RecordAudit(db_, clock_,
                      {"staff", maker.id, "counter", "approval.create", action.account,
                       approval.status().reason(), std::string(ApprovalKindName(action.kind))});
  }
  return approval;
}

Result<Approval> ApprovalService::Make(const Staff& maker, const ApprovalAction& action,
                                       const std::string& idempotency_key) {
  bool cash = IsCash(action.kind);
  if (idempotency_key.size() > kApprovalKeyBytesMax || !Printable(idempotency_key) ||
      (cash && idempotency_key.empty())) {
    return Status::Invalid("idempotency_key_required",
                           "an Idempotency-Key of 1 to 128 printable bytes is required");
  }
  if (action.memo.size() > kApprovalTextBytesMax || !Printable(action.memo)) {
    return Status::Invalid("invalid_memo", "memo must be printable and at most 140 bytes");
  }
  if (cash && (action.amount_minor <= 0 || action.amount_minor > kCounterCashMaxMinor)) {
    return Status::Invalid("invalid_amount", "amount must be positive and at most 100000000.00");
  }
  if (HasObject(action.kind) && action.prepared.empty()) {
    return Status::Invalid("nothing_prepared", "the card or credential was not prepared");
  }
  bool ukey = action.kind == ApprovalKind::kUkeyIssue;
  if (ukey && !IsUkeySerial(action.serial)) {
    return Status::Invalid("invalid_serial",
                           "a serial is 1 to 32 upper-case letters, digits or '-'");
  }
  auto account = customers_.GetAccount(action.account, maker.scope());
  if (!account.ok()) return account.status();
  if (ukey && account->currency != "CNY") {
    return Status::Invalid("currency_mismatch", "the U-key fee is paid from a CNY account");
  }
  if (cash) {
    std::optional<Unit> unit;
    Status read = db_.Read([&](store::SqlSession& sql) {
      auto found = FindUnit(sql, maker.unit_id);
      if (!found.ok()) return found.status();
      unit = *found;
      return Status::Ok();
    });
    if (!read.ok()) return read;
    if (!unit || !unit->cash_account) {
      return Status::Rejected("not_an_outlet", "cash is paid in and out at an outlet's counter");
    }
    if (account->currency != action.currency.code()) {
      return Status::Invalid("currency_mismatch", "the account is in " + account->currency);
    }
    if (!(action.currency == Currency::Cny())) {
      return Status::Rejected("currency_not_handled", "the counter handles CNY cash only");
    }
  }
  Approval approval;
  approval.action = action;
  approval.unit_id = maker.unit_id;
  approval.maker_staff_id = maker.id;
  approval.state = "pending";
  approval.created_at_ms = clock_.NowMs();
  approval.expires_at_ms = approval.created_at_ms + kApprovalLifetimeMs;
  std::string fingerprint = Fingerprint(action);
  store::SqlValue key =
      idempotency_key.empty() ? store::SqlValue() : store::SqlValue(idempotency_key);
  auto earlier = [&](store::SqlSession& sql) -> Result<std::optional<Approval>> {
    if (idempotency_key.empty()) return std::optional<Approval>();
    auto rows = sql.Query(fmt::format("SELECT {} FROM approvals WHERE maker_staff_id = ? AND "
                                      "idempotency_key = ?",
                                      kApprovalColumns),
                          {maker.id, idempotency_key});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return std::optional<Approval>();
    if (rows->Text(0, kFingerprintColumn) != fingerprint) {
      return Status::Conflict("idempotency_key_reused",
                              "this idempotency key was used for a different action");
    }
    auto found = ApprovalFromRow(*rows, 0);
    if (!found.ok()) return found.status();
    found->replayed = true;
    return std::optional<Approval>(*found);
  };
  std::optional<Approval> replay;
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto found = earlier(sql);
    if (!found.ok()) return found.status();
    if (*found) {
      replay = **found;
      return Status::Ok();
    }
    // Checked before the row is written: an action that cannot run is not queued.
    EBANK_RETURN_IF_ERROR(CheckAccountFor(sql, approval));
    if (ukey)
      EBANK_RETURN_IF_ERROR(CheckUkeyInStock(sql, action.serial, maker.scope().LikePattern()));
    auto rows = sql.Query(
        "INSERT INTO approvals (kind, payload, unit_id, maker_staff_id, idempotency_key, "
        "fingerprint, state, checker_staff_id, created_at_ms, expires_at_ms, decided_at_ms, "
        "outcome, ledger_seq) VALUES (?, ?, ?, ?, ?, ?, 'pending', NULL, ?, ?, 0, '', 0) "
        "RETURNING id",
        {std::string(ApprovalKindName(action.kind)), Payload(action), approval.unit_id, maker.id,
         key, fingerprint, approval.created_at_ms, approval.expires_at_ms});
    if (!rows.ok()) return rows.status();
    approval.id = rows->Int(0, 0);
    return RecordAudit(
        sql, clock_,
        {"staff", maker.id, "counter", "approval.create", fmt::format("approval:{}", approval.id),
         "ok", fmt::format("{} {}", ApprovalKindName(action.kind), action.account)});
  });
  if (status.code() == Code::kConflict && status.reason() == "constraint") {
    // A twin request with the same key inserted first: its approval is the answer.
    status = db_.Read([&](store::SqlSession& sql) -> Status {
      auto found = earlier(sql);
      if (!found.ok()) return found.status();
      if (!*found) return Status::Internal("approval_vanished", "the twin's approval is gone");
      replay = **found;
      return Status::Ok();
    });
  }
  if (!status.ok()) return status;
  if (replay) return *replay;
  return approval;
}

Result<std::vector<Approval>> ApprovalService::Pending(const Staff& checker) {
  std::vector<Approval> approvals;
  if (!MayCheck(checker.role)) return approvals;
  Status status = db_.Read([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query(
        fmt::format("SELECT {} FROM approvals WHERE state = 'pending' AND expires_at_ms > ? AND "
                    "maker_staff_id <> ? AND unit_id IN (SELECT u.id FROM units u WHERE u.path "
                    "LIKE ?) ORDER BY id LIMIT {}",
                    kApprovalColumns, kApprovalsListedMax),
        {clock_.NowMs(), checker.id, checker.scope().LikePattern()});
    if (!rows.ok()) return rows.status();
    for (size_t r = 0; r < rows->size(); ++r) {
      auto approval = ApprovalFromRow(*rows, r);
      if (!approval.ok()) return approval.status();
      approvals.push_back(std::move(*approval));
    }
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return approvals;
}

Result<Approval> ApprovalService::Get(const Staff& staff, int64_t id) {
  std::optional<Approval> approval;
  Status status = db_.Read([&](store::SqlSession& sql) -> Status {
    auto found =
        LoadApproval(sql, "id = ? AND unit_id IN (SELECT u.id FROM units u WHERE u.path LIKE ?)",
                     {id, staff.scope().LikePattern()});
    if (!found.ok()) return found.status();
    approval = *found;
    return Status::Ok();
  });
  if (!status.ok()) return status;
  if (!approval || staff.unit_path.empty()) {
    return Status::NotFound("unknown_approval", "no such approval");
  }
  return *approval;
}

Result<Approval> ApprovalService::Decidable(const Staff& checker, int64_t id) {
  auto approval = Get(checker, id);
  if (!approval.ok()) return approval.status();
  if (!MayCheck(checker.role)) {
    return Status::Rejected("checker_role_required",
                            "a supervisor, branch manager or administrator approves");
  }
  if (approval->maker_staff_id == checker.id) {
    return Status::Rejected("maker_cannot_check", "a second staff member must approve");
  }
  if (approval->state != "pending") {
    return Status::Conflict("not_pending", "this action was already " + approval->state);
  }
  int64_t now = clock_.NowMs();
  if (approval->expires_at_ms <= now) {
    Status marked = db_.Transaction([&](store::SqlSession& sql) {
      return sql.Exec(
          "UPDATE approvals SET state = 'expired', decided_at_ms = ?, outcome = 'expired' WHERE "
          "id = ? AND state = 'pending'",
          {now, id});
    });
    if (!marked.ok()) return marked;
    return Status::Rejected("approval_expired", "this action waited too long and expired");
  }
  return approval;
}

// The rows of an approval that moves money (cash, a U-key's fee), written in the ledger's
// transaction around its transfer (see ledger::Effect): the claim of the approval before
// the money moves, its outcome and the audit after; for a U-key, the register and the fee
// charge. So the money moves if and only if this approval was claimed, once.
class ApprovalService::LedgerExecution final : public ledger::Effect {
 public:
  LedgerExecution(const Clock& clock, Staff checker, Approval approval,
                  std::optional<FeeCharge> fee = std::nullopt)
      : clock_(clock),
        checker_(std::move(checker)),
        approval_(std::move(approval)),
        fee_(std::move(fee)) {}

  Status Before(ledger::WriteTransaction& transaction) override {
    store::SqlSession& sql = store::SqlOf(transaction);
    int64_t now = clock_.NowMs();
    auto claimed = sql.Query(kClaim, {checker_.id, now, approval_.id, now});
    if (!claimed.ok()) return claimed.status();
    if (claimed->empty()) {
      lost_claim_ = true;
      return Status::Conflict("not_pending", "this action was decided meanwhile");
    }
    approval_.state = "approved";
    approval_.checker_staff_id = checker_.id;
    approval_.decided_at_ms = now;
    // The account is read again here, in the transaction that moves the money: a freeze
    // approved a moment ago is seen; so is a U-key another approval issued.
    Status allowed = CheckAccountFor(sql, approval_);
    if (allowed.ok() && approval_.action.kind == ApprovalKind::kUkeyIssue) {
      allowed = CheckUkeyInStock(sql, approval_.action.serial, "%");
    }
    if (allowed.code() == Code::kRejected || allowed.code() == Code::kNotFound) {
      EBANK_RETURN_IF_ERROR(MarkFailed(sql, approval_, checker_, clock_, allowed));
      return Status::Rejected(allowed.reason(), allowed.message());
    }
    return allowed;
  }

  Status After(ledger::WriteTransaction& transaction, const ledger::Outcome& outcome,
               const std::function<int64_t(ledger::AccountId)>&) override {
    store::SqlSession& sql = store::SqlOf(transaction);
    if (!outcome.status.ok()) return MarkFailed(sql, approval_, checker_, clock_, outcome.status);
    approval_.outcome = "ok";
    approval_.ledger_seq = outcome.seq;
    EBANK_RETURN_IF_ERROR(
        sql.Exec("UPDATE approvals SET outcome = 'ok', ledger_seq = ? WHERE id = ?",
                 {outcome.seq, approval_.id}));
    if (approval_.action.kind == ApprovalKind::kUkeyIssue) {
      EBANK_RETURN_IF_ERROR(IssueUkey(sql, approval_, clock_.NowMs()));
    }
    if (fee_) {
      fee_->ledger_seq = outcome.seq;
      fee_->at_ms = clock_.NowMs();
      EBANK_RETURN_IF_ERROR(RecordFeeCharge(sql, *fee_));
    }
    EBANK_RETURN_IF_ERROR(RecordAudit(sql, clock_, ActionAudit(approval_, checker_.id, "ok")));
    return RecordAudit(sql, clock_,
                       DecisionAudit(checker_, approval_.id, "approval.approve", "ok"));
  }

  // The answer once the ledger's batch is durable.
  Result<Approval> Answer(const ledger::Outcome& outcome) const {
    if (lost_claim_) return outcome.status;
    // The batch failed as a whole: the claim was rolled back, the action is still pending.
    if (approval_.state != "approved" && approval_.state != "failed") return outcome.status;
    if (outcome.status.code() == Code::kInternal || outcome.status.code() == Code::kUnavailable) {
      return outcome.status;
    }
    return approval_;
  }

 private:
  const Clock& clock_;
  const Staff checker_;
  Approval approval_;
  std::optional<FeeCharge> fee_;
  bool lost_claim_ = false;
};

void ApprovalService::ApproveAsync(const Staff& checker, int64_t id, ApprovalCallback done) {
  auto approval = Decidable(checker, id);
  if (!approval.ok()) {
    (void)RecordAudit(db_, clock_,
                      DecisionAudit(checker, id, "approval.approve", approval.status().reason()));
    return done(approval.status());
  }
  if (IsCash(approval->action.kind)) return ExecuteCash(checker, std::move(*approval), done);
  if (approval->action.kind == ApprovalKind::kUkeyIssue) {
    return ExecuteUkeyIssue(checker, std::move(*approval), std::move(done));
  }
  return done(ChangeStatus(checker, std::move(*approval)));
}

Result<Approval> ApprovalService::Approve(const Staff& checker, int64_t id) {
  std::promise<Result<Approval>> promise;
  auto answer = promise.get_future();
  ApproveAsync(checker, id,
               [&promise](Result<Approval> result) { promise.set_value(std::move(result)); });
  return answer.get();
}

void ApprovalService::ExecuteCash(const Staff& checker, Approval approval, ApprovalCallback done) {
  std::optional<Unit> unit;
  std::optional<BankAccount> account;
  Status read = db_.Read([&](store::SqlSession& sql) -> Status {
    auto found = FindUnit(sql, approval.unit_id);
    if (!found.ok()) return found.status();
    unit = *found;
    auto booked = FindAccount(sql, approval.action.account);
    if (!booked.ok()) return booked.status();
    account = *booked;
    return Status::Ok();
  });
  if (!read.ok()) return done(read);
  if (!unit || !unit->cash_account || !account) {
    return done(Status::Internal("approval_inconsistent", "the outlet or the account is gone"));
  }
  const ApprovalAction& action = approval.action;
  int64_t amount =
      action.kind == ApprovalKind::kCashDeposit ? action.amount_minor : -action.amount_minor;
  std::string memo = !action.memo.empty()                        ? action.memo
                     : action.kind == ApprovalKind::kCashDeposit ? "柜面现金存入"
                                                                 : "柜面现金支取";
  // Vault cash is a debit-side asset: a deposit debits it (credit-positive -amount) and
  // credits the customer's account.
  ledger::Request request{"",
                          ledger::Transfer{{{*unit->cash_account, -amount, action.currency},
                                            {account->ledger_account, amount, action.currency}},
                                           memo},
                          nullptr};
  auto execution = std::make_shared<LedgerExecution>(clock_, checker, std::move(approval));
  request.effect = execution;
  std::vector<ledger::Request> requests;
  requests.push_back(std::move(request));
  ledger_.Submit(std::move(requests),
                 [execution, done = std::move(done)](std::vector<ledger::Outcome> outcomes) {
                   done(execution->Answer(outcomes.front()));
                 });
}

void ApprovalService::ExecuteUkeyIssue(const Staff& checker, Approval approval,
                                       ApprovalCallback done) {
  auto schedule = fees_.Get(kUkeyFee);
  if (!schedule.ok()) return done(schedule.status());
  int64_t amount = FeeFor(*schedule, "counter");
  if (amount == 0) return done(ChangeStatus(checker, std::move(approval)));
  std::optional<BankAccount> account;
  Status read = db_.Read([&](store::SqlSession& sql) -> Status {
    auto booked = FindAccount(sql, approval.action.account);
    if (!booked.ok()) return booked.status();
    account = *booked;
    return Status::Ok();
  });
  if (!read.ok()) return done(read);
  if (!account) return done(Status::Internal("approval_inconsistent", "the account is gone"));
  auto income = fees_.IncomeAccount(approval.unit_id);
  if (!income.ok()) return done(income.status());
  FeeCharge fee{std::string(kUkeyFee),
                account->customer_id,
                account->number,
                approval.unit_id,
                "counter",
                approval.maker_staff_id,
                amount,
                schedule->currency,
                schedule->ebanking,
                "",
                0,
                0};
  ledger::Request request{
      "",
      ledger::Transfer{{{account->ledger_account, -amount, schedule->currency},
                        {*income, amount, schedule->currency}},
                       fmt::format("{} {}", schedule->name_zh, approval.action.serial)},
      nullptr};
  auto execution =
      std::make_shared<LedgerExecution>(clock_, checker, std::move(approval), std::move(fee));
  request.effect = execution;
  std::vector<ledger::Request> requests;
  requests.push_back(std::move(request));
  ledger_.Submit(std::move(requests),
                 [execution, done = std::move(done)](std::vector<ledger::Outcome> outcomes) {
                   done(execution->Answer(outcomes.front()));
                 });
}

Status ApprovalService::EnterPrepared(store::SqlSession& sql, const Approval& approval) {
  const ApprovalAction& action = approval.action;
  if (action.kind == ApprovalKind::kCardIssue) {
    auto card = EnterPreparedCard(sql, clock_, action.account, action.prepared, "staff",
                                  approval.maker_staff_id);
    if (card.status().reason() == "card_number_taken") {
      return Status::Rejected(card.status().reason(), card.status().message());
    }
    return card.status();
  }
  if (action.kind == ApprovalKind::kCardRestore) {
    int64_t card_id = 0;
    const char* end = action.prepared.data() + action.prepared.size();
    if (std::from_chars(action.prepared.data(), end, card_id).ptr != end) {
      return Status::Internal("database_corrupt", "a card restore without its card");
    }
    auto restored = sql.Query(
        "UPDATE cards SET status = 'active' WHERE id = ? AND account_number = ? AND status IN "
        "('lost', 'frozen') RETURNING id",
        {card_id, action.account});
    if (!restored.ok()) return restored.status();
    if (restored->empty()) {
      return Status::Rejected("card_not_blocked", "the card is no longer lost or frozen");
    }
    return RecordAudit(
        sql, clock_,
        {"staff", approval.maker_staff_id, "counter", "card.status", "card:" + action.prepared,
         "ok", "active by approval " + std::to_string(approval.id)});
  }
  auto owner =
      sql.Query("SELECT customer_id FROM bank_accounts WHERE number = ?", {action.account});
  if (!owner.ok()) return owner.status();
  if (owner->empty()) return Status::Internal("approval_inconsistent", "the account is gone");
  if (action.kind == ApprovalKind::kPasswordReset) {
    return ResetLoginPassword(sql, clock_, owner->Int(0, 0), action.prepared);
  }
  std::string_view kind = action.kind == ApprovalKind::kTotpEnrol     ? "totp"
                          : action.kind == ApprovalKind::kUkeyCertify ? "ukey"
                                                                      : "password_card";
  return ReplaceCredential(sql, clock_, owner->Int(0, 0), kind, action.prepared, action.serial);
}

// Freeze, unfreeze, a free U-key issue, a card or a credential: no money moves, one
// transaction.
Result<Approval> ApprovalService::ChangeStatus(const Staff& checker, Approval approval) {
  bool freeze = approval.action.kind == ApprovalKind::kFreeze;
  bool ukey = approval.action.kind == ApprovalKind::kUkeyIssue;
  bool prepared = HasObject(approval.action.kind);
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    int64_t now = clock_.NowMs();
    auto claimed = sql.Query(kClaim, {checker.id, now, approval.id, now});
    if (!claimed.ok()) return claimed.status();
    if (claimed->empty())
      return Status::Conflict("not_pending", "this action was decided meanwhile");
    approval.state = "approved";
    approval.checker_staff_id = checker.id;
    approval.decided_at_ms = now;
    Status allowed = CheckAccountFor(sql, approval);
    if (allowed.ok() && ukey) allowed = CheckUkeyInStock(sql, approval.action.serial, "%");
    if (allowed.code() == Code::kRejected || allowed.code() == Code::kNotFound) {
      return MarkFailed(sql, approval, checker, clock_, allowed);
    }
    EBANK_RETURN_IF_ERROR(allowed);
    if (ukey) {
      EBANK_RETURN_IF_ERROR(IssueUkey(sql, approval, now));
    } else if (prepared) {
      // Writes nothing when refused: the transaction goes on to record the failure.
      Status entered = EnterPrepared(sql, approval);
      if (entered.code() == Code::kRejected) {
        return MarkFailed(sql, approval, checker, clock_, entered);
      }
      EBANK_RETURN_IF_ERROR(entered);
    } else {
      auto changed = sql.Query(
          "UPDATE bank_accounts SET status = ? WHERE number = ? AND status = ? RETURNING number",
          {std::string(freeze ? "frozen" : "active"), approval.action.account,
           std::string(freeze ? "active" : "frozen")});
      if (!changed.ok()) return changed.status();
      if (changed->empty()) return Status::Internal("account_changed", "the account changed");
    }
    approval.outcome = "ok";
    EBANK_RETURN_IF_ERROR(
        sql.Exec("UPDATE approvals SET outcome = 'ok' WHERE id = ?", {approval.id}));
    EBANK_RETURN_IF_ERROR(RecordAudit(sql, clock_, ActionAudit(approval, checker.id, "ok")));
    return RecordAudit(sql, clock_, DecisionAudit(checker, approval.id, "approval.approve", "ok"));
  });
  if (!status.ok()) {
    (void)RecordAudit(db_, clock_,
                      DecisionAudit(checker, approval.id, "approval.approve", status.reason()));
    return status;
  }
  return approval;
}

Result<Approval> ApprovalService::Reject(const Staff& checker, int64_t id,
                                         const std::string& reason) {
  if (reason.size() > kApprovalTextBytesMax || !Printable(reason)) {
    return Status::Invalid("invalid_reason", "reason must be printable and at most 140 bytes");
  }
  auto approval = Decidable(checker, id);
  Status status = approval.status();
  if (status.ok()) {
    status = db_.Transaction([&](store::SqlSession& sql) -> Status {
      int64_t now = clock_.NowMs();
      auto rejected = sql.Query(
          "UPDATE approvals SET state = 'rejected', checker_staff_id = ?, decided_at_ms = ?, "
          "outcome = 'rejected' WHERE id = ? AND state = 'pending' RETURNING id",
          {checker.id, now, id});
      if (!rejected.ok()) return rejected.status();
      if (rejected->empty()) {
        return Status::Conflict("not_pending", "this action was decided meanwhile");
      }
      approval->state = "rejected";
      approval->checker_staff_id = checker.id;
      approval->decided_at_ms = now;
      approval->outcome = "rejected";
      return RecordAudit(sql, clock_, DecisionAudit(checker, id, "approval.reject", "ok", reason));
    });
  }
  if (!status.ok()) {
    (void)RecordAudit(db_, clock_, DecisionAudit(checker, id, "approval.reject", status.reason()));
    return status;
  }
  return approval;
}

}  // namespace ebank::services
