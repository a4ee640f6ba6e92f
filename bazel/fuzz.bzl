"""leakprof_fuzz_test: a libFuzzer target that is also a regression test.

    load("//bazel:fuzz.bzl", "leakprof_fuzz_test")

    leakprof_fuzz_test(
        name = "debug0",                    # -> :debug0 and :debug0_fuzzer
        srcs = ["debug0_fuzzer.cc"],        # defines LLVMFuzzerTestOneInput
        deps = ["//common/goprof:parser"],
        corpus = glob(["corpus/debug0/**"]),
    )

makes two targets:

  <name>          cc_test: the fuzz target linked with //bazel:fuzz_main, a
                  driver that runs every corpus file once. The seeds, and any
                  crash added to the corpus, are a regression test of
                  `bazel test //...`.
  <name>_fuzzer   cc_binary tagged "leakprof_fuzzer" (scripts/test.sh finds
                  fuzzers by that tag; the corpus is its `data`). Under
                  --config=fuzz (.bazelrc) it is the libFuzzer binary, with
                  ASan/UBSan; otherwise it is linked with //bazel:fuzz_main,
                  to replay a crash file under gcc.

See docs/fuzzing.md.
"""

load("//bazel:copts.bzl", "LEAKPROF_COPTS")

FUZZER_TAG = "leakprof_fuzzer"

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
        deps = deps + ["//bazel:fuzz_main"],
        data = corpus,
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
            "//bazel:libfuzzer": [],
            "//conditions:default": ["//bazel:fuzz_main"],
        }),
        data = corpus,
        linkopts = select({
            "//bazel:libfuzzer": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        testonly = True,
        tags = tags + [FUZZER_TAG],
        **kwargs
    )
