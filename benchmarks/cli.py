"""``python3 -m benchmarks``: the command line that runs the whole bench.

Steps, each in its own module:

1. certificates for this run (``certs``) and a snapshot of the sslbio under
   test and of this package, which every worker imports (so an edit to the
   sources mid-run changes nothing);
2. the contenders: interpreters found, the pyOpenSSL environment made or
   reused, PyPy in the project's Debian chroot when it is cached
   (``contenders``, ``chroot``), and the ``openssl speed`` limit (``limit``);
3. the measurements, interleaved round by round (``runner``);
4. the report: text table on stdout, ``results.json`` and ``chart.png`` in the
   output directory (``report``, ``chart``).

Exit status: 0 when every available contender completed every measurement,
1 when a measurement failed somewhere (the report says where), 2 for a bad
command line.  Slow figures never change it: a benchmark reports.
Python 2.7 and 3 compatible.
"""

from __future__ import print_function

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time

from . import certs, checkout, chroot, contenders, limit, machine, metrics, report, runner

__all__ = ["main", "build_parser"]

SUBJECT = "sslbio-2.7"
RIVAL = "pyopenssl-2.7"
LIMIT = "openssl-speed"

_DESCRIPTION = """\
Compare sslbio on Python 2.7 (ctypes and portable engines; the pypy engine
on PyPy 2.7 in the project's Debian chroot, when it is cached and the bench
runs as root) with Python 3's stdlib MemoryBIO/SSLObject (3.11, the
reference, and the newest 3.x), pyOpenSSL in memory-BIO mode on 2.7, and
`openssl speed` as the limit, in one run: contenders alternate round by round
and each figure is the median of its rounds."""


def build_parser():
    base = checkout.output_base()
    parser = argparse.ArgumentParser(prog="python3 -m benchmarks", description=_DESCRIPTION)
    parser.add_argument("--quick", action="store_true",
                        help="few rounds and small counts: a smoke run of 1-2 minutes")
    parser.add_argument("--only", action="append", metavar="METRIC", default=[],
                        help="run only measurements whose name starts with METRIC "
                             "(repeatable, or comma-separated); see --list")
    parser.add_argument("--rounds", type=int, metavar="N",
                        help="rounds per measurement (default: 9 for rates, 3 for "
                             "memory; --quick: 3 and 2)")
    parser.add_argument("--sslbio-src", default=checkout.SSLBIO_SRC, metavar="DIR",
                        help="the directory holding the sslbio package to measure "
                             "(default: this checkout's %(default)s)")
    parser.add_argument("--out", default=os.path.join(base, "results"), metavar="DIR",
                        help="where results.json, report.txt, chart.png and bench.log "
                             "go (default: %(default)s; the base directory is "
                             "$SSLBIO_BENCH_DIR, else $XDG_CACHE_HOME/sslbio-bench)")
    parser.add_argument("--cache", default=os.path.join(base, "venvs"),
                        metavar="DIR", help="where the bench's own environments live "
                                            "(default: %(default)s)")
    parser.add_argument("--clock", choices=["cpu", "wall"], default="cpu",
                        help="time rates by the worker's CPU time (default: steady on a "
                             "shared machine) or by the wall clock (a quiet machine)")
    parser.add_argument("--interpreter", action="append", default=[], metavar="X.Y=PATH",
                        help="use PATH as CPython X.Y instead of the one found")
    parser.add_argument("--openssl", default="openssl", metavar="PATH",
                        help="the openssl command (certificates, the limit)")
    parser.add_argument("--no-pyopenssl", action="store_true",
                        help="leave pyOpenSSL out (no environment is made)")
    parser.add_argument("--chroot", choices=chroot.MODES, default="cached",
                        help="PyPy 2.7 (pypy engine) and bullseye's CPython 2.7 run in the "
                             "Debian chroot of scripts/debian-chroot (%s, root only): use "
                             "it if it is built (default), build it first if not "
                             "(minutes, network), or leave them out" % chroot.NAME)
    parser.add_argument("--no-chart", action="store_true", help="do not draw chart.png")
    parser.add_argument("--list", action="store_true",
                        help="list the measurements and exit")
    return parser


def _list(out):
    for measurement in metrics.MEASUREMENTS:
        print("%-24s %s" % (measurement.name, "; ".join(
            row.describe(measurement.parameters("full")) for row in measurement.rows)),
            file=out)


def _overrides(specs):
    overrides = {}
    for spec in specs:
        version, sep, path = spec.partition("=")
        if not sep or not path:
            raise ValueError("--interpreter %s: expected X.Y=PATH" % spec)
        overrides[version] = path
    return overrides


def _snapshot(sslbio_src, destination):
    """Copy the sslbio package in ``sslbio_src`` and this package into
    ``destination``; returns the measured package's directory.  Workers
    import the copies: the measured code is the code as it was when the run
    started."""
    package_dir = os.path.join(os.path.abspath(sslbio_src), "sslbio")
    if not os.path.isfile(os.path.join(package_dir, "__init__.py")):
        raise ValueError("--sslbio-src %s: no sslbio package there" % sslbio_src)
    ignore = shutil.ignore_patterns("*.pyc", "*.pyo", "__pycache__")
    shutil.copytree(package_dir, os.path.join(destination, "sslbio"), ignore=ignore)
    here = os.path.dirname(os.path.abspath(__file__))
    shutil.copytree(here, os.path.join(destination, os.path.basename(here)),
                    ignore=ignore)
    return package_dir


def _draw_chart(results_path, chart_path, cache, tool_python, log):
    """Draw the chart on the Python 3 side; returns None or why it was not drawn."""
    if tool_python is None:
        return "no Python 3 found to run matplotlib"
    try:
        python = contenders.chart_python(cache, tool_python, log)
    except (RuntimeError, OSError) as exc:
        return "matplotlib could not be installed: %s" % str(exc).splitlines()[0]
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "chart.py")
    process = subprocess.Popen([python, script, results_path, chart_path],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = process.communicate()[0].decode("utf-8", "replace")
    log.write(output)
    if process.returncode != 0:
        return "drawing failed: %s" % (output.strip().splitlines() or ["?"])[-1]
    return None


def _progress(message):
    print(message, file=sys.stderr)
    sys.stderr.flush()


def _negotiated(raw):
    """'TLSv1.3 TLS_AES_256_GCM_SHA384' if every contender agrees, else per key."""
    seen = {}
    for key, results in raw.items():
        for result in results:
            if "protocol" in result:
                seen[key] = "%s %s" % (result["protocol"], result["cipher"])
    if not seen:
        return None
    if len(set(seen.values())) == 1:
        return list(seen.values())[0]
    return ", ".join("%s: %s" % item for item in sorted(seen.items()))


def _limit_contender(openssl):
    """The ``openssl speed`` contender and its runner (unavailable without the CLI)."""
    speed = limit.SpeedLimit(openssl)
    contender = contenders.Contender(LIMIT, "openssl speed", info={
        "description": "`openssl speed -evp %s`, %d-byte blocks, as "
                       "1/(1/encrypt + 1/decrypt) on one core" % (limit.AEAD, limit.BLOCK)})
    try:
        speed.version()
    except OSError as exc:
        contender.reason = "openssl CLI unavailable: %s" % exc
    return contender, speed


def _start_workers(players, pool):
    """Ask every available contender's worker what it runs; a worker that
    cannot start makes its contender unavailable, with the reason."""
    for contender in players:
        if contender.available and contender.driver is not None:
            try:
                contender.info = dict(contender.info, **pool.info(contender))
            except runner.WorkerError as exc:
                contender.reason = "worker failed to start: %s" % (
                    str(exc).strip().splitlines() or ["?"])[-1]


def _reference(available):
    """stdlib 3.11, else the first stdlib contender, else None."""
    keys = [c.key for c in available]
    if contenders.REFERENCE in keys:
        return contenders.REFERENCE
    stdlibs = [key for key in keys if key.startswith("stdlib-")]
    return stdlibs[0] if stdlibs else None


def _measure(chosen, available, pool, speed, args, effort):
    """Run every chosen measurement; returns (rows, raw per measurement, failed)."""
    reference = _reference(available)
    rows, measured, failed = [], {}, False
    for measurement in chosen:
        rounds = args.rounds or measurement.rounds(effort)
        _progress("bench: %s (%d rounds)" % (measurement.name, rounds))
        warmups = {}
        raw, errors = runner.interleave(measurement, available, pool, speed, effort,
                                        rounds, runner.print_progress(), args.clock,
                                        warmups)
        failed = failed or bool(errors)
        params = dict(measurement.parameters(effort), clock=args.clock)
        # Every round's whole result dict, not only the reported figures.
        measured[measurement.name] = {"workload": measurement.workload, "params": params,
                                      "rounds": raw, "errors": errors,
                                      "jit_warmup": warmups}
        for row in measurement.rows:
            summary = runner.summarize(row, raw, errors, reference, SUBJECT, RIVAL)
            summary.update({
                "key": row.key, "title": row.describe(params), "unit": row.unit,
                "higher_is_better": row.higher_is_better,
                "measurement": measurement.name, "params": params, "rounds": rounds,
                "fresh_process": measurement.fresh_process, "negotiated": _negotiated(raw)})
            rows.append(summary)
    return rows, measured, failed


def _write_outputs(results, out_dir, cache, tool_python, log, no_chart, out, start):
    results_path = os.path.join(out_dir, "results.json")
    chart_path = os.path.join(out_dir, "chart.png")
    report_path = os.path.join(out_dir, "report.txt")
    # The chart is drawn from the JSON file, so that is written first.
    report.write_json(results, results_path)
    if no_chart:
        problem = "not drawn (--no-chart)"
    else:
        _progress("bench: drawing the chart")
        problem = _draw_chart(results_path, chart_path, cache, tool_python, log)
    if problem:
        results["notes"].append("chart: %s" % problem)
    else:
        results["chart"] = chart_path
    results["duration_s"] = round(time.time() - start, 1)
    report.write_json(results, results_path)
    text = report.format_report(results)
    with io.open(report_path, "w", encoding="utf-8") as handle:
        handle.write(text)
    with io.open(os.path.join(out_dir, "report.md"), "w", encoding="utf-8") as handle:
        handle.write(report.format_markdown(results))
    out.write(text)
    print("\nresults: %s\nreport:  %s\nchart:   %s" % (
        results_path, report_path, chart_path if not problem else "(none: %s)" % problem),
        file=out)


def run(args, out):
    """The whole bench for parsed ``args``; returns the exit status."""
    start = time.time()
    effort = "quick" if args.quick else "full"
    patterns = [part for value in args.only for part in value.split(",") if part]
    chosen = metrics.select(patterns)
    overrides = _overrides(args.interpreter)
    out_dir, cache = os.path.abspath(args.out), os.path.abspath(args.cache)
    for directory in (out_dir, cache):
        if not os.path.isdir(directory):
            os.makedirs(directory)
    log = open(os.path.join(out_dir, "bench.log"), "w")
    scratch = tempfile.mkdtemp(prefix="sslbio-bench-")
    pool = None
    try:
        _progress("bench: certificates and a snapshot of the code in %s" % scratch)
        certdir = os.path.join(scratch, "certs")
        os.mkdir(certdir)
        certs.generate(certdir, args.openssl)
        package_dir = _snapshot(args.sslbio_src, os.path.join(scratch, "src"))
        _progress("bench: measuring the sslbio package at %s" % package_dir)
        machine_info = machine.describe(package_dir, args.openssl)

        _progress("bench: finding interpreters, preparing pyOpenSSL (%s)" % cache)
        players, tool_python = contenders.discover(cache, overrides,
                                                   not args.no_pyopenssl, log,
                                                   chroot_mode=args.chroot)
        speed_contender, speed = _limit_contender(args.openssl)
        everyone = players + [speed_contender]
        log.flush()
        pool = runner.Pool(certdir, os.path.join(scratch, "src"), log)
        _start_workers(players, pool)
        for contender in everyone:
            if not contender.available:
                _progress("bench: %s unavailable: %s" % (contender.label, contender.reason))
        available = [c for c in everyone if c.available]
        if not [c for c in available if c.driver is not None]:
            _progress("bench: no contender can run: nothing to measure")
            return 1
        reference = _reference(available)
        notes = []
        if reference is None:
            notes.append("no stdlib contender: no ratios")
        elif reference != contenders.REFERENCE:
            notes.append("stdlib 3.11 unavailable: ratios are to %s instead" % reference)

        rows, measured, failed = _measure(chosen, available, pool,
                                          speed if speed_contender.available else None,
                                          args, effort)
        machine_info["load_average_end"] = machine.load_average()
        results = {
            "tool": "sslbio bench", "effort": effort, "rounds_option": args.rounds,
            "clock": args.clock,
            "machine": machine_info, "reference": reference, "subject": SUBJECT,
            "rival": RIVAL, "contenders": [c.as_dict() for c in everyone],
            "rows": rows, "measurements": measured, "notes": notes,
        }
        results["duration_s"] = round(time.time() - start, 1)
        _write_outputs(results, out_dir, cache, tool_python, log, args.no_chart, out, start)
        return 1 if failed else 0
    finally:
        if pool is not None:
            pool.close()
        log.close()
        shutil.rmtree(scratch, ignore_errors=True)


def main(argv=None, out=None):
    """Run the bench with ``argv`` (default ``sys.argv[1:]``); returns the exit
    status."""
    out = sys.stdout if out is None else out
    parser = build_parser()
    try:
        # argparse exits on --help and on errors; callers get a status instead.
        args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
        if args.rounds is not None and args.rounds < 1:
            parser.error("--rounds must be at least 1")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    if args.list:
        _list(out)
        return 0
    try:
        return run(args, out)
    except ValueError as exc:
        print("sslbio bench: %s" % exc, file=sys.stderr)
        return 2
