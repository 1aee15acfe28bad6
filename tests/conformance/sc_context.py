"""Python 3.11's SSLContext surface: the TLS_CLIENT/TLS_SERVER protocols,
the enum classes, version bounds, tickets, post-handshake authentication,
the key log, sni_callback and the context queries; plus the same settings
seen by the interpreter's own ``ssl.SSLSocket`` over a socket pair."""

from __future__ import print_function

import os
import shutil
import socket
import ssl
import tempfile
import threading
import warnings

from conformance import tls
from conformance.scenarios import scenario

# 3.9 lacks security_level and has older defaults and enum reprs.
PY311 = ("py311",)


def _quiet(func, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args)


def _names(members):
    return [(m.name, int(m)) for m in members]


@scenario("context.enums", tags=PY311)
def enums(rec):
    for name in ("TLSVersion", "VerifyMode", "AlertDescription"):
        cls = getattr(ssl, name)
        rec.call(name + " members", lambda: _names(cls))
    for name in ("Options", "VerifyFlags"):
        cls = getattr(ssl, name)
        rec.call(name + " members", lambda: sorted(
            (n, int(v)) for n, v in cls.__members__.items()))
    rec.call("repr TLSv1_2", repr, ssl.TLSVersion.TLSv1_2)
    rec.call("str TLSv1_2", str, ssl.TLSVersion.TLSv1_2)
    rec.call("TLSVersion(771)", lambda: repr(ssl.TLSVersion(771)))
    rec.call("TLSVersion(5)", ssl.TLSVersion, 5)
    rec.call("TLSVersion['TLSv1_3']", lambda: repr(ssl.TLSVersion["TLSv1_3"]))
    rec.call("repr CERT_REQUIRED", repr, ssl.CERT_REQUIRED)
    rec.call("repr PROTOCOL_TLS_CLIENT", repr, ssl.PROTOCOL_TLS_CLIENT)
    rec.call("repr PROTOCOL_TLS_SERVER", repr, ssl.PROTOCOL_TLS_SERVER)
    rec.call("repr PROTOCOL_SSLv23", repr, ssl.PROTOCOL_SSLv23)
    rec.call("repr OP_ALL", repr, ssl.OP_ALL)
    rec.call("repr OP_NO_TLSv1|OP_NO_TLSv1_1", repr,
             ssl.OP_NO_TLSv1 | ssl.OP_NO_TLSv1_1)
    rec.call("repr OP_ALL|4", repr, ssl.Options(ssl.OP_ALL | 4))
    rec.call("repr Options(4)", repr, ssl.Options(4))
    rec.call("repr ~OP_NO_TLSv1", repr, ~ssl.OP_NO_TLSv1)
    rec.call("repr OP_ALL & 0x10", repr, ssl.OP_ALL & 0x10)
    rec.call("OP_ALL + 1 is an Options", lambda: isinstance(ssl.OP_ALL + 1,
                                                            ssl.Options))
    rec.call("repr VERIFY_CRL_CHECK_CHAIN", repr, ssl.VERIFY_CRL_CHECK_CHAIN)
    rec.call("repr VerifyFlags(36)", repr, ssl.VerifyFlags(36))
    rec.call("repr VerifyFlags(0)", repr, ssl.VerifyFlags(0))
    rec.call("repr HANDSHAKE_FAILURE", repr,
             ssl.ALERT_DESCRIPTION_HANDSHAKE_FAILURE)
    rec.call("HAS_NEVER_CHECK_COMMON_NAME", getattr, ssl,
             "HAS_NEVER_CHECK_COMMON_NAME")


def _defaults(rec, label, ctx):
    p = label + " "
    rec.call(p + "protocol", repr, ctx.protocol)
    rec.call(p + "options", repr, ctx.options)
    rec.call(p + "verify_mode", repr, ctx.verify_mode)
    rec.call(p + "verify_flags", repr, ctx.verify_flags)
    rec.call(p + "check_hostname", getattr, ctx, "check_hostname")
    rec.call(p + "minimum_version", lambda: repr(ctx.minimum_version))
    rec.call(p + "maximum_version", lambda: repr(ctx.maximum_version))
    rec.call(p + "num_tickets", getattr, ctx, "num_tickets")
    rec.call(p + "security_level", getattr, ctx, "security_level")
    rec.call(p + "hostname_checks_common_name", getattr, ctx,
             "hostname_checks_common_name")
    rec.call(p + "post_handshake_auth", getattr, ctx, "post_handshake_auth")
    rec.call(p + "keylog_filename", getattr, ctx, "keylog_filename")
    rec.call(p + "sni_callback", getattr, ctx, "sni_callback")
    rec.call(p + "get_ciphers()", ctx.get_ciphers)
    rec.call(p + "session_stats()", ctx.session_stats)
    rec.call(p + "cert_store_stats()", ctx.cert_store_stats)
    rec.call(p + "get_ca_certs()", ctx.get_ca_certs)


@scenario("context.defaults", tags=PY311)
def defaults(rec):
    for name in ("PROTOCOL_TLS_CLIENT", "PROTOCOL_TLS_SERVER"):
        _defaults(rec, name, ssl.SSLContext(getattr(ssl, name)))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(tls.cert("ca"))
    rec.call("cert_store_stats() with ca", ctx.cert_store_stats)
    rec.call("get_ca_certs() with ca", ctx.get_ca_certs)
    rec.call("get_ca_certs(True) with ca", lambda: [
        tls.digest(c) for c in ctx.get_ca_certs(True)])
    ctx.set_ciphers("ECDHE-RSA-AES128-GCM-SHA256")
    rec.call("get_ciphers() after set_ciphers", ctx.get_ciphers)


@scenario("context.wrong_side", tags=PY311)
def wrong_side(rec):
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    rec.call("client ctx, server side", client.wrap_bio, ssl.MemoryBIO(),
             ssl.MemoryBIO(), True)
    rec.call("server ctx, client side", server.wrap_bio, ssl.MemoryBIO(),
             ssl.MemoryBIO(), False)
    rec.call("client ctx, server_side=2", lambda: type(client.wrap_bio(
        ssl.MemoryBIO(), ssl.MemoryBIO(), 2)).__name__)


@scenario("context.version_bounds", tags=PY311)
def version_bounds(rec):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    for value in (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.MINIMUM_SUPPORTED,
                  ssl.TLSVersion.MAXIMUM_SUPPORTED, 0x0303, 5, -3, "x",
                  1.0, 2 ** 31, 2 ** 70):
        rec.call("set minimum_version %s" % (value,), setattr, ctx,
                 "minimum_version", value)
        rec.call("minimum_version", lambda: repr(ctx.minimum_version))
        rec.call("set maximum_version %s" % (value,), setattr, ctx,
                 "maximum_version", value)
        rec.call("maximum_version", lambda: repr(ctx.maximum_version))
    rec.call("set minimum_version TLSv1", _quiet, setattr, ctx,
             "minimum_version", ssl.TLSVersion.TLSv1)
    rec.call("minimum_version", lambda: repr(ctx.minimum_version))
    pinned = _quiet(ssl.SSLContext, ssl.PROTOCOL_TLSv1_2)
    rec.call("TLSv1_2 context: set minimum_version", setattr, pinned,
             "minimum_version", ssl.TLSVersion.TLSv1_3)


def _pair(rec, version, label):
    cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cctx.load_verify_locations(tls.cert("ca"))
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(tls.cert("server"), tls.key("server"))
    cctx.maximum_version = version
    pair = tls.Pair(cctx, sctx)
    pair.handshake(rec, label=label)
    rec.call(label + " version()", pair.client.version)
    return pair


@scenario("context.version_bounds_handshake", tags=PY311)
def version_bounds_handshake(rec):
    _pair(rec, ssl.TLSVersion.TLSv1_2, "max 1.2")
    _pair(rec, ssl.TLSVersion.TLSv1_3, "max 1.3")
    cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cctx.load_verify_locations(tls.cert("ca"))
    cctx.minimum_version = ssl.TLSVersion.TLSv1_3
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(tls.cert("server"), tls.key("server"))
    sctx.maximum_version = ssl.TLSVersion.TLSv1_2
    tls.Pair(cctx, sctx).handshake(rec, label="no common version")


@scenario("context.attributes", tags=PY311)
def attributes(rec):
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    for value in (3, 0, -1, "x", 2 ** 70):
        rec.call("server num_tickets = %s" % (value,), setattr, server,
                 "num_tickets", value)
        rec.call("server num_tickets", getattr, server, "num_tickets")
    rec.call("client num_tickets = 3", setattr, client, "num_tickets", 3)
    rec.call("security_level = 1", setattr, client, "security_level", 1)
    rec.call("client sni_callback = len", setattr, client, "sni_callback",
             len)
    rec.call("server sni_callback = 1", setattr, server, "sni_callback", 1)
    rec.call("server sni_callback = len", setattr, server, "sni_callback",
             len)
    rec.call("server sni_callback is len", lambda: server.sni_callback is len)
    rec.call("server set_servername_callback(1)",
             server.set_servername_callback, 1)
    rec.call("server set_servername_callback(None)",
             server.set_servername_callback, None)
    rec.call("server sni_callback", getattr, server, "sni_callback")
    rec.call("post_handshake_auth = 1", setattr, client,
             "post_handshake_auth", 1)
    rec.call("post_handshake_auth", getattr, client, "post_handshake_auth")
    rec.call("del post_handshake_auth", delattr, client,
             "post_handshake_auth")
    rec.call("hostname_checks_common_name = 0", setattr, client,
             "hostname_checks_common_name", 0)
    rec.call("hostname_checks_common_name", getattr, client,
             "hostname_checks_common_name")
    rec.call("keylog_filename = 3", setattr, client, "keylog_filename", 3)
    # 2.7 has no FileNotFoundError: the errno is what compares.
    rec.call("keylog_filename = missing dir: errno", _errno_of, setattr,
             client, "keylog_filename", "/nonexistent-dir/keys.log")
    rec.call("keylog_filename", getattr, client, "keylog_filename")
    rec.call("options |= OP_NO_TICKET", lambda: repr(
        _or_options(client, ssl.OP_NO_TICKET)))


def _errno_of(func, *args):
    try:
        func(*args)
    except EnvironmentError as exc:
        return ("errno", exc.errno)
    return None


def _or_options(ctx, flag):
    ctx.options |= flag
    return ctx.options


@scenario("context.sni_callback", tags=PY311)
def sni_callback(rec):
    seen = []

    def callback(sslobj, name, ctx):
        seen.append((type(sslobj).__name__, name, ctx is sctx))

    cctx = tls.client_context()
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(tls.cert("server"), tls.key("server"))
    sctx.sni_callback = callback
    tls.Pair(cctx, sctx, server_hostname=u"b\xfccher.localhost").handshake(
        rec)
    rec.value("seen", seen)


@scenario("context.hostname_checks_common_name", tags=PY311)
def hostname_checks_common_name(rec):
    # cn-only.pem names "localhost" in its commonName alone: matched while
    # the fallback is on, refused inside the handshake once it is off.
    for checks in (True, False):
        cctx = tls.client_context()
        cctx.hostname_checks_common_name = checks
        rec.call("hostname_checks_common_name", getattr, cctx,
                 "hostname_checks_common_name")
        tls.connect(rec, client_ctx=cctx,
                    server_ctx=tls.server_context(cert_name="cn-only"),
                    label="checks %s" % checks)


def _pha_contexts(client_cert):
    cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cctx.load_verify_locations(tls.cert("ca"))
    if client_cert:
        cctx.load_cert_chain(tls.cert("client"), tls.key("client"))
    cctx.post_handshake_auth = True
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(tls.cert("server"), tls.key("server"))
    sctx.load_verify_locations(tls.cert("ca"))
    sctx.verify_mode = ssl.CERT_REQUIRED
    sctx.post_handshake_auth = True
    return cctx, sctx


def _post_handshake(rec, client_cert):
    cctx, sctx = _pha_contexts(client_cert)
    pair = tls.Pair(cctx, sctx)
    pair.handshake(rec)
    rec.call("server getpeercert() before", pair.server.getpeercert)
    rec.call("verify_client_post_handshake()",
             pair.server.verify_client_post_handshake)
    pair.send(rec, "server", b"request")
    pair.flush("client")
    rec.call("server read", pair.server.read, 10)
    pair.flush("server")
    rec.call("client read", pair.client.read, 10)
    rec.call("server getpeercert() after",
             lambda: (pair.server.getpeercert() or {}).get("subject"))


@scenario("context.post_handshake_auth", tags=PY311)
def post_handshake_auth(rec):
    _post_handshake(rec, True)


@scenario("context.post_handshake_auth_no_cert", tags=PY311)
def post_handshake_auth_no_cert(rec):
    _post_handshake(rec, False)


@scenario("context.keylog", tags=PY311)
def keylog(rec):
    directory = tempfile.mkdtemp()
    try:
        path = os.path.join(directory, "keys.log")
        cctx = tls.client_context()
        cctx.keylog_filename = path
        rec.call("keylog_filename is path", lambda: cctx.keylog_filename
                 == path)
        tls.connect(rec, client_ctx=cctx)
        with open(path, "rb") as f:
            lines = f.read().splitlines()
        rec.value("header", lines[0])
        rec.value("labels", sorted(set(line.split(b" ")[0]
                                       for line in lines[1:])))
        rec.value("fields", sorted(set(len(line.split(b" "))
                                       for line in lines[1:])))
        cctx.keylog_filename = None
        rec.call("keylog_filename after None", getattr, cctx,
                 "keylog_filename")
    finally:
        shutil.rmtree(directory)


def _socket_pair():
    a, b = socket.socketpair()
    if not hasattr(a, "_sock") and hasattr(socket, "_socketobject"):
        # 2.7's socketpair() returns the bare _socket objects.
        a, b = socket.socket(_sock=a), socket.socket(_sock=b)
    a.settimeout(10)
    b.settimeout(10)
    return a, b


def _start(work, result, side):
    """Run ``work()`` in a thread; an exception is recorded in ``result``
    under "<side> error"."""
    def run():
        try:
            work()
        except Exception as exc:  # recorded in the transcript
            result[side + " error"] = type(exc).__name__

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@scenario("context.native_socket", tags=PY311)
def native_socket(rec):
    """The interpreter's own SSLSocket from a TLS_CLIENT context with the new
    settings, against an SSLSocket server in a thread (socket pair)."""
    cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cctx.load_verify_locations(tls.cert("ca"))
    cctx.maximum_version = ssl.TLSVersion.TLSv1_2
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(tls.cert("server"), tls.key("server"))
    seen = []
    sctx.sni_callback = lambda sock, name, ctx: seen.append(name)
    a, b = _socket_pair()
    result = {}

    def serve():
        conn = sctx.wrap_socket(b, server_side=True)
        result["server version"] = conn.version()
        conn.sendall(conn.recv(10))
        conn.close()

    thread = _start(serve, result, "server")
    try:
        conn = cctx.wrap_socket(a, server_hostname="localhost")
        rec.call("client version()", conn.version)
        conn.sendall(b"ping")
        rec.call("client recv", conn.recv, 10)
        conn.close()
    finally:
        thread.join(10)
        a.close()
        b.close()
    rec.value("server", result)
    rec.value("sni seen", seen)


def _until_done(call, incoming, outgoing, sock):
    """Run ``call`` on an SSLObject whose BIOs are joined to ``sock``."""
    while True:
        try:
            result = call()
        except ssl.SSLWantReadError:
            data = outgoing.read()
            if data:
                sock.sendall(data)
            incoming.write(sock.recv(65536))
            continue
        data = outgoing.read()
        if data:
            sock.sendall(data)
        return result


@scenario("context.native_client_post_handshake_auth", tags=PY311)
def native_client_post_handshake_auth(rec):
    """The interpreter's own SSLSocket as a TLS 1.3 client with
    post_handshake_auth answers an in-memory server's certificate request."""
    cctx, sctx = _pha_contexts(True)
    a, b = _socket_pair()
    result = {}

    def client():
        conn = cctx.wrap_socket(a, server_hostname="localhost")
        result["version"] = conn.version()
        result["got"] = conn.recv(10)  # answers the request inside
        conn.sendall(b"answer")
        finished.wait(10)  # the server may still be writing
        conn.close()

    finished = threading.Event()
    thread = _start(client, result, "client")
    try:
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        server = sctx.wrap_bio(incoming, outgoing, server_side=True)
        _until_done(server.do_handshake, incoming, outgoing, b)
        rec.call("getpeercert() before", server.getpeercert)
        rec.call("verify_client_post_handshake()",
                 server.verify_client_post_handshake)
        server.write(b"request")
        rec.call("read", _until_done, lambda: server.read(10), incoming,
                 outgoing, b)
        rec.call("getpeercert() after", lambda: (
            server.getpeercert() or {}).get("subject"))
    finally:
        finished.set()
        thread.join(10)
        a.close()
        b.close()
    rec.value("client", result)
