"""Run the core scenarios under valgrind's memcheck and judge the result.

    python tests/valgrind/vgcheck.py [--quick] [--python PYTHON]
                                     [--xml FILE] [--json] [NAME ...]

Runs ``memcheck_scenarios.py`` (all scenarios, the bounded ``--quick``
set, or the ones named) with PYTHON (default: this interpreter, which must be a
CPython 2.7 with the ctypes engine) under::

    valgrind --tool=memcheck --error-limit=no --num-callers=50
             --suppressions=tests/valgrind/python27.supp
             --suppressions=tests/valgrind/openssl.supp --xml=yes ...

and reads memcheck's XML report.  Every error is counted by kind.  An
error *in sslbio's paths* is one whose stack passes through OpenSSL
(libssl, libcrypto), ctypes (``_ctypes``, libffi) or ``_ssl``: the code
sslbio drives with pointers it computed.  Exit status:

    0  no memory error in sslbio's paths (other errors are listed)
    1  at least one: each is printed with its stack
    2  the scenarios themselves failed, or valgrind could not run

Suppressed errors (the interpreter's own obmalloc noise) are counted and
shown by suppression name, so a suppression that starts hiding more than
it should is visible.
"""

from __future__ import print_function

import argparse
import json
import os
import sys
import tempfile
import xml.etree.ElementTree as ET

if not __package__:
    # Run by path: make the ``support`` package importable.
    sys.path.insert(0, os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))

from support import subproc  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
# A full run under memcheck takes minutes; a hang must not take forever.
TIMEOUT = 3600
SUPPRESSIONS = [os.path.join(HERE, "python27.supp"),
                os.path.join(HERE, "openssl.supp")]

# Memcheck error kinds that mean memory was misused.  Leak kinds are not
# here: leak checking is off (2.7 does not free everything at exit).
MEMORY_KINDS = frozenset([
    "InvalidRead", "InvalidWrite", "InvalidFree", "MismatchedFree",
    "InvalidJump", "UninitCondition", "UninitValue", "SyscallParam",
    "Overlap", "InvalidMemPool", "FishyValue", "ClientCheck",
])
# Object files whose presence in a stack puts the error in sslbio's paths.
SSLBIO_OBJECTS = ("libssl", "libcrypto", "_ctypes", "libffi", "/_ssl.",
                  "_ssl.so")


def valgrind_command(python, names, quick, xml_file):
    argv = ["valgrind", "--tool=memcheck", "--error-limit=no",
            "--num-callers=50", "--leak-check=no", "--xml=yes",
            "--xml-file=" + xml_file]
    argv += ["--suppressions=" + path for path in SUPPRESSIONS]
    argv += [python, os.path.join(HERE, "memcheck_scenarios.py")]
    if quick:
        argv.append("--quick")
    return argv + list(names)


def _text(node, path):
    found = node.find(path)
    return found.text if found is not None and found.text else ""


def parse(xml_path):
    """Errors and suppression counts from memcheck's XML report."""
    root = ET.parse(xml_path).getroot()
    errors = []
    for error in root.findall("error"):
        what = _text(error, "what") or _text(error, "xwhat/text")
        frames = []
        for frame in error.findall("stack/frame"):
            frames.append({
                "obj": _text(frame, "obj"),
                "fn": _text(frame, "fn"),
                "where": ("%s:%s" % (_text(frame, "file"),
                                     _text(frame, "line"))
                          if frame.find("file") is not None else ""),
            })
        errors.append({"kind": _text(error, "kind"), "what": what,
                       "frames": frames})
    suppressed = {}
    for pair in root.findall("suppcounts/pair"):
        suppressed[_text(pair, "name")] = int(_text(pair, "count") or 0)
    counts = dict((_text(p, "unique"), int(_text(p, "count") or 0))
                  for p in root.findall("errorcounts/pair"))
    return errors, suppressed, counts


def in_sslbio_paths(error):
    return any(marker in frame["obj"] for frame in error["frames"]
               for marker in SSLBIO_OBJECTS)


def judge(errors):
    """(counts by kind, errors in sslbio's paths)."""
    by_kind = {}
    relevant = []
    for error in errors:
        by_kind[error["kind"]] = by_kind.get(error["kind"], 0) + 1
        if error["kind"] in MEMORY_KINDS and in_sslbio_paths(error):
            relevant.append(error)
    return by_kind, relevant


def format_error(error):
    lines = ["%s: %s" % (error["kind"], error["what"])]
    for frame in error["frames"]:
        lines.append("    %s %s (%s)" % (frame["fn"] or "???",
                                         frame["where"],
                                         os.path.basename(frame["obj"])))
    return "\n".join(lines)


def run(python, names=(), quick=False, xml_file=None):
    """Run valgrind; return a report dict (see main() for its use)."""
    keep = xml_file is not None
    if xml_file is None:
        handle, xml_file = tempfile.mkstemp(prefix="sslbio-memcheck-",
                                            suffix=".xml")
        os.close(handle)
    argv = valgrind_command(python, names, quick, xml_file)
    result = subproc.run(argv, timeout=TIMEOUT,
                         env=subproc.child_env(subproc.CHECKOUT_SRC,
                                               perturb=False))
    if result.returncode is None:
        return {"status": 2, "problem": "cannot run valgrind: %s" % result.err}
    if result.timed_out:
        return {"status": 2, "problem": "valgrind did not finish in %d s"
                % TIMEOUT}
    out, err = result.out, result.err
    report = {"command": " ".join(argv), "returncode": result.returncode,
              "scenarios": [line[3:] for line in out.splitlines()
                            if line.startswith("ok ")]}
    try:
        errors, suppressed, _ = parse(xml_file)
    except (IOError, OSError, ET.ParseError) as exc:
        report.update(status=2, problem="no usable XML report (%s); stderr:"
                      "\n%s" % (exc, err[-4000:]))
        return report
    finally:
        if not keep and os.path.exists(xml_file):
            os.remove(xml_file)
    # Memcheck still lists blocks reachable at exit ("possibly lost") in
    # XML mode; 2.7 never frees everything at exit, so they are counted
    # apart and not judged.
    leaks = [e for e in errors if e["kind"].startswith("Leak_")]
    errors = [e for e in errors if not e["kind"].startswith("Leak_")]
    by_kind, relevant = judge(errors)
    report.update({
        "errors": len(errors),
        "errors_by_kind": by_kind,
        "errors_in_sslbio_paths": len(relevant),
        "leak_records_at_exit": len(leaks),
        "relevant": [format_error(e) for e in relevant],
        "other": [format_error(e) for e in errors if e not in relevant],
        "suppressed": suppressed,
        "suppressed_total": sum(suppressed.values()),
    })
    if result.returncode != 0 or "all ok" not in out:
        report.update(status=2, problem="the scenarios failed (exit code "
                      "%s):\n%s\n%s" % (result.returncode, out[-2000:],
                                        err[-4000:]))
    else:
        report["status"] = 1 if relevant else 0
    return report


def print_report(report):
    if "problem" in report:
        print("PROBLEM: " + report["problem"])
    if "errors" not in report:
        return
    print("scenarios run under memcheck: %s" % ", ".join(report["scenarios"]))
    print("memory errors: %d (by kind: %s)" % (
        report["errors"], ", ".join("%s %d" % kv for kv in
                                    sorted(report["errors_by_kind"].items()))
        or "none"))
    print("errors in sslbio's paths (OpenSSL, ctypes, _ssl): %d"
          % report["errors_in_sslbio_paths"])
    print("blocks still allocated at exit (not judged): %d"
          % report["leak_records_at_exit"])
    print("suppressed (interpreter noise): %d" % report["suppressed_total"])
    for name, count in sorted(report["suppressed"].items()):
        print("    %6d  %s" % (count, name))
    for text in report["relevant"]:
        print("\n" + text)
    if report["other"]:
        print("\nother errors (not in sslbio's paths):")
        for text in report["other"]:
            print("\n" + text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default=sys.executable,
                        help="CPython 2.7 to run (default: this one)")
    parser.add_argument("--quick", action="store_true",
                        help="the bounded scenario set CI runs")
    parser.add_argument("--xml", help="keep memcheck's XML report here")
    parser.add_argument("--json", action="store_true",
                        help="print the report as one JSON line too")
    parser.add_argument("names", nargs="*", help="scenarios to run")
    args = parser.parse_args(argv)
    report = run(args.python, args.names, args.quick, args.xml)
    print_report(report)
    if args.json:
        print(json.dumps(report, sort_keys=True))
    return report["status"]


if __name__ == "__main__":
    sys.exit(main())
