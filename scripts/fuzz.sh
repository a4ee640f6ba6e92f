#!/usr/bin/env bash
# Runs one fuzzer for as long as you like, or replays crash files with it.
#
#   scripts/fuzz.sh TARGET [LIBFUZZER_FLAG...]     fuzz (until Ctrl-C, or
#                                                  -max_total_time=SECONDS)
#   scripts/fuzz.sh TARGET FILE...                 replay FILEs (a crash)
#
# TARGET is a fuzzer label (//common/goprof/fuzz:debug2_fuzzer) or the short
# name of one in //common/goprof/fuzz (debug2). The fuzzer is built with
# --config=fuzz in the separate fuzz output base (as scripts/test.sh does).
# Fuzzing keeps its growing corpus and any crash files in
# .fuzz-out/<target>/ (git-ignored; FUZZ_OUT overrides), seeded from the
# target's seed corpus on first use. See docs/fuzzing.md.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=scripts/fuzz-common.sh
. scripts/fuzz-common.sh

if [ $# -lt 1 ]; then
  sed -n '2,13s/^# \{0,1\}//p' "$0" >&2
  exit 2
fi
label=$1
shift
case "$label" in
  //*) ;;
  *) label=//common/goprof/fuzz:${label%_fuzzer}_fuzzer ;;
esac

fbazel build --config=fuzz --symlink_prefix=/ "$label"
bin=$(fbazel info --config=fuzz bazel-bin 2>/dev/null)/$(label_path "$label")

# Replay: any argument that is not a flag names an input.
for arg in "$@"; do
  if [ "${arg#-}" = "$arg" ]; then
    exec "$bin" "$@"
  fi
done

out=$(fuzz_out)/$(label_slug "$label")
if [ ! -d "$out/corpus" ]; then
  copy_seeds "$label" "$out/corpus"
fi
echo "fuzzing $label; corpus $out/corpus, crashes to $out/" >&2
exec "$bin" -artifact_prefix="$out/" -print_final_stats=1 "$@" "$out/corpus"
