// Counters of what a customer, an account or a card has used of a limit in a period (a
// day, a year), shared by every channel that moves money: e-banking payments count against
// limit_usage and account_usage, card transactions against card_usage and account_usage.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "services/payments.h"
#include "store/sql.h"

namespace ebank::services {

// One counter an amount is added to: `table` keyed by (`key_column`, `period_column`).
struct Usage {
  std::string_view table;
  std::string_view key_column;
  store::SqlValue key;
  std::string_view period_column;
  std::string period;
  int64_t cap;
  Status refusal;  // When the amount would pass the cap.
};

// Adds `amount` to every counter in `sql`'s transaction, or to none when it would pass
// one's cap (the refusal of the first such). A negative amount gives back what an earlier
// call took and is never refused.
Status AddUsage(store::SqlSession& sql, const std::vector<Usage>& usages, int64_t amount);

// The caps of a class II or III account (PBOC); nullptr for other classes.
const ClassCap* CapFor(int account_class);

// The daily and yearly counters of money leaving `account_number` (of class
// `account_class`) to anything but its bound account, on `day` ("YYYY-MM-DD"); none for a
// class I account.
std::vector<Usage> OutgoingCapUsages(const std::string& account_number, int account_class,
                                     const std::string& day);

// The daily and yearly counters of money arriving in the class II account `account_number`
// from anything but its bound account, on `day`.
std::vector<Usage> IncomingCapUsages(const std::string& account_number, const std::string& day);

}  // namespace ebank::services
