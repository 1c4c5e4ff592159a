#pragma once

#include <string>
#include <vector>

#include "http/server.h"

namespace ebank::app {

struct BenchHttpOptions {
  bool json = false;
  double seconds = 10.0;  // Length of the wrk run, and of the in-process ledger case.
  std::vector<std::string> backends = {"sqlite", "postgresql"};
  int connections = 256;       // wrk's open connections (over 2 wrk threads).
  size_t handler_threads = 0;  // Passed to ebank serve (0: its default).
};

// `ebank bench http`: authenticated, durable transfers per second through the whole server.
// For each backend it sets up a bank in a temporary folder (staff added with `ebank staff
// add`, then `ebank serve` as a child process), signs a customer up with two accounts and
// logs them in with an SMS code, then runs wrk (scripts/wrk-transfers.lua) against
// POST /api/v1/me/transfers: own-account transfers of 0.01 CNY, each with its own
// Idempotency-Key. Next to that figure it prints the in-process ledger's (64 clients,
// batch 1) on a fresh database of the same backend. Needs `wrk` on the PATH. Returns the
// exit code.
int BenchHttp(const BenchHttpOptions& options);

}  // namespace ebank::app
