// A bank of services on one test database: customers, staff, signing, payments, outbox.
#pragma once

#include <gtest/gtest.h>

#include "ledger/tests/ledger_env.h"
#include "security/password.h"
#include "security/random.h"
#include "security/secret_box.h"
#include "services/customers.h"
#include "services/outbox.h"
#include "services/payments.h"
#include "services/sessions.h"
#include "services/signing.h"
#include "services/staff.h"
#include "ukey/bank_ca.h"

namespace ebank::services {

// Collects SMS messages instead of sending them.
class CapturingSms final : public SmsGateway {
 public:
  Status Send(const std::string& mobile, const std::string& text) override {
    messages.push_back({mobile, text});
    return Status::Ok();
  }
  std::vector<std::pair<std::string, std::string>> messages;
};

class Bank {
 public:
  explicit Bank(const std::string& backend)
      : env_(backend),
        db_(Open(env_.database())),
        secrets_(security::SecretBox::Random()),
        ca_(ukey::BankCa::Create("ebank test CA", ledger::kTestEpochMs - 86400000, 3650).value()),
        customers(*db_, env_.ledger(), env_.clock()),
        sessions(*db_, env_.clock()),
        staff(*db_, sessions, env_.clock(), security::PasswordHashCost::Minimum()),
        signing(*db_, customers, sessions, secrets_, ca_, env_.clock(),
                security::SystemRandom::Instance(), security::PasswordHashCost::Minimum()),
        payments(*db_, env_.ledger(), customers, signing, env_.clock()),
        outbox(*db_, sms, env_.clock()) {}

  ledger::LedgerEnv& env() { return env_; }
  store::SqlDatabase& db() { return *db_; }
  const security::SecretBox& secrets() const { return secrets_; }

  // The newest SMS to `mobile`'s 6-digit code.
  std::string LastCode(const std::string& mobile) {
    EXPECT_TRUE(outbox.DeliverPending().ok());
    for (auto it = sms.messages.rbegin(); it != sms.messages.rend(); ++it) {
      if (it->first != mobile) continue;
      const std::string& text = it->second;
      for (size_t i = 0; i + 6 <= text.size(); ++i) {
        if (std::all_of(text.begin() + static_cast<long>(i),
                        text.begin() + static_cast<long>(i) + 6,
                        [](char c) { return c >= '0' && c <= '9'; }) &&
            (i + 6 == text.size() || !(text[i + 6] >= '0' && text[i + 6] <= '9')) &&
            (i == 0 || !(text[i - 1] >= '0' && text[i - 1] <= '9'))) {
          return text.substr(i, 6);
        }
      }
    }
    return "";
  }

  // A signed-up customer with a funded class I card account; returns the account.
  BankAccount Customer(const std::string& id_number, const std::string& mobile,
                       const std::string& login_id, int64_t funds_minor, int64_t* customer_id,
                       std::vector<std::string> channels = {"web", "mobile"}) {
    auto customer = customers.Create({CustomerKind::kIndividual, "客户", id_number, mobile, ""});
    EXPECT_TRUE(customer.ok()) << customer.status().ToString();
    *customer_id = customer->id;
    auto account = customers.OpenAccount(customer->id, "DEMAND_CARD_I", std::nullopt);
    EXPECT_TRUE(account.ok()) << account.status().ToString();
    EXPECT_TRUE(
        signing.SignUp(customer->id, {login_id, "Secret#2026", "春天的花", std::move(channels), 0})
            .ok());
    if (funds_minor > 0) {
      if (funding_ == 0) funding_ = env_.OpenFunding();
      EXPECT_TRUE(env_.Pay(funding_, account->ledger_account, funds_minor).status.ok());
    }
    return *account;
  }

  CapturingSms sms;

 private:
  static std::unique_ptr<store::SqlDatabase> Open(const std::string& database) {
    auto db = store::OpenSqlDatabase(database);
    if (!db.ok()) throw std::runtime_error(db.status().ToString());
    return std::move(*db);
  }

  ledger::LedgerEnv env_;
  std::unique_ptr<store::SqlDatabase> db_;
  security::SecretBox secrets_;
  ukey::BankCa ca_;
  ledger::AccountId funding_ = 0;

 public:
  CustomerService customers;
  SessionService sessions;
  StaffService staff;
  SigningService signing;
  PaymentService payments;
  OutboxDispatcher outbox;
};

}  // namespace ebank::services
