#pragma once

#include <string>
#include <vector>

namespace ebank::app {

struct BenchKpiOptions {
  bool json = false;
  std::vector<std::string> backends = {"sqlite", "postgresql"};
  int history_customers = 2000;  // The demo bank `make run` builds.
  int rounds = 20;               // Times each query runs (after one warm-up).
};

// `ebank bench kpi`: how long the back office's KPI queries take on the demo bank. For each
// backend it builds the demo bank with a year of history (`ebank demo --history-customers
// N`, in a temporary folder or a throwaway PostgreSQL cluster), then times, in process,
// the KPI report of the head office, of each branch and of each outlet, the dormant list
// and the XLSX export, `rounds` times each, and prints p50, p99 and the slowest. There is
// no peer to compare with on this machine. Returns the exit code.
int BenchKpi(const BenchKpiOptions& options);

}  // namespace ebank::app
