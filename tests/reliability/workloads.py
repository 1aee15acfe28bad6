"""Connection life cycles, repeated by leakcheck.py (and valgrind's driver).

Each workload is a class whose ``cycle(i)`` runs one complete life of one
or more in-memory connections: everything it creates is unreachable when it
returns (or, for the reference-cycle workloads, reachable only through
cycles the garbage collector must break).  Contexts are made once per
workload: they are long-lived in real programs, and what must not leak is
what each connection adds.

The same code drives sslbio on 2.7 and the standard library on 3.x, through
``engine_cases.common`` (contexts built the way 2.7 code builds them, and the
``Pair`` of a client and a server joined by four MemoryBIOs).
"""

import collections
import gc
import ssl

from engine_cases.common import Pair, client_context, server_context

# Plaintext sent each way per exchange: a few records, not one.
EXCHANGE = b"sslbio reliability " * 512  # 9,728 bytes


def _flush(pair):
    """Deliver everything both sides have written."""
    return pair.to_server() + pair.to_client()


def _read_exactly(sslobj, size):
    chunks = []
    got = 0
    while got < size:
        chunk = sslobj.read(size - got)
        if not chunk:
            raise AssertionError("connection closed after %d of %d bytes"
                                 % (got, size))
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def exchange(pair, data=EXCHANGE):
    """Client sends ``data``, server echoes it; both checked byte for byte."""
    pair.client.write(data)
    pair.to_server()
    received = _read_exactly(pair.server, len(data))
    if received != data:
        raise AssertionError("server received corrupted data")
    pair.server.write(received)
    pair.to_client()
    if _read_exactly(pair.client, len(data)) != data:
        raise AssertionError("client received corrupted data")


def close(pair):
    """Both close_notify alerts, client first, as an orderly TLS close."""
    try:
        pair.client.unwrap()
    except ssl.SSLWantReadError:
        pass
    pair.to_server()
    pair.server.unwrap()  # has the client's close_notify: completes
    pair.to_client()
    pair.client.unwrap()


class Contexts(object):
    """One client and one server context per TLS version, alternated by
    cycle number so that both record layers and both handshakes run."""

    def __init__(self, certname, versions=("1.3", "1.2")):
        self.pairs = []
        for version in versions:
            tls12 = version == "1.2"
            self.pairs.append((client_context(tls12=tls12),
                               server_context(certname, tls12=tls12)))

    def __call__(self, i):
        return self.pairs[i % len(self.pairs)]


class Workload(object):
    """Base class: ``cycle(i)`` does one cycle; ``counters`` is reported."""

    #: Collect garbage every this many cycles (workloads that make cycles).
    gc_every = None

    def __init__(self, certname="server-ecdsa"):
        self.contexts = Contexts(certname)
        self.counters = collections.Counter()

    def cycle(self, i):
        raise NotImplementedError

    def after_cycle(self, i):
        if self.gc_every and (i + 1) % self.gc_every == 0:
            gc.collect()


class Full(Workload):
    """create -> full handshake -> 9.5 KiB each way -> close_notify both
    ways -> destroy."""

    def cycle(self, i):
        client_ctx, server_ctx = self.contexts(i)
        pair = Pair(client_ctx, server_ctx).handshake()
        exchange(pair)
        close(pair)
        self.counters["handshakes"] += 1


class Midway(Workload):
    """Connections dropped at every stage: before any call, after the
    ClientHello, after the server's first flight, with one side finished,
    after the handshake with data in flight, and halfway through the close.
    """

    STAGES = 6

    def cycle(self, i):
        client_ctx, server_ctx = self.contexts(i // self.STAGES)
        stage = i % self.STAGES
        pair = Pair(client_ctx, server_ctx)
        steps = [pair.client.do_handshake, pair.server.do_handshake,
                 pair.client.do_handshake, pair.server.do_handshake]
        for step in steps[:stage]:
            try:
                step()
            except ssl.SSLWantReadError:
                pass
            _flush(pair)
        if stage == 5:
            pair.client.write(EXCHANGE)      # sent, never read
            pair.to_server()
            pair.server.write(EXCHANGE[:10])  # left in the outgoing BIO
            try:
                pair.client.unwrap()          # close_notify sent, no answer
            except ssl.SSLWantReadError:
                pass
        self.counters["stage %d" % stage] += 1


class Cycles(Workload):
    """Established connections that reference themselves: pair -> client ->
    pair, server -> client, the session on the client, the BIOs in the
    objects' own attributes.  Only the garbage collector frees them (every
    100 cycles here, and before each measurement)."""

    gc_every = 100

    def cycle(self, i):
        client_ctx, server_ctx = self.contexts(i)
        pair = Pair(client_ctx, server_ctx).handshake()
        exchange(pair)
        pair.cycle = pair
        pair.client.pair = pair
        pair.server.peer = pair.client
        pair.client.bios = (pair.cin, pair.cout)
        pair.client.kept_session = pair.client.session
        self.counters["cycles made"] += 1


class Sni(Workload):
    """A fresh server context per connection whose SNI callback keeps the
    SSLObject, both contexts and itself reachable from its closure, and
    switches the connection to a second context: context -> callback ->
    closure -> list -> SSLObject -> context.  Freed by the collector."""

    gc_every = 100

    def __init__(self, certname="server-ecdsa"):
        Workload.__init__(self, certname)
        self.certname = certname

    def cycle(self, i):
        client_ctx, _ = self.contexts(i)
        tls12 = i % 2 == 1
        server_ctx = server_context(self.certname, tls12=tls12)
        other_ctx = server_context(self.certname, tls12=tls12)
        kept = []

        def on_servername(sslobj, name, ctx):
            kept.append((sslobj, ctx, other_ctx, server_ctx, on_servername))
            sslobj.context = other_ctx

        server_ctx.set_servername_callback(on_servername)
        pair = Pair(client_ctx, server_ctx).handshake()
        if pair.server.context is not other_ctx or len(kept) != 1:
            raise AssertionError("the SNI callback did not run as expected")
        exchange(pair)
        self.counters["callbacks"] += len(kept)


class Sessions(Workload):
    """Resumption with sessions kept and dropped, per TLS version, in two
    patterns taking turns:

    * "window": the last 16 sessions are kept; a connection resumes the
      oldest, whose own connection is long gone, then its session joins
      the window and the oldest is dropped;
    * "kept": one session is reused by 32 connections in a row, each
      dropped before the next is made (a client keeping one session per
      host), then replaced by the last connection's.

    ``counters`` says how many connections resumed, per version and pattern.
    """

    WINDOW = 16
    KEPT_USES = 32

    def __init__(self, certname="server-ecdsa"):
        Workload.__init__(self, certname)
        self.windows = [collections.deque() for _ in self.contexts.pairs]
        self.kept = [None for _ in self.contexts.pairs]
        self.kept_uses = [0 for _ in self.contexts.pairs]

    def cycle(self, i):
        index = i % len(self.contexts.pairs)
        pattern = "window" if (i // len(self.contexts.pairs)) % 2 else "kept"
        client_ctx, server_ctx = self.contexts.pairs[index]
        if pattern == "window":
            window = self.windows[index]
            session = window.popleft() if len(window) >= self.WINDOW else None
        else:
            session = self.kept[index]
        pair = Pair(client_ctx, server_ctx, session=session).handshake()
        exchange(pair)  # also delivers TLS 1.3 tickets to the client
        if session is not None:
            version = "TLS 1.3" if index == 0 else "TLS 1.2"
            outcome = "resumed" if pair.client.session_reused else \
                "NOT resumed"
            self.counters["%s %s %s" % (version, pattern, outcome)] += 1
        if pattern == "window":
            self.windows[index].append(pair.client.session)
        else:
            self.kept_uses[index] += 1
            if session is None or self.kept_uses[index] >= self.KEPT_USES:
                self.kept[index] = pair.client.session
                self.kept_uses[index] = 0


class Failures(Workload):
    """Handshakes that fail, in turn: a wrong host name (certificate
    verification fails on the client), a server that requires a client
    certificate the client lacks, and garbage instead of a ServerHello.
    The exceptions, with their tracebacks, are dropped too."""

    def __init__(self, certname="server-ecdsa"):
        Workload.__init__(self, certname)
        self.require_cert = server_context(
            certname, client_cert=ssl.CERT_REQUIRED, tls12=True)

    def cycle(self, i):
        kind = i % 3
        client_ctx, server_ctx = self.contexts(i // 3)
        if kind == 0:
            pair = Pair(client_ctx, server_ctx,
                        server_hostname="wrong.example")
        elif kind == 1:
            pair = Pair(client_ctx, self.require_cert)
        else:
            pair = Pair(client_ctx, server_ctx)
        try:
            if kind == 2:
                try:
                    pair.client.do_handshake()
                except ssl.SSLWantReadError:
                    pass
                pair.cin.write(b"\x16\x03\x03\x00\x05garbage" * 4)
                pair.client.do_handshake()
            else:
                pair.handshake()
        except (ssl.SSLError, ssl.CertificateError) as exc:
            # (CertificateError alone: Python 3.6 checks host names after
            # the handshake, in Python.)
            self.counters[type(exc).__name__] += 1
            _flush(pair)  # the alert goes out, as a pump would send it
        else:
            raise AssertionError("failure case %d completed a handshake"
                                 % kind)


class Dropped(Workload):
    """create -> full handshake -> 100 bytes -> dropped, without
    close_notify: the loop of a program that leaves its connections to the
    garbage collector (run with leakcheck's ``--no-collect``, it shows
    whether the collector learns in time what they hold)."""

    MESSAGE = b"x" * 100

    def cycle(self, i):
        client_ctx, server_ctx = self.contexts(i)
        pair = Pair(client_ctx, server_ctx).handshake()
        pair.client.write(self.MESSAGE)
        pair.to_server()
        if _read_exactly(pair.server, len(self.MESSAGE)) != self.MESSAGE:
            raise AssertionError("server received corrupted data")
        self.counters["handshakes"] += 1


WORKLOADS = {
    "full": Full,
    "dropped": Dropped,
    "midway": Midway,
    "cycles": Cycles,
    "sni": Sni,
    "sessions": Sessions,
    "failures": Failures,
}
