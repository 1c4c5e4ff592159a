#include "services/cases.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "services/payments.h"
#include "services/scheduled.h"

namespace ebank::services {
namespace {

constexpr std::array<std::string_view, 4> kKinds = {"card_error", "dispute", "complaint",
                                                    "finding"};
constexpr const char* kCaseSelect =
    "SELECT k.id, k.kind, u.code, c.number, k.title, k.detail, k.source, k.state, "
    "k.owner_staff_id, s.login, k.deadline_date, k.created_by, k.created_at_ms, k.updated_at_ms "
    "FROM cases k JOIN units u ON u.id = k.unit_id JOIN staff s ON s.id = k.owner_staff_id LEFT "
    "JOIN customers c ON c.id = k.customer_id";

bool Printable(std::string_view text, bool lines) {
  return std::none_of(text.begin(), text.end(), [lines](char c) {
    auto byte = static_cast<unsigned char>(c);
    return (byte < 0x20 && !(lines && (c == '\n' || c == '\t'))) || byte == 0x7f;
  });
}

// Where each state may go, whoever moves it.
constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kMoves = {{
    {"open", "investigating"},
    {"open", "resolved"},
    {"investigating", "resolved"},
    {"resolved", "investigating"},
    {"resolved", "closed"},
}};

bool Allowed(std::string_view from, std::string_view to) {
  for (const auto& [a, b] : kMoves) {
    if (a == from && b == to) return true;
  }
  return false;
}

Case CaseFromRow(const store::SqlRows& rows, size_t r, const std::string& today) {
  Case item;
  item.id = rows.Int(r, 0);
  item.kind = rows.Text(r, 1);
  item.unit_code = rows.Text(r, 2);
  if (!rows.IsNull(r, 3)) item.customer_number = rows.Text(r, 3);
  item.title = rows.Text(r, 4);
  item.detail = rows.Text(r, 5);
  item.source = rows.Text(r, 6);
  item.state = rows.Text(r, 7);
  item.owner_staff_id = rows.Int(r, 8);
  item.owner_login = rows.Text(r, 9);
  item.deadline_date = rows.Text(r, 10);
  item.created_by = rows.Int(r, 11);
  item.created_at_ms = rows.Int(r, 12);
  item.updated_at_ms = rows.Int(r, 13);
  item.overdue =
      (item.state == "open" || item.state == "investigating") && item.deadline_date < today;
  return item;
}

// The staff member `login`, who must work at the case's unit (at `case_path`), above it
// (a teller hands a case up to a supervisor) or below it; NotFound otherwise.
Result<int64_t> OwnerFor(store::SqlSession& sql, const std::string& login,
                         const std::string& case_path) {
  auto rows = sql.Query(
      "SELECT s.id, u.path FROM staff s JOIN units u ON u.id = s.unit_id WHERE s.login = ?",
      {login});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return Status::NotFound("unknown_staff", "no such staff member here");
  std::string path = rows->Text(0, 1);
  if (!case_path.starts_with(path) && !path.starts_with(case_path)) {
    return Status::NotFound("unknown_staff", "no such staff member here");
  }
  return rows->Int(0, 0);
}

Result<std::string> UnitPath(store::SqlSession& sql, int64_t unit_id) {
  auto rows = sql.Query("SELECT path FROM units WHERE id = ?", {unit_id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return Status::NotFound("unknown_unit", "no such unit");
  return rows->Text(0, 0);
}

Status AddEvent(store::SqlSession& sql, int64_t case_id, int64_t at_ms, int64_t staff_id,
                const std::string& from, const std::string& to, const std::string& note) {
  return sql.Exec(
      "INSERT INTO case_events (case_id, at_ms, staff_id, from_state, to_state, note) VALUES (?, "
      "?, ?, ?, ?, ?)",
      {case_id, at_ms, staff_id, from, to, note});
}

}  // namespace

std::vector<std::string_view> NextCaseStates(std::string_view from, Role role) {
  std::vector<std::string_view> next;
  for (const auto& [a, b] : kMoves) {
    if (a == from && (b != "closed" || MayCheck(role))) next.push_back(b);
  }
  return next;
}

Result<Case> CaseService::Open(const Staff& maker, const NewCase& input) {
  if (std::find(kKinds.begin(), kKinds.end(), input.kind) == kKinds.end()) {
    return Status::Invalid("invalid_case", "kind is card_error, dispute, complaint or finding");
  }
  if (input.title.empty() || input.title.size() > kCaseTitleBytesMax ||
      !Printable(input.title, false)) {
    return Status::Invalid("invalid_case", "a title is 1 to 200 printable bytes");
  }
  for (const std::string* text : {&input.detail, &input.source}) {
    if (text->size() > kCaseTextBytesMax || !Printable(*text, true)) {
      return Status::Invalid("invalid_case", "detail and source are printable, 2000 bytes at most");
    }
  }
  if (!ChinaDayStartMs(input.deadline_date) || !ParseDate(input.deadline_date)) {
    return Status::Invalid("invalid_case", "deadline is a date YYYY-MM-DD");
  }
  std::string pattern = maker.scope().LikePattern();
  int64_t id = 0;
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    int64_t unit_id = maker.unit_id;
    if (!input.unit_code.empty()) {
      auto unit = sql.Query("SELECT id, path FROM units WHERE code = ?", {input.unit_code});
      if (!unit.ok()) return unit.status();
      if (unit->empty() || !maker.scope().Contains(unit->Text(0, 1))) {
        return Status::NotFound("unknown_unit", "no such unit");
      }
      unit_id = unit->Int(0, 0);
    }
    store::SqlValue customer;
    if (!input.customer_number.empty()) {
      auto rows = sql.Query(
          "SELECT c.id FROM customers c JOIN units u ON u.id = c.unit_id WHERE c.number = ? AND "
          "u.path LIKE ?",
          {input.customer_number, pattern});
      if (!rows.ok()) return rows.status();
      if (rows->empty()) return Status::NotFound("unknown_customer", "no such customer");
      customer = rows->Int(0, 0);
    }
    int64_t owner = maker.id;
    if (!input.owner_login.empty()) {
      auto path = UnitPath(sql, unit_id);
      if (!path.ok()) return path.status();
      auto found = OwnerFor(sql, input.owner_login, *path);
      if (!found.ok()) return found.status();
      owner = *found;
    }
    int64_t now = clock_.NowMs();
    auto rows = sql.Query(
        "INSERT INTO cases (kind, unit_id, customer_id, title, detail, source, state, "
        "owner_staff_id, deadline_date, created_by, created_at_ms, updated_at_ms) VALUES (?, ?, "
        "?, ?, ?, ?, 'open', ?, ?, ?, ?, ?) RETURNING id",
        {input.kind, unit_id, customer, input.title, input.detail, input.source, owner,
         input.deadline_date, maker.id, now, now});
    if (!rows.ok()) return rows.status();
    id = rows->Int(0, 0);
    EBANK_RETURN_IF_ERROR(AddEvent(sql, id, now, maker.id, "", "open", input.title));
    return RecordAudit(
        sql, clock_,
        {"staff", maker.id, "counter", "case.open", fmt::format("case:{}", id), "ok", input.kind});
  });
  if (!status.ok()) return status;
  return Get(maker, id);
}

Result<std::vector<Case>> CaseService::List(const Staff& staff, std::string_view state) {
  bool overdue_only = state == "overdue";
  if (!state.empty() && !overdue_only && state != "open" && state != "investigating" &&
      state != "resolved" && state != "closed") {
    return Status::Invalid("invalid_query",
                           "state is open, investigating, resolved, closed or overdue");
  }
  std::string today = LimitDay(clock_.NowMs());
  std::vector<Case> cases;
  Status read = db_.Read([&](store::SqlSession& sql) -> Status {
    store::SqlParams params{staff.scope().LikePattern()};
    std::string where = "u.path LIKE ?";
    if (!state.empty() && !overdue_only) {
      where += " AND k.state = ?";
      params.emplace_back(std::string(state));
    }
    auto rows = sql.Query(
        fmt::format("{} WHERE {} ORDER BY k.id DESC LIMIT {}", kCaseSelect, where, kCasesListedMax),
        params);
    if (!rows.ok()) return rows.status();
    for (size_t r = 0; r < rows->size(); ++r) {
      Case item = CaseFromRow(*rows, r, today);
      if (!overdue_only || item.overdue) cases.push_back(std::move(item));
    }
    return Status::Ok();
  });
  if (!read.ok()) return read;
  return cases;
}

Result<Case> CaseService::Get(const Staff& staff, int64_t id) {
  std::optional<Case> found;
  std::string today = LimitDay(clock_.NowMs());
  Status read = db_.Read([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query(fmt::format("{} WHERE k.id = ? AND u.path LIKE ?", kCaseSelect),
                          {id, staff.scope().LikePattern()});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return Status::Ok();
    found = CaseFromRow(*rows, 0, today);
    auto events = sql.Query(
        "SELECT at_ms, staff_id, from_state, to_state, note FROM case_events WHERE case_id = ? "
        "ORDER BY id",
        {id});
    if (!events.ok()) return events.status();
    for (size_t r = 0; r < events->size(); ++r) {
      found->events.push_back({events->Int(r, 0), events->Int(r, 1), events->Text(r, 2),
                               events->Text(r, 3), events->Text(r, 4)});
    }
    return Status::Ok();
  });
  if (!read.ok()) return read;
  if (!found || staff.unit_path.empty()) return Status::NotFound("unknown_case", "no such case");
  return *found;
}

Result<Case> CaseService::Change(const Staff& staff, int64_t id, const std::string& to_state,
                                 const std::string& note, const std::string& owner_login) {
  if (note.size() > kCaseTextBytesMax || !Printable(note, true)) {
    return Status::Invalid("invalid_case", "a note is printable, 2000 bytes at most");
  }
  if (to_state.empty() && owner_login.empty()) {
    return Status::Invalid("invalid_case", "give a new state, a new owner or both");
  }
  if ((to_state == "resolved" || to_state == "closed") && note.empty()) {
    return Status::Invalid("note_required", "say how it was resolved or why it is closed");
  }
  if (to_state == "closed" && !MayCheck(staff.role)) {
    return Status::Rejected("checker_role_required", "a supervisor or above closes a case");
  }
  auto current = Get(staff, id);
  if (!current.ok()) return current.status();
  if (!to_state.empty() && !Allowed(current->state, to_state)) {
    return Status::Conflict("invalid_transition", fmt::format("a case that is {} cannot become {}",
                                                              current->state, to_state));
  }
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    int64_t owner = current->owner_staff_id;
    if (!owner_login.empty()) {
      auto unit = sql.Query(
          "SELECT u.path FROM cases k JOIN units u ON u.id = k.unit_id WHERE "
          "k.id = ?",
          {id});
      if (!unit.ok()) return unit.status();
      if (unit->empty()) return Status::NotFound("unknown_case", "no such case");
      auto found = OwnerFor(sql, owner_login, unit->Text(0, 0));
      if (!found.ok()) return found.status();
      owner = *found;
    }
    std::string state = to_state.empty() ? current->state : to_state;
    int64_t now = clock_.NowMs();
    // Only from the state read above: a concurrent change makes this one a conflict.
    auto changed = sql.Query(
        "UPDATE cases SET state = ?, owner_staff_id = ?, updated_at_ms = ? WHERE id = ? AND state "
        "= ? RETURNING id",
        {state, owner, now, id, current->state});
    if (!changed.ok()) return changed.status();
    if (changed->empty())
      return Status::Conflict("invalid_transition", "the case changed meanwhile");
    std::string text = note;
    if (!owner_login.empty()) text += (text.empty() ? "" : " / ") + ("→ " + owner_login);
    EBANK_RETURN_IF_ERROR(AddEvent(sql, id, now, staff.id, current->state, state, text));
    return RecordAudit(sql, clock_,
                       {"staff", staff.id, "counter", "case.change", fmt::format("case:{}", id),
                        "ok", current->state + " → " + state});
  });
  if (!status.ok()) return status;
  return Get(staff, id);
}

}  // namespace ebank::services
