// Copyright 2026 The leakprof Authors.

#include "agent/config.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "yaml-cpp/yaml.h"

namespace leakprof {
namespace agent {
namespace {

std::string Where(absl::string_view file, const YAML::Mark& m) {
  if (m.is_null()) return std::string(file);
  return absl::StrCat(file, ":", m.line + 1, ":", m.column + 1);
}

absl::Status ErrorAt(absl::string_view file, const YAML::Node& n,
                     absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat(Where(file, n.Mark()), ": ", what));
}

bool IsIdentifier(absl::string_view s) {
  if (s.empty() || absl::ascii_isdigit(s[0])) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(c) && c != '_') return false;
  }
  return true;
}

absl::StatusOr<std::string> ScalarAt(absl::string_view file,
                                     const YAML::Node& n,
                                     absl::string_view what) {
  if (!n.IsScalar()) {
    return ErrorAt(file, n, absl::StrCat(what, ": want a string"));
  }
  return n.Scalar();
}

}  // namespace

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseLabels(
    absl::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::set<std::string> seen;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    item = absl::StripAsciiWhitespace(item);
    const size_t eq = item.find('=');
    if (eq == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("label \"", item, "\": want name=value"));
    }
    std::string name(absl::StripAsciiWhitespace(item.substr(0, eq)));
    if (!IsIdentifier(name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "label \"", item, "\": name must match [a-zA-Z_][a-zA-Z0-9_]*"));
    }
    if (!seen.insert(name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("label \"", name, "\" given twice"));
    }
    if (name.size() > 128 || item.size() - eq - 1 > 1024) {
      return absl::InvalidArgumentError(absl::StrCat(
          "label \"", name, "\": name over 128 or value over 1024 bytes"));
    }
    out.emplace_back(std::move(name), std::string(item.substr(eq + 1)));
  }
  if (out.size() > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat(out.size(), " labels, over the limit of 64"));
  }
  std::sort(out.begin(), out.end());
  return out;
}

absl::StatusOr<std::string> NormalizeTargetUrl(absl::string_view url) {
  if (!absl::StartsWith(url, "http://") && !absl::StartsWith(url, "https://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "target \"", url,
        "\": want the pprof root, e.g. http://127.0.0.1:6060/debug/pprof/"));
  }
  if (url.find_first_of("?# ") != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "target \"", url, "\": want the pprof root, without a query"));
  }
  std::string out(url);
  if (!absl::EndsWith(out, "/")) out += "/";
  return out;
}

std::string DefaultInstance(absl::string_view url) {
  const char* pod = std::getenv("POD_NAME");
  if (pod != nullptr && pod[0] != '\0') return pod;
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "http://")) {
    absl::ConsumePrefix(&rest, "https://");
  }
  rest = rest.substr(0, rest.find('/'));
  const size_t colon = rest.rfind(':');
  const absl::string_view port =
      colon == absl::string_view::npos ? "80" : rest.substr(colon + 1);
  return absl::StrCat(host[0] != '\0' ? host : "localhost", ":", port);
}

absl::StatusOr<FileConfig> ParseConfig(absl::string_view yaml,
                                       absl::string_view filename) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(filename, e.mark), ": ", e.msg));
  }
  FileConfig out;
  if (!root.IsMap()) {
    return ErrorAt(filename, root,
                   "want a mapping with \"targets\" (and \"collector\")");
  }
  for (const auto& kv : root) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
    if (key != "targets" && key != "collector") {
      return ErrorAt(filename, kv.first,
                     absl::StrCat("unknown key \"", key,
                                  "\" (want \"targets\" or \"collector\")"));
    }
  }
  if (root["collector"]) {
    absl::StatusOr<std::string> c =
        ScalarAt(filename, root["collector"], "collector");
    if (!c.ok()) return c.status();
    out.collector = *c;
  }
  const YAML::Node targets = root["targets"];
  if (!targets) return ErrorAt(filename, root, "missing \"targets\"");
  if (!targets.IsSequence() || targets.size() == 0) {
    return ErrorAt(filename, targets, "\"targets\": want a non-empty list");
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < targets.size(); ++i) {
    const YAML::Node t = targets[i];
    const std::string ctx = absl::StrCat("targets[", i, "]");
    if (!t.IsMap()) return ErrorAt(filename, t, ctx + ": want a mapping");
    TargetConfig tc;
    for (const auto& kv : t) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
      if (key == "target" || key == "service" || key == "instance") {
        absl::StatusOr<std::string> v =
            ScalarAt(filename, kv.second, absl::StrCat(ctx, ".", key));
        if (!v.ok()) return v.status();
        if (v->empty() || (key != "target" && v->size() > 256)) {
          return ErrorAt(
              filename, kv.second,
              absl::StrCat(ctx, ".", key, ": empty or over 256 bytes"));
        }
        if (key == "target") {
          absl::StatusOr<std::string> url = NormalizeTargetUrl(*v);
          if (!url.ok()) {
            return ErrorAt(filename, kv.second,
                           absl::StrCat(ctx, ": ", url.status().message()));
          }
          tc.url = *url;
        } else if (key == "service") {
          tc.service = *v;
        } else {
          tc.instance = *v;
        }
      } else if (key == "labels") {
        if (!kv.second.IsMap()) {
          return ErrorAt(filename, kv.second,
                         ctx + ".labels: want a mapping name: value");
        }
        std::string joined;
        for (const auto& l : kv.second) {
          if (!l.first.IsScalar() || !l.second.IsScalar()) {
            return ErrorAt(filename, l.first,
                           ctx + ".labels: want name: string value");
          }
          if (l.second.Scalar().find(',') != std::string::npos ||
              !IsIdentifier(l.first.Scalar())) {
            return ErrorAt(filename, l.first,
                           absl::StrCat(ctx, ".labels: bad label \"",
                                        l.first.Scalar(), "\""));
          }
          absl::StrAppend(&joined, joined.empty() ? "" : ",", l.first.Scalar(),
                          "=", l.second.Scalar());
        }
        absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
            labels = ParseLabels(joined);
        if (!labels.ok()) {
          return ErrorAt(
              filename, kv.second,
              absl::StrCat(ctx, ".labels: ", labels.status().message()));
        }
        tc.labels = *labels;
      } else {
        return ErrorAt(
            filename, kv.first,
            absl::StrCat(ctx, ": unknown key \"", key,
                         "\" (want target, service, instance, labels)"));
      }
    }
    if (tc.url.empty())
      return ErrorAt(filename, t, ctx + ": missing \"target\"");
    if (tc.service.empty()) {
      return ErrorAt(filename, t, ctx + ": missing \"service\"");
    }
    if (tc.instance.empty()) tc.instance = DefaultInstance(tc.url);
    if (!seen.insert(absl::StrCat(tc.service, "/", tc.instance)).second) {
      return ErrorAt(filename, t,
                     absl::StrCat(ctx, ": service/instance \"", tc.service, "/",
                                  tc.instance, "\" given twice"));
    }
    out.targets.push_back(std::move(tc));
  }
  return out;
}

}  // namespace agent
}  // namespace leakprof
