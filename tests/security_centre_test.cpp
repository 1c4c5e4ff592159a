// The customer's security centre over real HTTP on both backends: changing the login
// password (the old one checked and counted like a login's, other sessions ended), the
// balance-alert threshold, limits the customer lowers below the bank's (and cannot raise),
// and enrolling or replacing the dynamic token only with the current second factor.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <thread>

#include "common.h"
#include "core/clock.h"
#include "security/totp.h"

namespace ebank::testing {
namespace {

constexpr const char* kTellerPassword = "Counter#2026";
constexpr const char* kPassword = "Secret#2026";
constexpr const char* kNewPassword = "Autumn#Leaf7";
constexpr const char* kAliceMobile = "13800138000";
constexpr const char* kBobMobile = "13900139000";

class SecurityTest : public BackendTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(AddStaff(database_, dir_, "teller01", kTellerPassword));
    server_ = std::make_unique<ServerProcess>(database_, dir_);
    anonymous_ = std::make_unique<HttpClient>("127.0.0.1", server_->port());
    operator_ = std::make_unique<HttpClient>(server_->Client());
    teller_ = std::make_unique<HttpClient>("127.0.0.1", server_->port(),
                                           StaffLogin(*anonymous_, "teller01", kTellerPassword));
    alice_account_ = NewCustomer("11010519491231002X", kAliceMobile, "alice01");
    bob_account_ = NewCustomer("440524188001010014", kBobMobile, "bob0001");
    int64_t bank = OpenAccount(*operator_, R"({"currency":"CNY","side":"debit","floor":null})");
    HttpResult found = operator_->Get("/internal/ledger/accounts?code=" + alice_account_);
    ASSERT_EQ(found.status, 200);
    int64_t ledger_id = found.json().at("accounts").as_array().at(0).at("id").as_int64();
    ASSERT_EQ(
        operator_->Post("/internal/ledger/transfers", TransferBody(bank, ledger_id, "100000.00"))
            .status,
        201);
  }
  void TearDown() override {
    ExpectVerified(*operator_);
    EXPECT_EQ(server_->Stop(), 0) << server_->Log();
  }

  // Opens a card account and signs the customer up; returns the account number.
  std::string NewCustomer(const std::string& id_number, const std::string& mobile,
                          const std::string& login_id) {
    HttpResult customer = teller_->Post(
        "/api/v1/customers", json::serialize(json::object{
                                 {"name", "客户"}, {"id_number", id_number}, {"mobile", mobile}}));
    EXPECT_EQ(customer.status, 201) << customer.body;
    std::string number(customer.json().at("number").as_string());
    HttpResult opened = teller_->Post("/api/v1/customers/" + number + "/accounts",
                                      R"({"product":"DEMAND_CARD_I"})");
    EXPECT_EQ(opened.status, 201) << opened.body;
    HttpResult signed_up = teller_->Post(
        "/api/v1/customers/" + number + "/signing",
        json::serialize(json::object{
            {"login_id", login_id}, {"password", kPassword}, {"reserved_info", "春天的花"}}));
    EXPECT_EQ(signed_up.status, 201) << signed_up.body;
    return std::string(opened.json().at("number").as_string());
  }

  // The texts sent to `mobile` so far, oldest first.
  std::vector<std::string> Texts(const std::string& mobile) {
    std::ifstream in(dir_ + "/sms-outbox.jsonl");
    std::string line;
    std::vector<std::string> texts;
    while (std::getline(in, line)) {
      boost::system::error_code error;
      json::value message = json::parse(line, error);  // A line may still be being written.
      if (!error && message.is_object() && message.at("to").as_string() == mobile) {
        texts.emplace_back(message.at("text").as_string());
      }
    }
    return texts;
  }

  // The first text to `mobile` after the first `seen` that matches `pattern` (group 1),
  // waiting up to 30 s for it.
  std::string WaitForText(const std::string& mobile, size_t seen, const std::string& pattern) {
    std::regex wanted(pattern);
    for (int tries = 0; tries < 1500; ++tries) {
      std::vector<std::string> texts = Texts(mobile);
      for (size_t i = seen; i < texts.size(); ++i) {
        std::smatch match;
        if (std::regex_search(texts[i], match, wanted)) return match[1];
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "no text matching " << pattern << " reached " << mobile;
    return "";
  }

  std::string Login(const std::string& login_id, const std::string& password,
                    const std::string& mobile) {
    return SmsLogin(*anonymous_, dir_, login_id, password, mobile);
  }

  // Step 1 of a login alone: the status and the problem code.
  std::pair<unsigned, std::string> PasswordStep(const std::string& login_id,
                                                const std::string& password) {
    HttpResult start = anonymous_->Post(
        "/api/v1/sessions",
        json::serialize(json::object{{"login_id", login_id}, {"password", password}}));
    return {start.status,
            start.status == 201 ? std::string() : std::string(start.json().at("code").as_string())};
  }

  HttpClient As(const std::string& token) {
    return HttpClient("127.0.0.1", server_->port(), token);
  }

  static HttpResult ChangePassword(HttpClient& client, const std::string& old_password,
                                   const std::string& new_password) {
    return client.Post("/api/v1/me/password",
                       json::serialize(json::object{{"old_password", old_password},
                                                    {"new_password", new_password}}));
  }

  static HttpResult Put(HttpClient& client, const std::string& target, const json::object& body) {
    return client.Send("PUT", target, json::serialize(body),
                       {{"Content-Type", "application/json"}});
  }

  static std::string Code(const HttpResult& result) {
    return result.json().at("code").as_string().c_str();
  }

  HttpResult Transfer(HttpClient& client, const std::string& key, const std::string& amount) {
    return client.Post("/api/v1/me/transfers",
                       json::serialize(json::object{{"from_account", alice_account_},
                                                    {"to_account", bob_account_},
                                                    {"amount", amount},
                                                    {"currency", "CNY"}}),
                       {{"Idempotency-Key", key}});
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> anonymous_, operator_, teller_;
  std::string alice_account_, bob_account_;
};

TEST_P(SecurityTest, PasswordChangeChecksTheOldOneAndEndsOtherSessions) {
  HttpClient here = As(Login("alice01", kPassword, kAliceMobile));
  HttpClient elsewhere = As(Login("alice01", kPassword, kAliceMobile));
  ASSERT_EQ(elsewhere.Get("/api/v1/me").status, 200);
  EXPECT_EQ(anonymous_->Post("/api/v1/me/password", "{}").status, 401);

  // A weak new password is refused before the old one is looked at: nothing counted.
  for (const char* weak : {"short1", "abcdefgh", "12341234", "with space 1"}) {
    HttpResult refused = ChangePassword(here, kPassword, weak);
    EXPECT_EQ(refused.status, 400) << weak;
    EXPECT_EQ(Code(refused), "weak_password") << weak;
  }
  // A wrong old password counts like a wrong login password.
  for (int i = 0; i < 3; ++i) {
    HttpResult wrong = ChangePassword(here, "Guess#0000", kNewPassword);
    EXPECT_EQ(wrong.status, 422);
    EXPECT_EQ(Code(wrong), "wrong_password");
  }
  HttpResult fourth = anonymous_->Post(
      "/api/v1/sessions",
      json::serialize(json::object{{"login_id", "alice01"}, {"password", "Guess#0001"}}));
  EXPECT_EQ(fourth.status, 401);
  EXPECT_NE(fourth.json().at("detail").as_string().find("1 more failure"), std::string::npos)
      << fourth.body;
  EXPECT_EQ(elsewhere.Get("/api/v1/me").status, 200);  // Failures end no session yet.

  HttpResult same = ChangePassword(here, kPassword, kPassword);
  EXPECT_EQ(same.status, 400);
  EXPECT_EQ(Code(same), "password_unchanged");

  HttpResult changed = ChangePassword(here, kPassword, kNewPassword);
  ASSERT_EQ(changed.status, 204) << changed.body;
  EXPECT_EQ(here.Get("/api/v1/me").status, 200);
  EXPECT_EQ(elsewhere.Get("/api/v1/me").status, 401);
  EXPECT_EQ(PasswordStep("alice01", kPassword), std::make_pair(401u, std::string("login_failed")));
  HttpClient again = As(Login("alice01", kNewPassword, kAliceMobile));
  EXPECT_EQ(again.Get("/api/v1/me").status, 200);
  // The success cleared the failures: four more wrong logins do not lock.
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(PasswordStep("alice01", "Guess#1111").second, "login_failed");

  // Bob's password is untouched.
  EXPECT_EQ(PasswordStep("bob0001", kPassword).first, 201u);
  HttpResult logins = here.Get("/api/v1/me/logins");
  EXPECT_EQ(logins.status, 200);
}

TEST_P(SecurityTest, WrongOldPasswordsLockTheLoginAndEndEverySession) {
  HttpClient alice = As(Login("alice01", kPassword, kAliceMobile));
  HttpResult last;
  for (int i = 0; i < 5; ++i)
    last = ChangePassword(alice, "Guess#0000", kNewPassword);
  EXPECT_EQ(last.status, 422);
  EXPECT_EQ(Code(last), "login_locked");
  EXPECT_EQ(alice.Get("/api/v1/me").status, 401);
  EXPECT_EQ(PasswordStep("alice01", kPassword), std::make_pair(401u, std::string("login_locked")));
}

TEST_P(SecurityTest, AlertThresholdSilencesSmallMovements) {
  HttpClient alice = As(Login("alice01", kPassword, kAliceMobile));
  HttpClient bob = As(Login("bob0001", kPassword, kBobMobile));
  for (const char* bad : {R"({"threshold":"-1.00"})", R"({"threshold":"abc"})", R"({})",
                          R"({"threshold":"1.00","extra":1})"}) {
    EXPECT_EQ(
        alice.Send("PUT", "/api/v1/me/alert-threshold", bad, {{"Content-Type", "application/json"}})
            .status,
        400)
        << bad;
  }
  HttpResult set = Put(alice, "/api/v1/me/alert-threshold", {{"threshold", "80.00"}});
  ASSERT_EQ(set.status, 200) << set.body;
  HttpResult settings = alice.Get("/api/v1/me/security");
  ASSERT_EQ(settings.status, 200) << settings.body;
  EXPECT_EQ(settings.json().at("alert_threshold").as_string(), "80.00");
  EXPECT_EQ(bob.Get("/api/v1/me/security").json().at("alert_threshold").as_string(), "0.00");

  // Both are small enough to move without a challenge.
  size_t seen = Texts(kAliceMobile).size();
  ASSERT_EQ(Transfer(alice, "small", "79.99").status, 201);
  ASSERT_EQ(Transfer(alice, "large", "80.00").status, 201);
  // Alerts go out in order: once the large one's is there, the small one's would be too.
  EXPECT_NE(WaitForText(kAliceMobile, seen, "(余额)"), "");
  std::vector<std::string> texts = Texts(kAliceMobile);
  int alerts = 0;
  for (size_t i = seen; i < texts.size(); ++i) {
    if (texts[i].find("余额") == std::string::npos) continue;
    ++alerts;
    EXPECT_NE(texts[i].find("80.00"), std::string::npos) << texts[i];
  }
  EXPECT_EQ(alerts, 1);
}

TEST_P(SecurityTest, CustomerLimitsOnlyEverLowerTheBanks) {
  HttpClient alice = As(Login("alice01", kPassword, kAliceMobile));
  HttpClient bob = As(Login("bob0001", kPassword, kBobMobile));
  auto limit = [&](const std::string& tool) {
    HttpResult limits = alice.Get("/api/v1/me/limits?account=" + alice_account_);
    EXPECT_EQ(limits.status, 200) << limits.body;
    json::value body = limits.json();  // Outlives the loop over its parts.
    for (const auto& item : body.at("limits").as_array()) {
      if (item.at("tool").as_string() == tool) return json::value(item);
    }
    return json::value();
  };
  std::string sms = "/api/v1/me/limits/sms";
  json::object too_high{
      {"account", alice_account_}, {"per_transaction", "5000.01"}, {"daily", "5000.01"}};
  HttpResult raised = Put(alice, sms, too_high);
  EXPECT_EQ(raised.status, 422) << raised.body;
  EXPECT_EQ(Code(raised), "above_bank_limit");
  EXPECT_EQ(Put(alice, sms,
                {{"account", alice_account_}, {"per_transaction", "400.00"}, {"daily", "300.00"}})
                .status,
            400);
  EXPECT_EQ(Put(alice, "/api/v1/me/limits/pigeon",
                {{"account", alice_account_}, {"per_transaction", "1.00"}, {"daily", "1.00"}})
                .status,
            400);
  EXPECT_EQ(
      Put(bob, sms, {{"account", alice_account_}, {"per_transaction", "1.00"}, {"daily", "1.00"}})
          .status,
      404);  // Not Bob's account.

  // Small transfers (up to 100.00) move on the password alone, within its tier.
  EXPECT_EQ(Transfer(alice, "before", "100.00").status, 201);
  ASSERT_EQ(Put(alice, "/api/v1/me/limits/password",
                {{"account", alice_account_}, {"per_transaction", "50.00"}, {"daily", "500.00"}})
                .status,
            200);
  HttpResult over_password = Transfer(alice, "over-password", "60.00");
  EXPECT_EQ(over_password.status, 422) << over_password.body;
  EXPECT_EQ(Code(over_password), "tool_limit_exceeded");
  EXPECT_EQ(Transfer(alice, "within-password", "40.00").status, 201);

  HttpResult lowered =
      Put(alice, sms,
          {{"account", alice_account_}, {"per_transaction", "300.00"}, {"daily", "300.00"}});
  ASSERT_EQ(lowered.status, 200) << lowered.body;
  json::value shown = limit("sms");
  ASSERT_TRUE(shown.is_object());
  EXPECT_EQ(shown.at("per_transaction").as_string(), "300.00");
  EXPECT_EQ(shown.at("bank").at("per_transaction").as_string(), "5000.00");
  EXPECT_EQ(shown.at("self").at("daily").as_string(), "300.00");

  // 200.00 needs an SMS code, which still covers it; 400.00 is beyond every tool Alice holds.
  HttpResult needs_sms = Transfer(alice, "needs-sms", "200.00");
  EXPECT_EQ(needs_sms.status, 202) << needs_sms.body;
  HttpResult refused = Transfer(alice, "refused", "400.00");
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(Code(refused), "limit_exceeded");

  // Removing them gives the bank's back.
  EXPECT_EQ(alice.Send("DELETE", sms, "", {}).status, 204);
  EXPECT_EQ(alice.Send("DELETE", "/api/v1/me/limits/password", "", {}).status, 204);
  EXPECT_EQ(limit("sms").at("per_transaction").as_string(), "5000.00");
  EXPECT_FALSE(limit("sms").as_object().contains("self"));
  EXPECT_EQ(Transfer(alice, "after", "400.00").status, 202);
  EXPECT_EQ(Transfer(alice, "after-small", "60.00").status, 201);
}

TEST_P(SecurityTest, ReplacingTheDynamicTokenNeedsTheCurrentOne) {
  HttpClient alice = As(Login("alice01", kPassword, kAliceMobile));
  HttpClient bob = As(Login("bob0001", kPassword, kBobMobile));
  std::string challenge_path = "/api/v1/me/tools/totp/challenge";
  EXPECT_EQ(Code(alice.Post(challenge_path, R"({"tool":"ukey"})")), "tool_not_allowed");
  EXPECT_EQ(alice.Post(challenge_path, R"({"tool":"password"})").status, 400);

  // Enrolling the first token: an SMS code will do.
  size_t seen = Texts(kAliceMobile).size();
  HttpResult challenge = alice.Post(challenge_path, R"({"tool":"sms"})");
  ASSERT_EQ(challenge.status, 200) << challenge.body;
  std::string id(challenge.json().at("challenge_id").as_string());
  std::string code = WaitForText(kAliceMobile, seen, "验证码([0-9]{6})");
  auto answer = [](const std::string& challenge_id, const std::string& text) {
    return json::serialize(json::object{{"challenge_id", challenge_id}, {"answer", text}});
  };
  // Another customer cannot spend it.
  EXPECT_EQ(Code(bob.Post("/api/v1/me/tools/totp", answer(id, code))), "challenge_invalid");
  HttpResult wrong =
      alice.Post("/api/v1/me/tools/totp", answer(id, code == "000000" ? "111111" : "000000"));
  EXPECT_EQ(Code(wrong), "wrong_answer");
  HttpResult enrolled = alice.Post("/api/v1/me/tools/totp", answer(id, code));
  ASSERT_EQ(enrolled.status, 201) << enrolled.body;
  EXPECT_TRUE(enrolled.json().at("qr_svg").as_string().starts_with("<svg"));
  std::string first =
      security::Base32Decode(std::string(enrolled.json().at("secret").as_string())).value();
  HttpResult tools = alice.Get("/api/v1/me/security");
  ASSERT_EQ(tools.status, 200);
  ASSERT_EQ(tools.json().at("tools").as_array().size(), 1u);
  EXPECT_EQ(tools.json().at("tools").as_array().at(0).at("tool").as_string(), "totp");

  // Replacing it: only the current token answers.
  EXPECT_EQ(Code(alice.Post(challenge_path, R"({"tool":"sms"})")), "tool_not_allowed");
  HttpResult again = alice.Post(challenge_path, R"({"tool":"totp"})");
  ASSERT_EQ(again.status, 200) << again.body;
  std::string replace_id(again.json().at("challenge_id").as_string());
  std::string now_code = security::Totp(first, SystemClock::Instance().NowMs()).value();
  HttpResult replaced = alice.Post("/api/v1/me/tools/totp", answer(replace_id, now_code));
  ASSERT_EQ(replaced.status, 201) << replaced.body;
  std::string second =
      security::Base32Decode(std::string(replaced.json().at("secret").as_string())).value();
  EXPECT_NE(first, second);
  // A spent challenge does not enrol a third.
  EXPECT_EQ(Code(alice.Post("/api/v1/me/tools/totp", answer(replace_id, now_code))),
            "challenge_invalid");

  // The old token no longer answers; the new one does.
  auto totp_login = [&](const std::string& secret) {
    HttpResult start = anonymous_->Post(
        "/api/v1/sessions",
        json::serialize(json::object{{"login_id", "alice01"}, {"password", kPassword}}));
    EXPECT_EQ(start.status, 201);
    std::string ticket(start.json().at("ticket").as_string());
    EXPECT_EQ(anonymous_
                  ->Post("/api/v1/sessions/challenge",
                         json::serialize(json::object{{"ticket", ticket}, {"tool", "totp"}}))
                  .status,
              200);
    return anonymous_
        ->Post("/api/v1/sessions/verify",
               json::serialize(json::object{
                   {"ticket", ticket},
                   {"answer", security::Totp(secret, SystemClock::Instance().NowMs()).value()}}))
        .status;
  };
  EXPECT_EQ(totp_login(first), 401u);
  EXPECT_EQ(totp_login(second), 201u);
}

INSTANTIATE_TEST_SUITE_P(Backends, SecurityTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ebank::testing
