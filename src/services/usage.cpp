#include "services/usage.h"

#include <fmt/format.h>

namespace ebank::services {

const ClassCap* CapFor(int account_class) {
  for (const ClassCap& cap : kClassCaps) {
    if (cap.account_class == account_class) return &cap;
  }
  return nullptr;
}

Status AddUsage(store::SqlSession& sql, const std::vector<Usage>& usages, int64_t amount) {
  std::vector<bool> exists;
  for (const Usage& usage : usages) {
    auto used = sql.Query(fmt::format("SELECT used_minor FROM {} WHERE {} = ? AND {} = ?",
                                      usage.table, usage.key_column, usage.period_column),
                          {usage.key, usage.period});
    if (!used.ok()) return used.status();
    int64_t already = used->empty() ? 0 : used->Int(0, 0);
    if (amount > 0 && already + amount > usage.cap) return usage.refusal;
    exists.push_back(!used->empty());
  }
  for (size_t i = 0; i < usages.size(); ++i) {
    const Usage& usage = usages[i];
    EBANK_RETURN_IF_ERROR(
        exists[i] ? sql.Exec(fmt::format("UPDATE {} SET used_minor = used_minor + ? WHERE {} = ? "
                                         "AND {} = ?",
                                         usage.table, usage.key_column, usage.period_column),
                             {amount, usage.key, usage.period})
                  : sql.Exec(fmt::format("INSERT INTO {} ({}, {}, used_minor) VALUES (?, ?, ?)",
                                         usage.table, usage.key_column, usage.period_column),
                             {usage.key, usage.period, amount}));
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
