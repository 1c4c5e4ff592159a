// Spec: the text form of a message layout (see iso8583.h) and the two built-in layouts.
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>

#include "iso8583/builtin_specs.h"
#include "iso8583/iso8583.h"

namespace ebank::iso8583 {
namespace {

constexpr int kLengthLlMax = 99;
constexpr int kXnLengthMin = 2;
// The most words a line may have: a field line with its length encoding.
constexpr size_t kLineWordsMax = 8;

struct Word {
  std::string_view text;
  bool quoted = false;
};

Status LineError(int line, std::string_view message) {
  return Status::Invalid("invalid_spec",
                         "line " + std::to_string(line) + ": " + std::string(message));
}

// Splits a line into words. A double-quoted word keeps its spaces and '#'; elsewhere '#'
// starts a comment.
Result<std::vector<Word>> SplitWords(std::string_view line, int line_number) {
  std::vector<Word> words;
  size_t at = 0;
  while (at < line.size()) {
    char c = line[at];
    if (c == ' ' || c == '\t') {
      ++at;
      continue;
    }
    if (c == '#') break;
    if (words.size() == kLineWordsMax) return LineError(line_number, "too many words");
    if (c == '"') {
      size_t end = line.find('"', at + 1);
      if (end == std::string_view::npos) return LineError(line_number, "unterminated quote");
      words.push_back({line.substr(at + 1, end - at - 1), true});
      at = end + 1;
      continue;
    }
    size_t end = line.find_first_of(" \t#\"", at);
    if (end == std::string_view::npos) end = line.size();
    words.push_back({line.substr(at, end - at), false});
    at = end;
  }
  return words;
}

std::optional<int> ParseNumber(std::string_view text) {
  // Four digits are more than any number in a spec needs and keep from_chars from overflow.
  if (text.empty() || text.size() > 4) return std::nullopt;
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<FieldType> ParseType(std::string_view text) {
  if (text == "n") return FieldType::kN;
  if (text == "a") return FieldType::kA;
  if (text == "an") return FieldType::kAn;
  if (text == "ans") return FieldType::kAns;
  if (text == "b") return FieldType::kB;
  if (text == "z") return FieldType::kZ;
  if (text == "xn") return FieldType::kXn;
  return std::nullopt;
}

std::optional<Encoding> ParseEncoding(std::string_view text) {
  if (text == "ascii") return Encoding::kAscii;
  if (text == "bcd") return Encoding::kBcd;
  if (text == "binary") return Encoding::kBinary;
  return std::nullopt;
}

bool ValueEncodingFits(FieldType type, Encoding encoding) {
  switch (type) {
    case FieldType::kN:
    case FieldType::kZ:
    case FieldType::kXn:
      return encoding == Encoding::kAscii || encoding == Encoding::kBcd;
    case FieldType::kA:
    case FieldType::kAn:
    case FieldType::kAns:
      return encoding == Encoding::kAscii;
    case FieldType::kB:
      return encoding == Encoding::kBinary || encoding == Encoding::kAscii;
  }
  return false;
}

// A field line's words after "field": number, type, length, max, value encoding,
// [length encoding], name.
Result<FieldSpec> ParseField(std::span<const Word> words, int line) {
  if (words.size() < 6 || words.size() > 7) {
    return LineError(line,
                     "a field line is: field <number> <type> <length> <max> <value encoding> "
                     "[<length encoding>] \"<name>\"");
  }
  const Word& name = words.back();
  if (!name.quoted || name.text.empty()) {
    return LineError(line, "the field's name must be last, in double quotes, not empty");
  }
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    if (words[i].quoted) return LineError(line, "only the field's name may be quoted");
  }
  FieldSpec field;
  std::optional<int> number = ParseNumber(words[0].text);
  if (!number || *number < kFieldNumberMin || *number > kFieldNumberMax) {
    return LineError(line,
                     "the field number must be 2 to 128, not '" + std::string(words[0].text) + "'");
  }
  field.number = *number;
  std::optional<FieldType> type = ParseType(words[1].text);
  if (!type) {
    return LineError(
        line, "unknown type '" + std::string(words[1].text) + "' (n, a, an, ans, b, z or xn)");
  }
  field.type = *type;
  std::string_view length = words[2].text;
  if (length == "0") {
    field.length_digits = 0;
  } else if (length == "LL") {
    field.length_digits = 2;
  } else if (length == "LLL") {
    field.length_digits = 3;
  } else {
    return LineError(line, "unknown length '" + std::string(length) + "' (0, LL or LLL)");
  }
  int length_max = field.length_digits == 2 ? kLengthLlMax : kFieldLengthMax;
  std::optional<int> max_length = ParseNumber(words[3].text);
  if (!max_length || *max_length < 1 || *max_length > length_max) {
    return LineError(line, "the maximum length must be 1 to " + std::to_string(length_max) +
                               ", not '" + std::string(words[3].text) + "'");
  }
  field.max_length = *max_length;
  if (field.type == FieldType::kXn &&
      (field.length_digits != 0 || field.max_length < kXnLengthMin)) {
    return LineError(line, "an xn field has a fixed length of at least 2");
  }
  std::optional<Encoding> value_encoding = ParseEncoding(words[4].text);
  if (!value_encoding || !ValueEncodingFits(field.type, *value_encoding)) {
    return LineError(line, "value encoding '" + std::string(words[4].text) +
                               "' does not fit type '" + std::string(words[1].text) + "'");
  }
  field.value_encoding = *value_encoding;
  bool variable = field.length_digits != 0;
  if (words.size() == 7) {
    if (!variable) return LineError(line, "a fixed-length field has no length encoding");
    std::optional<Encoding> length_encoding = ParseEncoding(words[5].text);
    if (!length_encoding) {
      return LineError(line, "unknown length encoding '" + std::string(words[5].text) +
                                 "' (ascii, bcd or binary)");
    }
    field.length_encoding = *length_encoding;
  } else if (variable) {
    return LineError(line, "an LL or LLL field needs a length encoding");
  }
  field.name = std::string(name.text);
  return field;
}

Spec ParseBuiltIn(std::string_view text, const char* what) {
  Result<Spec> spec = Spec::Parse(text);
  if (!spec.ok()) {
    // The text is compiled into the binary, so a failure is a bug in this build.
    std::fprintf(stderr, "built-in ISO 8583 spec %s: %s\n", what, spec.status().ToString().c_str());
    std::abort();
  }
  return std::move(spec).value();
}

}  // namespace

Result<Spec> Spec::Parse(std::string_view text) {
  if (text.size() > kSpecBytesMax) {
    return Status::Invalid("invalid_spec",
                           "a spec is at most " + std::to_string(kSpecBytesMax) + " bytes");
  }
  Spec spec;
  int mti_line = 0;
  int bitmap_line = 0;
  std::array<int, kFieldNumberMax + 1> field_lines = {};
  int line_number = 0;
  size_t at = 0;
  while (at < text.size()) {
    ++line_number;
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(at, end - at);
    at = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    Result<std::vector<Word>> words = SplitWords(line, line_number);
    if (!words.ok()) return words.status();
    if (words->empty()) continue;
    if ((*words)[0].quoted) return LineError(line_number, "a line starts with its directive");
    std::string_view directive = (*words)[0].text;
    std::span<const Word> arguments = std::span<const Word>(*words).subspan(1);
    if (directive == "mti" || directive == "bitmap") {
      bool is_mti = directive == "mti";
      int& seen_line = is_mti ? mti_line : bitmap_line;
      if (seen_line != 0) {
        return LineError(line_number, std::string(directive) + " given twice (first on line " +
                                          std::to_string(seen_line) + ")");
      }
      std::optional<Encoding> encoding;
      if (arguments.size() == 1 && !arguments[0].quoted) {
        encoding = ParseEncoding(arguments[0].text);
      }
      Encoding other = is_mti ? Encoding::kBinary : Encoding::kBcd;
      if (!encoding || *encoding == other) {
        return LineError(line_number,
                         is_mti ? "expected: mti ascii|bcd" : "expected: bitmap binary|ascii");
      }
      (is_mti ? spec.mti_encoding_ : spec.bitmap_encoding_) = *encoding;
      seen_line = line_number;
    } else if (directive == "field") {
      Result<FieldSpec> field = ParseField(arguments, line_number);
      if (!field.ok()) return field.status();
      int number = field->number;
      if (field_lines[number] != 0) {
        return LineError(line_number, "field " + std::to_string(number) +
                                          " defined twice (first on line " +
                                          std::to_string(field_lines[number]) + ")");
      }
      field_lines[number] = line_number;
      spec.fields_[number] = std::move(field).value();
    } else {
      return LineError(line_number,
                       "unknown directive '" + std::string(directive) + "' (mti, bitmap or field)");
    }
  }
  if (mti_line == 0) return Status::Invalid("invalid_spec", "the spec has no mti line");
  if (bitmap_line == 0) return Status::Invalid("invalid_spec", "the spec has no bitmap line");
  return spec;
}

Result<Spec> Spec::Load(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Status::NotFound("spec_not_found", path + ": cannot open");
  std::string text(kSpecBytesMax + 1, '\0');
  file.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (file.bad()) return Status::NotFound("spec_not_found", path + ": cannot read");
  text.resize(static_cast<size_t>(file.gcount()));
  Result<Spec> spec = Parse(text);
  if (!spec.ok()) {
    return Status::Invalid(spec.status().reason(), path + ": " + spec.status().message());
  }
  return spec;
}

const Spec& Spec::Ascii87() {
  static const Spec spec = ParseBuiltIn(kIso87AsciiSpecText, "iso87ascii.spec");
  return spec;
}

const Spec& Spec::Bcd87() {
  static const Spec spec = ParseBuiltIn(kIso87BcdSpecText, "iso87bcd.spec");
  return spec;
}

}  // namespace ebank::iso8583
