#include "services/sessions.h"

#include "core/hash.h"
#include "security/random.h"

namespace ebank::services {
namespace {

constexpr const char* kSessionColumns =
    "token_hash, subject_kind, subject_id, strength, created_at_ms, last_seen_at_ms, "
    "expires_at_ms, client";

std::string TokenHash(std::string_view token) {
  return ToHex(Sha256(token));
}

Session SessionFromRow(const store::SqlRows& rows, size_t r) {
  Session session;
  session.id = rows.Text(r, 0);
  session.subject_kind = rows.Text(r, 1) == "staff" ? SubjectKind::kStaff : SubjectKind::kCustomer;
  session.subject_id = rows.Int(r, 2);
  session.strength = static_cast<int>(rows.Int(r, 3));
  session.created_at_ms = rows.Int(r, 4);
  session.last_seen_at_ms = rows.Int(r, 5);
  session.expires_at_ms = rows.Int(r, 6);
  session.client = rows.Text(r, 7);
  return session;
}

Status Invalid() {
  return Status::NotFound("session_invalid", "not logged in, or the session ended");
}

}  // namespace

std::string_view SubjectKindName(SubjectKind kind) {
  return kind == SubjectKind::kStaff ? "staff" : "customer";
}

Result<std::string> SessionService::Start(SubjectKind kind, int64_t subject_id, int strength,
                                          std::string_view client) {
  std::string token = security::RandomToken(security::kSessionTokenBytes);
  int64_t now = clock_.NowMs();
  std::string shown(client.substr(0, kSessionClientBytesMax));
  Status status = db_.Transaction([&](store::SqlSession& sql) {
    return sql.Exec(
        "INSERT INTO sessions (token_hash, subject_kind, subject_id, strength, created_at_ms, "
        "last_seen_at_ms, expires_at_ms, revoked_at_ms, client) VALUES (?, ?, ?, ?, ?, ?, ?, "
        "NULL, ?)",
        {TokenHash(token), std::string(SubjectKindName(kind)), subject_id, int64_t{strength}, now,
         now, now + kSessionLifetimeMs, shown});
  });
  if (!status.ok()) return status;
  return token;
}

Result<Session> SessionService::Authenticate(std::string_view token) {
  if (token.empty() || token.size() > 2 * security::kRandomTokenBytesMax) return Invalid();
  int64_t now = clock_.NowMs();
  std::optional<Session> session;
  // A read, and a write only when the last-seen time is due: most requests take no lock.
  Status status = db_.Read([&](store::SqlSession& sql) {
    auto rows = sql.Query(std::string("SELECT ") + kSessionColumns +
                              " FROM sessions WHERE token_hash = ? AND revoked_at_ms IS NULL",
                          {TokenHash(token)});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return Status::Ok();
    Session found = SessionFromRow(*rows, 0);
    if (now - found.last_seen_at_ms <= kSessionIdleTimeoutMs && now < found.expires_at_ms) {
      session = found;
    }
    return Status::Ok();
  });
  if (!status.ok()) return status;
  if (!session) return Invalid();
  if (now - session->last_seen_at_ms >= kSessionTouchIntervalMs) {
    status = db_.Transaction([&](store::SqlSession& sql) {
      return sql.Exec(
          "UPDATE sessions SET last_seen_at_ms = ? WHERE token_hash = ? AND last_seen_at_ms < ?",
          {now, session->id, now});
    });
    if (!status.ok()) return status;
    session->last_seen_at_ms = now;
  }
  return *session;
}

Status SessionService::Revoke(std::string_view token) {
  return db_.Transaction([&](store::SqlSession& sql) {
    return sql.Exec(
        "UPDATE sessions SET revoked_at_ms = ? WHERE token_hash = ? AND revoked_at_ms IS NULL",
        {clock_.NowMs(), TokenHash(token)});
  });
}

Status SessionService::RevokeById(SubjectKind kind, int64_t subject_id, const std::string& id) {
  bool found = false;
  Status status = db_.Transaction([&](store::SqlSession& sql) {
    auto rows = sql.Query(
        "UPDATE sessions SET revoked_at_ms = ? WHERE token_hash = ? AND subject_kind = ? AND "
        "subject_id = ? AND revoked_at_ms IS NULL RETURNING token_hash",
        {clock_.NowMs(), id, std::string(SubjectKindName(kind)), subject_id});
    if (!rows.ok()) return rows.status();
    found = !rows->empty();
    return Status::Ok();
  });
  if (!status.ok()) return status;
  if (!found) return Status::NotFound("unknown_session", "no such session");
  return Status::Ok();
}

Result<std::vector<Session>> SessionService::List(SubjectKind kind, int64_t subject_id) {
  std::vector<Session> sessions;
  int64_t now = clock_.NowMs();
  Status status = db_.Read([&](store::SqlSession& sql) {
    auto rows = sql.Query(
        std::string("SELECT ") + kSessionColumns +
            " FROM sessions WHERE subject_kind = ? AND subject_id = ? AND "
            "revoked_at_ms IS NULL AND expires_at_ms > ? AND last_seen_at_ms > ? "
            "ORDER BY created_at_ms DESC",
        {std::string(SubjectKindName(kind)), subject_id, now, now - kSessionIdleTimeoutMs});
    if (!rows.ok()) return rows.status();
    for (size_t r = 0; r < rows->size(); ++r)
      sessions.push_back(SessionFromRow(*rows, r));
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return sessions;
}

}  // namespace ebank::services
