"""Interoperability with real TLS peers over loopback sockets.

The object under test is always an in-memory ``SSLObject`` (sslbio's on
Python 2.7, the standard library's on Python 3, which checks the tests
themselves), moved over a real socket by ``support.pump.TLSPump``.  The
peers are independent implementations: ``openssl s_server``/``s_client``
and a Python 3 stdlib server, each in its own process.
"""

import contextlib
import os
import re
import socket
import ssl
import subprocess
import sys

import pytest

import sslbio
from support import (cert, decoded_cert, der_cert, openssl_binary,
                     pem_body)
from support.openssl_release import cipher_protocol, tls13_case
from support.peers import py3_server, s_client, s_server
from support.pump import TLSPump

needs_openssl = pytest.mark.skipif(
    openssl_binary() is None,
    reason="the openssl command-line tool is not installed")


def _openssl_tool_major():
    """Major release of the openssl command-line tool (0 if unknown)."""
    binary = openssl_binary()
    if binary is None:
        return 0
    try:
        out = subprocess.check_output([binary, "version"])
    except (OSError, subprocess.CalledProcessError):
        return 0
    match = re.match(br"OpenSSL (\d+)\.", out)
    return int(match.group(1)) if match else 0


# s_server closes its end with close_notify from OpenSSL 3.0 on; 1.1.1's
# marks the connection shut down and closes it without one, which any reader,
# Python 3's ssl included, sees as an EOF in violation of the protocol.
S_SERVER_CLOSES_QUIETLY = 0 < _openssl_tool_major() < 3
needs_close_notify_from_s_server = pytest.mark.skipif(
    S_SERVER_CLOSES_QUIETLY,
    reason="openssl s_server before OpenSSL 3.0 closes without "
    "close_notify; these tests are about the close_notify exchange")

HTTP_REQUEST = b"GET / HTTP/1.0\r\n\r\n"

# The portable engine's documented limits (docs/portable-engine.md).
PORTABLE = os.environ.get("SSLBIO_ENGINE") == "portable"

# s_server options that force one protocol version and one cipher; the
# cases list what SSLObject.version() and .cipher() must then report.
FORCED = {
    "TLSv1.2": ("-tls1_2", "-cipher"),
    "TLSv1.3": ("-tls1_3", "-ciphersuites"),
}
CIPHER_CASES = [
    # (certificate, version, cipher, secret bits)
    ("server", "TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256", 128),
    ("server-ecdsa", "TLSv1.2", "ECDHE-ECDSA-AES256-GCM-SHA384", 256),
    tls13_case("server", "TLSv1.3", "TLS_AES_128_GCM_SHA256", 128),
    tls13_case("server-ecdsa", "TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256", 256),
]
VERSIONS = ["TLSv1.2", tls13_case("TLSv1.3")]
VERSION_FLAGS = {"TLSv1.2": "-tls1_2", "TLSv1.3": "-tls1_3"}


def client_context(certname=None):
    """A verifying client context trusting tests/certs/ca.pem, built the
    way 2.7 code would build it (2.7 has no PROTOCOL_TLS_CLIENT)."""
    protocol = getattr(ssl, "PROTOCOL_TLS_CLIENT", ssl.PROTOCOL_SSLv23)
    context = sslbio.SSLContext(protocol)
    context.verify_mode = ssl.CERT_REQUIRED
    context.check_hostname = True
    context.load_verify_locations(cert("ca.pem"))
    if certname:
        context.load_cert_chain(cert(certname + ".pem"),
                                cert(certname + ".key"))
    return context


def server_context(certname="server"):
    protocol = getattr(ssl, "PROTOCOL_TLS_SERVER", ssl.PROTOCOL_SSLv23)
    context = sslbio.SSLContext(protocol)
    context.load_cert_chain(cert(certname + ".pem"), cert(certname + ".key"))
    return context


def http_get(pump):
    """Send a request to s_server -www, return its whole answer, and close
    the connection as the server does: its close_notify answered by ours,
    or, from a server that closes quietly, an EOF in violation of the
    protocol (SSLEOFError, as Python 3 raises) and nothing to answer."""
    pump.write(HTTP_REQUEST)
    if not S_SERVER_CLOSES_QUIETLY:
        response = pump.read_until(None)
        pump.unwrap()
        return response
    chunks = []
    with pytest.raises(ssl.SSLEOFError):
        while True:
            chunk = pump.read()
            assert chunk, "close_notify from a server that closes quietly"
            chunks.append(chunk)
    return b"".join(chunks)


@contextlib.contextmanager
def listener():
    """A listening socket on a loopback port the system chooses."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield sock
    finally:
        sock.close()


# -- sslbio client <-> openssl s_server ------------------------------------

@needs_openssl
@pytest.mark.parametrize("certname, version, cipher, bits", CIPHER_CASES)
def test_client_http_to_s_server(certname, version, cipher, bits):
    flag, cipher_option = FORCED[version]
    with s_server(certname, "-www", flag, cipher_option, cipher) as server:
        with TLSPump.connect(client_context(), server.port,
                             server_hostname="localhost") as pump:
            pump.do_handshake()
            assert pump.sslobj.version() == version
            assert pump.sslobj.cipher() == (cipher, cipher_protocol(version),
                                            bits)
            assert pump.sslobj.server_side is False
            assert pump.sslobj.server_hostname == "localhost"
            assert pump.sslobj.getpeercert() == decoded_cert(certname + ".pem")
            response = http_get(pump)
    assert response.startswith(b"HTTP/1.0 200 ok\r\n")
    # The status page says what the server negotiated: the same.
    assert ("New, %s, Cipher is %s" % (version, cipher)).encode() in response


@needs_openssl
def test_client_alpn_with_s_server():
    # Only one protocol is common to both lists: the server must pick it.
    with s_server("server", "-www", "-alpn", "h2,http/1.1") as server:
        context = client_context()
        context.set_alpn_protocols(["spdy/3", "http/1.1"])
        with TLSPump.connect(context, server.port,
                             server_hostname="localhost") as pump:
            pump.do_handshake()
            assert pump.sslobj.selected_alpn_protocol() == "http/1.1"
            assert http_get(pump).startswith(b"HTTP/1.0 200 ok\r\n")


@needs_openssl
@pytest.mark.parametrize("version", VERSIONS)
def test_client_certificate_to_s_server(version):
    with s_server("server", "-www", VERSION_FLAGS[version], "-Verify", "1",
                  "-CAfile", cert("ca.pem")) as server:
        with TLSPump.connect(client_context("client"), server.port,
                             server_hostname="localhost") as pump:
            pump.do_handshake()
            response = http_get(pump)
    assert response.startswith(b"HTTP/1.0 200 ok\r\n")
    # -www prints the client certificate it verified, PEM included.
    text = response.decode("latin-1")
    assert "Client certificate" in text
    assert pem_body("client.pem") in "".join(text.split())


# Python 3.6's ssl predates SSLCertVerificationError, host name checks
# inside the handshake and OpenSSL 3's reason names; these tests state the
# 3.7+ behaviour sslbio follows.
needs_py37_errors = pytest.mark.skipif(
    (3,) <= sys.version_info[:2] < (3, 7),
    reason="Python 3.6 raises its own, older errors here")


@needs_py37_errors
@needs_openssl
@pytest.mark.parametrize("version, reason", [
    ("TLSv1.2", "SSLV3_ALERT_HANDSHAKE_FAILURE"),
    # TLS 1.3 finishes the client's handshake before the server has seen
    # the (empty) certificate: the alert arrives at the first read.
    tls13_case("TLSv1.3", "TLSV13_ALERT_CERTIFICATE_REQUIRED"),
])
def test_s_server_rejects_missing_client_certificate(version, reason):
    with s_server("server", "-www", VERSION_FLAGS[version], "-Verify", "1",
                  "-CAfile", cert("ca.pem")) as server:
        with TLSPump.connect(client_context(), server.port,
                             server_hostname="localhost") as pump:
            with pytest.raises(ssl.SSLError) as info:
                pump.do_handshake()
                http_get(pump)
        server.wait_for(r"peer did not return a certificate")
    if not (3,) <= sys.version_info[:2] < (3, 8):
        # 3.7's reason table predates TLS 1.3's alerts (reason is None).
        assert info.value.reason == reason
    assert "HTTP/1.0" not in server.output


@needs_openssl
@pytest.mark.skipif(PORTABLE, reason="the portable engine cannot resume "
                    "sessions (docs/portable-engine.md)")
@pytest.mark.parametrize("version, server_args, has_ticket", [
    ("TLSv1.2", ("-no_ticket",), False),  # resumed by session id
    tls13_case("TLSv1.3", (), True),      # resumed by ticket (PSK)
])
def test_session_resumption_with_s_server(version, server_args, has_ticket):
    context = client_context()
    with s_server("server", "-www", VERSION_FLAGS[version],
                  *server_args) as server:
        with TLSPump.connect(context, server.port,
                             server_hostname="localhost") as first:
            first.do_handshake()
            assert first.sslobj.session_reused is False
            response = http_get(first)
            # Read after the response: TLS 1.3 tickets arrive after the
            # handshake, so the session is only complete now.
            session = first.sslobj.session
        assert b"New, " + version.encode() in response
        assert isinstance(session, sslbio.SSLSession)
        assert session.has_ticket is has_ticket
        assert len(session.id) > 0

        with TLSPump.connect(context, server.port, server_hostname="localhost",
                             session=session) as second:
            second.do_handshake()
            assert second.sslobj.session_reused is True
            assert second.sslobj.version() == version
            response = http_get(second)
            if version == "TLSv1.2":
                # Resuming by id keeps the very same session.
                assert second.sslobj.session == session
    assert b"Reused, " + version.encode() in response


@needs_openssl
@needs_close_notify_from_s_server
@pytest.mark.parametrize("version", VERSIONS)
def test_client_initiated_close_with_s_server(version):
    with s_server("server", "-rev", VERSION_FLAGS[version]) as server:
        with TLSPump.connect(client_context(), server.port,
                             server_hostname="localhost") as pump:
            pump.do_handshake()
            pump.write(b"interop\n")
            assert pump.read_until(b"\n") == b"poretni\n"
            # Returns only once s_server's close_notify has come back.
            assert pump.unwrap() is None
        server.wait_for(r"^CONNECTION CLOSED")


@needs_openssl
@needs_close_notify_from_s_server
@pytest.mark.parametrize("version", VERSIONS)
def test_server_initiated_close_with_s_server(version):
    with s_server("server", "-rev", VERSION_FLAGS[version]) as server:
        with TLSPump.connect(client_context(), server.port,
                             server_hostname="localhost") as pump:
            pump.do_handshake()
            pump.write(b"CLOSE\n")  # -rev's command to close the TLS layer
            assert pump.read() == b""  # close_notify is a clean end of data
            assert pump.read() == b""  # ... and stays one
            assert pump.unwrap() is None
        server.wait_for(r"^CONNECTION CLOSED")


# -- certificate verification failures against s_server --------------------

# Plain s_server mode (no -www/-rev) prints this line when a handshake
# completes, and then prints the application data it receives.
S_SERVER_ESTABLISHED = "CIPHER is "


@needs_openssl
def test_data_reaches_plain_s_server():
    # The control for the failure cases below: a good handshake does show
    # up in s_server's output, and so does the data.
    with s_server("server") as server:
        with TLSPump.connect(client_context(), server.port,
                             server_hostname="localhost") as pump:
            pump.do_handshake()
            pump.write(b"this is sent\n")
            server.wait_for(r"^this is sent$")
    assert S_SERVER_ESTABLISHED in server.output


@needs_py37_errors
@needs_openssl
@pytest.mark.parametrize("certname, hostname, verify_code, alert", [
    # Issued by a CA we do not trust; s_server sends no chain.
    ("untrusted", "localhost", 20, "alert unknown ca"),
    ("server", "wrong.example", 62, "alert bad certificate"),
    ("expired", "localhost", 10, "alert certificate expired"),
])
def test_client_rejects_bad_server_certificate(certname, hostname,
                                               verify_code, alert):
    with s_server(certname) as server:
        with TLSPump.connect(client_context(), server.port,
                             server_hostname=hostname) as pump:
            with pytest.raises(sslbio.SSLCertVerificationError) as info:
                pump.do_handshake()
            error = info.value
            assert isinstance(error, ssl.SSLError)
            assert isinstance(error, ssl.CertificateError)
            assert error.reason == "CERTIFICATE_VERIFY_FAILED"
            if PORTABLE and verify_code not in (62, 64):
                # 2.7's _ssl does not expose the verify result.
                assert error.verify_code is error.verify_message is None
            else:
                assert error.verify_code == verify_code
                assert error.verify_message
            assert pump.sslobj.version() is None

            # Nothing may be sent after a failed handshake.
            with pytest.raises(ssl.SSLError):
                pump.sslobj.write(b"must not be sent")
            assert pump.outgoing.pending == 0
        if PORTABLE and verify_code == 62:
            # Under TLS 1.3 the portable engine can send no alert: it
            # withholds its Finished instead, so the server never completes.
            pass
        else:
            # The pump delivered our alert: the server says which one it
            # got.
            server.wait_for(alert)
    assert S_SERVER_ESTABLISHED not in server.output
    assert "must not be sent" not in server.output


# -- sslbio server <-> openssl s_client ------------------------------------

def s_client_verifying(port, hostname, *args):
    """s_client that fails unless it can verify our certificate for
    `hostname` against the test CA."""
    return s_client(port, "-servername", hostname,
                    "-verify_hostname", hostname,
                    "-CAfile", cert("ca.pem"), "-verify_return_error", *args)


def echo_once(pump, client, token):
    """s_client sends `token` from its stdin, we echo it, it prints it."""
    client.send(token)
    received = pump.read_until(b"\n")
    pump.write(received)
    client.wait_for(re.escape(token.decode().strip()))
    return received


@needs_openssl
@pytest.mark.parametrize("version", VERSIONS)
def test_server_echo_to_s_client(version):
    context = server_context()
    context.set_alpn_protocols(["h2", "http/1.1"])
    with listener() as sock:
        port = sock.getsockname()[1]
        with s_client_verifying(port, "localhost", VERSION_FLAGS[version],
                                "-alpn", "http/1.1") as client:
            with TLSPump.accept(context, sock) as pump:
                pump.do_handshake()
                assert pump.sslobj.server_side is True
                assert pump.sslobj.version() == version
                assert pump.sslobj.selected_alpn_protocol() == "http/1.1"
                assert pump.sslobj.getpeercert() is None  # none requested
                token = b"sslbio-echo-" + version.encode() + b"\n"
                assert echo_once(pump, client, token) == token
                assert pump.unwrap() is None
            assert client.wait() == 0
    output = client.output
    assert "Verify return code: 0 (ok)" in output
    assert "ALPN protocol: http/1.1" in output
    assert "Protocol  : " + version in output


@needs_openssl
@pytest.mark.parametrize("hostname, served", [
    ("www.wild.example", "wildcard"),  # the callback switches contexts
    ("localhost", "server"),           # the callback keeps the default
])
def test_server_sni_callback_with_s_client(hostname, served):
    default = server_context("server")
    wildcard = server_context("wildcard")
    calls = []

    def on_servername(sslobj, name, context):
        calls.append((sslobj, name, context))
        if name.endswith(".wild.example"):
            sslobj.context = wildcard

    default.set_servername_callback(on_servername)
    with listener() as sock:
        port = sock.getsockname()[1]
        with s_client_verifying(port, hostname) as client:
            with TLSPump.accept(default, sock) as pump:
                pump.do_handshake()
                assert calls == [(pump.sslobj, hostname, default)]
                expected = wildcard if served == "wildcard" else default
                assert pump.sslobj.context is expected
                echo_once(pump, client, b"sni\n")
                pump.unwrap()
            assert client.wait() == 0
    # -verify_hostname plus a 0 return code prove the right certificate was
    # served; its PEM in the output makes the failure message plain.
    assert "Verify return code: 0 (ok)" in client.output
    assert pem_body(served + ".pem") in "".join(client.output.split())


@needs_openssl
@pytest.mark.parametrize("version", VERSIONS)
def test_server_requires_client_certificate_from_s_client(version):
    context = server_context()
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(cert("ca.pem"))
    with listener() as sock:
        port = sock.getsockname()[1]
        with s_client_verifying(port, "localhost", VERSION_FLAGS[version],
                                "-cert", cert("client.pem"),
                                "-key", cert("client.key")) as client:
            with TLSPump.accept(context, sock) as pump:
                pump.do_handshake()
                assert pump.sslobj.getpeercert() == decoded_cert("client.pem")
                assert (pump.sslobj.getpeercert(binary_form=True)
                        == der_cert("client.pem"))
                echo_once(pump, client, b"client-cert\n")
                pump.unwrap()
            assert client.wait() == 0
    assert "Verify return code: 0 (ok)" in client.output


# -- sslbio client <-> Python 3 stdlib server ------------------------------

ONE_MIB = 1024 * 1024


@pytest.mark.parametrize("version", VERSIONS)
def test_echo_one_mib_with_py3_server(version):
    payload = os.urandom(ONE_MIB)
    with py3_server("echo", "server", "--tls", version[-3:]) as server:
        with TLSPump.connect(client_context(), server.port,
                             server_hostname="localhost") as pump:
            pump.do_handshake()
            assert pump.sslobj.version() == version
            # Lock-step chunks: the server echoes as it reads, and neither
            # side may block on a full socket buffer while the other does.
            echoed = []
            for start in range(0, ONE_MIB, 65536):
                chunk = payload[start:start + 65536]
                pump.write(chunk)
                echoed.append(pump.read_exactly(len(chunk)))
            assert pump.unwrap() is None  # client-initiated close
        assert server.wait() == 0
    assert b"".join(echoed) == payload
    server.wait_for(r"^HANDSHAKE %s " % version)
    server.wait_for(r"^DONE echo bytes=%d unwrap=ok$" % ONE_MIB)


@pytest.mark.parametrize("version", VERSIONS)
def test_server_initiated_close_with_py3_server(version):
    with py3_server("close", "server", "--tls", version[-3:]) as server:
        with TLSPump.connect(client_context(), server.port,
                             server_hostname="localhost") as pump:
            pump.do_handshake()
            assert pump.read_until(b"\n") == b"bye\n"
            assert pump.read() == b""  # the server's close_notify
            assert pump.unwrap() is None  # answers it; nothing left to wait
        assert server.wait() == 0
    server.wait_for(r"^DONE close unwrap=ok$")


def test_http_with_py3_server():
    with py3_server("http", "server-ecdsa") as server:
        with TLSPump.connect(client_context(), server.port,
                             server_hostname="localhost") as pump:
            pump.do_handshake()
            pump.write(b"GET /interop HTTP/1.0\r\nHost: localhost\r\n\r\n")
            response = pump.read_until(None)
            pump.unwrap()
        assert server.wait() == 0
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 200 OK\r\n")
    assert body == b"hello from the Python 3 stdlib\n"
    server.wait_for(r"^DONE http path=/interop unwrap=ok$")
