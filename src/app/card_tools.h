// The card host's terminal tools: `ebank atm` and `ebank pos`, interactive terminals that
// speak ISO 8583 over TCP to `ebank serve --card-listen` as real ones would (PIN blocks
// encrypted under the terminal's PIN key, reversals after a timeout, settlement), and
// `ebank bench card`, the load generator: authorisations per second over loopback TCP.
#pragma once

#include <string>
#include <vector>

#include "cardhost/server.h"

namespace ebank::app {

struct TerminalToolOptions {
  std::string host = "127.0.0.1:8583";
  std::string terminal;  // Field 41, e.g. ATM00001.
  std::string merchant;  // Field 42 (POS).
  std::string key_file;  // The terminal's PIN key (hex, first line), from registration.
  std::string acquirer = "01020000";  // Field 32; another bank's code goes through the switch.
  int timeout_ms = 10000;
};

// Reads the card number, expiry and PIN (without echo on a terminal) from stdin, then the
// customer's choices from a menu. The terminal's STAN counter is kept beside its key file
// (<key file>.stan). Returns the exit code.
int Atm(const TerminalToolOptions& options);
int Pos(const TerminalToolOptions& options);

struct BenchCardOptions {
  bool json = false;
  double seconds = 10.0;
  std::vector<std::string> backends = {"sqlite", "postgresql"};
  int connections = 256;  // Terminals, one connection each.
  // Requests each connection keeps in flight: 1 as an ATM does, more as a switch's link.
  int in_flight = 1;
  int cards = 1000;
  size_t handler_threads = cardhost::ServerOptions{}.handler_threads;
};

// `ebank bench card`: for each backend a bank in a temporary folder with `cards` funded
// cards and `connections` ATMs, the card host on a loopback port, and one connection per
// ATM (coroutines on two threads) sending withdrawals of 1.00 with a PIN (a random card
// each time), `in_flight` at a time (then waiting for their answers), for `seconds`; prints
// approved authorisations per second, p50 and p99, next to the in-process ledger figure
// (64 clients, batch 1) of the same backend. Returns the exit code.
int BenchCard(const BenchCardOptions& options);

}  // namespace ebank::app
