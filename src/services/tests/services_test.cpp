// Customers, accounts, staff and sessions on both backends.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "ledger/tests/ledger_env.h"
#include "security/card.h"
#include "security/password.h"
#include "services/customers.h"
#include "services/sessions.h"
#include "services/staff.h"
#include "services/usage.h"
#include "store/open.h"
#include "store/schema.h"
#include "store/sqlite.h"
#include "testing/testing.h"

namespace ebank::services {
namespace {

// Valid resident ID numbers (check digits computed per GB 11643), none of real people.
constexpr const char* kAliceId = "11010519491231002X";
constexpr const char* kBobId = "440524188001010014";

class ServicesTest : public ::testing::TestWithParam<std::string> {
 protected:
  ServicesTest() {
    auto db = store::OpenSqlDatabase(env_.database());
    if (!db.ok()) throw std::runtime_error(db.status().ToString());
    db_ = std::move(*db);
    customers_ = std::make_unique<CustomerService>(*db_, env_.ledger(), env_.clock());
    sessions_ = std::make_unique<SessionService>(*db_, env_.clock());
    staff_ = std::make_unique<StaffService>(*db_, *sessions_, env_.clock(),
                                            security::PasswordHashCost::Minimum());
  }
  void TearDown() override { env_.Verify(); }

  Customer Alice() {
    auto customer =
        customers_->Create({CustomerKind::kIndividual, "张三", kAliceId, "13800138000", "北京"});
    EXPECT_TRUE(customer.ok()) << customer.status().ToString();
    return customer.ok() ? *customer : Customer{};
  }

  ledger::LedgerEnv env_{GetParam()};
  std::unique_ptr<store::SqlDatabase> db_;
  std::unique_ptr<CustomerService> customers_;
  std::unique_ptr<SessionService> sessions_;
  std::unique_ptr<StaffService> staff_;
};

// Transactions from many threads (group-committed on SQLite): each commits or rolls back on
// its own, a unique violation is the failing one's alone, and counters never lose updates.
TEST_P(ServicesTest, ConcurrentTransactionsCommitOrFailAlone) {
  ASSERT_TRUE(db_->Transaction([](store::SqlSession& sql) {
                   return sql.Exec(
                       "INSERT INTO limit_usage (customer_id, day, used_minor) VALUES "
                       "(0, 'total', 0)");
                 })
                  .ok());
  constexpr int kThreads = 8;
  constexpr int kEach = 25;
  std::atomic<int> failed_as_asked{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        int n = t * kEach + i;
        Status status = db_->Transaction([&](store::SqlSession& sql) -> Status {
          EBANK_RETURN_IF_ERROR(
              sql.Exec("UPDATE limit_usage SET used_minor = used_minor + 1 WHERE customer_id = 0"));
          // Every third one fails after writing: its row and its increment must vanish.
          EBANK_RETURN_IF_ERROR(sql.Exec(
              "INSERT INTO limit_usage (customer_id, day, used_minor) VALUES (?, 'row', 0)",
              {int64_t{n + 1}}));
          if (n % 3 == 0) return Status::Rejected("asked_to_fail", "");
          // Every fifth one collides with a row that exists: a unique violation.
          if (n % 5 == 1) {
            return sql.Exec(
                "INSERT INTO limit_usage (customer_id, day, used_minor) VALUES (0, 'total', 0)");
          }
          return Status::Ok();
        });
        if (status.reason() == "asked_to_fail") failed_as_asked++;
        if (status.code() == Code::kConflict) conflicts++;
        if (!status.ok() && status.reason() != "asked_to_fail" && status.code() != Code::kConflict)
          ADD_FAILURE() << status.ToString();
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  int total = kThreads * kEach;
  int expected_ok = 0;
  for (int n = 0; n < total; ++n)
    expected_ok += (n % 3 != 0 && n % 5 != 1) ? 1 : 0;
  EXPECT_EQ(failed_as_asked.load(), (total + 2) / 3);
  EXPECT_EQ(failed_as_asked.load() + conflicts.load() + expected_ok, total);
  int64_t counter = -1, rows = -1;
  ASSERT_TRUE(db_->Read([&](store::SqlSession& sql) -> Status {
                   auto read = sql.Query(
                       "SELECT (SELECT used_minor FROM limit_usage WHERE customer_id = 0), "
                       "(SELECT COUNT(*) FROM limit_usage WHERE day = 'row')");
                   if (!read.ok()) return read.status();
                   counter = read->Int(0, 0);
                   rows = read->Int(0, 1);
                   return Status::Ok();
                 })
                  .ok());
  EXPECT_EQ(counter, expected_ok);
  EXPECT_EQ(rows, expected_ok);
}

TEST_P(ServicesTest, CreatesCustomersAndRefusesBadOrDuplicateDocuments) {
  Customer alice = Alice();
  EXPECT_EQ(alice.number, "C0000000001");
  EXPECT_EQ(customers_->GetByNumber("C0000000001")->name, "张三");
  auto again = customers_->Create({CustomerKind::kIndividual, "李四", kAliceId, "13900139000", ""});
  EXPECT_EQ(again.status().reason(), "customer_exists");
  std::string wrong_check = kBobId;
  wrong_check.back() = '5';
  EXPECT_EQ(customers_->Create({CustomerKind::kIndividual, "王五", wrong_check, "13900139000", ""})
                .status()
                .reason(),
            "invalid_resident_id");
  EXPECT_EQ(customers_->Create({CustomerKind::kIndividual, "王五", kBobId, "2390013900", ""})
                .status()
                .reason(),
            "invalid_mobile");
  EXPECT_EQ(customers_->Create({CustomerKind::kIndividual, "", kBobId, "13900139000", ""})
                .status()
                .reason(),
            "invalid_name");
  EXPECT_EQ(
      customers_
          ->Create({CustomerKind::kCompany, "某公司", "91350100M000100Y4X", "13900139000", ""})
          .status()
          .reason(),
      "invalid_credit_code");
  EXPECT_EQ(customers_->GetByNumber("C9999999999").status().reason(), "unknown_customer");
}

TEST_P(ServicesTest, AccountClassesFollowThePbocRules) {
  Customer alice = Alice();
  auto first = customers_->OpenAccount(alice.id, "DEMAND_CARD_I", std::nullopt);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->number.size(), 19u);
  EXPECT_TRUE(LuhnValid(first->number)) << first->number;
  EXPECT_EQ(first->account_class, 1);
  EXPECT_EQ(customers_->OpenAccount(alice.id, "PASSBOOK", std::nullopt).status().reason(),
            "class_one_exists");
  EXPECT_EQ(customers_->OpenAccount(alice.id, "DEMAND_CARD_II", std::nullopt).status().reason(),
            "binding_required");
  EXPECT_EQ(customers_->OpenAccount(alice.id, "DEMAND_CARD_II", std::string("6225880000000000000"))
                .status()
                .reason(),
            "binding_required");
  auto second = customers_->OpenAccount(alice.id, "DEMAND_CARD_II", first->number);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_NE(second->number, first->number);
  EXPECT_EQ(second->bound_number, first->number);
  EXPECT_EQ(customers_->OpenAccount(alice.id, "NO_SUCH", std::nullopt).status().reason(),
            "unknown_product");
  auto card = customers_->OpenAccount(alice.id, "CREDIT_CARD", std::nullopt);
  ASSERT_TRUE(card.ok());
  EXPECT_EQ(env_.Get(card->ledger_account).floor, -5000000);
  EXPECT_EQ(env_.Get(first->ledger_account).floor, 0);
  // Foreign-currency savings sit beside the class I account, outside the classes.
  auto dollars = customers_->OpenAccount(alice.id, "USD_SAVINGS", std::nullopt);
  ASSERT_TRUE(dollars.ok()) << dollars.status().ToString();
  EXPECT_EQ(dollars->number.size(), 17u);
  EXPECT_EQ(env_.Get(dollars->ledger_account).currency, Currency::Usd());
  auto accounts = customers_->Accounts(alice.id);
  ASSERT_TRUE(accounts.ok());
  EXPECT_EQ(accounts->size(), 4u);
  EXPECT_EQ(customers_->GetAccount(first->number)->customer_id, alice.id);
}

TEST_P(ServicesTest, StaffLoginLocksAfterFiveFailuresWithoutSayingWhy) {
  ASSERT_TRUE(staff_->Create("teller01", "柜员一", Role::kTeller, "Counter#2026").ok());
  EXPECT_EQ(staff_->Create("teller01", "x", Role::kTeller, "Counter#2026").status().reason(),
            "login_taken");
  EXPECT_EQ(staff_->Create("t2", "x", Role::kTeller, "12345678").status().reason(),
            "weak_password");
  auto good = staff_->Login("teller01", "Counter#2026", "test");
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_EQ(staff_->Authenticate(good->token)->login, "teller01");
  EXPECT_EQ(staff_->Login("nobody", "Counter#2026", "test").status().reason(), "login_failed");
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(staff_->Login("teller01", "wrong-pass-1", "test").status().reason(), "login_failed");
  }
  EXPECT_EQ(staff_->Login("teller01", "wrong-pass-1", "test").status().reason(), "login_locked");
  EXPECT_EQ(staff_->Login("teller01", "Counter#2026", "test").status().reason(), "login_locked");
  env_.clock().Advance(kLoginLockMs);
  EXPECT_TRUE(staff_->Login("teller01", "Counter#2026", "test").ok());
}

TEST_P(ServicesTest, SessionsEndWhenIdleExpiredOrRevoked) {
  auto token = sessions_->Start(SubjectKind::kCustomer, 7, 2, "browser");
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token->size(), 22u);  // 128 bits, unpadded base64url.
  EXPECT_EQ(sessions_->Authenticate(*token)->subject_id, 7);
  EXPECT_EQ(sessions_->Authenticate("not-a-token").status().reason(), "session_invalid");
  env_.clock().Advance(kSessionIdleTimeoutMs - 1000);
  EXPECT_TRUE(sessions_->Authenticate(*token).ok());  // Touching it keeps it alive.
  env_.clock().Advance(kSessionIdleTimeoutMs + 1);
  EXPECT_EQ(sessions_->Authenticate(*token).status().reason(), "session_invalid");

  auto kept = sessions_->Start(SubjectKind::kCustomer, 7, 2, "phone");
  for (int64_t waited = 0; waited < kSessionLifetimeMs; waited += kSessionIdleTimeoutMs / 2) {
    env_.clock().Advance(kSessionIdleTimeoutMs / 2);
    (void)sessions_->Authenticate(*kept);
  }
  EXPECT_EQ(sessions_->Authenticate(*kept).status().reason(), "session_invalid");

  auto listed = sessions_->Start(SubjectKind::kCustomer, 7, 2, "tablet");
  auto other = sessions_->Start(SubjectKind::kCustomer, 8, 2, "other");
  auto sessions = sessions_->List(SubjectKind::kCustomer, 7);
  ASSERT_TRUE(sessions.ok());
  ASSERT_EQ(sessions->size(), 1u);
  EXPECT_EQ(sessions->front().client, "tablet");
  // Another customer's session cannot be revoked by id.
  auto others = sessions_->List(SubjectKind::kCustomer, 8);
  EXPECT_EQ(sessions_->RevokeById(SubjectKind::kCustomer, 7, others->front().id).reason(),
            "unknown_session");
  EXPECT_TRUE(sessions_->RevokeById(SubjectKind::kCustomer, 7, sessions->front().id).ok());
  EXPECT_EQ(sessions_->Authenticate(*listed).status().reason(), "session_invalid");
  EXPECT_TRUE(sessions_->Authenticate(*other).ok());
  EXPECT_TRUE(sessions_->Revoke(*other).ok());
  EXPECT_FALSE(sessions_->Authenticate(*other).ok());
}

// Rows read the same whichever backend filled them: SQLite's integers are kept as integers
// and PostgreSQL's arrive as text, yet Text, Int and IsNull agree.
TEST_P(ServicesTest, ResultCellsReadTheSameOnEitherBackend) {
  Status status = db_->Read([](store::SqlSession& sql) {
    auto rows = sql.Query(
        "SELECT CAST(? AS BIGINT), CAST(? AS TEXT), NULL, CAST(-9223372036854775807 AS BIGINT) "
        "UNION ALL SELECT 0, '', NULL, 1",
        {int64_t{4200000000123}, std::string("0042")});
    if (!rows.ok()) return rows.status();
    EXPECT_EQ(rows->size(), 2u);
    EXPECT_FALSE(rows->empty());
    EXPECT_EQ(rows->Int(0, 0), 4200000000123);
    EXPECT_EQ(rows->Text(0, 0), "4200000000123");
    EXPECT_EQ(rows->Text(0, 1), "0042");  // Text stays text, leading zeros and all.
    EXPECT_EQ(rows->Int(0, 1), 42);
    EXPECT_TRUE(rows->IsNull(0, 2));
    EXPECT_EQ(rows->OptionalInt(0, 2), std::nullopt);
    EXPECT_EQ(rows->Text(0, 2), "");
    EXPECT_EQ(rows->Text(0, 3), "-9223372036854775807");
    EXPECT_EQ(rows->Int(1, 3), 1);
    EXPECT_FALSE(rows->IsNull(1, 1));
    EXPECT_EQ(rows->OptionalInt(1, 0), 0);
    EXPECT_THROW(rows->Text(2, 0), std::out_of_range);
    EXPECT_THROW(rows->Int(0, 4), std::out_of_range);
    return Status::Ok();
  });
  EXPECT_TRUE(status.ok()) << status.ToString();
}

// A limit counter adds up to its cap and no further; when a later counter refuses, the
// earlier ones keep what they had (all or none); giving back is never refused.
TEST_P(ServicesTest, UsageCountersAddUpToTheirCapsAllOrNone) {
  auto used = [&](const std::string& period) {
    int64_t value = -1;
    Status read = db_->Read([&](store::SqlSession& sql) {
      auto rows = sql.Query(
          "SELECT used_minor FROM account_usage WHERE account_number = 'u-1' AND period = ?",
          {period});
      if (!rows.ok()) return rows.status();
      value = rows->empty() ? 0 : rows->Int(0, 0);
      return Status::Ok();
    });
    EXPECT_TRUE(read.ok()) << read.ToString();
    return value;
  };
  auto add = [&](int64_t amount, int64_t day_cap, int64_t year_cap) {
    std::vector<Usage> usages = {{"account_usage", "account_number", std::string("u-1"), "period",
                                  "d", day_cap, Status::Rejected("day", "over the day's cap")},
                                 {"account_usage", "account_number", std::string("u-1"), "period",
                                  "y", year_cap, Status::Rejected("year", "over the year's cap")}};
    return db_->Transaction([&](store::SqlSession& sql) { return AddUsage(sql, usages, amount); });
  };
  EXPECT_TRUE(add(60, 100, 150).ok());     // Both rows inserted.
  EXPECT_TRUE(add(101, 1000, 1000).ok());  // Within both.
  EXPECT_EQ(used("d"), 161);
  EXPECT_EQ(add(1, 161, 1000).reason(), "day");   // 162 > 161: refused by the first.
  EXPECT_EQ(add(1, 1000, 161).reason(), "year");  // The day took it, then gave it back.
  EXPECT_EQ(used("d"), 161);
  EXPECT_EQ(used("y"), 161);
  EXPECT_EQ(add(200, 100, 1000).reason(), "day");  // Over the cap on its own.
  EXPECT_TRUE(add(-61, 0, 0).ok());                // Given back whatever the caps.
  EXPECT_EQ(used("d"), 100);
  EXPECT_EQ(used("y"), 100);
  EXPECT_TRUE(add(61, 161, 161).ok());  // Exactly up to the caps.
  EXPECT_EQ(used("y"), 161);
}

// Under steady reads a PASSIVE checkpoint never finishes, so the WAL would never start over
// and would grow by every commit. The file's checkpointer restarts it once it is long.
TEST(SqliteWal, StartsOverUnderSteadyReads) {
  std::string dir = ebank::testing::MakeTempDir("ebank-wal");
  std::string path = dir + "/wal.db";
  {
    auto db = store::OpenSqlDatabase(path);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE((*db)
                    ->Transaction([](store::SqlSession& sql) {
                      return sql.Exec("CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB)");
                    })
                    .ok());
    std::atomic<bool> stop{false};
    struct Readers {
      std::atomic<bool>& stop;
      std::vector<std::thread> threads;
      ~Readers() {  // Also when an assertion below returns early.
        stop = true;
        for (auto& thread : threads)
          thread.join();
      }
    } readers{stop, {}};
    for (int r = 0; r < 3; ++r) {
      readers.threads.emplace_back([&] {
        while (!stop) {
          (void)(*db)->Read([](store::SqlSession& sql) {
            return sql.Query("SELECT COUNT(*) FROM blobs").status();
          });
        }
      });
    }
    // 96 MiB of pages written back to back (24,576 frames), then the WAL's length in frames
    // at once, with the readers still reading. Left growing, it would hold every one.
    constexpr int kCommits = 192;
    constexpr int kFramesWritten = kCommits * 128;
    for (int i = 0; i < kCommits; ++i) {
      ASSERT_TRUE((*db)
                      ->Transaction([](store::SqlSession& sql) {
                        return sql.Exec("INSERT INTO blobs (body) VALUES (randomblob(524288))");
                      })
                      .ok());
    }
    auto probe = store::SqliteDb::Open(path);
    ASSERT_TRUE(probe.ok());
    int frames = -1;
    int copied = -1;
    // BUSY while the database's own checkpointer is at work (a PASSIVE checkpoint does not
    // wait for it): asked again, for at most 10 s.
    int code = SQLITE_BUSY;
    for (int tries = 0; tries < 1000 && code == SQLITE_BUSY; ++tries) {
      code = sqlite3_wal_checkpoint_v2((*probe)->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                       &frames, &copied);
      if (code == SQLITE_BUSY) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(code, SQLITE_OK);
    // Restarted at 4,096 frames every quarter second, it holds that and one round's writes.
    EXPECT_LT(frames, kFramesWritten * 3 / 4) << "the WAL was never started over";
  }
  ebank::testing::RemoveTree(dir);
}

// Migration 13 rebuilds card_transactions (SQLite cannot alter a check): a database at
// version 12 keeps its rows, its unique key and its indexes, and the state check still refuses.
TEST(SqliteMigration, CardStateCheckRebuildKeepsRowsAndRules) {
  std::string dir = ebank::testing::MakeTempDir("ebank-migrate");
  std::string path = dir + "/old.db";
  {
    auto db = store::SqliteDb::Open(path);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE((*db)
                    ->Exec("CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name "
                           "TEXT NOT NULL, applied_at_ms BIGINT NOT NULL)")
                    .ok());
    for (const store::Migration& migration : store::Migrations()) {
      if (migration.version > 12) break;
      ASSERT_TRUE((*db)->Exec(migration.sqlite).ok()) << migration.name;
      ASSERT_TRUE((*db)
                      ->Exec(fmt::format("INSERT INTO schema_migrations VALUES ({}, '{}', 0)",
                                         migration.version, migration.name))
                      .ok());
    }
    Status seeded = (*db)->Exec(
        "INSERT INTO staff VALUES (1, 'keeper', 'K', 'supervisor', 'x', 0, 0, 0, 1);"
        "INSERT INTO terminals (id, code, kind, unit_id, merchant_id, location, keeper_staff_id, "
        "pin_key_sealed, pin_key_check, cash_account_id, status, batch, last_activity_ms, "
        "created_at_ms) VALUES (1, 'ATM00001', 'atm', 1, NULL, 'L', 1, 's', 'c', NULL, 'active', "
        "1, NULL, 0);"
        "INSERT INTO card_transactions VALUES (7, 1, '1208', '000001', 'withdrawal', NULL, "
        "'0004', 10000, 'CNY', 0, '00', 'f1', NULL, 3, 0, 'approved', 1, 100, NULL, NULL);"
        "INSERT INTO card_transactions VALUES (8, 1, '1208', '000002', 'refund', NULL, '0004', "
        "500, 'CNY', 0, '00', 'f2', 7, 4, 0, 'reversal_unmatched', 1, 200, 300, 42);");
    ASSERT_TRUE(seeded.ok()) << seeded.ToString();
  }
  auto migrated = store::Migrate(path);
  ASSERT_TRUE(migrated.ok()) << migrated.status().ToString();
  EXPECT_EQ(*migrated, store::Migrations().back().version);
  auto db = store::OpenSqlDatabase(path);
  ASSERT_TRUE(db.ok());
  Status read = (*db)->Read([](store::SqlSession& sql) -> Status {
    auto rows = sql.Query(
        "SELECT id, stan, amount_minor, original_id, state, reversed_at_ms, payee_account_id "
        "FROM card_transactions ORDER BY id");
    if (!rows.ok()) return rows.status();
    EXPECT_EQ(rows->size(), 2u);
    if (rows->size() != 2) return Status::Ok();
    EXPECT_EQ(rows->Int(0, 0), 7);
    EXPECT_EQ(rows->Text(0, 1), "000001");
    EXPECT_EQ(rows->Int(0, 2), 10000);
    EXPECT_TRUE(rows->IsNull(0, 3));
    EXPECT_EQ(rows->Text(0, 4), "approved");
    EXPECT_EQ(rows->Int(1, 3), 7);
    EXPECT_EQ(rows->Text(1, 4), "reversal_unmatched");
    EXPECT_EQ(rows->Int(1, 5), 300);
    EXPECT_EQ(rows->Int(1, 6), 42);
    auto indexes = sql.Query(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'card_transactions' "
        "AND sql IS NOT NULL ORDER BY name");
    if (!indexes.ok()) return indexes.status();
    EXPECT_EQ(indexes->size(), 3u);
    // What the rebuild is for: an authorisation's insert builds no temporary index (the old
    // IN list of five states built one at every statement).
    auto plan = sql.Query(
        "EXPLAIN INSERT INTO card_transactions (terminal_id, local_date, stan, kind, last_four, "
        "amount_minor, currency, fee_minor, response, fingerprint, ledger_seq, hold_id, state, "
        "batch, at_ms) VALUES (?, ?, ?, ?, ?, ?, 'CNY', ?, 'ok', ?, 0, 0, 'approved', ?, ?)");
    if (!plan.ok()) return plan.status();
    EXPECT_GT(plan->size(), 0u);
    for (size_t r = 0; r < plan->size(); ++r)
      EXPECT_NE(plan->Text(r, 1), "OpenEphemeral") << "step " << r;
    return Status::Ok();
  });
  EXPECT_TRUE(read.ok()) << read.ToString();
  Status bad_state = (*db)->Transaction([](store::SqlSession& sql) {
    return sql.Exec("UPDATE card_transactions SET state = 'lost' WHERE id = 7");
  });
  EXPECT_EQ(bad_state.code(), Code::kConflict) << bad_state.ToString();  // A constraint.
  Status twin = (*db)->Transaction([](store::SqlSession& sql) {
    return sql.Exec(
        "INSERT INTO card_transactions (terminal_id, local_date, stan, kind, last_four, "
        "amount_minor, currency, fee_minor, response, fingerprint, ledger_seq, hold_id, state, "
        "batch, at_ms) VALUES (1, '1208', '000001', 'inquiry', '0004', 0, 'CNY', 0, '00', 'f3', "
        "0, 0, 'completed', 1, 400)");
  });
  EXPECT_EQ(twin.code(), Code::kConflict) << twin.ToString();
  Status completed = (*db)->Transaction([](store::SqlSession& sql) {
    return sql.Exec("UPDATE card_transactions SET state = 'completed' WHERE id = 7");
  });
  EXPECT_TRUE(completed.ok()) << completed.ToString();
  db->reset();
  ebank::testing::RemoveTree(dir);
}

TEST(Luhn, MatchesKnownCardNumbers) {
  EXPECT_TRUE(LuhnValid("4111111111111111"));
  EXPECT_TRUE(LuhnValid("79927398713"));
  EXPECT_FALSE(LuhnValid("79927398710"));
  EXPECT_EQ(security::LuhnCheckDigit("7992739871"), '3');
  EXPECT_FALSE(LuhnValid("4111a11111111111"));
}

INSTANTIATE_TEST_SUITE_P(Backends, ServicesTest, ::testing::Values("sqlite", "postgresql"),
                         ledger::BackendName);

}  // namespace
}  // namespace ebank::services
