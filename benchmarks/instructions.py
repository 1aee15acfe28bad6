"""Instructions per operation, counted by valgrind: the deterministic
companion of the timed bench.

On a shared machine the timed rounds move by 10-30% from one run to the next
(even Python 3.13 against 3.11, the same C code, reads 0.9-1.3), which hides
changes of a few percent.  An instruction count does not move: it is what a
change to sslbio's code is judged by, and what the README's "what bounds each
metric" quotes.  It does not see memory stalls, misaligned copies or cache
misses, so it complements the timed figures rather than replacing them.

Each operation runs in a worker (this module, ``--worker``) on each
interpreter, through the bench's own driver (``drivers.SslApiDriver``: sslbio
on 2.7, the standard library on 3.x), under ``valgrind --tool=callgrind``,
once with ``small`` and once with ``large`` repetitions; the difference over
``large - small`` is the count per operation, free of start-up and set-up.

    python3 -m benchmarks.instructions [--only OP,...] [--sslbio-src DIR]

Python 2.7 and 3 compatible; needs valgrind and the openssl CLI.
"""

from __future__ import print_function

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

from . import certs, checkout, contenders, drivers, workloads

__all__ = ["OPERATIONS", "count", "main"]

try:
    _range = xrange  # noqa: F821 (Python 2)
except NameError:
    _range = range


def _roundtrip(driver):
    pair = workloads._established(driver, "ecdsa", "1.3")
    request, response = b"q" * 64, b"r" * 64
    return lambda n: driver.round_trips(pair, n, request, response)


def _bulk(driver):
    pair = workloads._established(driver, "ecdsa", "1.3")
    chunk = b"\x5a" * 16384
    return lambda n: driver.bulk(pair, n, chunk)


def _handshake(kind, version):
    def setup(driver):
        workloads._established(driver, kind, version)

        def run(n):
            for _ in _range(n):
                driver.handshake(driver.pair(kind, version))
        return run
    return setup


def _resume(version):
    def setup(driver):
        session = driver.session(workloads._established(driver, "rsa", version))

        def run(n):
            for _ in _range(n):
                pair = driver.pair("rsa", version, session)
                driver.handshake(pair)
                if not driver.reused(pair):
                    raise RuntimeError("the session was not reused")
                driver.release(pair)
        return run
    return setup


def _create(driver):
    driver.server("ecdsa", "1.3")

    def run(n):
        for _ in _range(n):
            driver.server("ecdsa", "1.3")
    return run


# name -> (what one operation is, set-up returning run(n), small, large)
OPERATIONS = {
    "roundtrip": ("64-byte request/response round trip (8 API calls)",
                  _roundtrip, 500, 3000),
    "bulk": ("16 KiB each way through an established pair", _bulk, 100, 600),
    "handshake-ecdsa-tls1.3": ("full handshake, ECDSA P-256, TLS 1.3, "
                               "objects included", _handshake("ecdsa", "1.3"),
                               10, 40),
    "resume-tls1.2": ("resumed handshake (SSLSession), TLS 1.2, objects "
                      "included", _resume("1.2"), 20, 100),
    "create": ("one server SSLObject with its two MemoryBIOs, created and "
               "freed", _create, 500, 3000),
}


def _worker(name, repetitions, certdir):
    run = OPERATIONS[name][1](drivers.SslApiDriver(certdir))
    run(repetitions)


_COLLECTED = re.compile(r"Collected : ([\d,]+)")


def _instructions(python, name, repetitions, certdir, sslbio_src):
    env = dict(os.environ, PYTHONPATH=checkout.worker_path(sslbio_src))
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
               python, "-m", "benchmarks.instructions", "--worker", name,
               str(repetitions), certdir]
    process = subprocess.Popen(command, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env)
    out, err = process.communicate()
    text = err.decode("utf-8", "replace")
    found = _COLLECTED.search(text)
    if process.returncode != 0 or found is None:
        raise RuntimeError("%s %s failed:\n%s" % (python, name, text[-2000:]))
    return int(found.group(1).replace(",", ""))


def count(python, name, certdir, sslbio_src):
    """Instructions per operation ``name`` on interpreter ``python``, with
    the sslbio found in ``sslbio_src``."""
    small, large = OPERATIONS[name][2:]
    low = _instructions(python, name, small, certdir, sslbio_src)
    high = _instructions(python, name, large, certdir, sslbio_src)
    return (high - low) // (large - small)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python3 -m benchmarks.instructions",
        description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated operations: "
                        + ", ".join(sorted(OPERATIONS)))
    parser.add_argument("--reference", default="3.11",
                        help="the interpreter ratios are to (default 3.11)")
    parser.add_argument("--sslbio-src", default=checkout.SSLBIO_SRC, metavar="DIR",
                        help="the directory holding the sslbio package to measure "
                             "(default: this checkout's %(default)s)")
    parser.add_argument("--worker", nargs=3, metavar=("OP", "N", "CERTDIR"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker(args.worker[0], int(args.worker[1]), args.worker[2])
        return 0
    names = args.only.split(",") if args.only else sorted(OPERATIONS)
    for name in names:
        if name not in OPERATIONS:
            parser.error("unknown operation %r" % name)
    found = contenders.find_interpreters()
    if "2.7" not in found or args.reference not in found:
        parser.error("needs Python 2.7 and %s" % args.reference)
    pythons = [("sslbio 2.7", found["2.7"][0]),
               ("stdlib " + args.reference, found[args.reference][0])]
    sslbio_src = os.path.abspath(args.sslbio_src)
    certdir = tempfile.mkdtemp(prefix="sslbio-instructions-")
    try:
        certs.generate(certdir)
        print("%-24s %14s %14s %7s" % ("operation", pythons[0][0],
                                       pythons[1][0], "ratio"))
        for name in names:
            mine, theirs = [count(path, name, certdir, sslbio_src)
                            for _, path in pythons]
            # As the bench's ratios: higher is better, so reference / sslbio.
            print("%-24s %14s %14s %7.2f" % (name, "{:,}".format(mine),
                                             "{:,}".format(theirs),
                                             float(theirs) / mine))
        print("(instructions per operation; ratio = %s / sslbio, as a speed "
              "ratio)" % pythons[1][0])
        for name in names:
            print("  %-22s %s" % (name, OPERATIONS[name][0]))
    finally:
        shutil.rmtree(certdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
