#include "http/router.h"

namespace ebank::http {
namespace {

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

bool IsCapture(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Whether a path's segments fit a route's, and its captures into *params when they do.
bool Fits(const std::vector<std::string>& want, const std::vector<std::string_view>& have,
          Params* params) {
  if (want.size() != have.size()) return false;
  for (size_t i = 0; i < want.size(); ++i) {
    if (IsCapture(want[i]) ? have[i].empty() : want[i] != have[i]) return false;
  }
  if (params) {
    params->clear();
    for (size_t i = 0; i < want.size(); ++i) {
      if (IsCapture(want[i])) {
        params->emplace(want[i].substr(1, want[i].size() - 2), std::string(have[i]));
      }
    }
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
               HexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

void Router::Add(Verb verb, std::string pattern, Handler handler, size_t body_bytes_max) {
  Add(verb, std::move(pattern), std::move(handler), RouteDoc{}, body_bytes_max);
}

void Router::Add(Verb verb, std::string pattern, Handler handler, RouteDoc doc,
                 size_t body_bytes_max) {
  Keep(
      Route{verb, std::move(pattern), std::move(handler), body_bytes_max, std::move(doc), nullptr});
}

void Router::AddStream(Verb verb, std::string pattern, StreamHandler handler, RouteDoc doc) {
  constexpr size_t kStreamRequestBodyBytesMax = 4096;  // A stream is opened by a GET.
  Keep(Route{verb, std::move(pattern), nullptr, kStreamRequestBodyBytesMax, std::move(doc),
             std::move(handler)});
}

void Router::Keep(Route route) {
  std::vector<std::string> segments;
  for (std::string_view segment : Segments(route.pattern))
    segments.emplace_back(segment);
  patterns_.push_back(std::move(segments));
  routes_.push_back(std::move(route));
}

Router::Match Router::Find(Verb verb, std::string_view target) const {
  // Each pattern was split once, when added; the path is split once here.
  const std::vector<std::string_view> path = Segments(PathOf(target));
  Match match;
  for (size_t i = 0; i < routes_.size(); ++i) {
    bool same_verb = routes_[i].verb == verb;
    if (!Fits(patterns_[i], path, same_verb ? &match.params : nullptr)) continue;
    match.path_known = true;
    if (same_verb) {
      match.route = &routes_[i];
      break;
    }
  }
  return match;
}

awaitable<Streamed> Router::Dispatch(const Request& request, Match match) const {
  const Route* route = match.route;
  if (route == nullptr && !match.path_known && fallback_) {
    Response response = co_await fallback_(request, match.params);
    co_return Streamed{std::move(response), nullptr};
  }
  if (route == nullptr) {
    co_return Streamed{match.path_known
                           ? Problem(request, 405, "method_not_allowed", "method not allowed here")
                           : Problem(request, 404, "not_found", "no such resource"),
                       nullptr};
  }
  if (route->stream) co_return co_await route->stream(request, match.params);
  // Awaited into a variable first: g++ 12 destroys a temporary twice when a co_await sits
  // inside a co_return expression that builds an aggregate.
  Response response = co_await route->handler(request, match.params);
  co_return Streamed{std::move(response), nullptr};
}

size_t Router::BodyLimit(const Match& match) {
  constexpr size_t kUnknownRouteBodyBytesMax = 4096;
  return match.route ? match.route->body_bytes_max : kUnknownRouteBodyBytesMax;
}

std::string_view PathOf(std::string_view target) {
  return target.substr(0, target.find('?'));
}

std::string QueryParam(std::string_view target, std::string_view name) {
  size_t question = target.find('?');
  if (question == std::string_view::npos) return "";
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t equals = pair.find('=');
    if (pair.substr(0, equals) == name) {
      return equals == std::string_view::npos ? "" : PercentDecode(pair.substr(equals + 1));
    }
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
  return "";
}

}  // namespace ebank::http
