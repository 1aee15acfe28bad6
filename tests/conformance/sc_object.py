"""Every SSLObject query at every stage of a connection, both sides,
TLS 1.2 and 1.3."""

from __future__ import print_function

import ssl

from conformance import tls
from conformance.probe import errors, probe, probe_io
from conformance.scenarios import scenario
from support.openssl_release import VERSIONS


def _both(rec, pair, stage):
    probe(rec, pair.client, stage + " client", pair.client_ctx)
    probe(rec, pair.server, stage + " server", pair.server_ctx)


def _register(version):
    suffix = "" if version is None else "." + version.replace(".", "")
    v = version

    @scenario("object.before_handshake" + suffix)
    def before(rec):
        pair = tls.Pair(tls.client_context(tls=v), tls.server_context(tls=v))
        _both(rec, pair, "before")
        errors(rec, pair.client, "before client")
        errors(rec, pair.server, "before server")

    @scenario("object.after_one_flight" + suffix)
    def one_flight(rec):
        # Client sent ClientHello, server answered; neither has finished.
        pair = tls.Pair(tls.client_context(tls=v), tls.server_context(tls=v))
        pair.step(rec, "client")
        pair.step(rec, "server")
        _both(rec, pair, "during")

    @scenario("object.after_handshake" + suffix)
    def after(rec):
        pair = tls.connect(rec, tls=v)
        _both(rec, pair, "after")
        rec.call("server shared_ciphers()", pair.server.shared_ciphers)
        errors(rec, pair.client, "after client")
        errors(rec, pair.server, "after server")
        probe_io(rec, pair.client, "after client")
        probe_io(rec, pair.server, "after server")

    @scenario("object.after_unwrap" + suffix)
    def after_unwrap(rec):
        pair = tls.connect(rec, tls=v)
        rec.call("client unwrap", pair.client.unwrap)
        pair.flush("client")
        rec.call("server read", pair.server.read)
        rec.call("server unwrap", pair.server.unwrap)
        pair.flush("server")
        rec.call("client unwrap again", pair.client.unwrap)
        _both(rec, pair, "unwrapped")
        probe_io(rec, pair.client, "unwrapped client")
        probe_io(rec, pair.server, "unwrapped server")

    @scenario("object.after_fatal_error" + suffix)
    def after_fatal(rec):
        # The client rejects the server's certificate (wrong host name).
        pair = tls.Pair(tls.client_context(tls=v), tls.server_context(tls=v),
                        server_hostname="wrong.example")
        pair.handshake(rec)
        _both(rec, pair, "failed")
        errors(rec, pair.client, "failed client")
        probe_io(rec, pair.client, "failed client")
        probe_io(rec, pair.server, "failed server")
        rec.call("client outgoing pending", getattr, pair.cout, "pending")
        rec.call("server outgoing pending", getattr, pair.sout, "pending")


for _version in (None, "1.2"):
    _register(_version)


@scenario("object.channel_binding")
def channel_binding(rec):
    # tls-unique is the first Finished message: both ends must agree, and a
    # resumed session has a different one.
    for version in VERSIONS:
        cctx = tls.client_context(tls=version)
        sctx = tls.server_context(tls=version)
        pair = tls.connect(rec, tls=version, label=version,
                           client_ctx=cctx, server_ctx=sctx)
        client_cb = pair.client.get_channel_binding("tls-unique")
        server_cb = pair.server.get_channel_binding("tls-unique")
        rec.value(version + " client == server", client_cb == server_cb)
        pair.send(rec, "server", b"ticket", label=version)
        again = tls.Pair(cctx, sctx, session=pair.client.session)
        again.handshake(rec, label=version + " resumed")
        rec.call(version + " resumed", getattr, again.client, "session_reused")
        resumed_cb = again.client.get_channel_binding("tls-unique")
        rec.value(version + " resumed client == server",
                  resumed_cb == again.server.get_channel_binding("tls-unique"))
        rec.value(version + " resumed differs from first", resumed_cb != client_cb)


@scenario("object.server_side_type")
def server_side_type(rec):
    pair = tls.Pair(tls.client_context(), tls.server_context())
    rec.call("client server_side is False", lambda: pair.client.server_side is False)
    rec.call("server server_side is True", lambda: pair.server.server_side is True)
    rec.call("server server_hostname", getattr, pair.server, "server_hostname")


@scenario("object.context_setter")
def context_setter(rec):
    pair = tls.Pair(tls.client_context(), tls.server_context())
    other = tls.client_context()
    rec.call("set client context", setattr, pair.client, "context", other)
    rec.call("context is new", lambda: pair.client.context is other)
    rec.call("set server context to client context", setattr, pair.server,
             "context", other)
    rec.call("server context is client ctx", lambda: pair.server.context is other)
    rec.call("set to SSLObject", setattr, pair.client, "context", pair.server)
    rec.call("set to int", setattr, pair.client, "context", 1)
    rec.call("context still new", lambda: pair.client.context is other)
    # Back to a working server context; the handshake still completes.
    pair.server.context = pair.server_ctx
    pair.handshake(rec)
    third = tls.client_context()
    rec.call("set context after handshake", setattr, pair.client, "context",
             third)
    rec.call("context after handshake is third",
             lambda: pair.client.context is third)
    rec.call("version after context swap", pair.client.version)


@scenario("object.npn_alpn_none")
def npn_alpn_none(rec):
    pair = tls.connect(rec)
    rec.call("client alpn", pair.client.selected_alpn_protocol)
    rec.call("server alpn", pair.server.selected_alpn_protocol)
    rec.call("client npn", pair.client.selected_npn_protocol)
    rec.call("server npn", pair.server.selected_npn_protocol)


@scenario("object.ssl_version_constants")
def ssl_version_constants(rec):
    # The values scenarios rely on are the same objects on both lines.
    for name in ("CERT_NONE", "CERT_OPTIONAL", "CERT_REQUIRED",
                 "ALERT_DESCRIPTION_UNRECOGNIZED_NAME",
                 "ALERT_DESCRIPTION_ACCESS_DENIED",
                 "SSL_ERROR_EOF", "SSL_ERROR_WANT_READ", "SSL_ERROR_SSL",
                 "SSL_ERROR_ZERO_RETURN", "SSL_ERROR_SYSCALL"):
        rec.call(name, getattr, ssl, name)
