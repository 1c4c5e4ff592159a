// The branch counter over real HTTP on both backends: the organisation tree decides which
// customers a staff member sees, and counter cash and account freezes go through maker/
// checker (a second staff member of supervisor rank approves; nothing happens before, and
// it happens once).
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "common.h"
#include "core/money.h"

namespace ebank::testing {
namespace {

constexpr const char* kStaffPassword = "Counter#2026";
constexpr const char* kPassword = "Secret#2026";
constexpr const char* kAliceId = "11010519491231002X";
constexpr const char* kBobId = "440524188001010014";
constexpr const char* kAliceMobile = "13800138000";
constexpr const char* kBobMobile = "13900139000";

// head office HO
//   branch BJ → sub-branch BJ-CY → outlet BJ-CY-01 (teller01, teller02, super01)
//             sub-branch BJ-CY: super02
//   branch SH → outlet SH-01 (tellersh); branch SH: supersh
struct StaffSpec {
  const char* login;
  const char* role;
  const char* unit;
};
constexpr StaffSpec kStaff[] = {
    {"teller01", "teller", "BJ-CY-01"},    {"teller02", "teller", "BJ-CY-01"},
    {"super01", "supervisor", "BJ-CY-01"}, {"super02", "supervisor", "BJ-CY"},
    {"tellersh", "teller", "SH-01"},       {"supersh", "supervisor", "SH"},
};

class CounterTest : public BackendTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(AddStaff(database_, dir_, "admin01", kStaffPassword, "admin"));
    for (const StaffSpec& spec : kStaff) {
      ASSERT_TRUE(AddStaff(database_, dir_, spec.login, kStaffPassword, spec.role));
    }
    server_ = std::make_unique<ServerProcess>(database_, dir_);
    anonymous_ = std::make_unique<HttpClient>("127.0.0.1", server_->port());
    operator_ = std::make_unique<HttpClient>(server_->Client());
    staff_["admin01"] = Client(StaffLogin(*anonymous_, "admin01", kStaffPassword));
    HttpClient& admin = *staff_["admin01"];
    for (const auto& [code, kind, parent] :
         {std::tuple{"BJ", "branch", "HO"}, std::tuple{"BJ-CY", "sub_branch", "BJ"},
          std::tuple{"BJ-CY-01", "outlet", "BJ-CY"}, std::tuple{"SH", "branch", "HO"},
          std::tuple{"SH-01", "outlet", "SH"}}) {
      HttpResult unit =
          admin.Post("/api/v1/units", json::serialize(json::object{{"code", code},
                                                                   {"name_zh", "机构"},
                                                                   {"name_en", code},
                                                                   {"kind", kind},
                                                                   {"parent", parent}}));
      ASSERT_EQ(unit.status, 201) << unit.body;
    }
    for (const StaffSpec& spec : kStaff) {
      HttpResult placed = admin.Send("PUT", std::string("/api/v1/staff/") + spec.login + "/unit",
                                     json::serialize(json::object{{"unit", spec.unit}}), {});
      ASSERT_EQ(placed.status, 200) << placed.body;
      staff_[spec.login] = Client(StaffLogin(*anonymous_, spec.login, kStaffPassword));
    }
    alice_ = NewCustomer(*staff_["teller01"], kAliceId, kAliceMobile, "alice01", &alice_account_);
    bob_ = NewCustomer(*staff_["tellersh"], kBobId, kBobMobile, "bob0001", &bob_account_);
    ASSERT_FALSE(alice_account_.empty());
    ASSERT_FALSE(bob_account_.empty());
  }

  void TearDown() override {
    ExpectVerified(*operator_);
    EXPECT_EQ(server_->Stop(), 0) << server_->Log();
  }

  std::unique_ptr<HttpClient> Client(const std::string& token) {
    EXPECT_FALSE(token.empty());
    return std::make_unique<HttpClient>("127.0.0.1", server_->port(), token);
  }
  HttpClient& As(const std::string& login) { return *staff_.at(login); }

  std::string NewCustomer(HttpClient& teller, const std::string& id_number,
                          const std::string& mobile, const std::string& login_id,
                          std::string* account) {
    HttpResult customer = teller.Post(
        "/api/v1/customers", json::serialize(json::object{
                                 {"name", "客户"}, {"id_number", id_number}, {"mobile", mobile}}));
    EXPECT_EQ(customer.status, 201) << customer.body;
    if (customer.status != 201) return "";
    std::string number(customer.json().at("number").as_string());
    HttpResult opened =
        teller.Post("/api/v1/customers/" + number + "/accounts", R"({"product":"DEMAND_CARD_I"})");
    EXPECT_EQ(opened.status, 201) << opened.body;
    if (opened.status == 201) *account = std::string(opened.json().at("number").as_string());
    HttpResult signed_up = teller.Post(
        "/api/v1/customers/" + number + "/signing",
        json::serialize(json::object{
            {"login_id", login_id}, {"password", kPassword}, {"reserved_info", "春天的花"}}));
    EXPECT_EQ(signed_up.status, 201) << signed_up.body;
    return number;
  }

  // A counter cash request by `maker`; the answer as it came.
  HttpResult Cash(const std::string& maker, const std::string& kind, const std::string& account,
                  const std::string& amount, const std::string& key) {
    return As(maker).Post("/api/v1/counter/cash-" + kind,
                          json::serialize(json::object{
                              {"account", account}, {"amount", amount}, {"currency", "CNY"}}),
                          {{"Idempotency-Key", key}});
  }
  // Makes a cash request that must be accepted as pending; returns the approval's id.
  int64_t PendingCash(const std::string& maker, const std::string& kind, const std::string& account,
                      const std::string& amount, const std::string& key) {
    HttpResult made = Cash(maker, kind, account, amount, key);
    EXPECT_EQ(made.status, 202) << made.body;
    if (made.status != 202) return 0;
    EXPECT_EQ(made.json().at("state").as_string(), "pending");
    return made.json().at("id").as_int64();
  }
  HttpResult Decide(const std::string& checker, int64_t id, const std::string& decision) {
    return As(checker).Post("/api/v1/approvals/" + std::to_string(id) + "/" + decision, "{}");
  }

  // The account's balance in minor units, read by an administrator.
  int64_t Balance(const std::string& account) {
    HttpResult read = As("admin01").Get("/api/v1/accounts/" + account);
    EXPECT_EQ(read.status, 200) << read.body;
    if (read.status != 200) return -1;
    auto minor = ParseAmount(read.json().at("balance").as_string(), 2);
    EXPECT_TRUE(minor.ok());
    return minor.ok() ? *minor : -1;
  }
  std::string AccountStatus(const std::string& account) {
    HttpResult read = As("admin01").Get("/api/v1/accounts/" + account);
    EXPECT_EQ(read.status, 200) << read.body;
    return read.status == 200 ? std::string(read.json().at("status").as_string()) : "";
  }
  // The outlet's vault cash (a debit-side account: its balance rises with deposits).
  int64_t Cash(const std::string& outlet) {
    HttpResult found = operator_->Get("/internal/ledger/accounts?code=gl:cash:" + outlet + ":CNY");
    EXPECT_EQ(found.status, 200) << found.body;
    if (found.status != 200) return -1;
    int64_t id = found.json().at("accounts").as_array().at(0).at("id").as_int64();
    return ReadBalances(*operator_, {id})[id];
  }
  size_t JournalEntries() { return ReadJournal(*operator_).size(); }

  bool Lists(const std::string& checker, int64_t id) {
    HttpResult list = As(checker).Get("/api/v1/approvals");
    EXPECT_EQ(list.status, 200) << list.body;
    if (list.status != 200) return false;
    json::value document = list.json();
    for (const auto& item : document.at("approvals").as_array()) {
      if (item.at("id").as_int64() == id) return true;
    }
    return false;
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> anonymous_, operator_;
  std::map<std::string, std::unique_ptr<HttpClient>> staff_;
  std::string alice_, bob_, alice_account_, bob_account_;
};

TEST_P(CounterTest, AMakerCannotApproveTheirOwnAction) {
  int64_t id = PendingCash("super01", "deposits", alice_account_, "300.00", "own-1");
  HttpResult own = Decide("super01", id, "approve");
  EXPECT_EQ(own.status, 403) << own.body;
  EXPECT_EQ(own.json().at("code").as_string(), "maker_cannot_check");
  EXPECT_EQ(Decide("super01", id, "reject").status, 403);
  EXPECT_FALSE(Lists("super01", id));  // Not offered to its own maker.
  EXPECT_EQ(Balance(alice_account_), 0);
  // Another supervisor of the unit above may.
  HttpResult approved = Decide("super02", id, "approve");
  EXPECT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(approved.json().at("state").as_string(), "approved");
  EXPECT_EQ(Balance(alice_account_), 30000);
}

TEST_P(CounterTest, ATellerCannotApproveAndOtherBranchesCannotSeeIt) {
  int64_t id = PendingCash("teller01", "deposits", alice_account_, "300.00", "teller-1");
  HttpResult teller = Decide("teller02", id, "approve");
  EXPECT_EQ(teller.status, 403) << teller.body;
  EXPECT_EQ(teller.json().at("code").as_string(), "checker_role_required");
  EXPECT_FALSE(Lists("teller02", id));
  // A supervisor of another branch does not see it at all.
  EXPECT_FALSE(Lists("supersh", id));
  HttpResult elsewhere = Decide("supersh", id, "approve");
  EXPECT_EQ(elsewhere.status, 404) << elsewhere.body;
  EXPECT_EQ(Balance(alice_account_), 0);
  EXPECT_TRUE(Lists("super01", id));
  EXPECT_TRUE(Lists("super02", id));
  EXPECT_TRUE(Lists("admin01", id));
  HttpResult read = As("teller02").Get("/api/v1/approvals/" + std::to_string(id));
  EXPECT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.json().at("state").as_string(), "pending");
}

TEST_P(CounterTest, ADepositMovesMoneyOnlyWhenApprovedAndOnlyOnce) {
  int64_t cash_before = Cash("BJ-CY-01");
  size_t entries_before = JournalEntries();
  int64_t id = PendingCash("teller01", "deposits", alice_account_, "500.00", "dep-1");
  // Unapproved: nothing moved anywhere.
  EXPECT_EQ(Balance(alice_account_), 0);
  EXPECT_EQ(Cash("BJ-CY-01"), cash_before);
  EXPECT_EQ(JournalEntries(), entries_before);
  // A retry of the maker's request finds the same action; the key with another amount is
  // refused.
  HttpResult retry = Cash("teller01", "deposits", alice_account_, "500.00", "dep-1");
  EXPECT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(retry.json().at("id").as_int64(), id);
  EXPECT_EQ(Cash("teller01", "deposits", alice_account_, "600.00", "dep-1").status, 422);

  HttpResult approved = Decide("super01", id, "approve");
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(approved.json().at("state").as_string(), "approved");
  EXPECT_EQ(approved.json().at("outcome").as_string(), "ok");
  EXPECT_EQ(Balance(alice_account_), 50000);
  EXPECT_EQ(Cash("BJ-CY-01"), cash_before + 50000);
  EXPECT_EQ(JournalEntries(), entries_before + 1);

  // Approving again, by the same checker or another, is refused and moves nothing.
  for (const char* checker : {"super01", "super02"}) {
    HttpResult again = Decide(checker, id, "approve");
    EXPECT_EQ(again.status, 409) << again.body;
    EXPECT_EQ(again.json().at("code").as_string(), "not_pending");
  }
  EXPECT_EQ(Decide("super02", id, "reject").status, 409);
  EXPECT_EQ(Balance(alice_account_), 50000);
  EXPECT_EQ(Cash("BJ-CY-01"), cash_before + 50000);
  EXPECT_EQ(JournalEntries(), entries_before + 1);
  EXPECT_FALSE(Lists("super02", id));
}

TEST_P(CounterTest, ARejectedActionChangesNothing) {
  int64_t deposit = PendingCash("teller01", "deposits", alice_account_, "200.00", "rej-dep");
  ASSERT_EQ(Decide("super02", deposit, "approve").status, 200);
  int64_t cash_before = Cash("BJ-CY-01");
  size_t entries_before = JournalEntries();
  int64_t withdrawal = PendingCash("teller01", "withdrawals", alice_account_, "50.00", "rej-1");
  HttpResult rejected = As("super02").Post(
      "/api/v1/approvals/" + std::to_string(withdrawal) + "/reject", R"({"reason":"签名不符"})");
  ASSERT_EQ(rejected.status, 200) << rejected.body;
  EXPECT_EQ(rejected.json().at("state").as_string(), "rejected");
  EXPECT_EQ(Decide("super01", withdrawal, "approve").status, 409);
  EXPECT_EQ(Balance(alice_account_), 20000);
  EXPECT_EQ(Cash("BJ-CY-01"), cash_before);
  EXPECT_EQ(JournalEntries(), entries_before);
}

TEST_P(CounterTest, AWithdrawalPastTheBalanceFailsWhenApprovedAndMovesNothing) {
  int64_t deposit = PendingCash("teller01", "deposits", alice_account_, "100.00", "over-dep");
  ASSERT_EQ(Decide("super01", deposit, "approve").status, 200);
  int64_t cash_before = Cash("BJ-CY-01");
  int64_t id = PendingCash("teller01", "withdrawals", alice_account_, "100.01", "over-1");
  HttpResult refused = Decide("super01", id, "approve");
  EXPECT_EQ(refused.status, 422) << refused.body;
  HttpResult read = As("super01").Get("/api/v1/approvals/" + std::to_string(id));
  EXPECT_EQ(read.json().at("state").as_string(), "failed");
  EXPECT_EQ(Decide("super02", id, "approve").status, 409);
  EXPECT_EQ(Balance(alice_account_), 10000);
  EXPECT_EQ(Cash("BJ-CY-01"), cash_before);
  // The whole balance may go.
  int64_t all = PendingCash("teller01", "withdrawals", alice_account_, "100.00", "over-2");
  ASSERT_EQ(Decide("super01", all, "approve").status, 200);
  EXPECT_EQ(Balance(alice_account_), 0);
  EXPECT_EQ(Cash("BJ-CY-01"), cash_before - 10000);
}

TEST_P(CounterTest, StaffSeeTheCustomersOfTheirSubtreeOnly) {
  HttpResult missing = As("teller01").Get("/api/v1/customers/C9999999999");
  ASSERT_EQ(missing.status, 404);
  // Bob belongs to the Shanghai branch: to Beijing staff he does not exist.
  for (const char* login : {"teller01", "super01", "super02"}) {
    HttpResult customer = As(login).Get("/api/v1/customers/" + bob_);
    EXPECT_EQ(customer.status, 404) << login << " " << customer.body;
    EXPECT_EQ(customer.json().at("code"), missing.json().at("code"));
    EXPECT_EQ(customer.json().at("detail"), missing.json().at("detail"));
    EXPECT_EQ(As(login).Get("/api/v1/accounts/" + bob_account_).status, 404) << login;
    EXPECT_EQ(As(login)
                  .Post("/api/v1/customers/" + bob_ + "/accounts", R"({"product":"PASSBOOK"})")
                  .status,
              404)
        << login;
    EXPECT_EQ(As(login).Post("/api/v1/customers/" + bob_ + "/tools/totp", "").status, 404) << login;
  }
  HttpResult deposit = Cash("teller01", "deposits", bob_account_, "1.00", "tree-1");
  EXPECT_EQ(deposit.status, 404) << deposit.body;
  EXPECT_EQ(As("teller01").Post("/api/v1/accounts/" + bob_account_ + "/freeze", "{}").status, 404);
  // Alice is Beijing's; Shanghai does not see her.
  EXPECT_EQ(As("super02").Get("/api/v1/customers/" + alice_).status, 200);
  EXPECT_EQ(As("supersh").Get("/api/v1/customers/" + alice_).status, 404);
  EXPECT_EQ(As("supersh").Get("/api/v1/customers/" + bob_).status, 200);
  // The head office sees everyone.
  EXPECT_EQ(As("admin01").Get("/api/v1/customers/" + alice_).status, 200);
  EXPECT_EQ(As("admin01").Get("/api/v1/customers/" + bob_).status, 200);
  EXPECT_EQ(As("admin01").Get("/api/v1/accounts/" + bob_account_).status, 200);
  // The unit list follows the tree too.
  HttpResult units = As("super02").Get("/api/v1/units");
  ASSERT_EQ(units.status, 200) << units.body;
  std::vector<std::string> codes;
  json::value document = units.json();
  for (const auto& unit : document.at("units").as_array())
    codes.emplace_back(unit.at("code").as_string());
  EXPECT_EQ(codes, (std::vector<std::string>{"BJ-CY", "BJ-CY-01"}));
  // Only an administrator places staff, and only within their own subtree.
  EXPECT_EQ(
      As("super02").Send("PUT", "/api/v1/staff/teller01/unit", R"({"unit":"BJ-CY"})", {}).status,
      403);
}

TEST_P(CounterTest, CashIsHandledAtOutletsOnly) {
  HttpResult made = Cash("super02", "deposits", alice_account_, "1.00", "branch-1");
  EXPECT_EQ(made.status, 422) << made.body;
  EXPECT_EQ(made.json().at("code").as_string(), "not_an_outlet");
  HttpResult no_key =
      As("teller01")
          .Post("/api/v1/counter/cash-deposits",
                json::serialize(json::object{
                    {"account", alice_account_}, {"amount", "1.00"}, {"currency", "CNY"}}));
  EXPECT_EQ(no_key.status, 400) << no_key.body;
  EXPECT_EQ(Balance(alice_account_), 0);
}

TEST_P(CounterTest, AFrozenAccountCannotPay) {
  int64_t deposit = PendingCash("teller01", "deposits", alice_account_, "1000.00", "frz-dep");
  ASSERT_EQ(Decide("super01", deposit, "approve").status, 200);
  HttpResult made =
      As("teller01")
          .Post("/api/v1/accounts/" + alice_account_ + "/freeze", R"({"reason":"司法冻结"})");
  ASSERT_EQ(made.status, 202) << made.body;
  int64_t freeze = made.json().at("id").as_int64();
  EXPECT_EQ(AccountStatus(alice_account_), "active");  // Not before it is approved.

  HttpClient alice("127.0.0.1", server_->port(),
                   SmsLogin(*anonymous_, dir_, "alice01", kPassword, kAliceMobile));
  auto pay = [&](const std::string& key) {
    return alice.Post("/api/v1/me/transfers",
                      json::serialize(json::object{{"from_account", alice_account_},
                                                   {"to_account", bob_account_},
                                                   {"amount", "10.00"},
                                                   {"currency", "CNY"}}),
                      {{"Idempotency-Key", key}});
  };
  EXPECT_EQ(pay("pay-1").status, 201);

  ASSERT_EQ(Decide("super02", freeze, "approve").status, 200);
  EXPECT_EQ(AccountStatus(alice_account_), "frozen");
  HttpResult refused = pay("pay-2");
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(refused.json().at("code").as_string(), "account_unavailable");
  HttpResult withdrawal = Cash("teller01", "withdrawals", alice_account_, "10.00", "frz-wd");
  EXPECT_EQ(withdrawal.status, 422) << withdrawal.body;
  EXPECT_EQ(Balance(alice_account_), 99000);
  EXPECT_EQ(Balance(bob_account_), 1000);

  HttpResult unfreeze = As("teller01").Post("/api/v1/accounts/" + alice_account_ + "/unfreeze", "");
  ASSERT_EQ(unfreeze.status, 202) << unfreeze.body;
  ASSERT_EQ(Decide("super01", unfreeze.json().at("id").as_int64(), "approve").status, 200);
  EXPECT_EQ(AccountStatus(alice_account_), "active");
  EXPECT_EQ(pay("pay-3").status, 201);
  EXPECT_EQ(Balance(alice_account_), 98000);
}

INSTANTIATE_TEST_SUITE_P(Backends, CounterTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ebank::testing
