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
from conformance.engine_limits import current as current_limits
from support import cert, engines, subproc, webservers
from support.peers import py3_server
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


def run_sslbio(tmpdir, *args, **options):
    """Run ``python -m sslbio ARGS`` from an empty directory; ``env``: what
    to add to the environment, ``terminal_stderr``: see ``subproc.run``.

    Returns (exit status, stdout, stderr) with the output as text.
    """
    env = options.pop("env", None)
    result = subproc.run([sys.executable, "-m", "sslbio"] + list(args),
                         timeout=300, cwd=str(tmpdir),
                         env=subproc.child_env(subproc.sslbio_src(), env), **options)
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
    if not current_limits().resumes_sessions:
        assert field(out, "resumed") == ("not tried: the %s engine cannot resume "
                                         "sessions" % sslbio.ENGINE)
    else:
        assert field(out, "resumed").startswith("second connection: client yes, server yes")
    assert "close_notify sent and received both ways" in out
    wire = re.search(r"client -> server (\d+), server -> client (\d+)", out)
    assert wire and int(wire.group(1)) > 0 and int(wire.group(2)) > 0


# 2.7.9, the first 2.7 with ssl.SSLContext, has no set_alpn_protocols (a
# Python-level method that 2.7.10 added): this interpreter without it.
WITHOUT_ALPN = ("import runpy, ssl, sys; del ssl.SSLContext.set_alpn_protocols; "
                "runpy.run_module('sslbio.__main__', run_name='__main__', alter_sys=True)")


@pytest.mark.parametrize("command", ["check", "demo"])
def test_check_and_demo_without_alpn_say_so(tmpdir, command):
    result = subproc.run([sys.executable, "-c", WITHOUT_ALPN, command],
                         timeout=300, cwd=str(tmpdir))
    assert result.returncode == 0 and result.err == "", result.describe()
    if command == "check":
        verdict = field(result.out, "verdict")
        assert verdict.startswith("OK: ") and "ALPN, " not in verdict
        assert verdict.endswith("; ALPN not available on this 2.7 release "
                                "(ssl.SSLContext.set_alpn_protocols came with 2.7.10)")
    else:
        assert field(result.out, "ALPN") == _demo.NO_ALPN
        assert field(result.out, "response").startswith("HTTP/1.1 200 OK ")


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


only_27 = pytest.mark.skipif(sys.version_info[0] >= 3, reason="the standard "
                             "library serves Python 3: no engine is chosen")


@only_27
@pytest.mark.skipif(platform.python_implementation() == "PyPy",
                    reason="PyPy is refused by the ctypes engine before ctypes")
def test_check_says_pypy_serves_pypy_only_also_without_ctypes(tmpdir):
    code = ("import sys; sys.modules['_ctypes'] = None\n"
            "from sslbio import _cli\n"
            "sys.exit(_cli.main(['check']))\n")
    # Every engine tried in turn, whatever the run forces.
    result = subproc.run([sys.executable, "-c", code], timeout=300, cwd=str(tmpdir),
                         env=subproc.child_env(subproc.sslbio_src(), {"SSLBIO_ENGINE": ""}))
    assert result.returncode == 0, result.describe()
    assert "_ctypes" in field(result.out, "not ctypes")
    assert field(result.out, "not pypy") == (
        "EngineUnavailable: serves PyPy 2.7 only; this is CPython 2.7")


@only_27
def test_check_without_an_engine_lists_no_context_features(tmpdir):
    status, out, _ = run_sslbio(tmpdir, "check", env={"SSLBIO_ENGINE": "turbo"})
    assert status == 1
    assert field(out, "verdict").startswith("UNAVAILABLE: SSLBIO_ENGINE=turbo names no engine")
    assert not re.search(r"^context:", out, re.M), out


SPELLINGS = {
    "upper case": lambda name: name.upper(),
    "title case": lambda name: name.title(),
    "spaces around": lambda name: " %s\t" % name,
}


@only_27
@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_engine_is_forced_by_name_in_any_case_and_spacing(tmpdir, spelling):
    for engine in engines.serving():
        status, out, err = run_sslbio(tmpdir, "check", env={
            "SSLBIO_ENGINE": SPELLINGS[spelling](engine)})
        assert status == 0, out + err
        assert field(out, "engine") == engine


@only_27
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


# -- get, as scripts use it ---------------------------------------------------

BODY = "hello from the Python 3 stdlib\n"   # py3_server's answer
# What py3_server sends before it: names' case, order and repeats kept.
HEAD = ("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nX-Repeated: one\r\n"
        "X-Mixed-CASE: yes\r\nX-Repeated: two\r\nContent-Length: %d\r\n\r\n")
BIG = 3 * 1024 * 1024 + 1


def pattern(size):
    """The body py3_server sends for ``--body-size size``."""
    return (bytearray(range(256)) * (size // 256 + 1))[:size]


def get_from_server(tmpdir, server_args, *args, **options):
    """``get`` of a path on a py3_server started with ``server_args``,
    trusting its CA: (exit status, stdout, stderr, the server's port)."""
    with py3_server(*server_args) as server:
        url = "https://localhost:%d/some/path?q=1" % server.port
        result = run_sslbio(tmpdir, "get", "--cafile", cert("ca.pem"), url, *args,
                            **options)
    return result + (server.port,)


def only_error(status, out, err):
    """The one line a failing ``get`` printed, after checking it is one."""
    assert (status, out) == (1, ""), (status, out, err)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("sslbio get: error: "), err
    return lines[0][len("sslbio get: error: "):]


def test_get_writes_the_body_alone_to_standard_output(tmpdir):
    status, out, err, _ = get_from_server(tmpdir, ["http"])
    assert (status, out, err) == (0, BODY, "")


def test_get_include_writes_the_head_as_the_server_sent_it(tmpdir):
    status, out, err, _ = get_from_server(tmpdir, ["http"], "-i")
    assert (status, err) == (0, "")
    assert out == HEAD % len(BODY) + BODY


def test_get_verbose_shows_layers_and_head_on_standard_error(tmpdir):
    status, out, err, port = get_from_server(tmpdir, ["http"], "-v")
    assert (status, out) == (0, BODY), err
    lines = err.splitlines()
    assert re.match(r"\* origin localhost:%d  TLSv1\.[23]  \S+  ALPN: -  subject: "
                    r".*commonName=localhost$" % port, lines[0]), err
    assert lines[1:] == ["> GET /some/path?q=1 HTTP/1.1"] + [
        "< " + line for line in (HEAD % len(BODY)).split("\r\n") if line]


@pytest.mark.parametrize("terminal", [False, True], ids=["pipe", "terminal"])
def test_get_shows_progress_only_on_a_terminal(tmpdir, terminal):
    target = tmpdir.join("body")
    status, out, err, _ = get_from_server(
        tmpdir, ["http", "server", "--body-size", str(BIG)], "-o", str(target),
        terminal_stderr=terminal)
    assert (status, out) == (0, ""), err
    assert target.read_binary() == pattern(BIG)
    if terminal:
        assert "100%% %d/%d bytes" % (BIG, BIG) in err
    else:
        assert err == ""


def test_get_into_a_reader_that_stops_early_ends_quietly(tmpdir):
    with py3_server("http", "server", "--body-size", str(BIG)) as server:
        line = ("%s -m sslbio get --cafile %s https://localhost:%d/ | head -c 100 "
                ">/dev/null; echo ${PIPESTATUS[0]}"
                % (sys.executable, cert("ca.pem"), server.port))
        result = subproc.run(["bash", "-c", line], timeout=300, cwd=str(tmpdir),
                             env=subproc.child_env(subproc.sslbio_src()))
    # No "Broken pipe" on stderr; the status a shell gives a command that
    # SIGPIPE ended.
    assert (result.out, result.err) == ("141\n", ""), result.describe()


@pytest.mark.parametrize("port", ["99999", "65536", "0", "-1", "44x"])
def test_get_refuses_an_invalid_port_rather_than_the_default_one(tmpdir, port):
    # 2.7's urlsplit() reads a port out of range as none at all.
    url = "https://localhost:%s/" % port
    assert only_error(*run_sslbio(tmpdir, "get", url)) == \
        "the URL has an invalid port: %r" % url


def bad_argument(tmpdir, case):
    """(get's arguments, extra environment, the error) of a bad-argument case."""
    missing = str(tmpdir.join("missing.pem"))
    if case == "invalid IPv6 URL":
        return ["https://[::1/"], {}, "the URL is not valid: 'https://[::1/' " \
                                      "(Invalid IPv6 URL)"
    if case == "proxy port":
        return ["--proxy", "https://localhost:99999"], {}, \
            "--proxy has an invalid port: 'https://localhost:99999'"
    if case == "missing --cafile":
        return ["--cafile", missing], {}, \
            "cannot read --cafile %s: No such file or directory" % missing
    if case == "key as --cafile":
        return ["--cafile", cert("server.key")], {}, \
            "--cafile %s holds no CA certificate in PEM form: " % cert("server.key")
    if case == "missing --proxy-cafile":
        return ["--proxy-cafile", missing], {}, \
            "cannot read --proxy-cafile %s: No such file or directory" % missing
    if case == "-o in no directory":
        target = str(tmpdir.join("nowhere", "out"))
        return ["-o", target], {}, \
            "cannot write -o %s: No such file or directory" % target
    assert case == "unknown engine"
    return [], {"SSLBIO_ENGINE": "bogus"}, \
        "sslbio cannot serve this interpreter (python -m sslbio check says more): " \
        "SSLBIO_ENGINE=bogus names no engine"


@pytest.mark.parametrize("case", [
    "invalid IPv6 URL", "proxy port", "missing --cafile", "key as --cafile",
    "missing --proxy-cafile", "-o in no directory", "unknown engine"])
def test_get_checks_its_arguments_before_connecting(tmpdir, case):
    if case == "unknown engine" and sys.version_info[0] >= 3:
        pytest.skip("the standard library serves Python 3: no engine is chosen")
    args, env, expected = bad_argument(tmpdir, case)
    # Nothing listens there: connecting first would fail otherwise.
    url = "https://localhost:%d/" % webservers.free_port()
    if args and args[0].startswith("https://"):
        url = args.pop(0)
    error = only_error(*run_sslbio(tmpdir, "get", url, *args, env=env))
    assert error.startswith(expected), error


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf", "soon"])
def test_get_timeout_must_be_a_positive_number_of_seconds(tmpdir, value):
    status, out, err = run_sslbio(tmpdir, "get", "--timeout", value, "https://localhost/")
    assert (status, out) == (2, "")
    assert err.startswith("usage: python -m sslbio get ")
    assert err.splitlines()[-1] == ("python -m sslbio get: error: argument --timeout: "
                                    "must be a positive number of seconds, not %r" % value)


def test_get_output_file_is_only_written_by_a_request_that_answers(tmpdir):
    kept, created = tmpdir.join("kept"), tmpdir.join("created")
    kept.write_binary(b"what was there before")
    url = "https://localhost:%d/" % webservers.free_port()
    for target in (kept, created):
        error = only_error(*run_sslbio(tmpdir, "get", "-o", str(target), url))
        assert error.startswith("cannot connect to origin localhost:")
    assert kept.read_binary() == b"what was there before"
    assert not created.exists()
    status, out, err, _ = get_from_server(tmpdir, ["http"], "-o", str(kept))
    assert (status, out, err) == (0, "", "")
    assert kept.read_binary() == BODY.encode("ascii")
