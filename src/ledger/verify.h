// Whole-ledger verification: the invariants that must hold after every batch, checked
// from the database alone (`ebank verify-journal`, and after every test).
//   1. The journal's hash chain is intact from the first entry to the head row.
//   2. Replaying the journal's bodies gives exactly the stored accounts and holds.
//   3. Every currency sums to zero over all accounts: no money created or destroyed.
//   4. No account stands past its floor; no held amount is negative.
#pragma once

#include <map>
#include <string>

#include "ledger/store.h"

namespace ebank::ledger {

struct VerifyReport {
  Head head;
  size_t entries = 0;
  size_t accounts = 0;
  size_t holds = 0;
  // Sum of all balances per currency code; zero when the ledger is sound.
  std::map<std::string, __int128> totals;
};

// An account's postings with seq < before, newest first, at most `limit`, following the
// chain of prev_seq from the account's newest posting: one lookup per posting returned,
// plus the ones skipped when `before` is older than the account's newest posting.
Result<std::vector<PostingRow>> ListPostings(LedgerReader& reader, AccountId account, Seq before,
                                             size_t limit);

// Reads the whole ledger in one snapshot. OK only when every invariant holds; otherwise
// an Internal status with reason "journal_broken" or "invariant_violated" and the first
// discrepancy found.
Result<VerifyReport> VerifyLedger(LedgerStore& store);

}  // namespace ebank::ledger
