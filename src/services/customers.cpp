#include "services/customers.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "ledger/journal.h"
#include "security/card.h"
#include "security/id_document.h"
#include "services/scheduled.h"

namespace ebank::services {
namespace {

constexpr const char* kCustomerColumns =
    "id, number, kind, name, id_type, id_number, mobile, address, status, created_at_ms, unit_id";
constexpr const char* kAccountColumns =
    "number, customer_id, product_code, ledger_account_id, account_class, status, bound_number, "
    "opened_at_ms, unit_id";
// What reads select: the stored columns and the product's currency.
constexpr const char* kAccountSelect =
    "number, customer_id, product_code, ledger_account_id, account_class, status, bound_number, "
    "opened_at_ms, (SELECT p.currency FROM products p WHERE p.code = product_code), unit_id";
// The ids of the units of a subtree, given its LIKE pattern (UnitScope::LikePattern).
constexpr const char* kUnitsWithin = "(SELECT u.id FROM units u WHERE u.path LIKE ?)";
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
  customer.unit_id = rows.Int(r, 10);
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
  account.unit_id = rows.Int(r, 9);
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

// The account holder's view of a credit-positive ledger amount: positive is money in.
int64_t HolderAmount(const ledger::Account& booked, int64_t amount) {
  return booked.side == ledger::Side::kCredit ? amount : -amount;
}

// The journal entry a posting belongs to.
Result<ledger::JournalEntry> JournalEntryOf(ledger::LedgerReader& reader, ledger::Seq seq) {
  auto entries = reader.ReadJournal(seq - 1, 1);
  if (!entries.ok()) return entries.status();
  if (entries->empty() || entries->front().seq != seq) {
    return Status::Internal("database_corrupt",
                            "posting " + std::to_string(seq) + " has no journal entry");
  }
  return std::move(entries->front());
}

// The transaction of `row` as its account's holder sees it: when, why and with whom.
Result<HistoryEntry> EntryOf(ledger::LedgerReader& reader, const ledger::Account& booked,
                             const ledger::PostingRow& row, const ledger::JournalEntry& journal) {
  HistoryEntry entry;
  entry.transaction_id = row.seq;
  entry.at_ms = journal.at_ms;
  entry.amount_minor = HolderAmount(booked, row.amount);
  entry.balance_after_minor = HolderAmount(booked, row.balance_after);
  auto event = ledger::DecodeBody(journal.body);
  if (!event.ok() || event->kind != ledger::Event::Kind::kTransfer) return entry;
  entry.memo = event->transfer.memo;
  std::vector<ledger::AccountId> others;
  for (const ledger::Posting& posting : event->transfer.postings) {
    if (posting.account != booked.id) others.push_back(posting.account);
  }
  if (others.size() != 1) return entry;
  auto accounts = reader.GetAccounts(others);
  if (!accounts.ok()) return accounts.status();
  // Bank accounts' ledger codes are their numbers; the bank's own accounts are not named.
  if (!accounts->empty() && AllDigits(accounts->front().code)) {
    entry.counterparty = MaskAccountNumber(accounts->front().code);
  }
  return entry;
}

struct Walk {
  std::vector<HistoryEntry> entries;  // Newest first.
  std::optional<int64_t> next_before;
  // The balance after the newest posting older than query.from_ms, if one was read.
  std::optional<int64_t> balance_before_from;
};

// Follows the account's chain of postings from the newest (or from just below
// query.before_id) back in time, keeping the ones the query wants.
Result<Walk> WalkHistory(ledger::LedgerReader& reader, const ledger::Account& booked,
                         const HistoryQuery& query) {
  Walk walk;
  ledger::Seq cursor = booked.last_posting_seq;
  if (query.before_id <= booked.last_posting_seq) {
    // The page cursor is the last posting of the previous page: start right below it
    // instead of following the chain down to it.
    auto at = reader.GetPosting(booked.id, query.before_id);
    if (!at.ok()) return at.status();
    if (!at->has_value()) {
      return Status::Invalid("invalid_query", "before must be a transaction of this account");
    }
    cursor = (*at)->prev_seq;
  }
  int64_t stop_before_ms = query.from_ms < INT64_MIN + kJournalTimeSkewMs
                               ? INT64_MIN
                               : query.from_ms - kJournalTimeSkewMs;
  size_t scanned = 0;
  ledger::Seq last_read = 0;
  while (cursor > 0) {
    if (walk.entries.size() >= query.limit || scanned >= query.scan_max) {
      walk.next_before = last_read;
      break;
    }
    auto row = reader.GetPosting(booked.id, cursor);
    if (!row.ok()) return row.status();
    if (!row->has_value()) {
      return Status::Internal("database_corrupt", "posting chain of account " +
                                                      std::to_string(booked.id) + " is broken");
    }
    const ledger::PostingRow posting = **row;
    ++scanned;
    last_read = posting.seq;
    cursor = posting.prev_seq;
    auto journal = JournalEntryOf(reader, posting.seq);
    if (!journal.ok()) return journal.status();
    if (journal->at_ms >= query.to_ms) continue;
    if (journal->at_ms < query.from_ms) {
      if (!walk.balance_before_from) {
        walk.balance_before_from = HolderAmount(booked, posting.balance_after);
      }
      if (journal->at_ms < stop_before_ms) break;
      continue;
    }
    int64_t amount = HolderAmount(booked, posting.amount);
    int64_t magnitude = amount < 0 ? -amount : amount;
    if (query.min_minor && magnitude < *query.min_minor) continue;
    if (query.max_minor && magnitude > *query.max_minor) continue;
    if (query.direction == Direction::kIn && amount <= 0) continue;
    if (query.direction == Direction::kOut && amount >= 0) continue;
    auto entry = EntryOf(reader, booked, posting, *journal);
    if (!entry.ok()) return entry.status();
    walk.entries.push_back(std::move(*entry));
  }
  return walk;
}

}  // namespace

std::string MaskAccountNumber(std::string_view number) {
  constexpr size_t kShownFirst = 6;
  constexpr size_t kShownLast = 4;
  if (number.size() <= kShownFirst + kShownLast) {
    return number.size() <= kShownLast ? std::string(number)
                                       : std::string(number.size() - kShownLast, '*') +
                                             std::string(number.substr(number.size() - kShownLast));
  }
  return std::string(number.substr(0, kShownFirst)) +
         std::string(number.size() - kShownFirst - kShownLast, '*') +
         std::string(number.substr(number.size() - kShownLast));
}

std::optional<int64_t> ChinaDayStartMs(std::string_view date) {
  constexpr int64_t kChinaOffsetMs = 8 * 3600 * 1000;
  auto day = ParseDate(date);
  if (!day) return std::nullopt;
  auto since_epoch = std::chrono::sys_days(*day).time_since_epoch();
  return std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count() -
         kChinaOffsetMs;
}

std::string_view CustomerKindName(CustomerKind kind) {
  return kind == CustomerKind::kCompany ? "company" : "individual";
}

bool LuhnValid(std::string_view number) {
  return number.size() >= 2 && AllDigits(number) &&
         security::LuhnCheckDigit(number.substr(0, number.size() - 1)) == number.back();
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
    auto unit =
        input.unit_id == 0
            ? sql.Query("SELECT id FROM units WHERE code = ?", {std::string(kHeadOfficeCode)})
            : sql.Query("SELECT id FROM units WHERE id = ?", {input.unit_id});
    if (!unit.ok()) return unit.status();
    if (unit->empty()) return Status::NotFound("unknown_unit", "no such unit");
    int64_t unit_id = unit->Int(0, 0);
    // The number is derived from the id, so it is set in a second statement.
    auto inserted = sql.Query(
        "INSERT INTO customers (number, kind, name, id_type, id_number, mobile, address, status, "
        "created_at_ms, unit_id) VALUES ('', ?, ?, ?, ?, ?, ?, 'active', ?, ?) RETURNING id",
        {std::string(CustomerKindName(input.kind)), input.name, id_type, input.id_number,
         input.mobile, input.address, now, unit_id});
    if (!inserted.ok()) return inserted.status();
    int64_t id = inserted->Int(0, 0);
    std::string number = fmt::format("C{:010d}", id);
    EBANK_RETURN_IF_ERROR(sql.Exec("UPDATE customers SET number = ? WHERE id = ?", {number, id}));
    customer =
        Customer{id,           number,        input.kind, input.name, id_type, input.id_number,
                 input.mobile, input.address, "active",   now,        unit_id};
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

Result<Customer> CustomerService::GetByNumber(const std::string& number, const UnitScope& scope) {
  std::optional<Customer> customer;
  Status status = db_.Read([&](store::SqlSession& sql) {
    auto rows = sql.Query(fmt::format("SELECT {} FROM customers WHERE number = ? AND unit_id IN {}",
                                      kCustomerColumns, kUnitsWithin),
                          {number, scope.LikePattern()});
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) customer = CustomerFromRow(*rows, 0);
    return Status::Ok();
  });
  if (!status.ok()) return status;
  // A customer of another part of the tree looks exactly like one that does not exist.
  if (!customer || scope.path.empty()) {
    return Status::NotFound("unknown_customer", "no such customer");
  }
  return *customer;
}

Result<std::vector<Customer>> CustomerService::Search(const std::string& text,
                                                      const UnitScope& scope) {
  if (text.empty() || text.size() > kCustomerSearchBytesMax) {
    return Status::Invalid("invalid_query", "q is 1 to 64 bytes");
  }
  std::vector<Customer> customers;
  if (scope.path.empty()) return customers;
  // Numbers, ID numbers and mobiles match exactly or by their start; names anywhere. LIKE's
  // own wildcards in the text are matched literally.
  std::string escaped;
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') escaped += '\\';
    escaped += c;
  }
  Status status = db_.Read([&](store::SqlSession& sql) {
    auto rows = sql.Query(
        fmt::format("SELECT {} FROM customers WHERE unit_id IN {} AND (number LIKE ? ESCAPE '\\' "
                    "OR id_number LIKE ? ESCAPE '\\' OR mobile LIKE ? ESCAPE '\\' OR name LIKE ? "
                    "ESCAPE '\\') ORDER BY number LIMIT {}",
                    kCustomerColumns, kUnitsWithin, kCustomerSearchListedMax),
        {scope.LikePattern(), escaped + "%", escaped + "%", escaped + "%", "%" + escaped + "%"});
    if (!rows.ok()) return rows.status();
    for (size_t r = 0; r < rows->size(); ++r)
      customers.push_back(CustomerFromRow(*rows, r));
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return customers;
}

Result<BankAccount> CustomerService::GetAccount(const std::string& number, const UnitScope& scope) {
  std::optional<BankAccount> account;
  Status status = db_.Read([&](store::SqlSession& sql) {
    auto rows = sql.Query(
        fmt::format("SELECT {} FROM bank_accounts WHERE number = ? AND (unit_id IN {} OR "
                    "customer_id IN (SELECT c.id FROM customers c WHERE c.unit_id IN {}))",
                    kAccountSelect, kUnitsWithin, kUnitsWithin),
        {number, scope.LikePattern(), scope.LikePattern()});
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) account = AccountFromRow(*rows, 0);
    return Status::Ok();
  });
  if (!status.ok()) return status;
  if (!account || scope.path.empty()) {
    return Status::NotFound("unknown_account", "no such account");
  }
  return *account;
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
  return body + security::LuhnCheckDigit(body);
}

Result<BankAccount> CustomerService::OpenAccount(int64_t customer_id,
                                                 const std::string& product_code,
                                                 const std::optional<std::string>& bound_number,
                                                 std::optional<int64_t> unit_id) {
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
  BankAccount account{*number,
                      customer_id,
                      product->code,
                      opened.id,
                      product->account_class,
                      "active",
                      bound_number,
                      clock_.NowMs(),
                      std::string(product->currency.code()),
                      unit_id.value_or(customer->unit_id)};
  Status status = db_.Transaction([&](store::SqlSession& sql) {
    return sql.Exec(fmt::format("INSERT INTO bank_accounts ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                kAccountColumns),
                    {account.number, account.customer_id, account.product_code,
                     account.ledger_account, int64_t{account.account_class}, account.status,
                     bound_number ? store::SqlValue(*bound_number) : store::SqlValue(),
                     account.opened_at_ms, account.unit_id});
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
  static const std::string kSql =
      fmt::format("SELECT {} FROM bank_accounts WHERE number = ?", kAccountSelect);
  auto rows = sql.Query(kSql, {number});
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

// The customer's own account and its ledger record, read in the reader's snapshot.
namespace {
Result<ledger::Account> BookedAccount(ledger::LedgerReader& reader, const BankAccount& account) {
  auto booked = reader.GetAccounts({account.ledger_account});
  if (!booked.ok()) return booked.status();
  if (booked->empty()) return Status::Internal("ledger_account_missing", "account not in ledger");
  return booked->front();
}
}  // namespace

Result<BankAccount> CustomerService::OwnAccount(int64_t customer_id, const std::string& number) {
  auto account = GetAccount(number);
  if (!account.ok() && account.status().code() != Code::kNotFound) return account.status();
  // Another customer's account looks exactly like one that does not exist.
  if (!account.ok() || account->customer_id != customer_id) {
    return Status::NotFound("unknown_account", "no such account of yours");
  }
  return account;
}

Result<HistoryPage> CustomerService::History(int64_t customer_id, const std::string& number,
                                             const HistoryQuery& query) {
  auto account = OwnAccount(customer_id, number);
  if (!account.ok()) return account.status();
  HistoryPage page;
  Status status = ledger_.store().Read([&](ledger::LedgerReader& reader) {
    auto booked = BookedAccount(reader, *account);
    if (!booked.ok()) return booked.status();
    page.currency = booked->currency;
    auto walk = WalkHistory(reader, *booked, query);
    if (!walk.ok()) return walk.status();
    page.entries = std::move(walk->entries);
    page.next_before = walk->next_before;
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return page;
}

Result<Statement> CustomerService::MakeStatement(int64_t customer_id, const std::string& number,
                                                 const std::string& from_date,
                                                 const std::string& to_date) {
  auto from_ms = ChinaDayStartMs(from_date);
  auto to_start_ms = ChinaDayStartMs(to_date);
  if (!from_ms || !to_start_ms) {
    return Status::Invalid("invalid_query", "from and to must be dates, YYYY-MM-DD");
  }
  constexpr int64_t kDayMs = 24 * 3600 * 1000;
  if (*to_start_ms < *from_ms) return Status::Invalid("invalid_query", "from is after to");
  if ((*to_start_ms - *from_ms) / kDayMs + 1 > kStatementDaysMax) {
    return Status::Invalid("invalid_query", "a statement covers at most " +
                                                std::to_string(kStatementDaysMax) + " days");
  }
  auto account = OwnAccount(customer_id, number);
  if (!account.ok()) return account.status();
  auto customer = GetById(customer_id);
  if (!customer.ok()) return customer.status();
  Statement statement;
  statement.account = *account;
  statement.holder_name = customer->name;
  statement.from_date = from_date;
  statement.to_date = to_date;
  HistoryQuery query;
  query.from_ms = *from_ms;
  query.to_ms = *to_start_ms + kDayMs;
  query.limit = kStatementRowsMax + 1;
  query.scan_max = kStatementScanMax;
  std::optional<int64_t> more;
  Status status = ledger_.store().Read([&](ledger::LedgerReader& reader) {
    auto booked = BookedAccount(reader, *account);
    if (!booked.ok()) return booked.status();
    statement.currency = booked->currency;
    auto walk = WalkHistory(reader, *booked, query);
    if (!walk.ok()) return walk.status();
    more = walk->next_before;
    statement.entries.assign(walk->entries.rbegin(), walk->entries.rend());
    statement.opening_minor = walk->balance_before_from.value_or(0);
    return Status::Ok();
  });
  if (!status.ok()) return status;
  // A full statement or none: a walk cut short would print wrong totals.
  if (more || statement.entries.size() > kStatementRowsMax) {
    return Status::Rejected("statement_too_long",
                            "too many transactions for one statement: choose fewer days");
  }
  int64_t balance = statement.opening_minor;
  for (const HistoryEntry& entry : statement.entries) {
    auto next = CheckedAdd(balance, entry.amount_minor);
    auto in = CheckedAdd(statement.total_in_minor, entry.amount_minor > 0 ? entry.amount_minor : 0);
    auto out =
        CheckedSub(statement.total_out_minor, entry.amount_minor < 0 ? entry.amount_minor : 0);
    if (!next || !in || !out) return Status::Internal("overflow", "statement totals overflow");
    balance = *next;
    statement.total_in_minor = *in;
    statement.total_out_minor = *out;
  }
  statement.closing_minor = balance;
  return statement;
}

Result<Receipt> CustomerService::MakeReceipt(int64_t customer_id, const std::string& number,
                                             int64_t transaction_id) {
  auto account = OwnAccount(customer_id, number);
  if (!account.ok()) return account.status();
  auto customer = GetById(customer_id);
  if (!customer.ok()) return customer.status();
  Receipt receipt;
  receipt.account = *account;
  receipt.holder_name = customer->name;
  Status status = ledger_.store().Read([&](ledger::LedgerReader& reader) {
    auto booked = BookedAccount(reader, *account);
    if (!booked.ok()) return booked.status();
    receipt.currency = booked->currency;
    auto posting = reader.GetPosting(booked->id, transaction_id);
    if (!posting.ok()) return posting.status();
    if (!posting->has_value()) {
      return Status::NotFound("unknown_transaction", "no such transaction of this account");
    }
    auto journal = JournalEntryOf(reader, transaction_id);
    if (!journal.ok()) return journal.status();
    auto entry = EntryOf(reader, *booked, **posting, *journal);
    if (!entry.ok()) return entry.status();
    receipt.entry = std::move(*entry);
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return receipt;
}

}  // namespace ebank::services
