"""The ``python -m sslbio`` command line: ``check``, ``demo`` (see
``_demo``), ``get`` (see ``_fetch``) and ``pip`` (see ``_pip``), each
described by its help text below.

Each command takes ``-h``/``--help``.  Only relative imports, so that a copy
vendored as ``yourproject._vendor.sslbio`` runs as ``python -m
yourproject._vendor.sslbio check`` (and its help says so).
"""

from __future__ import print_function

import argparse
import os
import platform
import ssl
import sys

from . import (CONTEXT_FEATURES, ENGINE, ENGINE_LIMITATIONS, UNAVAILABLE_REASON,
               __version__, _demo, _fetch)

# The package as ``python -m`` names it: "sslbio", or a vendored copy's full name.
PACKAGE = __name__.rpartition(".")[0]

if sys.version_info[0] == 2:
    from . import _engine

    engine_description = _engine.describe

    def engine_refusals():
        """``[(engine name, why it was not chosen), ...]``, in the order
        the engines were tried."""
        return [(name, _engine.ENGINE_REASONS[name])
                for name in _engine.NAMES if name in _engine.ENGINE_REASONS] + \
            [(name, reason) for name, reason in sorted(_engine.ENGINE_REASONS.items())
             if name not in _engine.NAMES]
else:
    def engine_description():
        return []

    def engine_refusals():
        return []


# Exit status for a command line that names no known command, as argparse uses.
EXIT_USAGE = 2

CHECK_HELP = "show the interpreter, OpenSSL and engine, and test in-memory TLS"
CHECK_DESCRIPTION = """\
Print this interpreter, the OpenSSL its ssl module uses, the sslbio engine
that serves it (what it bound to, and why each engine tried first was not
chosen), then run an HTTPS conversation in memory (verification, ALPN,
data, session resumption, close_notify) and give a verdict: OK (exit status 0),
or UNAVAILABLE / BROKEN with the reason (exit status 1)."""
DEMO_HELP = "run an HTTPS client and server against each other, in memory only"
DEMO_DESCRIPTION = """\
Run an HTTPS client and server that share nothing but MemoryBIO objects and
print what they negotiate and exchange.  The server's certificate and key are
throwaway demo material shipped in the package (demo_certs/); only the demo's
own client context trusts them."""


GET_HELP = "fetch an HTTPS URL over sslbio's SSLSocket, through a proxy if asked"
GET_DESCRIPTION = """\
Fetch an HTTPS URL over sslbio's SSLSocket, directly or through an HTTP or
HTTPS proxy (CONNECT; an HTTPS proxy gives TLS inside TLS), as curl does for
scripts: the body alone on standard output (or in -o FILE), the status line
and headers before it with -i, and with -v what each TLS layer negotiated
(version, cipher, ALPN, the peer certificate's subject) and the response head
on standard error.  Any failure, an invalid URL or file included, is one line
on standard error and exit status 1 (before connecting when it can be); a
command line it cannot parse gets the usage and exit status 2."""
PIP_HELP = "run pip with HTTPS proxies working on Python 2.7 (arguments go to pip)"


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
    # What the engine bound to and checked before serving this interpreter:
    # capabilities, never the version number.
    for what, found in engine_description():
        show("checked", "%s: %s" % (what, found))
    for name, reason in engine_refusals():
        show("not " + name, reason)
    for limitation in ENGINE_LIMITATIONS:
        show("limitation", limitation)
    if UNAVAILABLE_REASON is not None:
        # No context line: without an engine no feature is served.
        show("verdict", "UNAVAILABLE: %s" % UNAVAILABLE_REASON)
        return 1
    show("context", _context_line())
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
    show("verdict", "OK: %s handshake with verification, %sdata, %sand "
                    "close_notify all work in memory%s"
         % (facts["version"], "ALPN, " if facts["alpn"] else "",
            "session resumption " if facts["has_sessions"] else "",
            "" if facts["alpn"] else "; ALPN " + _demo.NO_ALPN))
    return 0


def _context_line():
    """Which of Python 3.11's SSLContext attributes this engine serves."""
    if ENGINE == "stdlib":
        return "the standard library's own"
    from ._releases import FEATURES
    missing = [name for name in FEATURES if name not in CONTEXT_FEATURES]
    if not missing:
        return "all Python 3.11 SSLContext features"
    return "missing (NotImplementedError or absent): " + ", ".join(missing)


# Each command: (run(args, out), add_arguments(parser) or None for a command
# without options, help, description).
COMMANDS = {
    "check": (lambda args, out: check(out), None, CHECK_HELP, CHECK_DESCRIPTION),
    "demo": (lambda args, out: _demo.main(out), None, DEMO_HELP, DEMO_DESCRIPTION),
    "get": (_fetch.run, _fetch.add_arguments, GET_HELP, GET_DESCRIPTION),
}


def parser():
    """The command line, with a sub-command (and its own ``--help``) per command."""
    top = argparse.ArgumentParser(
        prog="python -m %s" % PACKAGE,
        description="Python 3's in-memory TLS API on Python 2.7: tell whether it "
                    "works here, and show it working.")
    commands = top.add_subparsers(dest="command", metavar="COMMAND")
    for name in sorted(COMMANDS):
        _, add_arguments, summary, description = COMMANDS[name]
        command = commands.add_parser(name, help=summary, description=description)
        if add_arguments is not None:
            add_arguments(command)
    # Listed for the overview only: main() hands pip its command line as is.
    commands.add_parser("pip", add_help=False, help=PIP_HELP)
    return top


def main(argv=None, out=None):
    """Run the command named in ``argv`` (default: ``sys.argv[1:]``).

    Returns the exit status rather than exiting, so it can be called in-process;
    help goes to standard output, usage errors to standard error (status 2).
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    out = sys.stdout if out is None else out
    if argv and argv[0] == "pip":
        from . import _pip
        return _pip.main(argv[1:])
    if argv == ["help"]:
        argv = ["--help"]
    command_line = parser()
    try:
        args = command_line.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed
        return exc.code
    if args.command is None:  # Python 3's subparsers are optional
        command_line.print_usage(sys.stderr)
        return EXIT_USAGE
    return COMMANDS[args.command][0](args, out)
