#include "ledger/ledger.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <map>

#include "ledger/journal.h"

namespace ebank::ledger {
namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

template <typename... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <typename... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

Outcome Failed(Status status) {
  return Outcome{std::move(status), 0, 0, false};
}

// Whether a posting of `amount` (credit-positive) lowers the account's normal balance.
bool Lowers(const Account& account, int64_t amount) {
  return account.side == Side::kCredit ? amount < 0 : amount > 0;
}

// The available amount once the balance is `balance` and holds are `held`: pending debits
// count against credit-side accounts only (for a debit-side account they would raise it).
int64_t AvailableAfter(const Account& account, int64_t balance, int64_t held) {
  return account.side == Side::kCredit ? balance - held : -balance;
}

}  // namespace

// One batch: the state machine that checks and applies commands against the cache,
// collecting the rows to write (rippled's preclaim and doApply, with the database
// transaction as the sandbox).
class Ledger::Batch {
 public:
  Batch(Ledger& ledger, WriteTransaction& txn, int64_t now_ms)
      : ledger_(ledger), txn_(txn), now_ms_(now_ms) {
    write_.head = txn.head();
  }

  // Loads into the cache everything the commands may touch.
  Status Prefetch(const std::vector<Group>& groups);
  Outcome Apply(const Request& request);
  // Apply between the request's effect's Before and After, if it has one. Not OK: the
  // batch must not commit.
  Status ApplyWithEffect(const Request& request, Outcome* outcome);
  // Collects changed rows into write() and checks the batch's invariants.
  Status Finish();
  const BatchWrite& write() const { return write_; }

 private:
  Outcome ApplyCommand(const Command& command);
  Outcome Open(const OpenAccount& open);
  Outcome DoTransfer(const Transfer& transfer);
  Outcome DoCreateHold(const CreateHold& hold);
  Outcome DoPostHold(const PostHold& post);
  Outcome DoVoidHold(const VoidHold& void_hold);
  Outcome DoExpireHolds();

  Seq Append(std::string body);
  Account* FindAccount(AccountId id);
  Hold* FindHold(HoldId id);
  // Checks that `postings` can be applied (accounts exist, balanced, floors, overflow);
  // `held_release` is subtracted from the held amount of `release_account` first.
  Status CheckPostings(const std::vector<Posting>& postings, AccountId release_account,
                       int64_t held_release);
  void ApplyPostings(const std::vector<Posting>& postings, Seq seq);
  void TouchAccount(AccountId id) { dirty_accounts_.insert(id); }
  void TouchHold(HoldId id) { dirty_holds_.insert(id); }

  Ledger& ledger_;
  WriteTransaction& txn_;
  const int64_t now_ms_;
  BatchWrite write_;
  std::unordered_map<std::string, StoredRequest> requests_;
  std::unordered_set<std::string> codes_opened_;
  std::unordered_set<AccountId> new_accounts_;
  std::unordered_set<AccountId> dirty_accounts_;
  std::unordered_set<HoldId> new_holds_;
  std::unordered_set<HoldId> dirty_holds_;
  std::vector<HoldId> due_holds_;
};

Status Ledger::Batch::Prefetch(const std::vector<Group>& groups) {
  std::vector<AccountId> account_ids;
  std::vector<HoldId> hold_ids;
  std::vector<std::string> keys;
  bool expire = false;
  auto want_account = [&](AccountId id) {
    if (!ledger_.accounts_.contains(id)) account_ids.push_back(id);
  };
  for (const Group& group : groups) {
    for (size_t i = 0; i < group.requests.size(); ++i) {
      if (!group.outcomes[i].status.ok()) continue;
      const Request& request = group.requests[i];
      if (!request.idempotency_key.empty()) keys.push_back(request.idempotency_key);
      std::visit(Overloaded{
                     [&](const Transfer& transfer) {
                       for (const Posting& posting : transfer.postings)
                         want_account(posting.account);
                     },
                     [&](const CreateHold& hold) {
                       want_account(hold.debit_account);
                       want_account(hold.credit_account);
                     },
                     [&](const PostHold& post) {
                       if (!ledger_.holds_.contains(post.hold)) hold_ids.push_back(post.hold);
                     },
                     [&](const VoidHold& void_hold) {
                       if (!ledger_.holds_.contains(void_hold.hold))
                         hold_ids.push_back(void_hold.hold);
                     },
                     [&](const ExpireHolds&) { expire = true; },
                     [](const OpenAccount&) {},
                 },
                 request.command);
    }
  }
  std::vector<Hold> holds;
  if (!hold_ids.empty()) EBANK_RETURN_IF_ERROR(txn_.LoadHolds(hold_ids, &holds));
  if (expire) EBANK_RETURN_IF_ERROR(txn_.LoadDueHolds(now_ms_, kExpiriesPerBatchMax, &holds));
  for (const Hold& hold : holds) {
    ledger_.holds_.try_emplace(hold.id, hold);  // A cached copy is as new or newer.
    const Hold& cached = ledger_.holds_.at(hold.id);
    want_account(cached.debit_account);
    want_account(cached.credit_account);
    if (expire && cached.state == HoldState::kPending && cached.expires_at_ms <= now_ms_) {
      due_holds_.push_back(cached.id);
    }
  }
  if (!account_ids.empty()) {
    std::sort(account_ids.begin(), account_ids.end());
    account_ids.erase(std::unique(account_ids.begin(), account_ids.end()), account_ids.end());
    std::vector<Account> accounts;
    EBANK_RETURN_IF_ERROR(txn_.LoadAccounts(account_ids, &accounts));
    for (Account& account : accounts)
      ledger_.accounts_.try_emplace(account.id, std::move(account));
  }
  if (!keys.empty()) {
    std::vector<StoredRequest> stored;
    EBANK_RETURN_IF_ERROR(txn_.LoadRequests(keys, &stored));
    for (StoredRequest& request : stored) {
      request.outcome.replayed = true;
      requests_.emplace(request.key, std::move(request));
    }
  }
  return Status::Ok();
}

Outcome Ledger::Batch::Apply(const Request& request) {
  if (request.idempotency_key.empty()) return ApplyCommand(request.command);
  Digest fingerprint = Sha256(CanonicalText(request.command));
  auto known = requests_.find(request.idempotency_key);
  if (known != requests_.end()) {
    if (known->second.fingerprint != fingerprint) {
      return Failed(Status::Conflict("idempotency_key_reused",
                                     "this idempotency key was used for a different request"));
    }
    Outcome outcome = known->second.outcome;
    outcome.replayed = true;
    return outcome;
  }
  Outcome outcome = ApplyCommand(request.command);
  StoredRequest stored{request.idempotency_key, fingerprint, outcome};
  write_.requests.push_back(stored);
  requests_.emplace(request.idempotency_key, std::move(stored));
  return outcome;
}

Status Ledger::Batch::ApplyWithEffect(const Request& request, Outcome* outcome) {
  Effect* effect = request.effect.get();
  if (effect == nullptr) {
    *outcome = Apply(request);
    return Status::Ok();
  }
  Status before = effect->Before(txn_);
  if (before.code() == Code::kInternal || before.code() == Code::kUnavailable) return before;
  if (!before.ok()) {
    *outcome = Failed(std::move(before));
    return Status::Ok();
  }
  *outcome = Apply(request);
  return effect->After(txn_, *outcome, [this](AccountId id) {
    const Account* account = FindAccount(id);
    return account ? account->normal_balance() : 0;
  });
}

Outcome Ledger::Batch::ApplyCommand(const Command& command) {
  return std::visit(Overloaded{
                        [&](const OpenAccount& open) { return Open(open); },
                        [&](const Transfer& transfer) { return DoTransfer(transfer); },
                        [&](const CreateHold& hold) { return DoCreateHold(hold); },
                        [&](const PostHold& post) { return DoPostHold(post); },
                        [&](const VoidHold& void_hold) { return DoVoidHold(void_hold); },
                        [&](const ExpireHolds&) { return DoExpireHolds(); },
                    },
                    command);
}

Seq Ledger::Batch::Append(std::string body) {
  Seq seq = write_.head.seq + 1;
  Digest hash = EntryHash(write_.head.hash, seq, now_ms_, body);
  write_.entries.push_back(JournalEntry{seq, now_ms_, std::move(body), hash});
  write_.head = Head{seq, hash};
  return seq;
}

Account* Ledger::Batch::FindAccount(AccountId id) {
  auto found = ledger_.accounts_.find(id);
  return found == ledger_.accounts_.end() ? nullptr : &found->second;
}

Hold* Ledger::Batch::FindHold(HoldId id) {
  auto found = ledger_.holds_.find(id);
  return found == ledger_.holds_.end() ? nullptr : &found->second;
}

Outcome Ledger::Batch::Open(const OpenAccount& open) {
  if (!open.code.empty()) {
    if (codes_opened_.contains(open.code)) {
      return Failed(Status::Conflict("account_code_taken", "account code already in use"));
    }
    auto existing = txn_.FindAccountByCode(open.code);
    if (!existing.ok()) return Failed(existing.status());
    if (existing->has_value()) {
      return Failed(Status::Conflict("account_code_taken", "account code already in use"));
    }
    codes_opened_.insert(open.code);
  }
  Seq seq = Append(CanonicalText(open));
  Account account;
  account.id = seq;
  account.code = open.code;
  account.currency = open.currency;
  account.side = open.side;
  account.floor = open.floor;
  account.updated_seq = seq;
  ledger_.accounts_[seq] = account;
  new_accounts_.insert(seq);
  return Outcome{Status::Ok(), seq, seq, false};
}

Status Ledger::Batch::CheckPostings(const std::vector<Posting>& postings, AccountId release_account,
                                    int64_t held_release) {
  // Per-currency sums; few currencies, so a small vector beats a map.
  std::vector<std::pair<Currency, __int128>> sums;
  for (const Posting& posting : postings) {
    const Account* account = FindAccount(posting.account);
    if (account == nullptr) {
      return Status::NotFound("unknown_account",
                              "account " + std::to_string(posting.account) + " does not exist");
    }
    if (posting.currency && !(*posting.currency == account->currency)) {
      return Status::Invalid("currency_mismatch", "account " + std::to_string(account->id) +
                                                      " is in " +
                                                      std::string(account->currency.code()));
    }
    auto sum = std::find_if(sums.begin(), sums.end(),
                            [&](const auto& entry) { return entry.first == account->currency; });
    if (sum == sums.end()) {
      sums.emplace_back(account->currency, posting.amount);
    } else {
      sum->second += posting.amount;
    }
  }
  for (const auto& [currency, sum] : sums) {
    if (sum != 0) {
      return Status::Invalid("unbalanced_transfer",
                             "postings in " + std::string(currency.code()) + " do not sum to zero");
    }
  }
  for (const Posting& posting : postings) {
    const Account& account = *FindAccount(posting.account);
    auto balance = CheckedAdd(account.balance, posting.amount);
    if (!balance) {
      return Status::Rejected("balance_overflow",
                              "account " + std::to_string(account.id) + " would overflow");
    }
    int64_t held = account.held - (account.id == release_account ? held_release : 0);
    if (Lowers(account, posting.amount) && account.floor &&
        AvailableAfter(account, *balance, held) < *account.floor) {
      return Status::Rejected("insufficient_funds",
                              "account " + std::to_string(account.id) + " has insufficient funds");
    }
  }
  return Status::Ok();
}

void Ledger::Batch::ApplyPostings(const std::vector<Posting>& postings, Seq seq) {
  for (const Posting& posting : postings) {
    Account& account = *FindAccount(posting.account);
    account.balance += posting.amount;
    account.updated_seq = seq;
    TouchAccount(account.id);
    write_.postings.push_back(
        PostingRow{account.id, seq, posting.amount, account.balance, account.last_posting_seq});
    account.last_posting_seq = seq;
  }
}

Outcome Ledger::Batch::DoTransfer(const Transfer& transfer) {
  Status status = CheckPostings(transfer.postings, 0, 0);
  if (!status.ok()) return Failed(std::move(status));
  Seq seq = Append(CanonicalText(transfer));
  ApplyPostings(transfer.postings, seq);
  return Outcome{Status::Ok(), seq, seq, false};
}

Outcome Ledger::Batch::DoCreateHold(const CreateHold& create) {
  Account* debit = FindAccount(create.debit_account);
  Account* credit = FindAccount(create.credit_account);
  if (debit == nullptr || credit == nullptr) {
    AccountId missing = debit == nullptr ? create.debit_account : create.credit_account;
    return Failed(Status::NotFound("unknown_account",
                                   "account " + std::to_string(missing) + " does not exist"));
  }
  if (!(debit->currency == credit->currency) ||
      (create.currency && !(*create.currency == debit->currency))) {
    return Failed(Status::Invalid("currency_mismatch", "hold accounts differ in currency"));
  }
  if (create.expires_at_ms <= now_ms_ || create.expires_at_ms - now_ms_ > kHoldDurationMaxMs) {
    return Failed(Status::Invalid("invalid_expiry", "a hold must expire within 30 days from now"));
  }
  auto held = CheckedAdd(debit->held, create.amount);
  if (!held) return Failed(Status::Rejected("balance_overflow", "held amount would overflow"));
  if (debit->side == Side::kCredit && debit->floor &&
      AvailableAfter(*debit, debit->balance, *held) < *debit->floor) {
    return Failed(Status::Rejected(
        "insufficient_funds", "account " + std::to_string(debit->id) + " has insufficient funds"));
  }
  Seq seq = Append(CanonicalText(create));
  debit->held = *held;
  debit->updated_seq = seq;
  TouchAccount(debit->id);
  Hold hold;
  hold.id = seq;
  hold.debit_account = create.debit_account;
  hold.credit_account = create.credit_account;
  hold.amount = create.amount;
  hold.expires_at_ms = create.expires_at_ms;
  ledger_.holds_[seq] = hold;
  new_holds_.insert(seq);
  return Outcome{Status::Ok(), seq, seq, false};
}

Outcome Ledger::Batch::DoPostHold(const PostHold& post) {
  Hold* hold = FindHold(post.hold);
  if (hold == nullptr) {
    return Failed(
        Status::NotFound("unknown_hold", "hold " + std::to_string(post.hold) + " does not exist"));
  }
  if (hold->state != HoldState::kPending) {
    return Failed(
        Status::Rejected("hold_not_pending", "hold is " + std::string(HoldStateName(hold->state))));
  }
  if (hold->expires_at_ms <= now_ms_) {
    return Failed(Status::Rejected("hold_expired", "hold has expired"));
  }
  if (post.amount > hold->amount) {
    return Failed(Status::Invalid("amount_exceeds_hold", "cannot post more than the hold"));
  }
  std::vector<Posting> postings = {{hold->debit_account, -post.amount},
                                   {hold->credit_account, post.amount}};
  Status status = CheckPostings(postings, hold->debit_account, hold->amount);
  if (!status.ok()) return Failed(std::move(status));
  Seq seq = Append(CanonicalText(post));
  Account& debit = *FindAccount(hold->debit_account);
  debit.held -= hold->amount;
  ApplyPostings(postings, seq);
  hold->state = HoldState::kPosted;
  hold->posted_amount = post.amount;
  hold->closed_seq = seq;
  TouchHold(hold->id);
  return Outcome{Status::Ok(), hold->id, seq, false};
}

Outcome Ledger::Batch::DoVoidHold(const VoidHold& void_hold) {
  Hold* hold = FindHold(void_hold.hold);
  if (hold == nullptr) {
    return Failed(Status::NotFound("unknown_hold",
                                   "hold " + std::to_string(void_hold.hold) + " does not exist"));
  }
  if (hold->state != HoldState::kPending) {
    return Failed(
        Status::Rejected("hold_not_pending", "hold is " + std::string(HoldStateName(hold->state))));
  }
  Seq seq = Append(CanonicalText(void_hold));
  Account& debit = *FindAccount(hold->debit_account);
  debit.held -= hold->amount;
  debit.updated_seq = seq;
  TouchAccount(debit.id);
  hold->state = HoldState::kVoided;
  hold->closed_seq = seq;
  TouchHold(hold->id);
  return Outcome{Status::Ok(), hold->id, seq, false};
}

Outcome Ledger::Batch::DoExpireHolds() {
  Seq last = 0;
  for (HoldId id : due_holds_) {
    Hold& hold = *FindHold(id);
    if (hold.state != HoldState::kPending) continue;  // Posted or voided earlier in the batch.
    last = Append(ExpireText(id));
    Account& debit = *FindAccount(hold.debit_account);
    debit.held -= hold.amount;
    debit.updated_seq = last;
    TouchAccount(debit.id);
    hold.state = HoldState::kExpired;
    hold.closed_seq = last;
    TouchHold(id);
  }
  due_holds_.clear();
  return Outcome{Status::Ok(), 0, last, false};
}

Status Ledger::Batch::Finish() {
  for (AccountId id : new_accounts_)
    write_.new_accounts.push_back(*FindAccount(id));
  for (AccountId id : dirty_accounts_) {
    if (!new_accounts_.contains(id)) write_.changed_accounts.push_back(*FindAccount(id));
  }
  for (HoldId id : new_holds_)
    write_.new_holds.push_back(*FindHold(id));
  for (HoldId id : dirty_holds_) {
    if (!new_holds_.contains(id)) write_.changed_holds.push_back(*FindHold(id));
  }
  // Invariant: every journal entry's postings sum to zero per currency. Checked again
  // here, apart from CheckPostings, because a bug that commits money out of nothing must
  // never reach the database.
  // Postings are in journal order, so each entry's postings are adjacent.
  std::vector<std::pair<Currency, __int128>> sums;
  for (size_t i = 0; i < write_.postings.size(); ++i) {
    const PostingRow& row = write_.postings[i];
    Currency currency = FindAccount(row.account)->currency;
    auto sum = std::find_if(sums.begin(), sums.end(),
                            [&](const auto& entry) { return entry.first == currency; });
    if (sum == sums.end()) {
      sums.emplace_back(currency, row.amount);
    } else {
      sum->second += row.amount;
    }
    bool last_of_entry = i + 1 == write_.postings.size() || write_.postings[i + 1].seq != row.seq;
    if (!last_of_entry) continue;
    for (const auto& [unused, total] : sums) {
      if (total != 0) {
        return Status::Internal("invariant_violated",
                                "entry " + std::to_string(row.seq) + " is unbalanced");
      }
    }
    sums.clear();
  }
  for (const Account& account : write_.changed_accounts) {
    if (account.held < 0) {
      return Status::Internal("invariant_violated",
                              "account " + std::to_string(account.id) + " holds less than zero");
    }
  }
  return Status::Ok();
}

Ledger::Ledger(std::unique_ptr<LedgerStore> store, const Clock& clock, LedgerOptions options)
    : store_(std::move(store)), clock_(clock), options_(options) {
  writer_ = std::thread([this] { Run(); });
  if (!store_->CommitIsDurable()) syncer_ = std::thread([this] { SyncAndAnswer(); });
}

Ledger::~Ledger() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  writer_.join();
  if (syncer_.joinable()) syncer_.join();
}

void Ledger::Submit(std::vector<Request> requests, Callback done) {
  Group group;
  if (requests.empty() || requests.size() > options_.batch_commands_max) {
    Status status = Status::Invalid(
        "invalid_batch_size",
        "a batch holds 1 to " + std::to_string(options_.batch_commands_max) + " commands");
    done(std::vector<Outcome>(requests.size(), Failed(status)));
    return;
  }
  group.outcomes.reserve(requests.size());
  for (const Request& request : requests)
    group.outcomes.push_back(Failed(Preflight(request)));
  group.requests = std::move(requests);
  group.done = std::move(done);
  group.submitted_ns = NowNs();
  {
    std::unique_lock lock(mutex_);
    if (!stopping_ && queued_commands_ + group.requests.size() <= kQueueCommandsMax) {
      queued_commands_ += group.requests.size();
      queue_.push_back(std::move(group));
      lock.unlock();
      wake_.notify_one();
      return;
    }
  }
  Status busy = Status::Unavailable("ledger_busy", "the ledger is overloaded or stopping");
  group.done(std::vector<Outcome>(group.requests.size(), Failed(busy)));
}

std::vector<Outcome> Ledger::Execute(std::vector<Request> requests) {
  std::promise<std::vector<Outcome>> promise;
  auto future = promise.get_future();
  Submit(std::move(requests),
         [&promise](std::vector<Outcome> outcomes) { promise.set_value(std::move(outcomes)); });
  return future.get();
}

Outcome Ledger::Execute(Request request) {
  std::vector<Request> requests;
  requests.push_back(std::move(request));
  return Execute(std::move(requests)).front();
}

void Ledger::Run() {
  const bool deferred = !store_->CommitIsDurable();
  std::vector<Group> groups;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;  // Stopping with nothing left.
      size_t commands = 0;
      while (!queue_.empty() &&
             commands + queue_.front().requests.size() <= options_.batch_commands_max) {
        commands += queue_.front().requests.size();
        groups.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      queued_commands_ -= commands;
    }
    ProcessBatch(groups);
    if (!deferred) {
      Answer(groups);
      continue;
    }
    {
      std::lock_guard lock(sync_mutex_);
      for (Group& group : groups)
        unsynced_.push_back(std::move(group));
    }
    groups.clear();
    sync_wake_.notify_one();
  }
  std::lock_guard lock(sync_mutex_);
  writer_done_ = true;
  sync_wake_.notify_one();
}

// Takes every batch committed so far, has the store put them on disk in one Sync, then
// answers them, while the writer commits the next ones.
void Ledger::SyncAndAnswer() {
  std::vector<Group> groups;
  while (true) {
    {
      std::unique_lock lock(sync_mutex_);
      sync_wake_.wait(lock, [this] { return writer_done_ || !unsynced_.empty(); });
      if (unsynced_.empty()) return;  // The writer has stopped and everything is answered.
      groups.swap(unsynced_);
    }
    Status synced = store_->Sync();
    if (!synced.ok()) {
      // Batches that readers may already have seen are perhaps not on disk, and can be
      // neither answered nor undone. As PostgreSQL does when an fsync fails, the process
      // stops; recovery from the log decides what was committed, and nobody was told more.
      spdlog::critical("ledger: committed batches cannot be put on disk: {}", synced.ToString());
      std::abort();
    }
    Answer(groups);
  }
}

void Ledger::Answer(std::vector<Group>& groups) {
  int64_t now_ns = NowNs();
  for (Group& group : groups) {
    metrics_.queue_latency.Observe(static_cast<double>(now_ns - group.submitted_ns) / 1e9);
    group.done(std::move(group.outcomes));
  }
  groups.clear();
}

void Ledger::ProcessBatch(std::vector<Group>& groups) {
  int64_t started_ns = NowNs();
  auto fail_all = [&](const Status& status) {
    cache_seq_ = -1;
    accounts_.clear();
    holds_.clear();
    metrics_.commits_failed.Add();
    // Every outcome the batch decided is void (preflight failures stand); so is whatever
    // an effect answered, since its writes are rolled back too.
    for (Group& group : groups) {
      for (size_t i = 0; i < group.outcomes.size(); ++i) {
        Outcome& outcome = group.outcomes[i];
        if (outcome.status.ok() || outcome.seq != 0 || outcome.status.code() == Code::kRejected ||
            outcome.status.code() == Code::kNotFound || outcome.status.code() == Code::kConflict ||
            group.requests[i].effect) {
          outcome = Failed(status);
        }
      }
    }
  };
  auto txn = store_->BeginWrite();
  if (!txn.ok()) {
    spdlog::error("ledger: cannot begin a write: {}", txn.status().ToString());
    fail_all(txn.status());
    return;
  }
  WriteTransaction& transaction = **txn;
  if (transaction.head().seq != cache_seq_ || accounts_.size() > options_.account_cache_max) {
    accounts_.clear();
    holds_.clear();
  }
  last_at_ms_ = std::max(last_at_ms_, clock_.NowMs());
  Batch batch(*this, transaction, last_at_ms_);
  Status status = batch.Prefetch(groups);
  if (status.ok()) {
    for (Group& group : groups) {
      for (size_t i = 0; i < group.requests.size() && status.ok(); ++i) {
        if (group.outcomes[i].status.ok()) {
          status = batch.ApplyWithEffect(group.requests[i], &group.outcomes[i]);
        }
      }
    }
    if (status.ok()) status = batch.Finish();
  }
  if (status.ok() && !batch.write().empty()) status = transaction.Write(batch.write());
  if (status.ok()) status = transaction.Commit();
  if (!status.ok()) {
    spdlog::error("ledger: batch of {} groups not committed: {}", groups.size(), status.ToString());
    fail_all(status.code() == Code::kInternal
                 ? status
                 : Status::Unavailable("commit_failed", status.message()));
    return;
  }
  cache_seq_ = batch.write().head.seq;
  metrics_.batches.Add();
  for (const Group& group : groups) {
    metrics_.commands.Add(group.requests.size());
    for (const Outcome& outcome : group.outcomes) {
      if (!outcome.status.ok()) metrics_.commands_failed.Add();
    }
  }
  metrics_.commit_latency.Observe(static_cast<double>(NowNs() - started_ns) / 1e9);
}

}  // namespace ebank::ledger
