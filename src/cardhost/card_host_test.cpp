// The card host over real TCP on loopback, on both backends: every transaction type, and
// what goes wrong at terminals (wrong PINs, lost cards, no money, reversals twice, for
// something never seen, after a timeout, settlement mismatches). After each test the
// ledger still sums to zero.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <set>
#include <thread>

#include "cardhost/client.h"
#include "cardhost/host.h"
#include "cardhost/server.h"
#include "ledger/verify.h"
#include "services/cards.h"
#include "services/kpi.h"
#include "services/tests/scaffold.h"

namespace ebank::cardhost {
namespace {

using cardhost::CardInput;
using iso8583::Message;

constexpr const char* kAliceId = "11010519491231002X";
constexpr const char* kBobId = "440524188001010014";
constexpr const char* kShopId = "110101198001010010";
constexpr int64_t kAliceFunds = 5'000'000;  // 50,000.00
constexpr const char* kPin = "123456";

class CardHostTest : public ::testing::TestWithParam<std::string> {
 protected:
  CardHostTest()
      : bank_(GetParam()),
        keys_(services::CardKeys::Random()),
        cards_(bank_.db(), bank_.env().ledger(), bank_.secrets(), keys_, bank_.env().clock()),
        host_(cards_) {}

  void SetUp() override {
    alice_account_ = bank_.Customer(kAliceId, "13800138000", "alice01", kAliceFunds, &alice_);
    bob_account_ = bank_.Customer(kBobId, "13900139000", "bob0001", 0, &bob_);
    shop_account_ = bank_.Customer(kShopId, "13700137000", "shop001", 0, &shop_);
    auto keeper =
        bank_.staff.Create("keeper", "管机员", services::Role::kSupervisor, "Keeper#2026");
    ASSERT_TRUE(keeper.ok()) << keeper.status().ToString();
    keeper_id_ = keeper->id;
    auto issued = cards_.Issue(alice_account_.number, kPin);
    ASSERT_TRUE(issued.ok()) << issued.status().ToString();
    alice_card_ = {issued->pan, issued->card.expiry, kPin};
    alice_card_id_ = issued->card.id;
    auto merchant =
        cards_.RegisterMerchant({0, "898110158120001", "朝阳便利店", "5411", keeper->unit_id,
                                 shop_account_.number, 60, "朝阳路1号", std::nullopt});
    ASSERT_TRUE(merchant.ok()) << merchant.status().ToString();
    for (auto [code, kind, merchant_code] :
         {std::tuple{"ATM00001", "atm", ""}, std::tuple{"CRS00001", "crs", ""},
          std::tuple{"POS00001", "pos", "898110158120001"}}) {
      auto terminal =
          cards_.RegisterTerminal({code, kind, "HO", merchant_code, "朝阳支行大堂", keeper->id});
      ASSERT_TRUE(terminal.ok()) << terminal.status().ToString();
      keys_by_terminal_[code] = terminal->second;
    }
    ServerOptions options;
    options.port = 0;
    options.handler_threads = 4;
    options.read_timeout_s = 2;
    server_ = std::make_unique<Server>(io_, host_, options);
    auto port = server_->Listen();
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = *port;
    io_thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    server_->StopAccepting();
    io_.stop();
    io_thread_.join();
    auto report = ledger::VerifyLedger(bank_.env().ledger().store());
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    for (const auto& [currency, total] : report->totals) {
      EXPECT_EQ(total, 0) << "money created or lost in " << currency;
    }
  }

  std::unique_ptr<Client> Connect(int timeout_ms = 5000) {
    auto client = Client::Connect("127.0.0.1", port_, timeout_ms);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return std::move(*client);
  }

  Terminal At(Client& client, const std::string& code, std::string acquirer = "01020000") {
    return Terminal(client, code, code == "POS00001" ? "898110158120001" : "",
                    keys_by_terminal_[code], acquirer);
  }

  int64_t Balance(const services::BankAccount& account) {
    return bank_.env().Balance(account.ledger_account);
  }

  static std::string Code(const Result<Message>& response) {
    EXPECT_TRUE(response.ok()) << response.status().ToString();
    return response.ok() ? std::string(response->Get(39)) : "";
  }

  services::Bank bank_;
  services::CardKeys keys_;
  services::CardService cards_;
  Host host_;
  boost::asio::io_context io_;
  std::unique_ptr<Server> server_;
  std::thread io_thread_;
  uint16_t port_ = 0;
  int64_t alice_ = 0, bob_ = 0, shop_ = 0;
  services::BankAccount alice_account_, bob_account_, shop_account_;
  CardInput alice_card_;
  int64_t alice_card_id_ = 0;
  int64_t keeper_id_ = 0;
  std::map<std::string, std::string> keys_by_terminal_;
};

TEST_P(CardHostTest, SignOnEchoAndUnknownTerminal) {
  auto client = Connect();
  Terminal atm = At(*client, "ATM00001");
  auto signed_on = atm.SignOn();
  EXPECT_EQ(Code(signed_on), "00");
  EXPECT_EQ(signed_on->mti(), "0810");
  EXPECT_EQ(signed_on->Get(70), "001");
  EXPECT_EQ(signed_on->Get(11), atm.last_request().Get(11));
  EXPECT_EQ(Code(atm.Echo()), "00");
  auto terminal = cards_.GetTerminal("ATM00001");
  ASSERT_TRUE(terminal.ok());
  EXPECT_TRUE(terminal->last_activity_ms.has_value());
  Terminal stranger(*client, "ATM99999", "", keys_by_terminal_["ATM00001"]);
  EXPECT_EQ(Code(stranger.SignOn()), "03");
  EXPECT_EQ(Code(stranger.Withdraw(alice_card_, 10000)), "03");
  EXPECT_EQ(Balance(alice_account_), kAliceFunds);
}

TEST_P(CardHostTest, InquiryWithdrawalAndDeposit) {
  auto client = Connect();
  Terminal atm = At(*client, "ATM00001");
  auto inquiry = atm.Inquiry(alice_card_);
  ASSERT_EQ(Code(inquiry), "00");
  EXPECT_EQ(inquiry->Get(54).substr(0, 20), "0001156C000005000000") << inquiry->Get(54);
  auto withdrawal = atm.Withdraw(alice_card_, 250000);
  ASSERT_EQ(Code(withdrawal), "00");
  EXPECT_EQ(withdrawal->Get(4), "000000250000");
  EXPECT_EQ(withdrawal->Get(37).size(), 12u);
  EXPECT_EQ(withdrawal->Get(38).size(), 6u);
  EXPECT_EQ(withdrawal->Get(54).substr(0, 20), "0001156C000004750000");
  EXPECT_EQ(Balance(alice_account_), kAliceFunds - 250000);

  auto crs_client = Connect();
  Terminal crs = At(*crs_client, "CRS00001");
  ASSERT_EQ(Code(crs.Deposit(alice_card_, 100000)), "00");
  EXPECT_EQ(Balance(alice_account_), kAliceFunds - 150000);
  // An ATM takes no deposits; a POS pays no cash.
  EXPECT_EQ(Code(atm.Deposit(alice_card_, 100000)), "58");
  auto pos_client = Connect();
  Terminal pos = At(*pos_client, "POS00001");
  EXPECT_EQ(Code(pos.Withdraw(alice_card_, 100000)), "58");
  // More than an ATM pays at once.
  EXPECT_EQ(Code(atm.Withdraw(alice_card_, 300001)), "61");
  EXPECT_EQ(Balance(alice_account_), kAliceFunds - 150000);
}

TEST_P(CardHostTest, WrongPinThreeTimesBlocksTheCardForTheDay) {
  auto client = Connect();
  Terminal atm = At(*client, "ATM00001");
  CardInput wrong = alice_card_;
  wrong.pin = "654321";
  EXPECT_EQ(Code(atm.Withdraw(wrong, 10000)), "55");
  EXPECT_EQ(Code(atm.Withdraw(wrong, 10000)), "55");
  EXPECT_EQ(Code(atm.Withdraw(wrong, 10000)), "75");
  // The right PIN no longer helps today.
  EXPECT_EQ(Code(atm.Withdraw(alice_card_, 10000)), "75");
  EXPECT_EQ(Code(atm.Inquiry(alice_card_)), "75");
  EXPECT_EQ(Balance(alice_account_), kAliceFunds);
  // No PIN at all is not a way around it.
  CardInput no_pin = alice_card_;
  no_pin.pin = "";
  EXPECT_EQ(Code(atm.Withdraw(no_pin, 10000)), "75");
  bank_.env().clock().Advance(24LL * 3600 * 1000);
  EXPECT_EQ(Code(atm.Withdraw(alice_card_, 10000)), "00");
  EXPECT_EQ(Balance(alice_account_), kAliceFunds - 10000);
  auto card = cards_.Get(alice_card_id_);
  ASSERT_TRUE(card.ok());
  EXPECT_EQ(card->pin_failures_today, 0);
}

TEST_P(CardHostTest, LostFrozenExpiredAndUnknownCards) {
  auto client = Connect();
  Terminal atm = At(*client, "ATM00001");
  ASSERT_TRUE(cards_.SetStatus(alice_card_id_, "lost", "test").ok());
  EXPECT_EQ(Code(atm.Withdraw(alice_card_, 10000)), "41");
  ASSERT_TRUE(cards_.SetStatus(alice_card_id_, "frozen", "test").ok());
  EXPECT_EQ(Code(atm.Withdraw(alice_card_, 10000)), "62");
  ASSERT_TRUE(cards_.SetStatus(alice_card_id_, "active", "test").ok());
  CardInput other_expiry = alice_card_;
  other_expiry.expiry = "2901";
  EXPECT_EQ(Code(atm.Withdraw(other_expiry, 10000)), "14");
  CardInput bad_luhn = alice_card_;
  bad_luhn.pan.back() = bad_luhn.pan.back() == '9' ? '0' : bad_luhn.pan.back() + 1;
  EXPECT_EQ(Code(atm.Withdraw(bad_luhn, 10000)), "14");
  EXPECT_EQ(Code(atm.Withdraw(alice_card_, 10000)), "00");
  EXPECT_EQ(Balance(alice_account_), kAliceFunds - 10000);
  ASSERT_TRUE(cards_.SetChannels(alice_card_id_, false, true, 2'000'000, 5'000'000).ok());
  EXPECT_EQ(Code(atm.Withdraw(alice_card_, 10000)), "57");
  EXPECT_EQ(Balance(alice_account_), kAliceFunds - 10000);
}

TEST_P(CardHostTest, InsufficientFundsAndDailyLimit) {
  auto client = Connect();
  Terminal atm = At(*client, "ATM00001");
  auto bob_card = cards_.Issue(bob_account_.number, "111111");
  ASSERT_TRUE(bob_card.ok());
  CardInput bob{bob_card->pan, bob_card->card.expiry, "111111"};
  EXPECT_EQ(Code(atm.Withdraw(bob, 10000)), "51");
  EXPECT_EQ(Balance(bob_account_), 0);
  // 6 × 3,000 and 2,000 reach the 20,000 a day; one fen more is refused, and a refused
  // withdrawal used none of the limit.
  for (int i = 0; i < 6; ++i)
    ASSERT_EQ(Code(atm.Withdraw(alice_card_, 300000)), "00") << i;
  EXPECT_EQ(Code(atm.Withdraw(alice_card_, 200001)), "61");
  EXPECT_EQ(Code(atm.Withdraw(alice_card_, 200000)), "00");
  EXPECT_EQ(Code(atm.Withdraw(alice_card_, 1)), "61");
  EXPECT_EQ(Balance(alice_account_), kAliceFunds - 2'000'000);
}

TEST_P(CardHostTest, RetransmissionGetsTheFirstAnswerAndMovesMoneyOnce) {
  auto client = Connect();
  Terminal atm = At(*client, "ATM00001");
  auto request = atm.Request("0200", "010000", alice_card_, 50000);
  ASSERT_TRUE(request.ok());
  auto first = atm.Send(*request);
  auto second = atm.Send(*request);
  ASSERT_EQ(Code(first), "00");
  ASSERT_EQ(Code(second), "00");
  EXPECT_EQ(first->Get(37), second->Get(37));
  EXPECT_EQ(Balance(alice_account_), kAliceFunds - 50000);
  // The same STAN for another amount is a duplicate, not a new withdrawal.
  Message other = *request;
  other.Set(4, "000000060000");
  EXPECT_EQ(Code(atm.Send(other)), "94");
  EXPECT_EQ(Balance(alice_account_), kAliceFunds - 50000);
}

TEST_P(CardHostTest, ReversalSentTwiceUndoesOnce) {
  auto client = Connect();
  Terminal atm = At(*client, "ATM00001");
  auto withdrawal = atm.Withdraw(alice_card_, 100000);
  ASSERT_EQ(Code(withdrawal), "00");
  Message original = atm.last_request();
  EXPECT_EQ(Balance(alice_account_), kAliceFunds - 100000);
  auto reversed = atm.Reverse(original);
  ASSERT_EQ(Code(reversed), "00");
  EXPECT_EQ(reversed->mti(), "0410");
  EXPECT_EQ(Balance(alice_account_), kAliceFunds);
  EXPECT_EQ(Code(atm.Reverse(original)), "00");
  Message advice = atm.ReversalOf(original);
  advice.set_mti("0420");
  auto repeated = client->Exchange(advice);
  EXPECT_EQ(Code(repeated), "00");
  EXPECT_EQ(repeated->mti(), "0430");
  EXPECT_EQ(Balance(alice_account_), kAliceFunds);
  // The limit it used is back: 20,000 can still be drawn today.
  for (int i = 0; i < 6; ++i)
    ASSERT_EQ(Code(atm.Withdraw(alice_card_, 300000)), "00");
  EXPECT_EQ(Code(atm.Withdraw(alice_card_, 200000)), "00");
}

TEST_P(CardHostTest, ReversalOfSomethingNeverSeenThenTheLateOriginal) {
  auto client = Connect();
  Terminal atm = At(*client, "ATM00001");
  auto request = atm.Request("0200", "010000", alice_card_, 100000);
  ASSERT_TRUE(request.ok());
  // The terminal gave up before its request reached the host, and reversed it.
  EXPECT_EQ(Code(atm.Reverse(*request)), "25");
  EXPECT_EQ(Code(atm.Reverse(*request)), "25");
  // The original arrives late: it is refused, nothing moves.
  EXPECT_EQ(Code(atm.Send(*request)), "94");
  EXPECT_EQ(Balance(alice_account_), kAliceFunds);
}

TEST_P(CardHostTest, TimeoutThenReversal) {
  auto client = Connect();
  Terminal atm = At(*client, "ATM00001");
  auto request = atm.Request("0200", "010000", alice_card_, 120000);
  ASSERT_TRUE(request.ok());
  // The host approves, but the answer never reaches the terminal (it hung up).
  ASSERT_TRUE(client->Send(*request).ok());
  client.reset();
  for (int i = 0; i < 100 && Balance(alice_account_) == kAliceFunds; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(Balance(alice_account_), kAliceFunds - 120000);
  // The terminal dispensed nothing, so it reverses on its next connection.
  auto again = Connect();
  Terminal same = At(*again, "ATM00001");
  EXPECT_EQ(Code(same.Reverse(*request)), "00");
  EXPECT_EQ(Balance(alice_account_), kAliceFunds);
}

TEST_P(CardHostTest, PurchaseRefundPreauthAndCompletionWithMdr) {
  auto client = Connect();
  Terminal pos = At(*client, "POS00001");
  // 0.60% of 1,000.00 is 6.00 to the fee income of the terminal's unit.
  auto purchase = pos.Purchase(alice_card_, 100000);
  ASSERT_EQ(Code(purchase), "00");
  EXPECT_EQ(Balance(alice_account_), kAliceFunds - 100000);
  EXPECT_EQ(Balance(shop_account_), 100000 - 600);
  std::string reference(purchase->Get(37));
  auto refund = pos.Refund(alice_card_, reference, 40000);
  ASSERT_EQ(Code(refund), "00");
  EXPECT_EQ(Balance(alice_account_), kAliceFunds - 60000);
  EXPECT_EQ(Balance(shop_account_), 100000 - 600 - 40000);
  EXPECT_EQ(Code(pos.Refund(alice_card_, reference, 100001)), "61");
  // Refunds add up to at most the purchase: 40,000 of it are gone already.
  EXPECT_EQ(Code(pos.Refund(alice_card_, reference, 60001)), "61");
  EXPECT_EQ(Balance(alice_account_), kAliceFunds - 60000);
  EXPECT_EQ(Code(pos.Refund(alice_card_, "000000999999", 100)), "25");

  auto preauth = pos.Preauth(alice_card_, 200000);
  ASSERT_EQ(Code(preauth), "00");
  EXPECT_EQ(preauth->mti(), "0110");
  EXPECT_EQ(Balance(alice_account_), kAliceFunds - 60000);  // Held, not taken.
  auto completion = pos.Complete(alice_card_, std::string(preauth->Get(37)), 150000);
  ASSERT_EQ(Code(completion), "00");
  EXPECT_EQ(completion->mti(), "0230");
  EXPECT_EQ(Balance(alice_account_), kAliceFunds - 60000 - 150000);
  EXPECT_EQ(Balance(shop_account_), 100000 - 600 - 40000 + 150000 - 900);
  // A pre-authorisation completes once.
  EXPECT_EQ(Code(pos.Complete(alice_card_, std::string(preauth->Get(37)), 1000)), "12");
  // A cancelled pre-authorisation releases its hold.
  auto second = pos.Preauth(alice_card_, 300000);
  ASSERT_EQ(Code(second), "00");
  Message second_request = pos.last_request();
  ASSERT_EQ(Code(pos.Reverse(second_request)), "00");
  EXPECT_EQ(Code(pos.Complete(alice_card_, std::string(second->Get(37)), 1000)), "12");
  EXPECT_EQ(Balance(alice_account_), kAliceFunds - 60000 - 150000);
  auto account = bank_.env().Get(alice_account_.ledger_account);
  EXPECT_EQ(account.held, 0);
}

// A completion's MDR discount is a second ledger request in the completion's batch; it
// moves only if the completion itself was approved. Here the ledger refuses the completion
// (its hold expired, while the pre-authorisation's row still reads approved), so neither the
// amount nor the discount moves.
TEST_P(CardHostTest, ACompletionTheLedgerRefusesMovesNoDiscount) {
  auto client = Connect();
  Terminal pos = At(*client, "POS00001");
  // A purchase first, so that the merchant's account could pay a discount.
  ASSERT_EQ(Code(pos.Purchase(alice_card_, 100000)), "00");
  ASSERT_EQ(Balance(shop_account_), 100000 - 600);
  auto preauth = pos.Preauth(alice_card_, 200000);
  ASSERT_EQ(Code(preauth), "00");
  bank_.env().clock().Advance(services::kPreauthHoldMs + 1000);
  auto completion = pos.Complete(alice_card_, std::string(preauth->Get(37)), 150000);
  ASSERT_TRUE(completion.ok()) << completion.status().ToString();
  EXPECT_NE(Code(completion), "00");
  EXPECT_EQ(Balance(alice_account_), kAliceFunds - 100000);
  EXPECT_EQ(Balance(shop_account_), 100000 - 600);  // No 150,000 and no 900 discount.
}

TEST_P(CardHostTest, TransferAtTheAtmAndCrossBankFee) {
  auto client = Connect();
  Terminal atm = At(*client, "ATM00001");
  CardInput card = alice_card_;
  ASSERT_EQ(Code(atm.Transfer(card, bob_account_.number, 70000)), "00");
  EXPECT_EQ(Balance(bob_account_), 70000);
  EXPECT_EQ(Code(atm.Transfer(card, "6222000000000000000", 70000)), "12");
  // Reversing the transfer takes it back from the payee.
  ASSERT_EQ(Code(atm.Transfer(card, bob_account_.number, 30000)), "00");
  ASSERT_EQ(Code(atm.Reverse(atm.last_request())), "00");
  EXPECT_EQ(Balance(bob_account_), 70000);
  // Through the switch from another bank's acquirer: the fee of 4.00 is charged.
  Terminal switched = At(*client, "CRS00001", "04030000");
  ASSERT_EQ(Code(switched.Withdraw(card, 100000)), "00");
  EXPECT_EQ(Balance(alice_account_), kAliceFunds - 70000 - 100000 - 400);
  int64_t charged = 0;
  ASSERT_TRUE(bank_.db()
                  .Read([&](store::SqlSession& sql) -> Status {
                    auto rows = sql.Query(
                        "SELECT COUNT(*), SUM(amount_minor) FROM fee_charges WHERE fee_code = "
                        "'atm_other_bank'");
                    if (!rows.ok()) return rows.status();
                    charged = rows->Int(0, 1);
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(charged, 400);
}

TEST_P(CardHostTest, SettlementMatchedAndMismatchOpensACase) {
  auto client = Connect();
  Terminal pos = At(*client, "POS00001");
  ASSERT_EQ(Code(pos.Purchase(alice_card_, 12345)), "00");
  ASSERT_EQ(Code(pos.Purchase(alice_card_, 20000)), "00");
  auto matched = pos.Settle(1, pos.totals());
  ASSERT_EQ(Code(matched), "00");
  EXPECT_EQ(matched->Get(76), "0000000002");
  EXPECT_EQ(matched->Get(88), "0000000000032345");
  // Again: the same answer, not a new batch.
  EXPECT_EQ(Code(pos.Settle(1, {2, 32345, 0, 0})), "00");
  ASSERT_EQ(Code(pos.Purchase(alice_card_, 5000)), "00");
  // The terminal lost one: its totals say one purchase fewer.
  auto mismatch = pos.Settle(2, {0, 0, 0, 0});
  ASSERT_EQ(Code(mismatch), "95");
  EXPECT_EQ(mismatch->Get(76), "0000000001");
  std::string detail;
  std::string kind;
  ASSERT_TRUE(bank_.db()
                  .Read([&](store::SqlSession& sql) -> Status {
                    auto rows = sql.Query("SELECT kind, detail FROM cases ORDER BY id");
                    if (!rows.ok()) return rows.status();
                    if (rows->size() != 1) return Status::Internal("cases", "not one case");
                    kind = rows->Text(0, 0);
                    detail = rows->Text(0, 1);
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(kind, "card_error");
  EXPECT_NE(detail.find("purchase"), std::string::npos) << detail;
  EXPECT_NE(detail.find("50.00"), std::string::npos) << detail;
  EXPECT_EQ(detail.find(alice_card_.pan), std::string::npos) << "the PAN is never written";
}

TEST_P(CardHostTest, MalformedMessagesAreRefusedAndTheHostGoesOn) {
  {
    auto client = Connect(2000);
    // A 0200 whose bitmap names field 2 but the message ends there.
    std::string truncated = std::string("0200") + std::string("\x40\0\0\0\0\0\0\0", 8);
    ASSERT_TRUE(client->SendRaw(iso8583::Frame(truncated)).ok());
    auto answer = client->Receive();
    ASSERT_TRUE(answer.ok()) << answer.status().ToString();
    EXPECT_EQ(answer->mti(), "0210");
    EXPECT_EQ(answer->Get(39), "30");
  }
  {
    auto client = Connect(2000);
    ASSERT_TRUE(client->SendRaw(std::string("\xff\xff", 2) + "junk").ok());
    EXPECT_FALSE(client->Receive().ok());  // Over the size limit: closed.
  }
  {
    auto client = Connect(2000);
    ASSERT_TRUE(client->SendRaw(iso8583::Frame("hello, host")).ok());
    EXPECT_FALSE(client->Receive().ok());  // Not even an MTI: closed.
  }
  {
    // A message missing its terminal, and one with letters for an amount.
    auto client = Connect(2000);
    Message bare("0200");
    bare.Set(3, "010000");
    bare.Set(11, "000001");
    EXPECT_EQ(Code(client->Exchange(bare)), "30");
    Terminal atm = At(*client, "ATM00001");
    auto request = atm.Request("0200", "990000", alice_card_, 100);
    ASSERT_TRUE(request.ok());
    EXPECT_EQ(Code(atm.Send(*request)), "12");
  }
  auto client = Connect();
  Terminal atm = At(*client, "ATM00001");
  EXPECT_EQ(Code(atm.Withdraw(alice_card_, 10000)), "00");
  EXPECT_EQ(Balance(alice_account_), kAliceFunds - 10000);
}

TEST_P(CardHostTest, ASwitchLinkKeepsManyRequestsInFlight) {
  // As a switch sends: ten withdrawals and a malformed 0200 in one write, before any
  // answer. Each gets its own answer, matched by STAN; the money moves once for each.
  auto client = Connect();
  Terminal atm = At(*client, "ATM00001");
  std::string bytes;
  std::set<std::string> stans;
  for (int i = 0; i < 10; ++i) {
    auto request = atm.Request("0200", "010000", alice_card_, 1000 + i);
    ASSERT_TRUE(request.ok()) << request.status().ToString();
    stans.insert(std::string(request->Get(11)));
    auto packed = iso8583::Pack(iso8583::Spec::Ascii87(), *request);
    ASSERT_TRUE(packed.ok());
    bytes += iso8583::Frame(*packed);
    if (i == 4) bytes += iso8583::Frame(std::string("0200") + std::string("\x40\0\0\0\0\0\0\0", 8));
  }
  ASSERT_TRUE(client->SendRaw(bytes).ok());
  std::set<std::string> answered;
  int format_errors = 0;
  for (int i = 0; i < 11; ++i) {
    auto response = client->Receive();
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    if (response->Get(39) == "30") {
      format_errors++;
      continue;
    }
    EXPECT_EQ(response->Get(39), "00");
    EXPECT_TRUE(answered.insert(std::string(response->Get(11))).second) << "answered twice";
  }
  EXPECT_EQ(format_errors, 1);
  EXPECT_EQ(answered, stans);
  EXPECT_EQ(Balance(alice_account_), kAliceFunds - (10 * 1000 + 45));
  // The same ten again, as a switch retransmits after losing its link: the first answers,
  // and no money moves.
  ASSERT_TRUE(client->SendRaw(bytes).ok());
  for (int i = 0; i < 11; ++i) {
    auto response = client->Receive();
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_TRUE(response->Get(39) == "00" || response->Get(39) == "30") << response->Get(39);
  }
  EXPECT_EQ(Balance(alice_account_), kAliceFunds - (10 * 1000 + 45));
}

TEST_P(CardHostTest, AMessageNotFinishedInTimeClosesTheConnection) {
  // The header promises 100 bytes and 10 come: the host waits its read timeout (2 s
  // here), not its idle timeout, then closes.
  auto client = Connect(8000);
  ASSERT_TRUE(client->SendRaw(std::string("\0\x64", 2) + "0200abcdef").ok());
  auto answer = client->Receive();  // "timeout" after 8 s if the host had waited on.
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().reason(), "closed") << answer.status().ToString();
  // Another terminal was never held up.
  auto other = Connect();
  Terminal atm = At(*other, "ATM00001");
  EXPECT_EQ(Code(atm.Withdraw(alice_card_, 10000)), "00");
}

TEST_P(CardHostTest, ConcurrentTerminalsNeverOverdraw) {
  // Eight ATMs on eight connections draw from one card at once: exactly what the balance
  // and the daily limit allow is paid, never more.
  auto bob_card = cards_.Issue(bob_account_.number, "111111");
  ASSERT_TRUE(bob_card.ok());
  ledger::AccountId funding = bank_.env().OpenFunding();
  ASSERT_TRUE(bank_.env().Pay(funding, bob_account_.ledger_account, 1'000'000).status.ok());
  CardInput bob{bob_card->pan, bob_card->card.expiry, "111111"};
  std::vector<std::string> codes;
  for (int i = 2; i <= 8; ++i) {
    std::string code = "ATM0000" + std::to_string(i);
    auto terminal = cards_.RegisterTerminal({code, "atm", "HO", "", "大堂", keeper_id_});
    ASSERT_TRUE(terminal.ok()) << terminal.status().ToString();
    keys_by_terminal_[code] = terminal->second;
  }
  std::atomic<int> approved{0};
  std::vector<std::thread> threads;
  for (int i = 1; i <= 8; ++i) {
    threads.emplace_back([&, i] {
      auto client = Connect();
      Terminal atm = At(*client, "ATM0000" + std::to_string(i));
      for (int n = 0; n < 3; ++n) {
        auto response = atm.Withdraw(bob, 100000);
        if (response.ok() && response->Get(39) == "00") approved++;
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(approved.load(), 10);  // 10,000.00 was all there was.
  EXPECT_EQ(Balance(bob_account_), 0);
}

TEST_P(CardHostTest, SelfServiceCountsAsEChannelTransactions) {
  auto client = Connect();
  Terminal atm = At(*client, "ATM00001");
  ASSERT_EQ(Code(atm.Inquiry(alice_card_)), "00");  // Moves nothing: not counted.
  ASSERT_EQ(Code(atm.Withdraw(alice_card_, 10000)), "00");
  ASSERT_EQ(Code(atm.Withdraw(alice_card_, 20000)), "00");
  ASSERT_EQ(Code(atm.Reverse(atm.last_request())), "00");  // Undone: not counted.
  CardInput wrong = alice_card_;
  wrong.pin = "000000";
  ASSERT_EQ(Code(atm.Withdraw(wrong, 10000)), "55");  // Declined: not counted.
  services::KpiService kpis(bank_.db(), bank_.env().clock());
  auto unit = services::UnitScope{1, "/1/"};
  auto report = kpis.Report({"HO", "2026-01-01", "2026-01-01", 180}, unit);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->unit.counts.e_transactions, 1);
  EXPECT_EQ(report->unit.counts.counter_transactions, 0);
}

TEST_P(CardHostTest, TransfersIntoAClassTwoAccountCountAgainstItsCap) {
  // Bob's class II account takes at most 10,000.00 a day from accounts other than his
  // bound class I account, whichever channel the money comes through.
  auto class_two = bank_.customers.OpenAccount(bob_, "DEMAND_CARD_II", bob_account_.number);
  ASSERT_TRUE(class_two.ok()) << class_two.status().ToString();
  auto client = Connect();
  Terminal atm = At(*client, "ATM00001");
  ASSERT_EQ(Code(atm.Transfer(alice_card_, class_two->number, 1'000'000)), "00");
  Message full = atm.last_request();
  EXPECT_EQ(Code(atm.Transfer(alice_card_, class_two->number, 1)), "61");
  EXPECT_EQ(Balance(*class_two), 1'000'000);
  // A reversal gives the cap back.
  ASSERT_EQ(Code(atm.Reverse(full)), "00");
  EXPECT_EQ(Balance(*class_two), 0);
  EXPECT_EQ(Code(atm.Transfer(alice_card_, class_two->number, 1'000'000)), "00");
  EXPECT_EQ(Balance(alice_account_), kAliceFunds - 1'000'000);
}

INSTANTIATE_TEST_SUITE_P(Backends, CardHostTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ebank::cardhost
