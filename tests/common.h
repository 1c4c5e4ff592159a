// Shared set-up for the integration tests: a fresh database per backend and helpers that
// speak the internal ledger API.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/http_client.h"
#include "support/server.h"
#include "testing/testing.h"

namespace ebank::testing {

namespace json = boost::json;

// Opens an account; returns its id (0 on failure, with a test failure recorded).
inline int64_t OpenAccount(HttpClient& client, const std::string& body) {
  HttpResult result = client.Post("/internal/ledger/accounts", body);
  EXPECT_EQ(result.status, 201) << result.body;
  if (result.status != 201) return 0;
  return result.json().at("id").as_int64();
}

inline std::string TransferBody(int64_t from, int64_t to, const std::string& amount,
                                const std::string& currency = "CNY") {
  return json::serialize(json::object{
      {"debit_account", from}, {"credit_account", to}, {"amount", amount}, {"currency", currency}});
}

// Reads accounts by id in one snapshot; returns id -> balance in minor units (parsed from
// the decimal string) and fails the test on any error.
std::map<int64_t, int64_t> ReadBalances(HttpClient& client, const std::vector<int64_t>& ids);

// Every journal entry, by seq.
std::map<int64_t, std::string> ReadJournal(HttpClient& client);

// GET /internal/ledger/verify must answer ok.
void ExpectVerified(HttpClient& client);

// Runs `ebank staff add` (a teller unless told), the password through the environment
// (never on the command line); true when it succeeded.
bool AddStaff(const std::string& database, const std::string& dir, const std::string& login,
              const std::string& password, const std::string& role = "teller");

// Logs a staff member in; returns the session token ("" on failure, with a test failure).
std::string StaffLogin(HttpClient& anonymous, const std::string& login,
                       const std::string& password);

// Registers a customer through the staff API (`teller`), opens a class I debit card account
// and signs them up for e-banking (reserved information "春天的花"); returns the account
// number ("" with a test failure on any refusal).
std::string SignUpCustomer(HttpClient& teller, const std::string& name,
                           const std::string& id_number, const std::string& mobile,
                           const std::string& login_id, const std::string& password);

// The one-time-code texts sent to `mobile` so far (the development gateway's file in
// `dir`), oldest first; balance alerts to the same phone are not counted.
std::vector<std::string> SmsCodeTexts(const std::string& dir, const std::string& mobile);
// The code of the first code text to `mobile` after the `seen_before` it had, waiting up to
// 30 s ("" with a test failure when none comes).
std::string WaitForSmsCode(const std::string& dir, const std::string& mobile, size_t seen_before);

// Logs a signed-up customer in with the password and an SMS code read from the
// development gateway's file in `dir` (waiting up to 30 s for it); returns the session
// token ("" on failure, with a test failure recorded).
std::string SmsLogin(HttpClient& anonymous, const std::string& dir, const std::string& login_id,
                     const std::string& password, const std::string& mobile);

// Runs `ebank verify-journal --db database` and expects success.
void ExpectVerifyJournalCommand(const std::string& database, const std::string& dir);

class BackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  BackendTest() : dir_(MakeTempDir("ebank-it")), database_(FreshDatabase(GetParam(), dir_)) {}
  ~BackendTest() override { RemoveTree(dir_); }
  std::string dir_;
  std::string database_;
};

// A bank of two branches for the staff API tests, over real HTTP:
//   head office HO → branch BJ → outlet BJ-01, and HO → branch SH → outlet SH-01,
// an administrator admin01 and the given staff placed in their units, each logged in.
struct StaffSpec {
  const char* login;
  const char* role;
  const char* unit;
};

class UnitTreeTest : public BackendTest {
 protected:
  // Adds admin01 and `staff` (all with `password`), starts the server, builds the tree and
  // logs everyone in; the caller checks HasFatalFailure().
  void BuildUnitTree(const std::vector<StaffSpec>& staff, const std::string& password);
  // Verifies the ledger and stops the server.
  void TearDown() override;

  std::unique_ptr<HttpClient> Client(const std::string& token);
  HttpClient& As(const std::string& login) { return *staff_.at(login); }
  // Registers a customer at `teller`'s outlet with a class I debit card account; signs them
  // up for e-banking (reserved information "春天的花"; `channels` when not empty) unless
  // `login_id` is empty. Returns the account number; the customer's number in `*number`.
  std::string NewCustomer(const std::string& teller, const std::string& id_number,
                          const std::string& mobile, const std::string& login_id,
                          const std::string& password, json::array channels, std::string* number);

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> anonymous_, operator_;
  std::map<std::string, std::unique_ptr<HttpClient>> staff_;
};

}  // namespace ebank::testing
