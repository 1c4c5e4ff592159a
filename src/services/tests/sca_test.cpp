// E-banking sign-up, the login ladder with every second factor, and payments with limits
// and dynamic linking, on both backends.
#include <fmt/format.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <fstream>
#include <thread>
#include <vector>

#include "security/password_card.h"
#include "security/totp.h"
#include "services/tests/scaffold.h"
#include "testing/testing.h"

namespace ebank::services {
namespace {

constexpr const char* kAliceId = "11010519491231002X";
constexpr const char* kBobId = "440524188001010014";
constexpr const char* kAliceMobile = "13800138000";
constexpr const char* kBobMobile = "13900139000";

// A software stand-in for a U-key's key pair (the real token is tested in src/ukey and the
// HTTP tests).
struct SoftKey {
  SoftKey() {
    EVP_PKEY_CTX* context = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
    EVP_PKEY_keygen_init(context);
    EVP_PKEY_CTX_set_group_name(context, "P-256");
    EVP_PKEY_generate(context, &key);
    EVP_PKEY_CTX_free(context);
  }
  ~SoftKey() { EVP_PKEY_free(key); }
  std::string PublicPem() const {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key);
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<size_t>(size));
    BIO_free(bio);
    return pem;
  }
  // Hex DER ECDSA-SHA256 signature.
  std::string Sign(const std::string& message) const {
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    EVP_DigestSignInit(context, nullptr, EVP_sha256(), nullptr, key);
    size_t size = 0;
    EVP_DigestSign(context, nullptr, &size, reinterpret_cast<const unsigned char*>(message.data()),
                   message.size());
    std::string signature(size, '\0');
    EVP_DigestSign(context, reinterpret_cast<unsigned char*>(signature.data()), &size,
                   reinterpret_cast<const unsigned char*>(message.data()), message.size());
    EVP_MD_CTX_free(context);
    signature.resize(size);
    std::string hex;
    for (unsigned char c : signature)
      hex += fmt::format("{:02x}", c);
    return hex;
  }
  EVP_PKEY* key = nullptr;
};

class ScaTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    alice_account_ = bank_.Customer(kAliceId, kAliceMobile, "alice01", 10000000, &alice_);
    bob_account_ = bank_.Customer(kBobId, kBobMobile, "bob0001", 0, &bob_);
  }
  void TearDown() override { bank_.env().Verify(); }

  // The codes of a card challenge, read off the customer's card as she would.
  std::string CardAnswer(int64_t customer_id, const std::string& challenge) {
    std::string sealed;
    EXPECT_TRUE(bank_.db()
                    .Read([&](store::SqlSession& sql) {
                      auto rows = sql.Query(
                          "SELECT secret FROM credentials WHERE customer_id = ? AND kind = "
                          "'password_card' AND state = 'active'",
                          {customer_id});
                      if (!rows.ok()) return rows.status();
                      sealed = rows->Text(0, 0);
                      return Status::Ok();
                    })
                    .ok());
    auto card = security::PasswordCard::Parse(bank_.secrets().Open(sealed).value());
    auto cells = security::ParseChallenge(challenge);
    std::string answer;
    for (const auto& cell : cells->cells)
      answer += fmt::format("{:03d}", card->code(cell));
    return answer;
  }

  std::string TotpSecret(int64_t customer_id) {
    std::string sealed;
    EXPECT_TRUE(bank_.db()
                    .Read([&](store::SqlSession& sql) {
                      auto rows = sql.Query(
                          "SELECT secret FROM credentials WHERE customer_id = ? AND kind = 'totp' "
                          "AND state = 'active'",
                          {customer_id});
                      if (!rows.ok()) return rows.status();
                      sealed = rows->Text(0, 0);
                      return Status::Ok();
                    })
                    .ok());
    return bank_.secrets().Open(sealed).value();
  }

  // SMS alerts to `customer_id` from this amount on.
  void SetAlertThreshold(int64_t customer_id, int64_t minor) {
    ASSERT_TRUE(bank_.db()
                    .Transaction([&](store::SqlSession& sql) {
                      return sql.Exec(
                          "UPDATE signings SET alert_threshold_minor = ? WHERE customer_id = ?",
                          {minor, customer_id});
                    })
                    .ok());
  }

  Result<Payment> Transfer(const std::string& key, const std::string& to, int64_t amount) {
    return bank_.payments.Create(
        {alice_, key, alice_account_.number, to, amount, Currency::Cny(), "", "web"});
  }

  Bank bank_{GetParam()};
  int64_t alice_ = 0, bob_ = 0;
  BankAccount alice_account_, bob_account_;
};

TEST_P(ScaTest, SignUpIsOncePerCustomerAndLoginId) {
  auto record = bank_.signing.Get(alice_);
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->reserved_info, "春天的花");
  EXPECT_EQ(record->tools, std::vector<Tool>{Tool::kSms});
  EXPECT_EQ(bank_.signing.SignUp(alice_, {"alice02", "Secret#2026", "x", {"web"}, 0}).reason(),
            "already_signed");
  int64_t carol =
      bank_.customers
          .Create({CustomerKind::kIndividual, "丙", "110101199003070011", "13700137000", ""})
          ->id;
  EXPECT_EQ(bank_.signing.SignUp(carol, {"alice01", "Secret#2026", "x", {"web"}, 0}).reason(),
            "login_id_taken");
  EXPECT_EQ(bank_.signing.SignUp(carol, {"carol01", "password", "x", {"web"}, 0}).reason(),
            "weak_password");
  EXPECT_EQ(bank_.signing.SignUp(carol, {"carol01", "Secret#2026", "", {"web"}, 0}).reason(),
            "invalid_reserved_info");
  EXPECT_EQ(bank_.signing.SignUp(carol, {"carol01", "Secret#2026", "x", {"fax"}, 0}).reason(),
            "invalid_channel");
  EXPECT_EQ(bank_.signing.Get(carol).status().reason(), "not_signed");
}

TEST_P(ScaTest, LoginWithSmsShowsReservedInfoAndLocksAfterFiveFailures) {
  auto start = bank_.signing.StartLogin("alice01", "Secret#2026");
  ASSERT_TRUE(start.ok()) << start.status().ToString();
  EXPECT_EQ(start->reserved_info, "春天的花");
  auto challenge = bank_.signing.LoginChallenge(start->ticket, Tool::kSms);
  ASSERT_TRUE(challenge.ok()) << challenge.status().ToString();
  EXPECT_EQ(challenge->prompt, "138****8000");
  std::string code = bank_.LastCode(kAliceMobile);
  ASSERT_EQ(code.size(), 6u);
  EXPECT_EQ(bank_.signing.LoginChallenge(start->ticket, Tool::kTotp).status().reason(),
            "tool_not_held");
  std::string wrong = code == "000000" ? "111111" : "000000";
  EXPECT_EQ(bank_.signing.FinishLogin(start->ticket, wrong, "t").status().reason(), "wrong_answer");
  auto token = bank_.signing.FinishLogin(start->ticket, code, "t");
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_EQ(bank_.sessions.Authenticate(*token)->subject_id, alice_);
  // The ticket and the code are spent.
  EXPECT_EQ(bank_.signing.FinishLogin(start->ticket, code, "t").status().reason(),
            "challenge_invalid");

  // Failures never say which part was wrong; the last two warn; the fifth locks.
  EXPECT_EQ(bank_.signing.StartLogin("nobody1", "Secret#2026").status().reason(), "login_failed");
  for (int i = 1; i <= 4; ++i) {
    auto failed = bank_.signing.StartLogin("alice01", "Wrong#2026");
    EXPECT_EQ(failed.status().reason(), "login_failed");
    EXPECT_EQ(failed.status().message().find("will lock") != std::string::npos, i >= 3) << i;
  }
  EXPECT_EQ(bank_.signing.StartLogin("alice01", "Wrong#2026").status().reason(), "login_locked");
  EXPECT_EQ(bank_.signing.StartLogin("alice01", "Secret#2026").status().reason(), "login_locked");
  bank_.env().clock().Advance(kCustomerLoginLockMs);
  EXPECT_TRUE(bank_.signing.StartLogin("alice01", "Secret#2026").ok());
}

TEST_P(ScaTest, ThreeWrongSmsCodesSpendTheTicket) {
  auto start = bank_.signing.StartLogin("alice01", "Secret#2026");
  ASSERT_TRUE(bank_.signing.LoginChallenge(start->ticket, Tool::kSms).ok());
  std::string code = bank_.LastCode(kAliceMobile);
  std::string wrong = code == "000000" ? "111111" : "000000";
  for (int i = 0; i < kChallengeAttemptsMax; ++i) {
    EXPECT_EQ(bank_.signing.FinishLogin(start->ticket, wrong, "t").status().reason(),
              "wrong_answer");
  }
  EXPECT_EQ(bank_.signing.FinishLogin(start->ticket, code, "t").status().reason(),
            "challenge_invalid");
  // Asking for a new code does not give more tries on the same ticket.
  EXPECT_EQ(bank_.signing.LoginChallenge(start->ticket, Tool::kSms).status().reason(),
            "challenge_invalid");
}

TEST_P(ScaTest, LoginWithTotpAcceptsACodeOnce) {
  auto enrolment = bank_.signing.EnrolTotp(alice_);
  ASSERT_TRUE(enrolment.ok()) << enrolment.status().ToString();
  EXPECT_EQ(enrolment->otpauth_uri.rfind("otpauth://totp/", 0), 0u);
  std::string secret = TotpSecret(alice_);
  EXPECT_EQ(security::Base32Encode(secret), enrolment->secret_base32);
  std::string code = security::Totp(secret, bank_.env().clock().NowMs()).value();
  auto start = bank_.signing.StartLogin("alice01", "Secret#2026");
  EXPECT_EQ(start->tools, (std::vector<Tool>{Tool::kSms, Tool::kTotp}));
  ASSERT_TRUE(bank_.signing.LoginChallenge(start->ticket, Tool::kTotp).ok());
  ASSERT_TRUE(bank_.signing.FinishLogin(start->ticket, code, "t").ok());
  auto again = bank_.signing.StartLogin("alice01", "Secret#2026");
  ASSERT_TRUE(bank_.signing.LoginChallenge(again->ticket, Tool::kTotp).ok());
  EXPECT_EQ(bank_.signing.FinishLogin(again->ticket, code, "t").status().reason(), "otp_replayed");
}

TEST_P(ScaTest, LoginWithPasswordCardAndUkey) {
  auto card = bank_.signing.IssuePasswordCard(alice_);
  ASSERT_TRUE(card.ok()) << card.status().ToString();
  auto start = bank_.signing.StartLogin("alice01", "Secret#2026");
  auto cells = bank_.signing.LoginChallenge(start->ticket, Tool::kPasswordCard);
  ASSERT_TRUE(cells.ok()) << cells.status().ToString();
  ASSERT_TRUE(
      bank_.signing.FinishLogin(start->ticket, CardAnswer(alice_, cells->prompt), "t").ok());

  SoftKey key;
  auto certificate = bank_.signing.IssueUkeyCertificate(alice_, key.PublicPem());
  ASSERT_TRUE(certificate.ok()) << certificate.status().ToString();
  EXPECT_EQ(bank_.signing.IssueUkeyCertificate(alice_, "not a key").status().reason(),
            "invalid_public_key");
  auto second = bank_.signing.StartLogin("alice01", "Secret#2026");
  auto text = bank_.signing.LoginChallenge(second->ticket, Tool::kUkey);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  SoftKey thief;
  EXPECT_EQ(
      bank_.signing.FinishLogin(second->ticket, thief.Sign(text->prompt), "t").status().reason(),
      "wrong_answer");
  EXPECT_TRUE(bank_.signing.FinishLogin(second->ticket, key.Sign(text->prompt), "t").ok());
}

TEST_P(ScaTest, OwnAndSmallTransfersNeedNoChallenge) {
  auto savings = bank_.customers.OpenAccount(alice_, "DEMAND_CARD_II", alice_account_.number);
  ASSERT_TRUE(savings.ok());
  auto own = Transfer("own-1", savings->number, 5000000);
  ASSERT_TRUE(own.ok()) << own.status().ToString();
  EXPECT_EQ(own->status, "completed");
  auto small = Transfer("small-1", bob_account_.number, 10000);
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  EXPECT_EQ(small->status, "completed");
  EXPECT_EQ(bank_.env().Balance(bob_account_.ledger_account), 10000);
  EXPECT_EQ(bank_.env().Balance(savings->ledger_account), 5000000);
}

TEST_P(ScaTest, SmallTransfersWithoutAChallengeCountAgainstThePasswordTier) {
  // 1,000.00 a day without a second factor: ten transfers of 100.00, then no more.
  for (int i = 0; i < 10; ++i) {
    auto paid = Transfer("small-" + std::to_string(i), bob_account_.number, 10000);
    ASSERT_TRUE(paid.ok()) << paid.status().ToString();
    EXPECT_EQ(paid->status, "completed");
  }
  auto refused = Transfer("small-10", bob_account_.number, 10000);
  EXPECT_EQ(refused.status().reason(), "daily_limit_exceeded");
  EXPECT_EQ(bank_.env().Balance(bob_account_.ledger_account), 100000);
  // Own-account transfers are not limited.
  auto savings = bank_.customers.OpenAccount(alice_, "DEMAND_CARD_II", alice_account_.number);
  ASSERT_TRUE(savings.ok());
  EXPECT_TRUE(Transfer("own-after", savings->number, 10000).ok());
}

TEST_P(ScaTest, LargeTransferNeedsAChallengeBoundToItsAmountAndPayee) {
  auto payment = Transfer("big-1", bob_account_.number, 300000);
  ASSERT_TRUE(payment.ok()) << payment.status().ToString();
  EXPECT_EQ(payment->status, "sca_required");
  EXPECT_EQ(payment->allowed_tools, std::vector<Tool>{Tool::kSms});
  EXPECT_EQ(bank_.env().Balance(bob_account_.ledger_account), 0);
  auto other = Transfer("big-2", bob_account_.number, 400000);
  ASSERT_TRUE(other.ok());

  auto challenge = bank_.payments.Challenge(alice_, payment->id, Tool::kSms);
  ASSERT_TRUE(challenge.ok()) << challenge.status().ToString();
  std::string code = bank_.LastCode(kAliceMobile);
  EXPECT_NE(bank_.sms.messages.back().second.find("3000.00 CNY"), std::string::npos)
      << bank_.sms.messages.back().second;
  // The code answers this payment's challenge, not another payment's.
  EXPECT_EQ(bank_.payments.Confirm(alice_, other->id, challenge->id, code).status().reason(),
            "challenge_mismatch");
  // Nor does another customer get anywhere with it.
  EXPECT_EQ(bank_.payments.Confirm(bob_, payment->id, challenge->id, code).status().reason(),
            "unknown_payment");
  auto done = bank_.payments.Confirm(alice_, payment->id, challenge->id, code);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->status, "completed");
  EXPECT_EQ(done->tool, "sms");
  EXPECT_EQ(bank_.env().Balance(bob_account_.ledger_account), 300000);
  // A second confirmation changes nothing.
  EXPECT_TRUE(bank_.payments.Confirm(alice_, payment->id, challenge->id, code)->replayed);
  EXPECT_EQ(bank_.env().Balance(bob_account_.ledger_account), 300000);

  // SMS allows 5,000 a day: 3,000 are used, so 4,000 more fail and move nothing.
  auto second = bank_.payments.Challenge(alice_, other->id, Tool::kSms);
  ASSERT_TRUE(second.ok());
  auto refused =
      bank_.payments.Confirm(alice_, other->id, second->id, bank_.LastCode(kAliceMobile));
  EXPECT_EQ(refused.status().reason(), "daily_limit_exceeded");
  EXPECT_EQ(bank_.payments.Get(alice_, other->id)->status, "failed");
  EXPECT_EQ(bank_.env().Balance(bob_account_.ledger_account), 300000);
  // A new day, a new limit.
  bank_.env().clock().Advance(24LL * 3600 * 1000);
  auto tomorrow = Transfer("big-3", bob_account_.number, 400000);
  auto third = bank_.payments.Challenge(alice_, tomorrow->id, Tool::kSms);
  EXPECT_TRUE(
      bank_.payments.Confirm(alice_, tomorrow->id, third->id, bank_.LastCode(kAliceMobile)).ok());
}

TEST_P(ScaTest, UkeySignatureCoversAmountAndPayee) {
  SoftKey key;
  ASSERT_TRUE(bank_.signing.IssueUkeyCertificate(alice_, key.PublicPem()).ok());
  auto payment = Transfer("uk-1", bob_account_.number, 2000000);  // Over SMS's limit.
  ASSERT_TRUE(payment.ok());
  EXPECT_EQ(payment->allowed_tools, std::vector<Tool>{Tool::kUkey});
  EXPECT_EQ(bank_.payments.Challenge(alice_, payment->id, Tool::kSms).status().reason(),
            "tool_limit_exceeded");
  auto challenge = bank_.payments.Challenge(alice_, payment->id, Tool::kUkey);
  ASSERT_TRUE(challenge.ok()) << challenge.status().ToString();
  EXPECT_NE(challenge->prompt.find("amount=20000.00"), std::string::npos) << challenge->prompt;
  EXPECT_NE(challenge->prompt.find(bob_account_.number), std::string::npos);
  // A signature over the same challenge with another amount does not verify.
  std::string forged = challenge->prompt;
  forged.replace(forged.find("20000.00"), 8, "20001.00");
  EXPECT_EQ(bank_.payments.Confirm(alice_, payment->id, challenge->id, key.Sign(forged))
                .status()
                .reason(),
            "wrong_answer");
  auto done =
      bank_.payments.Confirm(alice_, payment->id, challenge->id, key.Sign(challenge->prompt));
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(bank_.env().Balance(bob_account_.ledger_account), 2000000);
  // Over every tool's limit: refused before anything is recorded.
  EXPECT_EQ(Transfer("uk-2", bob_account_.number, 100000001).status().reason(), "limit_exceeded");
}

TEST_P(ScaTest, TransfersRefuseOtherCustomersAccountsAndReusedKeys) {
  auto stolen = bank_.payments.Create({alice_, "idor-1", bob_account_.number, alice_account_.number,
                                       100, Currency::Cny(), "", "web"});
  EXPECT_EQ(stolen.status().reason(), "unknown_account");
  EXPECT_EQ(stolen.status().code(), Code::kNotFound);
  EXPECT_EQ(Transfer("k-1", "6225880000000000000", 100).status().reason(), "unknown_payee_account");
  EXPECT_EQ(Transfer("k-1", alice_account_.number, 100).status().reason(), "same_account");
  EXPECT_EQ(Transfer("k-1", bob_account_.number, 0).status().reason(), "invalid_amount");
  EXPECT_EQ(Transfer("", bob_account_.number, 100).status().reason(), "idempotency_key_required");
  auto first = Transfer("k-2", bob_account_.number, 100);
  ASSERT_TRUE(first.ok());
  auto again = Transfer("k-2", bob_account_.number, 100);
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->id, first->id);
  EXPECT_EQ(Transfer("k-2", bob_account_.number, 101).status().reason(), "idempotency_key_reused");
  EXPECT_EQ(bank_.env().Balance(bob_account_.ledger_account), 100);
  EXPECT_EQ(bank_.payments.Get(bob_, first->id).status().reason(), "unknown_payment");
  auto dollars = bank_.payments.Create(
      {alice_, "k-3", alice_account_.number, bob_account_.number, 100, Currency::Usd(), "", "web"});
  EXPECT_EQ(dollars.status().reason(), "currency_mismatch");
}

TEST_P(ScaTest, BalanceAlertsGoThroughTheOutbox) {
  SetAlertThreshold(bob_, 5000);
  ASSERT_TRUE(Transfer("alert-1", bob_account_.number, 4999).ok());
  ASSERT_TRUE(Transfer("alert-2", bob_account_.number, 5000).ok());
  ASSERT_TRUE(bank_.outbox.DeliverPending().ok());
  std::vector<std::string> to_bob;
  for (const auto& [mobile, text] : bank_.sms.messages) {
    if (mobile == kBobMobile) to_bob.push_back(text);
  }
  ASSERT_EQ(to_bob.size(), 1u);  // Only the one at the threshold.
  EXPECT_NE(to_bob[0].find("转入 50.00 CNY"), std::string::npos) << to_bob[0];
  EXPECT_NE(to_bob[0].find("余额 99.99"), std::string::npos) << to_bob[0];
  EXPECT_EQ(*bank_.outbox.DeliverPending(), 0u);  // Each message is sent once.
}

TEST_P(ScaTest, AFailedBatchStaysQueuedAndIsSentOnceLater) {
  SetAlertThreshold(bob_, 1);
  ASSERT_TRUE(bank_.outbox.DeliverPending().ok());  // What signing up queued.
  ASSERT_TRUE(Transfer("batch-1", bob_account_.number, 100).ok());
  ASSERT_TRUE(Transfer("batch-2", bob_account_.number, 200).ok());
  std::string dir = ebank::testing::MakeTempDir("ebank-outbox");
  // A gateway that cannot write (its file would be in a folder that is not there).
  FileSmsGateway broken(dir + "/missing/sms.jsonl");
  OutboxDispatcher failing(bank_.db(), broken, bank_.env().clock());
  EXPECT_EQ(*failing.DeliverPending(), 0u);
  // The file gateway writes the whole batch, in order, once it can.
  FileSmsGateway file(dir + "/sms.jsonl");
  OutboxDispatcher working(bank_.db(), file, bank_.env().clock());
  EXPECT_EQ(*working.DeliverPending(), 4u);  // Each transfer alerts both sides.
  EXPECT_EQ(*working.DeliverPending(), 0u);
  std::ifstream in(dir + "/sms.jsonl");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  ebank::testing::RemoveTree(dir);
  ASSERT_EQ(lines.size(), 4u);
  const std::string expected[] = {"转出 1.00 CNY", "转入 1.00 CNY", "转出 2.00 CNY",
                                  "转入 2.00 CNY"};
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_NE(lines[i].find(i % 2 ? kBobMobile : kAliceMobile), std::string::npos) << lines[i];
    EXPECT_NE(lines[i].find(expected[i]), std::string::npos) << lines[i];
  }
}

TEST_P(ScaTest, LimitsCanBeSetPerProductAndPerCustomer) {
  auto& payments = bank_.payments;
  // The bank lowers the password tier for class I debit cards to 50.00 a transfer and a day.
  ASSERT_TRUE(payments.SetProductLimit("DEMAND_CARD_I", {Tool::kPassword, 5000, 5000}).ok());
  EXPECT_EQ(Transfer("p-1", bob_account_.number, 10000).status().reason(), "tool_limit_exceeded");
  EXPECT_TRUE(Transfer("p-2", bob_account_.number, 5000).ok());
  EXPECT_EQ(Transfer("p-3", bob_account_.number, 1).status().reason(), "daily_limit_exceeded");
  // A customer's setting replaces the product's.
  ASSERT_TRUE(payments.SetCustomerLimit(alice_, {Tool::kPassword, 10000, 20000}).ok());
  EXPECT_TRUE(Transfer("p-4", bob_account_.number, 10000).ok());
  int64_t used = -1;
  auto limits = payments.Limits(alice_, alice_account_.number, &used);
  ASSERT_TRUE(limits.ok()) << limits.status().ToString();
  EXPECT_EQ(used, 15000);
  for (const ToolLimit& limit : *limits) {
    if (limit.tool == Tool::kPassword) {
      EXPECT_EQ(limit.daily_minor, 20000);
    } else if (limit.tool == Tool::kSms) {
      EXPECT_EQ(limit.daily_minor, DefaultLimitFor(Tool::kSms).daily_minor);
    }
  }
  // Below the amount for every tool she holds (SMS only), a transfer is refused at once.
  ASSERT_TRUE(payments.SetCustomerLimit(alice_, {Tool::kSms, 200000, 200000}).ok());
  EXPECT_EQ(Transfer("p-5", bob_account_.number, 300000).status().reason(), "limit_exceeded");
  EXPECT_EQ(bank_.env().Balance(bob_account_.ledger_account), 15000);
  // Settings are checked; another customer's account answers as unknown.
  EXPECT_EQ(payments.SetCustomerLimit(alice_, {Tool::kSms, 300000, 200000}).reason(),
            "invalid_limit");
  EXPECT_EQ(payments.SetProductLimit("NO_SUCH", {Tool::kSms, 1, 1}).reason(), "unknown_product");
  EXPECT_EQ(payments.Limits(bob_, alice_account_.number, nullptr).status().reason(),
            "unknown_account");
}

TEST_P(ScaTest, ClassTwoAndThreeAccountsAreCappedExceptWithTheBoundAccount) {
  auto second = bank_.customers.OpenAccount(alice_, "DEMAND_CARD_II", alice_account_.number);
  auto third = bank_.customers.OpenAccount(alice_, "DEMAND_CARD_III", alice_account_.number);
  ASSERT_TRUE(second.ok() && third.ok());
  auto pay = [&](const std::string& key, const BankAccount& from, const BankAccount& to,
                 int64_t amount) {
    return bank_.payments.Create(
        {alice_, key, from.number, to.number, amount, Currency::Cny(), "", "web"});
  };
  // To and from the bound account: no cap.
  ASSERT_TRUE(pay("c-1", alice_account_, *second, 2000000).ok());
  ASSERT_TRUE(pay("c-2", *second, alice_account_, 500000).ok());
  // Class II to another account: 10,000.00 a day out (and in, for class II receivers).
  ASSERT_TRUE(pay("c-3", *second, *third, 900000).ok());
  EXPECT_EQ(pay("c-4", *second, *third, 100001).status().reason(), "account_class_limit_exceeded");
  ASSERT_TRUE(pay("c-5", *second, *third, 100000).ok());
  // Class III to a non-bound account: 2,000.00 a day; class II in from it counts too.
  ASSERT_TRUE(pay("c-6", *third, *second, 200000).ok());
  EXPECT_EQ(pay("c-7", *third, *second, 1).status().reason(), "account_class_limit_exceeded");
  ASSERT_TRUE(pay("c-8", *third, alice_account_, 100000).ok());
  // A refusal by the class cap reserves nothing of the customer's daily limit either.
  int64_t used_before = -1, used_after = -1;
  ASSERT_TRUE(bank_.payments.Limits(alice_, second->number, &used_before).ok());
  EXPECT_EQ(pay("c-9", *second, bob_account_, 100).status().reason(),
            "account_class_limit_exceeded");
  ASSERT_TRUE(bank_.payments.Limits(alice_, second->number, &used_after).ok());
  EXPECT_EQ(used_after, used_before);
  EXPECT_EQ(bank_.env().Balance(second->ledger_account), 2000000 - 500000 - 1000000 + 200000);
  EXPECT_EQ(bank_.env().Balance(bob_account_.ledger_account), 0);
}

TEST_P(ScaTest, TwinRequestsAtOnceMoveTheMoneyOnceAndGetOneAnswer) {
  // The same request sent eight times at once (a client retrying on a timeout): the
  // payment row and the money movement commit together, so each twin finds either nothing
  // or the finished payment, never one half done.
  constexpr int kTwins = 8;
  std::vector<Result<Payment>> answers(kTwins, Status::Internal("unset", ""));
  std::vector<std::thread> threads;
  for (int i = 0; i < kTwins; ++i) {
    threads.emplace_back([&, i] { answers[i] = Transfer("twin-1", bob_account_.number, 5000); });
  }
  for (std::thread& thread : threads)
    thread.join();
  int first = 0;
  for (const auto& answer : answers) {
    ASSERT_TRUE(answer.ok()) << answer.status().ToString();
    EXPECT_EQ(answer->status, "completed");
    EXPECT_EQ(answer->id, answers[0]->id);
    EXPECT_EQ(answer->ledger_seq, answers[0]->ledger_seq);
    if (!answer->replayed) ++first;
  }
  EXPECT_EQ(first, 1);
  EXPECT_EQ(bank_.env().Balance(bob_account_.ledger_account), 5000);
  // A twin with another amount at once: refused, and nothing more moves.
  std::vector<Result<Payment>> others(kTwins, Status::Internal("unset", ""));
  threads.clear();
  for (int i = 0; i < kTwins; ++i) {
    threads.emplace_back(
        [&, i] { others[i] = Transfer("twin-2", bob_account_.number, i % 2 ? 100 : 200); });
  }
  for (std::thread& thread : threads)
    thread.join();
  int paid = 0;
  for (const auto& answer : others) {
    if (answer.ok()) {
      ++paid;
    } else {
      EXPECT_EQ(answer.status().reason(), "idempotency_key_reused");
    }
  }
  EXPECT_GE(paid, 1);
  int64_t moved = bank_.env().Balance(bob_account_.ledger_account) - 5000;
  EXPECT_TRUE(moved == 100 || moved == 200) << moved;
}

TEST_P(ScaTest, TheAuditLogNamesTheChannelAPaymentWasMadeIn) {
  auto paid = bank_.payments.Create({alice_, "channel-1", alice_account_.number,
                                     bob_account_.number, 100, Currency::Cny(), "", "mobile"});
  ASSERT_TRUE(paid.ok()) << paid.status().ToString();
  std::string channel;
  ASSERT_TRUE(bank_.db()
                  .Read([&](store::SqlSession& sql) {
                    auto rows = sql.Query(
                        "SELECT channel FROM audit_log WHERE action = 'payment.transfer' AND "
                        "target = ?",
                        {std::to_string(paid->id)});
                    if (!rows.ok()) return rows.status();
                    if (rows->size() != 1) return Status::Internal("audit_rows", "not one row");
                    channel = rows->Text(0, 0);
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(channel, "mobile");
}

TEST_P(ScaTest, AFailedTransferGivesItsLimitBack) {
  // Bob has nothing: the ledger refuses, and the reserved 50.00 is his again.
  auto refused = bank_.payments.Create({bob_, "poor-1", bob_account_.number, alice_account_.number,
                                        5000, Currency::Cny(), "", "web"});
  EXPECT_EQ(refused.status().code(), Code::kRejected) << refused.status().ToString();
  int64_t used = -1;
  ASSERT_TRUE(bank_.payments.Limits(bob_, bob_account_.number, &used).ok());
  EXPECT_EQ(used, 0);
  // A retry with the same key answers the same failure, without reserving again.
  auto again = bank_.payments.Create({bob_, "poor-1", bob_account_.number, alice_account_.number,
                                      5000, Currency::Cny(), "", "web"});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, "failed");
  ASSERT_TRUE(bank_.payments.Limits(bob_, bob_account_.number, &used).ok());
  EXPECT_EQ(used, 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, ScaTest, ::testing::Values("sqlite", "postgresql"),
                         ledger::BackendName);

}  // namespace
}  // namespace ebank::services
