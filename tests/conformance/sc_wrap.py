"""wrap_bio() argument handling, the public names, SSLObject construction."""

from __future__ import print_function

import ssl

from conformance.recorder import failed, shape
from conformance.scenarios import scenario
from conformance import tls


def _wrap(ctx, *args, **kwargs):
    return ctx.wrap_bio(*args, **kwargs)


@scenario("api.names")
def names(rec):
    import sslbio
    for name in ("MemoryBIO", "SSLObject", "SSLSession",
                 "SSLCertVerificationError"):
        rec.call("ssl.%s is sslbio.%s" % (name, name),
                 lambda n=name: getattr(ssl, n) is getattr(sslbio, n))
    rec.call("sslbio.SSLContext subclass of ssl.SSLContext",
             issubclass, sslbio.SSLContext, ssl.SSLContext)
    rec.call("ssl.SSLContext has wrap_bio", hasattr, ssl.SSLContext, "wrap_bio")
    rec.call("ssl.CertificateError is SSLCertVerificationError",
             lambda: ssl.CertificateError is sslbio.SSLCertVerificationError)
    for base in ("SSLError", "CertificateError"):
        rec.call("SSLCertVerificationError subclass of %s" % base, issubclass,
                 sslbio.SSLCertVerificationError, getattr(ssl, base))
    rec.call("SSLCertVerificationError subclass of ValueError", issubclass,
             sslbio.SSLCertVerificationError, ValueError)
    rec.call("ENGINE is text", lambda: isinstance(sslbio.ENGINE, str))
    for name in ("wrap_bio", "inject_into_ssl", "extract_from_ssl"):
        rec.call("sslbio.%s callable" % name, callable, getattr(sslbio, name))
    rec.call("inject_into_ssl twice", sslbio.inject_into_ssl)


@scenario("api.module_names")
def module_names(rec):
    # What injection adds to 2.7's ssl besides the in-memory API (the full
    # list of names: docs/python3-names.md, test_docs.py).
    for name in ("HAS_SSLv2", "HAS_SSLv3", "HAS_TLSv1", "HAS_TLSv1_1",
                 "HAS_TLSv1_2", "HAS_TLSv1_3"):
        rec.call(name, getattr, ssl, name)
    rec.call("SSLErrorNumber members",
             lambda: [(member.name, member) for member in ssl.SSLErrorNumber])
    rec.call("SSL_ERROR_EOF is its member",
             lambda: ssl.SSL_ERROR_EOF is ssl.SSLErrorNumber.SSL_ERROR_EOF)
    rec.call("SSLErrorNumber(2).name", lambda: ssl.SSLErrorNumber(2).name)
    # TLSVersion's members stay inside the class (3.11 does not convert it).
    for name in ("TLSv1", "TLSv1_2", "TLSv1_3", "SSLv3", "MINIMUM_SUPPORTED",
                 "MAXIMUM_SUPPORTED"):
        rec.call("ssl.%s exists" % name, hasattr, ssl, name)
    rec.call("TLSVersion.TLSv1_2", lambda: ssl.TLSVersion.TLSv1_2)


@scenario("api.rand", tags=("py311",))
def rand(rec):
    # 3.10 deprecated RAND_pseudo_bytes(): an older reference warns nowhere.
    rec.shape("RAND_bytes(16)", ssl.RAND_bytes, 16)
    rec.call("RAND_bytes(0)", ssl.RAND_bytes, 0)
    rec.shape("RAND_bytes(True)", ssl.RAND_bytes, True)
    for label, value in (("-1", -1), ("2**31", 2 ** 31),
                         ("-2**31 - 1", -2 ** 31 - 1), ("'x'", "x"),
                         ("1.5", 1.5), ("None", None)):
        rec.call("RAND_bytes(%s)" % label, ssl.RAND_bytes, value)
    if not hasattr(ssl, "RAND_pseudo_bytes"):
        return  # removed in 3.12 (this scenario also runs on every stdlib)
    rec.call_via("RAND_pseudo_bytes(8)", lambda pair: [shape(pair[0]), pair[1]],
                 ssl.RAND_pseudo_bytes, 8)
    for label, value in (("-1", -1), ("2**31", 2 ** 31), ("'x'", "x")):
        rec.call("RAND_pseudo_bytes(%s)" % label, ssl.RAND_pseudo_bytes, value)


@scenario("api.construct_sslobject")
def construct_sslobject(rec):
    bio = ssl.MemoryBIO()
    rec.call("SSLObject()", ssl.SSLObject)
    rec.call("SSLObject(in, out)", ssl.SSLObject, bio, ssl.MemoryBIO())
    rec.call("SSLSession()", ssl.SSLSession)
    rec.call("SSLObject type name", lambda: ssl.SSLObject.__name__)
    rec.call("SSLSession type name", lambda: ssl.SSLSession.__name__)


@scenario("wrap.objects")
def objects(rec):
    import sslbio
    ctx = tls.client_context()
    cin, cout = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = rec.call("ctx.wrap_bio", ctx.wrap_bio, cin, cout,
                   server_hostname="localhost")
    rec.call("isinstance ssl.SSLObject", isinstance, obj, ssl.SSLObject)
    rec.call("type name", lambda: type(obj).__name__)
    obj2 = rec.call("sslbio.wrap_bio", sslbio.wrap_bio, ctx, ssl.MemoryBIO(),
                    ssl.MemoryBIO(), server_hostname="localhost")
    rec.call("sslbio.wrap_bio isinstance", isinstance, obj2, ssl.SSLObject)
    rec.call("context is ctx", lambda: obj2.context is ctx)
    rec.call("sslbio.wrap_bio keywords", lambda: type(sslbio.wrap_bio(
        ctx, incoming=ssl.MemoryBIO(), outgoing=ssl.MemoryBIO(),
        server_side=False, server_hostname="localhost", session=None)).__name__)
    sctx = tls.server_context(cls=sslbio.SSLContext)
    srv = rec.call("sslbio.SSLContext.wrap_bio server", sctx.wrap_bio,
                   ssl.MemoryBIO(), ssl.MemoryBIO(), server_side=True)
    rec.call("server_side", getattr, srv, "server_side")
    rec.call("same BIOs twice", ctx.wrap_bio, cin, cout,
             server_hostname="localhost")


@scenario("wrap.bad_bios")
def bad_bios(rec):
    ctx = tls.client_context()
    bio = ssl.MemoryBIO()
    for label, incoming, outgoing in (
            ("incoming None", None, bio),
            ("outgoing None", bio, None),
            ("incoming bytes", b"", bio),
            ("outgoing bytearray", bio, bytearray()),
            ("both ints", 1, 2),
            ("incoming context", ctx, bio)):
        rec.call(label, _wrap, ctx, incoming, outgoing,
                 server_hostname="localhost")
    rec.call("no arguments", _wrap, ctx)
    rec.call("one BIO", _wrap, ctx, bio)
    rec.call("unknown keyword", _wrap, ctx, bio, ssl.MemoryBIO(), spam=1)


@scenario("wrap.server_side_values")
def server_side_values(rec):
    # PROTOCOL_TLS can make client and server objects on 2.7 and 3.x alike,
    # so only wrap_bio's handling of the value shows.
    sctx = tls.any_side_context()
    for label, value in (("True", True), ("False", False), ("1", 1), ("0", 0),
                         ("None", None), ("'yes'", "yes")):
        # One observation per value (the property, or what wrap_bio raised)
        # keeps transcripts aligned when versions disagree on the value.
        rec.call("server_side=%s -> property" % label, lambda v=value: _wrap(
            sctx, ssl.MemoryBIO(), ssl.MemoryBIO(), server_side=v).server_side)
    obj = rec.call("server_side with server_hostname", _wrap, sctx,
                   ssl.MemoryBIO(), ssl.MemoryBIO(), server_side=True,
                   server_hostname="localhost")
    if not failed(obj):
        rec.call("... server_hostname", getattr, obj, "server_hostname")
        rec.call("... server_side", getattr, obj, "server_side")


@scenario("wrap.server_hostname_values")
def server_hostname_values(rec):
    ctx = tls.client_context()
    for label, value in (
            ("'localhost'", u"localhost"),
            ("b'localhost'", b"localhost"),
            ("bytearray", bytearray(b"localhost")),
            ("''", u""),
            ("b''", b""),
            ("None", None),
            ("123", 123),
            ("'LOCALHOST'", u"LOCALHOST"),
            ("'localhost.'", u"localhost."),
            ("'127.0.0.1'", u"127.0.0.1"),
            ("'::1'", u"::1"),
            ("'[::1]'", u"[::1]"),
            ("IDNA 'b\\xfccher.example'", u"b\xfccher.example"),
            ("IDNA bytes", u"b\xfccher.example".encode("utf-8")),
            ("ACE 'xn--bcher-kva.example'", u"xn--bcher-kva.example"),
            ("embedded NUL", u"local\x00host"),
            ("'.example'", u".example"),
            ("label too long", u"a" * 64 + u".example"),
            ("'a..b'", u"a..b")):
        rec.call("%s -> server_hostname" % label, lambda v=value: _wrap(
            ctx, ssl.MemoryBIO(), ssl.MemoryBIO(),
            server_hostname=v).server_hostname)


@scenario("wrap.session_argument")
def session_argument(rec):
    ctx = tls.client_context()
    for label, value in (("None", None), ("'x'", "x"), ("context", ctx),
                         ("1", 1)):
        obj = rec.call("session=%s" % label, _wrap, ctx, ssl.MemoryBIO(),
                       ssl.MemoryBIO(), server_hostname="localhost",
                       session=value)
        if not failed(obj):
            rec.call("session=%s -> session" % label, getattr, obj, "session")


@scenario("wrap.idna_handshake")
def idna_handshake(rec):
    # server.pem carries DNS:xn--bcher-kva.example: the U-label must be
    # encoded before it reaches OpenSSL's host check.
    pair = tls.Pair(tls.client_context(), tls.server_context(),
                    server_hostname=u"b\xfccher.example")
    rec.call("client.server_hostname", getattr, pair.client, "server_hostname")
    pair.handshake(rec)
    rec.call("version", pair.client.version)


# Not compared: a PROTOCOL_TLS_CLIENT context refusing server_side=True (and
# the reverse) is the 3.x *context* at work; 2.7 has no such protocols, so the
# suite's 2.7 contexts can do both sides and there is nothing to compare.
