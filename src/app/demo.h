// `ebank demo`: a small, believable demo bank built in-process through the services, so that
// a newcomer who runs `make run` can log in at once as staff or as a customer with each kind
// of second factor (SMS, TOTP, password card, U-key on a SoftHSM2 token).
#pragma once

#include <string>

namespace ebank::app {

struct DemoOptions {
  std::string database = "data/ebank.db";  // SQLite file path, or a postgresql:// URL.
  // The same folder `ebank serve --data-dir` uses: the master key, the bank's CA and the
  // development SMS file live there. The demo adds demo/ with password cards and U-keys.
  std::string data_dir = "data";
  // Customers with a year of seeded activity behind them (demo_history.h); 0 for none.
  int history_customers = 0;
};

// Creates the demo bank in `options.database` (staff, general-ledger accounts, four customers
// with accounts, balances, e-banking sign-ups, security tools and a few transfers) and prints
// a guide to logging in, in Chinese and English, on stdout. Idempotent: whatever exists
// already is found, not created again, so a second run only prints the guide. Every demo
// password and secret is printed: this bank is for trying ebank out, never for real money.
// Returns the process exit code (0, or 1 after logging the error).
int Demo(const DemoOptions& options);

}  // namespace ebank::app
