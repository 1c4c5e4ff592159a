// The ledger's vocabulary: accounts, postings, holds, commands and their outcomes.
//
// Sign convention: every amount on an account is credit-positive. A posting of +100
// credits the account, -100 debits it. A transfer's postings sum to zero per currency,
// so the sum of all balances in a currency is always zero: money is neither created nor
// destroyed. An account's `side` says which way its balance normally stands (deposits
// are credit-side liabilities of the bank, vault cash is a debit-side asset); its
// `floor` bounds the balance on that side: "no overdraft" is floor 0, a credit limit L
// is floor -L, and general-ledger accounts have no floor.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/money.h"
#include "core/status.h"

namespace ebank::ledger {

// Every ledger object is named by the journal sequence number of the entry that made
// it: an account by its opening, a transfer by itself, a hold by its creation.
using Seq = int64_t;
using AccountId = Seq;
using HoldId = Seq;

// Limits, TigerBeetle style: every input is bounded.
inline constexpr size_t kBatchCommandsMax = 8192;
inline constexpr size_t kQueueCommandsMax = 1 << 19;  // 64 clients with full batches.
inline constexpr size_t kPostingsPerTransferMax = 16;
inline constexpr size_t kMemoBytesMax = 140;
inline constexpr size_t kAccountCodeBytesMax = 64;
inline constexpr size_t kIdempotencyKeyBytesMax = 128;
inline constexpr int64_t kHoldDurationMaxMs = 30LL * 24 * 3600 * 1000;
inline constexpr size_t kExpiriesPerBatchMax = 1024;

enum class Side : unsigned char { kDebit, kCredit };

struct Account {
  AccountId id = 0;
  std::string code;  // Unique when not empty, e.g. "gl:cash:CNY" or an account number.
  Currency currency = Currency::Cny();
  Side side = Side::kCredit;
  std::optional<int64_t> floor;  // On the normal side; nullopt: unbounded.
  int64_t balance = 0;           // Credit-positive, posted.
  int64_t held = 0;              // Sum of pending holds debiting this account.
  Seq updated_seq = 0;
  Seq last_posting_seq = 0;  // The newest posting's entry; 0 before the first.

  // The balance as it normally stands: positive for a deposit in credit, for cash in debit.
  int64_t normal_balance() const { return side == Side::kCredit ? balance : -balance; }
  // What may still be spent: the normal balance less pending holds.
  int64_t available() const { return normal_balance() - held; }
};

enum class HoldState : unsigned char { kPending, kPosted, kVoided, kExpired };
std::string_view HoldStateName(HoldState state);
std::optional<HoldState> ParseHoldState(std::string_view name);

struct Hold {
  HoldId id = 0;
  AccountId debit_account = 0;
  AccountId credit_account = 0;
  int64_t amount = 0;
  int64_t expires_at_ms = 0;
  HoldState state = HoldState::kPending;
  int64_t posted_amount = 0;
  Seq closed_seq = 0;  // The entry that posted, voided or expired it; 0 while pending.
};

struct Posting {
  AccountId account = 0;
  int64_t amount = 0;  // Credit-positive.
  // The currency the caller meant; when set, a different account currency is refused.
  std::optional<Currency> currency;
};

// Commands. Each is validated (preflight), checked against state and applied inside one
// database transaction together with its journal entry.
struct OpenAccount {
  std::string code;
  Currency currency = Currency::Cny();
  Side side = Side::kCredit;
  std::optional<int64_t> floor;
};
struct Transfer {
  std::vector<Posting> postings;
  std::string memo;
};
struct CreateHold {
  AccountId debit_account = 0;
  AccountId credit_account = 0;
  int64_t amount = 0;
  int64_t expires_at_ms = 0;
  std::optional<Currency> currency;  // As in Posting.
};
struct PostHold {
  HoldId hold = 0;
  int64_t amount = 0;  // At most the hold's amount; the rest is released.
};
struct VoidHold {
  HoldId hold = 0;
};
// Issued by the scheduler: expires pending holds past their expiry time.
struct ExpireHolds {};

using Command = std::variant<OpenAccount, Transfer, CreateHold, PostHold, VoidHold, ExpireHolds>;

class Effect;

struct Request {
  std::string idempotency_key;  // Empty: not idempotent.
  Command command;
  // Work of the request's owner that commits in the same database transaction as the
  // command, or not at all (see Effect). Null for most requests.
  std::shared_ptr<Effect> effect;
};

struct Outcome {
  Status status;
  // The object made or acted on: the account, transfer, hold; the journal entry's seq for
  // a transfer. 0 when the command failed.
  int64_t id = 0;
  // The journal entry this command wrote (0 when it wrote none).
  Seq seq = 0;
  // True when this outcome is the stored answer to an earlier request with the same key.
  bool replayed = false;
};

class WriteTransaction;

// What the owner of a request does in the batch's database transaction around the
// command: a payment's own rows (its record, limits, audit, alerts) are written with the
// money movement, so that both are durable or neither is. The ledger never sees what an
// effect writes; the effect knows the store it was given (store::SqlOf).
//
// Both run on the ledger's writer thread, in submission order: keep them short.
class Effect {
 public:
  virtual ~Effect() = default;
  // Before the command is applied. Not OK: the command is not applied and this status is
  // its outcome (what Before wrote is still committed with the batch); kInternal and
  // kUnavailable instead fail the whole batch.
  virtual Status Before(WriteTransaction& transaction) = 0;
  // After the command was applied, with its outcome (OK or refused); `balance` gives an
  // account's normal balance as the command left it. Not OK fails the whole batch.
  virtual Status After(WriteTransaction& transaction, const Outcome& outcome,
                       const std::function<int64_t(AccountId)>& balance) = 0;
};

// Checks a command's shape, needing no state (rippled's preflight).
Status Preflight(const Request& request);

}  // namespace ebank::ledger
