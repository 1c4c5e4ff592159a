#include "store/sqlite_file.h"

#include <chrono>
#include <filesystem>
#include <map>

#include "store/sqlite.h"

namespace ebank::store {
namespace {
constexpr auto kCheckpointInterval = std::chrono::milliseconds(250);
}  // namespace

std::shared_ptr<SqliteFile> SqliteFile::For(const std::string& path) {
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<SqliteFile>> files;  // GUARDED_BY(mutex)
  std::error_code ignored;
  std::string key = std::filesystem::weakly_canonical(path, ignored).string();
  if (key.empty()) key = path;
  std::lock_guard lock(mutex);
  if (auto file = files[key].lock()) return file;
  std::shared_ptr<SqliteFile> file(new SqliteFile(path));
  files[key] = file;
  return file;
}

SqliteFile::SqliteFile(std::string path) : path_(std::move(path)) {
  checkpointer_ = std::thread([this] { Checkpoint(); });
}

SqliteFile::~SqliteFile() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  checkpointer_.join();
}

// PASSIVE checkpoints never wait for writers or readers; the last one, on the way out,
// truncates the WAL.
void SqliteFile::Checkpoint() {
  auto db = SqliteDb::Open(path_);
  if (!db.ok()) return;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, kCheckpointInterval, [this] { return stopping_; })) {
    lock.unlock();
    (void)(*db)->Exec("PRAGMA wal_checkpoint(PASSIVE)");
    lock.lock();
  }
  lock.unlock();
  (void)(*db)->Exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

}  // namespace ebank::store
