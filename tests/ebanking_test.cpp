// Customer e-banking over real HTTP on both backends: sign-up at the counter, the login
// ladder with each second factor (the U-key on a real SoftHSM2 token), transfers with
// strong authentication bound to amount and payee, and the attacks a customer could try.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <thread>

#include "common.h"
#include "core/clock.h"
#include "core/hash.h"
#include "security/password_transport.h"
#include "security/totp.h"
#include "ukey/pkcs11_token.h"

namespace ebank::testing {
namespace {

constexpr const char* kTellerPassword = "Counter#2026";
constexpr const char* kPassword = "Secret#2026";
constexpr const char* kAliceId = "11010519491231002X";
constexpr const char* kBobId = "440524188001010014";
constexpr const char* kAliceMobile = "13800138000";
constexpr const char* kBobMobile = "13900139000";

class EbankingTest : public BackendTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(AddStaff(database_, dir_, "teller01", kTellerPassword));
    server_ = std::make_unique<ServerProcess>(database_, dir_);
    anonymous_ = std::make_unique<HttpClient>("127.0.0.1", server_->port());
    operator_ = std::make_unique<HttpClient>(server_->Client());
    HttpResult login = anonymous_->Post(
        "/api/v1/staff/sessions",
        json::serialize(json::object{{"login", "teller01"}, {"password", kTellerPassword}}));
    ASSERT_EQ(login.status, 201) << login.body;
    teller_ = std::make_unique<HttpClient>("127.0.0.1", server_->port(),
                                           std::string(login.json().at("token").as_string()));
    ASSERT_TRUE(AddStaff(database_, dir_, "super01", kTellerPassword, "supervisor"));
    supervisor_ = std::make_unique<HttpClient>("127.0.0.1", server_->port(),
                                               StaffLogin(*anonymous_, "super01", kTellerPassword));
    alice_ = NewCustomer(kAliceId, kAliceMobile, "alice01", &alice_account_);
    bob_ = NewCustomer(kBobId, kBobMobile, "bob0001", &bob_account_);
    // Fund Alice from a general-ledger account through the operator API.
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

  std::string NewCustomer(const std::string& id_number, const std::string& mobile,
                          const std::string& login_id, std::string* account) {
    HttpResult customer = teller_->Post(
        "/api/v1/customers", json::serialize(json::object{
                                 {"name", "客户"}, {"id_number", id_number}, {"mobile", mobile}}));
    EXPECT_EQ(customer.status, 201) << customer.body;
    std::string number(customer.json().at("number").as_string());
    HttpResult opened = teller_->Post("/api/v1/customers/" + number + "/accounts",
                                      R"({"product":"DEMAND_CARD_I"})");
    EXPECT_EQ(opened.status, 201) << opened.body;
    *account = std::string(opened.json().at("number").as_string());
    HttpResult signed_up = teller_->Post(
        "/api/v1/customers/" + number + "/signing",
        json::serialize(json::object{
            {"login_id", login_id}, {"password", kPassword}, {"reserved_info", "春天的花"}}));
    EXPECT_EQ(signed_up.status, 201) << signed_up.body;
    return number;
  }

  std::string SmsCode(const std::string& mobile, size_t seen_before) {
    return WaitForSmsCode(dir_, mobile, seen_before);
  }
  size_t SmsCount(const std::string& mobile) { return SmsCodeTexts(dir_, mobile).size(); }

  // Logs in with the password and `tool`; `answer` turns the challenge's prompt into the
  // answer. Returns the session token ("" on failure).
  std::string Login(const std::string& login_id, const std::string& tool,
                    const std::function<std::string(const std::string&)>& answer) {
    HttpResult start = anonymous_->Post(
        "/api/v1/sessions",
        json::serialize(json::object{{"login_id", login_id}, {"password", kPassword}}));
    EXPECT_EQ(start.status, 201) << start.body;
    if (start.status != 201) return "";
    EXPECT_EQ(start.json().at("reserved_info").as_string(), "春天的花");
    std::string ticket(start.json().at("ticket").as_string());
    HttpResult challenge =
        anonymous_->Post("/api/v1/sessions/challenge",
                         json::serialize(json::object{{"ticket", ticket}, {"tool", tool}}));
    EXPECT_EQ(challenge.status, 200) << challenge.body;
    HttpResult done = anonymous_->Post(
        "/api/v1/sessions/verify",
        json::serialize(json::object{
            {"ticket", ticket},
            {"answer", answer(std::string(challenge.json().at("prompt").as_string()))}}));
    last_login_ = done;
    if (done.status != 201) return "";
    return std::string(done.json().at("token").as_string());
  }

  std::string SmsLogin(const std::string& login_id, const std::string& mobile) {
    size_t before = SmsCount(mobile);
    return Login(login_id, "sms", [&](const std::string&) { return SmsCode(mobile, before); });
  }

  HttpClient As(const std::string& token) {
    return HttpClient("127.0.0.1", server_->port(), token);
  }

  HttpResult Transfer(HttpClient& client, const std::string& key, const std::string& from,
                      const std::string& to, const std::string& amount) {
    return client.Post(
        "/api/v1/me/transfers",
        json::serialize(json::object{
            {"from_account", from}, {"to_account", to}, {"amount", amount}, {"currency", "CNY"}}),
        {{"Idempotency-Key", key}});
  }

  std::string Balance(HttpClient& client) {
    HttpResult accounts = client.Get("/api/v1/me/accounts");
    EXPECT_EQ(accounts.status, 200);
    return std::string(accounts.json().at("accounts").as_array().at(0).at("balance").as_string());
  }

  std::unique_ptr<ServerProcess> server_;
  // The tools alice's signing record holds, as the counter's customer view shows them.
  std::string AliceTools() {
    HttpResult overview = teller_->Get("/api/v1/customers/" + alice_ + "/overview");
    EXPECT_EQ(overview.status, 200) << overview.body;
    return overview.status == 200 ? json::serialize(overview.json().at("signing").at("tools")) : "";
  }
  // The teller's request `made` (202), approved by the supervisor.
  void Approve(const HttpResult& made) {
    ASSERT_EQ(made.status, 202) << made.body;
    int64_t id = made.json().at("id").as_int64();
    EXPECT_EQ(teller_->Post("/api/v1/approvals/" + std::to_string(id) + "/approve", "").status,
              403);  // The maker may not check.
    HttpResult approved =
        supervisor_->Post("/api/v1/approvals/" + std::to_string(id) + "/approve", "");
    ASSERT_EQ(approved.status, 200) << approved.body;
    EXPECT_EQ(approved.json().at("outcome").as_string(), "ok");
  }

  std::unique_ptr<HttpClient> anonymous_, operator_, teller_, supervisor_;
  std::string alice_, bob_, alice_account_, bob_account_;
  HttpResult last_login_;
};

TEST_P(EbankingTest, LoginWithSmsShowsReservedInfoThenAccounts) {
  std::string token = SmsLogin("alice01", kAliceMobile);
  ASSERT_FALSE(token.empty()) << last_login_.body;
  HttpClient alice = As(token);
  HttpResult me = alice.Get("/api/v1/me");
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.json().at("login_id").as_string(), "alice01");
  EXPECT_EQ(Balance(alice), "100000.00");
  EXPECT_EQ(anonymous_->Get("/api/v1/me").status, 401);
  EXPECT_EQ(teller_->Get("/api/v1/me").status, 401);  // A staff token is not a customer's.
}

TEST_P(EbankingTest, AnSmsCodeAndItsTicketWorkOnce) {
  HttpResult start = anonymous_->Post(
      "/api/v1/sessions",
      json::serialize(json::object{{"login_id", "alice01"}, {"password", kPassword}}));
  ASSERT_EQ(start.status, 201);
  std::string ticket(start.json().at("ticket").as_string());
  size_t before = SmsCount(kAliceMobile);
  ASSERT_EQ(anonymous_
                ->Post("/api/v1/sessions/challenge",
                       json::serialize(json::object{{"ticket", ticket}, {"tool", "sms"}}))
                .status,
            200);
  std::string code = SmsCode(kAliceMobile, before);
  std::string answer = json::serialize(json::object{{"ticket", ticket}, {"answer", code}});
  EXPECT_EQ(anonymous_->Post("/api/v1/sessions/verify", answer).status, 201);
  HttpResult replayed = anonymous_->Post("/api/v1/sessions/verify", answer);
  EXPECT_EQ(replayed.status, 401);
  EXPECT_EQ(replayed.json().at("code").as_string(), "challenge_invalid");
  // Nor does a payment challenge's code confirm anything twice.
  HttpClient alice("127.0.0.1", server_->port(), SmsLogin("alice01", kAliceMobile));
  HttpResult pending = Transfer(alice, "replay-1", alice_account_, bob_account_, "1000.00");
  ASSERT_EQ(pending.status, 202);
  std::string payment = std::to_string(pending.json().at("id").as_int64());
  before = SmsCount(kAliceMobile);
  HttpResult challenge =
      alice.Post("/api/v1/me/transfers/" + payment + "/challenge", R"({"tool":"sms"})");
  std::string confirm =
      json::serialize(json::object{{"challenge_id", challenge.json().at("challenge_id")},
                                   {"answer", SmsCode(kAliceMobile, before)}});
  EXPECT_EQ(alice.Post("/api/v1/me/transfers/" + payment + "/confirm", confirm).status, 201);
  HttpResult again = Transfer(alice, "replay-2", alice_account_, bob_account_, "1000.00");
  std::string second = std::to_string(again.json().at("id").as_int64());
  HttpResult reused = alice.Post("/api/v1/me/transfers/" + second + "/confirm", confirm);
  EXPECT_EQ(reused.status, 422);
  EXPECT_EQ(Balance(alice), "99000.00");
}

TEST_P(EbankingTest, FiveWrongPasswordsLockTheLogin) {
  std::string body =
      json::serialize(json::object{{"login_id", "alice01"}, {"password", "Wrong#2026"}});
  for (int i = 1; i <= 4; ++i) {
    HttpResult failed = anonymous_->Post("/api/v1/sessions", body);
    EXPECT_EQ(failed.status, 401);
    EXPECT_EQ(failed.json().at("code").as_string(), "login_failed");
    EXPECT_EQ(std::string(failed.json().at("detail").as_string()).find("lock") != std::string::npos,
              i >= 3);
  }
  EXPECT_EQ(anonymous_->Post("/api/v1/sessions", body).json().at("code").as_string(),
            "login_locked");
  HttpResult right = anonymous_->Post(
      "/api/v1/sessions",
      json::serialize(json::object{{"login_id", "alice01"}, {"password", kPassword}}));
  EXPECT_EQ(right.status, 401);
  EXPECT_EQ(right.json().at("code").as_string(), "login_locked");
  HttpResult unknown = anonymous_->Post(
      "/api/v1/sessions",
      json::serialize(json::object{{"login_id", "nobody1"}, {"password", kPassword}}));
  EXPECT_EQ(unknown.json().at("code").as_string(), "login_failed");
}

// A customer who forgot the password (or locked the login) resets it at the counter: the
// teller asks, a supervisor approves, and only then does the new password work, the lock
// lift and every session of theirs end.
TEST_P(EbankingTest, ACounterPasswordResetTakesEffectOnlyWhenApproved) {
  std::string token = SmsLogin("alice01", kAliceMobile);
  ASSERT_FALSE(token.empty());
  HttpClient alice = As(token);
  auto first_step = [&](const std::string& password) {
    return anonymous_->Post(
        "/api/v1/sessions",
        json::serialize(json::object{{"login_id", "alice01"}, {"password", password}}));
  };
  for (int i = 0; i < 5; ++i)
    first_step("Wrong#2026");
  EXPECT_EQ(first_step(kPassword).json().at("code").as_string(), "login_locked");

  const std::string path = "/api/v1/customers/" + alice_ + "/password-reset";
  HttpResult weak = teller_->Post(path, R"({"password":"123"})");
  EXPECT_EQ(weak.status, 400) << weak.body;
  EXPECT_EQ(teller_->Post(path, R"({"password":12345678})").status, 400);
  EXPECT_EQ(
      teller_->Post("/api/v1/customers/C999999999/password-reset", R"({"password":"Spring#2027"})")
          .status,
      404);
  HttpResult made = teller_->Post(path, R"({"password":"Spring#2027"})");
  ASSERT_EQ(made.status, 202) << made.body;
  EXPECT_EQ(made.json().at("kind").as_string(), "password_reset");
  EXPECT_EQ(made.body.find("Spring"), std::string::npos);
  HttpResult listed = supervisor_->Get("/api/v1/approvals");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body.find("argon2"), std::string::npos);  // Nor its hash.
  // Pending: still locked, the new password does not work, alice's session lives on.
  EXPECT_EQ(first_step("Spring#2027").json().at("code").as_string(), "login_locked");
  EXPECT_EQ(alice.Get("/api/v1/me").status, 200);

  Approve(made);
  EXPECT_EQ(alice.Get("/api/v1/me").status, 401);  // Every session ended.
  EXPECT_EQ(first_step(kPassword).json().at("code").as_string(), "login_failed");
  HttpResult fresh = first_step("Spring#2027");
  EXPECT_EQ(fresh.status, 201) << fresh.body;
}

TEST_P(EbankingTest, TotpCodeWorksOnceAndPasswordCardWorks) {
  HttpResult enrolled = teller_->Post("/api/v1/customers/" + alice_ + "/tools/totp", "");
  ASSERT_EQ(enrolled.status, 202) << enrolled.body;
  EXPECT_EQ(enrolled.json().at("kind").as_string(), "totp_enrol");
  EXPECT_EQ(enrolled.json().at("state").as_string(), "pending");
  EXPECT_TRUE(enrolled.json().at("qr_svg").as_string().starts_with("<svg"));
  // Nothing is the customer's until a supervisor approves.
  std::string before = AliceTools();
  EXPECT_EQ(before.find("totp"), std::string::npos) << before;
  HttpResult pending = supervisor_->Get("/api/v1/approvals");
  ASSERT_EQ(pending.status, 200);
  EXPECT_EQ(pending.body.find(std::string(enrolled.json().at("secret").as_string())),
            std::string::npos);  // The checker sees the request, never the seed.
  Approve(enrolled);
  EXPECT_NE(AliceTools().find("totp"), std::string::npos);
  std::string secret =
      security::Base32Decode(std::string(enrolled.json().at("secret").as_string())).value();
  std::string code;
  auto totp = [&](const std::string&) {
    code = security::Totp(secret, SystemClock::Instance().NowMs()).value();
    return code;
  };
  ASSERT_FALSE(Login("alice01", "totp", totp).empty()) << last_login_.body;
  EXPECT_TRUE(Login("alice01", "totp", [&](const std::string&) { return code; }).empty());
  EXPECT_EQ(last_login_.status, 401);
  EXPECT_EQ(last_login_.json().at("code").as_string(), "otp_replayed");

  HttpResult card = teller_->Post("/api/v1/customers/" + alice_ + "/tools/password-card", "");
  ASSERT_EQ(card.status, 202) << card.body;
  EXPECT_EQ(card.json().at("kind").as_string(), "password_card_issue");
  EXPECT_EQ(AliceTools().find("password_card"), std::string::npos);
  Approve(card);
  EXPECT_NE(AliceTools().find("password_card"), std::string::npos);
  std::string pdf_base64(card.json().at("pdf_base64").as_string());
  std::string pdf(pdf_base64.size() / 4 * 3, '\0');
  ASSERT_GT(EVP_DecodeBlock(reinterpret_cast<unsigned char*>(pdf.data()),
                            reinterpret_cast<const unsigned char*>(pdf_base64.data()),
                            static_cast<int>(pdf_base64.size())),
            0);
  EXPECT_TRUE(pdf.starts_with("%PDF-"));
  // Read the printed card as the customer would: rows 1-10, columns A-H.
  std::map<std::string, std::string> cells;
  std::istringstream printed(std::string(card.json().at("card").as_string()));
  std::string line;
  while (std::getline(printed, line)) {
    std::istringstream words(line);
    int row = 0;
    if (!(words >> row) || row < 1 || row > 10 || line.find("No.") != std::string::npos) continue;
    std::string value;
    for (char column = 'A'; column <= 'H' && words >> value; ++column) {
      cells[std::string(1, column) + std::to_string(row)] = value;
    }
  }
  ASSERT_EQ(cells.size(), 80u);
  auto card_answer = [&](const std::string& prompt) {
    std::istringstream wanted(prompt);
    std::string cell, answer;
    while (wanted >> cell)
      answer += cells[cell];
    return answer;
  };
  EXPECT_FALSE(Login("alice01", "password_card", card_answer).empty()) << last_login_.body;
  EXPECT_TRUE(
      Login("alice01", "password_card", [](const std::string&) { return "000000000"; }).empty());
}

TEST_P(EbankingTest, UkeyOnASoftHsmTokenLogsInAndSignsTransfersBoundToAmountAndPayee) {
  std::string token_dir = dir_ + "/token";
  std::string init = "'" + SourceDir() + "/scripts/softhsm-token.sh' init '" + token_dir +
                     "' alice-ukey 87654321 123456 > '" + dir_ + "/token.log' 2>&1";
  ASSERT_EQ(std::system(init.c_str()), 0);
  setenv("SOFTHSM2_CONF", (token_dir + "/softhsm2.conf").c_str(), 1);
  ukey::Pkcs11Token ukey(ukey::kSoftHsmModulePath, "alice-ukey");
  ASSERT_TRUE(ukey.Login("123456").ok());
  ASSERT_TRUE(ukey.GenerateKeyPair("ebank", "01").ok());
  auto public_key = ukey.PublicKey("ebank");
  ASSERT_TRUE(public_key.ok()) << public_key.status().ToString();
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, public_key->get());
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(size));
  BIO_free(bio);
  HttpResult certified = teller_->Post("/api/v1/customers/" + alice_ + "/tools/ukey",
                                       json::serialize(json::object{{"public_key_pem", pem}}));
  ASSERT_EQ(certified.status, 202) << certified.body;
  EXPECT_EQ(certified.json().at("kind").as_string(), "ukey_certify");
  EXPECT_FALSE(certified.json().at("certificate_der_hex").as_string().empty());
  EXPECT_EQ(AliceTools().find("ukey"), std::string::npos);  // Not hers until approved.
  Approve(certified);
  EXPECT_NE(AliceTools().find("ukey"), std::string::npos);
  auto sign = [&](const std::string& text) { return HexEncode(ukey.Sign("ebank", text).value()); };

  std::string session = Login("alice01", "ukey", sign);
  ASSERT_FALSE(session.empty()) << last_login_.body;
  HttpClient alice = As(session);
  // 20,000.00 is over the SMS tier: only the U-key may confirm it.
  HttpResult pending = Transfer(alice, "uk-1", alice_account_, bob_account_, "20000.00");
  ASSERT_EQ(pending.status, 202) << pending.body;
  EXPECT_EQ(pending.json().at("allowed_tools"), json::array{"ukey"});
  std::string payment = std::to_string(pending.json().at("id").as_int64());
  HttpResult other = Transfer(alice, "uk-2", alice_account_, bob_account_, "30000.00");
  ASSERT_EQ(other.status, 202);
  std::string other_payment = std::to_string(other.json().at("id").as_int64());

  HttpResult challenge =
      alice.Post("/api/v1/me/transfers/" + payment + "/challenge", R"({"tool":"ukey"})");
  ASSERT_EQ(challenge.status, 200) << challenge.body;
  std::string text(challenge.json().at("prompt").as_string());
  std::string id(challenge.json().at("challenge_id").as_string());
  EXPECT_NE(text.find("amount=20000.00"), std::string::npos);
  EXPECT_NE(text.find(bob_account_), std::string::npos);
  // This one comes from the customer-side tool, `ebank ukey sign`, on the same token.
  std::string command = "EBANK_UKEY_PIN=123456 '" + EbankBinary() +
                        "' ukey sign --token alice-ukey --text '" + text + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char line[512] = {};
  ASSERT_NE(fgets(line, sizeof(line), pipe), nullptr);
  EXPECT_EQ(pclose(pipe), 0) << line;
  std::string signature(line);
  while (!signature.empty() && signature.back() == '\n')
    signature.pop_back();
  // The signature for 20,000.00 to Bob cannot confirm 30,000.00.
  HttpResult swapped =
      alice.Post("/api/v1/me/transfers/" + other_payment + "/confirm",
                 json::serialize(json::object{{"challenge_id", id}, {"answer", signature}}));
  EXPECT_EQ(swapped.status, 422);
  EXPECT_EQ(swapped.json().at("code").as_string(), "challenge_mismatch");
  // Nor can a signature over an edited text.
  std::string edited = text;
  edited.replace(edited.find("20000.00"), 8, "20000.01");
  HttpResult forged =
      alice.Post("/api/v1/me/transfers/" + payment + "/confirm",
                 json::serialize(json::object{{"challenge_id", id}, {"answer", sign(edited)}}));
  EXPECT_EQ(forged.status, 422);
  EXPECT_EQ(Balance(alice), "100000.00");
  HttpResult confirmed =
      alice.Post("/api/v1/me/transfers/" + payment + "/confirm",
                 json::serialize(json::object{{"challenge_id", id}, {"answer", signature}}));
  ASSERT_EQ(confirmed.status, 201) << confirmed.body;
  EXPECT_EQ(confirmed.json().at("status").as_string(), "completed");
  EXPECT_EQ(Balance(alice), "80000.00");
  // The challenge is spent.
  EXPECT_EQ(alice
                .Post("/api/v1/me/transfers/" + other_payment + "/confirm",
                      json::serialize(json::object{{"challenge_id", id}, {"answer", signature}}))
                .status,
            422);
  unsetenv("SOFTHSM2_CONF");
  std::string remove =
      "'" + SourceDir() + "/scripts/softhsm-token.sh' remove '" + token_dir + "' >/dev/null 2>&1";
  EXPECT_EQ(std::system(remove.c_str()), 0);
}

TEST_P(EbankingTest, SmsConfirmedTransferAndLimitRefusal) {
  HttpClient alice = As(SmsLogin("alice01", kAliceMobile));
  HttpResult small = Transfer(alice, "s-1", alice_account_, bob_account_, "100.00");
  EXPECT_EQ(small.status, 201) << small.body;
  HttpResult pending = Transfer(alice, "s-2", alice_account_, bob_account_, "4900.00");
  ASSERT_EQ(pending.status, 202) << pending.body;
  std::string payment = std::to_string(pending.json().at("id").as_int64());
  size_t before = SmsCount(kAliceMobile);
  HttpResult challenge =
      alice.Post("/api/v1/me/transfers/" + payment + "/challenge", R"({"tool":"sms"})");
  ASSERT_EQ(challenge.status, 200) << challenge.body;
  std::string code = SmsCode(kAliceMobile, before);
  HttpResult done =
      alice.Post("/api/v1/me/transfers/" + payment + "/confirm",
                 json::serialize(json::object{{"challenge_id", challenge.json().at("challenge_id")},
                                              {"answer", code}}));
  ASSERT_EQ(done.status, 201) << done.body;
  // SMS allows 5,000.00 a day: 100.00 + 4,900.00 are spent, so the next one is refused.
  HttpResult more = Transfer(alice, "s-3", alice_account_, bob_account_, "200.00");
  ASSERT_EQ(more.status, 202);
  std::string next = std::to_string(more.json().at("id").as_int64());
  before = SmsCount(kAliceMobile);
  HttpResult second =
      alice.Post("/api/v1/me/transfers/" + next + "/challenge", R"({"tool":"sms"})");
  HttpResult refused =
      alice.Post("/api/v1/me/transfers/" + next + "/confirm",
                 json::serialize(json::object{{"challenge_id", second.json().at("challenge_id")},
                                              {"answer", SmsCode(kAliceMobile, before)}}));
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(refused.json().at("code").as_string(), "daily_limit_exceeded");
  EXPECT_EQ(Balance(alice), "95000.00");
  HttpClient bob = As(SmsLogin("bob0001", kBobMobile));
  EXPECT_EQ(Balance(bob), "5000.00");
}

TEST_P(EbankingTest, LimitsAreSetByTheBankAndShownToTheCustomer) {
  HttpClient& supervisor = *supervisor_;
  auto put = [&](HttpClient& staff, const std::string& target, const std::string& body) {
    return staff.Send("PUT", target, body, {{"Content-Type", "application/json"}});
  };
  std::string sms_limit = "/api/v1/customers/" + alice_ + "/limits/sms";
  EXPECT_EQ(put(*teller_, sms_limit, R"({"per_transaction":"300.00","daily":"300.00"})").status,
            403);
  EXPECT_EQ(put(supervisor, "/api/v1/products/DEMAND_CARD_I/limits/sms",
                R"({"per_transaction":"300.00","daily":"300.00"})")
                .status,
            403);  // Products are head office's.
  for (const char* bad :
       {R"({"per_transaction":"abc","daily":"300.00"})",
        R"({"per_transaction":"400.00","daily":"300.00"})", R"({"per_transaction":"300.00"})",
        R"({"per_transaction":"300.00","daily":"300.00","extra":1})"}) {
    HttpResult refused = put(supervisor, sms_limit, bad);
    EXPECT_EQ(refused.status, 400) << bad << " " << refused.body;
  }
  EXPECT_EQ(put(supervisor, "/api/v1/customers/" + alice_ + "/limits/pigeon",
                R"({"per_transaction":"1.00","daily":"1.00"})")
                .status,
            400);
  HttpResult set = put(supervisor, sms_limit, R"({"per_transaction":"300.00","daily":"300.00"})");
  ASSERT_EQ(set.status, 200) << set.body;

  HttpClient alice = As(SmsLogin("alice01", kAliceMobile));
  HttpResult limits = alice.Get("/api/v1/me/limits?account=" + alice_account_);
  ASSERT_EQ(limits.status, 200) << limits.body;
  bool seen_sms = false;
  json::value body = limits.json();  // Outlives the loop over its parts.
  for (const auto& item : body.at("limits").as_array()) {
    if (item.at("tool").as_string() != "sms") continue;
    seen_sms = true;
    EXPECT_EQ(item.at("per_transaction").as_string(), "300.00");
    EXPECT_EQ(item.at("remaining_today").as_string(), "300.00");
  }
  EXPECT_TRUE(seen_sms);
  // Above what her only second factor may do: refused at once, nothing moves.
  HttpResult refused = Transfer(alice, "lim-1", alice_account_, bob_account_, "400.00");
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(refused.json().at("code").as_string(), "limit_exceeded");
  EXPECT_EQ(Balance(alice), "100000.00");
  // Another customer's account is unknown to Bob.
  HttpClient bob = As(SmsLogin("bob0001", kBobMobile));
  EXPECT_EQ(bob.Get("/api/v1/me/limits?account=" + alice_account_).status, 404);
  EXPECT_EQ(bob.Get("/api/v1/me/limits").status, 400);
}

TEST_P(EbankingTest, AnotherCustomersAccountIsNotFoundAndBadBodiesChangeNothing) {
  HttpClient alice = As(SmsLogin("alice01", kAliceMobile));
  HttpResult peek = alice.Get("/api/v1/me/accounts/" + bob_account_ + "/transactions");
  EXPECT_EQ(peek.status, 404);
  EXPECT_EQ(peek.json().at("code").as_string(), "unknown_account");
  HttpResult steal = Transfer(alice, "x-1", bob_account_, alice_account_, "1.00");
  EXPECT_EQ(steal.status, 404);
  EXPECT_EQ(steal.json().at("code").as_string(), "unknown_account");
  EXPECT_EQ(alice.Get("/api/v1/me/transfers/1").status, 404);
  struct Case {
    std::string body;
    int status;
    std::string code;
  };
  std::vector<Case> cases = {
      {"{", 400, "malformed_json"},
      {"[]", 400, "malformed_json"},
      {R"({"from_account":")" + alice_account_ + R"(","to_account":")" + bob_account_ +
           R"(","amount":1,"currency":"CNY"})",
       400, "invalid_field"},
      {R"({"from_account":")" + alice_account_ + R"(","to_account":")" + bob_account_ +
           R"(","amount":"1.001","currency":"CNY"})",
       400, "invalid_amount"},
      {R"({"from_account":")" + alice_account_ + R"(","to_account":")" + bob_account_ +
           R"(","amount":"-1.00","currency":"CNY"})",
       400, "invalid_amount"},
      {R"({"from_account":")" + alice_account_ + R"(","to_account":")" + bob_account_ +
           R"(","amount":"99999999999999999999","currency":"CNY"})",
       400, "invalid_amount"},
      {R"({"from_account":")" + alice_account_ + R"(","to_account":")" + bob_account_ +
           R"(","amount":"1.00","currency":"USD"})",
       400, "currency_mismatch"},
      {R"({"from_account":")" + alice_account_ +
           R"(","to_account":"6225880000000000000","amount":"1.00","currency":"CNY"})",
       404, "unknown_payee_account"},
      {R"({"from_account":")" + alice_account_ + R"(","amount":"1.00","currency":"CNY"})", 400,
       "missing_field"},
      {R"({"from_account":")" + alice_account_ + R"(","to_account":")" + bob_account_ +
           R"(","amount":"1.00","currency":"CNY","x":1})",
       400, "unknown_field"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    HttpResult result = alice.Post("/api/v1/me/transfers", cases[i].body,
                                   {{"Idempotency-Key", "bad-" + std::to_string(i)}});
    EXPECT_EQ(result.status, cases[i].status) << cases[i].body << " " << result.body;
    EXPECT_EQ(result.json().at("code").as_string(), cases[i].code) << cases[i].body;
  }
  HttpResult no_key = alice.Post("/api/v1/me/transfers",
                                 json::serialize(json::object{{"from_account", alice_account_},
                                                              {"to_account", bob_account_},
                                                              {"amount", "1.00"},
                                                              {"currency", "CNY"}}));
  EXPECT_EQ(no_key.json().at("code").as_string(), "idempotency_key_required");
  EXPECT_EQ(
      alice.Post("/api/v1/me/transfers", std::string(80 * 1024, ' '), {{"Idempotency-Key", "big"}})
          .status,
      413);
  EXPECT_EQ(Balance(alice), "100000.00");
}

TEST_P(EbankingTest, IdempotentRetryReturnsTheSameTransfer) {
  HttpClient alice = As(SmsLogin("alice01", kAliceMobile));
  HttpResult first = Transfer(alice, "retry-1", alice_account_, bob_account_, "50.00");
  ASSERT_EQ(first.status, 201) << first.body;
  HttpResult again = Transfer(alice, "retry-1", alice_account_, bob_account_, "50.00");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.headers["Idempotent-Replayed"], "true");
  EXPECT_EQ(again.json().at("id"), first.json().at("id"));
  HttpResult changed = Transfer(alice, "retry-1", alice_account_, bob_account_, "60.00");
  EXPECT_EQ(changed.status, 422);
  EXPECT_EQ(changed.json().at("code").as_string(), "idempotency_key_reused");
  EXPECT_EQ(Balance(alice), "99950.00");
  // The history shows it once, newest first, with its time, direction and memo.
  HttpResult history = alice.Get("/api/v1/me/accounts/" + alice_account_ + "/transactions");
  ASSERT_EQ(history.status, 200) << history.body;
  json::value page = history.json();
  const json::array& rows = page.at("transactions").as_array();
  ASSERT_EQ(rows.size(), 2u);  // The funding, then the transfer.
  EXPECT_EQ(rows[0].at("transaction_id"), first.json().at("transaction_id"));
  EXPECT_EQ(rows[0].at("amount").as_string(), "-50.00");
  EXPECT_EQ(rows[0].at("direction").as_string(), "debit");
  EXPECT_EQ(rows[0].at("balance_after").as_string(), "99950.00");
  EXPECT_GT(rows[0].at("at_ms").as_int64(), 0);
  EXPECT_TRUE(rows[0].at("memo").is_string());
  EXPECT_EQ(rows[1].at("direction").as_string(), "credit");
  EXPECT_FALSE(page.as_object().contains("next_before"));  // One page holds both.
}

TEST_P(EbankingTest, CustomersListAndRevokeTheirSessions) {
  std::string phone = SmsLogin("alice01", kAliceMobile);
  std::string laptop = SmsLogin("alice01", kAliceMobile);
  HttpClient alice = As(laptop);
  HttpResult sessions = alice.Get("/api/v1/me/sessions");
  ASSERT_EQ(sessions.status, 200);
  json::value list = sessions.json().at("sessions");
  ASSERT_EQ(list.as_array().size(), 2u);
  std::string other;
  for (const auto& item : list.as_array()) {
    if (!item.at("current").as_bool()) other = std::string(item.at("id").as_string());
  }
  HttpClient bob = As(SmsLogin("bob0001", kBobMobile));
  EXPECT_EQ(bob.Send("DELETE", "/api/v1/me/sessions/" + other, "", {}).status, 404);
  EXPECT_EQ(As(phone).Get("/api/v1/me").status, 200);
  EXPECT_EQ(alice.Send("DELETE", "/api/v1/me/sessions/" + other, "", {}).status, 204);
  EXPECT_EQ(As(phone).Get("/api/v1/me").status, 401);
  EXPECT_EQ(alice.Get("/api/v1/me").status, 200);
}

TEST_P(EbankingTest, BrowserCookieSessionsNeedTheCsrfTokenToChangeAnything) {
  ASSERT_FALSE(SmsLogin("alice01", kAliceMobile).empty());
  const std::string& cookies = last_login_.headers["Set-Cookie"];
  EXPECT_NE(cookies.find("ebank_session="), std::string::npos);
  EXPECT_NE(cookies.find("HttpOnly; Secure; SameSite=Strict"), std::string::npos) << cookies;
  std::string token(last_login_.json().at("token").as_string());
  std::string csrf(last_login_.json().at("csrf_token").as_string());
  std::string cookie = "ebank_session=" + token + "; ebank_csrf=" + csrf;
  HttpClient browser("127.0.0.1", server_->port());
  EXPECT_EQ(browser.Send("GET", "/api/v1/me", "", {{"Cookie", cookie}}).status, 200);
  std::string payee =
      json::serialize(json::object{{"name", "Bob"}, {"account_number", bob_account_}});
  HttpResult forged = browser.Send("POST", "/api/v1/me/payees", payee, {{"Cookie", cookie}});
  EXPECT_EQ(forged.status, 403);
  EXPECT_EQ(forged.json().at("code").as_string(), "csrf_failed");
  EXPECT_EQ(browser
                .Send("POST", "/api/v1/me/payees", payee,
                      {{"Cookie", cookie}, {"X-CSRF-Token", "x" + csrf.substr(1)}})
                .status,
            403);
  EXPECT_EQ(
      browser.Send("POST", "/api/v1/me/payees", payee, {{"Cookie", cookie}, {"X-CSRF-Token", csrf}})
          .status,
      201);
  HttpResult logout = browser.Send("DELETE", "/api/v1/me/sessions/current", "",
                                   {{"Cookie", cookie}, {"X-CSRF-Token", csrf}});
  EXPECT_EQ(logout.status, 204);
  EXPECT_NE(logout.headers["Set-Cookie"].find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(browser.Send("GET", "/api/v1/me", "", {{"Cookie", cookie}}).status, 401);
}

TEST_P(EbankingTest, SavedPayeesAndLoginHistory) {
  HttpClient alice = As(SmsLogin("alice01", kAliceMobile));
  std::string body =
      json::serialize(json::object{{"name", "Bob"}, {"account_number", bob_account_}});
  HttpResult added = alice.Post("/api/v1/me/payees", body);
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(alice.Post("/api/v1/me/payees", body).json().at("code").as_string(), "payee_exists");
  EXPECT_EQ(alice
                .Post("/api/v1/me/payees",
                      json::serialize(json::object{{"name", "X"}, {"account_number", "1"}}))
                .status,
            404);
  EXPECT_EQ(alice.Get("/api/v1/me/payees").json().at("payees").as_array().size(), 1u);
  std::string id = std::to_string(added.json().at("id").as_int64());
  HttpClient bob = As(SmsLogin("bob0001", kBobMobile));
  EXPECT_EQ(bob.Send("DELETE", "/api/v1/me/payees/" + id, "", {}).status, 404);
  EXPECT_EQ(alice.Send("DELETE", "/api/v1/me/payees/" + id, "", {}).status, 204);
  EXPECT_EQ(alice.Get("/api/v1/me/payees").json().at("payees").as_array().size(), 0u);

  HttpResult logins = alice.Get("/api/v1/me/logins");
  ASSERT_EQ(logins.status, 200);
  json::value list = logins.json().at("logins");
  ASSERT_GE(list.as_array().size(), 2u);
  EXPECT_EQ(list.as_array()[0].at("step").as_string(), "login.second_factor");
  EXPECT_EQ(list.as_array()[0].at("tool").as_string(), "sms");
  EXPECT_EQ(list.as_array()[1].at("step").as_string(), "login.password");
}

TEST_P(EbankingTest, SelfSignUpProvesOwnershipWithTheRegisteredMobile) {
  HttpResult customer = teller_->Post(
      "/api/v1/customers",
      json::serialize(json::object{
          {"name", "丙"}, {"id_number", "110101199003070011"}, {"mobile", "13700137000"}}));
  ASSERT_EQ(customer.status, 201);
  std::string number(customer.json().at("number").as_string());
  HttpResult opened =
      teller_->Post("/api/v1/customers/" + number + "/accounts", R"({"product":"DEMAND_CARD_I"})");
  std::string account(opened.json().at("number").as_string());
  auto start = [&](const std::string& id_number, const std::string& mobile) {
    return anonymous_->Post(
        "/api/v1/signup",
        json::serialize(json::object{
            {"account_number", account}, {"id_number", id_number}, {"mobile", mobile}}));
  };
  EXPECT_EQ(start("110101199003070011", "13700137001").json().at("code").as_string(),
            "verification_failed");
  EXPECT_EQ(start(kAliceId, "13700137000").json().at("code").as_string(), "verification_failed");
  size_t before = SmsCount("13700137000");
  HttpResult ticket = start("110101199003070011", "13700137000");
  ASSERT_EQ(ticket.status, 201) << ticket.body;
  std::string code = SmsCode("13700137000", before);
  json::object finish{{"ticket", ticket.json().at("ticket")},
                      {"code", code == "000000" ? "111111" : "000000"},
                      {"login_id", "carol01"},
                      {"password", kPassword},
                      {"reserved_info", "秋月"}};
  EXPECT_EQ(anonymous_->Post("/api/v1/signup/verify", json::serialize(finish)).status, 422);
  finish["code"] = code;
  HttpResult done = anonymous_->Post("/api/v1/signup/verify", json::serialize(finish));
  ASSERT_EQ(done.status, 201) << done.body;
  HttpResult login = anonymous_->Post(
      "/api/v1/sessions",
      json::serialize(json::object{{"login_id", "carol01"}, {"password", kPassword}}));
  EXPECT_EQ(login.status, 201);
  EXPECT_EQ(login.json().at("reserved_info").as_string(), "秋月");
  EXPECT_EQ(start("110101199003070011", "13700137000").json().at("code").as_string(),
            "already_signed");
}

TEST_P(EbankingTest, EncryptedPasswordLogsInOnceAndRefusalsDoNotCountAsWrongPasswords) {
  // What the web page does (SEC-9): fetch the key and a nonce, encrypt, send the ciphertext.
  auto sealed_login = [&](const std::string& password) {
    HttpResult key = anonymous_->Get("/api/v1/sessions/password-key");
    EXPECT_EQ(key.status, 200) << key.body;
    EXPECT_EQ(key.json().at("algorithm").as_string(), "RSA-OAEP-256");
    std::string spki_base64(key.json().at("spki_base64").as_string());
    std::string spki(3 * spki_base64.size() / 4, '\0');
    int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(spki.data()),
                                 reinterpret_cast<const unsigned char*>(spki_base64.data()),
                                 static_cast<int>(spki_base64.size()));
    EXPECT_GT(length, 0);
    spki.resize(static_cast<size_t>(length) -
                std::count(spki_base64.begin(), spki_base64.end(), '='));
    auto sealed = security::EncryptPasswordForTransport(
        spki, password, std::string(key.json().at("nonce").as_string()));
    EXPECT_TRUE(sealed.ok()) << sealed.status().ToString();
    return json::object{{"login_id", "alice01"},
                        {"password_encrypted", sealed.ok() ? *sealed : ""},
                        {"key_id", key.json().at("key_id")}};
  };
  auto code = [](const HttpResult& result) {
    return std::string(result.json().at("code").as_string());
  };

  std::string body = json::serialize(sealed_login(kPassword));
  HttpResult login = anonymous_->Post("/api/v1/sessions", body);
  ASSERT_EQ(login.status, 201) << login.body;
  EXPECT_EQ(login.json().at("reserved_info").as_string(), "春天的花");
  HttpResult replay = anonymous_->Post("/api/v1/sessions", body);
  EXPECT_EQ(replay.status, 400);
  EXPECT_EQ(code(replay), "password_nonce_reused");

  // Five refusals of each kind, and the login is not locked: none reached the password check.
  for (int i = 0; i < 5; ++i) {
    json::object other_key = sealed_login(kPassword);
    other_key["key_id"] = "0000000000000000";
    HttpResult refused = anonymous_->Post("/api/v1/sessions", json::serialize(other_key));
    EXPECT_EQ(refused.status, 400);
    EXPECT_EQ(code(refused), "password_key_unknown");
    json::object tampered = sealed_login(kPassword);
    std::string ciphertext(tampered["password_encrypted"].as_string());
    ciphertext[10] = ciphertext[10] == 'A' ? 'B' : 'A';
    tampered["password_encrypted"] = ciphertext;
    refused = anonymous_->Post("/api/v1/sessions", json::serialize(tampered));
    EXPECT_EQ(refused.status, 400);
    EXPECT_EQ(code(refused), "password_undecryptable");
    EXPECT_EQ(code(anonymous_->Post("/api/v1/sessions", body)), "password_nonce_reused");
  }
  json::object both = sealed_login(kPassword);
  both["password"] = kPassword;
  EXPECT_EQ(anonymous_->Post("/api/v1/sessions", json::serialize(both)).status, 400);
  // A wrong password that arrives encrypted is a wrong password like any other.
  HttpResult wrong =
      anonymous_->Post("/api/v1/sessions", json::serialize(sealed_login("Wrong#2026")));
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(code(wrong), "login_failed");
  // API clients may still send the password in clear; the whole login still works.
  HttpResult plain = anonymous_->Post(
      "/api/v1/sessions",
      json::serialize(json::object{{"login_id", "alice01"}, {"password", kPassword}}));
  EXPECT_EQ(plain.status, 201) << plain.body;
  EXPECT_FALSE(SmsLogin("alice01", kAliceMobile).empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, EbankingTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ebank::testing

namespace ebank::testing {
namespace {

// "YYYY-MM-DD" in China Standard Time, `days_ahead` from now (the server's own clock).
std::string CstDate(int days_ahead, bool first_of_next_month = false) {
  using namespace std::chrono;
  year_month_day day{floor<days>(system_clock::now() + hours(8)) + days(days_ahead)};
  if (first_of_next_month)
    day = year_month_day{day.year(), day.month(), std::chrono::day(1)} + months(1);
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(day.year()),
                static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
  return text;
}

TEST_P(EbankingTest, ScheduledTransfersAreAuthenticatedAtSetupAndRunOnTheirDay) {
  HttpClient alice = As(SmsLogin("alice01", kAliceMobile));
  auto body = [&](const std::string& amount, const std::string& first, const std::string& frequency,
                  json::object extra = {}) {
    json::object out{{"from_account", alice_account_},
                     {"to_account", bob_account_},
                     {"amount", amount},
                     {"currency", "CNY"},
                     {"first_date", first},
                     {"frequency", frequency}};
    for (const auto& field : extra)
      out[field.key()] = field.value();
    return json::serialize(out);
  };
  auto post = [&](const std::string& key, const std::string& text) {
    return alice.Post("/api/v1/me/scheduled-transfers", text, {{"Idempotency-Key", key}});
  };
  // Strict validation: each a 4xx that sets nothing up.
  EXPECT_EQ(alice.Post("/api/v1/me/scheduled-transfers", body("10.00", CstDate(1), "once")).status,
            400);
  for (const auto& [text, code] : std::vector<std::pair<std::string, std::string>>{
           {body("10.00", "2020-01-01", "once"), "date_in_past"},
           {body("10.00", "2027-02-30", "once"), "invalid_date"},
           {body("10.00", CstDate(1), "daily"), "invalid_frequency"},
           {body("0.00", CstDate(1), "once"), "invalid_amount"},
           {body("10.00", CstDate(1), "weekly", {{"count", 0}}), "invalid_count"},
           {body("10.00", CstDate(1), "weekly", {{"count", 121}}), "invalid_count"},
           {body("10.00", CstDate(1), "once", {{"count", 2}}), "invalid_end"},
       }) {
    HttpResult refused = post("bad-" + code, text);
    EXPECT_EQ(refused.status, 400) << text << " " << refused.body;
    EXPECT_EQ(refused.json().at("code").as_string(), code) << refused.body;
  }
  EXPECT_EQ(post("bad-field", body("10.00", CstDate(1), "once", {{"weekday", 3}})).status, 400);
  EXPECT_EQ(alice.Get("/api/v1/me/scheduled-transfers")
                .json()
                .at("scheduled_transfers")
                .as_array()
                .size(),
            0u);

  // 3,000.00 today: the SMS challenge at setup, then the scheduler pays it with none.
  HttpResult pending = post("sched-1", body("3000.00", CstDate(0), "once"));
  ASSERT_EQ(pending.status, 202) << pending.body;
  EXPECT_EQ(json::serialize(pending.json().at("allowed_tools")), R"(["sms"])");
  std::string id = std::to_string(pending.json().at("id").as_int64());
  HttpResult replay = post("sched-1", body("3000.00", CstDate(0), "once"));
  EXPECT_EQ(replay.status, 200);
  EXPECT_EQ(replay.headers["Idempotent-Replayed"], "true");
  size_t before = SmsCount(kAliceMobile);
  HttpResult challenge =
      alice.Post("/api/v1/me/scheduled-transfers/" + id + "/challenge", R"({"tool":"sms"})");
  ASSERT_EQ(challenge.status, 200) << challenge.body;
  std::string code = SmsCode(kAliceMobile, before);
  // Bob sees nothing of it.
  HttpClient bob = As(SmsLogin("bob0001", kBobMobile));
  EXPECT_EQ(bob.Get("/api/v1/me/scheduled-transfers/" + id).status, 404);
  EXPECT_EQ(bob.Send("DELETE", "/api/v1/me/scheduled-transfers/" + id, "", {}).status, 404);
  EXPECT_EQ(bob.Post("/api/v1/me/scheduled-transfers/" + id + "/confirm",
                     json::serialize(json::object{
                         {"challenge_id", challenge.json().at("challenge_id")}, {"answer", code}}))
                .status,
            404);
  HttpResult confirmed =
      alice.Post("/api/v1/me/scheduled-transfers/" + id + "/confirm",
                 json::serialize(json::object{{"challenge_id", challenge.json().at("challenge_id")},
                                              {"answer", code}}));
  ASSERT_EQ(confirmed.status, 201) << confirmed.body;
  EXPECT_EQ(confirmed.json().at("status").as_string(), "active");
  EXPECT_EQ(confirmed.json().at("tool").as_string(), "sms");
  json::value done;
  for (int tries = 0; tries < 300; ++tries) {  // The scheduler ticks once a second.
    done = alice.Get("/api/v1/me/scheduled-transfers/" + id).json();
    if (done.at("status").as_string() == "finished") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(done.at("status").as_string(), "finished") << json::serialize(done);
  ASSERT_EQ(done.at("runs").as_array().size(), 1u);
  EXPECT_EQ(done.at("runs").as_array()[0].at("status").as_string(), "completed");
  EXPECT_TRUE(done.at("next_date").is_null());
  EXPECT_EQ(Balance(bob), "3000.00");

  // A standing order on the first of each month, cancelled before it runs.
  HttpResult monthly = post("sched-2", body("50.00", CstDate(0, true), "monthly", {{"count", 12}}));
  ASSERT_EQ(monthly.status, 201) << monthly.body;
  std::string monthly_id = std::to_string(monthly.json().at("id").as_int64());
  EXPECT_EQ(monthly.json().at("next_date").as_string(), CstDate(0, true));
  HttpResult list = alice.Get("/api/v1/me/scheduled-transfers");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json().at("scheduled_transfers").as_array().size(), 2u);
  EXPECT_EQ(alice.Send("DELETE", "/api/v1/me/scheduled-transfers/" + monthly_id, "", {}).status,
            204);
  HttpResult cancelled = alice.Get("/api/v1/me/scheduled-transfers/" + monthly_id);
  EXPECT_EQ(cancelled.json().at("status").as_string(), "cancelled");
  EXPECT_TRUE(cancelled.json().at("next_date").is_null());
  EXPECT_EQ(alice.Send("DELETE", "/api/v1/me/scheduled-transfers/" + id, "", {}).status, 422);
  EXPECT_EQ(Balance(alice), "97000.00");
}

}  // namespace
}  // namespace ebank::testing
