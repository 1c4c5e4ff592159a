// Customers and their accounts (CORE-1, CORE-2): one record per person or company, shared
// by every channel, and accounts opened from configurable products. Thread-safe.
#pragma once

#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/money.h"
#include "ledger/ledger.h"
#include "services/organisation.h"
#include "store/sql.h"

namespace ebank::services {

enum class CustomerKind { kIndividual, kCompany };

struct Customer {
  int64_t id = 0;
  std::string number;  // "C0000000001": what staff and customers quote.
  CustomerKind kind = CustomerKind::kIndividual;
  std::string name;
  std::string id_type;    // "resident_id" or "credit_code".
  std::string id_number;  // Personal data: shown masked outside the bank.
  std::string mobile;
  std::string address;
  std::string status;
  int64_t created_at_ms = 0;
  int64_t unit_id = 0;  // The unit that serves the customer.
};

inline constexpr size_t kCustomerSearchBytesMax = 64;
inline constexpr size_t kCustomerSearchListedMax = 50;

struct NewCustomer {
  CustomerKind kind = CustomerKind::kIndividual;
  std::string name;
  std::string id_number;  // Resident ID for individuals, credit code for companies.
  std::string mobile;
  std::string address;
  int64_t unit_id = 0;  // 0: the head office.
};

struct Product {
  std::string code;
  std::string name_zh;
  std::string name_en;
  std::string kind;  // "debit_card", "passbook", "credit_card".
  Currency currency = Currency::Cny();
  int account_class = 0;  // 1, 2, 3 for personal account classes; 0 where not applicable.
  int64_t credit_limit_minor = 0;
  std::string number_prefix;
};

struct BankAccount {
  std::string number;
  int64_t customer_id = 0;
  std::string product_code;
  ledger::AccountId ledger_account = 0;
  int account_class = 0;
  std::string status;  // "active", "frozen", "lost", "closed".
  std::optional<std::string> bound_number;
  int64_t opened_at_ms = 0;
  std::string currency;  // The product's (read, never stored with the account).
  int64_t unit_id = 0;   // The unit that opened it.
};

// --- Transaction history (交易明细), statements (对账单) and receipts (回单). ---

inline constexpr size_t kHistoryPageMax = 100;      // Transactions one page lists.
inline constexpr size_t kHistoryScanMax = 2000;     // Postings one filtered page reads.
inline constexpr size_t kStatementRowsMax = 5000;   // Transactions one statement lists.
inline constexpr size_t kStatementScanMax = 20000;  // Postings one statement reads.
inline constexpr int kStatementDaysMax = 366;       // Days one statement covers.
// Journal times follow the journal's order within one ledger process; several processes
// sharing one database may disagree by their clocks' skew, so a walk back in time stops
// this far past the start of the wanted range rather than at the first older entry.
inline constexpr int64_t kJournalTimeSkewMs = 60'000;

enum class Direction { kIn, kOut };

// Which of an account's transactions to list. Times are Unix milliseconds; amounts are
// magnitudes in minor units, bounds inclusive.
struct HistoryQuery {
  int64_t before_id = INT64_MAX;  // Only transactions older than this one (paging).
  int64_t from_ms = INT64_MIN;    // At or after.
  int64_t to_ms = INT64_MAX;      // Before (exclusive).
  std::optional<int64_t> min_minor;
  std::optional<int64_t> max_minor;
  std::optional<Direction> direction;
  size_t limit = kHistoryPageMax;
  size_t scan_max = kHistoryScanMax;
};

// One transaction as the account holder sees it.
struct HistoryEntry {
  int64_t transaction_id = 0;  // The journal entry's seq.
  int64_t at_ms = 0;
  int64_t amount_minor = 0;         // Positive: money in; negative: money out.
  int64_t balance_after_minor = 0;  // The account's balance after it.
  std::string memo;
  // The other account of a two-sided transfer (its number for a bank account, masked by
  // MaskAccountNumber); "" when there is none or several.
  std::string counterparty;
};

struct HistoryPage {
  Currency currency = Currency::Cny();
  std::vector<HistoryEntry> entries;  // Newest first.
  // Where the next page starts (its before_id) when more postings remain to be read; a
  // filtered page may be short, or even empty, and still have a next one.
  std::optional<int64_t> next_before;
};

struct Statement {
  BankAccount account;
  std::string holder_name;
  Currency currency = Currency::Cny();
  std::string from_date;      // "YYYY-MM-DD", China Standard Time, inclusive.
  std::string to_date;        // Inclusive.
  int64_t opening_minor = 0;  // The balance before the first day.
  int64_t closing_minor = 0;  // The balance after the last day.
  int64_t total_in_minor = 0;
  int64_t total_out_minor = 0;        // A magnitude.
  std::vector<HistoryEntry> entries;  // Oldest first.
};

struct Receipt {
  BankAccount account;
  std::string holder_name;
  Currency currency = Currency::Cny();
  HistoryEntry entry;
};

// "622588*********0028": the first six and last four digits of an account number.
std::string MaskAccountNumber(std::string_view number);
// The Unix milliseconds at which a China Standard Time date ("YYYY-MM-DD") begins;
// nullopt when it is not a date ParseDate accepts.
std::optional<int64_t> ChinaDayStartMs(std::string_view date);

// The account with `number`, read in `sql`'s transaction.
Result<std::optional<BankAccount>> FindAccount(store::SqlSession& sql, const std::string& number);

// Limits on what staff may type.
inline constexpr size_t kNameBytesMax = 120;
inline constexpr size_t kAddressBytesMax = 200;

class CustomerService {
 public:
  CustomerService(store::SqlDatabase& db, ledger::Ledger& ledger, const Clock& clock)
      : db_(db), ledger_(ledger), clock_(clock) {}

  // Validates the ID document's check digit, the name and the mobile number; refuses a
  // second customer with the same document (reason "customer_exists").
  Result<Customer> Create(const NewCustomer& customer);
  Result<Customer> GetByNumber(const std::string& number);
  Result<Customer> GetById(int64_t id);
  // Staff's view of the organisation tree: the customer `number` when their unit lies in
  // `scope`, else NotFound "unknown_customer" exactly as when there is none.
  Result<Customer> GetByNumber(const std::string& number, const UnitScope& scope);
  // The customers within `scope` whose number, ID number or mobile starts with `text`, or
  // whose name contains it; at most kCustomerSearchListedMax, by number.
  Result<std::vector<Customer>> Search(const std::string& text, const UnitScope& scope);
  // The account `number` when the unit that opened it or its holder's unit lies in
  // `scope`, else NotFound "unknown_account" exactly as when there is none.
  Result<BankAccount> GetAccount(const std::string& number, const UnitScope& scope);

  Result<std::vector<Product>> Products();
  // Opens an account from `product_code`. Personal accounts follow PBOC's classes: one
  // class I account per person; class II and III accounts must be bound to the customer's
  // own class I account (`bound_number`). A credit card's floor is minus its credit limit.
  // `unit_id` is the opening unit; nullopt: the customer's own unit.
  Result<BankAccount> OpenAccount(int64_t customer_id, const std::string& product_code,
                                  const std::optional<std::string>& bound_number,
                                  std::optional<int64_t> unit_id = std::nullopt);
  Result<std::vector<BankAccount>> Accounts(int64_t customer_id);
  Result<BankAccount> GetAccount(const std::string& number);

  // The history, statement and receipt of an account of `customer_id`'s. Another
  // customer's account is NotFound "unknown_account", exactly like one that does not exist.
  Result<HistoryPage> History(int64_t customer_id, const std::string& account,
                              const HistoryQuery& query);
  // Every transaction from `from_date` to `to_date` (China Standard Time, both inclusive,
  // at most kStatementDaysMax days), oldest first, with opening and closing balances.
  // Invalid "invalid_query" for bad dates; Rejected "statement_too_long" past
  // kStatementRowsMax transactions or kStatementScanMax postings read.
  Result<Statement> MakeStatement(int64_t customer_id, const std::string& account,
                                  const std::string& from_date, const std::string& to_date);
  // NotFound "unknown_transaction" when the account has no posting in that transaction.
  Result<Receipt> MakeReceipt(int64_t customer_id, const std::string& account,
                              int64_t transaction_id);
  store::SqlDatabase& database() { return db_; }

 private:
  Result<std::string> AllocateNumber(const Product& product);
  // The account `number` when it is `customer_id`'s, else NotFound "unknown_account".
  Result<BankAccount> OwnAccount(int64_t customer_id, const std::string& number);

  store::SqlDatabase& db_;
  ledger::Ledger& ledger_;
  const Clock& clock_;
};

// True when the last of `number`'s digits is the Luhn check digit of the others
// (security::LuhnCheckDigit), for account numbers of any length; card numbers are checked
// with security::CheckPan.
bool LuhnValid(std::string_view number);

std::string_view CustomerKindName(CustomerKind kind);

}  // namespace ebank::services
