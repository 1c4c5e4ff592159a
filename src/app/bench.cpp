#include "app/bench.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <thread>

#include "ledger/ledger.h"
#include "ledger/verify.h"
#include "store/open.h"
#include "store/postgres.h"

namespace ebank::app {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kOpeningBalanceMinor = 100'000'000;  // 1,000,000.00 per account.

struct CaseResult {
  int clients = 0;
  int batch = 0;
  double transfers_per_s = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  int64_t refused = 0;
};

// Finds scripts/ beside the source tree the binary was built from.
fs::path ScriptPath(const std::string& name) {
  if (const char* dir = std::getenv("EBANK_SOURCE_DIR")) return fs::path(dir) / "scripts" / name;
  fs::path exe = fs::read_symlink("/proc/self/exe");
  for (fs::path dir = exe.parent_path(); !dir.empty() && dir != dir.root_path();
       dir = dir.parent_path()) {
    if (fs::exists(dir / "scripts" / name)) return dir / "scripts" / name;
  }
  return fs::path("scripts") / name;
}

// A throwaway PostgreSQL cluster for the length of the benchmark.
class Cluster {
 public:
  Cluster() : state_(fs::temp_directory_path() / fmt::format("ebank-bench-pg-{}", getpid())) {
    std::string command = fmt::format("'{}' start '{}' >&2",
                                      ScriptPath("pg-test-cluster.sh").string(), state_.string());
    if (std::system(command.c_str()) != 0) throw std::runtime_error("cannot start PostgreSQL");
    std::ifstream(state_ / "url") >> url_;
  }
  ~Cluster() {
    std::string command = fmt::format("'{}' stop '{}' >&2",
                                      ScriptPath("pg-test-cluster.sh").string(), state_.string());
    if (std::system(command.c_str()) != 0) spdlog::warn("could not stop the benchmark cluster");
    fs::remove_all(state_);
  }
  // A URL for a new database on the cluster.
  std::string Database(const std::string& name) {
    auto admin = store::PgConnection::Connect(url_);
    if (!admin.ok()) throw std::runtime_error(admin.status().ToString());
    Status status = (*admin)->Exec("CREATE DATABASE " + name);
    if (!status.ok()) throw std::runtime_error(status.ToString());
    return url_.substr(0, url_.rfind('/') + 1) + name;
  }

 private:
  fs::path state_;
  std::string url_;
};

double Percentile(std::vector<double>& values, double fraction) {
  if (values.empty()) return 0;
  size_t index = static_cast<size_t>(fraction * static_cast<double>(values.size() - 1));
  std::nth_element(values.begin(), values.begin() + static_cast<long>(index), values.end());
  return values[index];
}

std::vector<ledger::AccountId> OpenAccounts(ledger::Ledger& ledger, int count) {
  auto funding = ledger.Execute(
      ledger::Request{"", ledger::OpenAccount{"", Currency::Cny(), ledger::Side::kDebit, {}}});
  if (!funding.status.ok()) throw std::runtime_error(funding.status.ToString());
  std::vector<ledger::AccountId> accounts;
  while (static_cast<int>(accounts.size()) < count) {
    std::vector<ledger::Request> opens;
    for (int i = 0; i < 4000 && static_cast<int>(accounts.size() + opens.size()) < count; ++i) {
      opens.push_back({"", ledger::OpenAccount{"", Currency::Cny(), ledger::Side::kCredit, 0}});
    }
    for (const auto& outcome : ledger.Execute(std::move(opens))) {
      if (!outcome.status.ok()) throw std::runtime_error(outcome.status.ToString());
      accounts.push_back(outcome.id);
    }
  }
  for (size_t start = 0; start < accounts.size(); start += 4000) {
    std::vector<ledger::Request> funds;
    for (size_t i = start; i < std::min(accounts.size(), start + 4000); ++i) {
      funds.push_back({"", ledger::Transfer{{{funding.id, -kOpeningBalanceMinor},
                                             {accounts[i], kOpeningBalanceMinor}},
                                            ""}});
    }
    for (const auto& outcome : ledger.Execute(std::move(funds))) {
      if (!outcome.status.ok()) throw std::runtime_error(outcome.status.ToString());
    }
  }
  return accounts;
}

CaseResult RunCase(ledger::Ledger& ledger, const std::vector<ledger::AccountId>& accounts,
                   int clients, int batch, double seconds) {
  std::atomic<int64_t> done{0};
  std::atomic<int64_t> refused{0};
  std::vector<std::vector<double>> latencies(static_cast<size_t>(clients));
  auto started = std::chrono::steady_clock::now();
  auto deadline = started + std::chrono::duration<double>(seconds);
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      std::mt19937_64 random(static_cast<uint64_t>(c) * 7919 + static_cast<uint64_t>(batch));
      std::uniform_int_distribution<size_t> pick(0, accounts.size() - 1);
      while (std::chrono::steady_clock::now() < deadline) {
        std::vector<ledger::Request> requests;
        requests.reserve(static_cast<size_t>(batch));
        for (int i = 0; i < batch; ++i) {
          size_t from = pick(random), to = pick(random);
          if (from == to) to = (to + 1) % accounts.size();
          int64_t amount = static_cast<int64_t>(random() % 100 + 1);
          requests.push_back(
              {"", ledger::Transfer{{{accounts[from], -amount}, {accounts[to], amount}}, ""}});
        }
        auto sent = std::chrono::steady_clock::now();
        auto outcomes = ledger.Execute(std::move(requests));
        latencies[static_cast<size_t>(c)].push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - sent)
                .count());
        for (const auto& outcome : outcomes) {
          if (outcome.status.ok()) {
            ++done;
          } else {
            ++refused;
          }
        }
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::vector<double> all;
  for (auto& list : latencies)
    all.insert(all.end(), list.begin(), list.end());
  CaseResult result;
  result.clients = clients;
  result.batch = batch;
  result.transfers_per_s = static_cast<double>(done.load()) / elapsed;
  result.p50_ms = Percentile(all, 0.50);
  result.p99_ms = Percentile(all, 0.99);
  result.refused = refused.load();
  return result;
}

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
