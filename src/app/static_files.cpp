#include "app/static_files.h"

#include <zlib.h>

#include <cstdlib>
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

// Self only; no inline script or style elements (Vite emits none), no framing. The page
// may also call the customer's U-key helper (`ebank ukey agent`) on a loopback port, which
// answers only this site's origin.
constexpr char kContentSecurityPolicy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self' http://127.0.0.1:*; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
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

// Text compresses well; images and fonts are compressed already.
bool Compressible(std::string_view content_type) {
  return content_type.starts_with("text/") || content_type.starts_with("application/json") ||
         content_type.starts_with("application/manifest+json") ||
         content_type.starts_with("image/svg+xml") || content_type.starts_with("application/wasm");
}

// `body` gzip-compressed (zlib at its best level), or "" if zlib fails.
std::string Gzip(std::string_view body) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return "";
  }
  std::string out(deflateBound(&stream, body.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  stream.avail_in = static_cast<uInt>(body.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  int result = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return result == Z_STREAM_END ? out : "";
}

// Whether the client takes gzip: a "gzip" coding in Accept-Encoding without q=0.
bool AcceptsGzip(std::string_view accept) {
  while (!accept.empty()) {
    size_t comma = accept.find(',');
    std::string_view item = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? "" : accept.substr(comma + 1);
    while (!item.empty() && item.front() == ' ')
      item.remove_prefix(1);
    size_t semicolon = item.find(';');
    std::string_view coding = item.substr(0, semicolon);
    while (!coding.empty() && coding.back() == ' ')
      coding.remove_suffix(1);
    if (coding != "gzip") continue;
    std::string_view params = semicolon == std::string_view::npos ? "" : item.substr(semicolon);
    size_t q = params.find("q=");
    if (q == std::string_view::npos) return true;
    std::string weight(params.substr(q + 2, 5));
    return std::strtod(weight.c_str(), nullptr) > 0;
  }
  return false;
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
    File file{body.str(), std::string(ContentType(relative)), "", ""};
    if (Compressible(file.content_type)) {
      file.gzipped = Gzip(file.body);
      if (file.gzipped.size() >= file.body.size()) file.gzipped.clear();
    }
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
  bool gzip = !file.gzipped.empty() && AcceptsGzip(request[beast_http::field::accept_encoding]);
  // Each encoding is its own representation, with its own tag.
  std::string etag = gzip ? file.etag.substr(0, file.etag.size() - 1) + "-gz\"" : file.etag;
  bool not_modified = !immutable && request[beast_http::field::if_none_match] == etag;

  http::Response response{not_modified ? beast_http::status::not_modified : beast_http::status::ok,
                          request.version()};
  response.set(beast_http::field::content_type, file.content_type);
  response.set(beast_http::field::cache_control, immutable ? kImmutable : "no-cache");
  if (!immutable) response.set(beast_http::field::etag, etag);
  if (!file.gzipped.empty()) response.set(beast_http::field::vary, "Accept-Encoding");
  if (gzip) response.set(beast_http::field::content_encoding, "gzip");
  response.set("X-Content-Type-Options", "nosniff");
  if (file.content_type.starts_with("text/html")) {
    response.set("Content-Security-Policy", kContentSecurityPolicy);
    response.set("Referrer-Policy", "no-referrer");
    response.set("X-Frame-Options", "DENY");
  }
  response.keep_alive(request.keep_alive());
  if (not_modified) return response;
  const std::string& body = gzip ? file.gzipped : file.body;
  if (head) {
    response.content_length(body.size());
  } else {
    response.body() = body;
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
