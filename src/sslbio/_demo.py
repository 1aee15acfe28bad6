"""An HTTPS conversation between a client and a server that share only memory.

This is what ``python -m sslbio demo`` runs and what ``python -m sslbio
check`` uses as its self-test.  Each side owns two ``MemoryBIO`` objects (what
arrives, what leaves) and an ``SSLObject`` from ``context.wrap_bio()``; the
"network" is a loop that copies each side's outgoing bytes into the other
side's incoming BIO.  No socket, no thread, no event loop: the sans-I/O shape
that asyncio's ``sslproto``, TLS-in-TLS proxies and Twisted-style protocols
are built on.

The client verifies the server the way real clients do (``CERT_REQUIRED``,
``check_hostname``) against a demo CA shipped in ``demo_certs/`` (made by
``scripts/make-demo-certs``; ``demo_certs/README.md`` says why a private key
ships in the package: it is a public, throwaway demo key, and the demo CA is
trusted by ``client_context()`` only), offers ALPN ``http/1.1``, sends one HTTP/1.1
request, resumes the session on a second connection, and both sides end with
``unwrap()`` (close_notify each way).
"""

from __future__ import print_function

import binascii
import os
import platform
import ssl
import sys
import traceback

from . import ENGINE, UNAVAILABLE_REASON, MemoryBIO, SSLContext

HOSTNAME = "demo.sslbio.example"
ALPN_PROTOCOL = "http/1.1"
# What the demo says where the context cannot offer ALPN.
NO_ALPN = ("not available on this 2.7 release (ssl.SSLContext.set_alpn_protocols "
           "came with 2.7.10)")
CERT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "demo_certs")

# A TLS 1.2 handshake takes two round trips, TLS 1.3 one and a half, a close
# one: anything still unfinished after this many is stuck, not slow.
_MAX_ROUNDS = 8


def _cert(name):
    return os.path.join(CERT_DIR, name)


def alpn_available():
    """Whether contexts can offer ALPN: 2.7.9's ``ssl.SSLContext`` has no
    ``set_alpn_protocols`` (2.7.10 added it); the demo then goes without."""
    return hasattr(SSLContext, "set_alpn_protocols")


def _offer_alpn(context):
    if alpn_available():
        context.set_alpn_protocols([ALPN_PROTOCOL])


def client_context():
    """A client context that verifies like a browser: chain and host name."""
    # Python 2.7 has no PROTOCOL_TLS_CLIENT: SSLv23 means "the best version
    # both sides speak" and, unlike it, starts with verification off.
    context = SSLContext(getattr(ssl, "PROTOCOL_TLS_CLIENT", ssl.PROTOCOL_SSLv23))
    context.verify_mode = ssl.CERT_REQUIRED
    context.check_hostname = True
    context.load_verify_locations(cafile=_cert("ca.pem"))
    _offer_alpn(context)
    return context


def server_context(on_server_name):
    """A server context with the demo certificate.

    ``on_server_name(ssl_object, server_name)`` is called from inside the
    handshake with the name the client asked for (SNI).
    """
    context = SSLContext(getattr(ssl, "PROTOCOL_TLS_SERVER", ssl.PROTOCOL_SSLv23))
    context.load_cert_chain(_cert("server.pem"), _cert("server.key"))
    _offer_alpn(context)

    def callback(ssl_object, server_name, context):
        on_server_name(ssl_object, server_name)
        return None  # carry on with this context

    if hasattr(context, "sni_callback"):  # Python 3.7+
        context.sni_callback = callback
    else:                                 # Python 2.7 and 3.6
        context.set_servername_callback(callback)
    return context


class _Wire(object):
    """The network between the two sides: four BIOs and a byte count."""

    def __init__(self):
        self.client_incoming, self.client_outgoing = MemoryBIO(), MemoryBIO()
        self.server_incoming, self.server_outgoing = MemoryBIO(), MemoryBIO()
        self.to_server = 0
        self.to_client = 0

    def deliver(self):
        """Move every pending byte to the other side."""
        # write() returns the number of bytes it took: all of them.
        self.to_server += self.server_incoming.write(self.client_outgoing.read())
        self.to_client += self.client_incoming.write(self.server_outgoing.read())

    def connect(self, client_ctx, server_ctx, session=None):
        """Return a (client, server) pair of ``SSLObject`` on this wire."""
        client = client_ctx.wrap_bio(self.client_incoming, self.client_outgoing,
                                     server_hostname=HOSTNAME, session=session)
        server = server_ctx.wrap_bio(self.server_incoming, self.server_outgoing,
                                     server_side=True)
        return client, server


def _alternate(wire, client_step, server_step):
    """Step both sides in turn, delivering bytes, until both have finished;
    returns the number of round trips it took."""
    done = [False, False]
    for round_trip in range(1, _MAX_ROUNDS + 1):
        for side, step in enumerate((client_step, server_step)):
            if not done[side]:
                try:
                    step()
                    done[side] = True
                except ssl.SSLWantReadError:
                    pass  # it needs the peer's bytes
            wire.deliver()
        if all(done):
            return round_trip
    raise RuntimeError("no progress after %d round trips" % _MAX_ROUNDS)


def _receive(wire, ssl_object, is_complete):
    """Decrypt what the peer sent until ``is_complete(data)`` says it is all there."""
    data = b""
    for _ in range(_MAX_ROUNDS):
        wire.deliver()
        while True:
            try:
                chunk = ssl_object.read(16384)
            except ssl.SSLWantReadError:
                break
            if not chunk:  # close_notify: the peer will send nothing more
                break
            data += chunk
        if is_complete(data):
            return data
    raise RuntimeError("incomplete message after %d deliveries: %r" % (_MAX_ROUNDS, data))


def _headers_done(data):
    return b"\r\n\r\n" in data


def _response_done(data):
    """True once the headers and ``Content-Length`` bytes of body arrived."""
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


def _http_response(request_line, tls_version):
    body = ("Hello from the in-memory server: you sent %s over %s.\n"
            % (request_line, tls_version)).encode("ascii")
    head = ("HTTP/1.1 200 OK\r\n"
            "Content-Type: text/plain\r\n"
            "Content-Length: %d\r\n"
            "Connection: close\r\n\r\n" % len(body)).encode("ascii")
    return head + body


def _native(value):
    """bytes -> str on Python 3; Python 2.7 ``str`` is already bytes."""
    return value if isinstance(value, str) else value.decode("ascii", "replace")


def _name(rdns):
    """Render a ``getpeercert()`` subject or issuer: 'O=..., CN=...'."""
    short = {"commonName": "CN", "organizationName": "O"}
    return ", ".join("%s=%s" % (short.get(key, key), value)
                     for rdn in rdns for key, value in rdn)


def converse():
    """Run the whole conversation and return what was negotiated, as a dict.

    Raises whatever the TLS objects raise (``ssl.SSLError``, a certificate
    error, ...) if something does not work.
    """
    seen = {}

    def on_server_name(ssl_object, server_name):
        seen["sni"] = server_name
        seen["sni_object"] = ssl_object

    client_ctx, server_ctx = client_context(), server_context(on_server_name)

    wire = _Wire()
    client, server = wire.connect(client_ctx, server_ctx)
    facts = {"handshake_rounds": _alternate(wire, client.do_handshake, server.do_handshake)}
    cert = client.getpeercert()
    name, _, bits = client.cipher()
    facts.update(
        version=client.version(), cipher=name, bits=bits, alpn=alpn_available(),
        alpn_client=client.selected_alpn_protocol(),
        alpn_server=server.selected_alpn_protocol(),
        sni=seen.get("sni"), sni_object_is_server=seen.get("sni_object") is server,
        subject=_name(cert["subject"]), issuer=_name(cert["issuer"]),
        subject_alt_name=", ".join("%s:%s" % pair for pair in cert.get("subjectAltName", ())),
        not_after=cert["notAfter"],
    )

    request = ("GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: sslbio-demo\r\n"
               "Accept: */*\r\n\r\n" % HOSTNAME).encode("ascii")
    client.write(request)
    received = _receive(wire, server, _headers_done)
    request_line = _native(received.split(b"\r\n", 1)[0])
    response = _http_response(request_line, server.version())
    server.write(response)
    answer = _receive(wire, client, _response_done)
    head, _, body = answer.partition(b"\r\n\r\n")
    facts.update(
        request_line=request_line, request_bytes=len(request),
        status_line=_native(head.split(b"\r\n", 1)[0]), body=_native(body).strip(),
        response_bytes=len(answer),
    )

    # A TLS 1.3 server sends its session ticket after the handshake: the client
    # has it only now, after reading application data.
    # (An engine that cannot resume sessions says so in its limitations and
    # has none to give.)
    session = client.session
    facts.update(first_reused=client.session_reused, has_sessions=session is not None)
    if session is not None:
        facts.update(
            session_id=_native(binascii.hexlify(session.id)),
            session_has_ticket=session.has_ticket,
            session_lifetime_hint=session.ticket_lifetime_hint,
            session_timeout=session.timeout,
        )

    # The client starts the close; its unwrap() needs the server's reply.
    facts["close_rounds"] = _alternate(wire, client.unwrap, server.unwrap)
    facts.update(wire_to_server=wire.to_server, wire_to_client=wire.to_client)

    # A second connection offering the saved session: an abbreviated handshake.
    if session is not None:
        wire = _Wire()
        client, server = wire.connect(client_ctx, server_ctx, session=session)
        _alternate(wire, client.do_handshake, server.do_handshake)
        facts.update(resumed_client=client.session_reused,
                     resumed_server=server.session_reused,
                     resumed_handshake_bytes=wire.to_server + wire.to_client)
        _alternate(wire, client.unwrap, server.unwrap)
    return facts


def _sessions_limited():
    """Whether the engine says it cannot resume sessions."""
    if ENGINE == "stdlib":
        return False
    from ._engine import ENGINE_LIMITS
    return not ENGINE_LIMITS.resumes_sessions


def shortfalls(facts):
    """What in ``converse()``'s result differs from a correct run (a list of text)."""
    expected = [
        (facts["version"] in ("TLSv1.2", "TLSv1.3"), "TLS version %r" % facts["version"]),
        (facts["alpn_client"] == facts["alpn_server"] ==
         (ALPN_PROTOCOL if facts["alpn"] else None),
         "ALPN %r/%r" % (facts["alpn_client"], facts["alpn_server"])),
        (facts["sni"] == HOSTNAME and facts["sni_object_is_server"],
         "SNI callback saw %r" % facts["sni"]),
        (facts["subject_alt_name"] == "DNS:" + HOSTNAME,
         "subjectAltName %r" % facts["subject_alt_name"]),
        (facts["status_line"] == "HTTP/1.1 200 OK", "status line %r" % facts["status_line"]),
    ]
    if facts["has_sessions"]:
        expected.append(
            (not facts["first_reused"] and facts["resumed_client"] and facts["resumed_server"],
             "session_reused %r, then %r/%r" % (facts["first_reused"], facts["resumed_client"],
                                                facts["resumed_server"])))
    else:
        # Only an engine that lists the limitation may have no session.
        expected.append((_sessions_limited(), "no session after the handshake"))
    return [what for ok, what in expected if not ok]


def _yes(flag):
    return "yes" if flag else "no"


def report(facts, out):
    """Print the dict from ``converse()`` for a person to read."""
    def show(label, value):
        print("  %-16s %s" % (label + ":", value), file=out)

    print("handshake: done in %d round trips; chain and host name verified"
          % facts["handshake_rounds"], file=out)
    show("TLS version", facts["version"])
    show("cipher", "%s (%s-bit)" % (facts["cipher"], facts["bits"]))
    if facts["alpn"]:
        show("ALPN", "%s (server chose %s)" % (facts["alpn_client"], facts["alpn_server"]))
    else:
        show("ALPN", NO_ALPN)
    show("SNI", "%s (the server's callback got its SSLObject: %s)"
         % (facts["sni"], _yes(facts["sni_object_is_server"])))
    show("peer subject", facts["subject"])
    show("issuer", facts["issuer"])
    show("subjectAltName", facts["subject_alt_name"])
    show("valid until", facts["not_after"])
    show("demo PKI", "a throwaway key and a CA that only this demo trusts (%s)"
         % os.path.join(CERT_DIR, "README.md"))
    print("HTTP over the TLS objects:", file=out)
    show("request", "%s (%d bytes)" % (facts["request_line"], facts["request_bytes"]))
    show("response", "%s (%d bytes)" % (facts["status_line"], facts["response_bytes"]))
    show("body", facts["body"])
    print("session:", file=out)
    if not facts["has_sessions"]:
        show("resumed", "not tried: the %s engine cannot resume sessions" % ENGINE)
    else:
        show("id", facts["session_id"] or "(none: TLS 1.3 identifies it by its ticket)")
        show("ticket", "%s, lifetime hint %s s, timeout %s s"
             % (_yes(facts["session_has_ticket"]), facts["session_lifetime_hint"],
                facts["session_timeout"]))
        show("resumed", "second connection: client %s, server %s (%d handshake bytes)"
             % (_yes(facts["resumed_client"]), _yes(facts["resumed_server"]),
                facts["resumed_handshake_bytes"]))
    print("close: close_notify sent and received both ways (unwrap() on both sides, "
          "%d round trips)" % facts["close_rounds"], file=out)
    print("bytes exchanged on the wire: client -> server %d, server -> client %d"
          % (facts["wire_to_server"], facts["wire_to_client"]), file=out)


def main(out=None):
    """``python -m sslbio demo``: run the conversation and print it. Returns 0/1."""
    out = sys.stdout if out is None else out
    print("sslbio demo: an HTTPS client and server talking through memory only", file=out)
    print("  engine %r on %s %s, %s" % (ENGINE, platform.python_implementation(),
                                       platform.python_version(), ssl.OPENSSL_VERSION),
          file=out)
    if UNAVAILABLE_REASON is not None:
        print("sslbio demo: the engine is unavailable: %s" % UNAVAILABLE_REASON,
              file=sys.stderr)
        return 1
    try:
        facts = converse()
    except Exception as exc:  # the traceback is for a bug report, the last line for people
        traceback.print_exc()
        print("sslbio demo: FAILED: %s: %s" % (type(exc).__name__, exc), file=sys.stderr)
        return 1
    report(facts, out)
    wrong = shortfalls(facts)
    if wrong:
        print("sslbio demo: FAILED: unexpected %s" % "; ".join(wrong), file=sys.stderr)
        return 1
    return 0
