// Copyright 2026 The leakprof Authors.
//
// //web:assets serves exactly the files in web/, byte for byte, with the right
// content types; and app.js keeps to its rule of never inserting HTML.
//
// Flags (set by BUILD through $(rootpath)): --index, --app_js, --style_css:
// the source files, relative to the runfiles directory.

#include "web/assets.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"

namespace leakprof::web {
namespace {

std::string g_index = "web/index.html";
std::string g_app_js = "web/app.js";
std::string g_style_css = "web/style.css";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(AssetsTest, RootServesIndexHtml) {
  const Asset* root = FindAsset("/");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(root->body, ReadFile(g_index));
  const Asset* index = FindAsset("/index.html");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->body, root->body);
}

TEST(AssetsTest, ScriptAndStyleMatchTheirFiles) {
  const Asset* js = FindAsset("/app.js");
  ASSERT_NE(js, nullptr);
  EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js->body, ReadFile(g_app_js));
  const Asset* css = FindAsset("/style.css");
  ASSERT_NE(css, nullptr);
  EXPECT_EQ(css->content_type, "text/css; charset=utf-8");
  EXPECT_EQ(css->body, ReadFile(g_style_css));
}

TEST(AssetsTest, UnknownPathsAreNull) {
  EXPECT_EQ(FindAsset(""), nullptr);
  EXPECT_EQ(FindAsset("/app.js?v=1"), nullptr);
  EXPECT_EQ(FindAsset("app.js"), nullptr);
  EXPECT_EQ(FindAsset("/../web/app.js"), nullptr);
  EXPECT_EQ(FindAsset("/api/v1/suspects"), nullptr);
  EXPECT_EQ(FindAsset("/web/app.js"), nullptr);
}

TEST(AssetsTest, PageLoadsOnlyLocalFiles) {
  const std::string index = ReadFile(g_index);
  EXPECT_TRUE(absl::StrContains(index, "src=\"app.js\""));
  EXPECT_TRUE(absl::StrContains(index, "href=\"style.css\""));
  // No CDN, no external fonts: everything the page loads is embedded.
  for (const std::string& file :
       {index, ReadFile(g_app_js), ReadFile(g_style_css)}) {
    EXPECT_FALSE(absl::StrContains(file, "http://") &&
                 !absl::StrContains(file, "http://www.w3.org/2000/svg"))
        << "external http:// reference";
    EXPECT_FALSE(absl::StrContains(file, "https://"))
        << "external https:// reference";
    EXPECT_FALSE(absl::StrContains(file, "@import"));
  }
}

// Untrusted text (functions, files, services, hints) must only ever be
// inserted as text; the browser test proves it for one payload, this keeps
// the HTML-parsing sinks out of the code altogether.
TEST(AssetsTest, ScriptUsesNoHtmlSinks) {
  const std::string js = ReadFile(g_app_js);
  for (absl::string_view sink :
       {".innerHTML", ".outerHTML", "insertAdjacentHTML(", "document.write(",
        "createContextualFragment(", "eval(", "new Function(", "DOMParser"}) {
    EXPECT_FALSE(absl::StrContains(js, sink)) << "app.js uses " << sink;
  }
}

}  // namespace
}  // namespace leakprof::web

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::ConsumePrefix(&arg, "--index=")) {
      leakprof::web::g_index = std::string(arg);
    } else if (absl::ConsumePrefix(&arg, "--app_js=")) {
      leakprof::web::g_app_js = std::string(arg);
    } else if (absl::ConsumePrefix(&arg, "--style_css=")) {
      leakprof::web::g_style_css = std::string(arg);
    } else {
      fprintf(stderr, "unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  return RUN_ALL_TESTS();
}
