#include "ledger/verify.h"

#include <unordered_map>

#include "ledger/journal.h"

namespace ebank::ledger {
namespace {

constexpr size_t kVerifyPageRows = 10000;

Status Broken(Seq seq, const std::string& why) {
  return Status::Internal("journal_broken", "entry " + std::to_string(seq) + ": " + why);
}

Status Violated(const std::string& why) {
  return Status::Internal("invariant_violated", why);
}

// The ledger as the journal says it is.
struct Replay {
  std::unordered_map<AccountId, Account> accounts;
  std::unordered_map<HoldId, Hold> holds;

  Status Apply(const JournalEntry& entry, const Event& event) {
    Seq seq = entry.seq;
    switch (event.kind) {
      case Event::Kind::kOpen: {
        Account account;
        account.id = seq;
        account.code = event.open.code;
        account.currency = event.open.currency;
        account.side = event.open.side;
        account.floor = event.open.floor;
        account.updated_seq = seq;
        accounts[seq] = account;
        return Status::Ok();
      }
      case Event::Kind::kTransfer:
        return Post(seq, event.transfer.postings);
      case Event::Kind::kHold: {
        Account* debit = Find(event.hold.debit_account);
        if (!debit || !Find(event.hold.credit_account)) return Broken(seq, "unknown account");
        debit->held += event.hold.amount;
        debit->updated_seq = seq;
        Hold hold;
        hold.id = seq;
        hold.debit_account = event.hold.debit_account;
        hold.credit_account = event.hold.credit_account;
        hold.amount = event.hold.amount;
        hold.expires_at_ms = event.hold.expires_at_ms;
        holds[seq] = hold;
        return Status::Ok();
      }
      case Event::Kind::kPost:
      case Event::Kind::kVoid:
      case Event::Kind::kExpire: {
        auto found = holds.find(event.hold_id);
        if (found == holds.end() || found->second.state != HoldState::kPending) {
          return Broken(seq, "closes a hold that is not pending");
        }
        Hold& hold = found->second;
        Account& debit = *Find(hold.debit_account);
        debit.held -= hold.amount;
        debit.updated_seq = seq;
        hold.closed_seq = seq;
        if (event.kind == Event::Kind::kVoid) hold.state = HoldState::kVoided;
        if (event.kind == Event::Kind::kExpire) hold.state = HoldState::kExpired;
        if (event.kind != Event::Kind::kPost) return Status::Ok();
        hold.state = HoldState::kPosted;
        hold.posted_amount = event.amount;
        return Post(seq,
                    {{hold.debit_account, -event.amount}, {hold.credit_account, event.amount}});
      }
    }
    return Broken(seq, "unknown event");
  }

  Status Post(Seq seq, const std::vector<Posting>& postings) {
    std::map<std::string_view, __int128> sums;
    for (const Posting& posting : postings) {
      Account* account = Find(posting.account);
      if (!account) return Broken(seq, "unknown account " + std::to_string(posting.account));
      sums[account->currency.code()] += posting.amount;
      account->balance += posting.amount;
      account->updated_seq = seq;
      account->last_posting_seq = seq;
    }
    for (const auto& [currency, sum] : sums) {
      if (sum != 0) return Broken(seq, "unbalanced in " + std::string(currency));
    }
    return Status::Ok();
  }

  Account* Find(AccountId id) {
    auto found = accounts.find(id);
    return found == accounts.end() ? nullptr : &found->second;
  }
};

std::string Describe(const Account& account) {
  return "account " + std::to_string(account.id) + " balance " + std::to_string(account.balance) +
         " held " + std::to_string(account.held);
}

Status Compare(const Account& stored, const Account& replayed) {
  if (stored.balance != replayed.balance || stored.held != replayed.held ||
      stored.currency != replayed.currency || stored.side != replayed.side ||
      stored.floor != replayed.floor || stored.code != replayed.code ||
      stored.updated_seq != replayed.updated_seq ||
      stored.last_posting_seq != replayed.last_posting_seq) {
    return Violated("stored " + Describe(stored) + " but the journal gives " + Describe(replayed));
  }
  return Status::Ok();
}

Status Compare(const Hold& stored, const Hold& replayed) {
  if (stored.state != replayed.state || stored.amount != replayed.amount ||
      stored.posted_amount != replayed.posted_amount ||
      stored.debit_account != replayed.debit_account ||
      stored.credit_account != replayed.credit_account ||
      stored.closed_seq != replayed.closed_seq) {
    return Violated("hold " + std::to_string(stored.id) + " differs from the journal");
  }
  return Status::Ok();
}

Status VerifyIn(LedgerReader& reader, VerifyReport& report) {
  auto head = reader.GetHead();
  if (!head.ok()) return head.status();
  report.head = *head;
  Replay replay;
  Digest hash{};
  Seq seq = 0;
  while (true) {
    auto page = reader.ReadJournal(seq, kVerifyPageRows);
    if (!page.ok()) return page.status();
    for (const JournalEntry& entry : *page) {
      if (entry.seq != seq + 1)
        return Broken(entry.seq, "sequence gap after " + std::to_string(seq));
      if (EntryHash(hash, entry.seq, entry.at_ms, entry.body) != entry.hash) {
        return Broken(entry.seq, "hash does not match its content and predecessor");
      }
      auto event = DecodeBody(entry.body);
      if (!event.ok()) return Broken(entry.seq, event.status().message());
      EBANK_RETURN_IF_ERROR(replay.Apply(entry, *event));
      hash = entry.hash;
      seq = entry.seq;
      ++report.entries;
    }
    if (page->size() < kVerifyPageRows) break;
  }
  if (seq != head->seq || hash != head->hash) {
    return Broken(seq, "the head row names entry " + std::to_string(head->seq) +
                           " but the journal ends here");
  }
  AccountId after = 0;
  while (true) {
    auto page = reader.ListAccounts(after, kVerifyPageRows);
    if (!page.ok()) return page.status();
    for (const Account& account : *page) {
      Account* replayed = replay.Find(account.id);
      if (!replayed) return Violated("account " + std::to_string(account.id) + " has no opening");
      EBANK_RETURN_IF_ERROR(Compare(account, *replayed));
      report.totals[std::string(account.currency.code())] += account.balance;
      if (account.held < 0) return Violated(Describe(account) + " holds less than zero");
      if (account.floor && account.available() < *account.floor) {
        return Violated(Describe(account) + " is below its floor " +
                        std::to_string(*account.floor));
      }
      ++report.accounts;
      after = account.id;
    }
    if (page->size() < kVerifyPageRows) break;
  }
  if (report.accounts != replay.accounts.size()) {
    return Violated("the journal opens " + std::to_string(replay.accounts.size()) +
                    " accounts but " + std::to_string(report.accounts) + " are stored");
  }
  HoldId hold_after = 0;
  while (true) {
    auto page = reader.ListHolds(hold_after, kVerifyPageRows);
    if (!page.ok()) return page.status();
    for (const Hold& hold : *page) {
      auto replayed = replay.holds.find(hold.id);
      if (replayed == replay.holds.end()) {
        return Violated("hold " + std::to_string(hold.id) + " has no creating entry");
      }
      EBANK_RETURN_IF_ERROR(Compare(hold, replayed->second));
      ++report.holds;
      hold_after = hold.id;
    }
    if (page->size() < kVerifyPageRows) break;
  }
  if (report.holds != replay.holds.size()) return Violated("holds missing from the store");
  for (const auto& [currency, total] : report.totals) {
    if (total != 0) return Violated("money in " + currency + " does not sum to zero");
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<PostingRow>> ListPostings(LedgerReader& reader, AccountId account, Seq before,
                                             size_t limit) {
  auto accounts = reader.GetAccounts({account});
  if (!accounts.ok()) return accounts.status();
  if (accounts->empty()) return Status::NotFound("unknown_account", "no such account");
  std::vector<PostingRow> rows;
  Seq cursor = accounts->front().last_posting_seq;
  while (cursor > 0 && rows.size() < limit) {
    auto row = reader.GetPosting(account, cursor);
    if (!row.ok()) return row.status();
    if (!row->has_value()) {
      return Status::Internal("database_corrupt",
                              "posting chain of account " + std::to_string(account) + " is broken");
    }
    if ((*row)->seq < before) rows.push_back(**row);
    cursor = (*row)->prev_seq;
  }
  return rows;
}

Result<VerifyReport> VerifyLedger(LedgerStore& store) {
  VerifyReport report;
  Status status = store.Read([&](LedgerReader& reader) { return VerifyIn(reader, report); });
  if (!status.ok()) return status;
  return report;
}

}  // namespace ebank::ledger
