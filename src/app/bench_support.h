// What the benchmarks (`ebank bench ledger`, `ebank bench http`) share: the scripts beside
// the source tree, a throwaway PostgreSQL cluster, and one in-process ledger case.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ledger/ledger.h"

namespace ebank::app {

// Finds scripts/`name` beside the source tree the binary was built from
// (EBANK_SOURCE_DIR overrides).
std::filesystem::path ScriptPath(const std::string& name);

// The value below which `fraction` of `values` lie (reorders them); 0 when empty.
double Percentile(std::vector<double>& values, double fraction);

// What this process and the machine spent between construction and Stop(): the process's
// CPU time (user and system, every thread) and the share of the machine's CPU time the
// hypervisor gave to others ("steal"; 0 on bare metal). CPU per operation varies less than
// operations per second on a machine shared with others.
class CpuMeter {
 public:
  CpuMeter();
  void Stop();
  double process_cpu_s() const { return process_cpu_s_; }
  double stolen_fraction() const { return stolen_fraction_; }

 private:
  double process_start_s_ = 0;
  int64_t steal_start_ = 0, total_start_ = 0;
  double process_cpu_s_ = 0;
  double stolen_fraction_ = 0;
};

// A folder under the system's temporary folder, removed with everything in it when dropped.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A throwaway PostgreSQL cluster (scripts/pg-test-cluster.sh) for the length of a
// benchmark; stopped and removed when dropped. Throws when it cannot start.
class Cluster {
 public:
  Cluster();
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;
  // A URL for a new database on the cluster.
  std::string Database(const std::string& name);

 private:
  std::filesystem::path state_;
  std::string url_;
};

// One run of `clients` threads each submitting batches of `batch` transfers to the ledger.
struct CaseResult {
  int clients = 0;
  int batch = 0;
  double transfers_per_s = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  int64_t refused = 0;
};

// Opens `count` funded customer accounts (and the debit account funding them).
std::vector<ledger::AccountId> OpenAccounts(ledger::Ledger& ledger, int count);

// Random transfers between `accounts` for `seconds`.
CaseResult RunCase(ledger::Ledger& ledger, const std::vector<ledger::AccountId>& accounts,
                   int clients, int batch, double seconds);

// One case on a fresh `database` (a SQLite path or a postgresql:// URL): opens `accounts`
// accounts, runs the case, then verifies the journal. Throws on any failure.
CaseResult RunLedgerCase(const std::string& database, int accounts, int clients, int batch,
                         double seconds);

}  // namespace ebank::app
