#include "app/static_files.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "testing/testing.h"

namespace ebank::app {
namespace {

namespace beast_http = boost::beast::http;

std::string Gunzip(const std::string& data) {
  z_stream stream{};
  EXPECT_EQ(inflateInit2(&stream, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(stream.total_out);
  inflateEnd(&stream);
  return out;
}

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Write("index.html", "<!doctype html><title>ebank</title>" + std::string(2000, ' '));
    std::string script;
    for (int i = 0; i < 200; ++i)
      script += "console.log('ebank " + std::to_string(i) + "');\n";
    std::filesystem::create_directories(dir_ + "/assets");
    Write("assets/index-abc.js", script);
    Write("icon.png", std::string("\x89PNG\r\n\x1a\n", 8) + std::string(500, 'x'));
    auto loaded = StaticFiles::Load(dir_);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    files_.emplace(std::move(*loaded));
  }
  void TearDown() override { testing::RemoveTree(dir_); }

  void Write(const std::string& name, const std::string& body) {
    std::ofstream(dir_ + "/" + name, std::ios::binary) << body;
    bodies_[name] = body;
  }
  http::Response Get(const std::string& target, const std::string& accept_encoding = "") {
    http::Request request{beast_http::verb::get, target, 11};
    if (!accept_encoding.empty()) request.set(beast_http::field::accept_encoding, accept_encoding);
    return files_->Serve(request);
  }

  std::string dir_ = testing::MakeTempDir("ebank-static-test");
  std::map<std::string, std::string> bodies_;
  std::optional<StaticFiles> files_;
};

TEST_F(StaticFilesTest, TextIsGzippedForClientsThatAcceptIt) {
  http::Response plain = Get("/assets/index-abc.js");
  EXPECT_EQ(plain.result_int(), 200u);
  EXPECT_EQ(plain.body(), bodies_["assets/index-abc.js"]);
  EXPECT_TRUE(plain[beast_http::field::content_encoding].empty());
  EXPECT_EQ(plain[beast_http::field::vary], "Accept-Encoding");

  http::Response gzipped = Get("/assets/index-abc.js", "br, gzip;q=0.8, deflate");
  EXPECT_EQ(gzipped[beast_http::field::content_encoding], "gzip");
  EXPECT_LT(gzipped.body().size(), plain.body().size() / 4);
  EXPECT_EQ(Gunzip(gzipped.body()), bodies_["assets/index-abc.js"]);
  EXPECT_EQ(gzipped[beast_http::field::content_type], "text/javascript; charset=utf-8");

  // Refused with q=0, or not offered: the plain body.
  EXPECT_TRUE(Get("/assets/index-abc.js", "gzip;q=0")[beast_http::field::content_encoding].empty());
  EXPECT_TRUE(Get("/assets/index-abc.js", "deflate")[beast_http::field::content_encoding].empty());
  // Images are sent as they are.
  http::Response image = Get("/icon.png", "gzip");
  EXPECT_TRUE(image[beast_http::field::content_encoding].empty());
  EXPECT_EQ(image.body(), bodies_["icon.png"]);
}

TEST_F(StaticFilesTest, EachEncodingHasItsOwnTag) {
  http::Response plain = Get("/");
  http::Response gzipped = Get("/", "gzip");
  ASSERT_FALSE(plain[beast_http::field::etag].empty());
  EXPECT_NE(plain[beast_http::field::etag], gzipped[beast_http::field::etag]);
  EXPECT_EQ(Gunzip(gzipped.body()), bodies_["index.html"]);
  http::Request again{beast_http::verb::get, "/", 11};
  again.set(beast_http::field::accept_encoding, "gzip");
  again.set(beast_http::field::if_none_match, gzipped[beast_http::field::etag]);
  EXPECT_EQ(files_->Serve(again).result_int(), 304u);
  // The plain tag does not match the gzip representation.
  again.set(beast_http::field::if_none_match, plain[beast_http::field::etag]);
  EXPECT_EQ(files_->Serve(again).result_int(), 200u);
}

TEST_F(StaticFilesTest, PathsOutsideTheAppAreNotFound) {
  for (const char* target : {"/../etc/passwd", "/assets/%2e%2e/x", "//index.html", "/api/v1/x",
                             "/assets/missing.js", "/a\\b"}) {
    EXPECT_EQ(Get(target).result_int(), 404u) << target;
  }
  // A page path of the app gets the app.
  EXPECT_EQ(Get("/transfer").body(), bodies_["index.html"]);
}

}  // namespace
}  // namespace ebank::app
