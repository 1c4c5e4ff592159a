#include "store/schema.h"

#include <string>

namespace ebank::store {
namespace {

// On tables written at every request, a check of three or more values is a chain of
// equalities, not `IN (...)`: SQLite builds a temporary index for such an IN list at every
// statement that writes the column (migration 13).

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

// Customers, products, the bank's account records, staff, sessions and the audit log
// (CORE-1, CORE-2, SVC-1, SEC-10). Written once with tokens the two dialects differ in:
// @ID@ an auto-assigned primary key, @INT@ a 64-bit integer.
constexpr std::string_view kCustomersTemplate = R"sql(
CREATE TABLE customers (
  id @ID@,
  number TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('individual', 'company')),
  name TEXT NOT NULL,
  id_type TEXT NOT NULL CHECK (id_type IN ('resident_id', 'credit_code')),
  id_number TEXT NOT NULL,
  mobile TEXT NOT NULL,
  address TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at_ms @INT@ NOT NULL,
  UNIQUE (id_type, id_number)
);
CREATE TABLE products (
  code TEXT PRIMARY KEY,
  name_zh TEXT NOT NULL,
  name_en TEXT NOT NULL,
  kind TEXT NOT NULL,
  currency TEXT NOT NULL,
  account_class @INT@ NOT NULL,
  credit_limit_minor @INT@ NOT NULL,
  number_prefix TEXT NOT NULL
);
CREATE TABLE bank_accounts (
  number TEXT PRIMARY KEY,
  customer_id @INT@ NOT NULL REFERENCES customers (id),
  product_code TEXT NOT NULL REFERENCES products (code),
  ledger_account_id @INT@ NOT NULL UNIQUE,
  account_class @INT@ NOT NULL,
  status TEXT NOT NULL,
  bound_number TEXT,
  opened_at_ms @INT@ NOT NULL
);
CREATE INDEX bank_accounts_customer ON bank_accounts (customer_id);
CREATE UNIQUE INDEX bank_accounts_one_class_one ON bank_accounts (customer_id)
  WHERE account_class = 1 AND status <> 'closed';
CREATE TABLE account_numbers (
  prefix TEXT PRIMARY KEY,
  next_serial @INT@ NOT NULL
);
CREATE TABLE staff (
  id @ID@,
  login TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  failed_logins @INT@ NOT NULL,
  locked_until_ms @INT@ NOT NULL,
  created_at_ms @INT@ NOT NULL
);
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  subject_kind TEXT NOT NULL CHECK (subject_kind IN ('customer', 'staff')),
  subject_id @INT@ NOT NULL,
  strength @INT@ NOT NULL,
  created_at_ms @INT@ NOT NULL,
  last_seen_at_ms @INT@ NOT NULL,
  expires_at_ms @INT@ NOT NULL,
  revoked_at_ms @INT@,
  client TEXT NOT NULL
);
CREATE INDEX sessions_subject ON sessions (subject_kind, subject_id);
CREATE TABLE audit_log (
  id @ID@,
  at_ms @INT@ NOT NULL,
  actor_kind TEXT NOT NULL,
  actor_id @INT@ NOT NULL,
  channel TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  outcome TEXT NOT NULL,
  detail TEXT NOT NULL
);
INSERT INTO products VALUES ('DEMAND_CARD_I', '借记卡活期储蓄(Ⅰ类)', 'Debit card demand savings (class I)', 'debit_card', 'CNY', 1, 0, '622588');
INSERT INTO products VALUES ('DEMAND_CARD_II', '借记卡活期储蓄(Ⅱ类)', 'Debit card demand savings (class II)', 'debit_card', 'CNY', 2, 0, '622589');
INSERT INTO products VALUES ('DEMAND_CARD_III', '电子账户(Ⅲ类)', 'Electronic account (class III)', 'debit_card', 'CNY', 3, 0, '622590');
INSERT INTO products VALUES ('PASSBOOK', '活期储蓄存折', 'Demand savings passbook', 'passbook', 'CNY', 1, 0, '1001');
INSERT INTO products VALUES ('USD_SAVINGS', '美元活期储蓄', 'USD demand savings', 'passbook', 'USD', 0, 0, '1002');
INSERT INTO products VALUES ('CREDIT_CARD', '信用卡', 'Credit card', 'credit_card', 'CNY', 0, 5000000, '625802');
INSERT INTO products VALUES ('CREDIT_CARD_USD', '信用卡(美元)', 'Credit card (USD)', 'credit_card', 'USD', 0, 500000, '625803');
)sql";

// E-banking signing, security tools, login and payment challenges, payees, payments, daily
// limit usage and the transactional outbox (SVC-1, SEC-1 to SEC-8, PAY-1, PAY-2).
constexpr std::string_view kSigningTemplate = R"sql(
CREATE TABLE signings (
  customer_id @INT@ PRIMARY KEY REFERENCES customers (id),
  login_id TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  reserved_info TEXT NOT NULL,
  channels TEXT NOT NULL,
  failed_logins @INT@ NOT NULL,
  locked_until_ms @INT@ NOT NULL,
  alert_threshold_minor @INT@ NOT NULL,
  alert_channels TEXT NOT NULL,
  created_at_ms @INT@ NOT NULL
);
CREATE TABLE credentials (
  id @ID@,
  customer_id @INT@ NOT NULL REFERENCES customers (id),
  kind TEXT NOT NULL CHECK (kind IN ('totp', 'password_card', 'ukey')),
  state TEXT NOT NULL CHECK (state IN ('active', 'revoked', 'worn_out')),
  secret TEXT NOT NULL,
  uses @INT@ NOT NULL,
  last_step @INT@ NOT NULL,
  label TEXT NOT NULL,
  created_at_ms @INT@ NOT NULL
);
CREATE INDEX credentials_customer ON credentials (customer_id, kind, state);
CREATE TABLE challenges (
  id TEXT PRIMARY KEY,
  customer_id @INT@ NOT NULL,
  purpose TEXT NOT NULL CHECK (purpose IN ('login', 'payment', 'signup')),
  tool TEXT NOT NULL,
  subject TEXT NOT NULL,
  secret TEXT NOT NULL,
  expires_at_ms @INT@ NOT NULL,
  attempts @INT@ NOT NULL,
  used_at_ms @INT@
);
CREATE TABLE payees (
  id @ID@,
  customer_id @INT@ NOT NULL REFERENCES customers (id),
  name TEXT NOT NULL,
  account_number TEXT NOT NULL,
  created_at_ms @INT@ NOT NULL,
  UNIQUE (customer_id, account_number)
);
CREATE TABLE payments (
  id @ID@,
  customer_id @INT@ NOT NULL REFERENCES customers (id),
  idempotency_key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  from_account TEXT NOT NULL,
  to_account TEXT NOT NULL,
  amount_minor @INT@ NOT NULL,
  currency TEXT NOT NULL,
  memo TEXT NOT NULL,
  channel TEXT NOT NULL,
  status TEXT NOT NULL,
  tool TEXT NOT NULL,
  challenge_id TEXT,
  ledger_seq @INT@ NOT NULL,
  failure TEXT NOT NULL,
  created_at_ms @INT@ NOT NULL,
  UNIQUE (customer_id, idempotency_key)
);
CREATE TABLE limit_usage (
  customer_id @INT@ NOT NULL,
  day TEXT NOT NULL,
  used_minor @INT@ NOT NULL,
  PRIMARY KEY (customer_id, day)
);
CREATE TABLE outbox (
  id @ID@,
  kind TEXT NOT NULL,
  destination TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at_ms @INT@ NOT NULL,
  sent_at_ms @INT@,
  attempts @INT@ NOT NULL
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at_ms IS NULL;
)sql";

// Limits configured by the bank (SEC-7, CORE-2): per authentication tool for a product or
// one customer, replacing the built-in defaults; what each class II/III account has used
// of its daily and yearly caps; and since when a payment's money has been moving (a retry
// meanwhile is told it is in flight).
constexpr const char* kLimitsTemplate = R"sql(
CREATE TABLE tool_limits (
  scope TEXT NOT NULL,
  tool TEXT NOT NULL,
  per_transaction_minor @INT@ NOT NULL CHECK (per_transaction_minor >= 0),
  daily_minor @INT@ NOT NULL CHECK (daily_minor >= 0),
  updated_at_ms @INT@ NOT NULL,
  PRIMARY KEY (scope, tool)
);
CREATE TABLE account_usage (
  account_number TEXT NOT NULL,
  period TEXT NOT NULL,
  used_minor @INT@ NOT NULL,
  PRIMARY KEY (account_number, period)
);
ALTER TABLE payments ADD COLUMN executing_since_ms @INT@ NOT NULL DEFAULT 0;
)sql";

// Scheduled transfers and standing orders (PAY-3): what the customer set up and
// authenticated once, and one row per run (its date is unique per schedule, so two
// schedulers record a run once). Dates are China Standard Time "YYYY-MM-DD"; next_date is
// '' once nothing more is due, until_date '' and runs_max 0 when unbounded.
constexpr const char* kScheduledTemplate = R"sql(
CREATE TABLE scheduled_transfers (
  id @ID@,
  customer_id @INT@ NOT NULL REFERENCES customers (id),
  idempotency_key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  from_account TEXT NOT NULL,
  to_account TEXT NOT NULL,
  amount_minor @INT@ NOT NULL CHECK (amount_minor > 0),
  currency TEXT NOT NULL,
  memo TEXT NOT NULL,
  frequency TEXT NOT NULL CHECK (frequency IN ('once', 'weekly', 'monthly')),
  first_date TEXT NOT NULL,
  until_date TEXT NOT NULL,
  runs_max @INT@ NOT NULL CHECK (runs_max >= 0),
  status TEXT NOT NULL CHECK (status IN ('sca_required', 'active', 'finished', 'cancelled')),
  tool TEXT NOT NULL,
  next_date TEXT NOT NULL,
  runs_done @INT@ NOT NULL,
  created_at_ms @INT@ NOT NULL,
  cancelled_at_ms @INT@ NOT NULL,
  UNIQUE (customer_id, idempotency_key)
);
CREATE INDEX scheduled_transfers_due ON scheduled_transfers (status, next_date);
CREATE INDEX scheduled_transfers_customer ON scheduled_transfers (customer_id, id);
CREATE TABLE scheduled_runs (
  schedule_id @INT@ NOT NULL REFERENCES scheduled_transfers (id),
  run_date TEXT NOT NULL,
  payment_id @INT@ NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('completed', 'failed')),
  failure TEXT NOT NULL,
  at_ms @INT@ NOT NULL,
  PRIMARY KEY (schedule_id, run_date)
);
)sql";

// The customer's inbox (SEC-8): one row per balance change of an account whose owner has
// e-banking signing, in structured fields (the page renders it in either language), pushed
// to open pages and listed newest first. read_at_ms is NULL until the customer reads it.
constexpr const char* kNotificationsTemplate = R"sql(
CREATE TABLE notifications (
  id @ID@,
  customer_id @INT@ NOT NULL REFERENCES customers (id),
  kind TEXT NOT NULL CHECK (kind IN ('balance')),
  direction TEXT NOT NULL CHECK (direction IN ('credit', 'debit')),
  amount_minor @INT@ NOT NULL CHECK (amount_minor > 0),
  currency TEXT NOT NULL,
  account_tail TEXT NOT NULL,
  balance_after_minor @INT@ NOT NULL,
  at_ms @INT@ NOT NULL,
  read_at_ms @INT@
);
CREATE INDEX notifications_customer ON notifications (customer_id, id);
)sql";

// The organisation and maker/checker (BO-1, CH-CTR): units in a tree whose materialised
// path ("/1/4/9/") makes a subtree one prefix; staff, customers and accounts belong to a
// unit (all existing rows to the head office this creates); and staff actions waiting for
// a second staff member's approval. An approval is claimed from 'pending' in the same
// transaction that carries it out; 'failed' is an approved action a rule refused when it
// ran (nothing changed). decided_at_ms is 0 while pending.
constexpr const char* kOrganisationTemplate = R"sql(
CREATE TABLE units (
  id @ID@,
  code TEXT NOT NULL UNIQUE,
  name_zh TEXT NOT NULL,
  name_en TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('head_office', 'branch', 'sub_branch', 'outlet')),
  parent_id @INT@ REFERENCES units (id),
  path TEXT NOT NULL,
  cash_account_id @INT@,
  created_at_ms @INT@ NOT NULL
);
CREATE INDEX units_path ON units (path);
CREATE UNIQUE INDEX units_one_head_office ON units (kind) WHERE kind = 'head_office';
INSERT INTO units (code, name_zh, name_en, kind, parent_id, path, cash_account_id, created_at_ms)
  VALUES ('HO', '总行', 'Head office', 'head_office', NULL, '', NULL, 0);
UPDATE units SET path = '/' || CAST(id AS TEXT) || '/' WHERE code = 'HO';
ALTER TABLE staff ADD COLUMN unit_id @INT@ REFERENCES units (id);
ALTER TABLE customers ADD COLUMN unit_id @INT@ REFERENCES units (id);
ALTER TABLE bank_accounts ADD COLUMN unit_id @INT@ REFERENCES units (id);
UPDATE staff SET unit_id = (SELECT id FROM units WHERE code = 'HO');
UPDATE customers SET unit_id = (SELECT id FROM units WHERE code = 'HO');
UPDATE bank_accounts SET unit_id = (SELECT id FROM units WHERE code = 'HO');
CREATE INDEX customers_unit ON customers (unit_id);
CREATE INDEX bank_accounts_unit ON bank_accounts (unit_id);
CREATE TABLE approvals (
  id @ID@,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  unit_id @INT@ NOT NULL REFERENCES units (id),
  maker_staff_id @INT@ NOT NULL REFERENCES staff (id),
  idempotency_key TEXT,
  fingerprint TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected', 'expired', 'failed')),
  checker_staff_id @INT@ REFERENCES staff (id),
  created_at_ms @INT@ NOT NULL,
  expires_at_ms @INT@ NOT NULL,
  decided_at_ms @INT@ NOT NULL,
  outcome TEXT NOT NULL,
  ledger_seq @INT@ NOT NULL,
  UNIQUE (maker_staff_id, idempotency_key)
);
CREATE INDEX approvals_pending ON approvals (state, unit_id);
)sql";

// The back office (BO-2, BO-3, BO-5): fee schedules with per-channel discounts and every
// fee charged (the ledger holds the money, moved from the customer to the unit's fee
// income account; a row here says which fee, unit, channel and staff member it was for,
// written in the same transaction: this is where e-banking revenue is counted from; a
// periodic fee's period makes a second charge for it impossible); the unit's fee income
// account; KPI targets per unit and year; the U-key inventory and issue register
// (USBKey登记簿); and indexes for the KPI queries, which read by time.
constexpr const char* kBackOfficeTemplate = R"sql(
CREATE TABLE fee_schedules (
  code TEXT PRIMARY KEY,
  name_zh TEXT NOT NULL,
  name_en TEXT NOT NULL,
  amount_minor @INT@ NOT NULL CHECK (amount_minor >= 0),
  currency TEXT NOT NULL,
  ebanking @INT@ NOT NULL CHECK (ebanking IN (0, 1)),
  updated_at_ms @INT@ NOT NULL
);
CREATE TABLE fee_discounts (
  fee_code TEXT NOT NULL REFERENCES fee_schedules (code),
  channel TEXT NOT NULL,
  percent_off @INT@ NOT NULL CHECK (percent_off >= 0 AND percent_off <= 100),
  PRIMARY KEY (fee_code, channel)
);
CREATE TABLE fee_charges (
  id @ID@,
  fee_code TEXT NOT NULL REFERENCES fee_schedules (code),
  customer_id @INT@ NOT NULL REFERENCES customers (id),
  account_number TEXT NOT NULL,
  unit_id @INT@ NOT NULL REFERENCES units (id),
  channel TEXT NOT NULL,
  staff_id @INT@,
  amount_minor @INT@ NOT NULL CHECK (amount_minor > 0),
  currency TEXT NOT NULL,
  ebanking @INT@ NOT NULL CHECK (ebanking IN (0, 1)),
  period TEXT NOT NULL,
  ledger_seq @INT@ NOT NULL,
  at_ms @INT@ NOT NULL
);
CREATE UNIQUE INDEX fee_charges_once ON fee_charges (fee_code, account_number, period)
  WHERE period <> '';
CREATE INDEX fee_charges_at ON fee_charges (at_ms);
ALTER TABLE units ADD COLUMN fee_account_id @INT@;
CREATE TABLE kpi_targets (
  unit_id @INT@ NOT NULL REFERENCES units (id),
  year TEXT NOT NULL,
  metric TEXT NOT NULL,
  target TEXT NOT NULL,
  updated_at_ms @INT@ NOT NULL,
  PRIMARY KEY (unit_id, year, metric)
);
CREATE TABLE ukeys (
  serial TEXT PRIMARY KEY,
  state TEXT NOT NULL CHECK (state IN ('in_stock', 'issued')),
  unit_id @INT@ NOT NULL REFERENCES units (id),
  customer_id @INT@ REFERENCES customers (id),
  staff_id @INT@ REFERENCES staff (id),
  approval_id @INT@,
  received_at_ms @INT@ NOT NULL,
  issued_at_ms @INT@
);
CREATE INDEX ukeys_unit ON ukeys (unit_id, state);
CREATE INDEX payments_created ON payments (created_at_ms);
CREATE INDEX payments_customer_created ON payments (customer_id, created_at_ms);
CREATE INDEX sessions_subject_created ON sessions (subject_kind, subject_id, created_at_ms);
CREATE INDEX approvals_decided ON approvals (decided_at_ms);
INSERT INTO fee_schedules VALUES ('ukey', 'U盾工本费', 'U-key fee', 6000, 'CNY', 1, 0);
INSERT INTO fee_schedules VALUES ('password_card', '口令卡工本费', 'Password card fee', 200, 'CNY', 1, 0);
INSERT INTO fee_schedules VALUES ('sms_alert_monthly', '短信提醒服务月费', 'SMS alert monthly fee', 200, 'CNY', 1, 0);
INSERT INTO fee_schedules VALUES ('transfer_other_bank', '跨行转账手续费', 'Inter-bank transfer fee', 500, 'CNY', 1, 0);
INSERT INTO fee_schedules VALUES ('card_annual', '借记卡年费', 'Debit card annual fee', 1000, 'CNY', 0, 0);
INSERT INTO fee_discounts VALUES ('transfer_other_bank', 'web', 20);
INSERT INTO fee_discounts VALUES ('transfer_other_bank', 'mobile', 100);
INSERT INTO fee_discounts VALUES ('ukey', 'web', 50);
)sql";

// The customer manager's workbench and the back office's registers (BO-4, BO-6, BO-7,
// SVC-3): who signed each customer up at the counter (campaigns credit them); campaigns
// over a unit and period; the large-fund-movement threshold per unit; and cases (差错,
// disputes, complaints, inspection findings 检查发现 with their rectification) with every
// change of state kept, so nothing about a case is ever lost.
constexpr const char* kWorkbenchTemplate = R"sql(
ALTER TABLE signings ADD COLUMN staff_id @INT@ REFERENCES staff (id);
CREATE INDEX signings_staff ON signings (staff_id, created_at_ms);
CREATE INDEX fee_charges_staff ON fee_charges (staff_id, at_ms);
CREATE TABLE campaigns (
  id @ID@,
  name TEXT NOT NULL,
  unit_id @INT@ NOT NULL REFERENCES units (id),
  from_date TEXT NOT NULL,
  to_date TEXT NOT NULL,
  created_by @INT@ NOT NULL REFERENCES staff (id),
  created_at_ms @INT@ NOT NULL
);
CREATE TABLE large_movement_thresholds (
  unit_id @INT@ PRIMARY KEY REFERENCES units (id),
  threshold_minor @INT@ NOT NULL CHECK (threshold_minor > 0),
  updated_at_ms @INT@ NOT NULL
);
CREATE TABLE cases (
  id @ID@,
  kind TEXT NOT NULL CHECK (kind IN ('card_error', 'dispute', 'complaint', 'finding')),
  unit_id @INT@ NOT NULL REFERENCES units (id),
  customer_id @INT@ REFERENCES customers (id),
  title TEXT NOT NULL,
  detail TEXT NOT NULL,
  source TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('open', 'investigating', 'resolved', 'closed')),
  owner_staff_id @INT@ NOT NULL REFERENCES staff (id),
  deadline_date TEXT NOT NULL,
  created_by @INT@ NOT NULL REFERENCES staff (id),
  created_at_ms @INT@ NOT NULL,
  updated_at_ms @INT@ NOT NULL
);
CREATE INDEX cases_unit ON cases (unit_id, state);
CREATE TABLE case_events (
  id @ID@,
  case_id @INT@ NOT NULL REFERENCES cases (id),
  at_ms @INT@ NOT NULL,
  staff_id @INT@ NOT NULL REFERENCES staff (id),
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  note TEXT NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, id);
)sql";

// Cards and the card host (CARD-1, CARD-2, CH-ATM, CH-POS, BO-5): cards are known by a
// keyed token of their PAN and its last four digits, never the PAN; a PIN by its keyed
// verification value, never the PIN or its block. Terminals (ATM, CRS, POS) and merchants
// are the back office's registers; every ISO 8583 transaction is one card_transactions row,
// unique per terminal, local date and STAN (so a retransmission or a reversal finds it),
// written in the same database transaction as its money. A settlement compares a
// terminal's batch totals with the host's.
constexpr const char* kCardsTemplate = R"sql(
CREATE TABLE cards (
  id @ID@,
  pan_token TEXT NOT NULL UNIQUE,
  last_four TEXT NOT NULL,
  bin TEXT NOT NULL,
  account_number TEXT NOT NULL REFERENCES bank_accounts (number),
  customer_id @INT@ NOT NULL REFERENCES customers (id),
  expiry TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'lost', 'frozen', 'closed')),
  pin_verifier TEXT NOT NULL,
  pin_failures @INT@ NOT NULL,
  pin_failure_day TEXT NOT NULL,
  atm_enabled @INT@ NOT NULL,
  pos_enabled @INT@ NOT NULL,
  atm_daily_minor @INT@ NOT NULL CHECK (atm_daily_minor >= 0),
  pos_daily_minor @INT@ NOT NULL CHECK (pos_daily_minor >= 0),
  issued_at_ms @INT@ NOT NULL
);
CREATE INDEX cards_account ON cards (account_number);
CREATE INDEX cards_customer ON cards (customer_id);
CREATE TABLE card_usage (
  card_id @INT@ NOT NULL REFERENCES cards (id),
  period TEXT NOT NULL,
  used_minor @INT@ NOT NULL,
  PRIMARY KEY (card_id, period)
);
CREATE TABLE merchants (
  id @ID@,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  category TEXT NOT NULL,
  unit_id @INT@ NOT NULL REFERENCES units (id),
  account_number TEXT NOT NULL REFERENCES bank_accounts (number),
  mdr_bp @INT@ NOT NULL CHECK (mdr_bp >= 0 AND mdr_bp <= 1000),
  address TEXT NOT NULL,
  created_at_ms @INT@ NOT NULL
);
CREATE TABLE merchant_visits (
  id @ID@,
  merchant_id @INT@ NOT NULL REFERENCES merchants (id),
  staff_id @INT@ NOT NULL REFERENCES staff (id),
  visited_at_ms @INT@ NOT NULL,
  note TEXT NOT NULL
);
CREATE INDEX merchant_visits_merchant ON merchant_visits (merchant_id, visited_at_ms);
CREATE TABLE terminals (
  id @ID@,
  code TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('atm', 'crs', 'pos')),
  unit_id @INT@ NOT NULL REFERENCES units (id),
  merchant_id @INT@ REFERENCES merchants (id),
  location TEXT NOT NULL,
  keeper_staff_id @INT@ NOT NULL REFERENCES staff (id),
  pin_key_sealed TEXT NOT NULL,
  pin_key_check TEXT NOT NULL,
  cash_account_id @INT@,
  status TEXT NOT NULL CHECK (status IN ('active', 'retired')),
  batch @INT@ NOT NULL,
  last_activity_ms @INT@,
  created_at_ms @INT@ NOT NULL
);
CREATE TABLE card_transactions (
  id @ID@,
  terminal_id @INT@ NOT NULL REFERENCES terminals (id),
  local_date TEXT NOT NULL,
  stan TEXT NOT NULL,
  kind TEXT NOT NULL,
  card_id @INT@ REFERENCES cards (id),
  last_four TEXT NOT NULL,
  amount_minor @INT@ NOT NULL,
  currency TEXT NOT NULL,
  fee_minor @INT@ NOT NULL,
  response TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  original_id @INT@,
  ledger_seq @INT@ NOT NULL,
  hold_id @INT@ NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('approved', 'declined', 'reversed', 'completed',
                                       'reversal_unmatched')),
  batch @INT@ NOT NULL,
  at_ms @INT@ NOT NULL,
  reversed_at_ms @INT@,
  payee_account_id @INT@,
  UNIQUE (terminal_id, local_date, stan)
);
CREATE INDEX card_transactions_batch ON card_transactions (terminal_id, batch);
CREATE INDEX card_transactions_card ON card_transactions (card_id, at_ms);
CREATE INDEX card_transactions_at ON card_transactions (at_ms);
CREATE TABLE terminal_settlements (
  id @ID@,
  terminal_id @INT@ NOT NULL REFERENCES terminals (id),
  batch @INT@ NOT NULL,
  host_debits @INT@ NOT NULL,
  host_debits_minor @INT@ NOT NULL,
  host_credits @INT@ NOT NULL,
  host_credits_minor @INT@ NOT NULL,
  terminal_debits @INT@ NOT NULL,
  terminal_debits_minor @INT@ NOT NULL,
  terminal_credits @INT@ NOT NULL,
  terminal_credits_minor @INT@ NOT NULL,
  matched @INT@ NOT NULL,
  case_id @INT@ REFERENCES cases (id),
  at_ms @INT@ NOT NULL,
  UNIQUE (terminal_id, batch)
);
INSERT INTO fee_schedules VALUES ('atm_other_bank', '跨行取款手续费', 'Cross-bank ATM withdrawal fee', 400, 'CNY', 1, 0);
INSERT INTO fee_schedules VALUES ('pos_mdr', '收单商户手续费', 'POS merchant discount (MDR)', 0, 'CNY', 0, 0);
)sql";

std::string Expand(std::string_view text, std::string_view id, std::string_view integer) {
  std::string out(text);
  for (auto [token, value] :
       {std::pair{std::string_view("@ID@"), id}, std::pair{std::string_view("@INT@"), integer}}) {
    for (size_t at = out.find(token); at != std::string::npos; at = out.find(token, at)) {
      out.replace(at, token.size(), value);
      at += value.size();
    }
  }
  return out;
}

std::string ForSqlite(std::string_view text) {
  return Expand(text, "INTEGER PRIMARY KEY", "INTEGER");
}

std::string ForPostgresql(std::string_view text) {
  return Expand(text, "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "BIGINT");
}

}  // namespace

constexpr const char* kCardIndexesChange = R"sql(
DROP INDEX card_transactions_card;
CREATE INDEX card_transactions_original ON card_transactions (original_id)
  WHERE original_id IS NOT NULL;
)sql";

// SQLite checks `x IN ('a', 'b', 'c', ...)` by building a temporary index at every statement
// that writes the column: card_transactions' state check cost every authorisation a temporary
// b-tree. The same check as a chain of equalities needs none. SQLite cannot alter a check, so
// the table is rebuilt (nothing references it); PostgreSQL's check was never slow.
constexpr const char* kCardStateCheckSqlite = R"sql(
CREATE TABLE card_transactions_rebuilt (
  id INTEGER PRIMARY KEY,
  terminal_id INTEGER NOT NULL REFERENCES terminals (id),
  local_date TEXT NOT NULL,
  stan TEXT NOT NULL,
  kind TEXT NOT NULL,
  card_id INTEGER REFERENCES cards (id),
  last_four TEXT NOT NULL,
  amount_minor INTEGER NOT NULL,
  currency TEXT NOT NULL,
  fee_minor INTEGER NOT NULL,
  response TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  original_id INTEGER,
  ledger_seq INTEGER NOT NULL,
  hold_id INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state = 'approved' OR state = 'declined' OR state = 'reversed' OR
                             state = 'completed' OR state = 'reversal_unmatched'),
  batch INTEGER NOT NULL,
  at_ms INTEGER NOT NULL,
  reversed_at_ms INTEGER,
  payee_account_id INTEGER,
  UNIQUE (terminal_id, local_date, stan)
);
INSERT INTO card_transactions_rebuilt SELECT id, terminal_id, local_date, stan, kind, card_id,
  last_four, amount_minor, currency, fee_minor, response, fingerprint, original_id, ledger_seq,
  hold_id, state, batch, at_ms, reversed_at_ms, payee_account_id FROM card_transactions;
DROP TABLE card_transactions;
ALTER TABLE card_transactions_rebuilt RENAME TO card_transactions;
CREATE INDEX card_transactions_batch ON card_transactions (terminal_id, batch);
CREATE INDEX card_transactions_at ON card_transactions (at_ms);
CREATE INDEX card_transactions_original ON card_transactions (original_id)
  WHERE original_id IS NOT NULL;
)sql";

const std::vector<Migration>& Migrations() {
  static const std::string customers_sqlite = ForSqlite(kCustomersTemplate);
  static const std::string customers_postgresql = ForPostgresql(kCustomersTemplate);
  static const std::string signing_sqlite = ForSqlite(kSigningTemplate);
  static const std::string signing_postgresql = ForPostgresql(kSigningTemplate);
  static const std::string limits_sqlite = ForSqlite(kLimitsTemplate);
  static const std::string limits_postgresql = ForPostgresql(kLimitsTemplate);
  static const std::string scheduled_sqlite = ForSqlite(kScheduledTemplate);
  static const std::string scheduled_postgresql = ForPostgresql(kScheduledTemplate);
  static const std::string notifications_sqlite = ForSqlite(kNotificationsTemplate);
  static const std::string notifications_postgresql = ForPostgresql(kNotificationsTemplate);
  static const std::string organisation_sqlite = ForSqlite(kOrganisationTemplate);
  static const std::string organisation_postgresql = ForPostgresql(kOrganisationTemplate);
  static const std::string backoffice_sqlite = ForSqlite(kBackOfficeTemplate);
  static const std::string backoffice_postgresql = ForPostgresql(kBackOfficeTemplate);
  static const std::string workbench_sqlite = ForSqlite(kWorkbenchTemplate);
  static const std::string workbench_postgresql = ForPostgresql(kWorkbenchTemplate);
  static const std::string cards_sqlite = ForSqlite(kCardsTemplate);
  static const std::string cards_postgresql = ForPostgresql(kCardsTemplate);
  static const std::vector<Migration> migrations = {
      {1, "ledger", kLedgerSqlite, kLedgerPostgresql},
      {2, "customers", customers_sqlite, customers_postgresql},
      {3, "signing", signing_sqlite, signing_postgresql},
      {4, "limits", limits_sqlite, limits_postgresql},
      {5, "scheduled", scheduled_sqlite, scheduled_postgresql},
      {6, "notifications", notifications_sqlite, notifications_postgresql},
      {7, "organisation", organisation_sqlite, organisation_postgresql},
      {8, "backoffice", backoffice_sqlite, backoffice_postgresql},
      {9, "workbench", workbench_sqlite, workbench_postgresql},
      {10, "cards", cards_sqlite, cards_postgresql},
      // The customer 360° view reads the U-keys a customer holds on every customer page.
      {11, "ukeys_by_customer", "CREATE INDEX ukeys_customer ON ukeys (customer_id);",
       "CREATE INDEX ukeys_customer ON ukeys (customer_id);"},
      // Card transactions: no index by card (no query reads by card, and every authorisation
      // paid for one more scattered page); refunds find what was refunded of their original
      // by an index instead of a scan of the table.
      {12, "card_transactions_indexes", kCardIndexesChange, kCardIndexesChange},
      {13, "card_state_check", kCardStateCheckSqlite,
       "COMMENT ON COLUMN card_transactions.state IS 'approved, declined, reversed, completed or "
       "reversal_unmatched';"},
  };
  return migrations;
}

}  // namespace ebank::store
