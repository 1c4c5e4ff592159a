#include "common.h"

#include <cstdlib>

#include "core/money.h"

namespace ebank::testing {

std::map<int64_t, int64_t> ReadBalances(HttpClient& client, const std::vector<int64_t>& ids) {
  std::string list;
  for (int64_t id : ids)
    list += (list.empty() ? "" : ",") + std::to_string(id);
  HttpResult result = client.Get("/internal/ledger/accounts?ids=" + list);
  std::map<int64_t, int64_t> balances;
  EXPECT_EQ(result.status, 200) << result.body;
  if (result.status != 200) return balances;
  json::value document = result.json();  // Keep it alive while iterating.
  for (const auto& item : document.at("accounts").as_array()) {
    const auto& account = item.as_object();
    auto minor = ParseAmount(account.at("balance").as_string(), 2);
    EXPECT_TRUE(minor.ok());
    balances[account.at("id").as_int64()] = minor.ok() ? *minor : 0;
  }
  return balances;
}

std::map<int64_t, std::string> ReadJournal(HttpClient& client) {
  std::map<int64_t, std::string> entries;
  int64_t after = 0;
  while (true) {
    HttpResult result =
        client.Get("/internal/ledger/journal?limit=1000&after=" + std::to_string(after));
    EXPECT_EQ(result.status, 200) << result.body;
    if (result.status != 200) break;
    json::value document = result.json();
    const auto& list = document.at("entries").as_array();
    for (const auto& item : list) {
      after = item.at("seq").as_int64();
      entries[after] = std::string(item.at("body").as_string());
    }
    if (list.size() < 1000) break;
  }
  return entries;
}

void ExpectVerified(HttpClient& client) {
  HttpResult result = client.Get("/internal/ledger/verify");
  EXPECT_EQ(result.status, 200) << result.body;
}

bool AddStaff(const std::string& database, const std::string& dir, const std::string& login,
              const std::string& password, const std::string& role) {
  setenv("EBANK_STAFF_PASSWORD", password.c_str(), 1);
  std::string command = "'" + EbankBinary() + "' staff add --db '" + database + "' --login " +
                        login + " --name Staff --role " + role + " >> '" + dir + "/staff.log' 2>&1";
  bool ok = std::system(command.c_str()) == 0;
  unsetenv("EBANK_STAFF_PASSWORD");
  return ok;
}

void ExpectVerifyJournalCommand(const std::string& database, const std::string& dir) {
  std::string command = "'" + EbankBinary() + "' verify-journal --db '" + database + "' > '" + dir +
                        "/verify.log' 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0) << "ebank verify-journal failed for " << database;
}

}  // namespace ebank::testing
