#pragma once

#include <string>
#include <vector>

namespace ebank::app {

struct BenchOptions {
  bool json = false;
  bool pgbench = true;  // Run pgbench for the ratio.
  double seconds_per_case = 3.0;
  std::vector<std::string> backends = {"sqlite", "postgresql"};
  int accounts = 10000;
  std::vector<int> batches = {1, 100, 8000};
  std::vector<int> clients = {1, 16, 64};
};

// `ebank bench ledger`: durable transfers per second and commit latency per backend, for
// batch sizes 1, 100, 8000 and 1, 16, 64 concurrent clients, next to pgbench's TPC-B on a
// throwaway PostgreSQL cluster with the same durability. Returns the exit code.
int BenchLedger(const BenchOptions& options);

}  // namespace ebank::app
