// Serves the built customer web app (web/dist) from `ebank serve`, so that no separate web
// server is needed. Every file is read into memory at start: a request path is only ever a
// key into that table, never a filesystem path, so no request can reach another file.
// Thread-safe once loaded (read-only).
#pragma once

#include <map>
#include <string>

#include "core/status.h"
#include "http/router.h"

namespace ebank::app {

constexpr size_t kWebFilesMax = 2048;
constexpr size_t kWebBytesMax = 64 * 1024 * 1024;

class StaticFiles {
 public:
  // Reads every regular file under `root` (symbolic links and odd names are skipped).
  // Fails when `root` has no index.html or holds more than the limits above.
  static Result<StaticFiles> Load(const std::string& root);

  // The answer to a request no API route took:
  //  - GET/HEAD of a file: the file, with its type; /assets/ (content-hashed) immutable,
  //    everything else revalidated (no-cache, with an ETag);
  //  - GET/HEAD of another page path (no file extension, not under /api/, /internal/ or
  //    /assets/): index.html, for the app's own routes (SPA fallback);
  //  - anything else (dot segments, encoded slashes, other methods, unknown assets): 404.
  // HTML answers carry the Content-Security-Policy and the other security headers.
  http::Response Serve(const http::Request& request) const;

  size_t file_count() const { return files_.size(); }
  size_t total_bytes() const { return total_bytes_; }

 private:
  struct File {
    std::string body;
    std::string content_type;
    std::string etag;
    std::string gzipped;  // The body gzip-compressed, when that is smaller; else empty.
  };
  std::map<std::string, File, std::less<>> files_;  // By URL path: "/assets/index-x.js".
  size_t total_bytes_ = 0;
};

// Makes `files` the router's fallback. `files` must outlive the router.
void AddStaticRoutes(http::Router& router, const StaticFiles& files);

}  // namespace ebank::app
