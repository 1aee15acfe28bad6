"""SNI: the servername callback's arguments, switching the server's context
from inside it, and aborting the handshake with an alert."""

from __future__ import print_function

import ssl

from conformance import tls
from conformance.probe import probe
from conformance.scenarios import scenario


def _callback_recorder(rec, calls, switch_to=None, result=None):
    def callback(obj, server_name, ctx):
        calls.append(obj)
        rec.value("callback obj type", type(obj).__name__)
        rec.value("callback obj is SSLObject", isinstance(obj, ssl.SSLObject))
        rec.value("callback server_name", server_name)
        rec.value("callback obj.server_side", obj.server_side)
        rec.value("callback ctx type", type(ctx).__name__)
        if switch_to is not None:
            obj.context = switch_to
            rec.value("callback context switched", obj.context is switch_to)
        return result
    return callback


@scenario("sni.callback_arguments")
def callback_arguments(rec):
    calls = []
    sctx = tls.server_context()
    sctx.set_servername_callback(_callback_recorder(rec, calls))
    pair = tls.Pair(tls.client_context(), sctx, server_hostname="server.example")
    pair.handshake(rec)
    rec.value("callback called once", len(calls))
    rec.value("callback got the server object", calls and calls[0] is pair.server)


@scenario("sni.idna_name")
def idna_name(rec):
    calls = []
    sctx = tls.server_context()
    sctx.set_servername_callback(_callback_recorder(rec, calls))
    pair = tls.Pair(tls.client_context(), sctx,
                    server_hostname=u"b\xfccher.example")
    pair.handshake(rec)


@scenario("sni.no_server_hostname")
def no_server_hostname(rec):
    calls = []
    sctx = tls.server_context()
    sctx.set_servername_callback(_callback_recorder(rec, calls))
    pair = tls.Pair(tls.client_context(check_hostname=False), sctx,
                    server_hostname=None)
    pair.handshake(rec)
    rec.value("callback calls", len(calls))


@scenario("sni.ip_address_not_sent")
def ip_address_not_sent(rec):
    # RFC 6066: SNI carries host names only; an IP is not sent.
    calls = []
    sctx = tls.server_context()
    sctx.set_servername_callback(_callback_recorder(rec, calls))
    pair = tls.Pair(tls.client_context(), sctx, server_hostname="127.0.0.1")
    pair.handshake(rec)


def _register_switch(version):
    suffix = "" if version is None else "." + version.replace(".", "")

    @scenario("sni.switch_context" + suffix)
    def switch_context(rec):
        calls = []
        ecdsa = tls.server_context("server-ecdsa", tls=version)
        sctx = tls.server_context(tls=version)
        sctx.set_servername_callback(_callback_recorder(rec, calls,
                                                        switch_to=ecdsa))
        pair = tls.Pair(tls.client_context(tls=version), sctx)
        pair.handshake(rec)
        rec.call("server context is the new one",
                 lambda: pair.server.context is ecdsa)
        rec.call("client sees the ECDSA certificate",
                 lambda: pair.client.getpeercert(True) == tls.der("server-ecdsa"))
        rec.call("client cipher", pair.client.cipher)
        pair.send(rec, "client", b"after switch")

    @scenario("sni.alert" + suffix)
    def alert(rec):
        calls = []
        sctx = tls.server_context(tls=version)
        sctx.set_servername_callback(_callback_recorder(
            rec, calls, result=ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME))
        pair = tls.Pair(tls.client_context(tls=version), sctx)
        pair.handshake(rec)
        probe(rec, pair.server, "server", pair.server_ctx)

    @scenario("sni.access_denied" + suffix)
    def access_denied(rec):
        calls = []
        sctx = tls.server_context(tls=version)
        sctx.set_servername_callback(_callback_recorder(
            rec, calls, result=ssl.ALERT_DESCRIPTION_ACCESS_DENIED))
        pair = tls.Pair(tls.client_context(tls=version), sctx)
        pair.handshake(rec)


for _version in (None, "1.2"):
    _register_switch(_version)


@scenario("sni.switch_to_wildcard_fails_host_check")
def switch_to_wildcard(rec):
    # The switched-to certificate is what the client verifies.
    calls = []
    wild = tls.server_context("wildcard")
    sctx = tls.server_context()
    sctx.set_servername_callback(_callback_recorder(rec, calls, switch_to=wild))
    pair = tls.Pair(tls.client_context(), sctx)
    pair.handshake(rec)


@scenario("sni.callback_raises")
def callback_raises(rec):
    # An exception in the callback is reported as unraisable and aborts the
    # handshake with a handshake_failure alert.
    def callback(obj, server_name, ctx):
        raise ZeroDivisionError("in servername callback")

    sctx = tls.server_context()
    sctx.set_servername_callback(callback)
    import sys
    saved = getattr(sys, "unraisablehook", None)
    if saved is not None:  # keep stderr quiet on 3.8+
        sys.unraisablehook = lambda unraisable: None
    try:
        pair = tls.Pair(tls.client_context(), sctx)
        pair.handshake(rec)
    finally:
        if saved is not None:
            sys.unraisablehook = saved


@scenario("sni.callback_returns_garbage")
def callback_returns_garbage(rec):
    def callback(obj, server_name, ctx):
        return "not an int"

    sctx = tls.server_context()
    sctx.set_servername_callback(callback)
    import sys
    saved = getattr(sys, "unraisablehook", None)
    if saved is not None:
        sys.unraisablehook = lambda unraisable: None
    try:
        pair = tls.Pair(tls.client_context(), sctx)
        pair.handshake(rec)
    finally:
        if saved is not None:
            sys.unraisablehook = saved


@scenario("sni.callback_removed")
def callback_removed(rec):
    calls = []
    sctx = tls.server_context()
    sctx.set_servername_callback(_callback_recorder(rec, calls))
    sctx.set_servername_callback(None)
    pair = tls.Pair(tls.client_context(), sctx)
    pair.handshake(rec)
    rec.value("calls", len(calls))
    rec.call("set non-callable", sctx.set_servername_callback, 1)
