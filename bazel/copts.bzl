"""Compiler options for leakprof's own C++ code."""

# Warnings are errors in our code; system headers are not affected.
LEAKPROF_COPTS = [
    "-Wall",
    "-Wextra",
    "-Werror",
]
