// Transfers within the bank (PAY-1, PAY-2) with limits by authentication tool (SEC-7) and
// strong customer authentication bound to the amount and the payee (dynamic linking).
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "ledger/ledger.h"
#include "services/customers.h"
#include "services/signing.h"
#include "store/sql.h"

namespace ebank::services {

// Limits per tool in minor units of CNY, after PBOC's tiers for online payments: fewer
// than two factors 1,000 a day; two factors without a certificate 5,000 a day (a dynamic
// token is trusted further by most banks); a certificate as agreed with the customer.
// These are the defaults; the bank may set others per product (of the paying account) and
// per customer (tool_limits), the customer's replacing the product's.
struct ToolLimit {
  Tool tool;
  int64_t per_transaction_minor;
  int64_t daily_minor;
};
inline constexpr ToolLimit kDefaultLimits[] = {
    {Tool::kPassword, 100000, 100000},      // 1,000.00
    {Tool::kSms, 500000, 500000},           // 5,000.00
    {Tool::kPasswordCard, 500000, 500000},  // 5,000.00
    {Tool::kTotp, 5000000, 10000000},       // 50,000.00 / 100,000.00
    {Tool::kUkey, 100000000, 500000000},    // 1,000,000.00 / 5,000,000.00
};
// Caps of class II and III accounts on money leaving to, or (class II) arriving from,
// accounts other than the bound one (PBOC 银发〔2016〕302号, 〔2018〕16号).
struct ClassCap {
  int account_class;
  int64_t daily_minor;
  int64_t yearly_minor;
};
inline constexpr ClassCap kClassCaps[] = {
    {2, 1000000, 20000000},  // 10,000.00 / 200,000.00
    {3, 200000, 5000000},    // 2,000.00 / 50,000.00
};
// Up to this amount a transfer to someone else needs no challenge (it still counts against
// the password tier's daily limit).
inline constexpr int64_t kNoChallengeMaxMinor = 10000;  // 100.00
inline constexpr size_t kPaymentMemoBytesMax = 140;
inline constexpr size_t kPaymentKeyBytesMax = 128;

struct TransferRequest {
  int64_t customer_id = 0;
  std::string idempotency_key;
  std::string from_account;
  std::string to_account;
  int64_t amount_minor = 0;
  Currency currency = Currency::Cny();
  std::string memo;
  std::string channel = "web";
};

// A saved payee (约定账户): an account in this bank the customer pays often.
struct Payee {
  int64_t id = 0;
  std::string name;
  std::string account_number;
  int64_t created_at_ms = 0;
};
inline constexpr size_t kPayeesPerCustomerMax = 100;

struct Payment {
  int64_t id = 0;
  // "sca_required", then "completed" or "failed" (in the same database transaction as the
  // money movement; "executing" is seen only inside it).
  std::string status;
  std::string from_account;
  std::string to_account;
  Money amount{Currency::Cny(), 0};
  std::string memo;
  std::string tool;     // The tool that authorised it ("" until then).
  std::string failure;  // The reason when failed.
  std::string channel;  // Where it was made: "web", "mobile", "scheduled"...
  ledger::Seq ledger_seq = 0;
  std::vector<Tool> allowed_tools;  // When sca_required: tools whose limits cover it.
  bool replayed = false;
};

// Receives a payment's outcome, on any thread (the ledger's, when money moved).
using PaymentCallback = std::function<void(Result<Payment>)>;

class PaymentService {
 public:
  PaymentService(store::SqlDatabase& db, ledger::Ledger& ledger, CustomerService& customers,
                 SigningService& signing, const Clock& clock)
      : db_(db), ledger_(ledger), customers_(customers), signing_(signing), clock_(clock) {}

  // Registers a transfer. Between the customer's own accounts, or up to
  // kNoChallengeMaxMinor, it is executed at once; otherwise it waits for a challenge
  // (status "sca_required"). The same idempotency key returns the same payment; with
  // another body it is refused (conflict/idempotency_key_reused).
  Result<Payment> Create(const TransferRequest& request);
  // Create without holding the caller's thread while the ledger works: `done` gets the
  // answer, on the ledger's thread when money moved. Must not block.
  void CreateAsync(const TransferRequest& request, PaymentCallback done);
  // Registers and executes at once a transfer the customer authorised earlier with `tool`
  // (a standing order confirmed at setup): no challenge, but within `tool`'s limits of
  // today, reserved like a confirmed payment's. Idempotent like Create.
  Result<Payment> CreateAuthorised(const TransferRequest& request, Tool tool);
  // A challenge for a payment waiting for authentication, with a tool the customer holds
  // whose limits cover the amount.
  Result<ChallengeInfo> Challenge(int64_t customer_id, int64_t payment_id, Tool tool);
  // Answers the challenge and, when right, executes the payment within the tool's limits.
  Result<Payment> Confirm(int64_t customer_id, int64_t payment_id, std::string_view challenge_id,
                          std::string_view answer);
  // Confirm answering through `done`, as CreateAsync.
  void ConfirmAsync(int64_t customer_id, int64_t payment_id, std::string_view challenge_id,
                    std::string_view answer, PaymentCallback done);
  // A customer's own payment; another customer's is kNotFound.
  Result<Payment> Get(int64_t customer_id, int64_t payment_id);

  // The limits that apply to payments from `account_number` (one of the customer's own),
  // one per tool, with what is left of today's.
  Result<std::vector<ToolLimit>> Limits(int64_t customer_id, const std::string& account_number,
                                        int64_t* used_today_minor);
  // The tools the customer holds whose per-transaction limit, for payments from
  // `from_account`, covers `amount_minor`; limit_exceeded when none does.
  Result<std::vector<Tool>> ToolsCovering(int64_t customer_id, const std::string& from_account,
                                          int64_t amount_minor);
  // The bank's settings (staff): replace the defaults for a product's accounts or for one
  // customer. A customer's setting wins over the product's.
  Status SetProductLimit(const std::string& product_code, const ToolLimit& limit);
  Status SetCustomerLimit(int64_t customer_id, const ToolLimit& limit);

  // The customer's own settings (SEC-7), which only ever lower a limit: what applies is
  // the lesser of the bank's limit and the customer's, per tool, for payments from any of
  // their accounts. Setting one above the bank's limit for the payments from
  // `account_number` (one of the customer's own) is Rejected "above_bank_limit". Audited.
  Status SetSelfLimit(int64_t customer_id, const std::string& account_number,
                      const ToolLimit& limit);
  // Removes the customer's own setting for `tool`: the bank's limit applies again.
  Status ClearSelfLimit(int64_t customer_id, Tool tool);
  // Per tool, the bank's limit for payments from `account_number` and the customer's own
  // setting, when there is one.
  struct LimitSetting {
    ToolLimit bank;
    std::optional<ToolLimit> self;
  };
  Result<std::vector<LimitSetting>> LimitSettings(int64_t customer_id,
                                                  const std::string& account_number);

  // Saved payees: accounts of this bank, at most kPayeesPerCustomerMax per customer.
  Result<Payee> AddPayee(int64_t customer_id, const std::string& name,
                         const std::string& account_number);
  Result<std::vector<Payee>> Payees(int64_t customer_id);
  Status RemovePayee(int64_t customer_id, int64_t payee_id);

 private:
  struct Parties;
  class Execution;
  // Create and CreateAuthorised: `authorised` is the tool of an earlier authentication.
  void Register(const TransferRequest& request, std::optional<Tool> authorised,
                PaymentCallback done);
  // Moves the money with the ledger, the payment's rows in the same transaction (see
  // Execution): a new payment from `insert`, or else `payment` claimed from "sca_required";
  // its limits are those of `tool`.
  void Execute(Parties parties, Payment payment, Tool tool, std::optional<TransferRequest> insert,
               PaymentCallback done);
  // Reserves `amount` against the limits that apply, in `sql`'s transaction; a refusal is
  // kRejected and reserves nothing. A negative amount gives a reservation back.
  Status Reserve(store::SqlSession& sql, const Parties& parties, int64_t amount, Tool tool);
  Result<Parties> LoadParties(store::SqlSession& sql, int64_t customer_id,
                              const std::string& from_account, const std::string& to_account);
  Result<Payment> Load(store::SqlSession& sql, int64_t customer_id, int64_t payment_id);
  Status SetLimit(const std::string& scope, const ToolLimit& limit);
  Result<std::vector<Tool>> Covering(const std::vector<ToolLimit>& limits, int64_t customer_id,
                                     int64_t amount_minor);

  store::SqlDatabase& db_;
  ledger::Ledger& ledger_;
  CustomerService& customers_;
  SigningService& signing_;
  const Clock& clock_;
};

// What a transfer request must satisfy before anything is read: an Idempotency-Key of 1 to
// 128 printable bytes, a positive amount, a printable memo of at most 140 bytes, two
// different accounts. Shared by transfers and scheduled transfers.
Status CheckTransferFields(std::string_view idempotency_key, int64_t amount_minor,
                           std::string_view memo, std::string_view from_account,
                           std::string_view to_account);

// The built-in default for `tool`.
const ToolLimit& DefaultLimitFor(Tool tool);
// "2026-11-27" in China Standard Time: the day daily limits count in.
std::string LimitDay(int64_t now_ms);

}  // namespace ebank::services
