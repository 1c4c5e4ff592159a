// The ledger's internal JSON API for operators and the bank's own systems, guarded by an
// operator bearer token. Customer-facing channels do not use it: they go through the
// services, which apply limits and strong authentication.
#pragma once

#include <string>

#include "core/clock.h"
#include "http/router.h"
#include "ledger/ledger.h"

namespace ebank::app {

struct LedgerApi {
  ledger::Ledger& ledger;
  const Clock& clock;
  std::string operator_token;
};

// Adds /internal/ledger/... routes. `api` must outlive the router.
void AddLedgerRoutes(http::Router& router, const LedgerApi& api);

// Bridges Ledger::Submit to a coroutine: resumes on the caller's executor.
http::awaitable<std::vector<ledger::Outcome>> ExecuteAsync(ledger::Ledger& ledger,
                                                           std::vector<ledger::Request> requests);

}  // namespace ebank::app
