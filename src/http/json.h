// Strict reading of JSON request bodies: every field has one type, unknown fields are
// refused (a typo must not silently drop a field), sizes and depths are bounded.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "core/money.h"
#include "core/status.h"

namespace ebank::http {

inline constexpr size_t kJsonDepthMax = 16;

// Parses a body that must be one JSON object.
Result<boost::json::object> ParseObject(std::string_view body);
// Refuses any field not in `allowed`.
Status OnlyFields(const boost::json::object& object,
                  std::initializer_list<std::string_view> allowed);

Result<std::string> RequiredString(const boost::json::object& object, std::string_view field);
Result<std::optional<std::string>> OptionalString(const boost::json::object& object,
                                                  std::string_view field);
Result<int64_t> RequiredInt(const boost::json::object& object, std::string_view field);
Result<std::optional<int64_t>> OptionalInt(const boost::json::object& object,
                                           std::string_view field);
Result<Currency> RequiredCurrency(const boost::json::object& object, std::string_view field);
// An amount given as a decimal string in `currency`'s minor precision ("100.00").
Result<int64_t> RequiredAmount(const boost::json::object& object, std::string_view field,
                               Currency currency);

// A decimal string for minor units of `currency`.
boost::json::string AmountJson(int64_t minor, Currency currency);

}  // namespace ebank::http
