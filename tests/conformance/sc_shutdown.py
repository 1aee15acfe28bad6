"""Closing: unwrap() in both directions and at odd times, close_notify versus
a stream that just ends (truncation)."""

from __future__ import print_function

from conformance import tls
from conformance.scenarios import scenario


def _register(version):
    suffix = "" if version is None else "." + version.replace(".", "")
    v = version

    @scenario("shutdown.client_first" + suffix)
    def client_first(rec):
        pair = tls.connect(rec, tls=v)
        rec.call("client unwrap", pair.client.unwrap)
        rec.call("close_notify sent", lambda: pair.cout.pending > 0)
        pair.flush("client")
        rec.call("server read", pair.server.read)
        rec.call("server read again", pair.server.read)
        rec.call("server write after close_notify", pair.server.write, b"x")
        rec.call("server unwrap", pair.server.unwrap)
        pair.flush("server")
        rec.call("client unwrap completes", pair.client.unwrap)
        rec.call("client read after unwrap", pair.client.read)

    @scenario("shutdown.server_first" + suffix)
    def server_first(rec):
        pair = tls.connect(rec, tls=v)
        pair.send(rec, "server", b"last words")
        rec.call("server unwrap", pair.server.unwrap)
        pair.flush("server")
        rec.call("client read gets b''", pair.client.read)
        rec.call("client unwrap", pair.client.unwrap)
        pair.flush("client")
        rec.call("server unwrap completes", pair.server.unwrap)

    @scenario("shutdown.data_then_close_notify" + suffix)
    def data_then_close_notify(rec):
        # Data and close_notify arrive together: data first, then b''.
        pair = tls.connect(rec, tls=v)
        pair.server.write(b"payload")
        rec.call("server unwrap", pair.server.unwrap)
        pair.flush("server")
        rec.call("client read 1", pair.client.read)
        rec.call("client read 2", pair.client.read)
        rec.call("client pending", pair.client.pending)

    @scenario("shutdown.before_handshake" + suffix)
    def before_handshake(rec):
        pair = tls.Pair(tls.client_context(tls=v), tls.server_context(tls=v))
        rec.call("client unwrap", pair.client.unwrap)
        rec.call("server unwrap", pair.server.unwrap)
        rec.call("client outgoing", getattr, pair.cout, "pending")

    @scenario("shutdown.during_handshake" + suffix)
    def during_handshake(rec):
        pair = tls.Pair(tls.client_context(tls=v), tls.server_context(tls=v))
        pair.step(rec, "client")
        rec.call("client unwrap", pair.client.unwrap)
        pair.step(rec, "server")
        rec.call("server unwrap", pair.server.unwrap)

    @scenario("shutdown.truncated" + suffix)
    def truncated(rec):
        # The transport ends without close_notify: a truncation attack as far
        # as the TLS layer can tell.
        pair = tls.connect(rec, tls=v)
        pair.server.write(b"partial")
        pair.flush("server")
        pair.cin.write_eof()
        rec.call("client read data", pair.client.read)
        rec.call("client read at eof", pair.client.read)
        rec.call("client read again", pair.client.read)
        rec.call("client write after eof", pair.client.write, b"x")
        rec.call("client unwrap after eof", pair.client.unwrap)
        rec.call("client pending", pair.client.pending)
        rec.call("client version", pair.client.version)

    @scenario("shutdown.truncated_record" + suffix)
    def truncated_record(rec):
        # Half a record, then end of stream.
        pair = tls.connect(rec, tls=v)
        pair.server.write(b"y" * 100)
        data = pair.sout.read()
        pair.cin.write(data[:len(data) // 2])
        rec.call("client read half a record", pair.client.read)
        pair.cin.write_eof()
        rec.call("client read after eof", pair.client.read)

    @scenario("shutdown.eof_during_handshake" + suffix)
    def eof_during_handshake(rec):
        pair = tls.Pair(tls.client_context(tls=v), tls.server_context(tls=v))
        pair.step(rec, "client")
        pair.sin.write_eof()
        rec.call("server after ClientHello + eof", pair.server.do_handshake)
        pair.cin.write_eof()
        rec.call("client with eof, no reply", pair.client.do_handshake)
        rec.call("client again", pair.client.do_handshake)

    @scenario("shutdown.eof_before_anything" + suffix)
    def eof_before_anything(rec):
        pair = tls.Pair(tls.client_context(tls=v), tls.server_context(tls=v))
        pair.cin.write_eof()
        pair.sin.write_eof()
        rec.call("client do_handshake", pair.client.do_handshake)
        rec.call("server do_handshake", pair.server.do_handshake)
        rec.call("server read", pair.server.read)


for _version in (None, "1.2"):
    _register(_version)
