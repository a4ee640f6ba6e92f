"""leakprof_proto_library: C++ (and gRPC) code from .proto files, offline.

    load("//bazel:proto.bzl", "leakprof_proto_library")

    leakprof_proto_library(
        name = "snapshot",
        srcs = ["snapshot.proto"],
    )

    leakprof_proto_library(
        name = "collector_service",
        srcs = ["collector_service.proto"],
        deps = [":snapshot"],
        grpc = True,
    )

Bazel 4's own proto_library/cc_proto_library would download
@com_google_protobuf; instead a genrule runs Debian's protoc
(protobuf-compiler, 3.21) and, with `grpc = True`, its gRPC plugin
(protobuf-compiler-grpc, 1.51) against the system libraries //deps:protobuf
and //deps:grpc, whose versions match the compilers'.

Targets made for `name`:
  <name>              cc_library with the generated messages; depend on this.
  <name>_grpc         (grpc = True) cc_library with the service's stub and
                      bases; depends on <name> and //deps:grpc. Kept apart so
                      that a binary using only the messages (the agent) does
                      not link gRPC.
  <name>_genproto     genrule running protoc.
  <name>_proto_srcs   filegroup of `srcs` and the .proto files of `deps`,
                      transitively; protoc needs them to resolve imports.

Paths. protoc runs at the workspace root with `-I.`, so a .proto file's name
is its workspace-relative path, and that is the name to import it by and to
include its code by, from any package:

    import "proto/snapshot.proto";                 // in a .proto file
    #include "proto/snapshot.pb.h"                 // messages
    #include "proto/collector_service.grpc.pb.h"   // stub and service bases

The outputs land in bazel-out/<config>/bin/<package>/, and Bazel puts the bin
directory on every C++ compile's quote include path, so no `includes` are
needed. Well-known types (google/protobuf/timestamp.proto, ...) are found in
/usr/include by protoc itself and linked from libprotobuf.

Generated code is compiled without LEAKPROF_COPTS: leakprof's -Werror is
for code we write, not for protoc's output.
"""

PROTOC = "/usr/bin/protoc"
GRPC_CPP_PLUGIN = "/usr/bin/grpc_cpp_plugin"

_PROTO_SRCS = "_proto_srcs"

def _proto_srcs_label(dep):
    """The `<name>_proto_srcs` filegroup of a leakprof_proto_library label."""
    if "//" not in dep and ":" not in dep:
        return ":" + dep + _PROTO_SRCS  # "foo" means ":foo"
    if ":" in dep.split("//", 1)[-1]:
        return dep + _PROTO_SRCS  # "//pkg:foo", ":foo"
    return dep + ":" + dep.rsplit("/", 1)[-1] + _PROTO_SRCS  # "//pkg/foo"

def leakprof_proto_library(
        name,
        srcs,
        deps = [],
        grpc = False,
        visibility = None,
        **kwargs):
    """Compiles `srcs` with protoc into the cc_library `name`.

    Args:
      name: name of the cc_library to depend on.
      srcs: .proto files of this package, as plain file names (a file in a
        subdirectory, "sub/x.proto", is fine); imported by their
        workspace-relative paths.
      deps: other leakprof_proto_library targets whose .proto files `srcs`
        import. Their code is a dep of the cc_library, their .proto files are
        inputs of protoc.
      grpc: also run grpc_cpp_plugin, making <file>.grpc.pb.h/.cc with the
        service's stub and its sync, async and callback service bases, in
        the cc_library <name>_grpc, which depends on //deps:grpc.
      visibility: of the cc_library and the filegroup (which a dependent
        leakprof_proto_library needs to see).
      **kwargs: passed to all three rules (testonly, tags, ...).
    """
    outs = []
    for src in srcs:
        if not src.endswith(".proto") or ":" in src:
            fail("leakprof_proto_library %s: srcs must be .proto file names, got %r" %
                 (name, src))
        stem = src[:-len(".proto")]
        outs.append(stem + ".pb.h")
        outs.append(stem + ".pb.cc")
        if grpc:
            outs.append(stem + ".grpc.pb.h")
            outs.append(stem + ".grpc.pb.cc")

    dep_srcs = [_proto_srcs_label(d) for d in deps]

    native.filegroup(
        name = name + _PROTO_SRCS,
        srcs = srcs + dep_srcs,
        visibility = visibility,
        **kwargs
    )

    flags = ["-I.", "--cpp_out=$(GENDIR)"]
    if grpc:
        flags += [
            "--grpc_out=$(GENDIR)",
            "--plugin=protoc-gen-grpc=" + GRPC_CPP_PLUGIN,
        ]
    native.genrule(
        name = name + "_genproto",
        srcs = srcs + dep_srcs,
        outs = outs,
        cmd = " ".join(
            [PROTOC] + flags + ["$(location %s)" % src for src in srcs],
        ),
        message = "Compiling protos of " + name,
        visibility = ["//visibility:private"],
        **kwargs
    )

    pb = [o for o in outs if ".grpc." not in o]
    native.cc_library(
        name = name,
        srcs = [o for o in pb if o.endswith(".cc")],
        hdrs = [o for o in pb if o.endswith(".h")],
        deps = list(deps) + ["//deps:protobuf"],
        visibility = visibility,
        **kwargs
    )
    if grpc:
        grpc_outs = [o for o in outs if ".grpc." in o]
        native.cc_library(
            name = name + "_grpc",
            srcs = [o for o in grpc_outs if o.endswith(".cc")],
            hdrs = [o for o in grpc_outs if o.endswith(".h")],
            deps = [":" + name, "//deps:grpc"],
            visibility = visibility,
            **kwargs
        )
