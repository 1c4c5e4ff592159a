#include "http/json.h"

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>

namespace ebank::http {

namespace json = boost::json;

namespace {

Status Missing(std::string_view field) {
  return Status::Invalid("missing_field", "field '" + std::string(field) + "' is required");
}

Status WrongType(std::string_view field, std::string_view type) {
  return Status::Invalid("invalid_field",
                         "field '" + std::string(field) + "' must be " + std::string(type));
}

}  // namespace

Result<json::object> ParseObject(std::string_view body) {
  boost::system::error_code error;
  json::parse_options options;
  options.max_depth = kJsonDepthMax;
  json::value value = json::parse(body, error, {}, options);
  if (error)
    return Status::Invalid("malformed_json", "the body is not valid JSON: " + error.message());
  if (!value.is_object())
    return Status::Invalid("malformed_json", "the body must be a JSON object");
  return std::move(value.as_object());
}

Status OnlyFields(const json::object& object, std::initializer_list<std::string_view> allowed) {
  for (const auto& member : object) {
    bool known = false;
    for (std::string_view name : allowed)
      known = known || member.key() == name;
    if (!known) {
      std::string key(member.key().substr(0, 64));
      return Status::Invalid("unknown_field", "field '" + key + "' is not understood");
    }
  }
  return Status::Ok();
}

Result<std::optional<std::string>> OptionalString(const json::object& object,
                                                  std::string_view field) {
  const json::value* value = object.if_contains(field);
  if (value == nullptr || value->is_null()) return std::optional<std::string>();
  if (!value->is_string()) return WrongType(field, "a string");
  return std::optional<std::string>(std::string(value->as_string()));
}

Result<std::string> RequiredString(const json::object& object, std::string_view field) {
  auto value = OptionalString(object, field);
  if (!value.ok()) return value.status();
  if (!value->has_value()) return Missing(field);
  return std::move(**value);
}

Result<std::optional<int64_t>> OptionalInt(const json::object& object, std::string_view field) {
  const json::value* value = object.if_contains(field);
  if (value == nullptr || value->is_null()) return std::optional<int64_t>();
  if (value->is_int64()) return std::optional<int64_t>(value->as_int64());
  if (value->is_uint64() && value->as_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return std::optional<int64_t>(static_cast<int64_t>(value->as_uint64()));
  }
  return WrongType(field, "an integer");
}

Result<int64_t> RequiredInt(const json::object& object, std::string_view field) {
  auto value = OptionalInt(object, field);
  if (!value.ok()) return value.status();
  if (!value->has_value()) return Missing(field);
  return **value;
}

Result<Currency> RequiredCurrency(const json::object& object, std::string_view field) {
  auto code = RequiredString(object, field);
  if (!code.ok()) return code.status();
  return Currency::Parse(*code);
}

Result<int64_t> RequiredAmount(const json::object& object, std::string_view field,
                               Currency currency) {
  const json::value* value = object.if_contains(field);
  if (value == nullptr || value->is_null()) return Missing(field);
  if (!value->is_string()) {
    return WrongType(field, "a decimal string such as \"100.00\" (never a JSON number)");
  }
  return ParseAmount(value->as_string(), currency.exponent());
}

json::string AmountJson(int64_t minor, Currency currency) {
  return json::string(FormatAmount(minor, currency.exponent()));
}

}  // namespace ebank::http
