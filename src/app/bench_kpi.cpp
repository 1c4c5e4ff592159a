#include "app/bench_kpi.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>

#include "app/bench_support.h"
#include "services/kpi.h"
#include "store/open.h"

namespace ebank::app {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

struct QueryTiming {
  std::string name;
  size_t count = 0;  // Queries timed (units × rounds).
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
};

struct BackendTiming {
  std::string backend;
  double build_s = 0;
  std::vector<QueryTiming> queries;
};

void Run(const std::string& command) {
  if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
}

QueryTiming Time(const std::string& name, int rounds, const std::vector<std::string>& units,
                 const std::function<Status(const std::string&)>& query) {
  std::vector<double> samples;
  for (const std::string& unit : units) {
    Status warm = query(unit);  // The first read of a unit fills the caches.
    if (!warm.ok()) throw std::runtime_error(warm.ToString());
    for (int r = 0; r < rounds; ++r) {
      auto start = std::chrono::steady_clock::now();
      Status status = query(unit);
      auto end = std::chrono::steady_clock::now();
      if (!status.ok()) throw std::runtime_error(status.ToString());
      samples.push_back(std::chrono::duration<double, std::milli>(end - start).count());
    }
  }
  QueryTiming timing{name, samples.size()};
  timing.max_ms = samples.empty() ? 0 : *std::max_element(samples.begin(), samples.end());
  timing.p99_ms = Percentile(samples, 0.99);
  timing.p50_ms = Percentile(samples, 0.50);
  return timing;
}

BackendTiming BenchBackend(const std::string& backend, Cluster* cluster,
                           const BenchKpiOptions& options) {
  std::string executable = fs::read_symlink("/proc/self/exe").string();
  TempDir dir;
  std::string database = backend == "postgresql" ? cluster->Database("ebank_bench_kpi")
                                                 : (dir.path() / "bench.db").string();
  BackendTiming result{backend};
  spdlog::info("{}: building the demo bank with {} history customers", backend,
               options.history_customers);
  auto start = std::chrono::steady_clock::now();
  Run(fmt::format("'{}' migrate --db '{}' >/dev/null 2>&1", executable, database));
  Run(fmt::format("'{}' demo --db '{}' --data-dir '{}' --history-customers {} >/dev/null",
                  executable, database, dir.path().string(), options.history_customers));
  result.build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  auto db = store::OpenSqlDatabase(database);
  if (!db.ok()) throw std::runtime_error(db.status().ToString());
  services::KpiService kpis(**db, SystemClock::Instance());
  services::UnitScope all;
  std::vector<std::string> branches, outlets;
  Status read = (*db)->Read([&](store::SqlSession& sql) -> Status {
    auto rows = sql.Query("SELECT id, code, path, kind FROM units ORDER BY path");
    if (!rows.ok()) return rows.status();
    for (size_t r = 0; r < rows->size(); ++r) {
      std::string kind = rows->Text(r, 3);
      if (kind == "head_office") all = {rows->Int(r, 0), rows->Text(r, 2)};
      if (kind == "branch") branches.push_back(rows->Text(r, 1));
      if (kind == "outlet") outlets.push_back(rows->Text(r, 1));
    }
    return Status::Ok();
  });
  if (!read.ok()) throw std::runtime_error(read.ToString());
  auto report = [&](const std::string& unit) {
    return kpis.Report({unit, "", "", services::kDormantDaysDefault}, all).status();
  };
  result.queries.push_back(Time("report head office", options.rounds, {"HO"}, report));
  result.queries.push_back(Time("report branch", options.rounds, branches, report));
  result.queries.push_back(Time("report outlet", options.rounds, outlets, report));
  result.queries.push_back(Time("dormant list", options.rounds, {"HO"}, [&](const std::string& u) {
    return kpis.Dormant({u, "", "", services::kDormantDaysDefault}, all).status();
  }));
  return result;
}

}  // namespace

int BenchKpi(const BenchKpiOptions& options) {
  try {
    std::optional<Cluster> cluster;
    std::vector<BackendTiming> results;
    for (const std::string& backend : options.backends) {
      if (backend != "sqlite" && backend != "postgresql") {
        spdlog::error("unknown backend '{}' (sqlite or postgresql)", backend);
        return 2;
      }
      if (backend == "postgresql" && !cluster) cluster.emplace();
      results.push_back(BenchBackend(backend, cluster ? &*cluster : nullptr, options));
    }
    if (options.json) {
      json::array out;
      for (const BackendTiming& result : results) {
        json::array queries;
        for (const QueryTiming& q : result.queries) {
          queries.push_back(json::object{{"query", q.name},
                                         {"count", q.count},
                                         {"p50_ms", q.p50_ms},
                                         {"p99_ms", q.p99_ms},
                                         {"max_ms", q.max_ms}});
        }
        out.push_back(json::object{{"backend", result.backend},
                                   {"history_customers", options.history_customers},
                                   {"build_s", result.build_s},
                                   {"queries", std::move(queries)}});
      }
      std::puts(json::serialize(out).c_str());
      return 0;
    }
    std::printf("KPI queries on the demo bank (%d history customers), %d rounds each\n",
                options.history_customers, options.rounds);
    std::printf("%-11s %-20s %7s %9s %9s %9s\n", "backend", "query", "count", "p50 ms", "p99 ms",
                "max ms");
    for (const BackendTiming& result : results) {
      for (const QueryTiming& q : result.queries) {
        std::printf("%-11s %-20s %7zu %9.1f %9.1f %9.1f\n", result.backend.c_str(), q.name.c_str(),
                    q.count, q.p50_ms, q.p99_ms, q.max_ms);
      }
      std::printf("%-11s (demo bank built in %.1f s)\n", result.backend.c_str(), result.build_s);
    }
    return 0;
  } catch (const std::exception& error) {
    spdlog::error("bench kpi: {}", error.what());
    return 1;
  }
}

}  // namespace ebank::app
