// Copyright 2026 The leakprof Authors.

#include "analyzer/rules.h"

#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "re2/re2.h"
#include "yaml-cpp/yaml.h"

namespace leakprof {
namespace analyzer {
namespace {

absl::StatusOr<std::shared_ptr<re2::RE2>> Compile(const std::string& pattern,
                                                  absl::string_view where) {
  auto re = std::make_shared<re2::RE2>(pattern, re2::RE2::Quiet);
  if (!re->ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": bad regular expression \"", pattern, "\": ", re->error()));
  }
  return re;
}

absl::StatusOr<std::string> ScalarField(const YAML::Node& node,
                                        const char* name,
                                        absl::string_view where) {
  const YAML::Node field = node[name];
  if (!field) return std::string();
  if (!field.IsScalar()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": \"", name, "\" must be a string"));
  }
  return field.as<std::string>();
}

absl::StatusOr<std::map<std::string, std::string>> LabelsField(
    const YAML::Node& node, absl::string_view where) {
  std::map<std::string, std::string> labels;
  if (!node) return labels;
  if (!node.IsMap()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": labels must be a map of strings"));
  }
  for (const auto& kv : node) {
    if (!kv.second.IsScalar()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": label \"", kv.first.as<std::string>(), "\" not a string"));
    }
    labels[kv.first.as<std::string>()] = kv.second.as<std::string>();
  }
  return labels;
}

absl::StatusOr<Matcher> MatcherOf(const YAML::Node& node,
                                  absl::string_view where) {
  if (!node.IsMap()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": not a map"));
  }
  absl::StatusOr<std::string> service = ScalarField(node, "service", where);
  if (!service.ok()) return service.status();
  absl::StatusOr<std::string> function = ScalarField(node, "function", where);
  if (!function.ok()) return function.status();
  absl::StatusOr<std::string> file = ScalarField(node, "file", where);
  if (!file.ok()) return file.status();
  bool top = false;
  if (node["top"]) {
    try {
      top = node["top"].as<bool>();
    } catch (const YAML::Exception&) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": \"top\" must be true or false"));
    }
  }
  absl::StatusOr<Matcher> matcher =
      Matcher::Create(*service, *function, *file, top, where);
  if (!matcher.ok()) return matcher.status();
  if (matcher->empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": needs at least one of service, function, file"));
  }
  return matcher;
}

absl::StatusOr<YAML::Node> ParseYaml(absl::string_view text) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("YAML: line ", e.mark.line + 1, ": ", e.msg));
  }
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  if (text.size() > (1 << 20)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": larger than 1 MiB"));
  }
  return text;
}

absl::Status Prefix(const absl::Status& status, const std::string& path) {
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      absl::StrCat(path, ": ", status.message()));
}

}  // namespace

absl::StatusOr<Matcher> Matcher::Create(const std::string& service,
                                        const std::string& function,
                                        const std::string& file, bool top,
                                        absl::string_view where) {
  Matcher m;
  m.top_ = top;
  if (!service.empty()) {
    auto re = Compile(service, absl::StrCat(where, ": service"));
    if (!re.ok()) return re.status();
    m.service_ = *re;
  }
  if (!function.empty()) {
    auto re = Compile(function, absl::StrCat(where, ": function"));
    if (!re.ok()) return re.status();
    m.function_ = *re;
  }
  if (!file.empty()) {
    auto re = Compile(file, absl::StrCat(where, ": file"));
    if (!re.ok()) return re.status();
    m.file_ = *re;
  }
  return m;
}

bool Matcher::Matches(const SiteKey& key) const {
  if (empty()) return false;
  if (service_ &&
      !re2::RE2::PartialMatch(
          re2::StringPiece(key.service.data(), key.service.size()), *service_))
    return false;
  const std::vector<StackFrame> empty_frames;
  const std::vector<StackFrame>& frames =
      key.frames != nullptr ? *key.frames : empty_frames;
  auto frame_matches = [&](const re2::RE2& re, bool function) {
    if (top_) {
      if (key.site_frame < 0 ||
          key.site_frame >= static_cast<int>(frames.size())) {
        return false;
      }
      const StackFrame& f = frames[key.site_frame];
      return re2::RE2::PartialMatch(function ? f.function : f.file, re);
    }
    for (const StackFrame& f : frames) {
      if (re2::RE2::PartialMatch(function ? f.function : f.file, re)) {
        return true;
      }
    }
    return false;
  };
  if (function_ && !frame_matches(*function_, true)) return false;
  if (file_ && !frame_matches(*file_, false)) return false;
  return true;
}

IgnoreRules::IgnoreRules() {
  for (const char* pattern :
       {"^time\\.", "^k8s\\.io/apimachinery/pkg/util/wait\\."}) {
    timer_functions_.push_back(std::make_shared<re2::RE2>(pattern));
  }
}

absl::StatusOr<IgnoreRules> IgnoreRules::Parse(absl::string_view yaml) {
  absl::StatusOr<YAML::Node> root = ParseYaml(yaml);
  if (!root.ok()) return root.status();
  IgnoreRules rules;
  if (root->IsNull()) return rules;
  if (!root->IsMap()) {
    return absl::InvalidArgumentError("ignore rules: top level must be a map");
  }
  const YAML::Node list = (*root)["ignore"];
  if (list && !list.IsSequence()) {
    return absl::InvalidArgumentError(
        "ignore rules: \"ignore\" must be a list");
  }
  if (list) {
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string where = absl::StrCat("ignore rule ", i + 1);
      absl::StatusOr<Matcher> matcher = MatcherOf(list[i], where);
      if (!matcher.ok()) return matcher.status();
      absl::StatusOr<std::string> reason =
          ScalarField(list[i], "reason", where);
      if (!reason.ok()) return reason.status();
      if (reason->empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": needs a \"reason\""));
      }
      rules.rules_.push_back(IgnoreRule{*std::move(matcher), *reason});
    }
  }
  const YAML::Node timers = (*root)["timer_functions"];
  if (timers) {
    if (!timers.IsSequence()) {
      return absl::InvalidArgumentError(
          "ignore rules: \"timer_functions\" must be a list of strings");
    }
    rules.timer_functions_.clear();
    for (size_t i = 0; i < timers.size(); ++i) {
      if (!timers[i].IsScalar()) {
        return absl::InvalidArgumentError(
            absl::StrCat("timer_functions[", i, "]: not a string"));
      }
      auto re = Compile(timers[i].as<std::string>(),
                        absl::StrCat("timer_functions[", i, "]"));
      if (!re.ok()) return re.status();
      rules.timer_functions_.push_back(*re);
    }
  }
  return rules;
}

absl::StatusOr<IgnoreRules> IgnoreRules::Load(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  absl::StatusOr<IgnoreRules> rules = Parse(*text);
  if (!rules.ok()) return Prefix(rules.status(), path);
  return rules;
}

std::optional<std::string> IgnoreRules::Match(const SiteKey& key) const {
  for (const IgnoreRule& rule : rules_) {
    if (rule.matcher.Matches(key)) return rule.reason;
  }
  return std::nullopt;
}

bool IgnoreRules::ShowsTimer(const SiteKey& key) const {
  if (key.frames == nullptr) return false;
  for (const StackFrame& f : *key.frames) {
    for (const auto& re : timer_functions_) {
      if (re2::RE2::PartialMatch(f.function, *re)) return true;
    }
  }
  return false;
}

Routing::Routing() = default;

absl::StatusOr<Routing> Routing::Parse(absl::string_view yaml) {
  absl::StatusOr<YAML::Node> root = ParseYaml(yaml);
  if (!root.ok()) return root.status();
  Routing routing;
  if (root->IsNull()) return routing;
  if (!root->IsMap()) {
    return absl::InvalidArgumentError("routing: top level must be a map");
  }
  absl::StatusOr<std::string> owner =
      ScalarField(*root, "default_owner", "routing");
  if (!owner.ok()) return owner.status();
  if (!owner->empty()) routing.default_owner_ = *owner;
  absl::StatusOr<std::map<std::string, std::string>> labels =
      LabelsField((*root)["default_labels"], "routing: default_labels");
  if (!labels.ok()) return labels.status();
  routing.default_labels_ = *labels;
  const YAML::Node routes = (*root)["routes"];
  if (routes && !routes.IsSequence()) {
    return absl::InvalidArgumentError("routing: \"routes\" must be a list");
  }
  if (routes) {
    for (size_t i = 0; i < routes.size(); ++i) {
      const std::string where = absl::StrCat("route ", i + 1);
      absl::StatusOr<Matcher> matcher = MatcherOf(routes[i], where);
      if (!matcher.ok()) return matcher.status();
      absl::StatusOr<std::string> route_owner =
          ScalarField(routes[i], "owner", where);
      if (!route_owner.ok()) return route_owner.status();
      if (route_owner->empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": needs an \"owner\""));
      }
      absl::StatusOr<std::map<std::string, std::string>> route_labels =
          LabelsField(routes[i]["labels"], where);
      if (!route_labels.ok()) return route_labels.status();
      routing.routes_.push_back(
          analyzer::Route{*std::move(matcher), *route_owner, *route_labels});
    }
  }
  return routing;
}

absl::StatusOr<Routing> Routing::Load(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  absl::StatusOr<Routing> routing = Parse(*text);
  if (!routing.ok()) return Prefix(routing.status(), path);
  return routing;
}

RouteResult Routing::Route(const SiteKey& key) const {
  RouteResult result{default_owner_, default_labels_};
  for (const analyzer::Route& route : routes_) {
    if (route.matcher.Matches(key)) {
      result.owner = route.owner;
      for (const auto& [k, v] : route.labels) result.labels[k] = v;
      break;
    }
  }
  return result;
}

}  // namespace analyzer
}  // namespace leakprof
