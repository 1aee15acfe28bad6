"""Certificate and host name verification, seen from both ends.

For every failure the transcript holds the client's exception (class,
verify_code, verify_message, reason), the alert the server receives, and
proof that no application data flows afterwards.
"""

from __future__ import print_function

import ssl

from conformance import tls
from conformance.probe import probe
from conformance.scenarios import scenario
from support.openssl_release import HAS_TLS13

# The round (pair.handshake's hs[N]) in which the client's handshake
# completes: the second with TLS 1.3, the third with TLS 1.2.
CLIENT_COMPLETES = "hs[1]" if HAS_TLS13 else "hs[2]"


def _after_failure(rec, pair):
    """Once a handshake failed, nothing may pass in either direction."""
    rec.call("client outgoing left", getattr, pair.cout, "pending")
    rec.call("server write after failure", pair.server.write, b"secret")
    pair.flush("server")
    rec.call("client read after failure", pair.client.read)
    rec.call("client write after failure", pair.client.write, b"secret")
    pair.flush("client")
    rec.call("server read after failure", pair.server.read)
    rec.call("client version", pair.client.version)
    rec.call("server version", pair.server.version)


def _check(rec, server_cert="server", host="localhost", tls_version=None,
           client_kwargs=None, server_kwargs=None):
    cctx = tls.client_context(tls=tls_version, **(client_kwargs or {}))
    sctx = tls.server_context(cert_name=server_cert, tls=tls_version,
                              **(server_kwargs or {}))
    pair = tls.Pair(cctx, sctx, server_hostname=host)
    state = pair.handshake(rec)
    if "failed" in state.values():
        _after_failure(rec, pair)
    else:
        pair.send(rec, "client", b"hello")
        pair.send(rec, "server", b"world")
        rec.call("client getpeercert subject",
                 lambda: pair.client.getpeercert().get("subject"))
    return pair


# name: (server certificate, host name)
HOST_CASES = [
    ("trusted", "server", "localhost"),
    ("second_dns_name", "server", "server.example"),
    ("uppercase_host", "server", "LOCALHOST"),
    ("idna_ace_host", "server", "xn--bcher-kva.example"),
    ("wrong_host", "server", "wrong.example"),
    ("common_name_only_not_used", "server", "sslbio client"),
    ("ip_san", "server", "127.0.0.1"),
    ("ipv6_san", "server", "::1"),
    ("ip_mismatch", "server", "127.0.0.2"),
    ("ip_only_cert", "ip-only", "127.0.0.1"),
    ("ip_only_cert_dns_name", "ip-only", "localhost"),
    ("wildcard_match", "wildcard", "a.wild.example"),
    ("wildcard_two_labels", "wildcard", "a.b.wild.example"),
    ("wildcard_bare_domain", "wildcard", "wild.example"),
    ("untrusted_ca", "untrusted", "localhost"),
    ("expired", "expired", "localhost"),
    ("not_yet_valid", "notyet", "localhost"),
    ("nul_in_san", "nul-san", "localhost"),
    ("nul_in_san_full_name", "nul-san", "nul-san.example"),
    ("ecdsa", "server-ecdsa", "localhost"),
    ("client_cert_as_server", "client", "localhost"),
]


def _register_host_case(name, server_cert, host, version):
    suffix = "" if version is None else "." + version.replace(".", "")

    @scenario("verify.%s%s" % (name, suffix))
    def run(rec):
        _check(rec, server_cert, host, version)


for _name, _cert, _host in HOST_CASES:
    for _version in (None, "1.2"):
        _register_host_case(_name, _cert, _host, _version)


@scenario("verify.cert_optional_untrusted")
def cert_optional_untrusted(rec):
    # For a client, CERT_OPTIONAL verifies like CERT_REQUIRED.
    _check(rec, "untrusted", client_kwargs={"verify_mode": ssl.CERT_OPTIONAL})


@scenario("verify.cert_optional_trusted")
def cert_optional_trusted(rec):
    pair = _check(rec, client_kwargs={"verify_mode": ssl.CERT_OPTIONAL})
    rec.call("verify_mode", lambda: pair.client.context.verify_mode)


@scenario("verify.check_hostname_off")
def check_hostname_off(rec):
    _check(rec, host="wrong.example",
           client_kwargs={"check_hostname": False})


@scenario("verify.check_hostname_off_untrusted")
def check_hostname_off_untrusted(rec):
    _check(rec, "untrusted", host="wrong.example",
           client_kwargs={"check_hostname": False})


@scenario("verify.cert_none")
def cert_none(rec):
    # Nothing verified: getpeercert() is empty but the DER is there.
    pair = tls.Pair(tls.client_context(check_hostname=False,
                                       verify_mode=ssl.CERT_NONE),
                    tls.server_context("untrusted"), server_hostname=None)
    pair.handshake(rec)
    probe(rec, pair.client, "client", pair.client_ctx)
    pair.send(rec, "client", b"hello")


@scenario("verify.cert_none_nul_san")
def cert_none_nul_san(rec):
    pair = tls.Pair(tls.client_context(check_hostname=False,
                                       verify_mode=ssl.CERT_NONE),
                    tls.server_context("nul-san"), server_hostname="localhost")
    pair.handshake(rec)
    rec.call("getpeercert", pair.client.getpeercert)


@scenario("verify.nul_san_decoded")
def nul_san_decoded(rec):
    # CERT_OPTIONAL with the right CA: verified, so getpeercert() shows the
    # NUL-containing name as text, unchanged.
    pair = tls.Pair(tls.client_context(check_hostname=False,
                                       verify_mode=ssl.CERT_OPTIONAL),
                    tls.server_context("nul-san"), server_hostname="localhost")
    pair.handshake(rec)
    rec.call("subjectAltName",
             lambda: pair.client.getpeercert()["subjectAltName"])


@scenario("verify.text_beyond_ascii")
def text_beyond_ascii(rec):
    # Subject and issuer in UTF8Strings beyond ASCII (O=B\xe4den,
    # L=M\xfcnchen, ...), and every other field a certificate dictionary
    # carries, seen by the client (the server's certificate) and by the
    # server (the client's).
    pair = tls.Pair(tls.client_context(ca="intl-ca", cert_name="intl"),
                    tls.server_context("intl", verify_mode=ssl.CERT_REQUIRED,
                                       ca="intl-ca"))
    pair.handshake(rec)
    rec.call("client getpeercert()", pair.client.getpeercert)
    rec.call("server getpeercert()", pair.server.getpeercert)


@scenario("verify.no_ca_loaded")
def no_ca_loaded(rec):
    _check(rec, client_kwargs={"ca": None})


@scenario("verify.check_hostname_without_server_hostname",
          tags=("deviation",),
          deviation=(CLIENT_COMPLETES + " client.do_handshake", "ValueError"))
def check_hostname_without_server_hostname(rec):
    # 3.7+ completes this handshake without checking any host name at all;
    # sslbio follows 3.6 (README, "Behaviour"): the handshake runs as on
    # 3.11 until the client's has completed, which raises ValueError; no
    # data passes afterwards.
    pair = tls.Pair(tls.client_context(), tls.server_context(),
                    server_hostname=None)
    pair.handshake(rec)
    rec.call("client do_handshake again", pair.client.do_handshake)
    rec.call("server write", pair.server.write, b"to nobody")
    pair.flush("server")
    rec.call("client read", pair.client.read)
    rec.call("client write", pair.client.write, b"from nobody")


# Without a host name, transport failures come first, as the I/O errors
# they are (the ValueError above needs a completed handshake): 2.7 must
# match 3.11 here.
@scenario("verify.no_server_hostname_read_first")
def no_server_hostname_read_first(rec):
    pair = tls.Pair(tls.client_context(), tls.server_context(),
                    server_hostname=None)
    rec.call("client read", pair.client.read)
    rec.value("client hello sent", pair.cout.pending > 0)
    rec.call("client write", pair.client.write, b"early")


@scenario("verify.no_server_hostname_eof")
def no_server_hostname_eof(rec):
    pair = tls.Pair(tls.client_context(), tls.server_context(),
                    server_hostname=None)
    pair.cin.write_eof()
    rec.call("client do_handshake", pair.client.do_handshake)
    rec.call("client do_handshake again", pair.client.do_handshake)


@scenario("verify.no_server_hostname_alert")
def no_server_hostname_alert(rec):
    # The server accepts TLS 1.2 only, the client 1.3 only: an alert.
    pair = tls.Pair(tls.client_context(tls="1.3"),
                    tls.server_context(tls="1.2"), server_hostname=None)
    pair.handshake(rec)


def _register_client_cert(version):
    suffix = "" if version is None else "." + version.replace(".", "")
    v = version

    @scenario("client_cert.required_missing" + suffix)
    def required_missing(rec):
        # TLS 1.3: the client finishes first and learns of the failure on
        # its first read(); TLS 1.2: during the handshake.
        pair = tls.Pair(tls.client_context(tls=v),
                        tls.server_context(tls=v, verify_mode=ssl.CERT_REQUIRED,
                                           ca="ca"))
        pair.handshake(rec)
        pair.flush_all()
        rec.call("client read", pair.client.read)
        rec.call("client write", pair.client.write, b"x")
        rec.call("server read", pair.server.read)

    @scenario("client_cert.required_present" + suffix)
    def required_present(rec):
        pair = tls.Pair(tls.client_context(tls=v, cert_name="client"),
                        tls.server_context(tls=v, verify_mode=ssl.CERT_REQUIRED,
                                           ca="ca"))
        pair.handshake(rec)
        probe(rec, pair.server, "server", pair.server_ctx)
        pair.send(rec, "client", b"authenticated")

    @scenario("client_cert.optional_missing" + suffix)
    def optional_missing(rec):
        pair = tls.Pair(tls.client_context(tls=v),
                        tls.server_context(tls=v, verify_mode=ssl.CERT_OPTIONAL,
                                           ca="ca"))
        pair.handshake(rec)
        rec.call("server getpeercert()", pair.server.getpeercert)
        rec.call("server getpeercert(True)", pair.server.getpeercert, True)
        pair.send(rec, "client", b"anonymous")

    @scenario("client_cert.untrusted" + suffix)
    def untrusted(rec):
        # The server does not trust the CA that issued the client's
        # certificate.
        pair = tls.Pair(tls.client_context(tls=v, cert_name="client"),
                        tls.server_context(tls=v, verify_mode=ssl.CERT_REQUIRED,
                                           ca="other-ca"))
        pair.handshake(rec)
        pair.flush_all()
        rec.call("client read", pair.client.read)
        rec.call("server getpeercert", pair.server.getpeercert)

    @scenario("client_cert.sent_but_not_asked" + suffix)
    def sent_but_not_asked(rec):
        pair = tls.Pair(tls.client_context(tls=v, cert_name="client"),
                        tls.server_context(tls=v))
        pair.handshake(rec)
        rec.call("server getpeercert()", pair.server.getpeercert)
        rec.call("server getpeercert(True)", pair.server.getpeercert, True)

    @scenario("post_handshake_auth.not_enabled" + suffix)
    def post_handshake_auth(rec):
        pair = tls.connect(rec, tls=v,
                           client_ctx=tls.client_context(tls=v,
                                                         cert_name="client"),
                           server_ctx=tls.server_context(
                               tls=v, verify_mode=ssl.CERT_OPTIONAL, ca="ca"))
        rec.call("client verify_client_post_handshake()",
                 pair.client.verify_client_post_handshake)
        rec.call("server verify_client_post_handshake()",
                 pair.server.verify_client_post_handshake)
        rec.call("server outgoing", getattr, pair.sout, "pending")


for _version in (None, "1.2"):
    _register_client_cert(_version)


@scenario("post_handshake_auth.before_handshake")
def post_handshake_auth_before(rec):
    pair = tls.Pair(tls.client_context(), tls.server_context())
    rec.call("client", pair.client.verify_client_post_handshake)
    rec.call("server", pair.server.verify_client_post_handshake)
