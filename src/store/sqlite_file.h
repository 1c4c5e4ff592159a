// What the connections of one process to one SQLite file share: a write lock, so that the
// ledger's writer and the services' group commit take turns in the process instead of
// meeting SQLite's busy handler (which sleeps and retries), and the thread that
// checkpoints the WAL, so that no commit ever runs a checkpoint itself. Other processes on
// the same file are still serialised by SQLite's own lock (BEGIN IMMEDIATE).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace ebank::store {

class SqliteFile {
 public:
  // The one instance for `path` in this process, created on first use; it lives while
  // someone holds it.
  static std::shared_ptr<SqliteFile> For(const std::string& path);
  ~SqliteFile();
  SqliteFile(const SqliteFile&) = delete;
  SqliteFile& operator=(const SqliteFile&) = delete;

  // Held from BEGIN IMMEDIATE to COMMIT or ROLLBACK by every writer in this process.
  std::mutex& write_mutex() { return write_mutex_; }

 private:
  explicit SqliteFile(std::string path);
  void Checkpoint();

  const std::string path_;
  std::mutex write_mutex_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // GUARDED_BY(mutex_)
  std::thread checkpointer_;
};

}  // namespace ebank::store
