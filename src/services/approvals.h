// Maker/checker (经办/复核, BO-1, CH-CTR): a staff action that moves money or changes an
// account's standing is first recorded as pending; it happens only when a second staff
// member of supervisor rank or above, whose unit holds the maker's, approves it. Approving
// claims the action (UPDATE ... WHERE state = 'pending') in the very database transaction
// that carries it out, so it happens once or not at all: a batch that fails rolls the
// claim back with the money, and the action stays pending. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/money.h"
#include "ledger/ledger.h"
#include "services/customers.h"
#include "services/fees.h"
#include "services/staff.h"
#include "store/sql.h"

namespace ebank::services {

// A pending action waits this long for its checker; after that it expires.
inline constexpr int64_t kApprovalLifetimeMs = 24LL * 3600 * 1000;
inline constexpr size_t kApprovalsListedMax = 200;
inline constexpr size_t kApprovalKeyBytesMax = 128;
inline constexpr size_t kApprovalTextBytesMax = 140;  // A memo or a reason.
// The most cash one counter transaction pays in or out: 100 million yuan.
inline constexpr int64_t kCounterCashMaxMinor = 10'000'000'000;

enum class ApprovalKind {
  kCashDeposit,
  kCashWithdrawal,
  kFreeze,
  kUnfreeze,
  kUkeyIssue,
  kCardIssue,
  kPasswordCardIssue,
  kTotpEnrol,
  kPasswordReset,
  kUkeyCertify,
  kCardRestore,
};
std::string_view ApprovalKindName(ApprovalKind kind);
std::optional<ApprovalKind> ParseApprovalKind(std::string_view name);

// What the maker asked for. Cash moves `amount_minor` between the account and the
// maker's outlet's vault cash; freeze and unfreeze change the account's status; a U-key
// issue hands the U-key `serial` from the stock to the account's owner and charges the
// U-key fee (at its counter price) to the account, as fee income of the maker's unit.
// A card issue enters the card the maker prepared (CardService::Prepare) on the account;
// a password card issue or a dynamic token enrolment makes the credential the maker
// prepared (SigningService::Prepare...) the account owner's, replacing the one before; a
// password reset sets the owner's login password to the hash the maker prepared; a U-key
// certification makes the certificate the maker had issued the owner's U-key; a card restore
// makes a lost or frozen card (`prepared` holds its id) active again.
struct ApprovalAction {
  ApprovalKind kind = ApprovalKind::kCashDeposit;
  std::string account;
  int64_t amount_minor = 0;  // Cash only.
  Currency currency = Currency::Cny();
  std::string memo;  // Cash: the memo; freeze/unfreeze: the reason.
  // U-key issue: the U-key's serial; card issue: the masked card number; password card:
  // the card's serial; U-key certification: the certificate's serial. Shown to the checker.
  std::string serial;
  // Card issue, password card, dynamic token, password reset: what the maker prepared (a
  // card's token and PIN verifier; a sealed credential; a password's Argon2id hash). Never shown,
  // and not part of what an idempotency key stands for: a retry prepares anew and is answered with
  // the first request's approval.
  std::string prepared;
};

struct Approval {
  int64_t id = 0;
  ApprovalAction action;
  int64_t unit_id = 0;  // The maker's unit, where the action happens.
  int64_t maker_staff_id = 0;
  // "pending", "approved" (carried out), "failed" (approved, but a rule refused it when it
  // ran: nothing changed), "rejected" or "expired".
  std::string state;
  std::optional<int64_t> checker_staff_id;
  int64_t created_at_ms = 0;
  int64_t expires_at_ms = 0;
  int64_t decided_at_ms = 0;   // 0 while pending.
  std::string outcome;         // "" while pending; "ok" or the refusal's reason.
  ledger::Seq ledger_seq = 0;  // The cash transfer's journal entry, once approved.
  bool replayed = false;       // The answer to an earlier request with the same key.
};

using ApprovalCallback = std::function<void(Result<Approval>)>;

class ApprovalService {
 public:
  ApprovalService(store::SqlDatabase& db, ledger::Ledger& ledger, CustomerService& customers,
                  const Clock& clock)
      : db_(db), ledger_(ledger), customers_(customers), clock_(clock), fees_(db, ledger, clock) {}

  // Records `action` as pending, made by `maker` (audited). The account must be within
  // the maker's scope (NotFound "unknown_account" otherwise); cash needs the maker to
  // work at an outlet ("not_an_outlet") and an idempotency key; a retry with the same key
  // returns the first approval (replayed), the same key with another action is Conflict
  // "idempotency_key_reused". Checks what it can now (the account's status, currency);
  // approving checks again.
  Result<Approval> Request(const Staff& maker, const ApprovalAction& action,
                           const std::string& idempotency_key);
  // The pending actions `checker` may decide: of their scope, made by someone else, not
  // expired; oldest first. Empty for roles that may not check.
  Result<std::vector<Approval>> Pending(const Staff& checker);
  // An approval of `staff`'s scope (NotFound "unknown_approval" otherwise).
  Result<Approval> Get(const Staff& staff, int64_t id);
  // Approves and carries out the action; `done` gets the approval as decided: "approved",
  // or "failed" with the reason a rule refused it for. Refused (nothing changes) with
  // Rejected "checker_role_required" for tellers and customer managers, "maker_cannot_check"
  // for the maker, Conflict "not_pending" once decided, Rejected "approval_expired" past
  // its lifetime. `done` may run on the ledger's thread.
  void ApproveAsync(const Staff& checker, int64_t id, ApprovalCallback done);
  Result<Approval> Approve(const Staff& checker, int64_t id);
  // Rejects the action; nothing of it happens. The same refusals as ApproveAsync.
  Result<Approval> Reject(const Staff& checker, int64_t id, const std::string& reason);

 private:
  class LedgerExecution;

  // Request without its audit row when refused.
  Result<Approval> Make(const Staff& maker, const ApprovalAction& action,
                        const std::string& idempotency_key);
  // The approval as `checker` may decide it, or why not.
  Result<Approval> Decidable(const Staff& checker, int64_t id);
  // Freeze or unfreeze: claim, change and audit in one transaction.
  Result<Approval> ChangeStatus(const Staff& checker, Approval approval);
  void ExecuteCash(const Staff& checker, Approval approval, ApprovalCallback done);
  // A card, password card or dynamic token entered as the maker prepared it.
  Status EnterPrepared(store::SqlSession& sql, const Approval& approval);
  // A U-key issue: with its fee through the ledger, or in one transaction when it is free.
  void ExecuteUkeyIssue(const Staff& checker, Approval approval, ApprovalCallback done);

  store::SqlDatabase& db_;
  ledger::Ledger& ledger_;
  CustomerService& customers_;
  const Clock& clock_;
  FeeService fees_;
};

}  // namespace ebank::services
