// The bank's organisation (BO-1): head office → branches → sub-branches → outlets. Staff,
// customers and accounts belong to a unit, and what a staff member may see follows the
// tree: their unit and everything below it. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/money.h"
#include "ledger/ledger.h"
#include "store/sql.h"

namespace ebank::services {

enum class UnitKind { kHeadOffice, kBranch, kSubBranch, kOutlet };
std::string_view UnitKindName(UnitKind kind);
std::optional<UnitKind> ParseUnitKind(std::string_view name);
// Whether a unit of kind `child` may hang directly under one of kind `parent`: branches
// under the head office, sub-branches under a branch, outlets under a branch or a
// sub-branch. The head office is the root and hangs under nothing.
bool MayHangUnder(UnitKind parent, UnitKind child);

// Limits on what an administrator may type.
inline constexpr size_t kUnitCodeBytesMax = 16;
inline constexpr size_t kUnitNameBytesMax = 120;
inline constexpr size_t kUnitsListedMax = 1000;
// The head office the schema creates; staff, customers and accounts made without a unit
// belong to it.
inline constexpr std::string_view kHeadOfficeCode = "HO";

struct Unit {
  int64_t id = 0;
  std::string code;  // "BJ01": upper-case letters, digits and '-'.
  std::string name_zh;
  std::string name_en;
  UnitKind kind = UnitKind::kOutlet;
  std::optional<int64_t> parent_id;
  // The ids from the root down to this unit, "/1/4/9/": a unit's subtree is every unit
  // whose path starts with its own.
  std::string path;
  // The outlet's vault cash (库存现金) in the ledger; outlets only.
  std::optional<ledger::AccountId> cash_account;
};

struct NewUnit {
  std::string code;
  std::string name_zh;
  std::string name_en;
  UnitKind kind = UnitKind::kOutlet;
  std::string parent_code;
};

// What a staff member may see: the unit `unit_id` (whose path is `path`) and every unit
// below it.
struct UnitScope {
  int64_t unit_id = 0;
  std::string path;
  // True when `unit_path` is this unit's or a descendant's.
  bool Contains(std::string_view unit_path) const;
  // The LIKE pattern selecting the subtree's paths ("/1/4/%"); paths hold only digits and
  // '/', so no character of it needs escaping. An empty scope's pattern matches nothing.
  std::string LikePattern() const { return path.empty() ? "-" : path + "%"; }
};

// "/1/4/" + 9 → "/1/4/9/".
std::string ChildPath(std::string_view parent_path, int64_t id);
// The ledger code of an outlet's vault cash account: "gl:cash:<unit code>:CNY".
std::string CashAccountCode(std::string_view unit_code, Currency currency);

// The columns a unit is read from, and the unit from a row of them.
inline constexpr const char* kUnitColumns =
    "id, code, name_zh, name_en, kind, parent_id, path, cash_account_id";
Unit UnitFromRow(const store::SqlRows& rows, size_t r);

// Reads the unit `id` in `sql`'s transaction; nullopt when there is none.
Result<std::optional<Unit>> FindUnit(store::SqlSession& sql, int64_t id);

class OrganisationService {
 public:
  OrganisationService(store::SqlDatabase& db, ledger::Ledger& ledger, const Clock& clock)
      : db_(db), ledger_(ledger), clock_(clock) {}

  // Adds a unit under the unit `parent_code`, which must lie within `scope` (NotFound
  // "unknown_unit" otherwise, exactly as when it does not exist). An outlet gets its vault
  // cash account in the ledger (CNY, debit side, no floor) before its row is written.
  // Conflict "unit_exists" for a code in use.
  Result<Unit> Create(const NewUnit& unit, const UnitScope& scope);
  Result<Unit> Get(int64_t id);
  // NotFound "unknown_unit" when there is no unit `code` within `scope`.
  Result<Unit> GetByCode(const std::string& code, const UnitScope& scope);
  Result<Unit> HeadOffice();
  // The units within `scope`, parents before children (by path), at most kUnitsListedMax.
  Result<std::vector<Unit>> List(const UnitScope& scope);

 private:
  store::SqlDatabase& db_;
  ledger::Ledger& ledger_;
  const Clock& clock_;
};

}  // namespace ebank::services
