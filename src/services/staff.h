// Bank staff: accounts with roles, password login with lockout, and the audit log every
// staff action is written to (BO-1, SEC-1, SEC-10). Thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "core/clock.h"
#include "security/password.h"
#include "services/sessions.h"
#include "store/sql.h"

namespace ebank::services {

inline constexpr int kLoginFailuresMax = 5;
inline constexpr int64_t kLoginLockMs = 30 * 60 * 1000;

enum class Role { kTeller, kSupervisor, kCustomerManager, kBranchManager, kAdmin };
std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);

struct Staff {
  int64_t id = 0;
  std::string login;
  std::string name;
  Role role = Role::kTeller;
};

struct LoginResult {
  std::string token;
  Staff staff;
};

class StaffService {
 public:
  StaffService(store::SqlDatabase& db, SessionService& sessions, const Clock& clock,
               security::PasswordHashCost cost = security::PasswordHashCost::Interactive())
      : db_(db), sessions_(sessions), clock_(clock), cost_(cost) {
    auto dummy = security::HashPassword("ebank-dummy-1", cost_);
    if (dummy.ok()) dummy_hash_ = *dummy;
  }

  Result<Staff> Create(const std::string& login, const std::string& name, Role role,
                       const std::string& password);
  // Every failure answers kRejected "login_failed" alike, whether the login exists or not;
  // five failures in a row lock the login for 30 minutes ("login_locked").
  Result<LoginResult> Login(const std::string& login, const std::string& password,
                            std::string_view client);
  // The staff member behind a session token.
  Result<Staff> Authenticate(std::string_view token);
  Result<Staff> Get(int64_t id);

 private:
  store::SqlDatabase& db_;
  SessionService& sessions_;
  const Clock& clock_;
  security::PasswordHashCost cost_;
  std::string dummy_hash_;  // Verified against for unknown logins, to spend the same time.
};

// One line of the append-only audit log.
struct AuditEvent {
  std::string actor_kind;  // "staff", "customer", "operator", "system".
  int64_t actor_id = 0;
  std::string channel;  // "counter", "web", "mobile", "api", ...
  std::string action;   // "customer.create", "staff.login", ...
  std::string target;
  std::string outcome;  // "ok" or the failure's reason.
  std::string detail;
};
Status RecordAudit(store::SqlSession& sql, const Clock& clock, const AuditEvent& event);
Status RecordAudit(store::SqlDatabase& db, const Clock& clock, const AuditEvent& event);

}  // namespace ebank::services
