// `ebank demo` on both backends: the demo customers exist with the promised accounts and
// security tools, a second run creates nothing and prints the same guide, the secrets the
// guide prints let each customer log in, and the ledger verifies.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "app/demo.h"
#include "ledger/ledger.h"
#include "ledger/verify.h"
#include "security/password.h"
#include "security/random.h"
#include "security/secret_box.h"
#include "security/totp.h"
#include "services/customers.h"
#include "services/outbox.h"
#include "services/sessions.h"
#include "services/signing.h"
#include "store/open.h"
#include "store/sql.h"
#include "testing/testing.h"
#include "ukey/bank_ca.h"
#include "ukey/pkcs11_token.h"

namespace ebank::app {
namespace {

namespace fs = std::filesystem;
using services::Tool;

struct ExpectedCustomer {
  std::string login;
  std::vector<Tool> tools;            // As SigningRecord lists them: SMS first, by strength.
  std::vector<std::string> products;  // Sorted.
};

const std::vector<ExpectedCustomer>& ExpectedCustomers() {
  static const std::vector<ExpectedCustomer> customers = {
      {"zhangwei", {Tool::kSms}, {"DEMAND_CARD_I", "DEMAND_CARD_II"}},
      {"lina", {Tool::kSms, Tool::kTotp}, {"DEMAND_CARD_I", "USD_SAVINGS"}},
      {"wangfang", {Tool::kSms, Tool::kPasswordCard}, {"CREDIT_CARD", "DEMAND_CARD_I"}},
      {"liuyang", {Tool::kSms, Tool::kUkey}, {"DEMAND_CARD_I", "DEMAND_CARD_II"}},
  };
  return customers;
}

// Every table the demo writes to, the ledger's included.
constexpr const char* kCountedTables[] = {
    "staff",       "customers",   "bank_accounts", "signings",    "credentials",
    "challenges",  "payments",    "outbox",        "audit_log",   "sessions",
    "journal",     "accounts",    "limit_usage",   "ukeys",       "approvals",
    "fee_charges", "kpi_targets", "cases",         "case_events",
};

template <typename T>
T Must(Result<T> result) {
  if (!result.ok()) throw std::runtime_error(result.status().ToString());
  return std::move(result).value();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The first group of `pattern` in `text`, or "" when it does not match.
std::string Find(const std::string& text, const std::string& pattern) {
  std::smatch match;
  return std::regex_search(text, match, std::regex(pattern)) ? match[1].str() : "";
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xf];
  }
  return out;
}

// The bank's services on the demo's database and data folder, as `ebank serve` builds them.
struct Bank {
  Bank(const std::string& database, const std::string& data_dir)
      : db(Must(store::OpenSqlDatabase(database))),
        ledger(Must(store::OpenLedgerStore(database)), SystemClock::Instance()),
        secrets(Must(security::SecretBox::LoadOrCreate(data_dir + "/master-key"))),
        ca(Must(ukey::BankCa::Load(data_dir + "/ca/ca.pem", data_dir + "/ca/ca.key"))),
        customers(*db, ledger, SystemClock::Instance()),
        sessions(*db, SystemClock::Instance()),
        signing(*db, customers, sessions, secrets, ca, SystemClock::Instance(),
                security::SystemRandom::Instance(), security::PasswordHashCost::Minimum()) {}

  int64_t CustomerId(const std::string& login) {
    int64_t id = 0;
    Status status = db->Read([&](store::SqlSession& sql) {
      auto rows = sql.Query("SELECT customer_id FROM signings WHERE login_id = ?", {login});
      if (!rows.ok()) return rows.status();
      if (!rows->empty()) id = rows->Int(0, 0);
      return Status::Ok();
    });
    EXPECT_TRUE(status.ok()) << status.ToString();
    return id;
  }

  // The login ladder with `tool`, answering its challenge with `answer`; the session token.
  Result<std::string> Login(const std::string& login, const std::string& password, Tool tool,
                            const std::function<std::string(const std::string&)>& answer) {
    auto start = signing.StartLogin(login, password);
    if (!start.ok()) return start.status();
    auto challenge = signing.LoginChallenge(start->ticket, tool);
    if (!challenge.ok()) return challenge.status();
    return signing.FinishLogin(start->ticket, answer(challenge->prompt), "demo_test");
  }

  std::unique_ptr<store::SqlDatabase> db;
  ledger::Ledger ledger;
  security::SecretBox secrets;
  ukey::BankCa ca;
  services::CustomerService customers;
  services::SessionService sessions;
  services::SigningService signing;
};

class DemoTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("ebank-demo-test");
    database_ = testing::FreshDatabase(GetParam(), dir_);
    data_dir_ = dir_ + "/data";
  }
  void TearDown() override {
    testing::RemoveTree(dir_);  // The U-key token lives in data/demo/ too.
    EXPECT_FALSE(fs::exists(dir_));
  }

  int RunDemo(int history_customers = 0) { return Demo({database_, data_dir_, history_customers}); }

  std::map<std::string, int64_t> Counts() {
    auto db = Must(store::OpenSqlDatabase(database_));
    std::map<std::string, int64_t> counts;
    Status status = db->Read([&](store::SqlSession& sql) {
      for (const char* table : kCountedTables) {
        auto rows = sql.Query(std::string("SELECT COUNT(*) FROM ") + table);
        if (!rows.ok()) return rows.status();
        counts[table] = rows->Int(0, 0);
      }
      return Status::Ok();
    });
    EXPECT_TRUE(status.ok()) << status.ToString();
    return counts;
  }

  std::string dir_;
  std::string database_;
  std::string data_dir_;
};

TEST_P(DemoTest, BuildsTheBankOnceWithEveryKindOfSecondFactor) {
  ASSERT_EQ(RunDemo(), 0);
  std::map<std::string, int64_t> counts = Counts();
  std::string guide = ReadFile(data_dir_ + "/demo/guide.txt");
  EXPECT_EQ(counts["staff"], 16);   // A teller at each of the 10 outlets, supervisors, managers.
  EXPECT_EQ(counts["ukeys"], 200);  // 20 in stock at each outlet.
  EXPECT_EQ(counts["kpi_targets"], 0);  // Targets come with the history.
  EXPECT_EQ(counts["customers"], 4);
  EXPECT_EQ(counts["signings"], 4);
  EXPECT_EQ(counts["bank_accounts"], 8);
  EXPECT_EQ(counts["credentials"], 3);  // TOTP, password card, U-key.
  EXPECT_GE(counts["payments"], 5);
  for (const char* promised : {"http://127.0.0.1:8080", "teller01", "super01", "admin01",
                               "/api/v1/sessions/challenge", "/api/v1/sessions/verify"}) {
    EXPECT_NE(guide.find(promised), std::string::npos) << promised;
  }

  // A second run finds everything and prints the same guide.
  ASSERT_EQ(RunDemo(), 0);
  EXPECT_EQ(Counts(), counts);
  EXPECT_EQ(ReadFile(data_dir_ + "/demo/guide.txt"), guide);

  Bank bank(database_, data_dir_);
  for (const ExpectedCustomer& expected : ExpectedCustomers()) {
    SCOPED_TRACE(expected.login);
    int64_t id = bank.CustomerId(expected.login);
    ASSERT_NE(id, 0);
    auto record = bank.signing.Get(id);
    ASSERT_TRUE(record.ok()) << record.status().ToString();
    EXPECT_EQ(record->tools, expected.tools);
    auto accounts = bank.customers.Accounts(id);
    ASSERT_TRUE(accounts.ok());
    std::vector<std::string> products;
    for (const auto& account : *accounts) {
      products.push_back(account.product_code);
      if (account.product_code != "DEMAND_CARD_I") continue;
      Status read = bank.ledger.store().Read([&](ledger::LedgerReader& reader) {
        auto ledger_accounts = reader.GetAccounts({account.ledger_account});
        if (!ledger_accounts.ok()) return ledger_accounts.status();
        EXPECT_GT(ledger_accounts->at(0).normal_balance(), 0) << "an empty class I account";
        EXPECT_GT(ledger_accounts->at(0).last_posting_seq, 0) << "no history";
        return Status::Ok();
      });
      EXPECT_TRUE(read.ok()) << read.ToString();
    }
    std::sort(products.begin(), products.end());
    EXPECT_EQ(products, expected.products);
  }
  auto report = ledger::VerifyLedger(bank.ledger.store());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(std::all_of(report->totals.begin(), report->totals.end(),
                          [](const auto& total) { return total.second == 0; }));
}

// The history: seeded (two banks grown alike are alike), idempotent, and its money is the
// ledger's: every figure a dashboard shows comes from movements that verify.
TEST_P(DemoTest, GrowsAYearOfHistoryOnceAndItVerifies) {
  ASSERT_EQ(RunDemo(40), 0);
  std::map<std::string, int64_t> counts = Counts();
  EXPECT_EQ(counts["customers"], 44);
  EXPECT_GT(counts["payments"], 100);
  EXPECT_GT(counts["approvals"], 40);  // At least each customer's first cash deposit.
  EXPECT_GT(counts["fee_charges"], 0);
  EXPECT_GT(counts["kpi_targets"], 0);
  EXPECT_GT(counts["case_events"], counts["cases"]);  // Some were worked on.
  ASSERT_EQ(RunDemo(40), 0);
  EXPECT_EQ(Counts(), counts);

  Bank bank(database_, data_dir_);
  auto report = ledger::VerifyLedger(bank.ledger.store());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(std::all_of(report->totals.begin(), report->totals.end(),
                          [](const auto& total) { return total.second == 0; }));
  // The payments' dates lie in the past year, not all on the day the demo ran.
  auto db = Must(store::OpenSqlDatabase(database_));
  int64_t now = SystemClock::Instance().NowMs();
  Status read = db->Read([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query(
        "SELECT MIN(created_at_ms), MAX(created_at_ms) FROM payments WHERE fingerprint = "
        "'history'");
    if (!rows.ok()) return rows.status();
    EXPECT_LT(rows->Int(0, 0), now - 200LL * 24 * 3600 * 1000);
    EXPECT_LT(rows->Int(0, 1), now);
    // Cases at every outlet, dated in the past year, some closed and some still open.
    auto cases = sql.Query(
        "SELECT COUNT(DISTINCT unit_id), MIN(created_at_ms), SUM(CASE WHEN state = 'closed' "
        "THEN 1 ELSE 0 END), SUM(CASE WHEN state IN ('open', 'investigating') THEN 1 ELSE 0 "
        "END) FROM cases");
    if (!cases.ok()) return cases.status();
    auto outlets = sql.Query("SELECT COUNT(*) FROM units WHERE kind = 'outlet'");
    if (!outlets.ok()) return outlets.status();
    EXPECT_EQ(cases->Int(0, 0), outlets->Int(0, 0));
    EXPECT_LT(cases->Int(0, 1), now - 30LL * 24 * 3600 * 1000);
    EXPECT_GT(cases->Int(0, 2), 0);
    EXPECT_GT(cases->Int(0, 3), 0);
    return Status::Ok();
  });
  EXPECT_TRUE(read.ok()) << read.ToString();
}

TEST_P(DemoTest, EachCustomerLogsInWithTheSecretsTheGuidePrints) {
  ASSERT_EQ(RunDemo(), 0);
  std::string guide = ReadFile(data_dir_ + "/demo/guide.txt");
  Bank bank(database_, data_dir_);
  auto password = [&](const std::string& login) {
    return Find(guide, "Login ID: " + login + " +密码 Password: (\\S+)");
  };

  // SMS: the code lands in the development SMS file, as the curl walk-through reads it.
  std::string mobile = Find(guide, "手机 Mobile: (1[0-9]{10})");
  services::FileSmsGateway sms(data_dir_ + "/sms-outbox.jsonl");
  services::OutboxDispatcher outbox(*bank.db, sms, SystemClock::Instance());
  auto session = bank.Login("zhangwei", password("zhangwei"), Tool::kSms, [&](const std::string&) {
    EXPECT_TRUE(outbox.DeliverPending().ok());
    std::ifstream in(data_dir_ + "/sms-outbox.jsonl");
    std::string line, last;
    while (std::getline(in, line)) {
      if (line.find("\"to\":\"" + mobile + "\"") != std::string::npos) last = line;
    }
    return Find(last, "验证码([0-9]{6})");
  });
  EXPECT_TRUE(session.ok()) << session.status().ToString();

  // TOTP: the printed secret, as `oathtool --totp -b SECRET` would use it.
  std::string secret = Must(security::Base32Decode(Find(guide, "oathtool --totp -b ([A-Z2-7]+)")));
  session = bank.Login("lina", password("lina"), Tool::kTotp, [&](const std::string&) {
    return Must(security::Totp(secret, SystemClock::Instance().NowMs()));
  });
  EXPECT_TRUE(session.ok()) << session.status().ToString();

  // Password card: the codes read off the printed card file.
  std::map<std::string, std::string> cells;
  std::istringstream card(ReadFile(data_dir_ + "/demo/wangfang-password-card.txt"));
  for (std::string line; std::getline(card, line);) {
    std::istringstream words(line);
    int row = 0;
    if (line.find("No.") != std::string::npos || !(words >> row) || row < 1 || row > 10) continue;
    std::string code;
    for (char column = 'A'; column <= 'H' && words >> code; ++column)
      cells[std::string(1, column) + std::to_string(row)] = code;
  }
  ASSERT_EQ(cells.size(), 80u);
  session = bank.Login("wangfang", password("wangfang"), Tool::kPasswordCard,
                       [&](const std::string& prompt) {
                         std::istringstream wanted(prompt);
                         std::string cell, answer;
                         while (wanted >> cell)
                           answer += cells[cell];
                         return answer;
                       });
  EXPECT_TRUE(session.ok()) << session.status().ToString();

  // U-key: the token the guide names, with its PIN, signs the login challenge.
  std::string conf = Find(guide, "SOFTHSM2_CONF=(\\S+)");
  std::string label = Find(guide, "token label: (\\S+)");
  std::string pin = Find(guide, "user PIN: (\\S+)");
  ASSERT_TRUE(fs::exists(conf)) << conf;
  setenv("SOFTHSM2_CONF", conf.c_str(), 1);
  {
    ukey::Pkcs11Token token(ukey::kSoftHsmModulePath, label);
    ASSERT_TRUE(token.Login(pin).ok());
    auto certificate = token.Certificate("ebank");
    ASSERT_TRUE(certificate.ok()) << certificate.status().ToString();
    EXPECT_TRUE(bank.ca.VerifyCertificate(*certificate, SystemClock::Instance().NowMs()).ok());
    session = bank.Login(
        "liuyang", password("liuyang"), Tool::kUkey,
        [&](const std::string& prompt) { return Hex(Must(token.Sign("ebank", prompt))); });
    EXPECT_TRUE(session.ok()) << session.status().ToString();
  }
  unsetenv("SOFTHSM2_CONF");
}

INSTANTIATE_TEST_SUITE_P(Backends, DemoTest, ::testing::Values("sqlite", "postgresql"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace ebank::app
