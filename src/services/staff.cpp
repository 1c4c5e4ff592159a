#include "services/staff.h"

#include <array>

#include "security/password.h"

namespace ebank::services {
namespace {

constexpr std::array<std::pair<Role, std::string_view>, 5> kRoles = {{
    {Role::kTeller, "teller"},
    {Role::kSupervisor, "supervisor"},
    {Role::kCustomerManager, "customer_manager"},
    {Role::kBranchManager, "branch_manager"},
    {Role::kAdmin, "admin"},
}};
constexpr size_t kLoginBytesMax = 32;

Status LoginFailed() {
  return Status::Rejected("login_failed", "the login or the password is wrong");
}

Status CheckLogin(std::string_view login) {
  if (login.empty() || login.size() > kLoginBytesMax) {
    return Status::Invalid("invalid_login", "a login is 1 to 32 letters, digits, '.', '_' or '-'");
  }
  for (char c : login) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) {
      return Status::Invalid("invalid_login",
                             "a login is 1 to 32 letters, digits, '.', '_' or '-'");
    }
  }
  return Status::Ok();
}

}  // namespace

std::string_view RoleName(Role role) {
  for (const auto& [value, name] : kRoles) {
    if (value == role) return name;
  }
  return "teller";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (const auto& [value, text] : kRoles) {
    if (text == name) return value;
  }
  return std::nullopt;
}

Result<Staff> StaffService::Create(const std::string& login, const std::string& name, Role role,
                                   const std::string& password) {
  EBANK_RETURN_IF_ERROR(CheckLogin(login));
  if (name.empty() || name.size() > 120) {
    return Status::Invalid("invalid_name", "name must be 1 to 120 bytes");
  }
  EBANK_RETURN_IF_ERROR(security::CheckPasswordPolicy(password));
  auto hash = security::HashPassword(password, cost_);
  if (!hash.ok()) return hash.status();
  Staff staff{0, login, name, role};
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query(
        "INSERT INTO staff (login, name, role, password_hash, failed_logins, locked_until_ms, "
        "created_at_ms) VALUES (?, ?, ?, ?, 0, 0, ?) RETURNING id",
        {login, name, std::string(RoleName(role)), *hash, clock_.NowMs()});
    if (!rows.ok()) return rows.status();
    staff.id = rows->Int(0, 0);
    return RecordAudit(
        sql, clock_,
        {"system", 0, "admin", "staff.create", login, "ok", std::string(RoleName(role))});
  });
  if (status.code() == Code::kConflict) {
    return Status::Conflict("login_taken", "this login is already in use");
  }
  if (!status.ok()) return status;
  return staff;
}

Result<LoginResult> StaffService::Login(const std::string& login, const std::string& password,
                                        std::string_view client) {
  if (!CheckLogin(login).ok() || password.size() > security::kPasswordBytesMax)
    return LoginFailed();
  int64_t now = clock_.NowMs();
  std::optional<Staff> staff;
  Status outcome = LoginFailed();
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query(
        "SELECT id, name, role, password_hash, failed_logins, locked_until_ms FROM staff WHERE "
        "login = ?",
        {login});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) {
      // Spend the same work as a real check, so that timing does not reveal logins.
      (void)security::VerifyPassword(dummy_hash_, password);
      return RecordAudit(sql, clock_,
                         {"staff", 0, "counter", "staff.login", login, "login_failed", ""});
    }
    int64_t id = rows->Int(0, 0);
    int64_t failures = rows->Int(0, 4);
    if (rows->Int(0, 5) > now) {
      outcome = Status::Rejected("login_locked", "too many failed logins; try again later");
      return RecordAudit(sql, clock_,
                         {"staff", id, "counter", "staff.login", login, "login_locked", ""});
    }
    if (!security::VerifyPassword(rows->Text(0, 3), password).ok()) {
      ++failures;
      int64_t locked_until = failures >= kLoginFailuresMax ? now + kLoginLockMs : 0;
      EBANK_RETURN_IF_ERROR(
          sql.Exec("UPDATE staff SET failed_logins = ?, locked_until_ms = ? WHERE id = ?",
                   {locked_until ? int64_t{0} : failures, locked_until, id}));
      if (locked_until)
        outcome = Status::Rejected("login_locked", "too many failed logins; try again later");
      return RecordAudit(
          sql, clock_,
          {"staff", id, "counter", "staff.login", login, std::string(outcome.reason()), ""});
    }
    EBANK_RETURN_IF_ERROR(
        sql.Exec("UPDATE staff SET failed_logins = 0, locked_until_ms = 0 WHERE id = ?", {id}));
    auto role = ParseRole(rows->Text(0, 2));
    staff = Staff{id, login, rows->Text(0, 1), role.value_or(Role::kTeller)};
    outcome = Status::Ok();
    return RecordAudit(sql, clock_, {"staff", id, "counter", "staff.login", login, "ok", ""});
  });
  if (!status.ok()) return status;
  if (!outcome.ok()) return outcome;
  auto token = sessions_.Start(SubjectKind::kStaff, staff->id, 1, client);
  if (!token.ok()) return token.status();
  return LoginResult{*token, *staff};
}

Result<Staff> StaffService::Authenticate(std::string_view token) {
  auto session = sessions_.Authenticate(token);
  if (!session.ok()) return session.status();
  if (session->subject_kind != SubjectKind::kStaff) {
    return Status::NotFound("session_invalid", "not logged in, or the session ended");
  }
  return Get(session->subject_id);
}

Result<Staff> StaffService::Get(int64_t id) {
  std::optional<Staff> staff;
  Status status = db_.Read([&](store::SqlSession& sql) {
    auto rows = sql.Query("SELECT id, login, name, role FROM staff WHERE id = ?", {id});
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) {
      staff = Staff{rows->Int(0, 0), rows->Text(0, 1), rows->Text(0, 2),
                    ParseRole(rows->Text(0, 3)).value_or(Role::kTeller)};
    }
    return Status::Ok();
  });
  if (!status.ok()) return status;
  if (!staff) return Status::NotFound("unknown_staff", "no such staff member");
  return *staff;
}

Status RecordAudit(store::SqlSession& sql, const Clock& clock, const AuditEvent& event) {
  return sql.Exec(
      "INSERT INTO audit_log (at_ms, actor_kind, actor_id, channel, action, target, outcome, "
      "detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      {clock.NowMs(), event.actor_kind, event.actor_id, event.channel, event.action, event.target,
       event.outcome, event.detail});
}

Status RecordAudit(store::SqlDatabase& db, const Clock& clock, const AuditEvent& event) {
  return db.Transaction([&](store::SqlSession& sql) { return RecordAudit(sql, clock, event); });
}

}  // namespace ebank::services
