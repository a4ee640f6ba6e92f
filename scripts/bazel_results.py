#!/usr/bin/env python3
"""Reads a Bazel build event file (--build_event_json_file) for scripts/test.sh.

  bazel_results.py tests BEP_JSON LOG EXIT_CODE
      One line per result, tab-separated: PASS|FAIL, a name, a reason.
      Every test target that was configured gets exactly one line: its
      overall status, or FAIL when it has none (it failed to analyze or to
      build, or never ran). Non-test targets that failed to build, packages
      that failed to load (read off LOG, Bazel's console output) and a
      non-zero EXIT_CODE left unexplained by all of those are FAIL lines too,
      so no failure vanishes from the count.

  bazel_results.py built BEP_JSON
      The labels of the top-level targets that built successfully, one a line.
"""

import json
import re
import sys

# Test statuses that count as a pass. FLAKY: failed, then passed on a retry.
_PASSING = {"PASSED", "FLAKY"}

# Exit codes of `bazel test` that need no explanation: 0 all good, 3 some
# tests failed (they have FAIL lines), 4 no tests found.
_EXPLAINED_EXIT_CODES = {0, 3, 4}


def _events(path):
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    yield json.loads(line)
                except ValueError:
                    continue  # a line cut off by an interrupted build
    except OSError:
        return


def _kind(event):
    return next(iter(event.get("id", {})), "")


def _label(event):
    return event["id"][_kind(event)].get("label", "")


def _read(bep):
    """Returns (configured {label: kind}, completed {label: ok?}, summaries)."""
    configured, completed, summaries = {}, {}, {}
    for e in _events(bep):
        kind = _kind(e)
        if kind == "targetConfigured":
            if "configured" in e:
                configured[_label(e)] = e["configured"].get("targetKind", "")
            elif "aborted" in e:
                configured.setdefault(_label(e), "")
                completed[_label(e)] = False
        elif kind == "targetCompleted":
            ok = "completed" in e and e["completed"].get("success", False)
            # Several configurations: a target built only if it built in all.
            completed[_label(e)] = completed.get(_label(e), True) and ok
        elif kind == "testSummary":
            status = e.get("testSummary", {}).get("overallStatus", "NO_STATUS")
            summaries[_label(e)] = status
        elif kind == "configuredLabel" and "aborted" in e:
            completed[_label(e)] = False
    return configured, completed, summaries


def _is_test(kind):
    return kind.endswith("_test rule") or kind.endswith("_test")


def tests(bep, log, exit_code):
    configured, completed, summaries = _read(bep)
    lines = []
    for label in sorted(set(configured) | set(summaries)):
        kind = configured.get(label, "")
        if label in summaries:
            status = summaries[label]
            verdict = "PASS" if status in _PASSING else "FAIL"
            lines.append((verdict, label, status.replace("_", " ")))
        elif _is_test(kind) or kind == "":
            if completed.get(label) is True:
                reason = "NO STATUS (built, did not run)"
            else:
                reason = "FAILED TO BUILD"
            lines.append(("FAIL", label, reason))
        elif completed.get(label) is False:
            lines.append(("FAIL", label, "FAILED TO BUILD (not a test)"))

    # Packages that failed to load are not in the event file at all.
    try:
        with open(log, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        text = ""
    broken = set(re.findall(r"^ERROR: package contains errors: (\S+)", text,
                            re.M))
    broken |= set(re.findall(r"^ERROR: .*no such package '([^']+)'", text,
                             re.M))
    for pkg in sorted(broken):
        lines.append(("FAIL", "//" + pkg.lstrip("/"), "package failed to load"))

    failed = any(v == "FAIL" for v, _, _ in lines)
    if exit_code not in _EXPLAINED_EXIT_CODES and not failed:
        lines.append(("FAIL", "bazel test //...",
                      "exit code %d, see the log above" % exit_code))
    for verdict, name, reason in lines:
        print("%s\t%s\t%s" % (verdict, name, reason))


def built(bep):
    _, completed, _ = _read(bep)
    for label in sorted(l for l, ok in completed.items() if ok):
        print(label)


def main(argv):
    if len(argv) == 5 and argv[1] == "tests":
        tests(argv[2], argv[3], int(argv[4]))
    elif len(argv) == 3 and argv[1] == "built":
        built(argv[2])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
