// Cards, terminals and merchants over real HTTP on both backends (CARD-1, CARD-2, BO-5):
// supervisors register merchants, POS terminals and ATMs at their units; the terminal list and
// its idle (clean-up) list; merchant visits; a card issued at the counter whose full number is
// answered once and never again; loss reported by the customer or at the counter, freeze,
// unfreeze and close; the customer's channel switches and daily limits. Everything is seen
// only within the asker's part of the unit tree, and another customer's card does not exist.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <utility>

#include "common.h"

namespace ebank::testing {
namespace {

constexpr const char* kStaffPassword = "Office#2026";
constexpr const char* kPassword = "Secret#2026";
constexpr const char* kAliceId = "11010519491231002X";
constexpr const char* kBobId = "440524188001010014";
constexpr const char* kCarolId = "110101199003070038";
constexpr const char* kAliceMobile = "13800138000";
constexpr const char* kBobMobile = "13900139000";
constexpr const char* kMerchantCode = "102110058120001";  // 15 characters.

// The Luhn check (ISO/IEC 7812-1 annex B), written here again rather than taken from the
// code under test.
bool PassesLuhn(const std::string& digits) {
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (*it < '0' || *it > '9') return false;
    int digit = *it - '0';
    if (twice) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
    sum += digit;
    twice = !twice;
  }
  return sum % 10 == 0;
}

// head office HO
//   branch BJ (superbj, cmbj) → outlet BJ-01 (tellerbj)
//   branch SH (supersh)       → outlet SH-01 (tellersh)
const std::vector<StaffSpec> kStaff = {
    {"tellerbj", "teller", "BJ-01"},    {"superbj", "supervisor", "BJ"},
    {"cmbj", "customer_manager", "BJ"}, {"tellersh", "teller", "SH-01"},
    {"supersh", "supervisor", "SH"},
};

class CardsApiTest : public UnitTreeTest {
 protected:
  void SetUp() override {
    BuildUnitTree(kStaff, kStaffPassword);
    if (HasFatalFailure()) return;
    alice_account_ =
        NewCustomer("tellerbj", kAliceId, kAliceMobile, "alice01", kPassword, {}, &alice_);
    bob_account_ = NewCustomer("tellerbj", kBobId, kBobMobile, "bob0001", kPassword, {}, &bob_);
    carol_account_ = NewCustomer("tellersh", kCarolId, "13700137000", "", kPassword, {}, &carol_);
    ASSERT_FALSE(alice_account_.empty());
    ASSERT_FALSE(bob_account_.empty());
    ASSERT_FALSE(carol_account_.empty());
  }

  // A customer's e-banking session (password and SMS code).
  std::unique_ptr<HttpClient> Customer(const std::string& login_id, const std::string& mobile) {
    return Client(SmsLogin(*anonymous_, dir_, login_id, kPassword, mobile));
  }

  HttpResult RegisterMerchant(const std::string& who, const std::string& unit,
                              const std::string& account, int64_t mdr_bp = 60) {
    return As(who).Post("/api/v1/merchants",
                        json::serialize(json::object{{"code", kMerchantCode},
                                                     {"name", "朝阳便利店"},
                                                     {"category", "5411"},
                                                     {"unit_code", unit},
                                                     {"account_number", account},
                                                     {"mdr_bp", mdr_bp},
                                                     {"address", "北京市朝阳区建国路1号"}}));
  }
  HttpResult RegisterTerminal(const std::string& who, const std::string& code,
                              const std::string& kind, const std::string& unit,
                              const std::string& merchant = "") {
    json::object body{
        {"code", code}, {"kind", kind}, {"unit_code", unit}, {"location", "建国路1号大堂"}};
    if (!merchant.empty()) body["merchant_code"] = merchant;
    return As(who).Post("/api/v1/terminals", json::serialize(body));
  }
  // Asks for a card on alice's account at BJ-01's counter (202 expected): the answer.
  json::value RequestAliceCard() {
    HttpResult made = As("tellerbj")
                          .Post("/api/v1/customers/" + alice_ + "/cards",
                                json::serialize(json::object{{"account_number", alice_account_},
                                                             {"pin", "135790"}}));
    EXPECT_EQ(made.status, 202) << made.body;
    return made.status == 202 ? made.json() : json::value();
  }
  // Issues a card on alice's account at BJ-01's counter, approved by BJ's supervisor: the
  // card as listed, with the full number the maker was shown ("pan").
  json::value IssueAliceCard() {
    json::value made = RequestAliceCard();
    if (!made.is_object()) return json::value();
    std::string approve =
        "/api/v1/approvals/" + std::to_string(made.at("id").as_int64()) + "/approve";
    HttpResult approved = As("superbj").Post(approve, "");
    EXPECT_EQ(approved.status, 200) << approved.body;
    if (approved.status != 200) return json::value();
    HttpResult list = As("tellerbj").Get("/api/v1/customers/" + alice_ + "/cards");
    EXPECT_EQ(list.status, 200) << list.body;
    if (list.status != 200) return json::value();
    json::object card = list.json().at("cards").as_array().back().as_object();
    EXPECT_EQ(card.at("masked_pan"), made.at("masked_pan"));
    card["pan"] = made.at("pan");
    return card;
  }
  // The one card `client` lists at `path`.
  json::value OnlyCard(HttpClient& client, const std::string& path) {
    HttpResult list = client.Get(path);
    EXPECT_EQ(list.status, 200) << list.body;
    if (list.status != 200) return json::value();
    json::value document = list.json();
    EXPECT_EQ(document.at("cards").as_array().size(), 1u) << list.body;
    if (document.at("cards").as_array().size() != 1) return json::value();
    return document.at("cards").as_array().at(0);
  }
  int64_t StaffId(const std::string& login) {
    HttpResult me = As(login).Get("/api/v1/staff/me");
    EXPECT_EQ(me.status, 200) << me.body;
    return me.status == 200 ? me.json().at("id").as_int64() : 0;
  }
  size_t Count(const std::string& who, const std::string& path, const std::string& field) {
    HttpResult list = As(who).Get(path);
    EXPECT_EQ(list.status, 200) << path << " " << list.body;
    return list.status == 200 ? list.json().at(field).as_array().size() : 0;
  }

  std::string alice_, bob_, carol_, alice_account_, bob_account_, carol_account_;
};

TEST_P(CardsApiTest, SupervisorsRegisterMerchantsAndTerminalsOfTheirUnits) {
  // A teller may not; nor a supervisor at another branch's unit or with its account.
  HttpResult teller = RegisterMerchant("tellerbj", "BJ-01", bob_account_);
  EXPECT_EQ(teller.status, 403) << teller.body;
  EXPECT_EQ(teller.json().at("code").as_string(), "forbidden");
  EXPECT_EQ(RegisterMerchant("superbj", "SH-01", bob_account_).status, 404);
  HttpResult theirs = RegisterMerchant("superbj", "BJ-01", carol_account_);
  EXPECT_EQ(theirs.status, 404) << theirs.body;
  EXPECT_EQ(theirs.json().at("code").as_string(), "unknown_account");
  EXPECT_EQ(RegisterMerchant("superbj", "BJ-01", bob_account_, 5000).status, 400);
  EXPECT_EQ(RegisterMerchant("superbj", "BJ-01", bob_account_, 1LL << 32).status, 400);
  EXPECT_EQ(Count("admin01", "/api/v1/merchants", "merchants"), 0u);

  HttpResult merchant = RegisterMerchant("superbj", "BJ-01", bob_account_);
  ASSERT_EQ(merchant.status, 201) << merchant.body;
  EXPECT_EQ(merchant.json().at("code").as_string(), kMerchantCode);
  EXPECT_EQ(merchant.json().at("mdr_bp").as_int64(), 60);
  EXPECT_EQ(merchant.json().at("account_number").as_string(), bob_account_);
  EXPECT_TRUE(merchant.json().at("last_visit_at").is_null());
  EXPECT_EQ(RegisterMerchant("superbj", "BJ-01", bob_account_).status, 409);

  // Terminals: a POS of the merchant and an ATM, kept by the supervisor who registers them.
  EXPECT_EQ(RegisterTerminal("tellerbj", "ATM00001", "atm", "BJ-01").status, 403);
  EXPECT_EQ(RegisterTerminal("supersh", "ATM00001", "atm", "BJ-01").status, 404);
  HttpResult foreign = RegisterTerminal("supersh", "POS00001", "pos", "SH-01", kMerchantCode);
  EXPECT_EQ(foreign.status, 404) << foreign.body;
  EXPECT_EQ(foreign.json().at("code").as_string(), "unknown_merchant");
  EXPECT_EQ(RegisterTerminal("superbj", "POS00001", "pos", "BJ-01").status, 400);  // No merchant.
  EXPECT_EQ(RegisterTerminal("superbj", "ATM1", "atm", "BJ-01").status, 400);
  EXPECT_EQ(Count("admin01", "/api/v1/terminals", "terminals"), 0u);

  HttpResult pos = RegisterTerminal("superbj", "POS00001", "pos", "BJ-01", kMerchantCode);
  ASSERT_EQ(pos.status, 201) << pos.body;
  json::value registered = pos.json();
  std::string pin_key(registered.at("pin_key").as_string());
  EXPECT_EQ(pin_key.size(), 32u);  // A 16-byte key in hex.
  EXPECT_EQ(pin_key.find_first_not_of("0123456789abcdefABCDEF"), std::string::npos);
  EXPECT_EQ(registered.at("kind").as_string(), "pos");
  EXPECT_EQ(registered.at("unit_code").as_string(), "BJ-01");
  EXPECT_EQ(registered.at("merchant_code").as_string(), kMerchantCode);
  EXPECT_EQ(registered.at("keeper_staff_id").as_int64(), StaffId("superbj"));
  EXPECT_EQ(registered.at("status").as_string(), "active");
  EXPECT_FALSE(registered.at("pin_key_check").as_string().empty());
  EXPECT_TRUE(registered.at("last_activity_at").is_null());
  std::string created(registered.at("created_at").as_string());
  EXPECT_EQ(created.size(), 24u) << created;  // 2026-03-01T08:00:00.000Z
  EXPECT_EQ(created[10], 'T');
  EXPECT_EQ(created.back(), 'Z');
  HttpResult atm = RegisterTerminal("superbj", "ATM00001", "atm", "BJ-01");
  ASSERT_EQ(atm.status, 201) << atm.body;
  EXPECT_TRUE(atm.json().at("merchant_code").is_null());
  EXPECT_EQ(RegisterTerminal("superbj", "ATM00001", "atm", "BJ-01").status, 409);

  // Every staff member of BJ sees both, without their keys; SH sees none.
  HttpResult listed = As("tellerbj").Get("/api/v1/terminals");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.body.find(pin_key), std::string::npos);
  EXPECT_EQ(listed.body.find("pin_key\""), std::string::npos);
  json::value terminals = listed.json();
  ASSERT_EQ(terminals.at("terminals").as_array().size(), 2u);
  for (const auto& terminal : terminals.at("terminals").as_array()) {
    EXPECT_TRUE(terminal.at("last_activity_at").is_null());
    EXPECT_TRUE(terminal.at("created_at").is_string());
    EXPECT_TRUE(terminal.at("batch").is_int64());
  }
  EXPECT_EQ(Count("supersh", "/api/v1/terminals", "terminals"), 0u);
  EXPECT_EQ(Count("supersh", "/api/v1/merchants", "merchants"), 0u);
  EXPECT_EQ(Count("cmbj", "/api/v1/merchants", "merchants"), 1u);
  // Registered just now, neither has been quiet for a day.
  EXPECT_EQ(Count("superbj", "/api/v1/terminals?idle_days=0", "terminals"), 2u);
  EXPECT_EQ(Count("superbj", "/api/v1/terminals?idle_days=1", "terminals"), 0u);
  EXPECT_EQ(Count("superbj", "/api/v1/terminals?idle_days=3650", "terminals"), 0u);
  for (const char* bad : {"-1", "3651", "x", "1.5", ""}) {
    HttpResult refused = As("superbj").Get(std::string("/api/v1/terminals?idle_days=") + bad);
    if (std::string(bad).empty()) {
      EXPECT_EQ(refused.status, 200) << refused.body;  // Absent: every terminal.
      continue;
    }
    EXPECT_EQ(refused.status, 400) << bad;
    EXPECT_EQ(refused.headers["Content-Type"], "application/problem+json") << bad;
  }
  EXPECT_EQ(As("superbj").Get("/api/v1/terminals?idle=1").status, 400);
}

TEST_P(CardsApiTest, MerchantVisitsAreRecordedAndListedWithinTheUnitTree) {
  ASSERT_EQ(RegisterMerchant("superbj", "BJ-01", bob_account_).status, 201);
  const std::string visits = std::string("/api/v1/merchants/") + kMerchantCode + "/visits";
  EXPECT_EQ(Count("cmbj", visits, "visits"), 0u);
  EXPECT_EQ(As("cmbj").Post(visits, R"({"note":""})").status, 400);
  EXPECT_EQ(As("cmbj")
                .Post(visits, json::serialize(json::object{{"note", std::string(2001, 'x')}}))
                .status,
            400);
  EXPECT_EQ(As("cmbj").Post(visits, R"({"note":"x","mood":"good"})").status, 400);
  HttpResult first = As("cmbj").Post(visits, R"({"note":"回访：POS 机运行正常，商户无投诉"})");
  ASSERT_EQ(first.status, 201) << first.body;
  ASSERT_EQ(first.json().at("visits").as_array().size(), 1u);
  EXPECT_EQ(first.json().at("visits").as_array().at(0).at("staff_id").as_int64(), StaffId("cmbj"));
  HttpResult second = As("superbj").Post(visits, R"({"note":"复核：已张贴受理标识"})");
  ASSERT_EQ(second.status, 201) << second.body;

  HttpResult listed = As("tellerbj").Get(visits);
  ASSERT_EQ(listed.status, 200) << listed.body;
  json::value list = listed.json();
  ASSERT_EQ(list.at("visits").as_array().size(), 2u);
  const auto& newest = list.at("visits").as_array().at(0);
  EXPECT_TRUE(newest.at("at").is_string());
  // Newest first (the two may share a millisecond: then either order is the truth).
  EXPECT_GE(std::string(newest.at("at").as_string()),
            std::string(list.at("visits").as_array().at(1).at("at").as_string()));
  HttpResult merchants = As("cmbj").Get("/api/v1/merchants");
  ASSERT_EQ(merchants.status, 200);
  EXPECT_TRUE(merchants.json().at("merchants").as_array().at(0).at("last_visit_at").is_string());

  // Another branch neither sees nor records; an unknown merchant is not there either.
  HttpResult foreign = As("supersh").Get(visits);
  EXPECT_EQ(foreign.status, 404);
  EXPECT_EQ(foreign.json().at("code").as_string(), "unknown_merchant");
  EXPECT_EQ(As("supersh").Post(visits, R"({"note":"越权回访"})").status, 404);
  EXPECT_EQ(As("cmbj").Post("/api/v1/merchants/NOSUCHMERCHANT1/visits", R"({"note":"x"})").status,
            404);
  EXPECT_EQ(Count("superbj", visits, "visits"), 2u);
}

TEST_P(CardsApiTest, ACardIsIssuedAtTheCounterAndItsNumberIsShownOnlyOnce) {
  // Refusals first: a bad PIN, another customer's account, another branch's customer, a
  // role that does not serve at the counter.
  const std::string path = "/api/v1/customers/" + alice_ + "/cards";
  HttpResult short_pin =
      As("tellerbj")
          .Post(path, json::serialize(
                          json::object{{"account_number", alice_account_}, {"pin", "12345"}}));
  EXPECT_EQ(short_pin.status, 400) << short_pin.body;
  EXPECT_EQ(short_pin.json().at("code").as_string(), "invalid_pin");
  HttpResult bobs =
      As("tellerbj")
          .Post(path,
                json::serialize(json::object{{"account_number", bob_account_}, {"pin", "135790"}}));
  EXPECT_EQ(bobs.status, 404) << bobs.body;
  EXPECT_EQ(bobs.json().at("code").as_string(), "unknown_account");
  EXPECT_EQ(As("tellersh")
                .Post(path, json::serialize(json::object{{"account_number", alice_account_},
                                                         {"pin", "135790"}}))
                .status,
            404);
  EXPECT_EQ(As("cmbj")
                .Post(path, json::serialize(json::object{{"account_number", alice_account_},
                                                         {"pin", "135790"}}))
                .status,
            403);
  EXPECT_EQ(As("tellerbj").Post(path, R"({"account_number":"x","pin":135790})").status, 400);
  auto alice = Customer("alice01", kAliceMobile);
  HttpResult none = alice->Get("/api/v1/me/cards");
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_TRUE(none.json().at("cards").as_array().empty());

  // Maker/checker: a requested card is not a card until a second staff member approves;
  // the maker may not, a rejected one never exists, and the checker never sees the number.
  json::value rejected = RequestAliceCard();
  ASSERT_TRUE(rejected.is_object());
  EXPECT_EQ(rejected.at("kind").as_string(), "card_issue");
  EXPECT_EQ(rejected.at("state").as_string(), "pending");
  std::string rejected_pan(rejected.at("pan").as_string());
  std::string decide = "/api/v1/approvals/" + std::to_string(rejected.at("id").as_int64());
  EXPECT_EQ(Count("tellerbj", path, "cards"), 0u);
  EXPECT_EQ(As("tellerbj").Post(decide + "/approve", "").status, 403);
  HttpResult seen = As("superbj").Get(decide);
  ASSERT_EQ(seen.status, 200) << seen.body;
  EXPECT_EQ(seen.body.find(rejected_pan), std::string::npos);
  EXPECT_EQ(seen.json().at("masked_pan"), rejected.at("masked_pan"));
  EXPECT_EQ(As("superbj").Post(decide + "/reject", R"({"reason":"客户改期"})").status, 200);
  EXPECT_EQ(As("superbj").Post(decide + "/approve", "").status, 409);
  EXPECT_EQ(Count("tellerbj", path, "cards"), 0u);
  // A retry with the same key is the first request: no second card, no second number.
  std::string body =
      json::serialize(json::object{{"account_number", alice_account_}, {"pin", "135790"}});
  const std::map<std::string, std::string> keyed{{"Content-Type", "application/json"},
                                                 {"Idempotency-Key", "card-1"}};
  HttpResult first = As("tellerbj").Send("POST", path, body, keyed);
  ASSERT_EQ(first.status, 202) << first.body;
  HttpResult again = As("tellerbj").Send("POST", path, body, keyed);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json().at("id"), first.json().at("id"));
  EXPECT_EQ(again.json().at("masked_pan"), first.json().at("masked_pan"));
  EXPECT_EQ(again.body.find("\"pan\""), std::string::npos);
  EXPECT_EQ(
      As("superbj")
          .Post("/api/v1/approvals/" + std::to_string(first.json().at("id").as_int64()) + "/reject",
                "")
          .status,
      200);

  json::value issued = IssueAliceCard();
  ASSERT_TRUE(issued.is_object());
  std::string pan(issued.at("pan").as_string());
  EXPECT_GE(pan.size(), 16u);
  EXPECT_LE(pan.size(), 19u);
  EXPECT_EQ(pan.find_first_not_of("0123456789"), std::string::npos) << pan;
  EXPECT_TRUE(PassesLuhn(pan)) << pan;
  std::string last_four = pan.substr(pan.size() - 4);
  EXPECT_EQ(issued.at("last_four").as_string(), last_four);
  EXPECT_EQ(issued.at("masked_pan").as_string(), pan.substr(0, 6) + "******" + last_four);
  EXPECT_EQ(issued.at("account_number").as_string(), alice_account_);
  EXPECT_EQ(issued.at("status").as_string(), "active");
  EXPECT_TRUE(issued.at("atm_enabled").as_bool());
  EXPECT_TRUE(issued.at("pos_enabled").as_bool());
  EXPECT_EQ(issued.at("atm_daily_limit").as_string(), "20000.00");
  EXPECT_EQ(issued.at("pos_daily_limit").as_string(), "50000.00");
  EXPECT_EQ(issued.at("pin_failures_today").as_int64(), 0);
  EXPECT_EQ(issued.at("expiry").as_string().size(), 4u);

  // Listed by staff of the customer's units and by the customer: masked, never the PAN.
  const std::string staff_path = "/api/v1/customers/" + alice_ + "/cards";
  for (HttpClient* client : {&As("tellerbj"), &As("superbj"), &As("cmbj"), &As("admin01")}) {
    HttpResult list = client->Get(staff_path);
    ASSERT_EQ(list.status, 200) << list.body;
    EXPECT_EQ(list.body.find(pan), std::string::npos);
    EXPECT_EQ(list.body.find("\"pan\""), std::string::npos);
  }
  json::value listed = OnlyCard(As("tellerbj"), staff_path);
  ASSERT_TRUE(listed.is_object());
  EXPECT_EQ(listed.at("id").as_int64(), issued.at("id").as_int64());
  EXPECT_EQ(listed.at("masked_pan").as_string(), issued.at("masked_pan").as_string());
  HttpResult own = alice->Get("/api/v1/me/cards");
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(own.body.find(pan), std::string::npos);
  EXPECT_EQ(own.json().at("cards").as_array().size(), 1u);
  for (const std::string& other :
       {"/api/v1/customers/" + alice_, "/api/v1/customers/" + alice_ + "/overview",
        "/api/v1/accounts/" + alice_account_}) {
    HttpResult read = As("superbj").Get(other);
    EXPECT_EQ(read.status, 200) << other;
    EXPECT_EQ(read.body.find(pan), std::string::npos) << other;
  }
  // Nor does the server write it anywhere in its log.
  EXPECT_EQ(server_->Log().find(pan), std::string::npos);

  // Another branch's staff cannot see the customer's cards; bob has none.
  HttpResult foreign = As("tellersh").Get(staff_path);
  EXPECT_EQ(foreign.status, 404) << foreign.body;
  EXPECT_EQ(foreign.json().at("code").as_string(), "unknown_customer");
  EXPECT_EQ(As("supersh").Get(staff_path).status, 404);
  EXPECT_EQ(Count("tellerbj", "/api/v1/customers/" + bob_ + "/cards", "cards"), 0u);
  // A staff session is not a customer's.
  EXPECT_EQ(As("tellerbj").Get("/api/v1/me/cards").status, 401);
}

TEST_P(CardsApiTest, LossIsReportedByTheCustomerOrAtTheCounterOfTheCustomersUnits) {
  json::value issued = IssueAliceCard();
  ASSERT_TRUE(issued.is_object());
  const std::string id = std::to_string(issued.at("id").as_int64());
  auto alice = Customer("alice01", kAliceMobile);
  auto bob = Customer("bob0001", kBobMobile);

  // Bob cannot report alice's card lost, nor switch its channels: it is not there for him.
  HttpResult not_his = bob->Post("/api/v1/me/cards/" + id + "/loss", "");
  EXPECT_EQ(not_his.status, 404) << not_his.body;
  EXPECT_EQ(not_his.json().at("code").as_string(), "unknown_card");
  EXPECT_EQ(bob->Send("PUT", "/api/v1/me/cards/" + id + "/channels",
                      R"({"atm_enabled":false,"pos_enabled":false,"atm_daily_limit":"0.00",)"
                      R"("pos_daily_limit":"0.00"})",
                      {})
                .status,
            404);
  EXPECT_EQ(bob->Post("/api/v1/me/cards/999999/loss", "").status, 404);
  EXPECT_EQ(bob->Post("/api/v1/me/cards/abc/loss", "").status, 404);
  json::value untouched = OnlyCard(*alice, "/api/v1/me/cards");
  ASSERT_TRUE(untouched.is_object());
  EXPECT_EQ(untouched.at("status").as_string(), "active");
  EXPECT_TRUE(untouched.at("atm_enabled").as_bool());
  EXPECT_EQ(untouched.at("atm_daily_limit").as_string(), "20000.00");

  HttpResult lost = alice->Post("/api/v1/me/cards/" + id + "/loss", "");
  ASSERT_EQ(lost.status, 200) << lost.body;
  EXPECT_EQ(lost.json().at("status").as_string(), "lost");
  EXPECT_EQ(OnlyCard(*alice, "/api/v1/me/cards").at("status").as_string(), "lost");
  EXPECT_EQ(alice->Post("/api/v1/me/cards/" + id + "/loss", R"({"why":"x"})").status, 400);

  // At the counter: another branch's staff cannot touch it; BJ-01's teller can.
  const std::string status = "/api/v1/cards/" + id + "/status";
  HttpResult foreign = As("tellersh").Post(status, R"({"status":"active"})");
  EXPECT_EQ(foreign.status, 404) << foreign.body;
  EXPECT_EQ(foreign.json().at("code").as_string(), "unknown_card");
  EXPECT_EQ(
      OnlyCard(As("tellerbj"), "/api/v1/customers/" + alice_ + "/cards").at("status").as_string(),
      "lost");
  EXPECT_EQ(As("cmbj").Post(status, R"({"status":"active"})").status, 403);
  EXPECT_EQ(As("tellerbj").Post(status, R"({"status":"stolen"})").status, 400);
  EXPECT_EQ(As("tellerbj").Post("/api/v1/cards/abc/status", R"({"status":"frozen"})").status, 404);
  EXPECT_EQ(As("tellerbj").Post("/api/v1/cards/999999/status", R"({"status":"frozen"})").status,
            404);
  // Making it active again needs a second staff member: the teller asks, BJ's supervisor
  // approves; until then it stays as it was.
  HttpResult direct = As("tellerbj").Post(status, R"({"status":"active"})");
  EXPECT_EQ(direct.status, 400) << direct.body;
  EXPECT_EQ(direct.json().at("code").as_string(), "restore_needs_approval");
  auto card_status = [&] {
    return std::string(OnlyCard(As("tellerbj"), "/api/v1/customers/" + alice_ + "/cards")
                           .at("status")
                           .as_string());
  };
  const std::string restore = "/api/v1/cards/" + id + "/restore";
  auto restored = [&] {
    HttpResult made = As("tellerbj").Post(restore, "");
    EXPECT_EQ(made.status, 202) << made.body;
    EXPECT_EQ(made.json().at("kind").as_string(), "card_restore");
    std::string before = card_status();
    std::string decide = "/api/v1/approvals/" + std::to_string(made.json().at("id").as_int64());
    EXPECT_EQ(As("tellerbj").Post(decide + "/approve", "").status, 403);
    EXPECT_EQ(card_status(), before);
    HttpResult approved = As("superbj").Post(decide + "/approve", "");
    EXPECT_EQ(approved.status, 200) << approved.body;
  };
  EXPECT_EQ(As("tellersh").Post(restore, "").status, 404);
  restored();
  EXPECT_EQ(card_status(), "active");
  EXPECT_EQ(As("tellerbj").Post(restore, "").status, 409);  // Not lost or frozen.
  HttpResult frozen = As("tellerbj").Post(status, R"({"status":"frozen"})");
  ASSERT_EQ(frozen.status, 200) << frozen.body;
  EXPECT_EQ(frozen.json().at("status").as_string(), "frozen");
  restored();
  EXPECT_EQ(card_status(), "active");
  HttpResult closed = As("superbj").Post(status, R"({"status":"closed"})");
  ASSERT_EQ(closed.status, 200) << closed.body;
  EXPECT_EQ(closed.json().at("status").as_string(), "closed");
  // A closed card stays closed.
  EXPECT_EQ(As("superbj").Post(status, R"({"status":"frozen"})").status, 404);
  EXPECT_EQ(As("tellerbj").Post(restore, "").status, 409);
  EXPECT_EQ(alice->Post("/api/v1/me/cards/" + id + "/loss", "").status, 404);
  EXPECT_EQ(OnlyCard(*alice, "/api/v1/me/cards").at("status").as_string(), "closed");
}

TEST_P(CardsApiTest, TheCustomerSwitchesChannelsAndLowersLimitsWithinTheBanks) {
  json::value issued = IssueAliceCard();
  ASSERT_TRUE(issued.is_object());
  const std::string path =
      "/api/v1/me/cards/" + std::to_string(issued.at("id").as_int64()) + "/channels";
  auto alice = Customer("alice01", kAliceMobile);
  auto put = [&](const std::string& body) { return alice->Send("PUT", path, body, {}); };

  HttpResult set = put(R"({"atm_enabled":false,"pos_enabled":true,"atm_daily_limit":"5000.00",)"
                       R"("pos_daily_limit":"10000.00"})");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_FALSE(set.json().at("atm_enabled").as_bool());
  EXPECT_TRUE(set.json().at("pos_enabled").as_bool());
  EXPECT_EQ(set.json().at("atm_daily_limit").as_string(), "5000.00");
  EXPECT_EQ(set.json().at("pos_daily_limit").as_string(), "10000.00");

  // Refused, each a problem with its code, and nothing changes.
  const std::pair<const char*, const char*> refusals[] = {
      {R"({"atm_enabled":true,"pos_enabled":true,"atm_daily_limit":"20000.01",)"
       R"("pos_daily_limit":"10000.00"})",
       "invalid_limit"},
      {R"({"atm_enabled":true,"pos_enabled":true,"atm_daily_limit":"-1.00",)"
       R"("pos_daily_limit":"10000.00"})",
       "invalid_limit"},
      {R"({"atm_enabled":true,"pos_enabled":true,"atm_daily_limit":"100.00",)"
       R"("pos_daily_limit":"1000000.01"})",
       "invalid_limit"},
      {R"({"atm_enabled":"yes","pos_enabled":true,"atm_daily_limit":"100.00",)"
       R"("pos_daily_limit":"100.00"})",
       "invalid_field"},
      {R"({"atm_enabled":true,"pos_enabled":true,"atm_daily_limit":100,)"
       R"("pos_daily_limit":"100.00"})",
       "invalid_field"},
      {R"({"atm_enabled":true,"atm_daily_limit":"100.00","pos_daily_limit":"100.00"})",
       "missing_field"},
      {R"({"atm_enabled":true,"pos_enabled":true,"atm_daily_limit":"100.00",)"
       R"("pos_daily_limit":"100.00","cash_back":true})",
       "unknown_field"},
  };
  for (const auto& [body, code] : refusals) {
    HttpResult refused = put(body);
    EXPECT_EQ(refused.status, 400) << body << " " << refused.body;
    EXPECT_EQ(refused.headers["Content-Type"], "application/problem+json") << body;
    if (refused.status == 400) {
      EXPECT_EQ(refused.json().at("code").as_string(), code) << body;
    }
  }
  json::value card = OnlyCard(*alice, "/api/v1/me/cards");
  ASSERT_TRUE(card.is_object());
  EXPECT_FALSE(card.at("atm_enabled").as_bool());
  EXPECT_TRUE(card.at("pos_enabled").as_bool());
  EXPECT_EQ(card.at("atm_daily_limit").as_string(), "5000.00");
  EXPECT_EQ(card.at("pos_daily_limit").as_string(), "10000.00");
  // The teller sees the same.
  EXPECT_EQ(OnlyCard(As("tellerbj"), "/api/v1/customers/" + alice_ + "/cards")
                .at("atm_daily_limit")
                .as_string(),
            "5000.00");
}

INSTANTIATE_TEST_SUITE_P(Backends, CardsApiTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ebank::testing
