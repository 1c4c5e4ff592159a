// The U-key inventory and issue register (USBKey登记簿, BO-5): devices the bank received,
// held in stock at a unit, and to whom, by whom and when each was issued. A U-key is
// issued at the counter through maker/checker (ApprovalKind::kUkeyIssue): the register
// row changes in the transaction that carries out the approval. Thread-safe.
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

inline constexpr size_t kUkeySerialBytesMax = 32;
inline constexpr size_t kUkeysReceivedMax = 1000;  // Serials in one delivery.
inline constexpr size_t kUkeysListedMax = 1000;

struct Ukey {
  std::string serial;
  std::string state;  // "in_stock" or "issued".
  int64_t unit_id = 0;
  std::optional<std::string> customer_number;
  std::optional<int64_t> staff_id;  // Who issued it (the maker).
  std::optional<int64_t> approval_id;
  int64_t received_at_ms = 0;
  std::optional<int64_t> issued_at_ms;
};

// A serial is 1 to 32 upper-case letters, digits and '-'.
bool IsUkeySerial(std::string_view serial);
// Ok when the U-key `serial` is in stock at a unit within `scope_pattern` (a UnitScope's
// LIKE pattern): NotFound "unknown_ukey" when it is not there, Rejected "ukey_unavailable"
// when it was issued.
Status CheckUkeyInStock(store::SqlSession& sql, std::string_view serial,
                        std::string_view scope_pattern);
// Marks the U-key issued to `customer_id` by `staff_id` under `approval_id`; Internal when
// it was no longer in stock (callers check first, in the same transaction).
Status MarkUkeyIssued(store::SqlSession& sql, std::string_view serial, int64_t customer_id,
                      int64_t staff_id, int64_t approval_id, int64_t at_ms);

class UkeyService {
 public:
  UkeyService(store::SqlDatabase& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Adds `serials` to the stock of the unit `unit_code` ("" for `staff`'s own), which must
  // be within `staff`'s scope (NotFound "unknown_unit"), by a staff member of supervisor
  // rank or above (Rejected "checker_role_required"); audited. Invalid "invalid_serial";
  // Conflict "ukey_exists" when one is known already (then none is added).
  Result<std::vector<Ukey>> Receive(const Staff& staff, const std::vector<std::string>& serials,
                                    const std::string& unit_code = "");
  // The register within `staff`'s scope, by serial; `state` "" for all.
  Result<std::vector<Ukey>> List(const Staff& staff, std::string_view state);
  // The U-keys issued to `customer_id`, newest first (the caller checked its access).
  Result<std::vector<Ukey>> Held(int64_t customer_id);

 private:
  // The register rows matching `where` (over ukeys k, units u), in `order`, at most
  // kUkeysListedMax.
  Result<std::vector<Ukey>> Select(std::string_view where, const store::SqlParams& params,
                                   std::string_view order);

  store::SqlDatabase& db_;
  const Clock& clock_;
};

}  // namespace ebank::services
