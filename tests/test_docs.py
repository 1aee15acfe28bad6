"""The programs in docs/ that claim to run, run as written.

Each is taken from its document, its settings block pointed at tests/certs/,
and run with warnings as errors under this interpreter and Python 3.11.
"""

import re
import ssl
import sys

import pytest

from engine_cases.common import client_context
from sslbio import _cli, _demo, _engines
from support import cert, engines, subproc
from support.openssl_release import HAS_TLS13, NO_TLS13, cipher_protocol
from support.documents import (Run, code_blocks, document, example_runs, run_environment,
                               run_program, section, with_settings)
from support.peers import ListeningPeer, py3_server
from support.pump import TLSPump

PORTABLE_CONTEXT = code_blocks(document("docs/portable-context.md"), "python")[0]
SNI_SERVER = code_blocks(document("docs/sni-server.md"), "python")[0]
CONTEXT = code_blocks(document("docs/context.md"), "python")[0]


def outputs_everywhere(code, tmpdir, runs=None):
    """``{run: what code prints}`` under each example run (or ``runs``),
    each of which must run it cleanly."""
    outputs = {}
    for run in example_runs() if runs is None else runs:
        result = run_program(code, run, tmpdir)
        assert result.returncode == 0 and result.err == "", result.describe()
        outputs[run] = result.out
    return outputs


def test_portable_context_recipe_agrees_across_interpreters(tmpdir):
    code = with_settings(PORTABLE_CONTEXT, CAFILE=cert("ca.pem"),
                         CERTFILE=cert("server.pem"), KEYFILE=cert("server.key"),
                         SERVER_NAME="localhost")
    runs = example_runs()
    outputs = outputs_everywhere(code, tmpdir, runs)
    reference = [outputs[run] for run in runs if run.engine != "portable"][0]
    assert "verifies chain and name: True\n" in reference
    assert re.search(r"^version: TLSv1\.[23]$", reference, re.M)
    shared = re.search(r"^ciphers both sides enable: (.*)$", reference, re.M).group(1)
    assert shared and not re.search(r"CBC|SHA$|3DES|RC4|DSS", shared), shared
    # The point of the recipe: the same contexts on every line, whatever
    # the engine; the portable one says it cannot list the shared ciphers.
    for run in runs:
        expected = reference
        if run.engine == "portable":
            expected = reference.replace(
                shared, "(not listed by the portable engine)")
        assert outputs[run] == expected, (run, outputs)


CONTEXT_FEATURES = "import json, sslbio; print(json.dumps(sorted(sslbio.CONTEXT_FEATURES)))"


def context_features(run):
    """``sslbio.CONTEXT_FEATURES`` where ``run`` runs."""
    result = subproc.run([run.interpreter, "-c", CONTEXT_FEATURES], timeout=60,
                         env=run_environment(run))
    return result.check().json()


@pytest.mark.skipif((3, 0) <= sys.version_info < (3, 8), reason="the example "
                    "uses Python 3.8's context surface (keylog_filename; 3.6 "
                    "has no TLSVersion)")
@pytest.mark.skipif(not HAS_TLS13, reason="the example sets TLS 1.3 as the "
                    "floor and logs keys (OpenSSL 1.1.1): " + NO_TLS13)
def test_context_example_agrees_across_interpreters(tmpdir):
    code = with_settings(CONTEXT, CAFILE=cert("ca.pem"),
                         CERTFILE=cert("server.pem"), KEYFILE=cert("server.key"))
    wanted = ("minimum_version", "keylog_filename", "sni_callback")
    served, refused = [], []
    for run in example_runs():
        features = context_features(run)
        (served if all(name in features for name in wanted) else refused).append(run)
    outputs = outputs_everywhere(code, tmpdir, served)
    first = outputs[served[0]]
    assert "<TLSVersion.TLSv1_3: 772> TLSv1.3\n" in first
    assert "CLIENT_TRAFFIC_SECRET_0" in first
    assert all(out == first for out in outputs.values()), outputs
    # An engine without those features is named where the page says what
    # the example needs, and stops the program clearly.
    needs = re.search(r"On 2\.7 it needs\s(.*?)\n\n", document("docs/context.md"),
                      re.S).group(1)
    for run in refused:
        assert "the %s engine" % run.engine in " ".join(needs.split()), needs
        result = run_program(code, run, tmpdir)
        assert result.returncode == 1, result.describe()
        # sslbio's NotImplementedError, which is an AttributeError too for
        # code that probes for the attribute (docs/context.md); PyPy's
        # traceback names the class without its module.
        assert re.match(
            r"(sslbio\._context_features\.)?EngineCannotServe: sslbio's %s "
            r"engine cannot provide SSLContext\." % run.engine,
            result.err.splitlines()[-1]), result.describe()


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


@pytest.mark.parametrize("run", example_runs(), ids=repr)
def test_sni_server_serves_each_name_its_certificate(tmpdir, run):
    code = with_settings(
        SNI_SERVER, HOST="127.0.0.1", PORT=0, DEFAULT_NAME="server.example",
        CERTIFICATES={"server.example": (cert("server.pem"), cert("server.key")),
                      "a.wild.example": (cert("wildcard.pem"), cert("wildcard.key"))})
    path = tmpdir.join("sni_server.py")
    path.write(code)
    argv = [run.interpreter, "-u", "-W", "error", str(path)]
    with SNIServer(argv, name="sni_server", env=run_environment(run)) as server:
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
        # SSLCertVerificationError from 3.7 on and with sslbio; 3.6 raises
        # the plain SSLError with the same reason.
        assert failure.value.reason == "CERTIFICATE_VERIFY_FAILED"
        server.wait_for(r"^127\.0\.0\.1:\d+: .*alert unknown ca")
        assert fetch(server.port, "server.example")[1].startswith("served")
    assert "Traceback" not in server.output, server.output


EVENT_LOOPS = code_blocks(document("docs/event-loops.md"), "python")[0]


@pytest.mark.parametrize("engine", engines.serving())
def test_trollius_example_fetches_through_sslproto(tmpdir, engine):
    pytest.importorskip("trollius")
    with py3_server("http") as server:
        code = with_settings(EVENT_LOOPS, HOST="localhost", PORT=server.port,
                             CAFILE=cert("ca.pem"))
        result = run_program(code, Run(sys.executable, engine), tmpdir)
    assert result.returncode == 0 and result.err == "", result.describe()
    first, rest = result.out.split("\n", 1)
    assert re.match(r"_SSLProtocolTransport (TLSv1\.[23]|%s)$"
                    % re.escape(cipher_protocol("TLSv1.2")), first), result.out
    assert rest.startswith("HTTP/1.0 200 OK\r\n") and "hello from the Python 3 stdlib" in rest


TROUBLESHOOTING = document("docs/troubleshooting.md")


def documented_labels(section_title=None):
    """The `quoted` labels in the first column of a section's table (of the
    text before the first section without a title), without a trailing
    ' ...'."""
    text = section(TROUBLESHOOTING, section_title) if section_title else \
        TROUBLESHOOTING.split("\n## ", 1)[0]
    cells = re.findall(r"^\|([^|]*)\|", text, re.M)
    return [label[:-4] if label.endswith(" ...") else label
            for cell in cells for label in re.findall(r"`([^`]+)`", cell)]


def test_troubleshooting_covers_every_verdict():
    headings = re.findall(r"^## `(\w+)(: [^<.`]*)", TROUBLESHOOTING, re.M)
    prefixes = set(word + rest.rstrip() for word, rest in headings)
    verdicts = ["OK: ", "UNAVAILABLE: ", "BROKEN: the in-memory self-test failed: ",
                "BROKEN: the in-memory self-test got "]
    with open(_cli.__file__.replace(".pyc", ".py")) as f:
        source = f.read()
    for verdict in verdicts:
        assert verdict in source                       # what check prints...
        assert verdict.rstrip() in prefixes, verdict   # ...is explained


def check_output(engine):
    """What ``python -m sslbio check`` prints with ``engine`` forced."""
    result = subproc.run([sys.executable, "-m", "sslbio", "check"], timeout=300,
                         env=subproc.child_env(subproc.sslbio_src(),
                                               engines.forced(engine)))
    assert result.returncode in (0, 1) and result.err == "", result.describe()
    return result.out


def test_troubleshooting_explains_every_line_check_prints():
    table = documented_labels()
    outputs = [check_output(engine) for engine in engines.serving()]
    if sys.version_info[0] == 2:
        outputs.append(check_output("turbo"))  # no such engine: unavailable
    for out in outputs:
        for label in re.findall(r"^(\w[\w ]*):", out, re.M):
            label = re.sub(r"^not \w+$", "not <engine>", label)
            assert label in table, (label, out)
    # Every value of the engine line is explained where it is listed.
    engine_row = re.search(r"^\| `engine` \|(.*)$", TROUBLESHOOTING, re.M).group(1)
    for engine in ("stdlib", "unavailable") + tuple(_engines.NAMES):
        assert "`%s`" % engine in engine_row, engine


def test_troubleshooting_explains_each_shortfall():
    everything_wrong = dict(
        version="SSLv3", alpn=True, alpn_client=None, alpn_server=None, sni=None,
        sni_object_is_server=False, subject_alt_name="", status_line="",
        first_reused=True, resumed_client=False, resumed_server=False,
        has_sessions=True)
    shortfalls = _demo.shortfalls(everything_wrong)
    labels = documented_labels("`BROKEN: the in-memory self-test got <what>`")
    assert len(shortfalls) == 6
    # An engine that gives no session without listing the limitation.
    no_session = dict(everything_wrong, has_sessions=False)
    if not _demo._sessions_limited():
        shortfalls += [text for text in _demo.shortfalls(no_session)
                       if text.startswith("no session")]
        assert len(shortfalls) == 7
    for text in shortfalls:
        assert any(text.startswith(label) for label in labels), (text, labels)
