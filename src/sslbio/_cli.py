"""The ``python -m sslbio`` command line.

Commands:

``check``  what this interpreter is, which OpenSSL it runs, which sslbio engine
           serves it, and whether in-memory TLS really works here (exit 0) or
           not (exit 1, with the reason).
``demo``   an HTTPS client and server talking through ``MemoryBIO`` objects
           only (see ``_demo``).

The benchmarks are not part of the package (a vendored copy has none): they
run from a source checkout.

Only relative imports, so that a copy vendored as ``yourproject._vendor.sslbio``
runs as ``python -m yourproject._vendor.sslbio check``.
"""

from __future__ import print_function

import os
import platform
import ssl
import sys

from . import CONTEXT_FEATURES, ENGINE, UNAVAILABLE_REASON, __version__, _demo

USAGE = """\
usage: python -m sslbio COMMAND

commands:
  check   show the interpreter, OpenSSL and engine, and test in-memory TLS
  demo    run an HTTPS client and server against each other, in memory only
"""

# Exit status for a command line that names no known command, as argparse uses.
EXIT_USAGE = 2


def check(out):
    """Describe this interpreter and give a verdict: 0 works, 1 does not."""
    def show(label, value):
        print("%-12s %s" % (label + ":", value), file=out)

    package_dir = os.path.dirname(os.path.abspath(__file__))
    show("sslbio", "%s (%s)" % (__version__, package_dir))
    show("interpreter", "%s %s (%s)" % (platform.python_implementation(),
                                        platform.python_version(), sys.executable))
    show("openssl", ssl.OPENSSL_VERSION)
    show("engine", ENGINE)
    show("context", _context_line())
    if UNAVAILABLE_REASON is not None:
        show("verdict", "UNAVAILABLE: %s" % UNAVAILABLE_REASON)
        return 1
    # The engine loaded; prove it by a full verified conversation in memory.
    try:
        facts = _demo.converse()
    except Exception as exc:
        show("verdict", "BROKEN: the in-memory self-test failed: %s: %s"
             % (type(exc).__name__, exc))
        return 1
    wrong = _demo.shortfalls(facts)
    if wrong:
        show("verdict", "BROKEN: the in-memory self-test got %s" % "; ".join(wrong))
        return 1
    show("verdict", "OK: %s handshake with verification, ALPN, data, session resumption "
                    "and close_notify all work in memory" % facts["version"])
    return 0


def _context_line():
    """Which of Python 3.11's SSLContext attributes this engine serves."""
    if ENGINE == "stdlib":
        return "the standard library's own"
    from ._context_features import FEATURES
    missing = [name for name in FEATURES if name not in CONTEXT_FEATURES]
    if not missing:
        return "all Python 3.11 SSLContext features"
    return "missing (NotImplementedError or absent): " + ", ".join(missing)


COMMANDS = {
    "check": check,
    "demo": _demo.main,
}


def main(argv=None, out=None):
    """Run the command named in ``argv`` (default: ``sys.argv[1:]``).

    Returns the exit status rather than exiting, so it can be called in-process.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    out = sys.stdout if out is None else out
    if argv in (["-h"], ["--help"], ["help"]):
        print(USAGE, end="", file=out)
        return 0
    if len(argv) != 1 or argv[0] not in COMMANDS:
        if argv:
            print("sslbio: unknown command line: %s" % " ".join(argv), file=sys.stderr)
        print(USAGE, end="", file=sys.stderr)
        return EXIT_USAGE
    return COMMANDS[argv[0]](out)
