#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <limits>
#include <mutex>
#include <random>
#include <thread>

#include "ledger/journal.h"
#include "ledger/tests/ledger_env.h"
#include "store/postgres.h"
#include "store/sql.h"
#include "store/sqlite.h"

namespace ebank::ledger {
namespace {

class LedgerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void TearDown() override {
    if (verify_at_end_) env_.Verify();
  }
  LedgerEnv env_{GetParam()};
  bool verify_at_end_ = true;
};

// Runs SQL against the test database behind the ledger's back, as an attacker with
// database access would.
void Tamper(const std::string& database, const std::string& sql) {
  if (store::IsPostgresUrl(database)) {
    auto db = store::PgConnection::Connect(database);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec(sql).ok());
  } else {
    auto db = store::SqliteDb::Open(database);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec(sql).ok());
  }
}

TEST_P(LedgerTest, TransferMovesMoneyAndRefusesOverdraft) {
  AccountId bank = env_.OpenFunding();
  AccountId alice = env_.Open();
  AccountId bob = env_.Open();
  ASSERT_TRUE(env_.Pay(bank, alice, 10000).status.ok());
  Outcome paid = env_.Pay(alice, bob, 2500);
  ASSERT_TRUE(paid.status.ok()) << paid.status.ToString();
  EXPECT_GT(paid.id, 0);
  EXPECT_EQ(env_.Balance(alice), 7500);
  EXPECT_EQ(env_.Balance(bob), 2500);
  EXPECT_EQ(env_.Balance(bank), -10000);

  Outcome refused = env_.Pay(alice, bob, 7501);
  EXPECT_EQ(refused.status.reason(), "insufficient_funds");
  EXPECT_EQ(refused.status.code(), Code::kRejected);
  EXPECT_EQ(env_.Balance(alice), 7500);
  EXPECT_TRUE(env_.Pay(alice, bob, 7500).status.ok());
  EXPECT_EQ(env_.Balance(alice), 0);
}

TEST_P(LedgerTest, CreditLimitIsAFloorBelowZero) {
  AccountId shop = env_.Open();
  AccountId card = env_.Open(Currency::Cny(), -500000);  // 5,000.00 credit limit.
  EXPECT_TRUE(env_.Pay(card, shop, 300000).status.ok());
  EXPECT_TRUE(env_.Pay(card, shop, 200000).status.ok());
  EXPECT_EQ(env_.Balance(card), -500000);
  EXPECT_EQ(env_.Pay(card, shop, 1).status.reason(), "insufficient_funds");
  // Repayment raises it again.
  EXPECT_TRUE(env_.Pay(shop, card, 100).status.ok());
  EXPECT_EQ(env_.Get(card).available(), -499900);
}

TEST_P(LedgerTest, DebitSideAccountsFloorTheirDebitBalance) {
  // Vault cash is an asset: its balance stands on the debit side and cannot go below zero.
  AccountId equity = env_.OpenFunding();
  AccountId vault = env_.Open(Currency::Cny(), 0, Side::kDebit);
  AccountId alice = env_.Open();
  // Alice has nothing to pay in.
  EXPECT_EQ(env_.Run(Transfer{{{vault, 1000}, {alice, -1000}}, ""}).status.reason(),
            "insufficient_funds");
  // The vault has no cash to pay out.
  EXPECT_EQ(env_.Run(Transfer{{{vault, 1000}, {equity, -1000}}, ""}).status.reason(),
            "insufficient_funds");
  ASSERT_TRUE(env_.Run(Transfer{{{vault, -50000}, {equity, 50000}}, ""}).status.ok());
  EXPECT_EQ(env_.Get(vault).normal_balance(), 50000);
  ASSERT_TRUE(env_.Run(Transfer{{{equity, -20000}, {alice, 20000}}, ""}).status.ok());
  // Cash withdrawal: debit Alice, credit the vault.
  EXPECT_TRUE(env_.Run(Transfer{{{alice, -20000}, {vault, 20000}}, ""}).status.ok());
  EXPECT_EQ(env_.Get(vault).normal_balance(), 30000);
  ASSERT_TRUE(env_.Run(Transfer{{{equity, -40000}, {alice, 40000}}, ""}).status.ok());
  EXPECT_EQ(env_.Run(Transfer{{{alice, -40000}, {vault, 40000}}, ""}).status.reason(),
            "insufficient_funds");
}

TEST_P(LedgerTest, RefusesMalformedTransfersAndChangesNothing) {
  AccountId bank = env_.OpenFunding();
  AccountId alice = env_.Open();
  AccountId dollars = env_.Open(Currency::Usd());
  ASSERT_TRUE(env_.Pay(bank, alice, 1000).status.ok());
  auto reason = [&](Transfer transfer) { return env_.Run(std::move(transfer)).status.reason(); };
  EXPECT_EQ(reason({{{alice, -100}, {bank, 99}}, ""}), "unbalanced_transfer");
  EXPECT_EQ(reason({{{alice, -100}, {dollars, 100}}, ""}), "unbalanced_transfer");
  EXPECT_EQ(reason({{{alice, -100, Currency::Usd()}, {bank, 100, Currency::Usd()}}, ""}),
            "currency_mismatch");
  EXPECT_EQ(reason({{{alice, -100}, {424242, 100}}, ""}), "unknown_account");
  EXPECT_EQ(reason({{{alice, -100}, {-3, 100}}, ""}), "unknown_account");
  EXPECT_EQ(reason({{{alice, 0}, {bank, 0}}, ""}), "invalid_amount");
  EXPECT_EQ(reason({{{alice, -100}}, ""}), "invalid_postings");
  EXPECT_EQ(reason({{{alice, -100}, {alice, 100}}, ""}), "duplicate_account");
  EXPECT_EQ(reason({{{alice, -1}, {bank, 1}}, std::string(141, 'm')}), "invalid_memo");
  EXPECT_EQ(reason({{{alice, -1}, {bank, 1}}, "bad\nmemo"}), "invalid_memo");
  std::vector<Posting> many;
  for (int i = 0; i < 17; ++i)
    many.push_back({alice, 1});
  EXPECT_EQ(reason({many, ""}), "invalid_postings");
  EXPECT_EQ(env_.Balance(alice), 1000);
  EXPECT_EQ(env_.Balance(dollars), 0);
}

TEST_P(LedgerTest, BalanceOverflowIsRefused) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  AccountId bank = env_.OpenFunding();
  AccountId other = env_.OpenFunding();
  AccountId alice = env_.Open();
  ASSERT_TRUE(env_.Pay(bank, alice, kMax).status.ok());
  EXPECT_EQ(env_.Pay(other, alice, 1).status.reason(), "balance_overflow");
  EXPECT_EQ(env_.Balance(alice), kMax);
  EXPECT_EQ(env_.Balance(other), 0);
  EXPECT_EQ(env_.Pay(bank, alice, kMax).status.reason(), "balance_overflow");
}

TEST_P(LedgerTest, MultiCurrencyTransferBalancesPerCurrency) {
  // A customer buys 100.00 USD for 712.34 CNY through the bank's FX position accounts.
  AccountId bank_cny = env_.OpenFunding();
  AccountId fx_cny = env_.OpenFunding(Currency::Cny());
  AccountId fx_usd = env_.OpenFunding(Currency::Usd());
  AccountId alice_cny = env_.Open();
  AccountId alice_usd = env_.Open(Currency::Usd());
  ASSERT_TRUE(env_.Pay(bank_cny, alice_cny, 100000).status.ok());
  Outcome deal = env_.Run(Transfer{
      {{alice_cny, -71234}, {fx_cny, 71234}, {fx_usd, -10000}, {alice_usd, 10000}}, "FX 7.1234"});
  ASSERT_TRUE(deal.status.ok()) << deal.status.ToString();
  EXPECT_EQ(env_.Balance(alice_usd), 10000);
  EXPECT_EQ(env_.Balance(alice_cny), 28766);
}

TEST_P(LedgerTest, IdempotencyKeyReturnsTheFirstAnswerAcrossRestarts) {
  AccountId bank = env_.OpenFunding();
  AccountId alice = env_.Open();
  Outcome first = env_.Pay(bank, alice, 500, "order-1");
  ASSERT_TRUE(first.status.ok());
  EXPECT_FALSE(first.replayed);
  Outcome again = env_.Pay(bank, alice, 500, "order-1");
  EXPECT_TRUE(again.status.ok());
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.id, first.id);
  EXPECT_EQ(env_.Balance(alice), 500);
  Outcome other = env_.Pay(bank, alice, 600, "order-1");
  EXPECT_EQ(other.status.reason(), "idempotency_key_reused");
  EXPECT_EQ(env_.Balance(alice), 500);
  // A refused request is remembered too: its retry is refused the same way.
  Outcome refused = env_.Pay(alice, bank, 10000, "order-2");
  EXPECT_EQ(refused.status.reason(), "insufficient_funds");
  ASSERT_TRUE(env_.Pay(bank, alice, 20000).status.ok());
  EXPECT_EQ(env_.Pay(alice, bank, 10000, "order-2").status.reason(), "insufficient_funds");

  // A second ledger on the same database (a restart, or another process) agrees.
  auto store = store::OpenLedgerStore(env_.database());
  ASSERT_TRUE(store.ok());
  Ledger second(std::move(*store), env_.clock());
  Outcome replayed = second.Execute(Request{"order-1", Transfer{{{bank, -500}, {alice, 500}}, ""}});
  EXPECT_TRUE(replayed.replayed);
  EXPECT_EQ(replayed.id, first.id);
  EXPECT_EQ(env_.Balance(alice), 20500);
}

TEST_P(LedgerTest, SameKeyTwiceInOneBatchAppliesOnce) {
  AccountId bank = env_.OpenFunding();
  AccountId alice = env_.Open();
  std::vector<Request> batch;
  for (int i = 0; i < 3; ++i)
    batch.push_back({"dup", Transfer{{{bank, -7}, {alice, 7}}, ""}});
  batch.push_back({"dup", Transfer{{{bank, -8}, {alice, 8}}, ""}});
  std::vector<Outcome> outcomes = env_.ledger().Execute(std::move(batch));
  ASSERT_EQ(outcomes.size(), 4u);
  EXPECT_TRUE(outcomes[0].status.ok());
  EXPECT_TRUE(outcomes[1].replayed);
  EXPECT_EQ(outcomes[2].id, outcomes[0].id);
  EXPECT_EQ(outcomes[3].status.reason(), "idempotency_key_reused");
  EXPECT_EQ(env_.Balance(alice), 7);
}

TEST_P(LedgerTest, HoldReservesThenPostsPartOfIt) {
  AccountId bank = env_.OpenFunding();
  AccountId alice = env_.Open();
  AccountId shop = env_.Open();
  ASSERT_TRUE(env_.Pay(bank, alice, 10000).status.ok());
  int64_t expires = kTestEpochMs + 60000;
  Outcome hold = env_.Run(CreateHold{alice, shop, 8000, expires});
  ASSERT_TRUE(hold.status.ok()) << hold.status.ToString();
  EXPECT_EQ(env_.Get(alice).held, 8000);
  EXPECT_EQ(env_.Get(alice).available(), 2000);
  EXPECT_EQ(env_.Pay(alice, bank, 2001).status.reason(), "insufficient_funds");
  EXPECT_EQ(env_.Run(CreateHold{alice, shop, 2001, expires}).status.reason(), "insufficient_funds");
  EXPECT_EQ(env_.Run(PostHold{hold.id, 8001}).status.reason(), "amount_exceeds_hold");
  Outcome posted = env_.Run(PostHold{hold.id, 6000});
  ASSERT_TRUE(posted.status.ok()) << posted.status.ToString();
  EXPECT_EQ(env_.Balance(alice), 4000);
  EXPECT_EQ(env_.Get(alice).held, 0);
  EXPECT_EQ(env_.Balance(shop), 6000);
  EXPECT_EQ(env_.Run(PostHold{hold.id, 100}).status.reason(), "hold_not_pending");
  EXPECT_EQ(env_.Run(VoidHold{hold.id}).status.reason(), "hold_not_pending");
  EXPECT_EQ(env_.Run(PostHold{999999, 1}).status.reason(), "unknown_hold");
}

TEST_P(LedgerTest, HoldVoidsAndExpires) {
  AccountId bank = env_.OpenFunding();
  AccountId alice = env_.Open();
  AccountId shop = env_.Open();
  ASSERT_TRUE(env_.Pay(bank, alice, 10000).status.ok());
  Outcome voided = env_.Run(CreateHold{alice, shop, 3000, kTestEpochMs + 1000});
  Outcome expiring = env_.Run(CreateHold{alice, shop, 4000, kTestEpochMs + 5000});
  ASSERT_TRUE(voided.status.ok() && expiring.status.ok());
  EXPECT_EQ(env_.Get(alice).held, 7000);
  ASSERT_TRUE(env_.Run(VoidHold{voided.id}).status.ok());
  EXPECT_EQ(env_.Get(alice).held, 4000);
  EXPECT_TRUE(env_.Run(ExpireHolds{}).status.ok());  // Nothing due yet.
  EXPECT_EQ(env_.Get(alice).held, 4000);
  env_.clock().Advance(5000);
  EXPECT_EQ(env_.Run(PostHold{expiring.id, 4000}).status.reason(), "hold_expired");
  Outcome expired = env_.Run(ExpireHolds{});
  EXPECT_TRUE(expired.status.ok());
  EXPECT_GT(expired.seq, 0);
  EXPECT_EQ(env_.Get(alice).held, 0);
  EXPECT_EQ(env_.Balance(alice), 10000);
  EXPECT_EQ(env_.Run(PostHold{expiring.id, 1}).status.reason(), "hold_not_pending");
  EXPECT_EQ(env_.Run(CreateHold{alice, shop, 1, kTestEpochMs}).status.reason(), "invalid_expiry");
  EXPECT_EQ(env_.Run(CreateHold{alice, alice, 1, kTestEpochMs + 9000}).status.reason(),
            "same_account");
}

TEST_P(LedgerTest, AccountCodesAreUnique) {
  EXPECT_GT(env_.Open(Currency::Cny(), std::nullopt, Side::kDebit, "gl:cash:CNY"), 0);
  Outcome again = env_.Run(OpenAccount{"gl:cash:CNY", Currency::Cny(), Side::kDebit, std::nullopt});
  EXPECT_EQ(again.status.reason(), "account_code_taken");
  Outcome floor = env_.Run(OpenAccount{"", Currency::Cny(), Side::kCredit, 5});
  EXPECT_EQ(floor.status.reason(), "invalid_floor");
}

TEST_P(LedgerTest, VerifyDetectsTampering) {
  AccountId bank = env_.OpenFunding();
  AccountId alice = env_.Open();
  ASSERT_TRUE(env_.Pay(bank, alice, 5000).status.ok());
  ASSERT_TRUE(env_.Pay(alice, bank, 1000).status.ok());
  env_.Verify();
  // A balance changed behind the journal's back.
  Tamper(env_.database(),
         "UPDATE accounts SET balance = balance + 100 WHERE id = " + std::to_string(alice));
  auto report = VerifyLedger(env_.ledger().store());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().reason(), "invariant_violated");
  Tamper(env_.database(),
         "UPDATE accounts SET balance = balance - 100 WHERE id = " + std::to_string(alice));
  env_.Verify();
  // A journal entry rewritten: the chain breaks.
  Tamper(env_.database(), "UPDATE journal SET body = 'xfer 1:-9000 2:9000 memo=' WHERE seq = 3");
  report = VerifyLedger(env_.ledger().store());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().reason(), "journal_broken");
  // Put it back so that TearDown's verification passes only if the rest is sound.
  Tamper(env_.database(), "UPDATE journal SET body = 'xfer " + std::to_string(bank) + ":-5000 " +
                              std::to_string(alice) + ":5000 memo=' WHERE seq = 3");
  env_.Verify();
  // An entry removed.
  Tamper(env_.database(), "DELETE FROM journal WHERE seq = 4");
  report = VerifyLedger(env_.ledger().store());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().reason(), "journal_broken");
  verify_at_end_ = false;  // The database is left broken on purpose.
}

TEST_P(LedgerTest, ConcurrentClientsConserveMoney) {
  constexpr int kAccounts = 20;
  constexpr int kThreads = 8;
  constexpr int kTransfersPerThread = 60;
  AccountId bank = env_.OpenFunding();
  std::vector<AccountId> accounts;
  for (int i = 0; i < kAccounts; ++i) {
    accounts.push_back(env_.Open());
    ASSERT_TRUE(env_.Pay(bank, accounts.back(), 1000).status.ok());
  }
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 random(static_cast<unsigned>(t));
      for (int i = 0; i < kTransfersPerThread; ++i) {
        AccountId from = accounts[random() % kAccounts];
        AccountId to = accounts[random() % kAccounts];
        if (from == to) continue;
        int64_t amount = random() % 400 + 1;
        if (env_.Pay(from, to, amount).status.ok()) ++ok;
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  int64_t total = 0;
  for (AccountId id : accounts) {
    Account account = env_.Get(id);
    EXPECT_GE(account.balance, 0);
    total += account.balance;
  }
  EXPECT_EQ(total, kAccounts * 1000);
  EXPECT_GT(ok.load(), kThreads * kTransfersPerThread / 4);
}

TEST_P(LedgerTest, TwoLedgersOnOneDatabaseStayConsistent) {
  // Two writers with their own caches, as two processes sharing one database would be.
  AccountId bank = env_.OpenFunding();
  AccountId alice = env_.Open();
  AccountId bob = env_.Open();
  ASSERT_TRUE(env_.Pay(bank, alice, 1000).status.ok());
  auto store = store::OpenLedgerStore(env_.database());
  ASSERT_TRUE(store.ok());
  Ledger other(std::move(*store), env_.clock());
  auto pay_other = [&](AccountId from, AccountId to, int64_t amount) {
    return other.Execute(Request{"", Transfer{{{from, -amount}, {to, amount}}, ""}});
  };
  // Each writer warms its cache, then the other spends the same money.
  ASSERT_TRUE(pay_other(alice, bob, 600).status.ok());
  EXPECT_EQ(env_.Pay(alice, bob, 600).status.reason(), "insufficient_funds");
  ASSERT_TRUE(env_.Pay(alice, bob, 400).status.ok());
  EXPECT_EQ(pay_other(alice, bob, 1).status.reason(), "insufficient_funds");
  EXPECT_EQ(env_.Balance(bob), 1000);
}

TEST_P(LedgerTest, HistoryFollowsEachAccountsPostingChain) {
  AccountId bank = env_.OpenFunding();
  AccountId alice = env_.Open();
  AccountId bob = env_.Open();
  std::vector<Seq> alice_seqs;
  for (int i = 1; i <= 5; ++i) {
    alice_seqs.push_back(env_.Pay(bank, alice, 100 * i).seq);
    ASSERT_TRUE(env_.Pay(bank, bob, 1).status.ok());  // Interleaved: not Alice's.
  }
  std::vector<PostingRow> rows;
  Status status = env_.ledger().store().Read([&](LedgerReader& reader) {
    auto page = ListPostings(reader, alice, INT64_MAX, 3);
    if (!page.ok()) return page.status();
    rows = *page;
    auto rest = ListPostings(reader, alice, rows.back().seq, 10);
    if (!rest.ok()) return rest.status();
    rows.insert(rows.end(), rest->begin(), rest->end());
    return ListPostings(reader, 777777, INT64_MAX, 3).status().code() == Code::kNotFound
               ? Status::Ok()
               : Status::Internal("test", "unknown account listed");
  });
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_EQ(rows.size(), 5u);
  int64_t balance = 1500;
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].seq, alice_seqs[4 - i]);
    EXPECT_EQ(rows[i].amount, 100 * static_cast<int64_t>(5 - i));
    EXPECT_EQ(rows[i].balance_after, balance);
    balance -= rows[i].amount;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, LedgerTest, ::testing::Values("sqlite", "postgresql"),
                         BackendName);

// An effect that writes a row before and after its command, and can be told to refuse or
// to fail.
class NoteEffect final : public Effect {
 public:
  explicit NoteEffect(int64_t id, AccountId watched, Status before = Status::Ok(),
                      Status after = Status::Ok())
      : id_(id), watched_(watched), before_(std::move(before)), after_(std::move(after)) {}

  Status Before(WriteTransaction& transaction) override {
    EBANK_RETURN_IF_ERROR(
        store::SqlOf(transaction)
            .Exec("INSERT INTO effect_notes (id, note) VALUES (?, 'before')", {id_}));
    return before_;
  }
  Status After(WriteTransaction& transaction, const Outcome& outcome,
               const std::function<int64_t(AccountId)>& balance) override {
    seen_balance = balance(watched_);
    EBANK_RETURN_IF_ERROR(
        store::SqlOf(transaction)
            .Exec("UPDATE effect_notes SET note = ? WHERE id = ?",
                  {outcome.status.ok() ? std::string("applied") : outcome.status.reason(), id_}));
    return after_;
  }
  int64_t seen_balance = -1;

 private:
  const int64_t id_;
  const AccountId watched_;
  const Status before_;
  const Status after_;
};

class LedgerEffectTest : public LedgerTest {
 protected:
  void SetUp() override {
    Tamper(env_.database(), "CREATE TABLE effect_notes (id BIGINT PRIMARY KEY, note TEXT)");
    bank_ = env_.OpenFunding();
    alice_ = env_.Open();
    bob_ = env_.Open();
    ASSERT_TRUE(env_.Pay(bank_, alice_, 10000).status.ok());
  }
  Request Pay(AccountId from, AccountId to, int64_t amount, std::shared_ptr<Effect> effect) {
    return Request{"", Transfer{{{from, -amount}, {to, amount}}, ""}, std::move(effect)};
  }
  // The notes effects left, "id:note" by id.
  std::vector<std::string> Notes() {
    std::vector<std::string> notes;
    auto store = store::OpenSqlDatabase(env_.database());
    EXPECT_TRUE(store.ok());
    Status status = (*store)->Read([&](store::SqlSession& sql) {
      auto rows = sql.Query("SELECT id, note FROM effect_notes ORDER BY id");
      if (!rows.ok()) return rows.status();
      for (size_t r = 0; r < rows->size(); ++r)
        notes.push_back(rows->Text(r, 0) + ":" + rows->Text(r, 1));
      return Status::Ok();
    });
    EXPECT_TRUE(status.ok()) << status.ToString();
    return notes;
  }
  AccountId bank_ = 0, alice_ = 0, bob_ = 0;
};

TEST_P(LedgerEffectTest, EffectsCommitWithTheirCommandAndSeeItsBalances) {
  auto paid = std::make_shared<NoteEffect>(1, alice_);
  auto refused = std::make_shared<NoteEffect>(2, alice_);
  std::vector<Request> requests;
  requests.push_back(Pay(alice_, bob_, 2500, paid));
  requests.push_back(Pay(alice_, bob_, 9000, refused));  // More than is left.
  std::vector<Outcome> outcomes = env_.ledger().Execute(std::move(requests));
  ASSERT_TRUE(outcomes[0].status.ok()) << outcomes[0].status.ToString();
  EXPECT_EQ(outcomes[1].status.reason(), "insufficient_funds");
  EXPECT_EQ(paid->seen_balance, 7500);     // As the command left it,
  EXPECT_EQ(refused->seen_balance, 7500);  // and unchanged by a refused one.
  EXPECT_EQ(Notes(), (std::vector<std::string>{"1:applied", "2:insufficient_funds"}));
  EXPECT_EQ(env_.Balance(bob_), 2500);
}

TEST_P(LedgerEffectTest, AnEffectThatRefusesBeforeKeepsItsCommandFromApplying) {
  auto refusing = std::make_shared<NoteEffect>(1, alice_, Status::Rejected("no", "refused"));
  std::vector<Request> requests;
  requests.push_back(Pay(alice_, bob_, 2500, refusing));
  requests.push_back(Pay(alice_, bob_, 1000, nullptr));
  std::vector<Outcome> outcomes = env_.ledger().Execute(std::move(requests));
  EXPECT_EQ(outcomes[0].status.reason(), "no");
  EXPECT_EQ(outcomes[0].seq, 0);
  EXPECT_TRUE(outcomes[1].status.ok());
  EXPECT_EQ(refusing->seen_balance, -1);                       // After is not called.
  EXPECT_EQ(Notes(), (std::vector<std::string>{"1:before"}));  // What Before wrote stays.
  EXPECT_EQ(env_.Balance(bob_), 1000);
}

TEST_P(LedgerEffectTest, AFailingEffectFailsTheWholeBatchAndWritesNothing) {
  Head before;
  ASSERT_TRUE(env_.ledger()
                  .store()
                  .Read([&](LedgerReader& reader) {
                    auto head = reader.GetHead();
                    if (head.ok()) before = *head;
                    return head.status();
                  })
                  .ok());
  std::vector<Request> requests;
  requests.push_back(Pay(alice_, bob_, 1000, nullptr));
  requests.push_back(Pay(alice_, bob_, 2500,
                         std::make_shared<NoteEffect>(1, alice_, Status::Ok(),
                                                      Status::Internal("broken", "disk gone"))));
  std::vector<Outcome> outcomes = env_.ledger().Execute(std::move(requests));
  for (const Outcome& outcome : outcomes) {
    EXPECT_FALSE(outcome.status.ok());
    EXPECT_EQ(outcome.seq, 0);
  }
  EXPECT_TRUE(Notes().empty());
  EXPECT_EQ(env_.Balance(alice_), 10000);
  EXPECT_EQ(env_.Balance(bob_), 0);
  ASSERT_TRUE(env_.ledger()
                  .store()
                  .Read([&](LedgerReader& reader) {
                    auto head = reader.GetHead();
                    if (!head.ok()) return head.status();
                    EXPECT_EQ(head->seq, before.seq);
                    return Status::Ok();
                  })
                  .ok());
  // The ledger forgot what the failed batch did in memory, too.
  EXPECT_TRUE(env_.Pay(alice_, bob_, 10000).status.ok());
  EXPECT_EQ(env_.Balance(bob_), 10000);
}

INSTANTIATE_TEST_SUITE_P(Backends, LedgerEffectTest, ::testing::Values("sqlite", "postgresql"),
                         BackendName);

TEST(Journal, CanonicalTextRoundTrips) {
  Transfer transfer{{{3, -100, Currency::Cny()}, {5, 100}}, "rent 房租 100% = paid"};
  std::string text = CanonicalText(transfer);
  auto event = DecodeBody(text);
  ASSERT_TRUE(event.ok()) << event.status().ToString();
  EXPECT_EQ(event->transfer.memo, transfer.memo);
  EXPECT_EQ(event->transfer.postings.size(), 2u);
  EXPECT_EQ(event->transfer.postings[0].amount, -100);
  EXPECT_EQ(event->transfer.postings[0].currency, Currency::Cny());
  EXPECT_FALSE(event->transfer.postings[1].currency.has_value());
  EXPECT_EQ(CanonicalText(event->transfer), text);
  CreateHold hold{3, 5, 100, 1767225600000, Currency::Usd()};
  auto held = DecodeBody(CanonicalText(hold));
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(held->hold.currency, Currency::Usd());
  EXPECT_EQ(CanonicalText(held->hold), CanonicalText(hold));
  OpenAccount open{"gl:cash CNY", Currency::Xau(), Side::kDebit, std::nullopt};
  auto opened = DecodeBody(CanonicalText(open));
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->open.code, "gl:cash CNY");
  EXPECT_EQ(opened->open.currency, Currency::Xau());
  EXPECT_FALSE(opened->open.floor.has_value());
  for (const char* bad : {"", "xfer", "xfer 1:x memo=", "open cur=ZZZ side=C floor=0 code=",
                          "hold d=1", "post h=1", "void h=x", "nonsense", "xfer 1:-1 2:1 memo=%4",
                          "xfer 1:-1:ZZZ 2:1 memo=", "hold d=1 c=2 a=3 exp=4 cur=ZZZ"}) {
    EXPECT_FALSE(DecodeBody(bad).ok()) << bad;
  }
}

TEST(Journal, HashChainsOnEveryField) {
  Digest zero{};
  Digest base = EntryHash(zero, 1, 1000, "xfer 1:-1 2:1 memo=");
  EXPECT_NE(base, EntryHash(zero, 2, 1000, "xfer 1:-1 2:1 memo="));
  EXPECT_NE(base, EntryHash(zero, 1, 1001, "xfer 1:-1 2:1 memo="));
  EXPECT_NE(base, EntryHash(zero, 1, 1000, "xfer 1:-2 2:2 memo="));
  EXPECT_NE(base, EntryHash(base, 1, 1000, "xfer 1:-1 2:1 memo="));
}

// A store whose Sync waits at a gate the test opens: the durability a real disk gives, made
// slow on purpose.
class GatedSyncStore final : public LedgerStore {
 public:
  explicit GatedSyncStore(std::unique_ptr<LedgerStore> inner) : inner_(std::move(inner)) {}
  std::string_view backend() const override { return inner_->backend(); }
  Result<std::unique_ptr<WriteTransaction>> BeginWrite() override { return inner_->BeginWrite(); }
  Status Read(const std::function<Status(LedgerReader&)>& read) override {
    return inner_->Read(read);
  }
  bool CommitIsDurable() const override { return false; }
  Status Sync() override {
    std::unique_lock lock(mutex_);
    ++syncs_;
    changed_.notify_all();
    changed_.wait_for(lock, std::chrono::seconds(20), [this] { return open_; });
    return inner_->Sync();
  }
  // Waits (at most 20 s) until `n` syncs have started; false if they have not.
  bool AwaitSyncs(int n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(20), [&] { return syncs_ >= n; });
  }
  void Open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  int syncs() {
    std::lock_guard lock(mutex_);
    return syncs_;
  }

 private:
  std::unique_ptr<LedgerStore> inner_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int syncs_ = 0;      // GUARDED_BY(mutex_)
  bool open_ = false;  // GUARDED_BY(mutex_)
};

// When commits are durable only after a Sync, no batch is answered before the Sync that
// covers it returns, and the writer commits the next batches meanwhile.
TEST(LedgerSync, AnswersWaitForTheSyncWhileTheWriterGoesOn) {
  std::string dir = testing::MakeTempDir("ebank-ledger-sync");
  {
    auto inner = store::OpenLedgerStore(dir + "/ledger.db");
    ASSERT_TRUE(inner.ok()) << inner.status().ToString();
    EXPECT_FALSE((*inner)->CommitIsDurable());  // SQLite's writer leaves the disk to Sync.
    auto owned = std::make_unique<GatedSyncStore>(std::move(*inner));
    GatedSyncStore& store = *owned;
    ManualClock clock(kTestEpochMs);
    Ledger ledger(std::move(owned), clock);
    struct Opened {
      GatedSyncStore& store;
      ~Opened() { store.Open(); }  // Also when an assertion returns early.
    } opened{store};
    auto submit = [&](std::promise<Outcome>& answer) {
      std::vector<Request> requests;
      requests.push_back(Request{"", OpenAccount{"", Currency::Cny(), Side::kCredit, 0}});
      ledger.Submit(std::move(requests), [&answer](std::vector<Outcome> outcomes) {
        answer.set_value(outcomes.front());
      });
    };
    std::promise<Outcome> first, second;
    auto first_answer = first.get_future();
    auto second_answer = second.get_future();
    submit(first);
    ASSERT_TRUE(store.AwaitSyncs(1));  // The first batch is committed and being synced.
    submit(second);
    // The second batch commits while the first's Sync still waits.
    Seq head = 0;
    for (int tries = 0; tries < 2000 && head < 2; ++tries) {
      ASSERT_TRUE(store
                      .Read([&](LedgerReader& reader) {
                        auto read = reader.GetHead();
                        if (read.ok()) head = read->seq;
                        return read.status();
                      })
                      .ok());
      if (head < 2) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(head, 2);
    EXPECT_EQ(first_answer.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
    EXPECT_EQ(second_answer.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
    store.Open();
    ASSERT_EQ(first_answer.wait_for(std::chrono::seconds(20)), std::future_status::ready);
    ASSERT_EQ(second_answer.wait_for(std::chrono::seconds(20)), std::future_status::ready);
    EXPECT_TRUE(first_answer.get().status.ok());
    EXPECT_TRUE(second_answer.get().status.ok());
    EXPECT_LE(store.syncs(), 2);  // One Sync covers whatever was committed before it.
  }
  testing::RemoveTree(dir);
}

}  // namespace
}  // namespace ebank::ledger
