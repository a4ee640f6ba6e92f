#!/usr/bin/env bash
# Runs one fuzzer for as long as you like, or replays crash files with it.
#
#   scripts/fuzz.sh TARGET [LIBFUZZER_FLAG...]   fuzz until Ctrl-C (or e.g.
#                                                -max_total_time=600)
#   scripts/fuzz.sh TARGET FILE... [FLAG...]     run FILEs once each (replay
#                                                a crash) and exit
#
# TARGET is a fuzzer label (//common/goprof/fuzz:debug2_fuzzer) or the short
# name of one in //common/goprof/fuzz (debug2). It is built with --config=fuzz
# (clang, libFuzzer, ASan/UBSan) in the separate fuzz output base, as
# scripts/test.sh does. Fuzzing keeps its growing corpus in
# .fuzz-out/<target>/corpus (seeded from the target's corpus on first use) and
# writes crash files to .fuzz-out/<target>/; FUZZ_OUT moves .fuzz-out.
# See docs/fuzzing.md.
set -euo pipefail

here=$PWD
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/fuzz-common.sh
. "$root/scripts/fuzz-common.sh"

if [ $# -lt 1 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
  sed -n '2,15s/^# \{0,1\}//p' "$0" >&2
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

# Replay: an argument that is not a flag names an input (relative to where
# this script was started).
for arg in "$@"; do
  if [ "${arg#-}" = "$arg" ]; then
    cd "$here"
    exec "$bin" "$@"
  fi
done

out=$(fuzz_out)/$(label_slug "$label")
if [ ! -d "$out/corpus" ]; then
  rm -rf "$out/corpus.tmp"
  copy_seeds "$label" "$out/corpus.tmp"
  mv "$out/corpus.tmp" "$out/corpus"
fi
echo "fuzzing $label; corpus $out/corpus, crash files to $out/" >&2
cd "$out"
exec "$bin" -artifact_prefix="$out/" -print_final_stats=1 "$@" "$out/corpus"
