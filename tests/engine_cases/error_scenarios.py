"""Real handshakes that fail, and the exception each side gets.

Runs under any interpreter: sslbio's engine on 2.7, the standard library on
Python 3.  ``python error_scenarios.py`` prints one JSON object mapping each
scenario to a description of its outcome, so test_errors.py can compare
2.7's transcript with Python 3.11's for the same scenarios.
"""

from __future__ import print_function

import json
import ssl
import sys

import sslbio

from engine_cases.common import (Pair, client_context, connected_pair,
                                 server_context)


def describe(exc):
    """What Python code can observe of an exception (message aside)."""
    return {
        "class": type(exc).__name__,
        "errno": getattr(exc, "errno", None),
        "library": getattr(exc, "library", None),
        "reason": getattr(exc, "reason", None),
        "verify_code": getattr(exc, "verify_code", None),
        "verify_message": getattr(exc, "verify_message", None),
        "is_ssl_error": isinstance(exc, ssl.SSLError),
        "is_value_error": isinstance(exc, ValueError),
        "is_certificate_error": isinstance(exc, ssl.CertificateError),
        "is_eof_error": isinstance(exc, ssl.SSLEOFError),
    }


def outcome(call, *args):
    try:
        result = call(*args)
    except Exception as exc:  # the exception is the result being recorded
        return describe(exc)
    if isinstance(result, bytes):  # b'' on 3, '' on 2: the same thing
        return {"bytes": result.decode("latin-1")}
    return {"returned": repr(result)}


def failed_client_handshake(pair, observe=outcome):
    """Client hello -> server -> server flight -> client: client's verdict,
    as ``observe(call)`` sees it."""
    outcome(pair.client.do_handshake)
    pair.to_server()
    outcome(pair.server.do_handshake)
    pair.to_client()
    return observe(pair.client.do_handshake)


def hostname_mismatch():
    return failed_client_handshake(Pair(server_hostname="wrong.example"))


def ip_mismatch():
    # server.pem names 127.0.0.1 and ::1, not 10.0.0.1.
    return failed_client_handshake(Pair(server_hostname="10.0.0.1"))


def calls_after_failure():
    """Every record-layer call after a failed handshake."""
    pair = Pair(server_hostname="wrong.example")
    failed_client_handshake(pair)
    return {"do_handshake": outcome(pair.client.do_handshake),
            "read": outcome(pair.client.read),
            "write": outcome(pair.client.write, b"x"),
            "unwrap": outcome(pair.client.unwrap)}


def untrusted_issuer():
    return failed_client_handshake(
        Pair(server_ctx=server_context("untrusted")))


def expired():
    return failed_client_handshake(Pair(server_ctx=server_context("expired")))


def want_read():
    return outcome(Pair().client.do_handshake)


def eof_during_handshake():
    pair = Pair()
    outcome(pair.client.do_handshake)
    pair.cin.write_eof()
    return outcome(pair.client.do_handshake)


def eof_during_handshake_tls12():
    pair = Pair(client_context(tls12=True), server_context(tls12=True))
    outcome(pair.client.do_handshake)
    pair.to_server()
    outcome(pair.server.do_handshake)
    # Half of the server's flight, then the end of the stream.
    data = pair.sout.read()
    pair.cin.write(data[:len(data) // 2])
    pair.cin.write_eof()
    return outcome(pair.client.do_handshake)


def ragged_eof_on_read():
    pair = connected_pair()
    pair.cin.write_eof()
    return outcome(pair.client.read)


# A fatal alert (internal_error) in a plaintext record.
CLEARTEXT_ALERT = b"\x15\x03\x03\x00\x02\x02\x50"


def cleartext_alert_pair():
    """A TLS 1.2 connection whose client has received an alert record in
    the clear.  Where records are encrypted, one too short to decrypt fails
    with OpenSSL's common "internal error" reason, which Python 3 leaves
    unnamed; it surfaces through the native read()."""
    pair = connected_pair(client_context(tls12=True),
                          server_context(tls12=True))
    pair.cin.write(CLEARTEXT_ALERT)
    return pair


def cleartext_alert_on_read_tls12():
    return outcome(cleartext_alert_pair().client.read)


def read_after_close_notify():
    pair = connected_pair()
    outcome(pair.server.unwrap)
    pair.to_client()
    return [outcome(pair.client.read), outcome(pair.client.read)]


def want_read_on_read():
    return outcome(connected_pair().client.read)


def http_to_server():
    pair = Pair()
    pair.sin.write(b"GET / HTTP/1.0\r\n\r\n")
    return outcome(pair.server.do_handshake)


def _client_done_server_judges(pair):
    """TLS 1.3: the client finishes its handshake before the server has
    seen (or missed) its certificate; the server's verdict comes last and
    reaches the client as an alert on its next read."""
    outcome(pair.client.do_handshake)
    pair.to_server()
    outcome(pair.server.do_handshake)
    pair.to_client()
    client_handshake = outcome(pair.client.do_handshake)
    pair.to_server()
    server = outcome(pair.server.do_handshake)
    pair.to_client()
    return {"client handshake": client_handshake, "server": server,
            "client read": outcome(pair.client.read)}


def client_cert_required():
    return _client_done_server_judges(
        Pair(server_ctx=server_context(client_cert=ssl.CERT_REQUIRED)))


def client_cert_untrusted():
    return _client_done_server_judges(
        Pair(client_context(certname="untrusted"),
             server_context(client_cert=ssl.CERT_REQUIRED)))


def protocol_mismatch():
    pair = Pair(client_context(tls12=True), server_context(tls13_only=True))
    outcome(pair.client.do_handshake)
    pair.to_server()
    server = outcome(pair.server.do_handshake)
    pair.to_client()
    return {"server": server, "client": outcome(pair.client.do_handshake)}


SCENARIOS = [
    hostname_mismatch, ip_mismatch, calls_after_failure, untrusted_issuer,
    expired, want_read,
    eof_during_handshake, eof_during_handshake_tls12, ragged_eof_on_read,
    cleartext_alert_on_read_tls12, read_after_close_notify, want_read_on_read,
    http_to_server,
    client_cert_required, client_cert_untrusted, protocol_mismatch,
]


def run_all():
    return dict((scenario.__name__, scenario()) for scenario in SCENARIOS)


if __name__ == "__main__":
    results = run_all()
    results["_engine"] = sslbio.ENGINE
    print(json.dumps(results, sort_keys=True))
    sys.exit(0)
