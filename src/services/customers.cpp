#include "services/customers.h"

#include <fmt/format.h>

#include <algorithm>

#include "security/id_document.h"

namespace ebank::services {
namespace {

constexpr const char* kCustomerColumns =
    "id, number, kind, name, id_type, id_number, mobile, address, status, created_at_ms";
constexpr const char* kAccountColumns =
    "number, customer_id, product_code, ledger_account_id, account_class, status, bound_number, "
    "opened_at_ms";
// What reads select: the stored columns and the product's currency.
constexpr const char* kAccountSelect =
    "number, customer_id, product_code, ledger_account_id, account_class, status, bound_number, "
    "opened_at_ms, (SELECT p.currency FROM products p WHERE p.code = product_code)";
constexpr const char* kProductColumns =
    "code, name_zh, name_en, kind, currency, account_class, credit_limit_minor, number_prefix";
// Card numbers are 19 digits with the Luhn digit last; passbook numbers 17.
constexpr size_t kCardNumberDigits = 19;
constexpr size_t kPassbookNumberDigits = 17;

Customer CustomerFromRow(const store::SqlRows& rows, size_t r) {
  Customer customer;
  customer.id = rows.Int(r, 0);
  customer.number = rows.Text(r, 1);
  customer.kind = rows.Text(r, 2) == "company" ? CustomerKind::kCompany : CustomerKind::kIndividual;
  customer.name = rows.Text(r, 3);
  customer.id_type = rows.Text(r, 4);
  customer.id_number = rows.Text(r, 5);
  customer.mobile = rows.Text(r, 6);
  customer.address = rows.Text(r, 7);
  customer.status = rows.Text(r, 8);
  customer.created_at_ms = rows.Int(r, 9);
  return customer;
}

BankAccount AccountFromRow(const store::SqlRows& rows, size_t r) {
  BankAccount account;
  account.number = rows.Text(r, 0);
  account.customer_id = rows.Int(r, 1);
  account.product_code = rows.Text(r, 2);
  account.ledger_account = rows.Int(r, 3);
  account.account_class = static_cast<int>(rows.Int(r, 4));
  account.status = rows.Text(r, 5);
  if (!rows.IsNull(r, 6)) account.bound_number = rows.Text(r, 6);
  account.opened_at_ms = rows.Int(r, 7);
  account.currency = rows.Text(r, 8);
  return account;
}

Result<Product> ProductFromRow(const store::SqlRows& rows, size_t r) {
  Product product;
  product.code = rows.Text(r, 0);
  product.name_zh = rows.Text(r, 1);
  product.name_en = rows.Text(r, 2);
  product.kind = rows.Text(r, 3);
  auto currency = Currency::Parse(rows.Text(r, 4));
  if (!currency.ok()) return currency.status();
  product.currency = *currency;
  product.account_class = static_cast<int>(rows.Int(r, 5));
  product.credit_limit_minor = rows.Int(r, 6);
  product.number_prefix = rows.Text(r, 7);
  return product;
}

bool AllDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Printable UTF-8 without control characters, 1 to `max` bytes.
Status CheckText(std::string_view field, std::string_view text, size_t max, bool required) {
  if ((required && text.empty()) || text.size() > max) {
    return Status::Invalid("invalid_" + std::string(field),
                           std::string(field) + " must be 1 to " + std::to_string(max) + " bytes");
  }
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      return Status::Invalid("invalid_" + std::string(field),
                             std::string(field) + " must not contain control characters");
    }
  }
  return Status::Ok();
}

// A PRC mobile number: 11 digits starting with 1.
Status CheckMobile(std::string_view mobile) {
  if (mobile.size() != 11 || mobile[0] != '1' || !AllDigits(mobile)) {
    return Status::Invalid("invalid_mobile", "mobile must be an 11-digit number starting with 1");
  }
  return Status::Ok();
}

}  // namespace

std::string_view CustomerKindName(CustomerKind kind) {
  return kind == CustomerKind::kCompany ? "company" : "individual";
}

char LuhnCheckDigit(std::string_view digits) {
  int sum = 0;
  bool double_it = true;  // The digit left of the check digit is doubled.
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int digit = *it - '0';
    if (double_it) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double_it = !double_it;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

bool LuhnValid(std::string_view number) {
  return number.size() >= 2 && AllDigits(number) &&
         LuhnCheckDigit(number.substr(0, number.size() - 1)) == number.back();
}

Result<Customer> CustomerService::Create(const NewCustomer& input) {
  EBANK_RETURN_IF_ERROR(CheckText("name", input.name, kNameBytesMax, true));
  EBANK_RETURN_IF_ERROR(CheckText("address", input.address, kAddressBytesMax, false));
  EBANK_RETURN_IF_ERROR(CheckMobile(input.mobile));
  std::string id_type;
  if (input.kind == CustomerKind::kIndividual) {
    EBANK_RETURN_IF_ERROR(
        security::ValidateResidentId(input.id_number, security::ChinaStandardDate(clock_.NowMs())));
    id_type = "resident_id";
  } else {
    EBANK_RETURN_IF_ERROR(security::ValidateUnifiedSocialCreditCode(input.id_number));
    id_type = "credit_code";
  }
  Customer customer;
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto existing = sql.Query("SELECT id FROM customers WHERE id_type = ? AND id_number = ?",
                              {id_type, input.id_number});
    if (!existing.ok()) return existing.status();
    if (!existing->empty()) {
      return Status::Conflict("customer_exists", "a customer with this ID document exists");
    }
    int64_t now = clock_.NowMs();
    // The number is derived from the id, so it is set in a second statement.
    auto inserted = sql.Query(
        "INSERT INTO customers (number, kind, name, id_type, id_number, mobile, address, status, "
        "created_at_ms) VALUES ('', ?, ?, ?, ?, ?, ?, 'active', ?) RETURNING id",
        {std::string(CustomerKindName(input.kind)), input.name, id_type, input.id_number,
         input.mobile, input.address, now});
    if (!inserted.ok()) return inserted.status();
    int64_t id = inserted->Int(0, 0);
    std::string number = fmt::format("C{:010d}", id);
    EBANK_RETURN_IF_ERROR(sql.Exec("UPDATE customers SET number = ? WHERE id = ?", {number, id}));
    customer =
        Customer{id,           number,        input.kind, input.name, id_type, input.id_number,
                 input.mobile, input.address, "active",   now};
    return Status::Ok();
  });
  if (status.code() == Code::kConflict && status.reason() == "constraint") {
    return Status::Conflict("customer_exists", "a customer with this ID document exists");
  }
  if (!status.ok()) return status;
  return customer;
}

Result<Customer> CustomerService::GetByNumber(const std::string& number) {
  std::optional<Customer> customer;
  Status status = db_.Read([&](store::SqlSession& sql) {
    auto rows = sql.Query(
        fmt::format("SELECT {} FROM customers WHERE number = ?", kCustomerColumns), {number});
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) customer = CustomerFromRow(*rows, 0);
    return Status::Ok();
  });
  if (!status.ok()) return status;
  if (!customer) return Status::NotFound("unknown_customer", "no such customer");
  return *customer;
}

Result<Customer> CustomerService::GetById(int64_t id) {
  std::optional<Customer> customer;
  Status status = db_.Read([&](store::SqlSession& sql) {
    auto rows =
        sql.Query(fmt::format("SELECT {} FROM customers WHERE id = ?", kCustomerColumns), {id});
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) customer = CustomerFromRow(*rows, 0);
    return Status::Ok();
  });
  if (!status.ok()) return status;
  if (!customer) return Status::NotFound("unknown_customer", "no such customer");
  return *customer;
}

Result<std::vector<Product>> CustomerService::Products() {
  std::vector<Product> products;
  Status status = db_.Read([&](store::SqlSession& sql) {
    auto rows = sql.Query(fmt::format("SELECT {} FROM products ORDER BY code", kProductColumns));
    if (!rows.ok()) return rows.status();
    for (size_t r = 0; r < rows->size(); ++r) {
      auto product = ProductFromRow(*rows, r);
      if (!product.ok()) return product.status();
      products.push_back(*product);
    }
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return products;
}

Result<std::string> CustomerService::AllocateNumber(const Product& product) {
  bool card = product.kind != "passbook";
  size_t digits = card ? kCardNumberDigits : kPassbookNumberDigits;
  int64_t serial = 0;
  Status status = db_.Transaction([&](store::SqlSession& sql) {
    auto rows = sql.Query("SELECT next_serial FROM account_numbers WHERE prefix = ?",
                          {product.number_prefix});
    if (!rows.ok()) return rows.status();
    serial = rows->empty() ? 1 : rows->Int(0, 0);
    if (rows->empty()) {
      return sql.Exec("INSERT INTO account_numbers (prefix, next_serial) VALUES (?, 2)",
                      {product.number_prefix});
    }
    return sql.Exec("UPDATE account_numbers SET next_serial = next_serial + 1 WHERE prefix = ?",
                    {product.number_prefix});
  });
  if (!status.ok()) return status;
  size_t serial_digits = digits - product.number_prefix.size() - 1;
  std::string body = product.number_prefix + fmt::format("{:0{}d}", serial, serial_digits);
  if (body.size() != digits - 1) {
    return Status::Rejected("account_numbers_exhausted", "no account numbers left for the product");
  }
  return body + LuhnCheckDigit(body);
}

Result<BankAccount> CustomerService::OpenAccount(int64_t customer_id,
                                                 const std::string& product_code,
                                                 const std::optional<std::string>& bound_number) {
  auto customer = GetById(customer_id);
  if (!customer.ok()) return customer.status();
  auto products = Products();
  if (!products.ok()) return products.status();
  auto product = std::find_if(products->begin(), products->end(),
                              [&](const Product& p) { return p.code == product_code; });
  if (product == products->end()) {
    return Status::NotFound("unknown_product", "no such product");
  }
  auto accounts = Accounts(customer_id);
  if (!accounts.ok()) return accounts.status();
  // PBOC account classes (银发〔2016〕302号): checked before anything is allocated.
  if (product->account_class != 0 && customer->kind != CustomerKind::kIndividual) {
    return Status::Rejected("personal_product", "account classes apply to individuals only");
  }
  auto class_one = std::find_if(accounts->begin(), accounts->end(), [](const BankAccount& a) {
    return a.account_class == 1 && a.status != "closed";
  });
  if (product->account_class == 1 && class_one != accounts->end()) {
    return Status::Rejected("class_one_exists", "a person may hold one class I account per bank");
  }
  if (product->account_class == 2 || product->account_class == 3) {
    if (!bound_number || class_one == accounts->end() || class_one->number != *bound_number) {
      return Status::Rejected("binding_required",
                              "class II and III accounts must be bound to the customer's own "
                              "class I account");
    }
  } else if (bound_number) {
    return Status::Invalid("binding_not_allowed", "only class II and III accounts are bound");
  }
  auto number = AllocateNumber(*product);
  if (!number.ok()) return number.status();
  std::optional<int64_t> floor = 0;
  if (product->kind == "credit_card") floor = -product->credit_limit_minor;
  // The ledger account's code is the account number, so a retry finds rather than
  // duplicates it (the idempotency key makes the opening itself idempotent).
  ledger::Outcome opened = ledger_.Execute(ledger::Request{
      "open:" + *number,
      ledger::OpenAccount{*number, product->currency, ledger::Side::kCredit, floor}});
  if (!opened.status.ok()) return opened.status;
  BankAccount account{*number,  customer_id,  product->code, opened.id, product->account_class,
                      "active", bound_number, clock_.NowMs()};
  Status status = db_.Transaction([&](store::SqlSession& sql) {
    return sql.Exec(
        fmt::format("INSERT INTO bank_accounts ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    kAccountColumns),
        {account.number, account.customer_id, account.product_code, account.ledger_account,
         int64_t{account.account_class}, account.status,
         bound_number ? store::SqlValue(*bound_number) : store::SqlValue(), account.opened_at_ms});
  });
  if (status.code() == Code::kConflict) {
    // Another request opened a class I account at the same time; the database's unique
    // index kept it to one. The ledger account just opened stays empty and unused.
    return Status::Rejected("class_one_exists", "a person may hold one class I account per bank");
  }
  if (!status.ok()) return status;
  return account;
}

Result<std::vector<BankAccount>> CustomerService::Accounts(int64_t customer_id) {
  std::vector<BankAccount> accounts;
  Status status = db_.Read([&](store::SqlSession& sql) {
    auto rows = sql.Query(fmt::format("SELECT {} FROM bank_accounts WHERE customer_id = ? "
                                      "ORDER BY opened_at_ms, number",
                                      kAccountSelect),
                          {customer_id});
    if (!rows.ok()) return rows.status();
    for (size_t r = 0; r < rows->size(); ++r)
      accounts.push_back(AccountFromRow(*rows, r));
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return accounts;
}

Result<std::optional<BankAccount>> FindAccount(store::SqlSession& sql, const std::string& number) {
  auto rows = sql.Query(
      fmt::format("SELECT {} FROM bank_accounts WHERE number = ?", kAccountSelect), {number});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<BankAccount>();
  return std::optional<BankAccount>(AccountFromRow(*rows, 0));
}

Result<BankAccount> CustomerService::GetAccount(const std::string& number) {
  std::optional<BankAccount> account;
  Status status = db_.Read([&](store::SqlSession& sql) {
    auto found = FindAccount(sql, number);
    if (!found.ok()) return found.status();
    account = *found;
    return Status::Ok();
  });
  if (!status.ok()) return status;
  if (!account) return Status::NotFound("unknown_account", "no such account");
  return *account;
}

}  // namespace ebank::services
