#include "services/staff.h"

#include <fmt/format.h>

#include <array>
#include <tuple>

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
// What staff reads select: the member and their unit's path.
constexpr const char* kStaffSelect =
    "SELECT s.id, s.login, s.name, s.role, s.unit_id, u.path FROM staff s JOIN units u ON u.id "
    "= s.unit_id";

Staff StaffFromRow(const store::SqlRows& rows, size_t r) {
  return Staff{rows.Int(r, 0),  rows.Text(r, 1),
               rows.Text(r, 2), ParseRole(rows.Text(r, 3)).value_or(Role::kTeller),
               rows.Int(r, 4),  rows.Text(r, 5)};
}

// The unit `code`, or the head office for "": its id and path.
Result<std::pair<int64_t, std::string>> UnitOf(store::SqlSession& sql, const std::string& code) {
  auto rows = sql.Query("SELECT id, path FROM units WHERE code = ?",
                        {code.empty() ? std::string(kHeadOfficeCode) : code});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return Status::NotFound("unknown_unit", "no such unit");
  return std::pair{rows->Int(0, 0), rows->Text(0, 1)};
}

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

bool MayCheck(Role role) {
  return role == Role::kSupervisor || role == Role::kBranchManager || role == Role::kAdmin;
}

std::optional<Role> ParseRole(std::string_view name) {
  for (const auto& [value, text] : kRoles) {
    if (text == name) return value;
  }
  return std::nullopt;
}

Result<Staff> StaffService::Create(const std::string& login, const std::string& name, Role role,
                                   const std::string& password, const std::string& unit_code) {
  EBANK_RETURN_IF_ERROR(CheckLogin(login));
  if (name.empty() || name.size() > 120) {
    return Status::Invalid("invalid_name", "name must be 1 to 120 bytes");
  }
  EBANK_RETURN_IF_ERROR(security::CheckPasswordPolicy(password));
  auto hash = security::HashPassword(password, cost_);
  if (!hash.ok()) return hash.status();
  Staff staff{0, login, name, role, 0, ""};
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto unit = UnitOf(sql, unit_code);
    if (!unit.ok()) return unit.status();
    std::tie(staff.unit_id, staff.unit_path) = *unit;
    auto rows = sql.Query(
        "INSERT INTO staff (login, name, role, password_hash, failed_logins, locked_until_ms, "
        "created_at_ms, unit_id) VALUES (?, ?, ?, ?, 0, 0, ?, ?) RETURNING id",
        {login, name, std::string(RoleName(role)), *hash, clock_.NowMs(), staff.unit_id});
    if (!rows.ok()) return rows.status();
    staff.id = rows->Int(0, 0);
    return RecordAudit(sql, clock_,
                       {"system", 0, "admin", "staff.create", login, "ok",
                        fmt::format("{} unit {}", RoleName(role), staff.unit_id)});
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
    staff = Staff{id, login, rows->Text(0, 1), role.value_or(Role::kTeller), 0, ""};
    outcome = Status::Ok();
    return RecordAudit(sql, clock_, {"staff", id, "counter", "staff.login", login, "ok", ""});
  });
  if (!status.ok()) return status;
  if (!outcome.ok()) return outcome;
  auto member = Get(staff->id);
  if (!member.ok()) return member.status();
  auto token = sessions_.Start(SubjectKind::kStaff, staff->id, 1, client);
  if (!token.ok()) return token.status();
  return LoginResult{*token, *member};
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
    auto rows = sql.Query(fmt::format("{} WHERE s.id = ?", kStaffSelect), {id});
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) staff = StaffFromRow(*rows, 0);
    return Status::Ok();
  });
  if (!status.ok()) return status;
  if (!staff) return Status::NotFound("unknown_staff", "no such staff member");
  return *staff;
}

Result<Staff> StaffService::GetByLogin(const std::string& login, const UnitScope& scope) {
  std::optional<Staff> staff;
  Status status = db_.Read([&](store::SqlSession& sql) {
    auto rows = sql.Query(fmt::format("{} WHERE s.login = ?", kStaffSelect), {login});
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) staff = StaffFromRow(*rows, 0);
    return Status::Ok();
  });
  if (!status.ok()) return status;
  if (!staff || !scope.Contains(staff->unit_path)) {
    return Status::NotFound("unknown_staff", "no such staff member");
  }
  return *staff;
}

Result<Staff> StaffService::MoveToUnit(const Staff& by, const std::string& login, int64_t unit_id) {
  if (by.role != Role::kAdmin) {
    return Status::Rejected("forbidden", "only an administrator moves staff between units");
  }
  std::optional<Staff> moved;
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query(fmt::format("{} WHERE s.login = ?", kStaffSelect), {login});
    if (!rows.ok()) return rows.status();
    if (rows->empty() || !by.scope().Contains(rows->Text(0, 5))) {
      return Status::NotFound("unknown_staff", "no such staff member");
    }
    Staff staff = StaffFromRow(*rows, 0);
    auto unit = FindUnit(sql, unit_id);
    if (!unit.ok()) return unit.status();
    if (!*unit || !by.scope().Contains((*unit)->path)) {
      return Status::NotFound("unknown_unit", "no such unit");
    }
    EBANK_RETURN_IF_ERROR(
        sql.Exec("UPDATE staff SET unit_id = ? WHERE id = ?", {(*unit)->id, staff.id}));
    EBANK_RETURN_IF_ERROR(RecordAudit(sql, clock_,
                                      {"staff", by.id, "admin", "staff.move", login, "ok",
                                       fmt::format("unit {} to {}", staff.unit_id, (*unit)->id)}));
    staff.unit_id = (*unit)->id;
    staff.unit_path = (*unit)->path;
    moved = staff;
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return *moved;
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
