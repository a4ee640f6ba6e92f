# shellcheck shell=bash disable=SC2154  # $root: set by the script sourcing this
# Shared by scripts/test.sh and scripts/fuzz.sh; source it, do not run it.
# Needs $root (the checkout). See docs/fuzzing.md.

# The fuzz build (--config=fuzz: clang, libFuzzer, ASan/UBSan) lives in its own
# Bazel output base, one per checkout, so it never invalidates the normal
# (gcc) build. Override with FUZZ_OUTPUT_BASE.
fuzz_output_base() {
  if [ -n "${FUZZ_OUTPUT_BASE:-}" ]; then
    echo "$FUZZ_OUTPUT_BASE"
    return
  fi
  local cache=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}
  echo "$cache/leakprof-fuzz/$(printf '%s' "$root" | md5sum | cut -c1-12)"
}

# Bazel on the fuzz output base; its server exits after 10 idle minutes.
# Pass --symlink_prefix=/ to build: the checkout's bazel-* symlinks must keep
# pointing at the normal build.
fbazel() {
  (cd "$root" &&
    bazel --output_base="$(fuzz_output_base)" --max_idle_secs=600 "$@")
}

# Where crash files, logs and fuzz.sh's growing corpora are kept (git-ignored).
# Override with FUZZ_OUT.
fuzz_out() { echo "${FUZZ_OUT:-$root/.fuzz-out}"; }

# //a/b:c -> a/b/c (the path of a source file or of a binary under bazel-bin).
label_path() { local l=${1#//}; echo "${l%%:*}/${l#*:}"; }

# //a/b:c -> a_b_c, for directory names.
label_slug() { local l=${1#//}; l=${l//\//_}; echo "${l//:/_}"; }

# Copies the seed corpus of fuzzer LABEL (the files of its `data`) into
# directory DIR. Asks the normal Bazel server: the fuzz one would descend into
# the checkout's bazel-* symlinks. Fails if the query does.
copy_seeds() {
  local label=$1 dir=$2 files f
  mkdir -p "$dir"
  files=$(cd "$root" &&
    bazel query --color=no --curses=no "labels(data, $label)" 2>/dev/null) ||
    return 1
  while IFS= read -r f; do
    f=$root/$(label_path "$f")
    if [ -f "$f" ]; then cp "$f" "$dir/"; fi
  done <<<"$files"
}

# UBSan: stack traces too. Its findings stop the run, as ASan's do
# (--config=fuzz builds with -fno-sanitize-recover=all).
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
# Symbolized stack traces need llvm-symbolizer; package llvm-14 has it even
# when /usr/bin/llvm-symbolizer (package llvm) is missing.
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] &&
  ! command -v llvm-symbolizer >/dev/null 2>&1 &&
  [ -x /usr/lib/llvm-14/bin/llvm-symbolizer ]; then
  export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer
fi
