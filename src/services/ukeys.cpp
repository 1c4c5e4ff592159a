#include "services/ukeys.h"

#include <fmt/format.h>

#include <set>

namespace ebank::services {
namespace {

constexpr const char* kUkeySelect =
    "SELECT k.serial, k.state, k.unit_id, c.number, k.staff_id, k.approval_id, "
    "k.received_at_ms, k.issued_at_ms FROM ukeys k JOIN units u ON u.id = k.unit_id LEFT JOIN "
    "customers c ON c.id = k.customer_id";

Ukey UkeyFromRow(const store::SqlRows& rows, size_t r) {
  Ukey ukey;
  ukey.serial = rows.Text(r, 0);
  ukey.state = rows.Text(r, 1);
  ukey.unit_id = rows.Int(r, 2);
  if (!rows.IsNull(r, 3)) ukey.customer_number = rows.Text(r, 3);
  ukey.staff_id = rows.OptionalInt(r, 4);
  ukey.approval_id = rows.OptionalInt(r, 5);
  ukey.received_at_ms = rows.Int(r, 6);
  ukey.issued_at_ms = rows.OptionalInt(r, 7);
  return ukey;
}

}  // namespace

bool IsUkeySerial(std::string_view serial) {
  bool ok = !serial.empty() && serial.size() <= kUkeySerialBytesMax;
  for (char c : serial) {
    ok = ok && ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-');
  }
  return ok;
}

Status CheckUkeyInStock(store::SqlSession& sql, std::string_view serial,
                        std::string_view scope_pattern) {
  auto rows = sql.Query(
      "SELECT k.state FROM ukeys k JOIN units u ON u.id = k.unit_id WHERE k.serial = ? AND "
      "u.path LIKE ?",
      {std::string(serial), std::string(scope_pattern)});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return Status::NotFound("unknown_ukey", "no such U-key in stock here");
  if (rows->Text(0, 0) != "in_stock") {
    return Status::Rejected("ukey_unavailable", "this U-key was issued already");
  }
  return Status::Ok();
}

Status MarkUkeyIssued(store::SqlSession& sql, std::string_view serial, int64_t customer_id,
                      int64_t staff_id, int64_t approval_id, int64_t at_ms) {
  auto rows = sql.Query(
      "UPDATE ukeys SET state = 'issued', customer_id = ?, staff_id = ?, approval_id = ?, "
      "issued_at_ms = ? WHERE serial = ? AND state = 'in_stock' RETURNING serial",
      {customer_id, staff_id, approval_id, at_ms, std::string(serial)});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return Status::Internal("ukey_changed", "the U-key left the stock meanwhile");
  return Status::Ok();
}

Result<std::vector<Ukey>> UkeyService::Receive(const Staff& staff,
                                               const std::vector<std::string>& serials,
                                               const std::string& unit_code) {
  if (!MayCheck(staff.role)) {
    return Status::Rejected("checker_role_required",
                            "a supervisor, branch manager or administrator receives U-keys");
  }
  if (serials.empty() || serials.size() > kUkeysReceivedMax) {
    return Status::Invalid("invalid_serials", "from 1 to 1000 serials at a time");
  }
  std::set<std::string> unique;
  for (const std::string& serial : serials) {
    if (!IsUkeySerial(serial)) {
      return Status::Invalid("invalid_serial",
                             "a serial is 1 to 32 upper-case letters, digits or '-'");
    }
    if (!unique.insert(serial).second) {
      return Status::Invalid("invalid_serials", "a serial is listed twice");
    }
  }
  int64_t now = clock_.NowMs();
  std::vector<Ukey> received;
  Status status = db_.Transaction([&](store::SqlSession& sql) -> Status {
    received.clear();
    int64_t unit_id = staff.unit_id;
    if (!unit_code.empty()) {
      auto unit = sql.Query("SELECT id, path FROM units WHERE code = ?", {unit_code});
      if (!unit.ok()) return unit.status();
      if (unit->empty() || !staff.scope().Contains(unit->Text(0, 1))) {
        return Status::NotFound("unknown_unit", "no such unit");
      }
      unit_id = unit->Int(0, 0);
    }
    for (const std::string& serial : serials) {
      Status added = sql.Exec(
          "INSERT INTO ukeys (serial, state, unit_id, customer_id, staff_id, approval_id, "
          "received_at_ms, issued_at_ms) VALUES (?, 'in_stock', ?, NULL, NULL, NULL, ?, NULL)",
          {serial, unit_id, now});
      if (added.code() == Code::kConflict) {
        return Status::Conflict("ukey_exists", "U-key " + serial + " is known already");
      }
      EBANK_RETURN_IF_ERROR(added);
      received.push_back(Ukey{serial, "in_stock", unit_id, std::nullopt, std::nullopt, std::nullopt,
                              now, std::nullopt});
    }
    return RecordAudit(
        sql, clock_,
        {"staff", staff.id, "counter", "ukey.receive", fmt::format("unit:{}", unit_id), "ok",
         fmt::format("{} U-keys, {} to {}", serials.size(), serials.front(), serials.back())});
  });
  if (!status.ok()) return status;
  return received;
}

Result<std::vector<Ukey>> UkeyService::List(const Staff& staff, std::string_view state) {
  if (!state.empty() && state != "in_stock" && state != "issued") {
    return Status::Invalid("invalid_query", "state is in_stock or issued");
  }
  store::SqlParams params{staff.scope().LikePattern()};
  std::string where = "u.path LIKE ?";
  if (!state.empty()) {
    where += " AND k.state = ?";
    params.emplace_back(std::string(state));
  }
  return Select(where, params, "k.serial");
}

Result<std::vector<Ukey>> UkeyService::Held(int64_t customer_id) {
  return Select("k.customer_id = ? AND k.state = 'issued'", {customer_id},
                "k.issued_at_ms DESC, k.serial");
}

Result<std::vector<Ukey>> UkeyService::Select(std::string_view where,
                                              const store::SqlParams& params,
                                              std::string_view order) {
  std::vector<Ukey> ukeys;
  Status status = db_.Read([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query(
        fmt::format("{} WHERE {} ORDER BY {} LIMIT {}", kUkeySelect, where, order, kUkeysListedMax),
        params);
    if (!rows.ok()) return rows.status();
    for (size_t r = 0; r < rows->size(); ++r)
      ukeys.push_back(UkeyFromRow(*rows, r));
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return ukeys;
}

}  // namespace ebank::services
