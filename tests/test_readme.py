"""What README.md tells a new user to run, run as written.

The commands and the programs are taken from README.md itself, so the README
cannot drift from what works.  Its first screen says what sslbio is for, how
to install it and how to start, in that order.  The development set-up's
commands run in a shell at the checkout's root with the environment a user
has (no PYTHONPATH, no active virtual environment, whatever ``python`` is);
the program of "Getting started" and the client program of "Using it" (the
latter against local Python 3 TLS servers on 127.0.0.1) run under this
interpreter with each engine that serves it and under Python 3.11, with
warnings as errors.
"""

import os
import re
import ssl
import sys

import pytest

from support.interpreters import version_of
from support.subproc import run
from support import cert
from support.documents import (ROOT, code_blocks, document, example_runs, run_program,
                               section, with_settings)
from support.peers import py3_server

README = document("README.md")
SET_UP = section(README, "Development set-up")
COMMANDS = [block.strip() for block in code_blocks(SET_UP, "sh")]
GETTING_STARTED = section(README, "Getting started")
FIRST_STEP = code_blocks(GETTING_STARTED, "python")[0]
CLIENT = code_blocks(section(README, "Using it"), "python")[0]

# The first run of scripts/demo makes two environments and downloads
# virtualenv and setuptools; later runs reuse them.
DEMO_DEADLINE = 900
needs_checkout = pytest.mark.skipif(
    not os.path.exists(os.path.join(ROOT, "scripts", "demo")),
    reason="needs the source checkout (scripts/demo) next to the tests")


def user_environment():
    """os.environ without what a new user's shell would not have."""
    return dict((key, value) for key, value in os.environ.items()
                if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV",
                               "PYENV_VERSION", "PYTHONWARNINGS"))


def test_first_screen_says_what_it_is_for_then_how_to_install_and_start():
    prose = re.sub(r"(?ms)^```.*?^```[ \t]*$", "", README)  # without code
    headings = re.findall(r"^(#+) (.*)$", prose, re.M)
    assert headings[:3] == [("#", "sslbio"), ("##", "Installing"),
                            ("##", "Getting started")], headings
    intro = README.split("\n## ", 1)[0]
    assert "in-memory TLS API" in intro and "Python 2.7" in intro
    install = code_blocks(section(README, "Installing"), "sh")
    assert [block.strip() for block in install] == ["python -m pip install sslbio"]
    assert code_blocks(GETTING_STARTED, "sh")[0].strip() == "python -m sslbio check"
    # The development set-up comes after those, once the package is described.
    titles = [title for _, title in headings]
    assert titles.index("Development set-up") > titles.index("Getting started")


@pytest.mark.parametrize("run", example_runs(), ids=repr)
def test_getting_started_program_makes_a_client_hello(tmpdir, run):
    result = run_program(FIRST_STEP, run, tmpdir)
    assert result.returncode == 0 and result.err == "", result.describe()
    assert re.match(r"^\d{3,} bytes of ClientHello to send\n$", result.out) is not None, \
        result.out


def test_set_up_has_two_set_up_commands():
    scripts = [command for command in COMMANDS if command.startswith("scripts/")]
    assert scripts == ["scripts/demo", "scripts/test-all"]
    assert all("\n" not in command for command in COMMANDS), COMMANDS


@needs_checkout
def test_ci_runs_the_readme_test_command():
    """scripts/test-all cannot run inside its own test run; CI runs it."""
    with open(os.path.join(ROOT, ".ci", "run")) as f:
        lines = [line.strip() for line in f
                 if line.strip() and not line.lstrip().startswith("#")]
    assert lines[-1] == "exec scripts/test-all"


@needs_checkout
def test_set_up_commands_work_as_written():
    outputs = {}
    for command in COMMANDS:
        if command == "scripts/test-all":
            continue
        result = run(["bash", "-c", command], timeout=DEMO_DEADLINE,
                     env=user_environment(), cwd=ROOT)
        assert result.returncode == 0 and not result.timed_out, result.describe()
        outputs[command] = result.out

    demo = outputs["scripts/demo"]
    assert "environment build/demo-venv (private to the demo)" in demo
    assert "close_notify sent and received both ways" in demo
    assert re.search(r"engine 'ctypes' on CPython 2\.7\.\d+", demo), demo

    check = outputs["build/demo-venv/bin/python -m sslbio check"]
    assert re.search(r"^interpreter: +CPython 2\.7\.\d+ \(.*/build/demo-venv/bin/python",
                     check, re.M), check
    package = re.search(r"^sslbio: +\S+ \((.*)\)$", check, re.M).group(1)
    assert package.startswith(os.path.join(ROOT, "build", "demo-venv") + os.sep), check
    assert re.search(r"^verdict: +OK", check, re.M), check


def run_client(tmpdir, run, server):
    code = with_settings(CLIENT, HOST="localhost", PORT=server.port,
                         CAFILE=cert("ca.pem"))
    return run_program(code, run, tmpdir)


def printed_response(result):
    """The TLS line and the response the client printed."""
    assert result.returncode == 0 and result.err == "", result.describe()
    first, rest = result.out.split("\n", 1)
    assert re.match(r"TLSv1\.[23] \S+ None$", first), result.out
    assert rest.startswith("HTTP/1.0 200 OK\r\n"), result.out
    assert "hello from the Python 3 stdlib" in rest
    return rest


@pytest.mark.parametrize("run", example_runs(), ids=repr)
def test_client_example_fetches_the_page_and_closes_cleanly(tmpdir, run):
    with py3_server("http") as server:
        result = run_client(tmpdir, run, server)
        printed_response(result)
        # The server's unwrap() returns only once our close_notify arrived.
        server.wait_for(r"^DONE http path=/ unwrap=ok")


def client_without_close_notify(tmpdir, run, mode):
    """The client's result against a server that closes without close_notify
    after a whole response ("ragged", as http.server behind TLS does after
    "Connection: close") or in the middle of one ("cut")."""
    # Python 3 before 3.10 predates OpenSSL 3: it reports such a stream
    # end as a plain SSLError, not SSLEOFError.
    if run.interpreter == sys.executable and (3, 0) <= sys.version_info < (3, 10) \
            and ssl.OPENSSL_VERSION_INFO >= (3,):
        pytest.skip("Python 3 before 3.10 predates OpenSSL 3 (ragged EOFs)")
    with py3_server(mode) as server:
        result = run_client(tmpdir, run, server)
        server.wait_for(r"^DONE %s path=/$" % mode)
    return result


@pytest.mark.parametrize("run", example_runs(), ids=repr)
def test_client_example_takes_a_whole_response_without_close_notify(tmpdir, run):
    result = client_without_close_notify(tmpdir, run, "ragged")
    assert "Connection: close\r\n" in printed_response(result)


@pytest.mark.parametrize("run", example_runs(), ids=repr)
def test_client_example_refuses_a_response_cut_short(tmpdir, run):
    result = client_without_close_notify(tmpdir, run, "cut")
    assert result.returncode == 1, result.describe()
    last = result.err.splitlines()[-1]
    assert last.startswith(("ssl.SSLEOFError: ", "SSLEOFError: ")), result.describe()


@pytest.mark.parametrize("certname, alert", [
    ("untrusted", "TLSV1_ALERT_UNKNOWN_CA"),            # chain
    ("wildcard", "SSLV3_ALERT_BAD_CERTIFICATE"),       # host name
])
@pytest.mark.parametrize("run", example_runs(), ids=repr)
def test_client_example_tells_the_server_why_verification_failed(
        tmpdir, run, certname, alert):
    if certname == "wildcard" and version_of(run.interpreter) == "3.6":
        pytest.skip("Python 3.6 checks the host name after the handshake, in "
                    "Python: its peer gets no alert (3.7+ and sslbio check it "
                    "inside the handshake)")
    if certname == "wildcard" and run.engine == "portable":
        # Its LIMITATIONS: on a TLS 1.3 host name mismatch the peer gets no
        # alert; the connection ends instead.
        alert = "UNEXPECTED_EOF_WHILE_READING"
    with py3_server("http", certname) as server:
        result = run_client(tmpdir, run, server)
        assert result.returncode == 1, result.describe()
        assert "CERTIFICATE_VERIFY_FAILED" in result.err, result.describe()
        server.wait_for(r"^ERROR .*%s" % alert)


@needs_checkout
def test_readme_links_lead_to_files():
    targets = re.findall(r"\]\(([^)#\s]+)\)", README)
    targets += re.findall(r"^\[[^\]]+\]: (\S+)", README, re.M)
    local = [target for target in targets if "://" not in target]
    assert "docs/installing.md" in local
    assert [target for target in local if not os.path.exists(os.path.join(ROOT, target))] == []
