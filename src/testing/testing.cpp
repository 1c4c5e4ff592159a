#include "testing/testing.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>

#include "store/postgres.h"

namespace ebank::testing {
namespace {

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "testing: %s\n", message.c_str());
  std::abort();
}

std::string RandomSuffix() {
  static std::atomic<int> counter{0};
  std::random_device device;
  return std::to_string(device() % 1000000) + "_" + std::to_string(counter++);
}

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

}  // namespace

std::string MakeTempDir(const std::string& prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / (prefix + ".XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) Die("mkdtemp failed");
  return pattern;
}

void RemoveTree(const std::string& path) {
  std::error_code ignored;
  std::filesystem::remove_all(path, ignored);
}

std::string PostgresClusterUrl() {
  std::string file = Env("EBANK_TEST_PG_URL_FILE");
  if (file.empty()) file = EBANK_TEST_PG_URL_FILE_DEFAULT;
  std::ifstream in(file);
  std::string url;
  if (file.empty() || !std::getline(in, url) || url.empty()) {
    Die("no PostgreSQL test cluster (EBANK_TEST_PG_URL_FILE='" + file +
        "'); run the tests through ctest");
  }
  return url;
}

std::string FreshDatabase(const std::string& backend, const std::string& dir) {
  if (backend == "sqlite") return dir + "/ebank-" + RandomSuffix() + ".db";
  if (backend != "postgresql") Die("unknown backend " + backend);
  std::string url = PostgresClusterUrl();
  auto connection = store::PgConnection::Connect(url);
  if (!connection.ok()) Die(connection.status().ToString());
  std::string schema = "t_" + RandomSuffix();
  Status status = (*connection)->Exec("CREATE SCHEMA " + schema);
  if (!status.ok()) Die(status.ToString());
  return url + "?options=-csearch_path%3D" + schema;
}

std::string EbankBinary() {
  std::string binary = Env("EBANK_BINARY");
  return binary.empty() ? EBANK_BINARY_DEFAULT : binary;
}

std::string SourceDir() {
  std::string dir = Env("EBANK_SOURCE_DIR");
  return dir.empty() ? EBANK_SOURCE_DIR_DEFAULT : dir;
}

}  // namespace ebank::testing
