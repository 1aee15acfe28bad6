"""Concurrency check: many threads, each with its own connections, and
connections handed from thread to thread.

    python tests/reliability/threadcheck.py --threads 8 --connections 3

Part "own": ``--threads`` threads each run ``--connections`` connections
one after another: handshake (TLS 1.3 and 1.2 in turn where OpenSSL has
TLS 1.3, else 1.2; every third server
context switches certificates in an SNI callback, which OpenSSL calls while
the handshake has released the GIL), ``--size`` bytes (1 MiB by default)
from client to server and the same amount back, compared byte for byte
with what was sent, then close_notify both ways.  Contexts are shared by
all threads, as programs share them.  Reads alternate between
``read(n)`` and ``read(n, buffer)``, so both read paths run.

Part "handoff": ``--handoffs`` connections each pass through three
threads: made and started (ClientHello) in a "maker" thread, handshaken and
used in a "user" thread, used again, closed and dropped in a "dropper"
thread, with two threads per stage working at once.

``--switch stress`` makes the interpreter switch threads as often as it can
(Python 2: ``sys.setcheckinterval(10)``; 3: ``sys.setswitchinterval(1e-5)``),
which turns a rare race into a likely one.

Prints one JSON line.  Exit status 0: every byte arrived as sent and every
thread finished; 1: an error or corrupted data (details in the JSON and on
stderr); 3: a thread was still running at ``--timeout`` (a deadlock or a
hang; every thread's stack is printed on stderr).
"""

from __future__ import print_function

import argparse
import gc
import json
import os
import platform
import ssl
import sys
import threading
import time
import traceback

try:
    import queue
except ImportError:  # Python 2
    import Queue as queue

try:  # run as a script
    import bootstrap  # noqa: F401
except ImportError:
    pass

import sslbio  # noqa: E402

from engine_cases.common import Pair, client_context, server_context  # noqa
from reliability.workloads import close  # noqa: E402
from support.openssl_release import VERSIONS  # noqa: E402

# The versions connections take in turn, TLS 1.3 first.
TURNS = tuple(reversed(VERSIONS))

CHUNK = 65536
HANDOFF_DATA = 64 * 1024


class Failure(Exception):
    pass


class Contexts(object):
    """Client and server contexts shared by every thread: per TLS version a
    plain server context and one whose SNI callback switches to a second
    context (with the ECDSA certificate)."""

    def __init__(self):
        self.sni_calls = 0
        self._lock = threading.Lock()
        self.by_version = {}
        for version in TURNS:
            tls12 = version == "1.2"
            plain = server_context("server", tls12=tls12)
            switching = server_context("server", tls12=tls12)
            other = server_context("server-ecdsa", tls12=tls12)
            switching.set_servername_callback(self._switcher(other))
            self.by_version[version] = (client_context(tls12=tls12), plain,
                                        switching, other)

    def _switcher(self, other):
        def on_servername(sslobj, name, ctx):
            with self._lock:
                self.sni_calls += 1
            sslobj.context = other
        return on_servername

    def pick(self, n):
        version = TURNS[n % len(TURNS)]
        client, plain, switching, other = self.by_version[version]
        if n % 3 == 2:
            return version, client, switching, other
        return version, client, plain, plain


def read_exactly(sslobj, size, use_buffer):
    """``size`` bytes of plaintext, with read(n) or read(n, buffer)."""
    parts = []
    got = 0
    buf = bytearray(16384) if use_buffer else None
    while got < size:
        want = min(size - got, 16384)
        if use_buffer:
            n = sslobj.read(want, buf)
            chunk = bytes(buf[:n])
        else:
            chunk = sslobj.read(want)
        if not chunk:
            raise Failure("closed after %d of %d bytes" % (got, size))
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def transfer(pair, data, use_buffer):
    """Client sends ``data`` to the server, which sends it back, chunk by
    chunk; returns what came back at each end, for comparison."""
    at_server, at_client = [], []
    for start in range(0, len(data), CHUNK):
        chunk = data[start:start + CHUNK]
        pair.client.write(chunk)
        pair.to_server()
        received = read_exactly(pair.server, len(chunk), use_buffer)
        at_server.append(received)
        pair.server.write(received)
        pair.to_client()
        at_client.append(read_exactly(pair.client, len(chunk), use_buffer))
    return b"".join(at_server), b"".join(at_client)


def check_transfer(pair, data, use_buffer, label):
    at_server, at_client = transfer(pair, data, use_buffer)
    for side, got in (("server", at_server), ("client", at_client)):
        if got != data:
            first = next((i for i in range(min(len(got), len(data)))
                          if got[i:i + 1] != data[i:i + 1]), None)
            raise Failure("%s: %s received %d bytes that differ from the %d "
                          "sent (first difference at byte %s)"
                          % (label, side, len(got), len(data), first))


class Report(object):
    """Thread-safe tallies and the first few failures."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}
        self.failures = []

    def count(self, key, n=1):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + n

    def fail(self, where):
        with self.lock:
            self.failures.append("%s: %s" % (where, traceback.format_exc()))


def own_connections(index, contexts, report, connections, size):
    data = os.urandom(size)
    for n in range(connections):
        label = "thread %d connection %d" % (index, n)
        try:
            version, client_ctx, server_ctx, expected = contexts.pick(
                index + n)
            pair = Pair(client_ctx, server_ctx).handshake()
            if pair.server.context is not expected:
                raise Failure("%s: SNI callback did not switch" % label)
            if pair.client.version() != "TLSv" + version:
                raise Failure("%s: negotiated %s" % (label,
                                                     pair.client.version()))
            check_transfer(pair, data, (index + n) % 2 == 1, label)
            close(pair)
            report.count("own connections")
            report.count("own bytes verified", 2 * size)
        except Exception:
            report.fail(label)
            return


def handoff(contexts, report, count, timeout):
    """Three stages, two threads each, joined by queues; None ends a stage."""
    made, used = queue.Queue(), queue.Queue()
    data = os.urandom(HANDOFF_DATA)

    def maker(numbers):
        for n in numbers:
            try:
                _, client_ctx, server_ctx, _ = contexts.pick(n)
                pair = Pair(client_ctx, server_ctx)
                try:
                    pair.client.do_handshake()
                except ssl.SSLWantReadError:
                    pass
                pair.to_server()
                made.put((n, pair))
            except Exception:
                report.fail("maker %d" % n)
        made.put(None)

    def user():
        while True:
            item = made.get(timeout=timeout)
            if item is None:
                used.put(None)
                return
            n, pair = item
            try:
                pair.handshake()
                check_transfer(pair, data, n % 2 == 1, "handoff %d (user)" % n)
                used.put((n, pair))
            except Exception:
                report.fail("user %d" % n)
            del item, pair

    def dropper():
        while True:
            item = used.get(timeout=timeout)
            if item is None:
                return
            n, pair = item
            try:
                check_transfer(pair, data[:8192], n % 2 == 0,
                               "handoff %d (dropper)" % n)
                close(pair)
                report.count("handed-off connections")
            except Exception:
                report.fail("dropper %d" % n)
            del item, pair
            if n % 16 == 0:
                gc.collect()

    halves = [range(0, count, 2), range(1, count, 2)]
    threads = [threading.Thread(target=maker, args=(h,)) for h in halves]
    threads += [threading.Thread(target=user) for _ in range(2)]
    threads += [threading.Thread(target=dropper) for _ in range(2)]
    return threads


def set_switching(mode):
    if mode != "stress":
        return
    if hasattr(sys, "setswitchinterval"):
        sys.setswitchinterval(1e-5)
    else:
        sys.setcheckinterval(10)


def dump_stacks(threads):
    frames = sys._current_frames()
    for thread in threads:
        if thread.is_alive():
            print("--- %s is still running:" % thread.name, file=sys.stderr)
            frame = frames.get(thread.ident)
            if frame is not None:
                traceback.print_stack(frame, file=sys.stderr)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--connections", type=int, default=3,
                        help="connections per thread, one after another")
    parser.add_argument("--size", type=int, default=1024 * 1024,
                        help="bytes sent each way per connection")
    parser.add_argument("--handoffs", type=int, default=64)
    parser.add_argument("--switch", choices=("default", "stress"),
                        default="default")
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args(argv)

    set_switching(args.switch)
    contexts = Contexts()
    report = Report()
    threads = [threading.Thread(target=own_connections, name="own-%d" % i,
                                args=(i, contexts, report, args.connections,
                                      args.size))
               for i in range(args.threads)]
    threads += handoff(contexts, report, args.handoffs, args.timeout)
    began = time.time()
    for thread in threads:
        thread.daemon = True  # a hung thread must not keep us from exiting
        thread.start()
    deadline = began + args.timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.time()))
    hung = [t.name for t in threads if t.is_alive()]

    result = {
        "python": platform.python_version(),
        "implementation": "sslbio %s" % sslbio.ENGINE,
        "threads": args.threads,
        "connections_per_thread": args.connections,
        "bytes_each_way": args.size,
        "handoffs": args.handoffs,
        "handoff_threads": 6,
        "switch": args.switch,
        "counts": report.counts,
        "sni_calls": contexts.sni_calls,
        "failures": len(report.failures),
        "hung_threads": hung,
        "seconds": round(time.time() - began, 2),
    }
    expected_own = args.threads * args.connections
    complete = (report.counts.get("own connections", 0) == expected_own and
                report.counts.get("handed-off connections", 0) ==
                args.handoffs)
    print(json.dumps(result, sort_keys=True))
    sys.stdout.flush()
    for failure in report.failures[:5]:
        print(failure, file=sys.stderr)
    if hung:
        dump_stacks(threads)
        sys.stderr.flush()
        os._exit(3)  # hung daemon threads could block a normal exit
    if report.failures or not complete:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
