"""Garbage on the wire, at handshake time and afterwards, and what every
method does once the connection has failed."""

from __future__ import print_function

from conformance import tls
from conformance.probe import probe, probe_io
from conformance.scenarios import scenario

HTTP = b"GET / HTTP/1.0\r\n\r\n"
# A fatal internal_error alert in a plaintext record.
CLEARTEXT_ALERT = b"\x15\x03\x03\x00\x02\x02\x50"


def _register(version):
    suffix = "" if version is None else "." + version.replace(".", "")
    v = version

    @scenario("garbage.http_to_server" + suffix)
    def http_to_server(rec):
        pair = tls.Pair(tls.client_context(tls=v), tls.server_context(tls=v))
        pair.sin.write(HTTP)
        rec.call("server do_handshake", pair.server.do_handshake)
        rec.call("server sent an alert", lambda: pair.sout.pending > 0)
        rec.call("server do_handshake again", pair.server.do_handshake)
        probe(rec, pair.server, "failed server", pair.server_ctx)
        probe_io(rec, pair.server, "failed server")

    @scenario("garbage.http_to_client" + suffix)
    def http_to_client(rec):
        pair = tls.Pair(tls.client_context(tls=v), tls.server_context(tls=v))
        pair.step(rec, "client")
        pair.cin.write(b"HTTP/1.0 400 Bad Request\r\n\r\n")
        rec.call("client do_handshake", pair.client.do_handshake)
        rec.call("client sent an alert", lambda: pair.cout.pending > 0)
        probe(rec, pair.client, "failed client", pair.client_ctx)
        probe_io(rec, pair.client, "failed client")

    @scenario("garbage.noise_to_server" + suffix)
    def noise_to_server(rec):
        pair = tls.Pair(tls.client_context(tls=v), tls.server_context(tls=v))
        pair.sin.write(tls.noise(300))
        rec.call("server do_handshake", pair.server.do_handshake)
        pair.flush("server")
        rec.call("client do_handshake sees the alert", pair.client.do_handshake)

    @scenario("garbage.noise_to_client" + suffix)
    def noise_to_client(rec):
        pair = tls.Pair(tls.client_context(tls=v), tls.server_context(tls=v))
        pair.step(rec, "client")
        pair.cin.write(tls.noise(300, seed=b"client"))
        rec.call("client do_handshake", pair.client.do_handshake)

    @scenario("garbage.record_header_only" + suffix)
    def record_header_only(rec):
        # A plausible handshake record header promising more than arrives.
        pair = tls.Pair(tls.client_context(tls=v), tls.server_context(tls=v))
        pair.sin.write(b"\x16\x03\x01\x40\x00")
        rec.call("server waits for the rest", pair.server.do_handshake)
        pair.sin.write(b"\x00" * 10)
        rec.call("server still waits", pair.server.do_handshake)
        pair.sin.write_eof()
        rec.call("server at eof", pair.server.do_handshake)

    @scenario("garbage.after_handshake_to_client" + suffix)
    def after_handshake_to_client(rec):
        pair = tls.connect(rec, tls=v)
        pair.cin.write(tls.noise(64, seed=b"late"))
        rec.call("client read", pair.client.read)
        rec.call("client read again", pair.client.read)
        rec.call("client write", pair.client.write, b"x")
        rec.call("client alert sent", lambda: pair.cout.pending > 0)
        pair.flush("client")
        rec.call("server read sees the alert", pair.server.read)
        probe(rec, pair.client, "failed client", pair.client_ctx)
        probe_io(rec, pair.client, "failed client")

    @scenario("garbage.cleartext_alert_to_client" + suffix)
    def cleartext_alert_to_client(rec):
        # A fatal alert sent in the clear after the handshake.  Under TLS
        # 1.2 the record is too short to decrypt: OpenSSL's common "internal
        # error" reason, which Python 3 names as no *_R_* macro.
        pair = tls.connect(rec, tls=v)
        pair.cin.write(CLEARTEXT_ALERT)
        rec.call("client read", pair.client.read)
        rec.call("client read again", pair.client.read)
        rec.call("client write", pair.client.write, b"x")

    @scenario("garbage.after_handshake_to_server" + suffix)
    def after_handshake_to_server(rec):
        pair = tls.connect(rec, tls=v)
        pair.sin.write(HTTP)
        rec.call("server read", pair.server.read)
        pair.flush("server")
        rec.call("client read sees the alert", pair.client.read)
        probe(rec, pair.server, "failed server", pair.server_ctx)
        probe_io(rec, pair.server, "failed server")

    @scenario("garbage.tampered_record" + suffix)
    def tampered_record(rec):
        # One flipped bit in an application data record: a MAC failure.
        pair = tls.connect(rec, tls=v)
        pair.server.write(b"secret")
        data = bytearray(pair.sout.read())
        data[-1] ^= 1
        pair.cin.write(bytes(data))
        rec.call("client read", pair.client.read)
        rec.call("client pending", pair.client.pending)


for _version in (None, "1.2"):
    _register(_version)
