"""``sslbio.SSLSocket`` against the native ``ssl.SSLSocket``: bulk throughput
and handshakes per second over TCP on 127.0.0.1, on Python 2.7 and 3.11.

    python3 -m benchmarks.sockets              # both interpreters, 5 rounds
    python3 -m benchmarks.sockets --rounds 9 --mib 256 --handshakes 300

Four contenders, each in its own process: ``native 2.7`` (2.7's
``ssl.SSLSocket``), ``sslbio 2.7`` (``sslbio.wrap_socket`` on sslbio's
engine), ``native 3.11`` (3.11's ``ssl.SSLSocket``) and ``sslbio 3.11``
(``sslbio.wrap_socket`` on 3.11's own ``SSLObject``).  The peer is always the
same interpreter's native ``ssl.SSLSocket``, in a forked child, so the client
under test has a CPU of its own.  Measured on the client, by its own CPU
time (``--clock cpu``, the default: what the TLS layer costs, whatever else
runs on the machine) or elapsed time (``--clock wall``), TLS 1.3 with the
bench's RSA certificate, verification and host name check on:

``receive``     MiB/s reading a stream of ``--mib`` MiB (recv(65536))
``send``        MiB/s writing ``--mib`` MiB (sendall of 64 KiB blocks)
``handshakes``  connect + handshake + close, sequentially, per second

The report gives medians over ``--rounds`` (interleaved, so load drifts hit
every contender alike), sslbio's ratio to the native socket of the same
interpreter, and every contender's ratio to native 3.11.  Python 2.7 and 3
(the worker runs on each interpreter: ``--worker``).
"""

from __future__ import print_function

import argparse
import json
import os
import resource
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

from . import certs, checkout

CHUNK = 65536
CONTENDERS = [("2.7", "native"), ("2.7", "sslbio"), ("3.11", "native"), ("3.11", "sslbio")]
REFERENCE = ("3.11", "native")
METRICS = [("receive", "MiB/s"), ("send", "MiB/s"), ("handshakes", "/s")]


# -- the worker: runs on the contender's interpreter ------------------------------

def _contexts(directory):
    ca, cert, key = certs.paths(directory, "rsa")
    server = ssl.SSLContext(ssl.PROTOCOL_SSLv23)
    server.load_cert_chain(cert, key)
    client = ssl.SSLContext(ssl.PROTOCOL_SSLv23)
    client.verify_mode = ssl.CERT_REQUIRED
    client.check_hostname = True
    client.load_verify_locations(ca)
    return server, client


def _serve(listener, server_context, mib, handshakes):
    """The peer, in a forked child: native ssl.SSLSocket throughout."""
    block = b"x" * CHUNK
    total = mib * 1024 * 1024
    # One stream out, one stream in, then the handshakes.
    conn = server_context.wrap_socket(listener.accept()[0], server_side=True)
    sent = 0
    while sent < total:
        conn.sendall(block)
        sent += CHUNK
    got = 0
    while got < total:
        got += len(conn.recv(CHUNK))
    conn.sendall(b"k")
    conn.close()
    for _ in range(handshakes):
        raw = listener.accept()[0]
        try:
            server_context.wrap_socket(raw, server_side=True).close()
        except (ssl.SSLError, socket.error):
            raw.close()


def _client_wrap(kind):
    if kind == "native":
        return lambda sock, context: context.wrap_socket(
            sock, server_hostname=certs.HOSTNAME)
    import sslbio
    return lambda sock, context: sslbio.wrap_socket(
        sock, context, server_hostname=certs.HOSTNAME)


def _connect(port):
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _cpu_time():
    # getrusage has microseconds; os.times() only clock ticks (10 ms).
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


CLOCKS = {"cpu": _cpu_time, "wall": time.time}


def measure(kind, directory, mib, handshakes, clock="cpu"):
    """One round for ``kind`` ("native" or "sslbio"); a dict of figures."""
    now = CLOCKS[clock]
    server_context, client_context = _contexts(directory)
    wrap = _client_wrap(kind)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    pid = os.fork()
    if pid == 0:  # the peer
        status = 0
        try:
            _serve(listener, server_context, mib, handshakes)
        except BaseException:
            status = 1
        os._exit(status)
    listener.close()
    try:
        total = mib * 1024 * 1024
        tls = wrap(_connect(port), client_context)
        began = now()
        got = 0
        while got < total:
            got += len(tls.recv(CHUNK))
        receive = now() - began
        block = b"y" * CHUNK
        began = now()
        for _ in range(total // CHUNK):
            tls.sendall(block)
        tls.recv(1)  # the peer has it all
        send = now() - began
        tls.close()
        began = now()
        for _ in range(handshakes):
            wrap(_connect(port), client_context).close()
        shake = now() - began
    finally:
        os.waitpid(pid, 0)
    return {"receive": mib / receive, "send": mib / send,
            "handshakes": handshakes / shake}


def _worker(args):
    result = measure(args.worker, args.certs, args.mib, args.handshakes, args.clock)
    print(json.dumps(result))
    return 0


# -- the driver: runs on any interpreter ------------------------------------------

def _median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2.0


def _run_round(python, kind, args, directory):
    env = dict(os.environ)
    env["PYTHONPATH"] = checkout.worker_path(args.sslbio_src)
    command = [python, "-m", "benchmarks.sockets", "--worker", kind,
               "--certs", directory, "--mib", str(args.mib),
               "--handshakes", str(args.handshakes), "--clock", args.clock]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=env, cwd=checkout.ROOT)
    out, err = process.communicate()
    if process.returncode != 0:
        raise RuntimeError("%s failed:\n%s" % (" ".join(command),
                                                err.decode("utf-8", "replace")))
    return json.loads(out.decode("ascii").strip().splitlines()[-1])


def report(medians, out):
    """The table: medians, sslbio / native of the same Python, x / native 3.11."""
    reference = medians.get(REFERENCE)
    print("%-12s %12s %12s %14s %14s %16s" % (
        "contender", "receive", "send", "handshakes/s", "vs native",
        "vs native 3.11"), file=out)
    for key in CONTENDERS:
        if key not in medians:
            continue
        figures = medians[key]
        native = medians.get((key[0], "native"))

        def ratios(base):
            if base is None:
                return "-"
            return "/".join("%.2f" % (figures[m] / base[m]) for m, _ in METRICS)

        print("%-12s %8.0f MiB/s %6.0f MiB/s %14.0f %14s %16s" % (
            "%s %s" % (key[1], key[0]), figures["receive"], figures["send"],
            figures["handshakes"], ratios(native), ratios(reference)), file=out)
    print("(ratios: receive/send/handshakes; medians of each contender's rounds)",
          file=out)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python3 -m benchmarks.sockets",
        description="sslbio.SSLSocket against the native ssl.SSLSocket on "
                    "Python 2.7 and 3.11: bulk throughput and handshakes/s "
                    "over loopback TCP.")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per contender "
                        "(interleaved; default %(default)s)")
    parser.add_argument("--mib", type=int, default=256, help="MiB per bulk "
                        "direction per round (default %(default)s)")
    parser.add_argument("--handshakes", type=int, default=200,
                        help="handshakes per round (default %(default)s)")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu",
                        help="cpu: the client process's CPU time (user + "
                             "system), steady on a busy machine; wall: elapsed "
                             "time (default %(default)s)")
    parser.add_argument("--sslbio-src", default=checkout.SSLBIO_SRC, metavar="DIR",
                        help="directory holding the sslbio package to measure "
                             "(default: this checkout's src)")
    parser.add_argument("--interpreter", action="append", default=[],
                        metavar="X.Y=PATH", help="use PATH as Python X.Y")
    parser.add_argument("--openssl", default="openssl", metavar="PATH",
                        help="openssl CLI that makes the certificates")
    parser.add_argument("--worker", choices=["native", "sslbio"], help=argparse.SUPPRESS)
    parser.add_argument("--certs", help=argparse.SUPPRESS)
    return parser


def main(argv=None, out=None):
    out = sys.stdout if out is None else out
    args = build_parser().parse_args(argv)
    if args.worker:
        return _worker(args)
    from .contenders import find_interpreters
    overrides = dict(spec.split("=", 1) for spec in args.interpreter)
    pythons = dict((xy, found[0]) for xy, found in find_interpreters(overrides).items())
    chosen = [key for key in CONTENDERS if key[0] in pythons]
    missing = sorted(set(key[0] for key in CONTENDERS) - set(pythons))
    if missing:
        print("bench: no Python %s found; its contenders are left out"
              % ", ".join(missing), file=out)
    directory = certs.generate(tempfile.mkdtemp(prefix="sslbio-sockets-"), args.openssl)
    rounds = dict((key, []) for key in chosen)
    try:
        for number in range(args.rounds):
            for key in chosen:
                rounds[key].append(_run_round(pythons[key[0]], key[1], args, directory))
            print("bench: round %d/%d done" % (number + 1, args.rounds), file=sys.stderr)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    medians = dict((key, dict((m, _median([r[m] for r in results])) for m, _ in METRICS))
                   for key, results in rounds.items())
    print("sslbio.SSLSocket vs ssl.SSLSocket, loopback TCP, %d MiB per direction, "
          "%d handshakes, %d rounds, %s clock" % (args.mib, args.handshakes,
                                                  args.rounds, args.clock), file=out)
    report(medians, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
