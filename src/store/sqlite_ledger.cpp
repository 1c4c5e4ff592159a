// The ledger store on SQLite: one writer connection, a pool of reader connections.
#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include "store/open.h"
#include "store/rows.h"
#include "store/sql_sessions.h"
#include "store/sqlite.h"
#include "store/sqlite_file.h"

namespace ebank::store {
namespace {

using ledger::Account;
using ledger::Hold;
using ledger::JournalEntry;
using ledger::PostingRow;
using ledger::StoredRequest;

constexpr size_t kReaderPoolMax = 16;

// Prepared statements a connection keeps, created on first use.
class Statements {
 public:
  explicit Statements(SqliteDb& db) : db_(db) {}
  Result<SqliteStatement*> Get(const std::string& sql) {
    auto found = cache_.find(sql);
    if (found != cache_.end()) return found->second.get();
    auto prepared = db_.Prepare(sql);
    if (!prepared.ok()) return prepared.status();
    SqliteStatement* statement = prepared->get();
    cache_.emplace(sql, std::move(*prepared));
    return statement;
  }

 private:
  SqliteDb& db_;
  std::unordered_map<std::string, std::unique_ptr<SqliteStatement>> cache_;
};

// Runs `statement` and calls `row` for each result row.
template <typename Fn>
Status ForEachRow(SqliteStatement& statement, Fn&& row) {
  while (true) {
    auto has_row = statement.Step();
    if (!has_row.ok()) {
      statement.Reset();
      return has_row.status();
    }
    if (!*has_row) break;
    Status status = row(statement);
    if (!status.ok()) {
      statement.Reset();
      return status;
    }
  }
  statement.Reset();
  return Status::Ok();
}

class SqliteReader final : public ledger::LedgerReader {
 public:
  explicit SqliteReader(std::unique_ptr<SqliteDb> db) : db_(std::move(db)), statements_(*db_) {}
  SqliteDb& db() { return *db_; }
  Statements& statements() { return statements_; }

  Result<ledger::Head> GetHead() override {
    auto statement = statements_.Get("SELECT seq, hash FROM ledger_head WHERE id = 1");
    if (!statement.ok()) return statement.status();
    Result<ledger::Head> head = Status::Internal("database_corrupt", "no ledger head");
    Status status = ForEachRow(**statement, [&](SqliteStatement& row) {
      head = HeadFromRow(row);
      return head.status();
    });
    if (!status.ok()) return status;
    return head;
  }

  Result<std::vector<Account>> GetAccounts(const std::vector<ledger::AccountId>& ids) override {
    auto statement =
        statements_.Get(fmt::format("SELECT {} FROM accounts WHERE id = ?", kAccountColumns));
    if (!statement.ok()) return statement.status();
    std::vector<Account> accounts;
    for (ledger::AccountId id : ids) {
      (*statement)->Bind(1, id);
      EBANK_RETURN_IF_ERROR(ForEachRow(**statement, [&](SqliteStatement& row) {
        auto account = AccountFromRow(row);
        if (!account.ok()) return account.status();
        accounts.push_back(std::move(*account));
        return Status::Ok();
      }));
    }
    return accounts;
  }

  Result<std::vector<Account>> ListAccounts(ledger::AccountId after, size_t limit) override {
    return List<Account>(
        fmt::format("SELECT {} FROM accounts WHERE id > ? ORDER BY id LIMIT ?", kAccountColumns),
        after, limit, [](SqliteStatement& row) { return AccountFromRow(row); });
  }

  Result<std::optional<Account>> GetAccountByCode(const std::string& code) override {
    auto statement =
        statements_.Get(fmt::format("SELECT {} FROM accounts WHERE code = ?", kAccountColumns));
    if (!statement.ok()) return statement.status();
    (*statement)->Bind(1, code);
    std::optional<Account> found;
    EBANK_RETURN_IF_ERROR(ForEachRow(**statement, [&](SqliteStatement& row) {
      auto account = AccountFromRow(row);
      if (!account.ok()) return account.status();
      found = std::move(*account);
      return Status::Ok();
    }));
    return found;
  }

  Result<std::vector<Hold>> ListHolds(ledger::HoldId after, size_t limit) override {
    return List<Hold>(
        fmt::format("SELECT {} FROM holds WHERE id > ? ORDER BY id LIMIT ?", kHoldColumns), after,
        limit, [](SqliteStatement& row) { return HoldFromRow(row); });
  }

  Result<std::vector<JournalEntry>> ReadJournal(ledger::Seq after, size_t limit) override {
    return List<JournalEntry>(
        fmt::format("SELECT {} FROM journal WHERE seq > ? ORDER BY seq LIMIT ?", kJournalColumns),
        after, limit, [](SqliteStatement& row) { return EntryFromRow(row); });
  }

  Result<std::optional<PostingRow>> GetPosting(ledger::AccountId account,
                                               ledger::Seq seq) override {
    auto statement = statements_.Get(
        fmt::format("SELECT {} FROM postings WHERE seq = ? AND account_id = ?", kPostingColumns));
    if (!statement.ok()) return statement.status();
    (*statement)->Bind(1, seq).Bind(2, account);
    std::optional<PostingRow> found;
    EBANK_RETURN_IF_ERROR(ForEachRow(**statement, [&](SqliteStatement& row) {
      found = PostingFromRow(row);
      return Status::Ok();
    }));
    return found;
  }

  Result<std::optional<StoredRequest>> GetRequest(const std::string& key) override {
    auto statement = statements_.Get(
        fmt::format("SELECT {} FROM ledger_requests WHERE request_key = ?", kRequestColumns));
    if (!statement.ok()) return statement.status();
    (*statement)->Bind(1, key);
    std::optional<StoredRequest> found;
    EBANK_RETURN_IF_ERROR(ForEachRow(**statement, [&](SqliteStatement& row) {
      auto request = RequestFromRow(row);
      if (!request.ok()) return request.status();
      found = std::move(*request);
      return Status::Ok();
    }));
    return found;
  }

 private:
  template <typename T, typename Map>
  Result<std::vector<T>> List(const std::string& sql, int64_t after, size_t limit, Map map) {
    auto statement = statements_.Get(sql);
    if (!statement.ok()) return statement.status();
    (*statement)->Bind(1, after).Bind(2, static_cast<int64_t>(limit));
    std::vector<T> items;
    EBANK_RETURN_IF_ERROR(ForEachRow(**statement, [&](SqliteStatement& row) {
      auto item = map(row);
      if (!item.ok()) return item.status();
      items.push_back(std::move(*item));
      return Status::Ok();
    }));
    return items;
  }

  std::unique_ptr<SqliteDb> db_;
  Statements statements_;
};

class SqliteWriteTransaction final : public ledger::WriteTransaction, public SqlWriteTransaction {
 public:
  SqliteWriteTransaction(SqliteReader& connection, SqliteSession& sql, ledger::Head head,
                         std::unique_lock<std::mutex> write_lock)
      : connection_(connection), sql_(sql), head_(head), write_lock_(std::move(write_lock)) {}
  ~SqliteWriteTransaction() override {
    if (!done_) (void)connection_.db().Exec("ROLLBACK");
  }

  const ledger::Head& head() const override { return head_; }
  SqlSession& sql() override { return sql_; }

  Status LoadAccounts(const std::vector<ledger::AccountId>& ids,
                      std::vector<Account>* out) override {
    auto accounts = connection_.GetAccounts(ids);
    if (!accounts.ok()) return accounts.status();
    for (Account& account : *accounts)
      out->push_back(std::move(account));
    return Status::Ok();
  }

  Result<std::optional<ledger::AccountId>> FindAccountByCode(const std::string& code) override {
    auto account = connection_.GetAccountByCode(code);
    if (!account.ok()) return account.status();
    if (!account->has_value()) return std::optional<ledger::AccountId>();
    return std::optional<ledger::AccountId>((*account)->id);
  }

  Status LoadHolds(const std::vector<ledger::HoldId>& ids, std::vector<Hold>* out) override {
    return Collect(fmt::format("SELECT {} FROM holds WHERE id = ?", kHoldColumns), ids, out);
  }

  Status LoadDueHolds(int64_t now_ms, size_t limit, std::vector<Hold>* out) override {
    auto statement = Statement(
        fmt::format("SELECT {} FROM holds WHERE state = 'pending' AND expires_at_ms <= ? ORDER BY "
                    "expires_at_ms LIMIT ?",
                    kHoldColumns));
    if (!statement.ok()) return statement.status();
    (*statement)->Bind(1, now_ms).Bind(2, static_cast<int64_t>(limit));
    return ForEachRow(**statement, [&](SqliteStatement& row) {
      auto hold = HoldFromRow(row);
      if (!hold.ok()) return hold.status();
      out->push_back(*hold);
      return Status::Ok();
    });
  }

  Status LoadRequests(const std::vector<std::string>& keys,
                      std::vector<StoredRequest>* out) override {
    for (const std::string& key : keys) {
      auto request = connection_.GetRequest(key);
      if (!request.ok()) return request.status();
      if (request->has_value()) out->push_back(std::move(**request));
    }
    return Status::Ok();
  }

  Status Write(const ledger::BatchWrite& batch) override;

  Status Commit() override {
    Status status = connection_.db().Exec("COMMIT");
    if (status.ok()) {
      done_ = true;
      write_lock_.unlock();
    }
    return status;
  }

 private:
  Result<SqliteStatement*> Statement(const std::string& sql) {
    return connection_.statements().Get(sql);
  }

  Status Collect(const std::string& sql, const std::vector<int64_t>& ids, std::vector<Hold>* out) {
    auto statement = Statement(sql);
    if (!statement.ok()) return statement.status();
    for (int64_t id : ids) {
      (*statement)->Bind(1, id);
      EBANK_RETURN_IF_ERROR(ForEachRow(**statement, [&](SqliteStatement& row) {
        auto hold = HoldFromRow(row);
        if (!hold.ok()) return hold.status();
        out->push_back(*hold);
        return Status::Ok();
      }));
    }
    return Status::Ok();
  }

  SqliteReader& connection_;
  SqliteSession& sql_;
  ledger::Head head_;
  bool done_ = false;
  std::unique_lock<std::mutex> write_lock_;  // Released at COMMIT or after ROLLBACK.
};

// Inserts `rows` with statements of up to kRowsPerInsert rows each: one statement step per
// chunk instead of per row roughly halves SQLite's cost per row.
template <typename Row, typename Bind>
Status InsertRows(Statements& statements, std::string_view table, std::string_view columns,
                  int column_count, const std::vector<Row>& rows, Bind bind) {
  constexpr size_t kRowsPerInsert = 64;
  for (size_t start = 0; start < rows.size(); start += kRowsPerInsert) {
    size_t count = std::min(kRowsPerInsert, rows.size() - start);
    std::string sql = fmt::format("INSERT INTO {} ({}) VALUES ", table, columns);
    std::string one_row = "(";
    for (int c = 0; c < column_count; ++c)
      one_row += c == 0 ? "?" : ", ?";
    one_row += ")";
    for (size_t i = 0; i < count; ++i) {
      if (i > 0) sql += ", ";
      sql += one_row;
    }
    auto statement = statements.Get(sql);
    if (!statement.ok()) return statement.status();
    for (size_t i = 0; i < count; ++i) {
      bind(**statement, static_cast<int>(i) * column_count + 1, rows[start + i]);
    }
    EBANK_RETURN_IF_ERROR((*statement)->Run());
  }
  return Status::Ok();
}

Status SqliteWriteTransaction::Write(const ledger::BatchWrite& batch) {
  auto insert_account = Statement(
      fmt::format("INSERT INTO accounts ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", kAccountColumns));
  auto update_account = Statement(
      "UPDATE accounts SET balance = ?, held = ?, updated_seq = ?, last_posting_seq = ? "
      "WHERE id = ?");
  auto insert_hold = Statement(
      fmt::format("INSERT INTO holds ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", kHoldColumns));
  auto update_hold =
      Statement("UPDATE holds SET state = ?, posted_amount = ?, closed_seq = ? WHERE id = ?");
  auto insert_request = Statement(fmt::format(
      "INSERT INTO ledger_requests ({}) VALUES (?, ?, ?, ?, ?, ?, ?)", kRequestColumns));
  auto update_head = Statement("UPDATE ledger_head SET seq = ?, hash = ? WHERE id = 1");
  for (const auto* statement : {&insert_account, &update_account, &insert_hold, &update_hold,
                                &insert_request, &update_head}) {
    if (!statement->ok()) return statement->status();
  }
  Statements& statements = connection_.statements();
  EBANK_RETURN_IF_ERROR(
      InsertRows(statements, "journal", kJournalColumns, 4, batch.entries,
                 [](SqliteStatement& statement, int at, const JournalEntry& entry) {
                   statement.Bind(at, entry.seq)
                       .Bind(at + 1, entry.at_ms)
                       .Bind(at + 2, entry.body)
                       .Bind(at + 3, ToHex(entry.hash));
                 }));
  EBANK_RETURN_IF_ERROR(
      InsertRows(statements, "postings", kPostingColumns, 5, batch.postings,
                 [](SqliteStatement& statement, int at, const PostingRow& posting) {
                   statement.Bind(at, posting.account)
                       .Bind(at + 1, posting.seq)
                       .Bind(at + 2, posting.amount)
                       .Bind(at + 3, posting.balance_after)
                       .Bind(at + 4, posting.prev_seq);
                 }));
  for (const Account& account : batch.new_accounts) {
    SqliteStatement& statement = **insert_account;
    statement.Bind(1, account.id);
    if (account.code.empty()) {
      statement.BindNull(2);
    } else {
      statement.Bind(2, account.code);
    }
    statement.Bind(3, account.currency.code()).Bind(4, std::string_view(SideText(account.side)));
    if (account.floor) {
      statement.Bind(5, *account.floor);
    } else {
      statement.BindNull(5);
    }
    statement.Bind(6, account.balance).Bind(7, account.held).Bind(8, account.updated_seq);
    statement.Bind(9, account.last_posting_seq);
    EBANK_RETURN_IF_ERROR(statement.Run());
  }
  for (const Account& account : batch.changed_accounts) {
    EBANK_RETURN_IF_ERROR((*update_account)
                              ->Bind(1, account.balance)
                              .Bind(2, account.held)
                              .Bind(3, account.updated_seq)
                              .Bind(4, account.last_posting_seq)
                              .Bind(5, account.id)
                              .Run());
  }
  for (const Hold& hold : batch.new_holds) {
    EBANK_RETURN_IF_ERROR((*insert_hold)
                              ->Bind(1, hold.id)
                              .Bind(2, hold.debit_account)
                              .Bind(3, hold.credit_account)
                              .Bind(4, hold.amount)
                              .Bind(5, hold.expires_at_ms)
                              .Bind(6, ledger::HoldStateName(hold.state))
                              .Bind(7, hold.posted_amount)
                              .Bind(8, hold.closed_seq)
                              .Run());
  }
  for (const Hold& hold : batch.changed_holds) {
    EBANK_RETURN_IF_ERROR((*update_hold)
                              ->Bind(1, ledger::HoldStateName(hold.state))
                              .Bind(2, hold.posted_amount)
                              .Bind(3, hold.closed_seq)
                              .Bind(4, hold.id)
                              .Run());
  }
  for (const StoredRequest& request : batch.requests) {
    const ledger::Outcome& outcome = request.outcome;
    EBANK_RETURN_IF_ERROR((*insert_request)
                              ->Bind(1, request.key)
                              .Bind(2, ToHex(request.fingerprint))
                              .Bind(3, CodeName(outcome.status.code()))
                              .Bind(4, outcome.status.reason())
                              .Bind(5, outcome.status.message())
                              .Bind(6, outcome.id)
                              .Bind(7, outcome.seq)
                              .Run());
  }
  return (*update_head)->Bind(1, batch.head.seq).Bind(2, ToHex(batch.head.hash)).Run();
}

class SqliteLedgerStore final : public ledger::LedgerStore {
 public:
  // The writer never checkpoints the WAL itself (a checkpoint's writes and fsync would
  // stall every caller waiting on that commit); a thread of its own does, PASSIVE, so
  // that it never blocks the writer or readers. Nor does its COMMIT wait for the disk
  // (synchronous=NORMAL): the ledger's syncer calls Sync, which does, while the writer
  // goes on with the next batch. The WAL is appended in order and each frame's checksum
  // covers those before it, so what a crash keeps is always a prefix of the commits.
  // `wal_fd` is a descriptor of the database's WAL, which Sync flushes.
  SqliteLedgerStore(std::string path, std::unique_ptr<SqliteDb> writer, int wal_fd)
      : path_(std::move(path)),
        file_(SqliteFile::For(path_)),
        writer_(std::move(writer)),
        writer_sql_(writer_.db()),
        wal_fd_(wal_fd) {
    (void)writer_.db().Exec("PRAGMA wal_autocheckpoint=0");
    (void)writer_.db().Exec("PRAGMA synchronous=NORMAL");
  }
  ~SqliteLedgerStore() override { ::close(wal_fd_); }

  std::string_view backend() const override { return "sqlite"; }

  bool CommitIsDurable() const override { return false; }

  // fsync(2) of any descriptor of a file writes back every page written to it, whoever
  // wrote them. The WAL stays the same file while the writer's connection is open: SQLite
  // removes it only when the last connection to the database closes.
  Status Sync() override {
    if (::fdatasync(wal_fd_) != 0) {
      return Status::Internal("wal_sync_failed",
                              std::string("cannot sync the WAL: ") + std::strerror(errno));
    }
    return Status::Ok();
  }

  Result<std::unique_ptr<ledger::WriteTransaction>> BeginWrite() override {
    std::unique_lock lock(file_->write_mutex());
    EBANK_RETURN_IF_ERROR(writer_.db().Exec("BEGIN IMMEDIATE"));
    auto head = writer_.GetHead();
    if (!head.ok()) {
      (void)writer_.db().Exec("ROLLBACK");
      return head.status();
    }
    return std::unique_ptr<ledger::WriteTransaction>(
        std::make_unique<SqliteWriteTransaction>(writer_, writer_sql_, *head, std::move(lock)));
  }

  Status Read(const std::function<Status(ledger::LedgerReader&)>& read) override {
    std::unique_ptr<SqliteReader> reader;
    {
      std::lock_guard lock(mutex_);
      if (!readers_.empty()) {
        reader = std::move(readers_.back());
        readers_.pop_back();
      }
    }
    if (!reader) {
      auto db = SqliteDb::Open(path_);
      if (!db.ok()) return db.status();
      reader = std::make_unique<SqliteReader>(std::move(*db));
    }
    Status status = reader->db().Exec("BEGIN");
    if (status.ok()) {
      status = read(*reader);
      Status end = reader->db().Exec("COMMIT");
      if (status.ok()) status = end;
    }
    std::lock_guard lock(mutex_);
    if (readers_.size() < kReaderPoolMax) readers_.push_back(std::move(reader));
    return status;
  }

 private:
  const std::string path_;
  const std::shared_ptr<SqliteFile> file_;
  SqliteReader writer_;
  SqliteSession writer_sql_;  // For effects; the same connection as writer_.
  std::mutex mutex_;
  std::vector<std::unique_ptr<SqliteReader>> readers_;  // GUARDED_BY(mutex_)
  const int wal_fd_;
};

// Opens the WAL that `db` (in WAL mode, already read) writes, and puts its name on disk
// (a new file's name is durable once its folder is synced).
Result<int> OpenWal(SqliteDb& db) {
  sqlite3_filename main = sqlite3_db_filename(db.handle(), "main");
  if (main == nullptr || *main == '\0') {
    return Status::Invalid("database_not_a_file", "the ledger needs a database file");
  }
  std::string wal = sqlite3_filename_wal(main);
  int fd = ::open(wal.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::Unavailable("wal_open_failed",
                               "cannot open " + wal + ": " + std::strerror(errno));
  }
  std::string folder = wal.substr(0, wal.find_last_of('/') + 1);
  int dir = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  bool synced = dir >= 0 && ::fsync(dir) == 0;
  if (dir >= 0) ::close(dir);
  if (!synced) {
    ::close(fd);
    return Status::Unavailable("wal_sync_failed", "cannot sync the folder of " + wal);
  }
  return fd;
}

}  // namespace

Status MigrateSqlite(SqliteDb& db);

Result<std::unique_ptr<ledger::LedgerStore>> OpenSqliteLedgerStore(const std::string& path) {
  auto db = SqliteDb::Open(path);
  if (!db.ok()) return db.status();
  EBANK_RETURN_IF_ERROR(MigrateSqlite(**db));
  auto wal_fd = OpenWal(**db);
  if (!wal_fd.ok()) return wal_fd.status();
  return std::unique_ptr<ledger::LedgerStore>(
      std::make_unique<SqliteLedgerStore>(path, std::move(*db), *wal_fd));
}

}  // namespace ebank::store
