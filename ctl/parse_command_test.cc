// Copyright 2026 The leakprof Authors.

#include "ctl/parse_command.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace leakprof {
namespace ctl {
namespace {

constexpr char kTiny[] = "common/goprof/testdata/go119_tiny.debug0";

// Serves one canned answer and records the URL asked for.
class FakeFetcher : public http::Fetcher {
 public:
  explicit FakeFetcher(absl::StatusOr<http::FetchResult> answer)
      : answer_(std::move(answer)) {}
  absl::StatusOr<http::FetchResult> Get(
      absl::string_view url, const http::FetchOptions& options) override {
    last_url_ = std::string(url);
    last_max_body_bytes_ = options.max_body_bytes;
    return answer_;
  }
  std::string last_url_;
  int64_t last_max_body_bytes_ = 0;

 private:
  absl::StatusOr<http::FetchResult> answer_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f),
                     std::istreambuf_iterator<char>());
}

std::string WriteTemp(const std::string& name, const std::string& content) {
  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

FakeFetcher NoFetch() { return FakeFetcher(absl::InternalError("no fetch")); }

TEST(ParseCommandTest, FileToJson) {
  ParseCommandOptions options;
  options.input = kTiny;
  options.json = true;
  options.repeat = 3;
  FakeFetcher fetcher = NoFetch();
  std::ostringstream out;
  ASSERT_TRUE(RunParseCommand(options, fetcher, out).ok());
  const nlohmann::json j = nlohmann::json::parse(out.str());
  EXPECT_EQ(j["format"], "debug0");
  EXPECT_EQ(j["source"], kTiny);
  EXPECT_GT(j["total_goroutines"].get<int64_t>(), 0);
  EXPECT_GT(j["best_seconds"].get<double>(), 0);
  EXPECT_TRUE(fetcher.last_url_.empty());
}

TEST(ParseCommandTest, UrlGoesThroughTheFetcher) {
  http::FetchResult result;
  result.http_status = 200;
  result.body = ReadFile(kTiny);
  FakeFetcher fetcher(result);
  ParseCommandOptions options;
  options.input = "http://127.0.0.1:1/debug/pprof/goroutine";
  options.parse.max_body_bytes = 1 << 20;
  std::ostringstream out;
  ASSERT_TRUE(RunParseCommand(options, fetcher, out).ok());
  EXPECT_EQ(fetcher.last_url_, options.input);
  EXPECT_EQ(fetcher.last_max_body_bytes_, 1 << 20);
  EXPECT_TRUE(absl::StartsWith(out.str(), "goroutine profile (debug0) from "))
      << out.str();
}

TEST(ParseCommandTest, FetchErrorsPassThrough) {
  FakeFetcher fetcher(absl::UnavailableError("connection refused"));
  ParseCommandOptions options;
  options.input = "http://127.0.0.1:1/debug/pprof/goroutine";
  std::ostringstream out;
  EXPECT_EQ(RunParseCommand(options, fetcher, out).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_TRUE(out.str().empty());
}

TEST(ParseCommandTest, MissingFile) {
  ParseCommandOptions options;
  options.input = "/nonexistent/profile.pb.gz";
  FakeFetcher fetcher = NoFetch();
  std::ostringstream out;
  EXPECT_EQ(RunParseCommand(options, fetcher, out).code(),
            absl::StatusCode::kNotFound);
}

TEST(ParseCommandTest, NotAProfileNamesTheInput) {
  ParseCommandOptions options;
  options.input = WriteTemp("page.html", "<html><body>404</body></html>\n");
  FakeFetcher fetcher = NoFetch();
  std::ostringstream out;
  const absl::Status s = RunParseCommand(options, fetcher, out);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "page.html")) << s;
  EXPECT_TRUE(out.str().empty());
}

TEST(ParseCommandTest, BodyOverTheBound) {
  ParseCommandOptions options;
  options.input = kTiny;
  options.parse.max_body_bytes = 100;
  FakeFetcher fetcher = NoFetch();
  std::ostringstream out;
  EXPECT_EQ(RunParseCommand(options, fetcher, out).code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(ParseCommandTest, RepeatMustBePositive) {
  ParseCommandOptions options;
  options.input = kTiny;
  options.repeat = 0;
  FakeFetcher fetcher = NoFetch();
  std::ostringstream out;
  EXPECT_EQ(RunParseCommand(options, fetcher, out).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ParseCommandTest, ForcedWrongFormatIsAnError) {
  ParseCommandOptions options;
  options.input = kTiny;  // debug=0
  options.format = goprof::Format::kDebug2;
  FakeFetcher fetcher = NoFetch();
  std::ostringstream out;
  EXPECT_EQ(RunParseCommand(options, fetcher, out).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ctl
}  // namespace leakprof
