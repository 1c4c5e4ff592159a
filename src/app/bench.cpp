#include "app/bench.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "app/bench_support.h"
#include "ledger/ledger.h"
#include "ledger/verify.h"
#include "store/open.h"

namespace ebank::app {

namespace fs = std::filesystem;

namespace {

std::vector<CaseResult> BenchBackend(const std::string& database, const BenchOptions& options) {
  auto store = store::OpenLedgerStore(database);
  if (!store.ok()) throw std::runtime_error(store.status().ToString());
  ledger::Ledger ledger(std::move(*store), SystemClock::Instance());
  auto accounts = OpenAccounts(ledger, options.accounts);
  std::vector<CaseResult> results;
  for (int batch : options.batches) {
    for (int clients : options.clients) {
      CaseResult result = RunCase(ledger, accounts, clients, batch, options.seconds_per_case);
      spdlog::info("{} clients={} batch={}: {:.0f} transfers/s, p50 {:.2f} ms, p99 {:.2f} ms",
                   ledger.store().backend(), clients, batch, result.transfers_per_s, result.p50_ms,
                   result.p99_ms);
      results.push_back(result);
    }
  }
  auto report = ledger::VerifyLedger(ledger.store());
  if (!report.ok())
    throw std::runtime_error("ledger failed verification: " + report.status().ToString());
  return results;
}

// pgbench's TPC-B (-M prepared, 8 clients) on the throwaway cluster.
double RunPgbench(const std::string& url, double seconds) {
  std::string init = fmt::format("pgbench -i -s 10 -q '{}' >/dev/null 2>&1", url);
  if (std::system(init.c_str()) != 0) throw std::runtime_error("pgbench -i failed");
  std::string run = fmt::format("pgbench -M prepared -c 8 -j 2 -T {} '{}' 2>/dev/null",
                                std::max(1, static_cast<int>(seconds * 3)), url);
  FILE* pipe = popen(run.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run pgbench");
  char line[512];
  double tps = 0;
  while (fgets(line, sizeof(line), pipe)) {
    std::string text(line);
    if (text.rfind("tps = ", 0) == 0) tps = std::stod(text.substr(6));
  }
  pclose(pipe);
  if (tps <= 0) throw std::runtime_error("pgbench printed no tps");
  return tps;
}

double Best(const std::vector<CaseResult>& results) {
  double best = 0;
  for (const auto& result : results)
    best = std::max(best, result.transfers_per_s);
  return best;
}

// One JSON document, written by hand so that numbers print as people read them.
std::string ResultsJson(const std::vector<std::string>& backends,
                        const std::vector<std::vector<CaseResult>>& results, double pgbench_tps) {
  std::string out = fmt::format("{{\"pgbench_tps\": {:.0f}", pgbench_tps);
  for (size_t b = 0; b < backends.size(); ++b) {
    double best = Best(results[b]);
    out += fmt::format(", \"ratio_{}_to_pgbench\": {:.1f}", backends[b],
                       pgbench_tps > 0 ? best / pgbench_tps : 0.0);
    out += fmt::format(", \"{}\": {{\"best_transfers_per_s\": {:.0f}, \"cases\": [", backends[b],
                       best);
    for (size_t i = 0; i < results[b].size(); ++i) {
      const CaseResult& r = results[b][i];
      out += fmt::format(
          "{}{{\"clients\": {}, \"batch\": {}, \"transfers_per_s\": {:.0f}, \"p50_ms\": {:.3f}, "
          "\"p99_ms\": {:.3f}, \"refused\": {}}}",
          i == 0 ? "" : ", ", r.clients, r.batch, r.transfers_per_s, r.p50_ms, r.p99_ms, r.refused);
    }
    out += "]}";
  }
  out += "}";
  return out;
}

}  // namespace

int BenchLedger(const BenchOptions& options) {
  spdlog::set_level(spdlog::level::info);
  std::optional<Cluster> cluster;  // Started only when PostgreSQL is measured.
  bool needs_cluster = options.pgbench ||
                       std::find(options.backends.begin(), options.backends.end(), "postgresql") !=
                           options.backends.end();
  if (needs_cluster) cluster.emplace();
  std::string dir = (fs::temp_directory_path() / fmt::format("ebank-bench-{}", getpid())).string();
  fs::create_directories(dir);
  double pgbench_tps =
      options.pgbench ? RunPgbench(cluster->Database("pgbench"), options.seconds_per_case) : 0;
  if (options.pgbench) spdlog::info("pgbench TPC-B -M prepared -c 8: {:.0f} tps", pgbench_tps);
  std::vector<std::vector<CaseResult>> results;
  for (const std::string& backend : options.backends) {
    std::string database =
        backend == "postgresql" ? cluster->Database("ebank_bench") : dir + "/bench.db";
    results.push_back(BenchBackend(database, options));
  }
  fs::remove_all(dir);
  if (options.json) {
    std::printf("%s\n", ResultsJson(options.backends, results, pgbench_tps).c_str());
    return 0;
  }
  std::printf("%-11s %8s %6s %14s %9s %9s\n", "backend", "clients", "batch", "transfers/s",
              "p50 ms", "p99 ms");
  for (size_t b = 0; b < options.backends.size(); ++b) {
    for (const CaseResult& r : results[b]) {
      std::printf("%-11s %8d %6d %14.0f %9.3f %9.3f\n", options.backends[b].c_str(), r.clients,
                  r.batch, r.transfers_per_s, r.p50_ms, r.p99_ms);
    }
    if (pgbench_tps > 0) {
      std::printf("%s best %.0f transfers/s = %.1fx pgbench TPC-B (%.0f tps)\n",
                  options.backends[b].c_str(), Best(results[b]), Best(results[b]) / pgbench_tps,
                  pgbench_tps);
    }
  }
  return 0;
}

}  // namespace ebank::app
