// Customers and their accounts (CORE-1, CORE-2): one record per person or company, shared
// by every channel, and accounts opened from configurable products. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/money.h"
#include "ledger/ledger.h"
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
};

struct NewCustomer {
  CustomerKind kind = CustomerKind::kIndividual;
  std::string name;
  std::string id_number;  // Resident ID for individuals, credit code for companies.
  std::string mobile;
  std::string address;
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
};

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

  Result<std::vector<Product>> Products();
  // Opens an account from `product_code`. Personal accounts follow PBOC's classes: one
  // class I account per person; class II and III accounts must be bound to the customer's
  // own class I account (`bound_number`). A credit card's floor is minus its credit limit.
  Result<BankAccount> OpenAccount(int64_t customer_id, const std::string& product_code,
                                  const std::optional<std::string>& bound_number);
  Result<std::vector<BankAccount>> Accounts(int64_t customer_id);
  Result<BankAccount> GetAccount(const std::string& number);
  store::SqlDatabase& database() { return db_; }

 private:
  Result<std::string> AllocateNumber(const Product& product);

  store::SqlDatabase& db_;
  ledger::Ledger& ledger_;
  const Clock& clock_;
};

// The Luhn check digit for a string of digits (ISO/IEC 7812), used for card numbers.
char LuhnCheckDigit(std::string_view digits);
bool LuhnValid(std::string_view number);

std::string_view CustomerKindName(CustomerKind kind);

}  // namespace ebank::services
