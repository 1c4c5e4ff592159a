// The customer's inbox and live alerts (SEC-8). Every balance change of an account whose
// owner has e-banking signing is written, in the ledger's transaction that made it, as a
// row of `notifications` (structured, so that the page words it in either language); an
// SMS goes out besides only from the owner's threshold (see PaymentService). Open pages
// hear of new rows through subscriptions, fed by one poller per process: it reads the rows
// committed since its last look, so rows written by other processes sharing the database
// arrive too, and a process-local bell (rung by the payment path) makes it look sooner.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/money.h"
#include "store/sql.h"

namespace ebank::services {

inline constexpr size_t kNotificationPageMax = 100;              // Rows one inbox page lists.
inline constexpr size_t kNotificationStreamsPerCustomerMax = 5;  // Open pages per customer.
inline constexpr size_t kNotificationStreamsMax = 2000;          // Subscriptions per process.
inline constexpr size_t kNotificationPendingMax = 100;           // Queued for one slow stream.
inline constexpr size_t kNotificationCatchUpMax = 50;            // Replayed after a reconnect.
inline constexpr int64_t kNotificationPollIntervalMs = 500;
// After the bell rings the poller looks this often, for this long: the bell rings inside
// the writing transaction, before its commit makes the row visible.
inline constexpr int64_t kNotificationRungPollIntervalMs = 25;
inline constexpr int64_t kNotificationRungWindowMs = 2000;

struct Notification {
  int64_t id = 0;
  int64_t customer_id = 0;
  std::string kind;       // "balance".
  std::string direction;  // "credit" (money in) or "debit" (money out).
  Money amount = Money(Currency::Cny(), 0);
  std::string account_tail;  // The last four digits of the account.
  int64_t balance_after_minor = 0;
  int64_t at_ms = 0;
  std::optional<int64_t> read_at_ms;
};

// A balance change to record for the account's owner.
struct BalanceChange {
  int64_t customer_id = 0;
  bool outgoing = false;
  Money amount = Money(Currency::Cny(), 0);
  std::string account_tail;
  int64_t balance_after_minor = 0;
};

// Writes the inbox row inside the caller's transaction and rings this process's bell.
Status RecordBalanceChange(store::SqlSession& sql, const Clock& clock, const BalanceChange& change);

struct NotificationPage {
  std::vector<Notification> notifications;  // Newest first.
  std::optional<int64_t> next_before;       // The cursor for the next page; none at the end.
  int64_t unread = 0;
};

class NotificationService;

// One open page's live feed. Thread-safe: the poller adds, the page's stream takes.
class NotificationSubscription {
 public:
  ~NotificationSubscription();
  // The notifications that arrived since the last call, oldest first; `*overflowed` tells
  // that some were dropped because the stream fell behind (the page reloads its inbox).
  std::vector<Notification> Take(bool* overflowed);
  // Called (from the poller's thread, never under a lock the caller holds) whenever Take
  // has something new; must not block. Replaces any earlier callback.
  void OnArrival(std::function<void()> wake);
  int64_t customer_id() const { return customer_id_; }

 private:
  friend class NotificationService;
  struct Hub;
  NotificationSubscription(std::shared_ptr<Hub> hub, int64_t customer_id)
      : hub_(std::move(hub)), customer_id_(customer_id) {}
  void Deliver(const Notification& notification);

  const std::shared_ptr<Hub> hub_;
  const int64_t customer_id_;
  std::mutex mutex_;
  int64_t cursor_ = 0;                 // GUARDED_BY(mutex_): the newest id taken or not wanted.
  std::vector<Notification> pending_;  // GUARDED_BY(mutex_)
  bool overflowed_ = false;            // GUARDED_BY(mutex_)
  std::function<void()> wake_;         // GUARDED_BY(mutex_)
};

// Thread-safe.
class NotificationService {
 public:
  NotificationService(store::SqlDatabase& db, const Clock& clock);
  ~NotificationService();

  // A page of the customer's notifications, newest first, older than `before` when set.
  Result<NotificationPage> List(int64_t customer_id, std::optional<int64_t> before, size_t limit);
  Result<int64_t> UnreadCount(int64_t customer_id);
  // Marks one of the customer's notifications read; another customer's is kNotFound.
  Status MarkRead(int64_t customer_id, int64_t id);
  // Marks all of them read; returns how many were unread.
  Result<int64_t> MarkAllRead(int64_t customer_id);

  // Opens a live feed of the customer's notifications newer than `after_id` (those a
  // reconnecting page missed, up to kNotificationCatchUpMax) or, without it, from now.
  // kRejected "too_many_streams" past the caps. The feed closes when the result is freed.
  Result<std::shared_ptr<NotificationSubscription>> Subscribe(int64_t customer_id,
                                                              std::optional<int64_t> after_id);

  // Looks for new rows now and hands them to subscriptions (the poller's round).
  Status Poll();
  // Polls from a thread of its own until Stop.
  void Start();
  void Stop();

 private:
  Status Poll(store::SqlSession& sql);

  store::SqlDatabase& db_;
  const Clock& clock_;
  const std::shared_ptr<NotificationSubscription::Hub> hub_;
  std::mutex poll_mutex_;  // One Poll at a time.
  // Ids at or below high_id_ not seen yet (PostgreSQL may commit them late), by when they
  // are given up on; GUARDED_BY(poll_mutex_).
  int64_t high_id_ = -1;
  std::map<int64_t, int64_t> gaps_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace ebank::services
