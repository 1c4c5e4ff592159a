// A small test DSL for the ledger, in the spirit of rippled's test Env: a fresh ledger on
// one backend, a manual clock, and short calls for the commands.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "ledger/ledger.h"
#include "ledger/verify.h"
#include "store/open.h"
#include "testing/testing.h"

namespace ebank::ledger {

inline constexpr int64_t kTestEpochMs = 1767225600000;  // 2026-01-01T00:00:00Z

class LedgerEnv {
 public:
  explicit LedgerEnv(const std::string& backend)
      : dir_(testing::MakeTempDir("ebank-ledger-test")),
        database_(testing::FreshDatabase(backend, dir_)),
        clock_(kTestEpochMs) {
    auto store = store::OpenLedgerStore(database_);
    if (!store.ok()) throw std::runtime_error(store.status().ToString());
    ledger_ = std::make_unique<Ledger>(std::move(*store), clock_);
  }
  ~LedgerEnv() {
    ledger_.reset();
    testing::RemoveTree(dir_);
  }

  Ledger& ledger() { return *ledger_; }
  ManualClock& clock() { return clock_; }
  const std::string& database() const { return database_; }

  AccountId Open(Currency currency = Currency::Cny(), std::optional<int64_t> floor = 0,
                 Side side = Side::kCredit, std::string code = "") {
    Outcome outcome = Run(OpenAccount{std::move(code), currency, side, floor});
    EXPECT_TRUE(outcome.status.ok()) << outcome.status.ToString();
    return outcome.id;
  }
  // A general-ledger account with no floor, from which tests fund customers.
  AccountId OpenFunding(Currency currency = Currency::Cny()) {
    return Open(currency, std::nullopt, Side::kDebit);
  }
  Outcome Run(Command command, std::string key = "") {
    return ledger_->Execute(Request{std::move(key), std::move(command)});
  }
  Outcome Pay(AccountId from, AccountId to, int64_t amount, std::string key = "") {
    return Run(Transfer{{{from, -amount}, {to, amount}}, ""}, std::move(key));
  }
  Account Get(AccountId id) {
    Account account;
    Status status = ledger_->store().Read([&](LedgerReader& reader) {
      auto accounts = reader.GetAccounts({id});
      if (!accounts.ok()) return accounts.status();
      if (accounts->size() != 1) return Status::NotFound("unknown_account", "no such account");
      account = accounts->front();
      return Status::Ok();
    });
    EXPECT_TRUE(status.ok()) << status.ToString();
    return account;
  }
  int64_t Balance(AccountId id) { return Get(id).balance; }
  // Every test ends here: the whole ledger must verify.
  void Verify() {
    auto report = VerifyLedger(ledger_->store());
    ASSERT_TRUE(report.ok()) << report.status().ToString();
  }

 private:
  std::string dir_;
  std::string database_;
  ManualClock clock_;
  std::unique_ptr<Ledger> ledger_;
};

inline std::string BackendName(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

}  // namespace ebank::ledger
