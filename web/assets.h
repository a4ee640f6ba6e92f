// The analyzer's web page (web/index.html, app.js, style.css), compiled into
// the binary so leakprof-analyzer serves it with no files beside it.
//
//   const leakprof::web::Asset* a = leakprof::web::FindAsset(request.path);
//   if (a != nullptr) { response.content_type = std::string(a->content_type);
//                       response.body = std::string(a->body); }
//
// Paths: "/" and "/index.html" (the page), "/app.js", "/style.css". Anything
// else, query strings included, returns nullptr: strip the query first.
//
// Thread safety: the assets are immutable static data; FindAsset is safe from
// any thread. The returned pointer and its views live for the whole program.
#ifndef LEAKPROF_WEB_ASSETS_H_
#define LEAKPROF_WEB_ASSETS_H_

#include "absl/strings/string_view.h"

namespace leakprof::web {

struct Asset {
  // A full Content-Type value, e.g. "text/html; charset=utf-8".
  absl::string_view content_type;
  // The file's bytes.
  absl::string_view body;
};

// The asset served at `path`, or nullptr when there is none.
const Asset* FindAsset(absl::string_view path);

}  // namespace leakprof::web

#endif  // LEAKPROF_WEB_ASSETS_H_
