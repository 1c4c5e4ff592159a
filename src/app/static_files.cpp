#include "app/static_files.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/hash.h"
#include "http/http.h"

namespace ebank::app {

namespace fs = std::filesystem;
namespace beast_http = boost::beast::http;

namespace {

// Self only; no inline script or style elements (Vite emits none), no framing.
constexpr char kContentSecurityPolicy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";
constexpr char kImmutable[] = "public, max-age=31536000, immutable";
constexpr std::string_view kAssetsPrefix = "/assets/";

std::string_view ContentType(std::string_view path) {
  struct Type {
    std::string_view extension;
    std::string_view content_type;
  };
  static constexpr Type kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".ttf", "font/ttf"},
      {".txt", "text/plain; charset=utf-8"},
      {".wasm", "application/wasm"},
  };
  for (const Type& type : kTypes) {
    if (path.ends_with(type.extension)) return type.content_type;
  }
  return "application/octet-stream";
}

// Names the build produces: letters, digits, '.', '-', '_' and '/' between them.
bool SafeName(std::string_view relative) {
  for (char c : relative) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_' || c == '/';
    if (!ok) return false;
  }
  return !relative.empty() && relative.find("..") == std::string_view::npos;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The percent-decoded path, or nothing when it is malformed or could name something
// outside the app: a dot segment, an empty segment ("//", an encoded '/'), a backslash
// or a control character, before or after decoding.
std::optional<std::string> CleanPath(std::string_view path) {
  if (path.empty() || path.front() != '/') return std::nullopt;
  std::string decoded;
  for (size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '%') {
      if (i + 2 >= path.size()) return std::nullopt;
      int high = HexValue(path[i + 1]), low = HexValue(path[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      c = static_cast<char>(high * 16 + low);
      i += 2;
    }
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '\\') return std::nullopt;
    decoded += c;
  }
  size_t start = 1;
  while (start < decoded.size()) {
    size_t end = decoded.find('/', start);
    if (end == std::string::npos) end = decoded.size();
    std::string_view segment = std::string_view(decoded).substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..") return std::nullopt;
    start = end + 1;
  }
  return decoded;
}

bool IsReservedPath(std::string_view path) {
  for (std::string_view prefix : {"/api", "/internal"}) {
    if (path == prefix || (path.starts_with(prefix) && path[prefix.size()] == '/')) return true;
  }
  return false;
}

}  // namespace

Result<StaticFiles> StaticFiles::Load(const std::string& root) {
  std::error_code error;
  if (!fs::is_regular_file(fs::path(root) / "index.html", error)) {
    return Status::NotFound("web_dir_invalid", root + " has no index.html (build web/ first)");
  }
  StaticFiles files;
  fs::recursive_directory_iterator it(root, error), end;
  if (error) return Status::Internal("io_error", "cannot read " + root + ": " + error.message());
  for (; it != end; it.increment(error)) {
    if (error) return Status::Internal("io_error", "cannot read " + root + ": " + error.message());
    if (it->is_symlink() || !it->is_regular_file()) continue;
    std::string relative = it->path().lexically_relative(root).generic_string();
    if (!SafeName(relative)) continue;
    if (files.files_.size() >= kWebFilesMax) {
      return Status::Invalid("web_dir_too_large", root + " has more than the files allowed");
    }
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    if (!in) return Status::Internal("io_error", "cannot read " + it->path().string());
    File file{body.str(), std::string(ContentType(relative)), ""};
    // Built by appending: GCC 12 at -O3 warns falsely (-Wrestrict) on "literal" + string.
    file.etag.append(1, '"').append(ToHex(Sha256(file.body)), 0, 32).append(1, '"');
    files.total_bytes_ += file.body.size();
    if (files.total_bytes_ > kWebBytesMax) {
      return Status::Invalid("web_dir_too_large", root + " is larger than allowed");
    }
    files.files_.emplace(std::string(1, '/').append(relative), std::move(file));
  }
  return files;
}

http::Response StaticFiles::Serve(const http::Request& request) const {
  std::string_view target = request.target();
  std::string_view raw_path = http::PathOf(target);
  bool head = request.method() == beast_http::verb::head;
  if (request.method() != beast_http::verb::get && !head) {
    return http::Problem(request, 404, "not_found", "no such resource");
  }
  std::optional<std::string> path = CleanPath(raw_path);
  if (!path || IsReservedPath(*path)) {
    return http::Problem(request, 404, "not_found", "no such resource");
  }
  std::string key = *path == "/" ? "/index.html" : *path;
  auto found = files_.find(key);
  if (found == files_.end()) {
    // A page path of the app itself gets the app; a missing file stays missing.
    std::string_view last = std::string_view(key).substr(key.rfind('/') + 1);
    if (key.starts_with(kAssetsPrefix) || last.find('.') != std::string_view::npos) {
      return http::Problem(request, 404, "not_found", "no such resource");
    }
    found = files_.find("/index.html");
  }
  const File& file = found->second;
  bool immutable = found->first.starts_with(kAssetsPrefix);
  bool not_modified = !immutable && request[beast_http::field::if_none_match] == file.etag;

  http::Response response{not_modified ? beast_http::status::not_modified : beast_http::status::ok,
                          request.version()};
  response.set(beast_http::field::content_type, file.content_type);
  response.set(beast_http::field::cache_control, immutable ? kImmutable : "no-cache");
  if (!immutable) response.set(beast_http::field::etag, file.etag);
  response.set("X-Content-Type-Options", "nosniff");
  if (file.content_type.starts_with("text/html")) {
    response.set("Content-Security-Policy", kContentSecurityPolicy);
    response.set("Referrer-Policy", "no-referrer");
    response.set("X-Frame-Options", "DENY");
  }
  response.keep_alive(request.keep_alive());
  if (not_modified) return response;
  if (head) {
    response.content_length(file.body.size());
  } else {
    response.body() = file.body;
    response.prepare_payload();
  }
  return response;
}

void AddStaticRoutes(http::Router& router, const StaticFiles& files) {
  router.SetFallback([&files](const http::Request& request,
                              const http::Params&) -> http::awaitable<http::Response> {
    co_return files.Serve(request);
  });
}

}  // namespace ebank::app
