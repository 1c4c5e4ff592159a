#include "services/outbox.h"

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <unistd.h>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace ebank::services {

namespace {

std::string Line(const std::string& mobile, const std::string& text) {
  return boost::json::serialize(boost::json::object{{"to", mobile}, {"text", text}}) + "\n";
}

}  // namespace

std::vector<Status> SmsGateway::SendAll(const std::vector<Sms>& batch) {
  std::vector<Status> statuses;
  statuses.reserve(batch.size());
  for (const Sms& sms : batch)
    statuses.push_back(Send(sms.mobile, sms.text));
  return statuses;
}

Status FileSmsGateway::Send(const std::string& mobile, const std::string& text) {
  return Append(Line(mobile, text));
}

std::vector<Status> FileSmsGateway::SendAll(const std::vector<Sms>& batch) {
  std::string lines;
  for (const Sms& sms : batch)
    lines += Line(sms.mobile, sms.text);
  return std::vector<Status>(batch.size(), Append(lines));
}

Status FileSmsGateway::Append(const std::string& lines) {
  // One write(2) on an O_APPEND file, so that a reader never sees half a line from this
  // process and two processes never interleave theirs.
  int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Unavailable("sms_gateway_failed", "cannot open " + path_);
  ssize_t written = ::write(fd, lines.data(), lines.size());
  ::close(fd);
  if (written != static_cast<ssize_t>(lines.size())) {
    return Status::Unavailable("sms_gateway_failed", "cannot write " + path_);
  }
  return Status::Ok();
}

Status EnqueueSms(store::SqlSession& sql, const Clock& clock, const std::string& mobile,
                  const std::string& text) {
  return sql.Exec(
      "INSERT INTO outbox (kind, destination, body, created_at_ms, sent_at_ms, attempts) VALUES "
      "('sms', ?, ?, ?, NULL, 0)",
      {mobile, text, clock.NowMs()});
}

Result<size_t> OutboxDispatcher::DeliverPending() {
  // Claim a batch first, in one transaction, so that two dispatchers (two processes) never
  // send a message twice.
  store::SqlRows claimed;
  Status status = db_.Transaction([&](store::SqlSession& sql) {
    auto rows = sql.Query(
        "UPDATE outbox SET sent_at_ms = ?, attempts = attempts + 1 WHERE sent_at_ms IS NULL AND "
        "id IN (SELECT id FROM outbox WHERE sent_at_ms IS NULL AND attempts < ? ORDER BY id "
        "LIMIT ?) RETURNING id, destination, body",
        {clock_.NowMs(), int64_t{kOutboxAttemptsMax}, static_cast<int64_t>(kOutboxBatchRows)});
    if (!rows.ok()) return rows.status();
    claimed = std::move(*rows);
    return Status::Ok();
  });
  if (!status.ok()) return status;
  std::vector<Sms> batch;
  batch.reserve(claimed.size());
  for (size_t r = 0; r < claimed.size(); ++r)
    batch.push_back(Sms{claimed.Text(r, 1), claimed.Text(r, 2)});
  std::vector<Status> delivered = sms_.SendAll(batch);
  if (delivered.size() != batch.size()) {  // A gateway that lost count: all of it is due again.
    delivered.assign(batch.size(),
                     Status::Internal("sms_gateway_failed", "the gateway lost count of a batch"));
  }
  size_t sent = 0;
  std::vector<int64_t> failed;
  for (size_t r = 0; r < claimed.size(); ++r) {
    if (delivered[r].ok()) {
      ++sent;
      continue;
    }
    spdlog::warn("outbox: message {} not delivered: {}", claimed.Int(r, 0),
                 delivered[r].ToString());
    failed.push_back(claimed.Int(r, 0));
  }
  if (!failed.empty()) {
    // Due again at the next round, until kOutboxAttemptsMax.
    (void)db_.Transaction([&](store::SqlSession& sql) {
      for (int64_t id : failed) {
        EBANK_RETURN_IF_ERROR(sql.Exec("UPDATE outbox SET sent_at_ms = NULL WHERE id = ?", {id}));
      }
      return Status::Ok();
    });
  }
  // A full batch means more may be waiting.
  if (claimed.size() == kOutboxBatchRows) Nudge();
  return sent;
}

void OutboxDispatcher::Start(int64_t interval_ms) {
  thread_ = std::thread([this, interval_ms] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, std::chrono::milliseconds(interval_ms),
                     [this] { return stopping_ || nudged_; });
      nudged_ = false;
      if (stopping_) break;
      lock.unlock();
      auto sent = DeliverPending();
      if (!sent.ok()) spdlog::warn("outbox: {}", sent.status().ToString());
      lock.lock();
    }
  });
}

void OutboxDispatcher::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void OutboxDispatcher::Nudge() {
  {
    std::lock_guard lock(mutex_);
    nudged_ = true;
  }
  wake_.notify_all();
}

}  // namespace ebank::services
