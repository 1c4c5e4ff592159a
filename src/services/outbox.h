// The transactional outbox (DESIGN.md "Storage"): SMS codes and balance alerts are written
// in the same database transaction as the change they report, and a dispatcher delivers
// them afterwards through a pluggable gateway. A crash never sends a message for a change
// that did not happen. Each message is claimed before it is sent, so it is sent at most
// once even with several dispatchers; a crash between claim and send loses that one message
// (a customer asks for a new code; an alert is informational).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "store/sql.h"

namespace ebank::services {

inline constexpr int kOutboxAttemptsMax = 10;
// Messages claimed per transaction: at peak, balance alerts queue thousands a second, and a
// claim is a write transaction that waits for the ledger's writer like any other.
inline constexpr size_t kOutboxBatchRows = 1000;

struct Sms {
  std::string mobile;
  std::string text;
};

// Where messages go. Implementations are thread-compatible (one dispatcher calls them).
class SmsGateway {
 public:
  virtual ~SmsGateway() = default;
  virtual Status Send(const std::string& mobile, const std::string& text) = 0;
  // Sends a batch: one status per message, in order. By default, one Send at a time.
  virtual std::vector<Status> SendAll(const std::vector<Sms>& batch);
};

// The development gateway: appends one JSON line per message to a file, which stands for
// the customers' phones in the demo and the tests. Never used for real customers.
class FileSmsGateway final : public SmsGateway {
 public:
  explicit FileSmsGateway(std::string path) : path_(std::move(path)) {}
  Status Send(const std::string& mobile, const std::string& text) override;
  // The whole batch in one write(2): delivered together or not at all.
  std::vector<Status> SendAll(const std::vector<Sms>& batch) override;

 private:
  Status Append(const std::string& lines);

  std::string path_;
};

// Queues a message inside the caller's transaction.
Status EnqueueSms(store::SqlSession& sql, const Clock& clock, const std::string& mobile,
                  const std::string& text);

// Delivers queued messages: once now (DeliverPending), or from a thread of its own.
class OutboxDispatcher {
 public:
  OutboxDispatcher(store::SqlDatabase& db, SmsGateway& sms, const Clock& clock)
      : db_(db), sms_(sms), clock_(clock) {}
  ~OutboxDispatcher() { Stop(); }

  // Sends what is due; returns how many were sent.
  Result<size_t> DeliverPending();
  void Start(int64_t interval_ms);
  void Stop();
  // Wakes the thread now (after a transaction queued something).
  void Nudge();

 private:
  store::SqlDatabase& db_;
  SmsGateway& sms_;
  const Clock& clock_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // GUARDED_BY(mutex_)
  bool nudged_ = false;    // GUARDED_BY(mutex_)
  std::thread thread_;
};

}  // namespace ebank::services
