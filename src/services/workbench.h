// The customer manager's workbench (CH-CM, BO-7) and campaigns (BO-4): large-fund movements above a unit's threshold
// (大额资金变动提醒), and campaign leaderboards that credit sign-ups and fee revenue to the
// staff member who made them. Everything is read within the asker's part of the unit tree.
// Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "services/organisation.h"
#include "store/sql.h"

namespace ebank::services {

// Without a threshold set for the unit or one above it: 50,000 yuan.
inline constexpr int64_t kLargeMovementDefaultMinor = 5'000'000;
inline constexpr size_t kLargeMovementsListedMax = 200;
inline constexpr size_t kCampaignNameBytesMax = 120;
inline constexpr size_t kCampaignsListedMax = 100;
inline constexpr size_t kLeaderboardMax = 100;

// A payment made or counter cash at or above the threshold of the customer's unit.
struct LargeMovement {
  int64_t at_ms = 0;
  std::string kind;     // "payment", "cash_deposit", "cash_withdrawal".
  std::string channel;  // "web", "mobile", "scheduled", ..., "counter".
  std::string account;
  std::string counterparty;  // The payee's account of a payment; "" for cash.
  int64_t amount_minor = 0;
  int64_t threshold_minor = 0;
  std::string customer_number;
  std::string customer_name;
  std::string unit_code;
};

struct Campaign {
  int64_t id = 0;
  std::string name;
  std::string unit_code;
  std::string from_date;
  std::string to_date;
};

struct LeaderboardRow {
  int64_t staff_id = 0;
  std::string login;
  std::string name;
  std::string unit_code;
  int64_t signups = 0;
  int64_t revenue_minor = 0;
  int rank = 0;  // By sign-ups, then revenue; ties share a rank.
};

class WorkbenchService {
 public:
  WorkbenchService(store::SqlDatabase& db, const Clock& clock) : db_(db), clock_(clock) {}

  // The threshold that applies to the unit `unit_id`: its own, else the nearest unit
  // above it that has one, else kLargeMovementDefaultMinor.
  Result<int64_t> Threshold(int64_t unit_id);
  // Sets the threshold of the unit `unit_code` within `scope` (NotFound "unknown_unit");
  // Invalid "invalid_amount" unless positive.
  Status SetThreshold(const std::string& unit_code, int64_t threshold_minor,
                      const UnitScope& scope);
  // Movements at or above the threshold of the customer's unit, by customers within
  // `scope`, from `from_date` to `to_date` (China Standard Time, inclusive), newest first.
  Result<std::vector<LargeMovement>> LargeMovements(const UnitScope& scope,
                                                    const std::string& from_date,
                                                    const std::string& to_date);

  // A campaign over the unit `unit_code` within `scope` for the dates given. Invalid
  // "invalid_campaign" for an empty or long name or bad dates.
  Result<Campaign> CreateCampaign(int64_t staff_id, const std::string& name,
                                  const std::string& unit_code, const std::string& from_date,
                                  const std::string& to_date, const UnitScope& scope);
  // The campaigns over `scope`'s units and those over a unit above it (which its staff
  // take part in), newest first.
  Result<std::vector<Campaign>> Campaigns(const UnitScope& scope);
  // The staff of the campaign's units ranked by the customers they signed up at the
  // counter and the fees they charged in its period; for everyone who sees the campaign
  // (NotFound "unknown_campaign" otherwise).
  Result<std::vector<LeaderboardRow>> Leaderboard(int64_t campaign_id, const UnitScope& scope);

 private:
  store::SqlDatabase& db_;
  const Clock& clock_;
};

}  // namespace ebank::services
