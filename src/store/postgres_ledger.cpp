// The ledger store on PostgreSQL. Batches are written with COPY and set-based updates,
// so a batch of thousands of transfers costs a handful of round trips.
#include <fmt/format.h>

#include <mutex>

#include "store/open.h"
#include "store/postgres.h"
#include "store/rows.h"
#include "store/sql_sessions.h"

namespace ebank::store {
namespace {

using ledger::Account;
using ledger::Hold;
using ledger::JournalEntry;
using ledger::PostingRow;
using ledger::StoredRequest;

constexpr size_t kReaderPoolMax = 16;

// One row of a PgResult, shaped like SqliteStatement for the templates in rows.h.
class PgRow {
 public:
  PgRow(const PgResult& result, int row) : result_(result), row_(row) {}
  int64_t Int64(int column) const { return result_.Int64(row_, column); }
  std::string_view Text(int column) const { return result_.Text(row_, column); }
  bool IsNull(int column) const { return result_.IsNull(row_, column); }

 private:
  const PgResult& result_;
  int row_;
};

template <typename T, typename Map>
Result<std::vector<T>> MapRows(Result<PgResult> result, Map map) {
  if (!result.ok()) return result.status();
  std::vector<T> items;
  items.reserve(static_cast<size_t>(result->rows()));
  for (int i = 0; i < result->rows(); ++i) {
    auto item = map(PgRow(*result, i));
    if (!item.ok()) return item.status();
    items.push_back(std::move(*item));
  }
  return items;
}

template <typename T>
Status AppendAll(Result<std::vector<T>> items, std::vector<T>* out) {
  if (!items.ok()) return items.status();
  for (T& item : *items)
    out->push_back(std::move(item));
  return Status::Ok();
}

auto AccountMap = [](const PgRow& row) { return AccountFromRow(row); };
auto HoldMap = [](const PgRow& row) { return HoldFromRow(row); };

class PgReader final : public ledger::LedgerReader {
 public:
  explicit PgReader(std::unique_ptr<PgConnection> db) : db_(std::move(db)) {}
  PgConnection& db() { return *db_; }

  Result<ledger::Head> GetHead() override {
    return HeadQuery("SELECT seq, hash FROM ledger_head WHERE id = 1");
  }

  Result<ledger::Head> HeadQuery(const std::string& sql) {
    auto result = db_->Query(sql);
    if (!result.ok()) return result.status();
    if (result->rows() != 1) return Status::Internal("database_corrupt", "no ledger head");
    return HeadFromRow(PgRow(*result, 0));
  }

  Result<std::vector<Account>> GetAccounts(const std::vector<ledger::AccountId>& ids) override {
    return MapRows<Account>(
        db_->Query(
            fmt::format("SELECT {} FROM accounts WHERE id = ANY($1::bigint[])", kAccountColumns),
            {ArrayLiteral(ids)}),
        AccountMap);
  }

  Result<std::vector<Account>> ListAccounts(ledger::AccountId after, size_t limit) override {
    return MapRows<Account>(
        db_->Query(fmt::format("SELECT {} FROM accounts WHERE id > $1 ORDER BY id LIMIT $2",
                               kAccountColumns),
                   {std::to_string(after), std::to_string(limit)}),
        AccountMap);
  }

  Result<std::optional<Account>> GetAccountByCode(const std::string& code) override {
    auto accounts = MapRows<Account>(
        db_->Query(fmt::format("SELECT {} FROM accounts WHERE code = $1", kAccountColumns), {code}),
        AccountMap);
    if (!accounts.ok()) return accounts.status();
    if (accounts->empty()) return std::optional<Account>();
    return std::optional<Account>(accounts->front());
  }

  Result<std::vector<Hold>> ListHolds(ledger::HoldId after, size_t limit) override {
    return MapRows<Hold>(
        db_->Query(
            fmt::format("SELECT {} FROM holds WHERE id > $1 ORDER BY id LIMIT $2", kHoldColumns),
            {std::to_string(after), std::to_string(limit)}),
        HoldMap);
  }

  Result<std::vector<JournalEntry>> ReadJournal(ledger::Seq after, size_t limit) override {
    return MapRows<JournalEntry>(
        db_->Query(fmt::format("SELECT {} FROM journal WHERE seq > $1 ORDER BY seq LIMIT $2",
                               kJournalColumns),
                   {std::to_string(after), std::to_string(limit)}),
        [](const PgRow& row) { return EntryFromRow(row); });
  }

  Result<std::optional<PostingRow>> GetPosting(ledger::AccountId account,
                                               ledger::Seq seq) override {
    auto rows = MapRows<PostingRow>(
        db_->Query(fmt::format("SELECT {} FROM postings WHERE seq = $1 AND account_id = $2",
                               kPostingColumns),
                   {std::to_string(seq), std::to_string(account)}),
        [](const PgRow& row) { return Result<PostingRow>(PostingFromRow(row)); });
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return std::optional<PostingRow>();
    return std::optional<PostingRow>(rows->front());
  }

  Result<std::optional<StoredRequest>> GetRequest(const std::string& key) override {
    auto requests = LoadRequests({key});
    if (!requests.ok()) return requests.status();
    if (requests->empty()) return std::optional<StoredRequest>();
    return std::optional<StoredRequest>(requests->front());
  }

  Result<std::vector<StoredRequest>> LoadRequests(const std::vector<std::string>& keys) {
    return MapRows<StoredRequest>(
        db_->Query(fmt::format("SELECT {} FROM ledger_requests WHERE request_key = ANY($1::text[])",
                               kRequestColumns),
                   {ArrayLiteral(keys)}),
        [](const PgRow& row) { return RequestFromRow(row); });
  }

 private:
  std::unique_ptr<PgConnection> db_;
};

class PgWriteTransaction final : public ledger::WriteTransaction, public SqlWriteTransaction {
 public:
  PgWriteTransaction(PgReader& connection, PgSession& sql, ledger::Head head)
      : connection_(connection), sql_(sql), head_(head) {}
  ~PgWriteTransaction() override {
    if (!done_) (void)db().Exec("ROLLBACK");
  }

  const ledger::Head& head() const override { return head_; }
  SqlSession& sql() override { return sql_; }

  Status LoadAccounts(const std::vector<ledger::AccountId>& ids,
                      std::vector<Account>* out) override {
    return AppendAll(connection_.GetAccounts(ids), out);
  }

  Result<std::optional<ledger::AccountId>> FindAccountByCode(const std::string& code) override {
    auto account = connection_.GetAccountByCode(code);
    if (!account.ok()) return account.status();
    if (!account->has_value()) return std::optional<ledger::AccountId>();
    return std::optional<ledger::AccountId>((*account)->id);
  }

  Status LoadHolds(const std::vector<ledger::HoldId>& ids, std::vector<Hold>* out) override {
    return AppendAll(
        MapRows<Hold>(db().Query(fmt::format("SELECT {} FROM holds WHERE id = ANY($1::bigint[])",
                                             kHoldColumns),
                                 {ArrayLiteral(ids)}),
                      HoldMap),
        out);
  }

  Status LoadDueHolds(int64_t now_ms, size_t limit, std::vector<Hold>* out) override {
    return AppendAll(
        MapRows<Hold>(db().Query(fmt::format("SELECT {} FROM holds WHERE state = 'pending' AND "
                                             "expires_at_ms <= $1 ORDER BY expires_at_ms LIMIT $2",
                                             kHoldColumns),
                                 {std::to_string(now_ms), std::to_string(limit)}),
                      HoldMap),
        out);
  }

  Status LoadRequests(const std::vector<std::string>& keys,
                      std::vector<StoredRequest>* out) override {
    return AppendAll(connection_.LoadRequests(keys), out);
  }

  Status Write(const ledger::BatchWrite& batch) override;

  Status Commit() override {
    Status status = db().Exec("COMMIT");
    done_ = true;  // A failed COMMIT has ended the transaction too.
    return status;
  }

 private:
  PgConnection& db() { return connection_.db(); }

  PgReader& connection_;
  PgSession& sql_;
  ledger::Head head_;
  bool done_ = false;
};

// COPY text-format writers.
void Field(std::string& out, int64_t value) {
  out += std::to_string(value);
  out += '\t';
}
void Field(std::string& out, std::string_view value) {
  AppendCopyText(out, value);
  out += '\t';
}
void NullField(std::string& out) {
  out += "\\N\t";
}
void EndRow(std::string& out) {
  out.back() = '\n';
}

Status PgWriteTransaction::Write(const ledger::BatchWrite& batch) {
  std::string data;
  if (!batch.entries.empty()) {
    for (const JournalEntry& entry : batch.entries) {
      Field(data, entry.seq);
      Field(data, entry.at_ms);
      Field(data, entry.body);
      Field(data, ToHex(entry.hash));
      EndRow(data);
    }
    EBANK_RETURN_IF_ERROR(
        db().CopyIn(fmt::format("COPY journal ({}) FROM STDIN", kJournalColumns), data));
  }
  if (!batch.postings.empty()) {
    data.clear();
    for (const PostingRow& posting : batch.postings) {
      Field(data, posting.account);
      Field(data, posting.seq);
      Field(data, posting.amount);
      Field(data, posting.balance_after);
      Field(data, posting.prev_seq);
      EndRow(data);
    }
    EBANK_RETURN_IF_ERROR(
        db().CopyIn(fmt::format("COPY postings ({}) FROM STDIN", kPostingColumns), data));
  }
  if (!batch.new_accounts.empty()) {
    data.clear();
    for (const Account& account : batch.new_accounts) {
      Field(data, account.id);
      if (account.code.empty()) {
        NullField(data);
      } else {
        Field(data, account.code);
      }
      Field(data, account.currency.code());
      Field(data, std::string_view(SideText(account.side)));
      if (account.floor) {
        Field(data, *account.floor);
      } else {
        NullField(data);
      }
      Field(data, account.balance);
      Field(data, account.held);
      Field(data, account.updated_seq);
      Field(data, account.last_posting_seq);
      EndRow(data);
    }
    EBANK_RETURN_IF_ERROR(
        db().CopyIn(fmt::format("COPY accounts ({}) FROM STDIN", kAccountColumns), data));
  }
  if (!batch.new_holds.empty()) {
    data.clear();
    for (const Hold& hold : batch.new_holds) {
      Field(data, hold.id);
      Field(data, hold.debit_account);
      Field(data, hold.credit_account);
      Field(data, hold.amount);
      Field(data, hold.expires_at_ms);
      Field(data, ledger::HoldStateName(hold.state));
      Field(data, hold.posted_amount);
      Field(data, hold.closed_seq);
      EndRow(data);
    }
    EBANK_RETURN_IF_ERROR(
        db().CopyIn(fmt::format("COPY holds ({}) FROM STDIN", kHoldColumns), data));
  }
  if (!batch.requests.empty()) {
    data.clear();
    for (const StoredRequest& request : batch.requests) {
      Field(data, request.key);
      Field(data, ToHex(request.fingerprint));
      Field(data, CodeName(request.outcome.status.code()));
      Field(data, request.outcome.status.reason());
      Field(data, request.outcome.status.message());
      Field(data, request.outcome.id);
      Field(data, request.outcome.seq);
      EndRow(data);
    }
    EBANK_RETURN_IF_ERROR(
        db().CopyIn(fmt::format("COPY ledger_requests ({}) FROM STDIN", kRequestColumns), data));
  }
  if (!batch.changed_accounts.empty()) {
    std::vector<int64_t> ids, balances, helds, seqs, posting_seqs;
    for (const Account& account : batch.changed_accounts) {
      ids.push_back(account.id);
      balances.push_back(account.balance);
      helds.push_back(account.held);
      seqs.push_back(account.updated_seq);
      posting_seqs.push_back(account.last_posting_seq);
    }
    auto updated = db().Query(
        "UPDATE accounts AS a SET balance = u.balance, held = u.held, updated_seq = u.seq, "
        "last_posting_seq = u.posting_seq "
        "FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[]) "
        "AS u(id, balance, held, seq, posting_seq) WHERE a.id = u.id",
        {ArrayLiteral(ids), ArrayLiteral(balances), ArrayLiteral(helds), ArrayLiteral(seqs),
         ArrayLiteral(posting_seqs)});
    EBANK_RETURN_IF_ERROR(updated.status());
  }
  if (!batch.changed_holds.empty()) {
    std::vector<int64_t> ids, posted, closed;
    std::vector<std::string> states;
    for (const Hold& hold : batch.changed_holds) {
      ids.push_back(hold.id);
      states.emplace_back(ledger::HoldStateName(hold.state));
      posted.push_back(hold.posted_amount);
      closed.push_back(hold.closed_seq);
    }
    auto updated = db().Query(
        "UPDATE holds AS h SET state = u.state, posted_amount = u.posted, closed_seq = u.closed "
        "FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[]) "
        "AS u(id, state, posted, closed) WHERE h.id = u.id",
        {ArrayLiteral(ids), ArrayLiteral(states), ArrayLiteral(posted), ArrayLiteral(closed)});
    EBANK_RETURN_IF_ERROR(updated.status());
  }
  return db()
      .Query("UPDATE ledger_head SET seq = $1, hash = $2 WHERE id = 1",
             {std::to_string(batch.head.seq), ToHex(batch.head.hash)})
      .status();
}

class PgLedgerStore final : public ledger::LedgerStore {
 public:
  PgLedgerStore(std::string url, std::unique_ptr<PgReader> writer)
      : url_(std::move(url)),
        writer_(std::move(writer)),
        writer_sql_(std::make_unique<PgSession>(writer_->db())) {}

  std::string_view backend() const override { return "postgresql"; }

  Result<std::unique_ptr<ledger::WriteTransaction>> BeginWrite() override {
    if (writer_->db().broken()) {
      auto reconnected = PgConnection::Connect(url_);
      if (!reconnected.ok()) return reconnected.status();
      writer_ = std::make_unique<PgReader>(std::move(*reconnected));
      writer_sql_ = std::make_unique<PgSession>(writer_->db());
    }
    EBANK_RETURN_IF_ERROR(writer_->db().Exec("BEGIN"));
    // The row lock on the head serialises ledger writers in every process.
    auto head = writer_->HeadQuery("SELECT seq, hash FROM ledger_head WHERE id = 1 FOR UPDATE");
    if (!head.ok()) {
      (void)writer_->db().Exec("ROLLBACK");
      return head.status();
    }
    return std::unique_ptr<ledger::WriteTransaction>(
        std::make_unique<PgWriteTransaction>(*writer_, *writer_sql_, *head));
  }

  Status Read(const std::function<Status(ledger::LedgerReader&)>& read) override {
    std::unique_ptr<PgReader> reader;
    {
      std::lock_guard lock(mutex_);
      if (!readers_.empty()) {
        reader = std::move(readers_.back());
        readers_.pop_back();
      }
    }
    if (!reader) {
      auto db = PgConnection::Connect(url_);
      if (!db.ok()) return db.status();
      reader = std::make_unique<PgReader>(std::move(*db));
    }
    Status status = reader->db().Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    if (status.ok()) {
      status = read(*reader);
      Status end = reader->db().Exec(status.ok() ? "COMMIT" : "ROLLBACK");
      if (status.ok()) status = end;
    }
    if (reader->db().broken()) return status;
    std::lock_guard lock(mutex_);
    if (readers_.size() < kReaderPoolMax) readers_.push_back(std::move(reader));
    return status;
  }

 private:
  const std::string url_;
  std::unique_ptr<PgReader> writer_;
  std::unique_ptr<PgSession> writer_sql_;  // For effects; writer_'s connection.
  std::mutex mutex_;
  std::vector<std::unique_ptr<PgReader>> readers_;  // GUARDED_BY(mutex_)
};

}  // namespace

Status MigratePostgres(PgConnection& db);

Result<std::unique_ptr<ledger::LedgerStore>> OpenPostgresLedgerStore(const std::string& url) {
  auto db = PgConnection::Connect(url);
  if (!db.ok()) return db.status();
  EBANK_RETURN_IF_ERROR(MigratePostgres(**db));
  return std::unique_ptr<ledger::LedgerStore>(
      std::make_unique<PgLedgerStore>(url, std::make_unique<PgReader>(std::move(*db))));
}

}  // namespace ebank::store
