// Bank staff: accounts with roles, password login with lockout, and the audit log every
// staff action is written to (BO-1, SEC-1, SEC-10). Thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "core/clock.h"
#include "security/password.h"
#include "services/organisation.h"
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
  int64_t unit_id = 0;
  std::string unit_path;  // The unit's materialised path (Unit::path).
  // What this staff member may see: their unit and everything below it.
  UnitScope scope() const { return UnitScope{unit_id, unit_path}; }
};

// Whether `role` may check (approve or reject) another staff member's action.
bool MayCheck(Role role);

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

  // The new staff member belongs to the unit `unit_code`, or to the head office when it
  // is empty.
  Result<Staff> Create(const std::string& login, const std::string& name, Role role,
                       const std::string& password, const std::string& unit_code = "");
  // Every failure answers kRejected "login_failed" alike, whether the login exists or not;
  // five failures in a row lock the login for 30 minutes ("login_locked").
  Result<LoginResult> Login(const std::string& login, const std::string& password,
                            std::string_view client);
  // The staff member behind a session token.
  Result<Staff> Authenticate(std::string_view token);
  Result<Staff> Get(int64_t id);
  // The staff member `login` when their unit lies within `scope`; NotFound "unknown_staff"
  // otherwise, exactly as when there is none.
  Result<Staff> GetByLogin(const std::string& login, const UnitScope& scope);
  // Moves the staff member `login` to the unit `unit_id`. `by` must be an administrator
  // whose scope holds both the staff member's unit and the new one; audited.
  Result<Staff> MoveToUnit(const Staff& by, const std::string& login, int64_t unit_id);

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
