// Message: field values in one buffer, a slot per field and a bitmap of present fields.
#include <algorithm>
#include <bit>
#include <cassert>
#include <cstring>
#include <limits>

#include "iso8583/internal.h"
#include "iso8583/iso8583.h"

namespace ebank::iso8583 {
namespace {

// Below this many dead bytes a message is never compacted: a few replaced values cost less
// than a rebuild.
constexpr size_t kDeadBytesCompactMin = 4096;

// The value itself when it is all printable ASCII, otherwise "hex:" and its hex.
void AppendReadable(std::string_view value, std::string& out) {
  if (std::all_of(value.begin(), value.end(), internal::IsPrintable)) {
    out += value;
  } else {
    out += "hex:";
    internal::AppendHex(value, out);
  }
}

void AppendFieldNumber(int field, std::string& out) {
  out += static_cast<char>('0' + field / 100);
  out += static_cast<char>('0' + field / 10 % 10);
  out += static_cast<char>('0' + field % 10);
}

}  // namespace

bool Message::Has(int field) const {
  if (!IsFieldNumber(field)) return false;
  return (present_[WordOf(field)] & BitOf(field)) != 0;
}

std::string_view Message::Get(int field) const {
  if (!Has(field)) return {};
  const Slot& slot = slots_[static_cast<size_t>(field)];
  return std::string_view(values_).substr(slot.offset, slot.length);
}

void Message::Set(int field, std::string_view value) {
  assert(IsFieldNumber(field));
  if (!IsFieldNumber(field)) return;
  Slot& slot = slots_[static_cast<size_t>(field)];
  if (Has(field)) {
    live_bytes_ -= slot.length;
    if (value.size() <= slot.length) {
      // The new value fits where the old one was. memmove, as `value` may overlap it.
      if (!value.empty()) std::memmove(values_.data() + slot.offset, value.data(), value.size());
      slot.length = static_cast<uint32_t>(value.size());
      live_bytes_ += value.size();
      return;
    }
  }
  assert(values_.size() + value.size() <= std::numeric_limits<uint32_t>::max());
  // Appending from a `value` inside values_ is safe: std::string copies it before it frees
  // its old storage.
  slot.offset = static_cast<uint32_t>(values_.size());
  slot.length = static_cast<uint32_t>(value.size());
  values_.append(value);
  present_[WordOf(field)] |= BitOf(field);
  live_bytes_ += value.size();
  CompactIfWasteful();
}

void Message::Unset(int field) {
  if (!Has(field)) return;
  present_[WordOf(field)] &= ~BitOf(field);
  live_bytes_ -= slots_[static_cast<size_t>(field)].length;
}

void Message::CompactIfWasteful() {
  size_t dead_bytes = values_.size() - live_bytes_;
  if (dead_bytes < kDeadBytesCompactMin || dead_bytes < live_bytes_) return;
  std::string values;
  values.reserve(live_bytes_);
  for (int field : Fields()) {
    Slot& slot = slots_[static_cast<size_t>(field)];
    std::string_view value = std::string_view(values_).substr(slot.offset, slot.length);
    slot.offset = static_cast<uint32_t>(values.size());
    values.append(value);
  }
  values_ = std::move(values);
}

std::vector<int> Message::Fields() const {
  std::vector<int> fields;
  fields.reserve(static_cast<size_t>(std::popcount(present_[0]) + std::popcount(present_[1])));
  Status done = internal::ForEachField(present_, [&](int field) {
    fields.push_back(field);
    return Status::Ok();
  });
  assert(done.ok());
  return fields;
}

std::string Message::Describe() const {
  return Describe(kDescribeMaskedFields);
}

std::string Message::Describe(std::span<const int> masked_fields) const {
  std::string text = "mti ";
  AppendReadable(mti_, text);
  text += '\n';
  for (int field : Fields()) {
    AppendFieldNumber(field, text);
    text += ' ';
    std::string_view value = Get(field);
    if (std::find(masked_fields.begin(), masked_fields.end(), field) != masked_fields.end()) {
      text += "***";
    } else {
      AppendReadable(value, text);
    }
    text += '\n';
  }
  return text;
}

bool operator==(const Message& a, const Message& b) {
  if (a.mti_ != b.mti_ || a.present_ != b.present_) return false;
  for (int field : a.Fields()) {
    if (a.Get(field) != b.Get(field)) return false;
  }
  return true;
}

}  // namespace ebank::iso8583
