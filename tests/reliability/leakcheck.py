"""Leak check: repeat a connection life cycle and watch the process.

    python tests/reliability/leakcheck.py --workload full --cycles 100000

runs ``--cycles`` cycles of one workload (workloads.py) and prints one JSON
line: resident memory (RSS) after the warm-up and at the end, its growth
(end minus warm-up, and a least-squares slope scaled to 100,000 cycles),
open file descriptors and live Python objects at the same points, and the
time taken.  Before each sample the garbage collector runs and, with glibc,
``malloc_trim(0)`` returns free heap pages, so the samples follow live
memory rather than the allocator's high-water mark; ``--no-collect`` takes
the samples as the process stands instead, to see whether the collector's
own pace keeps memory bounded.

The warm-up (``--warmup``, default 5% of the cycles, at least 1,000) lets
caches settle: OpenSSL's session cache, per-thread error queues, Python's
free lists and interned strings, glibc's arenas.  Growth is what comes
after it.

The script uses sslbio's names, so it measures sslbio on 2.7 and the
standard library on Python 3 (where sslbio re-exports ``ssl``).  Run it
under both to compare; ``--compare PYTHON`` does that in one command::

    PYTHONPATH=src python2.7 tests/reliability/leakcheck.py \\
        --workload full --cycles 100000 --compare python3.11
"""

from __future__ import division, print_function

import argparse
import json
import os
import platform
import ssl
import sys
import time

try:  # run as a script
    import bootstrap  # noqa: F401
except ImportError:  # imported as reliability.leakcheck
    pass

import sslbio  # noqa: E402

from reliability import procstats  # noqa: E402
from support import subproc  # noqa: E402
from reliability.workloads import WORKLOADS  # noqa: E402

SAMPLES = 20

try:
    _range = xrange  # noqa: F821 (Python 2: range() would build a list,
    # whose 100,000 ints are 3 MB of RSS the measurement would count)
except NameError:
    _range = range


def slope_per_100k(points):
    """Least-squares slope of (cycle, rss_kib) points, in KiB per 100,000
    cycles: less sensitive to one noisy sample than end minus start."""
    n = len(points)
    if n < 2:
        return 0.0
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    var = sum((x - mean_x) ** 2 for x, _ in points)
    if not var:
        return 0.0
    cov = sum((x - mean_x) * (y - mean_y) for x, y in points)
    return cov / var * 100000


def run(workload_name, cycles, warmup=None, certname="server-ecdsa",
        trim=True, collect=True):
    """Run the workload; return the measurements as a dict.  With
    ``collect`` False no sample settles the process first: the figures are
    what the garbage collector's own pace leaves (no object counts)."""
    if warmup is None:
        warmup = max(1000, cycles // 20)
    warmup = min(warmup, cycles)
    workload = WORKLOADS[workload_name](certname)
    measured = cycles - warmup
    every = max(1, measured // SAMPLES)

    def snapshot():
        return procstats.snapshot(trim, collect)

    start = snapshot()
    began = time.time()
    cpu_began = sum(os.times()[:2])
    for i in _range(warmup):
        workload.cycle(i)
        workload.after_cycle(i)
    after_warmup = snapshot()
    points = [(warmup, after_warmup["rss_kib"])]
    fds_seen = set([after_warmup["fds"]])
    measuring_began = time.time()
    for i in _range(warmup, cycles):
        workload.cycle(i)
        workload.after_cycle(i)
        if (i + 1 - warmup) % every == 0 or i + 1 == cycles:
            sample = snapshot()
            points.append((i + 1, sample["rss_kib"]))
            fds_seen.add(sample["fds"])
    end = snapshot()
    finished = time.time()
    # CPU time as well as wall time: on a shared machine only the former
    # says what the work costs.
    cpu_seconds = sum(os.times()[:2]) - cpu_began

    rss = [y for _, y in points]
    return {
        "python": platform.python_version(),
        "implementation": "sslbio %s" % sslbio.ENGINE
        if sslbio.ENGINE != "stdlib" else "stdlib ssl",
        "openssl": ssl.OPENSSL_VERSION,
        "workload": workload_name,
        "certificate": certname,
        "cycles": cycles,
        "warmup": warmup,
        "rss_kib_start": start["rss_kib"],
        "rss_kib_after_warmup": after_warmup["rss_kib"],
        "rss_kib_end": end["rss_kib"],
        "rss_kib_max_after_warmup": max(rss),
        "rss_growth_kib": end["rss_kib"] - after_warmup["rss_kib"],
        "rss_peak_growth_kib": max(rss) - after_warmup["rss_kib"],
        "rss_slope_kib_per_100k": round(slope_per_100k(points), 1),
        "rss_samples_kib": rss,
        "fds_start": start["fds"],
        "fds_after_warmup": after_warmup["fds"],
        "fds_end": end["fds"],
        "fds_seen_after_warmup": sorted(fds_seen | set([end["fds"]])),
        "objects_after_warmup": after_warmup.get("objects"),
        "objects_end": end.get("objects"),
        "collected_before_samples": collect,
        "malloc_trim": collect and trim and procstats.can_trim(),
        "seconds": round(finished - began, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "ms_per_cycle": round((finished - measuring_began) * 1000
                              / max(1, measured), 3),
        "counters": dict(workload.counters),
    }


def summary(result):
    """One human-readable line."""
    objects = ("objects %(objects_after_warmup)d -> %(objects_end)d"
               % result if result["collected_before_samples"]
               else "no collection before samples")
    return ("%(implementation)s on Python %(python)s, %(workload)s x "
            "%(cycles)d: RSS %(rss_kib_after_warmup)d -> %(rss_kib_end)d KiB "
            "(growth %(rss_growth_kib)+d KiB, slope "
            "%(rss_slope_kib_per_100k)+.0f KiB/100k), fds %(fds_after_warmup)d"
            " -> %(fds_end)d, " % result + objects +
            ", %(seconds).1f s, CPU %(cpu_seconds).1f s "
            "(%(ms_per_cycle).3f ms/cycle)" % result)


def _compare(args, python):
    """Run this script with the same arguments under another interpreter
    (the standard library there) and return its result."""
    argv = [python, os.path.abspath(__file__), "--workload", args.workload,
            "--cycles", str(args.cycles), "--cert", args.cert, "--json"]
    if args.warmup is not None:
        argv += ["--warmup", str(args.warmup)]
    if args.no_trim:
        argv.append("--no-trim")
    if args.no_collect:
        argv.append("--no-collect")
    # The other interpreter must not pick up 2.7-only paths; sslbio comes
    # from the checkout, where on Python 3 it is a re-export of ssl.
    return subproc.run(argv, timeout=3600,
                       env=subproc.child_env(subproc.foreign_src())).check().json()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workload", default="full",
                        choices=sorted(WORKLOADS))
    parser.add_argument("--cycles", type=int, default=100000)
    parser.add_argument("--warmup", type=int, default=None)
    parser.add_argument("--cert", default="server-ecdsa",
                        help="server certificate in tests/certs (server for "
                        "RSA 2048; default server-ecdsa: P-256, cheaper)")
    parser.add_argument("--no-trim", action="store_true",
                        help="do not call malloc_trim(0) before samples")
    parser.add_argument("--no-collect", action="store_true",
                        help="never collect garbage before a sample: measure "
                        "what the collector's own pace leaves")
    parser.add_argument("--json", action="store_true",
                        help="print only the JSON line")
    parser.add_argument("--compare", metavar="PYTHON",
                        help="also run under PYTHON and print both")
    args = parser.parse_args(argv)
    if not procstats.available():
        parser.error("needs Linux's /proc/self/statm and /proc/self/fd")

    results = [run(args.workload, args.cycles, args.warmup, args.cert,
                   not args.no_trim, not args.no_collect)]
    if args.compare:
        results.append(_compare(args, args.compare))
    for result in results:
        if not args.json:
            print(summary(result))
        print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
