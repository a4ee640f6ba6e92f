"""go_program: a Go program built by Debian's Go 1.19 (no rules_go offline).

    load("//bazel:go.bzl", "go_program")

    go_program(
        name = "blocker",
        srcs = ["blocker/main.go"],
    )

builds the `package main` files in `srcs` (standard library only: GOPATH
mode, no modules, no cgo) into the executable `<name>_/<name>`, the output of
the genrule `<name>`. Use it as `data = [":blocker"]` of a test and locate it
with `$(rootpath :blocker)` (relative to the test's runfiles directory, which
is the test's working directory), e.g. in `args`. The binary is built with
-trimpath, so file names in its stacks read "./main.go".
The output is not named `<name>` itself because Bazel forbids a rule and a
file of the same name, and a source directory `<name>/` would clash with it
in runfiles.

Every build starts from an empty Go cache in a temporary directory, so it
needs no writable HOME and leaves nothing behind; it takes seconds, not
minutes (the standard library is recompiled for CGO_ENABLED=0).
"""

GO = "/usr/lib/go-1.19/bin/go"

def go_program(name, srcs, visibility = None, **kwargs):
    """Builds a Go `package main` from `srcs` into `<name>_/<name>`.

    Args:
      name: target name; also the binary's file name.
      srcs: the .go files of package main (one directory).
      visibility: as for any rule.
      **kwargs: passed to the genrule (tags, testonly, ...).
    """
    native.genrule(
        name = name,
        srcs = srcs,
        outs = [name + "_/" + name],
        executable = True,
        visibility = visibility,
        cmd = " && ".join([
            "T=$$(mktemp -d \"$${TMPDIR:-/tmp}/go_program.XXXXXX\")",
            "trap 'chmod -R u+w \"$$T\"; rm -rf \"$$T\"' EXIT",
            ("HOME=$$T GOPATH=$$T/gopath GOCACHE=$$T/cache GO111MODULE=off " +
             "CGO_ENABLED=0 GOFLAGS= " + GO +
             " build -trimpath -o $@ $(SRCS)"),
        ]),
        message = "Building Go program " + name,
        **kwargs
    )
