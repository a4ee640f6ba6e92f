#!/usr/bin/env bash
# Runs every test of leakprof: the README's test command (and CI's, .ci/run).
#
#   1. scripts/install-deps.sh (quiet when nothing is missing);
#   2. bazel test //... --keep_going (gcc; the fuzz seed corpora run as
#      regression tests);
#   3. the fuzzers (cc_binary targets tagged "leakprof_fuzzer", made by
#      //bazel:fuzz.bzl), built with --config=fuzz (clang, libFuzzer,
#      ASan/UBSan) in a separate Bazel output base so the normal build stays
#      cached, each run for FUZZ_SECONDS on a temporary copy of its seeds;
#   4. a summary: the failed items by name, the time taken, then the last line
#      `N passed, N failed`.
#
# Items: each test target (one that fails to build is failed), each fuzzer,
# and anything else that breaks (a non-test target that fails to build, a
# package that fails to load, this script stopping early) as a failed item.
# Exits 0 when nothing failed, 1 otherwise.
#
# Environment:
#   FUZZ_SECONDS        seconds per fuzzer (default 20; 0 skips fuzzing)
#   FUZZ_OUTPUT_BASE    output base of the fuzz build
#                       (default ~/.cache/leakprof-fuzz/<hash of this checkout>)
#   FUZZ_OUT            where a failing fuzzer's crash files and log are kept,
#                       under test-run/ (default .fuzz-out/ in the checkout,
#                       git-ignored)
# See docs/fuzzing.md.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=scripts/fuzz-common.sh
. scripts/fuzz-common.sh

fuzz_seconds=${FUZZ_SECONDS:-20}
if ! [[ "$fuzz_seconds" =~ ^[0-9]+$ ]]; then
  echo "test.sh: FUZZ_SECONDS must be a whole number of seconds" >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/leakprof-test.XXXXXX")
results=$work/results.tsv  # PASS|FAIL <tab> name <tab> detail
: >"$results"
fail() { printf 'FAIL\t%s\t%s\n' "$1" "$2" >>"$results"; }
pass() { printf 'PASS\t%s\t%s\n' "$1" "$2" >>"$results"; }

# Prints the summary; fails if any item failed.
summarized=false
summary() {
  summarized=true
  local n_pass n_fail
  n_pass=$(grep -c '^PASS' "$results" || true)
  n_fail=$(grep -c '^FAIL' "$results" || true)
  echo
  echo "== summary"
  if [ "$n_fail" -gt 0 ]; then
    echo "failed:"
    awk -F'\t' '$1 == "FAIL" { printf "  %s  (%s)\n", $2, $3 }' "$results"
  fi
  printf 'took %dm%02ds\n' $((SECONDS / 60)) $((SECONDS % 60))
  echo "${n_pass} passed, ${n_fail} failed"
  [ "$n_fail" -eq 0 ]
}

# Whatever stops the script, the last line is the summary.
on_exit() {
  local rc=$?
  if ! $summarized; then
    fail "scripts/test.sh" "stopped early with exit code $rc, see above"
    summary || true
    rc=1
  fi
  rm -rf "$work"
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Plain console output: it is parsed and kept in CI logs.
ui=(--color=no --curses=no)

if ! scripts/install-deps.sh; then
  fail "scripts/install-deps.sh" "could not install the Debian packages"
fi

# --- bazel test //... -------------------------------------------------------
echo "== bazel test //..."
rc=0
bazel test --keep_going --test_summary=short "${ui[@]}" \
  --build_event_json_file="$work/test.bep.json" //... 2>&1 |
  tee "$work/test.log" || rc=$?  # pipefail: bazel's exit code
python3 scripts/bazel_results.py tests "$work/test.bep.json" "$work/test.log" \
  "$rc" >>"$results"

# --- fuzzers ------------------------------------------------------------------
run_fuzzers() {
  echo "== fuzzers (--config=fuzz, ${fuzz_seconds}s each, output base $(fuzz_output_base))"
  local rc=0 fuzzers
  # Query with the normal server: the targets do not depend on the config, and
  # in the fuzz output base //... would descend into the bazel-* symlinks.
  fuzzers=$(bazel query --keep_going "${ui[@]}" \
    'attr(tags, "leakprof_fuzzer", kind("cc_binary", //...))' \
    2>"$work/fuzz-query.log" | sort) || rc=$?
  # 3: a partial result, some package did not load (bazel test counted it).
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
    cat "$work/fuzz-query.log" >&2
    fail "fuzz: bazel query" "exit code $rc"
    return
  fi
  if [ -z "$fuzzers" ]; then
    echo "no fuzz targets found"
    return
  fi

  # shellcheck disable=SC2086  # labels have no spaces
  fbazel build --config=fuzz --keep_going --symlink_prefix=/ "${ui[@]}" \
    --build_event_json_file="$work/fuzz.bep.json" $fuzzers 2>&1 |
    tee "$work/fuzz-build.log" || true  # failures: not in `built`
  local built bin_dir
  built=$(python3 scripts/bazel_results.py built "$work/fuzz.bep.json")
  bin_dir=$(fbazel info --config=fuzz bazel-bin 2>/dev/null) || true

  local label name dir frc keep runs
  for label in $fuzzers; do
    name="fuzz ${label}"
    if ! grep -qxF "$label" <<<"$built"; then
      fail "$name" "FAILED TO BUILD with --config=fuzz"
      continue
    fi
    dir=$work/fuzz/$(label_slug "$label")
    mkdir -p "$dir/artifacts"
    if ! copy_seeds "$label" "$dir/corpus"; then
      fail "$name" "could not list its seed corpus (bazel query)"
      continue
    fi
    echo "-- $label: $(find "$dir/corpus" -type f | wc -l) seeds, ${fuzz_seconds}s"
    # -max_total_time bounds the run; timeout(1) is the backstop for a fuzzer
    # that hangs outside an input (-timeout bounds each input).
    frc=0
    (cd "$dir" &&
      timeout -k 10 $((fuzz_seconds + 120)) \
        "$bin_dir/$(label_path "$label")" \
        -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2560 \
        -artifact_prefix="$dir/artifacts/" -print_final_stats=1 \
        "$dir/corpus" </dev/null >"$dir/fuzz.log" 2>&1) || frc=$?
    if [ "$frc" -eq 0 ]; then
      runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/fuzz.log")
      echo "   ok: ${runs:-?} inputs run"
      pass "$name" "${runs:-?} inputs run"
      continue
    fi
    keep=$(fuzz_out)/test-run/$(label_slug "$label")
    rm -rf "$keep"
    mkdir -p "$keep"
    cp -r "$dir/artifacts/." "$dir/fuzz.log" "$keep/"
    tail -n 60 "$dir/fuzz.log"
    if [ "$frc" -eq 124 ] || [ "$frc" -eq 137 ]; then
      echo "   FAILED: still running after $((fuzz_seconds + 120))s, killed"
    else
      echo "   FAILED: exit code $frc"
    fi
    echo "   crash files and log kept in $keep (docs/fuzzing.md: reproducing)"
    fail "$name" "exit code $frc; see $keep"
  done
}

if [ "$fuzz_seconds" -gt 0 ]; then
  run_fuzzers
else
  echo "== fuzzers skipped (FUZZ_SECONDS=0)"
fi

summary
