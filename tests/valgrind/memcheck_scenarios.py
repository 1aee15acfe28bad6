"""The core scenarios, run inside valgrind by vgcheck.py.

    python tests/valgrind/memcheck_scenarios.py [--quick] [NAME ...]

Every path through which sslbio hands OpenSSL a pointer: handshakes (TLS
1.2 and 1.3, RSA and ECDSA), reads and writes of every buffer type and size
(the scratch buffers, in-place string fills, ``read(n, buffer)``),
``unwrap()`` in both orders, failures and the calls made after them,
sessions and resumption, SNI callbacks, channel bindings and cipher lists,
the deletion orders of objects that share BIOs, and a few threads.  Prints
``ok NAME`` after each scenario and ``all ok`` at the end; any exception
fails.

Scenario bodies assert little: correctness is the other tests' job.  Here
what matters is that every call happens, so memcheck sees each access.
"""

from __future__ import print_function

import array
import copy
import gc
import os
import ssl
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

import sslbio  # noqa: E402

from engine_cases.common import (Pair, client_context,  # noqa: E402
                                 connected_pair, server_context)
from reliability.workloads import close, exchange  # noqa: E402

SCENARIOS = []


def scenario(quick=False):
    """Register a scenario; ``quick`` ones make up the bounded CI run."""
    def register(func):
        SCENARIOS.append((func.__name__, quick, func))
        return func
    return register


def _attempt(call, *args):
    try:
        return call(*args)
    except (ssl.SSLError, ValueError, TypeError, OverflowError) as exc:
        return exc


@scenario(quick=True)
def handshakes():
    for certname in ("server", "server-ecdsa"):
        for tls12 in (False, True):
            pair = connected_pair(client_context(tls12=tls12),
                                  server_context(certname, tls12=tls12))
            for side in (pair.client, pair.server):
                side.version()
                side.cipher()
                side.compression()
                side.selected_alpn_protocol()
                side.shared_ciphers()
                side.get_channel_binding("tls-unique")
                side.pending()
            pair.client.getpeercert()
            pair.client.getpeercert(True)
            pair.server.getpeercert()


@scenario(quick=True)
def data():
    pair = connected_pair()
    exchange(pair)
    # Every buffer type MemoryBIO and SSLObject.write accept.
    for payload in (b"bytes", bytearray(b"bytearray"), memoryview(b"view"),
                    array.array("b", [1, 2, 3])):
        pair.client.write(payload)
    pair.to_server()
    pair.server.read(1 << 20)
    # Large records and reads past MemoryBIO's 64 KiB scratch buffer.
    big = os.urandom(300000)
    pair.server.write(big)
    size = pair.sout.pending
    chunk = pair.sout.read(70000)       # sized, larger than the scratch
    pair.cin.write(chunk)
    pair.cin.write(pair.sout.read())    # default size, more than 64 KiB
    assert len(chunk) == 70000 and size > 70000
    got = 0
    buf = bytearray(20000)
    while got < len(big):
        got += pair.client.read(len(buf), buf)  # read(n, buffer)
    pair.client.write(b"x" * 17000)
    pair.to_server()
    target = array.array("b", [0] * 5000)
    pair.server.read(5000, target)
    pair.server.read(1 << 20)
    # Sizes at the edges.
    pair.cout.read(0)
    pair.cout.read(1)
    _attempt(pair.cout.read, -5)
    _attempt(pair.client.read, -1)
    pair.client.write(b"")
    pair.client.read(0)


@scenario(quick=True)
def unwrap_both_orders():
    pair = connected_pair()
    close(pair)
    pair = connected_pair()
    _attempt(pair.server.unwrap)
    pair.to_client()
    assert pair.client.read() == b""
    pair.client.unwrap()
    pair.to_server()
    pair.server.unwrap()
    # End of file instead of close_notify.
    pair = connected_pair()
    pair.cin.write_eof()
    _attempt(pair.client.read)
    _attempt(pair.client.read)
    _attempt(pair.client.write, b"after eof")


@scenario(quick=True)
def errors():
    cases = [
        Pair(server_hostname="wrong.example"),
        Pair(server_ctx=server_context("untrusted")),
        Pair(server_ctx=server_context("expired")),
        Pair(server_ctx=server_context("nul-san")),
        Pair(server_ctx=server_context(client_cert=ssl.CERT_REQUIRED,
                                       tls12=True)),
        Pair(client_context(check_hostname=True), server_hostname=None),
    ]
    for pair in cases:
        _attempt(pair.handshake)
        pair.to_server()
        pair.to_client()
        for obj in (pair.client, pair.server):
            # Calls after a failure walk the error paths again.
            _attempt(obj.do_handshake)
            _attempt(obj.read)
            _attempt(obj.read, 10, bytearray(10))
            _attempt(obj.write, b"after failure")
            _attempt(obj.unwrap)
            obj.version()
            obj.cipher()
            _attempt(obj.getpeercert)
    # Garbage, truncated and oversized records.
    for junk in (b"\x16\x03\x03\x00\x05hello", b"\x17" * 100,
                 b"\x16\x03\x01\xff\xff" + b"\x00" * 70000, b"GET / HTTP/1.0"):
        pair = Pair()
        _attempt(pair.client.do_handshake)
        pair.cin.write(junk)
        _attempt(pair.client.do_handshake)
        _attempt(pair.client.do_handshake)
        pair.sin.write(junk)
        _attempt(pair.server.do_handshake)
    # Misuse of the API.
    bio = sslbio.MemoryBIO()
    bio.write_eof()
    _attempt(bio.write, b"after eof")
    _attempt(bio.write, u"text")
    _attempt(bio.read, 2 ** 40)
    _attempt(sslbio.wrap_bio, client_context(), bio, "not a bio")
    pair = connected_pair()
    _attempt(pair.client.read, 2 ** 62)
    _attempt(pair.client.get_channel_binding, "tls-server-end-point")
    _attempt(pair.server.verify_client_post_handshake)


@scenario(quick=True)
def sessions():
    for tls12 in (False, True):
        client_ctx = client_context(tls12=tls12)
        server_ctx = server_context("server-ecdsa", tls12=tls12)
        first = connected_pair(client_ctx, server_ctx)
        session = first.client.session
        first.server.session
        for name in ("id", "time", "timeout", "ticket_lifetime_hint",
                     "has_ticket"):
            getattr(session, name)
        assert session == session
        del first
        gc.collect()
        for _ in range(3):
            again = connected_pair(client_ctx, server_ctx, session=session)
            again.client.session_reused
            again.client.session == session
            del again
        # A session for the wrong context, and set after the handshake.
        other = Pair(client_context(tls12=tls12), server_ctx)
        _attempt(setattr, other.client, "session", session)
        done = connected_pair(client_ctx, server_ctx)
        _attempt(setattr, done.client, "session", session)
        del session
        gc.collect()


@scenario(quick=True)
def sni():
    calls = []
    other = server_context("server-ecdsa")

    def on_servername(sslobj, name, ctx):
        calls.append(name)
        sslobj.context = other

    server_ctx = server_context()
    server_ctx.set_servername_callback(on_servername)
    pair = connected_pair(client_context(), server_ctx,
                          server_hostname=u"b\u00fccher.example")
    exchange(pair)

    def failing(sslobj, name, ctx):
        raise RuntimeError("callback failure")

    server_ctx.set_servername_callback(failing)
    _attempt(Pair(client_context(), server_ctx).handshake)
    server_ctx.set_servername_callback(None)
    assert calls


@scenario()
def deletion_orders():
    from engine_cases.lifetimes import (deletion_order, one_bio_both_ways,
                                        shared_bios)
    import itertools
    names = ("sslobj", "incoming", "outgoing", "context")
    for order in itertools.permutations(names):
        for done in (False, True):
            deletion_order(list(order), done)
    for first in ("sslobj", "bio"):
        one_bio_both_ways(first)
    shared_bios()


@scenario(quick=True)
def deletion_orders_sample():
    from engine_cases.lifetimes import deletion_order, one_bio_both_ways
    for order in (["sslobj", "incoming", "outgoing", "context"],
                  ["context", "outgoing", "incoming", "sslobj"],
                  ["incoming", "sslobj", "context", "outgoing"]):
        for done in (False, True):
            deletion_order(order, done)
    one_bio_both_ways("bio")


@scenario(quick=True)
def copies_and_cycles():
    pair = connected_pair()
    twin = copy.copy(pair.client)
    twin.write(b"through the copy")
    pair.to_server()
    pair.server.read()
    pair.client = None
    gc.collect()
    twin.write(b"original gone")
    del twin
    pair = connected_pair()
    pair.client.pair = pair
    pair.server.peer = pair.client
    del pair
    gc.collect()


@scenario(quick=True)
def threads():
    """Per-thread state (read buffers, OpenSSL's error queues), SNI callbacks
    re-entering Python from a handshake that released the GIL, and objects
    handed between threads; small, since memcheck runs one thread at a time.
    """
    from reliability import threadcheck
    status = threadcheck.main(["--threads", "4", "--connections", "1",
                               "--size", "65536", "--handoffs", "6",
                               "--timeout", "600"])
    if status:
        raise AssertionError("threadcheck failed with status %d" % status)


@scenario()
def _selftest_invalid_read():
    """Not a scenario: a deliberate read of freed memory through ctypes,
    which the checker must report (tests/test_valgrind.py runs it to prove
    that the checker can fail).  Run only when named."""
    import ctypes
    import ctypes.util
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    block = libc.malloc(64)
    libc.free(block)
    ctypes.string_at(block, 16)


def main(argv):
    quick = "--quick" in argv
    names = [a for a in argv if not a.startswith("--")]
    known = set(name for name, _, _ in SCENARIOS)
    unknown = set(names) - known
    if unknown:
        print("unknown scenarios: %s (known: %s)"
              % (", ".join(sorted(unknown)), ", ".join(sorted(known))),
              file=sys.stderr)
        return 2
    for name, is_quick, func in SCENARIOS:
        if names and name not in names:
            continue
        if not names and (name.startswith("_") or quick and not is_quick):
            continue
        func()
        gc.collect()
        print("ok %s" % name)
        sys.stdout.flush()
    print("all ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
