// The double-entry ledger: one writer thread that applies commands in batches (group
// commit) inside database transactions that also write the hash-chained journal.
//
// Thread-safe: any thread may Submit() and read through store(). Outcomes are delivered
// only after the batch that decided them is durable in the database. Several processes
// may share one database: the writer takes the database's ledger lock for each batch and
// trusts its in-memory cache only while the journal's head is the one it last wrote.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "ledger/store.h"
#include "ledger/types.h"

namespace ebank::ledger {

struct LedgerOptions {
  size_t batch_commands_max = kBatchCommandsMax;
  size_t account_cache_max = 1 << 20;
};

struct LedgerMetrics {
  Counter batches;
  Counter commands;
  Counter commands_failed;
  Counter commits_failed;
  Histogram commit_latency;  // BeginWrite to Commit returning.
  Histogram queue_latency;   // Submit to outcome.
};

class Ledger {
 public:
  using Callback = std::function<void(std::vector<Outcome>)>;

  // Starts the writer thread. `clock` must outlive the ledger.
  Ledger(std::unique_ptr<LedgerStore> store, const Clock& clock, LedgerOptions options = {});
  // Applies everything already submitted, then stops the writer.
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Queues `requests` (at most batch_commands_max) to be applied in order, each succeeding
  // or failing on its own; `done` runs on the writer thread (or, when the store's commits
  // need a Sync, on the thread that syncs) with one outcome per request, once they are
  // durable. When the queue is full or the ledger is stopping, `done` runs
  // at once with kUnavailable outcomes.
  void Submit(std::vector<Request> requests, Callback done);
  // Blocking forms of Submit.
  std::vector<Outcome> Execute(std::vector<Request> requests);
  Outcome Execute(Request request);

  LedgerStore& store() { return *store_; }
  const LedgerMetrics& metrics() const { return metrics_; }

 private:
  struct Group {
    std::vector<Request> requests;
    std::vector<Outcome> outcomes;  // Preflight failures are filled in by Submit.
    Callback done;
    int64_t submitted_ns = 0;
  };
  class Batch;

  void Run();
  void ProcessBatch(std::vector<Group>& groups);
  void SyncAndAnswer();
  void Answer(std::vector<Group>& groups);

  std::unique_ptr<LedgerStore> store_;
  const Clock& clock_;
  const LedgerOptions options_;
  LedgerMetrics metrics_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Group> queue_;     // GUARDED_BY(mutex_)
  size_t queued_commands_ = 0;  // GUARDED_BY(mutex_)
  bool stopping_ = false;       // GUARDED_BY(mutex_)

  // Writer thread only: state as of journal entry cache_seq_ (-1: nothing cached).
  Seq cache_seq_ = -1;
  int64_t last_at_ms_ = 0;  // Entry times never go backwards, even if the clock does.
  std::unordered_map<AccountId, Account> accounts_;
  std::unordered_map<HoldId, Hold> holds_;

  // Batches committed but not yet known to be on disk (when the store defers durability to
  // Sync), oldest first, and whether the writer has stopped handing them over.
  std::mutex sync_mutex_;
  std::condition_variable sync_wake_;
  std::vector<Group> unsynced_;  // GUARDED_BY(sync_mutex_)
  bool writer_done_ = false;     // GUARDED_BY(sync_mutex_)

  std::thread writer_;
  std::thread syncer_;  // Only when the store defers durability.
};

}  // namespace ebank::ledger
