// The customer's inbox and live balance-change alerts over /api/v1 (SEC-8): the list, marking
// read, and a server-sent event stream an open page listens to.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>
#include <chrono>
#include <memory>

#include "app/api_common.h"
#include "app/api_v1.h"
#include "http/json.h"
#include "services/notifications.h"

namespace ebank::app {

namespace asio = boost::asio;
namespace json = boost::json;
using http::Params;
using http::Request;
using http::Response;
using http::RouteDoc;
using http::Verb;
using namespace api;

namespace {

// A comment line this often keeps proxies and the browser from giving up on a quiet stream.
constexpr auto kStreamHeartbeat = std::chrono::seconds(15);
// A stream ends after this long (the page reconnects at once, with Last-Event-ID), so that
// it is authenticated again now and then and never outlives its session for long.
constexpr int64_t kStreamLifetimeMs = 5 * 60 * 1000;
// How long the browser waits before reconnecting after the stream ends or fails.
constexpr int kStreamRetryMs = 3000;
constexpr size_t kDefaultPageSize = 20;

json::object NotificationJson(const services::Notification& notification) {
  const Currency& currency = notification.amount.currency();
  json::object out{{"id", notification.id},
                   {"kind", notification.kind},
                   {"direction", notification.direction},
                   {"amount", http::AmountJson(notification.amount.minor(), currency)},
                   {"currency", currency.code()},
                   {"account_tail", notification.account_tail},
                   {"balance_after", http::AmountJson(notification.balance_after_minor, currency)},
                   {"at_ms", notification.at_ms},
                   {"read", notification.read_at_ms.has_value()}};
  if (notification.read_at_ms) out["read_at_ms"] = *notification.read_at_ms;
  return out;
}

// One server-sent event; its id lets a reconnecting page ask for what it missed.
std::string EventText(const services::Notification& notification) {
  return "id: " + std::to_string(notification.id) + "\nevent: " + notification.kind +
         "\ndata: " + json::serialize(NotificationJson(notification)) + "\n\n";
}

// A positive integer, or nullopt.
std::optional<int64_t> PositiveInteger(std::string_view text) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value <= 0) {
    return std::nullopt;
  }
  return value;
}

// The stream's body: catches up, then sends each notification as it arrives and a
// heartbeat when there is none, until its lifetime ends or it is cancelled.
http::StreamBody StreamOf(std::shared_ptr<services::NotificationSubscription> subscription,
                          int64_t lifetime_ms) {
  return [subscription = std::move(subscription),
          lifetime_ms](http::StreamSink& sink) -> http::awaitable<void> {
    using Channel = asio::experimental::concurrent_channel<void(boost::system::error_code)>;
    using namespace asio::experimental::awaitable_operators;
    constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
    auto executor = co_await asio::this_coro::executor;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(lifetime_ms);
    // Holds at most one wake-up: many arrivals before the next Take are one wake-up.
    auto arrived = std::make_shared<Channel>(executor, 1);
    subscription->OnArrival([arrived] { arrived->try_send(boost::system::error_code{}); });
    asio::steady_timer heartbeat(executor);
    if (!co_await sink.Write("retry: " + std::to_string(kStreamRetryMs) + "\n: open\n\n")) {
      co_return;
    }
    while (true) {
      bool overflowed = false;
      for (const services::Notification& notification : subscription->Take(&overflowed)) {
        if (!co_await sink.Write(EventText(notification))) co_return;
      }
      // The page missed some: it reloads its inbox.
      if (overflowed && !co_await sink.Write("event: overflow\ndata: {}\n\n")) co_return;
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline) co_return;
      heartbeat.expires_after(
          std::min<std::chrono::steady_clock::duration>(kStreamHeartbeat, deadline - now));
      auto woken = co_await (arrived->async_receive(kUseTuple) || heartbeat.async_wait(kUseTuple));
      if (woken.index() == 1 && !co_await sink.Write(": heartbeat\n\n")) co_return;
    }
  };
}

// The customer session behind a request, as CustomerOnly checks it, or its refusal.
http::awaitable<std::optional<services::Session>> StreamCustomer(const ApiServices& api,
                                                                 const Request& request,
                                                                 const Params& params,
                                                                 Response* refusal) {
  std::optional<services::Session> customer;
  http::Handler check =
      CustomerOnly(api.sessions,
                   [&customer](const Request&, const Params&,
                               const services::Session& session) -> http::awaitable<Response> {
                     customer = session;
                     co_return Response{};
                   });
  *refusal = co_await check(request, params);
  co_return customer;
}

}  // namespace

void AddNotificationRoutes(http::Router& router, const ApiServices& api) {
  router.Add(
      Verb::get, "/api/v1/me/notifications",
      CustomerOnly(
          api.sessions,
          [&api](const Request& request, const Params&,
                 const services::Session& session) -> http::awaitable<Response> {
            std::optional<int64_t> before;
            size_t limit = kDefaultPageSize;
            if (std::string text = http::QueryParam(request.target(), "before"); !text.empty()) {
              before = PositiveInteger(text);
              if (!before) {
                co_return http::Problem(request, 400, "invalid_before",
                                        "before must be a notification id");
              }
            }
            if (std::string text = http::QueryParam(request.target(), "limit"); !text.empty()) {
              auto value = PositiveInteger(text);
              if (!value || *value > static_cast<int64_t>(services::kNotificationPageMax)) {
                co_return http::Problem(request, 400, "invalid_limit", "limit must be 1 to 100");
              }
              limit = static_cast<size_t>(*value);
            }
            auto page = api.notifications.List(session.subject_id, before, limit);
            if (!page.ok()) co_return http::Problem(request, page.status());
            json::array list;
            for (const auto& notification : page->notifications)
              list.push_back(NotificationJson(notification));
            json::object out{{"notifications", std::move(list)}, {"unread", page->unread}};
            if (page->next_before) out["next_before"] = *page->next_before;
            co_return http::Json(request, 200, out);
          }),
      RouteDoc{"My notifications (balance-change alerts), newest first, with the unread count",
               "notifications", "customer", "", "NotificationList", 200});

  router.Add(Verb::post, "/api/v1/me/notifications/{id}/read",
             CustomerOnly(api.sessions,
                          [&api](const Request& request, const Params& params,
                                 const services::Session& session) -> http::awaitable<Response> {
                            auto id = IdParam(params, "id");
                            if (!id) {
                              co_return http::Problem(request, 404, "unknown_notification",
                                                      "no such notification");
                            }
                            Status marked = api.notifications.MarkRead(session.subject_id, *id);
                            if (!marked.ok()) co_return http::Problem(request, marked);
                            auto unread = api.notifications.UnreadCount(session.subject_id);
                            if (!unread.ok()) co_return http::Problem(request, unread.status());
                            co_return http::Json(request, 200, json::object{{"unread", *unread}});
                          }),
             RouteDoc{"Mark one of my notifications read", "notifications", "customer", "",
                      "UnreadCount", 200});

  router.Add(
      Verb::post, "/api/v1/me/notifications/read-all",
      CustomerOnly(
          api.sessions,
          [&api](const Request& request, const Params&,
                 const services::Session& session) -> http::awaitable<Response> {
            auto marked = api.notifications.MarkAllRead(session.subject_id);
            if (!marked.ok()) co_return http::Problem(request, marked.status());
            co_return http::Json(request, 200, json::object{{"marked", *marked}, {"unread", 0}});
          }),
      RouteDoc{"Mark all my notifications read", "notifications", "customer", "", "UnreadCount",
               200});

  router.AddStream(
      Verb::get, "/api/v1/me/notifications/stream",
      [&api](const Request& request, const Params& params) -> http::awaitable<http::Streamed> {
        Response refusal;
        auto customer = co_await StreamCustomer(api, request, params, &refusal);
        if (!customer) co_return http::Streamed{std::move(refusal), nullptr};
        // A reconnecting EventSource names the last event it had.
        std::optional<int64_t> after;
        std::string_view last_event_id = request["Last-Event-ID"];
        if (!last_event_id.empty()) after = PositiveInteger(last_event_id);
        auto subscription = api.notifications.Subscribe(customer->subject_id, after);
        if (!subscription.ok()) {
          Status status = subscription.status();
          Response problem = status.reason() == "too_many_streams"
                                 ? http::Problem(request, 429, status.reason(), status.message())
                                 : http::Problem(request, status);
          co_return http::Streamed{std::move(problem), nullptr};
        }
        Response response{boost::beast::http::status::ok, request.version()};
        response.set(boost::beast::http::field::content_type, "text/event-stream; charset=utf-8");
        response.set(boost::beast::http::field::cache_control, "no-store");
        response.set("X-Accel-Buffering", "no");  // Tells nginx not to hold events back.
        int64_t lifetime_ms =
            std::clamp<int64_t>(customer->expires_at_ms - api.clock.NowMs(), 0, kStreamLifetimeMs);
        co_return http::Streamed{std::move(response),
                                 StreamOf(std::move(*subscription), lifetime_ms)};
      },
      RouteDoc{"Live notifications as server-sent events: one event per new notification (its "
               "kind as the event name, the notification as data, its id as the event id; "
               "Last-Event-ID replays missed ones) and a comment every 15 s",
               "notifications", "customer", "", "text/event-stream", 200});
}

}  // namespace ebank::app
