"""In-memory TLS plumbing shared by the scenarios.

Contexts are built so that 2.7 (``PROTOCOL_SSLv23`` plus settings) and 3.x
(``PROTOCOL_TLS_CLIENT``/``PROTOCOL_TLS_SERVER``) end up configured alike:
same verification, same protocol floor (TLS 1.2), same cipher string (3.10+'s
default, which 2.7 does not have).  Only then do cipher and version
observations compare.
"""

from __future__ import print_function

import hashlib
import os
import ssl
import warnings

from conformance.recorder import brief, failed

CERTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                     "certs")

# Python 3.10+'s default cipher string (ssl._DEFAULT_CIPHERS); 2.7 and older
# 3.x default to something else, so every context sets it explicitly.  On
# OpenSSL before 1.1.0, which knows no security levels (the command fails
# the whole string), the same suites without it, and without the static ECDH
# ones that "ECDH" also names there (sslbio's TLS_CLIENT/SERVER default).
_SELECTION = ("ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:"
              "!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM")
if ssl.OPENSSL_VERSION_INFO >= (1, 1):
    CIPHERS = "@SECLEVEL=2:" + _SELECTION
else:
    CIPHERS = _SELECTION + ":!kECDHr:!kECDHe"


def cert(name):
    return os.path.join(CERTS, name + ".pem")


def key(name):
    return os.path.join(CERTS, name + ".key")


def der(name):
    """DER bytes of a test certificate (to compare with getpeercert(True))."""
    with open(cert(name)) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


def digest(data):
    """Content-free but comparable form of a DER certificate."""
    if data is None or not isinstance(data, (bytes, bytearray)):
        return data
    return hashlib.sha256(bytes(data)).hexdigest()[:16]


def noise(n, seed=b"sslbio"):
    """``n`` deterministic pseudo-random bytes, identical on 2.7 and 3.x
    (``random`` is not: its byte helpers differ between the two lines)."""
    out = b""
    block = seed
    while len(out) < n:
        block = hashlib.sha256(block).digest()
        out += block
    return out[:n]


def _pin(ctx, tls):
    """Restrict to one TLS version with OP_NO_* (2.7 has no minimum_version)."""
    if tls == "1.2":
        ctx.options |= ssl.OP_NO_TLSv1_3
    elif tls == "1.3":
        ctx.options |= ssl.OP_NO_TLSv1_2
    elif tls is not None:
        raise ValueError("tls must be '1.2', '1.3' or None")


def _new_context(server, cls):
    cls = cls or ssl.SSLContext
    proto = getattr(ssl, "PROTOCOL_TLS_SERVER" if server else "PROTOCOL_TLS_CLIENT",
                    None)
    if proto is not None:
        ctx = cls(proto)
    else:  # 2.7: the same configuration by hand
        ctx = cls(ssl.PROTOCOL_SSLv23)
        if not server:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.check_hostname = True
    ctx.options |= (ssl.OP_NO_SSLv2 | ssl.OP_NO_SSLv3 | ssl.OP_NO_TLSv1 |
                    ssl.OP_NO_TLSv1_1 | ssl.OP_NO_COMPRESSION)
    ctx.set_ciphers(CIPHERS)
    return ctx


def any_side_context():
    """A PROTOCOL_TLS context with the server certificate, usable for client
    and server objects on both lines (3.x's TLS_CLIENT/TLS_SERVER are not)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS)
        ctx.load_cert_chain(cert("server"), key("server"))
    return ctx


def client_context(tls=None, ca="ca", cert_name=None, check_hostname=True,
                   verify_mode=ssl.CERT_REQUIRED, alpn=None, cls=None):
    # 3.10+ warns about OP_NO_TLS* and PROTOCOL_SSLv23: set-up noise, not
    # behaviour of the objects under test.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ctx = _new_context(False, cls)
        _pin(ctx, tls)
        if not check_hostname:
            ctx.check_hostname = False
        ctx.verify_mode = verify_mode
        if ca:
            ctx.load_verify_locations(cert(ca))
        if cert_name:
            ctx.load_cert_chain(cert(cert_name), key(cert_name))
        if alpn is not None:
            ctx.set_alpn_protocols(alpn)
    return ctx


def server_context(cert_name="server", tls=None, verify_mode=ssl.CERT_NONE,
                   ca=None, alpn=None, cls=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ctx = _new_context(True, cls)
        _pin(ctx, tls)
        if cert_name:
            ctx.load_cert_chain(cert(cert_name), key(cert_name))
        if ca:
            ctx.load_verify_locations(cert(ca))
        ctx.verify_mode = verify_mode
        if alpn is not None:
            ctx.set_alpn_protocols(alpn)
    return ctx


class Pair(object):
    """A client and a server ``SSLObject``, each with its own two BIOs.

    Nothing moves between them unless a method here moves it, so scenarios can
    stop at any point of the conversation.
    """

    def __init__(self, client_ctx, server_ctx, server_hostname="localhost",
                 session=None):
        self.cin, self.cout = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.sin, self.sout = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.client_ctx, self.server_ctx = client_ctx, server_ctx
        self.client = client_ctx.wrap_bio(self.cin, self.cout,
                                          server_hostname=server_hostname,
                                          session=session)
        self.server = server_ctx.wrap_bio(self.sin, self.sout, server_side=True)

    def side(self, name):
        return self.client if name == "client" else self.server

    def flush(self, name):
        """Move what ``name`` wrote to its peer; return the number of bytes."""
        src, dst = ((self.cout, self.sin) if name == "client"
                    else (self.sout, self.cin))
        data = src.read()
        if data:
            dst.write(data)
        return len(data)

    def flush_all(self):
        return self.flush("client") + self.flush("server")

    def step(self, rec, name, label="hs"):
        """One ``do_handshake()`` on one side (recorded), then deliver its
        output.  Returns the call's result (an exception when it raised)."""
        result = rec.call("%s %s.do_handshake" % (label, name),
                          self.side(name).do_handshake)
        self.flush(name)
        return result

    def handshake(self, rec, label="hs", rounds=6):
        """Alternate client and server ``do_handshake()`` until both finish, one
        fails for good, or nothing moves.  Every call is recorded, so where
        each side stops and how it fails is part of the transcript.

        Returns ``{"client": state, "server": state}`` with states
        "done", "failed" or "pending"."""
        state = {"client": "pending", "server": "pending"}
        for n in range(rounds):
            moved = 0
            for name in ("client", "server"):
                if state[name] != "pending":
                    moved += self.flush(name)
                    continue
                result = rec.call("%s[%d] %s.do_handshake" % (label, n, name),
                                  self.side(name).do_handshake)
                if not failed(result):
                    state[name] = "done"
                elif not isinstance(result, ssl.SSLWantReadError):
                    state[name] = "failed"
                moved += self.flush(name)
            if "pending" not in state.values() or not moved:
                break
        rec.value("%s outcome" % label, state)
        return state

    def send(self, rec, sender, data, label="data", size=1024):
        """``sender`` writes ``data``; the peer reads it back (both recorded)."""
        peer = "server" if sender == "client" else "client"
        rec.call("%s %s.write" % (label, sender), self.side(sender).write, data)
        self.flush(sender)
        return rec.call_via("%s %s.read" % (label, peer), brief,
                            self.side(peer).read, size)


def connect(rec, tls=None, server_hostname="localhost", label="hs", **kwargs):
    """A pair with default contexts (overridable), handshaken."""
    cctx = kwargs.pop("client_ctx", None) or client_context(tls=tls)
    sctx = kwargs.pop("server_ctx", None) or server_context(tls=tls)
    pair = Pair(cctx, sctx, server_hostname=server_hostname, **kwargs)
    pair.handshake(rec, label=label)
    return pair
