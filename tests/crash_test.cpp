// A crash test: kill -9 the server while clients are moving money, restart it on the same
// database, and check that the journal chain verifies, the total is unchanged, every
// transfer acknowledged before the kill is present exactly as sent, and a retry of each
// unanswered request (same idempotency key) applies it at most once.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <random>
#include <thread>

#include "common.h"
#include "core/money.h"

namespace ebank::testing {
namespace {

constexpr int kAccounts = 50;
constexpr int kClients = 8;
constexpr int kCrashes = 2;
constexpr size_t kAcknowledgedBeforeKill = 150;
constexpr int64_t kOpeningMinor = 100000;

struct Sent {
  std::string key;
  int64_t from;
  int64_t to;
  int64_t amount_minor;
  int64_t id = 0;  // 0: no answer before the kill.
};

std::string Body(const Sent& sent) {
  return "xfer " + std::to_string(sent.from) + ":-" + std::to_string(sent.amount_minor) + ":CNY " +
         std::to_string(sent.to) + ":" + std::to_string(sent.amount_minor) + ":CNY memo=";
}

class CrashTest : public BackendTest {};

TEST_P(CrashTest, AcknowledgedTransfersSurviveKillNine) {
  auto server = std::make_unique<ServerProcess>(database_, dir_, "server");
  std::vector<int64_t> accounts;
  {
    HttpClient admin = server->Client();
    int64_t bank = OpenAccount(admin, R"({"currency":"CNY","side":"debit","floor":null})");
    for (int i = 0; i < kAccounts; ++i) {
      accounts.push_back(OpenAccount(admin, R"({"currency":"CNY"})"));
      ASSERT_EQ(
          admin.Post("/internal/ledger/transfers", TransferBody(bank, accounts.back(), "1000.00"))
              .status,
          201);
    }
  }
  const int64_t total = kAccounts * kOpeningMinor;
  std::vector<Sent> all_sent;
  for (int crash = 0; crash < kCrashes; ++crash) {
    std::mutex mutex;
    std::vector<Sent> sent;
    std::atomic<size_t> acknowledged{0};
    std::atomic<bool> killed{false};
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] {
        std::mt19937 random(static_cast<unsigned>(crash * 100 + c));
        HttpClient client = server->Client();
        for (int op = 0; !killed && op < 100000; ++op) {
          Sent item{
              "crash-" + std::to_string(crash) + "-" + std::to_string(c) + "-" + std::to_string(op),
              accounts[random() % kAccounts], accounts[random() % kAccounts],
              static_cast<int64_t>(random() % 5000 + 1)};
          if (item.from == item.to) continue;
          HttpResult result =
              client.Post("/internal/ledger/transfers",
                          TransferBody(item.from, item.to, FormatAmount(item.amount_minor, 2)),
                          {{"Idempotency-Key", item.key}});
          if (result.status == 201) {
            item.id = result.json().at("id").as_int64();
            ++acknowledged;
          } else if (result.status != 0 && result.status != 422) {
            ADD_FAILURE() << "unexpected answer " << result.status << " " << result.body;
          }
          std::lock_guard lock(mutex);
          sent.push_back(item);
          if (result.status == 0) break;  // The server is gone.
        }
      });
    }
    // Kill once enough transfers were acknowledged (bounded wait, then kill anyway).
    for (int i = 0; i < 3000 && acknowledged < kAcknowledgedBeforeKill; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    server->Kill();
    killed = true;
    for (auto& client : clients)
      client.join();
    EXPECT_GE(acknowledged.load(), kAcknowledgedBeforeKill / 2);

    server = std::make_unique<ServerProcess>(database_, dir_, "server");
    HttpClient client = server->Client();
    ExpectVerified(client);
    auto journal = ReadJournal(client);
    for (const Sent& item : sent) {
      if (item.id == 0) continue;
      auto entry = journal.find(item.id);
      ASSERT_NE(entry, journal.end())
          << "acknowledged transfer " << item.id << " lost in crash " << crash;
      EXPECT_EQ(entry->second, Body(item));
    }
    // Retry every request that got no answer: each applies at most once.
    for (Sent& item : sent) {
      if (item.id != 0) continue;
      HttpResult retry =
          client.Post("/internal/ledger/transfers",
                      TransferBody(item.from, item.to, FormatAmount(item.amount_minor, 2)),
                      {{"Idempotency-Key", item.key}});
      EXPECT_TRUE(retry.status == 201 || retry.status == 422) << retry.body;
      if (retry.status == 201) item.id = retry.json().at("id").as_int64();
    }
    auto balances = ReadBalances(client, accounts);
    int64_t sum = 0;
    for (const auto& [id, balance] : balances) {
      sum += balance;
      EXPECT_GE(balance, 0);
    }
    EXPECT_EQ(sum, total);
    all_sent.insert(all_sent.end(), sent.begin(), sent.end());
  }
  // Exactly the acknowledged (or retried and acknowledged) transfers moved money.
  HttpClient client = server->Client();
  auto journal = ReadJournal(client);
  size_t transfers = 0;
  for (const auto& [seq, body] : journal) {
    if (body.rfind("xfer", 0) == 0) ++transfers;
  }
  size_t applied = 0;
  for (const Sent& item : all_sent) {
    if (item.id != 0) ++applied;
  }
  EXPECT_EQ(transfers, applied + kAccounts);
  EXPECT_EQ(server->Stop(), 0) << server->Log();
  ExpectVerifyJournalCommand(database_, dir_);
}

INSTANTIATE_TEST_SUITE_P(Backends, CrashTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ebank::testing
