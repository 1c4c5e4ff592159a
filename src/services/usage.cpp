#include "services/usage.h"

#include <fmt/format.h>

namespace ebank::services {

const ClassCap* CapFor(int account_class) {
  for (const ClassCap& cap : kClassCaps) {
    if (cap.account_class == account_class) return &cap;
  }
  return nullptr;
}

namespace {
// Adds `amount` to one counter in one statement: an upsert whose update applies only while
// the sum stays within the cap (a negative amount always). It wrote no row when the cap
// refused it. (Not RETURNING: on SQLite that builds a temporary table at every statement.)
Status AddOne(store::SqlSession& sql, const Usage& usage, int64_t amount) {
  if (amount > usage.cap) return usage.refusal;
  auto written = sql.Changes(
      fmt::format("INSERT INTO {0} ({1}, {2}, used_minor) VALUES (?, ?, ?) ON CONFLICT ({1}, {2}) "
                  "DO UPDATE SET used_minor = {0}.used_minor + excluded.used_minor WHERE "
                  "excluded.used_minor <= 0 OR {0}.used_minor + excluded.used_minor <= ?",
                  usage.table, usage.key_column, usage.period_column),
      {usage.key, usage.period, amount, usage.cap});
  if (!written.ok()) return written.status();
  return *written == 0 ? usage.refusal : Status::Ok();
}
}  // namespace

Status AddUsage(store::SqlSession& sql, const std::vector<Usage>& usages, int64_t amount) {
  for (size_t i = 0; i < usages.size(); ++i) {
    Status added = AddOne(sql, usages[i], amount);
    if (added.ok()) continue;
    // Refused by a later counter: the earlier ones give back what they took (all or none).
    if (added.code() == Code::kRejected) {
      for (size_t j = 0; j < i; ++j)
        EBANK_RETURN_IF_ERROR(AddOne(sql, usages[j], -amount));
    }
    return added;
  }
  return Status::Ok();
}

namespace {
std::vector<Usage> CapUsages(const std::string& account_number, int account_class,
                             const std::string& day, std::string_view direction) {
  const ClassCap* cap = CapFor(account_class);
  if (!cap) return {};
  Status refusal = Status::Rejected(
      "account_class_limit_exceeded",
      fmt::format("the amount is over what remains of the class {} account's limit",
                  account_class == 2 ? "II" : "III"));
  std::string prefix(direction);
  return {{"account_usage", "account_number", account_number, "period", prefix + day,
           cap->daily_minor, refusal},
          {"account_usage", "account_number", account_number, "period", prefix + day.substr(0, 4),
           cap->yearly_minor, refusal}};
}
}  // namespace

std::vector<Usage> OutgoingCapUsages(const std::string& account_number, int account_class,
                                     const std::string& day) {
  return CapUsages(account_number, account_class, day, "out:");
}

std::vector<Usage> IncomingCapUsages(const std::string& account_number, const std::string& day) {
  return CapUsages(account_number, 2, day, "in:");
}

}  // namespace ebank::services
