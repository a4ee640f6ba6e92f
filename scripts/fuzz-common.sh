# Shared by scripts/test.sh and scripts/fuzz.sh; source it, do not run it.
# Needs $root (the checkout).

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

# Bazel on the fuzz output base. The server exits after 10 idle minutes;
# --symlink_prefix=/ (on build and run) keeps the bazel-* symlinks of the
# checkout pointing at the normal build.
fbazel() {
  bazel --output_base="$(fuzz_output_base)" --max_idle_secs=600 "$@"
}

# Where failing runs keep crash files and logs (git-ignored). Override with
# FUZZ_OUT.
fuzz_out() { echo "${FUZZ_OUT:-$root/.fuzz-out}"; }

# //a/b:c -> a/b/c (the corpus is source files).
label_path() { local l=${1#//}; echo "${l%%:*}/${l#*:}"; }

# //a/b:c -> a_b_c, for directory names.
label_slug() { local l=${1#//}; l=${l//\//_}; echo "${l//:/_}"; }

# Copies the seed files of fuzzer LABEL (its `data`) into directory DIR.
copy_seeds() {
  local label=$1 dir=$2 f
  mkdir -p "$dir"
  for f in $(bazel query --color=no --curses=no "labels(data, $label)" \
    2>/dev/null); do
    f=$root/$(label_path "$f")
    if [ -f "$f" ]; then cp "$f" "$dir/"; fi
  done
}

# libFuzzer's environment: UBSan findings stop the run like ASan's do.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1}
