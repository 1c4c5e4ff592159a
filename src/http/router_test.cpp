#include "http/router.h"

#include <gtest/gtest.h>

namespace ebank::http {
namespace {

Handler Named(std::string name) {
  return [name](const Request& request, const Params&) -> awaitable<Response> {
    co_return Text(request, 200, name);
  };
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add(Verb::get, "/api/v1/me", Named("me"));
    router_.Add(Verb::post, "/api/v1/me/transfers", Named("transfer"), 1024);
    router_.Add(Verb::get, "/api/v1/me/transfers/{id}", Named("one"));
    router_.Add(Verb::post, "/api/v1/me/transfers/{id}/confirm", Named("confirm"));
    router_.Add(Verb::get, "/api/v1/accounts/{number}/entries/{seq}", Named("entry"));
  }

  // The pattern of the route found, or "404" / "405".
  std::string Find(Verb verb, std::string_view target, Params* params = nullptr) {
    Router::Match match = router_.Find(verb, target);
    if (params) *params = match.params;
    if (match.route) return match.route->pattern;
    return match.path_known ? "405" : "404";
  }

  Router router_;
};

TEST_F(RouterTest, LiteralSegmentsMatchWholeAndInOrder) {
  EXPECT_EQ(Find(Verb::get, "/api/v1/me"), "/api/v1/me");
  EXPECT_EQ(Find(Verb::post, "/api/v1/me/transfers"), "/api/v1/me/transfers");
  EXPECT_EQ(Find(Verb::get, "/api/v1/m"), "404");
  EXPECT_EQ(Find(Verb::get, "/api/v1/me/"), "404");  // A trailing slash is one more segment.
  EXPECT_EQ(Find(Verb::get, "/api/v1"), "404");
  EXPECT_EQ(Find(Verb::get, "/v1/api/me"), "404");
  EXPECT_EQ(Find(Verb::get, "/api/v1/me?page=2"), "/api/v1/me");  // The query is not the path.
}

TEST_F(RouterTest, CapturesTakeOneNonEmptySegment) {
  Params params;
  EXPECT_EQ(Find(Verb::get, "/api/v1/me/transfers/42", &params), "/api/v1/me/transfers/{id}");
  EXPECT_EQ(params, (Params{{"id", "42"}}));
  EXPECT_EQ(Find(Verb::get, "/api/v1/accounts/6222/entries/7?x=1", &params),
            "/api/v1/accounts/{number}/entries/{seq}");
  EXPECT_EQ(params, (Params{{"number", "6222"}, {"seq", "7"}}));
  EXPECT_EQ(Find(Verb::post, "/api/v1/me/transfers/9/confirm", &params),
            "/api/v1/me/transfers/{id}/confirm");
  EXPECT_EQ(params, (Params{{"id", "9"}}));
  EXPECT_EQ(Find(Verb::get, "/api/v1/me/transfers/"), "404");  // Empty capture.
  EXPECT_EQ(Find(Verb::get, "/api/v1/me/transfers/1/2"), "404");
  EXPECT_EQ(Find(Verb::get, "/api/v1/accounts//entries/7"), "404");
}

TEST_F(RouterTest, AKnownPathWithAnotherMethodIs405) {
  EXPECT_EQ(Find(Verb::delete_, "/api/v1/me"), "405");
  EXPECT_EQ(Find(Verb::get, "/api/v1/me/transfers"), "405");
  EXPECT_EQ(Find(Verb::get, "/api/v1/me/transfers/9/confirm"), "405");
  EXPECT_EQ(Find(Verb::post, "/nothing/here"), "404");
}

TEST_F(RouterTest, BodyLimitIsTheRoutes) {
  EXPECT_EQ(Router::BodyLimit(router_.Find(Verb::post, "/api/v1/me/transfers")), 1024u);
  EXPECT_EQ(Router::BodyLimit(router_.Find(Verb::post, "/api/v1/me/transfers/1/confirm")),
            64u * 1024);
  EXPECT_EQ(Router::BodyLimit(router_.Find(Verb::post, "/nothing")), 4096u);
}

}  // namespace
}  // namespace ebank::http
