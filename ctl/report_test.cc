// Copyright 2026 The leakprof Authors.

#include "ctl/report.h"

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "common/goprof/parser.h"
#include "common/goprof/sites.h"
#include "gtest/gtest.h"

namespace leakprof {
namespace ctl {
namespace {

using goprof::BlockClass;
using goprof::Frame;
using goprof::Profile;
using goprof::Site;
using goprof::Stack;

std::string ReadTestdata(const std::string& name) {
  std::ifstream f("common/goprof/testdata/" + name, std::ios::binary);
  EXPECT_TRUE(f.good()) << name;
  return std::string(std::istreambuf_iterator<char>(f),
                     std::istreambuf_iterator<char>());
}

// One stack whose function and file names carry terminal escapes, as a
// hostile or broken service could send.
Profile HostileProfile() {
  Profile p;
  p.format = goprof::Format::kDebug2;
  p.frames.push_back(
      Frame{"main.evil\x1b[31mred\nfake line", "/src/a\rb.go", 7});
  Stack s;
  s.frame_indices = {0};
  s.count = 3;
  s.block_class = BlockClass::kChanSend;
  s.site_frame = 0;
  s.wait_reason = "chan send\x07";
  p.stacks.push_back(s);
  p.total_goroutines = 3;
  return p;
}

TEST(RenderTextTest, ReplacesControlCharacters) {
  const Profile p = HostileProfile();
  const std::string text =
      RenderText(p, goprof::AggregateSites(p), ReportOptions{});
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_EQ(text.find('\x07'), std::string::npos);
  EXPECT_TRUE(absl::StrContains(text, "main.evil?[31mred?fake line")) << text;
}

TEST(RenderJsonTest, EscapesControlCharacters) {
  const Profile p = HostileProfile();
  const std::string json =
      RenderJson(p, goprof::AggregateSites(p), ReportOptions{}, std::nullopt)
          .dump();
  EXPECT_EQ(json.find('\x1b'), std::string::npos);
  EXPECT_TRUE(absl::StrContains(json, "main.evil\\u001b[31mred\\nfake line"))
      << json;
}

TEST(RenderJsonTest, ShapeOfARealProfile) {
  absl::StatusOr<Profile> p = goprof::Parse(ReadTestdata("go119_tiny.debug2"));
  ASSERT_TRUE(p.ok()) << p.status();
  const std::vector<Site> sites = goprof::AggregateSites(*p);
  ReportOptions options;
  options.source = "tiny.txt";
  const nlohmann::json j = RenderJson(*p, sites, options, 0.25);

  EXPECT_EQ(j["source"], "tiny.txt");
  EXPECT_EQ(j["format"], "debug2");
  EXPECT_EQ(j["kind"], "goroutine");
  EXPECT_EQ(j["total_goroutines"], p->total_goroutines);
  EXPECT_EQ(j["num_stacks"], p->stacks.size());
  EXPECT_EQ(j["truncated"], false);
  EXPECT_EQ(j["best_seconds"], 0.25);
  ASSERT_EQ(j["sites"].size(), sites.size());  // JSON ignores --top
  int64_t previous = INT64_MAX;
  int64_t sum = 0;
  for (const nlohmann::json& site : j["sites"]) {
    const std::string id = site["site_id"];
    EXPECT_EQ(id.size(), 16u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
    const std::string cls = site["class"];
    EXPECT_TRUE(goprof::BlockClassFromName(cls).has_value()) << cls;
    const int64_t n = site["goroutines"];
    EXPECT_LE(n, previous);  // most goroutines first
    previous = n;
    sum += n;
    EXPECT_GE(site["num_stacks"].get<int>(), 1);
    const nlohmann::json& stack = site["sample_stack"];
    EXPECT_EQ(stack["stack_id"].get<std::string>().size(), 16u);
    EXPECT_EQ(stack["class"], site["class"]);
    EXPECT_FALSE(stack["frames"].empty());
    EXPECT_TRUE(stack["frames"][0].contains("function"));
    EXPECT_TRUE(stack["frames"][0].contains("file"));
    EXPECT_TRUE(stack["frames"][0].contains("line"));
  }
  EXPECT_EQ(sum, p->total_goroutines);
}

TEST(RenderJsonTest, NoBestSecondsUnlessGiven) {
  const Profile p = HostileProfile();
  const nlohmann::json j =
      RenderJson(p, goprof::AggregateSites(p), ReportOptions{}, std::nullopt);
  EXPECT_FALSE(j.contains("best_seconds"));
}

TEST(RenderTextTest, TopAndFramesCutTheReport) {
  absl::StatusOr<Profile> p = goprof::Parse(ReadTestdata("go119_tiny.debug2"));
  ASSERT_TRUE(p.ok()) << p.status();
  const std::vector<Site> sites = goprof::AggregateSites(*p);
  ASSERT_GE(sites.size(), 3u);
  ReportOptions options;
  options.top = 2;
  options.frames = 1;
  const std::string text = RenderText(*p, sites, options);
  EXPECT_TRUE(absl::StrContains(
      text, absl::StrCat("... ", sites.size() - 2, " more sites")))
      << text;
  EXPECT_TRUE(absl::StrContains(text, "more frames")) << text;
  EXPECT_TRUE(absl::StartsWith(text, "goroutine profile (debug2)")) << text;

  options.top = 0;  // all
  EXPECT_FALSE(absl::StrContains(RenderText(*p, sites, options), "more sites"));
}

}  // namespace
}  // namespace ctl
}  // namespace leakprof
