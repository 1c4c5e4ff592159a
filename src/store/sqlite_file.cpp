#include "store/sqlite_file.h"

#include <chrono>
#include <filesystem>
#include <map>

#include <sqlite3.h>

#include "store/sqlite.h"

namespace ebank::store {
namespace {
constexpr auto kCheckpointInterval = std::chrono::milliseconds(250);
// A WAL this long (about 16 MiB) is restarted from its beginning at the next checkpoint.
constexpr int kRestartFrames = 4096;
constexpr int kRestartWaitMs = 50;
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

// PASSIVE checkpoints never wait for writers or readers. Under steady load they never catch
// up, though: some reader always holds an older snapshot, so the WAL is never wholly copied
// back and never starts over, and it grows by every commit (a gigabyte in ten seconds of
// card traffic, each new page zero-filled by the file system). So once it is long, a
// RESTART checkpoint holds this process's writers back, waits for the readers to move on
// (they are short), copies the rest and lets the next writer start the WAL from its
// beginning, over pages that are already there. The last one, on the way out, truncates it.
void SqliteFile::Checkpoint() {
  auto db = SqliteDb::Open(path_);
  if (!db.ok()) return;
  sqlite3* handle = (*db)->handle();
  // A RESTART holds writers back while it waits for readers: never for long. A reader that
  // takes longer (a big export) only puts the restart off to the next round.
  sqlite3_busy_timeout(handle, kRestartWaitMs);
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, kCheckpointInterval, [this] { return stopping_; })) {
    lock.unlock();
    int frames = 0;
    int copied = 0;
    int rc =
        sqlite3_wal_checkpoint_v2(handle, nullptr, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
    if (rc == SQLITE_OK && frames >= kRestartFrames) {
      std::lock_guard writers(write_mutex_);
      (void)sqlite3_wal_checkpoint_v2(handle, nullptr, SQLITE_CHECKPOINT_RESTART, nullptr, nullptr);
    }
    lock.lock();
  }
  lock.unlock();
  (void)(*db)->Exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

}  // namespace ebank::store
