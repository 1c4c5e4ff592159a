#include "ledger/journal.h"

#include <charconv>
#include <vector>

namespace ebank::ledger {
namespace {

template <typename... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <typename... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

std::string FloorText(const std::optional<int64_t>& floor) {
  return floor ? std::to_string(*floor) : "-";
}

Status Corrupt(std::string_view body, std::string_view why) {
  return Status::Internal("journal_corrupt",
                          std::string(why) + " in entry '" + std::string(body.substr(0, 80)) + "'");
}

bool ParseInt(std::string_view text, int64_t* value) {
  if (text.empty()) return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return error == std::errc() && end == text.data() + text.size();
}

std::vector<std::string_view> SplitSpaces(std::string_view text) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

// Reads "name=value" into value; false when the token is another field.
bool Field(std::string_view token, std::string_view name, std::string_view* value) {
  if (token.size() <= name.size() || token.substr(0, name.size()) != name ||
      token[name.size()] != '=') {
    return false;
  }
  *value = token.substr(name.size() + 1);
  return true;
}

bool IntField(std::string_view token, std::string_view name, int64_t* value) {
  std::string_view text;
  return Field(token, name, &text) && ParseInt(text, value);
}

}  // namespace

std::string EscapeField(std::string_view text) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f || c == '%' || c == '=') {
      out += '%';
      out += kDigits[byte >> 4];
      out += kDigits[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

Result<std::string> UnescapeField(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) {
      return Status::Internal("journal_corrupt", "truncated escape");
    }
    int high = nibble(text[i + 1]);
    int low = nibble(text[i + 2]);
    if (high < 0 || low < 0) return Status::Internal("journal_corrupt", "bad escape");
    out += static_cast<char>(high << 4 | low);
    i += 2;
  }
  return out;
}

std::string CanonicalText(const Command& command) {
  return std::visit(
      Overloaded{
          [](const OpenAccount& open) {
            return "open cur=" + std::string(open.currency.code()) +
                   " side=" + (open.side == Side::kCredit ? "C" : "D") +
                   " floor=" + FloorText(open.floor) + " code=" + EscapeField(open.code);
          },
          [](const Transfer& transfer) {
            std::string text = "xfer";
            for (const Posting& posting : transfer.postings) {
              text += ' ';
              text += std::to_string(posting.account);
              text += ':';
              text += std::to_string(posting.amount);
              if (posting.currency) {
                text += ':';
                text += posting.currency->code();
              }
            }
            text += " memo=";
            text += EscapeField(transfer.memo);
            return text;
          },
          [](const CreateHold& hold) {
            return "hold d=" + std::to_string(hold.debit_account) +
                   " c=" + std::to_string(hold.credit_account) +
                   " a=" + std::to_string(hold.amount) +
                   " exp=" + std::to_string(hold.expires_at_ms) +
                   (hold.currency ? " cur=" + std::string(hold.currency->code()) : "");
          },
          [](const PostHold& post) {
            return "post h=" + std::to_string(post.hold) + " a=" + std::to_string(post.amount);
          },
          [](const VoidHold& void_hold) { return "void h=" + std::to_string(void_hold.hold); },
          [](const ExpireHolds&) { return std::string("expire-due"); },
      },
      command);
}

std::string ExpireText(HoldId hold) {
  return "expire h=" + std::to_string(hold);
}

Digest EntryHash(const Digest& previous, Seq seq, int64_t at_ms, std::string_view body) {
  std::string text = std::to_string(seq);
  text += '|';
  text += std::to_string(at_ms);
  text += '|';
  text += body;
  return Sha256(std::string_view(reinterpret_cast<const char*>(previous.data()), previous.size()),
                text);
}

Result<Event> DecodeBody(std::string_view body) {
  std::vector<std::string_view> tokens = SplitSpaces(body);
  Event event{};
  std::string_view kind = tokens[0];
  if (kind == "open" && tokens.size() == 5) {
    event.kind = Event::Kind::kOpen;
    std::string_view currency, side, floor, code;
    if (!Field(tokens[1], "cur", &currency) || !Field(tokens[2], "side", &side) ||
        !Field(tokens[3], "floor", &floor) || !Field(tokens[4], "code", &code)) {
      return Corrupt(body, "bad open fields");
    }
    auto parsed_currency = Currency::Parse(currency);
    if (!parsed_currency.ok()) return Corrupt(body, "unknown currency");
    event.open.currency = *parsed_currency;
    if (side != "C" && side != "D") return Corrupt(body, "bad side");
    event.open.side = side == "C" ? Side::kCredit : Side::kDebit;
    if (floor != "-") {
      int64_t value;
      if (!ParseInt(floor, &value)) return Corrupt(body, "bad floor");
      event.open.floor = value;
    }
    auto unescaped = UnescapeField(code);
    if (!unescaped.ok()) return Corrupt(body, "bad code");
    event.open.code = std::move(*unescaped);
    return event;
  }
  if (kind == "xfer" && tokens.size() >= 2) {
    event.kind = Event::Kind::kTransfer;
    for (size_t i = 1; i + 1 < tokens.size(); ++i) {
      std::string_view token = tokens[i];
      size_t colon = token.find(':');
      size_t second = colon == std::string_view::npos ? colon : token.find(':', colon + 1);
      Posting posting;
      if (colon == std::string_view::npos || !ParseInt(token.substr(0, colon), &posting.account) ||
          !ParseInt(token.substr(colon + 1, second - colon - 1), &posting.amount)) {
        return Corrupt(body, "bad posting");
      }
      if (second != std::string_view::npos) {
        auto currency = Currency::Parse(token.substr(second + 1));
        if (!currency.ok()) return Corrupt(body, "bad posting currency");
        posting.currency = *currency;
      }
      event.transfer.postings.push_back(posting);
    }
    std::string_view memo;
    if (!Field(tokens.back(), "memo", &memo)) return Corrupt(body, "missing memo");
    auto unescaped = UnescapeField(memo);
    if (!unescaped.ok()) return Corrupt(body, "bad memo");
    event.transfer.memo = std::move(*unescaped);
    return event;
  }
  if (kind == "hold" && (tokens.size() == 5 || tokens.size() == 6)) {
    event.kind = Event::Kind::kHold;
    if (!IntField(tokens[1], "d", &event.hold.debit_account) ||
        !IntField(tokens[2], "c", &event.hold.credit_account) ||
        !IntField(tokens[3], "a", &event.hold.amount) ||
        !IntField(tokens[4], "exp", &event.hold.expires_at_ms)) {
      return Corrupt(body, "bad hold fields");
    }
    if (tokens.size() == 6) {
      std::string_view code;
      if (!Field(tokens[5], "cur", &code)) return Corrupt(body, "bad hold currency");
      auto currency = Currency::Parse(code);
      if (!currency.ok()) return Corrupt(body, "bad hold currency");
      event.hold.currency = *currency;
    }
    return event;
  }
  if (kind == "post" && tokens.size() == 3) {
    event.kind = Event::Kind::kPost;
    if (!IntField(tokens[1], "h", &event.hold_id) || !IntField(tokens[2], "a", &event.amount)) {
      return Corrupt(body, "bad post fields");
    }
    return event;
  }
  if ((kind == "void" || kind == "expire") && tokens.size() == 2) {
    event.kind = kind == "void" ? Event::Kind::kVoid : Event::Kind::kExpire;
    if (!IntField(tokens[1], "h", &event.hold_id)) return Corrupt(body, "bad hold id");
    return event;
  }
  return Corrupt(body, "unknown entry kind");
}

}  // namespace ebank::ledger
