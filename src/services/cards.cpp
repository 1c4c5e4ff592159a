#include "services/cards.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <filesystem>
#include <fstream>

#include "core/hash.h"
#include "security/random.h"
#include "services/customers.h"
#include "services/fees.h"
#include "services/payments.h"
#include "services/staff.h"
#include "services/usage.h"

namespace ebank::services {
namespace {

namespace json = boost::json;

constexpr const char* kCardColumns =
    "c.id, c.bin, c.last_four, c.account_number, c.customer_id, c.expiry, c.status, "
    "c.atm_enabled, c.pos_enabled, c.atm_daily_minor, c.pos_daily_minor, c.pin_failures, "
    "c.pin_failure_day, c.pin_verifier";
constexpr const char* kTerminalColumns =
    "t.id, t.code, t.kind, t.unit_id, u.code, m.code, t.location, t.keeper_staff_id, "
    "t.pin_key_check, t.status, t.batch, t.last_activity_ms, t.created_at_ms, t.merchant_id, "
    "t.cash_account_id, t.pin_key_sealed";
constexpr const char* kTerminalFrom =
    "terminals t JOIN units u ON u.id = t.unit_id LEFT JOIN merchants m ON m.id = t.merchant_id";
constexpr const char* kTransactionColumns =
    "id, kind, card_id, amount_minor, fee_minor, response, fingerprint, original_id, "
    "ledger_seq, hold_id, state, batch, at_ms, stan, last_four, payee_account_id";
constexpr int64_t kDayMs = 24LL * 3600 * 1000;
constexpr int64_t kTouchIntervalMs = 1000;

bool IsDigits(std::string_view text, size_t length) {
  if (text.size() != length) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// MMDD with a month 01-12 and a day 01-31.
bool IsLocalDate(std::string_view mmdd) {
  if (!IsDigits(mmdd, 4)) return false;
  int month = (mmdd[0] - '0') * 10 + (mmdd[1] - '0');
  int day = (mmdd[2] - '0') * 10 + (mmdd[3] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

std::string CurrentYymm(int64_t now_ms) {
  std::string day = LimitDay(now_ms);  // YYYY-MM-DD
  return day.substr(2, 2) + day.substr(5, 2);
}

// How a card's number is shown: its BIN, six stars, its last four.
std::string MaskedPan(std::string_view bin, std::string_view last_four) {
  return fmt::format("{}******{}", bin, last_four);
}

std::string ExpiryAfterYears(int64_t now_ms, int years) {
  std::string day = LimitDay(now_ms);
  int year = std::stoi(day.substr(0, 4)) + years;
  return fmt::format("{:02d}{}", year % 100, day.substr(5, 2));
}

std::string RandomBytes(size_t count) {
  std::string bytes(count, '\0');
  security::SystemRandom::Instance().Fill(
      std::span<uint8_t>(reinterpret_cast<uint8_t*>(bytes.data()), bytes.size()));
  return bytes;
}

bool IsPrintableAscii(std::string_view text) {
  for (char c : text) {
    if (c < ' ' || c > '~') return false;
  }
  return true;
}

bool IsAtmKind(std::string_view kind) {
  return kind == "atm" || kind == "crs";
}

// What each kind of terminal may do.
bool TerminalMay(std::string_view kind, CardOperation operation) {
  switch (operation) {
    case CardOperation::kInquiry:
      return true;
    case CardOperation::kWithdrawal:
    case CardOperation::kTransfer:
      return IsAtmKind(kind);
    case CardOperation::kDeposit:
      return kind == "crs";
    case CardOperation::kPurchase:
    case CardOperation::kPreauth:
    case CardOperation::kCompletion:
    case CardOperation::kRefund:
      return kind == "pos";
  }
  return false;
}

bool NeedsPin(CardOperation operation) {
  return operation != CardOperation::kCompletion && operation != CardOperation::kRefund;
}

// Money leaving the cardholder: debits in a batch's totals and in the card's limits.
bool IsDebit(CardOperation operation) {
  return operation == CardOperation::kWithdrawal || operation == CardOperation::kTransfer ||
         operation == CardOperation::kPurchase || operation == CardOperation::kCompletion;
}

std::optional<CardOperation> ParseOperation(std::string_view name) {
  for (CardOperation operation :
       {CardOperation::kInquiry, CardOperation::kWithdrawal, CardOperation::kDeposit,
        CardOperation::kTransfer, CardOperation::kPurchase, CardOperation::kPreauth,
        CardOperation::kCompletion, CardOperation::kRefund}) {
    if (CardOperationName(operation) == name) return operation;
  }
  return std::nullopt;
}

struct CardRow {
  Card card;
  std::string pin_failure_day;
  std::string pin_verifier;
};

CardRow CardFromRow(const store::SqlRows& rows, size_t r, const std::string& today) {
  CardRow row;
  Card& card = row.card;
  card.id = rows.Int(r, 0);
  card.last_four = rows.Text(r, 2);
  card.masked_pan = MaskedPan(rows.Text(r, 1), card.last_four);
  card.account_number = rows.Text(r, 3);
  card.customer_id = rows.Int(r, 4);
  card.expiry = rows.Text(r, 5);
  card.status = rows.Text(r, 6);
  card.atm_enabled = rows.Int(r, 7) != 0;
  card.pos_enabled = rows.Int(r, 8) != 0;
  card.atm_daily_minor = rows.Int(r, 9);
  card.pos_daily_minor = rows.Int(r, 10);
  row.pin_failure_day = rows.Text(r, 12);
  card.pin_failures_today = row.pin_failure_day == today ? static_cast<int>(rows.Int(r, 11)) : 0;
  row.pin_verifier = rows.Text(r, 13);
  return row;
}

struct TerminalRow {
  Terminal terminal;
  std::optional<int64_t> merchant_id;
  std::optional<int64_t> cash_account;
  std::string pin_key_sealed;
};

TerminalRow TerminalFromRow(const store::SqlRows& rows, size_t r) {
  TerminalRow row;
  Terminal& t = row.terminal;
  t.id = rows.Int(r, 0);
  t.code = rows.Text(r, 1);
  t.kind = rows.Text(r, 2);
  t.unit_id = rows.Int(r, 3);
  t.unit_code = rows.Text(r, 4);
  if (!rows.IsNull(r, 5)) t.merchant_code = rows.Text(r, 5);
  t.location = rows.Text(r, 6);
  t.keeper_staff_id = rows.Int(r, 7);
  t.pin_key_check = rows.Text(r, 8);
  t.status = rows.Text(r, 9);
  t.batch = rows.Int(r, 10);
  t.last_activity_ms = rows.OptionalInt(r, 11);
  t.created_at_ms = rows.Int(r, 12);
  row.merchant_id = rows.OptionalInt(r, 13);
  row.cash_account = rows.OptionalInt(r, 14);
  row.pin_key_sealed = rows.Text(r, 15);
  return row;
}

struct TransactionRow {
  int64_t id = 0;
  CardOperation operation = CardOperation::kInquiry;
  std::optional<int64_t> card_id;
  int64_t amount_minor = 0;
  int64_t fee_minor = 0;
  std::string response;  // "ok" or the refusal's reason.
  std::string fingerprint;
  std::optional<int64_t> original_id;
  int64_t ledger_seq = 0;
  int64_t hold_id = 0;
  std::string state;
  int64_t batch = 0;
  int64_t at_ms = 0;
  std::string stan;
  std::string last_four;
  int64_t payee_account = 0;
};

TransactionRow TransactionFromRow(const store::SqlRows& rows, size_t r) {
  TransactionRow row;
  row.id = rows.Int(r, 0);
  row.operation = ParseOperation(rows.Text(r, 1)).value_or(CardOperation::kInquiry);
  row.card_id = rows.OptionalInt(r, 2);
  row.amount_minor = rows.Int(r, 3);
  row.fee_minor = rows.Int(r, 4);
  row.response = rows.Text(r, 5);
  row.fingerprint = rows.Text(r, 6);
  row.original_id = rows.OptionalInt(r, 7);
  row.ledger_seq = rows.Int(r, 8);
  row.hold_id = rows.Int(r, 9);
  row.state = rows.Text(r, 10);
  row.batch = rows.Int(r, 11);
  row.at_ms = rows.Int(r, 12);
  row.stan = rows.Text(r, 13);
  row.last_four = rows.Text(r, 14);
  row.payee_account = rows.OptionalInt(r, 15).value_or(0);
  return row;
}

Result<std::optional<TransactionRow>> FirstTransaction(Result<store::SqlRows> rows) {
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<TransactionRow>();
  return std::optional<TransactionRow>(TransactionFromRow(*rows, 0));
}

Result<std::optional<TransactionRow>> FindTransaction(store::SqlSession& sql,
                                                      std::string_view where,
                                                      const store::SqlParams& params) {
  return FirstTransaction(sql.Query(
      fmt::format("SELECT {} FROM card_transactions WHERE {}", kTransactionColumns, where),
      params));
}

// The transaction a terminal sent with this date and STAN, if any (every request asks).
Result<std::optional<TransactionRow>> FindByStan(store::SqlSession& sql, int64_t terminal_id,
                                                 const std::string& local_date,
                                                 const std::string& stan) {
  static const std::string kSql = fmt::format(
      "SELECT {} FROM card_transactions WHERE terminal_id = ? AND local_date = ? AND stan = ?",
      kTransactionColumns);
  return FirstTransaction(sql.Query(kSql, {terminal_id, local_date, stan}));
}

// A refusal as stored in a row's `response` and back.
std::string ResponseOf(const Status& status) {
  return status.ok() ? "ok" : status.reason();
}
Status StatusOfResponse(std::string_view response) {
  if (response == "ok") return Status::Ok();
  std::string reason(response);
  if (reason == "unknown_original" || reason == "unknown_card" || reason == "unknown_account") {
    return Status::NotFound(reason, "see the reason");
  }
  return Status::Rejected(reason, "see the reason");
}

// The ledger accounts a card transaction's money moves between.
struct MoneyAccounts {
  ledger::AccountId card = 0;
  ledger::AccountId cash = 0;      // The terminal's cash box (ATM, CRS).
  ledger::AccountId merchant = 0;  // The merchant's settlement account (POS).
  ledger::AccountId fee = 0;       // Fee income of the terminal's unit.
  ledger::AccountId to = 0;        // An ATM transfer's payee.
};

// The postings of `operation` for `amount` with `fee` (the cross-bank fee of a withdrawal,
// the MDR of a purchase or completion), zero postings left out. A reversal posts their
// negation.
std::vector<ledger::Posting> PostingsFor(CardOperation operation, const MoneyAccounts& a,
                                         int64_t amount, int64_t fee) {
  std::vector<ledger::Posting> postings;
  auto add = [&](ledger::AccountId account, int64_t value) {
    if (value != 0) postings.push_back({account, value, Currency::Cny()});
  };
  switch (operation) {
    case CardOperation::kWithdrawal:
      add(a.card, -amount - fee);
      add(a.cash, amount);
      add(a.fee, fee);
      break;
    case CardOperation::kDeposit:
      add(a.cash, -amount);
      add(a.card, amount);
      break;
    case CardOperation::kTransfer:
      add(a.card, -amount);
      add(a.to, amount);
      break;
    case CardOperation::kPurchase:
    case CardOperation::kCompletion:
      add(a.card, -amount);
      add(a.merchant, amount - fee);
      add(a.fee, fee);
      break;
    case CardOperation::kRefund:
      add(a.merchant, -amount);
      add(a.card, amount);
      break;
    case CardOperation::kInquiry:
    case CardOperation::kPreauth:
      break;
  }
  return postings;
}

// The limit counters a card transaction counts against: the card's own daily ATM or POS
// limit and the class II/III caps every channel shares (money leaving the card's account;
// money arriving in a class II payee from other than its bound account). A reversal gives
// back the same counters (a negative amount is never refused, whatever the cap).
std::vector<Usage> CardUsages(CardOperation operation, bool at_atm, const Card& card,
                              const BankAccount& account, const std::optional<BankAccount>& payee,
                              const std::string& day) {
  std::vector<Usage> usages;
  if (operation != CardOperation::kWithdrawal && operation != CardOperation::kTransfer &&
      operation != CardOperation::kPurchase && operation != CardOperation::kPreauth) {
    return usages;
  }
  usages.push_back({"card_usage", "card_id", card.id, "period", (at_atm ? "atm:" : "pos:") + day,
                    at_atm ? card.atm_daily_minor : card.pos_daily_minor,
                    Status::Rejected("card_daily_limit_exceeded",
                                     "the amount is over what remains of today's card limit")});
  for (Usage& usage : OutgoingCapUsages(account.number, account.account_class, day))
    usages.push_back(std::move(usage));
  if (operation == CardOperation::kTransfer && payee && payee->account_class == 2 &&
      payee->bound_number != account.number) {
    for (Usage& usage : IncomingCapUsages(payee->number, day))
      usages.push_back(std::move(usage));
  }
  return usages;
}

std::string Memo(CardOperation operation, std::string_view terminal_code) {
  static constexpr std::string_view kNames[] = {"余额查询", "ATM取款",   "CRS存款",    "ATM转账",
                                                "POS消费",  "POS预授权", "预授权完成", "POS退货"};
  return fmt::format("{} {}", kNames[static_cast<int>(operation)], terminal_code);
}

Status TouchIn(store::SqlSession& sql, int64_t terminal_id, int64_t now_ms) {
  return sql.Exec("UPDATE terminals SET last_activity_ms = ? WHERE id = ?", {now_ms, terminal_id});
}

}  // namespace

std::string_view CardOperationName(CardOperation operation) {
  switch (operation) {
    case CardOperation::kInquiry:
      return "inquiry";
    case CardOperation::kWithdrawal:
      return "withdrawal";
    case CardOperation::kDeposit:
      return "deposit";
    case CardOperation::kTransfer:
      return "transfer";
    case CardOperation::kPurchase:
      return "purchase";
    case CardOperation::kPreauth:
      return "preauth";
    case CardOperation::kCompletion:
      return "completion";
    case CardOperation::kRefund:
      return "refund";
  }
  return "inquiry";
}

std::string CardReference(int64_t transaction_id) {
  return fmt::format("{:012d}", transaction_id);
}

std::optional<int64_t> ParseCardReference(std::string_view reference) {
  if (!IsDigits(reference, 12)) return std::nullopt;
  int64_t id = std::stoll(std::string(reference));
  if (id <= 0) return std::nullopt;
  return id;
}

Result<CardKeys> CardKeys::LoadOrCreate(const std::string& key_file) {
  CardKeys keys;
  std::ifstream in(key_file);
  if (in) {
    std::string pan_hex, pin_hex;
    if (!std::getline(in, pan_hex) || !std::getline(in, pin_hex) ||
        !HexDecode(pan_hex, &keys.pan_key) || !HexDecode(pin_hex, &keys.pin_verification_key) ||
        keys.pan_key.size() != 32 || keys.pin_verification_key.size() != 32) {
      return Status::Internal("card_keys_unreadable", key_file + " is not two 64-digit hex keys");
    }
    return keys;
  }
  keys = Random();
  std::filesystem::path path(key_file);
  std::error_code error;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), error);
  mode_t old_mask = umask(077);
  std::ofstream out(key_file, std::ios::trunc);
  umask(old_mask);
  out << HexEncode(keys.pan_key) << "\n" << HexEncode(keys.pin_verification_key) << "\n";
  if (!out) return Status::Internal("io_error", "cannot write " + key_file);
  return keys;
}

CardKeys CardKeys::Random() {
  return CardKeys{RandomBytes(32), RandomBytes(32)};
}

// What one request needs to know, read in one snapshot.
struct CardService::Context {
  TerminalRow terminal;
  std::optional<TransactionRow> existing;
  std::optional<CardRow> card;
  std::optional<BankAccount> account;
  std::optional<BankAccount> merchant_account;
  int merchant_mdr_bp = 0;
  std::optional<BankAccount> to_account;
  std::optional<TransactionRow> original;
  std::string token;
  std::string last_four;
  std::string today;
};

// A card transaction's row, written in the ledger's transaction around its money: claimed
// (inserted) before the command, so a twin finds it; declined with the reason when the
// card's limits or the ledger refuse; given its journal entry and hold when approved.
class CardEffect final : public ledger::Effect {
 public:
  struct Row {
    int64_t terminal_id = 0;
    std::string local_date;
    std::string stan;
    CardOperation operation = CardOperation::kInquiry;
    int64_t card_id = 0;
    std::string last_four;
    int64_t amount_minor = 0;
    int64_t fee_minor = 0;
    std::string fingerprint;
    std::optional<int64_t> original_id;
    int64_t batch = 0;
    int64_t at_ms = 0;
    ledger::AccountId balance_account = 0;
    ledger::AccountId payee_account = 0;  // An ATM transfer's payee.
    bool touch = true;                    // Update the terminal's last activity.
    std::optional<FeeCharge> fee_charge;  // Recorded when approved.
  };

  CardEffect(Row row, std::vector<Usage> usages)
      : row_(std::move(row)), usages_(std::move(usages)) {}

  Status Before(ledger::WriteTransaction& transaction) override {
    store::SqlSession& sql = store::SqlOf(transaction);
    auto inserted = sql.Insert(
        "INSERT INTO card_transactions (terminal_id, local_date, stan, kind, card_id, last_four, "
        "amount_minor, currency, fee_minor, response, fingerprint, original_id, ledger_seq, "
        "hold_id, state, batch, at_ms, reversed_at_ms, payee_account_id) VALUES (?, ?, ?, ?, ?, "
        "?, ?, 'CNY', ?, 'ok', ?, ?, 0, 0, 'approved', ?, ?, NULL, ?)",
        {row_.terminal_id, row_.local_date, row_.stan,
         std::string(CardOperationName(row_.operation)), row_.card_id, row_.last_four,
         row_.amount_minor, row_.fee_minor, row_.fingerprint,
         row_.original_id ? store::SqlValue(*row_.original_id) : store::SqlValue(), row_.batch,
         row_.at_ms, row_.payee_account ? store::SqlValue(row_.payee_account) : store::SqlValue()});
    if (inserted.status().code() == Code::kConflict) {
      refused_ = true;
      return Status::Conflict("duplicate_transmission", "this terminal sent this STAN today");
    }
    if (!inserted.ok()) return inserted.status();
    if (!*inserted)
      return Status::Internal("card_row_missing", "the card transaction was not written");
    id_ = **inserted;
    if (row_.touch) EBANK_RETURN_IF_ERROR(TouchIn(sql, row_.terminal_id, row_.at_ms));
    if (row_.operation == CardOperation::kRefund && row_.original_id) {
      // Refunds of one purchase add up to at most what it was (checked here, where the
      // ledger's writer orders them).
      auto refunded = sql.Query(
          "SELECT COALESCE(SUM(r.amount_minor), 0), o.amount_minor FROM card_transactions o LEFT "
          "JOIN card_transactions r ON r.original_id = o.id AND r.kind = 'refund' AND r.state = "
          "'approved' AND r.id <> ? WHERE o.id = ? GROUP BY o.amount_minor",
          {id_, *row_.original_id});
      if (!refunded.ok()) return refunded.status();
      if (refunded->empty() || refunded->Int(0, 0) + row_.amount_minor > refunded->Int(0, 1)) {
        refused_ = true;
        Status over = Status::Rejected("amount_over_limit", "more than was left to refund");
        EBANK_RETURN_IF_ERROR(Decline(sql, over));
        return over;
      }
    }
    Status used = AddUsage(sql, usages_, row_.amount_minor);
    if (used.code() == Code::kRejected) {
      refused_ = true;
      EBANK_RETURN_IF_ERROR(Decline(sql, used));
      return used;
    }
    return used;
  }

  Status After(ledger::WriteTransaction& transaction, const ledger::Outcome& outcome,
               const std::function<int64_t(ledger::AccountId)>& balance) override {
    if (refused_) return Status::Ok();
    store::SqlSession& sql = store::SqlOf(transaction);
    if (!outcome.status.ok()) {
      EBANK_RETURN_IF_ERROR(Decline(sql, outcome.status));
      return AddUsage(sql, usages_, -row_.amount_minor);
    }
    int64_t hold = row_.operation == CardOperation::kPreauth ? outcome.id : 0;
    EBANK_RETURN_IF_ERROR(
        sql.Exec("UPDATE card_transactions SET ledger_seq = ?, hold_id = ? WHERE id = ?",
                 {outcome.seq, hold, id_}));
    if (row_.operation == CardOperation::kCompletion && row_.original_id) {
      EBANK_RETURN_IF_ERROR(sql.Exec(
          "UPDATE card_transactions SET state = 'completed' WHERE id = ?", {*row_.original_id}));
    }
    if (row_.fee_charge) {
      row_.fee_charge->ledger_seq = outcome.seq;
      EBANK_RETURN_IF_ERROR(RecordFeeCharge(sql, *row_.fee_charge));
    }
    balance_ = balance(row_.balance_account);
    approved_ = true;
    return Status::Ok();
  }

  int64_t id() const { return id_; }
  // Its command was applied (set in the batch's transaction, before a later request's Before).
  bool approved() const { return approved_; }
  std::optional<int64_t> balance() const { return balance_; }

 private:
  Status Decline(store::SqlSession& sql, const Status& why) {
    return sql.Exec("UPDATE card_transactions SET state = 'declined', response = ? WHERE id = ?",
                    {ResponseOf(why), id_});
  }

  Row row_;
  std::vector<Usage> usages_;
  int64_t id_ = 0;
  bool refused_ = false;
  bool approved_ = false;
  std::optional<int64_t> balance_;
};

// A request that follows a card transaction's in the same group (a completion's discount):
// applied only when that one was approved in this batch.
class AfterApproval final : public ledger::Effect {
 public:
  explicit AfterApproval(std::shared_ptr<const CardEffect> first) : first_(std::move(first)) {}
  Status Before(ledger::WriteTransaction&) override {
    if (first_->approved()) return Status::Ok();
    return Status::Rejected("original_not_approved", "the transaction it follows was refused");
  }
  Status After(ledger::WriteTransaction&, const ledger::Outcome&,
               const std::function<int64_t(ledger::AccountId)>&) override {
    return Status::Ok();
  }

 private:
  std::shared_ptr<const CardEffect> first_;
};

CardService::CardService(store::SqlDatabase& db, ledger::Ledger& ledger,
                         const security::SecretBox& secrets, const CardKeys& keys,
                         const Clock& clock)
    : db_(db),
      ledger_(ledger),
      secrets_(secrets),
      tokenizer_(keys.pan_key),
      verifier_(keys.pin_verification_key),
      clock_(clock) {}

// --- The card register. ---

Result<PreparedCard> CardService::Prepare(const std::string& account_number,
                                          const std::string& pin) {
  if (!IsDigits(pin, 6)) return Status::Invalid("invalid_pin", "a card PIN is 6 digits");
  std::optional<BankAccount> account;
  Status read = db_.Read([&](store::SqlSession& sql) -> Status {
    auto found = FindAccount(sql, account_number);
    if (!found.ok()) return found.status();
    account = *found;
    return Status::Ok();
  });
  if (!read.ok()) return read;
  if (!account) return Status::NotFound("unknown_account", "no such account");
  if (account->status != "active" || account->currency != "CNY") {
    return Status::Rejected("account_not_eligible", "cards are issued on active CNY accounts");
  }
  // 621288 + 12 random digits + the check digit.
  std::string pan = security::MakePan(std::string(kDebitCardBin) + security::RandomDigits(12));
  std::string token = tokenizer_.Token(pan);
  json::object prepared{{"token", token},
                        {"last_four", std::string(security::PanLastFour(pan))},
                        {"expiry", ExpiryAfterYears(clock_.NowMs(), kCardValidityYears)},
                        {"pin_verifier", verifier_.Verifier(token, pin)}};
  return PreparedCard{pan, MaskedPan(kDebitCardBin, security::PanLastFour(pan)),
                      json::serialize(prepared)};
}

Result<int64_t> EnterPreparedCard(store::SqlSession& sql, const Clock& clock,
                                  const std::string& account_number, std::string_view prepared,
                                  std::string_view actor_kind, int64_t actor_id) {
  boost::system::error_code error;
  json::value parsed = json::parse(prepared, error);
  const json::object* fields = error ? nullptr : parsed.if_object();
  auto text = [&](std::string_view name) -> std::string {
    const json::value* value = fields ? fields->if_contains(name) : nullptr;
    return value && value->is_string() ? std::string(value->as_string()) : std::string();
  };
  std::string token = text("token"), last_four = text("last_four"), expiry = text("expiry"),
              verifier = text("pin_verifier");
  if (token.empty() || last_four.size() != 4 || expiry.size() != 4 || verifier.empty()) {
    return Status::Internal("database_corrupt", "a prepared card lacks its fields");
  }
  auto account = FindAccount(sql, account_number);
  if (!account.ok()) return account.status();
  if (!*account) return Status::NotFound("unknown_account", "no such account");
  if ((*account)->status != "active" || (*account)->currency != "CNY") {
    return Status::Rejected("account_not_eligible", "cards are issued on active CNY accounts");
  }
  // Looked for first: on PostgreSQL a refused INSERT would abort the whole transaction.
  auto taken = sql.Query("SELECT id FROM cards WHERE pan_token = ?", {token});
  if (!taken.ok()) return taken.status();
  if (!taken->empty()) {
    return Status::Conflict("card_number_taken", "this card number was issued meanwhile");
  }
  int64_t now = clock.NowMs();
  auto rows = sql.Query(
      "INSERT INTO cards (pan_token, last_four, bin, account_number, customer_id, expiry, "
      "status, pin_verifier, pin_failures, pin_failure_day, atm_enabled, pos_enabled, "
      "atm_daily_minor, pos_daily_minor, issued_at_ms) VALUES (?, ?, ?, ?, ?, ?, 'active', ?, "
      "0, '', 1, 1, ?, ?, ?) RETURNING id",
      {token, last_four, std::string(kDebitCardBin), account_number, (*account)->customer_id,
       expiry, verifier, kAtmDailyDefaultMinor, kPosDailyDefaultMinor, now});
  if (rows.status().code() == Code::kConflict) {
    return Status::Conflict("card_number_taken", "this card number was issued meanwhile");
  }
  if (!rows.ok()) return rows.status();
  int64_t id = rows->Int(0, 0);
  EBANK_RETURN_IF_ERROR(
      RecordAudit(sql, clock,
                  {std::string(actor_kind), actor_id, "counter", "card.issue",
                   "card:" + std::to_string(id), "ok", MaskedPan(kDebitCardBin, last_four)}));
  return id;
}

Result<IssuedCard> CardService::Issue(const std::string& account_number, const std::string& pin) {
  // A number drawn twice (one in 10^12) draws again.
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto prepared = Prepare(account_number, pin);
    if (!prepared.ok()) return prepared.status();
    int64_t id = 0;
    Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
      auto entered =
          EnterPreparedCard(sql, clock_, account_number, prepared->prepared, "system", 0);
      if (!entered.ok()) return entered.status();
      id = *entered;
      return Status::Ok();
    });
    if (status.reason() == "card_number_taken") continue;
    if (!status.ok()) return status;
    auto card = Get(id);
    if (!card.ok()) return card.status();
    return IssuedCard{*card, prepared->pan};
  }
  return Status::Internal("card_number_exhausted", "no free card number was drawn");
}

Result<Card> CardService::Get(int64_t card_id) {
  std::optional<Card> card;
  std::string today = LimitDay(clock_.NowMs());
  Status status = db_.Read([&](store::SqlSession& sql) -> Status {
    auto rows =
        sql.Query(fmt::format("SELECT {} FROM cards c WHERE c.id = ?", kCardColumns), {card_id});
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) card = CardFromRow(*rows, 0, today).card;
    return Status::Ok();
  });
  if (!status.ok()) return status;
  if (!card) return Status::NotFound("unknown_card", "no such card");
  return *card;
}

Result<std::vector<Card>> CardService::CardsOf(int64_t customer_id) {
  std::vector<Card> cards;
  std::string today = LimitDay(clock_.NowMs());
  Status status = db_.Read([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query(
        fmt::format("SELECT {} FROM cards c WHERE c.customer_id = ? ORDER BY c.id", kCardColumns),
        {customer_id});
    if (!rows.ok()) return rows.status();
    for (size_t r = 0; r < rows->size(); ++r)
      cards.push_back(CardFromRow(*rows, r, today).card);
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return cards;
}

Status CardService::SetStatus(int64_t card_id, const std::string& status,
                              const std::string& actor) {
  if (status != "active" && status != "lost" && status != "frozen" && status != "closed") {
    return Status::Invalid("invalid_status", "a card is active, lost, frozen or closed");
  }
  return db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto rows =
        sql.Query("UPDATE cards SET status = ? WHERE id = ? AND status <> 'closed' RETURNING id",
                  {status, card_id});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return Status::NotFound("unknown_card", "no such card, or it is closed");
    return RecordAudit(sql, clock_,
                       {"system", 0, "counter", "card.status", "card:" + std::to_string(card_id),
                        "ok", status + " by " + actor});
  });
}

Status CardService::SetChannels(int64_t card_id, bool atm_enabled, bool pos_enabled,
                                int64_t atm_daily_minor, int64_t pos_daily_minor) {
  if (atm_daily_minor < 0 || atm_daily_minor > kAtmDailyDefaultMinor || pos_daily_minor < 0 ||
      pos_daily_minor > kCardAmountMaxMinor) {
    return Status::Invalid("invalid_limit", "ATM limits are at most 20,000 yuan a day");
  }
  return db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query(
        "UPDATE cards SET atm_enabled = ?, pos_enabled = ?, atm_daily_minor = ?, "
        "pos_daily_minor = ? WHERE id = ? RETURNING id",
        {int64_t{atm_enabled}, int64_t{pos_enabled}, atm_daily_minor, pos_daily_minor, card_id});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return Status::NotFound("unknown_card", "no such card");
    return Status::Ok();
  });
}

// --- Terminals and merchants. ---

Result<std::pair<Terminal, std::string>> CardService::RegisterTerminal(const NewTerminal& input) {
  if (input.code.size() != 8 || !IsPrintableAscii(input.code)) {
    return Status::Invalid("invalid_terminal", "a terminal code is 8 printable characters");
  }
  if (input.kind != "atm" && input.kind != "crs" && input.kind != "pos") {
    return Status::Invalid("invalid_terminal", "a terminal is an atm, crs or pos");
  }
  if ((input.kind == "pos") == input.merchant_code.empty()) {
    return Status::Invalid("invalid_terminal", "a POS belongs to a merchant, an ATM to none");
  }
  std::optional<ledger::AccountId> cash;
  if (IsAtmKind(input.kind)) {
    std::string code = fmt::format("gl:cash:atm:{}:CNY", input.code);
    ledger::Outcome opened = ledger_.Execute(ledger::Request{
        "open:" + code,
        ledger::OpenAccount{code, Currency::Cny(), ledger::Side::kDebit, std::nullopt}});
    if (!opened.status.ok()) return opened.status;
    cash = opened.id;
  }
  std::string key_hex = HexEncode(RandomBytes(16));
  auto key = security::PinKey::FromHex(key_hex);
  if (!key.ok()) return key.status();
  int64_t now = clock_.NowMs();
  Terminal terminal;
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto unit = sql.Query("SELECT id FROM units WHERE code = ?", {input.unit_code});
    if (!unit.ok()) return unit.status();
    if (unit->empty()) return Status::NotFound("unknown_unit", "no such unit");
    store::SqlValue merchant;
    if (!input.merchant_code.empty()) {
      auto rows = sql.Query("SELECT id FROM merchants WHERE code = ?", {input.merchant_code});
      if (!rows.ok()) return rows.status();
      if (rows->empty()) return Status::NotFound("unknown_merchant", "no such merchant");
      merchant = rows->Int(0, 0);
    }
    auto keeper = sql.Query("SELECT id FROM staff WHERE id = ?", {input.keeper_staff_id});
    if (!keeper.ok()) return keeper.status();
    if (keeper->empty()) return Status::NotFound("unknown_staff", "no such keeper");
    auto rows = sql.Query(
        "INSERT INTO terminals (code, kind, unit_id, merchant_id, location, keeper_staff_id, "
        "pin_key_sealed, pin_key_check, cash_account_id, status, batch, last_activity_ms, "
        "created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', 1, NULL, ?) RETURNING id",
        {input.code, input.kind, unit->Int(0, 0), merchant, input.location, input.keeper_staff_id,
         secrets_.Seal(key_hex), key->CheckValue(),
         cash ? store::SqlValue(*cash) : store::SqlValue(), now});
    if (rows.status().code() == Code::kConflict) {
      return Status::Conflict("terminal_exists", "terminal " + input.code + " is registered");
    }
    if (!rows.ok()) return rows.status();
    return RecordAudit(sql, clock_,
                       {"system", 0, "counter", "terminal.register", "terminal:" + input.code, "ok",
                        input.kind + " at " + input.location});
  });
  if (!status.ok()) return status;
  auto registered = GetTerminal(input.code);
  if (!registered.ok()) return registered.status();
  return std::pair{*registered, key_hex};
}

Result<Terminal> CardService::GetTerminal(const std::string& code) {
  std::optional<Terminal> terminal;
  Status status = db_.Read([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query(
        fmt::format("SELECT {} FROM {} WHERE t.code = ?", kTerminalColumns, kTerminalFrom), {code});
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) terminal = TerminalFromRow(*rows, 0).terminal;
    return Status::Ok();
  });
  if (!status.ok()) return status;
  if (!terminal) return Status::NotFound("unknown_terminal", "no such terminal");
  return *terminal;
}

Result<std::vector<Terminal>> CardService::Terminals(const std::string& unit_path_pattern,
                                                     int idle_days) {
  std::vector<Terminal> terminals;
  Status status = db_.Read([&](store::SqlSession& sql) -> Status {
    store::SqlParams params{unit_path_pattern};
    std::string where = "u.path LIKE ?";
    if (idle_days > 0) {
      where += " AND t.status = 'active' AND COALESCE(t.last_activity_ms, t.created_at_ms) < ?";
      params.emplace_back(clock_.NowMs() - idle_days * kDayMs);
    }
    auto rows = sql.Query(
        fmt::format("SELECT {} FROM {} WHERE {} ORDER BY COALESCE(t.last_activity_ms, 0), t.code "
                    "LIMIT {}",
                    kTerminalColumns, kTerminalFrom, where, kTerminalsListedMax),
        params);
    if (!rows.ok()) return rows.status();
    for (size_t r = 0; r < rows->size(); ++r)
      terminals.push_back(TerminalFromRow(*rows, r).terminal);
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return terminals;
}

Result<Merchant> CardService::RegisterMerchant(const Merchant& input) {
  if (input.code.size() != 15 || !IsPrintableAscii(input.code)) {
    return Status::Invalid("invalid_merchant", "a merchant code is 15 printable characters");
  }
  if (!IsDigits(input.category, 4) || input.name.empty() || input.mdr_bp < 0 ||
      input.mdr_bp > kMdrBasisPointsMax) {
    return Status::Invalid("invalid_merchant",
                           "a merchant has a name, a 4-digit MCC and an MDR of 0 to 1000 bp");
  }
  Merchant merchant = input;
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto account = FindAccount(sql, input.account_number);
    if (!account.ok()) return account.status();
    if (!*account || (*account)->status != "active") {
      return Status::NotFound("unknown_account", "the settlement account is not an active one");
    }
    auto rows = sql.Query(
        "INSERT INTO merchants (code, name, category, unit_id, account_number, mdr_bp, address, "
        "created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        {input.code, input.name, input.category, input.unit_id, input.account_number,
         int64_t{input.mdr_bp}, input.address, clock_.NowMs()});
    if (rows.status().code() == Code::kConflict) {
      return Status::Conflict("merchant_exists", "merchant " + input.code + " is registered");
    }
    if (!rows.ok()) return rows.status();
    merchant.id = rows->Int(0, 0);
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return merchant;
}

Result<std::vector<Merchant>> CardService::Merchants(const std::string& unit_path_pattern) {
  return FindMerchants(unit_path_pattern, "", kMerchantsListedMax);
}

Result<Merchant> CardService::GetMerchant(const std::string& code,
                                          const std::string& unit_path_pattern) {
  auto found = FindMerchants(unit_path_pattern, code, 1);
  if (!found.ok()) return found.status();
  if (found->empty()) return Status::NotFound("unknown_merchant", "no such merchant");
  return found->front();
}

Result<std::vector<Merchant>> CardService::FindMerchants(const std::string& unit_path_pattern,
                                                         const std::string& code, size_t limit) {
  std::vector<Merchant> merchants;
  Status status = db_.Read([&](store::SqlSession& sql) -> Status {
    store::SqlParams params{unit_path_pattern};
    std::string where = "u.path LIKE ?";
    if (!code.empty()) {
      where += " AND m.code = ?";
      params.emplace_back(code);
    }
    auto rows = sql.Query(
        fmt::format(
            "SELECT m.id, m.code, m.name, m.category, m.unit_id, m.account_number, m.mdr_bp, "
            "m.address, (SELECT MAX(v.visited_at_ms) FROM merchant_visits v WHERE v.merchant_id "
            "= m.id) FROM merchants m JOIN units u ON u.id = m.unit_id WHERE {} ORDER BY m.code "
            "LIMIT {}",
            where, limit),
        params);
    if (!rows.ok()) return rows.status();
    for (size_t r = 0; r < rows->size(); ++r) {
      merchants.push_back(Merchant{rows->Int(r, 0), rows->Text(r, 1), rows->Text(r, 2),
                                   rows->Text(r, 3), rows->Int(r, 4), rows->Text(r, 5),
                                   static_cast<int>(rows->Int(r, 6)), rows->Text(r, 7),
                                   rows->OptionalInt(r, 8)});
    }
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return merchants;
}

Status CardService::RecordVisit(const std::string& merchant_code, int64_t staff_id,
                                const std::string& note) {
  if (note.empty() || note.size() > 2000) {
    return Status::Invalid("invalid_note", "a visit note is 1 to 2000 bytes");
  }
  return db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query("SELECT id FROM merchants WHERE code = ?", {merchant_code});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return Status::NotFound("unknown_merchant", "no such merchant");
    return sql.Exec(
        "INSERT INTO merchant_visits (merchant_id, staff_id, visited_at_ms, note) VALUES (?, ?, ?, "
        "?)",
        {rows->Int(0, 0), staff_id, clock_.NowMs(), note});
  });
}

Result<std::vector<MerchantVisit>> CardService::Visits(const std::string& merchant_code) {
  std::vector<MerchantVisit> visits;
  Status status = db_.Read([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query(
        "SELECT v.staff_id, v.visited_at_ms, v.note FROM merchant_visits v JOIN merchants m ON "
        "m.id = v.merchant_id WHERE m.code = ? ORDER BY v.visited_at_ms DESC LIMIT 500",
        {merchant_code});
    if (!rows.ok()) return rows.status();
    for (size_t r = 0; r < rows->size(); ++r)
      visits.push_back({rows->Int(r, 0), rows->Int(r, 1), rows->Text(r, 2)});
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return visits;
}

// --- The host. ---

namespace {
// A request answered without the ledger (a decline, an inquiry, a retransmission).
Result<CardService::Prepared> Answered(Result<CardResult> answer) {
  if (!answer.ok()) return answer.status();
  CardService::Prepared prepared;
  prepared.answer = std::move(*answer);
  return prepared;
}
}  // namespace

Status CardService::Touch(int64_t terminal_id) {
  return db_.Transaction(
      [&](store::SqlSession& sql) { return TouchIn(sql, terminal_id, clock_.NowMs()); });
}

Status CardService::SignOn(const std::string& terminal_code) {
  std::optional<int64_t> id;
  Status status = db_.Read([&](store::SqlSession& sql) -> Status {
    auto rows =
        sql.Query("SELECT id FROM terminals WHERE code = ? AND status = 'active'", {terminal_code});
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) id = rows->Int(0, 0);
    return Status::Ok();
  });
  if (!status.ok()) return status;
  if (!id) return Status::NotFound("unknown_terminal", "no such active terminal");
  return Touch(*id);
}

Result<CardService::Context> CardService::Load(const CardRequest& request,
                                               const std::string& token) {
  Context context;
  context.token = token;
  context.today = LimitDay(clock_.NowMs());
  // Built once: every authorisation runs these.
  static const std::string kTerminalSql =
      fmt::format("SELECT {} FROM {} WHERE t.code = ? AND t.status = 'active'", kTerminalColumns,
                  kTerminalFrom);
  static const std::string kCardSql =
      fmt::format("SELECT {} FROM cards c WHERE c.pan_token = ?", kCardColumns);
  Status status = db_.Read([&](store::SqlSession& sql) -> Status {
    auto terminal = sql.Query(kTerminalSql, {request.terminal_code});
    if (!terminal.ok()) return terminal.status();
    if (terminal->empty()) return Status::NotFound("unknown_terminal", "no such active terminal");
    context.terminal = TerminalFromRow(*terminal, 0);
    auto existing = FindByStan(sql, context.terminal.terminal.id, request.local_date, request.stan);
    if (!existing.ok()) return existing.status();
    context.existing = *existing;
    if (context.existing || token.empty()) return Status::Ok();
    auto card = sql.Query(kCardSql, {token});
    if (!card.ok()) return card.status();
    if (card->empty()) return Status::Ok();
    context.card = CardFromRow(*card, 0, context.today);
    auto account = FindAccount(sql, context.card->card.account_number);
    if (!account.ok()) return account.status();
    context.account = *account;
    if (context.terminal.merchant_id) {
      auto merchant = sql.Query("SELECT account_number, mdr_bp FROM merchants WHERE id = ?",
                                {*context.terminal.merchant_id});
      if (!merchant.ok()) return merchant.status();
      if (!merchant->empty()) {
        context.merchant_mdr_bp = static_cast<int>(merchant->Int(0, 1));
        auto settlement = FindAccount(sql, merchant->Text(0, 0));
        if (!settlement.ok()) return settlement.status();
        context.merchant_account = *settlement;
      }
    }
    if (request.operation == CardOperation::kTransfer) {
      auto to = FindAccount(sql, request.to_account);
      if (!to.ok()) return to.status();
      context.to_account = *to;
    }
    if (auto id = ParseCardReference(request.original_reference)) {
      auto original =
          FindTransaction(sql, "id = ? AND terminal_id = ?", {*id, context.terminal.terminal.id});
      if (!original.ok()) return original.status();
      context.original = *original;
    }
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return context;
}

Result<CardResult> CardService::Replay(int64_t terminal_id, const std::string& local_date,
                                       const std::string& stan, const std::string& fingerprint) {
  std::optional<TransactionRow> row;
  Status status = db_.Read([&](store::SqlSession& sql) -> Status {
    auto found = FindByStan(sql, terminal_id, local_date, stan);
    if (!found.ok()) return found.status();
    row = *found;
    return Status::Ok();
  });
  if (!status.ok()) return status;
  CardResult result;
  if (!row || row->fingerprint != fingerprint) {
    result.status = Status::Rejected("duplicate_transmission",
                                     "this terminal sent this STAN today for something else");
    return result;
  }
  result.status = StatusOfResponse(row->response);
  result.transaction_id = row->id;
  result.reference = CardReference(row->id);
  if (result.status.ok()) result.auth_code = fmt::format("{:06d}", row->id % 1000000);
  result.fee_minor = row->fee_minor;
  result.replayed = true;
  return result;
}

Result<CardResult> CardService::Decline(const Context& context, const CardRequest& request,
                                        const std::string& fingerprint, Status reason) {
  CardResult result;
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Insert(
        "INSERT INTO card_transactions (terminal_id, local_date, stan, kind, card_id, last_four, "
        "amount_minor, currency, fee_minor, response, fingerprint, original_id, ledger_seq, "
        "hold_id, state, batch, at_ms, reversed_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, 'CNY', 0, ?, "
        "?, NULL, 0, 0, ?, ?, ?, NULL)",
        {context.terminal.terminal.id, request.local_date, request.stan,
         std::string(CardOperationName(request.operation)),
         context.card ? store::SqlValue(context.card->card.id) : store::SqlValue(),
         context.last_four, request.amount_minor, ResponseOf(reason), fingerprint,
         std::string(reason.ok() ? "approved" : "declined"), context.terminal.terminal.batch,
         clock_.NowMs()});
    if (!rows.ok()) return rows.status();
    if (!*rows) return Status::Internal("card_row_missing", "the card transaction was not written");
    result.transaction_id = **rows;
    return TouchIn(sql, context.terminal.terminal.id, clock_.NowMs());
  });
  if (status.code() == Code::kConflict) {
    return Replay(context.terminal.terminal.id, request.local_date, request.stan, fingerprint);
  }
  if (!status.ok()) return status;
  result.status = std::move(reason);
  result.reference = CardReference(result.transaction_id);
  return result;
}

Status CardService::CheckPin(Context& context, const CardRequest& request) {
  CardRow& card = *context.card;
  if (card.card.pin_failures_today >= kPinTriesPerDay) {
    return Status::Rejected("pin_tries_exceeded", "three wrong PINs today: try again tomorrow");
  }
  if (request.pin_block.empty()) return Status::Rejected("pin_required", "enter the PIN");
  std::shared_ptr<const security::PinKey> key;
  {
    std::lock_guard lock(mutex_);
    auto found = pin_keys_.find(context.terminal.terminal.id);
    if (found != pin_keys_.end()) key = found->second;
  }
  if (!key) {
    auto hex = secrets_.Open(context.terminal.pin_key_sealed);
    if (!hex.ok()) return hex.status();
    auto loaded = security::PinKey::FromHex(*hex);
    if (!loaded.ok()) return loaded.status();
    key = std::make_shared<const security::PinKey>(std::move(*loaded));
    std::lock_guard lock(mutex_);
    pin_keys_.emplace(context.terminal.terminal.id, key);
  }
  auto pin = key->DecryptPin(request.pin_block, request.pan);
  if (!pin.ok()) return Status::Rejected("pin_block_invalid", "the PIN block cannot be read");
  bool right = verifier_.Matches(context.token, *pin, card.pin_verifier);
  std::string& clear = *pin;
  std::fill(clear.begin(), clear.end(), '\0');
  if (right) {
    if (card.card.pin_failures_today == 0) return Status::Ok();
    return db_.Transaction([&](store::SqlSession& sql) {
      return sql.Exec("UPDATE cards SET pin_failures = 0 WHERE id = ?", {card.card.id});
    });
  }
  int failures = 0;
  Status counted = db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query(
        "UPDATE cards SET pin_failures = CASE WHEN pin_failure_day = ? THEN pin_failures + 1 ELSE "
        "1 END, pin_failure_day = ? WHERE id = ? RETURNING pin_failures",
        {context.today, context.today, card.card.id});
    if (!rows.ok()) return rows.status();
    failures = static_cast<int>(rows->Int(0, 0));
    return Status::Ok();
  });
  EBANK_RETURN_IF_ERROR(counted);
  if (failures >= kPinTriesPerDay) {
    return Status::Rejected("pin_tries_exceeded", "three wrong PINs today: try again tomorrow");
  }
  return Status::Rejected("pin_wrong", "wrong PIN");
}

Result<ledger::AccountId> CardService::FeeAccount(int64_t unit_id) {
  {
    std::lock_guard lock(mutex_);
    auto found = fee_accounts_.find(unit_id);
    if (found != fee_accounts_.end()) return found->second;
  }
  FeeService fees(db_, ledger_, clock_);
  auto account = fees.IncomeAccount(unit_id);
  if (!account.ok()) return account.status();
  std::lock_guard lock(mutex_);
  fee_accounts_[unit_id] = *account;
  return *account;
}

Result<CardService::Prepared> CardService::Prepare(const CardRequest& request) {
  const CardOperation operation = request.operation;
  const bool moves_money = operation != CardOperation::kInquiry;
  if (!IsDigits(request.stan, 6) || !IsLocalDate(request.local_date) ||
      (moves_money && (request.amount_minor <= 0 || request.amount_minor > kCardAmountMaxMinor)) ||
      (!moves_money && request.amount_minor != 0) || request.currency != Currency::Cny()) {
    return Status::Invalid("invalid_request",
                           "a card request has a 6-digit STAN, an MMDD date and an amount in CNY");
  }
  bool pan_valid = security::CheckPan(request.pan).ok();
  std::string token = pan_valid ? tokenizer_.Token(request.pan) : "";
  std::string fingerprint = ToHex(Sha256(
      fmt::format("{}|{}|{}|{}|{}|{}", CardOperationName(operation), token, request.amount_minor,
                  request.to_account, request.original_reference, request.merchant_code)));
  auto loaded = Load(request, token);
  if (!loaded.ok()) return loaded.status();
  Context& context = *loaded;
  const Terminal& terminal = context.terminal.terminal;
  if (context.existing) {
    return Answered(Replay(terminal.id, request.local_date, request.stan, fingerprint));
  }
  context.last_four = pan_valid ? std::string(security::PanLastFour(request.pan)) : "";
  auto decline = [&](Status reason) { return Decline(context, request, fingerprint, reason); };

  if (!TerminalMay(terminal.kind, operation) ||
      (terminal.kind == "pos" && request.merchant_code != terminal.merchant_code.value_or(""))) {
    return Answered(decline(Status::Rejected("terminal_not_permitted", "not at this terminal")));
  }
  if (!context.card) return Answered(decline(Status::NotFound("unknown_card", "no such card")));
  const Card& card = context.card->card;
  if (card.status != "active") {
    return Answered(decline(Status::Rejected("card_" + card.status, "the card is " + card.status)));
  }
  if (request.expiry != card.expiry) {
    return Answered(decline(Status::NotFound("unknown_card", "the expiry date is not the card's")));
  }
  if (card.expiry < CurrentYymm(clock_.NowMs())) {
    return Answered(decline(Status::Rejected("card_expired", "the card has expired")));
  }
  if (!context.account || context.account->status != "active") {
    return Answered(
        decline(Status::Rejected("account_frozen", "the card's account is not active")));
  }
  bool at_atm = IsAtmKind(terminal.kind);
  if (at_atm ? !card.atm_enabled : !card.pos_enabled) {
    return Answered(
        decline(Status::Rejected("card_channel_disabled", "the card is switched off here")));
  }
  if (NeedsPin(operation)) {
    Status pin = CheckPin(context, request);
    if (!pin.ok()) return Answered(decline(pin));
  }
  if (operation == CardOperation::kWithdrawal && request.amount_minor > kAtmWithdrawalMaxMinor) {
    return Answered(
        decline(Status::Rejected("amount_over_limit", "at most 3,000 yuan a withdrawal")));
  }
  if (operation == CardOperation::kTransfer &&
      (!context.to_account || context.to_account->status != "active" ||
       context.to_account->number == card.account_number ||
       context.to_account->currency != "CNY")) {
    return Answered(decline(Status::NotFound("unknown_account", "no such account to pay")));
  }
  if (!at_atm && !context.merchant_account) {
    return Answered(
        decline(Status::Rejected("terminal_not_permitted", "the merchant has no account")));
  }
  if (operation == CardOperation::kCompletion || operation == CardOperation::kRefund) {
    const auto& original = context.original;
    bool found = original && original->card_id == card.id;
    bool open = found && (operation == CardOperation::kCompletion
                              ? original->operation == CardOperation::kPreauth &&
                                    original->state == "approved"
                              : (original->operation == CardOperation::kPurchase ||
                                 original->operation == CardOperation::kCompletion) &&
                                    original->state == "approved");
    if (!found) return Answered(decline(Status::NotFound("unknown_original", "no such original")));
    if (!open)
      return Answered(decline(Status::Rejected("original_not_open", "the original is closed")));
    if (request.amount_minor > original->amount_minor) {
      return Answered(decline(Status::Rejected("amount_over_limit", "more than the original")));
    }
  }

  if (operation == CardOperation::kInquiry) {
    std::optional<ledger::Account> booked;
    Status read = ledger_.store().Read([&](ledger::LedgerReader& reader) -> Status {
      auto accounts = reader.GetAccounts({context.account->ledger_account});
      if (!accounts.ok()) return accounts.status();
      if (!accounts->empty()) booked = accounts->front();
      return Status::Ok();
    });
    if (!read.ok()) return read;
    if (!booked) return Status::Internal("account_missing", "the card's ledger account is missing");
    auto recorded = Decline(context, request, fingerprint, Status::Ok());
    if (!recorded.ok()) return recorded.status();
    recorded->auth_code = fmt::format("{:06d}", recorded->transaction_id % 1000000);
    recorded->balance_minor = booked->normal_balance();
    recorded->available_minor = booked->available();
    return Answered(std::move(recorded));
  }

  // The money: accounts, fee, limits, then one ledger request with the row as its effect.
  MoneyAccounts accounts;
  accounts.card = context.account->ledger_account;
  accounts.cash = context.terminal.cash_account.value_or(0);
  if (context.merchant_account) accounts.merchant = context.merchant_account->ledger_account;
  if (context.to_account) accounts.to = context.to_account->ledger_account;
  int64_t fee = 0;
  std::optional<FeeCharge> charge;
  bool other_bank = !request.acquirer.empty() && request.acquirer != kOwnInstitutionCode;
  if (operation == CardOperation::kWithdrawal && other_bank) {
    std::optional<FeeSchedule> schedule;
    Status read = db_.Read([&](store::SqlSession& sql) -> Status {
      auto found = FindFeeSchedule(sql, kAtmOtherBankFee);
      if (!found.ok()) return found.status();
      schedule = *found;
      return Status::Ok();
    });
    if (!read.ok()) return read;
    if (schedule) fee = FeeFor(*schedule, "atm");
    if (fee > 0) {
      charge = FeeCharge{std::string(kAtmOtherBankFee),
                         card.customer_id,
                         card.account_number,
                         terminal.unit_id,
                         "atm",
                         std::nullopt,
                         fee,
                         Currency::Cny(),
                         schedule->ebanking,
                         "",
                         0,
                         clock_.NowMs()};
    }
  } else if (operation == CardOperation::kPurchase || operation == CardOperation::kCompletion) {
    fee = request.amount_minor * context.merchant_mdr_bp / 10000;
    if (fee > 0) {
      charge = FeeCharge{"pos_mdr",
                         context.merchant_account->customer_id,
                         context.merchant_account->number,
                         terminal.unit_id,
                         "pos",
                         std::nullopt,
                         fee,
                         Currency::Cny(),
                         false,
                         "",
                         0,
                         clock_.NowMs()};
    }
  }
  if (fee > 0) {
    auto fee_account = FeeAccount(terminal.unit_id);
    if (!fee_account.ok()) return fee_account.status();
    accounts.fee = *fee_account;
  }
  std::vector<Usage> usages =
      CardUsages(operation, at_atm, card, *context.account, context.to_account, context.today);
  Effect::Row row{terminal.id,
                  request.local_date,
                  request.stan,
                  operation,
                  card.id,
                  context.last_four,
                  request.amount_minor,
                  fee,
                  fingerprint,
                  context.original ? std::optional<int64_t>(context.original->id) : std::nullopt,
                  terminal.batch,
                  clock_.NowMs(),
                  accounts.card,
                  accounts.to,
                  true,
                  charge};
  {
    // A busy terminal's last activity is written once a second, not with every message.
    std::lock_guard lock(mutex_);
    int64_t& touched = touched_ms_[terminal.id];
    row.touch = row.at_ms - touched >= kTouchIntervalMs;
    if (row.touch) touched = row.at_ms;
  }
  auto effect = std::make_shared<Effect>(std::move(row), std::move(usages));
  // No idempotency key: the row's claim (terminal, date, STAN) refuses a twin in the same
  // database transaction, before its command.
  ledger::Request money;
  money.effect = effect;
  if (operation == CardOperation::kPreauth) {
    money.command = ledger::CreateHold{accounts.card, accounts.merchant, request.amount_minor,
                                       clock_.NowMs() + kPreauthHoldMs, Currency::Cny()};
  } else if (operation == CardOperation::kCompletion) {
    money.command = ledger::PostHold{context.original->hold_id, request.amount_minor};
  } else {
    money.command = ledger::Transfer{PostingsFor(operation, accounts, request.amount_minor, fee),
                                     Memo(operation, terminal.code)};
  }
  std::vector<ledger::Request> requests;
  requests.push_back(std::move(money));
  if (operation == CardOperation::kCompletion && fee > 0) {
    // The hold paid the merchant in full; its discount goes to fee income, only once the
    // completion itself was approved.
    requests.push_back(ledger::Request{"",
                                       ledger::Transfer{{{accounts.merchant, -fee, Currency::Cny()},
                                                         {accounts.fee, fee, Currency::Cny()}},
                                                        Memo(operation, terminal.code)},
                                       std::make_shared<AfterApproval>(effect)});
  }
  Prepared prepared;
  prepared.requests = std::move(requests);
  prepared.effect = std::move(effect);
  prepared.fee_minor = fee;
  return prepared;
}

CardResult CardService::Finish(const Prepared& prepared,
                               const std::vector<ledger::Outcome>& outcomes) {
  const ledger::Outcome& outcome = outcomes.front();
  CardResult result;
  if (outcome.status.reason() == "duplicate_transmission") {
    // A twin of this request is being answered: the terminal retries and gets its answer.
    result.status = Status::Unavailable("duplicate_in_flight", "the same request is in flight");
    return result;
  }
  result.status = outcome.status;
  if (outcome.status.code() == Code::kUnavailable || outcome.status.code() == Code::kInternal) {
    return result;
  }
  const Effect& effect = *prepared.effect;
  result.transaction_id = effect.id();
  result.reference = CardReference(effect.id());
  result.fee_minor = prepared.fee_minor;
  if (outcome.status.ok()) {
    result.auth_code = fmt::format("{:06d}", effect.id() % 1000000);
    result.balance_minor = effect.balance();
  }
  return result;
}

Result<CardResult> CardService::Authorise(const CardRequest& request) {
  auto prepared = Prepare(request);
  if (!prepared.ok()) return prepared.status();
  if (prepared->answer) return std::move(*prepared->answer);
  std::vector<ledger::Outcome> outcomes = ledger_.Execute(std::move(prepared->requests));
  return Finish(*prepared, outcomes);
}

void CardService::AuthoriseAsync(const CardRequest& request, CardCallback done) {
  auto prepared = Prepare(request);
  if (!prepared.ok()) return done(prepared.status());
  if (prepared->answer) return done(std::move(*prepared->answer));
  auto shared = std::make_shared<Prepared>(std::move(*prepared));
  std::vector<ledger::Request> requests = std::move(shared->requests);
  ledger_.Submit(std::move(requests),
                 [this, shared, done = std::move(done)](std::vector<ledger::Outcome> outcomes) {
                   done(Finish(*shared, outcomes));
                 });
}

// A reversal's effect: claims the original in the batch's transaction (a second reversal
// then finds it reversed) and gives its limits back, once its money moved back.
namespace {
class ReversalEffect final : public ledger::Effect {
 public:
  ReversalEffect(int64_t id, int64_t original_seq, int64_t terminal_id, std::vector<Usage> usages,
                 int64_t amount, int64_t now_ms)
      : id_(id),
        original_seq_(original_seq),
        terminal_id_(terminal_id),
        usages_(std::move(usages)),
        amount_(amount),
        now_ms_(now_ms) {}
  Status Before(ledger::WriteTransaction& transaction) override {
    auto rows =
        store::SqlOf(transaction).Query("SELECT state FROM card_transactions WHERE id = ?", {id_});
    if (!rows.ok()) return rows.status();
    if (rows->empty() || rows->Text(0, 0) != "approved") {
      return Status::Conflict("already_reversed", "the transaction was reversed already");
    }
    return Status::Ok();
  }
  Status After(ledger::WriteTransaction& transaction, const ledger::Outcome& outcome,
               const std::function<int64_t(ledger::AccountId)>&) override {
    if (!outcome.status.ok() || outcome.replayed) return Status::Ok();
    store::SqlSession& sql = store::SqlOf(transaction);
    EBANK_RETURN_IF_ERROR(
        sql.Exec("UPDATE card_transactions SET state = 'reversed', reversed_at_ms = ? WHERE id = ?",
                 {now_ms_, id_}));
    // A reversed transaction earned no fee.
    if (original_seq_ > 0) {
      EBANK_RETURN_IF_ERROR(
          sql.Exec("DELETE FROM fee_charges WHERE ledger_seq = ? AND fee_code IN "
                   "('atm_other_bank', 'pos_mdr')",
                   {original_seq_}));
    }
    EBANK_RETURN_IF_ERROR(TouchIn(sql, terminal_id_, now_ms_));
    return AddUsage(sql, usages_, -amount_);
  }

 private:
  int64_t id_;
  int64_t original_seq_;
  int64_t terminal_id_;
  std::vector<Usage> usages_;
  int64_t amount_;
  int64_t now_ms_;
};
}  // namespace

Result<CardResult> CardService::Reverse(const ReversalRequest& request) {
  if (!IsDigits(request.stan, 6) || !IsLocalDate(request.local_date) || request.amount_minor < 0 ||
      request.amount_minor > kCardAmountMaxMinor) {
    return Status::Invalid("invalid_request", "a reversal names the original's STAN and date");
  }
  CardRequest lookup;
  lookup.terminal_code = request.terminal_code;
  lookup.local_date = request.local_date;
  lookup.stan = request.stan;
  auto loaded = Load(lookup, "");
  if (!loaded.ok()) return loaded.status();
  Context& context = *loaded;
  const Terminal& terminal = context.terminal.terminal;
  CardResult result;
  if (!context.existing) {
    // Kept, so that the original, should it arrive after its reversal, is refused.
    Status kept = db_.Transaction([&](store::SqlSession& sql) -> Status {
      EBANK_RETURN_IF_ERROR(sql.Exec(
          "INSERT INTO card_transactions (terminal_id, local_date, stan, kind, card_id, "
          "last_four, amount_minor, currency, fee_minor, response, fingerprint, original_id, "
          "ledger_seq, hold_id, state, batch, at_ms, reversed_at_ms) VALUES (?, ?, ?, 'inquiry', "
          "NULL, '', ?, 'CNY', 0, 'unknown_original', 'reversal', NULL, 0, 0, "
          "'reversal_unmatched', ?, ?, ?)",
          {terminal.id, request.local_date, request.stan, request.amount_minor, terminal.batch,
           clock_.NowMs(), clock_.NowMs()}));
      return TouchIn(sql, terminal.id, clock_.NowMs());
    });
    if (kept.code() == Code::kConflict) return Reverse(request);  // The original came meanwhile.
    if (!kept.ok()) return kept;
    result.status = Status::NotFound("unknown_original", "no such transaction to reverse");
    return result;
  }
  const TransactionRow& original = *context.existing;
  result.transaction_id = original.id;
  result.reference = CardReference(original.id);
  if (original.state == "reversal_unmatched") {
    result.status = Status::NotFound("unknown_original", "no such transaction to reverse");
    result.replayed = true;
    return result;
  }
  if (original.state == "reversed" || original.state == "declined") {
    result.replayed = original.state == "reversed";
    EBANK_RETURN_IF_ERROR(Touch(terminal.id));
    return result;  // Nothing (more) to undo.
  }
  if (original.state == "completed") {
    result.status = Status::Rejected("original_not_open", "the pre-authorisation was completed");
    return result;
  }
  // What the original moved, moved back.
  std::optional<CardRow> card;
  std::optional<BankAccount> account, merchant_account, payee;
  Status read = db_.Read([&](store::SqlSession& sql) -> Status {
    if (!original.card_id) return Status::Ok();
    if (original.payee_account != 0) {
      auto number = sql.Query("SELECT number FROM bank_accounts WHERE ledger_account_id = ?",
                              {original.payee_account});
      if (!number.ok()) return number.status();
      if (!number->empty()) {
        auto found = FindAccount(sql, number->Text(0, 0));
        if (!found.ok()) return found.status();
        payee = *found;
      }
    }
    auto rows = sql.Query(fmt::format("SELECT {} FROM cards c WHERE c.id = ?", kCardColumns),
                          {*original.card_id});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return Status::Ok();
    card = CardFromRow(*rows, 0, context.today);
    auto found = FindAccount(sql, card->card.account_number);
    if (!found.ok()) return found.status();
    account = *found;
    if (context.terminal.merchant_id) {
      auto merchant = sql.Query("SELECT account_number FROM merchants WHERE id = ?",
                                {*context.terminal.merchant_id});
      if (!merchant.ok()) return merchant.status();
      if (!merchant->empty()) {
        auto settlement = FindAccount(sql, merchant->Text(0, 0));
        if (!settlement.ok()) return settlement.status();
        merchant_account = *settlement;
      }
    }
    return Status::Ok();
  });
  if (!read.ok()) return read;
  if (!card || !account) return Status::Internal("card_missing", "the original's card is gone");
  std::vector<Usage> usages = CardUsages(original.operation, IsAtmKind(terminal.kind), card->card,
                                         *account, payee, LimitDay(original.at_ms));
  auto effect =
      std::make_shared<ReversalEffect>(original.id, original.ledger_seq, terminal.id,
                                       std::move(usages), original.amount_minor, clock_.NowMs());
  ledger::Request undo;
  undo.idempotency_key = fmt::format("card-reversal:{}", original.id);
  undo.effect = effect;
  if (original.operation == CardOperation::kInquiry) {
    Status marked = db_.Transaction([&](store::SqlSession& sql) -> Status {
      EBANK_RETURN_IF_ERROR(sql.Exec(
          "UPDATE card_transactions SET state = 'reversed', reversed_at_ms = ? WHERE id = ?",
          {clock_.NowMs(), original.id}));
      return TouchIn(sql, terminal.id, clock_.NowMs());
    });
    if (!marked.ok()) return marked;
    return result;
  }
  if (original.operation == CardOperation::kPreauth) {
    undo.command = ledger::VoidHold{original.hold_id};
  } else {
    MoneyAccounts accounts;
    accounts.card = account->ledger_account;
    accounts.cash = context.terminal.cash_account.value_or(0);
    if (merchant_account) accounts.merchant = merchant_account->ledger_account;
    if (original.fee_minor > 0) {
      auto fee_account = FeeAccount(terminal.unit_id);
      if (!fee_account.ok()) return fee_account.status();
      accounts.fee = *fee_account;
    }
    accounts.to = original.payee_account;
    std::vector<ledger::Posting> postings =
        PostingsFor(original.operation, accounts, original.amount_minor, original.fee_minor);
    for (ledger::Posting& posting : postings)
      posting.amount = -posting.amount;
    undo.command = ledger::Transfer{std::move(postings), "冲正 " + terminal.code};
  }
  ledger::Outcome outcome = ledger_.Execute(std::move(undo));
  if (outcome.status.reason() == "already_reversed") {
    result.replayed = true;
    return result;
  }
  if (outcome.status.code() == Code::kUnavailable || outcome.status.code() == Code::kInternal) {
    return outcome.status;
  }
  result.status = outcome.status;
  result.replayed = outcome.replayed;
  return result;
}

Result<Settlement> CardService::Settle(const std::string& terminal_code, int64_t batch,
                                       const BatchTotals& terminal_totals) {
  if (batch < 0 || terminal_totals.debits < 0 || terminal_totals.credits < 0 ||
      terminal_totals.debits_minor < 0 || terminal_totals.credits_minor < 0) {
    return Status::Invalid("invalid_request", "settlement totals are not negative");
  }
  Settlement settlement;
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto found = sql.Query(fmt::format("SELECT {} FROM {} WHERE t.code = ? AND t.status = 'active'",
                                       kTerminalColumns, kTerminalFrom),
                           {terminal_code});
    if (!found.ok()) return found.status();
    if (found->empty()) return Status::NotFound("unknown_terminal", "no such active terminal");
    Terminal terminal = TerminalFromRow(*found, 0).terminal;
    settlement.batch = batch == 0 ? terminal.batch : batch;
    auto earlier = sql.Query(
        "SELECT host_debits, host_debits_minor, host_credits, host_credits_minor, "
        "terminal_debits, terminal_debits_minor, terminal_credits, terminal_credits_minor, "
        "matched, case_id FROM terminal_settlements WHERE terminal_id = ? AND batch = ?",
        {terminal.id, settlement.batch});
    if (!earlier.ok()) return earlier.status();
    if (!earlier->empty()) {
      const store::SqlRows& e = *earlier;
      settlement.host = {e.Int(0, 0), e.Int(0, 1), e.Int(0, 2), e.Int(0, 3)};
      settlement.terminal = {e.Int(0, 4), e.Int(0, 5), e.Int(0, 6), e.Int(0, 7)};
      settlement.matched = e.Int(0, 8) != 0;
      settlement.case_id = e.OptionalInt(0, 9);
      settlement.replayed = true;
      return Status::Ok();
    }
    if (settlement.batch != terminal.batch) {
      return Status::NotFound("unknown_batch", "the terminal's open batch is another one");
    }
    auto rows = sql.Query(
        fmt::format("SELECT {} FROM card_transactions WHERE terminal_id = ? AND batch = ? AND "
                    "state IN ('approved', 'completed') ORDER BY id",
                    kTransactionColumns),
        {terminal.id, settlement.batch});
    if (!rows.ok()) return rows.status();
    std::string listed;
    for (size_t r = 0; r < rows->size(); ++r) {
      TransactionRow row = TransactionFromRow(*rows, r);
      bool debit = IsDebit(row.operation);
      bool credit =
          row.operation == CardOperation::kDeposit || row.operation == CardOperation::kRefund;
      if (debit) {
        ++settlement.host.debits;
        settlement.host.debits_minor += row.amount_minor;
      } else if (credit) {
        ++settlement.host.credits;
        settlement.host.credits_minor += row.amount_minor;
      }
      if ((debit || credit) && r < kCaseTransactionsListedMax) {
        listed += fmt::format("\nSTAN {} 参考号 {} {} 卡尾号 {} {}.{:02d}", row.stan,
                              CardReference(row.id), CardOperationName(row.operation),
                              row.last_four, row.amount_minor / 100, row.amount_minor % 100);
      }
    }
    settlement.terminal = terminal_totals;
    settlement.matched = settlement.host == terminal_totals;
    int64_t now = clock_.NowMs();
    if (!settlement.matched) {
      auto money = [](int64_t minor) { return fmt::format("{}.{:02d}", minor / 100, minor % 100); };
      std::string detail = fmt::format(
          "终端 {} 批次 {} 对账不平 / settlement totals differ.\n终端 terminal: 借 {} 笔 {}, 贷 {} "
          "笔 "
          "{}\n主机 host: 借 {} 笔 {}, 贷 {} 笔 {}\n主机流水 host transactions:{}",
          terminal.code, settlement.batch, terminal_totals.debits,
          money(terminal_totals.debits_minor), terminal_totals.credits,
          money(terminal_totals.credits_minor), settlement.host.debits,
          money(settlement.host.debits_minor), settlement.host.credits,
          money(settlement.host.credits_minor), listed);
      if (detail.size() > 2000) detail.resize(2000);
      std::string deadline = LimitDay(now + 3 * kDayMs);
      auto opened = sql.Query(
          "INSERT INTO cases (kind, unit_id, customer_id, title, detail, source, state, "
          "owner_staff_id, deadline_date, created_by, created_at_ms, updated_at_ms) VALUES "
          "('card_error', ?, NULL, ?, ?, 'card host settlement', 'open', ?, ?, ?, ?, ?) "
          "RETURNING id",
          {terminal.unit_id,
           fmt::format("终端 {} 批次 {} 对账不平", terminal.code, settlement.batch), detail,
           terminal.keeper_staff_id, deadline, terminal.keeper_staff_id, now, now});
      if (!opened.ok()) return opened.status();
      settlement.case_id = opened->Int(0, 0);
      EBANK_RETURN_IF_ERROR(sql.Exec(
          "INSERT INTO case_events (case_id, at_ms, staff_id, from_state, to_state, note) VALUES "
          "(?, ?, ?, '', 'open', 'opened by the card host')",
          {*settlement.case_id, now, terminal.keeper_staff_id}));
    }
    EBANK_RETURN_IF_ERROR(sql.Exec(
        "INSERT INTO terminal_settlements (terminal_id, batch, host_debits, host_debits_minor, "
        "host_credits, host_credits_minor, terminal_debits, terminal_debits_minor, "
        "terminal_credits, terminal_credits_minor, matched, case_id, at_ms) VALUES (?, ?, ?, ?, "
        "?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {terminal.id, settlement.batch, settlement.host.debits, settlement.host.debits_minor,
         settlement.host.credits, settlement.host.credits_minor, terminal_totals.debits,
         terminal_totals.debits_minor, terminal_totals.credits, terminal_totals.credits_minor,
         int64_t{settlement.matched},
         settlement.case_id ? store::SqlValue(*settlement.case_id) : store::SqlValue(), now}));
    EBANK_RETURN_IF_ERROR(
        sql.Exec("UPDATE terminals SET batch = batch + 1, last_activity_ms = ? WHERE id = ?",
                 {now, terminal.id}));
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return settlement;
}

}  // namespace ebank::services
