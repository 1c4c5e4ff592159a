#include "services/organisation.h"

#include <fmt/format.h>

#include <array>

namespace ebank::services {
namespace {

constexpr std::array<std::pair<UnitKind, std::string_view>, 4> kKinds = {{
    {UnitKind::kHeadOffice, "head_office"},
    {UnitKind::kBranch, "branch"},
    {UnitKind::kSubBranch, "sub_branch"},
    {UnitKind::kOutlet, "outlet"},
}};
}  // namespace

Unit UnitFromRow(const store::SqlRows& rows, size_t r) {
  Unit unit;
  unit.id = rows.Int(r, 0);
  unit.code = rows.Text(r, 1);
  unit.name_zh = rows.Text(r, 2);
  unit.name_en = rows.Text(r, 3);
  unit.kind = ParseUnitKind(rows.Text(r, 4)).value_or(UnitKind::kOutlet);
  unit.parent_id = rows.OptionalInt(r, 5);
  unit.path = rows.Text(r, 6);
  unit.cash_account = rows.OptionalInt(r, 7);
  return unit;
}

namespace {

Status CheckCode(std::string_view code) {
  bool ok = !code.empty() && code.size() <= kUnitCodeBytesMax;
  for (char c : code) {
    ok = ok && ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-');
  }
  if (!ok) {
    return Status::Invalid("invalid_code",
                           "a unit code is 1 to 16 upper-case letters, digits or '-'");
  }
  return Status::Ok();
}

Status CheckName(std::string_view field, std::string_view name) {
  bool ok = !name.empty() && name.size() <= kUnitNameBytesMax;
  for (char c : name) {
    auto byte = static_cast<unsigned char>(c);
    ok = ok && byte >= 0x20 && byte != 0x7f;
  }
  if (!ok) {
    return Status::Invalid("invalid_" + std::string(field),
                           std::string(field) + " must be 1 to 120 printable bytes");
  }
  return Status::Ok();
}

}  // namespace

std::string_view UnitKindName(UnitKind kind) {
  for (const auto& [value, name] : kKinds) {
    if (value == kind) return name;
  }
  return "outlet";
}

std::optional<UnitKind> ParseUnitKind(std::string_view name) {
  for (const auto& [value, text] : kKinds) {
    if (text == name) return value;
  }
  return std::nullopt;
}

bool MayHangUnder(UnitKind parent, UnitKind child) {
  switch (child) {
    case UnitKind::kHeadOffice:
      return false;
    case UnitKind::kBranch:
      return parent == UnitKind::kHeadOffice;
    case UnitKind::kSubBranch:
      return parent == UnitKind::kBranch;
    case UnitKind::kOutlet:
      return parent == UnitKind::kBranch || parent == UnitKind::kSubBranch;
  }
  return false;
}

bool UnitScope::Contains(std::string_view unit_path) const {
  return !path.empty() && unit_path.starts_with(path);
}

std::string ChildPath(std::string_view parent_path, int64_t id) {
  return fmt::format("{}{}/", parent_path, id);
}

std::string CashAccountCode(std::string_view unit_code, Currency currency) {
  return fmt::format("gl:cash:{}:{}", unit_code, currency.code());
}

Result<std::optional<Unit>> FindUnit(store::SqlSession& sql, int64_t id) {
  auto rows = sql.Query(fmt::format("SELECT {} FROM units WHERE id = ?", kUnitColumns), {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<Unit>();
  return std::optional<Unit>(UnitFromRow(*rows, 0));
}

Result<Unit> OrganisationService::Create(const NewUnit& input, const UnitScope& scope) {
  EBANK_RETURN_IF_ERROR(CheckCode(input.code));
  EBANK_RETURN_IF_ERROR(CheckName("name_zh", input.name_zh));
  EBANK_RETURN_IF_ERROR(CheckName("name_en", input.name_en));
  auto parent = GetByCode(input.parent_code, scope);
  if (!parent.ok()) return parent.status();
  if (!MayHangUnder(parent->kind, input.kind)) {
    return Status::Rejected("invalid_parent",
                            fmt::format("a {} cannot hang under a {}", UnitKindName(input.kind),
                                        UnitKindName(parent->kind)));
  }
  Status read = db_.Read([&](store::SqlSession& sql) {
    auto rows = sql.Query("SELECT id FROM units WHERE code = ?", {input.code});
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) return Status::Conflict("unit_exists", "a unit with this code exists");
    return Status::Ok();
  });
  if (!read.ok()) return read;
  Unit unit;
  unit.code = input.code;
  unit.name_zh = input.name_zh;
  unit.name_en = input.name_en;
  unit.kind = input.kind;
  unit.parent_id = parent->id;
  if (input.kind == UnitKind::kOutlet) {
    // The account's code names the outlet, so a retry after a failed insert below finds
    // the same account instead of opening a second one.
    std::string code = CashAccountCode(input.code, Currency::Cny());
    ledger::Outcome opened = ledger_.Execute(ledger::Request{
        "open:" + code,
        ledger::OpenAccount{code, Currency::Cny(), ledger::Side::kDebit, std::nullopt}});
    if (!opened.status.ok()) return opened.status;
    unit.cash_account = opened.id;
  }
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query(
        "INSERT INTO units (code, name_zh, name_en, kind, parent_id, path, cash_account_id, "
        "created_at_ms) VALUES (?, ?, ?, ?, ?, '', ?, ?) RETURNING id",
        {unit.code, unit.name_zh, unit.name_en, std::string(UnitKindName(unit.kind)), parent->id,
         unit.cash_account ? store::SqlValue(*unit.cash_account) : store::SqlValue(),
         clock_.NowMs()});
    if (!rows.ok()) return rows.status();
    unit.id = rows->Int(0, 0);
    unit.path = ChildPath(parent->path, unit.id);
    return sql.Exec("UPDATE units SET path = ? WHERE id = ?", {unit.path, unit.id});
  });
  if (status.code() == Code::kConflict) {
    return Status::Conflict("unit_exists", "a unit with this code exists");
  }
  if (!status.ok()) return status;
  return unit;
}

Result<Unit> OrganisationService::Get(int64_t id) {
  std::optional<Unit> unit;
  Status status = db_.Read([&](store::SqlSession& sql) {
    auto found = FindUnit(sql, id);
    if (!found.ok()) return found.status();
    unit = *found;
    return Status::Ok();
  });
  if (!status.ok()) return status;
  if (!unit) return Status::NotFound("unknown_unit", "no such unit");
  return *unit;
}

Result<Unit> OrganisationService::GetByCode(const std::string& code, const UnitScope& scope) {
  std::optional<Unit> unit;
  Status status = db_.Read([&](store::SqlSession& sql) {
    auto rows =
        sql.Query(fmt::format("SELECT {} FROM units WHERE code = ? AND path LIKE ?", kUnitColumns),
                  {code, scope.LikePattern()});
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) unit = UnitFromRow(*rows, 0);
    return Status::Ok();
  });
  if (!status.ok()) return status;
  if (!unit || !scope.Contains(unit->path)) {
    return Status::NotFound("unknown_unit", "no such unit");
  }
  return *unit;
}

Result<Unit> OrganisationService::HeadOffice() {
  return GetByCode(std::string(kHeadOfficeCode), UnitScope{0, "/"});
}

Result<std::vector<Unit>> OrganisationService::List(const UnitScope& scope) {
  std::vector<Unit> units;
  Status status = db_.Read([&](store::SqlSession& sql) {
    auto rows = sql.Query(fmt::format("SELECT {} FROM units WHERE path LIKE ? ORDER BY path "
                                      "LIMIT {}",
                                      kUnitColumns, kUnitsListedMax),
                          {scope.LikePattern()});
    if (!rows.ok()) return rows.status();
    for (size_t r = 0; r < rows->size(); ++r)
      units.push_back(UnitFromRow(*rows, r));
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return units;
}

}  // namespace ebank::services
