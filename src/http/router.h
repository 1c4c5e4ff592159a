// Routes requests by method and path to handlers. Path patterns have literal segments and
// {name} captures: "/internal/ledger/accounts/{id}". Not thread-safe to modify; safe to
// Dispatch from many threads once built.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "http/http.h"

namespace ebank::http {

using Params = std::map<std::string, std::string, std::less<>>;
using Handler = std::function<awaitable<Response>(const Request&, const Params&)>;
// A route that may answer with a stream (see Streamed); runs on the handler pool like a
// Handler, so it may block on the database before it hands the stream over.
using StreamHandler = std::function<awaitable<Streamed>(const Request&, const Params&)>;

// What the OpenAPI document says of a route.
struct RouteDoc {
  std::string summary;
  std::string tag;         // "ledger", "staff", "customers", ...
  std::string auth;        // "" (none), "operator", "staff", "customer".
  std::string request;     // Name of the request body's schema, "" when none.
  std::string response;    // Name of the success response's schema, "" when none.
  unsigned success = 200;  // The status of a successful answer.
};

struct Route {
  Verb verb;
  std::string pattern;
  Handler handler;
  size_t body_bytes_max = 64 * 1024;
  RouteDoc doc;
  StreamHandler stream;  // Set (and `handler` empty) on a streaming route.
};

class Router {
 public:
  void Add(Verb verb, std::string pattern, Handler handler, size_t body_bytes_max = 64 * 1024);
  void Add(Verb verb, std::string pattern, Handler handler, RouteDoc doc,
           size_t body_bytes_max = 64 * 1024);
  // A streaming route (server-sent events, say), opened by a request without a body.
  void AddStream(Verb verb, std::string pattern, StreamHandler handler, RouteDoc doc);
  // The route for a request line, found once per request (its header is enough), with
  // its captures; no route, and path_known, when only the method is wrong (405, not 404).
  struct Match {
    const Route* route = nullptr;
    Params params;
    bool path_known = false;
  };
  Match Find(Verb verb, std::string_view target) const;
  // The body limit of a request: its route's, or a small default when it has none.
  static size_t BodyLimit(const Match& match);
  // The handler's response (with a streaming route's body when it answers with one), the
  // fallback's, or 404 or 405.
  awaitable<Streamed> Dispatch(const Request& request, Match match) const;
  const std::vector<Route>& routes() const { return routes_; }
  // Answers requests whose path no route has, in place of the 404 (the web app's files).
  // Routes are matched first, so a fallback never changes how a routed path is answered.
  void SetFallback(Handler handler) { fallback_ = std::move(handler); }

 private:
  void Keep(Route route);

  std::vector<Route> routes_;
  std::vector<std::vector<std::string>> patterns_;  // Each route's pattern, split at '/'.
  Handler fallback_;
};

// The path of a target, without its query.
std::string_view PathOf(std::string_view target);
// The value of `name` in the target's query string ("" when absent), percent-decoded.
std::string QueryParam(std::string_view target, std::string_view name);

}  // namespace ebank::http
