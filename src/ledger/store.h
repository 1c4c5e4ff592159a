// What the ledger needs from a database (LevelDB's Env idea): src/store implements it
// for SQLite and PostgreSQL. The ledger never sees SQL.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/hash.h"
#include "ledger/types.h"

namespace ebank::ledger {

// The end of the journal: the last entry's seq and hash (seq 0 and zero hash when empty).
struct Head {
  Seq seq = 0;
  Digest hash{};
};

struct JournalEntry {
  Seq seq = 0;
  int64_t at_ms = 0;
  std::string body;  // Canonical text of what happened, see journal.h.
  Digest hash{};     // Sha256(previous hash, seq|at_ms|body).
};

// One account's side of a journal entry. Postings are stored in journal order, so that a
// batch appends to one end of the table instead of touching one page per account; each
// posting names the account's previous one (prev_seq), and an account's history is read
// by following that chain back from Account::last_posting_seq.
struct PostingRow {
  AccountId account = 0;
  Seq seq = 0;
  int64_t amount = 0;
  int64_t balance_after = 0;
  Seq prev_seq = 0;
};

// The stored answer to a request with an idempotency key.
struct StoredRequest {
  std::string key;
  Digest fingerprint{};
  Outcome outcome;
};

// Everything one batch changes, written in one database transaction.
struct BatchWrite {
  Head head;  // The journal's end after this batch.
  std::vector<JournalEntry> entries;
  std::vector<PostingRow> postings;
  std::vector<Account> new_accounts;
  std::vector<Account> changed_accounts;
  std::vector<Hold> new_holds;
  std::vector<Hold> changed_holds;
  std::vector<StoredRequest> requests;

  bool empty() const { return entries.empty() && requests.empty() && changed_holds.empty(); }
};

// One write transaction. It holds the ledger's write lock in the database from creation
// until Commit() or destruction (which rolls back), so that writers in other processes
// sharing the database wait: every read through it sees the latest committed state.
class WriteTransaction {
 public:
  virtual ~WriteTransaction() = default;
  virtual const Head& head() const = 0;
  // Appends the accounts that exist among `ids` to `out`.
  virtual Status LoadAccounts(const std::vector<AccountId>& ids, std::vector<Account>* out) = 0;
  virtual Result<std::optional<AccountId>> FindAccountByCode(const std::string& code) = 0;
  virtual Status LoadHolds(const std::vector<HoldId>& ids, std::vector<Hold>* out) = 0;
  // Pending holds with expires_at_ms <= now_ms, oldest first, at most `limit`.
  virtual Status LoadDueHolds(int64_t now_ms, size_t limit, std::vector<Hold>* out) = 0;
  virtual Status LoadRequests(const std::vector<std::string>& keys,
                              std::vector<StoredRequest>* out) = 0;
  virtual Status Write(const BatchWrite& batch) = 0;
  // Visible to readers when it returns OK; durable too when the store's
  // CommitIsDurable() (PostgreSQL's synchronous_commit), otherwise once Sync() returns.
  virtual Status Commit() = 0;
};

// Reads within one consistent snapshot.
class LedgerReader {
 public:
  virtual ~LedgerReader() = default;
  virtual Result<Head> GetHead() = 0;
  virtual Result<std::vector<Account>> GetAccounts(const std::vector<AccountId>& ids) = 0;
  // Accounts with id > after, by id, at most `limit`.
  virtual Result<std::vector<Account>> ListAccounts(AccountId after, size_t limit) = 0;
  virtual Result<std::optional<Account>> GetAccountByCode(const std::string& code) = 0;
  virtual Result<std::vector<Hold>> ListHolds(HoldId after, size_t limit) = 0;
  // Entries with seq > after, by seq, at most `limit`.
  virtual Result<std::vector<JournalEntry>> ReadJournal(Seq after, size_t limit) = 0;
  // The posting of `account` in entry `seq`, if any. See ListPostings in verify.h for
  // reading an account's history.
  virtual Result<std::optional<PostingRow>> GetPosting(AccountId account, Seq seq) = 0;
  virtual Result<std::optional<StoredRequest>> GetRequest(const std::string& key) = 0;
};

class LedgerStore {
 public:
  virtual ~LedgerStore() = default;
  virtual std::string_view backend() const = 0;  // "sqlite" or "postgresql"
  // Only one thread begins write transactions (the ledger's writer).
  virtual Result<std::unique_ptr<WriteTransaction>> BeginWrite() = 0;
  // Runs `read` inside one read-only snapshot. Thread-safe.
  virtual Status Read(const std::function<Status(LedgerReader&)>& read) = 0;
  // Whether a write transaction's Commit() alone puts it on disk. When not, Sync() does,
  // for every transaction committed before it was called: the ledger calls it on a thread
  // of its own and answers a batch only after it, so that the writer goes on with the next
  // batch while the disk flushes the last (and one flush covers every batch meanwhile).
  virtual bool CommitIsDurable() const { return true; }
  virtual Status Sync() { return Status::Ok(); }
};

}  // namespace ebank::ledger
