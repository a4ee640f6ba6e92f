#!/usr/bin/python3
"""Reference implementation of leakprof's stable ids (docs/parser.md).

Independent of the C++ code: the golden values in
common/goprof/stack_id_test.cc were computed with it. Needs Debian's
python3-xxhash (XXH3-64, seed 0).

    tools/ids/leakprof_ids.py < leakprofctl-parse.json   # checks every id

reads `leakprofctl parse --json` output and recomputes each site's id and
each sample stack's id from the frames printed there.
"""
import json
import struct
import sys

import xxhash


def runtime_kind(function):
    """'not', 'exported' or 'unexported', as Go's isExportedRuntime."""
    if not function.startswith("runtime."):
        return "not"
    rest = function[len("runtime."):]
    return "exported" if rest[:1].isascii() and rest[:1].isupper() else "unexported"


def counted_frames(frames):
    """The frames a stack id counts: see ForEachCountedFrame."""
    kinds = [runtime_kind(f[0]) for f in frames]
    first = 0
    while first < len(frames) and kinds[first] != "not":
        first += 1
    if first == len(frames):
        return list(frames)
    return [f for f, k in zip(frames[first:], kinds[first:]) if k != "unexported"]


def frame_hash(function, file, line):
    data = function.encode() + b"\0" + file.encode() + b"\0" + str(line).encode()
    return xxhash.xxh3_64_intdigest(data)


def stack_id(frames):
    """frames: [(function, file, line)], innermost first."""
    data = b"".join(struct.pack("<Q", frame_hash(*f)) for f in counted_frames(frames))
    return xxhash.xxh3_64_intdigest(data)


def site_id(class_name, frame):
    data = class_name.encode() + b"\n"
    if frame is not None:
        data += struct.pack("<Q", frame_hash(*frame))
    return xxhash.xxh3_64_intdigest(data)


def format_id(i):
    return "%016x" % i


def main():
    report = json.load(sys.stdin)
    bad = 0
    for site in report["sites"]:
        frame = (site["function"], site["file"], site["line"])
        if format_id(site_id(site["class"], frame)) != site["site_id"]:
            print("site id differs:", site["site_id"], frame)
            bad += 1
        stack = site["sample_stack"]
        frames = [(f["function"], f["file"], f["line"]) for f in stack["frames"]]
        if format_id(stack_id(frames)) != stack["stack_id"]:
            print("stack id differs:", stack["stack_id"])
            bad += 1
    print("%d sites checked, %d ids differ" % (len(report["sites"]), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
