#include "store/sql.h"

#include <stdexcept>

#include <charconv>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <semaphore>
#include <thread>
#include <unordered_map>

#include "store/open.h"
#include "store/postgres.h"
#include "store/sql_sessions.h"
#include "store/sqlite.h"
#include "store/sqlite_file.h"

namespace ebank::store {
namespace {

constexpr size_t kPoolConnectionsMax = 256;
// At most this many transactions share one SQLite commit.
constexpr size_t kGroupTransactionsMax = 1024;

// A transaction that loses a serialization conflict is run again after a random pause that
// doubles each time (so that the ones that collided do not collide again in step).
constexpr int kSerializationRetriesMax = 30;
constexpr auto kRetryPauseFirst = std::chrono::microseconds(500);
constexpr auto kRetryPauseMax = std::chrono::milliseconds(50);
// PostgreSQL gains nothing from more transactions at once than this on a small machine,
// and SERIALIZABLE's conflict tracking runs out of room with hundreds of them.
constexpr std::ptrdiff_t kPgTransactionsAtOnceMax = 16;

// A pool of sessions of one kind.
template <typename Session>
class Pool {
 public:
  std::unique_ptr<Session> Take() {
    std::lock_guard lock(mutex_);
    if (idle_.empty()) return nullptr;
    auto session = std::move(idle_.back());
    idle_.pop_back();
    return session;
  }
  void Give(std::unique_ptr<Session> session) {
    std::lock_guard lock(mutex_);
    if (idle_.size() < kPoolConnectionsMax) idle_.push_back(std::move(session));
  }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<Session>> idle_;  // GUARDED_BY(mutex_)
};

bool IsBusy(const Status& status) {
  return status.code() == Code::kUnavailable && status.reason() == "database_busy";
}

// Each commit waits for an fsync, and concurrent writers to the same rows only get in each
// other's way (SQLite has one writer at a time; PostgreSQL's SERIALIZABLE aborts one of
// them), so write transactions from many threads are group-committed: the first caller to
// find no group under way becomes the leader, runs every queued transaction in turn inside
// one database transaction (each in its own savepoint, so one that fails is rolled back
// alone), commits once, and wakes the others with their own outcome. The result is as if
// they had run one after another, in queue order.
class GroupCommit {
 public:
  struct Member {
    const std::function<Status(SqlSession&)>* work;
    Status status;
    bool done = false;  // GUARDED_BY(mutex_)
    bool lead = false;  // GUARDED_BY(mutex_): run the next group.
    std::condition_variable wake;
  };
  using Group = std::vector<Member*>;
  // Runs a group in one transaction, setting every member's status.
  using RunGroup = std::function<void(const Group&)>;

  explicit GroupCommit(RunGroup run_group) : run_group_(std::move(run_group)) {}

  Status Run(const std::function<Status(SqlSession&)>& work) {
    if (in_group_) {
      return Status::Internal("nested_transaction", "a transaction cannot start another");
    }
    Member self{&work};
    std::unique_lock lock(mutex_);
    queue_.push_back(&self);
    if (leading_) {
      // Woken only for our own outcome, or to lead the next group.
      self.wake.wait(lock, [&] { return self.done || self.lead; });
      if (self.done) return self.status;
    }
    leading_ = true;
    Group group;
    while (!queue_.empty() && group.size() < kGroupTransactionsMax) {
      group.push_back(queue_.front());
      queue_.pop_front();
    }
    lock.unlock();
    run_group_(group);
    lock.lock();
    for (Member* member : group) {
      member->done = true;
      if (member != &self) member->wake.notify_one();
    }
    // Hand the lead to the first of those who queued meanwhile, if any.
    leading_ = !queue_.empty();
    if (leading_) {
      queue_.front()->lead = true;
      queue_.front()->wake.notify_one();
    }
    return self.status;
  }

  // Runs each member in a savepoint of `session`'s open transaction. Stops at a member
  // that lost a serialization conflict and returns that (the whole group must run again);
  // otherwise OK, whatever the members' own outcomes.
  static Status RunMembers(SqlSession& session, const Group& group) {
    for (Member* member : group) {
      Status status = session.Exec("SAVEPOINT member");
      if (status.ok()) {
        status = RunOne(*member->work, session);
        // A failed member's changes are undone; the savepoint is released either way.
        Status end = status.ok() ? Status::Ok() : session.Exec("ROLLBACK TO member");
        if (end.ok()) end = session.Exec("RELEASE member");
        if (status.ok()) status = end;
      }
      member->status = status;
      if (IsBusy(status)) return status;
    }
    return Status::Ok();
  }

  // After a failed COMMIT: what succeeded did not happen.
  static void CommitFailed(const Group& group, const Status& commit) {
    for (Member* member : group) {
      if (member->status.ok()) member->status = commit;
    }
  }

 private:
  static Status RunOne(const std::function<Status(SqlSession&)>& work, SqlSession& session) {
    in_group_ = true;
    Status status;
    try {
      status = work(session);
    } catch (const std::exception& error) {
      status = Status::Internal("transaction_failed", error.what());
    }
    in_group_ = false;
    return status;
  }

  static thread_local bool in_group_;  // This thread is running a group's member.

  const RunGroup run_group_;
  std::mutex mutex_;
  std::deque<Member*> queue_;  // GUARDED_BY(mutex_)
  bool leading_ = false;       // GUARDED_BY(mutex_)
};

thread_local bool GroupCommit::in_group_ = false;

class SqliteDatabase final : public SqlDatabase {
 public:
  explicit SqliteDatabase(std::string path)
      : path_(std::move(path)),
        file_(SqliteFile::For(path_)),
        group_commit_([this](const GroupCommit::Group& group) { RunGroup(group); }) {}
  std::string_view backend() const override { return "sqlite"; }

  Status Transaction(const std::function<Status(SqlSession&)>& work) override {
    return group_commit_.Run(work);
  }
  Status Read(const std::function<Status(SqlSession&)>& work) override {
    auto session = Connect();
    if (!session.ok()) return session.status();
    Status status = (*session)->Exec("BEGIN");
    if (status.ok()) {
      status = work(**session);
      Status end = (*session)->Exec(status.ok() ? "COMMIT" : "ROLLBACK");
      if (status.ok()) status = end;
    }
    pool_.Give(std::move(*session));
    return status;
  }

 private:
  Result<std::unique_ptr<SqliteSession>> Connect() {
    auto session = pool_.Take();
    if (session) return session;
    auto db = SqliteDb::Open(path_);
    if (!db.ok()) return db.status();
    // SqliteFile's thread checkpoints; a commit never does.
    EBANK_RETURN_IF_ERROR((*db)->Exec("PRAGMA wal_autocheckpoint=0"));
    return std::make_unique<SqliteSession>(std::move(*db));
  }

  // Under the process's write lock, so that the ledger's writer and this take turns.
  void RunGroup(const GroupCommit::Group& group) {
    std::lock_guard write_lock(file_->write_mutex());
    auto session = Connect();
    // Transaction statements go through the session's prepared statements too.
    Status status = session.ok() ? (*session)->Exec("BEGIN IMMEDIATE") : session.status();
    if (status.ok()) status = GroupCommit::RunMembers(**session, group);
    if (status.ok()) status = (*session)->Exec("COMMIT");
    if (!status.ok()) {
      if (session.ok()) (void)(*session)->Exec("ROLLBACK");  // It may still be open.
      GroupCommit::CommitFailed(group, status);
    }
    if (session.ok()) pool_.Give(std::move(*session));
  }

  const std::string path_;
  const std::shared_ptr<SqliteFile> file_;
  Pool<SqliteSession> pool_;
  GroupCommit group_commit_;
};

class PgDatabase final : public SqlDatabase {
 public:
  explicit PgDatabase(std::string url)
      : url_(std::move(url)),
        group_commit_([this](const GroupCommit::Group& group) { RunGroup(group); }) {}
  std::string_view backend() const override { return "postgresql"; }

  Status Transaction(const std::function<Status(SqlSession&)>& work) override {
    return group_commit_.Run(work);
  }
  Status Read(const std::function<Status(SqlSession&)>& work) override {
    return Run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", work);
  }

 private:
  // A group that loses a serialization conflict (with another process, or a reader) runs
  // again after a random pause that doubles each time.
  void RunGroup(const GroupCommit::Group& group) {
    thread_local std::minstd_rand jitter(
        static_cast<unsigned>(std::hash<std::thread::id>{}(std::this_thread::get_id())));
    std::chrono::microseconds pause = kRetryPauseFirst;
    for (int attempt = 0; attempt < kSerializationRetriesMax; ++attempt) {
      Status status = Run("BEGIN ISOLATION LEVEL SERIALIZABLE", [&](SqlSession& session) {
        return GroupCommit::RunMembers(session, group);
      });
      if (status.ok()) return;
      if (!IsBusy(status) || attempt + 1 == kSerializationRetriesMax) {
        GroupCommit::CommitFailed(group, status);
        return;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(
          std::uniform_int_distribution<int64_t>(pause.count() / 2, pause.count())(jitter)));
      pause = std::min<std::chrono::microseconds>(pause * 2, kRetryPauseMax);
    }
  }

  Status Run(const char* begin, const std::function<Status(SqlSession&)>& work) {
    // A transaction may read through another connection while it runs; only the outermost
    // one on a thread takes a place, so that such reads cannot wait for each other.
    bool outermost = running_depth_++ == 0;
    if (outermost) running_.acquire();
    struct Release {
      PgDatabase& db;
      bool outermost;
      ~Release() {
        --running_depth_;
        if (outermost) db.running_.release();
      }
    } release{*this, outermost};
    auto session = pool_.Take();
    if (!session) {
      auto db = PgConnection::Connect(url_);
      if (!db.ok()) return db.status();
      session = std::make_unique<PgSession>(std::move(*db));
    }
    Status status = session->db().Exec(begin);
    if (status.ok()) {
      status = work(*session);
      Status end = session->db().Exec(status.ok() ? "COMMIT" : "ROLLBACK");
      if (status.ok()) status = end;
    }
    if (!session->db().broken()) pool_.Give(std::move(session));
    return status;
  }

  const std::string url_;
  Pool<PgSession> pool_;
  std::counting_semaphore<> running_{kPgTransactionsAtOnceMax};
  static thread_local int running_depth_;
  GroupCommit group_commit_;
};

thread_local int PgDatabase::running_depth_ = 0;

}  // namespace

const SqlValue& SqlRows::Cell(size_t row, size_t column) const {
  if (column >= columns_ || row >= size()) throw std::out_of_range("SqlRows: no such cell");
  return cells_[row * columns_ + column];
}

std::string SqlRows::Text(size_t row, size_t column) const {
  const SqlValue& cell = Cell(row, column);
  if (const auto* number = std::get_if<int64_t>(&cell)) return std::to_string(*number);
  if (const auto* text = std::get_if<std::string>(&cell)) return *text;
  return "";
}

int64_t SqlRows::Int(size_t row, size_t column) const {
  return OptionalInt(row, column).value_or(0);
}

std::optional<int64_t> SqlRows::OptionalInt(size_t row, size_t column) const {
  const SqlValue& cell = Cell(row, column);
  if (const auto* number = std::get_if<int64_t>(&cell)) return *number;
  const auto* text = std::get_if<std::string>(&cell);
  if (!text) return std::nullopt;
  int64_t value = 0;
  std::from_chars(text->data(), text->data() + text->size(), value);
  return value;
}

std::string ToPostgresPlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int next = 1;
  bool quoted = false;
  for (char c : sql) {
    if (c == '\'') quoted = !quoted;
    if (c == '?' && !quoted) {
      out += '$';
      out += std::to_string(next++);
    } else {
      out += c;
    }
  }
  return out;
}

Result<std::unique_ptr<SqlDatabase>> OpenSqlDatabase(const std::string& database) {
  auto version = Migrate(database);
  if (!version.ok()) return version.status();
  if (IsPostgresUrl(database)) {
    return std::unique_ptr<SqlDatabase>(std::make_unique<PgDatabase>(database));
  }
  return std::unique_ptr<SqlDatabase>(std::make_unique<SqliteDatabase>(database));
}

}  // namespace ebank::store
