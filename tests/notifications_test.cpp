// Balance-change alerts in the inbox and on open pages (SEC-8), over real HTTP on both
// backends: a transfer writes a notification for the payer and the payee, each customer
// sees and marks only their own, a server-sent event stream opened before a transfer
// delivers it (and replays what a reconnecting page missed), the streams a customer may
// hold are capped and freed when a page goes away, and open streams never hold up a
// graceful shutdown.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <regex>
#include <thread>

#include "common.h"

namespace ebank::testing {
namespace {

constexpr const char* kTellerPassword = "Counter#2026";
constexpr const char* kPassword = "Secret#2026";
constexpr const char* kAliceMobile = "13800138000";
constexpr const char* kBobMobile = "13900139000";
constexpr size_t kStreamsPerCustomerMax = 5;  // services::kNotificationStreamsPerCustomerMax
constexpr auto kEventWait = std::chrono::seconds(20);  // Generous: the machine may be busy.

// A raw HTTP/1.1 client for one server-sent event stream: it sends the request and reads
// whatever arrives, within deadlines. Closes its socket when freed.
class EventStream {
 public:
  EventStream(int port, const std::string& token, const std::string& last_event_id = "") {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) return;
    std::string request =
        "GET /api/v1/me/notifications/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Accept: text/event-stream\r\nAuthorization: Bearer " +
        token + "\r\n" + (last_event_id.empty() ? "" : "Last-Event-ID: " + last_event_id + "\r\n") +
        "\r\n";
    ::send(fd_, request.data(), request.size(), MSG_NOSIGNAL);
  }
  ~EventStream() { Close(); }
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Reads until `text` has arrived (true) or the connection ends or `wait` passes (false).
  bool WaitFor(const std::string& text, std::chrono::milliseconds wait = kEventWait) {
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (received_.find(text) == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || fd_ < 0) return false;
      pollfd ready{fd_, POLLIN, 0};
      if (::poll(&ready, 1, static_cast<int>(left.count())) <= 0) return false;
      char buffer[4096];
      ssize_t got = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (got <= 0) {
        ended_ = true;
        return received_.find(text) != std::string::npos;
      }
      received_.append(buffer, static_cast<size_t>(got));
    }
    return true;
  }

  // The status code of the answer, once its header has arrived (0 before).
  int Status() {
    if (!WaitFor("\r\n\r\n")) return 0;
    return std::atoi(received_.substr(9, 3).c_str());
  }

  // The data of every "balance" event received so far, parsed.
  std::vector<json::value> BalanceEvents() const {
    std::vector<json::value> events;
    std::regex event("event: balance\ndata: ([^\n]*)\n\n");
    for (auto it = std::sregex_iterator(received_.begin(), received_.end(), event);
         it != std::sregex_iterator(); ++it) {
      events.push_back(json::parse((*it)[1].str()));
    }
    return events;
  }

  bool ended() const { return ended_; }
  const std::string& received() const { return received_; }

 private:
  int fd_ = -1;
  std::string received_;
  bool ended_ = false;
};

class NotificationsTest : public BackendTest {
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
    alice_account_ = NewCustomer("爱丽丝", "11010519491231002X", kAliceMobile, "alice01");
    bob_account_ = NewCustomer("鲍勃", "440524188001010014", kBobMobile, "bob0001");
    // Funding through the operator's ledger API moves money outside the payment service:
    // it writes no notification, so each customer's inbox starts empty.
    int64_t bank = OpenAccount(*operator_, R"({"currency":"CNY","side":"debit","floor":null})");
    HttpResult found = operator_->Get("/internal/ledger/accounts?code=" + alice_account_);
    ASSERT_EQ(found.status, 200);
    int64_t alice_ledger = found.json().at("accounts").as_array().at(0).at("id").as_int64();
    ASSERT_EQ(
        operator_->Post("/internal/ledger/transfers", TransferBody(bank, alice_ledger, "1000.00"))
            .status,
        201);
    alice_token_ = SmsLogin("alice01", kAliceMobile);
    bob_token_ = SmsLogin("bob0001", kBobMobile);
    ASSERT_FALSE(alice_token_.empty());
    ASSERT_FALSE(bob_token_.empty());
    alice_ = std::make_unique<HttpClient>("127.0.0.1", server_->port(), alice_token_);
    bob_ = std::make_unique<HttpClient>("127.0.0.1", server_->port(), bob_token_);
  }
  void TearDown() override {
    if (!server_) return;
    ExpectVerified(*operator_);
    EXPECT_EQ(server_->Stop(), 0) << server_->Log();
  }

  std::string NewCustomer(const std::string& name, const std::string& id_number,
                          const std::string& mobile, const std::string& login_id) {
    return SignUpCustomer(*teller_, name, id_number, mobile, login_id, kPassword);
  }

  // Logs in with the password and an SMS code; returns the session token.
  std::string SmsLogin(const std::string& login_id, const std::string& mobile) {
    return testing::SmsLogin(*anonymous_, dir_, login_id, kPassword, mobile);
  }

  // Alice pays Bob `amount` (small enough to need no second factor).
  void Pay(const std::string& key, const std::string& amount) {
    HttpResult paid = alice_->Post("/api/v1/me/transfers",
                                   json::serialize(json::object{{"from_account", alice_account_},
                                                                {"to_account", bob_account_},
                                                                {"amount", amount},
                                                                {"currency", "CNY"}}),
                                   {{"Idempotency-Key", key}});
    ASSERT_EQ(paid.status, 201) << paid.body;
  }

  json::value Inbox(HttpClient& client, const std::string& query = "") {
    HttpResult page = client.Get("/api/v1/me/notifications" + query);
    EXPECT_EQ(page.status, 200) << page.body;
    return page.status == 200 ? page.json() : json::value(json::object{});
  }

  static std::string Tail(const std::string& number) { return number.substr(number.size() - 4); }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> anonymous_, operator_, teller_, alice_, bob_;
  std::string alice_account_, bob_account_, alice_token_, bob_token_;
};

TEST_P(NotificationsTest, ATransferNotifiesPayerAndPayee) {
  EXPECT_EQ(Inbox(*alice_).at("notifications").as_array().size(), 0u);
  Pay("n-1", "100.00");
  json::value alice = Inbox(*alice_);
  ASSERT_EQ(alice.at("notifications").as_array().size(), 1u) << alice;
  EXPECT_EQ(alice.at("unread").as_int64(), 1);
  const json::value& debit = alice.at("notifications").as_array().at(0);
  EXPECT_EQ(debit.at("kind").as_string(), "balance");
  EXPECT_EQ(debit.at("direction").as_string(), "debit");
  EXPECT_EQ(debit.at("amount").as_string(), "100.00");
  EXPECT_EQ(debit.at("currency").as_string(), "CNY");
  EXPECT_EQ(debit.at("account_tail").as_string(), Tail(alice_account_));
  EXPECT_EQ(debit.at("balance_after").as_string(), "900.00");
  EXPECT_FALSE(debit.at("read").as_bool());

  json::value bob = Inbox(*bob_);
  ASSERT_EQ(bob.at("notifications").as_array().size(), 1u) << bob;
  const json::value& credit = bob.at("notifications").as_array().at(0);
  EXPECT_EQ(credit.at("direction").as_string(), "credit");
  EXPECT_EQ(credit.at("amount").as_string(), "100.00");
  EXPECT_EQ(credit.at("account_tail").as_string(), Tail(bob_account_));
  EXPECT_EQ(credit.at("balance_after").as_string(), "100.00");

  // Newest first, paged by id; marking one read counts down; read-all clears the rest.
  Pay("n-2", "20.00");
  Pay("n-3", "3.00");
  json::value first = Inbox(*bob_, "?limit=2");
  auto& items = first.at("notifications").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items.at(0).at("amount").as_string(), "3.00");
  EXPECT_EQ(items.at(1).at("amount").as_string(), "20.00");
  EXPECT_EQ(first.at("unread").as_int64(), 3);
  json::value rest =
      Inbox(*bob_, "?limit=2&before=" + std::to_string(first.at("next_before").as_int64()));
  ASSERT_EQ(rest.at("notifications").as_array().size(), 1u);
  EXPECT_FALSE(rest.as_object().contains("next_before"));
  int64_t id = items.at(0).at("id").as_int64();
  HttpResult read = bob_->Post("/api/v1/me/notifications/" + std::to_string(id) + "/read", "");
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.json().at("unread").as_int64(), 2);
  EXPECT_TRUE(Inbox(*bob_, "?limit=1").at("notifications").as_array().at(0).at("read").as_bool());
  HttpResult all = bob_->Post("/api/v1/me/notifications/read-all", "");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(all.json().at("marked").as_int64(), 2);
  EXPECT_EQ(Inbox(*bob_).at("unread").as_int64(), 0);
  EXPECT_EQ(Inbox(*alice_).at("unread").as_int64(), 3);  // Alice's are hers to read.
  EXPECT_EQ(bob_->Get("/api/v1/me/notifications?limit=0").status, 400);
  EXPECT_EQ(bob_->Get("/api/v1/me/notifications?before=x").status, 400);
}

TEST_P(NotificationsTest, AnotherCustomersNotificationIsNotFound) {
  Pay("i-1", "10.00");
  json::value bob = Inbox(*bob_);
  ASSERT_EQ(bob.at("notifications").as_array().size(), 1u);
  int64_t bobs = bob.at("notifications").as_array().at(0).at("id").as_int64();
  HttpResult taken = alice_->Post("/api/v1/me/notifications/" + std::to_string(bobs) + "/read", "");
  EXPECT_EQ(taken.status, 404) << taken.body;
  EXPECT_EQ(taken.json().at("code").as_string(), "unknown_notification");
  EXPECT_EQ(alice_->Post("/api/v1/me/notifications/999999/read", "").status, 404);
  EXPECT_EQ(Inbox(*bob_).at("unread").as_int64(), 1);  // Nothing changed for Bob.
  json::value alices = Inbox(*alice_);
  ASSERT_EQ(alices.at("notifications").as_array().size(), 1u);
  for (const auto& item : alices.at("notifications").as_array())
    EXPECT_NE(item.at("id").as_int64(), bobs);
  EXPECT_EQ(anonymous_->Get("/api/v1/me/notifications").status, 401);
  EXPECT_EQ(teller_->Get("/api/v1/me/notifications").status, 401);
  EventStream nobody(server_->port(), "not-a-session");
  EXPECT_EQ(nobody.Status(), 401);
}

TEST_P(NotificationsTest, AStreamDeliversATransferMadeAfterItOpened) {
  EventStream bob(server_->port(), bob_token_);
  ASSERT_EQ(bob.Status(), 200) << bob.received();
  EXPECT_NE(bob.received().find("text/event-stream"), std::string::npos);
  ASSERT_TRUE(bob.WaitFor(": open\n\n")) << bob.received();
  EXPECT_TRUE(bob.BalanceEvents().empty());
  Pay("s-1", "12.34");
  ASSERT_TRUE(bob.WaitFor("event: balance\n")) << bob.received();
  ASSERT_TRUE(bob.WaitFor("}\n\n")) << bob.received();
  auto events = bob.BalanceEvents();
  ASSERT_EQ(events.size(), 1u) << bob.received();
  EXPECT_EQ(events[0].at("direction").as_string(), "credit");
  EXPECT_EQ(events[0].at("amount").as_string(), "12.34");
  EXPECT_EQ(events[0].at("balance_after").as_string(), "12.34");
  int64_t first = events[0].at("id").as_int64();
  EXPECT_NE(bob.received().find("id: " + std::to_string(first) + "\n"), std::string::npos);

  // A page reconnecting with the last event id it had gets what it missed meanwhile.
  bob.Close();
  Pay("s-2", "5.00");
  EventStream again(server_->port(), bob_token_, std::to_string(first));
  ASSERT_EQ(again.Status(), 200);
  ASSERT_TRUE(again.WaitFor("}\n\n")) << again.received();
  auto missed = again.BalanceEvents();
  ASSERT_EQ(missed.size(), 1u) << again.received();
  EXPECT_EQ(missed[0].at("amount").as_string(), "5.00");

  // Alice, the payer, is told on her own stream; Bob's carries nothing of hers.
  EventStream alice(server_->port(), alice_token_);
  ASSERT_TRUE(alice.WaitFor(": open\n\n"));
  Pay("s-3", "1.00");
  ASSERT_TRUE(alice.WaitFor("}\n\n")) << alice.received();
  ASSERT_TRUE(again.WaitFor("\"amount\":\"1.00\"")) << again.received();
  auto alices = alice.BalanceEvents();
  ASSERT_EQ(alices.size(), 1u);
  EXPECT_EQ(alices[0].at("direction").as_string(), "debit");
  for (const auto& event : again.BalanceEvents())
    EXPECT_EQ(event.at("direction").as_string(), "credit");
}

TEST_P(NotificationsTest, StreamsPerCustomerAreCappedAndFreedWhenAPageLeaves) {
  std::vector<std::unique_ptr<EventStream>> open;
  for (size_t i = 0; i < kStreamsPerCustomerMax; ++i) {
    open.push_back(std::make_unique<EventStream>(server_->port(), bob_token_));
    ASSERT_EQ(open.back()->Status(), 200) << i;
    ASSERT_TRUE(open.back()->WaitFor(": open\n\n"));
  }
  EventStream refused(server_->port(), bob_token_);
  EXPECT_EQ(refused.Status(), 429) << refused.received();
  EXPECT_TRUE(refused.WaitFor("too_many_streams"));
  // Another customer is not held back by Bob's pages.
  EventStream alice(server_->port(), alice_token_);
  EXPECT_EQ(alice.Status(), 200);
  // A page that goes away frees its place at once (not at the next heartbeat).
  open.front()->Close();
  bool reopened = false;
  for (int tries = 0; tries < 100 && !reopened; ++tries) {  // Up to 10 s.
    EventStream next(server_->port(), bob_token_);
    reopened = next.Status() == 200;
    if (!reopened) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(reopened);
}

TEST_P(NotificationsTest, OpenStreamsDoNotHoldUpShutdown) {
  EventStream bob(server_->port(), bob_token_);
  ASSERT_TRUE(bob.WaitFor(": open\n\n"));
  EventStream alice(server_->port(), alice_token_);
  ASSERT_TRUE(alice.WaitFor(": open\n\n"));
  ExpectVerified(*operator_);
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(server_->Stop(), 0) << server_->Log();
  auto took = std::chrono::steady_clock::now() - started;
  // The server's grace for requests in flight is 10 s: streams must end well before.
  EXPECT_LT(took, std::chrono::seconds(5));
  // The stream ended cleanly: the last chunk, then the connection closed.
  EXPECT_TRUE(bob.WaitFor("0\r\n\r\n", std::chrono::seconds(5))) << bob.received();
  server_.reset();
}

INSTANTIATE_TEST_SUITE_P(Backends, NotificationsTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ebank::testing
