// The bank's management side over real HTTP on both backends (BO-2, BO-3, BO-5): a U-key
// issued from the inventory through maker/checker with its fee, fee schedules and the
// monthly SMS fee run, and every KPI of a small bank whose figures are worked out by hand
// below, with targets, completion, rank, drill-down and the XLSX export; all of it seen
// only within the asker's part of the unit tree.
#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <memory>
#include <string>

#include "common.h"
#include "core/money.h"

namespace ebank::testing {
namespace {

constexpr const char* kStaffPassword = "Office#2026";
constexpr const char* kPassword = "Secret#2026";
constexpr const char* kAliceId = "11010519491231002X";
constexpr const char* kBobId = "440524188001010014";
constexpr const char* kCarolId = "110101199003070038";
constexpr const char* kAliceMobile = "13800138000";

// The China Standard Time date `days` from now, "YYYY-MM-DD".
std::string CstDate(int days) {
  std::time_t at = std::time(nullptr) + 8 * 3600 + days * 86400;
  std::tm parts{};
  gmtime_r(&at, &parts);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &parts);
  return text;
}

// head office HO
//   branch BJ (superbj) → outlet BJ-01 (tellerbj)
//   branch SH (supersh) → outlet SH-01 (tellersh)
const std::vector<StaffSpec> kStaff = {
    {"tellerbj", "teller", "BJ-01"},       {"superbj", "supervisor", "BJ"},
    {"managerbj", "branch_manager", "BJ"}, {"cmbj", "customer_manager", "BJ"},
    {"tellersh", "teller", "SH-01"},       {"supersh", "supervisor", "SH"},
};

class BackOfficeTest : public UnitTreeTest {
 protected:
  void SetUp() override {
    BuildUnitTree(kStaff, kStaffPassword);
    if (HasFatalFailure()) return;
    alice_account_ = NewCustomer("tellerbj", kAliceId, kAliceMobile, "alice01", kPassword,
                                 json::array{"web", "mobile", "sms"}, &alice_);
    bob_account_ = SignUpCustomer(As("tellerbj"), "鲍勃", kBobId, "13900139000", "bob0001",
                                  kPassword);  // Web and mobile.
    carol_account_ = NewCustomer("tellersh", kCarolId, "13700137000", "", kPassword, {}, &carol_);
    ASSERT_FALSE(alice_account_.empty());
    ASSERT_FALSE(bob_account_.empty());
    ASSERT_FALSE(carol_account_.empty());
    // Stock: two U-keys at the outlet BJ-01, received by its branch; one at SH itself.
    EXPECT_EQ(As("superbj").Post("/api/v1/ukeys", R"({"serials":["UKX"],"unit":"SH-01"})").status,
              404);
    HttpResult bj = As("superbj").Post("/api/v1/ukeys",
                                       R"({"serials":["UKBJ0001","UKBJ0002"],"unit":"BJ-01"})");
    ASSERT_EQ(bj.status, 201) << bj.body;
    HttpResult sh = As("supersh").Post("/api/v1/ukeys", R"({"serials":["UKSH0001"]})");
    ASSERT_EQ(sh.status, 201) << sh.body;
  }

  HttpResult Decide(const std::string& checker, int64_t id, const std::string& decision) {
    return As(checker).Post("/api/v1/approvals/" + std::to_string(id) + "/" + decision, "{}");
  }
  void Deposit(const std::string& teller, const std::string& checker, const std::string& account,
               const std::string& amount) {
    HttpResult made =
        As(teller).Post("/api/v1/counter/cash-deposits",
                        json::serialize(json::object{
                            {"account", account}, {"amount", amount}, {"currency", "CNY"}}),
                        {{"Idempotency-Key", "deposit-" + account}});
    ASSERT_EQ(made.status, 202) << made.body;
    ASSERT_EQ(Decide(checker, made.json().at("id").as_int64(), "approve").status, 200);
  }
  HttpResult IssueUkey(const std::string& teller, const std::string& customer,
                       const std::string& serial, const std::string& key) {
    return As(teller).Post("/api/v1/customers/" + customer + "/ukey-issues",
                           json::serialize(json::object{{"serial", serial}}),
                           {{"Idempotency-Key", key}});
  }
  int64_t Balance(const std::string& account) {
    HttpResult read = As("admin01").Get("/api/v1/accounts/" + account);
    EXPECT_EQ(read.status, 200) << read.body;
    if (read.status != 200) return -1;
    auto minor = ParseAmount(read.json().at("balance").as_string(), 2);
    return minor.ok() ? *minor : -1;
  }
  // The balance of a general-ledger account by code; -1 when it does not exist.
  int64_t GlBalance(const std::string& code) {
    HttpResult found = operator_->Get("/internal/ledger/accounts?code=" + code);
    EXPECT_EQ(found.status, 200) << found.body;
    if (found.status != 200) return -1;
    json::value document = found.json();
    const auto& accounts = document.at("accounts").as_array();
    if (accounts.empty()) return -1;
    int64_t id = accounts.at(0).at("id").as_int64();
    return ReadBalances(*operator_, {id})[id];
  }
  std::string UkeyState(const std::string& serial) {
    HttpResult list = As("admin01").Get("/api/v1/ukeys");
    EXPECT_EQ(list.status, 200) << list.body;
    json::value document = list.json();
    for (const auto& ukey : document.at("ukeys").as_array()) {
      if (ukey.at("serial").as_string() == serial) return std::string(ukey.at("state").as_string());
    }
    return "";
  }
  json::value Kpis(const std::string& who, const std::string& query = "") {
    HttpResult report = As(who).Get("/api/v1/kpis" + query);
    EXPECT_EQ(report.status, 200) << report.body;
    return report.status == 200 ? report.json() : json::value();
  }

  std::string alice_, carol_, alice_account_, bob_account_, carol_account_;
};

TEST_P(BackOfficeTest, AUkeyIsIssuedOnlyWhenASecondStaffMemberApprovesAndItsFeeIsChargedOnce) {
  Deposit("tellerbj", "superbj", alice_account_, "1000.00");
  HttpResult made = IssueUkey("tellerbj", alice_, "UKBJ0001", "ukey-1");
  ASSERT_EQ(made.status, 202) << made.body;
  EXPECT_EQ(made.json().at("kind").as_string(), "ukey_issue");
  EXPECT_EQ(made.json().at("serial").as_string(), "UKBJ0001");
  EXPECT_EQ(made.json().at("account").as_string(), alice_account_);  // The fee's account.
  int64_t id = made.json().at("id").as_int64();
  // A retry with the same key is the same approval; the same key for another U-key is not.
  HttpResult retry = IssueUkey("tellerbj", alice_, "UKBJ0001", "ukey-1");
  EXPECT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(retry.json().at("id").as_int64(), id);
  HttpResult reused = IssueUkey("tellerbj", alice_, "UKBJ0002", "ukey-1");
  EXPECT_EQ(reused.status, 422) << reused.body;
  EXPECT_EQ(reused.json().at("code").as_string(), "idempotency_key_reused");

  // Unapproved, nothing has happened.
  EXPECT_EQ(UkeyState("UKBJ0001"), "in_stock");
  EXPECT_EQ(Balance(alice_account_), 100000);
  EXPECT_EQ(GlBalance("gl:fee:BJ-01:CNY"), -1);
  // The teller may not approve; nor may another branch's supervisor.
  HttpResult teller = Decide("tellerbj", id, "approve");
  EXPECT_EQ(teller.status, 403) << teller.body;
  EXPECT_EQ(teller.json().at("code").as_string(), "checker_role_required");
  EXPECT_EQ(Decide("supersh", id, "approve").status, 404);
  EXPECT_EQ(UkeyState("UKBJ0001"), "in_stock");

  HttpResult approved = Decide("superbj", id, "approve");
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(approved.json().at("state").as_string(), "approved");
  EXPECT_GT(approved.json().at("transaction_id").as_int64(), 0);
  EXPECT_EQ(Decide("superbj", id, "approve").status, 409);  // Once.
  EXPECT_EQ(UkeyState("UKBJ0001"), "issued");
  EXPECT_EQ(Balance(alice_account_), 100000 - 6000);  // The U-key fee, 60.00 at the counter.
  EXPECT_EQ(GlBalance("gl:fee:BJ-01:CNY"), 6000);

  HttpResult issued = As("superbj").Get("/api/v1/ukeys?state=issued");
  ASSERT_EQ(issued.status, 200) << issued.body;
  json::value register_ = issued.json();
  ASSERT_EQ(register_.at("ukeys").as_array().size(), 1u);
  const auto& row = register_.at("ukeys").as_array().at(0);
  EXPECT_EQ(row.at("customer_number").as_string(), alice_);
  EXPECT_EQ(row.at("approval_id").as_int64(), id);
  EXPECT_TRUE(row.at("issued_at_ms").is_int64());
  // The customer's 360° view lists the device they hold.
  HttpResult held = As("superbj").Get("/api/v1/customers/" + alice_ + "/overview");
  ASSERT_EQ(held.status, 200) << held.body;
  json::value held_view = held.json();
  const auto& devices = held_view.at("ukeys").as_array();
  ASSERT_EQ(devices.size(), 1u);
  EXPECT_EQ(devices.at(0).at("serial").as_string(), "UKBJ0001");

  // An issued U-key cannot be issued again; a second approval for it fails when run.
  HttpResult again = IssueUkey("tellerbj", alice_, "UKBJ0001", "ukey-2");
  EXPECT_EQ(again.status, 422) << again.body;
  EXPECT_EQ(again.json().at("code").as_string(), "ukey_unavailable");
  // Two pending issues of one U-key: the second approved fails, and charges nothing.
  HttpResult first = IssueUkey("tellerbj", alice_, "UKBJ0002", "ukey-3");
  HttpResult second = IssueUkey("tellerbj", alice_, "UKBJ0002", "ukey-4");
  ASSERT_EQ(first.status, 202);
  ASSERT_EQ(second.status, 202);
  EXPECT_EQ(Decide("superbj", first.json().at("id").as_int64(), "approve").status, 200);
  HttpResult failed = Decide("superbj", second.json().at("id").as_int64(), "approve");
  EXPECT_EQ(failed.status, 422) << failed.body;
  EXPECT_EQ(failed.json().at("code").as_string(), "ukey_unavailable");
  EXPECT_EQ(Balance(alice_account_), 100000 - 2 * 6000);
  EXPECT_EQ(GlBalance("gl:fee:BJ-01:CNY"), 2 * 6000);
}

TEST_P(BackOfficeTest, AUkeyIssueRefusesBadInputAndChangesNothing) {
  EXPECT_EQ(IssueUkey("tellerbj", alice_, "ukbj0001", "bad-1").status, 400);  // Not a serial.
  EXPECT_EQ(IssueUkey("tellerbj", alice_, "NOSUCHKEY", "bad-2").status, 404);
  EXPECT_EQ(IssueUkey("tellerbj", alice_, "UKSH0001", "bad-3").status, 404);  // SH's stock.
  EXPECT_EQ(IssueUkey("tellersh", alice_, "UKSH0001", "bad-4").status, 404);  // BJ's customer.
  HttpResult other = As("tellerbj")
                         .Post("/api/v1/customers/" + alice_ + "/ukey-issues",
                               json::serialize(json::object{{"serial", "UKBJ0001"},
                                                            {"fee_account", carol_account_}}),
                               {{"Idempotency-Key", "bad-5"}});
  EXPECT_EQ(other.status, 404) << other.body;  // Another customer's account.
  HttpResult typed = As("tellerbj")
                         .Post("/api/v1/customers/" + alice_ + "/ukey-issues", R"({"serial":42})",
                               {{"Idempotency-Key", "bad-6"}});
  EXPECT_EQ(typed.status, 400) << typed.body;
  HttpResult list = As("superbj").Get("/api/v1/approvals");
  ASSERT_EQ(list.status, 200);
  EXPECT_TRUE(list.json().at("approvals").as_array().empty());
  // Receiving: tellers may not; a known serial refuses the whole delivery.
  EXPECT_EQ(As("tellerbj").Post("/api/v1/ukeys", R"({"serials":["UKBJ0009"]})").status, 403);
  EXPECT_EQ(As("superbj").Post("/api/v1/ukeys", R"({"serials":["UKBJ0009","UKSH0001"]})").status,
            409);
  EXPECT_EQ(UkeyState("UKBJ0009"), "");
  EXPECT_EQ(As("superbj").Post("/api/v1/ukeys", R"({"serials":["UKBJ0009","UKBJ0009"]})").status,
            400);
}

TEST_P(BackOfficeTest, FeesAreConfiguredByAdministratorsAndTheirDiscountsApply) {
  HttpResult fees = As("tellerbj").Get("/api/v1/fees");
  ASSERT_EQ(fees.status, 200) << fees.body;
  bool found = false;
  json::value document = fees.json();
  for (const auto& fee : document.at("fees").as_array()) {
    if (fee.at("code").as_string() != "ukey") continue;
    found = true;
    EXPECT_EQ(fee.at("amount").as_string(), "60.00");
    EXPECT_TRUE(fee.at("ebanking").as_bool());
  }
  EXPECT_TRUE(found);
  const std::string change = R"({"amount":"80.00","discounts":{"counter":25}})";
  EXPECT_EQ(As("superbj").Send("PUT", "/api/v1/fees/ukey", change, {}).status, 403);
  EXPECT_EQ(
      As("admin01").Send("PUT", "/api/v1/fees/ukey", R"({"discounts":{"moon":5}})", {}).status,
      400);
  EXPECT_EQ(
      As("admin01").Send("PUT", "/api/v1/fees/ukey", R"({"discounts":{"counter":101}})", {}).status,
      400);
  EXPECT_EQ(As("admin01").Send("PUT", "/api/v1/fees/ukey", R"({"amount":80})", {}).status, 400);
  EXPECT_EQ(As("admin01").Send("PUT", "/api/v1/fees/nosuch", change, {}).status, 404);
  HttpResult updated = As("admin01").Send("PUT", "/api/v1/fees/ukey", change, {});
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.json().at("amount").as_string(), "80.00");
  EXPECT_EQ(updated.json().at("discounts").at("counter").as_int64(), 25);

  Deposit("tellerbj", "superbj", alice_account_, "100.00");
  HttpResult made = IssueUkey("tellerbj", alice_, "UKBJ0001", "fee-1");
  ASSERT_EQ(made.status, 202) << made.body;
  ASSERT_EQ(Decide("superbj", made.json().at("id").as_int64(), "approve").status, 200);
  EXPECT_EQ(Balance(alice_account_), 10000 - 6000);  // 80.00 less 25 % at the counter.

  // The SMS alert fee: 2.00 a month from SMS customers (alice only), once per month.
  HttpResult run =
      As("admin01").Post("/api/v1/fees/sms_alert_monthly/runs", R"({"month":"2026-11"})");
  ASSERT_EQ(run.status, 200) << run.body;
  EXPECT_EQ(run.json().at("charged").as_int64(), 1);
  EXPECT_EQ(run.json().at("total").as_string(), "2.00");
  HttpResult rerun =
      As("admin01").Post("/api/v1/fees/sms_alert_monthly/runs", R"({"month":"2026-11"})");
  ASSERT_EQ(rerun.status, 200) << rerun.body;
  EXPECT_EQ(rerun.json().at("charged").as_int64(), 0);
  EXPECT_EQ(rerun.json().at("already_charged").as_int64(), 1);
  EXPECT_EQ(Balance(alice_account_), 4000 - 200);
  EXPECT_EQ(
      As("admin01").Post("/api/v1/fees/sms_alert_monthly/runs", R"({"month":"2026-13"})").status,
      400);
  EXPECT_EQ(
      As("superbj").Post("/api/v1/fees/sms_alert_monthly/runs", R"({"month":"2026-10"})").status,
      403);
  EXPECT_EQ(Balance(alice_account_), 3800);
  EXPECT_EQ(GlBalance("gl:fee:BJ-01:CNY"), 6000 + 200);
}

// The bank of the fixture, after the steps below, by hand:
//   alice (BJ-01; web, mobile, sms): cash in 1000.00 at the counter, logs in, pays bob 10.00,
//     a U-key (60.00, e-banking), the SMS fee (2.00, e-banking) → balance 928.00, active.
//   bob (BJ-01; web, mobile): receives 10.00, never logs in.
//   carol (SH-01; not signed up): cash in 500.00 at the counter.
// So BJ: revenue 62.00, sign-ups web 2 / mobile 2 / sms 1, signed 2, active 1 (new 1),
// activity 50.0 %, e-transactions 1, all 2, substitution 50.0 %, cards 2, card
// balances 938.00. SH: revenue 0, signed 0, counter 1 so substitution 0.0 %, cards 1,
// balances 500.00. HO: the sums; substitution 1 ÷ 3 = 33.3 %. Nobody is dormant today (they
// all signed up today); two days on, after a day of nothing, both BJ customers are.
TEST_P(BackOfficeTest, KpisAreComputedFromTheLedgerAndActivityAsWorkedOutByHand) {
  Deposit("tellerbj", "superbj", alice_account_, "1000.00");
  Deposit("tellersh", "supersh", carol_account_, "500.00");
  HttpClient alice("127.0.0.1", server_->port(),
                   SmsLogin(*anonymous_, dir_, "alice01", kPassword, kAliceMobile));
  HttpResult paid = alice.Post("/api/v1/me/transfers",
                               json::serialize(json::object{{"from_account", alice_account_},
                                                            {"to_account", bob_account_},
                                                            {"amount", "10.00"},
                                                            {"currency", "CNY"}}),
                               {{"Idempotency-Key", "kpi-pay"}});
  ASSERT_EQ(paid.status, 201) << paid.body;
  HttpResult made = IssueUkey("tellerbj", alice_, "UKBJ0001", "kpi-ukey");
  ASSERT_EQ(made.status, 202) << made.body;
  ASSERT_EQ(Decide("superbj", made.json().at("id").as_int64(), "approve").status, 200);
  ASSERT_EQ(
      As("admin01").Post("/api/v1/fees/sms_alert_monthly/runs", R"({"month":"2026-12"})").status,
      200);
  const std::string year = CstDate(-1).substr(0, 4);  // The period's, below.
  ASSERT_EQ(As("managerbj")
                .Send("PUT", "/api/v1/kpi-targets/BJ/ebanking_revenue",
                      R"({"year":")" + year + R"(","target":"124.00"})", {})
                .status,
            200);
  // A branch manager sets targets within their branch only; tellers not at all.
  EXPECT_EQ(As("managerbj")
                .Send("PUT", "/api/v1/kpi-targets/SH/ebanking_revenue",
                      R"({"year":"2026","target":"10.00"})", {})
                .status,
            404);
  EXPECT_EQ(As("tellerbj")
                .Send("PUT", "/api/v1/kpi-targets/BJ-01/ebanking_revenue",
                      R"({"year":"2026","target":"10.00"})", {})
                .status,
            403);
  EXPECT_EQ(As("admin01")
                .Send("PUT", "/api/v1/kpi-targets/SH/ebanking_revenue",
                      R"({"year":"2026","target":"-1"})", {})
                .status,
            400);
  ASSERT_EQ(As("admin01")
                .Send("PUT", "/api/v1/kpi-targets/SH/ebanking_revenue",
                      R"({"year":")" + year + R"(","target":"10.00"})", {})
                .status,
            200);

  const std::string period = "?from=" + CstDate(-1) + "&to=" + CstDate(1);
  json::value bank = Kpis("admin01", period);
  ASSERT_TRUE(bank.is_object());
  const auto& total = bank.at("metrics");
  EXPECT_EQ(bank.at("unit").at("code").as_string(), "HO");
  EXPECT_EQ(total.at("ebanking_revenue").as_string(), "62.00");
  EXPECT_EQ(total.at("fee_income").as_string(), "62.00");
  EXPECT_EQ(total.at("signups_web").as_int64(), 2);
  EXPECT_EQ(total.at("signups_mobile").as_int64(), 2);
  EXPECT_EQ(total.at("signups_sms").as_int64(), 1);
  EXPECT_EQ(total.at("signed_customers").as_int64(), 2);
  EXPECT_EQ(total.at("active_customers").as_int64(), 1);
  EXPECT_EQ(total.at("new_active").as_int64(), 1);
  EXPECT_DOUBLE_EQ(total.at("activity_rate").to_number<double>(), 50.0);
  EXPECT_EQ(total.at("dormant_customers").as_int64(), 0);
  EXPECT_EQ(total.at("e_transactions").as_int64(), 1);
  EXPECT_EQ(total.at("all_transactions").as_int64(), 3);
  EXPECT_DOUBLE_EQ(total.at("substitution_rate").to_number<double>(), 33.3);
  EXPECT_EQ(total.at("cards_issued").as_int64(), 3);
  EXPECT_EQ(total.at("card_balance").as_string(), "1438.00");

  const auto& children = bank.at("children").as_array();
  ASSERT_EQ(children.size(), 2u);
  const auto& bj = children.at(0);
  const auto& sh = children.at(1);
  ASSERT_EQ(bj.at("unit").at("code").as_string(), "BJ");
  ASSERT_EQ(sh.at("unit").at("code").as_string(), "SH");
  EXPECT_EQ(bj.at("metrics").at("ebanking_revenue").as_string(), "62.00");
  EXPECT_DOUBLE_EQ(bj.at("metrics").at("substitution_rate").to_number<double>(), 50.0);
  EXPECT_EQ(bj.at("metrics").at("card_balance").as_string(), "938.00");
  EXPECT_EQ(bj.at("metrics").at("dormant_customers").as_int64(), 0);
  EXPECT_EQ(sh.at("metrics").at("ebanking_revenue").as_string(), "0.00");
  EXPECT_EQ(sh.at("metrics").at("all_transactions").as_int64(), 1);
  EXPECT_DOUBLE_EQ(sh.at("metrics").at("substitution_rate").to_number<double>(), 0.0);
  EXPECT_EQ(sh.at("metrics").at("card_balance").as_string(), "500.00");
  EXPECT_EQ(sh.at("metrics").at("signed_customers").as_int64(), 0);
  // Targets, completion and rank among the two branches.
  EXPECT_EQ(bj.at("targets").at("ebanking_revenue").as_string(), "124.00");
  EXPECT_DOUBLE_EQ(bj.at("completion").at("ebanking_revenue").to_number<double>(), 50.0);
  EXPECT_DOUBLE_EQ(sh.at("completion").at("ebanking_revenue").to_number<double>(), 0.0);
  EXPECT_EQ(bj.at("rank").at("ebanking_revenue").as_int64(), 1);
  EXPECT_EQ(sh.at("rank").at("ebanking_revenue").as_int64(), 2);
  EXPECT_EQ(bj.at("rank").at("substitution_rate").as_int64(), 1);
  EXPECT_EQ(sh.at("rank").at("substitution_rate").as_int64(), 2);
  // A period before any of it has nothing but the balances (which are of now).
  json::value before = Kpis("admin01", "?from=2025-01-01&to=2025-12-31");
  EXPECT_EQ(before.at("metrics").at("ebanking_revenue").as_string(), "0.00");
  EXPECT_EQ(before.at("metrics").at("all_transactions").as_int64(), 0);
  EXPECT_EQ(before.at("metrics").at("signed_customers").as_int64(), 0);

  // Drill-down: BJ's child is its outlet, with the same figures.
  json::value branch = Kpis("admin01", period + "&unit=BJ");
  ASSERT_EQ(branch.at("children").as_array().size(), 1u);
  const auto& outlet = branch.at("children").as_array().at(0);
  EXPECT_EQ(outlet.at("unit").at("code").as_string(), "BJ-01");
  EXPECT_EQ(outlet.at("metrics").at("ebanking_revenue").as_string(), "62.00");
  EXPECT_EQ(outlet.at("metrics").at("e_transactions").as_int64(), 1);

  // Two days on, after one day without a login or payment, both BJ customers are dormant
  // (fewer is better in the ranking); the reactivation list has the recently active first.
  const std::string later = "?from=" + CstDate(2) + "&to=" + CstDate(2) + "&dormant_days=1";
  json::value quiet = Kpis("admin01", later);
  EXPECT_EQ(quiet.at("metrics").at("dormant_customers").as_int64(), 2);
  EXPECT_EQ(quiet.at("children").as_array().at(0).at("rank").at("dormant_customers").as_int64(), 2);
  EXPECT_EQ(quiet.at("children").as_array().at(1).at("rank").at("dormant_customers").as_int64(), 1);
  HttpResult dormant = As("superbj").Get("/api/v1/kpis/dormant" + later);
  ASSERT_EQ(dormant.status, 200) << dormant.body;
  json::value list = dormant.json();
  ASSERT_EQ(list.at("customers").as_array().size(), 2u);
  EXPECT_EQ(list.at("customers").as_array().at(0).at("number").as_string(), alice_);
  EXPECT_TRUE(list.at("customers").as_array().at(0).at("last_activity_ms").is_int64());
  EXPECT_TRUE(list.at("customers").as_array().at(1).at("last_activity_ms").is_null());
  EXPECT_EQ(list.at("customers").as_array().at(1).at("unit_code").as_string(), "BJ-01");

  // The export holds the same figures.
  HttpResult xlsx = As("admin01").Get("/api/v1/kpis.xlsx" + period);
  ASSERT_EQ(xlsx.status, 200) << xlsx.body;
  EXPECT_TRUE(xlsx.body.starts_with("PK\x03\x04"));
  EXPECT_GT(xlsx.body.size(), 4000u);

  // Bad queries are refused.
  EXPECT_EQ(As("admin01").Get("/api/v1/kpis?from=2026-02-30").status, 400);
  EXPECT_EQ(As("admin01").Get("/api/v1/kpis?from=2026-12-31&to=2026-01-01").status, 400);
  EXPECT_EQ(As("admin01").Get("/api/v1/kpis?dormant_days=0").status, 400);
  EXPECT_EQ(As("admin01").Get("/api/v1/kpis?colour=red").status, 400);
}

TEST_P(BackOfficeTest, WhatStaffSeeFollowsTheUnitTree) {
  Deposit("tellersh", "supersh", carol_account_, "500.00");
  // The SH teller sees SH-01 only: no BJ in the KPIs, its register or its customers.
  json::value own = Kpis("tellersh");
  EXPECT_EQ(own.at("unit").at("code").as_string(), "SH-01");
  EXPECT_EQ(own.at("metrics").at("all_transactions").as_int64(), 1);
  EXPECT_EQ(As("tellersh").Get("/api/v1/kpis?unit=BJ").status, 404);
  EXPECT_EQ(As("tellersh").Get("/api/v1/kpis?unit=HO").status, 404);
  EXPECT_EQ(As("tellersh").Get("/api/v1/kpis.xlsx?unit=BJ-01").status, 404);
  EXPECT_EQ(As("superbj").Get("/api/v1/kpis/dormant?unit=SH").status, 404);
  HttpResult stock = As("supersh").Get("/api/v1/ukeys");
  ASSERT_EQ(stock.status, 200);
  json::value ukeys = stock.json();
  ASSERT_EQ(ukeys.at("ukeys").as_array().size(), 1u);
  EXPECT_EQ(ukeys.at("ukeys").as_array().at(0).at("serial").as_string(), "UKSH0001");
  HttpResult search = As("tellersh").Get("/api/v1/customers?q=%E5%AE%A2");  // "客"
  ASSERT_EQ(search.status, 200) << search.body;
  json::value found = search.json();
  ASSERT_EQ(found.at("customers").as_array().size(), 1u);
  EXPECT_EQ(found.at("customers").as_array().at(0).at("number").as_string(), carol_);
  HttpResult wide = As("admin01").Get("/api/v1/customers?q=%E5%AE%A2");
  ASSERT_EQ(wide.status, 200);
  EXPECT_EQ(wide.json().at("customers").as_array().size(), 2u);  // alice and carol.
  // LIKE's wildcards are matched literally.
  HttpResult wildcard = As("admin01").Get("/api/v1/customers?q=%25");
  ASSERT_EQ(wildcard.status, 200);
  EXPECT_TRUE(wildcard.json().at("customers").as_array().empty());
  EXPECT_EQ(As("admin01").Get("/api/v1/customers?q=").status, 400);
}

TEST_P(BackOfficeTest, TheCustomerManagerSeesTheWholeCustomerAndTheLargeMovements) {
  Deposit("tellerbj", "superbj", alice_account_, "60000.00");  // Above the 50,000 default.
  Deposit("tellersh", "supersh", carol_account_, "500.00");
  HttpClient alice("127.0.0.1", server_->port(),
                   SmsLogin(*anonymous_, dir_, "alice01", kPassword, kAliceMobile));
  HttpResult paid = alice.Post("/api/v1/me/transfers",
                               json::serialize(json::object{{"from_account", alice_account_},
                                                            {"to_account", bob_account_},
                                                            {"amount", "10.00"},
                                                            {"currency", "CNY"}}),
                               {{"Idempotency-Key", "cm-pay"}});
  ASSERT_EQ(paid.status, 201) << paid.body;
  const std::string period = "?from=" + CstDate(-1) + "&to=" + CstDate(1);

  HttpResult large = As("cmbj").Get("/api/v1/large-movements" + period);
  ASSERT_EQ(large.status, 200) << large.body;
  json::value moves = large.json();
  ASSERT_EQ(moves.at("movements").as_array().size(), 1u) << large.body;
  const auto& cash = moves.at("movements").as_array().at(0);
  EXPECT_EQ(cash.at("kind").as_string(), "cash_deposit");
  EXPECT_EQ(cash.at("amount").as_string(), "60000.00");
  EXPECT_EQ(cash.at("threshold").as_string(), "50000.00");
  EXPECT_EQ(cash.at("customer_number").as_string(), alice_);
  // A lower threshold for BJ brings the 10.00 payment in; SH sees none of BJ's.
  EXPECT_EQ(As("tellerbj")
                .Send("PUT", "/api/v1/large-movement-thresholds/BJ", R"({"threshold":"5.00"})", {})
                .status,
            403);
  EXPECT_EQ(As("supersh")
                .Send("PUT", "/api/v1/large-movement-thresholds/BJ", R"({"threshold":"5.00"})", {})
                .status,
            404);
  EXPECT_EQ(As("superbj")
                .Send("PUT", "/api/v1/large-movement-thresholds/BJ", R"({"threshold":"0"})", {})
                .status,
            400);
  ASSERT_EQ(As("superbj")
                .Send("PUT", "/api/v1/large-movement-thresholds/BJ", R"({"threshold":"5.00"})", {})
                .status,
            200);
  HttpResult lower = As("cmbj").Get("/api/v1/large-movements" + period);
  ASSERT_EQ(lower.status, 200);
  json::value lowered = lower.json();
  ASSERT_EQ(lowered.at("movements").as_array().size(), 2u) << lower.body;
  EXPECT_EQ(lowered.at("movements").as_array().at(0).at("kind").as_string(), "payment");
  EXPECT_EQ(lowered.at("movements").as_array().at(0).at("counterparty").as_string(), bob_account_);
  HttpResult elsewhere = As("supersh").Get("/api/v1/large-movements" + period);
  ASSERT_EQ(elsewhere.status, 200);
  EXPECT_TRUE(elsewhere.json().at("movements").as_array().empty());  // carol's 500 < 50,000.
  EXPECT_EQ(As("cmbj").Get("/api/v1/large-movements?from=2026-13-01&to=2026-12-01").status, 400);

  // The 360° view, for the customer manager; another branch's customer does not exist.
  HttpResult opened =
      As("tellerbj")
          .Post("/api/v1/cases", json::serialize(json::object{{"kind", "complaint"},
                                                              {"customer", alice_},
                                                              {"title", "短信提醒未收到"},
                                                              {"deadline", CstDate(7)}}));
  ASSERT_EQ(opened.status, 201) << opened.body;
  HttpResult view = As("cmbj").Get("/api/v1/customers/" + alice_ + "/overview");
  ASSERT_EQ(view.status, 200) << view.body;
  json::value overview = view.json();
  EXPECT_EQ(overview.at("assets").as_string(), "59990.00");
  EXPECT_EQ(overview.at("liabilities").as_string(), "0.00");
  EXPECT_EQ(overview.at("accounts").as_array().size(), 1u);
  EXPECT_EQ(overview.at("signing").at("login_id").as_string(), "alice01");
  const auto& channels = overview.at("signing").at("channels").as_array();
  EXPECT_NE(std::find(channels.begin(), channels.end(), json::value("sms")), channels.end());
  const auto& activity = overview.at("recent_activity").as_array();
  ASSERT_EQ(activity.size(), 2u);
  EXPECT_EQ(activity.at(0).at("amount").as_string(), "-10.00");  // Newest first.
  EXPECT_EQ(activity.at(1).at("amount").as_string(), "60000.00");
  ASSERT_EQ(overview.at("cases").as_array().size(), 1u);
  EXPECT_EQ(overview.at("cases").as_array().at(0).at("title").as_string(), "短信提醒未收到");
  EXPECT_EQ(As("cmbj").Get("/api/v1/customers/" + carol_ + "/overview").status, 404);
  HttpResult unsigned_view = As("supersh").Get("/api/v1/customers/" + carol_ + "/overview");
  ASSERT_EQ(unsigned_view.status, 200);
  EXPECT_TRUE(unsigned_view.json().at("signing").is_null());
}

TEST_P(BackOfficeTest, ACampaignRanksTheStaffWhoSignedCustomersUpAndChargedFees) {
  // tellerbj signed up alice and bob in the fixture; tellersh signed up nobody.
  Deposit("tellerbj", "superbj", alice_account_, "100.00");
  HttpResult made = IssueUkey("tellerbj", alice_, "UKBJ0001", "campaign-ukey");
  ASSERT_EQ(made.status, 202) << made.body;
  ASSERT_EQ(Decide("superbj", made.json().at("id").as_int64(), "approve").status, 200);
  const json::object campaign{
      {"name", "电子银行营销竞赛"}, {"unit", "BJ"}, {"from", CstDate(-1)}, {"to", CstDate(1)}};
  EXPECT_EQ(As("superbj").Post("/api/v1/campaigns", json::serialize(campaign)).status, 403);
  EXPECT_EQ(As("managerbj")
                .Post("/api/v1/campaigns",
                      json::serialize(json::object{
                          {"name", "x"}, {"unit", "SH"}, {"from", CstDate(0)}, {"to", CstDate(1)}}))
                .status,
            404);
  EXPECT_EQ(As("managerbj")
                .Post("/api/v1/campaigns",
                      json::serialize(json::object{
                          {"name", "x"}, {"unit", "BJ"}, {"from", CstDate(1)}, {"to", CstDate(0)}}))
                .status,
            400);
  HttpResult created = As("managerbj").Post("/api/v1/campaigns", json::serialize(campaign));
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id = std::to_string(created.json().at("id").as_int64());
  HttpResult board = As("cmbj").Get("/api/v1/campaigns/" + id + "/leaderboard");
  ASSERT_EQ(board.status, 200) << board.body;
  json::value rows = board.json();
  ASSERT_EQ(rows.at("leaderboard").as_array().size(), 1u) << board.body;
  const auto& first = rows.at("leaderboard").as_array().at(0);
  EXPECT_EQ(first.at("login").as_string(), "tellerbj");
  EXPECT_EQ(first.at("rank").as_int64(), 1);
  EXPECT_EQ(first.at("signups").as_int64(), 2);
  EXPECT_EQ(first.at("revenue").as_string(), "60.00");
  EXPECT_EQ(As("supersh").Get("/api/v1/campaigns/" + id + "/leaderboard").status, 404);
  // BJ-01's teller takes part in BJ's campaign; SH's staff neither see nor take part.
  HttpResult listed = As("tellerbj").Get("/api/v1/campaigns");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.json().at("campaigns").as_array().size(), 1u);
  EXPECT_EQ(As("tellerbj").Get("/api/v1/campaigns/" + id + "/leaderboard").status, 200);
  HttpResult other = As("tellersh").Get("/api/v1/campaigns");
  ASSERT_EQ(other.status, 200);
  EXPECT_TRUE(other.json().at("campaigns").as_array().empty());
}

TEST_P(BackOfficeTest, ACaseMovesThroughItsStatesAndKeepsEveryChange) {
  HttpResult opened =
      As("tellerbj")
          .Post("/api/v1/cases", json::serialize(json::object{{"kind", "dispute"},
                                                              {"customer", alice_},
                                                              {"title", "ATM 取款未出钞"},
                                                              {"detail", "客户称扣款 500 元未出钞"},
                                                              {"owner", "superbj"},
                                                              {"deadline", CstDate(-1)}}));
  ASSERT_EQ(opened.status, 201) << opened.body;
  int64_t id = opened.json().at("id").as_int64();
  EXPECT_EQ(opened.json().at("state").as_string(), "open");
  EXPECT_EQ(opened.json().at("owner_login").as_string(), "superbj");
  EXPECT_TRUE(opened.json().at("overdue").as_bool());
  std::string path = "/api/v1/cases/" + std::to_string(id);
  HttpResult overdue = As("superbj").Get("/api/v1/cases?state=overdue");
  ASSERT_EQ(overdue.status, 200);
  EXPECT_EQ(overdue.json().at("cases").as_array().size(), 1u);
  EXPECT_EQ(As("supersh").Get(path).status, 404);

  auto change = [&](const std::string& who, json::object body) {
    return As(who).Post(path + "/changes", json::serialize(body));
  };
  EXPECT_EQ(change("tellerbj", {{"state", "closed"}, {"note", "x"}}).status, 403);
  EXPECT_EQ(change("superbj", {{"state", "closed"}, {"note", "x"}}).status, 409);  // Not resolved.
  ASSERT_EQ(change("tellerbj", {{"state", "investigating"}}).status, 200);
  EXPECT_EQ(change("tellerbj", {{"state", "resolved"}}).status, 400);  // A note is needed.
  HttpResult resolved = change("tellerbj", {{"state", "resolved"}, {"note", "长款已退回客户"}});
  ASSERT_EQ(resolved.status, 200) << resolved.body;
  EXPECT_FALSE(resolved.json().at("overdue").as_bool());
  // Each is told where they may take it: only a supervisor may close it.
  EXPECT_EQ(json::serialize(resolved.json().at("next_states")), R"(["investigating"])");
  EXPECT_EQ(json::serialize(As("superbj").Get(path).json().at("next_states")),
            R"(["investigating","closed"])");
  ASSERT_EQ(change("superbj", {{"state", "closed"}, {"note", "复核无误"}}).status, 200);
  EXPECT_EQ(change("superbj", {{"state", "investigating"}}).status, 409);
  EXPECT_EQ(change("superbj", {{"owner", "tellersh"}}).status, 404);  // Not of BJ.

  HttpResult read = As("tellerbj").Get(path);
  ASSERT_EQ(read.status, 200);
  json::value item = read.json();
  EXPECT_EQ(item.at("state").as_string(), "closed");
  EXPECT_TRUE(item.at("next_states").as_array().empty());
  std::vector<std::string> trail;
  for (const auto& event : item.at("events").as_array())
    trail.push_back(std::string(event.at("to_state").as_string()));
  EXPECT_EQ(trail, (std::vector<std::string>{"open", "investigating", "resolved", "closed"}));
  EXPECT_EQ(item.at("events").as_array().at(2).at("note").as_string(), "长款已退回客户");

  // Bad cases are refused and open nothing.
  EXPECT_EQ(As("tellerbj")
                .Post("/api/v1/cases", R"({"kind":"rumour","title":"t","deadline":"2026-12-31"})")
                .status,
            400);
  EXPECT_EQ(As("tellerbj")
                .Post("/api/v1/cases", json::serialize(json::object{{"kind", "complaint"},
                                                                    {"customer", carol_},
                                                                    {"title", "t"},
                                                                    {"deadline", CstDate(3)}}))
                .status,
            404);
  EXPECT_EQ(As("tellerbj")
                .Post("/api/v1/cases", R"({"kind":"complaint","title":"t","deadline":"tomorrow"})")
                .status,
            400);
  HttpResult all = As("admin01").Get("/api/v1/cases");
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(all.json().at("cases").as_array().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, BackOfficeTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ebank::testing
