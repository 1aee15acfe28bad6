"""The programs in docs/ that claim to run, run as written.

Each is taken from its document, its settings block pointed at tests/certs/,
and run with warnings as errors under this interpreter and Python 3.11.
"""

import re
import ssl
import sys

import pytest

import sslbio
from engine_cases.common import client_context, subprocess_env
from support import cert
from support.documents import (code_blocks, document, example_interpreters,
                               run_program, section, with_settings)
from support.peers import ListeningPeer
from support.pump import TLSPump

PORTABLE_CONTEXT = code_blocks(document("docs/portable-context.md"), "python")[0]
SNI_SERVER = code_blocks(document("docs/sni-server.md"), "python")[0]


def test_portable_context_recipe_agrees_across_interpreters(tmpdir):
    code = with_settings(PORTABLE_CONTEXT, CAFILE=cert("ca.pem"),
                         CERTFILE=cert("server.pem"), KEYFILE=cert("server.key"),
                         SERVER_NAME="localhost")
    outputs = []
    for interpreter in example_interpreters():
        result = run_program(code, interpreter, tmpdir)
        assert result.returncode == 0 and result.err == "", result.describe()
        outputs.append(result.out)
    assert "verifies chain and name: True\n" in outputs[0]
    assert re.search(r"^version: TLSv1\.[23]$", outputs[0], re.M)
    shared = re.search(r"^ciphers both sides enable: (.*)$", outputs[0], re.M).group(1)
    assert shared and not re.search(r"CBC|SHA$|3DES|RC4|DSS", shared), shared
    # The point of the recipe: the same contexts on every line.
    assert all(out == outputs[0] for out in outputs), outputs


class SNIServer(ListeningPeer):
    ready_pattern = r"^listening on 127\.0\.0\.1:(\d+)$"


def fetch(port, server_name, cafile="ca.pem"):
    """(subjectAltName names, body) from the server for ``server_name``."""
    context = client_context(cafile=cafile)
    with TLSPump.connect(context, port, server_hostname=server_name) as pump:
        pump.do_handshake()
        names = sorted(value for kind, value in pump.sslobj.getpeercert()["subjectAltName"]
                       if kind == "DNS")
        pump.write(b"GET / HTTP/1.1\r\nHost: " + server_name.encode("ascii") + b"\r\n\r\n")
        response = pump.read_until(None)      # to the server's close_notify
        pump.unwrap()
    return names, response.partition(b"\r\n\r\n")[2].decode("ascii")


@pytest.mark.parametrize("interpreter", example_interpreters())
def test_sni_server_serves_each_name_its_certificate(tmpdir, interpreter):
    code = with_settings(
        SNI_SERVER, HOST="127.0.0.1", PORT=0, DEFAULT_NAME="server.example",
        CERTIFICATES={"server.example": (cert("server.pem"), cert("server.key")),
                      "a.wild.example": (cert("wildcard.pem"), cert("wildcard.key"))})
    path = tmpdir.join("sni_server.py")
    path.write(code)
    argv = [interpreter, "-u", "-W", "error", str(path)]
    env = subprocess_env(foreign=interpreter != sys.executable)
    with SNIServer(argv, name="sni_server", env=env) as server:
        names, body = fetch(server.port, "a.wild.example")
        assert (names, body) == (["*.wild.example"], "served the certificate of a.wild.example\n")
        names, body = fetch(server.port, "server.example")
        assert "server.example" in names
        assert body == "served the certificate of server.example\n"
        # A name without a certificate of its own gets the default one.
        names, body = fetch(server.port, "localhost")
        assert "localhost" in names
        assert body == "served the certificate of server.example\n"

        # A client that rejects the certificate: the server gets the alert,
        # says so, and goes on serving.
        with pytest.raises(ssl.SSLError) as failure:
            fetch(server.port, "server.example", cafile="other-ca.pem")
        assert isinstance(failure.value, sslbio.SSLCertVerificationError)
        server.wait_for(r"^127\.0\.0\.1:\d+: .*alert unknown ca")
        assert fetch(server.port, "server.example")[1].startswith("served")
    assert "Traceback" not in server.output, server.output
