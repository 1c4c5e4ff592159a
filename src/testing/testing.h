// Test support: throwaway databases on both backends, temporary folders, and the paths
// CTest passes in.
#pragma once

#include <string>

namespace ebank::testing {

// A new empty folder under the system temp folder; removed by RemoveTree.
std::string MakeTempDir(const std::string& prefix);
void RemoveTree(const std::string& path);

// The URL of the throwaway PostgreSQL cluster CTest started (in the file named by
// EBANK_TEST_PG_URL_FILE, by default build/pg/url).
// Aborts the test program when there is none: a PostgreSQL test must never pass silently.
std::string PostgresClusterUrl();

// A fresh, empty database for `backend` ("sqlite" or "postgresql"): a new file path in
// `dir` for SQLite, or the cluster URL with a new schema on its search_path.
std::string FreshDatabase(const std::string& backend, const std::string& dir);

// Where `ebank` was built (EBANK_BINARY) and the source tree (EBANK_SOURCE_DIR).
std::string EbankBinary();
std::string SourceDir();

}  // namespace ebank::testing
