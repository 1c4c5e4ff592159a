// The journal: one canonical line of text per ledger event, hash-chained.
//
// Bodies, with amounts in minor units and text fields percent-escaped:
//   open cur=CNY side=C floor=0 code=gl:cash     (floor=- when unbounded)
//   xfer 3:-100:CNY 5:100:CNY memo=rent         (":CNY" when the caller named the currency)
//   hold d=3 c=5 a=100 exp=1767225600000 cur=CNY (" cur=" likewise optional)
//   post h=9 a=60
//   void h=9
//   expire h=9
// An entry's hash is Sha256(previous entry's hash || "seq|at_ms|body"); the first entry
// chains from 32 zero bytes. Changing, removing or reordering any entry breaks the chain
// from there on, and `ebank verify-journal` replays the bodies to check every balance.
#pragma once

#include <string>
#include <string_view>

#include "core/hash.h"
#include "ledger/store.h"
#include "ledger/types.h"

namespace ebank::ledger {

// The canonical text of a command. For commands it is also the request fingerprint that
// idempotency compares. REQUIRES: not ExpireHolds.
std::string CanonicalText(const Command& command);
std::string ExpireText(HoldId hold);

Digest EntryHash(const Digest& previous, Seq seq, int64_t at_ms, std::string_view body);

// A decoded journal body.
struct Event {
  enum class Kind { kOpen, kTransfer, kHold, kPost, kVoid, kExpire } kind;
  OpenAccount open;
  Transfer transfer;
  CreateHold hold;
  HoldId hold_id = 0;  // post, void, expire
  int64_t amount = 0;  // post
};
Result<Event> DecodeBody(std::string_view body);

// Percent-escapes bytes that would break a body's tokens: space, '%', '=', controls.
std::string EscapeField(std::string_view text);
Result<std::string> UnescapeField(std::string_view text);

}  // namespace ebank::ledger
