"""Certificate verification failures against real OpenSSL peers.

    python tests/reliability/peer_matrix.py [CASE ...]   (all by default)

Each case runs one in-memory ``SSLObject`` (sslbio on 2.7, the stdlib on 3)
over a loopback socket against ``openssl s_server`` (we are the client) or
``openssl s_client`` (we are the server), and prints one JSON line per case
with what an application and the peer observe:

* how the handshake ended: ``ok``, or the exception's class, ``reason``,
  ``verify_code`` and ``verify_message``;
* after a failure: what ``read()`` and ``write()`` do next, and how many
  bytes a ``write()`` put on the wire (must be none);
* whether the peer received an alert (number and name, from its output),
  and whether application data got through in either direction.

The peer always has data to send: s_client is given a line on its standard
input before it connects, so with TLS 1.3 (where the client finishes its
handshake before the server has judged the client's certificate) that line
is on its way as soon as the client's Finished is.  It must never come out
of ``read()`` on a connection whose handshake failed.

tests/test_security_matrix.py runs this under 2.7 and under Python 3.11 and
compares the lines: the outcome must be identical, and the security
invariants must hold under both.
"""

from __future__ import print_function

import json
import re
import socket
import ssl
import sys
import time

try:  # run as a script
    import bootstrap  # noqa: F401
except ImportError:
    pass

import sslbio  # noqa: E402

from support import cert  # noqa: E402
from support.openssl_release import VERSIONS  # noqa: E402
from support.peers import s_client, s_server  # noqa: E402
from support.pump import TLSPump  # noqa: E402

CLIENT_LINE = b"client application data\n"
SERVER_LINE = b"server application data\n"
# OpenSSL 3.0 prints a received alert as
#   ...:SSL routines:<function>:tlsv13 alert certificate required:...
#   ...:SSL alert number 116
# (1.1.1 prints the same two parts on one line).
ALERT_NAME = re.compile(r"(?:sslv3|tlsv1|tlsv13) alert ([a-z ]+)")
ALERT_NUMBER = re.compile(r"SSL alert number (\d+)")
ALERT_WAIT = 3.0
VERSION_FLAGS = {"1.2": "-tls1_2", "1.3": "-tls1_3"}


class Case(object):
    """One row of the matrix.

    ``side``: "client" (we verify s_server's certificate) or "server"
    (we verify s_client's).  ``expect``: ``("ok",)``, or ``("fail", code)``
    with the ``verify_code`` the failure must carry (None when it is not a
    certificate verification error but a missing certificate).
    """

    def __init__(self, side, version, expect, peer_cert="server",
                 host="localhost", check_hostname=True,
                 verify_mode=ssl.CERT_REQUIRED, client_cert=None,
                 server_ca="ca"):
        self.side = side
        self.version = version
        self.expect = expect
        self.peer_cert = peer_cert
        self.host = host
        self.check_hostname = check_hostname
        self.verify_mode = verify_mode
        self.client_cert = client_cert
        self.server_ca = server_ca


def _register():
    # Each row for TLS 1.2 and, where OpenSSL has it, 1.3.
    cases = {}
    for v in VERSIONS:
        def add(name, *args, **kwargs):
            cases["%s.tls%s" % (name, v.replace(".", ""))] = Case(
                args[0], v, *args[1:], **kwargs)
        # -- we are the client: s_server presents the certificate --------
        add("not_yet_valid", "client", ("fail", 9), peer_cert="notyet")
        add("ip_mismatch", "client", ("fail", 64), host="127.0.0.2")
        add("ip_san_match", "client", ("ok",), host="127.0.0.1")
        add("ip_only_cert_dns_name", "client", ("fail", 62),
            peer_cert="ip-only", host="localhost")
        add("wildcard_two_labels", "client", ("fail", 62),
            peer_cert="wildcard", host="a.b.wild.example")
        add("wildcard_bare_domain", "client", ("fail", 62),
            peer_cert="wildcard", host="wild.example")
        add("wildcard_match", "client", ("ok",), peer_cert="wildcard",
            host="a.wild.example")
        add("nul_in_san", "client", ("fail", 62), peer_cert="nul-san",
            host="localhost")
        add("cert_optional_untrusted", "client", ("fail", 20),
            peer_cert="untrusted", verify_mode=ssl.CERT_OPTIONAL)
        add("check_hostname_off_wrong_host", "client", ("ok",),
            host="wrong.example", check_hostname=False)
        add("check_hostname_off_untrusted", "client", ("fail", 20),
            peer_cert="untrusted", host="wrong.example",
            check_hostname=False)
        # -- we are the server: s_client presents (or not) a certificate --
        add("client_cert_required_missing", "server", ("fail", None))
        # s_client sends the test CA along with its certificate (it builds
        # the chain from -CAfile), so the server, trusting only another CA,
        # finds a self-signed certificate in the chain: 19, not 20.
        add("client_cert_required_untrusted", "server", ("fail", 19),
            client_cert="client", server_ca="other-ca")
        add("client_cert_optional_missing", "server", ("ok",),
            verify_mode=ssl.CERT_OPTIONAL)
        add("client_cert_optional_untrusted", "server", ("fail", 19),
            verify_mode=ssl.CERT_OPTIONAL, client_cert="client",
            server_ca="other-ca")
    return cases


CASES = _register()


# -- contexts, as 2.7 code builds them (no PROTOCOL_TLS_CLIENT there) ---

def _pin(context, version):
    """One protocol version, with OP_NO_* (2.7 has no minimum_version).
    TLS 1.0 and 1.1 go too: OpenSSL reads the enabled versions as one
    range, and 1.0-1.1 plus 1.3 would be 1.0-1.1.  3.10+ warns about
    OP_NO_*; the caller silences that set-up noise."""
    context.options |= ssl.OP_NO_SSLv2 | ssl.OP_NO_SSLv3 | \
        ssl.OP_NO_TLSv1 | ssl.OP_NO_TLSv1_1
    context.options |= ssl.OP_NO_TLSv1_3 if version == "1.2" \
        else ssl.OP_NO_TLSv1_2


def client_context(case):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context = sslbio.SSLContext(getattr(ssl, "PROTOCOL_TLS_CLIENT",
                                            ssl.PROTOCOL_SSLv23))
        context.check_hostname = False
        context.verify_mode = case.verify_mode
        context.check_hostname = case.check_hostname
        context.load_verify_locations(cert("ca.pem"))
        _pin(context, case.version)
    return context


def server_context(case):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context = sslbio.SSLContext(getattr(ssl, "PROTOCOL_TLS_SERVER",
                                            ssl.PROTOCOL_SSLv23))
        context.load_cert_chain(cert("server.pem"), cert("server.key"))
        context.verify_mode = case.verify_mode
        context.load_verify_locations(cert(case.server_ca + ".pem"))
        _pin(context, case.version)
    return context


# -- observations ---------------------------------------------------------

def describe_exception(exc):
    """The observable parts of an exception, as the conformance suite
    compares them (message wording aside)."""
    return {
        "class": type(exc).__name__,
        "ssl_error": isinstance(exc, ssl.SSLError),
        "reason": getattr(exc, "reason", None),
        "verify_code": getattr(exc, "verify_code", None),
        "verify_message": getattr(exc, "verify_message", None),
    }


def attempt(call, *args):
    """``("returned", value)`` or ``("raised", description)``."""
    try:
        value = call(*args)
    except Exception as exc:  # observed, never hidden: it is the result
        return ("raised", describe_exception(exc))
    if isinstance(value, bytes):
        return ("returned", "%d bytes" % len(value))
    return ("returned", value)


def peer_alert(peer):
    """The alert the peer reports having received, waiting for it a while;
    None if it never says."""
    try:
        peer.wait_for(ALERT_NUMBER.pattern, timeout=ALERT_WAIT)
    except AssertionError:
        return None
    output = peer.output
    name = ALERT_NAME.search(output)
    number = ALERT_NUMBER.search(output)
    return "%s (%s)" % (name.group(1).strip() if name else "?",
                        number.group(1))


def drain_socket(pump, quiet=0.5):
    """Move every byte the peer has sent into the incoming BIO, until it
    has been silent for ``quiet`` seconds or has closed."""
    pump.sock.settimeout(quiet)
    received = 0
    while True:
        try:
            data = pump.sock.recv(65536)
        except socket.timeout:
            return received
        except socket.error:  # reset by a peer that gave up on us
            return received
        if not data:
            return received
        pump.incoming.write(data)
        received += len(data)


def after_failure(pump, result):
    """What the application can do once the handshake has failed: nothing.
    Every byte the peer sent goes into the incoming BIO first, so a read
    that wrongly succeeded would have data to return."""
    unread = pump.incoming.pending + drain_socket(pump)
    # Timing decides whether the peer's data is here yet (TLS 1.3 only):
    # recorded, but not compared between interpreters.
    result["unread_peer_bytes"] = unread > 0
    result["read_after_failure"] = attempt(pump.sslobj.read, 1024)
    pending_before = pump.outgoing.pending
    result["write_after_failure"] = attempt(pump.sslobj.write, SERVER_LINE)
    result["bytes_written_after_failure"] = (pump.outgoing.pending
                                             - pending_before)
    pump.flush(ignore_errors=True)


# -- the two sides ---------------------------------------------------------

def handshake(pump, peer, result):
    """Run the handshake against ``peer`` and record it in ``result``: the
    exception, what later calls do and the alert the peer got when it
    fails, the negotiated version when it completes (then True)."""
    try:
        pump.do_handshake()
    except Exception as exc:
        result["handshake"] = describe_exception(exc)
        after_failure(pump, result)
        result["peer_alert"] = peer_alert(peer)
        return False
    result["handshake"] = "ok"
    result["version"] = pump.sslobj.version()
    return True


def run_client_case(case):
    """sslbio client, s_server presenting ``case.peer_cert``."""
    result = {}
    with s_server(case.peer_cert, VERSION_FLAGS[case.version]) as server:
        with TLSPump.connect(client_context(case), server.port,
                             server_hostname=case.host) as pump:
            if handshake(pump, server, result):
                pump.write(CLIENT_LINE)
                server.wait_for("^" + re.escape(CLIENT_LINE.decode().strip()))
                server.send(SERVER_LINE)  # s_server sends its stdin
                result["received"] = pump.read_until(b"\n") == SERVER_LINE
        output = server.output
    # s_server prints what it receives: our data must not be there after a
    # failure; "CIPHER is" marks a handshake it saw complete.
    result["peer_got_application_data"] = \
        CLIENT_LINE.decode().strip() in output
    result["peer_completed_handshake"] = "CIPHER is " in output
    return result


def run_server_case(case):
    """sslbio server, s_client presenting ``case.client_cert`` (or none),
    verifying our certificate, with a line to send as soon as it can."""
    result = {}
    args = ["-servername", "localhost", "-verify_hostname", "localhost",
            "-CAfile", cert("ca.pem"), "-verify_return_error",
            VERSION_FLAGS[case.version]]
    if case.client_cert:
        args += ["-cert", cert(case.client_cert + ".pem"),
                 "-key", cert(case.client_cert + ".key")]
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        with s_client(port, *args) as client:
            client.send(CLIENT_LINE)
            with TLSPump.accept(server_context(case), listener) as pump:
                if handshake(pump, client, result):
                    result["peer_certificate"] = bool(
                        pump.sslobj.getpeercert())
                    result["received"] = \
                        pump.read_until(b"\n") == CLIENT_LINE
                    pump.write(SERVER_LINE)
                    client.wait_for(
                        "^" + re.escape(SERVER_LINE.decode().strip()))
            output = client.output
    finally:
        listener.close()
    result["peer_got_application_data"] = \
        SERVER_LINE.decode().strip() in output
    return result


def run_case(name):
    case = CASES[name]
    began = time.time()
    runner = run_client_case if case.side == "client" else run_server_case
    try:
        result = runner(case)
    except Exception as exc:  # reported as the case's result, not a crash
        result = {"harness_error": "%s: %s" % (type(exc).__name__, exc)}
    result["case"] = name
    result["seconds"] = round(time.time() - began, 2)
    return result


def main(argv=None):
    names = (argv if argv is not None else sys.argv[1:]) or sorted(CASES)
    for name in names:
        print(json.dumps(run_case(name), sort_keys=True))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
