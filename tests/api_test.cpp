// The internal ledger API over real HTTP on loopback, on SQLite and PostgreSQL: every bad
// input gets a clear 4xx problem and changes nothing.
#include <gtest/gtest.h>

#include "common.h"

namespace ebank::testing {
namespace {

class ApiTest : public BackendTest {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(database_, dir_);
    client_ = std::make_unique<HttpClient>(server_->Client());
    bank_ = OpenAccount(*client_, R"({"currency":"CNY","side":"debit","floor":null})");
    alice_ = OpenAccount(*client_, R"({"currency":"CNY"})");
    bob_ = OpenAccount(*client_, R"({"currency":"CNY"})");
    dollars_ = OpenAccount(*client_, R"({"currency":"USD"})");
    ASSERT_EQ(
        client_->Post("/internal/ledger/transfers", TransferBody(bank_, alice_, "1000.00")).status,
        201);
  }
  void TearDown() override {
    ExpectVerified(*client_);
    EXPECT_EQ(server_->Stop(), 0) << server_->Log();
    ExpectVerifyJournalCommand(database_, dir_);
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
  int64_t bank_ = 0, alice_ = 0, bob_ = 0, dollars_ = 0;
};

TEST_P(ApiTest, HealthAndMetrics) {
  HttpClient anonymous("127.0.0.1", server_->port());
  HttpResult health = anonymous.Get("/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.json().at("backend").as_string(), GetParam());
  HttpResult metrics = anonymous.Get("/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("ebank_ledger_commands_total{backend=\"" + GetParam() + "\"}"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("ebank_http_request_seconds_bucket"), std::string::npos);
}

TEST_P(ApiTest, OperatorTokenIsRequired) {
  HttpClient anonymous("127.0.0.1", server_->port());
  EXPECT_EQ(anonymous.Get("/internal/ledger/accounts/1").status, 401);
  EXPECT_EQ(anonymous.Post("/internal/ledger/transfers", TransferBody(alice_, bob_, "1.00")).status,
            401);
  HttpClient wrong("127.0.0.1", server_->port(), std::string(64, 'a'));
  EXPECT_EQ(wrong.Post("/internal/ledger/transfers", TransferBody(alice_, bob_, "1.00")).status,
            401);
  EXPECT_EQ(ReadBalances(*client_, {bob_})[bob_], 0);
}

TEST_P(ApiTest, BadInputGetsAProblemAndChangesNothing) {
  HttpClient& client = *client_;
  auto head = [&] { return ReadJournal(client).rbegin()->first; };
  int64_t head_before = head();
  auto body = [&](json::object fields) { return json::serialize(fields); };
  struct Case {
    std::string body;
    int status;
    std::string code;
  };
  std::string a = std::to_string(alice_), b = std::to_string(bob_);
  std::vector<Case> cases = {
      {"", 400, "malformed_json"},
      {"{", 400, "malformed_json"},
      {"[1,2]", 400, "malformed_json"},
      {"{\"debit_account\":" + a + ",}", 400, "malformed_json"},
      {std::string(20, '[') + std::string(20, ']'), 400, "malformed_json"},
      {"{}", 400, "missing_field"},
      {body({{"debit_account", alice_}, {"credit_account", bob_}, {"currency", "CNY"}}), 400,
       "missing_field"},
      {body({{"debit_account", alice_}, {"credit_account", bob_}, {"amount", "1.00"}}), 400,
       "missing_field"},
      {body({{"debit_account", a},
             {"credit_account", bob_},
             {"amount", "1.00"},
             {"currency", "CNY"}}),
       400, "invalid_field"},
      {body({{"debit_account", alice_},
             {"credit_account", bob_},
             {"amount", 1.0},
             {"currency", "CNY"}}),
       400, "invalid_field"},
      {body({{"debit_account", 1.5},
             {"credit_account", bob_},
             {"amount", "1.00"},
             {"currency", "CNY"}}),
       400, "invalid_field"},
      {body({{"debit_account", alice_},
             {"credit_account", bob_},
             {"amount", "0.00"},
             {"currency", "CNY"}}),
       400, "invalid_amount"},
      {body({{"debit_account", alice_},
             {"credit_account", bob_},
             {"amount", "-5.00"},
             {"currency", "CNY"}}),
       400, "invalid_amount"},
      {body({{"debit_account", alice_},
             {"credit_account", bob_},
             {"amount", "1.001"},
             {"currency", "CNY"}}),
       400, "invalid_amount"},
      {body({{"debit_account", alice_},
             {"credit_account", bob_},
             {"amount", "1e3"},
             {"currency", "CNY"}}),
       400, "invalid_amount"},
      {body({{"debit_account", alice_},
             {"credit_account", bob_},
             {"amount", "92233720368547758.08"},
             {"currency", "CNY"}}),
       400, "invalid_amount"},
      {body({{"debit_account", alice_},
             {"credit_account", bob_},
             {"amount", "99999999999999999999999"},
             {"currency", "CNY"}}),
       400, "invalid_amount"},
      {body({{"debit_account", alice_},
             {"credit_account", bob_},
             {"amount", "92233720368547758.07"},
             {"currency", "CNY"}}),
       422, "insufficient_funds"},
      {body({{"debit_account", alice_},
             {"credit_account", 987654321},
             {"amount", "1.00"},
             {"currency", "CNY"}}),
       404, "unknown_account"},
      {body({{"debit_account", -1},
             {"credit_account", bob_},
             {"amount", "1.00"},
             {"currency", "CNY"}}),
       404, "unknown_account"},
      {body({{"debit_account", alice_},
             {"credit_account", dollars_},
             {"amount", "1.00"},
             {"currency", "CNY"}}),
       400, "currency_mismatch"},
      {body({{"debit_account", alice_},
             {"credit_account", bob_},
             {"amount", "1.00"},
             {"currency", "USD"}}),
       400, "currency_mismatch"},
      {body({{"debit_account", alice_},
             {"credit_account", bob_},
             {"amount", "1.00"},
             {"currency", "XYZ"}}),
       400, "unknown_currency"},
      {body({{"debit_account", alice_},
             {"credit_account", alice_},
             {"amount", "1.00"},
             {"currency", "CNY"}}),
       400, "duplicate_account"},
      {body({{"debit_account", alice_},
             {"credit_account", bob_},
             {"amount", "1.00"},
             {"currency", "CNY"},
             {"surprise", true}}),
       400, "unknown_field"},
      {body({{"debit_account", alice_},
             {"credit_account", bob_},
             {"amount", "1.00"},
             {"currency", "CNY"},
             {"memo", std::string(200, 'x')}}),
       400, "invalid_memo"},
      {body({{"postings",
              json::array{
                  json::object{{"account", alice_}, {"amount", "-1.00"}, {"currency", "CNY"}},
                  json::object{{"account", bob_}, {"amount", "0.99"}, {"currency", "CNY"}}}}}),
       400, "unbalanced_transfer"},
      {body({{"postings",
              json::array{
                  json::object{{"account", alice_}, {"amount", "-1.00"}, {"currency", "CNY"}}}}}),
       400, "invalid_postings"},
      {body({{"postings", "no"}}), 400, "invalid_postings"},
      {body({{"postings", json::array{1, 2}}}), 400, "invalid_field"},
      {body({{"debit_account", alice_},
             {"credit_account", bob_},
             {"amount", "1000.01"},
             {"currency", "CNY"}}),
       422, "insufficient_funds"},
  };
  for (const Case& test : cases) {
    HttpResult result = client.Post("/internal/ledger/transfers", test.body);
    EXPECT_EQ(result.status, test.status) << test.body << " -> " << result.body;
    EXPECT_EQ(result.headers["Content-Type"], "application/problem+json") << test.body;
    auto problem = result.json();
    ASSERT_TRUE(problem.is_object()) << result.body;
    EXPECT_EQ(problem.at("code").as_string(), test.code) << test.body;
    EXPECT_EQ(problem.at("status").as_int64(), test.status);
  }
  // Bad ids, queries and routes.
  EXPECT_EQ(client.Get("/internal/ledger/accounts/abc").status, 400);
  EXPECT_EQ(client.Get("/internal/ledger/accounts/0").status, 400);
  EXPECT_EQ(client.Get("/internal/ledger/accounts/99999999").status, 404);
  EXPECT_EQ(client.Get("/internal/ledger/accounts?ids=1,x").status, 400);
  EXPECT_EQ(client.Get("/internal/ledger/journal?limit=100000").status, 400);
  EXPECT_EQ(client.Get("/internal/ledger/journal?after=-1").status, 400);
  EXPECT_EQ(client.Get("/no/such/route").status, 404);
  EXPECT_EQ(client.Send("DELETE", "/internal/ledger/transfers", "", {}).status, 405);
  EXPECT_EQ(client.Post("/internal/ledger/holds/abc/void", "{}").status, 400);
  EXPECT_EQ(client.Post("/internal/ledger/holds/424242/void", "{}").status, 404);
  EXPECT_EQ(client.Post("/internal/ledger/transfers", std::string(70 * 1024, ' ')).status, 413);

  auto balances = ReadBalances(*client_, {alice_, bob_, dollars_});
  EXPECT_EQ(balances[alice_], 100000);
  EXPECT_EQ(balances[bob_], 0);
  EXPECT_EQ(balances[dollars_], 0);
  EXPECT_EQ(head(), head_before);
}

TEST_P(ApiTest, IdempotentRetryReturnsTheSameTransfer) {
  std::map<std::string, std::string> key = {{"Idempotency-Key", "order-42"}};
  HttpResult first =
      client_->Post("/internal/ledger/transfers", TransferBody(alice_, bob_, "10.00"), key);
  ASSERT_EQ(first.status, 201) << first.body;
  HttpResult again =
      client_->Post("/internal/ledger/transfers", TransferBody(alice_, bob_, "10.00"), key);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.json().at("id"), first.json().at("id"));
  EXPECT_EQ(again.headers["Idempotent-Replayed"], "true");
  HttpResult other =
      client_->Post("/internal/ledger/transfers", TransferBody(alice_, bob_, "11.00"), key);
  EXPECT_EQ(other.status, 422);
  EXPECT_EQ(other.json().at("code").as_string(), "idempotency_key_reused");
  EXPECT_EQ(ReadBalances(*client_, {bob_})[bob_], 1000);
}

TEST_P(ApiTest, HoldsOverHttp) {
  HttpResult hold = client_->Post("/internal/ledger/holds",
                                  R"({"debit_account":)" + std::to_string(alice_) +
                                      R"(,"credit_account":)" + std::to_string(bob_) +
                                      R"(,"amount":"600.00","currency":"CNY","expires_in_s":600})");
  ASSERT_EQ(hold.status, 201) << hold.body;
  std::string id = std::to_string(hold.json().at("id").as_int64());
  HttpResult account = client_->Get("/internal/ledger/accounts/" + std::to_string(alice_));
  EXPECT_EQ(account.json().at("available").as_string(), "400.00");
  EXPECT_EQ(account.json().at("held").as_string(), "600.00");
  EXPECT_EQ(
      client_->Post("/internal/ledger/transfers", TransferBody(alice_, bob_, "400.01")).status,
      422);
  HttpResult posted = client_->Post("/internal/ledger/holds/" + id + "/post",
                                    R"({"amount":"250.00","currency":"CNY"})");
  EXPECT_EQ(posted.status, 201) << posted.body;
  EXPECT_EQ(client_->Post("/internal/ledger/holds/" + id + "/void", "{}").status, 422);
  auto balances = ReadBalances(*client_, {alice_, bob_});
  EXPECT_EQ(balances[alice_], 75000);
  EXPECT_EQ(balances[bob_], 25000);
  HttpResult history =
      client_->Get("/internal/ledger/accounts/" + std::to_string(alice_) + "/postings");
  ASSERT_EQ(history.status, 200);
  json::value postings = history.json().at("postings");
  ASSERT_EQ(postings.as_array().size(), 2u);
  EXPECT_EQ(postings.as_array()[0].at("amount_minor").as_int64(), -25000);
}

TEST_P(ApiTest, BatchEndpointAnswersEachTransfer) {
  json::array transfers;
  transfers.push_back(json::parse(TransferBody(alice_, bob_, "1.00")));
  transfers.push_back(json::parse(TransferBody(alice_, bob_, "5000.00")));
  transfers.push_back(json::object{{"oops", 1}});
  json::object keyed = json::parse(TransferBody(alice_, bob_, "2.00")).as_object();
  keyed["idempotency_key"] = "batch-k";
  transfers.push_back(keyed);
  transfers.push_back(keyed);
  HttpResult result = client_->Post("/internal/ledger/transfers/batch",
                                    json::serialize(json::object{{"transfers", transfers}}));
  ASSERT_EQ(result.status, 200) << result.body;
  json::value document = result.json();
  const auto& results = document.at("results").as_array();
  ASSERT_EQ(results.size(), 5u);
  EXPECT_TRUE(results[0].as_object().contains("id"));
  EXPECT_EQ(results[1].at("code").as_string(), "insufficient_funds");
  EXPECT_EQ(results[2].at("code").as_string(), "unknown_field");
  EXPECT_EQ(results[3].at("id"), results[4].at("id"));
  EXPECT_EQ(results[4].at("replayed").as_bool(), true);
  EXPECT_EQ(ReadBalances(*client_, {bob_})[bob_], 300);
  EXPECT_EQ(client_->Post("/internal/ledger/transfers/batch", R"({"transfers":[]})").status, 400);
}

INSTANTIATE_TEST_SUITE_P(Backends, ApiTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ebank::testing
