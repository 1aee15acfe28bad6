"""``python -m sslbio``: the commands a user runs first.

Every command runs in a subprocess with the interpreter running the tests, so
what is checked is the real command line (``__main__``, exit status, output),
and a crash in the engine fails one test instead of the whole run.
"""

import ctypes
import os
import platform
import re
import ssl
import sys

import pytest

import sslbio
from sslbio import _cli, _demo
from support import subproc
from support.vendoring import vendor_copy


class Capture(object):
    """A text sink for ``out=``: collects whatever ``print`` writes (str on 2 and 3)."""

    def __init__(self):
        self.parts = []

    def write(self, text):
        self.parts.append(text)

    @property
    def text(self):
        return "".join(self.parts)


def run_sslbio(tmpdir, *args):
    """Run ``python -m sslbio ARGS`` from an empty directory.

    Returns (exit status, stdout, stderr) with the output as text.
    """
    result = subproc.run([sys.executable, "-m", "sslbio"] + list(args),
                         timeout=300, cwd=str(tmpdir))
    return result.returncode, result.out, result.err


def field(output, label):
    """The value printed after ``label:`` at the start of a line (indent allowed)."""
    match = re.search(r"^\s*%s:\s+(.*)$" % re.escape(label), output, re.M)
    assert match, "no %r line in:\n%s" % (label, output)
    return match.group(1).strip()


def test_check_reports_a_working_engine(tmpdir):
    status, out, err = run_sslbio(tmpdir, "check")
    assert status == 0, out + err
    assert field(out, "engine") == sslbio.ENGINE
    assert sslbio.ENGINE in ("stdlib", "ctypes", "pypy", "portable")
    if sys.version_info[0] >= 3:
        assert sslbio.ENGINE == "stdlib"
    assert field(out, "openssl") == ssl.OPENSSL_VERSION
    assert sys.executable in field(out, "interpreter")
    assert "%d.%d.%d" % sys.version_info[:3] in field(out, "interpreter")
    assert field(out, "verdict").startswith("OK")


def test_demo_negotiates_and_exchanges_http(tmpdir):
    status, out, err = run_sslbio(tmpdir, "demo")
    assert status == 0, out + err
    assert err == ""
    # OpenSSL 1.0.2 stops at TLS 1.2; anything older would be a failure.
    assert re.match(r"TLSv1\.[23]$", field(out, "TLS version"))
    assert field(out, "ALPN").startswith("http/1.1 ")
    assert field(out, "subjectAltName") == "DNS:demo.sslbio.example"
    assert "CN=demo.sslbio.example" in field(out, "peer subject")
    # The shipped private key is explained where the user sees it.
    assert field(out, "demo PKI").startswith("a throwaway key and a CA that only this demo trusts")
    assert os.path.isfile(field(out, "demo PKI").rpartition("(")[2].rstrip(")"))
    assert field(out, "response").startswith("HTTP/1.1 200 OK ")
    assert field(out, "request").startswith("GET / HTTP/1.1 ")
    if sslbio.ENGINE_LIMITATIONS and "session" in " ".join(sslbio.ENGINE_LIMITATIONS):
        assert field(out, "resumed") == ("not tried: the %s engine cannot resume "
                                         "sessions" % sslbio.ENGINE)
    else:
        assert field(out, "resumed").startswith("second connection: client yes, server yes")
    assert "close_notify sent and received both ways" in out
    wire = re.search(r"client -> server (\d+), server -> client (\d+)", out)
    assert wire and int(wire.group(1)) > 0 and int(wire.group(2)) > 0


def test_no_command_prints_usage_and_exits_2(tmpdir):
    status, out, err = run_sslbio(tmpdir)
    assert status == 2
    assert out == ""
    assert err.startswith("usage: python -m sslbio")


def test_unknown_command_prints_usage_and_exits_2(tmpdir):
    status, out, err = run_sslbio(tmpdir, "frobnicate")
    assert status == 2
    assert "invalid choice: 'frobnicate'" in err
    assert "usage: python -m sslbio" in err


def test_extra_arguments_are_a_usage_error(tmpdir):
    status, _, err = run_sslbio(tmpdir, "check", "--verbose")
    assert status == 2
    assert "usage: python -m sslbio" in err


@pytest.mark.parametrize("help_option", ["--help", "-h", "help"])
def test_help_goes_to_stdout_and_exits_0(tmpdir, help_option):
    status, out, err = run_sslbio(tmpdir, help_option)
    assert (status, err) == (0, "")
    assert out.startswith("usage: python -m sslbio")
    assert "demo" in out and "check" in out


@pytest.mark.parametrize("command", ["check", "demo"])
@pytest.mark.parametrize("help_option", ["--help", "-h"])
def test_each_command_has_its_own_help(tmpdir, command, help_option):
    status, out, err = run_sslbio(tmpdir, command, help_option)
    assert (status, err) == (0, "")
    assert out.startswith("usage: python -m sslbio %s [-h]" % command)
    assert "verdict" in out if command == "check" else "demo_certs" in out
    # Help only: the command itself did not run.
    assert not re.search(r"^\s*(engine|interpreter|handshake):", out, re.M), out


def test_help_names_a_vendored_copy_by_its_own_name(tmpdir):
    name = vendor_copy(tmpdir)
    result = subproc.run([sys.executable, "-m", name, "check", "--help"],
                         timeout=300, cwd=str(tmpdir)).check()
    assert result.out.startswith("usage: python -m %s check [-h]" % name)


def test_bench_is_not_a_command_of_the_package(tmpdir):
    # The benchmarks run from a source checkout (benchmarks/); the installed
    # or vendored package offers check, demo, get and pip only.
    status, out, err = run_sslbio(tmpdir, "bench", "--list")
    assert status == 2 and out == ""
    assert "invalid choice: 'bench'" in err
    assert "(choose from 'check', 'demo', 'get', 'pip')" in err


@pytest.mark.skipif(sslbio.ENGINE != "ctypes", reason="the engine's checks "
                    "exist only where the ctypes engine serves (CPython 2.7)")
def test_check_lists_what_the_engine_checked(tmpdir):
    import _ssl
    status, out, err = run_sslbio(tmpdir, "check")
    assert status == 0, out + err
    lines = [line.split(": ", 1)
             for line in re.findall(r"^checked:\s+(.*)$", out, re.M)]
    assert [what for what, _ in lines] == [
        "_ssl module", "libssl bound", "OpenSSL", "layout", "self-test"], out
    checked = dict(lines)
    assert checked["_ssl module"] == getattr(_ssl, "__file__",
                                             "built into the interpreter")
    assert "libssl" in checked["libssl bound"]
    assert "(0x%08x)" % ssl.OPENSSL_VERSION_NUMBER in checked["OpenSSL"]
    assert checked["layout"].startswith("validated, %d-bit"
                                        % (8 * ctypes.sizeof(ctypes.c_void_p)))
    assert "ClientHello" in checked["self-test"]


def test_check_says_why_the_engine_is_unavailable(monkeypatch):
    monkeypatch.setattr(_cli, "UNAVAILABLE_REASON", "no libssl symbols in _ssl")
    out = Capture()
    assert _cli.main(["check"], out=out) == 1
    assert field(out.text, "verdict") == "UNAVAILABLE: no libssl symbols in _ssl"


def test_check_fails_when_the_self_test_fails(monkeypatch):
    def failing_conversation():
        raise ssl.SSLError(1, "handshake failure")
    monkeypatch.setattr(_demo, "converse", failing_conversation)
    out = Capture()
    assert _cli.main(["check"], out=out) == 1
    assert field(out.text, "verdict").startswith("BROKEN: the in-memory self-test failed: SSLError")


def test_check_fails_when_the_self_test_gets_a_wrong_answer(monkeypatch):
    real_converse = _demo.converse
    if not real_converse()["has_sessions"]:
        pytest.skip("this engine cannot resume sessions: nothing to get wrong")

    def no_resumption():
        facts = real_converse()
        facts["resumed_server"] = False
        return facts
    monkeypatch.setattr(_demo, "converse", no_resumption)
    out = Capture()
    assert _cli.main(["check"], out=out) == 1
    assert "session_reused" in field(out.text, "verdict")


def test_demo_refuses_to_run_without_an_engine(monkeypatch, capsys):
    monkeypatch.setattr(_demo, "UNAVAILABLE_REASON", "layout check failed")
    assert _demo.main(out=Capture()) == 1
    assert "layout check failed" in capsys.readouterr().err


def test_get_and_pip_are_commands(tmpdir):
    status, out, _ = run_sslbio(tmpdir, "get", "--help")
    assert status == 0 and out.startswith("usage: python -m sslbio get [-h]")
    assert "--proxy-cafile" in out
    status, out, err = run_sslbio(tmpdir, "get", "http://example.org/")
    assert status == 1 and out == ""
    assert err.startswith("sslbio get: error: the URL must be a URL of scheme https")


@pytest.mark.skipif(sys.version_info[0] >= 3,
                    reason="the standard library serves Python 3: no engine is tried")
def test_check_says_why_faster_engines_were_not_chosen(tmpdir):
    code = ("import sys; sys.modules['_ctypes'] = None\n"
            "from sslbio import _cli\n"
            "sys.exit(_cli.main(['check']))\n")
    result = subproc.run([sys.executable, "-c", code], timeout=300,
                         cwd=str(tmpdir), env=subproc.child_env(
                             subproc.sslbio_src(), {"SSLBIO_ENGINE": "ctypes"}))
    assert result.returncode == 1, result.out + result.err
    assert field(result.out, "engine") == "unavailable"
    # PyPy is refused before ctypes is needed.
    why = "this is PyPy" if platform.python_implementation() == "PyPy" \
        else "_ctypes"
    assert why in field(result.out, "not ctypes")
    assert field(result.out, "verdict").startswith("UNAVAILABLE: SSLBIO_ENGINE=ctypes")


@pytest.mark.skipif(sys.version_info[0] >= 3,
                    reason="the standard library serves Python 3: no engine is chosen")
def test_check_lists_the_limitations_of_the_portable_engine(tmpdir):
    result = subproc.run([sys.executable, "-m", "sslbio", "check"], timeout=300,
                         cwd=str(tmpdir), env=subproc.child_env(
                             subproc.sslbio_src(), {"SSLBIO_ENGINE": "portable"}))
    assert result.returncode == 0, result.describe()
    assert field(result.out, "engine") == "portable"
    limitations = re.findall(r"^limitation:\s+(.*)$", result.out, re.M)
    assert any("session" in text for text in limitations), result.out
    # Resumption is not claimed where the engine cannot resume.
    verdict = field(result.out, "verdict")
    assert verdict.startswith("OK: ") and "session resumption" not in verdict
