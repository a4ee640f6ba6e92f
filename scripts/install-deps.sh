#!/usr/bin/env bash
# Installs the Debian (bookworm) packages leakprof builds and tests with.
#
# Idempotent: checks each package with `dpkg -s`, runs `apt-get update` and
# `apt-get install` only when something is missing, and prints nothing when
# everything is already there. Needs root (or sudo) only to install.
# See docs/build.md.
set -euo pipefail

packages=(
  # Build: Debian's Bazel 4 and the Java rules it needs (see WORKSPACE).
  bazel-bootstrap
  bazel-rules-java
  # C++ libraries linked from //deps.
  libabsl-dev
  libgtest-dev
  libgmock-dev
  libbenchmark-dev
  zlib1g-dev
  libdeflate-dev
  libcurl4-openssl-dev
  protobuf-compiler
  libprotobuf-dev
  protobuf-compiler-grpc
  libgrpc++-dev
  nlohmann-json3-dev
  libxxhash-dev
  librocksdb-dev
  libyaml-cpp-dev
  prometheus-cpp-dev
  libcpp-httplib-dev
  # The agent's gRPC push without gRPC's library: HTTP/2 and TLS.
  libnghttp2-dev
  libssl-dev
  # The agent's HTTP/1.1 response parser (common/http/http1_response.h).
  libhttp-parser-dev
  # Go programs used by tests (/usr/lib/go-1.19/bin/go).
  golang-1.19-go
  # Fuzzing (--config=fuzz): clang, libFuzzer and the sanitizer runtimes, the
  # lld linker, llvm-symbolizer for stack traces (llvm-14).
  clang
  libclang-rt-14-dev
  lld
  llvm-14
  # The collector benchmark's anchor (tools/bench/collector_vs_prometheus.sh):
  # a real Prometheus with its remote-write receiver, and the Go packages
  # its load generator builds with.
  prometheus
  golang-github-golang-snappy-dev
  golang-google-protobuf-dev
  # The analyzer's alert tests run a real Alertmanager on loopback.
  prometheus-alertmanager
  # Tools used by the scripts.
  pkg-config
  python3
  curl
  # End-to-end checks (tests/e2e, deploy/): headless Chromium for the web
  # page test, Prometheus + promtool for the rules and query tests, PyYAML for
  # the deploy checks. Node and npm are added below only when missing (a
  # NodeSource nodejs already ships npm).
  chromium
  python3-yaml
  # wrk drives tools/bench/agent_wrk.sh (the agent's effect on p99).
  wrk
)

installed() {
  # `dpkg -s` also succeeds for removed packages whose config files remain,
  # so look at the status line too.
  dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed$'
}

missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
done
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

# playwright-core (npm, pinned by tests/e2e/package-lock.json) for the
# browser test, into tests/e2e/node_modules; quiet when already there.
e2e_node_modules() {
  local dir
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests/e2e" && pwd)"
  [ -f "$dir/package-lock.json" ] || return 0
  if [ ! -f "$dir/node_modules/playwright-core/package.json" ] ||
    [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "install-deps: npm ci in tests/e2e" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
}

if [ "${#missing[@]}" -eq 0 ]; then
  e2e_node_modules
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || {
    echo "install-deps: not root and no sudo; install as root: ${missing[*]}" >&2
    exit 1
  }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q "${missing[@]}" </dev/null
echo "install-deps: done" >&2
e2e_node_modules
