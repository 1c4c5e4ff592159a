// A Jepsen-style bank test: concurrent clients move money among 100 accounts over HTTP
// while others read every balance in one request. Every read must sum to the starting
// total, no balance may pass its floor, and every acknowledged transfer must be in the
// journal exactly as sent. Runs on SQLite and on PostgreSQL, each with one server process
// and with two sharing the database.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "common.h"
#include "core/money.h"

namespace ebank::testing {
namespace {

constexpr int kAccounts = 100;
constexpr int kClients = 16;
constexpr int kOperationsPerClient = 120;
constexpr int64_t kOpeningMinor = 100000;  // 1,000.00 each.

struct BankParam {
  std::string backend;
  int servers;
};

void PrintTo(const BankParam& param, std::ostream* out) {
  *out << param.backend << " x" << param.servers;
}

class BankTest : public ::testing::TestWithParam<BankParam> {
 protected:
  BankTest()
      : dir_(MakeTempDir("ebank-bank")), database_(FreshDatabase(GetParam().backend, dir_)) {}
  ~BankTest() override { RemoveTree(dir_); }
  std::string dir_;
  std::string database_;
};

struct Acknowledged {
  int64_t id;
  int64_t from;
  int64_t to;
  int64_t amount_minor;
};

TEST_P(BankTest, ReadsAlwaysSumToTheTotalAndAcknowledgedTransfersPersist) {
  std::vector<std::unique_ptr<ServerProcess>> servers;
  for (int i = 0; i < GetParam().servers; ++i) {
    servers.push_back(
        std::make_unique<ServerProcess>(database_, dir_, "server" + std::to_string(i)));
  }
  HttpClient admin = servers[0]->Client();
  int64_t bank = OpenAccount(admin, R"({"currency":"CNY","side":"debit","floor":null})");
  std::vector<int64_t> accounts;
  for (int i = 0; i < kAccounts; ++i) {
    accounts.push_back(OpenAccount(admin, R"({"currency":"CNY"})"));
    ASSERT_EQ(
        admin.Post("/internal/ledger/transfers", TransferBody(bank, accounts.back(), "1000.00"))
            .status,
        201);
  }
  const int64_t total = kAccounts * kOpeningMinor;

  std::mutex mutex;
  std::vector<Acknowledged> acknowledged;
  std::vector<std::string> violations;
  std::atomic<int> reads{0}, refused{0}, unanswered{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      std::mt19937 random(static_cast<unsigned>(1000 + c));
      HttpClient client = servers[static_cast<size_t>(c) % servers.size()]->Client();
      for (int op = 0; op < kOperationsPerClient; ++op) {
        if (random() % 5 == 0) {
          auto balances = ReadBalances(client, accounts);
          int64_t sum = 0;
          for (const auto& [id, balance] : balances) {
            sum += balance;
            if (balance < 0) {
              std::lock_guard lock(mutex);
              violations.push_back("account " + std::to_string(id) + " below zero");
            }
          }
          if (sum != total || balances.size() != accounts.size()) {
            std::lock_guard lock(mutex);
            violations.push_back("a read summed to " + std::to_string(sum));
          }
          ++reads;
          continue;
        }
        int64_t from = accounts[random() % kAccounts];
        int64_t to = accounts[random() % kAccounts];
        if (from == to) continue;
        int64_t amount = static_cast<int64_t>(random() % 30000 + 1);
        std::string key = "bank-" + std::to_string(c) + "-" + std::to_string(op);
        HttpResult result = client.Post("/internal/ledger/transfers",
                                        TransferBody(from, to, FormatAmount(amount, 2)),
                                        {{"Idempotency-Key", key}});
        if (result.status == 201) {
          std::lock_guard lock(mutex);
          acknowledged.push_back({result.json().at("id").as_int64(), from, to, amount});
        } else if (result.status == 422) {
          ++refused;
        } else {
          ++unanswered;
          std::lock_guard lock(mutex);
          violations.push_back("unexpected answer " + std::to_string(result.status) + " " +
                               result.body);
        }
      }
    });
  }
  for (auto& client : clients)
    client.join();

  EXPECT_TRUE(violations.empty()) << violations.size() << " violations, first: "
                                  << (violations.empty() ? "" : violations.front());
  EXPECT_GT(reads.load(), kClients * kOperationsPerClient / 10);
  EXPECT_GT(acknowledged.size(), static_cast<size_t>(kClients * kOperationsPerClient / 2));
  EXPECT_GT(refused.load(), 0) << "the test should also drive accounts to their floor";

  // Every acknowledged transfer is in the journal, exactly as sent, and nothing else is.
  auto journal = ReadJournal(admin);
  std::set<int64_t> ids;
  for (const auto& ack : acknowledged) {
    ids.insert(ack.id);
    auto entry = journal.find(ack.id);
    ASSERT_NE(entry, journal.end()) << "acknowledged transfer " << ack.id << " is missing";
    std::string expected = "xfer " + std::to_string(ack.from) + ":-" +
                           std::to_string(ack.amount_minor) + ":CNY " + std::to_string(ack.to) +
                           ":" + std::to_string(ack.amount_minor) + ":CNY memo=";
    EXPECT_EQ(entry->second, expected);
  }
  EXPECT_EQ(ids.size(), acknowledged.size()) << "two acknowledgements named one entry";
  size_t transfers_in_journal = 0;
  for (const auto& [seq, body] : journal) {
    if (body.rfind("xfer", 0) == 0) ++transfers_in_journal;
  }
  EXPECT_EQ(transfers_in_journal, acknowledged.size() + kAccounts) << "unacknowledged money moved";

  auto balances = ReadBalances(admin, accounts);
  int64_t sum = 0;
  for (const auto& [id, balance] : balances)
    sum += balance;
  EXPECT_EQ(sum, total);
  ExpectVerified(admin);
  for (auto& server : servers)
    EXPECT_EQ(server->Stop(), 0) << server->Log();
  ExpectVerifyJournalCommand(database_, dir_);
}

INSTANTIATE_TEST_SUITE_P(Backends, BankTest,
                         ::testing::Values(BankParam{"sqlite", 1}, BankParam{"sqlite", 2},
                                           BankParam{"postgresql", 1}, BankParam{"postgresql", 2}),
                         [](const auto& info) {
                           return info.param.backend + "_" + std::to_string(info.param.servers) +
                                  "_servers";
                         });

}  // namespace
}  // namespace ebank::testing
