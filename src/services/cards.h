// Cards and what terminals do with them (CARD-1, CARD-2, CH-ATM, CH-POS, BO-5, SVC-3): the
// card register, the terminal and merchant registers, and the card host's business rules,
// for any channel that speaks for a terminal (the ISO 8583 host in src/cardhost today).
//
// A card is known by a keyed token of its PAN and its last four digits; the PAN itself is
// seen only in a request and is returned once, when the card is issued, to be embossed.
// Its PIN is kept as a keyed verification value; a PIN block is decrypted in memory under
// the terminal's PIN key, checked, and forgotten.
//
// Every terminal transaction is one card_transactions row, unique per terminal, local date
// and STAN, written in the ledger's database transaction with its money (a ledger::Effect),
// so a retransmission gets the first answer, a reversal finds what it undoes, and a
// transaction and its money are durable together or not at all. Withdrawals and purchases
// count against the card's own daily limits and the account class caps that every other
// channel counts against. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/money.h"
#include "ledger/ledger.h"
#include "security/card.h"
#include "security/secret_box.h"
#include "store/sql.h"

namespace ebank::services {

// PBOC: at most 20,000 yuan of cash a day from one card at ATMs; banks pay out at most
// 3,000 at a time at an ATM (two or three cassettes' worth).
inline constexpr int64_t kAtmWithdrawalMaxMinor = 300'000;
inline constexpr int64_t kAtmDailyDefaultMinor = 2'000'000;
inline constexpr int64_t kPosDailyDefaultMinor = 5'000'000;
// One card transaction moves at most 1 million yuan (a deposit or purchase above is refused).
inline constexpr int64_t kCardAmountMaxMinor = 100'000'000;
// Three wrong PINs block the card's PIN for the rest of the day (China Standard Time).
inline constexpr int kPinTriesPerDay = 3;
// A pre-authorisation holds the money this long unless completed or cancelled first.
inline constexpr int64_t kPreauthHoldMs = 30LL * 24 * 3600 * 1000;
inline constexpr int kCardValidityYears = 10;
// A merchant discount rate is at most 10% (in basis points).
inline constexpr int kMdrBasisPointsMax = 1000;
inline constexpr size_t kTerminalsListedMax = 1000;
inline constexpr size_t kMerchantsListedMax = 1000;
inline constexpr size_t kCaseTransactionsListedMax = 200;
// This bank's acquiring institution identification code (ISO 8583 field 32) for its own
// terminals; a transaction from any other acquirer reached us through the switch.
inline constexpr std::string_view kOwnInstitutionCode = "01020000";
inline constexpr std::string_view kAtmOtherBankFee = "atm_other_bank";
// The BIN of the demo bank's debit cards (UnionPay 62).
inline constexpr std::string_view kDebitCardBin = "621288";

// The bank's card keys: the PAN tokenisation key and the PIN verification key, each 32
// bytes, kept apart from the database (a file of two hex lines, mode 0600).
struct CardKeys {
  std::string pan_key;
  std::string pin_verification_key;
  static Result<CardKeys> LoadOrCreate(const std::string& key_file);
  static CardKeys Random();
};

struct Card {
  int64_t id = 0;
  std::string masked_pan;  // "621288******1234"
  std::string last_four;
  std::string account_number;
  int64_t customer_id = 0;
  std::string expiry;  // YYMM
  std::string status;  // "active", "lost", "frozen", "closed".
  bool atm_enabled = true;
  bool pos_enabled = true;
  int64_t atm_daily_minor = kAtmDailyDefaultMinor;
  int64_t pos_daily_minor = kPosDailyDefaultMinor;
  int pin_failures_today = 0;
};

struct IssuedCard {
  Card card;
  std::string pan;  // Shown once, for the card to be embossed; never stored.
};

// A card drawn and given its PIN at the counter but not yet in the register: what a
// maker's request carries until a checker approves it (CH-CTR). `prepared` holds the card
// number's token, last four, expiry and the PIN's verifier, never the number or the PIN.
struct PreparedCard {
  std::string pan;  // Shown once, to the maker, to emboss the card; never stored.
  std::string masked_pan;
  std::string prepared;
};

// Enters the card `prepared` (PreparedCard::prepared) in the register on `account_number`
// in `sql`'s transaction, active from `at_ms`; answers its id. Refused with Rejected
// "account_not_eligible" unless the account is active and in CNY, Conflict "card_number_taken"
// if the number was issued meanwhile. Audited in the name of `actor_kind` `actor_id`.
Result<int64_t> EnterPreparedCard(store::SqlSession& sql, const Clock& clock,
                                  const std::string& account_number, std::string_view prepared,
                                  std::string_view actor_kind, int64_t actor_id);

struct Terminal {
  int64_t id = 0;
  std::string code;  // ISO 8583 field 41, 8 characters.
  std::string kind;  // "atm", "crs", "pos".
  int64_t unit_id = 0;
  std::string unit_code;
  std::optional<std::string> merchant_code;
  std::string location;
  int64_t keeper_staff_id = 0;
  std::string pin_key_check;  // The PIN key's check value, to compare with the terminal's.
  std::string status;         // "active", "retired".
  int64_t batch = 1;
  std::optional<int64_t> last_activity_ms;
  int64_t created_at_ms = 0;
};

struct NewTerminal {
  std::string code;
  std::string kind;
  std::string unit_code;
  std::string merchant_code;  // POS only.
  std::string location;
  int64_t keeper_staff_id = 0;
};

struct Merchant {
  int64_t id = 0;
  std::string code;  // ISO 8583 field 42, 15 characters.
  std::string name;
  std::string category;  // Merchant category code (MCC), 4 digits.
  int64_t unit_id = 0;
  std::string account_number;  // Where its takings are settled.
  int mdr_bp = 0;              // Merchant discount rate in basis points.
  std::string address;
  std::optional<int64_t> last_visit_ms;
};

struct MerchantVisit {
  int64_t staff_id = 0;
  int64_t at_ms = 0;
  std::string note;
};

enum class CardOperation : unsigned char {
  kInquiry,     // Balance inquiry.
  kWithdrawal,  // ATM cash.
  kDeposit,     // CRS cash in.
  kTransfer,    // ATM transfer to an account of this bank.
  kPurchase,    // POS sale.
  kPreauth,     // POS pre-authorisation: a hold.
  kCompletion,  // Of a pre-authorisation: posts (part of) its hold.
  kRefund,      // Of a purchase or completion, at most what it was.
};
std::string_view CardOperationName(CardOperation operation);

// What a terminal asks, as the channel decoded it.
struct CardRequest {
  CardOperation operation = CardOperation::kInquiry;
  std::string terminal_code;
  std::string merchant_code;  // What a POS said it is; checked against the register.
  std::string local_date;     // MMDD of the terminal.
  std::string stan;           // 6 digits.
  std::string pan;
  std::string expiry;     // YYMM, from the card.
  std::string pin_block;  // Encrypted under the terminal's PIN key; "" when none.
  int64_t amount_minor = 0;
  Currency currency = Currency::Cny();
  std::string to_account;          // kTransfer.
  std::string original_reference;  // kCompletion, kRefund: the original's reference.
  std::string acquirer;            // "" or kOwnInstitutionCode for our own terminals.
};

// The host's answer. `status` is OK when approved; otherwise its reason says why, one of:
// invalid_request, unknown_terminal, terminal_not_permitted, unknown_card, card_expired,
// card_lost, card_frozen, card_closed, account_frozen, card_channel_disabled, pin_required,
// pin_wrong, pin_tries_exceeded, pin_block_invalid, insufficient_funds, amount_over_limit,
// card_daily_limit_exceeded, account_class_limit_exceeded, unknown_account, unknown_original,
// original_not_open, duplicate_transmission, or a kUnavailable/kInternal failure.
struct CardResult {
  Status status;
  int64_t transaction_id = 0;
  std::string reference;  // Retrieval reference number: 12 digits, unique in the host.
  std::string auth_code;  // 6 digits when approved.
  std::optional<int64_t> balance_minor;    // The account's balance afterwards (approved).
  std::optional<int64_t> available_minor;  // Balance less holds (approved).
  Currency currency = Currency::Cny();
  int64_t fee_minor = 0;
  bool replayed = false;  // The stored answer to a retransmission.
};

struct ReversalRequest {
  std::string terminal_code;
  std::string local_date;    // The original's.
  std::string stan;          // The original's.
  int64_t amount_minor = 0;  // As the terminal has it; 0 when it did not say.
};

// Totals of one settlement batch, as the terminal counted them and as the host did.
struct BatchTotals {
  int64_t debits = 0;  // Withdrawals, transfers, purchases, completions.
  int64_t debits_minor = 0;
  int64_t credits = 0;  // Deposits and refunds.
  int64_t credits_minor = 0;
  friend bool operator==(const BatchTotals&, const BatchTotals&) = default;
};

struct Settlement {
  int64_t batch = 0;
  BatchTotals host;
  BatchTotals terminal;
  bool matched = false;
  std::optional<int64_t> case_id;  // The error case opened for a mismatch.
  bool replayed = false;
};

// A card transaction's rows, written with its money (cards.cpp).
class CardEffect;

class CardService {
 public:
  CardService(store::SqlDatabase& db, ledger::Ledger& ledger, const security::SecretBox& secrets,
              const CardKeys& keys, const Clock& clock);

  // --- The card register. ---
  // Issues a debit card on the customer's account `account_number` (an active CNY demand
  // account), with PIN `pin` (6 digits), valid kCardValidityYears.
  Result<IssuedCard> Issue(const std::string& account_number, const std::string& pin);
  // Draws a card number for `account_number` and sets its PIN, the same checks as Issue,
  // without entering it in the register (see EnterPreparedCard).
  Result<PreparedCard> Prepare(const std::string& account_number, const std::string& pin);
  Result<Card> Get(int64_t card_id);
  Result<std::vector<Card>> CardsOf(int64_t customer_id);
  // Report loss, freeze, unfreeze, close: `status` "lost", "frozen", "active", "closed" (a
  // closed card stays closed). Audited with `actor`.
  Status SetStatus(int64_t card_id, const std::string& status, const std::string& actor);
  // Switches a card's ATM or POS use on or off and sets its daily limits (CARD-2).
  Status SetChannels(int64_t card_id, bool atm_enabled, bool pos_enabled, int64_t atm_daily_minor,
                     int64_t pos_daily_minor);

  // --- Terminals and merchants (BO-5). ---
  // Registers a terminal; returns it and, once, its PIN key in hex for the key loading
  // ceremony (the host keeps it sealed). ATMs and CRSs get a cash box in the ledger.
  Result<std::pair<Terminal, std::string>> RegisterTerminal(const NewTerminal& terminal);
  Result<Terminal> GetTerminal(const std::string& code);
  // Terminals under the unit path pattern, oldest activity first; with `idle_days` > 0
  // only those with no message for that many days (the clean-up list).
  Result<std::vector<Terminal>> Terminals(const std::string& unit_path_pattern, int idle_days);
  Result<Merchant> RegisterMerchant(const Merchant& merchant);
  Result<std::vector<Merchant>> Merchants(const std::string& unit_path_pattern);
  // The merchant `code` when its unit's path matches `unit_path_pattern` (a UnitScope's
  // LikePattern); NotFound "unknown_merchant" otherwise, exactly as when there is none.
  Result<Merchant> GetMerchant(const std::string& code, const std::string& unit_path_pattern);
  Status RecordVisit(const std::string& merchant_code, int64_t staff_id, const std::string& note);
  Result<std::vector<MerchantVisit>> Visits(const std::string& merchant_code);

  // --- The host. ---
  // Network management (sign-on, echo): the terminal exists and is active; touches it.
  Status SignOn(const std::string& terminal_code);
  Result<CardResult> Authorise(const CardRequest& request);
  // Authorise, answering through `done` without holding the caller's thread while the ledger
  // works: the reads and checks run on the caller's thread, `done` on the ledger's when
  // money moves (it must not block). A twin of a request still in flight is answered
  // Unavailable "duplicate_in_flight" (code 91: the terminal retries and gets the answer).
  using CardCallback = std::function<void(Result<CardResult>)>;
  void AuthoriseAsync(const CardRequest& request, CardCallback done);

  // What Authorise decided before the ledger: an answer, or the ledger requests to submit.
  struct Prepared {
    std::optional<CardResult> answer;
    std::vector<ledger::Request> requests;
    std::shared_ptr<CardEffect> effect;
    int64_t fee_minor = 0;
  };
  // Undoes the transaction (terminal, date, STAN) exactly once; again, it answers as the
  // first time. A reversal of something never seen is kept, so that the original, should
  // it still arrive, is refused (NotFound "unknown_original" is the answer either way).
  Result<CardResult> Reverse(const ReversalRequest& request);
  // Closes the terminal's batch `batch` (0: the current one) against its totals; a
  // mismatch opens an error case (差错) for the terminal's keeper listing the host's
  // transactions of the batch. Once per batch: again, the first answer.
  Result<Settlement> Settle(const std::string& terminal_code, int64_t batch,
                            const BatchTotals& terminal_totals);

 private:
  struct Context;
  using Effect = CardEffect;
  Result<Prepared> Prepare(const CardRequest& request);
  static CardResult Finish(const Prepared& prepared, const std::vector<ledger::Outcome>& outcomes);
  Result<Context> Load(const CardRequest& request, const std::string& token);
  // The merchants under the pattern, by code: all of them, or only `code` when given.
  Result<std::vector<Merchant>> FindMerchants(const std::string& unit_path_pattern,
                                              const std::string& code, size_t limit);
  Status CheckPin(Context& context, const CardRequest& request);
  Result<CardResult> Decline(const Context& context, const CardRequest& request,
                             const std::string& fingerprint, Status reason);
  Result<CardResult> Replay(int64_t terminal_id, const std::string& local_date,
                            const std::string& stan, const std::string& fingerprint);
  Result<ledger::AccountId> FeeAccount(int64_t unit_id);
  Status Touch(int64_t terminal_id);

  store::SqlDatabase& db_;
  ledger::Ledger& ledger_;
  const security::SecretBox& secrets_;
  security::PanTokenizer tokenizer_;
  security::PinVerifier verifier_;
  const Clock& clock_;

  std::mutex mutex_;
  // Unsealed PIN keys by terminal id, and fee income accounts by unit id.
  std::unordered_map<int64_t, std::shared_ptr<const security::PinKey>>
      pin_keys_;                                                 // GUARDED_BY(mutex_)
  std::unordered_map<int64_t, ledger::AccountId> fee_accounts_;  // GUARDED_BY(mutex_)
  // When this process last wrote each terminal's last activity.
  std::unordered_map<int64_t, int64_t> touched_ms_;  // GUARDED_BY(mutex_)
};

// The settlement totals field order and the request's retrieval reference.
std::string CardReference(int64_t transaction_id);
// The transaction id a reference names; nullopt for anything else.
std::optional<int64_t> ParseCardReference(std::string_view reference);

}  // namespace ebank::services
