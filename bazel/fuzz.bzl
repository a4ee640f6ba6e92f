"""leakprof_fuzz_test: a libFuzzer target that is also a regression test.

    load("//bazel:fuzz.bzl", "leakprof_fuzz_test")

    leakprof_fuzz_test(
        name = "debug0",                    # -> :debug0 and :debug0_fuzzer
        srcs = ["debug0_fuzzer.cc"],        # defines LLVMFuzzerTestOneInput
        deps = ["//common/goprof:parser"],
        corpus = glob(["corpus/debug0/**"]),
    )

makes two targets:

  <name>          cc_test. The fuzz target linked with a small driver
                  (//common/goprof/fuzz:fuzz_main) that runs every corpus file
                  once, so the seeds, and any crash added to the corpus, are a
                  regression test of `bazel test //...`. Under --config=fuzz
                  it runs with ASan/UBSan too.
  <name>_fuzzer   cc_binary, tagged "leakprof_fuzzer" (scripts/test.sh finds
                  fuzzers by that tag; the corpus is its `data`). Under
                  --config=fuzz (--define=fuzz=libfuzzer) it is the real
                  libFuzzer binary (-fsanitize=fuzzer); otherwise it is linked
                  with the same driver as the test, to replay a crash file
                  under gcc.

See docs/fuzzing.md.
"""

load("//bazel:copts.bzl", "LEAKPROF_COPTS")

# The driver and the config_setting for --define=fuzz=libfuzzer. They live in
# //common/goprof/fuzz only because //bazel:BUILD is not ours to change; move
# both there as a whole if other packages grow fuzzers.
_DRIVER = "//common/goprof/fuzz:fuzz_main"
_LIBFUZZER = "//common/goprof/fuzz:libfuzzer"

FUZZER_TAG = "leakprof_fuzzer"

# Bazel links with `clang`, not `clang++`, so -fsanitize=undefined alone leaves
# out UBSan's C++ runtime (the vptr check): undefined __ubsan_vptr_type_cache.
# Belongs in .bazelrc's fuzz config (build:fuzz --linkopt=...) for every
# target; until then the fuzz targets add it themselves.
_SANITIZER_LINKOPTS = ["-fsanitize-link-c++-runtime"]

def leakprof_fuzz_test(
        name,
        srcs,
        deps = [],
        corpus = [],
        copts = LEAKPROF_COPTS,
        tags = [],
        size = "small",
        **kwargs):
    """A fuzz target: a seed-corpus cc_test <name> and a fuzzer <name>_fuzzer.

    Args:
      name: name of the cc_test; the fuzzer binary is <name>_fuzzer.
      srcs: sources; one defines
          extern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t).
      deps: cc deps of the fuzz target.
      corpus: seed files (source files, usually glob(["corpus/<name>/**"])),
          at least one. The test runs each once; the fuzzer starts from them.
      copts: compiler options; defaults to LEAKPROF_COPTS.
      tags: added to both targets.
      size: size of the cc_test.
      **kwargs: passed to both targets (e.g. visibility).
    """
    if not corpus:
        fail("leakprof_fuzz_test %s: corpus must name at least one file" % name)

    native.cc_test(
        name = name,
        srcs = srcs,
        copts = copts,
        deps = deps + [_DRIVER],
        data = corpus,
        linkopts = select({
            _LIBFUZZER: _SANITIZER_LINKOPTS,
            "//conditions:default": [],
        }),
        args = ["$(rootpaths %s)" % f for f in corpus],
        size = size,
        tags = tags,
        **kwargs
    )

    native.cc_binary(
        name = name + "_fuzzer",
        srcs = srcs,
        copts = copts,
        deps = deps + select({
            _LIBFUZZER: [],
            "//conditions:default": [_DRIVER],
        }),
        data = corpus,
        linkopts = select({
            _LIBFUZZER: ["-fsanitize=fuzzer"] + _SANITIZER_LINKOPTS,
            "//conditions:default": [],
        }),
        testonly = True,
        tags = tags + [FUZZER_TAG],
        **kwargs
    )
