#include "services/notifications.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <limits>

namespace ebank::services {
namespace {

constexpr const char* kColumns =
    "id, customer_id, kind, direction, amount_minor, currency, account_tail, "
    "balance_after_minor, at_ms, read_at_ms";
constexpr int64_t kPollRowsMax = 500;      // Rows one query of a poll reads.
constexpr int kPollRoundsMax = 8;          // Queries one poll makes while rows keep coming.
constexpr size_t kGapsMax = 1000;          // Unseen ids the poller keeps looking for.
constexpr size_t kGapsPerQueryMax = 100;   // Of those, looked for in one query.
constexpr int64_t kGapPatienceMs = 10000;  // How long a transaction may hold an id uncommitted.

using SteadyClock = std::chrono::steady_clock;

// The process-local bell: the payment path rings it (inside its transaction), pollers wait
// on it. Only a ring after a quiet spell wakes them (`generation`); while rings keep coming
// the poller polls every kNotificationRungPollIntervalMs on its own, so that a busy payment
// path costs it a poll per interval, not one per payment.
struct Bell {
  std::mutex mutex;
  std::condition_variable rung;
  uint64_t generation = 0;            // GUARDED_BY(mutex)
  SteadyClock::time_point rung_at{};  // GUARDED_BY(mutex); the clock's epoch: long quiet.
};

Bell& TheBell() {
  static Bell bell;
  return bell;
}

void RingBell() {
  Bell& bell = TheBell();
  bool was_quiet = false;
  {
    std::lock_guard lock(bell.mutex);
    SteadyClock::time_point now = SteadyClock::now();
    was_quiet = now - bell.rung_at >= std::chrono::milliseconds(kNotificationRungPollIntervalMs);
    bell.rung_at = now;
    if (was_quiet) ++bell.generation;
  }
  if (was_quiet) bell.rung.notify_all();
}

Result<Notification> FromRow(const store::SqlRows& rows, size_t r) {
  auto currency = Currency::Parse(rows.Text(r, 5));
  if (!currency.ok()) return currency.status();
  Notification notification;
  notification.id = rows.Int(r, 0);
  notification.customer_id = rows.Int(r, 1);
  notification.kind = rows.Text(r, 2);
  notification.direction = rows.Text(r, 3);
  notification.amount = Money(*currency, rows.Int(r, 4));
  notification.account_tail = rows.Text(r, 6);
  notification.balance_after_minor = rows.Int(r, 7);
  notification.at_ms = rows.Int(r, 8);
  notification.read_at_ms = rows.OptionalInt(r, 9);
  return notification;
}

Result<std::vector<Notification>> FromRows(const store::SqlRows& rows) {
  std::vector<Notification> out;
  for (size_t r = 0; r < rows.size(); ++r) {
    auto notification = FromRow(rows, r);
    if (!notification.ok()) return notification.status();
    out.push_back(std::move(*notification));
  }
  return out;
}

}  // namespace

Status RecordBalanceChange(store::SqlSession& sql, const Clock& clock,
                           const BalanceChange& change) {
  Status status = sql.Exec(
      "INSERT INTO notifications (customer_id, kind, direction, amount_minor, currency, "
      "account_tail, balance_after_minor, at_ms, read_at_ms) VALUES (?, 'balance', ?, ?, ?, ?, "
      "?, ?, NULL)",
      {change.customer_id, std::string(change.outgoing ? "debit" : "credit"), change.amount.minor(),
       std::string(change.amount.currency().code()), change.account_tail,
       change.balance_after_minor, clock.NowMs()});
  if (status.ok()) RingBell();
  return status;
}

// The subscriptions of one service, by customer.
struct NotificationSubscription::Hub {
  std::mutex mutex;
  std::multimap<int64_t, NotificationSubscription*> by_customer;  // GUARDED_BY(mutex)
};

NotificationSubscription::~NotificationSubscription() {
  std::lock_guard lock(hub_->mutex);
  auto [first, last] = hub_->by_customer.equal_range(customer_id_);
  for (auto it = first; it != last; ++it) {
    if (it->second == this) {
      hub_->by_customer.erase(it);
      break;
    }
  }
}

std::vector<Notification> NotificationSubscription::Take(bool* overflowed) {
  std::lock_guard lock(mutex_);
  std::sort(pending_.begin(), pending_.end(),
            [](const Notification& a, const Notification& b) { return a.id < b.id; });
  std::vector<Notification> out;
  for (Notification& notification : pending_) {
    if (notification.id <= cursor_) continue;
    cursor_ = notification.id;
    out.push_back(std::move(notification));
  }
  pending_.clear();
  *overflowed = overflowed_;
  overflowed_ = false;
  return out;
}

void NotificationSubscription::OnArrival(std::function<void()> wake) {
  std::lock_guard lock(mutex_);
  wake_ = std::move(wake);
  // What arrived before the callback was set is not lost.
  if (wake_ && (!pending_.empty() || overflowed_)) wake_();
}

// REQUIRES: hub_->mutex held (so this subscription is alive).
void NotificationSubscription::Deliver(const Notification& notification) {
  std::lock_guard lock(mutex_);
  if (pending_.size() >= kNotificationPendingMax) {
    overflowed_ = true;
  } else {
    pending_.push_back(notification);
  }
  if (wake_) wake_();
}

NotificationService::NotificationService(store::SqlDatabase& db, const Clock& clock)
    : db_(db), clock_(clock), hub_(std::make_shared<NotificationSubscription::Hub>()) {}

NotificationService::~NotificationService() {
  Stop();
}

Result<NotificationPage> NotificationService::List(int64_t customer_id,
                                                   std::optional<int64_t> before, size_t limit) {
  limit = std::clamp<size_t>(limit, 1, kNotificationPageMax);
  NotificationPage page;
  Status status = db_.Read([&](store::SqlSession& sql) {
    auto rows = sql.Query(fmt::format("SELECT {} FROM notifications WHERE customer_id = ? AND id "
                                      "< ? ORDER BY id DESC LIMIT ?",
                                      kColumns),
                          {customer_id, before.value_or(std::numeric_limits<int64_t>::max()),
                           static_cast<int64_t>(limit + 1)});
    if (!rows.ok()) return rows.status();
    auto list = FromRows(*rows);
    if (!list.ok()) return list.status();
    page.notifications = std::move(*list);
    if (page.notifications.size() > limit) {
      page.notifications.resize(limit);
      page.next_before = page.notifications.back().id;
    }
    auto unread =
        sql.Query("SELECT COUNT(*) FROM notifications WHERE customer_id = ? AND read_at_ms IS NULL",
                  {customer_id});
    if (!unread.ok()) return unread.status();
    page.unread = unread->Int(0, 0);
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return page;
}

Result<int64_t> NotificationService::UnreadCount(int64_t customer_id) {
  int64_t unread = 0;
  Status status = db_.Read([&](store::SqlSession& sql) {
    auto rows =
        sql.Query("SELECT COUNT(*) FROM notifications WHERE customer_id = ? AND read_at_ms IS NULL",
                  {customer_id});
    if (!rows.ok()) return rows.status();
    unread = rows->Int(0, 0);
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return unread;
}

Status NotificationService::MarkRead(int64_t customer_id, int64_t id) {
  return db_.Transaction([&](store::SqlSession& sql) -> Status {
    // Reading it again keeps the first time; another customer's id is not found, alike.
    auto rows = sql.Query(
        "UPDATE notifications SET read_at_ms = COALESCE(read_at_ms, ?) WHERE id = ? AND "
        "customer_id = ? RETURNING id",
        {clock_.NowMs(), id, customer_id});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return Status::NotFound("unknown_notification", "no such notification");
    return Status::Ok();
  });
}

Result<int64_t> NotificationService::MarkAllRead(int64_t customer_id) {
  int64_t marked = 0;
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query(
        "UPDATE notifications SET read_at_ms = ? WHERE customer_id = ? AND read_at_ms IS NULL "
        "RETURNING id",
        {clock_.NowMs(), customer_id});
    if (!rows.ok()) return rows.status();
    marked = static_cast<int64_t>(rows->size());
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return marked;
}

Result<std::shared_ptr<NotificationSubscription>> NotificationService::Subscribe(
    int64_t customer_id, std::optional<int64_t> after_id) {
  // The poller's starting point comes first: a row newer than the cursor read below is
  // then always one the poller has still to see.
  {
    std::lock_guard lock(poll_mutex_);
    if (high_id_ < 0) {
      Status status = db_.Read([&](store::SqlSession& sql) { return Poll(sql); });
      if (!status.ok()) return status;
    }
  }
  std::shared_ptr<NotificationSubscription> subscription(
      new NotificationSubscription(hub_, customer_id));
  {
    std::lock_guard lock(hub_->mutex);
    if (hub_->by_customer.size() >= kNotificationStreamsMax ||
        hub_->by_customer.count(customer_id) >= kNotificationStreamsPerCustomerMax) {
      return Status::Rejected("too_many_streams", "too many pages are listening already");
    }
    hub_->by_customer.emplace(customer_id, subscription.get());
  }
  Status status = db_.Read([&](store::SqlSession& sql) -> Status {
    if (!after_id) {
      auto rows =
          sql.Query("SELECT MAX(id) FROM notifications WHERE customer_id = ?", {customer_id});
      if (!rows.ok()) return rows.status();
      std::lock_guard lock(subscription->mutex_);
      subscription->cursor_ = rows->OptionalInt(0, 0).value_or(0);
      return Status::Ok();
    }
    auto rows = sql.Query(fmt::format("SELECT {} FROM notifications WHERE customer_id = ? AND "
                                      "id > ? ORDER BY id LIMIT ?",
                                      kColumns),
                          {customer_id, *after_id, static_cast<int64_t>(kNotificationCatchUpMax)});
    if (!rows.ok()) return rows.status();
    auto missed = FromRows(*rows);
    if (!missed.ok()) return missed.status();
    std::lock_guard lock(subscription->mutex_);
    subscription->cursor_ = *after_id;
    if (missed->size() == kNotificationCatchUpMax) subscription->overflowed_ = true;
    for (Notification& notification : *missed)
      subscription->pending_.push_back(std::move(notification));
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return subscription;
}

Status NotificationService::Poll() {
  std::lock_guard lock(poll_mutex_);
  return db_.Read([&](store::SqlSession& sql) { return Poll(sql); });
}

// REQUIRES: poll_mutex_ held.
Status NotificationService::Poll(store::SqlSession& sql) {
  if (high_id_ < 0) {
    auto rows = sql.Query("SELECT MAX(id) FROM notifications");
    if (!rows.ok()) return rows.status();
    high_id_ = rows->OptionalInt(0, 0).value_or(0);
    return Status::Ok();
  }
  int64_t now = clock_.NowMs();
  std::vector<Notification> found;
  // Ids skipped over earlier: rows of transactions that commit late (PostgreSQL hands out
  // ids before commit), or never (a rollback), given up on after kGapPatienceMs.
  std::erase_if(gaps_, [now](const auto& gap) { return gap.second < now; });
  if (!gaps_.empty()) {
    std::string list;
    store::SqlParams params;
    for (auto it = gaps_.begin(); it != gaps_.end() && params.size() < kGapsPerQueryMax; ++it) {
      list += list.empty() ? "?" : ", ?";
      params.push_back(it->first);
    }
    auto rows = sql.Query(
        fmt::format("SELECT {} FROM notifications WHERE id IN ({})", kColumns, list), params);
    if (!rows.ok()) return rows.status();
    auto late = FromRows(*rows);
    if (!late.ok()) return late.status();
    for (Notification& notification : *late) {
      gaps_.erase(notification.id);
      found.push_back(std::move(notification));
    }
  }
  for (int round = 0; round < kPollRoundsMax; ++round) {
    auto rows = sql.Query(
        fmt::format("SELECT {} FROM notifications WHERE id > ? ORDER BY id LIMIT ?", kColumns),
        {high_id_, kPollRowsMax});
    if (!rows.ok()) return rows.status();
    auto fresh = FromRows(*rows);
    if (!fresh.ok()) return fresh.status();
    for (Notification& notification : *fresh) {
      for (int64_t id = high_id_ + 1; id < notification.id && gaps_.size() < kGapsMax; ++id)
        gaps_.emplace(id, now + kGapPatienceMs);
      high_id_ = notification.id;
      found.push_back(std::move(notification));
    }
    if (rows->size() < static_cast<size_t>(kPollRowsMax)) break;
  }
  if (found.empty()) return Status::Ok();
  std::lock_guard lock(hub_->mutex);
  for (const Notification& notification : found) {
    auto [first, last] = hub_->by_customer.equal_range(notification.customer_id);
    for (auto it = first; it != last; ++it)
      it->second->Deliver(notification);
  }
  return Status::Ok();
}

void NotificationService::Start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] {
    Bell& bell = TheBell();
    uint64_t seen = 0;
    {
      std::lock_guard lock(bell.mutex);
      seen = bell.generation;
    }
    while (!stopping_) {
      Status status = Poll();
      if (!status.ok()) spdlog::warn("notifications: poll failed: {}", status.ToString());
      std::unique_lock lock(bell.mutex);
      bool rung_lately =
          SteadyClock::now() - bell.rung_at < std::chrono::milliseconds(kNotificationRungWindowMs);
      auto interval = std::chrono::milliseconds(rung_lately ? kNotificationRungPollIntervalMs
                                                            : kNotificationPollIntervalMs);
      bell.rung.wait_for(lock, interval,
                         [&] { return stopping_.load() || bell.generation != seen; });
      seen = bell.generation;
    }
  });
}

void NotificationService::Stop() {
  {
    // Under the bell's lock, so that the poller cannot miss it between test and wait.
    std::lock_guard lock(TheBell().mutex);
    stopping_ = true;
  }
  TheBell().rung.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace ebank::services
