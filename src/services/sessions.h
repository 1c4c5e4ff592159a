// Sessions for customers and staff (SEC-10): random 128-bit tokens, stored only as their
// SHA-256, with an idle timeout and an absolute lifetime. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.h"
#include "store/sql.h"

namespace ebank::services {

inline constexpr int64_t kSessionIdleTimeoutMs = 10 * 60 * 1000;
inline constexpr int64_t kSessionLifetimeMs = 12 * 60 * 60 * 1000;
inline constexpr size_t kSessionClientBytesMax = 200;
// Last-seen times are written at most this often: the idle timeout is kept to within this
// much, and a busy session does not cost a database write (and a row conflict) a request.
inline constexpr int64_t kSessionTouchIntervalMs = 60 * 1000;

enum class SubjectKind { kCustomer, kStaff };

struct Session {
  std::string id;  // The token's hash: safe to show, list and revoke by.
  SubjectKind subject_kind = SubjectKind::kCustomer;
  int64_t subject_id = 0;
  int strength = 0;  // How strongly the subject authenticated (number of factors).
  int64_t created_at_ms = 0;
  int64_t last_seen_at_ms = 0;
  int64_t expires_at_ms = 0;
  std::string client;  // User agent or tool, as told.
};

class SessionService {
 public:
  SessionService(store::SqlDatabase& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Starts a session; returns the bearer token, which is never stored.
  Result<std::string> Start(SubjectKind kind, int64_t subject_id, int strength,
                            std::string_view client);
  // The live session behind `token`, touching its last-seen time. Unknown, revoked,
  // idle and expired tokens all answer kNotFound "session_invalid" (a caller must not
  // learn which).
  Result<Session> Authenticate(std::string_view token);
  Status Revoke(std::string_view token);
  Status RevokeById(SubjectKind kind, int64_t subject_id, const std::string& id);
  Result<std::vector<Session>> List(SubjectKind kind, int64_t subject_id);

 private:
  store::SqlDatabase& db_;
  const Clock& clock_;
};

std::string_view SubjectKindName(SubjectKind kind);

}  // namespace ebank::services
