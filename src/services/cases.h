// Cases (SVC-3, BO-6): card-network errors (差错), disputes, complaints and inspection
// findings (检查发现, the issue ledger 台账 with its rectification), each with a state, an
// owner and a deadline. A case is never deleted or edited away: every change of state or
// owner is a case event, with who, when and why. Cases belong to a unit and are seen within
// the unit tree like everything else. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "services/staff.h"
#include "store/sql.h"

namespace ebank::services {

inline constexpr size_t kCaseTitleBytesMax = 200;
inline constexpr size_t kCaseTextBytesMax = 2000;  // Detail and notes.
inline constexpr size_t kCasesListedMax = 500;

struct NewCase {
  std::string kind;             // "card_error", "dispute", "complaint", "finding".
  std::string unit_code;        // "" for the maker's own unit.
  std::string customer_number;  // "" when the case is about no one customer.
  std::string title;
  std::string detail;
  std::string source;  // Where it came from: "检查 2026-Q4", "95588 hotline"...
  // "" for the maker; else a staff member of the case's unit, above it or below it.
  std::string owner_login;
  std::string deadline_date;  // YYYY-MM-DD, China Standard Time.
};

struct CaseEvent {
  int64_t at_ms = 0;
  int64_t staff_id = 0;
  std::string from_state;
  std::string to_state;
  std::string note;
};

struct Case {
  int64_t id = 0;
  std::string kind;
  std::string unit_code;
  std::optional<std::string> customer_number;
  std::string title;
  std::string detail;
  std::string source;
  std::string state;  // "open", "investigating", "resolved", "closed".
  int64_t owner_staff_id = 0;
  std::string owner_login;
  std::string deadline_date;
  int64_t created_by = 0;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
  bool overdue = false;           // Past its deadline and not yet resolved.
  std::vector<CaseEvent> events;  // Oldest first (Get only).
};

// The states a case in state `from` may move to when `role` moves it (open → investigating
// or resolved; investigating → resolved; resolved → investigating, or closed by a
// supervisor or above); Change refuses any other move.
std::vector<std::string_view> NextCaseStates(std::string_view from, Role role);

class CaseService {
 public:
  CaseService(store::SqlDatabase& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Opens a case in state "open" (its first event). Invalid "invalid_case" for a bad kind,
  // title, text or date; NotFound "unknown_unit", "unknown_customer", "unknown_staff" for
  // what is not within `maker`'s scope.
  Result<Case> Open(const Staff& maker, const NewCase& input);
  // Cases within `staff`'s scope, newest first; `state` "" for all, or "overdue".
  Result<std::vector<Case>> List(const Staff& staff, std::string_view state);
  // NotFound "unknown_case" outside `staff`'s scope.
  Result<Case> Get(const Staff& staff, int64_t id);
  // Moves the case to `to_state` (open → investigating → resolved → closed; resolved may go
  // back to investigating), or hands it to `owner_login` (to_state "" keeps the state).
  // Resolving and closing need a note; closing needs a supervisor or above (Rejected
  // "checker_role_required"). Conflict "invalid_transition" for any other move.
  Result<Case> Change(const Staff& staff, int64_t id, const std::string& to_state,
                      const std::string& note, const std::string& owner_login);

 private:
  store::SqlDatabase& db_;
  const Clock& clock_;
};

}  // namespace ebank::services
