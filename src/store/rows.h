// Row mapping shared by the SQLite and PostgreSQL ledger stores. A Row is anything with
// Int64(column), Text(column) and IsNull(column).
#pragma once

#include <string>

#include "core/hash.h"
#include "ledger/store.h"

namespace ebank::store {

inline constexpr const char* kAccountColumns =
    "id, code, currency, side, floor, balance, held, updated_seq, last_posting_seq";
inline constexpr const char* kHoldColumns =
    "id, debit_account, credit_account, amount, expires_at_ms, state, posted_amount, closed_seq";
inline constexpr const char* kRequestColumns =
    "request_key, fingerprint, code, reason, message, result_id, seq";
inline constexpr const char* kJournalColumns = "seq, at_ms, body, hash";
inline constexpr const char* kPostingColumns = "account_id, seq, amount, balance_after, prev_seq";

// Errors for rows that cannot have been written by ebank.
Status CorruptRow(std::string_view table, std::string_view what);

template <typename Row>
Result<ledger::Account> AccountFromRow(const Row& row) {
  ledger::Account account;
  account.id = row.Int64(0);
  account.code = row.IsNull(1) ? std::string() : std::string(row.Text(1));
  auto currency = Currency::Parse(std::string(row.Text(2)));
  if (!currency.ok()) return CorruptRow("accounts", "currency");
  account.currency = *currency;
  account.side = row.Text(3) == "D" ? ledger::Side::kDebit : ledger::Side::kCredit;
  if (!row.IsNull(4)) account.floor = row.Int64(4);
  account.balance = row.Int64(5);
  account.held = row.Int64(6);
  account.updated_seq = row.Int64(7);
  account.last_posting_seq = row.Int64(8);
  return account;
}

template <typename Row>
Result<ledger::Hold> HoldFromRow(const Row& row) {
  ledger::Hold hold;
  hold.id = row.Int64(0);
  hold.debit_account = row.Int64(1);
  hold.credit_account = row.Int64(2);
  hold.amount = row.Int64(3);
  hold.expires_at_ms = row.Int64(4);
  auto state = ledger::ParseHoldState(std::string(row.Text(5)));
  if (!state) return CorruptRow("holds", "state");
  hold.state = *state;
  hold.posted_amount = row.Int64(6);
  hold.closed_seq = row.Int64(7);
  return hold;
}

template <typename Row>
Result<ledger::StoredRequest> RequestFromRow(const Row& row) {
  ledger::StoredRequest request;
  request.key = std::string(row.Text(0));
  if (!FromHex(std::string(row.Text(1)), &request.fingerprint)) {
    return CorruptRow("ledger_requests", "fingerprint");
  }
  request.outcome.status = Status::FromParts(ParseCode(std::string(row.Text(2))),
                                             std::string(row.Text(3)), std::string(row.Text(4)));
  request.outcome.id = row.Int64(5);
  request.outcome.seq = row.Int64(6);
  return request;
}

template <typename Row>
Result<ledger::JournalEntry> EntryFromRow(const Row& row) {
  ledger::JournalEntry entry;
  entry.seq = row.Int64(0);
  entry.at_ms = row.Int64(1);
  entry.body = std::string(row.Text(2));
  if (!FromHex(std::string(row.Text(3)), &entry.hash)) return CorruptRow("journal", "hash");
  return entry;
}

template <typename Row>
ledger::PostingRow PostingFromRow(const Row& row) {
  return ledger::PostingRow{row.Int64(0), row.Int64(1), row.Int64(2), row.Int64(3), row.Int64(4)};
}

template <typename Row>
Result<ledger::Head> HeadFromRow(const Row& row) {
  ledger::Head head;
  head.seq = row.Int64(0);
  if (!FromHex(std::string(row.Text(1)), &head.hash)) return CorruptRow("ledger_head", "hash");
  return head;
}

inline const char* SideText(ledger::Side side) {
  return side == ledger::Side::kDebit ? "D" : "C";
}

}  // namespace ebank::store
