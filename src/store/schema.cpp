#include "store/schema.h"

namespace ebank::store {
namespace {

// Ledger tables. Amounts are integers of minor units (credit-positive), hashes hex text.
// ledger_head is the one row writers lock: it serialises ledger writers across processes.
constexpr std::string_view kLedgerSqlite = R"sql(
CREATE TABLE ledger_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO ledger_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
CREATE TABLE journal (
  seq INTEGER PRIMARY KEY,
  at_ms INTEGER NOT NULL,
  body TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE TABLE accounts (
  id INTEGER PRIMARY KEY,
  code TEXT UNIQUE,
  currency TEXT NOT NULL,
  side TEXT NOT NULL CHECK (side IN ('C', 'D')),
  floor INTEGER,
  balance INTEGER NOT NULL,
  held INTEGER NOT NULL CHECK (held >= 0),
  updated_seq INTEGER NOT NULL,
  last_posting_seq INTEGER NOT NULL
);
CREATE TABLE postings (
  account_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  amount INTEGER NOT NULL,
  balance_after INTEGER NOT NULL,
  prev_seq INTEGER NOT NULL,
  PRIMARY KEY (seq, account_id)
) WITHOUT ROWID;
CREATE TABLE holds (
  id INTEGER PRIMARY KEY,
  debit_account INTEGER NOT NULL,
  credit_account INTEGER NOT NULL,
  amount INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  state TEXT NOT NULL,
  posted_amount INTEGER NOT NULL,
  closed_seq INTEGER NOT NULL
);
CREATE INDEX holds_pending_expiry ON holds (expires_at_ms) WHERE state = 'pending';
CREATE TABLE ledger_requests (
  request_key TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  code TEXT NOT NULL,
  reason TEXT NOT NULL,
  message TEXT NOT NULL,
  result_id INTEGER NOT NULL,
  seq INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

constexpr std::string_view kLedgerPostgresql = R"sql(
CREATE TABLE ledger_head (
  id BIGINT PRIMARY KEY CHECK (id = 1),
  seq BIGINT NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO ledger_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
CREATE TABLE journal (
  seq BIGINT PRIMARY KEY,
  at_ms BIGINT NOT NULL,
  body TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE TABLE accounts (
  id BIGINT PRIMARY KEY,
  code TEXT UNIQUE,
  currency TEXT NOT NULL,
  side TEXT NOT NULL CHECK (side IN ('C', 'D')),
  floor BIGINT,
  balance BIGINT NOT NULL,
  held BIGINT NOT NULL CHECK (held >= 0),
  updated_seq BIGINT NOT NULL,
  last_posting_seq BIGINT NOT NULL
);
CREATE TABLE postings (
  account_id BIGINT NOT NULL,
  seq BIGINT NOT NULL,
  amount BIGINT NOT NULL,
  balance_after BIGINT NOT NULL,
  prev_seq BIGINT NOT NULL,
  PRIMARY KEY (seq, account_id)
);
CREATE TABLE holds (
  id BIGINT PRIMARY KEY,
  debit_account BIGINT NOT NULL,
  credit_account BIGINT NOT NULL,
  amount BIGINT NOT NULL,
  expires_at_ms BIGINT NOT NULL,
  state TEXT NOT NULL,
  posted_amount BIGINT NOT NULL,
  closed_seq BIGINT NOT NULL
);
CREATE INDEX holds_pending_expiry ON holds (expires_at_ms) WHERE state = 'pending';
CREATE TABLE ledger_requests (
  request_key TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  code TEXT NOT NULL,
  reason TEXT NOT NULL,
  message TEXT NOT NULL,
  result_id BIGINT NOT NULL,
  seq BIGINT NOT NULL
);
)sql";

}  // namespace

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> migrations = {
      {1, "ledger", kLedgerSqlite, kLedgerPostgresql},
  };
  return migrations;
}

}  // namespace ebank::store
