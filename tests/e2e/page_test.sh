#!/usr/bin/env bash
# Browser test of the web page (//tests/e2e:page_test).
#
#   page_test.sh [BASE_URL]
#
# With no BASE_URL (how Bazel runs it): starts fixture_server.py on a free
# loopback port, serving web/ and made-up JSON that includes a hostile
# function name, and runs page_test.js against it with --expect-xss-site.
# With BASE_URL (e.g. a running leakprof-analyzer, http://127.0.0.1:7072/):
# runs page_test.js against that page instead, without the hostile-name check
# unless PAGE_TEST_XSS=1. With PAGE_TEST_PROXY=1 and BASE_URL: serves web/
# itself and forwards /api/ to BASE_URL (an analyzer without the page).
# Screenshots: $TEST_UNDECLARED_OUTPUTS_DIR (Bazel keeps them in
# bazel-testlogs/tests/e2e/page_test/test.outputs/), else $TMPDIR/leakprof-page-test.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
runfiles="${TEST_SRCDIR:-}/${TEST_WORKSPACE:-}"
if [ -n "${TEST_SRCDIR:-}" ] && [ -f "$runfiles/tests/e2e/page_test.js" ]; then
  e2e="$runfiles/tests/e2e"
  web="$runfiles/web"
else
  e2e="$here"
  web="$here/../../web"
fi
out="${TEST_UNDECLARED_OUTPUTS_DIR:-${TMPDIR:-/tmp}/leakprof-page-test}"
mkdir -p "$out"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
# Chromium wants a writable HOME and XDG dirs.
export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config" XDG_CACHE_HOME="$tmp/home/.cache"
mkdir -p "$HOME"

for bin in node /usr/bin/chromium python3; do
  command -v "$bin" >/dev/null || { echo "page_test: $bin not found; run scripts/install-deps.sh" >&2; exit 1; }
done

server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true; }
trap cleanup EXIT

xss=()
upstream=()
if [ $# -ge 1 ] && [ "${PAGE_TEST_PROXY:-0}" = 1 ]; then
  upstream=(--api-upstream "$1")
  shift
fi
if [ $# -ge 1 ]; then
  base="$1"
  [ "${PAGE_TEST_XSS:-0}" = 1 ] && xss=(--expect-xss-site)
else
  python3 "$e2e/fixture_server.py" --web-dir "$web" --port 0 "${upstream[@]}" \
    >"$tmp/server.out" 2>"$tmp/server.err" &
  server_pid=$!
  addr=""
  for _ in $(seq 1 200); do  # up to 20 s
    addr="$(sed -n 's/^listening on //p' "$tmp/server.out")"
    [ -n "$addr" ] && grep -q '^ready$' "$tmp/server.out" && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/server.err" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$addr" ] || { echo "page_test: fixture server did not start" >&2; cat "$tmp/server.err" >&2; exit 1; }
  base="http://$addr/"
  if [ "${#upstream[@]}" -eq 0 ]; then
    xss=(--expect-xss-site)
  else
    echo "page_test: this page, API of ${upstream[1]}" >&2
  fi
fi
echo "page_test: testing $base" >&2
node "$e2e/page_test.js" --base-url="$base" --out-dir="$out" "${xss[@]}"
